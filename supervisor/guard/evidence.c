/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/nmt.h"
#include "policies/engine.h"
#include "cgroup/cgstat.h"
#include "guard/evidence.h"
#include "base/fs-util.h"
#include "base/log.h"
#include "service/notify-socket.h"
#include "base/procfs.h"
#include "service/service.h"
#include "spawn/spawn.h"
#include "base/units.h"
#include "watch/watch.h"

#define EVIDENCE_CAPTURE_MESSAGE_ID "f0a1e6a3c52a4c3f9d0f2b1c7e8d9a01"
#define BASELINE_TIMEOUT_USEC (10 * USEC_PER_SEC)
/* The first NMT baseline: once the JVM is up, so that a leak that kills
 * within minutes still has its diff (retaken at nmt_baseline_after, when
 * later, for a steadier one); a JVM not answering yet is asked again. */
#define BASELINE_EARLY_USEC (3 * USEC_PER_SEC)
#define BASELINE_RETRY_USEC (2 * USEC_PER_SEC)
#define BASELINE_TRIES_MAX 5
#define ROUND_MS(u) ((u) - (u) % USEC_PER_MSEC)

void evidence_init(Evidence *e) {
        *e = (Evidence){ .dump_fd = -1, .nmt_fd = -1 };
        policy_state_init(&e->policy);
        jvm_flags_init(&e->jvm_flags);
}

static void nmt_cancel(Evidence *e) {
        e->nmt_io = sd_event_source_disable_unref(e->nmt_io);
        e->nmt_deadline = sd_event_source_disable_unref(e->nmt_deadline);
        e->nmt_attach = hotspot_attach_free(e->nmt_attach);
        e->nmt_fd = safe_close(e->nmt_fd);
}

static void triggers_free(Evidence *e);

static void notify_job_free(NotifyJob *j);

void evidence_done(Service *s) {
        Evidence *e = &s->evidence;

        /* a running notify_exec finishes on its own */
        for (size_t i = 0; i < ELEMENTSOF(e->notify_jobs); i++)
                if (e->notify_jobs[i])
                        notify_job_free(e->notify_jobs[i]);
        e->capture = capture_free(e->capture);
        e->throttle_timer = sd_event_source_disable_unref(e->throttle_timer);
        e->watchdog_timer = sd_event_source_disable_unref(e->watchdog_timer);
        e->notify = notify_socket_free(e->notify);
        e->report = mfree(e->report);
        triggers_free(e);
        nmt_cancel(e);
        e->nmt_timer = sd_event_source_disable_unref(e->nmt_timer);
}

/* ---- jvm_options ---- */

char *evidence_jvm_options(const char *jvm_options, bool want_nmt, const char *existing) {
        const char *extra = NULL;
        char *r = NULL;

        if (jvm_options && streq(jvm_options, "none"))
                return NULL;
        if (jvm_options && !streq(jvm_options, "auto"))
                extra = jvm_options;
        if (asprintf(&r, "%s%s-XX:+StartAttachListener%s%s%s", existing ? existing : "", existing ? " " : "",
                     want_nmt && !(existing && strstr(existing, "NativeMemoryTracking"))
                             ? " -XX:NativeMemoryTracking=summary"
                             : "",
                     extra ? " " : "", extra ? extra : "") < 0)
                return NULL;
        return r;
}

static bool is_java_launcher(const char *exe) {
        const char *b = exe ? strrchr(exe, '/') : NULL;
        b = b ? b + 1 : exe;
        return b && (streq(b, "java") || streq(b, "javaw"));
}

static int evidence_jvm_env(Service *s, char ***env);

int evidence_env(Service *s, char ***env) {
        Evidence *e = &s->evidence;
        char buf[PATH_MAX + 32];
        int r;

        r = evidence_jvm_env(s, env);
        if (r < 0 || !e->notify)
                return r;
        snprintf(buf, sizeof buf, "NOTIFY_SOCKET=%s", notify_socket_path(e->notify));
        r = env_set(env, buf);
        if (r >= 0 && s->cfg->watchdog > 0) {
                snprintf(buf, sizeof buf, "WATCHDOG_USEC=%" PRIu64, (uint64_t) s->cfg->watchdog);
                r = env_set(env, buf);
        }
        return r;
}

static int evidence_jvm_env(Service *s, char ***env) {
        _cleanup_free_ char *v = NULL, *a = NULL;
        bool want_nmt = s->cfg->capture_mask & (1u << CAPTURE_NMT);
        const char *existing = NULL;

        if (!is_java_launcher(s->exe))
                return 0;
        for (char **p = *env; p && *p; p++)
                if (strncmp(*p, "JDK_JAVA_OPTIONS=", 17) == 0)
                        existing = *p + 17;
        /* options already on the command line need not be repeated */
        for (char **p = s->cfg->argv; p && *p; p++)
                if (strstr(*p, "NativeMemoryTracking"))
                        want_nmt = false;
        v = evidence_jvm_options(s->cfg->jvm_options, want_nmt, existing);
        if (!v)
                return s->cfg->jvm_options && streq(s->cfg->jvm_options, "none") ? 0 : -ENOMEM;
        if (asprintf(&a, "JDK_JAVA_OPTIONS=%s", v) < 0)
                return -ENOMEM;
        return env_set(env, a);
}

/* ---- the guard around a capture ---- */

static bool has_high(const Service *s) {
        return cg_context_has(s->ctx->cg, CG_FEATURE_MEMORY_HIGH);
}

/* Bytes charged now (without_cache: less the page cache: what a backlog
 * grows and a drain gives back; a drained JVM's file pages stay charged
 * to it, measured in the v2 VM at 30M of a 64M usage); 0 when
 * unreadable. */
static uint64_t read_usage(Service *s, bool without_cache) {
        uint64_t v;

        return cg_service_memory_usage(s->cg, without_cache, &v) >= 0 ? v : 0;
}

static void hook_clamp(void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        uint64_t cur;
        char b[UNIT_SIZE_MAX];
        int r;

        if (e->capture_event != EVENT_PRE_OOM || !has_high(s))
                return;
        cur = read_usage(s, false);
        if (cur == 0)
                return;
        /* growth nearly stops: above memory.high the kernel throttles the
         * allocating tasks */
        r = cg_service_set(s->cg, CG_KNOB_MEMORY_HIGH, cur);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot clamp memory.high: %m", /* layer-ok: log text */
                                  s->cfg->name);
                return;
        }
        e->clamped = true;
        unit_format_size(b, cur);
        log_info("Service '%s': memory.high clamped at %s while capturing.", /* layer-ok: log text */
                 s->cfg->name, b);
}

static void hook_grant(void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        bool v2 = has_high(s);
        uint64_t reserve = s->cfg->capture_reserve;
        char b[UNIT_SIZE_MAX];
        int r;

        if (e->capture_event == EVENT_PIDS_LIMIT || e->capture_event == EVENT_PIDS_MAX) {
                if (s->limits.pids_max != CG_UNLIMITED && s->cfg->pids_capture_reserve > 0) {
                        r = cg_service_set(s->cg, CG_KNOB_PIDS_MAX,
                                           s->limits.pids_max + s->cfg->pids_capture_reserve);
                        if (r >= 0) {
                                e->granted_pids = true;
                                log_info("Service '%s': pids.max raised by %" PRIu64 " while capturing.",
                                         s->cfg->name, s->cfg->pids_capture_reserve);
                        } else
                                log_warning_errno(r, "Service '%s': cannot raise pids.max: %m",
                                                  s->cfg->name);
                }
                return;
        }
        if (reserve == 0 || e->granted_mem)
                return;
        /* the reserve is for a JVM to answer the attach; any other program
         * would only leak into it (bench/capture-before-kill) */
        if (!is_java_launcher(s->exe))
                return;
        /* with a soft limit (v2): only after the pre-oom clamp; without
         * (v1): whenever the service is at (or near) its limit, whatever
         * the capture is for */
        if (v2 && e->capture_event != EVENT_PRE_OOM)
                return;
        if (v2) {
                /* lift the guard so the JVM can answer the attach */
                uint64_t cur = read_usage(s, false);
                uint64_t high = cur + reserve;
                if (s->limits.memory_high != CG_UNLIMITED && !e->clamped && s->limits.memory_high >= high)
                        return; /* room enough already */
                /* never all the way to memory.max: a fast leak would take the
                 * reserve and be killed while the JVM answers (measured at
                 * 400 MB/s in the v2 VM); at most half the room left */
                if (s->limits.memory_max != CG_UNLIMITED)
                        high = s->limits.memory_max > cur
                                       ? cur + MIN(reserve, (s->limits.memory_max - cur) / 2)
                                       : cur;
                r = cg_service_set(s->cg, CG_KNOB_MEMORY_HIGH, high);
                if (r >= 0) {
                        e->granted_mem = true;
                        unit_format_size(b, high);
                        log_info(
                                "Service '%s': memory.high lifted to %s (capture_reserve) for the JVM " /* layer-ok */
                                "items.",
                                s->cfg->name, b);
                }
        } else if (s->limits.memory_max != CG_UNLIMITED) {
                /* the OOM pause holds the tasks at the limit: a little more lets
                 * the JVM answer */
                uint64_t cur = read_usage(s, false);
                if (cur + reserve / 2 < s->limits.memory_max && !watch_paused(s->watch))
                        return;
                r = cg_service_set(s->cg, CG_KNOB_MEMORY_MAX, s->limits.memory_max + reserve);
                if (r >= 0) {
                        e->granted_mem = true;
                        unit_format_size(b, reserve);
                        log_info("Service '%s': memory limit raised by %s (capture_reserve) for the JVM "
                                 "items.",
                                 s->cfg->name, b);
                } else
                        log_warning_errno(r, "Service '%s': cannot raise the memory limit: %m",
                                          s->cfg->name);
        }
}

static void restore_v1_limit(Service *s) {
        Evidence *e = &s->evidence;
        int r = -EBUSY;

        /* with usage above it the kernel reclaims for ~100 ms before it
         * refuses (EBUSY), blocking the loop: do not try then */
        if (s->main_pid <= 0 || read_usage(s, false) < s->limits.memory_max)
                r = cg_service_set(s->cg, CG_KNOB_MEMORY_MAX, s->limits.memory_max);

        if (r >= 0) {
                if (e->restore_limit_pending)
                        log_info("Service '%s': memory limit restored.", s->cfg->name);
                e->restore_limit_pending = false;
                return;
        }
        if (!e->restore_limit_pending)
                log_warning_errno(
                        r,
                        "Service '%s': cannot lower the memory limit back yet (usage above it: %m); "
                        "retrying when it falls or the service restarts.",
                        s->cfg->name);
        e->restore_limit_pending = true;
}

static void hook_restore(void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        bool v2 = has_high(s);
        int r;

        if (e->clamped || (v2 && e->granted_mem)) {
                r = cg_service_set(s->cg, CG_KNOB_MEMORY_HIGH, s->limits.memory_high);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot restore memory.high: %m", /* layer-ok */
                                          s->cfg->name);
        } else if (e->granted_mem)
                restore_v1_limit(s);
        if (e->granted_pids) {
                r = cg_service_set(s->cg, CG_KNOB_PIDS_MAX, s->limits.pids_max);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot restore pids.max: %m", s->cfg->name);
        }
        e->clamped = e->granted_mem = e->granted_pids = false;
}

static void run_actions(Service *s, EventType type, const ActionList *l, uint8_t from);
static void action_log(Service *s, EventType type, const char *action, const char *fmt, ...) _printf_(4, 5);
static void decide_and_run(Service *s, EventType type, int trigger);

/* ---- notify ---- */

#define NOTIFY_TIMEOUT_USEC (30 * USEC_PER_SEC)

struct NotifyJob {
        Service *service;
        pid_t pid;
        sd_event_source *child, *timer;
};

static void notify_job_free(NotifyJob *j) {
        Evidence *e = &j->service->evidence;

        sd_event_source_disable_unref(j->child);
        sd_event_source_disable_unref(j->timer);
        for (size_t i = 0; i < ELEMENTSOF(e->notify_jobs); i++)
                if (e->notify_jobs[i] == j)
                        e->notify_jobs[i] = NULL;
        free(j);
}

static int on_notify_exit(sd_event_source *src, const siginfo_t *si, void *userdata) {
        NotifyJob *j = userdata;
        Service *s = j->service;

        if (si->si_code == CLD_EXITED && si->si_status == 0)
                log_debug("Service '%s': notify_exec (pid %d) done.", s->cfg->name, (int) j->pid);
        else if (si->si_code == CLD_EXITED)
                log_warning("Service '%s': notify_exec (pid %d) exited with status %d.", s->cfg->name,
                            (int) j->pid, si->si_status);
        else
                log_warning("Service '%s': notify_exec (pid %d) killed by signal SIG%s.", s->cfg->name,
                            (int) j->pid, strna(sigabbrev_np(si->si_status)));
        notify_job_free(j);
        return 0;
}

static int on_notify_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        NotifyJob *j = userdata;

        log_warning("Service '%s': notify_exec (pid %d) still runs after %llus: killing it.",
                    j->service->cfg->name, (int) j->pid,
                    (unsigned long long) (NOTIFY_TIMEOUT_USEC / USEC_PER_SEC));
        (void) kill(j->pid, SIGKILL);
        return 0;
}

static void notify_env(Service *s, EventType type, char ***env) {
        Evidence *e = &s->evidence;
        const CaptureTrigger *t = &e->trigger;
        char v[PATH_MAX + 32];

#define SETF(key, ...)                                      \
        do {                                                \
                snprintf(v, sizeof v, key "=" __VA_ARGS__); \
                (void) env_set(env, v);                     \
        } while (0)
        SETF("PATH", "%s", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        SETF("CGWARDEN_SERVICE", "%s", s->cfg->name);
        SETF("CGWARDEN_EVENT", "%s", event_type_to_string(type));
        SETF("CGWARDEN_PID", "%d", (int) MAX(s->main_pid, 0));
        SETF("CGWARDEN_CAPTURE_DIR", "%s", e->event_capture);
        SETF("CGWARDEN_MEMORY_CURRENT", "%" PRIu64, t->memory_current == UINT64_MAX ? 0 : t->memory_current);
        if (t->memory_max != UINT64_MAX)
                SETF("CGWARDEN_MEMORY_MAX", "%" PRIu64, t->memory_max);
        else
                SETF("CGWARDEN_MEMORY_MAX", "%s", "max");
        SETF("CGWARDEN_PIDS_CURRENT", "%" PRIu64, t->pids_current == UINT64_MAX ? 0 : t->pids_current);
        if (t->pids_max != UINT64_MAX)
                SETF("CGWARDEN_PIDS_MAX", "%" PRIu64, t->pids_max);
        else
                SETF("CGWARDEN_PIDS_MAX", "%s", "max");
        SETF("CGWARDEN_TRIGGER", "%s", t->what);
#undef SETF
}

/* The notify action: always a structured journal entry; and notify_exec,
 * when set, started without waiting for it (killed after 30 s). */
static void do_notify(Service *s, EventType type) {
        Evidence *e = &s->evidence;
        char f_svc[96], f_ev[64], f_dir[PATH_MAX + 32], f_what[240];
        char *fields[] = { f_svc, f_ev, f_dir, f_what, NULL };
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *exe = NULL;
        NotifyJob *j = NULL;
        size_t slot;
        pid_t pid;
        int r;

        snprintf(f_svc, sizeof f_svc, "CGWARDEN_SERVICE=%s", s->cfg->name);
        snprintf(f_ev, sizeof f_ev, "CGWARDEN_EVENT=%s", event_type_to_string(type));
        snprintf(f_dir, sizeof f_dir, "CGWARDEN_CAPTURE_DIR=%s", e->event_capture);
        snprintf(f_what, sizeof f_what, "CGWARDEN_TRIGGER=%s", e->trigger.what);
        (void) log_struct_fields(LOG_WARNING, watch_message_id(type), fields, "Notify: %s for '%s'%s%s.",
                                 event_type_to_string(type), s->cfg->name,
                                 e->event_capture[0] ? "; evidence in " : "", e->event_capture);
        if (!s->cfg->notify_exec || !s->cfg->notify_exec[0])
                return;
        for (slot = 0; slot < ELEMENTSOF(e->notify_jobs); slot++)
                if (!e->notify_jobs[slot])
                        break;
        if (slot >= ELEMENTSOF(e->notify_jobs)) {
                log_warning("Service '%s': %zu notify_exec still running: not starting another.",
                            s->cfg->name, ELEMENTSOF(e->notify_jobs));
                return;
        }
        r = spawn_find_executable(s->cfg->notify_exec[0],
                                  "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", &exe);
        if (r < 0) {
                log_error_errno(r, "Service '%s': notify_exec %s: %m", s->cfg->name, s->cfg->notify_exec[0]);
                return;
        }
        notify_env(s, type, &env);
        if (!env) {
                log_oom();
                return;
        }
        pid = fork();
        if (pid < 0) {
                log_error_errno(errno, "Service '%s': cannot fork for notify_exec: %m", s->cfg->name);
                return;
        }
        if (pid == 0) {
                sigset_t all;
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
                sigfillset(&all);
                for (int sig = 1; sig < _NSIG; sig++)
                        (void) signal(sig, SIG_DFL);
                (void) sigprocmask(SIG_UNBLOCK, &all, NULL);
                (void) setsid();
                if (fd >= 0)
                        (void) dup2(fd, STDIN_FILENO);
                (void) close_range(3, ~0U, 0);
                execve(exe, s->cfg->notify_exec, env);
                _exit(127);
        }
        j = calloc(1, sizeof *j);
        if (!j) {
                log_oom();
                return;
        }
        j->service = s;
        j->pid = pid;
        r = sd_event_add_child(s->ctx->event, &j->child, pid, WEXITED, on_notify_exit, j);
        if (r >= 0)
                r = sd_event_add_time_relative(s->ctx->event, &j->timer, CLOCK_MONOTONIC,
                                               NOTIFY_TIMEOUT_USEC, USEC_PER_SEC, on_notify_timeout, j);
        if (r < 0) {
                log_error_errno(r, "Service '%s': cannot watch notify_exec (pid %d): %m", s->cfg->name,
                                (int) pid);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                sd_event_source_disable_unref(j->child);
                free(j);
                return;
        }
        e->notify_jobs[slot] = j;
        log_info("Service '%s': notify_exec started (pid %d) for %s.", s->cfg->name, (int) pid,
                 event_type_to_string(type));
}

/* ---- throttle ---- */

#define THROTTLE_TICK_USEC (1 * USEC_PER_SEC)

static void throttle_release(Service *s, const char *why) {
        Evidence *e = &s->evidence;
        int r;

        if (!e->throttled)
                return;
        e->throttled = false;
        e->throttled_total += now_usec(CLOCK_MONOTONIC) - e->throttled_since;
        policy_throttle_end(&e->policy);
        e->throttle_timer = sd_event_source_disable_unref(e->throttle_timer);
        /* memory.high and the CPU quota back to the configured values */
        r = cg_service_set_limits(s->cg, &s->limits);
        if (r < 0)
                log_warning_errno(r, "Service '%s': cannot restore its limits after throttling: %m",
                                  s->cfg->name);
        watch_hold_pause(s->watch, false);
        service_changed(s);
        action_log(s, e->throttle_event, "throttle-release",
                   "Service '%s': throttle released after %.1fs: %s.", s->cfg->name,
                   (double) (now_usec(CLOCK_MONOTONIC) - e->throttled_since) / USEC_PER_SEC, why);
}

static int on_throttle_tick(sd_event_source *src, uint64_t usec, void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        CaptureTrigger t = { .memory_current = 0, .memory_max = UINT64_MAX };
        PolicyDecision d;
        ThrottleVerdict v;

        watch_fill_trigger(s->watch, &t);
        t.memory_current = read_usage(s, true);
        v = policy_throttle_check(s->cfg, &e->policy, now_usec(CLOCK_MONOTONIC), t.memory_current,
                                  t.memory_max, &d);
        if (v == THROTTLE_RELEASE)
                throttle_release(s, d.why);
        else if (v == THROTTLE_ESCALATE) {
                ActionList then = { .n = d.n, .set = 1 };
                memcpy(then.a, d.a, sizeof then.a);
                throttle_release(s, d.why);
                log_notice("Service '%s': escalating to throttle_then.", s->cfg->name);
                run_actions(s, e->throttle_event, &then, 0);
        } else if (v == THROTTLE_HOLD) {
                (void) sd_event_source_set_time_relative(src, THROTTLE_TICK_USEC);
                (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        } else
                throttle_release(s, "not throttled any more");
        return 0;
}

/* Keep the service alive and slower instead of letting it die: v2 holds
 * memory.high at the current usage (the kernel throttles allocations
 * above it) and lowers cpu.max to throttle_cpu when set; v1 lowers the CPU
 * quota and keeps the OOM pause armed (the pause's timer is held). */
static void do_throttle(Service *s, EventType type) {
        Evidence *e = &s->evidence;
        bool v2 = has_high(s);
        char b[UNIT_SIZE_MAX], cpu[48] = "";
        uint64_t cur, held = 0;
        int r;

        if (e->throttled) {
                log_info("Service '%s': throttled already.", s->cfg->name);
                return;
        }
        if (s->main_pid <= 0) {
                log_info("Service '%s': not running: nothing to throttle.", s->cfg->name);
                return;
        }
        if (s->cfg->throttle_cpu_bp > 0) {
                CgLimits l = s->limits;
                l.cpu_period_usec = 100000;
                l.cpu_quota_usec = MAX((uint64_t) s->cfg->throttle_cpu_bp * l.cpu_period_usec / 10000, 1000);
                r = cg_service_set_limits(s->cg, &l);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot lower its CPU quota: %m", s->cfg->name);
                else
                        snprintf(cpu, sizeof cpu, ", CPU quota %u%%", s->cfg->throttle_cpu_bp / 100);
        }
        cur = read_usage(s, false);
        if (v2 && cur > 0) {
                /* growth slows from here and stops half the way to memory.max:
                 * at memory.high the kernel makes every allocation reclaim and
                 * sleep, which also stalls a collector or a consumer that
                 * needs a few pages to drain (measured: a JVM held exactly at
                 * its usage made no progress in minutes) */
                uint64_t room = s->limits.memory_max == CG_UNLIMITED || s->limits.memory_max <= cur
                                        ? 0
                                        : (s->limits.memory_max - cur) / 2;
                held = cur + room;
                r = cg_service_set(s->cg, CG_KNOB_MEMORY_HIGH, held);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot hold memory.high: %m", /* layer-ok */
                                          s->cfg->name);
        }
        e->throttled = true;
        e->throttled_since = now_usec(CLOCK_MONOTONIC);
        policy_throttle_start(&e->policy, e->throttled_since, read_usage(s, true));
        e->throttle_event = type;
        e->n_throttles++;
        watch_hold_pause(s->watch, true);
        r = sd_event_add_time_relative(s->ctx->event, &e->throttle_timer, CLOCK_MONOTONIC,
                                       THROTTLE_TICK_USEC, 10 * USEC_PER_MSEC, on_throttle_tick, s);
        if (r < 0)
                log_error_errno(r, "Service '%s': cannot arm the throttle timer: %m", s->cfg->name);
        service_changed(s);
        action_log(s, type, "throttle",
                   "Service '%s' throttled (%s): %s%s%s; released below throttle_release_at, escalated to "
                   "throttle_then after throttle_max.",
                   s->cfg->name, event_type_to_string(type),
                   /* layer-ok: log text */ v2 ? "memory.high held at " : "OOM pause kept armed",
                   v2 ? unit_format_size(b, held) : "", cpu);
}

static bool list_has(const ActionList *l, ActionType a) {
        for (size_t i = 0; i < l->n && i < ACTION_LIST_MAX; i++)
                if (l->a[i] == a)
                        return true;
        return false;
}

static int start_capture(Service *s, EventType type, const char *reason, const CaptureTrigger *t,
                         const char *report);

/* v1: the service was paused at its limit. During a capture a JVM cannot
 * answer from there, so the reserve is granted now if it was not. A
 * process not captured yet (its pre-oom came while another capture ran,
 * or was dropped) is captured now: the pause holds the kill until the
 * capture ends. */
void evidence_paused(Service *s) {
        Evidence *e = &s->evidence;
        CaptureTrigger t = { .eta = 0 };

        if (e->capture) {
                if (!e->granted_mem)
                        hook_grant(s);
                return;
        }
        if (s->main_pid <= 0 || e->captured_incarnation == s->n_spawns ||
            !list_has(&s->cfg->on_event[EVENT_PRE_OOM], ACTION_CAPTURE))
                return;
        watch_fill_trigger(s->watch, &t);
        snprintf(t.what, sizeof t.what, "the OOM pause caught pid %d before any capture of it",
                 (int) s->main_pid);
        log_warning("Service '%s': %s: capturing it before the kernel goes on.", s->cfg->name, t.what);
        e->trigger = t;
        e->event_capture[0] = 0;
        if (start_capture(s, EVENT_PRE_OOM, "pre-oom", &t, NULL) >= 0)
                e->pending = (ActionList){};
}

/* ---- the thread dump through SIGQUIT ---- */

static void dump_line(Service *s, int stream, const char *line, size_t n) {
        Evidence *e = &s->evidence;
        bool end;

        if (stream != 1 || e->dump_fd < 0)
                return;
        if (!e->dump_in) {
                if (n >= 16 && memcmp(line, "Full thread dump", 16) == 0)
                        e->dump_in = true;
                else
                        return;
        }
        end = n >= 15 && memcmp(line, "JNI global refs", 15) == 0;
        (void) !write(e->dump_fd, line, n);
        (void) !write(e->dump_fd, "\n", 1);
        if (end) {
                Capture *c = e->dump_capture;
                capture_step_done_t done = e->dump_done;
                e->dump_fd = -1;
                e->dump_in = false;
                e->dump_capture = NULL;
                done(c, 0, NULL);
        }
}

static int hook_sigquit_dump(void *userdata, Capture *c, int out_fd, capture_step_done_t done) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        ProcStatus ps;
        int r;

        if (!s->log || s->main_pid <= 0)
                return -EOPNOTSUPP;
        r = procfs_read_status(NULL, s->main_pid, &ps);
        if (r < 0)
                return r;
        /* with -Xrs the JVM does not handle SIGQUIT, and it would die of it */
        if (!(ps.sig_cgt & (UINT64_C(1) << (SIGQUIT - 1))))
                return -EOPNOTSUPP;
        e->dump_fd = out_fd;
        e->dump_in = false;
        e->dump_capture = c;
        e->dump_done = done;
        if (kill(s->main_pid, SIGQUIT) < 0) {
                r = -errno;
                e->dump_fd = -1;
                return r;
        }
        return 0;
}

static void hook_sigquit_cancel(void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;

        e->dump_fd = -1;
        e->dump_in = false;
        e->dump_capture = NULL;
}

/* ---- log triggers ---- */

static void triggers_free(Evidence *e) {
        for (size_t i = 0; i < e->n_regex; i++)
                regfree(&e->regex[i]);
        e->regex = mfree(e->regex);
        e->n_regex = 0;
        e->regex_cfg = NULL;
}

/* Compile the service's log_trigger regexes (once per configuration; the
 * config parser has checked them already). */
static void triggers_setup(Service *s) {
        Evidence *e = &s->evidence;
        size_t n = s->cfg->n_log_triggers;

        if (e->regex_cfg == s->cfg)
                return;
        triggers_free(e);
        /* trigger slots are by index: a new configuration starts over */
        policy_state_init(&e->policy);
        e->regex_cfg = s->cfg;
        if (n == 0)
                return;
        e->regex = calloc(n, sizeof *e->regex);
        if (!e->regex) {
                triggers_free(e);
                log_oom();
                return;
        }
        for (size_t i = 0; i < n; i++) {
                int r = regcomp(&e->regex[i], s->cfg->log_triggers[i].regex_src, REG_EXTENDED | REG_NOSUB);
                if (r != 0) {
                        log_error("Service '%s': log_trigger /%s/ does not compile; ignored.", s->cfg->name,
                                  s->cfg->log_triggers[i].regex_src);
                        /* an always-failing pattern keeps the indexes aligned */
                        (void) regcomp(&e->regex[i], "^\\b\\B$", REG_EXTENDED | REG_NOSUB);
                }
                e->n_regex = i + 1;
        }
        e->regex_cfg = s->cfg;
        if (!s->log)
                log_warning("Service '%s': log_trigger needs the service's output (log_dir): not active.",
                            s->cfg->name);
}

static void trigger_fired(Service *s, size_t i, const char *line) {
        Evidence *e = &s->evidence;
        const LogTrigger *t = &s->cfg->log_triggers[i];
        CaptureTrigger trig = {
                .memory_current = UINT64_MAX,
                .memory_max = UINT64_MAX,
                .pids_current = UINT64_MAX,
                .pids_max = UINT64_MAX,
                .eta = USEC_INFINITY,
        };
        char f_svc[96], f_ev[64], f_re[300], f_line[300];
        char *fields[] = { f_svc, f_ev, f_re, f_line, NULL };

        /* each trigger at most once per action_cooldown: the engine's; the
         * log entry only for a trigger that may fire */
        if (policy_trigger_cooling(s->cfg, &e->policy, i, now_usec(CLOCK_MONOTONIC), s->n_spawns))
                return;
        snprintf(trig.what, sizeof trig.what, "log_trigger /%.60s/ matched: %.100s", t->regex_src, line);
        snprintf(f_svc, sizeof f_svc, "CGWARDEN_SERVICE=%s", s->cfg->name);
        snprintf(f_ev, sizeof f_ev, "CGWARDEN_EVENT=log-trigger");
        snprintf(f_re, sizeof f_re, "CGWARDEN_LOG_TRIGGER=%s", t->regex_src);
        snprintf(f_line, sizeof f_line, "CGWARDEN_LINE=%.250s", line);
        (void) log_struct_fields(LOG_WARNING, watch_message_id(EVENT_LOG_TRIGGER), fields,
                                 "Observation log-trigger for '%s': /%s/ matched: %.200s", s->cfg->name,
                                 t->regex_src, line);
        watch_fill_trigger(s->watch, &trig);
        e->trigger = trig;
        e->event_capture[0] = 0;
        snprintf(e->last_event, sizeof e->last_event, "log-trigger");
        e->last_event_at = now_usec(CLOCK_MONOTONIC);
        e->report = mfree(e->report);
        if (e->capture) {
                log_info("Service '%s': a capture is running; log-trigger actions skipped.", s->cfg->name);
                return;
        }
        decide_and_run(s, EVENT_LOG_TRIGGER, (int) i);
}

/* Every complete line of the service's output (outlog.h): the SIGQUIT
 * dump tap, then the log triggers. */
static void on_line(void *userdata, int stream, const char *line, size_t n) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        char buf[OUTLOG_LINE_MAX + 1];

        if (e->dump_fd >= 0)
                dump_line(s, stream, line, n);
        if (e->n_regex == 0)
                return;
        n = MIN(n, sizeof buf - 1);
        memcpy(buf, line, n);
        buf[n] = 0;
        for (size_t i = 0; i < e->n_regex; i++)
                if (regexec(&e->regex[i], buf, 0, NULL, 0) == 0)
                        trigger_fired(s, i, buf);
}

static const CaptureHooks hooks = {
        .clamp = hook_clamp,
        .grant = hook_grant,
        .restore = hook_restore,
        .sigquit_dump = hook_sigquit_dump,
        .sigquit_cancel = hook_sigquit_cancel,
};

/* ---- actions ---- */

static void capture_done(Capture *c, const char *path, bool complete, void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        EventType type = e->capture_event;
        ActionList pending = e->pending;
        uint8_t next = e->pending_next;

        if (path) {
                snprintf(e->last_capture, sizeof e->last_capture, "%s", path);
                snprintf(e->event_capture, sizeof e->event_capture, "%s", path);
                e->last_capture_rt = now_usec(CLOCK_REALTIME);
                e->captures[type >= 0 && type < _EVENT_TYPE_MAX ? (size_t) type : _EVENT_TYPE_MAX]++;
                e->n_captures++;
                char f_svc[96], f_ev[64], f_dir[PATH_MAX + 32], f_ok[32];
                char *fields[] = { f_svc, f_ev, f_dir, f_ok, NULL };
                snprintf(f_svc, sizeof f_svc, "CGWARDEN_SERVICE=%s", s->cfg->name);
                snprintf(f_ev, sizeof f_ev, "CGWARDEN_EVENT=%s",
                         type >= 0 ? event_type_to_string(type) : "manual");
                snprintf(f_dir, sizeof f_dir, "CGWARDEN_CAPTURE_DIR=%s", path);
                snprintf(f_ok, sizeof f_ok, "CGWARDEN_CAPTURE_COMPLETE=%d", complete);
                (void) log_struct_fields(LOG_NOTICE, EVIDENCE_CAPTURE_MESSAGE_ID, fields,
                                         "Capture for '%s' finished (%s): %s", s->cfg->name,
                                         complete ? "complete" : "incomplete, see manifest.json", path);
                if (s->log) {
                        char line[PATH_MAX + 64];
                        snprintf(line, sizeof line, "capture %s: %s", complete ? "complete" : "incomplete",
                                 path);
                        (void) outlog_note(s->log, line, now_usec(CLOCK_REALTIME));
                }
        }
        service_changed(s);
        /* a requester waiting for it (cgwarden capture NAME): path dies with c */
        if (e->capture_done) {
                evidence_capture_done_t done = e->capture_done;
                e->capture_done = NULL;
                done(e->capture_done_userdata, s, path, complete);
        }
        if (path && e->capture_incarnation > 0)
                e->captured_incarnation = e->capture_incarnation;
        /* finish() touches nothing after calling us */
        e->capture = capture_free(c);
        e->pending = (ActionList){};
        watch_hold_pause(s->watch, false);
        if (e->oom_kill_deferred) {
                e->oom_kill_deferred = false;
                e->trigger = e->deferred_trigger;
                e->event_capture[0] = 0;
                if (next < pending.n)
                        log_info(
                                "Service '%s': the rest of on_%s dropped: the process was OOM-killed during "
                                "its capture.",
                                s->cfg->name, event_type_to_string(type));
                decide_and_run(s, EVENT_OOM_KILL, -1);
                return;
        }
        if (e->pending_incarnation != s->n_spawns) {
                /* the process these actions were decided for is gone and a
                 * new one runs (a post-mortem outlasted the restart
                 * back-off): a restart, stop, kill or throttle would hit
                 * the new process, which gets decisions of its own */
                ActionList keep = { .set = pending.set };
                for (uint8_t i = next; i < pending.n; i++) {
                        ActionType a = (ActionType) pending.a[i];
                        if (a == ACTION_RESTART || a == ACTION_STOP || a == ACTION_KILL ||
                            a == ACTION_THROTTLE)
                                log_info("Service '%s': on_%s's %s dropped: it was decided for the process "
                                         "before pid %d, which runs now.",
                                         s->cfg->name, event_type_to_string(type), action_type_to_string(a),
                                         (int) s->main_pid);
                        else
                                keep.a[keep.n++] = (int8_t) a;
                }
                run_actions(s, type, &keep, 0);
                return;
        }
        run_actions(s, type, &pending, next);
}

static int start_capture(Service *s, EventType type, const char *reason, const CaptureTrigger *t,
                         const char *report) {
        Evidence *e = &s->evidence;
        _cleanup_free_ char *memdir = NULL, *pidsdir = NULL;
        char limits[400], nmt_why[200];
        bool v2 = has_high(s); /* which cgroup files the capture copies */
        bool post_mortem = type == EVENT_OOM_KILL;
        CaptureSpec spec;
        int r;

        if (e->capture)
                return -EBUSY;
        /* why a capture has no nmt-diff, for its items and findings */
        if (e->nmt_why[0])
                snprintf(nmt_why, sizeof nmt_why, "%s", e->nmt_why);
        else if (e->nmt_next_at > 0) {
                usec_t now = now_usec(CLOCK_MONOTONIC);
                char up[UNIT_SIZE_MAX], left[UNIT_SIZE_MAX];
                snprintf(nmt_why, sizeof nmt_why,
                         "no NMT baseline yet: the JVM is up %s, its baseline is due in %s",
                         unit_format_duration(up, ROUND_MS(now - s->started_at)),
                         unit_format_duration(left,
                                              ROUND_MS(e->nmt_next_at > now ? e->nmt_next_at - now : 0)));
        } else
                snprintf(nmt_why, sizeof nmt_why,
                         "no NMT baseline (not a java launcher, or jvm_options = none)");
        (void) cg_service_dir(s->cg, "memory", &memdir);
        (void) cg_service_dir(s->cg, "pids", &pidsdir);
        watch_format_limits(s->watch, limits, sizeof limits);
        spec = (CaptureSpec){
                .service = s->cfg->name,
                .reason = reason,
                .pid = post_mortem ? 0 : s->main_pid,
                .cgroup = cg_service_path(s->cg),
                .memory_dir = memdir,
                .pids_dir = pidsdir,
                .v1 = !v2,
                .items = s->cfg->capture_mask,
                .timeout = s->cfg->capture_timeout,
                .keep = s->cfg->capture_keep,
                .max_bytes = s->cfg->capture_max_bytes,
                .trigger = *t,
                .history = watch_history(s->watch),
                .kernel_report = report,
                .limits_text = limits,
                .nmt_baseline = e->nmt_baseline,
                .nmt_no_baseline = nmt_why,
                .jvm_limits = e->jvm_finding[0] ? e->jvm_finding : NULL,
                .at_task_limit = type == EVENT_PIDS_LIMIT || type == EVENT_PIDS_MAX,
                .hooks = &hooks,
                .hooks_userdata = s,
        };
        e->capture_event = type;
        e->capture_incarnation = post_mortem || s->main_pid <= 0 ? 0 : s->n_spawns;
        /* the capture takes over from the OOM pause's timer */
        watch_hold_pause(s->watch, true);
        r = capture_start(s->ctx->event, s->ctx->config->capture_dir, &spec, capture_done, s, &e->capture);
        if (r < 0) {
                watch_hold_pause(s->watch, false);
                return r;
        }
        return 0;
}

int evidence_capture(Service *s, const char *reason, const char *what, evidence_capture_done_t done,
                     void *userdata) {
        Evidence *e = &s->evidence;
        CaptureTrigger t = { .eta = USEC_INFINITY };
        int r;

        watch_fill_trigger(s->watch, &t);
        snprintf(t.what, sizeof t.what, "%s", what);
        r = start_capture(s, _EVENT_TYPE_INVALID, reason, &t, NULL);
        if (r >= 0) {
                e->capture_done = done;
                e->capture_done_userdata = userdata;
        }
        return r;
}

/* An action as a structured journal entry: CGWARDEN_ACTION, and the event
 * it answers. */
#define MESSAGE_ID_ACTION "6c5dbf41e8a04b9c2d3e4f5a6b7c8d94"
static void action_log(Service *s, EventType type, const char *action, const char *fmt, ...) _printf_(4, 5);
static void action_log(Service *s, EventType type, const char *action, const char *fmt, ...) {
        char msg[512], f_svc[96], f_ev[48], f_act[48];
        char *fields[] = { f_svc, f_ev, f_act, NULL };
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(f_svc, sizeof f_svc, "CGWARDEN_SERVICE=%s", s->cfg->name);
        snprintf(f_ev, sizeof f_ev, "CGWARDEN_EVENT=%s", type >= 0 ? event_type_to_string(type) : "manual");
        snprintf(f_act, sizeof f_act, "CGWARDEN_ACTION=%s", action);
        (void) log_struct_fields(LOG_NOTICE, MESSAGE_ID_ACTION, fields, "%s", msg);
}

static void run_actions(Service *s, EventType type, const ActionList *l, uint8_t from) {
        Evidence *e = &s->evidence;

        for (uint8_t i = from; i < l->n; i++) {
                ActionType a = (ActionType) l->a[i];
                switch (a) {
                case ACTION_CAPTURE:
                        if (e->capture) {
                                log_info("Service '%s': a capture is running already; no second one for %s.",
                                         s->cfg->name, event_type_to_string(type));
                                break;
                        }
                        if (start_capture(s, type, event_type_to_string(type), &e->trigger, e->report) >=
                            0) {
                                e->pending = *l;
                                e->pending_next = i + 1;
                                e->pending_incarnation = s->n_spawns;
                                return; /* the rest when the capture is done */
                        }
                        break;
                case ACTION_RESTART:
                        action_log(s, type, "restart",
                                   "Service '%s': restarting (on_%s), after the restart back-off.",
                                   s->cfg->name, event_type_to_string(type));
                        (void) service_request(s, SVC_EV_RECOVER);
                        break;
                case ACTION_STOP:
                        action_log(s, type, "stop", "Service '%s': stopping (on_%s).", s->cfg->name,
                                   event_type_to_string(type));
                        (void) service_request(s, SVC_EV_STOP);
                        break;
                case ACTION_KILL:
                        action_log(s, type, "kill", "Service '%s': killing its cgroup (on_%s).",
                                   s->cfg->name, event_type_to_string(type));
                        (void) cg_service_kill_all(s->cg);
                        break;
                case ACTION_NOTIFY:
                        do_notify(s, type);
                        break;
                case ACTION_THROTTLE:
                        do_throttle(s, type);
                        break;
                case ACTION_NONE:
                default:
                        break;
                }
        }
        /* nothing took over: on v1 a paused service goes back to the kernel's
         * decision at oom_pause_max, as without a capture */
}

/* Ask the policy engine (policies/engine.h) what to do and do it. An OOM
 * kill is seen before the main process's exit: it counts as a death. */
static void decide_and_run_full(Service *s, EventType type, int trigger, bool quiet) {
        Evidence *e = &s->evidence;
        PolicyDecision d;
        ActionList l = {};
        int r;

        r = policy_decide(s->cfg, &e->policy,
                          &(PolicyInput){
                                  .event = type,
                                  .now = now_usec(CLOCK_MONOTONIC),
                                  .running = s->main_pid > 0 && type != EVENT_OOM_KILL,
                                  .trigger = trigger,
                                  .incarnation = s->n_spawns,
                          },
                          &d);
        if (r < 0) {
                log_error_errno(r, "Service '%s': policy decision failed for %s: %m", s->cfg->name,
                                event_type_to_string(type));
                return;
        }
        log_full(quiet && d.n == 0  ? LOG_DEBUG
                 : d.suppressed > 0 ? LOG_NOTICE
                                    : LOG_INFO,
                 "Service '%s': policy: %s", s->cfg->name, d.why);
        l.n = d.n;
        l.set = 1;
        memcpy(l.a, d.a, sizeof l.a);
        run_actions(s, type, &l, 0);
}

static void decide_and_run(Service *s, EventType type, int trigger) {
        decide_and_run_full(s, type, trigger, false);
}

bool evidence_would_act(Service *s, EventType type) {
        Evidence *e = &s->evidence;
        PolicyState copy;
        PolicyDecision d;

        if (e->capture)
                return type == EVENT_OOM_KILL; /* its post-mortem follows the capture */
        copy = e->policy;
        return policy_decide(s->cfg, &copy,
                             &(PolicyInput){
                                     .event = type,
                                     .now = now_usec(CLOCK_MONOTONIC),
                                     .running = s->main_pid > 0 && type != EVENT_OOM_KILL,
                                     .trigger = -1,
                                     .incarnation = s->n_spawns,
                             },
                             &d) > 0;
}

/* An observation as a structured journal entry and a line in the
 * service's log. Floods (a thread leak at its limit: pids-max every
 * second; a fork bomb: hundreds): the first is logged, the repeats that
 * do nothing are counted and said as one line at most once per
 * action_cooldown. An observation that acts is always logged. Returns
 * quiet: the observation was counted, not logged. */
static bool log_observation(Service *s, const Observation *o) {
        Evidence *e = &s->evidence;
        const CaptureTrigger *t = &o->trigger;
        EventType type = o->type;
        const EffectiveLimits *lim = o->limits;
        char cur[UNIT_SIZE_MAX], lb[UNIT_SIZE_MAX], etabuf[32];
        char f_svc[96], f_ev[64], f_mc[48], f_mm[48], f_pc[48], f_pm[48], f_eta[48], f_what[240];
        char *fields[] = { f_svc, f_ev, f_mc, f_mm, f_pc, f_pm, f_eta, f_what, NULL };
        usec_t now = now_usec(CLOCK_MONOTONIC), window = MAX(s->cfg->action_cooldown, USEC_PER_SEC);
        bool quiet = false;

        if (type == EVENT_OOM_KILL && o->kernel_killed) {
                log_warning("Kernel OOM report for '%s': %s", s->cfg->name, o->kernel_killed);
                if (s->log) {
                        char note[700];
                        snprintf(note, sizeof note, "kernel: %s", o->kernel_killed);
                        (void) outlog_note(s->log, note, now_usec(CLOCK_REALTIME));
                }
        }
        if (type >= 0 && type < _EVENT_TYPE_MAX) {
                bool recent = e->obs_logged_at[type] > 0 && now - e->obs_logged_at[type] < window;

                if (recent && !evidence_would_act(s, type)) {
                        if (e->obs_quiet[type]++ == 0)
                                e->obs_quiet_since[type] = now;
                        quiet = true;
                } else {
                        if (e->obs_quiet[type] > 0) {
                                char span[UNIT_SIZE_MAX];
                                log_info("Service '%s': %u more %s observation(s) in the last %s, no action "
                                         "(see status and metrics for the counts).",
                                         s->cfg->name, e->obs_quiet[type], event_type_to_string(type),
                                         unit_format_duration_short(span, now - e->obs_quiet_since[type]));
                                e->obs_quiet[type] = 0;
                        }
                        e->obs_logged_at[type] = now;
                }
        }

        unit_format_size_short(cur, t->memory_current);
        unit_format_size_short(lb, t->memory_max);
        if (t->eta == USEC_INFINITY)
                strcpy(etabuf, "none");
        else
                snprintf(etabuf, sizeof etabuf, "%.1fs", (double) t->eta / USEC_PER_SEC);
        snprintf(f_svc, sizeof f_svc, "CGWARDEN_SERVICE=%s", s->cfg->name);
        snprintf(f_ev, sizeof f_ev, "CGWARDEN_EVENT=%s", event_type_to_string(type));
        snprintf(f_mc, sizeof f_mc, "CGWARDEN_MEMORY_CURRENT=%" PRIu64, t->memory_current);
        snprintf(f_mm, sizeof f_mm, "CGWARDEN_MEMORY_MAX=%" PRIu64, t->memory_max);
        snprintf(f_pc, sizeof f_pc, "CGWARDEN_PIDS_CURRENT=%" PRIu64, t->pids_current);
        snprintf(f_pm, sizeof f_pm, "CGWARDEN_PIDS_MAX=%" PRIu64, t->pids_max);
        snprintf(f_eta, sizeof f_eta, "CGWARDEN_ETA_USEC=%" PRIu64, t->eta == USEC_INFINITY ? 0 : t->eta);
        snprintf(f_what, sizeof f_what, "CGWARDEN_TRIGGER=%s", t->what);
        (void) log_struct_fields(quiet ? LOG_DEBUG : LOG_WARNING, watch_message_id(type), fields,
                                 "Observation %s for '%s': %s; memory %s of %s (%s), pids %" PRIu64
                                 " of %" PRIu64 " (%s), eta %s.",
                                 event_type_to_string(type), s->cfg->name, t->what, cur, lb,
                                 lim ? lim->memory.source : "", t->pids_current, t->pids_max,
                                 lim ? lim->pids.source : "", etabuf);
        if (s->log && !quiet) {
                char line[400];
                snprintf(line, sizeof line, "observation %s: %s; memory %s of %s, pids %" PRIu64 ", eta %s",
                         event_type_to_string(type), t->what, cur, lb, t->pids_current, etabuf);
                (void) outlog_note(s->log, line, now_usec(CLOCK_REALTIME));
        }
        return quiet;
}

static void observed(Service *s, EventType type, const CaptureTrigger *t, const char *report, bool quiet);

void evidence_observe(Service *s, const Observation *o) {
        bool quiet = log_observation(s, o);

        observed(s, o->type, &o->trigger, o->kernel_report, quiet);
}

/* What an observation (from the watchers, the watchdog, sd_notify) makes
 * the guard do. quiet: it was summarised, not logged. */
static void observed(Service *s, EventType type, const CaptureTrigger *t, const char *report, bool quiet) {
        Evidence *e = &s->evidence;

        if (type >= 0 && type < _EVENT_TYPE_MAX)
                e->observations[type]++;

        e->trigger = *t;
        e->event_capture[0] = 0;
        snprintf(e->last_event, sizeof e->last_event, "%s", event_type_to_string(type));
        e->last_event_at = now_usec(CLOCK_MONOTONIC);
        if (type == EVENT_OOM_KILL) {
                e->n_oom_kills++;
                e->last_oom_kill_at = e->last_event_at;
        }
        free(e->report);
        e->report = report ? strdup(report) : NULL;
        if (e->capture && type == EVENT_OOM_KILL) {
                /* the kill cut the capture short: the death gets its own
                 * post-mortem (the kernel's report, the cgroup's counters)
                 * as soon as the capture has ended */
                e->oom_kill_deferred = true;
                e->deferred_trigger = *t;
                log_notice(
                        "Service '%s': oom-kill while a capture runs: its post-mortem follows that capture.",
                        s->cfg->name);
                return;
        }
        if (e->capture) {
                log_full(quiet ? LOG_DEBUG : LOG_INFO,
                         "Service '%s': %s while a capture runs: no second decision.", s->cfg->name,
                         event_type_to_string(type));
                return;
        }
        decide_and_run_full(s, type, -1, quiet);
}

/* ---- sd_notify from the service: ready, status, watchdog ---- */

static bool notify_authorize(void *userdata, pid_t pid) {
        Service *s = userdata;

        if (pid == s->main_pid)
                return true;
        return cg_service_contains_pid(s->cg, pid) > 0;
}

static int on_watchdog(sd_event_source *src, uint64_t usec, void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        CaptureTrigger t = { .eta = USEC_INFINITY };
        char b[UNIT_SIZE_MAX];

        if (s->main_pid <= 0)
                return 0;
        /* A hang that lasts is observed again every watchdog period (the
         * policy's cooldown decides what runs): the actions of the first
         * one may have been dropped. Armed before the actions run, which
         * may stop the service and disarm it. */
        e->watchdog_missed++;
        (void) sd_event_source_set_time_relative(src, s->cfg->watchdog);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        watch_fill_trigger(s->watch, &t);
        if (e->watchdog_missed == 1)
                snprintf(t.what, sizeof t.what, "no WATCHDOG=1 for watchdog (%s)",
                         unit_format_duration(b, s->cfg->watchdog));
        else
                snprintf(t.what, sizeof t.what, "still no WATCHDOG=1 after %u x watchdog (%s)",
                         e->watchdog_missed, unit_format_duration(b, s->cfg->watchdog));
        log_warning("Observation hang for '%s': %s.", s->cfg->name, t.what);
        observed(s, EVENT_HANG, &t, NULL, false);
        return 0;
}

static void watchdog_arm(Service *s) {
        Evidence *e = &s->evidence;

        if (s->cfg->watchdog == 0 || !e->notify)
                return;
        e->watchdog_missed = 0;
        if (!e->watchdog_timer) {
                if (sd_event_add_time_relative(s->ctx->event, &e->watchdog_timer, CLOCK_MONOTONIC,
                                               s->cfg->watchdog, 10 * USEC_PER_MSEC, on_watchdog, s) >= 0)
                        (void) sd_event_source_set_description(e->watchdog_timer, "service-watchdog");
                return;
        }
        (void) sd_event_source_set_time_relative(e->watchdog_timer, s->cfg->watchdog);
        (void) sd_event_source_set_enabled(e->watchdog_timer, SD_EVENT_ONESHOT);
}

static void on_notify(NotifySocket *ns, const NotifyMessage *m, pid_t pid, void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;

        if (m->have & NOTIFY_HAVE_STATUS) {
                snprintf(e->status_text, sizeof e->status_text, "%.255s", m->status);
                log_debug("Service '%s': STATUS=%s", s->cfg->name, m->status);
        }
        if (m->stopping)
                log_info("Service '%s' is stopping (STOPPING=1).", s->cfg->name);
        if (m->watchdog_trigger) {
                CaptureTrigger t = { .eta = USEC_INFINITY };
                watch_fill_trigger(s->watch, &t);
                snprintf(t.what, sizeof t.what, "WATCHDOG=trigger from pid %d", (int) pid);
                log_warning("Observation hang for '%s': %s.", s->cfg->name, t.what);
                observed(s, EVENT_HANG, &t, NULL, false);
        } else if (m->watchdog)
                watchdog_arm(s);
        if (m->ready) {
                log_info("Service '%s' is ready (READY=1 from pid %d).", s->cfg->name, (int) pid);
                /* the watchdog runs from readiness */
                watchdog_arm(s);
                (void) service_request(s, SVC_EV_READY); /* may settle the service: last */
        }
}

int evidence_setup_notify(Service *s) {
        Evidence *e = &s->evidence;
        _cleanup_free_ char *dir = NULL;
        int r;

        if (e->notify || (s->cfg->ready != READY_NOTIFY && s->cfg->watchdog == 0))
                return 0;
        if (!s->ctx->config->state_dir || asprintf(&dir, "%s/notify", s->ctx->config->state_dir) < 0)
                return log_oom();
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Service '%s': cannot create %s: %m", s->cfg->name, dir);
        r = notify_socket_new(s->ctx->event, dir, s->cfg->name, notify_authorize, on_notify, s, &e->notify);
        if (r < 0)
                return log_error_errno(r, "Service '%s': cannot create its notify socket in %s: %m",
                                       s->cfg->name, dir);
        return 0;
}

bool evidence_waits_for_ready(const Service *s) {
        return s->cfg->ready == READY_NOTIFY && s->evidence.notify;
}

/* ---- NMT baseline ---- */

static int on_nmt_timer(sd_event_source *src, uint64_t usec, void *userdata);

/* The JVM's bounds against the effective memory limit: warned once per
 * process when something is wrong, kept for the captures and status. */
static void jvm_limits_check(Service *s, const char *from) {
        Evidence *e = &s->evidence;
        CaptureTrigger t = { .memory_max = UINT64_MAX };
        char before[sizeof e->jvm_finding];

        snprintf(before, sizeof before, "%s", e->jvm_finding);
        watch_fill_trigger(s->watch, &t);
        e->jvm_problems =
                jvm_flags_findings(&e->jvm_flags, t.memory_max, e->jvm_finding, sizeof e->jvm_finding);
        if (e->jvm_problems > 0 && !streq(before, e->jvm_finding))
                log_warning("Service '%s' (%s): %s.", s->cfg->name, from, e->jvm_finding);
}

/* At the start: the options the JVM is given (JAVA_TOOL_OPTIONS, then
 * JDK_JAVA_OPTIONS, then the command line: the later wins, as in the
 * launcher). A java started by a script is learnt from VM.flags later. */
static void jvm_limits_from_command_line(Service *s) {
        Evidence *e = &s->evidence;
        const char *vars[] = { "JAVA_TOOL_OPTIONS=", "JDK_JAVA_OPTIONS=" };

        jvm_flags_init(&e->jvm_flags);
        e->jvm_finding[0] = 0;
        e->jvm_problems = 0;
        e->jvm_flags_probed = e->jvm_flags_probing = false;
        if (!is_java_launcher(s->exe))
                return;
        for (size_t v = 0; v < ELEMENTSOF(vars); v++)
                for (char **p = s->envp; p && *p; p++)
                        if (strncmp(*p, vars[v], strlen(vars[v])) == 0)
                                (void) jvm_flags_parse(*p + strlen(vars[v]), strlen(*p + strlen(vars[v])),
                                                       &e->jvm_flags);
        if (s->cfg->jvm_options && !streq(s->cfg->jvm_options, "auto") &&
            !streq(s->cfg->jvm_options, "none"))
                (void) jvm_flags_parse(s->cfg->jvm_options, strlen(s->cfg->jvm_options), &e->jvm_flags);
        (void) jvm_flags_parse_argv(s->cfg->argv, &e->jvm_flags);
        jvm_limits_check(s, "its command line");
}

static void nmt_arm(Service *s, usec_t after) {
        Evidence *e = &s->evidence;

        e->nmt_next_at = now_usec(CLOCK_MONOTONIC) + after;
        if (!e->nmt_timer) {
                if (sd_event_add_time_relative(s->ctx->event, &e->nmt_timer, CLOCK_MONOTONIC, after,
                                               USEC_PER_MSEC, on_nmt_timer, s) < 0) {
                        e->nmt_next_at = 0;
                        return;
                }
                (void) sd_event_source_set_description(e->nmt_timer, "nmt-baseline");
                return;
        }
        (void) sd_event_source_set_time_relative(e->nmt_timer, after);
        (void) sd_event_source_set_enabled(e->nmt_timer, SD_EVENT_ONESHOT);
}

static void nmt_finish(Service *s) {
        Evidence *e = &s->evidence;
        HotspotResult res;
        char b[UNIT_SIZE_MAX];
        bool ok = false;
        int r;

        r = hotspot_attach_finish(e->nmt_attach, &res);
        if (e->jvm_flags_probing) {
                /* VM.flags: the final values, ergonomics included */
                e->jvm_flags_probing = false;
                e->jvm_flags_probed = true;
                if (r >= 0 && res.jvm_status == 0) {
                        char buf[4096];
                        ssize_t n = pread(e->nmt_fd, buf, sizeof buf - 1, 0);
                        JvmFlags f = e->jvm_flags;
                        buf[MAX(n, 0)] = 0;
                        if (jvm_flags_parse(buf, (size_t) MAX(n, 0), &f) > 0) {
                                e->jvm_flags = f;
                                jvm_limits_check(s, "VM.flags");
                        }
                }
                nmt_cancel(e);
                e->nmt_next_at = 0;
                /* the baseline next, at once, when NMT is captured */
                if (s->main_pid > 0 && (s->cfg->capture_mask & (1u << CAPTURE_NMT)))
                        nmt_arm(s, 0);
                return;
        }
        if (r >= 0 && res.jvm_status == 0) {
                char buf[256] = "";
                ssize_t n = pread(e->nmt_fd, buf, sizeof buf - 1, 0);
                NmtReport rep;
                buf[MAX(n, 0)] = 0;
                if (nmt_parse(buf, (size_t) MAX(n, 0), &rep) >= 0 && rep.baseline_taken) {
                        ok = true;
                        log_info("Service '%s': NMT baseline %s (nmt-diff.txt in later captures).",
                                 s->cfg->name, e->nmt_baseline ? "retaken" : "taken");
                        if (e->nmt_baseline)
                                e->nmt_refreshed = true;
                        e->nmt_baseline = true;
                } else {
                        snprintf(e->nmt_why, sizeof e->nmt_why, "no NMT baseline: the JVM said: %.100s",
                                 buf[0] ? strtok(buf, "\n") : "nothing");
                        log_info("Service '%s': %s", s->cfg->name, e->nmt_why);
                }
        } else if (r != -ENOEXEC && r != -EPROTONOSUPPORT) {
                snprintf(e->nmt_why, sizeof e->nmt_why, "no NMT baseline: the attach failed: %.100s",
                         res.error);
                log_info("Service '%s': %s", s->cfg->name, e->nmt_why);
        } else
                snprintf(e->nmt_why, sizeof e->nmt_why, "no NMT baseline: not a JVM that answers an attach");
        nmt_cancel(e);
        e->nmt_next_at = 0;
        if (s->main_pid <= 0)
                return;
        if (ok) {
                /* the steadier one, once startup allocation has settled */
                if (!e->nmt_refreshed && s->cfg->nmt_baseline_after > BASELINE_EARLY_USEC) {
                        usec_t up = now_usec(CLOCK_MONOTONIC) - s->started_at;
                        nmt_arm(s, s->cfg->nmt_baseline_after > up ? s->cfg->nmt_baseline_after - up : 0);
                }
                return;
        }
        if (!e->nmt_baseline && ++e->nmt_tries < BASELINE_TRIES_MAX) {
                nmt_arm(s, BASELINE_RETRY_USEC);
                snprintf(e->nmt_why + strlen(e->nmt_why), sizeof e->nmt_why - strlen(e->nmt_why),
                         "; asked again in %s", unit_format_duration(b, BASELINE_RETRY_USEC));
        }
}

static int on_nmt_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        nmt_finish(userdata);
        return 0;
}

static int on_nmt_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Service *s = userdata;
        Evidence *e = &s->evidence;
        static const char *const baseline_argv[] = { "VM.native_memory", "baseline", NULL };
        static const char *const flags_argv[] = { "VM.flags", NULL };
        const char *const *argv;
        char path[] = "/tmp/cgwarden-nmt-XXXXXX";
        int r;

        if (src == e->nmt_deadline) {
                nmt_finish(s);
                return 0;
        }
        if (s->main_pid <= 0 || e->nmt_attach)
                return 0;
        e->nmt_next_at = 0;
        if (e->capture) {
                /* the capture has the JVM's attention: after it */
                nmt_arm(s, BASELINE_RETRY_USEC);
                return 0;
        }
        /* first what the JVM's memory bounds are, then the baseline */
        e->jvm_flags_probing = !e->jvm_flags_probed;
        argv = e->jvm_flags_probing ? flags_argv : baseline_argv;
        e->nmt_fd = mkostemp(path, O_CLOEXEC);
        if (e->nmt_fd < 0)
                return 0;
        (void) unlink(path);
        r = hotspot_attach_start(s->main_pid, argv, e->nmt_fd, BASELINE_TIMEOUT_USEC, 4096, &e->nmt_attach);
        if (r >= 0)
                r = sd_event_add_io(s->ctx->event, &e->nmt_io, hotspot_attach_get_fd(e->nmt_attach), EPOLLIN,
                                    on_nmt_io, s);
        if (r >= 0)
                r = sd_event_add_time(s->ctx->event, &e->nmt_deadline, CLOCK_MONOTONIC,
                                      hotspot_attach_get_deadline(e->nmt_attach), USEC_PER_MSEC,
                                      on_nmt_timer, s);
        if (r < 0)
                nmt_cancel(e);
        return 0;
}

static bool same_ns(pid_t pid, const char *ns) {
        char p[64];
        struct stat a, b;

        snprintf(p, sizeof p, "/proc/%d/ns/%s", (int) pid, ns);
        if (stat(p, &a) < 0)
                return false;
        snprintf(p, sizeof p, "/proc/self/ns/%s", ns);
        return stat(p, &b) >= 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* A JVM killed by a signal leaves /tmp/.java_pid<pid> behind; remove it
 * when the JVM shared our mount and pid namespaces (the path is then ours
 * to see) and the socket is the service user's. */
static void remove_stale_attach_socket(Service *s) {
        Evidence *e = &s->evidence;
        char p[64];
        struct stat st;

        if (e->java_pid <= 0)
                return;
        snprintf(p, sizeof p, "/tmp/.java_pid%d", (int) e->java_pid);
        e->java_pid = 0;
        if (lstat(p, &st) >= 0 && S_ISSOCK(st.st_mode) && st.st_uid == s->uid && unlink(p) >= 0)
                log_debug("Service '%s': removed the stale attach socket %s.", s->cfg->name, p);
}

void evidence_started(Service *s) {
        Evidence *e = &s->evidence;

        remove_stale_attach_socket(s);
        triggers_setup(s);
        e->status_text[0] = 0;
        if (s->cfg->ready != READY_NOTIFY)
                watchdog_arm(s);
        if (s->log)
                outlog_set_line_cb(s->log, on_line, s);
        if (is_java_launcher(s->exe) && same_ns(s->main_pid, "mnt") && same_ns(s->main_pid, "pid"))
                e->java_pid = s->main_pid;

        e->nmt_baseline = e->nmt_refreshed = false;
        e->nmt_tries = 0;
        e->nmt_next_at = 0;
        e->nmt_why[0] = 0;
        nmt_cancel(e);
        if (e->restore_limit_pending)
                restore_v1_limit(s);
        jvm_limits_from_command_line(s);
        if (!is_java_launcher(s->exe) || (s->cfg->jvm_options && streq(s->cfg->jvm_options, "none")))
                return;
        /* VM.flags, then (when NMT is captured) the baseline */
        nmt_arm(s, (s->cfg->capture_mask & (1u << CAPTURE_NMT))
                           ? MIN(BASELINE_EARLY_USEC, s->cfg->nmt_baseline_after)
                           : BASELINE_EARLY_USEC);
}

void evidence_stopping(Service *s) {
        Evidence *e = &s->evidence;
        _cleanup_free_ char *buf = NULL;
        uint64_t cur;
        int r;

        if (e->granted_pids || e->granted_pids_stop || s->limits.pids_max == CG_UNLIMITED ||
            s->cfg->pids_capture_reserve == 0)
                return;
        if (cg_service_read(s->cg, "pids.current", &buf) < 0 || cg_parse_limit(buf, &cur) < 0)
                return;
        /* near: where pids-limit is observed (pids_capture_at, 90 % by default) */
        if (cur < limit_resolve(&s->cfg->pids_capture_at, s->limits.pids_max, 9000))
                return;
        r = cg_service_set(s->cg, CG_KNOB_PIDS_MAX, s->limits.pids_max + s->cfg->pids_capture_reserve);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot raise pids.max for its stop: %m", s->cfg->name);
                return;
        }
        e->granted_pids_stop = true;
        log_info("Service '%s': %" PRIu64 " of %" PRIu64 " tasks: pids.max raised by %" PRIu64
                 " so that it can run its shutdown.",
                 s->cfg->name, cur, s->limits.pids_max, s->cfg->pids_capture_reserve);
}

void evidence_stopped(Service *s) {
        Evidence *e = &s->evidence;

        if (e->granted_pids_stop) {
                int r = cg_service_set(s->cg, CG_KNOB_PIDS_MAX, s->limits.pids_max);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot restore pids.max: %m", s->cfg->name);
                e->granted_pids_stop = false;
        }

        throttle_release(s, "the service stopped");
        if (e->watchdog_timer)
                (void) sd_event_source_set_enabled(e->watchdog_timer, SD_EVENT_OFF);
        remove_stale_attach_socket(s);
        nmt_cancel(e);
        if (e->nmt_timer)
                (void) sd_event_source_set_enabled(e->nmt_timer, SD_EVENT_OFF);
        if (e->restore_limit_pending)
                restore_v1_limit(s);
}
