/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "policies/backoff.h"

#define S USEC_PER_SEC
#define MS USEC_PER_MSEC

static void test_delay_doubles_and_caps(void **state) {
        assert_int_equal(backoff_delay(1 * S, 60 * S, 0), 0);
        assert_int_equal(backoff_delay(1 * S, 60 * S, 1), 1 * S);
        assert_int_equal(backoff_delay(1 * S, 60 * S, 2), 2 * S);
        assert_int_equal(backoff_delay(1 * S, 60 * S, 3), 4 * S);
        assert_int_equal(backoff_delay(1 * S, 60 * S, 6), 32 * S);
        assert_int_equal(backoff_delay(1 * S, 60 * S, 7), 60 * S);
        assert_int_equal(backoff_delay(1 * S, 60 * S, 1000), 60 * S);
        assert_int_equal(backoff_delay(100 * MS, 2 * S, 5), 1600 * MS);
        assert_int_equal(backoff_delay(100 * MS, 2 * S, 6), 2 * S);
}

static void test_delay_saturates(void **state) {
        /* huge values never overflow */
        assert_int_equal(backoff_delay(USEC_INFINITY / 2, USEC_INFINITY, 3), USEC_INFINITY);
        assert_int_equal(backoff_delay(5 * S, 1 * S, 1), 1 * S); /* base above max */
        assert_int_equal(backoff_delay(0, 10 * S, 50), 0);
}

static void test_start_limit(void **state) {
        StartLimit l;

        start_limit_init(&l, 3, 10 * S);
        assert_false(start_limit_hit(&l, 0));
        assert_int_equal(start_limit_record(&l, 1 * S), 0);
        assert_int_equal(start_limit_record(&l, 2 * S), 0);
        assert_false(start_limit_hit(&l, 3 * S));
        assert_int_equal(start_limit_record(&l, 3 * S), 0);
        assert_true(start_limit_hit(&l, 3 * S)); /* 3 starts within 10 s */
        assert_true(start_limit_hit(&l, 10 * S)); /* first start 9 s ago */
        assert_false(start_limit_hit(&l, 11 * S)); /* first start slid out */
        assert_int_equal(start_limit_record(&l, 11 * S), 0); /* overwrites oldest (1 s) */
        assert_true(start_limit_hit(&l, 11 * S)); /* 2, 3, 11 */
        assert_false(start_limit_hit(&l, 12 * S)); /* 2 slid out */
        start_limit_reset(&l);
        assert_false(start_limit_hit(&l, 12 * S));
        start_limit_done(&l);
}

static void test_start_limit_off(void **state) {
        StartLimit l;

        start_limit_init(&l, 0, 10 * S);
        for (int i = 0; i < 100; i++)
                assert_int_equal(start_limit_record(&l, (usec_t) i), 0);
        assert_false(start_limit_hit(&l, 100));
        start_limit_done(&l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_delay_doubles_and_caps),
                cmocka_unit_test(test_delay_saturates),
                cmocka_unit_test(test_start_limit),
                cmocka_unit_test(test_start_limit_off),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
