/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A JVM's telemetry without attach: its hsperfdata counters
 * (jvm/perfdata.h), read every sample_interval from the file the JVM
 * keeps (found once, then read through the same fd), and what they show:
 *
 *   heap-leak    the old generation after its collections (a collector
 *                other than the first, the young one, ran since the last
 *                sample) trends up over leak_window: at least 4 such
 *                points over a quarter of it or more, none below the one
 *                before by more than 2 %, the
 *                last at least 1 MiB and 5 % above the first; the slope by
 *                least squares gives the time until the old generation's
 *                maximum (seed 002: the client list that filled it).
 *   gc-overhead  the collectors' time over the last gc_overhead_at window
 *                is that share of it or more (seed 004: full GCs eating
 *                the CPU); observed again only once the share fell below
 *                half of it.
 *
 * Works when attach does not (-XX:+DisableAttachMechanism); a JVM with
 * -XX:-UsePerfData has no file: looked for a while, then said once. */
#include <fcntl.h>
#include <unistd.h>

#include "base/log.h"
#include "base/procfs.h"
#include "base/units.h"
#include "guard/guard-internal.h"
#include "jvm/perfdata.h"

/* the file appears once the JVM is up: looked for at each sample for
 * the first 20 samples, then every 10 s */
#define TELE_FIND_FAST 20U
#define TELE_FIND_SLOW_USEC (10 * USEC_PER_SEC)
#define HEAP_LEAK_MIN_POINTS 4U

typedef struct TelePoint {
        usec_t t; /* CLOCK_MONOTONIC */
        uint64_t v;
} TelePoint;

/* Rings: the last ELEMENTSOF() points, n written so far. */
struct TeleRings {
        TelePoint gc[64]; /* (time, GC time) */
        size_t n_gc;
        TelePoint old[32]; /* (time, old generation used after an old collection) */
        size_t n_old;
};

static int on_tele_timer(sd_event_source *src, uint64_t usec, void *userdata);

static void tele_arm(Guard *g, usec_t after) {
        if (!g->tele_timer) {
                if (sd_event_add_time_relative(g->event, &g->tele_timer, CLOCK_MONOTONIC, after,
                                               after / 10 + USEC_PER_MSEC, on_tele_timer, g) < 0)
                        return;
                (void) sd_event_source_set_description(g->tele_timer, "jvm-telemetry");
                return;
        }
        (void) sd_event_source_set_time_relative(g->tele_timer, after);
        (void) sd_event_source_set_enabled(g->tele_timer, SD_EVENT_ONESHOT);
}

void guard_telemetry_stop(Guard *g) {
        if (g->tele_timer)
                (void) sd_event_source_set_enabled(g->tele_timer, SD_EVENT_OFF);
        g->tele_fd = safe_close(g->tele_fd);
        watch_set_jvm_heap(g->watch, UINT64_MAX, UINT64_MAX);
}

void guard_telemetry_start(Guard *g) {
        guard_telemetry_stop(g);
        g->tele_tries = 0;
        if (g->tele_rings)
                g->tele_rings->n_gc = g->tele_rings->n_old = 0;
        g->tele_gc_over = g->tele_leak_said = false;
        g->tele_old_colls = UINT64_MAX;
        g->tele_old_max = 0;
        g->tele_have = false;
        if (guard_pid(g) <= 0 || !jvm_is_launcher(guard_process(g).exe))
                return;
        tele_arm(g, g->cfg->sample_interval);
}

/* The old generation's maximum: constant, read once with the file. */
static void tele_read_max(Guard *g) {
        _cleanup_free_ uint8_t *buf = NULL;
        PerfData pd;
        PerfEntry e;
        size_t n;

        if (perfdata_read_fd(g->tele_fd, &buf, &n) < 0 || perfdata_parse_prologue(buf, n, &pd) < 0)
                return;
        if (perfdata_find(&pd, "sun.gc.generation.1.maxCapacity", &e) >= 0 && e.type == 'J' && e.value > 0)
                g->tele_old_max = (uint64_t) e.value;
}

static bool tele_open(Guard *g) {
        GuardProcess p = guard_process(g);
        ProcStatus st;
        pid_t ns_pid = p.pid;
        int fd;

        if (procfs_read_status(NULL, p.pid, &st) >= 0 && (st.have & PROC_STATUS_HAVE_NSTGID) &&
            st.nstgid_last > 0)
                ns_pid = st.nstgid_last;
        fd = perfdata_open_file(NULL, p.pid, ns_pid, p.uid);
        if (fd < 0) {
                if (++g->tele_tries == TELE_FIND_FAST)
                        log_info("Service '%s': no hsperfdata file for process %d after %u looks "
                                 "(-XX:-UsePerfData?): "
                                 "no heap-leak or gc-overhead observations until it appears.",
                                 g->cfg->name, (int) p.pid, TELE_FIND_FAST);
                return false;
        }
        /* without them (out of memory) the counters are still read and
         * shown, only gc-overhead and heap-leak are not observed */
        if (!g->tele_rings) {
                g->tele_rings = calloc(1, sizeof *g->tele_rings);
                if (!g->tele_rings)
                        (void) log_oom();
        }
        g->tele_fd = fd;
        tele_read_max(g);
        log_debug("Service '%s': reading the JVM's hsperfdata counters.", g->cfg->name);
        return true;
}

static void gc_overhead_check(Guard *g, usec_t now, const PerfSummary *s) {
        usec_t window = g->cfg->gc_overhead_window, t0 = 0;
        uint64_t gc0 = 0;
        bool found = false;
        char what[400], a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX], c[UNIT_SIZE_MAX], d[UNIT_SIZE_MAX];
        TeleRings *r = g->tele_rings;
        size_t cap = ELEMENTSOF(r->gc);

        if (g->cfg->gc_overhead_bp == 0 || !(s->have & PERF_HAVE_GC) || !r)
                return;
        /* a point every window/32, the last ones kept */
        if (r->n_gc == 0 || now - r->gc[(r->n_gc - 1) % cap].t >= window / 32) {
                r->gc[r->n_gc % cap] = (TelePoint){ now, s->gc_time_usec };
                r->n_gc++;
        }
        /* the newest point at least a window old */
        for (size_t k = 0; k < MIN(r->n_gc, cap); k++) {
                const TelePoint *p = &r->gc[(r->n_gc - 1 - k) % cap];
                if (now - p->t >= window) {
                        t0 = p->t;
                        gc0 = p->v;
                        found = true;
                        break;
                }
        }
        if (!found || now <= t0 || s->gc_time_usec < gc0)
                return;
        {
                uint64_t gc = s->gc_time_usec - gc0, wall = now - t0;
                uint64_t bp = gc * 10000 / wall;

                if (g->tele_gc_over) {
                        if (bp < g->cfg->gc_overhead_bp / 2)
                                g->tele_gc_over = false;
                        return;
                }
                if (bp < g->cfg->gc_overhead_bp)
                        return;
                g->tele_gc_over = true;
                snprintf(what, sizeof what,
                         "the collectors took %" PRIu64 ".%02" PRIu64 "%% of the last %s (%s in GC); old "
                         "generation %s of %s; last cause: %s",
                         bp / 100, bp % 100, unit_format_duration(a, wall / USEC_PER_MSEC * USEC_PER_MSEC),
                         unit_format_duration(b, gc / USEC_PER_MSEC * USEC_PER_MSEC),
                         unit_format_size(c, s->old_used_bytes),
                         unit_format_size(d, g->tele_old_max ?: s->old_capacity_bytes),
                         s->last_cause[0] ? s->last_cause : "unknown");
        }
        (void) log_service_event(LOG_WARNING, watch_message_id(EVENT_GC_OVERHEAD), g->cfg->name,
                                 "gc-overhead", NULL, "Observation gc-overhead for '%s': %s.", g->cfg->name,
                                 what);
        guard_report(g, EVENT_GC_OVERHEAD, what, false);
}

static void heap_leak_check(Guard *g, usec_t now, const PerfSummary *s) {
        TeleRings *r = g->tele_rings;
        uint64_t colls = 0;
        size_t cap = ELEMENTSOF(r->old), n, first;
        double st = 0, sv = 0, stt = 0, stv = 0, slope;
        char what[400], a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX], c[UNIT_SIZE_MAX], d[UNIT_SIZE_MAX],
                e[UNIT_SIZE_MAX], f[UNIT_SIZE_MAX];
        const TelePoint *p0, *pl;

        if (!(s->have & PERF_HAVE_OLD) || !(s->have & PERF_HAVE_GC) || !r)
                return;
        for (size_t i = 1; i < PERF_COLLECTORS_MAX; i++)
                if (s->collectors[i].present)
                        colls += s->collectors[i].invocations;
        if (g->tele_old_colls == UINT64_MAX || colls == g->tele_old_colls) {
                g->tele_old_colls = colls;
                return;
        }
        g->tele_old_colls = colls;
        r->old[r->n_old % cap] = (TelePoint){ now, s->old_used_bytes };
        r->n_old++;
        if (g->tele_leak_said)
                return;
        /* the points within leak_window, oldest first */
        n = MIN(r->n_old, cap);
        first = r->n_old - n;
        while (n > 0 && now - r->old[first % cap].t > g->cfg->leak_window) {
                first++;
                n--;
        }
        if (n < HEAP_LEAK_MIN_POINTS)
                return;
        for (size_t k = 1; k < n; k++) {
                uint64_t prev = r->old[(first + k - 1) % cap].v, cur = r->old[(first + k) % cap].v;
                if (cur < prev - prev / 50)
                        return;
        }
        p0 = &r->old[first % cap];
        pl = &r->old[(first + n - 1) % cap];
        /* a trend over a quarter of the window at least: a backlog that
         * fills the heap in seconds is pre-oom's (and throttle's), not a
         * leak */
        if (pl->t - p0->t < g->cfg->leak_window / 4)
                return;
        if (pl->v < p0->v + MAX((uint64_t) 1 << 20, p0->v / 20))
                return;
        for (size_t k = 0; k < n; k++) {
                const TelePoint *p = &r->old[(first + k) % cap];
                double t = (double) (p->t - p0->t) / USEC_PER_SEC, v = (double) p->v;
                st += t;
                sv += v;
                stt += t * t;
                stv += t * v;
        }
        if (n * stt - st * st <= 0)
                return;
        slope = (n * stv - st * sv) / (n * stt - st * st); /* bytes per second */
        if (slope <= 0)
                return;
        g->tele_leak_said = true;
        {
                uint64_t max = g->tele_old_max ?: s->old_capacity_bytes;
                usec_t eta = max > pl->v ? (usec_t) ((double) (max - pl->v) / slope * USEC_PER_SEC) : 0;
                snprintf(what, sizeof what,
                         "the old generation after its collections grew from %s to %s over %s (%zu "
                         "collections, %s/min); at this rate it reaches its max %s in %s",
                         unit_format_size(a, p0->v), unit_format_size(b, pl->v),
                         unit_format_duration(c, (pl->t - p0->t) / USEC_PER_SEC * USEC_PER_SEC), n,
                         unit_format_size(d, (uint64_t) (slope * 60)), unit_format_size(e, max),
                         unit_format_duration(f, eta / USEC_PER_SEC * USEC_PER_SEC));
        }
        (void) log_service_event(LOG_WARNING, watch_message_id(EVENT_HEAP_LEAK), g->cfg->name, "heap-leak",
                                 NULL, "Observation heap-leak for '%s': %s.", g->cfg->name, what);
        guard_report(g, EVENT_HEAP_LEAK, what, false);
}

/* What status and metrics show of the last read */
static void tele_keep(Guard *g, const PerfSummary *s) {
        bool heap = s->have & PERF_HAVE_HEAP, old = s->have & PERF_HAVE_OLD, gc = s->have & PERF_HAVE_GC;

        g->tele.heap_used = heap ? s->heap_used_bytes : UINT64_MAX;
        g->tele.heap_committed = heap ? s->heap_capacity_bytes : UINT64_MAX;
        g->tele.old_used = old ? s->old_used_bytes : UINT64_MAX;
        g->tele.old_committed = old ? s->old_capacity_bytes : UINT64_MAX;
        g->tele.metaspace_used = s->have & PERF_HAVE_METASPACE ? s->metaspace_used_bytes : UINT64_MAX;
        g->tele.gc_count = gc ? s->gc_invocations : UINT64_MAX;
        g->tele.gc_time_usec = gc ? s->gc_time_usec : UINT64_MAX;
        g->tele.threads = s->have & PERF_HAVE_THREADS ? s->threads_live : UINT64_MAX;
        /* and the history's heap columns */
        watch_set_jvm_heap(g->watch, g->tele.heap_used, g->tele.old_used);
}

static int on_tele_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Guard *g = userdata;
        PerfSummary s;
        usec_t now;
        int r;

        if (guard_pid(g) <= 0)
                return 0;
        if (g->tele_fd < 0 && !tele_open(g)) {
                tele_arm(g, g->tele_tries < TELE_FIND_FAST ? g->cfg->sample_interval : TELE_FIND_SLOW_USEC);
                return 0;
        }
        r = perfdata_summarize_fd(g->tele_fd, now_usec(CLOCK_REALTIME), &s);
        if (r == -ESTALE)
                g->tele_fd = safe_close(g->tele_fd); /* another JVM: find its file */
        if (r >= 0) {
                now = now_usec(CLOCK_MONOTONIC);
                tele_keep(g, &s);
                g->tele_have = true;
                gc_overhead_check(g, now, &s);
                heap_leak_check(g, now, &s);
        }
        tele_arm(g, g->cfg->sample_interval);
        return 0;
}
