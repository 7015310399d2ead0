/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* capture_budget: a capture an observation asks for is dropped while the
 * service's budget or the host's ([supervisor] capture_budget, shared by
 * every guard) is spent. The first drop is logged, with when the budget
 * frees; the next ones are only counted (status captures_dropped, metric
 * cgwarden_service_captures_dropped_total) until a capture runs again. */
#include <stdlib.h>

#include "base/log.h"
#include "base/units.h"
#include "capture/store.h"
#include "guard/guard-internal.h"

static bool check_one(Guard *g, const char *reason, const char *whose, const CaptureBudget *b,
                      const CaptureLedger *l, usec_t now) {
        char text[BUDGET_TEXT_MAX], lim[BUDGET_TEXT_MAX], in[UNIT_SIZE_MAX];
        usec_t free_at = USEC_INFINITY;
        int i;

        if (!b || b->n == 0 || !l)
                return true;
        i = capture_budget_check(b, l, now, &free_at);
        if (i < 0)
                return true;
        g->n_captures_dropped++;
        if (g->budget_dropping)
                return false;
        g->budget_dropping = true;
        capture_budget_format(&(CaptureBudget){ .n = 1, .l = { b->l[i] } }, lim);
        if (free_at == USEC_INFINITY)
                snprintf(in, sizeof in, "later");
        else
                unit_format_duration(in, ROUND_MS(free_at > now ? free_at - now : 0));
        log_warning("Service '%s': %s capture dropped: %s capture_budget %s (of %s) is spent; it frees in "
                    "%s. Until a capture runs again, further drops are counted (captures_dropped), not "
                    "logged.",
                    g->cfg->name, reason, whose, lim, capture_budget_format(b, text), in);
        return false;
}

bool guard_budget_allows(Guard *g, const char *reason) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        return check_one(g, reason, "the service's", &g->cfg->capture_budget, g->ledger, now) &&
               check_one(g, reason, "the host's", g->host_budget, g->host_ledger, now);
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

void guard_budget_finished(Guard *g, const char *path) {
        uint64_t bytes;

        if (g->ledger_slot == SIZE_MAX && g->host_slot == SIZE_MAX)
                return;
        bytes = capture_store_size(path);
        if (g->ledger && g->ledger_slot != SIZE_MAX)
                capture_ledger_set_bytes(g->ledger, g->ledger_slot, bytes);
        if (g->host_ledger && g->host_slot != SIZE_MAX)
                capture_ledger_set_bytes(g->host_ledger, g->host_slot, bytes);
        g->ledger_slot = g->host_slot = SIZE_MAX;
}
