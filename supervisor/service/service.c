/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "base/children.h"
#include "base/log.h"
#include "base/units.h"
#include "service/notify-socket.h"
#include "service/service.h"

extern char **environ;

/* Life-cycle events as structured journal entries (stderr lines without
 * journald): a fixed MESSAGE_ID each, CGWARDEN_SERVICE, CGWARDEN_EVENT,
 * CGWARDEN_PID and one extra field. */
#define MESSAGE_ID_STARTED "3f2a8c1e5b7d4e6f9a0b1c2d3e4f5a61"
#define MESSAGE_ID_EXITED "4a3b9d2f6c8e4f7a0b1c2d3e4f5a6b72"
#define MESSAGE_ID_RESTART "5b4cae30d7f94a8b1c2d3e4f5a6b7c83"

static void event_log(Service *s, int level, const char *id, const char *event, pid_t pid, const char *extra,
                      const char *fmt, ...) _printf_(7, 8);
static void event_log(Service *s, int level, const char *id, const char *event, pid_t pid, const char *extra,
                      const char *fmt, ...) {
        char msg[512], f_pid[40];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(f_pid, sizeof f_pid, "CGWARDEN_PID=%d", (int) pid);
        (void) log_service_event(level, id, s->cfg->name, event, (char *[]){ f_pid, (char *) extra, NULL },
                                 "%s", msg);
}

static void note(Service *s, const char *fmt, ...) _printf_(2, 3);
static void note(Service *s, const char *fmt, ...) {
        char buf[512];
        va_list ap;

        if (!s->log)
                return;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        (void) outlog_note(s->log, buf, now_usec(CLOCK_REALTIME));
}

/* ---- environment ---- */

static int env_setf(char ***env, const char *key, const char *value) {
        _cleanup_free_ char *a = NULL;
        if (asprintf(&a, "%s=%s", key, value) < 0)
                return -ENOMEM;
        return env_set(env, a);
}

static const char *env_get(char **env, const char *key) {
        size_t l = strlen(key);
        for (char **e = env; e && *e; e++)
                if (strncmp(*e, key, l) == 0 && (*e)[l] == '=')
                        return *e + l + 1;
        return NULL;
}

/* run: a clean environment, as systemd gives services; exec: ours, so
 * `cgwarden exec` behaves like nice(1) or env(1). Then environment=. */
static int build_env(Service *s, const char *home, const char *shell, char ***ret) {
        _cleanup_strv_free_ char **env = NULL;
        const char *v;
        int r;

        if (s->ctx->exec_mode) {
                for (char **e = environ; e && *e; e++) {
                        r = env_set(&env, *e);
                        if (r < 0)
                                return r;
                }
        } else {
                r = env_set(&env, "PATH=" SPAWN_DEFAULT_PATH);
                if (r < 0)
                        return r;
                if ((v = getenv("LANG")))
                        (void) env_setf(&env, "LANG", v);
                if ((v = getenv("TZ")))
                        (void) env_setf(&env, "TZ", v);
        }
        if (s->cfg->user) {
                const char *u = s->cfg->user;
                if (home && (r = env_setf(&env, "HOME", home)) < 0)
                        return r;
                if (shell && (r = env_setf(&env, "SHELL", shell)) < 0)
                        return r;
                if ((r = env_setf(&env, "USER", u)) < 0 || (r = env_setf(&env, "LOGNAME", u)) < 0)
                        return r;
        }
        for (char **e = s->cfg->environment; e && *e; e++) {
                r = env_set(&env, *e);
                if (r < 0)
                        return r;
        }
        if (!env) {
                env = calloc(1, sizeof(char *));
                if (!env)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(env);
        return 0;
}

/* ---- timers ---- */

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata);

/* The timer's source exists only while it is armed: an idle service does
 * not keep one (~220 bytes and a slot in sd-event's heaps, issue #17). */
static void timer_disarm(Service *s) {
        s->timer = sd_event_source_disable_unref(s->timer);
        s->timer_kind = SVC_TIMER_NONE;
}

static int timer_arm(Service *s, SvcTimer kind, usec_t delay) {
        int r;

        if (!s->timer) {
                r = sd_event_add_time_relative(s->ctx->event, &s->timer, CLOCK_MONOTONIC, delay,
                                               USEC_PER_MSEC, on_timer, s);
                if (r < 0)
                        return r;
                (void) sd_event_source_set_description(s->timer, "service-timer");
        } else {
                r = sd_event_source_set_time_relative(s->timer, delay);
                if (r < 0)
                        return r;
        }
        s->timer_kind = kind;
        return sd_event_source_set_enabled(s->timer, SD_EVENT_ONESHOT);
}

/* ---- transitions ---- */

static void service_apply(Service *s, SvcInput *in);

static bool main_alive(const Service *s) {
        return s->main_pid > 0;
}

static void signal_main(Service *s, int sig) {
        if (!main_alive(s))
                return;
        /* not reaped yet: its pid, the group's id, is not reused */
        if (s->signal_group && kill(-s->main_pid, sig) >= 0)
                return;
        if (s->pidfd >= 0 && syscall(SYS_pidfd_send_signal, s->pidfd, sig, NULL, 0) >= 0)
                return;
        (void) kill(s->main_pid, sig);
}

static int empty_watch_start(Service *s);

static int do_spawn(Service *s);
static void drain_output(Service *s);

static void execute(Service *s, const SvcTransition *t) {
        unsigned a = t->actions;
        int sig = s->cfg->stop_signal;

        if (a & SVC_ACT_DISARM_TIMER)
                timer_disarm(s);
        if (a & SVC_ACT_SIGNAL_MAIN) {
                guard_stopping(s->guard);
                log_info("Stopping '%s' (pid %d) with SIG%s.", s->cfg->name, (int) s->main_pid,
                         strna(sigabbrev_np(sig)));
                signal_main(s, sig);
                if (sig != SIGKILL && sig != SIGCONT)
                        signal_main(s, SIGCONT);
        }
        if (a & SVC_ACT_SIGNAL_REST) {
                int n = cg_service_signal(s->cg, sig);
                if (n > 0) {
                        log_info("Service '%s': main process gone, sending SIG%s to %d remaining "
                                 "process(es).",
                                 s->cfg->name, strna(sigabbrev_np(sig)), n);
                        if (sig != SIGKILL)
                                (void) cg_service_signal(s->cg, SIGCONT);
                }
        }
        if (a & SVC_ACT_KILL_CGROUP) {
                int r;
                log_warning("Service '%s' did not stop within %llums: killing its cgroup.", s->cfg->name,
                            (unsigned long long) (s->cfg->stop_timeout / USEC_PER_MSEC));
                note(s, "stop timeout: killing every process of the service");
                r = cg_service_kill_all(s->cg);
                if (r < 0)
                        log_error_errno(r, "Failed to kill cgroup of '%s': %m", s->cfg->name);
        }
        if (a & SVC_ACT_ARM_STOP)
                (void) timer_arm(s, SVC_TIMER_STOP, s->cfg->stop_timeout);
        if (a & SVC_ACT_ARM_START)
                (void) timer_arm(s, SVC_TIMER_START, s->cfg->start_timeout);
        if (a & SVC_ACT_RESET_LIMIT) {
                start_limit_reset(&s->start_limit);
                s->n_failures = 0;
        }
        if (a & SVC_ACT_COUNT_FAILURE) {
                usec_t ran = s->started_at ? now_usec(CLOCK_MONOTONIC) - s->started_at : 0;
                /* a run that lasted restart_reset_after forgives earlier failures */
                if (ran >= s->cfg->restart_reset_after)
                        s->n_failures = 0;
                s->n_failures++;
        }
        if (a & SVC_ACT_ARM_BACKOFF) {
                usec_t d = backoff_delay(s->cfg->restart_delay, s->cfg->restart_delay_max, s->n_failures);
                {
                        char f[48];
                        snprintf(f, sizeof f, "CGWARDEN_RESTART_DELAY_USEC=%llu", (unsigned long long) d);
                        event_log(s, LOG_INFO, MESSAGE_ID_RESTART, "restart", 0, f,
                                  "Service '%s' will restart in %llums (failure %u).", s->cfg->name,
                                  (unsigned long long) (d / USEC_PER_MSEC), s->n_failures);
                }
                note(s, "restarting in %llums (consecutive failure %u)", (unsigned long long) (d / 1000),
                     s->n_failures);
                (void) timer_arm(s, SVC_TIMER_BACKOFF, d);
        }
        if (a & SVC_ACT_SPAWN) {
                if (s->started_at != 0)
                        s->n_restarts++;
                (void) do_spawn(s);
        }
}

void service_changed(Service *s) {
        if (s->ctx->changed)
                s->ctx->changed(s->ctx->userdata, s);
}

/* Settling only queues the service for its owner, which acts on it (a
 * reload's removal frees it) from its own deferred event source: nothing
 * here or in a caller can be freed under its feet. */
static void service_apply(Service *s, SvcInput *in) {
        SvcTransition t;
        SvcState old = s->state;
        int r;

        /* ready = notify: running at READY=1 (notify socket), bounded by
         * start_timeout */
        in->ready_on_exec = !service_waits_for_ready(s);
        in->main_alive = main_alive(s);
        r = svc_transition(s->state, s->after, in, &t);
        if (r < 0) {
                log_debug("Service '%s': event %s ignored in state %s.", s->cfg->name,
                          svc_event_to_string(in->event), svc_state_to_string(s->state));
                return;
        }
        s->state = t.state;
        s->after = t.after;
        if (old != t.state)
                log_debug("Service '%s': %s -> %s (%s).", s->cfg->name, svc_state_to_string(old),
                          svc_state_to_string(t.state), svc_event_to_string(in->event));
        if (t.state == SVC_FAILED && old != SVC_FAILED) {
                log_error("Service '%s' failed%s.", s->cfg->name,
                          in->restart_wanted && in->start_limit_hit ? ": start limit hit, giving up" : "");
                note(s, "service failed%s",
                     in->restart_wanted && in->start_limit_hit ? " (start limit hit)" : "");
        }
        execute(s, &t);
        if (s->state == SVC_STOPPING && !main_alive(s))
                (void) empty_watch_start(s);
        if (service_settled(s))
                s->settle_queued = true;
        if (old != s->state || s->settle_queued)
                service_changed(s);
}

int service_signal_main(Service *s, int sig) {
        if (!main_alive(s))
                return -ESRCH;
        signal_main(s, sig);
        return 0;
}

bool service_exec_pending(const Service *s) {
        return s->errpipe_source != NULL;
}

bool service_settled(const Service *s) {
        return (s->state == SVC_STOPPED || s->state == SVC_FAILED) && !main_alive(s);
}

int service_exit_status(const Service *s) {
        if (s->spawn_failed)
                return s->spawn_failure.error == EACCES ? 126 : 127;
        if (s->last_signal > 0)
                return 128 + s->last_signal;
        return s->last_code;
}

int service_request(Service *s, SvcEvent ev) {
        SvcInput in = { .event = ev, .cgroup_empty = cg_service_populated(s->cg) == 0 };

        /* a policy action (a restart after a capture, a throttle's
         * escalation, a hang) or a control request while cgwarden stops
         * would start the service again after its stop: the shutdown
         * would never end */
        if (s->ctx->shutting_down && (ev == SVC_EV_START || ev == SVC_EV_RESTART || ev == SVC_EV_RECOVER)) {
                log_info("Service '%s': %s ignored: cgwarden is stopping.", s->cfg->name,
                         ev == SVC_EV_RECOVER ? "restart" : svc_event_to_string(ev));
                return -ESHUTDOWN;
        }
        if (ev == SVC_EV_RECOVER) {
                in.restart_wanted = true;
                in.start_limit_hit = start_limit_hit(&s->start_limit, now_usec(CLOCK_MONOTONIC));
        }
        service_apply(s, &in);
        return 0;
}

/* ---- emptiness ---- */

static void check_empty(Service *s) {
        if (s->state != SVC_STOPPING || main_alive(s))
                return;
        if (cg_service_populated(s->cg) == 0) {
                SvcInput in = { .event = SVC_EV_EMPTY, .cgroup_empty = true };
                if (s->empty_source && cg_service_clone_fd(s->cg) < 0) {
                        /* v1 poll source: not needed any more */
                        s->empty_source = sd_event_source_disable_unref(s->empty_source);
                }
                service_apply(s, &in);
        }
}

static int on_cgroup_events(sd_event_source *src, const struct inotify_event *ev, void *userdata) {
        check_empty(userdata);
        return 0;
}

static int on_empty_poll(sd_event_source *src, uint64_t usec, void *userdata) {
        Service *s = userdata;

        (void) sd_event_source_set_time_relative(src, 20 * USEC_PER_MSEC);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        check_empty(s);
        return 0;
}

/* v2 has an event for "cgroup empty" (cgroup.events); v1 does not (only a
 * host-wide release agent), so on v1 we look every 20 ms, and only while a
 * service is stopping with processes left behind its main process. */
static int empty_watch_start(Service *s) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (s->empty_source)
                return 0;
        r = cg_service_events_path(s->cg, &path);
        if (r >= 0) {
                r = sd_event_add_inotify(s->ctx->event, &s->empty_source, path, IN_MODIFY, on_cgroup_events,
                                         s);
                if (r >= 0) {
                        (void) sd_event_source_set_description(s->empty_source, "cgroup-events");
                        check_empty(s);
                        return 0;
                }
        }
        r = sd_event_add_time_relative(s->ctx->event, &s->empty_source, CLOCK_MONOTONIC, 20 * USEC_PER_MSEC,
                                       5 * USEC_PER_MSEC, on_empty_poll, s);
        if (r < 0)
                return log_error_errno(r, "Failed to watch cgroup of '%s': %m", s->cfg->name);
        (void) sd_event_source_set_description(s->empty_source, "cgroup-empty-poll");
        return 0;
}

/* ---- child process ---- */

static bool exit_is_clean(const Service *s) {
        if (s->last_signal == 0 && s->last_code == 0)
                return true;
        return exit_status_set_test(&s->cfg->success_exit_status, s->last_signal ? -1 : s->last_code,
                                    s->last_signal);
}

static bool restart_wanted(const Service *s, bool clean) {
        if (s->ctx->shutting_down)
                return false;
        if (exit_status_set_test(&s->cfg->restart_prevent_exit_status, s->last_signal ? -1 : s->last_code,
                                 s->last_signal))
                return false;
        switch (s->cfg->restart) {
        case RESTART_ALWAYS:
                return true;
        case RESTART_ON_FAILURE:
                return !clean;
        default:
                return false;
        }
}

static void drain_errpipe(Service *s) {
        if (s->errpipe < 0)
                return;
        SpawnFailure f;
        ssize_t k = read(s->errpipe, &f, sizeof f);
        if (k == (ssize_t) sizeof f) {
                s->spawn_failed = true;
                s->spawn_failure = f;
        }
        s->errpipe_source = sd_event_source_disable_unref(s->errpipe_source);
        s->errpipe = safe_close(s->errpipe);
}

static void report_spawn_failure(Service *s) {
        const SpawnFailure *f = &s->spawn_failure;
        log_error("Service '%s' failed to start: %s %s: %s.", s->cfg->name,
                  spawn_stage_to_string((SpawnStage) f->stage),
                  f->stage == SPAWN_STAGE_EXEC    ? strna(s->exe ?: s->cfg->argv[0])
                  : f->stage == SPAWN_STAGE_CHDIR ? strna(s->cfg->working_dir)
                                                  : "",
                  strerror(f->error));
        note(s, "failed to start: %s: %s", spawn_stage_to_string((SpawnStage) f->stage), strerror(f->error));
}

static void child_exited(Service *s, const siginfo_t *si) {
        SvcInput in = {};
        bool clean;

        drain_errpipe(s);
        /* what the process wrote before dying comes before its exit */
        drain_output(s);
        if (si->si_code == CLD_EXITED) {
                s->last_code = si->si_status;
                s->last_signal = 0;
        } else {
                s->last_code = -1;
                s->last_signal = si->si_status;
        }
        s->child_source = sd_event_source_disable_unref(s->child_source);
        fdset_remove(s->fdset, &s->child_entry);
        s->pidfd = safe_close(s->pidfd);
        /* reaped (on_child_pidfd), or sd-event reaps it when on_child()
         * returns */
        children_forget(s->main_pid);
        s->main_pid = 0;
        guard_stopped(s->guard);
        if (s->watchdog_timer)
                (void) sd_event_source_set_enabled(s->watchdog_timer, SD_EVENT_OFF);

        clean = !s->spawn_failed && exit_is_clean(s);
        if (s->spawn_failed)
                report_spawn_failure(s);
        else if (s->last_signal) {
                char f[48];
                snprintf(f, sizeof f, "CGWARDEN_EXIT_SIGNAL=%s", strna(sigabbrev_np(s->last_signal)));
                event_log(s, s->state == SVC_STOPPING ? LOG_INFO : LOG_WARNING, MESSAGE_ID_EXITED, "exit",
                          si->si_pid, f, "Service '%s' (pid %d) killed by signal SIG%s.", s->cfg->name,
                          (int) si->si_pid, strna(sigabbrev_np(s->last_signal)));
                note(s, "process %d killed by signal SIG%s", (int) si->si_pid,
                     strna(sigabbrev_np(s->last_signal)));
        } else {
                char f[48];
                snprintf(f, sizeof f, "CGWARDEN_EXIT_STATUS=%d", s->last_code);
                event_log(s, clean || s->state == SVC_STOPPING ? LOG_INFO : LOG_WARNING, MESSAGE_ID_EXITED,
                          "exit", si->si_pid, f, "Service '%s' (pid %d) exited with status %d.",
                          s->cfg->name, (int) si->si_pid, s->last_code);
                note(s, "process %d exited with status %d", (int) si->si_pid, s->last_code);
        }

        in.event = s->spawn_failed ? SVC_EV_SPAWN_FAILED : SVC_EV_EXITED;
        in.clean_exit = clean;
        /* A failed start restarts (with back-off) unless restart=no. */
        in.restart_wanted = s->spawn_failed ? (s->cfg->restart != RESTART_NO && !s->ctx->shutting_down)
                                            : restart_wanted(s, clean);
        in.start_limit_hit = start_limit_hit(&s->start_limit, now_usec(CLOCK_MONOTONIC));
        in.cgroup_empty = cg_service_populated(s->cg) == 0;
        service_apply(s, &in);
}

/* No pidfd (an old kernel): sd-event waits. */
static int on_child(sd_event_source *src, const siginfo_t *si, void *userdata) {
        child_exited(userdata, si);
        return 0;
}

/* The pidfd is readable: the process has exited. Reaped here. */
static void on_child_pidfd(FdSetEntry *e, int fd, uint32_t revents) {
        Service *s = container_of(e, Service, child_entry);
        siginfo_t si = {};

        if (waitid(P_PIDFD, fd, &si, WEXITED | WNOHANG) < 0) {
                if (errno == EINTR || errno == EAGAIN)
                        return;
                /* never seen: nobody else reaps a registered child
                 * (children.h); stop watching, and count it as a failure */
                log_error_errno(errno, "Service '%s': cannot wait for pid %d: %m", s->cfg->name,
                                (int) s->main_pid);
                si = (siginfo_t){};
                si.si_pid = s->main_pid; /* (union members: one at a time) */
                si.si_code = CLD_EXITED;
                si.si_status = 255;
        } else if (si.si_pid == 0)
                return; /* not yet */
        child_exited(s, &si);
}

static int on_errpipe(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Service *s = userdata;
        SvcInput in = { .event = SVC_EV_EXEC_OK };

        drain_errpipe(s);
        if (s->spawn_failed)
                return 0; /* reported when the child's exit arrives */
        {
                char f[PATH_MAX + 24];
                snprintf(f, sizeof f, "CGWARDEN_CGROUP=%s", cg_service_path(s->cg));
                event_log(s, LOG_INFO, MESSAGE_ID_STARTED, "start", s->main_pid, f,
                          "Service '%s' started (pid %d) in cgroup %s.", s->cfg->name, (int) s->main_pid,
                          cg_service_path(s->cg));
        }
        note(s, "started pid %d: %s", (int) s->main_pid, s->cfg->exec_raw ?: "");
        guard_started(s->guard);
        s->status_text = mfree(s->status_text);
        if (s->cfg->ready != READY_NOTIFY)
                service_watchdog_arm(s);
        service_apply(s, &in);
        /* the owner waits for the exec (READY=1), also when the state
         * stays (ready = notify) */
        service_changed(s);
        return 0;
}

static int do_spawn(Service *s) {
        _cleanup_free_ char *home = NULL, *shell = NULL;
        _cleanup_close_ int devnull = -EBADF;
        const int *procs_fds = NULL;
        size_t n_procs = 0;
        pid_t pid;
        int pidfd = -EBADF, errpipe = -EBADF;
        bool into = false;
        int r;

        s->spawn_failed = false;
        s->last_code = -1;
        s->last_signal = 0;
        free(s->exe);
        s->exe = NULL;
        s->envp = strv_free(s->envp);
        free(s->groups);
        s->groups = NULL;
        s->n_groups = 0;

        r = spawn_resolve_creds(s->cfg->user, s->cfg->group, s->cfg->supplementary_groups, &s->uid, &s->gid,
                                &s->groups, &s->n_groups, &home, &shell);
        if (r < 0) {
                log_error_errno(r, "Service '%s': cannot resolve user/group: %s", s->cfg->name,
                                r == -ESRCH ? "no such user or group" : strerror(-r));
                goto fail_early;
        }
        r = build_env(s, home, shell, &s->envp);
        if (r < 0)
                goto fail_early;
        r = spawn_find_executable(s->cfg->argv[0], env_get(s->envp, "PATH"), &s->exe);
        if (r < 0) {
                s->spawn_failed = true;
                s->spawn_failure = (SpawnFailure){ SPAWN_STAGE_EXEC, -r };
                report_spawn_failure(s);
                goto fail_reported;
        }
        r = service_jvm_env(s, &s->envp);
        if (r >= 0)
                r = service_notify_env(s, &s->envp);
        if (r < 0)
                goto fail_early;
        r = cg_service_procs_fds(s->cg, &procs_fds, &n_procs);
        if (r < 0) {
                log_error_errno(r, "Service '%s': cannot open its cgroup: %m", s->cfg->name);
                goto fail_early;
        }
        devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull < 0) {
                r = -errno;
                goto fail_early;
        }

        SpawnParams p = {
                .path = s->exe,
                .argv = s->cfg->argv,
                .envp = s->envp,
                .working_dir = s->cfg->working_dir,
                .set_creds = s->cfg->user || s->cfg->group || s->cfg->supplementary_groups,
                .uid = s->uid,
                .gid = s->gid,
                .groups = s->groups,
                .n_groups = s->n_groups,
                .umask = s->cfg->umask,
                .stdin_fd = devnull,
                .stdout_fd = s->out_w[0],
                .stderr_fd = s->out_w[1],
                .cgroup_dir_fd = cg_service_clone_fd(s->cg),
                .cgroup_procs_fds = procs_fds,
                .n_cgroup_procs_fds = n_procs,
                .seccomp = s->seccomp,
                .no_new_privileges = s->cfg->no_new_privileges,
                .oom_score_adj = s->ctx->oom_score_adj_orig,
                .nofile_soft = s->ctx->nofile_soft_orig,
        };
        r = spawn_start(&p, &pid, &pidfd, &errpipe, &into);
        cg_service_close_procs_fds(s->cg);
        if (r < 0) {
                log_error_errno(r, "Service '%s': fork failed: %m", s->cfg->name);
                goto fail_early;
        }
        /* its status is ours: a PID 1's reaper leaves it alone (base/children.h) */
        r = children_add(pid, CHILD_SERVICE);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                safe_close(pidfd);
                safe_close(errpipe);
                log_oom();
                goto fail_early;
        }
        s->main_pid = pid;
        s->pidfd = pidfd;
        s->errpipe = errpipe;
        s->started_at = now_usec(CLOCK_MONOTONIC);
        s->n_spawns++;
        (void) start_limit_record(&s->start_limit, s->started_at);
        log_debug("Service '%s': spawned pid %d (%s).", s->cfg->name, (int) pid,
                  into                 ? "clone3 into cgroup"
                  : s->ctx->guard_self ? "in cgwarden's own cgroup"
                                       : "fork, join cgroup, exec");

        /* the pidfd in the FdSet, not an sd-event child source (~300 bytes
         * per running service, base/fdset.h) */
        if (pidfd >= 0)
                r = fdset_add(s->fdset, &s->child_entry, pidfd, EPOLLIN, on_child_pidfd);
        else {
                r = sd_event_add_child(s->ctx->event, &s->child_source, pid, WEXITED, on_child, s);
                if (r >= 0)
                        (void) sd_event_source_set_description(s->child_source, "service-child");
        }
        if (r < 0)
                return log_error_errno(r, "Failed to watch pid %d: %m", (int) pid);
        r = sd_event_add_io(s->ctx->event, &s->errpipe_source, errpipe, EPOLLIN, on_errpipe, s);
        if (r < 0)
                return log_error_errno(r, "Failed to watch exec of pid %d: %m", (int) pid);
        (void) sd_event_source_set_description(s->errpipe_source, "service-exec");
        /* learn about exec failures before the child's exit */
        (void) sd_event_source_set_priority(s->errpipe_source, SD_EVENT_PRIORITY_IMPORTANT);
        return 0;

fail_early:
        s->spawn_failed = true;
        s->spawn_failure = (SpawnFailure){ SPAWN_STAGE_EXEC, r < 0 ? -r : EIO };
fail_reported:
        /* Nothing ran: feed the failure as if the child had died at exec,
         * so back-off and the start limit apply (no tight loop). */
        s->started_at = now_usec(CLOCK_MONOTONIC);
        (void) start_limit_record(&s->start_limit, s->started_at);
        {
                SvcInput in = {
                        .event = SVC_EV_SPAWN_FAILED,
                        .restart_wanted = s->cfg->restart != RESTART_NO && !s->ctx->shutting_down,
                        .start_limit_hit = start_limit_hit(&s->start_limit, s->started_at),
                        .cgroup_empty = true,
                };
                service_apply(s, &in);
        }
        return r < 0 ? r : -EIO;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Service *s = userdata;
        SvcInput in = {};

        switch (s->timer_kind) {
        case SVC_TIMER_STOP:
                in.event = SVC_EV_STOP_TIMEOUT;
                break;
        case SVC_TIMER_START: {
                char b[UNIT_SIZE_MAX];
                log_warning("Service '%s' did not report READY=1 within start_timeout (%s): stopping it.",
                            s->cfg->name, unit_format_duration(b, s->cfg->start_timeout));
                in.event = SVC_EV_START_TIMEOUT;
                in.restart_wanted = s->cfg->restart != RESTART_NO && !s->ctx->shutting_down;
                in.start_limit_hit = start_limit_hit(&s->start_limit, now_usec(CLOCK_MONOTONIC));
                break;
        }
        case SVC_TIMER_BACKOFF:
                in.event = SVC_EV_BACKOFF_DONE;
                break;
        default:
                return 0;
        }
        timer_disarm(s); /* fired (ONESHOT): let the source go */
        in.cgroup_empty = cg_service_populated(s->cg) == 0;
        service_apply(s, &in);
        return 0;
}

/* ---- output ---- */

/* Read what the service wrote, up to max_rounds buffers per stream (all of
 * it when draining at exit), relaying it in exec mode and logging it. */
static void read_output(Service *s, int stream, unsigned max_rounds) {
        static char buf[65536];
        int fd = s->out_r[stream - 1];

        for (unsigned i = 0; i < max_rounds && fd >= 0; i++) {
                ssize_t k = read(fd, buf, sizeof buf);
                if (k <= 0)
                        break;
                if (s->ctx->exec_mode) {
                        /* exec: relay raw, as if the child wrote to our
                         * stdout/stderr */
                        size_t off = 0;
                        while (off < (size_t) k) {
                                ssize_t w = write(stream, buf + off, (size_t) k - off);
                                if (w <= 0)
                                        break;
                                off += (size_t) w;
                        }
                }
                if (s->log)
                        (void) outlog_feed(s->log, stream, buf, (size_t) k, now_usec(CLOCK_REALTIME));
                if ((size_t) k < sizeof buf)
                        break;
        }
}

static void drain_output(Service *s) {
        read_output(s, 1, UINT_MAX);
        read_output(s, 2, UINT_MAX);
}

/* bounded per wakeup so one chatty service cannot starve the loop */
static void on_stdout(FdSetEntry *e, int fd, uint32_t revents) {
        read_output(container_of(e, Service, out_entry[0]), 1, 16);
}

static void on_stderr(FdSetEntry *e, int fd, uint32_t revents) {
        read_output(container_of(e, Service, out_entry[1]), 2, 16);
}

/* ---- life ---- */

/* ---- what the guard asks (guard.h) ---- */

static void guard_describe(void *owner, GuardProcess *ret) {
        Service *s = owner;

        *ret = (GuardProcess){
                .pid = s->main_pid,
                .incarnation = s->n_spawns,
                .started_at = s->started_at,
                .exe = s->exe,
                .envp = s->envp,
                .uid = s->uid,
        };
}

static int guard_restart(void *owner) {
        return service_request(owner, SVC_EV_RECOVER);
}

static int guard_stop(void *owner) {
        return service_request(owner, SVC_EV_STOP);
}

static int guard_kill(void *owner) {
        Service *s = owner;

        /* in cgwarden's own cgroup: everything but cgwarden (cgroup.h) */
        return cg_service_kill_all(s->cg);
}

static bool guard_may_write_cgroup(void *owner) {
        Service *s = owner;

        /* its own cgroup, unless it is cgwarden's own in a container: the
         * container's limits are the orchestrator's */
        return !s->ctx->guard_self;
}

static void guard_changed_status(void *owner) {
        service_changed(owner);
}

static const GuardOwnerOps guard_ops = {
        .describe = guard_describe,
        .restart = guard_restart,
        .stop = guard_stop,
        .kill = guard_kill,
        .may_write = guard_may_write_cgroup,
        .changed = guard_changed_status,
};

static void on_capture_done(void *userdata, const char *path, bool complete) {
        Service *s = userdata;
        service_capture_done_t done = s->capture_done;

        s->capture_done = NULL;
        if (done)
                done(s->capture_done_userdata, s, path, complete);
}

int service_capture(Service *s, const char *what, service_capture_done_t done, void *userdata) {
        int r = guard_capture(s->guard, "manual", what, on_capture_done, s);

        if (r >= 0) {
                s->capture_done = done;
                s->capture_done_userdata = userdata;
        }
        return r;
}

static int resolve_limits(Service *s) {
        const ServiceConfig *c = s->cfg;
        CgLimits l = CG_LIMITS_NONE;

        l.memory_max = limit_resolve(&c->memory_max, CG_UNLIMITED, 0);
        l.memory_high = limit_resolve(&c->memory_high, l.memory_max, 9000);
        if (l.memory_high != CG_UNLIMITED && l.memory_max != CG_UNLIMITED && l.memory_high > l.memory_max)
                l.memory_high = l.memory_max;
        l.pids_max = limit_resolve(&c->pids_max, CG_UNLIMITED, 0);
        if (c->cpu_max.kind == LIMIT_PERCENT)
                l.cpu_quota_usec = c->cpu_max.value * l.cpu_period_usec / 10000;
        /* v1's guard: at memory_max the tasks pause instead of dying, so
         * there is time for evidence (released after oom_pause_max) */
        l.oom_pause = cg_context_has(s->ctx->cg, CG_FEATURE_OOM_PAUSE) && l.memory_max != CG_UNLIMITED &&
                      c->oom_pause_max > 0;
        s->limits = l;
        return 0;
}

/* A launched service's cgroup below cgwarden's, with its limits. Returns
 * 0 or -errno (logged). */
static int create_cgroup(Service *s) {
        const ServiceConfig *cfg = s->cfg;
        int r;

        r = cg_service_new(s->ctx->cg, cfg->name, &s->cg);
        if (r < 0)
                return log_error_errno(r, "Failed to create cgroup for service '%s' below %s: %s", cfg->name,
                                       cg_context_services_path(s->ctx->cg),
                                       r == -EADDRINUSE
                                               ? "another cgwarden runs this service (its cgroup is "
                                                 "locked); nothing of it was touched"
                                               : strerror(-r));
        if (cg_service_orphans_killed(s->cg) > 0)
                log_warning("Service '%s': killed %u process(es) that a cgwarden that died had left in its "
                            "cgroup %s; it starts anew.",
                            cfg->name, cg_service_orphans_killed(s->cg), cg_service_path(s->cg));
        resolve_limits(s);
        r = cg_service_set_limits(s->cg, &s->limits);
        if (r < 0)
                return log_error_errno(r, "Failed to set limits of service '%s': %m", cfg->name);
        {
                char mb[UNIT_SIZE_MAX], hb[UNIT_SIZE_MAX], pb[32];
                if (s->limits.pids_max == CG_UNLIMITED)
                        strcpy(pb, "max");
                else
                        snprintf(pb, sizeof pb, "%" PRIu64, s->limits.pids_max);
                log_info("Service '%s': cgroup %s, memory_max=%s memory_high=%s pids_max=%s.", cfg->name,
                         cg_service_path(s->cg),
                         s->limits.memory_max == CG_UNLIMITED ? "max"
                                                              : unit_format_size(mb, s->limits.memory_max),
                         s->limits.memory_high == CG_UNLIMITED ? "max"
                                                               : unit_format_size(hb, s->limits.memory_high),
                         pb);
        }
        return 0;
}

/* A container's entrypoint: the service runs in cgwarden's own cgroup,
 * whose limits are the container's: nothing is set. Returns 0 or -errno
 * (logged). */
static int open_own_cgroup(Service *s) {
        int r;

        r = cg_service_open_own(s->ctx->cg, s->cfg->name, &s->cg);
        if (r < 0)
                return log_error_errno(r, "Service '%s': cannot open cgwarden's own cgroup %s: %m",
                                       s->cfg->name, strna(cg_context_own_path(s->ctx->cg)));
        s->limits = CG_LIMITS_NONE;
        log_info("Service '%s': runs in cgwarden's own cgroup %s; its limits are the container's, and "
                 "nothing is written to it.",
                 s->cfg->name, cg_service_path(s->cg));
        return 0;
}

int service_new(const ServiceContext *ctx, ServiceConfig *cfg, Service **ret) {
        Service *s;
        int r;

        s = calloc(1, sizeof *s);
        if (!s)
                return log_oom();
        s->ctx = ctx;
        s->cfg = cfg;
        s->pidfd = s->errpipe = -EBADF;
        s->out_r[0] = s->out_r[1] = s->out_w[0] = s->out_w[1] = -EBADF;
        s->out_entry[0] = s->out_entry[1] = s->child_entry = (FdSetEntry) FDSET_ENTRY_INIT;
        s->last_code = -1;
        start_limit_init(&s->start_limit, (uint32_t) cfg->start_limit_burst, cfg->start_limit_interval);

        r = ctx->guard_self ? open_own_cgroup(s) : create_cgroup(s);
        if (r < 0)
                goto fail;
        if (cfg->syscall_filter && *cfg->syscall_filter) {
                _cleanup_free_ char *err = NULL;
                r = seccomp_compile(cfg->syscall_filter, cfg->syscall_filter_kill, &s->seccomp, &err);
                if (r < 0) {
                        log_error_errno(r, "Service '%s': bad syscall_filter: %s", cfg->name,
                                        err ?: strerror(-r));
                        goto fail;
                }
        }
        r = service_setup_notify(s);
        if (r < 0)
                goto fail;

        r = fdset_acquire(ctx->event, &s->fdset);
        if (r < 0)
                goto fail;
        for (int i = 0; i < 2; i++) {
                int p[2];
                if (pipe2(p, O_CLOEXEC) < 0) {
                        r = log_error_errno(errno, "Failed to create output pipe: %m");
                        goto fail;
                }
                s->out_r[i] = p[0];
                s->out_w[i] = p[1];
                (void) fcntl(p[0], F_SETFL, O_NONBLOCK);
                r = fdset_add(s->fdset, &s->out_entry[i], p[0], EPOLLIN, i ? on_stderr : on_stdout);
                if (r < 0)
                        goto fail;
        }
        if (ctx->log_dir_fd >= 0) {
                r = outlog_open(ctx->log_dir_fd, cfg->name, cfg->log_max_size, (unsigned) cfg->log_keep,
                                &s->log);
                if (r < 0) {
                        log_error_errno(r, "Failed to open log file %s/%s.log: %m", ctx->config->log_dir,
                                        cfg->name);
                        goto fail;
                }
        }
        r = guard_new(
                &(GuardSpec){
                        .event = ctx->event,
                        .cg_context = ctx->cg,
                        .cg = s->cg,
                        .cfg = cfg,
                        .limits = &s->limits,
                        .capture_dir = ctx->config ? ctx->config->capture_dir : NULL,
                        .log = s->log,
                        .host_budget = ctx->config ? &ctx->config->capture_budget : NULL,
                        .host_ledger = ctx->host_ledger,
                        .host_heap_budget = ctx->config ? &ctx->config->heap_dump_budget : NULL,
                        .host_heap_ledger = ctx->host_heap_ledger,
                },
                &guard_ops, s, &s->guard);
        if (r < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        s->cfg = NULL; /* not ours on failure */
        service_free(s);
        return r;
}

Service *service_free(Service *s) {
        if (!s)
                return NULL;
        /* the guard goes first (its capture restores the limits); the
         * output drained below is not its any more */
        if (s->log)
                outlog_set_line_cb(s->log, NULL, NULL);
        s->guard = guard_free(s->guard);
        s->watchdog_timer = sd_event_source_disable_unref(s->watchdog_timer);
        s->notify = notify_socket_free(s->notify);
        if (main_alive(s)) {
                signal_main(s, SIGKILL);
        }
        s->child_source = sd_event_source_disable_unref(s->child_source);
        fdset_remove(s->fdset, &s->child_entry);
        s->errpipe_source = sd_event_source_disable_unref(s->errpipe_source);
        s->timer = sd_event_source_disable_unref(s->timer);
        s->empty_source = sd_event_source_disable_unref(s->empty_source);
        drain_output(s);
        for (int i = 0; i < 2; i++) {
                fdset_remove(s->fdset, &s->out_entry[i]);
                if (s->log)
                        (void) outlog_flush(s->log, i + 1, now_usec(CLOCK_REALTIME));
                safe_close(s->out_r[i]);
                safe_close(s->out_w[i]);
        }
        if (main_alive(s)) {
                /* reap our child so it does not linger as a zombie */
                (void) waitpid(s->main_pid, NULL, 0);
                children_forget(s->main_pid);
        }
        safe_close(s->pidfd);
        safe_close(s->errpipe);
        fdset_release(s->fdset);
        free(s->status_text);
        cg_service_free(s->cg);
        outlog_free(s->log);
        seccomp_program_free(s->seccomp);
        start_limit_done(&s->start_limit);
        free(s->exe);
        strv_free(s->envp);
        free(s->groups);
        service_config_free(s->cfg);
        service_config_free(s->replacement);
        free(s);
        return NULL;
}
