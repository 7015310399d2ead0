/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/units.h"

#define K (UINT64_C(1) << 10)
#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)
#define T (UINT64_C(1) << 40)

static void test_size_valid(void **state) {
        static const struct {
                const char *s;
                uint64_t v;
        } ok[] = {
                { "0", 0 },
                { "4096", 4096 },
                { "4096B", 4096 },
                { "1K", K },
                { "512M", 512 * M },
                { "5G", 5 * G },
                { "2T", 2 * T },
                { "1.5G", 3 * G / 2 },
                { "0.5K", 512 },
                { "1.0001K", 1024 }, /* 1024.1024 truncated */
                { "007M", 7 * M },
                { "16777215T", 16777215 * T },
                { "18446744073709551615", UINT64_MAX },
                { "0.000000000000000000001T", 0 }, /* digits past 18 are dropped */
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t v = 42;

                if (unit_parse_size(ok[i].s, &v) != 0)
                        fail_msg("'%s' rejected", ok[i].s);
                if (v != ok[i].v)
                        fail_msg("'%s' gave %" PRIu64 ", want %" PRIu64, ok[i].s, v, ok[i].v);
        }
}

static void test_size_invalid(void **state) {
        static const struct {
                const char *s;
                int r;
                const char *reason;
        } bad[] = {
                { "", -EINVAL, "empty value" },
                { "-1", -EINVAL, "negative values are not allowed" },
                { "1.5.5", -EINVAL, "malformed number" },
                { "10 M", -EINVAL, "unexpected whitespace" },
                { " 10M", -EINVAL, "unexpected whitespace" },
                { "10M\n", -EINVAL, "unexpected whitespace" },
                { "0x10", -EINVAL, "hexadecimal numbers are not supported" },
                { "12Q", -EINVAL, "unknown unit 'Q'" },
                { "512MB", -EINVAL, "unknown unit 'MB'" },
                { "512m", -EINVAL, "unknown unit 'm'" },
                { "1.5", -EINVAL, "a fraction needs a unit (K, M, G or T)" },
                { "1.5B", -EINVAL, "a fraction needs a unit (K, M, G or T)" },
                { "1.G", -EINVAL, "malformed number" },
                { ".5G", -EINVAL, "expected a number" },
                { "+5G", -EINVAL, "expected a number" },
                { "G", -EINVAL, "expected a number" },
                { "1e3", -EINVAL, "unknown unit 'e3'" },
                { "18446744073709551616", -ERANGE, "value too large" },
                { "16777216T", -ERANGE, "value too large" },
                { "99999999999999999999999", -ERANGE, "value too large" },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char reason[UNIT_REASON_MAX] = "untouched";
                uint64_t v = 42;
                int r;

                r = unit_parse_size_reason(bad[i].s, &v, reason);
                if (r != bad[i].r)
                        fail_msg("'%s' gave %d, want %d", bad[i].s, r, bad[i].r);
                assert_int_equal(v, 42); /* ret untouched on failure */
                if (strcmp(reason, bad[i].reason) != 0)
                        fail_msg("'%s': reason '%s', want '%s'", bad[i].s, reason, bad[i].reason);
                assert_int_equal(unit_parse_size(bad[i].s, &v), bad[i].r);
        }
}

static void test_duration(void **state) {
        static const struct {
                const char *s;
                usec_t v;
        } ok[] = {
                { "0", 0 },
                { "30", 30 * USEC_PER_SEC },
                { "1.5", 1500 * USEC_PER_MSEC },
                { "500us", 500 },
                { "250ms", 250 * USEC_PER_MSEC },
                { "30s", 30 * USEC_PER_SEC },
                { "10min", 10 * USEC_PER_MINUTE },
                { "2h", 2 * USEC_PER_HOUR },
                { "1d", 24 * USEC_PER_HOUR },
                { "1h30min", USEC_PER_HOUR + 30 * USEC_PER_MINUTE },
                { "1s500ms", 1500 * USEC_PER_MSEC },
                { "1.5s", 1500 * USEC_PER_MSEC },
                { "0.0000001s", 0 },
        };
        static const struct {
                const char *s;
                int r;
                const char *reason;
        } bad[] = {
                { "", -EINVAL, "empty value" },
                { "-1s", -EINVAL, "negative values are not allowed" },
                { "10 s", -EINVAL, "unexpected whitespace" },
                { "1h 30min", -EINVAL, "unexpected whitespace" },
                { "5m", -EINVAL, "unknown unit 'm'" },
                { "5sec", -EINVAL, "unknown unit 'sec'" },
                { "1h30", -EINVAL, "missing unit after the last number" },
                { "1.5.5s", -EINVAL, "malformed number" },
                { "0x10s", -EINVAL, "hexadecimal numbers are not supported" },
                { "s", -EINVAL, "expected a number" },
                { "5%", -EINVAL, "unknown unit '%'" },
                { "213503983d", -ERANGE, "value too large" },
                { "18446744073709551615us", -ERANGE, "value too large" },
                { "99999999999999999999s", -ERANGE, "value too large" },
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                usec_t v = 42;

                if (unit_parse_duration(ok[i].s, &v) != 0)
                        fail_msg("'%s' rejected", ok[i].s);
                if (v != ok[i].v)
                        fail_msg("'%s' gave %" PRIu64 ", want %" PRIu64, ok[i].s, v, ok[i].v);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char reason[UNIT_REASON_MAX] = "";
                usec_t v = 42;
                int r;

                r = unit_parse_duration_reason(bad[i].s, &v, reason);
                if (r != bad[i].r)
                        fail_msg("'%s' gave %d, want %d", bad[i].s, r, bad[i].r);
                assert_int_equal(v, 42);
                if (strcmp(reason, bad[i].reason) != 0)
                        fail_msg("'%s': reason '%s', want '%s'", bad[i].s, reason, bad[i].reason);
        }
}

static void test_percent(void **state) {
        char reason[UNIT_REASON_MAX];
        uint32_t bp = 42;

        assert_int_equal(unit_parse_percent("90%", false, &bp), 0);
        assert_int_equal(bp, 9000);
        assert_int_equal(unit_parse_percent("12.5%", false, &bp), 0);
        assert_int_equal(bp, 1250);
        assert_int_equal(unit_parse_percent("0.01%", false, &bp), 0);
        assert_int_equal(bp, 1);
        assert_int_equal(unit_parse_percent("100%", false, &bp), 0);
        assert_int_equal(bp, 10000);
        assert_int_equal(unit_parse_percent("0%", false, &bp), 0);
        assert_int_equal(bp, 0);
        assert_int_equal(unit_parse_percent("250%", true, &bp), 0);
        assert_int_equal(bp, 25000);

        bp = 42;
        assert_int_equal(unit_parse_percent_reason("100.01%", false, &bp, reason), -ERANGE);
        assert_string_equal(reason, "must not exceed 100%");
        assert_int_equal(unit_parse_percent_reason("90", false, &bp, reason), -EINVAL);
        assert_string_equal(reason, "missing '%'");
        assert_int_equal(unit_parse_percent_reason("12.345%", false, &bp, reason), -EINVAL);
        assert_string_equal(reason, "at most two decimals");
        assert_int_equal(unit_parse_percent_reason("-5%", false, &bp, reason), -EINVAL);
        assert_int_equal(unit_parse_percent_reason("5 %", false, &bp, reason), -EINVAL);
        assert_int_equal(unit_parse_percent_reason("5%%", false, &bp, reason), -EINVAL);
        assert_int_equal(unit_parse_percent_reason("5x", false, &bp, reason), -EINVAL);
        assert_string_equal(reason, "unknown unit 'x'");
        assert_int_equal(unit_parse_percent_reason("", false, &bp, reason), -EINVAL);
        assert_int_equal(unit_parse_percent_reason("99999999999%", true, &bp, reason), -ERANGE);
        assert_int_equal(bp, 42);
}

static void test_count(void **state) {
        char reason[UNIT_REASON_MAX];
        uint64_t v = 42;

        assert_int_equal(unit_parse_count("0", 10, &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(unit_parse_count("4000", UINT64_MAX, &v), 0);
        assert_int_equal(v, 4000);
        assert_int_equal(unit_parse_count("18446744073709551615", UINT64_MAX, &v), 0);
        assert_true(v == UINT64_MAX);

        v = 42;
        assert_int_equal(unit_parse_count_reason("11", 10, &v, reason), -ERANGE);
        assert_string_equal(reason, "must be at most 10");
        assert_int_equal(unit_parse_count_reason("18446744073709551616", UINT64_MAX, &v, reason), -ERANGE);
        assert_int_equal(unit_parse_count_reason("1.5", 10, &v, reason), -EINVAL);
        assert_int_equal(unit_parse_count_reason("1K", 10000, &v, reason), -EINVAL);
        assert_int_equal(unit_parse_count_reason("+1", 10, &v, reason), -EINVAL);
        assert_int_equal(unit_parse_count_reason("-1", 10, &v, reason), -EINVAL);
        assert_int_equal(unit_parse_count_reason("0x10", 100, &v, reason), -EINVAL);
        assert_int_equal(unit_parse_count_reason("", 10, &v, reason), -EINVAL);
        assert_int_equal(unit_parse_count_reason("1 0", 100, &v, reason), -EINVAL);
        assert_int_equal(v, 42);
}

static void test_bool(void **state) {
        const char *yes[] = { "yes", "YES", "true", "on", "1", "True" };
        const char *no[] = { "no", "false", "off", "0", "OFF" };
        const char *bad[] = { "", "2", "yess", "y", " yes", "nope" };
        bool b;

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                b = false;
                assert_int_equal(unit_parse_bool(yes[i], &b), 0);
                assert_true(b);
        }
        for (size_t i = 0; i < ELEMENTSOF(no); i++) {
                b = true;
                assert_int_equal(unit_parse_bool(no[i], &b), 0);
                assert_false(b);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(unit_parse_bool(bad[i], &b), -EINVAL);
}

static void test_signal(void **state) {
        int sig = 0;

        assert_int_equal(unit_parse_signal("TERM", &sig), 0);
        assert_int_equal(sig, SIGTERM);
        assert_int_equal(unit_parse_signal("SIGKILL", &sig), 0);
        assert_int_equal(sig, SIGKILL);
        assert_int_equal(unit_parse_signal("9", &sig), 0);
        assert_int_equal(sig, 9);
        assert_int_equal(unit_parse_signal("RTMIN", &sig), 0);
        assert_int_equal(sig, SIGRTMIN);
        assert_int_equal(unit_parse_signal("SIGRTMIN+2", &sig), 0);
        assert_int_equal(sig, SIGRTMIN + 2);
        assert_int_equal(unit_parse_signal("RTMAX-1", &sig), 0);
        assert_int_equal(sig, SIGRTMAX - 1);

        sig = 0;
        assert_int_equal(unit_parse_signal("", &sig), -EINVAL);
        assert_int_equal(unit_parse_signal("term", &sig), -EINVAL);
        assert_int_equal(unit_parse_signal("SIG", &sig), -EINVAL);
        assert_int_equal(unit_parse_signal("FOO", &sig), -EINVAL);
        assert_int_equal(unit_parse_signal("0", &sig), -ERANGE);
        assert_int_equal(unit_parse_signal("65", &sig), -ERANGE);
        assert_int_equal(unit_parse_signal("RTMIN+99", &sig), -ERANGE);
        assert_int_equal(unit_parse_signal("RTMIN-1", &sig), -EINVAL);
        assert_int_equal(sig, 0);

        assert_string_equal(unit_signal_to_string(SIGTERM), "TERM");
        assert_string_equal(unit_signal_to_string(SIGHUP), "HUP");
        assert_null(unit_signal_to_string(0));
        assert_null(unit_signal_to_string(SIGRTMIN));
}

static void test_mode(void **state) {
        unsigned m = 1;

        assert_int_equal(unit_parse_mode("0022", &m), 0);
        assert_int_equal(m, 022);
        assert_int_equal(unit_parse_mode("077", &m), 0);
        assert_int_equal(m, 077);
        assert_int_equal(unit_parse_mode("0", &m), 0);
        assert_int_equal(m, 0);
        assert_int_equal(unit_parse_mode("0777", &m), 0);
        assert_int_equal(m, 0777);

        m = 1;
        assert_int_equal(unit_parse_mode("", &m), -EINVAL);
        assert_int_equal(unit_parse_mode("0028", &m), -EINVAL);
        assert_int_equal(unit_parse_mode("-022", &m), -EINVAL);
        assert_int_equal(unit_parse_mode("1000", &m), -ERANGE);
        assert_int_equal(unit_parse_mode("0o22", &m), -EINVAL);
        assert_int_equal(m, 1);
}

static void test_format(void **state) {
        char buf[UNIT_SIZE_MAX];
        static const usec_t durations[] = {
                0,
                1,
                999,
                USEC_PER_MSEC,
                1500 * USEC_PER_MSEC,
                90 * USEC_PER_MINUTE,
                25 * USEC_PER_HOUR + 1,
                UINT64_MAX - 1,
        };

        assert_string_equal(unit_format_size(buf, 0), "0B");
        assert_string_equal(unit_format_size(buf, 512), "512B");
        assert_string_equal(unit_format_size(buf, K), "1K");
        assert_string_equal(unit_format_size(buf, 5 * G), "5G");
        assert_string_equal(unit_format_size(buf, 3 * G / 2), "1536M");
        assert_string_equal(unit_format_size(buf, G + M), "1025M");
        assert_string_equal(unit_format_size(buf, G + 1), "1.0G");
        assert_string_equal(unit_format_size(buf, 1536 + 1), "1.5K");
        assert_string_equal(unit_format_size(buf, 2 * T), "2T");
        assert_string_equal(unit_format_size(buf, UINT64_MAX), "infinity");
        assert_string_equal(unit_format_size(buf, UINT64_MAX - 1), "16777215.9T");

        assert_string_equal(unit_format_duration(buf, 0), "0");
        assert_string_equal(unit_format_duration(buf, 250 * USEC_PER_MSEC), "250ms");
        assert_string_equal(unit_format_duration(buf, 90 * USEC_PER_MINUTE), "1h30min");
        assert_string_equal(unit_format_duration(buf, USEC_INFINITY), "infinity");
        assert_string_equal(unit_format_duration(buf, UINT64_MAX - 1), "213503982d8h1min49s551ms614us");

        /* for people: two units at most (status showed "1min9s406ms964us") */
        assert_string_equal(unit_format_duration_short(buf, 69406964), "1min9s");
        assert_string_equal(unit_format_duration_short(buf, 34630441), "34s");
        assert_string_equal(unit_format_duration_short(buf, 8 * USEC_PER_HOUR + 13 * USEC_PER_MINUTE +
                                                                    58 * USEC_PER_SEC),
                            "8h13min");
        assert_string_equal(unit_format_duration_short(buf, 1500 * USEC_PER_MSEC), "1s500ms");
        assert_string_equal(unit_format_duration_short(buf, 250 * USEC_PER_MSEC + 7), "250ms");
        assert_string_equal(unit_format_duration_short(buf, 2 * 24 * USEC_PER_HOUR + 3 * USEC_PER_HOUR + 5),
                            "2d3h");
        assert_string_equal(unit_format_duration_short(buf, USEC_PER_HOUR + 30), "1h");
        assert_string_equal(unit_format_duration_short(buf, 12), "12us");
        assert_string_equal(unit_format_duration_short(buf, 0), "0");
        assert_string_equal(unit_format_duration_short(buf, USEC_INFINITY), "infinity");
        assert_true(strlen(unit_format_duration_short(buf, UINT64_MAX - 1)) < UNIT_SIZE_MAX);

        /* Durations print exactly: they parse back to the same value. */
        for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
                usec_t v;

                assert_int_equal(unit_parse_duration(unit_format_duration(buf, durations[i]), &v), 0);
                assert_true(v == durations[i]);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_size_valid), cmocka_unit_test(test_size_invalid),
                cmocka_unit_test(test_duration),   cmocka_unit_test(test_percent),
                cmocka_unit_test(test_count),      cmocka_unit_test(test_bool),
                cmocka_unit_test(test_signal),     cmocka_unit_test(test_mode),
                cmocka_unit_test(test_format),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
