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
static inline void cg_context_freep(CgContext **c) {
        *c = cg_context_free(*c);
}
/* A context that only looks: the mode and the own cgroup are found, and
 * nothing is created, moved or enabled (watch mode without services, a
 * container's entrypoint, a read-only cgroupfs). cg_service_new() on it
 * fails with -EROFS; cg_service_open() works. */
int cg_context_new_observer(CgContext **ret, char **ret_error);
/* What the set-up found doubtful without failing (the own cgroup is a
 * systemd unit's that systemd has not delegated), for the caller to log;
 * NULL when nothing. */
const char *cg_context_warning(const CgContext *c);
bool cg_context_observe_only(const CgContext *c);
/* For tests: a context over a plain directory tree laid out as the mode's
 * cgroup file system (v2: fs_root/services/NAME; v1: fs_root/CONTROLLER/
 * services/NAME for each controller directory present), with nothing
 * detected, moved or enabled. The backend code is the real one; the
 * files are whatever the test put there. Returns 0 or -errno. */
int cg_context_new_fixture(const char *fs_root, CgMode mode, CgContext **ret);
/* The mode's name ("unified", "hybrid", "legacy"), for messages: callers
 * ask for features (cg_context_has), not for the mode. */
const char *cg_context_mode_name(const CgContext *c);
/* Path of OWN/services relative to the hierarchy root (memory hierarchy
 * on v1), for messages and status. */
const char *cg_context_services_path(const CgContext *c);
/* Own cgroup path relative to the hierarchy root (memory on v1). */
const char *cg_context_own_path(const CgContext *c);
/* The cgroup file system's mount point ("/sys/fs/cgroup", or
 * $CGWARDEN_CGROUP_FS), where each v1 hierarchy has its directory. */
const char *cg_context_fs_root(const CgContext *c);
/* The absolute directory of the hierarchy whose tree names the cgroups
 * (cg_service_path(), cg_service_open()): v2's, or v1's memory hierarchy.
 * Valid as long as the context. */
const char *cg_context_tree_root(const CgContext *c);

/* Create a service's cgroup, or adopt the leftover of a cgwarden that
 * died (killing what still runs in it: cg_service_orphans_killed() says
 * how many). -EADDRINUSE when another cgwarden owns it (it is left as it
 * is). */
int cg_service_new(CgContext *c, const char *name, CgService **ret);
unsigned cg_service_orphans_killed(const CgService *s);
/* A cgroup cgwarden did not create, by its path from the hierarchy's root
 * ("/system.slice/foo.service"; on v1 the same path in every hierarchy
 * that has it, the memory hierarchy's must exist). It is never ours:
 * cg_service_free() closes it and neither kills in it nor removes it.
 * name is for messages. -ENOENT when there is no such cgroup. */
int cg_service_open(CgContext *c, const char *name, const char *path, CgService **ret);
/* cgwarden's own cgroup (each hierarchy's own on v1), for a container's
 * entrypoint: opened as by cg_service_open(), never ours to remove. It
 * holds cgwarden itself, so cg_service_signal(), cg_service_kill_all()
 * and cg_service_populated() leave cgwarden (getpid()) and its helpers
 * (base/children.h, CHILD_HELPER) out, and unless cgwarden is PID 1 every
 * process that is not its descendant (another init, a shell sharing the
 * cgroup: not cgwarden's to stop); the kill
 * signals each process until none but cgwarden is left (cgroup.kill and
 * the freezer would take cgwarden too). A child started in it stays where
 * it is born: cg_service_clone_fd() is -EOPNOTSUPP and
 * cg_service_procs_fds() gives no fd. Its limits are not ours to change:
 * cg_service_set_limits() and cg_service_set() are -EROFS. Returns 0 or
 * -errno. */
int cg_service_open_own(CgContext *c, const char *name, CgService **ret);
bool cg_service_is_own(const CgService *s);
/* May cgwarden create cgroups below its own, as a delegated subtree allows?
 * Write access (access(2) W_OK, the check mkdir makes: -EROFS on a
 * read-only mount, -EACCES without permission) to its own cgroup's
 * directory in each hierarchy it uses. Returns 0 when it may; -EROFS,
 * -EACCES or -EPERM when it may not, with *ret_dir (when ret_dir is not
 * NULL) the directory, malloc'd; other -errno when it cannot tell. */
int cg_context_own_delegated(const CgContext *c, char **ret_dir);
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
 * cgroups: services have none). Returns how many were signalled, or
 * -errno. */
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
/* The files whose IN_MODIFY tells that a process may have joined the
 * cgroup: v2 cgroup.events (every change of "populated"), v1 the memory
 * hierarchy's cgroup.procs and tasks (written to move a process in; a
 * process leaving raises nothing there). ret: up to 2 malloc'd paths,
 * NULL-terminated. 0 or -errno (-EOPNOTSUPP: none, poll instead). */
int cg_service_join_paths(CgService *s, char *ret[static 3]);

/* Read a control file of the service ("memory.stat", "pids.current", ...)
 * in whichever hierarchy holds it. Returns 0 and a malloc'd NUL-terminated
 * buffer, or -errno (-ENOENT when this kernel has no such file). */
int cg_service_read(CgService *s, const char *file, char **ret);
/* Relative path of the service's cgroup (memory hierarchy on v1). */
const char *cg_service_path(const CgService *s);
/* Absolute directory in the given controller's hierarchy (v2: the one). */
int cg_service_dir(const CgService *s, const char *controller, char **ret);

/* ---- what the watchers and the guard ask of a service's cgroup ----
 * (cgroup-watch.c, effective-limits.c). The answers differ by version;
 * the callers ask by meaning, never by file name or mode. */

/* What this kernel's cgroups can do for the guard. */
typedef enum CgFeature {
        CG_FEATURE_MEMORY_HIGH, /* a soft memory limit that throttles (v2 memory.high) */
        CG_FEATURE_EVENTS_NOTIFY, /* memory events wake an inotify watch (v2 memory.events) */
        CG_FEATURE_PSI, /* memory pressure triggers (v2 memory.pressure) */
        CG_FEATURE_OOM_PAUSE, /* the OOM killer can be held at the limit, with an eventfd (v1) */
        CG_FEATURE_USAGE_THRESHOLD, /* an eventfd at a usage threshold (v1) */
        CG_FEATURE_FAILCNT, /* a counter of allocations that hit the limit (v1) */
        _CG_FEATURE_MAX,
} CgFeature;
bool cg_context_has(const CgContext *c, CgFeature f);

/* One value of a service's cgroup, written at once. CG_UNLIMITED removes
 * the limit. -EOPNOTSUPP where this version has no such knob. */
typedef enum CgKnob {
        CG_KNOB_MEMORY_HIGH, /* the soft limit (CG_FEATURE_MEMORY_HIGH) */
        CG_KNOB_MEMORY_MAX, /* the hard limit */
        CG_KNOB_PIDS_MAX,
        CG_KNOB_OOM_PAUSE, /* 1: hold the OOM killer at the limit (CG_FEATURE_OOM_PAUSE), 0: let it act */
        _CG_KNOB_MAX,
} CgKnob;
int cg_service_set(CgService *s, CgKnob k, uint64_t v);

/* The files the watchers sample and watch. */
typedef enum CgFile {
        CG_FILE_MEMORY_USAGE, /* bytes charged, one number */
        CG_FILE_MEMORY_STAT, /* cgstat_memory_stat_parse_buf(), see cg_service_memory_stat_parse() */
        CG_FILE_MEMORY_FAILCNT, /* CG_FEATURE_FAILCNT: one number */
        CG_FILE_MEMORY_EVENTS, /* cg_service_memory_events() */
        CG_FILE_PIDS_CURRENT, /* one number */
        CG_FILE_PIDS_EVENTS, /* "max N" */
        _CG_FILE_MAX,
} CgFile;
/* Absolute path of the file, malloc'd; -ENOENT where this version has
 * none (the file itself may still be missing on an old kernel). */
int cg_service_file_path(const CgService *s, CgFile f, char **ret);
/* Open it O_RDONLY|O_CLOEXEC for pread(). Returns the fd or -errno. */
int cg_service_open_file(const CgService *s, CgFile f);

/* The memory event counters: v2 memory.events; v1 memory.oom_control
 * (high and max stay 0). */
typedef struct CgMemCounters {
        uint64_t high, max, oom_kill;
        bool under_oom; /* v1: the tasks are held at the limit now */
} CgMemCounters;
int cg_service_memory_events(CgService *s, CgMemCounters *ret);
/* memory.stat's text as this version names its keys. */
typedef struct CgMemStat CgMemStat;
int cg_service_memory_stat_parse(const CgService *s, const char *buf, size_t n, CgMemStat *ret);
/* Bytes charged now; without_cache: less the page cache. */
int cg_service_memory_usage(CgService *s, bool without_cache, uint64_t *ret);

/* Notifications as fds for the caller's event loop (the caller owns the
 * fd; closing it ends the registration):
 *   an eventfd that counts each crossing of bytes (CG_FEATURE_USAGE_THRESHOLD),
 *   an eventfd for the OOM state (CG_FEATURE_OOM_PAUSE),
 *   a PSI trigger fd, EPOLLPRI when tasks stalled on memory for stall
 *   within window (CG_FEATURE_PSI). -EOPNOTSUPP where absent. */
int cg_service_watch_oom(CgService *s, int *ret_fd);
/* An eventfd that counts each crossing of bytes (CG_FEATURE_USAGE_THRESHOLD),
 * without waiting: v1 registers a threshold and
 * then waits for an RCU grace period (15-20 ms here), which a worker thread
 * does instead of the caller. The fd counts crossings once the pending
 * registration's result is 0; -EINPROGRESS until then, or -errno when the
 * kernel refused it. The caller unrefs *ret_pending. -EBUSY: too many wait
 * already (each holds fds), ask again later. */
typedef struct CgPending CgPending;
int cg_service_watch_usage_async(CgService *s, uint64_t bytes, int *ret_fd, CgPending **ret_pending);
int cg_pending_result(const CgPending *p);
CgPending *cg_pending_unref(CgPending *p);
int cg_service_psi_trigger(CgService *s, bool full, uint64_t stall_usec, uint64_t window_usec, int *ret_fd);

/* The files that hold the memory event counters, NULL-terminated: one
 * (v2 memory.events) to copy as it is, or several (v1) to quote a line
 * each. For the capture's memory.events.txt. */
const char *const *cg_context_memory_event_files(const CgContext *c);

/* Where a process cgwarden did not start lives: its cgroup path (the
 * memory hierarchy's on v1), the absolute memory and pids directories
 * (NULL where absent) and the memory event files, as for the capture of a
 * process by pid. Detects the version itself. Returns 0 or -errno. */
typedef struct CgProcessCgroup {
        char *path, *memory_dir, *pids_dir;
        const char *const *memory_event_files;
} CgProcessCgroup;
int cg_process_cgroup(pid_t pid, CgProcessCgroup *ret);
void cg_process_cgroup_done(CgProcessCgroup *p);

/* Is pid in the service's cgroup (not below it)? 1, 0, or -errno
 * (-ESRCH: no such process). */
int cg_service_contains_pid(const CgService *s, pid_t pid);
/* The same for any cgroup path: controller NULL for v2's, else that v1
 * hierarchy's. Pure but for reading /proc/PID/cgroup. */
int cg_pid_in_cgroup(pid_t pid, const char *cgroup_rel_path, const char *controller);

/* The limit that will actually stop the service: the smallest up the
 * cgroup tree (a slice or container above cgwarden counts), else total
 * memory; for tasks also RLIMIT_NPROC (uid != 0), threads-max and pid_max.
 * Reads only. Returns 0 or -errno. */
typedef struct EffectiveLimit {
        uint64_t value; /* UINT64_MAX: none found */
        char source[160];
} EffectiveLimit;
typedef struct EffectiveLimits {
        EffectiveLimit memory;
        EffectiveLimit pids;
} EffectiveLimits;
int cg_service_effective_limits(const CgService *s, uid_t uid, EffectiveLimits *ret);

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
