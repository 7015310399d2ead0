/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The capture store: <capture_dir>/<service>/ holds one directory per
 * capture, "<UTC stamp>-<reason>", written as ".<UTC stamp>-<reason>.partial"
 * and renamed when finished (DESIGN.md, "Contract"). Here are the
 * names, the rename, retention and the recovery of interrupted captures:
 * pure directory work on a directory fd or path, no event loop, no
 * logging (STYLE rule 3): the caller logs. */

#include <stdint.h>

#include "base/macro.h"

/* The sizes of a capture's final and partial directory names, with the NUL. */
#define CAPTURE_NAME_MAX 64
#define CAPTURE_PARTIAL_MAX 80

/* Format the UTC directory stamp "20261122T071421.123Z". Pure. */
void capture_format_stamp(usec_t realtime, char buf[static 24]);

/* Format RFC 3339 with milliseconds "2026-11-22T07:14:21.123Z". Pure. */
void capture_format_rfc3339(usec_t realtime, char buf[static 32]);

/* The names of a capture started at realtime for reason:
 * "<stamp>-<reason>" and ".<stamp>-<reason>.partial", each cut to its
 * size. Pure. */
void capture_store_names(usec_t realtime, const char *reason, char ret_name[static CAPTURE_NAME_MAX],
                         char ret_partial[static CAPTURE_PARTIAL_MAX]);

/* Create the file `file` (0600) in the capture directory dir_fd; it must
 * not exist yet, and is not followed if it is a link. Returns the fd, or
 * -errno. */
int capture_store_create_file(int dir_fd, const char *file);

/* Finish a capture directory: sync dir_fd (the partial directory), rename
 * partial to name in svc_fd and sync svc_fd. Returns 0, or -errno when the
 * rename failed. */
int capture_store_rename(int svc_fd, int dir_fd, const char *partial, const char *name);

/* The bytes a finished capture's files take on disk (allocated blocks);
 * 0 when dir cannot be read. */
uint64_t capture_store_size(const char *dir);

/* The finished captures in a service's capture directory (dir_fd): their
 * names, oldest first (the stamps sort in time), in *ret_names (NULL when
 * none; free each and the array). Returns 0 or -errno. */
int capture_store_list(int dir_fd, char ***ret_names, size_t *ret_n);

/* Retention in a service's capture directory (dir_fd): keep the newest
 * `keep` finished captures (0: all) and remove older ones while the total
 * exceeds max_bytes (0: no limit); the newest is never removed. Partial
 * directories are left alone. Returns the number removed, or -errno. */
int capture_prune(int dir_fd, uint64_t keep, uint64_t max_bytes);

/* How the recovery of one interrupted capture went: service and partial
 * name the directory it was found in, name the one it was renamed to
 * (NULL when error < 0); error is 0 or -errno. */
typedef void (*capture_recovered_t)(const char *service, const char *partial, const char *name, int error,
                                    void *userdata);

/* Every "<dir>/<service>/.NAME.partial" that a cgwarden killed mid-capture
 * left gets the manifest.json of an interrupted capture (manifest.c) and is
 * renamed to NAME; report (NULL: none) hears of each, done or failed.
 * Returns the number finished (0 when dir does not exist), or -errno. */
int capture_store_recover(const char *dir, capture_recovered_t report, void *userdata);
