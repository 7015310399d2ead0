/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgroup v2 backend: written directly to cgroupfs. libcgroup 2.0.2 has no
 * API for subtree_control, cgroup.kill, cgroup.events or an fd for
 * clone3(CLONE_INTO_CGROUP), which is most of what this backend does. */
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>

#include "cgroup/cgroup-internal.h"

static const char *const wanted_ctrls[] = { "memory", "pids", "cpu" };

static char *abs_path(const CgContext *c, const char *rel) {
        return cg_path_join(c->fs, rel);
}

static int read_own_v2(char **ret) {
        _cleanup_free_ char *buf = NULL;
        int r;

        r = cg_read_file("/proc/self/cgroup", &buf);
        if (r < 0)
                return r;
        return cg_parse_proc_cgroup(buf, NULL, ret);
}

static bool word_in(const char *list, const char *w) {
        size_t n = strlen(w);
        for (const char *p = list; p && *p;) {
                while (*p == ' ' || *p == '\n')
                        p++;
                if (strncmp(p, w, n) == 0 && (p[n] == ' ' || p[n] == '\n' || p[n] == 0))
                        return true;
                p = strpbrk(p, " \n");
        }
        return false;
}

/* Enable our controllers in DIR/cgroup.subtree_control, those that DIR has. */
static int enable_controllers(const char *dir, bool require_memory_pids, char **ret_error) {
        _cleanup_free_ char *avail = NULL, *cpath = NULL, *spath = NULL;
        char buf[64] = "";
        int r;

        cpath = cg_path_join(dir, "cgroup.controllers");
        spath = cg_path_join(dir, "cgroup.subtree_control");
        if (!cpath || !spath)
                return -ENOMEM;
        r = cg_read_file(cpath, &avail);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(wanted_ctrls); i++) {
                if (!word_in(avail, wanted_ctrls[i])) {
                        if (require_memory_pids && i < 2) {
                                if (ret_error)
                                        cg_set_error(ret_error,
                                                     "controller '%s' is not available in %s "
                                                     "(not delegated to cgwarden's cgroup?)",
                                                     wanted_ctrls[i], dir);
                                return -EOPNOTSUPP;
                        }
                        continue;
                }
                strcat(buf, buf[0] ? " +" : "+");
                strcat(buf, wanted_ctrls[i]);
        }
        if (!buf[0])
                return 0;
        r = cg_write_file(spath, buf);
        if (r < 0 && ret_error)
                cg_set_error(ret_error,
                             r == -EBUSY ? "cannot enable controllers in %s: it holds processes other "
                                           "than cgwarden (run cgwarden in a cgroup of its own, e.g. a "
                                           "systemd unit with Delegate=yes)"
                                         : "cannot enable controllers in %s: %s",
                             dir, strerror(-r));
        return r;
}

/* Whether OWN is a systemd unit's cgroup (NAME.service, NAME.scope) that
 * systemd has not delegated: systemd 251 and later mark a delegated
 * cgroup with the xattrs trusted.delegate and user.delegate. Cgroups made
 * in an undelegated unit are systemd's to undo (CGROUP_DELEGATION.md), so
 * the caller is warned; an older systemd marks nothing, hence a warning
 * and not a refusal. */
static bool systemd_undelegated(const char *own, const char *own_abs) {
        const char *last = strrchr(own, '/');
        char v[8];

        last = last ? last + 1 : own;
        if (access("/run/systemd/system", F_OK) < 0 ||
            !(endswith(last, ".service") || endswith(last, ".scope")))
                return false;
        if (getxattr(own_abs, "trusted.delegate", v, sizeof v) >= 0 ||
            getxattr(own_abs, "user.delegate", v, sizeof v) >= 0)
                return false;
        /* a user manager's tree (systemd-run --user): before systemd 254 it
         * marks nothing there (no user.delegate yet), so no mark says
         * nothing */
        if (strstr(own, "/user@") && strstr(own, ".service/"))
                return false;
        return errno == ENODATA;
}

static int add_warning(CgContext *c, const char *text) {
        char *w;

        if (asprintf(&w, "%s%s%s", c->warning ?: "", c->warning ? "; " : "", text) < 0)
                return -ENOMEM;
        free(c->warning);
        c->warning = w;
        return 0;
}

/* memory.oom.group = 1 (the kubelet sets it on a container's cgroup, 1.28
 * on): the kernel's OOM kill then takes every process of the highest such
 * cgroup between the victim's and the one whose limit was hit, cgwarden
 * with them. On OWN, when cgwarden may write there (a delegated cgroup),
 * it is set to 0, and to 1 on each service's cgroup instead (the service
 * still dies whole, cgwarden lives to tell); back to 1 at the end.
 * Otherwise, and above OWN, it is only said. */
static int check_oom_group(CgContext *c, bool may_clear) {
        _cleanup_free_ char *path = strdup(c->own);
        int r;

        if (!path)
                return -ENOMEM;
        for (;;) {
                _cleanup_free_ char *dir = abs_path(c, path), *f = NULL, *v = NULL;
                char *slash;

                f = dir ? cg_path_join(dir, "memory.oom.group") : NULL;
                if (!f)
                        return -ENOMEM;
                if (cg_read_file(f, &v) >= 0 && v[0] == '1') {
                        _cleanup_free_ char *msg = NULL;
                        bool own = streq(path, c->own);

                        if (own && may_clear && cg_write_file(f, "0") >= 0) {
                                c->oom_group_cleared = true;
                                r = asprintf(
                                        &msg,
                                        "memory.oom.group was 1 on %s (a container's cgroup): set to 0 "
                                        "for cgwarden's time, and to 1 on each service's cgroup, so that "
                                        "an OOM kill takes the service whole but not cgwarden",
                                        path);
                        } else
                                r = asprintf(&msg,
                                             "memory.oom.group = 1 on %s%s: a kernel OOM kill there takes "
                                             "cgwarden with the command; what survives is the evidence "
                                             "captured before it (capture_at, capture_lead)",
                                             path,
                                             own ? " (not delegated: cgwarden may not change it)" : "");
                        if (r < 0)
                                return -ENOMEM;
                        r = add_warning(c, msg);
                        if (r < 0)
                                return r;
                }
                if (streq(path, "/"))
                        return 0;
                slash = strrchr(path, '/');
                if (slash == path)
                        path[1] = 0;
                else
                        *slash = 0;
        }
}

static int v2_context_init(CgContext *c, const char *root, char **ret_error) {
        _cleanup_free_ char *base_abs = NULL, *sup = NULL, *sup_procs = NULL, *svc = NULL;
        const char *base;
        int r;

        r = read_own_v2(&c->own);
        if (r < 0) {
                if (ret_error)
                        cg_set_error(ret_error, "cannot find own cgroup in /proc/self/cgroup");
                return r;
        }
        if (root) {
                size_t l = strlen(c->own);
                if (strncmp(root, c->own, l) != 0 ||
                    (root[l] != 0 && root[l] != '/' && !streq(c->own, "/"))) {
                        if (ret_error)
                                cg_set_error(ret_error,
                                             "cgroup_root %s is not inside cgwarden's own cgroup %s", root,
                                             c->own);
                        return -EPERM;
                }
                if (!streq(root, c->own)) {
                        if (ret_error)
                                cg_set_error(ret_error,
                                             "cgroup_root below the own cgroup is not supported on "
                                             "cgroup v2 yet; use auto");
                        return -EOPNOTSUPP;
                }
        }
        if (c->observe_only)
                return check_oom_group(c, false);
        base = c->own;
        base_abs = abs_path(c, base);
        if (!base_abs)
                return -ENOMEM;

        if (systemd_undelegated(base, base_abs) &&
            asprintf(&c->warning,
                     "systemd has not marked %s as delegated (no trusted.delegate or user.delegate "
                     "xattr): unless its unit has Delegate=yes (run by hand: systemd-run --scope -p "
                     "Delegate=yes cgwarden ...), systemd may undo the cgroups cgwarden makes in it",
                     base) < 0)
                return -ENOMEM;

        /* A delegated subtree may hold processes only in leaves: move
         * ourselves into OWN/supervisor before enabling controllers. */
        sup = cg_path_join(base_abs, "supervisor");
        sup_procs = sup ? cg_path_join(sup, "cgroup.procs") : NULL;
        if (!sup_procs)
                return -ENOMEM;
        if (mkdir(sup, 0755) < 0 && errno != EEXIST) {
                r = -errno;
                if (ret_error)
                        cg_set_error(ret_error, "cannot create %s: %s", sup, strerror(errno));
                return r;
        }
        r = cg_write_file(sup_procs, "0");
        if (r < 0) {
                if (ret_error)
                        cg_set_error(ret_error, "cannot move cgwarden into %s: %s", sup, strerror(-r));
                (void) rmdir(sup);
                return r;
        }
        c->moved_self = true;

        {
                _cleanup_free_ char *sc = cg_path_join(base_abs, "cgroup.subtree_control");
                if (!sc)
                        return -ENOMEM;
                (void) cg_read_file(sc, &c->subtree_before);
        }
        r = enable_controllers(base_abs, true, ret_error);
        if (r < 0)
                return r;
        r = check_oom_group(c, true);
        if (r < 0)
                return r;

        c->services_rel = cg_path_join(base, "services");
        svc = c->services_rel ? abs_path(c, c->services_rel) : NULL;
        if (!svc)
                return -ENOMEM;
        if (mkdir(svc, 0755) >= 0)
                c->created_services[0] = true;
        else if (errno != EEXIST) {
                r = -errno;
                if (ret_error)
                        cg_set_error(ret_error, "cannot create %s: %s", svc, strerror(errno));
                return r;
        }
        return enable_controllers(svc, true, ret_error);
}

static void v2_context_done(CgContext *c) {
        _cleanup_free_ char *base_abs = NULL, *svc = NULL, *sup = NULL;

        if (!c->own || c->observe_only)
                return;
        base_abs = abs_path(c, c->own);
        if (!base_abs)
                return;
        if (c->oom_group_cleared) {
                _cleanup_free_ char *f = cg_path_join(base_abs, "memory.oom.group");
                if (f)
                        (void) cg_write_file(f, "1");
        }
        if (c->services_rel) {
                svc = abs_path(c, c->services_rel);
                /* ours: wait for the kernel to let go of it; an adopted
                 * leftover: removed when empty, at once */
                if (svc && c->created_services[0])
                        (void) cg_rmdir_wait(svc);
                else if (svc)
                        (void) rmdir(svc);
        }
        if (c->moved_self) {
                _cleanup_free_ char *sc = cg_path_join(base_abs, "cgroup.subtree_control");
                _cleanup_free_ char *procs = cg_path_join(base_abs, "cgroup.procs");

                /* Leave the tree as we found it: controllers off again (so
                 * OWN may hold a process), ourselves back in OWN, the leaf
                 * removed. If another child of OWN still uses a controller
                 * this fails and we stay in the leaf: harmless, as the
                 * cgroup disappears with the unit under systemd. */
                if (sc && procs &&
                    (!c->subtree_before || !*c->subtree_before || streq(c->subtree_before, "\n"))) {
                        (void) cg_write_file(sc, "-memory -pids -cpu");
                        if (cg_write_file(procs, "0") >= 0) {
                                sup = cg_path_join(base_abs, "supervisor");
                                if (sup)
                                        (void) cg_rmdir_wait(sup);
                        }
                }
        }
}

static int v2_service_create(CgService *s) {
        CgContext *c = s->ctx;

        s->dir_v2 = abs_path(c, s->rel);
        if (!s->dir_v2)
                return -ENOMEM;
        s->fresh = true;
        if (mkdir(s->dir_v2, 0755) < 0) {
                s->fresh = false;
                if (errno != EEXIST)
                        return -errno;
        }
        s->dir_fd = open(s->dir_v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->dir_fd < 0)
                return -errno;
        if (c->oom_group_cleared) {
                _cleanup_free_ char *f = cg_path_join(s->dir_v2, "memory.oom.group");
                if (f)
                        (void) cg_write_file(f, "1");
        }
        return 0;
}

static int v2_service_open(CgService *s) {
        s->dir_v2 = abs_path(s->ctx, s->rel);
        if (!s->dir_v2)
                return -ENOMEM;
        s->dir_fd = open(s->dir_v2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return s->dir_fd < 0 ? -errno : 0;
}

static void v2_service_remove(CgService *s) {
        if (s->dir_v2)
                (void) cg_rmdir_wait(s->dir_v2);
}

static int write_limit(CgService *s, const char *file, uint64_t v) {
        _cleanup_free_ char *p = NULL;
        char buf[32];

        /* a new cgroup starts unlimited: spare the writes (spawn latency) */
        if (s->fresh && v == CG_UNLIMITED)
                return 0;
        p = cg_path_join(s->dir_v2, file);
        if (!p)
                return -ENOMEM;
        if (v == CG_UNLIMITED)
                strcpy(buf, "max");
        else
                snprintf(buf, sizeof buf, "%" PRIu64, v);
        return cg_write_file(p, buf);
}

static int v2_set_limits(CgService *s, const CgLimits *l) {
        int r;

        /* memory.high before memory.max so a lower max never lands while a
         * larger high is in place (the kernel accepts either order, but
         * readers see a coherent pair). */
        r = write_limit(s, "memory.high", l->memory_high);
        if (r < 0)
                return r;
        r = write_limit(s, "memory.max", l->memory_max);
        if (r < 0)
                return r;
        r = write_limit(s, "pids.max", l->pids_max);
        if (r < 0)
                return r;
        {
                _cleanup_free_ char *p = cg_path_join(s->dir_v2, "cpu.max");
                char buf[64];

                if (!p)
                        return -ENOMEM;
                if (s->fresh && l->cpu_quota_usec == CG_UNLIMITED && l->cpu_period_usec == 100000)
                        goto done;
                if (l->cpu_quota_usec == CG_UNLIMITED)
                        snprintf(buf, sizeof buf, "max %" PRIu64, l->cpu_period_usec);
                else
                        snprintf(buf, sizeof buf, "%" PRIu64 " %" PRIu64, l->cpu_quota_usec,
                                 l->cpu_period_usec);
                r = cg_write_file(p, buf);
                /* cpu is optional: not every delegation includes it */
                if (r < 0 && r != -ENOENT)
                        return r;
        }
done:
        s->fresh = false;
        return 0;
}

static int read_limit(CgService *s, const char *file, uint64_t *ret) {
        _cleanup_free_ char *buf = NULL;
        int r = s->ctx->ops->read(s, file, &buf);
        if (r < 0)
                return r;
        return cg_parse_limit(buf, ret);
}

static int v2_get_limits(CgService *s, CgLimits *ret) {
        CgLimits l = CG_LIMITS_NONE;
        _cleanup_free_ char *cpu = NULL;
        int r;

        r = read_limit(s, "memory.max", &l.memory_max);
        if (r >= 0)
                r = read_limit(s, "memory.high", &l.memory_high);
        if (r >= 0)
                r = read_limit(s, "pids.max", &l.pids_max);
        if (r < 0)
                return r;
        if (s->ctx->ops->read(s, "cpu.max", &cpu) >= 0) {
                char q[32];
                unsigned long long period;
                if (sscanf(cpu, "%31s %llu", q, &period) == 2) {
                        (void) cg_parse_limit(q, &l.cpu_quota_usec);
                        l.cpu_period_usec = period;
                }
        }
        *ret = l;
        return 0;
}

static int v2_populated(CgService *s) {
        _cleanup_free_ char *buf = NULL;
        const char *p;
        int r;

        r = s->ctx->ops->read(s, "cgroup.events", &buf);
        if (r < 0)
                return r;
        p = strstr(buf, "populated ");
        if (!p)
                return -EBADMSG;
        return p[10] == '1';
}

static int v2_kill_all(CgService *s) {
        _cleanup_free_ char *kp = cg_path_join(s->dir_v2, "cgroup.kill");
        int r;

        if (!kp)
                return -ENOMEM;
        r = cg_write_file(kp, "1");
        if (r == -ENOENT) {
                /* Before 5.14: freeze, kill every task, thaw. */
                _cleanup_free_ char *fp = cg_path_join(s->dir_v2, "cgroup.freeze");
                if (!fp)
                        return -ENOMEM;
                (void) cg_write_file(fp, "1");
                r = cg_service_signal(s, SIGKILL);
                (void) cg_write_file(fp, "0");
        }
        if (r < 0)
                return r;
        /* cgroup v2 gives no synchronous completion; SIGKILLed tasks are
         * gone within milliseconds unless stuck in the kernel, so a short
         * bounded wait keeps callers simple. */
        for (int i = 0; i < 400; i++) {
                r = v2_populated(s);
                if (r <= 0)
                        return r;
                nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
        }
        return -ETIMEDOUT;
}

static int v2_read(CgService *s, const char *file, char **ret) {
        _cleanup_free_ char *p = cg_path_join(s->dir_v2, file);
        if (!p)
                return -ENOMEM;
        return cg_read_file(p, ret);
}

static int v2_procs_path(CgService *s, char ***ret_paths) {
        char **l = calloc(2, sizeof(char *));
        if (!l)
                return -ENOMEM;
        l[0] = cg_path_join(s->dir_v2, "cgroup.procs");
        if (!l[0]) {
                free(l);
                return -ENOMEM;
        }
        *ret_paths = l;
        return 0;
}

const CgOps cg_v2_ops = {
        .context_init = v2_context_init,
        .context_done = v2_context_done,
        .service_create = v2_service_create,
        .service_open = v2_service_open,
        .service_remove = v2_service_remove,
        .set_limits = v2_set_limits,
        .get_limits = v2_get_limits,
        .kill_all = v2_kill_all,
        .populated = v2_populated,
        .read = v2_read,
        .procs_path = v2_procs_path,
};
