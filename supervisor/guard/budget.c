/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* heap_dump_budget counts the heap dumps apart: one spent leaves the dump
 * out of a capture that would hold one (the capture still runs, its
 * manifest says why: heap_dump skipped), heap_dumps_dropped counts it.
 *
 * capture_budget: a capture an observation asks for is dropped while the
 * service's budget or the host's ([supervisor] capture_budget, shared by
 * every guard) is spent. The first drop is logged, with when the budget
 * frees; the next ones are only counted (status captures_dropped, metric
 * cgwarden_service_captures_dropped_total) until a capture runs again. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/log.h"
#include "base/units.h"
#include "capture/store.h"
#include "guard/guard-internal.h"

/* One budget: true when it allows one more; else the drop is counted in
 * *dropped and, the first time since the last one taken (*dropping), logged. */
static bool check_one(Guard *g, const char *what, const char *reason, const char *whose, const char *key,
                      const CaptureBudget *b, const CaptureLedger *l, usec_t now, bool *dropping,
                      uint64_t *dropped, const char *counter) {
        char text[BUDGET_TEXT_MAX], lim[BUDGET_TEXT_MAX], in[UNIT_SIZE_MAX];
        usec_t free_at = USEC_INFINITY;
        int i;

        if (!b || b->n == 0 || !l)
                return true;
        i = capture_budget_check(b, l, now, &free_at);
        if (i < 0)
                return true;
        (*dropped)++;
        if (*dropping)
                return false;
        *dropping = true;
        capture_budget_format(&(CaptureBudget){ .n = 1, .l = { b->l[i] } }, lim);
        if (free_at == USEC_INFINITY)
                snprintf(in, sizeof in, "later");
        else
                unit_format_duration(in, ROUND_MS(free_at > now ? free_at - now : 0));
        log_warning("Service '%s': %s %s: %s %s %s (of %s) is spent; it frees in %s. Until one is taken "
                    "again, further drops are counted (%s), not logged.",
                    g->cfg->name, reason, what, whose, key, lim, capture_budget_format(b, text), in,
                    counter);
        return false;
}

bool guard_budget_allows(Guard *g, const char *reason) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        return check_one(g, "capture dropped", reason, "the service's", "capture_budget",
                         &g->cfg->capture_budget, g->ledger, now, &g->budget_dropping,
                         &g->n_captures_dropped, "captures_dropped") &&
               check_one(g, "capture dropped", reason, "the host's", "capture_budget", g->host_budget,
                         g->host_ledger, now, &g->budget_dropping, &g->n_captures_dropped,
                         "captures_dropped");
}

void guard_budget_record(Guard *g) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        g->budget_dropping = false;
        if (g->cfg->capture_budget.n > 0 && !g->ledger)
                g->ledger = calloc(1, sizeof *g->ledger);
        g->ledger_slot = g->ledger ? capture_ledger_add(g->ledger, now) : SIZE_MAX;
        g->host_slot = g->host_ledger && g->host_budget && g->host_budget->n > 0
                               ? capture_ledger_add(g->host_ledger, now)
                               : SIZE_MAX;
}

bool guard_heap_budget_allows(Guard *g, const char *reason) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        return check_one(g, "capture without its heap dump", reason, "the service's", "heap_dump_budget",
                         &g->cfg->heap_dump_budget, g->heap_ledger, now, &g->heap_dropping,
                         &g->n_heap_dumps_dropped, "heap_dumps_dropped") &&
               check_one(g, "capture without its heap dump", reason, "the host's", "heap_dump_budget",
                         g->host_heap_budget, g->host_heap_ledger, now, &g->heap_dropping,
                         &g->n_heap_dumps_dropped, "heap_dumps_dropped");
}

/* The heap dump a finished capture holds (capture/steps.c moves it in as
 * heap.hprof.gz or heap.hprof): its size, 0 when none. */
static uint64_t heap_dump_bytes(const char *path) {
        static const char *const names[] = { "heap.hprof.gz", "heap.hprof" };
        char p[PATH_MAX];
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                snprintf(p, sizeof p, "%s/%s", path, names[i]);
                if (lstat(p, &st) >= 0 && S_ISREG(st.st_mode))
                        return (uint64_t) st.st_blocks * 512;
        }
        return 0;
}

/* A heap dump is counted in heap_dump_budget alone: its bytes are not the
 * capture's in capture_budget. Manual captures' dumps count too (the disk
 * is the same), though no budget stops a manual one. */
void guard_budget_finished(Guard *g, const char *path) {
        usec_t now = now_usec(CLOCK_MONOTONIC);
        uint64_t bytes, heap = heap_dump_bytes(path);

        if (heap > 0) {
                g->heap_dropping = false;
                if (g->cfg->heap_dump_budget.n > 0 && !g->heap_ledger)
                        g->heap_ledger = calloc(1, sizeof *g->heap_ledger);
                if (g->heap_ledger)
                        capture_ledger_set_bytes(g->heap_ledger, capture_ledger_add(g->heap_ledger, now),
                                                 heap);
                if (g->host_heap_ledger && g->host_heap_budget && g->host_heap_budget->n > 0)
                        capture_ledger_set_bytes(g->host_heap_ledger,
                                                 capture_ledger_add(g->host_heap_ledger, now), heap);
        }
        if (g->ledger_slot == SIZE_MAX && g->host_slot == SIZE_MAX)
                return;
        bytes = capture_store_size(path);
        bytes = bytes > heap ? bytes - heap : 0;
        if (g->ledger && g->ledger_slot != SIZE_MAX)
                capture_ledger_set_bytes(g->ledger, g->ledger_slot, bytes);
        if (g->host_ledger && g->host_slot != SIZE_MAX)
                capture_ledger_set_bytes(g->host_ledger, g->host_slot, bytes);
        g->ledger_slot = g->host_slot = SIZE_MAX;
}
