/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capture budgets (capture_budget = 3/1h, 2G/1d): at most N captures and
 * M bytes of them per sliding window, per service and per host, so that a
 * storm of triggers cannot evict the first, most telling captures or fill
 * the disk. The value and its parser; the ledger and the decision are in
 * policies/budget.h. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

#define BUDGET_LIMITS_MAX 4
/* the ledger's depth: a count limit above it is refused */
#define BUDGET_LEDGER_MAX 256
#define BUDGET_TEXT_MAX 96

typedef struct BudgetLimit {
        bool bytes; /* max is bytes (SIZE/WINDOW), else captures (N/WINDOW) */
        uint64_t max;
        usec_t window;
} BudgetLimit;

typedef struct CaptureBudget {
        size_t n; /* 0: none */
        BudgetLimit l[BUDGET_LIMITS_MAX];
} CaptureBudget;

/* "none", or a comma-separated list of N/WINDOW and SIZE/WINDOW
 * ("3/1h, 2G/1d"). Returns 0, or -EINVAL with a reason. */
int capture_budget_parse(const char *s, CaptureBudget *ret, char reason[static BUDGET_TEXT_MAX]);
/* "3/1h, 2G/1d" or "none". */
char *capture_budget_format(const CaptureBudget *b, char buf[static BUDGET_TEXT_MAX]);
bool capture_budget_equal(const CaptureBudget *a, const CaptureBudget *b);
