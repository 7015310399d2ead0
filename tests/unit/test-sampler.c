/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The shared sample timer on a real sd-event loop: entries run at their
 * grid point, never before their due time, one wake-up per grid point,
 * and a callback may schedule or cancel any entry; one that schedules its
 * next run from the grid point it is given keeps its period. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "watch/sampler.h"

#define N 200
#define GRID (20 * USEC_PER_MSEC)

typedef struct Item {
        SamplerEntry e;
        usec_t due, ran_at, ran_for; /* ran_for: the grid point it was given */
        unsigned runs;
        unsigned again; /* schedule itself this many more times */
        struct Item *victim; /* cancel this one when run */
} Item;

static Sampler *the_sampler;
static unsigned total_runs;
static usec_t wakeups[4 * N];
static unsigned n_wakeups;

static void on_entry(SamplerEntry *e, usec_t due) {
        Item *it = (Item *) (void *) e;
        usec_t now = now_usec(CLOCK_MONOTONIC);

        it->ran_at = now;
        it->ran_for = due;
        it->runs++;
        total_runs++;
        if (n_wakeups == 0 || wakeups[n_wakeups - 1] / GRID != now / GRID)
                wakeups[n_wakeups++] = now;
        if (it->victim)
                sampler_cancel(the_sampler, &it->victim->e);
        if (it->again > 0) {
                it->again--;
                it->due = now + 30 * USEC_PER_MSEC;
                sampler_schedule(the_sampler, &it->e, it->due, GRID);
        }
}

static void run_until(sd_event *e, unsigned runs, usec_t limit) {
        usec_t end = now_usec(CLOCK_MONOTONIC) + limit;

        while (total_runs < runs && now_usec(CLOCK_MONOTONIC) < end)
                assert_true(sd_event_run(e, 50 * USEC_PER_MSEC) >= 0);
}

static void test_batches(void **state) {
        sd_event *e = NULL;
        static Item items[N];
        Sampler *s2 = NULL;
        usec_t t0;

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(sampler_acquire(e, &the_sampler), 0);
        /* the same loop shares one */
        assert_int_equal(sampler_acquire(e, &s2), 0);
        assert_ptr_equal(s2, the_sampler);
        s2 = sampler_release(s2);

        total_runs = n_wakeups = 0;
        t0 = now_usec(CLOCK_MONOTONIC);
        for (unsigned i = 0; i < N; i++) {
                items[i] = (Item){ .e.fn = on_entry, .due = t0 + 50 * USEC_PER_MSEC + i * 500 };
                sampler_schedule(the_sampler, &items[i].e, items[i].due, GRID);
                assert_true(sampler_queued(&items[i].e));
        }
        /* moved: scheduled again later */
        sampler_schedule(the_sampler, &items[0].e, t0 + 150 * USEC_PER_MSEC, GRID);
        items[0].due = t0 + 150 * USEC_PER_MSEC;
        /* cancelled before its time: never runs */
        sampler_cancel(the_sampler, &items[1].e);
        assert_false(sampler_queued(&items[1].e));
        /* one that cancels another of a later bucket, one that runs 3 times */
        items[2].victim = &items[N - 1];
        items[3].again = 2;

        run_until(e, N - 2 + 2, 3 * USEC_PER_SEC);
        assert_int_equal(total_runs, N - 2 + 2);
        for (unsigned i = 0; i < N; i++) {
                if (i == 1 || i == N - 1) {
                        assert_int_equal(items[i].runs, 0);
                        continue;
                }
                assert_int_equal(items[i].runs, i == 3 ? 3 : 1);
                assert_true(items[i].ran_at >= items[i].due);
                /* the grid point: due rounded up, at or before the run */
                assert_int_equal(items[i].ran_for % GRID, 0);
                assert_true(items[i].ran_for >= items[i].due && items[i].ran_for - items[i].due < GRID);
                assert_true(items[i].ran_for <= items[i].ran_at);
                assert_false(sampler_queued(&items[i].e));
        }
        /* 200 entries due over 100 ms on a 20 ms grid: a handful of
         * wake-ups, not one per entry (the 3 reschedules add theirs) */
        assert_true(n_wakeups <= 12);

        the_sampler = sampler_release(the_sampler);
        sd_event_unref(e);
}

/* a period of 2 grid points, scheduled from the grid point given: every
 * run is due exactly a period after the last, however late it ran (from
 * the time it ran, each run would be a grid point later) */
#define PERIOD (2 * GRID)
#define N_PERIODIC 8
static usec_t periodic_for[N_PERIODIC];
static unsigned n_periodic;

static void on_periodic(SamplerEntry *e, usec_t due) {
        periodic_for[n_periodic++] = due;
        total_runs++;
        if (n_periodic < N_PERIODIC)
                sampler_schedule(the_sampler, e, due + PERIOD, GRID);
}

static void test_period_kept(void **state) {
        sd_event *e = NULL;
        SamplerEntry pe = { .fn = on_periodic };

        assert_int_equal(sd_event_new(&e), 0);
        assert_int_equal(sampler_acquire(e, &the_sampler), 0);
        total_runs = n_periodic = 0;
        sampler_schedule(the_sampler, &pe, now_usec(CLOCK_MONOTONIC) + GRID, GRID);
        run_until(e, N_PERIODIC, 5 * USEC_PER_SEC);
        assert_int_equal(n_periodic, N_PERIODIC);
        for (unsigned i = 1; i < N_PERIODIC; i++)
                assert_int_equal(periodic_for[i] - periodic_for[i - 1], PERIOD);
        the_sampler = sampler_release(the_sampler);
        sd_event_unref(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_batches),
                cmocka_unit_test(test_period_kept),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
