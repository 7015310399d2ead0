/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "watch/trend.h"

#define KiB ((uint64_t) 1024)
#define MiB (1024 * KiB)
#define SEC USEC_PER_SEC
#define HOUR USEC_PER_HOUR

/* Deterministic PRNG (splitmix64): the same series on every run. */
static uint64_t rng_state;

static void rng_seed(uint64_t s) {
        rng_state = s;
}

static uint64_t rng_next(void) {
        uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

/* [0, 1) */
static double rng_uniform(void) {
        return (double) (rng_next() >> 11) / (double) (1ULL << 53);
}

/* Irwin-Hall(4) scaled to mean 0, sd 1: gaussian-ish, bounded at +-3.46. */
static double rng_gauss(void) {
        double s = 0;
        for (int i = 0; i < 4; i++)
                s += rng_uniform();
        return (s - 2.0) * 1.7320508075688772;
}

static bool within(double x, double want, double rel) {
        double d = x - want;
        if (d < 0)
                d = -d;
        return d <= rel * (want < 0 ? -want : want);
}

static uint64_t clamp_v(double v) {
        return v < 0 ? 0 : (uint64_t) v;
}

#define MAX_POINTS 40000
static TrendPoint pts[MAX_POINTS];

static void test_linear(void **state) {
        TrendResult r;
        size_t n = 0;

        /* 1000 B/s from 100 MiB, 1 s samples for 10 min. */
        for (usec_t t = 0; t < 600 * SEC; t += SEC)
                pts[n++] = (TrendPoint){ .t = 5 * SEC + t, .v = 100 * MiB + t / SEC * 1000 };

        assert_int_equal(trend_estimate(pts, n, 10 * SEC, &r), 0);
        assert_true(within(r.slope_bps, 1000, 0.01));
        assert_true(r.steadiness == 1.0);
        assert_int_equal(r.n_buckets, 60);
        assert_int_equal(r.span_usec, 599 * SEC);
        /* 3.6 MB/h over a 10 min window */
        assert_true(trend_is_leak(&r, 600 * SEC, 1.0 * MiB));
        assert_false(trend_is_leak(&r, 600 * SEC, 4.0 * MiB));
        /* the series does not cover a 1 h window */
        assert_false(trend_is_leak(&r, HOUR, 1.0 * MiB));
}

static void test_decreasing(void **state) {
        TrendResult r;
        size_t n = 0;

        for (usec_t t = 0; t < 600 * SEC; t += SEC)
                pts[n++] = (TrendPoint){ .t = t, .v = 900 * MiB - t / SEC * 2000 };

        assert_int_equal(trend_estimate(pts, n, 10 * SEC, &r), 0);
        assert_true(within(r.slope_bps, -2000, 0.01));
        assert_true(r.steadiness == -1.0);
        assert_false(trend_is_leak(&r, 600 * SEC, 0));
}

/* A collector's sawtooth: rises rise_bytes over rise_usec, then drops to
 * net_bytes above the previous trough. */
static size_t make_sawtooth(usec_t duration, usec_t step, usec_t phase, uint64_t rise_bytes,
                            usec_t rise_usec, uint64_t net_bytes, double noise_bytes) {
        size_t n = 0;

        for (usec_t t = 0; t < duration && n < MAX_POINTS; t += step) {
                usec_t tt = t + phase;
                uint64_t cycle = tt / rise_usec;
                double tau = (double) (tt % rise_usec) / (double) rise_usec;
                double v = 500.0 * MiB + (double) (cycle * net_bytes) + tau * (double) rise_bytes;

                v += noise_bytes * (2 * rng_uniform() - 1);
                pts[n++] = (TrendPoint){ .t = t, .v = clamp_v(v) };
        }
        return n;
}

static void test_sawtooth_net_growth(void **state) {
        const double net = 5.0 * MiB / 20.0; /* bytes per second */
        const usec_t buckets[] = { 25 * SEC, 60 * SEC, 120 * SEC };
        TrendResult r;
        size_t n;

        rng_seed(1);
        /* +50 MiB over 20 s, then -45 MiB: +5 MiB per cycle; 30 min at 500 ms. */
        n = make_sawtooth(30 * USEC_PER_MINUTE, 500 * USEC_PER_MSEC, 7300 * USEC_PER_MSEC, 50 * MiB,
                          20 * SEC, 5 * MiB, 256 * KiB);

        for (size_t i = 0; i < ELEMENTSOF(buckets); i++) {
                assert_int_equal(trend_estimate(pts, n, buckets[i], &r), 0);
                printf("sawtooth +5MiB/cycle, bucket %2" PRIu64
                       " s: slope %.0f B/s (net %.0f, rising edge %.0f), "
                       "steadiness %.3f, %zu buckets\n",
                       buckets[i] / SEC, r.slope_bps, net, 50.0 * MiB / 20, r.steadiness, r.n_buckets);
                /* the acceptance criterion: within 20% of the net slope */
                assert_true(within(r.slope_bps, net, 0.20));
                assert_true(trend_is_leak(&r, 30 * USEC_PER_MINUTE, 1.0 * MiB));
        }
}

static void test_sawtooth_flat(void **state) {
        TrendResult r;
        size_t n;

        rng_seed(2);
        n = make_sawtooth(30 * USEC_PER_MINUTE, 500 * USEC_PER_MSEC, 3 * SEC, 50 * MiB, 20 * SEC, 0,
                          1 * MiB);

        assert_int_equal(trend_estimate(pts, n, 60 * SEC, &r), 0);
        printf("sawtooth flat: slope %.1f B/s (%.2f MiB/h), steadiness %.3f\n", r.slope_bps,
               r.slope_bps * 3600 / MiB, r.steadiness);
        assert_true(r.slope_bps * 3600 < 2.0 * MiB && r.slope_bps * 3600 > -2.0 * MiB);
        assert_false(trend_is_leak(&r, 30 * USEC_PER_MINUTE, 1.0 * MiB));
}

static void test_step_then_flat(void **state) {
        const double at[] = { 0.1, 0.3, 0.5, 0.7, 0.9 };

        rng_seed(3);
        for (size_t k = 0; k < ELEMENTSOF(at); k++) {
                TrendResult r;
                size_t n = 0;

                /* a cache of 100 MiB filled once, at fraction at[k] of 1 h */
                for (usec_t t = 0; t < HOUR; t += SEC) {
                        double v = 200.0 * MiB + 256.0 * KiB * rng_gauss();
                        if ((double) t >= at[k] * (double) HOUR)
                                v += 100.0 * MiB;
                        pts[n++] = (TrendPoint){ .t = t, .v = clamp_v(v) };
                }

                assert_int_equal(trend_estimate(pts, n, 60 * SEC, &r), 0);
                printf("step at %.0f%%: slope %.2f MiB/h, steadiness %.3f\n", at[k] * 100,
                       r.slope_bps * 3600 / MiB, r.steadiness);
                assert_true(r.steadiness < TREND_LEAK_STEADINESS);
                assert_false(trend_is_leak(&r, HOUR, 1.0 * MiB));
        }
}

static void test_repeated_steps_is_growth(void **state) {
        TrendResult r;
        size_t n = 0;

        /* repeated growth is what a leak looks like at coarse resolution:
         * four equal steps read as a climb */
        for (usec_t t = 0; t < HOUR; t += SEC) {
                uint64_t steps = t / (HOUR / 5);
                pts[n++] = (TrendPoint){ .t = t, .v = 200 * MiB + steps * 20 * MiB };
        }
        assert_int_equal(trend_estimate(pts, n, 60 * SEC, &r), 0);
        assert_true(r.steadiness >= 0.75);
        assert_true(trend_is_leak(&r, HOUR, 1.0 * MiB));
}

static void test_noise_flat(void **state) {
        TrendResult r;
        size_t n = 0;

        rng_seed(4);
        for (usec_t t = 0; t < HOUR; t += SEC)
                pts[n++] = (TrendPoint){ .t = t, .v = clamp_v(500.0 * MiB + 20.0 * MiB * rng_gauss()) };

        assert_int_equal(trend_estimate(pts, n, 60 * SEC, &r), 0);
        printf("noise flat (sd 20 MiB): slope %.2f MiB/h, steadiness %.3f\n", r.slope_bps * 3600 / MiB,
               r.steadiness);
        assert_true(r.steadiness < 0.3 && r.steadiness > -0.3);
        assert_false(trend_is_leak(&r, HOUR, 1.0 * MiB));
}

static void test_noise_slow_slope(void **state) {
        const double slope = 50.0 * MiB / 3600; /* 50 MiB/h */
        TrendResult r;
        size_t n = 0;

        rng_seed(5);
        for (usec_t t = 0; t < HOUR; t += SEC) {
                double v = 500.0 * MiB + slope * (double) t / SEC + 10.0 * MiB * rng_gauss();
                pts[n++] = (TrendPoint){ .t = t, .v = clamp_v(v) };
        }

        assert_int_equal(trend_estimate(pts, n, 60 * SEC, &r), 0);
        printf("noise (sd 10 MiB) on 50 MiB/h: slope %.2f MiB/h, steadiness %.3f\n",
               r.slope_bps * 3600 / MiB, r.steadiness);
        assert_true(within(r.slope_bps, slope, 0.20));
        assert_true(trend_is_leak(&r, HOUR, 1.0 * MiB));
}

/* seed-001: a Netty direct-memory leak of a few KB per websocket disconnect
 * at random intervals, under a heap sawtooth of +-30 MiB with random GC
 * periods; memory.current in whole pages. */
static size_t make_seed001(usec_t duration, usec_t step, double *ret_leak_bps) {
        double leaked = 0, floor_jitter = 0, peak = 60.0 * MiB;
        usec_t next_event = 0, gc_start = 0, gc_period = 20 * SEC;
        size_t n = 0;

        for (usec_t t = 0; t < duration; t += step) {
                double heap, v;

                while (next_event <= t) {
                        leaked += 2048 + rng_uniform() * 4096; /* 2..6 KiB */
                        next_event += (usec_t) (rng_uniform() * 2.0 * SEC); /* mean 1 s */
                }
                if (t >= gc_start + gc_period) {
                        gc_start = t;
                        gc_period = (usec_t) ((8.0 + rng_uniform() * 32.0) * SEC); /* 8..40 s */
                        peak = (50.0 + rng_uniform() * 10.0) * MiB;
                        floor_jitter = rng_uniform() * 3.0 * MiB;
                }
                heap = floor_jitter + peak * (double) (t - gc_start) / (double) gc_period;
                v = 300.0 * MiB + leaked + heap - 30.0 * MiB + 512.0 * KiB * rng_uniform();
                pts[n++] = (TrendPoint){ .t = t, .v = clamp_v(v) / 4096 * 4096 };
        }
        *ret_leak_bps = leaked / ((double) duration / SEC);
        return n;
}

static void test_seed001(void **state) {
        _cleanup_trend_window_free_ TrendWindow *w = NULL;
        TrendResult r, rw;
        double leak_bps;
        size_t n;

        rng_seed(1001);
        n = make_seed001(HOUR, SEC, &leak_bps);

        assert_int_equal(trend_estimate(pts, n, 60 * SEC, &r), 0);
        printf("seed-001: leak %.2f MiB/h, slope %.2f MiB/h, steadiness %.3f, %zu buckets\n",
               leak_bps * 3600 / MiB, r.slope_bps * 3600 / MiB, r.steadiness, r.n_buckets);
        assert_true(within(r.slope_bps, leak_bps, 0.20));
        assert_true(trend_is_leak(&r, HOUR, 1.0 * MiB));

        /* The same through the incremental window the daemon keeps. */
        assert_int_equal(trend_window_new(HOUR, 60, &w), 0);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(trend_window_add(w, pts[i].t, pts[i].v), 0);
        assert_int_equal(trend_window_estimate(w, &rw), 0);
        printf("seed-001 (window): slope %.2f MiB/h, steadiness %.3f, span %" PRIu64 " s\n",
               rw.slope_bps * 3600 / MiB, rw.steadiness, rw.span_usec / SEC);
        assert_true(within(rw.slope_bps, leak_bps, 0.20));
        assert_true(trend_is_leak(&rw, HOUR, 1.0 * MiB));
}

static void test_seed001_no_leak(void **state) {
        TrendResult r;
        size_t n = 0;
        double peak = 60.0 * MiB, floor_jitter = 0;
        usec_t gc_start = 0, gc_period = 20 * SEC;

        rng_seed(1002);
        for (usec_t t = 0; t < HOUR; t += SEC) {
                double v;
                if (t >= gc_start + gc_period) {
                        gc_start = t;
                        gc_period = (usec_t) ((8.0 + rng_uniform() * 32.0) * SEC);
                        peak = (50.0 + rng_uniform() * 10.0) * MiB;
                        floor_jitter = rng_uniform() * 3.0 * MiB;
                }
                v = 270.0 * MiB + floor_jitter + peak * (double) (t - gc_start) / (double) gc_period;
                pts[n++] = (TrendPoint){ .t = t, .v = clamp_v(v) / 4096 * 4096 };
        }
        assert_int_equal(trend_estimate(pts, n, 60 * SEC, &r), 0);
        printf("seed-001 without leak: slope %.2f MiB/h, steadiness %.3f\n", r.slope_bps * 3600 / MiB,
               r.steadiness);
        assert_false(trend_is_leak(&r, HOUR, 1.0 * MiB));
}

static void test_eta(void **state) {
        assert_int_equal(trend_eta(10, 10, 5.0), 0);
        assert_int_equal(trend_eta(11, 10, 5.0), 0);
        assert_int_equal(trend_eta(UINT64_MAX, UINT64_MAX - 1, 5.0), 0);
        assert_true(trend_eta(0, UINT64_MAX, 1e9) == USEC_INFINITY); /* unlimited */
        assert_true(trend_eta(0, 100, 0.0) == USEC_INFINITY);
        assert_true(trend_eta(0, 100, -3.0) == USEC_INFINITY);
        assert_true(trend_eta(0, 100, NAN) == USEC_INFINITY);
        assert_true(trend_eta(0, 100, 1e-300) == USEC_INFINITY); /* does not fit */
        assert_true(trend_eta(0, UINT64_MAX - 1, 1.0) == USEC_INFINITY);

        assert_int_equal(trend_eta(0, MiB, (double) MiB), SEC);
        assert_int_equal(trend_eta(100 * MiB, 612 * MiB, (double) MiB), 512 * SEC);
        /* rounded up: 1 byte at 3 B/s is 333333.3 us */
        assert_int_equal(trend_eta(9, 10, 3.0), 333334);
        /* never 0 while below the limit, even at an absurd rate */
        assert_int_equal(trend_eta(9, 10, 1e300), 1);
        assert_int_equal(trend_eta(9, 10, INFINITY), 1);
        /* 1 GiB of headroom at 28 MiB/h: ~36.6 h */
        assert_int_equal(trend_eta(1 * 1024 * MiB, 2 * 1024 * MiB, 28.0 * MiB / 3600) / SEC, 131657);
}

static void test_huge_values(void **state) {
        TrendResult r;
        size_t n = 0;

        /* near UINT64_MAX: doubles cannot hold these values exactly, the
         * differences must still come out right */
        for (usec_t t = 0; t < 600 * SEC; t += SEC)
                pts[n++] = (TrendPoint){ .t = USEC_INFINITY - 600 * SEC + t,
                                         .v = UINT64_MAX - 600 * 1000 + t / SEC * 1000 };
        assert_int_equal(trend_estimate(pts, n, 10 * SEC, &r), 0);
        assert_true(within(r.slope_bps, 1000, 0.01));
        assert_true(r.steadiness == 1.0);

        /* the full range, alternating: finite, no crash */
        for (size_t i = 0; i < n; i++)
                pts[i].v = i % 2 ? UINT64_MAX : 0;
        assert_int_equal(trend_estimate(pts, n, 1 * SEC, &r), 0);
        assert_true(r.slope_bps == r.slope_bps); /* not NaN */

        /* ETA with huge numbers */
        assert_int_equal(trend_eta(UINT64_MAX - 2 - 1000000, UINT64_MAX - 2, 1000000.0), SEC);
}

static void test_invalid_input(void **state) {
        TrendResult r = { .slope_bps = 42 }, r0 = r;
        size_t n = 0;

        for (usec_t t = 0; t < 100 * SEC; t += SEC)
                pts[n++] = (TrendPoint){ .t = t, .v = t };

        assert_int_equal(trend_estimate(NULL, 0, SEC, &r), -EINVAL);
        assert_int_equal(trend_estimate(NULL, 5, SEC, &r), -EINVAL);
        assert_int_equal(trend_estimate(pts, n, SEC, NULL), -EINVAL);
        assert_int_equal(trend_estimate(pts, n, 0, &r), -EINVAL);
        /* 3 buckets are too few */
        assert_int_equal(trend_estimate(pts, n, 34 * SEC, &r), -EINVAL);
        assert_int_equal(trend_estimate(pts, 1, SEC, &r), -EINVAL);

        /* unsorted */
        pts[50].t = 10 * SEC;
        assert_int_equal(trend_estimate(pts, n, SEC, &r), -EINVAL);
        assert_memory_equal(&r, &r0, sizeof r); /* untouched on error */

        /* 4 buckets are enough */
        pts[50].t = 50 * SEC;
        assert_int_equal(trend_estimate(pts, n, 25 * SEC, &r), 0);
        assert_int_equal(r.n_buckets, 4);

        assert_false(trend_is_leak(NULL, HOUR, 0));
}

static void test_duplicate_timestamps(void **state) {
        TrendResult a, b;
        size_t n = 0, m = 0;
        static TrendPoint dup[400];

        /* two samples per timestamp: equal timestamps are allowed and the
         * lower value is the bucket's minimum */
        for (usec_t t = 0; t < 200 * SEC; t += SEC) {
                pts[n++] = (TrendPoint){ .t = t, .v = 1000 * t / SEC + 10 };
                dup[m++] = (TrendPoint){ .t = t, .v = 1000 * t / SEC + 500 };
                dup[m++] = (TrendPoint){ .t = t, .v = 1000 * t / SEC + 10 };
        }
        assert_int_equal(trend_estimate(pts, n, 10 * SEC, &a), 0);
        assert_int_equal(trend_estimate(dup, m, 10 * SEC, &b), 0);
        assert_true(a.slope_bps == b.slope_bps);
        assert_true(a.steadiness == b.steadiness);
        assert_int_equal(a.n_buckets, b.n_buckets);

        /* all at one instant: one bucket */
        for (size_t i = 0; i < 10; i++)
                dup[i] = (TrendPoint){ .t = 5, .v = i };
        assert_int_equal(trend_estimate(dup, 10, SEC, &b), -EINVAL);
}

static void test_bucket_widening(void **state) {
        TrendResult r;
        size_t n = 0;

        /* 10000 one-second buckets asked for: at most TREND_BUCKETS_MAX used */
        for (usec_t t = 0; t < 10000 * SEC; t += SEC)
                pts[n++] = (TrendPoint){ .t = t, .v = 7 * t / SEC };
        assert_int_equal(trend_estimate(pts, n, SEC, &r), 0);
        assert_true(r.n_buckets <= TREND_BUCKETS_MAX && r.n_buckets >= TREND_BUCKETS_MAX - 2);
        assert_true(within(r.slope_bps, 7, 0.01));
}

static void test_leak_rules(void **state) {
        TrendResult r = {
                .slope_bps = 1.0 * MiB / 3600, .steadiness = 0.9, .n_buckets = 60, .span_usec = HOUR
        };

        assert_true(trend_is_leak(&r, HOUR, 1.0 * MiB));
        assert_false(trend_is_leak(&r, HOUR, 1.01 * MiB));
        r.span_usec = HOUR * 9 / 10;
        assert_true(trend_is_leak(&r, HOUR, 1.0 * MiB));
        r.span_usec = HOUR * 9 / 10 - 1;
        assert_false(trend_is_leak(&r, HOUR, 1.0 * MiB));
        r.span_usec = HOUR;
        r.steadiness = TREND_LEAK_STEADINESS - 0.01;
        assert_false(trend_is_leak(&r, HOUR, 1.0 * MiB));
        r.steadiness = 0.9;
        r.n_buckets = TREND_LEAK_BUCKETS_MIN - 1;
        assert_false(trend_is_leak(&r, HOUR, 1.0 * MiB));
        r.n_buckets = 60;
        /* a minimum of 0 still needs growth */
        r.slope_bps = 0;
        assert_false(trend_is_leak(&r, HOUR, 0));
        r.slope_bps = NAN;
        assert_false(trend_is_leak(&r, HOUR, 0));
}

static void test_window(void **state) {
        _cleanup_trend_window_free_ TrendWindow *w = NULL;
        TrendResult rw, rr, r0 = { .slope_bps = 42 };
        size_t n = 0;

        assert_int_equal(trend_window_new(HOUR, 3, &w), -EINVAL);
        assert_int_equal(trend_window_new(HOUR, TREND_BUCKETS_MAX + 1, &w), -EINVAL);
        assert_int_equal(trend_window_new(10, 60, &w), -EINVAL);
        assert_null(w);
        assert_int_equal(trend_window_new(HOUR, 60, &w), 0);
        assert_int_equal(trend_window_memory_bytes(w), 60 * 4 * 8 + 6 * 8); /* 32 bytes a bucket */

        rw = r0;
        assert_int_equal(trend_window_estimate(w, &rw), -EINVAL);
        assert_memory_equal(&rw, &r0, sizeof rw);

        /* 2 h of a slope with noise at 1 s; the window keeps the last hour */
        rng_seed(6);
        for (usec_t t = 0; t < 2 * HOUR; t += SEC) {
                uint64_t v = clamp_v(100.0 * MiB + 300.0 * (double) (t / SEC) + 64.0 * KiB * rng_gauss());
                assert_int_equal(trend_window_add(w, t, v), 0);
                if (t >= HOUR)
                        pts[n++] = (TrendPoint){ .t = t, .v = v };
        }
        assert_int_equal(trend_window_estimate(w, &rw), 0);
        assert_int_equal(rw.n_buckets, 60);
        assert_int_equal(rw.span_usec, HOUR - 1 * SEC);

        /* the raw points of the same buckets give the same minima */
        assert_int_equal(trend_estimate(pts, n, 60 * SEC, &rr), 0);
        assert_memory_equal(&rr, &rw, sizeof rr);
        printf("window: slope %.1f B/s (300 B/s + noise), steadiness %.3f\n", rw.slope_bps, rw.steadiness);
        assert_true(within(rw.slope_bps, 300.0, 0.2));
        assert_true(trend_is_leak(&rw, HOUR, 0.5 * MiB));

        /* time going backwards is refused, the window unchanged */
        assert_int_equal(trend_window_add(w, HOUR, 0), -EINVAL);
        assert_int_equal(trend_window_estimate(w, &rr), 0);
        assert_memory_equal(&rr, &rw, sizeof rr);

        /* a gap longer than the window: old buckets are not used */
        assert_int_equal(trend_window_add(w, 10 * HOUR, 5), 0);
        assert_int_equal(trend_window_estimate(w, &rr), -EINVAL);

        trend_window_reset(w);
        assert_int_equal(trend_window_estimate(w, &rr), -EINVAL);
        /* after a reset, earlier times are fine again */
        assert_int_equal(trend_window_add(w, 0, 5), 0);
}

/* The counter that lets a caller skip an estimate: it moves when a bucket
 * starts or its minimum falls, and only then. */
static void test_window_minima_changed(void **state) {
        _cleanup_trend_window_free_ TrendWindow *w = NULL;
        uint64_t c;

        assert_int_equal(trend_window_new(60 * SEC, 12, &w), 0);
        c = trend_window_minima_changed(w);
        assert_int_equal(trend_window_add(w, 0, 100), 0); /* a bucket starts */
        assert_true(trend_window_minima_changed(w) == c + 1);
        assert_int_equal(trend_window_add(w, 1 * SEC, 200), 0); /* higher: the same minimum */
        assert_int_equal(trend_window_add(w, 2 * SEC, 100), 0); /* equal: the same */
        assert_true(trend_window_minima_changed(w) == c + 1);
        assert_int_equal(trend_window_add(w, 3 * SEC, 50), 0); /* lower */
        assert_true(trend_window_minima_changed(w) == c + 2);
        assert_int_equal(trend_window_add(w, 5 * SEC, 500), 0); /* the next bucket (5 s wide) */
        assert_true(trend_window_minima_changed(w) == c + 3);
        trend_window_reset(w);
        assert_true(trend_window_minima_changed(w) == c + 4);
}

static void test_window_exact_match(void **state) {
        _cleanup_trend_window_free_ TrendWindow *w = NULL;
        TrendResult rw, rr;
        size_t n = 0;

        /* with identical bucket boundaries, identical minima */
        rng_seed(7);
        assert_int_equal(trend_window_new(600 * SEC, 20, &w), 0);
        for (usec_t t = 0; t < 600 * SEC; t += 250 * USEC_PER_MSEC) {
                uint64_t v = (uint64_t) (rng_uniform() * 1e6) + 10 * t / SEC;
                pts[n++] = (TrendPoint){ .t = t, .v = v };
                assert_int_equal(trend_window_add(w, t, v), 0);
        }
        assert_int_equal(trend_window_estimate(w, &rw), 0);
        assert_int_equal(trend_estimate(pts, n, 30 * SEC, &rr), 0);
        assert_true(rw.slope_bps == rr.slope_bps);
        assert_true(rw.steadiness == rr.steadiness);
        assert_true(rw.step_bytes == rr.step_bytes);
        assert_int_equal(rw.n_buckets, 20);
        assert_int_equal(rw.span_usec, rr.span_usec);
}

/* A sawtooth whose period beats with the sample interval (40 MB freed
 * every 0.99 s, sampled every 200 ms, as test-guard-leak-trend's 'flat'
 * service on a loaded machine): the phase of the first sample after each
 * collection drifts, and the bucket minima climb steadily for tens of
 * seconds. Without a leak that is no leak-trend; with 2 MB/s kept it is. */
static void saw_beat(double leak_bps, usec_t until, bool *ret_leak, bool *ret_steady, double *ret_slope) {
        _cleanup_trend_window_free_ TrendWindow *w = NULL;
        const double period = 0.99, garbage = 40.0 * MiB;

        assert_int_equal(trend_window_new(20 * SEC, 15, &w), 0);
        *ret_leak = *ret_steady = false;
        for (usec_t t = 0; t < until; t += 200 * USEC_PER_MSEC) {
                double s = (double) t / SEC, phase = s / period - (double) (uint64_t) (s / period);
                TrendResult r;

                assert_int_equal(trend_window_add(w, t, clamp_v(MiB + leak_bps * s + garbage * phase)), 0);
                if (trend_window_estimate(w, &r) < 0 || r.n_buckets < TREND_LEAK_BUCKETS_MIN ||
                    r.span_usec < 18 * SEC)
                        continue;
                if (r.slope_bps > 0 && r.steadiness >= TREND_LEAK_STEADINESS)
                        *ret_steady = true;
                if (trend_is_leak(&r, 20 * SEC, 0) && !*ret_leak) {
                        *ret_leak = true;
                        *ret_slope = r.slope_bps;
                }
        }
}

static void test_sawtooth_beat(void **state) {
        bool leak, steady;
        double slope = 0;

        saw_beat(0, 60 * SEC, &leak, &steady, &slope);
        assert_true(steady); /* the hazard is real: the minima do climb */
        assert_false(leak);

        saw_beat(2.0 * MiB, 25 * SEC, &leak, &steady, &slope);
        printf("beat with a 2 MiB/s leak: slope %.0f B/s\n", slope);
        assert_true(leak);
        /* the beat biases the slope by up to one step (8 MB) over the
         * window's 18..20 s: up to ~0.45 MB/s, 22% */
        assert_true(within(slope, 2.0 * MiB, 0.3));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_linear),
                cmocka_unit_test(test_decreasing),
                cmocka_unit_test(test_sawtooth_net_growth),
                cmocka_unit_test(test_sawtooth_flat),
                cmocka_unit_test(test_step_then_flat),
                cmocka_unit_test(test_repeated_steps_is_growth),
                cmocka_unit_test(test_noise_flat),
                cmocka_unit_test(test_noise_slow_slope),
                cmocka_unit_test(test_seed001),
                cmocka_unit_test(test_seed001_no_leak),
                cmocka_unit_test(test_eta),
                cmocka_unit_test(test_huge_values),
                cmocka_unit_test(test_invalid_input),
                cmocka_unit_test(test_duplicate_timestamps),
                cmocka_unit_test(test_bucket_widening),
                cmocka_unit_test(test_leak_rules),
                cmocka_unit_test(test_sawtooth_beat),
                cmocka_unit_test(test_window),
                cmocka_unit_test(test_window_minima_changed),
                cmocka_unit_test(test_window_exact_match),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
