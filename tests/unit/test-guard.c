/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guard (guard.h) with a fake owner on a fixture cgroup tree
 * (cgroup-fixture.h): a sequence of what the kernel's files say becomes
 * the owner calls and cgroup writes the policy asks for. Cooldowns count
 * per process; a throttle holds the soft limit and gives it back; a guard
 * that may not write leaves the cgroup alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cgroup-fixture.h"
#include "guard/guard-internal.h"
#include "guard/guard.h"

#define MIB (UINT64_C(1024) * 1024)
#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })

typedef struct Owner {
        pid_t pid;
        uint64_t incarnation;
        bool may_write;
        unsigned restarts, stops, kills, changes;
        bool done; /* set by the call a test waits for */
        unsigned *wait_for; /* that counter */
        unsigned wait_until;
} Owner;

static void check_done(Owner *o) {
        if (o->wait_for && *o->wait_for >= o->wait_until)
                o->done = true;
}

static void o_describe(void *owner, GuardProcess *ret) {
        Owner *o = owner;
        *ret = (GuardProcess){ .pid = o->pid, .incarnation = o->incarnation, .exe = "/bin/true" };
}

static int o_restart(void *owner) {
        Owner *o = owner;
        o->restarts++;
        check_done(o);
        return 0;
}

static int o_stop(void *owner) {
        Owner *o = owner;
        o->stops++;
        check_done(o);
        return 0;
}

static int o_kill(void *owner) {
        Owner *o = owner;
        o->kills++;
        check_done(o);
        return 0;
}

static bool o_may_write(void *owner) {
        return ((Owner *) owner)->may_write;
}

static void o_changed(void *owner) {
        Owner *o = owner;
        o->changes++;
        check_done(o);
}

static const GuardOwnerOps ops = {
        .describe = o_describe,
        .restart = o_restart,
        .stop = o_stop,
        .kill = o_kill,
        .may_write = o_may_write,
        .changed = o_changed,
};

typedef struct T {
        CgFixture f;
        ServiceConfig *cfg;
        CgLimits limits;
        Guard *g;
        Owner o;
        char capdir[192]; /* the guard holds it by reference */
} T;

static void t_start(T *t, const char *const *kv, bool may_write) {
        fx_setup_v2(&t->f, "svc", "209715200\n"); /* 200M */
        t->cfg = fx_service("svc", kv);
        t->limits = CG_LIMITS_NONE;
        t->limits.memory_max = 200 * MIB;
        t->limits.memory_high = 180 * MIB; /* as memory_high = 90% resolves */
        t->o = (Owner){ .pid = getpid(), .incarnation = 1, .may_write = may_write };
        snprintf(t->capdir, sizeof t->capdir, "%s/captures", t->f.root);
        assert_int_equal(guard_new(
                                 &(GuardSpec){
                                         .event = t->f.event,
                                         .cg_context = t->f.ctx,
                                         .cg = t->f.cg,
                                         .cfg = t->cfg,
                                         .limits = &t->limits,
                                         .capture_dir = t->capdir,
                                 },
                                 &ops, &t->o, &t->g),
                         0);
        guard_started(t->g);
}

static void t_stop(T *t) {
        guard_stopped(t->g);
        t->g = guard_free(t->g);
        t->cfg = service_config_free(t->cfg);
        fx_teardown(&t->f);
}

static bool wait_for(T *t, unsigned *counter, unsigned n) {
        t->o.done = false;
        t->o.wait_for = counter;
        t->o.wait_until = n;
        check_done(&t->o);
        return fx_run_until(&t->f, &t->o.done, 5000);
}

/* pids-limit, then the same again within action_cooldown: one restart per
 * process; the next process gets its own */
static void test_cooldown_per_process(void **state) {
        T t = {};

        t_start(&t, KV("on_pids_limit", "restart", "action_cooldown", "1h", "sample_interval", "100ms"),
                true);
        fx_write(&t.f, "pids.max", "100\n");
        guard_stopped(t.g); /* the task limit is read at a start */
        guard_started(t.g);
        fx_write(&t.f, "pids.current", "95\n");
        assert_true(wait_for(&t, &t.o.restarts, 1));
        /* the episode ends and comes back: same process, cooling down */
        fx_write(&t.f, "pids.current", "10\n");
        for (int i = 0; i < 5; i++)
                (void) sd_event_run(t.f.event, 150 * 1000);
        fx_write(&t.f, "pids.current", "95\n");
        for (int i = 0; i < 10; i++)
                (void) sd_event_run(t.f.event, 150 * 1000);
        assert_int_equal(t.o.restarts, 1);
        assert_int_equal(t.g->observations[EVENT_PIDS_LIMIT], 2);
        /* a new process: its first pids-limit acts */
        guard_stopped(t.g);
        t.o.incarnation = 2;
        fx_write(&t.f, "pids.current", "1\n");
        guard_started(t.g);
        fx_write(&t.f, "pids.current", "95\n");
        assert_true(wait_for(&t, &t.o.restarts, 2));
        assert_int_equal(t.o.stops + t.o.kills, 0);
        t_stop(&t);
}

/* pre-oom with on_pre_oom = throttle: the soft limit held halfway to the
 * hard one; released when usage falls below throttle_release_at */
static void test_throttle_and_release(void **state) {
        T t = {};

        t_start(&t, KV("on_pre_oom", "throttle", "sample_interval", "100ms"), true);
        fx_write(&t.f, "memory.current", "199229440\n"); /* 190M */
        assert_true(wait_for(&t, &t.o.changes, 1));
        assert_true(t.g->throttled);
        assert_string_equal(fx_read(&t.f, "memory.high"), "204472320"); /* 190M + (200M - 190M) / 2 */
        fx_write(&t.f, "memory.current", "10485760\n"); /* 10M */
        assert_true(wait_for(&t, &t.o.changes, 2));
        assert_false(t.g->throttled);
        assert_string_equal(fx_read(&t.f, "memory.high"), "188743680"); /* the configured 180M */
        assert_int_equal(t.o.restarts + t.o.stops + t.o.kills, 0);
        t_stop(&t);
}

/* a guard that may not write the cgroup observes and decides, and leaves
 * the limits as they are */
static void test_may_not_write(void **state) {
        T t = {};

        t_start(&t, KV("on_pre_oom", "throttle", "sample_interval", "100ms"), false);
        fx_write(&t.f, "memory.current", "199229440\n");
        for (int i = 0; i < 20 && t.g->observations[EVENT_PRE_OOM] == 0; i++)
                (void) sd_event_run(t.f.event, 100 * 1000);
        assert_int_equal(t.g->observations[EVENT_PRE_OOM], 1);
        assert_false(t.g->throttled);
        assert_string_equal(fx_read(&t.f, "memory.high"), "max");
        t_stop(&t);
}

/* oom-kill: stop; pids-max: kill: the owner does both */
static void test_stop_and_kill_go_to_the_owner(void **state) {
        T t = {};

        t_start(&t, KV("on_oom_kill", "stop", "on_pids_max", "kill", "sample_interval", "1s"), true);
        fx_write(&t.f, "memory.events", "low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\noom_group_kill 0\n");
        assert_true(wait_for(&t, &t.o.stops, 1));
        assert_int_equal(t.g->n_oom_kills, 1);
        fx_write(&t.f, "pids.events", "max 1\n");
        assert_true(wait_for(&t, &t.o.kills, 1));
        assert_int_equal(t.o.restarts, 0);
        t_stop(&t);
}

/* an owner's own observation (a missed watchdog) is decided like the
 * watchers' */
static void test_report(void **state) {
        T t = {};

        t_start(&t, KV("on_hang", "restart", "sample_interval", "1s"), true);
        guard_report(t.g, EVENT_HANG, "no WATCHDOG=1 for watchdog (1s)", false);
        assert_int_equal(t.o.restarts, 1);
        assert_string_equal(t.g->last_event, "hang");
        assert_string_equal(t.g->trigger.what, "no WATCHDOG=1 for watchdog (1s)");
        t_stop(&t);
}

/* A JVM's "Picked up JAVA_TOOL_OPTIONS: ..." on stderr repeats its
 * options, which may name what a trigger looks for: it fires nothing. The
 * same text from the service itself (stdout) does. */
static void test_trigger_skips_jvm_options_echo(void **state) {
        static const char *const echoes[] = {
                "Picked up JAVA_TOOL_OPTIONS: -XX:+StartAttachListener -XX:+HeapDumpOnOutOfMemoryError",
                "NOTE: Picked up JDK_JAVA_OPTIONS: -XX:+HeapDumpOnOutOfMemoryError",
                "Picked up _JAVA_OPTIONS: -XX:+ExitOnOutOfMemoryError",
        };
        const char *oome = "Exception in thread \"main\" java.lang.OutOfMemoryError: Java heap space";
        T t = {};

        t_start(&t, KV("log_trigger", "OutOfMemoryError => restart", "action_cooldown", "0"), true);
        for (size_t i = 0; i < ELEMENTSOF(echoes); i++)
                guard_on_line(t.g, 2, echoes[i], strlen(echoes[i]));
        assert_int_equal(t.o.restarts, 0);
        assert_string_equal(t.g->last_event, "");
        guard_on_line(t.g, 2, oome, strlen(oome));
        assert_int_equal(t.o.restarts, 1);
        assert_string_equal(t.g->last_event, "log-trigger");
        guard_on_line(t.g, 1, echoes[0], strlen(echoes[0]));
        assert_int_equal(t.o.restarts, 2);
        t_stop(&t);
}

static void on_capture_done(void *userdata, const char *path, bool complete) {
        *(bool *) userdata = true;
}

/* an oom-kill while a capture runs: its decision (here a stop) waits for
 * that capture's end and gets the kill's trigger, not that of an
 * observation in between */
static void test_oom_kill_during_capture(void **state) {
        CaptureTrigger kill = {
                .memory_current = 200 * MIB,
                .memory_max = 200 * MIB,
                .pids_current = UINT64_MAX,
                .pids_max = UINT64_MAX,
                .eta = USEC_INFINITY,
        };
        bool done = false;
        T t = {};

        t_start(&t, KV("on_oom_kill", "stop", "on_hang", "notify", "sample_interval", "1h"), true);
        assert_int_equal(guard_capture(t.g, "manual", "by hand", on_capture_done, &done), 0);
        assert_non_null(t.g->capture);
        snprintf(kill.what, sizeof kill.what, "the kernel killed it");
        guard_observed(t.g, EVENT_OOM_KILL, &kill, NULL, false);
        assert_true(t.g->oom_kill_deferred);
        assert_non_null(t.g->deferred_trigger);
        guard_report(t.g, EVENT_HANG, "something else", false);
        assert_string_equal(t.g->trigger.what, "something else");
        assert_int_equal(t.o.stops, 0);
        assert_true(fx_run_until(&t.f, &done, 30000));
        assert_int_equal(t.o.stops, 1);
        assert_false(t.g->oom_kill_deferred);
        assert_null(t.g->deferred_trigger);
        assert_string_equal(t.g->trigger.what, "the kernel killed it");
        assert_non_null(t.g->last_capture);
        assert_ptr_equal(strstr(t.g->last_capture, t.capdir), t.g->last_capture);
        t_stop(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_trigger_skips_jvm_options_echo),
                cmocka_unit_test(test_cooldown_per_process),
                cmocka_unit_test(test_throttle_and_release),
                cmocka_unit_test(test_may_not_write),
                cmocka_unit_test(test_stop_and_kill_go_to_the_owner),
                cmocka_unit_test(test_report),
                cmocka_unit_test(test_oom_kill_during_capture),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
