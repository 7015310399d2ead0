/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capture_upload: each finished capture handed to the user's own client
 * (aws s3 cp, rclone, curl ...), so that the evidence outlives the pod
 * and the host. One upload at a time per service, in order; each attempt
 * is a child of cgwarden (in cgwarden's cgroup, never charged to the
 * service near its limit), in its own session, killed with its children
 * after capture_upload_timeout; a failed attempt is retried after
 * capture_upload_backoff, doubled each time (at most 10 min), up to
 * capture_upload_retries times; nothing waits on it but the exit of a
 * `cgwarden exec` (manager.c). The client gets the capture directory and
 * a tarball of it (".NAME.tar.gz" beside it, made before the first
 * attempt and removed at the end, a dot name that retention skips); exit
 * status 0 leaves ".uploaded" in the capture directory. */
#include <fcntl.h>
#include <limits.h>
#include <json.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/children.h"
#include "base/log.h"
#include "base/units.h"
#include "capture/store.h"
#include "guard/guard-internal.h"
#include "spawn/spawn.h"

#define UPLOAD_QUEUE_MAX 16
#define UPLOAD_BACKOFF_MAX (10 * USEC_PER_MINUTE)

struct Upload {
        Guard *guard;
        char *queue[UPLOAD_QUEUE_MAX]; /* capture directories; [0] is being uploaded */
        char incident[UPLOAD_QUEUE_MAX][33]; /* each one's incident */
        size_t n;
        unsigned attempt; /* of queue[0], from 1 */
        pid_t pid; /* the running attempt, 0: none */
        usec_t started; /* CLOCK_MONOTONIC of the running attempt */
        bool timed_out;
        sd_event_source *child;
        sd_event_source *timer; /* the attempt's timeout, or the wait before the next */
};

static const char *base_name(const char *dir) {
        const char *slash = strrchr(dir, '/');
        return slash ? slash + 1 : dir;
}

static void host_name(char buf[static 256]) {
        if (gethostname(buf, 255) < 0)
                strcpy(buf, "localhost");
        buf[255] = 0;
}

/* the incident the capture's manifest names; "" when none */
static void manifest_incident(const char *dir, char buf[static 33]) {
        char path[PATH_MAX + 16];
        json_object *m, *v;

        buf[0] = 0;
        if (snprintf(path, sizeof path, "%s/manifest.json", dir) >= (int) sizeof path)
                return;
        m = json_object_from_file(path);
        if (m && json_object_object_get_ex(m, "incident", &v) && json_object_is_type(v, json_type_string))
                snprintf(buf, 33, "%s", json_object_get_string(v));
        json_object_put(m);
}

void guard_upload_object(const char *service, const char *incident, const char *dir, char *buf,
                         size_t size) {
        char host[256], own[33];

        if (!incident) {
                manifest_incident(dir, own);
                incident = own;
        }
        host_name(host);
        snprintf(buf, size, "%s/%s/%s/%s.tar.gz", host, service, incident && incident[0] ? incident : "none",
                 base_name(dir));
}

static void tarball_path(const char *dir, char buf[static PATH_MAX]) {
        const char *slash = strrchr(dir, '/');

        if (!slash)
                snprintf(buf, PATH_MAX, ".%s.tar.gz", dir);
        else
                snprintf(buf, PATH_MAX, "%.*s/.%s.tar.gz", (int) (slash - dir), dir, slash + 1);
}

/* "<stamp>-<reason>" -> reason */
static const char *capture_reason(const char *name) {
        const char *dash = strchr(name, '-');
        return dash && dash[1] ? dash + 1 : "unknown";
}

/* cgwarden's own environment (the client's credentials and proxies come
 * from the unit or the pod: AWS_*, RCLONE_*, HOME, HTTPS_PROXY), less what
 * systemd handed cgwarden alone, and the capture's CGWARDEN_*. */
static void upload_env(const Upload *u, const char *dir, const char *tarball, char ***env) {
        static const char *const own[] = { "NOTIFY_SOCKET=",  "LISTEN_PID=",   "LISTEN_FDS=",
                                           "LISTEN_FDNAMES=", "WATCHDOG_PID=", "WATCHDOG_USEC=" };
        const Guard *g = u->guard;
        const char *name = base_name(dir);
        char host[256], v[PATH_MAX + 64], obj[PATH_MAX];

        for (char **e = environ; e && *e; e++) {
                bool skip = strncmp(*e, "CGWARDEN_", 9) == 0;
                for (size_t i = 0; i < ELEMENTSOF(own) && !skip; i++)
                        skip = strncmp(*e, own[i], strlen(own[i])) == 0;
                if (!skip && env_set(env, *e) < 0) {
                        *env = strv_free(*env);
                        return;
                }
        }
        host_name(host);
#define SETF(key, ...)                                      \
        do {                                                \
                snprintf(v, sizeof v, key "=" __VA_ARGS__); \
                (void) env_set(env, v);                     \
        } while (0)
        if (!getenv("PATH"))
                SETF("PATH", "%s", SPAWN_DEFAULT_PATH);
        SETF("CGWARDEN_SERVICE", "%s", g->cfg->name);
        SETF("CGWARDEN_EVENT", "%s", capture_reason(name));
        SETF("CGWARDEN_CAPTURE_DIR", "%s", dir);
        SETF("CGWARDEN_CAPTURE_NAME", "%s", name);
        SETF("CGWARDEN_CAPTURE_TARBALL", "%s", tarball);
        SETF("CGWARDEN_HOSTNAME", "%s", host);
        SETF("CGWARDEN_INCIDENT", "%s", u->incident[0]);
        guard_upload_object(g->cfg->name, u->incident[0], dir, obj, sizeof obj);
        SETF("CGWARDEN_OBJECT", "%s", obj);
        SETF("CGWARDEN_UPLOAD_ATTEMPT", "%u", u->attempt);
#undef SETF
}

static void upload_next(Upload *u);

/* "${NAME}" in an argument, where env has NAME=: its value (as systemd
 * does in ExecStart=, without a shell); other text is kept as written. */
static char *expand_one(const char *arg, char *const *env) {
        size_t n = 0, cap = strlen(arg) + 1;
        char *out = malloc(cap);

        if (!out)
                return NULL;
        for (const char *p = arg; *p;) {
                const char *val = NULL, *end;
                size_t vl = 1;

                if (p[0] == '$' && p[1] == '{' && (end = strchr(p + 2, '}'))) {
                        size_t kl = (size_t) (end - p - 2);
                        for (char *const *e = env; e && *e; e++)
                                if (strncmp(*e, p + 2, kl) == 0 && (*e)[kl] == '=') {
                                        val = *e + kl + 1;
                                        break;
                                }
                        if (val) {
                                vl = strlen(val);
                                p = end + 1;
                        }
                }
                if (n + vl + 1 > cap) {
                        char *o;
                        cap = (n + vl + 1) * 2;
                        o = realloc(out, cap);
                        if (!o)
                                return mfree(out);
                        out = o;
                }
                if (val)
                        memcpy(out + n, val, vl);
                else
                        out[n] = *p++;
                n += vl;
        }
        out[n] = 0;
        return out;
}

static char **expand_argv(char *const *argv, char *const *env) {
        size_t n = strv_length(argv);
        char **r = calloc(n + 1, sizeof *r);

        for (size_t i = 0; r && i < n; i++)
                if (!(r[i] = expand_one(argv[i], env)))
                        return strv_free(r);
        return r;
}

static void upload_pop(Upload *u) {
        char tarball[PATH_MAX], tmp[PATH_MAX + 8];

        if (u->n == 0)
                return;
        tarball_path(u->queue[0], tarball);
        snprintf(tmp, sizeof tmp, "%s.tmp", tarball);
        (void) unlink(tarball);
        (void) unlink(tmp);
        free(u->queue[0]);
        memmove(u->queue, u->queue + 1, (u->n - 1) * sizeof *u->queue);
        memmove(u->incident, u->incident + 1, (u->n - 1) * sizeof *u->incident);
        u->n--;
        u->attempt = 0;
}

static void mark_uploaded(const char *dir, unsigned attempt) {
        char path[PATH_MAX + 16], stamp[32], line[96];
        _cleanup_close_ int fd = -EBADF;
        ssize_t l;

        snprintf(path, sizeof path, "%s/.uploaded", dir);
        capture_format_rfc3339(now_usec(CLOCK_REALTIME), stamp);
        l = snprintf(line, sizeof line, "%s attempt %u\n", stamp, attempt);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 || write(fd, line, (size_t) l) != l)
                log_warning_errno(fd < 0 ? errno : EIO, "Cannot write %s: %m", path);
}

static int on_retry_due(sd_event_source *src, uint64_t usec, void *userdata) {
        Upload *u = userdata;

        u->timer = sd_event_source_disable_unref(u->timer);
        upload_next(u);
        return 0;
}

static int on_upload_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        Upload *u = userdata;

        char d[UNIT_SIZE_MAX];

        log_warning("Service '%s': capture_upload (pid %d) still runs after %s: killing it.",
                    u->guard->cfg->name, (int) u->pid,
                    unit_format_duration(d, u->guard->cfg->capture_upload_timeout));
        u->timed_out = true;
        (void) kill(-u->pid, SIGKILL);
        (void) kill(u->pid, SIGKILL);
        return 0;
}

static int on_upload_exit(sd_event_source *src, const siginfo_t *si, void *userdata) {
        Upload *u = userdata;
        Guard *g = u->guard;
        const ServiceConfig *c = g->cfg;
        const char *dir = u->queue[0];
        char why[64], d[UNIT_SIZE_MAX];
        usec_t took = now_usec(CLOCK_MONOTONIC) - u->started;

        u->child = sd_event_source_disable_unref(u->child);
        u->timer = sd_event_source_disable_unref(u->timer);
        children_forget(u->pid);
        /* what it left running in its session */
        (void) kill(-u->pid, SIGKILL);
        u->pid = 0;

        if (si->si_code == CLD_EXITED && si->si_status == 0 && !u->timed_out) {
                mark_uploaded(dir, u->attempt);
                g->n_uploads++;
                log_info("Service '%s': capture %s uploaded (attempt %u, %s).", c->name, dir, u->attempt,
                         unit_format_duration(d, ROUND_MS(took)));
                upload_pop(u);
                upload_next(u);
                guard_changed(g);
                return 0;
        }
        if (u->timed_out)
                snprintf(why, sizeof why, "timed out after %s",
                         unit_format_duration(d, c->capture_upload_timeout));
        else if (si->si_code == CLD_EXITED && si->si_status == 125)
                snprintf(why, sizeof why, "its tarball could not be made");
        else if (si->si_code == CLD_EXITED && si->si_status == 127)
                snprintf(why, sizeof why, "the command could not be run");
        else if (si->si_code == CLD_EXITED)
                snprintf(why, sizeof why, "exit status %d", si->si_status);
        else
                snprintf(why, sizeof why, "killed by SIG%s", strna(sigabbrev_np(si->si_status)));
        u->timed_out = false;

        if (u->attempt <= c->capture_upload_retries) {
                usec_t wait = c->capture_upload_backoff;
                for (unsigned i = 1; i < u->attempt && wait < UPLOAD_BACKOFF_MAX; i++)
                        wait *= 2;
                wait = MIN(wait, UPLOAD_BACKOFF_MAX);
                log_warning("Service '%s': upload of %s failed (%s), attempt %u of %" PRIu64
                            "; the next in %s.",
                            c->name, dir, why, u->attempt, c->capture_upload_retries + 1,
                            unit_format_duration(d, wait));
                if (sd_event_add_time_relative(g->event, &u->timer, CLOCK_MONOTONIC, wait, USEC_PER_MSEC,
                                               on_retry_due, u) >= 0)
                        return 0;
                log_error("Service '%s': cannot arm the upload's retry: giving up on %s.", c->name, dir);
        } else
                log_error("Service '%s': upload of %s failed (%s): given up after %u attempts; the capture "
                          "stays on this host.",
                          c->name, dir, why, u->attempt);
        g->n_upload_failures++;
        upload_pop(u);
        upload_next(u);
        guard_changed(g);
        return 0;
}

/* The child: the tarball (if the last attempt did not leave it), then the
 * client. Everything it needs is prepared before the fork. */
_noreturn_ static void upload_child(const char *tar, char *const tar_argv[], const char *tarball,
                                    const char *tmp, const char *exe, char *const argv[],
                                    char *const env[]) {
        spawn_helper_child_prepare();
        if (access(tarball, F_OK) < 0) {
                int status;
                pid_t pid = fork();

                if (pid < 0)
                        _exit(125);
                if (pid == 0) {
                        execve(tar, tar_argv, env);
                        _exit(127);
                }
                if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
                    rename(tmp, tarball) < 0) {
                        (void) unlink(tmp);
                        _exit(125);
                }
        }
        execve(exe, argv, env);
        _exit(127);
}

/* One attempt at queue[0]: 0 when it runs, < 0 when it cannot start
 * (logged; the capture is dropped from the queue). */
static int upload_attempt(Upload *u) {
        Guard *g = u->guard;
        const ServiceConfig *c = g->cfg;
        _cleanup_free_ char *exe = NULL, *tar = NULL, *parent = NULL;
        _cleanup_strv_free_ char **env = NULL, **argv = NULL;
        const char *dir = u->queue[0], *name = base_name(dir);
        char tarball[PATH_MAX], tmp[PATH_MAX + 8];
        pid_t pid;
        int r;

        u->attempt++;
        tarball_path(dir, tarball);
        snprintf(tmp, sizeof tmp, "%s.tmp", tarball);
        parent = name > dir ? strndup(dir, (size_t) (name - dir)) : strdup(".");
        if (!parent)
                return log_oom();
        r = spawn_find_executable(c->capture_upload[0], SPAWN_DEFAULT_PATH, &exe);
        if (r < 0)
                return log_error_errno(r, "Service '%s': capture_upload %s: %m", c->name,
                                       c->capture_upload[0]);
        r = spawn_find_executable("tar", SPAWN_DEFAULT_PATH, &tar);
        if (r < 0)
                return log_error_errno(r, "Service '%s': capture_upload needs tar: %m", c->name);
        upload_env(u, dir, tarball, &env);
        if (!env)
                return log_oom();
        argv = expand_argv(c->capture_upload, env);
        if (!argv)
                return log_oom();
        char *tar_argv[] = {
                (char *) "tar", (char *) "-C", parent, (char *) "-czf", tmp, (char *) name, NULL
        };

        pid = fork();
        if (pid < 0)
                return log_error_errno(errno, "Service '%s': cannot fork for capture_upload: %m", c->name);
        if (pid == 0)
                upload_child(tar, tar_argv, tarball, tmp, exe, argv, env);
        u->pid = pid;
        u->started = now_usec(CLOCK_MONOTONIC);
        /* its child source's to reap (base/children.h) */
        r = children_add(pid, CHILD_HELPER);
        if (r >= 0)
                r = sd_event_add_child(g->event, &u->child, pid, WEXITED, on_upload_exit, u);
        if (r >= 0)
                r = sd_event_add_time_relative(
                        g->event, &u->timer, CLOCK_MONOTONIC, c->capture_upload_timeout,
                        MAX(MIN(USEC_PER_SEC, c->capture_upload_timeout / 10), USEC_PER_MSEC),
                        on_upload_timeout, u);
        if (r < 0) {
                log_error_errno(r, "Service '%s': cannot watch capture_upload (pid %d): %m", c->name,
                                (int) pid);
                (void) kill(-pid, SIGKILL);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                children_forget(pid);
                u->pid = 0;
                u->child = sd_event_source_disable_unref(u->child);
                u->timer = sd_event_source_disable_unref(u->timer);
                return r;
        }
        log_info("Service '%s': uploading capture %s (pid %d, attempt %u).", c->name, dir, (int) pid,
                 u->attempt);
        return 0;
}

static void upload_next(Upload *u) {
        Guard *g = u->guard;

        while (u->n > 0 && u->pid == 0 && !u->timer) {
                if (access(u->queue[0], F_OK) < 0)
                        log_warning("Service '%s': capture %s is gone (capture_keep or capture_max_bytes) "
                                    "before its upload.",
                                    g->cfg->name, u->queue[0]);
                else if (upload_attempt(u) >= 0)
                        return;
                g->n_upload_failures++;
                upload_pop(u);
        }
}

static int guard_upload_queue_as(Guard *g, const char *dir, const char *incident) {
        Upload *u = g->upload;

        if (!g->cfg->capture_upload || !g->cfg->capture_upload[0])
                return -ENOENT;
        if (!u) {
                u = g->upload = calloc(1, sizeof *u);
                if (!u)
                        return log_oom();
                u->guard = g;
        }
        if (u->n >= UPLOAD_QUEUE_MAX) {
                log_warning("Service '%s': %d captures wait for their upload: %s is not uploaded.",
                            g->cfg->name, UPLOAD_QUEUE_MAX, dir);
                g->n_upload_failures++;
                return -ENOBUFS;
        }
        u->queue[u->n] = strdup(dir);
        if (!u->queue[u->n])
                return log_oom();
        snprintf(u->incident[u->n], sizeof u->incident[u->n], "%s", incident);
        u->n++;
        upload_next(u);
        return 0;
}

void guard_upload_queue(Guard *g, const char *dir) {
        (void) guard_upload_queue_as(g, dir, g->incident);
}

size_t guard_upload_pending(const Guard *g) {
        return g && g->upload ? g->upload->n : 0;
}

static int on_upload_scan(sd_event_source *src, void *userdata) {
        Guard *g = userdata;
        const char *svc = g->cfg->name;
        _cleanup_free_ char **names = NULL;
        _cleanup_close_ int fd = -EBADF;
        char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
        size_t n = 0, waiting = 0, queued = 0;

        g->upload_scan = sd_event_source_disable_unref(g->upload_scan);
        if (snprintf(dir, sizeof dir, "%s/%s", g->capture_dir, svc) >= (int) sizeof dir)
                return 0;
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || capture_store_list(fd, &names, &n) < 0)
                return 0;
        for (size_t i = 0; i < n; i++) {
                char incident[33], mf[NAME_MAX + 32], up[NAME_MAX + 32];
                struct stat st;
                /* finished (its manifest), not uploaded (no .uploaded) */
                bool want = snprintf(mf, sizeof mf, "%s/manifest.json", names[i]) < (int) sizeof mf &&
                            snprintf(up, sizeof up, "%s/.uploaded", names[i]) < (int) sizeof up &&
                            fstatat(fd, mf, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode) &&
                            faccessat(fd, up, F_OK, 0) < 0 &&
                            snprintf(path, sizeof path, "%s/%s", dir, names[i]) < (int) sizeof path;

                free(names[i]);
                if (!want)
                        continue;
                waiting++;
                if (g->upload && g->upload->n >= UPLOAD_QUEUE_MAX)
                        continue;
                manifest_incident(path, incident);
                if (guard_upload_queue_as(g, path, incident) >= 0)
                        queued++;
        }
        if (waiting > 0)
                log_info("Service '%s': %zu capture(s) of before without .uploaded, %zu queued for "
                         "capture_upload.",
                         svc, waiting, queued);
        return 0;
}

void guard_upload_scan_later(Guard *g) {
        if (!g->cfg->capture_upload || !g->cfg->capture_upload[0] || !g->capture_dir)
                return;
        if (sd_event_add_defer(g->event, &g->upload_scan, on_upload_scan, g) < 0)
                log_warning("Service '%s': cannot look for captures not uploaded yet.", g->cfg->name);
}

void guard_upload_free(Guard *g) {
        Upload *u = g->upload;

        g->upload_scan = sd_event_source_disable_unref(g->upload_scan);
        if (!u)
                return;
        if (u->pid > 0) {
                log_warning("Service '%s': the upload of %s is interrupted (pid %d killed); the capture "
                            "stays, without .uploaded.",
                            g->cfg->name, u->queue[0], (int) u->pid);
                (void) kill(-u->pid, SIGKILL);
                (void) kill(u->pid, SIGKILL);
                (void) waitpid(u->pid, NULL, 0);
                children_forget(u->pid);
        } else if (u->n > 0)
                log_warning("Service '%s': %zu capture(s) not uploaded, left on this host.", g->cfg->name,
                            u->n);
        sd_event_source_disable_unref(u->child);
        sd_event_source_disable_unref(u->timer);
        while (u->n > 0)
                upload_pop(u);
        g->upload = mfree(u);
}
