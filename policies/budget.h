/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The capture budget's ledger and decision (config/budget.h is the value):
 * when each recent capture started and how large it turned out. Pure:
 * time comes in as an argument. */

#include "config/budget.h"

typedef struct CaptureLedger {
        usec_t t[BUDGET_LEDGER_MAX]; /* start of each capture; the oldest is n slots before head */
        uint64_t bytes[BUDGET_LEDGER_MAX];
        size_t head, n;
} CaptureLedger;

/* May one more capture start at now? Returns -1 if so; else the index of
 * the first limit reached, with *ret_free_at (may be NULL) the time from
 * which that limit would allow one again (the captures leaving its window;
 * USEC_INFINITY when it cannot tell). */
int capture_budget_check(const CaptureBudget *b, const CaptureLedger *l, usec_t now, usec_t *ret_free_at);

/* A capture started at now (times must not go backwards); returns its
 * slot, for capture_ledger_set_bytes() when it is finished. The oldest
 * entry makes room when the ledger is full. */
size_t capture_ledger_add(CaptureLedger *l, usec_t now);
void capture_ledger_set_bytes(CaptureLedger *l, size_t slot, uint64_t bytes);
