/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config/budget.h"
#include "policies/budget.h"

#define S USEC_PER_SEC
#define MIN_ (60 * S)
#define HOUR USEC_PER_HOUR

static void test_parse(void **state) {
        char reason[BUDGET_TEXT_MAX], text[BUDGET_TEXT_MAX];
        CaptureBudget b;

        assert_int_equal(capture_budget_parse("3/1h, 2G/1d", &b, reason), 0);
        assert_int_equal(b.n, 2);
        assert_false(b.l[0].bytes);
        assert_int_equal(b.l[0].max, 3);
        assert_true(b.l[0].window == HOUR);
        assert_true(b.l[1].bytes);
        assert_true(b.l[1].max == (UINT64_C(2) << 30));
        assert_true(b.l[1].window == 24 * HOUR);
        assert_string_equal(capture_budget_format(&b, text), "3/1h, 2.0G/1d");

        assert_int_equal(capture_budget_parse("none", &b, reason), 0);
        assert_int_equal(b.n, 0);
        assert_string_equal(capture_budget_format(&b, text), "none");
        assert_int_equal(capture_budget_parse("  10/5min,500M/1h  ", &b, reason), 0);
        assert_int_equal(b.n, 2);

        /* refused, with a reason */
        static const char *const bad[] = { "",           "3",      "/1h",       "3/",
                                           "0/1h",       "257/1h", "3/0",       "3/1h,",
                                           "3/1h,,2/1d", "x/1h",   "3/forever", "1/1h,1/1h,1/1h,1/1h,1/1h",
                                           "3/1h 2G/1d" };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
                reason[0] = 0;
                assert_int_equal(capture_budget_parse(bad[i], &b, reason), -EINVAL);
                assert_true(reason[0] != 0);
        }
}

static void test_count(void **state) {
        char reason[BUDGET_TEXT_MAX];
        CaptureLedger l = {};
        CaptureBudget b;
        usec_t free_at = 0;

        assert_int_equal(capture_budget_parse("3/1h", &b, reason), 0);
        /* a storm: 50 triggers in a minute */
        size_t allowed = 0;
        for (usec_t t = 10 * S; t < 10 * S + MIN_; t += MIN_ / 50)
                if (capture_budget_check(&b, &l, t, NULL) < 0) {
                        capture_ledger_add(&l, t);
                        allowed++;
                }
        assert_int_equal(allowed, 3);
        assert_int_equal(capture_budget_check(&b, &l, 10 * S + MIN_, &free_at), 0);
        /* the oldest (at 10 s) leaves the window at 1h + 10 s */
        assert_true(free_at == 10 * S + HOUR);
        assert_int_equal(capture_budget_check(&b, &l, 10 * S + HOUR - 1, NULL), 0);
        assert_int_equal(capture_budget_check(&b, &l, 10 * S + HOUR + 1, NULL), -1);
}

static void test_bytes(void **state) {
        char reason[BUDGET_TEXT_MAX];
        CaptureLedger l = {};
        CaptureBudget b;
        usec_t free_at = 0;
        size_t s;

        assert_int_equal(capture_budget_parse("10/1h, 1G/1d", &b, reason), 0);
        s = capture_ledger_add(&l, 1 * HOUR);
        capture_ledger_set_bytes(&l, s, UINT64_C(600) << 20);
        assert_int_equal(capture_budget_check(&b, &l, 2 * HOUR, NULL), -1);
        s = capture_ledger_add(&l, 2 * HOUR);
        capture_ledger_set_bytes(&l, s, UINT64_C(500) << 20);
        /* 1100M in the day: the byte limit (index 1) */
        assert_int_equal(capture_budget_check(&b, &l, 3 * HOUR, &free_at), 1);
        /* it frees when the 600M one leaves the day */
        assert_true(free_at == 25 * HOUR);
        assert_int_equal(capture_budget_check(&b, &l, 25 * HOUR + 1, NULL), -1);
        /* a capture still running counts 0 bytes until it is finished */
        s = capture_ledger_add(&l, 25 * HOUR + 2);
        assert_int_equal(capture_budget_check(&b, &l, 25 * HOUR + 3, NULL), -1);
}

static void test_ledger_wraps(void **state) {
        char reason[BUDGET_TEXT_MAX];
        CaptureLedger l = {};
        CaptureBudget b;

        assert_int_equal(capture_budget_parse("256/1h", &b, reason), 0);
        for (usec_t t = 1; t <= 1000; t++)
                capture_ledger_add(&l, t * S);
        assert_int_equal(l.n, BUDGET_LEDGER_MAX);
        /* the newest 256 are kept: all in the hour */
        assert_int_equal(capture_budget_check(&b, &l, 1001 * S, NULL), 0);
        assert_int_equal(capture_budget_check(&b, &l, 1000 * S + HOUR - 255 * S, NULL), -1);
}

static void test_empty(void **state) {
        CaptureLedger l = {};
        CaptureBudget none = {};

        assert_int_equal(capture_budget_check(&none, &l, 5 * S, NULL), -1);
        assert_int_equal(capture_budget_check(NULL, &l, 5 * S, NULL), -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse), cmocka_unit_test(test_count),
                cmocka_unit_test(test_bytes), cmocka_unit_test(test_ledger_wraps),
                cmocka_unit_test(test_empty),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
