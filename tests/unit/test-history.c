/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "watch/history.h"

#define KiB ((uint64_t) 1024)
#define MiB (1024 * KiB)
#define SEC USEC_PER_SEC
#define MSEC USEC_PER_MSEC
#define MINUTE USEC_PER_MINUTE

/* Monotonic time of the first sample in most tests: not on a second. */
#define T0 (1000 * SEC + 400 * MSEC)

/* A deterministic sample for index i (at T0 + i * step): values from a hash
 * so that every second and bucket has a different maximum, in whole pages. */
static uint64_t mix(uint64_t z) {
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static HistSample gen(uint64_t i, usec_t step) {
        uint64_t h = mix(i + 1);
        return (HistSample){
                .t = T0 + i * step,
                .memory_current = (256 + h % 1024) * 4096,
                .anon = (128 + (h >> 10) % 1024) * 4096,
                .rss = (200 + (h >> 20) % 1024) * 4096,
                .threads = 20 + (uint32_t) ((h >> 30) % 100),
                .pids = 30 + (uint32_t) ((h >> 40) % 100),
                /* a JVM's heap from sample 50 on, unknown before */
                .heap_used = i < 50 ? HISTORY_UNKNOWN : (64 + (h >> 48) % 1024) * 4096,
                .old_used = i < 50 ? HISTORY_UNKNOWN : (h >> 52) % 512 * 4096,
        };
}

static HistSample out[HISTORY_SAMPLES_MAX + 10];

static void test_empty(void **state) {
        _cleanup_history_free_ History *h = NULL;
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        assert_int_equal(history_new(NULL), -EINVAL);
        assert_int_equal(history_new(&h), 0);
        assert_int_equal(history_count(h), 0);
        assert_int_equal(history_get(h, out, ELEMENTSOF(out)), 0);
        assert_int_equal(history_get(NULL, out, ELEMENTSOF(out)), 0);
        assert_int_equal(history_count(NULL), 0);
        assert_int_equal(history_memory_bytes(NULL), 0);

        f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(history_write_csv(h, f, 0, 0), 0);
        assert_int_equal(history_write_csv(NULL, f, 0, 0), 0);
        fclose(f);
        assert_string_equal(buf, "time_utc,memory_current,anon,rss,threads,pids,heap_used,old_used\n"
                                 "time_utc,memory_current,anon,rss,threads,pids,heap_used,old_used\n");
        free(buf);
        assert_int_equal(history_write_csv(h, NULL, 0, 0), -EINVAL);
}

static void test_memory_bound(void **state) {
        _cleanup_history_free_ History *h = NULL;

        assert_int_equal(history_new(&h), 0);
        printf("history: %zu bytes per service (%d records max)\n", history_memory_bytes(h),
               HISTORY_SAMPLES_MAX);
        assert_true(history_memory_bytes(h) <= 4 * 1024);
        /* 100 services */
        assert_true(100 * history_memory_bytes(h) <= 400 * 1024);
        /* Not a JVM: no room for heap columns (24-byte records). */
        assert_true(history_memory_bytes(h) <= 24 * HISTORY_SAMPLES_MAX + 64);
        {
                size_t before = history_memory_bytes(h);
                HistSample s = { .t = USEC_PER_SEC,
                                 .heap_used = HISTORY_UNKNOWN,
                                 .old_used = HISTORY_UNKNOWN };

                assert_int_equal(history_add(h, &s), 0);
                assert_int_equal(history_memory_bytes(h), before);
                s.t += USEC_PER_SEC;
                s.heap_used = 1 << 20;
                assert_int_equal(history_add(h, &s), 0);
                assert_int_equal(history_memory_bytes(h), before + 8 * HISTORY_SAMPLES_MAX);
        }
}

/* Maximum of field memory_current etc. over samples [a, b) of gen(). */
static HistSample max_over(uint64_t a, uint64_t b, usec_t step) {
        HistSample m = { .heap_used = HISTORY_UNKNOWN, .old_used = HISTORY_UNKNOWN };

        for (uint64_t i = a; i < b; i++) {
                HistSample s = gen(i, step);
                if (s.memory_current > m.memory_current) {
                        m.memory_current = s.memory_current;
                        m.t = s.t;
                }
                m.anon = MAX(m.anon, s.anon);
                m.rss = MAX(m.rss, s.rss);
                m.threads = MAX(m.threads, s.threads);
                m.pids = MAX(m.pids, s.pids);
                /* a known value wins over an unknown one */
                if (s.heap_used != HISTORY_UNKNOWN)
                        m.heap_used =
                                m.heap_used == HISTORY_UNKNOWN ? s.heap_used : MAX(m.heap_used, s.heap_used);
                if (s.old_used != HISTORY_UNKNOWN)
                        m.old_used =
                                m.old_used == HISTORY_UNKNOWN ? s.old_used : MAX(m.old_used, s.old_used);
        }
        return m;
}

static void assert_sample_equal(const HistSample *a, const HistSample *b) {
        assert_int_equal(a->t, b->t);
        assert_int_equal(a->memory_current, b->memory_current);
        assert_int_equal(a->anon, b->anon);
        assert_int_equal(a->rss, b->rss);
        assert_int_equal(a->threads, b->threads);
        assert_int_equal(a->pids, b->pids);
        assert_int_equal(a->heap_used, b->heap_used);
        assert_int_equal(a->old_used, b->old_used);
}

/* Check every record of h against the maxima of the samples in its second
 * (fine tier) or 10 s bucket (coarse tier), n_samples at step so far.
 * Seconds count from the second of T0. */
static void check_against_model(const History *h, uint64_t n_samples, usec_t step) {
        usec_t base = T0 - T0 % SEC;
        usec_t last_t = T0 + (n_samples - 1) * step;
        uint64_t now_sec = (last_t - base) / SEC;
        size_t n = history_get(h, out, ELEMENTSOF(out));
        uint64_t covered_from;

        assert_int_equal(n, history_count(h));
        assert_true(n <= HISTORY_SAMPLES_MAX);

        for (size_t k = 0; k < n; k++) {
                uint64_t sec = (out[k].t - base) / SEC, from, to, a, b;
                HistSample want;

                if (k > 0)
                        assert_true(out[k].t > out[k - 1].t);

                if (sec + HISTORY_FINE_SEC > now_sec) {
                        /* fine: one second; all later records are fine too */
                        from = sec;
                        to = sec + 1;
                        assert_true(n - k <= HISTORY_FINE_MAX);
                } else {
                        from = sec / 10 * 10;
                        to = from + 10;
                        /* the coarse bucket shared with the fine tier ends
                         * where the fine tier starts */
                        if (to + HISTORY_FINE_SEC > now_sec + 1)
                                to = now_sec + 1 - HISTORY_FINE_SEC;
                        /* and the bucket still overlaps the last 10 min */
                        assert_true(from + 10 + HISTORY_SPAN_SEC > now_sec);
                }
                /* sample indexes whose time falls in [from, to) seconds */
                a = base + from * SEC <= T0 ? 0 : (base + from * SEC - T0 + step - 1) / step;
                b = (base + to * SEC - T0 + step - 1) / step;
                b = MIN(b, n_samples);
                want = max_over(a, b, step);
                assert_sample_equal(&out[k], &want);
        }

        /* at least the last 10 minutes (or all there is) are covered */
        covered_from = (out[0].t - base) / SEC;
        if (now_sec >= HISTORY_SPAN_SEC)
                assert_true(covered_from / 10 * 10 + HISTORY_SPAN_SEC <= now_sec + 1);
        else /* everything since the first sample */
                assert_int_equal(covered_from / 10, 0);
}

static void test_fill_10min_100ms(void **state) {
        _cleanup_history_free_ History *h = NULL;
        const usec_t step = 100 * MSEC;
        const uint64_t n_samples = 10 * MINUTE / step;
        size_t n;

        assert_int_equal(history_new(&h), 0);
        for (uint64_t i = 0; i < n_samples; i++) {
                HistSample s = gen(i, step);
                assert_int_equal(history_add(h, &s), 0);
        }

        /* 6000 samples from 1000.4 s to 1600.3 s: seconds 0..600 from 1000;
         * fine: 541..600 (60); coarse: buckets 0..53 holding 0..539, and
         * bucket 54 holding second 540 only: 55 */
        n = history_get(h, out, ELEMENTSOF(out));
        assert_int_equal(n, HISTORY_FINE_MAX + 55);
        assert_int_equal(n, HISTORY_SAMPLES_MAX);

        /* tier boundary: records 0..54 are 10 s buckets, then 1 s */
        for (size_t k = 1; k < 55; k++)
                assert_int_equal((out[k].t / SEC / 10) - (out[k - 1].t / SEC / 10), 1);
        assert_int_equal(out[54].t / SEC, 1540);
        for (size_t k = 55; k < n; k++)
                assert_int_equal(out[k].t / SEC, 1541 + (k - 55));

        check_against_model(h, n_samples, step);
}

static void test_peak_kept(void **state) {
        _cleanup_history_free_ History *h = NULL;
        const usec_t step = 100 * MSEC;
        size_t n;

        assert_int_equal(history_new(&h), 0);
        for (uint64_t i = 0; i < 6000; i++) {
                HistSample s = gen(i, step);
                if (i == 1234) /* T0 + 123.4 s: lands in the coarse tier */
                        s.memory_current = 5 * 1024 * MiB;
                if (i == 5903) /* T0 + 590.3 s: fine tier */
                        s.pids = 9999;
                assert_int_equal(history_add(h, &s), 0);
        }
        n = history_get(h, out, ELEMENTSOF(out));
        assert_int_equal(n, HISTORY_SAMPLES_MAX);

        for (size_t k = 0; k < n; k++) {
                if (out[k].memory_current == 5 * 1024 * MiB)
                        assert_int_equal(out[k].t, T0 + 1234 * step);
                if (out[k].t / SEC == (T0 + 5903 * step) / SEC)
                        assert_int_equal(out[k].pids, 9999);
                else
                        assert_true(out[k].pids < 9999);
        }
        assert_int_equal(out[12].memory_current, 5 * 1024 * MiB); /* bucket 1120..1129 s */
        assert_int_equal(out[12].t, T0 + 1234 * step);
}

static void test_wrap_around(void **state) {
        _cleanup_history_free_ History *h = NULL;
        const usec_t step = 100 * MSEC;
        const uint64_t n_samples = 3 * USEC_PER_HOUR / step;

        /* 3 h at 100 ms: both rings wrap many times; check at irregular
         * points and at the end */
        assert_int_equal(history_new(&h), 0);
        for (uint64_t i = 0; i < n_samples; i++) {
                HistSample s = gen(i, step);
                assert_int_equal(history_add(h, &s), 0);
                if (i % 7919 == 0 || i == 50 || i == 599 || i == 600 || i == 6001)
                        check_against_model(h, i + 1, step);
        }
        check_against_model(h, n_samples, step);
        assert_true(history_count(h) >= HISTORY_SAMPLES_MAX - 1);
}

static void test_1s_samples(void **state) {
        _cleanup_history_free_ History *h = NULL;
        const usec_t step = 1 * SEC;

        /* at 1 s one record per sample in the fine tier */
        assert_int_equal(history_new(&h), 0);
        for (uint64_t i = 0; i < 2000; i++) {
                HistSample s = gen(i, step);
                assert_int_equal(history_add(h, &s), 0);
                if (i == 59 || i == 60 || i == 61 || i == 659 || i == 660 || i == 1999)
                        check_against_model(h, i + 1, step);
        }
        history_get(h, out, ELEMENTSOF(out));
        assert_int_equal(out[HISTORY_SAMPLES_MAX - 1].t, T0 + 1999 * SEC);
        assert_int_equal(out[HISTORY_SAMPLES_MAX - 60].t, T0 + 1940 * SEC);
}

static void test_get_newest(void **state) {
        _cleanup_history_free_ History *h = NULL;
        HistSample few[5];

        assert_int_equal(history_new(&h), 0);
        for (uint64_t i = 0; i < 100; i++) {
                HistSample s = gen(i, SEC);
                assert_int_equal(history_add(h, &s), 0);
        }
        assert_int_equal(history_count(h), 60 + 4); /* 0..39 in buckets of 10 */
        assert_int_equal(history_get(h, few, ELEMENTSOF(few)), 5);
        for (size_t k = 0; k < 5; k++)
                assert_int_equal(few[k].t, T0 + (95 + k) * SEC);
        assert_int_equal(history_get(h, few, 0), 0);
        assert_int_equal(history_get(h, NULL, 5), 0);
}

static void test_gap(void **state) {
        _cleanup_history_free_ History *h = NULL;
        HistSample s;

        assert_int_equal(history_new(&h), 0);
        for (uint64_t i = 0; i < 300; i++) {
                s = gen(i, SEC);
                assert_int_equal(history_add(h, &s), 0);
        }
        /* 30 s pause: seconds before now - 60 go to the coarse tier */
        s = gen(330, SEC);
        assert_int_equal(history_add(h, &s), 0);
        assert_int_equal(history_count(h), 28 + 29 + 1); /* buckets 0..27 (seconds 0..270), 271..299, 330 */

        /* stopped for 20 min: only the new sample is left */
        s = gen(330 + 1200, SEC);
        assert_int_equal(history_add(h, &s), 0);
        assert_int_equal(history_count(h), 1);
        assert_int_equal(history_get(h, out, ELEMENTSOF(out)), 1);
        assert_sample_equal(&out[0], &s);
}

static void test_order(void **state) {
        _cleanup_history_free_ History *h = NULL;
        HistSample s = { .t = T0, .memory_current = 8192 };

        assert_int_equal(history_new(&h), 0);
        assert_int_equal(history_add(h, NULL), -EINVAL);
        assert_int_equal(history_add(NULL, &s), -EINVAL);
        assert_int_equal(history_add(h, &s), 0);

        /* later in the same second, then earlier in it: both merged */
        s.t = T0 + 500 * MSEC;
        s.memory_current = 4096 * 10;
        assert_int_equal(history_add(h, &s), 0);
        s.t = T0 + 100 * MSEC;
        s.memory_current = 4096 * 20;
        assert_int_equal(history_add(h, &s), 0);
        assert_int_equal(history_count(h), 1);
        history_get(h, out, 1);
        assert_int_equal(out[0].t, T0 + 100 * MSEC);
        assert_int_equal(out[0].memory_current, 4096 * 20);

        /* the next second, then back to a second before: refused */
        s.t = T0 + 1 * SEC;
        assert_int_equal(history_add(h, &s), 0);
        s.t = T0 + 10 * MSEC;
        assert_int_equal(history_add(h, &s), -EINVAL);
        s.t = T0 - 1 * SEC; /* before the first second */
        assert_int_equal(history_add(h, &s), -EINVAL);
        assert_int_equal(history_count(h), 2);

        /* equal memory_current: the earliest time is kept */
        s.t = T0 + 1 * SEC + 500 * MSEC;
        s.memory_current = 4096 * 20;
        assert_int_equal(history_add(h, &s), 0);
        history_get(h, out, 2);
        assert_int_equal(out[1].t, T0 + 1 * SEC);
}

static void test_encoding(void **state) {
        _cleanup_history_free_ History *h = NULL;
        HistSample s = {
                .t = 7 * SEC + 999 * MSEC + 999,
                .memory_current = 1,
                .anon = 4097,
                .rss = UINT64_MAX,
                .threads = UINT32_MAX,
                .pids = UINT32_MAX,
                .heap_used = UINT64_MAX - 1,
                .old_used = 0,
        };

        assert_int_equal(history_new(&h), 0);
        assert_int_equal(history_add(h, &s), 0);
        assert_int_equal(history_get(h, out, 1), 1);
        assert_int_equal(out[0].t, 7 * SEC + 999 * MSEC); /* millisecond resolution */
        assert_int_equal(out[0].memory_current, 4096); /* rounded up */
        assert_int_equal(out[0].anon, 8192);
        assert_int_equal(out[0].rss, (uint64_t) UINT32_MAX * 4096); /* saturated at 16 TiB */
        assert_int_equal(out[0].threads, HISTORY_THREADS_MAX);
        assert_int_equal(out[0].pids, UINT32_MAX);
        /* known values stay known: saturated below the unknown mark, 0 is 0 */
        assert_int_equal(out[0].heap_used, ((uint64_t) UINT32_MAX - 1) * 4096);
        assert_int_equal(out[0].old_used, 0);

        /* 136 years later */
        s.t = 7 * SEC + ((usec_t) UINT32_MAX + 1) * SEC;
        assert_int_equal(history_add(h, &s), -ERANGE);
}

static void test_csv(void **state) {
        _cleanup_history_free_ History *h = NULL;
        /* monotonic 2000 s is 2026-11-22T04:55:01.123Z */
        const usec_t now_mono = 2000 * SEC, now_rt = (usec_t) 1795323301 * SEC + 123 * MSEC;
        HistSample a = { .t = now_mono - 2 * SEC - 100 * MSEC,
                         .memory_current = 100 * MiB,
                         .anon = 60 * MiB,
                         .rss = 80 * MiB,
                         .threads = 42,
                         .pids = 43,
                         .heap_used = 30 * MiB,
                         .old_used = 0 };
        HistSample b = { .t = now_mono,
                         .memory_current = 4096,
                         .anon = 0,
                         .rss = 4096,
                         .threads = 1,
                         .pids = 1,
                         .heap_used = HISTORY_UNKNOWN,
                         .old_used = HISTORY_UNKNOWN };
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        assert_int_equal(history_new(&h), 0);
        assert_int_equal(history_add(h, &a), 0);
        assert_int_equal(history_add(h, &b), 0);

        f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(history_write_csv(h, f, now_rt, now_mono), 0);
        fclose(f);
        assert_string_equal(buf, "time_utc,memory_current,anon,rss,threads,pids,heap_used,old_used\n"
                                 "2026-11-22T04:54:59.023Z,104857600,62914560,83886080,42,43,31457280,0\n"
                                 "2026-11-22T04:55:01.123Z,4096,0,4096,1,1,,\n");
        free(buf);

        /* a write error is reported */
        f = fopen("/dev/null", "re");
        assert_non_null(f);
        assert_true(history_write_csv(h, f, now_rt, now_mono) < 0);
        fclose(f);
}

static void test_csv_full(void **state) {
        _cleanup_history_free_ History *h = NULL;
        char *buf = NULL, *line, *save = NULL;
        size_t len = 0, lines = 0;
        FILE *f;

        assert_int_equal(history_new(&h), 0);
        for (uint64_t i = 0; i < 6000; i++) {
                HistSample s = gen(i, 100 * MSEC);
                assert_int_equal(history_add(h, &s), 0);
        }
        f = open_memstream(&buf, &len);
        assert_non_null(f);
        assert_int_equal(history_write_csv(h, f, (usec_t) 1795323301 * SEC, 1700 * SEC), 0);
        fclose(f);
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                unsigned y, mo, d, hh, mm, ss, ms;
                uint64_t v[3];
                unsigned th, pi;
                if (lines++ == 0)
                        continue;
                assert_int_equal(sscanf(line,
                                        "%4u-%2u-%2uT%2u:%2u:%2u.%3uZ,%" SCNu64 ",%" SCNu64 ",%" SCNu64
                                        ",%u,%u",
                                        &y, &mo, &d, &hh, &mm, &ss, &ms, &v[0], &v[1], &v[2], &th, &pi),
                                 12);
                assert_int_equal(y, 2026);
        }
        assert_int_equal(lines, 1 + HISTORY_SAMPLES_MAX);
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_memory_bound),
                cmocka_unit_test(test_fill_10min_100ms),
                cmocka_unit_test(test_peak_kept),
                cmocka_unit_test(test_wrap_around),
                cmocka_unit_test(test_1s_samples),
                cmocka_unit_test(test_get_newest),
                cmocka_unit_test(test_gap),
                cmocka_unit_test(test_order),
                cmocka_unit_test(test_encoding),
                cmocka_unit_test(test_csv),
                cmocka_unit_test(test_csv_full),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
