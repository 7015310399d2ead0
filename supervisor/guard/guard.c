/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A guard: the observer of its watchers, the policy's decisions and the
 * actions it runs (guard.h). */
#include <stdarg.h>
#include <unistd.h>

#include <systemd/sd-id128.h>

#include "base/log.h"
#include "base/units.h"
#include "guard/guard-internal.h"

static const CaptureHooks hooks = {
        .clamp = guard_hook_clamp,
        .grant = guard_hook_grant,
        .restore = guard_hook_restore,
        .sigquit_dump = guard_hook_sigquit_dump,
        .sigquit_cancel = guard_hook_sigquit_cancel,
};

const char *guard_incident(Guard *g) {
        usec_t now = now_usec(CLOCK_MONOTONIC);
        uint64_t inc = guard_incarnation(g);
        sd_id128_t id;

        if (!g->incident[0] || g->incident_incarnation != inc || now - g->incident_at > USEC_PER_HOUR) {
                if (sd_id128_randomize(&id) < 0)
                        id = (sd_id128_t){ .qwords = { now, (uint64_t) getpid() ^ inc } };
                sd_id128_to_string(id, g->incident);
                g->incident_incarnation = inc;
        }
        g->incident_at = now;
        return g->incident;
}

bool guard_list_has(const ActionList *l, ActionType a) {
        for (size_t i = 0; i < l->n && i < ACTION_LIST_MAX; i++)
                if (l->a[i] == a)
                        return true;
        return false;
}

/* v1: the service was paused at its limit. During a capture a JVM cannot
 * answer from there, so the reserve is granted now if it was not. A
 * process not captured yet (its pre-oom came while another capture ran,
 * or was dropped) is captured now: the pause holds the kill until the
 * capture ends. */
static void guard_paused(Guard *g) {
        CaptureTrigger t = { .eta = 0 };

        if (g->capture) {
                if (!g->granted_mem)
                        guard_hook_grant(g);
                return;
        }
        if (guard_pid(g) <= 0 || g->captured_incarnation == guard_incarnation(g) ||
            !guard_list_has(&g->cfg->on_event[EVENT_PRE_OOM], ACTION_CAPTURE))
                return;
        watch_fill_trigger(g->watch, &t);
        snprintf(t.what, sizeof t.what, "the OOM pause caught pid %d before any capture of it",
                 (int) guard_pid(g));
        log_warning("Service '%s': %s: capturing it before the kernel goes on.", g->cfg->name, t.what);
        g->trigger = t;
        g->event_captured = false;
        if (guard_start_capture(g, EVENT_PRE_OOM, "pre-oom", &t, NULL) >= 0)
                g->pending = (ActionList){};
}

/* ---- actions ---- */

static void decide_and_run_full(Guard *g, EventType type, int trigger, bool quiet);

/* The observation deferred while a capture ran (guard_observed()): decided
 * now, unless the actions after the capture started another one (then at
 * its end) or the process it was seen for is gone. */
static void run_deferred(Guard *g) {
        EventType type = (EventType) g->deferred_type;

        if (g->deferred_type < 0 || g->capture)
                return;
        g->deferred_type = -1;
        if (g->deferred_incarnation != guard_incarnation(g)) {
                log_info("Service '%s': the %s seen during the capture dropped: its process is gone.",
                         g->cfg->name, event_type_to_string(type));
                g->deferred_trigger = mfree(g->deferred_trigger);
                return;
        }
        if (g->deferred_trigger)
                g->trigger = *g->deferred_trigger;
        g->deferred_trigger = mfree(g->deferred_trigger);
        g->event_captured = false;
        log_info("Service '%s': deciding on the %s seen during the capture.", g->cfg->name,
                 event_type_to_string(type));
        decide_and_run_full(g, type, -1, false);
}

static void capture_done(Capture *c, const char *path, bool complete, void *userdata) {
        Guard *g = userdata;
        EventType type = g->capture_event;
        ActionList pending = g->pending;
        uint8_t next = g->pending_next;

        if (path) {
                free(g->last_capture);
                g->last_capture = strdup(path);
                if (!g->last_capture)
                        (void) log_oom(); /* status shows none; the capture is there */
                g->event_captured = true;
                g->last_capture_rt = now_usec(CLOCK_REALTIME);
                g->captures[type >= 0 && type < _EVENT_TYPE_MAX ? (size_t) type : _EVENT_TYPE_MAX]++;
                g->n_captures++;
                char f_dir[PATH_MAX + 32], f_ok[32], f_inc[64];
                snprintf(f_dir, sizeof f_dir, "CGWARDEN_CAPTURE_DIR=%s", path);
                snprintf(f_ok, sizeof f_ok, "CGWARDEN_CAPTURE_COMPLETE=%d", complete);
                snprintf(f_inc, sizeof f_inc, "CGWARDEN_INCIDENT=%s", g->incident);
                (void) log_service_event(LOG_NOTICE, EVIDENCE_CAPTURE_MESSAGE_ID, g->cfg->name,
                                         type >= 0 ? event_type_to_string(type) : "manual",
                                         (char *[]){ f_dir, f_ok, f_inc, NULL },
                                         "Capture for '%s' finished (%s): %s", g->cfg->name,
                                         complete ? "complete" : "incomplete, see manifest.json", path);
                if (g->log) {
                        char line[PATH_MAX + 64];
                        snprintf(line, sizeof line, "capture %s: %s", complete ? "complete" : "incomplete",
                                 path);
                        (void) outlog_note(g->log, line, now_usec(CLOCK_REALTIME));
                }
                guard_budget_finished(g, path);
                guard_upload_queue(g, path);
        }
        guard_changed(g);
        /* a requester waiting for it (cgwarden capture NAME): path dies with c */
        if (g->capture_done) {
                guard_capture_done_t done = g->capture_done;
                g->capture_done = NULL;
                done(g->capture_done_userdata, path, complete);
        }
        if (path && g->capture_incarnation > 0)
                g->captured_incarnation = g->capture_incarnation;
        /* finish() touches nothing after calling us */
        g->capture = capture_free(c);
        g->pending = (ActionList){};
        watch_hold_pause(g->watch, false);
        if (g->oom_kill_deferred) {
                g->oom_kill_deferred = false;
                g->deferred_type = -1; /* its process is dead */
                if (g->deferred_trigger)
                        g->trigger = *g->deferred_trigger;
                g->deferred_trigger = mfree(g->deferred_trigger);
                g->event_captured = false;
                if (next < pending.n)
                        log_info(
                                "Service '%s': the rest of on_%s dropped: the process was OOM-killed during "
                                "its capture.",
                                g->cfg->name, event_type_to_string(type));
                guard_decide_and_run(g, EVENT_OOM_KILL, -1);
                return;
        }
        if (g->pending_incarnation != guard_incarnation(g)) {
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
                                         g->cfg->name, event_type_to_string(type), action_type_to_string(a),
                                         (int) guard_pid(g));
                        else
                                keep.a[keep.n++] = (int8_t) a;
                }
                guard_run_actions(g, type, &keep, 0);
                run_deferred(g);
                return;
        }
        guard_run_actions(g, type, &pending, next);
        run_deferred(g);
}

int guard_start_capture(Guard *g, EventType type, const char *reason, const CaptureTrigger *t,
                        const char *report) {
        _cleanup_free_ char *memdir = NULL, *pidsdir = NULL;
        char limits[400], nmt_why[200];
        bool post_mortem = type == EVENT_OOM_KILL;
        CaptureSpec spec;
        int r;

        if (g->capture)
                return -EBUSY;
        /* a capture asked for by hand is never dropped */
        if (type != _EVENT_TYPE_INVALID && !guard_budget_allows(g, reason))
                return -EDQUOT;
        /* why a capture has no nmt-diff, for its items and findings */
        if (g->nmt_why)
                snprintf(nmt_why, sizeof nmt_why, "%s", g->nmt_why);
        else if (g->nmt_next_at > 0) {
                usec_t now = now_usec(CLOCK_MONOTONIC);
                char up[UNIT_SIZE_MAX], left[UNIT_SIZE_MAX];
                snprintf(nmt_why, sizeof nmt_why,
                         "no NMT baseline yet: the JVM is up %s, its baseline is due in %s",
                         unit_format_duration(up, ROUND_MS(now - guard_process(g).started_at)),
                         unit_format_duration(left,
                                              ROUND_MS(g->nmt_next_at > now ? g->nmt_next_at - now : 0)));
        } else
                snprintf(nmt_why, sizeof nmt_why,
                         "no NMT baseline (not a java launcher, or jvm_options = none)");
        (void) cg_service_dir(g->cg, "memory", &memdir);
        (void) cg_service_dir(g->cg, "pids", &pidsdir);
        watch_format_limits(g->watch, limits, sizeof limits);
        spec = (CaptureSpec){
                .service = g->cfg->name,
                .reason = reason,
                .pid = post_mortem ? 0 : guard_pid(g),
                .cgroup = cg_service_path(g->cg),
                .memory_dir = memdir,
                .pids_dir = pidsdir,
                .memory_event_files = cg_context_memory_event_files(g->cg_context),
                .items = g->cfg->capture_mask,
                .timeout = g->cfg->capture_timeout,
                .keep = g->cfg->capture_keep,
                .max_bytes = g->cfg->capture_max_bytes,
                .trigger = *t,
                .history = watch_history(g->watch),
                .kernel_report = report,
                .limits_text = limits,
                .nmt_baseline = g->nmt_baseline,
                .nmt_no_baseline = nmt_why,
                .jvm_limits = g->jvm_finding,
                .histogram_baseline = g->hist_fd >= 0,
                .histogram_baseline_fd = g->hist_fd,
                .histogram_when_grown = g->cfg->capture_auto,
                .heap_dump = g->cfg->heap_dump,
                .memory_sample = g->cfg->capture_memory_sample,
                .map_base = g->map_base,
                .n_map_base = g->n_map_base,
                .at_task_limit = type == EVENT_PIDS_LIMIT || type == EVENT_PIDS_MAX,
                .hooks = &hooks,
                .hooks_userdata = g,
        };
        snprintf(spec.incident, sizeof spec.incident, "%s", guard_incident(g));
        /* heap_dump_budget: an observation's capture runs, without its dump */
        if (spec.heap_dump != HEAP_DUMP_NO && type != _EVENT_TYPE_INVALID && !post_mortem &&
            !guard_heap_budget_allows(g, reason)) {
                char lim[BUDGET_TEXT_MAX];
                snprintf(spec.heap_dump_skip, sizeof spec.heap_dump_skip,
                         "heap_dump_budget spent (the service's %s, the host's %s)",
                         capture_budget_format(&g->cfg->heap_dump_budget, lim),
                         g->host_heap_budget
                                 ? capture_budget_format(g->host_heap_budget, (char[BUDGET_TEXT_MAX]){})
                                 : "none");
        }
        g->capture_event = type;
        g->capture_incarnation = post_mortem || guard_pid(g) <= 0 ? 0 : guard_incarnation(g);
        /* the capture takes over from the OOM pause's timer */
        watch_hold_pause(g->watch, true);
        guard_budget_record(g);
        r = capture_start(g->event, g->capture_dir, &spec, capture_done, g, &g->capture);
        if (r < 0) {
                watch_hold_pause(g->watch, false);
                return r;
        }
        return 0;
}

int guard_capture(Guard *g, const char *reason, const char *what, guard_capture_done_t done,
                  void *userdata) {
        CaptureTrigger t = { .eta = USEC_INFINITY };
        int r;

        watch_fill_trigger(g->watch, &t);
        snprintf(t.what, sizeof t.what, "%s", what);
        r = guard_start_capture(g, _EVENT_TYPE_INVALID, reason, &t, NULL);
        if (r >= 0) {
                g->capture_done = done;
                g->capture_done_userdata = userdata;
        }
        return r;
}

/* An action as a structured journal entry: CGWARDEN_ACTION, and the event
 * it answers. */
#define MESSAGE_ID_ACTION "6c5dbf41e8a04b9c2d3e4f5a6b7c8d94"
void guard_action_log(Guard *g, EventType type, const char *action, const char *fmt, ...) {
        char msg[512], f_act[48], f_inc[64];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(f_act, sizeof f_act, "CGWARDEN_ACTION=%s", action);
        snprintf(f_inc, sizeof f_inc, "CGWARDEN_INCIDENT=%s", guard_incident(g));
        (void) log_service_event(LOG_NOTICE, MESSAGE_ID_ACTION, g->cfg->name,
                                 type >= 0 ? event_type_to_string(type) : "manual",
                                 (char *[]){ f_act, f_inc, NULL }, "%s", msg);
}

void guard_run_actions(Guard *g, EventType type, const ActionList *l, uint8_t from) {
        for (uint8_t i = from; i < l->n; i++) {
                ActionType a = (ActionType) l->a[i];
                switch (a) {
                case ACTION_CAPTURE:
                        if (g->capture) {
                                log_info("Service '%s': a capture is running already; no second one for %s.",
                                         g->cfg->name, event_type_to_string(type));
                                break;
                        }
                        if (guard_start_capture(g, type, event_type_to_string(type), &g->trigger,
                                                g->report) >= 0) {
                                g->pending = *l;
                                g->pending_next = i + 1;
                                g->pending_incarnation = guard_incarnation(g);
                                return; /* the rest when the capture is done */
                        }
                        break;
                case ACTION_RESTART:
                        guard_action_log(g, type, "restart",
                                         "Service '%s': restarting (on_%s), after the restart back-off.",
                                         g->cfg->name, event_type_to_string(type));
                        (void) g->ops->restart(g->owner);
                        break;
                case ACTION_STOP:
                        guard_action_log(g, type, "stop", "Service '%s': stopping (on_%s).", g->cfg->name,
                                         event_type_to_string(type));
                        (void) g->ops->stop(g->owner);
                        break;
                case ACTION_KILL:
                        guard_action_log(g, type, "kill", "Service '%s': killing its cgroup (on_%s).",
                                         g->cfg->name, event_type_to_string(type));
                        (void) g->ops->kill(g->owner);
                        break;
                case ACTION_NOTIFY:
                        guard_notify(g, type);
                        break;
                case ACTION_THROTTLE:
                        guard_throttle(g, type);
                        break;
                case ACTION_NONE:
                default:
                        break;
                }
        }
        /* nothing took over: on v1 a paused service goes back to the kernel's
         * decision at oom_pause_max, as without a capture */
}

PolicyState *guard_policy(Guard *g) {
        size_t n = g->cfg->n_log_triggers;
        PolicyState *st;

        if (g->policy)
                return g->policy;
        /* the trigger slots right after the state, in the same block */
        st = malloc(sizeof *st + n * sizeof(PolicyTrigger));
        if (!st) {
                (void) log_oom();
                return NULL;
        }
        policy_state_init(st, n > 0 ? (PolicyTrigger *) (st + 1) : NULL, n);
        return (g->policy = st);
}

/* Ask the policy engine (policies/engine.h) what to do and do it. An OOM
 * kill is seen before the main process's exit: it counts as a death. */
static void decide_and_run_full(Guard *g, EventType type, int trigger, bool quiet) {
        PolicyState *st = guard_policy(g);
        PolicyDecision d;
        ActionList l = {};
        int r;

        if (!st)
                return;
        r = policy_decide(g->cfg, st,
                          &(PolicyInput){
                                  .event = type,
                                  .now = now_usec(CLOCK_MONOTONIC),
                                  .running = guard_pid(g) > 0 && type != EVENT_OOM_KILL,
                                  .trigger = trigger,
                                  .incarnation = guard_incarnation(g),
                          },
                          &d);
        if (r < 0) {
                log_error_errno(r, "Service '%s': policy decision failed for %s: %m", g->cfg->name,
                                event_type_to_string(type));
                return;
        }
        log_full(quiet && d.n == 0  ? LOG_DEBUG
                 : d.suppressed > 0 ? LOG_NOTICE
                                    : LOG_INFO,
                 "Service '%s': policy: %s", g->cfg->name, d.why);
        l.n = d.n;
        l.set = 1;
        memcpy(l.a, d.a, sizeof l.a);
        guard_run_actions(g, type, &l, 0);
}

void guard_decide_and_run(Guard *g, EventType type, int trigger) {
        decide_and_run_full(g, type, trigger, false);
}

bool guard_would_act(Guard *g, EventType type) {
        PolicyState copy;
        PolicyDecision d;

        if (g->capture)
                return type == EVENT_OOM_KILL; /* its post-mortem follows the capture */
        /* a dry run on a copy: without a trigger (-1) the engine does not
         * touch the trigger slots the copy shares; no state yet: a fresh one */
        if (g->policy)
                copy = *g->policy;
        else
                policy_state_init(&copy, NULL, 0);
        return policy_decide(g->cfg, &copy,
                             &(PolicyInput){
                                     .event = type,
                                     .now = now_usec(CLOCK_MONOTONIC),
                                     .running = guard_pid(g) > 0 && type != EVENT_OOM_KILL,
                                     .trigger = -1,
                                     .incarnation = guard_incarnation(g),
                             },
                             &d) > 0;
}

/* An observation as a structured journal entry and a line in the
 * service's log. Floods (a thread leak at its limit: pids-max every
 * second; a fork bomb: hundreds): the first is logged, the repeats that
 * do nothing are counted and said as one line at most once per
 * action_cooldown. An observation that acts is always logged. Returns
 * quiet: the observation was counted, not logged. */
static bool log_observation(Guard *g, const Observation *o) {
        const CaptureTrigger *t = &o->trigger;
        EventType type = o->type;
        const EffectiveLimits *lim = o->limits;
        char cur[UNIT_SIZE_MAX], lb[UNIT_SIZE_MAX], etabuf[32];
        char f_mc[48], f_mm[48], f_pc[48], f_pm[48], f_eta[48], f_what[240], f_inc[64];
        usec_t now = now_usec(CLOCK_MONOTONIC), window = MAX(g->cfg->action_cooldown, USEC_PER_SEC);
        bool quiet = false;

        if (type == EVENT_OOM_KILL && o->kernel_killed) {
                log_warning("Kernel OOM report for '%s': %s", g->cfg->name, o->kernel_killed);
                if (g->log) {
                        char note[700];
                        snprintf(note, sizeof note, "kernel: %s", o->kernel_killed);
                        (void) outlog_note(g->log, note, now_usec(CLOCK_REALTIME));
                }
        }
        if (type >= 0 && type < _EVENT_TYPE_MAX) {
                bool recent = g->obs_logged_at[type] > 0 && now - g->obs_logged_at[type] < window;

                if (recent && !guard_would_act(g, type)) {
                        if (g->obs_quiet[type]++ == 0)
                                g->obs_quiet_since[type] = now;
                        quiet = true;
                } else {
                        if (g->obs_quiet[type] > 0) {
                                char span[UNIT_SIZE_MAX];
                                log_info("Service '%s': %u more %s observation(s) in the last %s, no action "
                                         "(see status and metrics for the counts).",
                                         g->cfg->name, g->obs_quiet[type], event_type_to_string(type),
                                         unit_format_duration_short(span, now - g->obs_quiet_since[type]));
                                g->obs_quiet[type] = 0;
                        }
                        g->obs_logged_at[type] = now;
                }
        }

        unit_format_size_short(cur, t->memory_current);
        unit_format_size_short(lb, t->memory_max);
        if (t->eta == USEC_INFINITY)
                strcpy(etabuf, "none");
        else
                snprintf(etabuf, sizeof etabuf, "%.1fs", (double) t->eta / USEC_PER_SEC);
        snprintf(f_mc, sizeof f_mc, "CGWARDEN_MEMORY_CURRENT=%" PRIu64, t->memory_current);
        snprintf(f_mm, sizeof f_mm, "CGWARDEN_MEMORY_MAX=%" PRIu64, t->memory_max);
        snprintf(f_pc, sizeof f_pc, "CGWARDEN_PIDS_CURRENT=%" PRIu64, t->pids_current);
        snprintf(f_pm, sizeof f_pm, "CGWARDEN_PIDS_MAX=%" PRIu64, t->pids_max);
        snprintf(f_eta, sizeof f_eta, "CGWARDEN_ETA_USEC=%" PRIu64, t->eta == USEC_INFINITY ? 0 : t->eta);
        snprintf(f_what, sizeof f_what, "CGWARDEN_TRIGGER=%s", t->what);
        /* a repeat that is only counted opens no incident */
        snprintf(f_inc, sizeof f_inc, "CGWARDEN_INCIDENT=%s", quiet ? "" : guard_incident(g));
        (void) log_service_event(
                quiet ? LOG_DEBUG : LOG_WARNING, watch_message_id(type), g->cfg->name,
                event_type_to_string(type),
                (char *[]){ f_mc, f_mm, f_pc, f_pm, f_eta, f_what, quiet ? NULL : f_inc, NULL },
                "Observation %s for '%s': %s; memory %s of %s (%s), pids %" PRIu64 " of %" PRIu64
                " (%s), eta %s.",
                event_type_to_string(type), g->cfg->name, t->what, cur, lb, lim ? lim->memory.source : "",
                t->pids_current, t->pids_max, lim ? lim->pids.source : "", etabuf);
        if (g->log && !quiet) {
                char line[400];
                snprintf(line, sizeof line, "observation %s: %s; memory %s of %s, pids %" PRIu64 ", eta %s",
                         event_type_to_string(type), t->what, cur, lb, t->pids_current, etabuf);
                (void) outlog_note(g->log, line, now_usec(CLOCK_REALTIME));
        }
        return quiet;
}

static void guard_observe(Guard *g, const Observation *o) {
        bool quiet = log_observation(g, o);

        guard_observed(g, o->type, &o->trigger, o->kernel_report, quiet);
}

/* What an observation (from the watchers, the watchdog, sd_notify) makes
 * the guard do. quiet: it was summarised, not logged. */
void guard_observed(Guard *g, EventType type, const CaptureTrigger *t, const char *report, bool quiet) {
        if (type >= 0 && type < _EVENT_TYPE_MAX)
                g->observations[type]++;

        g->trigger = *t;
        g->event_captured = false;
        snprintf(g->last_event, sizeof g->last_event, "%s", event_type_to_string(type));
        g->last_event_at = now_usec(CLOCK_MONOTONIC);
        if (type == EVENT_OOM_KILL) {
                g->n_oom_kills++;
                g->last_oom_kill_at = g->last_event_at;
        }
        free(g->report);
        g->report = report ? strdup(report) : NULL;
        if (g->capture && type == EVENT_OOM_KILL) {
                /* the kill cut the capture short: the death gets its own
                 * post-mortem (the kernel's report, the cgroup's counters)
                 * as soon as the capture has ended */
                g->oom_kill_deferred = true;
                free(g->deferred_trigger);
                g->deferred_trigger = malloc(sizeof *g->deferred_trigger);
                if (g->deferred_trigger)
                        *g->deferred_trigger = *t;
                else
                        (void) log_oom();
                log_notice(
                        "Service '%s': oom-kill while a capture runs: its post-mortem follows that capture.",
                        g->cfg->name);
                return;
        }
        if (g->capture) {
                if (quiet || g->oom_kill_deferred) {
                        log_full(quiet ? LOG_DEBUG : LOG_INFO,
                                 "Service '%s': %s while a capture runs: no second decision.", g->cfg->name,
                                 event_type_to_string(type));
                        return;
                }
                free(g->deferred_trigger);
                g->deferred_trigger = malloc(sizeof *g->deferred_trigger);
                if (g->deferred_trigger)
                        *g->deferred_trigger = *t;
                g->deferred_type = (int) type;
                g->deferred_incarnation = guard_incarnation(g);
                log_info("Service '%s': %s while a capture runs: decided when it ends.", g->cfg->name,
                         event_type_to_string(type));
                return;
        }
        decide_and_run_full(g, type, -1, quiet);
}

/* ---- life ---- */

static void on_observation(void *userdata, const Observation *o) {
        guard_observe(userdata, o);
}

static void on_paused(void *userdata) {
        guard_paused(userdata);
}

int guard_new(const GuardSpec *spec, const GuardOwnerOps *ops, void *owner, Guard **ret) {
        Guard *g;
        int r;

        g = calloc(1, sizeof *g);
        if (!g)
                return log_oom();
        *g = (Guard){
                .event = spec->event,
                .cg_context = spec->cg_context,
                .cg = spec->cg,
                .cfg = spec->cfg,
                .limits = spec->limits,
                .capture_dir = spec->capture_dir,
                .log = spec->log,
                .host_budget = spec->host_budget,
                .host_ledger = spec->host_ledger,
                .host_heap_budget = spec->host_heap_budget,
                .host_heap_ledger = spec->host_heap_ledger,
                .ledger_slot = SIZE_MAX,
                .host_slot = SIZE_MAX,
                .ops = ops,
                .owner = owner,
                .dump_fd = -1,
                .nmt_fd = -1,
                .hist_fd = -1,
                .tele_fd = -1,
                .deferred_type = -1,
        };
        jvm_flags_init(&g->jvm_flags);
        r = watch_new(
                &(WatchSpec){
                        .event = spec->event,
                        .cg_context = spec->cg_context,
                        .cg = spec->cg,
                        .cfg = spec->cfg,
                        .limits = spec->limits,
                        .may_write = guard_may_write(g),
                        .idle_interval = spec->idle_interval,
                },
                &(WatchCallbacks){ .observe = on_observation, .paused = on_paused }, g, &g->watch);
        if (r < 0) {
                free(g);
                return r;
        }
        guard_upload_scan_later(g);
        *ret = g;
        return 0;
}

Guard *guard_free(Guard *g) {
        if (!g)
                return NULL;
        /* a running notify_exec finishes on its own */
        for (size_t i = 0; i < ELEMENTSOF(g->notify_jobs); i++)
                if (g->notify_jobs[i])
                        guard_notify_job_free(g->notify_jobs[i]);
        guard_upload_free(g);
        g->ledger = mfree(g->ledger);
        g->heap_ledger = mfree(g->heap_ledger);
        g->capture = capture_free(g->capture);
        g->throttle_timer = sd_event_source_disable_unref(g->throttle_timer);
        g->report = mfree(g->report);
        g->last_capture = mfree(g->last_capture);
        g->policy = mfree(g->policy);
        guard_triggers_free(g);
        guard_nmt_cancel(g);
        g->nmt_timer = sd_event_source_disable_unref(g->nmt_timer);
        g->hist_fd = safe_close(g->hist_fd);
        free(g->map_base);
        free(g->nmt_why);
        free(g->jvm_finding);
        free(g->deferred_trigger);
        guard_telemetry_stop(g);
        free(g->tele_rings);
        g->tele_timer = sd_event_source_disable_unref(g->tele_timer);
        watch_free(g->watch);
        free(g);
        return NULL;
}

void guard_started(Guard *g) {
        GuardProcess p = guard_process(g);

        watch_started(g->watch, p.pid, p.uid);
        guard_triggers_setup(g);
        if (g->log)
                outlog_set_line_cb(g->log, guard_on_line, g);
        if (g->restore_limit_pending)
                guard_restore_hard_limit(g);
        guard_java_started(g);
        guard_telemetry_start(g);
}

void guard_stopping(Guard *g) {
        _cleanup_free_ char *buf = NULL;
        uint64_t cur;
        int r;

        if (g->granted_pids || g->granted_pids_stop || g->limits->pids_max == CG_UNLIMITED ||
            g->cfg->pids_capture_reserve == 0 || !guard_may_write(g))
                return;
        if (cg_service_read(g->cg, "pids.current", &buf) < 0 || cg_parse_limit(buf, &cur) < 0)
                return;
        /* near: where pids-limit is observed (pids_capture_at, 90 % by default) */
        if (cur < limit_resolve(&g->cfg->pids_capture_at, g->limits->pids_max, 9000))
                return;
        r = cg_service_set(g->cg, CG_KNOB_PIDS_MAX, g->limits->pids_max + g->cfg->pids_capture_reserve);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot raise pids.max for its stop: %m", g->cfg->name);
                return;
        }
        g->granted_pids_stop = true;
        log_info("Service '%s': %" PRIu64 " of %" PRIu64 " tasks: pids.max raised by %" PRIu64
                 " so that it can run its shutdown.",
                 g->cfg->name, cur, g->limits->pids_max, g->cfg->pids_capture_reserve);
}

void guard_stopped(Guard *g) {
        watch_stopped(g->watch);
        if (g->granted_pids_stop) {
                int r = cg_service_set(g->cg, CG_KNOB_PIDS_MAX, g->limits->pids_max);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot restore pids.max: %m", g->cfg->name);
                g->granted_pids_stop = false;
        }
        guard_throttle_release(g, "the service stopped");
        guard_remove_stale_attach_socket(g);
        guard_nmt_cancel(g);
        if (g->nmt_timer)
                (void) sd_event_source_set_enabled(g->nmt_timer, SD_EVENT_OFF);
        guard_telemetry_stop(g);
        if (g->restore_limit_pending)
                guard_restore_hard_limit(g);
}

void guard_report(Guard *g, EventType type, const char *what, bool quiet) {
        CaptureTrigger t = { .eta = USEC_INFINITY };

        watch_fill_trigger(g->watch, &t);
        snprintf(t.what, sizeof t.what, "%s", what);
        guard_observed(g, type, &t, NULL, quiet);
}
