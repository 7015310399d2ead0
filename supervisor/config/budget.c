/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/units.h"
#include "config/budget.h"

_printf_(2, 3) static int fail(char reason[static BUDGET_TEXT_MAX], const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(reason, BUDGET_TEXT_MAX, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

int capture_budget_parse(const char *s, CaptureBudget *ret, char reason[static BUDGET_TEXT_MAX]) {
        CaptureBudget b = {};
        const char *p = s;

        if (!s || !ret)
                return -EINVAL;
        while (*p == ' ' || *p == '\t')
                p++;
        if (streq(p, "none")) {
                *ret = b;
                return 0;
        }
        while (*p) {
                char item[64], amount[32], u[UNIT_REASON_MAX];
                const char *end = strchr(p, ','), *slash;
                size_t len = end ? (size_t) (end - p) : strlen(p);
                BudgetLimit *l;

                while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                        len--;
                if (len == 0)
                        return fail(reason, "an empty item");
                if (len >= sizeof item)
                        return fail(reason, "item too long: %.40s", p);
                memcpy(item, p, len);
                item[len] = 0;
                if (b.n >= BUDGET_LIMITS_MAX)
                        return fail(reason, "more than 4 limits at '%s'", item);
                slash = strchr(item, '/');
                if (!slash || slash == item || !slash[1])
                        return fail(reason, "'%s' is not N/WINDOW or SIZE/WINDOW", item);
                if ((size_t) (slash - item) >= sizeof amount)
                        return fail(reason, "amount too long in '%s'", item);
                memcpy(amount, item, (size_t) (slash - item));
                amount[slash - item] = 0;
                l = &b.l[b.n];
                if (unit_parse_duration_reason(slash + 1, &l->window, u) < 0 || l->window == 0)
                        return fail(reason, "bad window in '%s'", item);
                if (amount[strspn(amount, "0123456789")] == 0) {
                        if (unit_parse_count(amount, BUDGET_LEDGER_MAX, &l->max) < 0 || l->max == 0)
                                return fail(reason, "the count in '%s' must be 1..256", item);
                        l->bytes = false;
                } else {
                        if (unit_parse_size(amount, &l->max) < 0 || l->max == 0)
                                return fail(reason, "bad size in '%s'", item);
                        l->bytes = true;
                }
                b.n++;
                if (!end)
                        break;
                p = end + 1;
                while (*p == ' ' || *p == '\t')
                        p++;
                if (!*p)
                        return fail(reason, "an empty item");
        }
        if (b.n == 0)
                return fail(reason, "empty (use none)");
        *ret = b;
        return 0;
}

char *capture_budget_format(const CaptureBudget *b, char buf[static BUDGET_TEXT_MAX]) {
        size_t o = 0;

        buf[0] = 0;
        if (!b || b->n == 0) {
                snprintf(buf, BUDGET_TEXT_MAX, "none");
                return buf;
        }
        for (size_t i = 0; i < b->n && o < BUDGET_TEXT_MAX; i++) {
                char a[UNIT_SIZE_MAX], w[UNIT_SIZE_MAX];
                if (b->l[i].bytes)
                        unit_format_size_short(a, b->l[i].max);
                else
                        snprintf(a, sizeof a, "%" PRIu64, b->l[i].max);
                unit_format_duration_short(w, b->l[i].window);
                o += (size_t) snprintf(buf + o, BUDGET_TEXT_MAX - o, "%s%s/%s", i ? ", " : "", a, w);
        }
        return buf;
}

bool capture_budget_equal(const CaptureBudget *a, const CaptureBudget *b) {
        if (a->n != b->n)
                return false;
        for (size_t i = 0; i < a->n; i++)
                if (a->l[i].bytes != b->l[i].bytes || a->l[i].max != b->l[i].max ||
                    a->l[i].window != b->l[i].window)
                        return false;
        return true;
}
