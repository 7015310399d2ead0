/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Private to guard/: what its files share. */

#include "guard/guard.h"

#define EVIDENCE_CAPTURE_MESSAGE_ID "f0a1e6a3c52a4c3f9d0f2b1c7e8d9a01"
/* The first NMT baseline: once the JVM is up, so that a leak that kills
 * within minutes still has its diff (retaken at nmt_baseline_after, when
 * later, for a steadier one); a JVM not answering yet is asked again. */
#define BASELINE_TIMEOUT_USEC (10 * USEC_PER_SEC)
#define BASELINE_EARLY_USEC (3 * USEC_PER_SEC)
#define BASELINE_RETRY_USEC (2 * USEC_PER_SEC)
#define BASELINE_TRIES_MAX 5
#define ROUND_MS(u) ((u) - (u) % USEC_PER_MSEC)

/* the owner's view of its process, asked when needed */
static inline GuardProcess guard_process(const Guard *g) {
        GuardProcess p = { .pid = 0 };
        g->ops->describe(g->owner, &p);
        return p;
}
static inline pid_t guard_pid(const Guard *g) {
        return guard_process(g).pid;
}
static inline uint64_t guard_incarnation(const Guard *g) {
        return guard_process(g).incarnation;
}
static inline bool guard_may_write(const Guard *g) {
        return !g->ops->may_write || g->ops->may_write(g->owner);
}
static inline void guard_changed(Guard *g) {
        if (g->ops->changed)
                g->ops->changed(g->owner);
}

/* guard.c: the current incident's id, opening one when there is none for
 * this process (or the last was used over an hour ago) */
const char *guard_incident(Guard *g);

/* guard.c: the policy state, allocated with its trigger slots on first
 * use; NULL when out of memory (logged) */
PolicyState *guard_policy(Guard *g);

/* guard.c: decisions and the action executor */
void guard_observed(Guard *g, EventType type, const CaptureTrigger *t, const char *report, bool quiet);
void guard_decide_and_run(Guard *g, EventType type, int trigger);
void guard_run_actions(Guard *g, EventType type, const ActionList *l, uint8_t from);
void guard_action_log(Guard *g, EventType type, const char *action, const char *fmt, ...) _printf_(4, 5);
int guard_start_capture(Guard *g, EventType type, const char *reason, const CaptureTrigger *t,
                        const char *report);
bool guard_list_has(const ActionList *l, ActionType a);

/* reserve.c: the capture's hooks around the limits */
bool guard_has_high(const Guard *g);
uint64_t guard_read_usage(Guard *g, bool without_cache);
void guard_hook_clamp(void *userdata);
void guard_hook_grant(void *userdata);
void guard_hook_restore(void *userdata);
void guard_restore_hard_limit(Guard *g);

/* thread-dump.c */
int guard_hook_sigquit_dump(void *userdata, Capture *c, int out_fd, capture_step_done_t done);
void guard_hook_sigquit_cancel(void *userdata);
void guard_dump_line(Guard *g, int stream, const char *line, size_t n);

/* throttle.c, notify-exec.c */
void guard_throttle(Guard *g, EventType type);
void guard_throttle_release(Guard *g, const char *why);
void guard_notify(Guard *g, EventType type);
void guard_notify_job_free(NotifyJob *j);

/* budget.c: capture_budget and heap_dump_budget, the service's and the host's */
bool guard_budget_allows(Guard *g, const char *reason);
bool guard_heap_budget_allows(Guard *g, const char *reason);
void guard_budget_record(Guard *g);
void guard_budget_finished(Guard *g, const char *path);

/* upload.c: capture_upload */
void guard_upload_queue(Guard *g, const char *dir);
void guard_upload_free(Guard *g);
/* the finished captures of this service without .uploaded (a cgwarden
 * stopped or crashed before their upload, or an upload given up), queued
 * oldest first once the event loop runs: after the interrupted captures
 * are recovered (manager_run) */
void guard_upload_scan_later(Guard *g);

/* log-trigger.c */
void guard_triggers_setup(Guard *g);
void guard_triggers_free(Guard *g);
void guard_on_line(void *userdata, int stream, const char *line, size_t n);

/* jvm-probe.c */
void guard_nmt_arm(Guard *g, usec_t after);
void guard_nmt_cancel(Guard *g);
void guard_jvm_limits_from_command_line(Guard *g);
void guard_remove_stale_attach_socket(Guard *g);
void guard_java_started(Guard *g);

/* jvm-telemetry.c: the JVM's hsperfdata counters, heap-leak and gc-overhead */
void guard_telemetry_start(Guard *g);
void guard_telemetry_stop(Guard *g);
