/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Names and kinds of the cgroups a [watch:NAME] section finds, from their
 * paths alone. Pure: no I/O. */

#include <stddef.h>

typedef enum WatchedKind {
        WATCHED_CGROUP, /* a cgroup by path, or one match= found that names nothing better */
        WATCHED_UNIT, /* a systemd unit: NAME.service, NAME.scope */
        WATCHED_CONTAINER, /* a container: its runtime's id is in the path */
        _WATCHED_KIND_MAX,
} WatchedKind;
const char *watched_kind_to_string(WatchedKind k); /* "cgroup", "unit", "container" */

/* The name of a cgroup found by the watch section: "SECTION.ID" where ID
 * is, from the path's last component,
 *   a container's short id (12 hex digits) from "docker-<id>.scope",
 *   "libpod-<id>.scope", "cri-containerd-<id>.scope", "crio-<id>.scope"
 *   or a bare 64-hex directory (the cgroupfs drivers), preceded by the
 *   pod's uid ("pod<8 hex>-") when a component of the path names one
 *   (kubepods...-pod<uid>.slice, pod<uid>);
 *   else the unit name without ".service" / ".scope" / ".slice";
 *   else the component itself;
 * with characters outside [A-Za-z0-9_.-] as '_', cut to fit a service
 * name (64 bytes). Returns the kind the path names. */
WatchedKind watched_name_from_path(const char *section, const char *path, char *buf, size_t size);
