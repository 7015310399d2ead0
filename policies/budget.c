/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "budget.h"

static size_t slot_of(const CaptureLedger *l, size_t k) { /* k-th oldest */
        return (l->head + BUDGET_LEDGER_MAX - l->n + k) % BUDGET_LEDGER_MAX;
}

int capture_budget_check(const CaptureBudget *b, const CaptureLedger *l, usec_t now, usec_t *ret_free_at) {
        if (!b || !l)
                return -1;
        for (size_t i = 0; i < b->n; i++) {
                const BudgetLimit *lim = &b->l[i];
                usec_t since = now > lim->window ? now - lim->window : 0;
                uint64_t count = 0, sum = 0;
                size_t first = l->n;

                for (size_t k = 0; k < l->n; k++) {
                        size_t s = slot_of(l, k);
                        if (l->t[s] <= since && now >= lim->window)
                                continue;
                        if (first == l->n)
                                first = k;
                        count++;
                        sum += l->bytes[s];
                }
                if (!lim->bytes && count >= lim->max) {
                        /* one frees when the (count - max + 1)-th oldest in the window leaves it */
                        if (ret_free_at)
                                *ret_free_at =
                                        l->t[slot_of(l, first + (size_t) (count - lim->max))] + lim->window;
                        return (int) i;
                }
                if (lim->bytes && sum >= lim->max) {
                        uint64_t left = sum;
                        usec_t at = USEC_INFINITY;
                        /* the oldest leave first: when enough have left, one more fits */
                        for (size_t k = first; k < l->n; k++) {
                                size_t s = slot_of(l, k);
                                left -= l->bytes[s];
                                if (left < lim->max) {
                                        at = l->t[s] + lim->window;
                                        break;
                                }
                        }
                        if (ret_free_at)
                                *ret_free_at = at;
                        return (int) i;
                }
        }
        return -1;
}

size_t capture_ledger_add(CaptureLedger *l, usec_t now) {
        size_t s = l->head;

        l->t[s] = now;
        l->bytes[s] = 0;
        l->head = (l->head + 1) % BUDGET_LEDGER_MAX;
        if (l->n < BUDGET_LEDGER_MAX)
                l->n++;
        return s;
}

void capture_ledger_set_bytes(CaptureLedger *l, size_t slot, uint64_t bytes) {
        if (l && slot < BUDGET_LEDGER_MAX)
                l->bytes[slot] = bytes;
}
