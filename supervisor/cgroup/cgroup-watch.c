/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the watchers and the guard ask of a service's cgroup (cgroup.h):
 * the knobs the guard turns, the files the watchers sample, the kernel's
 * notifications. The only place besides the backends that knows which
 * version names what. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <time.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include "base/procfs.h"
#include "cgroup/cgroup-internal.h"
#include "cgroup/cgstat.h"

static bool unified(const CgContext *c) {
        return c->mode == CG_MODE_UNIFIED;
}

bool cg_context_has(const CgContext *c, CgFeature f) {
        switch (f) {
        case CG_FEATURE_MEMORY_HIGH:
        case CG_FEATURE_EVENTS_NOTIFY:
        case CG_FEATURE_PSI:
                return unified(c);
        case CG_FEATURE_OOM_PAUSE:
        case CG_FEATURE_USAGE_THRESHOLD:
        case CG_FEATURE_FAILCNT:
                return !unified(c);
        default:
                return false;
        }
}

/* controller, v2 name, v1 name (NULL: none in that version) */
static const struct {
        const char *controller, *v2, *v1;
} files[_CG_FILE_MAX] = {
        [CG_FILE_MEMORY_USAGE] = { "memory", "memory.current", "memory.usage_in_bytes" },
        [CG_FILE_MEMORY_STAT] = { "memory", "memory.stat", "memory.stat" },
        [CG_FILE_MEMORY_FAILCNT] = { "memory", NULL, "memory.failcnt" },
        [CG_FILE_MEMORY_EVENTS] = { "memory", "memory.events", "memory.oom_control" },
        [CG_FILE_PIDS_CURRENT] = { "pids", "pids.current", "pids.current" },
        [CG_FILE_PIDS_EVENTS] = { "pids", "pids.events", "pids.events" },
};

static const struct {
        const char *controller, *v2, *v1;
} knobs[_CG_KNOB_MAX] = {
        [CG_KNOB_MEMORY_HIGH] = { "memory", "memory.high", NULL },
        [CG_KNOB_MEMORY_MAX] = { "memory", "memory.max", "memory.limit_in_bytes" },
        [CG_KNOB_PIDS_MAX] = { "pids", "pids.max", "pids.max" },
        [CG_KNOB_OOM_PAUSE] = { "memory", NULL, "memory.oom_control" },
};

static int path_of(const CgService *s, const char *controller, const char *name, char **ret) {
        _cleanup_free_ char *dir = NULL;
        int r;

        if (!name)
                return -ENOENT;
        r = cg_service_dir(s, controller, &dir);
        if (r < 0)
                return r;
        *ret = cg_path_join(dir, name);
        return *ret ? 0 : -ENOMEM;
}

int cg_service_file_path(const CgService *s, CgFile f, char **ret) {
        if (f < 0 || f >= _CG_FILE_MAX)
                return -EINVAL;
        return path_of(s, files[f].controller, unified(s->ctx) ? files[f].v2 : files[f].v1, ret);
}

int cg_service_join_paths(CgService *s, char *ret[static 3]) {
        int r;

        ret[0] = ret[1] = ret[2] = NULL;
        if (unified(s->ctx))
                return cg_service_events_path(s, &ret[0]);
        /* v1: a process comes in only by a write of its pid (or a
         * thread's) to one of these, and a write raises IN_MODIFY */
        r = path_of(s, "memory", "cgroup.procs", &ret[0]);
        if (r >= 0)
                r = path_of(s, "memory", "tasks", &ret[1]);
        if (r < 0)
                ret[0] = mfree(ret[0]);
        return r;
}

int cg_service_open_file(const CgService *s, CgFile f) {
        _cleanup_free_ char *p = NULL;
        int r, fd;

        r = cg_service_file_path(s, f, &p);
        if (r < 0)
                return r;
        fd = open(p, O_RDONLY | O_CLOEXEC);
        return fd < 0 ? -errno : fd;
}

int cg_service_set(CgService *s, CgKnob k, uint64_t v) {
        _cleanup_free_ char *p = NULL;
        char val[32];
        int r;

        if (k < 0 || k >= _CG_KNOB_MAX)
                return -EINVAL;
        if (cg_service_is_own(s))
                return -EROFS; /* the container's limits, not ours (cgroup.h) */
        r = path_of(s, knobs[k].controller, unified(s->ctx) ? knobs[k].v2 : knobs[k].v1, &p);
        if (r == -ENOENT && !(unified(s->ctx) ? knobs[k].v2 : knobs[k].v1))
                return -EOPNOTSUPP;
        if (r < 0)
                return r;
        if (k == CG_KNOB_OOM_PAUSE)
                snprintf(val, sizeof val, "%s", v ? "1" : "0");
        else if (v == CG_UNLIMITED)
                /* v1 memory.limit_in_bytes takes -1; pids.max is "max" in both */
                snprintf(val, sizeof val, "%s", unified(s->ctx) || k == CG_KNOB_PIDS_MAX ? "max" : "-1");
        else
                snprintf(val, sizeof val, "%" PRIu64, v);
        return cg_write_file(p, val);
}

int cg_service_memory_events(CgService *s, CgMemCounters *ret) {
        _cleanup_free_ char *buf = NULL;
        uint64_t under = 0;
        int r;

        r = cg_service_read(s, unified(s->ctx) ? "memory.events" : "memory.oom_control", &buf);
        if (r < 0)
                return r;
        *ret = (CgMemCounters){};
        if (unified(s->ctx)) {
                CgMemEvents ev;
                r = cgstat_memory_events_parse_buf(buf, strlen(buf), &ev);
                if (r < 0)
                        return r;
                ret->high = ev.high;
                ret->max = ev.max;
                ret->oom_kill = ev.oom_kill;
        } else {
                (void) cgstat_kv_get(buf, strlen(buf), "oom_kill", &ret->oom_kill);
                (void) cgstat_kv_get(buf, strlen(buf), "under_oom", &under);
                ret->under_oom = under > 0;
        }
        return 0;
}

int cg_service_memory_stat_parse(const CgService *s, const char *buf, size_t n, CgMemStat *ret) {
        return cgstat_memory_stat_parse_buf(buf, n, !unified(s->ctx), ret);
}

int cg_service_memory_usage(CgService *s, bool without_cache, uint64_t *ret) {
        _cleanup_free_ char *buf = NULL, *stat = NULL;
        uint64_t cur;
        CgMemStat ms;
        int r;

        r = cg_service_read(s, unified(s->ctx) ? "memory.current" : "memory.usage_in_bytes", &buf);
        if (r < 0)
                return r;
        r = cg_parse_limit(buf, &cur);
        if (r < 0)
                return r;
        /* the file pages a service touched stay charged to it and the
         * kernel drops them under pressure anyway (v2 memory.stat file,
         * v1 total_cache) */
        if (without_cache && cur > 0 && cg_service_read(s, "memory.stat", &stat) >= 0 &&
            cg_service_memory_stat_parse(s, stat, strlen(stat), &ms) >= 0 && ms.file != CGSTAT_UNKNOWN)
                cur = cur > ms.file ? cur - ms.file : 0;
        *ret = cur;
        return 0;
}

/* v1: register an eventfd through cgroup.event_control: "<efd> <fd>
 * [args]". The kernel drops the registration when the eventfd is closed.
 * Registering waits for an RCU grace period (~10-15 ms here). */
static int v1_register(CgService *s, const char *file, const char *args, int *ret_fd) {
        _cleanup_free_ char *target = NULL, *ctl = NULL;
        _cleanup_close_ int efd = -EBADF, tfd = -EBADF;
        char line[128];
        int r;

        if (unified(s->ctx))
                return -EOPNOTSUPP;
        r = path_of(s, "memory", file, &target);
        if (r < 0)
                return r;
        r = path_of(s, "memory", "cgroup.event_control", &ctl);
        if (r < 0)
                return r;
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                return -errno;
        tfd = open(target, O_RDONLY | O_CLOEXEC);
        if (tfd < 0)
                return -errno;
        snprintf(line, sizeof line, "%d %d%s%s", efd, tfd, args ? " " : "", args ?: "");
        r = cg_write_file(ctl, line);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(efd);
        return 0;
}

/* ---- v1 usage thresholds registered off the loop ----
 *
 * The kernel registers a usage threshold and then waits for an RCU grace
 * period (synchronize_rcu() in the v1 memcg threshold code), 15-20 ms
 * here, with the caller blocked. One guard's registration is nothing; ten
 * thousand watched cgroups took minutes in which the loop stood still for
 * 15-20 ms at a time (tests/bench/watch-scale). So the write goes to a
 * few worker threads, which do nothing but that write and close their own
 * copies of the fds: no locks of ours or of libc's are held across it, no
 * logging, no sd-event. Concurrent grace periods are shared by the kernel,
 * so the workers also arm thousands faster than one would. */

#define REGISTER_WORKERS_MAX 8
/* each job holds 3 fds while it waits: at most this many wait */
#define REGISTER_QUEUED_MAX 64

/* Only the loop's thread allocates and frees these: a free() in a worker
 * would give it a malloc arena and a tcache of its own (measured: +1.9 MB
 * RssAnon). A job its caller dropped while a worker had it waits in the
 * abandoned list until the worker is done. */
struct CgPending {
        CgPending *next; /* in the queue, under reg_lock */
        CgPending *abandoned_next; /* the loop's thread only */
        atomic_int result; /* -EINPROGRESS, 0 or -errno: the worker's last access */
        int ctl, efd, tfd; /* the job's own */
        char line[96];
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cond = PTHREAD_COND_INITIALIZER;
static CgPending *reg_head, **reg_tail = &reg_head;
static unsigned reg_workers, reg_idle, reg_queued;
static CgPending *reg_abandoned; /* the loop's thread only */

static bool pending_done(const CgPending *p) {
        return atomic_load(&((CgPending *) p)->result) != -EINPROGRESS;
}

static void abandoned_sweep(void) {
        for (CgPending **q = &reg_abandoned; *q;)
                if (pending_done(*q)) {
                        CgPending *p = *q;
                        *q = p->abandoned_next;
                        free(p);
                } else
                        q = &(*q)->abandoned_next;
}

CgPending *cg_pending_unref(CgPending *p) {
        if (!p)
                return NULL;
        if (pending_done(p)) {
                free(p);
                return NULL;
        }
        /* queued or running: the worker still writes and closes its own
         * fds (a registration on an eventfd nobody else holds, dropped as
         * it closes); freed by a later sweep */
        p->abandoned_next = reg_abandoned;
        reg_abandoned = p;
        return NULL;
}

int cg_pending_result(const CgPending *p) {
        return p ? atomic_load(&((CgPending *) p)->result) : -EINVAL;
}

static void pending_run(CgPending *p) {
        ssize_t n = write(p->ctl, p->line, strlen(p->line));
        int r = n < 0 ? -errno : 0;

        safe_close(p->ctl);
        safe_close(p->efd);
        safe_close(p->tfd);
        atomic_store(&p->result, r); /* the last access: the loop may free it now */
}

static void *reg_worker(void *arg) {
        for (;;) {
                CgPending *p;

                pthread_mutex_lock(&reg_lock);
                while (!reg_head) {
                        struct timespec until;
                        int r;

                        /* idle for 10 s: gone (a daemon of a few services
                         * needs them only after a start) */
                        clock_gettime(CLOCK_REALTIME, &until);
                        until.tv_sec += 10;
                        reg_idle++;
                        r = pthread_cond_timedwait(&reg_cond, &reg_lock, &until);
                        reg_idle--;
                        if (r == ETIMEDOUT && !reg_head) {
                                reg_workers--;
                                pthread_mutex_unlock(&reg_lock);
                                return NULL;
                        }
                }
                p = reg_head;
                reg_queued--;
                reg_head = p->next;
                if (!reg_head)
                        reg_tail = &reg_head;
                pthread_mutex_unlock(&reg_lock);
                pending_run(p);
        }
        return NULL;
}

/* Called with reg_lock held. */
static bool reg_worker_start(void) {
        sigset_t all, old;
        pthread_attr_t attr;
        pthread_t t;
        int r;

        if (pthread_attr_init(&attr) != 0)
                return false;
        (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void) pthread_attr_setstacksize(&attr, 64 * 1024);
        /* no signal for it: they are the loop's (signalfd) */
        sigfillset(&all);
        (void) pthread_sigmask(SIG_SETMASK, &all, &old);
        r = pthread_create(&t, &attr, reg_worker, NULL);
        (void) pthread_sigmask(SIG_SETMASK, &old, NULL);
        (void) pthread_attr_destroy(&attr);
        if (r != 0)
                return false;
        reg_workers++;
        return true;
}

int cg_service_watch_usage_async(CgService *s, uint64_t bytes, int *ret_fd, CgPending **ret_pending) {
        _cleanup_free_ char *target = NULL, *ctl = NULL;
        _cleanup_close_ int efd = -EBADF;
        CgPending *p;
        bool queued = false;
        int r;

        if (unified(s->ctx))
                return -EOPNOTSUPP;
        pthread_mutex_lock(&reg_lock);
        r = reg_queued >= REGISTER_QUEUED_MAX ? -EBUSY : 0;
        pthread_mutex_unlock(&reg_lock);
        if (r < 0)
                return r;
        r = path_of(s, "memory", "memory.usage_in_bytes", &target);
        if (r < 0)
                return r;
        r = path_of(s, "memory", "cgroup.event_control", &ctl);
        if (r < 0)
                return r;
        abandoned_sweep();
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->ctl = p->efd = p->tfd = -EBADF;
        atomic_init(&p->result, -EINPROGRESS);
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0 || (p->efd = fcntl(efd, F_DUPFD_CLOEXEC, 3)) < 0 ||
            (p->tfd = open(target, O_RDONLY | O_CLOEXEC)) < 0 ||
            (p->ctl = open(ctl, O_WRONLY | O_CLOEXEC)) < 0) {
                r = -errno;
                safe_close(p->efd);
                safe_close(p->tfd);
                free(p);
                return r;
        }
        snprintf(p->line, sizeof p->line, "%d %d %" PRIu64, p->efd, p->tfd, bytes);

        pthread_mutex_lock(&reg_lock);
        if (reg_idle > 0 || reg_workers >= REGISTER_WORKERS_MAX || reg_worker_start()) {
                *reg_tail = p;
                reg_tail = &p->next;
                reg_queued++;
                pthread_cond_signal(&reg_cond);
                queued = true;
        }
        pthread_mutex_unlock(&reg_lock);
        if (!queued) /* no thread: here, blocking, as before */
                pending_run(p);
        *ret_fd = TAKE_FD(efd);
        *ret_pending = p;
        return 0;
}

int cg_service_watch_oom(CgService *s, int *ret_fd) {
        return v1_register(s, "memory.oom_control", NULL, ret_fd);
}

int cg_service_psi_trigger(CgService *s, bool full, uint64_t stall_usec, uint64_t window_usec, int *ret_fd) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        char trig[64];
        int r;

        if (!unified(s->ctx))
                return -EOPNOTSUPP;
        r = path_of(s, "memory", "memory.pressure", &p);
        if (r < 0)
                return r;
        fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        snprintf(trig, sizeof trig, "%s %llu %llu", full ? "full" : "some", (unsigned long long) stall_usec,
                 (unsigned long long) window_usec);
        if (write(fd, trig, strlen(trig) + 1) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

#define PROC_CGROUP_MAX (64 * 1024)

int cg_pid_in_cgroup(pid_t pid, const char *cgroup_rel_path, const char *controller) {
        _cleanup_free_ char *buf = NULL, *cg = NULL;
        char path[sizeof("/proc//cgroup") + 12];
        size_t n, want;
        int r;

        if (pid <= 0 || !cgroup_rel_path || cgroup_rel_path[0] != '/')
                return -EINVAL;
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int) pid);
        r = procfs_read_full(path, PROC_CGROUP_MAX, &buf, &n);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        r = cg_parse_proc_cgroup(buf, controller, &cg);
        if (r < 0)
                return r;

        /* "/a/b" and "/a/b/" are the same cgroup */
        want = strlen(cgroup_rel_path);
        while (want > 1 && cgroup_rel_path[want - 1] == '/')
                want--;
        return strlen(cg) == want && memcmp(cg, cgroup_rel_path, want) == 0;
}

int cg_service_contains_pid(const CgService *s, pid_t pid) {
        return cg_pid_in_cgroup(pid, s->rel, unified(s->ctx) ? NULL : "memory");
}

static const char *const *memory_event_files(bool v2) {
        static const char *const files_v2[] = { "memory.events", NULL };
        /* v1 has no memory.events: its counters live in these */
        static const char *const files_v1[] = {
                "memory.oom_control",        "memory.failcnt",        "memory.usage_in_bytes",
                "memory.max_usage_in_bytes", "memory.limit_in_bytes", NULL,
        };
        return v2 ? files_v2 : files_v1;
}

const char *const *cg_context_memory_event_files(const CgContext *c) {
        return memory_event_files(unified(c));
}

int cg_process_cgroup(pid_t pid, CgProcessCgroup *ret) {
        _cleanup_free_ char *buf = NULL, *pm = NULL, *pp = NULL;
        char procpath[64];
        struct statfs st;
        bool v2;
        int r;

        *ret = (CgProcessCgroup){};
        v2 = statfs("/sys/fs/cgroup", &st) >= 0 && st.f_type == CGROUP2_SUPER_MAGIC;
        ret->memory_event_files = memory_event_files(v2);
        snprintf(procpath, sizeof procpath, "/proc/%d/cgroup", (int) pid);
        r = cg_read_file(procpath, &buf);
        if (r < 0)
                return r;
        if (cg_parse_proc_cgroup(buf, v2 ? NULL : "memory", &pm) >= 0 &&
            asprintf(&ret->memory_dir, "/sys/fs/cgroup%s%s", v2 ? "" : "/memory", pm) < 0)
                ret->memory_dir = NULL;
        ret->path = TAKE_PTR(pm);
        if (cg_parse_proc_cgroup(buf, v2 ? NULL : "pids", &pp) >= 0 &&
            asprintf(&ret->pids_dir, "/sys/fs/cgroup%s%s", v2 ? "" : "/pids", pp) < 0)
                ret->pids_dir = NULL;
        return 0;
}

void cg_process_cgroup_done(CgProcessCgroup *p) {
        p->path = mfree(p->path);
        p->memory_dir = mfree(p->memory_dir);
        p->pids_dir = mfree(p->pids_dir);
}
