/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include "base/children.h"
#include "cgroup/cgroup-internal.h"
#include "base/fs-util.h"
#include "base/string-table.h"

const char *const cg_v1_ctrl_names[_CG_V1_MAX] = {
        [CG_V1_MEMORY] = "memory",
        [CG_V1_PIDS] = "pids",
        [CG_V1_CPU] = "cpu",
        [CG_V1_FREEZER] = "freezer",
};

static const char *const cg_mode_table[_CG_MODE_MAX] = {
        [CG_MODE_UNIFIED] = "unified",
        [CG_MODE_HYBRID] = "hybrid",
        [CG_MODE_LEGACY] = "legacy",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(cg_mode, CgMode);

char *cg_path_join(const char *a, const char *b) {
        char *r;
        size_t la = strlen(a);

        while (la > 1 && a[la - 1] == '/')
                la--;
        while (*b == '/')
                b++;
        if (asprintf(&r, "%.*s%s%s", (int) la, a, (la == 1 && a[0] == '/') || !*b ? "" : "/", b) < 0)
                return NULL;
        return r;
}

int cg_write_file(const char *path, const char *value) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = strlen(value);
        ssize_t k;

        /* O_TRUNC: nothing on cgroupfs and procfs (as in `echo v > file`),
         * a whole value in a fixture tree of plain files */
        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        k = write(fd, value, n);
        if (k < 0)
                return -errno;
        if ((size_t) k != n)
                return -EIO;
        return 0;
}

/* Only a bound against a runaway file: cgroup and /proc files are small.
 * The limit cg_read_file() has always had: a buffer doubled up to 128 MiB,
 * less the NUL and the byte that tells a larger file. */
#define CG_READ_MAX_BYTES ((size_t) 128 * 1024 * 1024 - 2)

int cg_read_file(const char *path, char **ret) {
        return read_full_file_at(AT_FDCWD, path, CG_READ_MAX_BYTES, 0, ret, NULL);
}

int cg_read_pids(const char *procs_path, pid_t **ret, size_t *ret_n) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0, cap = 0;
        char *p, *e;
        int r;

        r = cg_read_file(procs_path, &buf);
        if (r < 0)
                return r;
        for (p = buf; *p; p = e) {
                long v;

                errno = 0;
                v = strtol(p, &e, 10);
                if (e == p)
                        break;
                if (errno || v < 0 || v > INT32_MAX)
                        return -EBADMSG;
                while (*e == '\n')
                        e++;
                /* v2 lists a process outside our pid namespace as 0: we
                 * can neither name nor signal it */
                if (v == 0)
                        continue;
                if (n == cap) {
                        pid_t *np;
                        cap = cap ? cap * 2 : 16;
                        np = realloc(pids, cap * sizeof(pid_t));
                        if (!np)
                                return -ENOMEM;
                        pids = np;
                }
                pids[n++] = (pid_t) v;
        }
        *ret = TAKE_PTR(pids);
        *ret_n = n;
        return 0;
}

/* rmdir a cgroup; a cgroup whose last task just exited may briefly report
 * EBUSY while the kernel finishes tearing the task down. */
int cg_rmdir_wait(const char *dir) {
        for (int i = 0; i < 200; i++) {
                if (rmdir(dir) >= 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY)
                        return -errno;
                nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
        }
        return -EBUSY;
}

int cg_parse_proc_cgroup(const char *buf, const char *controller, char **ret_path) {
        const char *line = buf;

        while (line && *line) {
                const char *nl = strchr(line, '\n');
                size_t len = nl ? (size_t) (nl - line) : strlen(line);
                const char *c1 = memchr(line, ':', len);
                const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t) (c1 + 1 - line)) : NULL;

                if (c1 && c2) {
                        const char *ctrls = c1 + 1;
                        size_t clen = (size_t) (c2 - ctrls);
                        bool match = false;

                        if (!controller)
                                match = clen == 0 && (size_t) (c1 - line) == 1 && line[0] == '0';
                        else {
                                /* comma-separated list, e.g. "cpu,cpuacct" */
                                const char *p = ctrls;
                                while (p < c2) {
                                        const char *comma = memchr(p, ',', (size_t) (c2 - p));
                                        size_t l = comma ? (size_t) (comma - p) : (size_t) (c2 - p);
                                        if (l == strlen(controller) && strncmp(p, controller, l) == 0)
                                                match = true;
                                        p += l + 1;
                                }
                        }
                        if (match) {
                                size_t plen = len - (size_t) (c2 + 1 - line);
                                char *r = strndup(c2 + 1, plen);
                                if (!r)
                                        return -ENOMEM;
                                if (r[0] != '/') {
                                        free(r);
                                        return -EBADMSG;
                                }
                                *ret_path = r;
                                return 0;
                        }
                }
                line = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}

int cg_parse_limit(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *e;

        while (*s == ' ')
                s++;
        if (strncmp(s, "max", 3) == 0 && (s[3] == 0 || s[3] == '\n')) {
                *ret = CG_UNLIMITED;
                return 0;
        }
        if (*s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &e, 10);
        if (errno)
                return -errno;
        if (*e != 0 && *e != '\n' && *e != ' ')
                return -EINVAL;
        *ret = v;
        return 0;
}

static int detect_mode(const char *fs, CgMode *ret) {
        struct statfs st;
        _cleanup_free_ char *unified = NULL;

        if (statfs(fs, &st) < 0)
                return -errno;
        if (st.f_type == CGROUP2_SUPER_MAGIC) {
                *ret = CG_MODE_UNIFIED;
                return 0;
        }
        if (st.f_type != TMPFS_MAGIC)
                return -ENOMEDIUM;
        unified = cg_path_join(fs, "unified");
        if (!unified)
                return -ENOMEM;
        if (statfs(unified, &st) >= 0 && st.f_type == CGROUP2_SUPER_MAGIC)
                *ret = CG_MODE_HYBRID;
        else
                *ret = CG_MODE_LEGACY;
        return 0;
}

static int context_new(const char *cgroup_root, bool observe_only, CgContext **ret, char **ret_error) {
        CgContext *c;
        const char *fs = getenv("CGWARDEN_CGROUP_FS") ?: "/sys/fs/cgroup";
        int r;

        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->fs = strdup(fs);
        if (!c->fs) {
                free(c);
                return -ENOMEM;
        }
        r = detect_mode(fs, &c->mode);
        if (r < 0) {
                if (ret_error)
                        cg_set_error(ret_error, "no cgroup file system at %s", fs);
                cg_context_free(c);
                return r;
        }
        c->ops = c->mode == CG_MODE_UNIFIED ? &cg_v2_ops : &cg_v1_ops;
        c->observe_only = observe_only;
        c->tree_root = c->mode == CG_MODE_UNIFIED ? strdup(fs) : cg_path_join(fs, "memory");
        if (!c->tree_root) {
                cg_context_free(c);
                return -ENOMEM;
        }
        if (cgroup_root && streq(cgroup_root, "auto"))
                cgroup_root = NULL;
        r = c->ops->context_init(c, cgroup_root, ret_error);
        if (r < 0) {
                cg_context_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int cg_context_new(const char *cgroup_root, CgContext **ret, char **ret_error) {
        return context_new(cgroup_root, false, ret, ret_error);
}

int cg_context_new_observer(CgContext **ret, char **ret_error) {
        return context_new(NULL, true, ret, ret_error);
}

bool cg_context_observe_only(const CgContext *c) {
        return c->observe_only;
}

int cg_context_new_fixture(const char *fs_root, CgMode mode, CgContext **ret) {
        CgContext *c;

        if (mode < 0 || mode >= _CG_MODE_MAX)
                return -EINVAL;
        c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        c->mode = mode;
        c->ops = mode == CG_MODE_UNIFIED ? &cg_v2_ops : &cg_v1_ops;
        c->fs = strdup(fs_root);
        c->services_rel = strdup("/services");
        c->tree_root = mode == CG_MODE_UNIFIED ? strdup(fs_root) : cg_path_join(fs_root, "memory");
        if (!c->fs || !c->services_rel || !c->tree_root)
                goto oom;
        if (mode == CG_MODE_UNIFIED) {
                c->own = strdup("/");
                if (!c->own)
                        goto oom;
        } else
                for (int i = 0; i < _CG_V1_MAX; i++) {
                        _cleanup_free_ char *d = cg_path_join(fs_root, cg_v1_ctrl_names[i]);
                        if (d && access(d, F_OK) >= 0 && !(c->own_v1[i] = strdup("/")))
                                goto oom;
                }
        *ret = c;
        return 0;
oom:
        cg_context_free(c);
        return -ENOMEM;
}

CgContext *cg_context_free(CgContext *c) {
        if (!c)
                return NULL;
        if (c->ops)
                c->ops->context_done(c);
        free(c->fs);
        free(c->own);
        for (int i = 0; i < _CG_V1_MAX; i++) {
                free(c->own_v1[i]);
                free(c->base_v1[i]);
                free(c->base_made_v1[i]);
        }
        free(c->services_rel);
        free(c->warning);
        free(c->subtree_before);
        free(c->tree_root);
        free(c);
        return NULL;
}

const char *cg_context_mode_name(const CgContext *c) {
        return cg_mode_to_string(c->mode);
}

const char *cg_context_services_path(const CgContext *c) {
        return c->services_rel;
}

const char *cg_context_own_path(const CgContext *c) {
        return c->mode == CG_MODE_UNIFIED ? c->own : c->own_v1[CG_V1_MEMORY];
}

const char *cg_context_fs_root(const CgContext *c) {
        return c->fs;
}

const char *cg_context_tree_root(const CgContext *c) {
        return c->tree_root;
}

static bool name_ok(const char *n) {
        if (!n || !*n || n[0] == '.' || strlen(n) > 64)
                return false;
        for (const char *p = n; *p; p++)
                if (!(('a' <= *p && *p <= 'z') || ('A' <= *p && *p <= 'Z') || ('0' <= *p && *p <= '9') ||
                      *p == '-' || *p == '_' || *p == '.'))
                        return false;
        return true;
}

/* One owner per service cgroup: an exclusive flock() on its directory
 * (memory's on v1), held as long as the CgService lives and dropped by the
 * kernel when its holder dies. A second cgwarden with the same service (in
 * the same own cgroup, whatever its state_dir) finds it taken and leaves
 * the cgroup alone. A leftover that nobody holds is a crashed cgwarden's:
 * it is adopted, and what still runs in it (its services, orphaned by the
 * crash) is killed first, as systemd does with a unit's cgroup when the
 * main process dies: the new owner starts exactly one copy of each
 * service. Returns 0 or -EADDRINUSE (another cgwarden owns it), -errno. */
static int own(CgService *s) {
        const char *dir = s->ctx->mode == CG_MODE_UNIFIED ? s->dir_v2 : s->dir_v1[CG_V1_MEMORY];
        int r;

        if (!dir)
                return -ENOENT;
        s->lock_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->lock_fd < 0)
                return -errno;
        if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0)
                return errno == EWOULDBLOCK ? -EADDRINUSE : -errno;
        s->owned = true;
        if (!s->fresh) {
                r = cg_service_populated(s);
                if (r < 0)
                        return r;
                if (r > 0) {
                        r = cg_service_signal(s, 0);
                        s->orphans_killed = r > 0 ? (unsigned) r : 1;
                        r = cg_service_kill_all(s);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* A service object with no fds, named name, at rel (taken; NULL: out of
 * memory). NULL when out of memory. */
static CgService *service_alloc(CgContext *c, const char *name, char *rel) {
        CgService *s = calloc(1, sizeof *s);

        if (!s) {
                free(rel);
                return NULL;
        }
        s->ctx = c;
        s->dir_fd = s->lock_fd = -EBADF;
        for (int i = 0; i < _CG_V1_MAX; i++)
                s->procs_fds[i] = -EBADF;
        s->name = strdup(name);
        s->rel = rel;
        if (!s->name || !s->rel)
                return cg_service_free(s);
        return s;
}

int cg_service_new(CgContext *c, const char *name, CgService **ret) {
        CgService *s;
        int r;

        if (!name_ok(name))
                return -EINVAL;
        if (c->observe_only)
                return -EROFS;
        s = service_alloc(c, name, cg_path_join(c->services_rel, name));
        if (!s)
                return -ENOMEM;
        r = c->ops->service_create(s);
        if (r >= 0)
                r = own(s);
        if (r < 0) {
                /* not ours, or not usable: an error path never kills in
                 * or removes a cgroup (another instance may own it) */
                s->owned = false;
                cg_service_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int cg_service_open(CgContext *c, const char *name, const char *path, CgService **ret) {
        CgService *s;
        int r;

        if (!name || !*name || !path || path[0] != '/' || strstr(path, "/.."))
                return -EINVAL;
        s = service_alloc(c, name, cg_path_join("/", path));
        if (!s)
                return -ENOMEM;
        s->opened = true;
        r = c->ops->service_open(s);
        if (r < 0) {
                cg_service_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

int cg_service_open_own(CgContext *c, const char *name, CgService **ret) {
        const char *own = cg_context_own_path(c);
        CgService *s;
        int r;

        if (!name || !*name || !own)
                return -EINVAL;
        s = service_alloc(c, name, strdup(own));
        if (!s)
                return -ENOMEM;
        s->opened = s->self = true;
        r = c->ops->service_open(s);
        if (r < 0) {
                cg_service_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

const char *cg_context_warning(const CgContext *c) {
        return c->warning;
}

bool cg_service_is_own(const CgService *s) {
        return s->self;
}

int cg_context_own_delegated(const CgContext *c, char **ret_dir) {
        const char *rels[_CG_V1_MAX + 1] = {};
        const char *sub[_CG_V1_MAX + 1] = {};
        size_t n = 0;

        if (c->mode == CG_MODE_UNIFIED)
                rels[n++] = c->own;
        else
                for (int i = 0; i < _CG_V1_MAX; i++)
                        if (c->own_v1[i]) {
                                sub[n] = cg_v1_ctrl_names[i];
                                rels[n++] = c->own_v1[i];
                        }
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *top = sub[i] ? cg_path_join(c->fs, sub[i]) : strdup(c->fs);
                _cleanup_free_ char *dir = top && rels[i] ? cg_path_join(top, rels[i]) : NULL;

                if (!dir)
                        return -ENOMEM;
                if (faccessat(AT_FDCWD, dir, W_OK, AT_EACCESS) >= 0)
                        continue;
                if (errno == EROFS || errno == EACCES || errno == EPERM) {
                        int r = -errno;
                        if (ret_dir)
                                *ret_dir = TAKE_PTR(dir);
                        return r;
                }
                return -errno;
        }
        return 0;
}

CgService *cg_service_free(CgService *s) {
        if (!s)
                return NULL;
        if (s->ctx && s->owned) {
                if (cg_service_populated(s) > 0)
                        (void) cg_service_kill_all(s);
                s->ctx->ops->service_remove(s);
        }
        safe_close(s->lock_fd); /* the lock goes last: the cgroup is gone or handed on */
        for (size_t i = 0; i < s->n_procs_fds; i++)
                safe_close(s->procs_fds[i]);
        safe_close(s->dir_fd);
        free(s->name);
        free(s->rel);
        free(s->dir_v2);
        for (int i = 0; i < _CG_V1_MAX; i++)
                free(s->dir_v1[i]);
        free(s);
        return NULL;
}

int cg_service_set_limits(CgService *s, const CgLimits *l) {
        if (s->self)
                return -EROFS;
        return s->ctx->ops->set_limits(s, l);
}

int cg_service_get_limits(CgService *s, CgLimits *ret) {
        return s->ctx->ops->get_limits(s, ret);
}

int cg_service_clone_fd(CgService *s) {
        return s->dir_fd >= 0 && !s->self ? s->dir_fd : -EOPNOTSUPP;
}

int cg_service_procs_fds(CgService *s, const int **ret_fds, size_t *ret_n) {
        if (s->n_procs_fds == 0 && !s->self) {
                _cleanup_strv_free_ char **paths = NULL;
                int r = s->ctx->ops->procs_path(s, &paths);
                if (r < 0)
                        return r;
                for (char **p = paths; *p && s->n_procs_fds < _CG_V1_MAX; p++) {
                        int fd = open(*p, O_WRONLY | O_CLOEXEC | O_NOCTTY);
                        if (fd < 0) {
                                r = -errno;
                                for (size_t i = 0; i < s->n_procs_fds; i++)
                                        s->procs_fds[i] = safe_close(s->procs_fds[i]);
                                s->n_procs_fds = 0;
                                return r;
                        }
                        s->procs_fds[s->n_procs_fds++] = fd;
                }
        }
        *ret_fds = s->procs_fds;
        *ret_n = s->n_procs_fds;
        return 0;
}

void cg_service_close_procs_fds(CgService *s) {
        for (size_t i = 0; i < s->n_procs_fds; i++)
                s->procs_fds[i] = safe_close(s->procs_fds[i]);
        s->n_procs_fds = 0;
}

int cg_join_fds(const int *fds, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (write(fds[i], "0", 1) != 1)
                        return -errno;
        return 0;
}

/* The parent of pid, from /proc/PID/stat (the field after the command,
 * which may hold any character but ends at the last ')'). */
static int read_ppid(pid_t pid, pid_t *ret) {
        _cleanup_free_ char *buf = NULL, *path = NULL;
        const char *p;
        char state;
        int ppid, r;

        if (asprintf(&path, "/proc/%d/stat", (int) pid) < 0)
                return -ENOMEM;
        r = cg_read_file(path, &buf);
        if (r < 0)
                return r;
        p = strrchr(buf, ')');
        if (!p || sscanf(p + 1, " %c %d", &state, &ppid) != 2)
                return -EBADMSG;
        *ret = (pid_t) ppid;
        return 0;
}

/* Is pid a descendant of ancestor? Walks the parents up (bounded: a
 * process tree deeper than this is not a service's). */
static bool is_descendant(pid_t pid, pid_t ancestor) {
        for (int depth = 0; depth < 256 && pid > 1; depth++) {
                pid_t ppid;
                if (read_ppid(pid, &ppid) < 0)
                        return false;
                if (ppid == ancestor)
                        return true;
                pid = ppid;
        }
        return false;
}

/* Which processes of cgwarden's own cgroup are the service's: never
 * cgwarden nor its helpers; as PID 1 every other one (the container is the
 * service); otherwise (--guard-self under another init, or in a cgroup a
 * shell shares) only cgwarden's descendants: the rest is not cgwarden's to
 * stop or kill. */
static bool own_cgroup_member(pid_t pid, pid_t me) {
        if (pid == me || children_is_helper(pid))
                return false;
        return me == 1 || is_descendant(pid, me);
}

int cg_service_signal(CgService *s, int sig) {
        _cleanup_free_ pid_t *pids = NULL;
        _cleanup_strv_free_ char **paths = NULL;
        pid_t me = getpid();
        size_t n = 0;
        int r, k = 0;

        r = s->ctx->ops->procs_path(s, &paths);
        if (r < 0)
                return r;
        if (!paths[0])
                return -ENOENT;
        r = cg_read_pids(paths[0], &pids, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                if (s->self && !own_cgroup_member(pids[i], me))
                        continue;
                (void) kill(pids[i], sig);
                k++;
        }
        return k;
}

/* The own cgroup: every process but cgwarden, by signal, until none is
 * left. No freezer (it would freeze cgwarden): a process that forks
 * between the listing and its kill leaves a child for the next round, and
 * SIGKILLed tasks are gone within milliseconds unless stuck in the kernel,
 * so the wait is bounded as the backends' is. */
static int kill_all_but_self(CgService *s) {
        for (int round = 0; round < 400; round++) {
                /* SIGKILL every 20th round (100 ms); in between only count */
                int r = cg_service_signal(s, round % 20 == 0 ? SIGKILL : 0);
                if (r <= 0)
                        return r;
                nanosleep(&(struct timespec){ 0, 5 * 1000 * 1000 }, NULL);
        }
        return -ETIMEDOUT;
}

int cg_service_kill_all(CgService *s) {
        if (s->self)
                return kill_all_but_self(s);
        return s->ctx->ops->kill_all(s);
}

int cg_service_populated(CgService *s) {
        if (s->self) {
                int r = cg_service_signal(s, 0);
                return r < 0 ? r : r > 0;
        }
        return s->ctx->ops->populated(s);
}

int cg_service_events_path(CgService *s, char **ret_path) {
        char *p;

        /* cgwarden's own cgroup never empties while cgwarden runs */
        if (s->ctx->mode != CG_MODE_UNIFIED || s->self)
                return -EOPNOTSUPP;
        p = cg_path_join(s->dir_v2, "cgroup.events");
        if (!p)
                return -ENOMEM;
        *ret_path = p;
        return 0;
}

int cg_service_read(CgService *s, const char *file, char **ret) {
        return s->ctx->ops->read(s, file, ret);
}

unsigned cg_service_orphans_killed(const CgService *s) {
        return s->orphans_killed;
}

const char *cg_service_path(const CgService *s) {
        return s->rel;
}

int cg_service_dir(const CgService *s, const char *controller, char **ret) {
        const char *d = s->dir_v2;

        if (s->ctx->mode != CG_MODE_UNIFIED) {
                d = NULL;
                for (int i = 0; i < _CG_V1_MAX; i++)
                        if (controller && streq(controller, cg_v1_ctrl_names[i]))
                                d = s->dir_v1[i];
        }
        if (!d)
                return -ENOENT;
        *ret = strdup(d);
        return *ret ? 0 : -ENOMEM;
}

void cg_set_error(char **ret_error, const char *fmt, ...) {
        va_list ap;

        if (!ret_error)
                return;
        va_start(ap, fmt);
        if (vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
}
