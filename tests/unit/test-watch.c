/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The watchers (watch.h) on a fixture cgroup tree (cgroup-fixture.h): what
 * the kernel's files say becomes observations through the observer
 * callback, with the effective limits; the capture_at tripwire is placed
 * and lifted; a watcher that may not write leaves the cgroup alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cgroup-fixture.h"
#include "watch/watch.h"

#define MIB (UINT64_C(1024) * 1024)
#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

typedef struct Seen {
        unsigned n[_EVENT_TYPE_MAX];
        Observation last;
        char source[160];
        bool paused;
        bool want[_EVENT_TYPE_MAX]; /* done when one of these was seen */
        bool done;
} Seen;

static void on_observe(void *userdata, const Observation *o) {
        Seen *s = userdata;

        assert_true(o->type >= 0 && o->type < _EVENT_TYPE_MAX);
        s->n[o->type]++;
        s->last = *o;
        snprintf(s->source, sizeof s->source, "%s", o->limits ? o->limits->memory.source : "");
        if (s->want[o->type])
                s->done = true;
}

static void on_paused(void *userdata) {
        ((Seen *) userdata)->paused = true;
}

typedef struct T {
        CgFixture f;
        ServiceConfig *cfg;
        CgLimits limits;
        Watch *w;
        Seen seen;
} T;

static void t_start(T *t, const char *const *kv, bool may_write) {
        fx_setup_v2(&t->f, "svc", "209715200\n"); /* 200M */
        t->cfg = fx_service("svc", kv);
        t->limits = CG_LIMITS_NONE;
        t->limits.memory_max = 200 * MIB;
        assert_int_equal(watch_new(
                                 &(WatchSpec){
                                         .event = t->f.event,
                                         .cg_context = t->f.ctx,
                                         .cg = t->f.cg,
                                         .cfg = t->cfg,
                                         .limits = &t->limits,
                                         .may_write = may_write,
                                 },
                                 &(WatchCallbacks){ .observe = on_observe, .paused = on_paused }, &t->seen,
                                 &t->w),
                         0);
}

static void t_stop(T *t) {
        t->w = watch_free(t->w);
        t->cfg = service_config_free(t->cfg);
        fx_teardown(&t->f);
}

/* usage above capture_at (85 % of the service's 200M memory.max) is a
 * pre-oom with the numbers and the limit's source */
static void test_pre_oom_from_sampling(void **state) {
        T t = {};

        t_start(&t, KV("sample_interval", "100ms"), true);
        watch_started(t.w, getpid(), 0);
        assert_int_equal(t.seen.n[EVENT_PRE_OOM], 0);
        t.seen.want[EVENT_PRE_OOM] = true;
        fx_write(&t.f, "memory.current", "199229440\n"); /* 190M */
        assert_true(fx_run_until(&t.f, &t.seen.done, 5000));
        assert_int_equal(t.seen.last.type, EVENT_PRE_OOM);
        assert_int_equal(t.seen.last.trigger.memory_current, 190 * MIB);
        assert_int_equal(t.seen.last.trigger.memory_max, 200 * MIB);
        assert_non_null(strstr(t.seen.source, "memory.max of /services/svc"));
        assert_non_null(strstr(t.seen.last.trigger.what, "capture_at"));
        /* one per episode: more samples above the threshold say nothing */
        for (int i = 0; i < 10; i++)
                (void) sd_event_run(t.f.event, 30 * 1000);
        assert_int_equal(t.seen.n[EVENT_PRE_OOM], 1);
        t_stop(&t);
}

/* memory.events: oom_kill raised is an oom-kill (inotify, not sampling) */
static void test_oom_kill_from_events(void **state) {
        T t = {};

        t_start(&t, KV("sample_interval", "10s"), true);
        watch_started(t.w, getpid(), 0);
        t.seen.want[EVENT_OOM_KILL] = true;
        fx_write(&t.f, "memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n");
        assert_true(fx_run_until(&t.f, &t.seen.done, 5000));
        assert_int_equal(t.seen.n[EVENT_OOM_KILL], 1);
        assert_non_null(strstr(t.seen.last.trigger.what, "memory.events oom_kill +1"));
        t_stop(&t);
}

/* tasks at pids_capture_at (90 % of pids.max) and a refused fork */
static void test_pids(void **state) {
        T t = {};

        t_start(&t, KV("sample_interval", "100ms"), true);
        fx_write(&t.f, "pids.max", "100\n");
        watch_started(t.w, getpid(), 0);
        t.seen.want[EVENT_PIDS_LIMIT] = true;
        fx_write(&t.f, "pids.current", "95\n");
        assert_true(fx_run_until(&t.f, &t.seen.done, 5000));
        assert_int_equal(t.seen.last.trigger.pids_current, 95);
        assert_int_equal(t.seen.last.trigger.pids_max, 100);
        t.seen.done = false;
        t.seen.want[EVENT_PIDS_MAX] = true;
        fx_write(&t.f, "pids.events", "max 2\n");
        assert_true(fx_run_until(&t.f, &t.seen.done, 5000));
        assert_int_equal(t.seen.n[EVENT_PIDS_MAX], 1);
        assert_non_null(strstr(t.seen.last.trigger.what, "pids.events max +2"));
        t_stop(&t);
}

/* memory_high = none: the soft limit is placed at capture_at while the
 * process runs and lifted when the pre-oom is seen */
static void test_tripwire(void **state) {
        T t = {};

        t_start(&t, KV("memory_high", "none", "sample_interval", "100ms"), true);
        watch_started(t.w, getpid(), 0);
        assert_string_equal(fx_read(&t.f, "memory.high"), "178257920"); /* 85 % of 200M */
        t.seen.want[EVENT_PRE_OOM] = true;
        fx_write(&t.f, "memory.events", "low 0\nhigh 1\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        fx_write(&t.f, "memory.current", "180355072\n"); /* 172M */
        assert_true(fx_run_until(&t.f, &t.seen.done, 5000));
        assert_string_equal(fx_read(&t.f, "memory.high"), "max");
        t_stop(&t);
}

/* a watcher that may not write the cgroup observes all the same */
static void test_may_not_write(void **state) {
        T t = {};

        t_start(&t, KV("memory_high", "none", "sample_interval", "100ms"), false);
        watch_started(t.w, getpid(), 0);
        assert_string_equal(fx_read(&t.f, "memory.high"), "max");
        t.seen.want[EVENT_PRE_OOM] = true;
        fx_write(&t.f, "memory.current", "199229440\n");
        assert_true(fx_run_until(&t.f, &t.seen.done, 5000));
        assert_string_equal(fx_read(&t.f, "memory.high"), "max");
        t_stop(&t);
}

/* a slice above with a smaller memory.max is the effective limit */
static void test_effective_limit_above(void **state) {
        T t = {};
        char p[256];
        FILE *f;
        WatchSample ws;

        t_start(&t, KV("sample_interval", "10s"), true);
        snprintf(p, sizeof p, "%s/services/memory.max", t.f.root);
        f = fopen(p, "we");
        assert_non_null(f);
        fputs("104857600\n", f); /* 100M */
        fclose(f);
        watch_started(t.w, getpid(), 0);
        watch_get_sample(t.w, &ws);
        assert_int_equal(ws.limits.memory.value, 100 * MIB);
        assert_string_equal(ws.limits.memory.source, "memory.max of /services");
        t_stop(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pre_oom_from_sampling),
                cmocka_unit_test(test_oom_kill_from_events),
                cmocka_unit_test(test_pids),
                cmocka_unit_test(test_tripwire),
                cmocka_unit_test(test_may_not_write),
                cmocka_unit_test(test_effective_limit_above),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
