/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "service/service.h"
#include "service/status.h"

/* The reason labels of a status's capture counters; the snapshot itself
 * is built by service_get_status() (service.c), formatted by the control
 * client and the metrics. */

const char *status_capture_reason(size_t i) {
        if (i < _EVENT_TYPE_MAX)
                return event_type_to_string((EventType) i);
        if (i == _EVENT_TYPE_MAX)
                return "manual";
        return NULL;
}

/* What status lines, JSON and metrics show of a service (service.h). */
void status_init(ServiceStatus *st, const char *name) {
        *st = (ServiceStatus){
                .memory_current = UINT64_MAX,
                .memory_high = UINT64_MAX,
                .memory_max = UINT64_MAX,
                .memory_effective = UINT64_MAX,
                .pids_current = UINT64_MAX,
                .pids_max = UINT64_MAX,
                .eta_s = -1,
                .jvm_max_heap = UINT64_MAX,
                .jvm_max_direct = UINT64_MAX,
                .jvm_heap_used = UINT64_MAX,
                .jvm_heap_committed = UINT64_MAX,
                .jvm_old_used = UINT64_MAX,
                .jvm_old_committed = UINT64_MAX,
                .jvm_metaspace_used = UINT64_MAX,
                .jvm_gc_count = UINT64_MAX,
                .jvm_gc_time_usec = UINT64_MAX,
                .jvm_threads = UINT64_MAX,
        };
        snprintf(st->name, sizeof st->name, "%s", name);
}

void status_fill_guard(const Guard *e, bool running, ServiceStatus *st) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        st->throttled = e->throttled;
        {
                WatchSample ws;
                watch_get_sample(e->watch, &ws);
                st->memory_current = ws.memory_current;
                st->pids_current = ws.pids_current;
                st->memory_effective = ws.limits.memory.value;
                snprintf(st->memory_effective_source, sizeof st->memory_effective_source, "%.127s",
                         ws.limits.memory.source);
                if (ws.limits.pids.value != UINT64_MAX && st->pids_max == UINT64_MAX)
                        st->pids_max = ws.limits.pids.value;
                st->growth_bps = ws.growth_bps;
                st->eta_s = ws.eta == USEC_INFINITY ? -1 : (double) ws.eta / USEC_PER_SEC;
        }
        /* a trend and an ETA describe a process that runs and has run a
         * while: not a dead service, nor one killed every second */
        if (!running || st->uptime < STATUS_TREND_MIN_UPTIME) {
                st->growth_bps = 0;
                st->eta_s = -1;
        }
        st->oom_kills = e->n_oom_kills;
        st->last_oom_kill_age =
                e->last_oom_kill_at > 0 && now > e->last_oom_kill_at ? now - e->last_oom_kill_at : 0;
        memcpy(st->captures, e->captures, sizeof st->captures);
        memcpy(st->observations, e->observations, sizeof st->observations);
        st->throttled_s =
                (double) (e->throttled_total + (e->throttled ? now - e->throttled_since : 0)) / USEC_PER_SEC;
        snprintf(st->last_event, sizeof st->last_event, "%s", e->last_event);
        st->last_event_age = e->last_event_at > 0 && now > e->last_event_at ? now - e->last_event_at : 0;
        snprintf(st->last_capture, sizeof st->last_capture, "%.255s", e->last_capture ?: "");
        st->uploads = e->n_uploads;
        st->upload_failures = e->n_upload_failures;
        st->uploads_pending = guard_upload_pending(e);
        st->captures_dropped = e->n_captures_dropped;
        st->heap_dumps_dropped = e->n_heap_dumps_dropped;
        snprintf(st->incident, sizeof st->incident, "%s", e->incident);
        st->jvm_max_heap = e->jvm_flags.max_heap;
        st->jvm_max_direct = e->jvm_flags.max_direct;
        st->jvm_limit_problems = (unsigned) MAX(e->jvm_problems, 0);
        snprintf(st->jvm_finding, sizeof st->jvm_finding, "%s", e->jvm_finding ?: "");
        if (running && e->tele_have) {
                st->jvm_heap_used = e->tele.heap_used;
                st->jvm_heap_committed = e->tele.heap_committed;
                st->jvm_old_used = e->tele.old_used;
                st->jvm_old_committed = e->tele.old_committed;
                st->jvm_metaspace_used = e->tele.metaspace_used;
                st->jvm_gc_count = e->tele.gc_count;
                st->jvm_gc_time_usec = e->tele.gc_time_usec;
                st->jvm_threads = e->tele.threads;
        }
}

void service_get_status(const Service *s, ServiceStatus *st) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        status_init(st, s->cfg->name);
        /* a container's entrypoint guards cgwarden's own cgroup */
        snprintf(st->kind, sizeof st->kind, "%s", s->ctx->guard_self ? "self" : "service");
        snprintf(st->cgroup, sizeof st->cgroup, "%.255s", s->cg ? cg_service_path(s->cg) : "");
        snprintf(st->state, sizeof st->state, "%s", svc_state_to_string(s->state));
        st->pid = s->main_pid > 0 ? (int) s->main_pid : 0;
        st->uptime = s->main_pid > 0 && s->started_at > 0 && now > s->started_at ? now - s->started_at : 0;
        st->restarts = s->n_restarts;
        st->memory_high = s->limits.memory_high;
        st->memory_max = s->limits.memory_max;
        st->pids_max = s->limits.pids_max;
        status_fill_guard(s->guard, s->state == SVC_RUNNING, st);
        snprintf(st->status_text, sizeof st->status_text, "%s", s->status_text ?: "");
}
