/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The throttle action and its release (guard.h). */

#include "base/log.h"
#include "base/units.h"
#include "guard/guard-internal.h"

#define THROTTLE_TICK_USEC (1 * USEC_PER_SEC)

void guard_throttle_release(Guard *g, const char *why) {
        int r;

        if (!g->throttled)
                return;
        g->throttled = false;
        g->throttled_total += now_usec(CLOCK_MONOTONIC) - g->throttled_since;
        if (g->policy)
                policy_throttle_end(g->policy);
        g->throttle_timer = sd_event_source_disable_unref(g->throttle_timer);
        /* memory.high and the CPU quota back to the configured values */
        r = cg_service_set_limits(g->cg, g->limits);
        if (r < 0)
                log_warning_errno(r, "Service '%s': cannot restore its limits after throttling: %m",
                                  g->cfg->name);
        watch_hold_pause(g->watch, false);
        guard_changed(g);
        guard_action_log(g, g->throttle_event, "throttle-release",
                         "Service '%s': throttle released after %.1fs: %s.", g->cfg->name,
                         (double) (now_usec(CLOCK_MONOTONIC) - g->throttled_since) / USEC_PER_SEC, why);
}

static int on_throttle_tick(sd_event_source *src, uint64_t usec, void *userdata) {
        Guard *g = userdata;
        CaptureTrigger t = { .memory_current = 0, .memory_max = UINT64_MAX };
        PolicyDecision d;
        ThrottleVerdict v;

        watch_fill_trigger(g->watch, &t);
        t.memory_current = guard_read_usage(g, true);
        /* guard_throttle() allocated g->policy; a new configuration's
         * trigger list dropped it (and with it the throttle state) */
        v = g->policy ? policy_throttle_check(g->cfg, g->policy, now_usec(CLOCK_MONOTONIC), t.memory_current,
                                              t.memory_max, &d)
                      : THROTTLE_IDLE;
        if (v == THROTTLE_RELEASE)
                guard_throttle_release(g, d.why);
        else if (v == THROTTLE_ESCALATE) {
                ActionList then = { .n = d.n, .set = 1 };
                memcpy(then.a, d.a, sizeof then.a);
                guard_throttle_release(g, d.why);
                log_notice("Service '%s': escalating to throttle_then.", g->cfg->name);
                guard_run_actions(g, g->throttle_event, &then, 0);
        } else if (v == THROTTLE_HOLD) {
                (void) sd_event_source_set_time_relative(src, THROTTLE_TICK_USEC);
                (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        } else
                guard_throttle_release(g, "not throttled any more");
        return 0;
}

/* Keep the service alive and slower instead of letting it die: v2 holds
 * memory.high at the current usage (the kernel throttles allocations
 * above it) and lowers cpu.max to throttle_cpu when set; v1 lowers the CPU
 * quota and keeps the OOM pause armed (the pause's timer is held). */
void guard_throttle(Guard *g, EventType type) {
        bool v2 = guard_has_high(g);
        char b[UNIT_SIZE_MAX], cpu[48] = "";
        uint64_t cur, held = 0;
        int r;

        if (g->throttled) {
                log_info("Service '%s': throttled already.", g->cfg->name);
                return;
        }
        if (guard_pid(g) <= 0) {
                log_info("Service '%s': not running: nothing to throttle.", g->cfg->name);
                return;
        }
        if (!guard_may_write(g)) {
                log_info("Service '%s': not throttled: its cgroup's limits are not cgwarden's to change.",
                         g->cfg->name);
                return;
        }
        if (!guard_policy(g))
                return;
        if (g->cfg->throttle_cpu_bp > 0) {
                CgLimits l = *g->limits;
                l.cpu_period_usec = 100000;
                l.cpu_quota_usec = MAX((uint64_t) g->cfg->throttle_cpu_bp * l.cpu_period_usec / 10000, 1000);
                r = cg_service_set_limits(g->cg, &l);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot lower its CPU quota: %m", g->cfg->name);
                else
                        snprintf(cpu, sizeof cpu, ", CPU quota %u%%", g->cfg->throttle_cpu_bp / 100);
        }
        cur = guard_read_usage(g, false);
        if (v2 && cur > 0) {
                /* growth slows from here and stops half the way to memory.max:
                 * at memory.high the kernel makes every allocation reclaim and
                 * sleep, which also stalls a collector or a consumer that
                 * needs a few pages to drain (measured: a JVM held exactly at
                 * its usage made no progress in minutes) */
                uint64_t room = g->limits->memory_max == CG_UNLIMITED || g->limits->memory_max <= cur
                                        ? 0
                                        : (g->limits->memory_max - cur) / 2;
                held = cur + room;
                r = cg_service_set(g->cg, CG_KNOB_MEMORY_HIGH, held);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot hold memory.high: %m", /* layer-ok */
                                          g->cfg->name);
        }
        g->throttled = true;
        g->throttled_since = now_usec(CLOCK_MONOTONIC);
        policy_throttle_start(g->policy, g->throttled_since, guard_read_usage(g, true));
        g->throttle_event = type;
        g->n_throttles++;
        watch_hold_pause(g->watch, true);
        r = sd_event_add_time_relative(g->event, &g->throttle_timer, CLOCK_MONOTONIC, THROTTLE_TICK_USEC,
                                       10 * USEC_PER_MSEC, on_throttle_tick, g);
        if (r < 0)
                log_error_errno(r, "Service '%s': cannot arm the throttle timer: %m", g->cfg->name);
        guard_changed(g);
        guard_action_log(
                g, type, "throttle",
                "Service '%s' throttled (%s): %s%s%s; released below throttle_release_at, escalated to "
                "throttle_then after throttle_max.",
                g->cfg->name, event_type_to_string(type),
                /* layer-ok: log text */ v2 ? "memory.high held at " : "OOM pause kept armed",
                v2 ? unit_format_size(b, held) : "", cpu);
}
