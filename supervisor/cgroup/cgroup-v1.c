/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v1 backend (legacy and hybrid hosts).
 *
 * libcgroup (loaded for each change: CgLib below) creates the
 * per-controller groups and writes the limits (cgroup_create_cgroup,
 * cgroup_modify_cgroup). An empty group is removed with rmdir, which is
 * what libcgroup's delete with DELETE_EMPTY_ONLY does (never a migration
 * of tasks into our own cgroup). Everything it has no API for is written
 * directly: the freezer dance for kill, cgroup.procs fds for a forked
 * child, and reading stat/event files. If libcgroup cannot be loaded or
 * cgroup_init() fails (e.g. no /proc/mounts in a chroot) the same
 * operations fall back to cgroupfs. */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <time.h>

#include <libcgroup.h>

#include "base/log.h"
#include "cgroup/cgroup-internal.h"

/* libcgroup is loaded for one change to the groups and unloaded after it.
 * cgroup_init() clears libcgroup's mount table, a static array of 820 KiB
 * (cg_mount_table), and a process that has called it keeps those pages
 * for life: 40 % of what 100 guarded services may cost (issue #17's 2 MB),
 * for a mkdir and a few writes per service. So, as systemd loads its
 * optional libraries, it is dlopen()ed where a group is created or
 * changed, and dlclose()d when that change is done, which unmaps the
 * table (and keeps it out of every CLI call). One load and init costs
 * ~0.7 ms here (more after a pause); a change that writes nothing loads
 * nothing. */
#define LIBCGROUP_SONAME "libcgroup.so.2"

typedef struct CgLib {
        void *dl;
        typeof(cgroup_init) *init;
        typeof(cgroup_get_last_errno) *get_last_errno;
        typeof(cgroup_new_cgroup) *new_cgroup;
        typeof(cgroup_add_controller) *add_controller;
        typeof(cgroup_add_value_string) *add_value_string;
        typeof(cgroup_create_cgroup) *create_cgroup;
        typeof(cgroup_modify_cgroup) *modify_cgroup;
        typeof(cgroup_free) *free;
} CgLib;

static void cglib_close(CgLib *l) {
        if (l->dl)
                (void) dlclose(l->dl);
        *l = (CgLib){};
}

/* l loaded and initialised (true), or libcgroup unusable here: false, and
 * the context goes on without it (said once, at debug level). */
static bool cglib_get(CgContext *c, CgLib *l) {
        const struct {
                const char *name;
                void **fn;
        } syms[] = {
                { "cgroup_init", (void **) &l->init },
                { "cgroup_get_last_errno", (void **) &l->get_last_errno },
                { "cgroup_new_cgroup", (void **) &l->new_cgroup },
                { "cgroup_add_controller", (void **) &l->add_controller },
                { "cgroup_add_value_string", (void **) &l->add_value_string },
                { "cgroup_create_cgroup", (void **) &l->create_cgroup },
                { "cgroup_modify_cgroup", (void **) &l->modify_cgroup },
                { "cgroup_free", (void **) &l->free },
        };
        int r;

        if (l->dl)
                return true;
        if (!c->libcgroup_ok)
                return false;
        l->dl = dlopen(LIBCGROUP_SONAME, RTLD_NOW | RTLD_LOCAL);
        if (!l->dl) {
                log_debug("cgroup v1: cannot load %s (%s), writing cgroupfs directly.", LIBCGROUP_SONAME,
                          dlerror());
                c->libcgroup_ok = false;
                return false;
        }
        for (size_t i = 0; i < ELEMENTSOF(syms); i++) {
                *syms[i].fn = dlsym(l->dl, syms[i].name);
                if (!*syms[i].fn) {
                        log_debug("cgroup v1: %s has no %s, writing cgroupfs directly.", LIBCGROUP_SONAME,
                                  syms[i].name);
                        goto fail;
                }
        }
        r = l->init();
        if (r == 0)
                return true;
        log_debug("cgroup v1: cgroup_init() failed (%d), writing cgroupfs directly.", r);
fail:
        cglib_close(l);
        c->libcgroup_ok = false;
        return false;
}

/* libcgroup returns positive ECG* codes; turn them into -errno here, at the
 * boundary (STYLE rule 5). */
static int cgerr(const CgLib *l, int e) {
        if (e == 0)
                return 0;
        if (e == ECGOTHER) {
                int n = l->get_last_errno();
                return n > 0 ? -n : -EIO;
        }
        if (e == ECGROUPNOTEXIST)
                return -ENOENT;
        if (e == ECGROUPNOTOWNER)
                return -EPERM;
        return -EIO;
}

static char *ctrl_root(const CgContext *c, CgV1Ctrl i) {
        return cg_path_join(c->fs, cg_v1_ctrl_names[i]);
}

static bool is_cgroup_fs(const char *dir) {
        struct statfs st;
        return statfs(dir, &st) >= 0 && st.f_type == CGROUP_SUPER_MAGIC;
}

/* Relative path of OWN/services in controller i (below base_v1[i]). */
static char *services_rel(const CgContext *c, CgV1Ctrl i) {
        const char *b = c->base_v1[i] ? c->base_v1[i] : c->own_v1[i];
        return b ? cg_path_join(b, "services") : NULL;
}

/* base_v1[]: our own path in each hierarchy, except where that is the
 * hierarchy's root while memory's is not: a process nobody placed in the
 * pids or cpu hierarchy (a shell on a hybrid host without a session
 * scope, a container runtime that only set up memory) must not put its
 * services at /sys/fs/cgroup/pids/services, next to the host's own
 * cgroups; they go below memory's path there, as systemd mirrors a unit's
 * path in every hierarchy. at_root[i]: whether our own path in
 * hierarchy i was its root (before cgroup_root's suffix). */
static int pick_bases(CgContext *c, const bool at_root[static _CG_V1_MAX]) {
        const char *mem = c->own_v1[CG_V1_MEMORY];

        for (int i = 0; i < _CG_V1_MAX; i++) {
                const char *b = c->own_v1[i];
                if (!b)
                        continue;
                if (i != CG_V1_MEMORY && at_root[i] && !at_root[CG_V1_MEMORY])
                        b = mem;
                c->base_v1[i] = strdup(b);
                if (!c->base_v1[i])
                        return -ENOMEM;
        }
        return 0;
}

/* Create the directories of DIR (absolute, below the hierarchy's mount
 * MNT) that are missing; *ret_top: the topmost one created (NULL: none). */
static int make_base(const char *mnt, const char *dir, char **ret_top) {
        _cleanup_free_ char *p = strdup(dir);
        size_t l = strlen(mnt);

        *ret_top = NULL;
        if (!p)
                return -ENOMEM;
        for (char *s = p + l; s && *s;) {
                s = strchr(s + 1, '/');
                if (s)
                        *s = 0;
                if (mkdir(p, 0755) >= 0) {
                        if (!*ret_top && !(*ret_top = strdup(p)))
                                return -ENOMEM;
                } else if (errno != EEXIST)
                        return -errno;
                if (s)
                        *s = '/';
        }
        return 0;
}

/* Remove what make_base() created, deepest first, while empty. */
static void remove_base(const char *dir, const char *top) {
        _cleanup_free_ char *p = strdup(dir);
        size_t l = strlen(top);

        while (p && strlen(p) >= l && rmdir(p) >= 0 && strlen(p) > l) {
                char *s = strrchr(p, '/');
                if (!s)
                        break;
                *s = 0;
        }
}

static int v1_context_init(CgContext *c, const char *root, char **ret_error) {
        _cleanup_free_ char *buf = NULL;
        bool at_root[_CG_V1_MAX];
        int r;

        r = cg_read_file("/proc/self/cgroup", &buf);
        if (r < 0)
                return r;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_free_ char *mnt = ctrl_root(c, (CgV1Ctrl) i);
                if (!mnt)
                        return -ENOMEM;
                if (!is_cgroup_fs(mnt))
                        continue;
                r = cg_parse_proc_cgroup(buf, cg_v1_ctrl_names[i], &c->own_v1[i]);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
        }
        if (!c->own_v1[CG_V1_MEMORY]) {
                if (ret_error)
                        cg_set_error(ret_error, "no cgroup v1 memory controller mounted under %s/memory",
                                     c->fs);
                return -EOPNOTSUPP;
        }
        for (int i = 0; i < _CG_V1_MAX; i++)
                at_root[i] = c->own_v1[i] && streq(c->own_v1[i], "/");
        if (root) {
                const char *own = c->own_v1[CG_V1_MEMORY];
                size_t l = strlen(own);
                if (!(strncmp(root, own, l) == 0 && (root[l] == 0 || root[l] == '/' || streq(own, "/")))) {
                        if (ret_error)
                                cg_set_error(ret_error,
                                             "cgroup_root %s is not inside cgwarden's own memory cgroup %s",
                                             root, own);
                        return -EPERM;
                }
                /* The same suffix below OWN in every hierarchy. */
                for (int i = 0; i < _CG_V1_MAX; i++) {
                        char *n;
                        if (!c->own_v1[i])
                                continue;
                        n = cg_path_join(c->own_v1[i], root + (streq(own, "/") ? 0 : l));
                        if (!n)
                                return -ENOMEM;
                        free(c->own_v1[i]);
                        c->own_v1[i] = n;
                }
        }
        c->libcgroup_ok = true; /* until a load fails: cglib_get() */
        if (c->observe_only)
                return 0;
        r = pick_bases(c, at_root);
        if (r < 0)
                return r;
        c->services_rel = services_rel(c, CG_V1_MEMORY);
        if (!c->services_rel)
                return -ENOMEM;

        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_free_ char *rel = services_rel(c, (CgV1Ctrl) i), *mnt = NULL, *dir = NULL;
                if (!rel)
                        continue;
                mnt = ctrl_root(c, (CgV1Ctrl) i);
                dir = mnt ? cg_path_join(mnt, rel) : NULL;
                if (!dir)
                        return -ENOMEM;
                if (!streq(c->base_v1[i], c->own_v1[i])) {
                        _cleanup_free_ char *base = cg_path_join(mnt, c->base_v1[i]);
                        r = base ? make_base(mnt, base, &c->base_made_v1[i]) : -ENOMEM;
                        if (r < 0) {
                                if (ret_error)
                                        cg_set_error(ret_error, "cannot create %s: %s", base ? base : "?",
                                                     strerror(-r));
                                return r;
                        }
                }
                if (mkdir(dir, 0755) >= 0)
                        c->created_services[i] = true;
                else if (errno != EEXIST) {
                        r = -errno;
                        if (ret_error)
                                cg_set_error(ret_error, "cannot create %s: %s", dir, strerror(errno));
                        return r;
                }
        }
        return 0;
}

static void v1_context_done(CgContext *c) {
        if (c->observe_only)
                return;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_free_ char *rel = NULL, *mnt = NULL, *dir = NULL;
                if (!c->own_v1[i])
                        continue;
                rel = services_rel(c, (CgV1Ctrl) i);
                mnt = ctrl_root(c, (CgV1Ctrl) i);
                dir = rel && mnt ? cg_path_join(mnt, rel) : NULL;
                /* ours: wait for the kernel to let go of it; a leftover
                 * we adopted: removed when empty (another cgwarden's
                 * services in it keep it, at once) */
                if (dir && c->created_services[i])
                        (void) cg_rmdir_wait(dir);
                else if (dir)
                        (void) rmdir(dir);
                /* a mirror of memory's path (pick_bases()): the last
                 * cgwarden out removes it while empty, whoever made it (two
                 * from the same place share it, and the one that made it
                 * may leave first) */
                if (mnt && c->base_v1[i] && !streq(c->base_v1[i], c->own_v1[i])) {
                        _cleanup_free_ char *base = cg_path_join(mnt, c->base_v1[i]), *top = NULL;
                        size_t first = strcspn(c->base_v1[i] + 1, "/") + 1;

                        top = c->base_made_v1[i] ? strdup(c->base_made_v1[i])
                                                 : strndup(c->base_v1[i], first);
                        if (top && !c->base_made_v1[i]) {
                                char *t = cg_path_join(mnt, top);
                                free(top);
                                top = t;
                        }
                        if (base && top)
                                remove_base(base, top);
                }
        }
}

/* Relative path of the service in controller i (libcgroup names are
 * relative to each controller's mount point). */
static char *svc_rel(const CgService *s, CgV1Ctrl i) {
        if (s->self)
                return s->ctx->own_v1[i] ? strdup(s->ctx->own_v1[i]) : NULL;
        if (s->opened)
                return strdup(s->rel);
        _cleanup_free_ char *base = services_rel(s->ctx, i);
        return base ? cg_path_join(base, s->name) : NULL;
}

static int v1_populated(CgService *s) {
        _cleanup_free_ char *p = cg_path_join(s->dir_v1[CG_V1_MEMORY], "cgroup.procs");
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        if (!p)
                return -ENOMEM;
        r = cg_read_pids(p, &pids, &n);
        if (r < 0)
                return r;
        return n > 0;
}

static int v1_service_create(CgService *s) {
        _cleanup_(cglib_close) CgLib lib = {};
        CgContext *c = s->ctx;
        int r;

        s->fresh = true;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_free_ char *rel = NULL, *mnt = NULL;
                if (!c->own_v1[i])
                        continue;
                rel = svc_rel(s, (CgV1Ctrl) i);
                mnt = ctrl_root(c, (CgV1Ctrl) i);
                if (!rel || !mnt)
                        return -ENOMEM;
                s->dir_v1[i] = cg_path_join(mnt, rel);
                if (!s->dir_v1[i])
                        return -ENOMEM;
                if (access(s->dir_v1[i], F_OK) >= 0) {
                        s->fresh = false;
                        continue;
                }
                if (cglib_get(c, &lib)) {
                        struct cgroup *cg = lib.new_cgroup(rel);
                        if (!cg)
                                return -ENOMEM;
                        if (!lib.add_controller(cg, cg_v1_ctrl_names[i])) {
                                lib.free(&cg);
                                return -ENOMEM;
                        }
                        r = cgerr(&lib, lib.create_cgroup(cg, 1));
                        lib.free(&cg);
                } else
                        r = mkdir(s->dir_v1[i], 0755) < 0 ? -errno : 0;
                if (r < 0)
                        return r;
        }
        return 0;
}

/* An existing cgroup: the same path in each hierarchy that has it (our
 * own: each hierarchy's own path, which may differ); the memory
 * hierarchy's must exist. */
static int v1_service_open(CgService *s) {
        CgContext *c = s->ctx;

        for (int i = 0; i < _CG_V1_MAX; i++) {
                _cleanup_free_ char *mnt = NULL, *dir = NULL;
                struct stat st;

                if (!c->own_v1[i])
                        continue;
                mnt = ctrl_root(c, (CgV1Ctrl) i);
                dir = mnt ? cg_path_join(mnt, s->self ? c->own_v1[i] : s->rel) : NULL;
                if (!dir)
                        return -ENOMEM;
                if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
                        if (i == CG_V1_MEMORY)
                                return -ENOENT;
                        continue;
                }
                s->dir_v1[i] = TAKE_PTR(dir);
        }
        return 0;
}

/* Removing an empty group is an rmdir, all that libcgroup's
 * delete with CGFLAG_DELETE_EMPTY_ONLY does: done directly, without a
 * load of libcgroup (~0.7-1.2 ms) on every stop. */
static void v1_service_remove(CgService *s) {
        for (int i = 0; i < _CG_V1_MAX; i++)
                if (s->dir_v1[i])
                        (void) cg_rmdir_wait(s->dir_v1[i]);
}

static int fmt_u64_or(char *buf, size_t n, uint64_t v, const char *unlimited) {
        if (v == CG_UNLIMITED)
                return snprintf(buf, n, "%s", unlimited);
        return snprintf(buf, n, "%" PRIu64, v);
}

/* Write one value: through libcgroup when it works (loaded into lib at the
 * first write of a change), else directly. */
static int set_value(CgService *s, CgLib *lib, CgV1Ctrl i, const char *file, const char *value) {
        if (!s->dir_v1[i])
                return -ENOENT;
        if (cglib_get(s->ctx, lib)) {
                _cleanup_free_ char *rel = svc_rel(s, i);
                struct cgroup *cg = rel ? lib->new_cgroup(rel) : NULL;
                struct cgroup_controller *ctl;
                int r;

                if (!cg)
                        return -ENOMEM;
                ctl = lib->add_controller(cg, cg_v1_ctrl_names[i]);
                if (!ctl || lib->add_value_string(ctl, file, value) != 0) {
                        lib->free(&cg);
                        return -ENOMEM;
                }
                r = cgerr(lib, lib->modify_cgroup(cg));
                lib->free(&cg);
                return r;
        }
        {
                _cleanup_free_ char *p = cg_path_join(s->dir_v1[i], file);
                return p ? cg_write_file(p, value) : -ENOMEM;
        }
}

static int read_in(CgService *s, CgV1Ctrl i, const char *file, char **ret);

/* A new cgroup starts with no limits; skip writing what is already so
 * (each libcgroup write costs, and spawn latency matters). */
static bool skip(const CgService *s, uint64_t v) {
        return s->fresh && v == CG_UNLIMITED;
}

static int v1_set_limits(CgService *s, const CgLimits *l) {
        _cleanup_(cglib_close) CgLib lib = {};
        bool fresh = s->fresh;
        char buf[64];
        int r;

        if (!skip(s, l->memory_max)) {
                fmt_u64_or(buf, sizeof buf, l->memory_max, "-1");
                r = set_value(s, &lib, CG_V1_MEMORY, "memory.limit_in_bytes", buf);
                if (r < 0)
                        return r;
        }
        {
                /* oom_kill_disable is inherited from the parent on v1: look */
                _cleanup_free_ char *oom = NULL;
                bool disabled = !fresh || read_in(s, CG_V1_MEMORY, "memory.oom_control", &oom) < 0 ||
                                strstr(oom, "oom_kill_disable 1");
                if (l->oom_pause || disabled) {
                        r = set_value(s, &lib, CG_V1_MEMORY, "memory.oom_control", l->oom_pause ? "1" : "0");
                        if (r < 0)
                                return r;
                }
        }
        s->fresh = false;
        if (fresh && l->pids_max == CG_UNLIMITED && l->cpu_quota_usec == CG_UNLIMITED &&
            l->cpu_period_usec == 100000)
                return 0;
        if (s->dir_v1[CG_V1_PIDS]) {
                fmt_u64_or(buf, sizeof buf, l->pids_max, "max");
                r = set_value(s, &lib, CG_V1_PIDS, "pids.max", buf);
                if (r < 0)
                        return r;
        } else if (l->pids_max != CG_UNLIMITED)
                return -EOPNOTSUPP;
        if (s->dir_v1[CG_V1_CPU]) {
                snprintf(buf, sizeof buf, "%" PRIu64, l->cpu_period_usec);
                r = set_value(s, &lib, CG_V1_CPU, "cpu.cfs_period_us", buf);
                if (r >= 0) {
                        fmt_u64_or(buf, sizeof buf, l->cpu_quota_usec, "-1");
                        r = set_value(s, &lib, CG_V1_CPU, "cpu.cfs_quota_us", buf);
                }
                if (r < 0 && l->cpu_quota_usec != CG_UNLIMITED)
                        return r;
        }
        return 0;
}

static int read_in(CgService *s, CgV1Ctrl i, const char *file, char **ret) {
        _cleanup_free_ char *p = NULL;
        if (!s->dir_v1[i])
                return -ENOENT;
        p = cg_path_join(s->dir_v1[i], file);
        return p ? cg_read_file(p, ret) : -ENOMEM;
}

static int v1_get_limits(CgService *s, CgLimits *ret) {
        CgLimits l = CG_LIMITS_NONE;
        _cleanup_free_ char *mem = NULL, *pids = NULL, *oom = NULL, *quota = NULL, *period = NULL;
        int r;

        r = read_in(s, CG_V1_MEMORY, "memory.limit_in_bytes", &mem);
        if (r < 0)
                return r;
        r = cg_parse_limit(mem, &l.memory_max);
        if (r < 0)
                return r;
        /* v1 reports "unlimited" as a huge page-aligned number */
        if (l.memory_max >= (UINT64_MAX >> 2))
                l.memory_max = CG_UNLIMITED;
        if (read_in(s, CG_V1_MEMORY, "memory.oom_control", &oom) >= 0)
                l.oom_pause = strstr(oom, "oom_kill_disable 1") != NULL;
        if (read_in(s, CG_V1_PIDS, "pids.max", &pids) >= 0)
                (void) cg_parse_limit(pids, &l.pids_max);
        if (read_in(s, CG_V1_CPU, "cpu.cfs_quota_us", &quota) >= 0 &&
            read_in(s, CG_V1_CPU, "cpu.cfs_period_us", &period) >= 0) {
                long long q = strtoll(quota, NULL, 10);
                l.cpu_quota_usec = q < 0 ? CG_UNLIMITED : (uint64_t) q;
                l.cpu_period_usec = strtoull(period, NULL, 10);
        }
        *ret = l;
        return 0;
}

static int freezer_set(CgService *s, const char *state) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (!s->dir_v1[CG_V1_FREEZER])
                return -ENOENT;
        p = cg_path_join(s->dir_v1[CG_V1_FREEZER], "freezer.state");
        if (!p)
                return -ENOMEM;
        r = cg_write_file(p, state);
        if (r < 0 || !streq(state, "FROZEN"))
                return r;
        /* Freezing is asynchronous: FREEZING until every task stopped. */
        for (int i = 0; i < 200; i++) {
                _cleanup_free_ char *cur = NULL;
                if (cg_read_file(p, &cur) < 0)
                        break;
                if (strncmp(cur, "FROZEN", 6) == 0)
                        return 0;
                nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
        }
        return -ETIMEDOUT;
}

static int v1_kill_all(CgService *s) {
        _cleanup_free_ char *procs = cg_path_join(s->dir_v1[CG_V1_MEMORY], "cgroup.procs");
        int r;

        if (!procs)
                return -ENOMEM;
        /* Freeze so nothing can fork while we list and kill, SIGKILL every
         * task, thaw so the signals are delivered; repeat until empty. The
         * wait is bounded: SIGKILLed tasks exit in milliseconds unless stuck
         * in uninterruptible sleep. */
        for (int round = 0; round < 400; round++) {
                r = v1_populated(s);
                if (r <= 0)
                        return r;
                if (round % 20 == 0) {
                        bool frozen = freezer_set(s, "FROZEN") >= 0;
                        (void) cg_service_signal(s, SIGKILL);
                        if (frozen || s->dir_v1[CG_V1_FREEZER])
                                (void) freezer_set(s, "THAWED");
                }
                nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
        }
        return -ETIMEDOUT;
}

static int v1_read(CgService *s, const char *file, char **ret) {
        for (int i = 0; i < _CG_V1_MAX; i++) {
                size_t l = strlen(cg_v1_ctrl_names[i]);
                if (strncmp(file, cg_v1_ctrl_names[i], l) == 0 && file[l] == '.')
                        return read_in(s, (CgV1Ctrl) i, file, ret);
        }
        return read_in(s, CG_V1_MEMORY, file, ret);
}

static int v1_procs_path(CgService *s, char ***ret_paths) {
        char **l = calloc(_CG_V1_MAX + 1, sizeof(char *));
        size_t n = 0;

        if (!l)
                return -ENOMEM;
        for (int i = 0; i < _CG_V1_MAX; i++) {
                if (!s->dir_v1[i])
                        continue;
                l[n] = cg_path_join(s->dir_v1[i], "cgroup.procs");
                if (!l[n]) {
                        strv_free(l);
                        return -ENOMEM;
                }
                n++;
        }
        *ret_paths = l;
        return 0;
}

const CgOps cg_v1_ops = {
        .context_init = v1_context_init,
        .context_done = v1_context_done,
        .service_create = v1_service_create,
        .service_open = v1_service_open,
        .service_remove = v1_service_remove,
        .set_limits = v1_set_limits,
        .get_limits = v1_get_limits,
        .kill_all = v1_kill_all,
        .populated = v1_populated,
        .read = v1_read,
        .procs_path = v1_procs_path,
};
