/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One cgroup interface, two backends (after crun's libcrun/cgroup*.c).
 *
 * The mode is detected once, in cg_context_new(). Callers never branch on
 * the version: they ask the backend for what they need.
 *
 * Layout (both backends), with OWN = the cgroup cgwarden was started in
 * (per hierarchy on v1):
 *   OWN/supervisor          v2 only: cgwarden moves itself here, because a
 *                           delegated v2 subtree may hold processes only in
 *                           leaves
 *   OWN/services/NAME       one cgroup per service
 * cgwarden never writes above OWN, and removes what it created on exit. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/macro.h"

typedef enum CgMode {
        CG_MODE_UNIFIED, /* cgroup2 only */
        CG_MODE_HYBRID, /* controllers on v1, an (empty) v2 at /unified */
        CG_MODE_LEGACY, /* v1 only */
        _CG_MODE_MAX,
        _CG_MODE_INVALID = -EINVAL,
} CgMode;
const char *cg_mode_to_string(CgMode m);

#define CG_UNLIMITED UINT64_MAX

typedef struct CgLimits {
        uint64_t memory_max; /* bytes, CG_UNLIMITED */
        uint64_t memory_high; /* bytes, CG_UNLIMITED (v2 only; v1 ignores) */
        uint64_t pids_max; /* CG_UNLIMITED */
        uint64_t cpu_quota_usec; /* per cpu_period_usec; CG_UNLIMITED */
        uint64_t cpu_period_usec;
        bool oom_pause; /* v1: memory.oom_control oom_kill_disable=1 */
} CgLimits;
#define CG_LIMITS_NONE ((CgLimits){ CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED, CG_UNLIMITED, 100000, false })

typedef struct CgContext CgContext;
typedef struct CgService CgService;

/* Detect the mode, find our own cgroup(s) and prepare the subtree (v2: move
 * into OWN/supervisor and enable memory, pids, cpu in subtree_control).
 * cgroup_root: "auto" or NULL for OWN, or an absolute cgroup path that must
 * be OWN or below it. The sysfs root (normally /sys/fs/cgroup) can be
 * overridden with $CGWARDEN_CGROUP_FS for tests. Returns 0 or -errno;
 * *ret_error gets a human explanation on failure (malloc'd) when not NULL. */
int cg_context_new(const char *cgroup_root, CgContext **ret, char **ret_error);
/* Removes the subtree cgwarden created (services must be destroyed first;
 * leftover empty service cgroups are removed too). Accepts NULL. */
CgContext *cg_context_free(CgContext *c);
CgMode cg_context_mode(const CgContext *c);
/* Path of OWN/services relative to the hierarchy root (memory hierarchy
 * on v1), for messages and status. */
const char *cg_context_services_path(const CgContext *c);
/* Own cgroup path relative to the hierarchy root (memory on v1). */
const char *cg_context_own_path(const CgContext *c);
/* Absolute sysfs directory of the memory (v1) / unified (v2) hierarchy. */
const char *cg_context_fs_root(const CgContext *c);

/* Create (or adopt an empty leftover) cgroup for a service. -EBUSY when it
 * exists and holds processes (another instance?). */
int cg_service_new(CgContext *c, const char *name, CgService **ret);
/* Kill everything left, then remove the cgroup(s). Accepts NULL. */
CgService *cg_service_free(CgService *s);

int cg_service_set_limits(CgService *s, const CgLimits *l);
/* Read back what the kernel holds (CG_UNLIMITED for "max"). */
int cg_service_get_limits(CgService *s, CgLimits *ret);

/* v2: an O_DIRECTORY fd of the service cgroup for clone3(CLONE_INTO_CGROUP);
 * -EOPNOTSUPP on v1. The fd is owned by the service object. */
int cg_service_clone_fd(CgService *s);

/* fds of every cgroup.procs file this service must join (one per v1
 * hierarchy, one on v2), opened O_WRONLY|O_CLOEXEC by the parent so that a
 * forked child can join with cg_join_fds() without allocating. */
int cg_service_procs_fds(CgService *s, const int **ret_fds, size_t *ret_n);
/* Close the fds opened by cg_service_procs_fds() (after the spawn): an
 * idle service then holds no cgroup fds. */
void cg_service_close_procs_fds(CgService *s);
/* Async-signal-safe: write "0" (= the calling process) into each fd. */
int cg_join_fds(const int *fds, size_t n);

/* Signal every process of the service (not recursive into children's
 * cgroups: services have none). */
int cg_service_signal(CgService *s, int sig);
/* Kill every process and wait until the cgroup is empty: v2 cgroup.kill;
 * v1 freeze, SIGKILL every task until none is left, thaw. Returns 0 or
 * -errno (-ETIMEDOUT if tasks survive ~2 s: a task stuck in D state). */
int cg_service_kill_all(CgService *s);
/* Does the cgroup hold any process? */
int cg_service_populated(CgService *s);
/* fd to watch for "populated" changes (v2 cgroup.events, EPOLLPRI or
 * inotify), or -EOPNOTSUPP on v1. */
int cg_service_events_path(CgService *s, char **ret_path);

/* Read a control file of the service ("memory.stat", "pids.current", ...)
 * in whichever hierarchy holds it. Returns 0 and a malloc'd NUL-terminated
 * buffer, or -errno (-ENOENT when this kernel has no such file). */
int cg_service_read(CgService *s, const char *file, char **ret);
/* Relative path of the service's cgroup (memory hierarchy on v1). */
const char *cg_service_path(const CgService *s);
/* Absolute directory in the given controller's hierarchy (v2: the one). */
int cg_service_dir(const CgService *s, const char *controller, char **ret);

/* Plain file helpers for cgroupfs and procfs: write a whole value in one
 * write(2); read a whole file (NUL-terminated, malloc'd). 0 or -errno. */
int cg_write_file(const char *path, const char *value);
int cg_read_file(const char *path, char **ret);

/* Pure helpers, unit-tested. */
/* Parse /proc/PID/cgroup content: returns the v2 path ("0::/x") or the v1
 * path of a controller ("4:memory:/x"), malloc'd. -ENOENT if absent. */
int cg_parse_proc_cgroup(const char *buf, const char *controller, char **ret_path);
/* "max" or a decimal: CG_UNLIMITED or the value. */
int cg_parse_limit(const char *s, uint64_t *ret);
