/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One [watch:NAME] section at work: the cgroups it names, found as they
 * appear and dropped when they go.
 *
 *   cgroup = PATH   that one cgroup, guarded under the section's name, as
 *                   soon as it exists;
 *   match = GLOB    every cgroup matching (path-glob.h), each under a name
 *                   from its path (naming.h). Only the deepest match is
 *                   guarded: a matching cgroup with a matching cgroup below
 *                   it (a pod's slice above its containers) is not.
 *
 * Discovery is inotify on the cgroup tree (the memory hierarchy on v1): a
 * watch on each directory that leads to a match (IN_CREATE, IN_DELETE of
 * directories), none elsewhere; a new cgroup is guarded SETTLE after its
 * directory appears (a runtime creates a container's cgroups in every
 * hierarchy, then moves its process in). When the kernel's event queue
 * overflows, the tree is walked again once. A cgroup that goes while its
 * capture runs is kept until the capture has ended. */

#include "config/config.h"
#include "watched/watched.h"

typedef struct WatchRule WatchRule;

/* Takes section (a SERVICE_KIND_WATCH with cgroup= or match=). Returns 0
 * or -errno (logged). */
int watch_rule_new(const WatchedContext *ctx, ServiceConfig *section, WatchRule **ret);
WatchRule *watch_rule_free(WatchRule *r);

const ServiceConfig *watch_rule_section(const WatchRule *r);
/* The cgroups guarded now (and those gone whose capture still runs). */
size_t watch_rule_count(const WatchRule *r);
/* The next watched cgroup of r from *pos (0 at first), NULL after the
 * last: a walk over all of them costs O(n). */
Watched *watch_rule_next(const WatchRule *r, size_t *pos);

/* unit=: the unit's name and the cgroup it has or will have (NULL for
 * cgroup= and match=), and a start, stop or restart of it asked of
 * systemd also while the unit is inactive (no watched cgroup then).
 * watch_rule_request() returns 0, -EOPNOTSUPP without unit=, or -errno
 * (logged). */
const char *watch_rule_unit(const WatchRule *r);
const char *watch_rule_unit_path(const WatchRule *r);
int watch_rule_request(WatchRule *r, WatchedRequest req);

/* Free the watched cgroups that are gone and no longer capturing. The
 * owner calls it from its deferred work after changed(). */
void watch_rule_reap(WatchRule *r);
