/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The notify action: a journal entry and notify_exec (guard.h). */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/children.h"
#include "base/log.h"
#include "base/units.h"
#include "guard/guard-internal.h"
#include "spawn/spawn.h"

#define NOTIFY_TIMEOUT_USEC (30 * USEC_PER_SEC)

struct NotifyJob {
        Guard *guard;
        pid_t pid;
        sd_event_source *child, *timer;
};

void guard_notify_job_free(NotifyJob *j) {
        Guard *g = j->guard;

        sd_event_source_disable_unref(j->child);
        sd_event_source_disable_unref(j->timer);
        /* reaped by its child source, or left to finish on its own (a
         * PID 1's reaper takes it then) */
        children_forget(j->pid);
        for (size_t i = 0; i < ELEMENTSOF(g->notify_jobs); i++)
                if (g->notify_jobs[i] == j)
                        g->notify_jobs[i] = NULL;
        free(j);
}

static int on_notify_exit(sd_event_source *src, const siginfo_t *si, void *userdata) {
        NotifyJob *j = userdata;
        Guard *g = j->guard;

        if (si->si_code == CLD_EXITED && si->si_status == 0)
                log_debug("Service '%s': notify_exec (pid %d) done.", g->cfg->name, (int) j->pid);
        else if (si->si_code == CLD_EXITED)
                log_warning("Service '%s': notify_exec (pid %d) exited with status %d.", g->cfg->name,
                            (int) j->pid, si->si_status);
        else
                log_warning("Service '%s': notify_exec (pid %d) killed by signal SIG%s.", g->cfg->name,
                            (int) j->pid, strna(sigabbrev_np(si->si_status)));
        guard_notify_job_free(j);
        return 0;
}

static int on_notify_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        NotifyJob *j = userdata;

        log_warning("Service '%s': notify_exec (pid %d) still runs after %llus: killing it.",
                    j->guard->cfg->name, (int) j->pid,
                    (unsigned long long) (NOTIFY_TIMEOUT_USEC / USEC_PER_SEC));
        (void) kill(j->pid, SIGKILL);
        return 0;
}

static void notify_env(Guard *g, EventType type, char ***env) {
        const CaptureTrigger *t = &g->trigger;
        char v[PATH_MAX + 32];

#define SETF(key, ...)                                      \
        do {                                                \
                snprintf(v, sizeof v, key "=" __VA_ARGS__); \
                (void) env_set(env, v);                     \
        } while (0)
        SETF("PATH", "%s", SPAWN_DEFAULT_PATH);
        SETF("CGWARDEN_SERVICE", "%s", g->cfg->name);
        SETF("CGWARDEN_EVENT", "%s", event_type_to_string(type));
        SETF("CGWARDEN_PID", "%d", (int) MAX(guard_pid(g), 0));
        SETF("CGWARDEN_CAPTURE_DIR", "%s", guard_event_capture(g));
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
        SETF("CGWARDEN_INCIDENT", "%s", g->incident);
#undef SETF
}

/* The notify action: always a structured journal entry; and notify_exec,
 * when set, started without waiting for it (killed after 30 s). */
void guard_notify(Guard *g, EventType type) {
        char f_dir[PATH_MAX + 32], f_what[240], f_inc[64];
        _cleanup_strv_free_ char **env = NULL;
        _cleanup_free_ char *exe = NULL;
        NotifyJob *j = NULL;
        size_t slot;
        pid_t pid;
        int r;

        snprintf(f_dir, sizeof f_dir, "CGWARDEN_CAPTURE_DIR=%s", guard_event_capture(g));
        snprintf(f_what, sizeof f_what, "CGWARDEN_TRIGGER=%s", g->trigger.what);
        snprintf(f_inc, sizeof f_inc, "CGWARDEN_INCIDENT=%s", guard_incident(g));
        (void) log_service_event(LOG_WARNING, watch_message_id(type), g->cfg->name,
                                 event_type_to_string(type), (char *[]){ f_dir, f_what, f_inc, NULL },
                                 "Notify: %s for '%s'%s%s.", event_type_to_string(type), g->cfg->name,
                                 guard_event_capture(g)[0] ? "; evidence in " : "", guard_event_capture(g));
        if (!g->cfg->notify_exec || !g->cfg->notify_exec[0])
                return;
        for (slot = 0; slot < ELEMENTSOF(g->notify_jobs); slot++)
                if (!g->notify_jobs[slot])
                        break;
        if (slot >= ELEMENTSOF(g->notify_jobs)) {
                log_warning("Service '%s': %zu notify_exec still running: not starting another.",
                            g->cfg->name, ELEMENTSOF(g->notify_jobs));
                return;
        }
        r = spawn_find_executable(g->cfg->notify_exec[0], SPAWN_DEFAULT_PATH, &exe);
        if (r < 0) {
                log_error_errno(r, "Service '%s': notify_exec %s: %m", g->cfg->name, g->cfg->notify_exec[0]);
                return;
        }
        notify_env(g, type, &env);
        if (!env) {
                log_oom();
                return;
        }
        pid = fork();
        if (pid < 0) {
                log_error_errno(errno, "Service '%s': cannot fork for notify_exec: %m", g->cfg->name);
                return;
        }
        if (pid == 0) {
                spawn_helper_child_prepare();
                execve(exe, g->cfg->notify_exec, env);
                _exit(127);
        }
        j = calloc(1, sizeof *j);
        if (!j) {
                log_oom();
                return;
        }
        j->guard = g;
        j->pid = pid;
        /* its child source's to reap (base/children.h) */
        r = children_add(pid, CHILD_HELPER);
        if (r >= 0)
                r = sd_event_add_child(g->event, &j->child, pid, WEXITED, on_notify_exit, j);
        if (r >= 0)
                r = sd_event_add_time_relative(g->event, &j->timer, CLOCK_MONOTONIC, NOTIFY_TIMEOUT_USEC,
                                               USEC_PER_SEC, on_notify_timeout, j);
        if (r < 0) {
                log_error_errno(r, "Service '%s': cannot watch notify_exec (pid %d): %m", g->cfg->name,
                                (int) pid);
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                children_forget(pid);
                sd_event_source_disable_unref(j->child);
                free(j);
                return;
        }
        g->notify_jobs[slot] = j;
        log_info("Service '%s': notify_exec started (pid %d) for %s.", g->cfg->name, (int) pid,
                 event_type_to_string(type));
}
