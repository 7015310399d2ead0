/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guard around a capture (guard.h): the clamp, the reserves and their
 * restore, as the capture's hooks. */
#include <inttypes.h>

#include "base/log.h"
#include "base/units.h"
#include "guard/guard-internal.h"
#include "capture/jvm-flags.h"

bool guard_has_high(const Guard *g) {
        return cg_context_has(g->cg_context, CG_FEATURE_MEMORY_HIGH);
}

/* Bytes charged now (without_cache: less the page cache: what a backlog
 * grows and a drain gives back; a drained JVM's file pages stay charged
 * to it, measured in the v2 VM at 30M of a 64M usage); 0 when
 * unreadable. */
uint64_t guard_read_usage(Guard *g, bool without_cache) {
        uint64_t v;

        return cg_service_memory_usage(g->cg, without_cache, &v) >= 0 ? v : 0;
}

void guard_hook_clamp(void *userdata) {
        Guard *g = userdata;
        uint64_t cur;
        char b[UNIT_SIZE_MAX];
        int r;

        if (g->capture_event != EVENT_PRE_OOM || !guard_has_high(g) || !guard_may_write(g))
                return;
        cur = guard_read_usage(g, false);
        if (cur == 0)
                return;
        /* growth nearly stops: above memory.high the kernel throttles the
         * allocating tasks */
        r = cg_service_set(g->cg, CG_KNOB_MEMORY_HIGH, cur);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot clamp memory.high: %m", /* layer-ok: log text */
                                  g->cfg->name);
                return;
        }
        g->clamped = true;
        unit_format_size(b, cur);
        log_info("Service '%s': memory.high clamped at %s while capturing.", /* layer-ok: log text */
                 g->cfg->name, b);
}

void guard_hook_grant(void *userdata) {
        Guard *g = userdata;
        bool v2 = guard_has_high(g);
        uint64_t reserve = g->cfg->capture_reserve;
        char b[UNIT_SIZE_MAX];
        int r;

        /* the clamp and the reserves change the cgroup's limits */
        if (!guard_may_write(g))
                return;
        if (g->capture_event == EVENT_PIDS_LIMIT || g->capture_event == EVENT_PIDS_MAX) {
                if (g->limits->pids_max != CG_UNLIMITED && g->cfg->pids_capture_reserve > 0) {
                        r = cg_service_set(g->cg, CG_KNOB_PIDS_MAX,
                                           g->limits->pids_max + g->cfg->pids_capture_reserve);
                        if (r >= 0) {
                                g->granted_pids = true;
                                log_info("Service '%s': pids.max raised by %" PRIu64 " while capturing.",
                                         g->cfg->name, g->cfg->pids_capture_reserve);
                        } else
                                log_warning_errno(r, "Service '%s': cannot raise pids.max: %m",
                                                  g->cfg->name);
                }
                return;
        }
        if (reserve == 0 || g->granted_mem)
                return;
        /* the reserve is for a JVM to answer the attach; any other program
         * would only leak into it (bench/capture-before-kill) */
        if (!jvm_is_launcher(guard_process(g).exe))
                return;
        /* with a soft limit (v2): only after the pre-oom clamp; without
         * (v1): whenever the service is at (or near) its limit, whatever
         * the capture is for */
        if (v2 && g->capture_event != EVENT_PRE_OOM)
                return;
        if (v2) {
                /* lift the guard so the JVM can answer the attach */
                uint64_t cur = guard_read_usage(g, false);
                uint64_t high = cur + reserve;
                if (g->limits->memory_high != CG_UNLIMITED && !g->clamped && g->limits->memory_high >= high)
                        return; /* room enough already */
                /* never all the way to memory.max: a fast leak would take the
                 * reserve and be killed while the JVM answers (measured at
                 * 400 MB/s in the v2 VM); at most half the room left */
                if (g->limits->memory_max != CG_UNLIMITED)
                        high = g->limits->memory_max > cur
                                       ? cur + MIN(reserve, (g->limits->memory_max - cur) / 2)
                                       : cur;
                r = cg_service_set(g->cg, CG_KNOB_MEMORY_HIGH, high);
                if (r >= 0) {
                        g->granted_mem = true;
                        unit_format_size(b, high);
                        log_info(
                                "Service '%s': memory.high lifted to %s (capture_reserve) for the JVM " /* layer-ok */
                                "items.",
                                g->cfg->name, b);
                }
        } else if (g->limits->memory_max != CG_UNLIMITED) {
                /* the OOM pause holds the tasks at the limit: a little more lets
                 * the JVM answer */
                uint64_t cur = guard_read_usage(g, false);
                if (cur + reserve / 2 < g->limits->memory_max && !watch_paused(g->watch))
                        return;
                r = cg_service_set(g->cg, CG_KNOB_MEMORY_MAX, g->limits->memory_max + reserve);
                if (r >= 0) {
                        g->granted_mem = true;
                        unit_format_size(b, reserve);
                        log_info("Service '%s': memory limit raised by %s (capture_reserve) for the JVM "
                                 "items.",
                                 g->cfg->name, b);
                } else
                        log_warning_errno(r, "Service '%s': cannot raise the memory limit: %m",
                                          g->cfg->name);
        }
}

void guard_restore_hard_limit(Guard *g) {
        int r = -EBUSY;

        /* with usage above it the kernel reclaims for ~100 ms before it
         * refuses (EBUSY), blocking the loop: do not try then */
        if (guard_pid(g) <= 0 || guard_read_usage(g, false) < g->limits->memory_max)
                r = cg_service_set(g->cg, CG_KNOB_MEMORY_MAX, g->limits->memory_max);

        if (r >= 0) {
                if (g->restore_limit_pending)
                        log_info("Service '%s': memory limit restored.", g->cfg->name);
                g->restore_limit_pending = false;
                return;
        }
        if (!g->restore_limit_pending)
                log_warning_errno(
                        r,
                        "Service '%s': cannot lower the memory limit back yet (usage above it: %m); "
                        "retrying when it falls or the service restarts.",
                        g->cfg->name);
        g->restore_limit_pending = true;
}

void guard_hook_restore(void *userdata) {
        Guard *g = userdata;
        bool v2 = guard_has_high(g);
        int r;

        if (g->clamped || (v2 && g->granted_mem)) {
                r = cg_service_set(g->cg, CG_KNOB_MEMORY_HIGH, g->limits->memory_high);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot restore memory.high: %m", /* layer-ok */
                                          g->cfg->name);
        } else if (g->granted_mem)
                guard_restore_hard_limit(g);
        if (g->granted_pids) {
                r = cg_service_set(g->cg, CG_KNOB_PIDS_MAX, g->limits->pids_max);
                if (r < 0)
                        log_warning_errno(r, "Service '%s': cannot restore pids.max: %m", g->cfg->name);
        }
        g->clamped = g->granted_mem = g->granted_pids = false;
}
