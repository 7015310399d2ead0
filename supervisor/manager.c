/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>
#include <systemd/sd-daemon.h>

#include "capture/capture.h"
#include "control/control.h"
#include "control/metrics-http.h"
#include "control/metrics.h"
#include "service/status.h"
#include "base/children.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "base/log.h"
#include "manager.h"

/* STATUS= with a one-line summary to systemd */
static void send_status(Manager *m) {
        size_t running = 0, failed = 0, other = 0, throttled = 0;
        const Service *last = NULL;
        char tail[96] = "";

        for (size_t i = 0; i < m->n_services; i++) {
                const Service *sv = m->services[i];
                SvcState st = sv->state;
                if (st == SVC_RUNNING)
                        running++;
                else if (st == SVC_FAILED)
                        failed++;
                else
                        other++;
                if (sv->guard->throttled)
                        throttled++;
                if (sv->guard->last_capture_rt > 0 &&
                    (!last || sv->guard->last_capture_rt > last->guard->last_capture_rt))
                        last = sv;
        }
        if (last) {
                time_t t = (time_t) (last->guard->last_capture_rt / USEC_PER_SEC);
                struct tm tm;
                localtime_r(&t, &tm);
                snprintf(tail, sizeof tail, ", last capture %.40s %02d:%02d", last->cfg->name, tm.tm_hour,
                         tm.tm_min);
        }
        {
                size_t watched = 0;
                char w[32] = "";
                for (size_t i = 0; i < m->n_rules; i++)
                        watched += watch_rule_count(m->rules[i]);
                if (m->n_rules > 0)
                        snprintf(w, sizeof w, ", %zu watched", watched);
                (void) sd_notifyf(false, "STATUS=%zu running, %zu throttled, %zu failed, %zu other%s%s",
                                  running, throttled, failed, other, w, tail);
        }
}

/* READY=1, after the start or a reload, once every service that was
 * forked has exec()ed its program or failed to: systemd's "started" then
 * means that the services run. A service with ready = notify is not waited
 * for (its READY=1 may take start_timeout, 90 s by default, as long as
 * systemd's own start timeout), nor a changed service a reload restarts
 * once its old process has stopped. */
static void send_ready_when_due(Manager *m) {
        if (!m->ready_pending || m->shutting_down)
                return;
        for (size_t i = 0; i < m->n_services; i++)
                if (service_exec_pending(m->services[i]))
                        return;
        m->ready_pending = false;
        m->ready_sent = true;
        (void) sd_notify(false, "READY=1");
        send_status(m);
        m->status_dirty = false;
}

/* WATCHDOG=1 towards systemd at half its WATCHDOG_USEC */
static int on_watchdog(sd_event_source *src, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        (void) sd_notify(false, "WATCHDOG=1");
        (void) sd_event_source_set_time_relative(src, m->watchdog_usec / 2);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ON);
        return 0;
}

static int on_exit_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        size_t left = 0;

        for (size_t i = 0; i < m->n_services; i++)
                left += !service_settled(m->services[i]);
        log_warning("%zu service(s) still not stopped 2s after the second stop request: exiting anyway.",
                    left);
        (void) sd_event_exit(m->event, 0);
        return 0;
}

static void manager_shutdown(Manager *m) {
        if (m->shutting_down) {
                /* second request: do not wait for stop_timeout, nor for a
                 * service whose cgroup vanished under us */
                log_warning("Second stop request: killing every service now.");
                for (size_t i = 0; i < m->n_services; i++)
                        (void) cg_service_kill_all(m->services[i]->cg);
                if (!m->exit_timer &&
                    sd_event_add_time_relative(m->event, &m->exit_timer, CLOCK_MONOTONIC, 2 * USEC_PER_SEC,
                                               USEC_PER_MSEC, on_exit_timer, m) < 0)
                        (void) sd_event_exit(m->event, 0);
                return;
        }
        m->shutting_down = m->service_ctx.shutting_down = true;
        (void) sd_notify(false, "STOPPING=1");
        log_info("Stopping %zu service(s).", m->n_services);
        for (size_t i = 0; i < m->n_services; i++)
                (void) service_request(m->services[i], SVC_EV_STOP);
        /* nothing running at all: exit at once */
        (void) sd_event_source_set_enabled(m->dispatch, SD_EVENT_ONESHOT);
}

/* As PID 1 (a container's entrypoint), as tini does: what the
 * orchestrator or a terminal sends cgwarden is meant for the service. */
static void forward_signal(Manager *m, int sig) {
        for (size_t i = 0; i < m->n_services; i++) {
                Service *s = m->services[i];
                if (service_signal_main(s, sig) < 0) {
                        log_info("Received SIG%s: '%s' is not running, not forwarded.",
                                 strna(sigabbrev_np(sig)), s->cfg->name);
                        continue;
                }
                /* a terminal's resizes are many */
                if (sig == SIGWINCH)
                        log_debug("Forwarded SIG%s to '%s' (pid %d).", strna(sigabbrev_np(sig)),
                                  s->cfg->name, (int) s->main_pid);
                else
                        log_info("Forwarded SIG%s to '%s' (pid %d).", strna(sigabbrev_np(sig)), s->cfg->name,
                                 (int) s->main_pid);
        }
}

static void on_reaped(pid_t pid, int code, int status, void *userdata) {
        if (code == CLD_EXITED)
                log_debug("Reaped orphan %d: exited with status %d.", (int) pid, status);
        else
                log_debug("Reaped orphan %d: killed by signal SIG%s.", (int) pid,
                          strna(sigabbrev_np(status)));
}

/* PID 1 inherits every orphan of its pid namespace: reap their zombies,
 * never a child whose status is its owner's (base/children.h). */
static void reap_orphans(Manager *m) {
        int r;

        if (!m->pid1)
                return;
        r = children_reap_others(on_reaped, m);
        if (r < 0)
                log_warning_errno(r, "Cannot reap orphaned processes, ignoring: %m");
}

static int on_sigchld(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        reap_orphans(userdata);
        return 0;
}

static int on_signal(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata) {
        Manager *m = userdata;

        switch (si->ssi_signo) {
        case SIGQUIT:
        case SIGUSR1:
        case SIGUSR2:
        case SIGWINCH:
                forward_signal(m, (int) si->ssi_signo);
                return 0;
        case SIGHUP:
                if (m->pid1) {
                        /* no configuration to reload: the service's */
                        forward_signal(m, SIGHUP);
                        return 0;
                }
                if (m->exec_mode || !m->config_path) {
                        log_info("SIGHUP ignored: no configuration file to reload.");
                        return 0;
                }
                (void) manager_reload(m);
                return 0;
        default:
                log_info("Received SIG%s.", strna(sigabbrev_np((int) si->ssi_signo)));
                manager_shutdown(m);
                return 0;
        }
}

static void remove_service(Manager *m, Service *s) {
        for (size_t i = 0; i < m->n_services; i++)
                if (m->services[i] == s) {
                        memmove(m->services + i, m->services + i + 1,
                                (m->n_services - i - 1) * sizeof(Service *));
                        m->n_services--;
                        break;
                }
        service_free(s);
}

static int add_service(Manager *m, ServiceConfig *cfg, Service **ret) {
        Service **ns;
        Service *s;
        int r;

        /* a container's entrypoint runs its one service in cgwarden's own
         * cgroup, which an observer context opens */
        if (cg_context_observe_only(m->cg) && !m->guard_self)
                return log_error_errno(
                        EROFS,
                        "Service '%s' not started: this cgwarden started with [watch:] sections "
                        "only and creates nothing in the cgroup tree; restart it to launch "
                        "services.",
                        cfg->name);

        ns = realloc(m->services, (m->n_services + 1) * sizeof(Service *));
        if (!ns)
                return log_oom();
        m->services = ns;
        r = service_new(&m->service_ctx, cfg, &s);
        if (r < 0)
                return r;
        s->signal_group = m->exec_mode && m->config->signal_group;
        m->services[m->n_services++] = s;
        if (ret)
                *ret = s;
        return 0;
}

/* Exec mode ends when its service settles, but not in the middle of a
 * capture: the post-mortem of an OOM kill starts as the process ends, and
 * in a container it is the evidence that outlives it. A capture is
 * bounded by capture_timeout; its end comes back through the dispatch
 * (the guard's changed). */
static void exec_exit(Manager *m) {
        for (size_t i = 0; i < m->n_services; i++)
                if (m->services[i]->guard &&
                    (m->services[i]->guard->capture || guard_upload_busy(m->services[i]->guard))) {
                        if (!m->exit_waits_capture)
                                log_info("Service '%s' ended: exiting once its running capture is "
                                         "finished%s.",
                                         m->services[i]->cfg->name,
                                         m->services[i]->cfg->capture_upload ? " and uploaded" : "");
                        m->exit_waits_capture = true;
                        return;
                }
        (void) sd_event_exit(m->event, 0);
}

/* A settled service: removed or replaced after a reload; in exec mode the
 * end. Returns true when s was freed. Runs from the dispatch source or
 * the manager's own code, never from inside a service's callback. */
static bool service_settled_now(Manager *m, Service *s) {
        if (s->remove_when_settled) {
                log_info("Service '%s' removed.", s->cfg->name);
                remove_service(m, s);
                return true;
        }
        if (s->replacement) {
                ServiceConfig *cfg = TAKE_PTR(s->replacement);
                Service *n = NULL;
                log_info("Service '%s' changed: starting it with its new configuration.", cfg->name);
                remove_service(m, s);
                if (add_service(m, cfg, &n) < 0)
                        service_config_free(cfg);
                else
                        (void) service_request(n, SVC_EV_START);
                return true;
        }
        if (m->exec_mode && !m->shutting_down) {
                m->exit_status = service_exit_status(s);
                if (m->exit_status < 0)
                        m->exit_status = 1;
                exec_exit(m);
        }
        return false;
}

static void write_termination_log(Manager *m, bool final);

/* The deferred queue (systemd's gc and dbus queues): a service that
 * changed only enables this source; settled services and STATUS= are
 * handled here, after the service's own callback has returned. */
static int on_dispatch(sd_event_source *src, void *userdata) {
        Manager *m = userdata;

        for (size_t i = 0; i < m->n_rules; i++)
                watch_rule_reap(m->rules[i]);
        /* a service changed (its main process ended, often): orphans it
         * left may have died meanwhile */
        reap_orphans(m);
        if (m->exit_waits_capture && !m->shutting_down) {
                exec_exit(m);
                return 0;
        }

        for (size_t i = 0; i < m->n_services;) {
                Service *s = m->services[i];
                if (s->settle_queued) {
                        s->settle_queued = false;
                        if (service_settled(s) && service_settled_now(m, s))
                                continue; /* the array changed at i */
                }
                i++;
        }
        if (m->shutting_down) {
                for (size_t i = 0; i < m->n_services; i++)
                        if (!service_settled(m->services[i]))
                                return 0;
                if (m->exec_mode && m->n_services > 0) {
                        m->exit_status = service_exit_status(m->services[0]);
                        if (m->exit_status < 0)
                                m->exit_status = 0;
                }
                (void) sd_event_exit(m->event, 0);
                return 0;
        }
        send_ready_when_due(m);
        if (m->status_dirty && m->ready_sent)
                send_status(m);
        if (m->status_dirty)
                write_termination_log(m, false);
        m->status_dirty = false;
        return 0;
}

static void on_service_changed(void *userdata, Service *s) {
        Manager *m = userdata;

        m->status_dirty = true;
        (void) sd_event_source_set_enabled(m->dispatch, SD_EVENT_ONESHOT);
}

static void on_watched_changed(void *userdata) {
        on_service_changed(userdata, NULL);
}

static int add_rule(Manager *m, ServiceConfig *cfg) {
        WatchRule **t, *r;
        int k;

        t = reallocarray(m->rules, m->n_rules + 1, sizeof *t);
        if (!t) {
                service_config_free(cfg);
                return log_oom();
        }
        m->rules = t;
        k = watch_rule_new(&m->watched_ctx, cfg, &r);
        if (k < 0)
                return k;
        m->rules[m->n_rules++] = r;
        return 0;
}

/* The [watch:NAME] sections of nc: unchanged ones keep running (and their
 * counters), changed or removed ones go, new ones start. Takes them from nc. */
static void reload_rules(Manager *m, Config *nc) {
        for (size_t i = 0; i < m->n_rules;) {
                const ServiceConfig *old = watch_rule_section(m->rules[i]);
                bool keep = false;
                for (size_t j = 0; j < nc->n_watches; j++)
                        if (nc->watches[j] && streq(nc->watches[j]->name, old->name)) {
                                keep = service_config_equal(nc->watches[j], old);
                                if (keep)
                                        nc->watches[j] = service_config_free(nc->watches[j]);
                                break;
                        }
                if (keep) {
                        i++;
                        continue;
                }
                log_info("Watch '%s' %s.", old->name, "changed or removed: it ends");
                watch_rule_free(m->rules[i]);
                memmove(m->rules + i, m->rules + i + 1, (m->n_rules - i - 1) * sizeof *m->rules);
                m->n_rules--;
        }
        for (size_t j = 0; j < nc->n_watches; j++)
                if (nc->watches[j]) {
                        log_info("Watch '%s' added.", nc->watches[j]->name);
                        (void) add_rule(m, TAKE_PTR(nc->watches[j]));
                }
}

int manager_reload(Manager *m) {
        _cleanup_(config_freep) Config *nc = NULL;
        CfgErrors errs = {};
        int r;

        /* MONOTONIC_USEC: what systemd 253+ matches against the time it
         * asked for the reload (Type=notify-reload); 252 ignores it */
        (void) sd_notifyf(false, "RELOADING=1\nMONOTONIC_USEC=%llu",
                          (unsigned long long) now_usec(CLOCK_MONOTONIC));
        log_info("Reloading %s.", m->config_path);
        r = cfg_load_file(m->config_path, &nc, &errs);
        if (r < 0) {
                for (size_t i = 0; i < errs.n; i++)
                        log_error("%s", errs.lines[i]);
                log_error("Reload failed: keeping the running configuration.");
                cfg_errors_done(&errs);
                m->ready_pending = true;
                send_ready_when_due(m);
                return r;
        }
        cfg_errors_done(&errs);
        (void) config_apply_defaults(nc);
        if (!streq_ptr(nc->log_dir, m->config->log_dir) ||
            !streq_ptr(nc->cgroup_root, m->config->cgroup_root))
                log_warning("Changes to [supervisor] log_dir or cgroup_root take effect after a restart of "
                            "cgwarden.");

        /* removed or changed services */
        for (size_t i = 0; i < m->n_services; i++) {
                Service *s = m->services[i];
                ServiceConfig *match = NULL;
                for (size_t j = 0; j < nc->n_services; j++)
                        if (nc->services[j] && streq(nc->services[j]->name, s->cfg->name))
                                match = nc->services[j], nc->services[j] = NULL;
                if (!match) {
                        s->remove_when_settled = true;
                        log_info("Service '%s' is no longer configured: stopping it.", s->cfg->name);
                } else if (service_config_equal(match, s->cfg)) {
                        service_config_free(match);
                        continue;
                } else {
                        service_config_free(s->replacement);
                        s->replacement = match;
                        log_info("Service '%s' changed: restarting it.", s->cfg->name);
                }
        }
        /* act after the scan: settling may remove entries from the array */
        for (size_t i = 0; i < m->n_services;) {
                Service *s = m->services[i];
                if (s->remove_when_settled || s->replacement) {
                        if (service_settled(s) && service_settled_now(m, s))
                                continue; /* array changed at i */
                        (void) service_request(s, SVC_EV_STOP);
                }
                i++;
        }
        reload_rules(m, nc);
        /* added services */
        for (size_t j = 0; j < nc->n_services; j++) {
                ServiceConfig *cfg = nc->services[j];
                Service *s = NULL;
                if (!cfg)
                        continue;
                nc->services[j] = NULL;
                log_info("Service '%s' added.", cfg->name);
                if (add_service(m, cfg, &s) < 0) {
                        service_config_free(cfg);
                        continue;
                }
                (void) service_request(s, SVC_EV_START);
        }
        m->ready_pending = true;
        send_ready_when_due(m);
        return 0;
}

static void protect_self(Manager *m) {
        _cleanup_free_ char *orig = NULL;
        struct rlimit rl;
        FILE *f;

        /* The supervisor must outlive what it supervises: ask the OOM
         * killer to spare it (root only), and remember the original value
         * so services do not inherit the exemption. As a container's
         * entrypoint it shares the service's memory cgroup, and -900 is
         * not enough there: the memcg OOM killer takes any task whose
         * score is above LONG_MIN, so once the victim is marked done
         * (MMF_OOM_SKIP: reaped, or the reaper gave up on its mm) and the
         * cgroup is still at its limit, the next victim is cgwarden, and
         * with it the post-mortem evidence and the exit status. -1000 is
         * never chosen; it needs CAP_SYS_RESOURCE, so without it (a
         * container's default capabilities) -900 is what is left. */
        f = fopen("/proc/self/oom_score_adj", "re");
        if (f) {
                char buf[16] = "";
                if (fgets(buf, sizeof buf, f))
                        orig = strndup(buf, strcspn(buf, "\n"));
                fclose(f);
        }
        if (orig && geteuid() == 0)
                for (int k = m->guard_self ? 0 : 1; k < 2 && !m->oom_score_adj_orig; k++) {
                        f = fopen("/proc/self/oom_score_adj", "we");
                        if (!f)
                                break;
                        fputs(k == 0 ? "-1000" : "-900", f);
                        if (fclose(f) == 0)
                                m->oom_score_adj_orig = TAKE_PTR(orig);
                }
        /* fds per service: 2 pipes, a log, a pidfd, cgroup fds */
        if (getrlimit(RLIMIT_NOFILE, &rl) >= 0 && rl.rlim_cur < rl.rlim_max) {
                m->nofile_soft_orig = rl.rlim_cur;
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
}

static int on_metrics(sd_event_source *src, uint64_t usec, void *userdata);

/* One cgwarden per state_dir (its control socket, notify sockets):
 * <state_dir>/cgwarden.lock, flock()ed before anything is touched and
 * released by the kernel when we die. The file holds our pid for the
 * message of the next one; it is never removed (removing it would race
 * with a starting instance). The service cgroups have locks of their own
 * (cgroup.h), which also cover exec mode and instances with different
 * state_dirs. */
static int lock_state_dir(Manager *m, const char *dir) {
        _cleanup_free_ char *p = NULL;
        char pid[32];
        int r;

        r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Cannot create state_dir %s: %m", dir);
        if (asprintf(&p, "%s/cgwarden.lock", dir) < 0)
                return log_oom();
        m->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (m->lock_fd < 0)
                return log_error_errno(errno, "Cannot open %s: %m", p);
        if (flock(m->lock_fd, LOCK_EX | LOCK_NB) < 0) {
                ssize_t n = errno == EWOULDBLOCK ? pread(m->lock_fd, pid, sizeof pid - 1, 0) : -1;
                if (n < 0)
                        return log_error_errno(errno, "Cannot lock %s: %m", p);
                pid[n] = 0;
                pid[strcspn(pid, "\n")] = 0;
                log_error("Another cgwarden (pid %s) runs with state_dir %s: not starting; nothing was "
                          "touched.",
                          pid[0] ? pid : "?", dir);
                return -EADDRINUSE;
        }
        snprintf(pid, sizeof pid, "%d\n", (int) getpid());
        if (ftruncate(m->lock_fd, 0) < 0 || pwrite(m->lock_fd, pid, strlen(pid), 0) < 0)
                log_debug_errno(errno, "Cannot write our pid into %s, ignoring: %m", p);
        return 0;
}

/* ---- what the front ends ask (control.h, metrics-http.h) ---- */

static Service *service_at(void *userdata, size_t i) {
        Manager *m = userdata;

        return i < m->n_services ? m->services[i] : NULL;
}

static int control_reload(void *userdata) {
        Manager *m = userdata;

        if (!m->config_path)
                return -ENOENT;
        return manager_reload(m);
}

static WatchRule *rule_at(void *userdata, size_t i) {
        Manager *m = userdata;
        return i < m->n_rules ? m->rules[i] : NULL;
}

static const ControlOps control_ops = {
        .service_at = service_at,
        .rule_at = rule_at,
        .reload = control_reload,
};

static int collect_status(void *userdata, ServiceStatus **ret, size_t *ret_n) {
        Manager *m = userdata;
        size_t n = m->n_services;
        ServiceStatus *st;
        Watched *w;

        for (size_t i = 0; i < m->n_rules; i++)
                n += watch_rule_count(m->rules[i]);
        st = calloc(MAX(n, 1u), sizeof *st);
        if (!st)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_services; i++)
                service_get_status(m->services[i], &st[i]);
        n = m->n_services;
        for (size_t j = 0; j < m->n_rules; j++)
                for (size_t pos = 0; (w = watch_rule_next(m->rules[j], &pos));)
                        watched_get_status(w, &st[n++]);
        *ret = st;
        *ret_n = n;
        return 0;
}

int manager_new(Config *config, const char *config_path, bool exec_mode, bool guard_self, Manager **ret) {
        Manager *m;
        sigset_t mask;
        _cleanup_free_ char *err = NULL;
        int r;

        m = calloc(1, sizeof *m);
        if (!m)
                return log_oom();
        m->config = config;
        m->exec_mode = exec_mode;
        m->guard_self = exec_mode && guard_self;
        m->pid1 = exec_mode && (guard_self || getpid() == 1);
        m->log_dir_fd = m->lock_fd = -EBADF;
        if (config_path && !(m->config_path = strdup(config_path))) {
                manager_free(m);
                return log_oom();
        }

        /* signals are blocked before any source is added (sd-event needs
         * SIGCHLD blocked for child sources) */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sigaddset(&mask, SIGCHLD);
        if (m->pid1) {
                /* forwarded to the service (on_signal) */
                sigaddset(&mask, SIGQUIT);
                sigaddset(&mask, SIGUSR1);
                sigaddset(&mask, SIGUSR2);
                sigaddset(&mask, SIGWINCH);
        }
        sigprocmask(SIG_BLOCK, &mask, NULL);

        r = sd_event_default(&m->event);
        if (r < 0)
                goto fail_log;
        {
                /* the first three in every mode, the rest as PID 1 */
                int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH };
                for (size_t i = 0; i < (m->pid1 ? ELEMENTSOF(sigs) : 3); i++) {
                        r = sd_event_add_signal(m->event, NULL, sigs[i], on_signal, m);
                        if (r < 0)
                                goto fail_log;
                }
        }
        /* --guard-self under another init: the service's orphans come to
         * cgwarden, so they stay its descendants (the processes of its own
         * cgroup that it stops, cgroup.h) and are reaped */
        if (m->pid1 && getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
                log_warning_errno(errno, "Cannot become the reaper of the service's orphans, ignoring: %m");
        if (m->pid1) {
                r = sd_event_add_signal(m->event, &m->reaper, SIGCHLD, on_sigchld, m);
                if (r < 0)
                        goto fail_log;
                (void) sd_event_source_set_description(m->reaper, "orphan-reaper");
        }
        protect_self(m);
        if (!exec_mode && config->state_dir) {
                r = lock_state_dir(m, config->state_dir);
                if (r < 0) {
                        manager_free(m);
                        return r;
                }
        }

        if (m->guard_self) {
                /* a container's entrypoint: cgwarden's own cgroup, looked at only */
                r = cg_context_new_observer(&m->cg, &err);
                if (r < 0) {
                        log_error_errno(r, "Cannot find cgwarden's own cgroup: %s", err ?: strerror(-r));
                        manager_free(m);
                        return r;
                }
                log_info("cgroup mode %s; guarding cgwarden's own cgroup %s.", cg_context_mode_name(m->cg),
                         strna(cg_context_own_path(m->cg)));
                if (cg_context_warning(m->cg))
                        log_warning("%s.", cg_context_warning(m->cg));
        } else {
                /* only [watch:] sections: look, create nothing (a read-only
                 * cgroupfs in a DaemonSet, a host where cgwarden launches nothing) */
                if (config->n_services == 0 && config->n_watches > 0 && !exec_mode)
                        r = cg_context_new_observer(&m->cg, &err);
                else
                        r = cg_context_new(config->cgroup_root, &m->cg, &err);
                if (r < 0) {
                        log_error_errno(r, "Cannot set up cgroups: %s%s", err ?: strerror(-r),
                                        exec_mode && (r == -EROFS || r == -EACCES || r == -EPERM)
                                                ? " (cgwarden exec --guard-self runs the command in "
                                                  "cgwarden's own cgroup instead)"
                                                : "");
                        manager_free(m);
                        return r;
                }
                if (cg_context_observe_only(m->cg))
                        log_info("cgroup mode %s; watching only (nothing created in the cgroup tree).",
                                 cg_context_mode_name(m->cg));
                else
                        log_info("cgroup mode %s; services below %s.", cg_context_mode_name(m->cg),
                                 cg_context_services_path(m->cg));
                if (cg_context_warning(m->cg))
                        log_warning("%s.", cg_context_warning(m->cg));
        }
        r = sd_event_add_defer(m->event, &m->dispatch, on_dispatch, m);
        if (r < 0)
                goto fail_log;
        (void) sd_event_source_set_enabled(m->dispatch, SD_EVENT_OFF);
        (void) sd_event_source_set_description(m->dispatch, "manager-dispatch");

        if (!exec_mode || getenv("CGWARDEN_EXEC_LOG_DIR")) {
                const char *dir = exec_mode ? getenv("CGWARDEN_EXEC_LOG_DIR") : config->log_dir;
                r = mkdir_p(dir, 0750);
                if (r >= 0) {
                        m->log_dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                        if (m->log_dir_fd < 0)
                                r = -errno;
                }
                if (r < 0) {
                        log_error_errno(r, "Cannot use log_dir %s: %m", dir);
                        manager_free(m);
                        return r;
                }
        }

        m->service_ctx = (ServiceContext){
                .event = m->event,
                .cg = m->cg,
                .config = m->config,
                .host_ledger = &m->host_ledger,
                .host_heap_ledger = &m->host_heap_ledger,
                .log_dir_fd = m->log_dir_fd,
                .exec_mode = exec_mode,
                .guard_self = m->guard_self,
                .oom_score_adj_orig = m->oom_score_adj_orig,
                .nofile_soft_orig = m->nofile_soft_orig,
                .changed = on_service_changed,
                .userdata = m,
        };
        m->watched_ctx = (WatchedContext){
                .event = m->event,
                .cg = m->cg,
                .config = m->config,
                .host_ledger = &m->host_ledger,
                .host_heap_ledger = &m->host_heap_ledger,
                .changed = on_watched_changed,
                .userdata = m,
        };
        for (size_t i = 0; i < config->n_services; i++) {
                ServiceConfig *cfg = config->services[i];
                r = add_service(m, cfg, NULL);
                if (r < 0) {
                        manager_free(m);
                        return r;
                }
                config->services[i] = NULL; /* owned by the service now */
        }
        if (!exec_mode) {
                r = control_new(m->event, config->state_dir, config->control_group, &control_ops, m,
                                &m->control);
                if (r < 0) {
                        manager_free(m);
                        return r;
                }
        }
        if (!exec_mode && sd_watchdog_enabled(false, &m->watchdog_usec) > 0 && m->watchdog_usec > 0) {
                r = sd_event_add_time_relative(m->event, &m->watchdog_timer, CLOCK_MONOTONIC,
                                               m->watchdog_usec / 2, m->watchdog_usec / 20, on_watchdog, m);
                if (r < 0)
                        goto fail_log;
                (void) sd_event_source_set_description(m->watchdog_timer, "systemd-watchdog");
        }
        if (config->metrics_listen) {
                r = metrics_http_new(m->event, config->metrics_listen, collect_status, m, &m->metrics_http);
                if (r < 0) {
                        manager_free(m);
                        return r;
                }
        }
        if (config->metrics_file) {
                /* the first write soon after the services start */
                r = sd_event_add_time_relative(m->event, &m->metrics_timer, CLOCK_MONOTONIC, USEC_PER_SEC,
                                               USEC_PER_SEC / 4, on_metrics, m);
                if (r < 0)
                        goto fail_log;
                (void) sd_event_source_set_description(m->metrics_timer, "metrics");
        }
        *ret = m;
        return 0;

fail_log:
        log_error_errno(r, "Failed to set up the event loop: %m");
        manager_free(m);
        return r;
}

/* metrics_file: the Prometheus textfile, every metrics_interval */
static int on_metrics(sd_event_source *src, uint64_t usec, void *userdata) {
        Manager *m = userdata;
        _cleanup_free_ ServiceStatus *st = NULL;
        size_t n = 0;
        int r;

        if (collect_status(m, &st, &n) >= 0) {
                _cleanup_free_ char *dir = strdup(m->config->metrics_file);
                if (dir && strrchr(dir, '/') && strrchr(dir, '/') != dir) {
                        *strrchr(dir, '/') = 0;
                        (void) mkdir_p(dir, 0755);
                }
                r = metrics_write_file(m->config->metrics_file, st, n, now_usec(CLOCK_REALTIME));
                if (r < 0 && !m->metrics_failed)
                        log_warning_errno(r, "Cannot write metrics_file %s: %m", m->config->metrics_file);
                m->metrics_failed = r < 0;
        }
        (void) sd_event_source_set_time_relative(src, m->config->metrics_interval);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ON);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        m->control = control_free(m->control);
        m->metrics_timer = sd_event_source_disable_unref(m->metrics_timer);
        m->metrics_http = metrics_http_free(m->metrics_http);
        m->watchdog_timer = sd_event_source_disable_unref(m->watchdog_timer);
        for (size_t i = 0; i < m->n_services; i++)
                service_free(m->services[i]);
        free(m->services);
        for (size_t i = 0; i < m->n_rules; i++)
                watch_rule_free(m->rules[i]);
        free(m->rules);
        m->dispatch = sd_event_source_disable_unref(m->dispatch);
        m->exit_timer = sd_event_source_disable_unref(m->exit_timer);
        m->reaper = sd_event_source_disable_unref(m->reaper);
        cg_context_free(m->cg);
        safe_close(m->log_dir_fd);
        safe_close(m->lock_fd);
        sd_event_unref(m->event);
        config_free(m->config);
        free(m->config_path);
        free(m->oom_score_adj_orig);
        free(m->termination_text);
        free(m);
        return NULL;
}

/* Kubernetes shows a container's termination message (terminationMessagePath,
 * /dev/termination-log, at most 4096 bytes) in `kubectl describe pod`:
 * why the command ended and where its evidence is, as one JSON object; the
 * trigger's text is cut, then left out, to fit. Written at the exit of
 * `cgwarden exec` (final) and, before it, each time an event, a capture or
 * an upload changes it: a group OOM kill (memory.oom.group = 1 on a cgroup
 * cgwarden may not change) takes cgwarden with the command, and the last
 * one written is then what the pod shows ("exit_status": null). */
#define TERMINATION_LOG_MAX 4096
static void write_termination_log(Manager *m, bool final) {
        const char *path = m->config->termination_log;
        _cleanup_(json_object_putp) json_object *o = NULL;
        char uploaded[PATH_MAX + 16], what[sizeof(((CaptureTrigger *) NULL)->what)];
        ServiceStatus st;
        const Guard *g;
        const char *text;
        uint64_t n_captures = 0;
        size_t len;
        int fd;

        if (!m->exec_mode || m->n_services == 0 || (path && streq(path, "none")))
                return;
        if (!path) {
                if (access("/dev/termination-log", W_OK) < 0)
                        return;
                path = "/dev/termination-log";
        }
        g = m->services[0]->guard;
        service_get_status(m->services[0], &st);
        if (!final && !st.last_event[0] && !st.last_capture[0])
                return; /* nothing to say yet */
        snprintf(what, sizeof what, "%s", g ? g->trigger.what : "");
        snprintf(uploaded, sizeof uploaded, "%s/.uploaded", st.last_capture);
        for (size_t i = 0; i < ELEMENTSOF(st.captures); i++)
                n_captures += st.captures[i];

        for (size_t cut = strlen(what);; cut = cut > 64 ? cut / 2 : 0) {
                json_object_put(TAKE_PTR(o));
                o = json_object_new_object();
                if (!o)
                        return (void) log_oom();
                json_object_object_add(o, "service", json_object_new_string(st.name));
                json_object_object_add(o, "exit_status",
                                       final ? json_object_new_int(m->exit_status) : json_object_new_null());
                json_object_object_add(o, "oom_kills", json_object_new_uint64(st.oom_kills));
                json_object_object_add(o, "last_event",
                                       st.last_event[0] ? json_object_new_string(st.last_event)
                                                        : json_object_new_null());
                if (st.incident[0])
                        json_object_object_add(o, "incident", json_object_new_string(st.incident));
                what[cut] = 0;
                if (st.last_event[0] && what[0])
                        json_object_object_add(o, "trigger", json_object_new_string(what));
                json_object_object_add(o, "last_capture",
                                       st.last_capture[0] ? json_object_new_string(st.last_capture)
                                                          : json_object_new_null());
                if (st.last_capture[0] && access(uploaded, F_OK) >= 0) {
                        char obj[PATH_MAX + 300];
                        /* the capture's own incident (its manifest's), not the last one */
                        guard_upload_object(st.name, NULL, st.last_capture, obj, sizeof obj);
                        json_object_object_add(o, "uploaded_as", json_object_new_string(obj));
                }
                json_object_object_add(o, "captures", json_object_new_uint64(n_captures));
                json_object_object_add(o, "uploads", json_object_new_uint64(st.uploads));
                json_object_object_add(o, "upload_failures", json_object_new_uint64(st.upload_failures));
                text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
                len = text ? strlen(text) : 0;
                if (len < TERMINATION_LOG_MAX || cut == 0)
                        break;
        }
        if (!text || len >= TERMINATION_LOG_MAX) {
                log_warning("Termination message for %s over %d bytes: not written.", path,
                            TERMINATION_LOG_MAX);
                return;
        }
        if (m->termination_text && streq(m->termination_text, text))
                return; /* unchanged */
        free(m->termination_text);
        m->termination_text = strdup(text);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
        if (fd < 0 || write(fd, text, len) != (ssize_t) len || write(fd, "\n", 1) != 1)
                log_warning_errno(fd < 0 ? errno : EIO, "Cannot write the termination message to %s: %m",
                                  path);
        else if (final)
                log_info("Termination message written to %s.", path);
        else
                log_debug("Termination message updated in %s.", path);
        if (fd >= 0)
                close(fd);
}

int manager_run(Manager *m) {
        int r;

        /* no capture runs yet: any partial one was left by a killed cgwarden */
        r = capture_recover(m->config->capture_dir);
        if (r < 0)
                log_warning_errno(r, "Cannot look for interrupted captures in %s: %m",
                                  m->config->capture_dir);
        for (size_t i = 0; i < m->n_services; i++)
                (void) service_request(m->services[i], SVC_EV_START);
        /* after capture_recover(): a watched cgroup may be captured at once */
        for (size_t i = 0; i < m->config->n_watches; i++)
                if (m->config->watches[i])
                        (void) add_rule(m, TAKE_PTR(m->config->watches[i]));
        m->ready_pending = true;
        send_ready_when_due(m);
        if (m->n_services == 0 && m->exec_mode)
                return 1;

        r = sd_event_loop(m->event);
        if (r < 0) {
                log_error_errno(r, "Event loop failed: %m");
                return 1;
        }
        if (m->exec_mode && m->exit_status > 0 &&
            (exit_status_set_test(&m->config->remap_exit, m->exit_status, -1) ||
             (m->exit_status > 128 &&
              exit_status_set_test(&m->config->remap_exit, -1, m->exit_status - 128)))) {
                log_info("Exit status %d remapped to 0 (--remap-exit).", m->exit_status);
                m->exit_status = 0;
        }
        write_termination_log(m, true);
        return m->exec_mode ? m->exit_status : 0;
}
