/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "policies/engine.h"
#include "service-fixture.h"

#define S USEC_PER_SEC
#define MINUTE USEC_PER_MINUTE
#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)
#define T0 (1000 * S) /* the fake clock starts here, so "0" is never "now" */
#define UNLIMITED UINT64_MAX

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define ALL_ACTIONS "capture restart stop kill throttle notify"

/* ---- helpers ---- */

/* The trigger slots of a test's state: as many as the parser accepts
 * (its LOG_TRIGGERS_MAX; test_trigger_limit checks they agree). One state
 * at a time uses them. */
#define TRIGGERS_MAX 256
static PolicyTrigger slots[TRIGGERS_MAX];

static void state_init(PolicyState *st) {
        memset(slots, 0x5a, sizeof slots); /* init must set every one */
        policy_state_init(st, slots, ELEMENTSOF(slots));
}

/* A validated service built through the real parser: defaults are the
 * parser's, keys are set as a config file would set them. */
static ServiceConfig *svc_new(const char *const *kv) {
        return fx_service("svc", kv);
}

/* "capture restart | notify:cooldown throttle:throttled" */
static const char *decision_str(const PolicyDecision *d, char buf[static 256]) {
        size_t n = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < d->n; i++)
                n += (size_t) snprintf(buf + n, 256 - n, "%s%s", i ? " " : "",
                                       action_type_to_string(d->a[i]));
        n += (size_t) snprintf(buf + n, 256 - n, " |");
        for (size_t i = 0; i < d->suppressed; i++)
                n += (size_t) snprintf(buf + n, 256 - n, " %s:%s", action_type_to_string(d->s[i]),
                                       policy_drop_to_string(d->s_reason[i]));
        return buf;
}

static PolicyDecision decide(const ServiceConfig *c, PolicyState *st, EventType e, usec_t now, bool running,
                             int trigger) {
        PolicyInput in = { .event = e, .now = now, .running = running, .trigger = trigger };
        PolicyDecision d;
        int r;

        memset(&d, 0xaa, sizeof d);
        r = policy_decide(c, st, &in, &d);
        assert_true(r >= 0);
        assert_int_equal(r, d.n);
        assert_true(d.n + d.suppressed <= ACTION_LIST_MAX);
        assert_true(strlen(d.why) > 0);
        assert_true(strlen(d.why) < POLICY_WHY_MAX);
        return d;
}

/* What the table-driven tests are at, for failure messages. */
static char ctx[160];

static void expect_decision(const PolicyDecision *d, const char *want) {
        char buf[256];

        if (!streq(decision_str(d, buf), want))
                fail_msg("%s%sdecision '%s', want '%s' (why: %s)", ctx, ctx[0] ? ": " : "", buf, want,
                         d->why);
}

/* ---- the exhaustive table: event x running x restart x throttled x lists ---- */

enum { V_DEFAULT, V_NONE, V_ALL, _V_MAX };
static const char *const variant_name[_V_MAX] = { "default", "none", "all" };

static const char *const event_keys[_EVENT_TYPE_MAX] = {
        [EVENT_PRE_OOM] = "on_pre_oom",
        [EVENT_OOM_KILL] = "on_oom_kill",
        [EVENT_PIDS_LIMIT] = "on_pids_limit",
        [EVENT_PIDS_MAX] = "on_pids_max",
        [EVENT_LEAK_TREND] = "on_leak_trend",
        [EVENT_LOG_TRIGGER] = "on_log_trigger",
        [EVENT_HANG] = "on_hang",
        [EVENT_HEAP_LEAK] = "on_heap_leak",
        [EVENT_GC_OVERHEAD] = "on_gc_overhead",
};

/* The defaults the issue promises, written out here, not read from config.c. */
static const ActionType default_lists[_EVENT_TYPE_MAX][3] = {
        [EVENT_PRE_OOM] = { ACTION_CAPTURE, ACTION_NONE },
        [EVENT_OOM_KILL] = { ACTION_CAPTURE, ACTION_RESTART, ACTION_NONE },
        [EVENT_PIDS_LIMIT] = { ACTION_CAPTURE, ACTION_NONE },
        [EVENT_PIDS_MAX] = { ACTION_CAPTURE, ACTION_NONE },
        [EVENT_LEAK_TREND] = { ACTION_CAPTURE, ACTION_NOTIFY, ACTION_NONE },
        [EVENT_LOG_TRIGGER] = { ACTION_CAPTURE, ACTION_NONE },
        [EVENT_HANG] = { ACTION_CAPTURE, ACTION_RESTART, ACTION_NONE },
        [EVENT_HEAP_LEAK] = { ACTION_CAPTURE, ACTION_NONE },
        [EVENT_GC_OVERHEAD] = { ACTION_CAPTURE, ACTION_NONE },
};

static ServiceConfig *variant_new(int v, RestartMode m) {
        const char *list = v == V_NONE ? "none" : ALL_ACTIONS;
        char own[128];
        ServiceConfig *s;

        /* trigger 0 has its own list, trigger 1 uses on_log_trigger */
        snprintf(own, sizeof own, "OutOfMemoryError => %s", v == V_DEFAULT ? "capture restart" : list);
        s = svc_new(KV("restart", restart_mode_to_string(m), "log_trigger", own, "log_trigger", "plain"));
        if (v != V_DEFAULT)
                for (int e = 0; e < _EVENT_TYPE_MAX; e++)
                        assert_int_equal(service_config_set(s, event_keys[e], list, NULL), 0);
        return s;
}

/* The list the engine must use, as the issue states it. */
static size_t expected_list(int v, EventType e, int trigger, ActionType ret[static ACTION_LIST_MAX]) {
        static const ActionType all[] = { ACTION_CAPTURE, ACTION_RESTART,  ACTION_STOP,
                                          ACTION_KILL,    ACTION_THROTTLE, ACTION_NOTIFY };
        size_t n = 0;

        if (v == V_NONE)
                return 0;
        if (v == V_ALL) {
                memcpy(ret, all, sizeof all);
                return ELEMENTSOF(all);
        }
        if (trigger == 0) {
                ret[0] = ACTION_CAPTURE;
                ret[1] = ACTION_RESTART;
                return 2;
        }
        for (; default_lists[e][n] != ACTION_NONE; n++)
                ret[n] = default_lists[e][n];
        return n;
}

/* The state rules, from the brief: -1 when the action may run. `own`: the
 * list was written in the service's section (only such a list's restart
 * overrides restart = no while the process runs). */
static int expected_state_drop(ActionType a, EventType e, bool running, RestartMode m, bool throttled,
                               bool own) {
        if (a == ACTION_RESTART && m == RESTART_NO && (!running || !own))
                return POLICY_DROP_RESTART_NO;
        if (a == ACTION_CAPTURE && !running && e != EVENT_OOM_KILL)
                return POLICY_DROP_NOT_RUNNING;
        if (a == ACTION_THROTTLE && !running)
                return POLICY_DROP_NOT_RUNNING;
        if (a == ACTION_THROTTLE && throttled)
                return POLICY_DROP_THROTTLED;
        return -1;
}

/* Appends " action" or " action:reason" (no space before the first). */
static void append(char *buf, size_t size, bool *first, const char *action, const char *reason) {
        size_t n = strlen(buf);

        snprintf(buf + n, size - n, "%s%s%s%s", *first ? "" : " ", action, reason ? ":" : "", reason ?: "");
        *first = false;
}

/* Expected decision string; `ran` (optional) holds what a previous
 * decision ran (a cooldown applies), `trigger_cooling` that the trigger
 * fired recently. */
static void expected_str(const ActionType *list, size_t n, EventType e, bool running, RestartMode m,
                         bool throttled, bool own, const PolicyDecision *ran, bool trigger_cooling,
                         char buf[static 256]) {
        char drops[256] = "";
        bool first_run = true, first_drop = true;

        buf[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                int drop = trigger_cooling ? POLICY_DROP_TRIGGER_COOLDOWN
                                           : expected_state_drop(list[i], e, running, m, throttled, own);

                if (drop < 0 && ran && list[i] != ACTION_KILL && list[i] != ACTION_THROTTLE)
                        for (size_t j = 0; j < ran->n; j++)
                                if (ran->a[j] == list[i])
                                        drop = POLICY_DROP_COOLDOWN;
                if (drop < 0)
                        append(buf, 256, &first_run, action_type_to_string(list[i]), NULL);
                else
                        append(drops, sizeof drops, &first_drop, action_type_to_string(list[i]),
                               policy_drop_to_string(drop));
        }
        strcat(buf, " |");
        if (drops[0]) {
                strcat(buf, " ");
                strcat(buf, drops);
        }
}

static unsigned n_matrix_cases;

/* One case: a fresh decision, the same just before the cooldown ends, and
 * at its end (as fresh again). */
static void matrix_case(const ServiceConfig *c, int v, RestartMode m, EventType e, int trigger, bool running,
                        bool throttled) {
        ActionType list[ACTION_LIST_MAX];
        size_t n = expected_list(v, e, trigger, list);
        PolicyDecision first, again, later;
        PolicyState st;
        char want[256];
        /* V_NONE and V_ALL lists and trigger 0's own list are written in the
         * section; V_DEFAULT's event lists are the defaults */
        bool own = v != V_DEFAULT || trigger == 0;

        snprintf(ctx, sizeof ctx, "lists %s, %s #%d, %s, restart=%s, %s", variant_name[v],
                 event_type_to_string(e), trigger, running ? "running" : "gone", restart_mode_to_string(m),
                 throttled ? "throttled" : "not throttled");
        state_init(&st);
        if (throttled)
                policy_throttle_start(&st, T0 - MINUTE, 900 * M);

        first = decide(c, &st, e, T0, running, trigger);
        expected_str(list, n, e, running, m, throttled, own, NULL, false, want);
        expect_decision(&first, want);
        assert_non_null(strstr(first.why, event_type_to_string(e)));
        assert_non_null(strstr(first.why, running ? "running" : "process gone"));

        again = decide(c, &st, e, T0 + c->action_cooldown - 1, running, trigger);
        expected_str(list, n, e, running, m, throttled, own, &first, trigger >= 0 && first.n > 0, want);
        expect_decision(&again, want);

        later = decide(c, &st, e, T0 + c->action_cooldown, running, trigger);
        expect_decision(&later, decision_str(&first, want));

        /* the engine never changes the throttle state */
        assert_int_equal(st.throttled, throttled);
        ctx[0] = '\0';
        n_matrix_cases++;
}

static void test_matrix(void **state) {
        static const struct {
                EventType event;
                int trigger;
        } events[] = {
                { EVENT_PRE_OOM, -1 },    { EVENT_OOM_KILL, -1 },   { EVENT_PIDS_LIMIT, -1 },
                { EVENT_PIDS_MAX, -1 },   { EVENT_LEAK_TREND, -1 }, { EVENT_LOG_TRIGGER, -1 },
                { EVENT_LOG_TRIGGER, 0 }, { EVENT_LOG_TRIGGER, 1 }, { EVENT_HANG, -1 },
        };

        for (int v = 0; v < _V_MAX; v++)
                for (RestartMode m = 0; m < _RESTART_MODE_MAX; m++) {
                        _cleanup_(service_config_freep) ServiceConfig *c = variant_new(v, m);

                        for (size_t i = 0; i < ELEMENTSOF(events); i++)
                                for (int running = 0; running < 2; running++)
                                        for (int throttled = 0; throttled < 2; throttled++)
                                                matrix_case(c, v, m, events[i].event, events[i].trigger,
                                                            running, throttled);
                }
        assert_int_equal(n_matrix_cases, _V_MAX * _RESTART_MODE_MAX * ELEMENTSOF(events) * 2 * 2);
}

/* ---- literal cases, with the full explanation ---- */

static void test_why(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c =
                svc_new(KV("restart", "no", "on_leak_trend", "capture notify", "on_pids_limit", "none",
                           "on_pids_max", "capture throttle", "log_trigger",
                           "OutOfMemoryError => capture restart", "log_trigger", "unable to create"));
        PolicyState st;
        PolicyDecision d;

        state_init(&st);
        d = decide(c, &st, EVENT_PRE_OOM, T0, true, -1);
        assert_string_equal(d.why, "pre-oom (on_pre_oom, default), running: run capture");

        d = decide(c, &st, EVENT_PRE_OOM, T0 + 12 * S, true, -1);
        assert_string_equal(d.why, "pre-oom (on_pre_oom, default), running: nothing to run; dropped capture "
                                   "(cooldown: ran 12s ago, 48s left)");

        d = decide(c, &st, EVENT_OOM_KILL, T0, false, -1);
        assert_string_equal(d.why, "oom-kill (on_oom_kill, default), process gone: run capture; dropped "
                                   "restart (restart=no and the process is gone)");

        d = decide(c, &st, EVENT_PIDS_LIMIT, T0, true, -1);
        assert_string_equal(d.why, "pids-limit (on_pids_limit = none), running: nothing to run");

        d = decide(c, &st, EVENT_LEAK_TREND, T0, true, -1);
        assert_string_equal(d.why, "leak-trend (on_leak_trend), running: run capture notify");
        /* same explanation, shared */
        d = decide(c, &st, EVENT_LEAK_TREND, T0 + 1500 * USEC_PER_MSEC, true, -1);
        assert_string_equal(d.why, "leak-trend (on_leak_trend), running: nothing to run; dropped capture "
                                   "notify (cooldown: ran 1s500ms ago, 58s500ms left)");

        d = decide(c, &st, EVENT_HANG, T0, false, -1);
        assert_string_equal(d.why, "hang (on_hang, default), process gone: nothing to run; dropped capture "
                                   "(no process to capture), restart (restart=no and the process is gone)");

        policy_throttle_start(&st, T0, 900 * M);
        d = decide(c, &st, EVENT_PIDS_MAX, T0 + 30 * S, true, -1);
        assert_string_equal(d.why,
                            "pids-max (on_pids_max), running, throttled: run capture; dropped throttle "
                            "(throttled already, for 30s)");
        policy_throttle_end(&st);

        d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, 0);
        assert_string_equal(d.why,
                            "log-trigger #0 (its own list), running: run capture restart; restart "
                            "despite restart = no: the log trigger's own list in the service's section "
                            "asks for it");
        d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + 5 * S, true, 0);
        assert_string_equal(d.why, "log-trigger #0 (its own list), running: nothing to run; dropped capture "
                                   "restart (trigger cooldown: fired 5s ago, 55s left)");
        d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + 5 * S, true, 1);
        assert_string_equal(d.why, "log-trigger #1 (on_log_trigger, default), running: nothing to run; "
                                   "dropped capture (cooldown: ran 5s ago, 55s left)");

        /* above a minute, whole seconds */
        assert_int_equal(service_config_set(c, "action_cooldown", "10min", NULL), 0);
        d = decide(c, &st, EVENT_PRE_OOM, T0 + 90 * S + 123456, true, -1);
        assert_string_equal(d.why, "pre-oom (on_pre_oom, default), running: nothing to run; dropped capture "
                                   "(cooldown: ran 1min30s ago, 8min29s left)");
}

static void test_why_truncated(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c = svc_new(KV("on_hang", ALL_ACTIONS));
        PolicyState st;
        PolicyDecision d;

        /* every action ran at a different time: no explanation is shared */
        state_init(&st);
        for (int a = 0; a < _ACTION_TYPE_MAX; a++)
                st.last_run[EVENT_HANG][a] = T0 + (usec_t) a * 1234567;
        policy_throttle_start(&st, T0, 0);
        d = decide(c, &st, EVENT_HANG, T0 + 10 * S + 1, true, -1);
        expect_decision(&d, "kill | capture:cooldown restart:cooldown stop:cooldown throttle:throttled "
                            "notify:cooldown");
        assert_int_equal(strlen(d.why), POLICY_WHY_MAX - 1);
        assert_string_equal(d.why + POLICY_WHY_MAX - 4, "...");
        assert_memory_equal(
                d.why, "hang (on_hang), running, throttled: run kill; dropped capture (cooldown: ran ",
                strlen("hang (on_hang), running, throttled: run kill; dropped capture (cooldown: ran "));
}

/* ---- cooldowns with a fake clock ---- */

static void test_cooldown_boundaries(void **state) {
        static const struct {
                const char *cooldown; /* NULL: the default, 60s */
                usec_t dt;
                bool runs;
        } rows[] = {
                { NULL, 0, false },
                { NULL, 1, false },
                { NULL, 59 * S, false },
                { NULL, 60 * S - 1, false },
                { NULL, 60 * S, true },
                { NULL, 60 * S + 1, true },
                { NULL, 1000 * MINUTE, true },
                { "10s", 10 * S - 1, false },
                { "10s", 10 * S, true },
                { "250ms", 249999, false },
                { "250ms", 250000, true },
                { "0", 0, true },
                { "0", 1, true },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(service_config_freep) ServiceConfig *c =
                        rows[i].cooldown ? svc_new(KV("action_cooldown", rows[i].cooldown, "on_pre_oom",
                                                      "capture kill"))
                                         : svc_new(KV("on_pre_oom", "capture kill"));
                PolicyState st;
                PolicyDecision d;

                snprintf(ctx, sizeof ctx, "cooldown %s, dt %" PRIu64 "us", rows[i].cooldown ?: "default",
                         rows[i].dt);
                state_init(&st);
                d = decide(c, &st, EVENT_PRE_OOM, T0, true, -1);
                expect_decision(&d, "capture kill |");
                d = decide(c, &st, EVENT_PRE_OOM, T0 + rows[i].dt, true, -1);
                /* kill is never held back */
                expect_decision(&d, rows[i].runs ? "capture kill |" : "kill | capture:cooldown");
        }
        ctx[0] = '\0';
}

static void test_cooldown_keys(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c = svc_new(KV("on_pre_oom", "capture restart"));
        PolicyState st;
        PolicyDecision d;

        state_init(&st);

        /* per (event, action): other events are not held back */
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0, true, -1), &d), "capture restart |");
        expect_decision((d = decide(c, &st, EVENT_PIDS_LIMIT, T0 + S, true, -1), &d), "capture |");
        expect_decision((d = decide(c, &st, EVENT_HANG, T0 + S, true, -1), &d), "capture restart |");
        expect_decision((d = decide(c, &st, EVENT_HANG, T0 + 2 * S, true, -1), &d),
                        " | capture:cooldown restart:cooldown");

        /* the window starts at the last run, not the first */
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 + 60 * S, true, -1), &d), "capture restart |");
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 + 119 * S, true, -1), &d),
                        " | capture:cooldown restart:cooldown");
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 + 120 * S, true, -1), &d),
                        "capture restart |");

        /* a dropped action is not recorded: it may run as soon as it is allowed */
        state_init(&st);
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0, false, -1), &d),
                        "restart | capture:not-running");
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 + S, true, -1), &d),
                        "capture | restart:cooldown");

        /* a clock that went back counts as "just ran" */
        state_init(&st);
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0, true, -1), &d), "capture restart |");
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 - 10 * S, true, -1), &d),
                        " | capture:cooldown restart:cooldown");
        assert_non_null(strstr(d.why, "ran 0 ago, 1min left"));

        /* at time 0 too (0 is a time, not "never") */
        state_init(&st);
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, 0, true, -1), &d), "capture restart |");
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, 1, true, -1), &d),
                        " | capture:cooldown restart:cooldown");
}

static PolicyDecision decide_inc(const ServiceConfig *c, PolicyState *st, EventType e, usec_t now,
                                 bool running, int trigger, uint64_t incarnation) {
        PolicyInput in = {
                .event = e, .now = now, .running = running, .trigger = trigger, .incarnation = incarnation
        };
        PolicyDecision d;

        assert_true(policy_decide(c, st, &in, &d) >= 0);
        return d;
}

/* Cooldowns count per process incarnation (issue: evidence for every
 * death): a JVM restarted after its pre-oom capture that leaks again
 * within the cooldown gets a capture of its own. */
static void test_cooldown_incarnation(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c =
                svc_new(KV("on_pre_oom", "capture restart", "on_oom_kill", "capture restart", "log_trigger",
                           "OutOfMemoryError => capture"));
        PolicyState st;
        PolicyDecision d;

        state_init(&st);
        /* process 1: captured at T0; again 7 s later it is cooled down */
        expect_decision((d = decide_inc(c, &st, EVENT_PRE_OOM, T0, true, -1, 1), &d), "capture restart |");
        expect_decision((d = decide_inc(c, &st, EVENT_PRE_OOM, T0 + 7 * S, true, -1, 1), &d),
                        " | capture:cooldown restart:cooldown");
        /* process 2, 7 s after process 1's capture: its first pre-oom runs */
        expect_decision((d = decide_inc(c, &st, EVENT_PRE_OOM, T0 + 7 * S, true, -1, 2), &d),
                        "capture restart |");
        /* and its second within the cooldown does not */
        expect_decision((d = decide_inc(c, &st, EVENT_PRE_OOM, T0 + 20 * S, true, -1, 2), &d),
                        " | capture:cooldown restart:cooldown");
        /* process 2's oom-kill: another event, its own key */
        expect_decision((d = decide_inc(c, &st, EVENT_OOM_KILL, T0 + 21 * S, false, -1, 2), &d),
                        "capture restart |");
        /* process 3 killed 1 s later: its post-mortem is not cooled down either */
        expect_decision((d = decide_inc(c, &st, EVENT_OOM_KILL, T0 + 22 * S, false, -1, 3), &d),
                        "capture restart |");
        /* a log trigger: once per process and cooldown */
        expect_decision((d = decide_inc(c, &st, EVENT_LOG_TRIGGER, T0, true, 0, 3), &d), "capture |");
        assert_true(policy_trigger_cooling(c, &st, 0, T0 + S, 3));
        expect_decision((d = decide_inc(c, &st, EVENT_LOG_TRIGGER, T0 + S, true, 0, 3), &d),
                        " | capture:trigger-cooldown");
        assert_false(policy_trigger_cooling(c, &st, 0, T0 + S, 4));
        expect_decision((d = decide_inc(c, &st, EVENT_LOG_TRIGGER, T0 + S, true, 0, 4), &d), "capture |");
        assert_false(policy_trigger_cooling(c, &st, 5, T0 + S, 4)); /* no such trigger */
        /* back to an older incarnation number (never happens; a counter only
         * grows) is a different process too */
        expect_decision((d = decide_inc(c, &st, EVENT_PRE_OOM, T0 + 21 * S, true, -1, 1), &d),
                        "capture restart |");
}

/* restart = no against a list the user did not write: the profile's and
 * the default's restart are dropped (and say why), the user's own runs
 * and says that it overrides restart = no. */
static void test_restart_no_origin(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c =
                svc_new(KV("restart", "no", "on_hang", "capture restart"));
        PolicyState st;
        PolicyDecision d;

        state_init(&st);
        /* the default on_oom_kill (capture restart) while the process is still there */
        c->on_event[EVENT_PRE_OOM] =
                (ActionList){ .n = 2, .set = ACTION_LIST_PROFILE, .a = { ACTION_CAPTURE, ACTION_RESTART } };
        d = decide_inc(c, &st, EVENT_PRE_OOM, T0, true, -1, 1);
        expect_decision(&d, "capture | restart:restart-no");
        assert_string_equal(d.why, "pre-oom (on_pre_oom, profile), running: run capture; dropped restart "
                                   "(restart = no, and this list is the profile's)");
        d = decide_inc(c, &st, EVENT_HANG, T0, true, -1, 1);
        expect_decision(&d, "capture restart |");
        assert_string_equal(d.why, "hang (on_hang), running: run capture restart; restart despite restart = "
                                   "no: on_hang in the service's section asks for it");
        c->on_event[EVENT_HANG].set = ACTION_LIST_DEFAULT;
        d = decide_inc(c, &st, EVENT_HANG, T0, true, -1, 2);
        expect_decision(&d, "capture | restart:restart-no");
        assert_non_null(strstr(d.why, "restart = no, and this list is the default"));
        /* restart = on-failure: the profile's restart runs */
        c->restart = RESTART_ON_FAILURE;
        d = decide_inc(c, &st, EVENT_PRE_OOM, T0, true, -1, 3);
        expect_decision(&d, "capture restart |");
}

static void test_trigger_cooldown(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c = svc_new(
                KV("log_trigger", "OutOfMemoryError => capture restart", "log_trigger",
                   "unable to create (new )?native thread => capture", "log_trigger", "FATAL => kill",
                   "log_trigger", "quiet => none", "log_trigger", "plain", "on_log_trigger", "notify"));
        PolicyState st;
        PolicyDecision d;

        state_init(&st);

        /* the JVM's "OutOfMemoryError: unable to create new native thread"
         * matches #0 and #1: one capture, one restart */
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, 0), &d), "capture restart |");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, 1), &d), " | capture:cooldown");
        assert_int_equal(st.trigger[1].fired, USEC_INFINITY); /* ran nothing: not fired */

        /* #0 again: its own cooldown, whatever its actions */
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + 30 * S, true, 0), &d),
                        " | capture:trigger-cooldown restart:trigger-cooldown");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + 60 * S - 1, true, 0), &d),
                        " | capture:trigger-cooldown restart:trigger-cooldown");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + 60 * S, true, 0), &d),
                        "capture restart |");

        /* kill is exempt from the action cooldown, not from the trigger's */
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, 2), &d), "kill |");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + S, true, 2), &d),
                        " | kill:trigger-cooldown");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + 60 * S, true, 2), &d), "kill |");

        /* "=> none" overrides on_log_trigger with nothing */
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, 3), &d), " |");
        assert_non_null(strstr(d.why, "(its own list = none)"));

        /* no "=> actions": on_log_trigger; triggers cool down separately */
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, 4), &d), "notify |");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + S, true, 4), &d),
                        " | notify:trigger-cooldown");
        assert_non_null(strstr(d.why, "log-trigger #4 (on_log_trigger), "));

        /* a dead process: the trigger ran nothing, so it has not fired */
        state_init(&st);
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, false, 1), &d), " | capture:not-running");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + S, true, 1), &d), "capture |");

        /* without a trigger index: on_log_trigger, no trigger cooldown */
        state_init(&st);
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, -1), &d), "notify |");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0 + S, true, -1), &d), " | notify:cooldown");
}

/* The state slots cover every trigger the parser accepts. */
static void test_trigger_limit(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c = svc_new(NULL);
        PolicyState st;
        PolicyDecision d;
        char *err = NULL;

        for (int i = 0; i < TRIGGERS_MAX; i++)
                assert_int_equal(service_config_set(c, "log_trigger", "x => capture", NULL), 0);
        assert_int_equal(service_config_set(c, "log_trigger", "x => capture", &err), -EINVAL);
        assert_non_null(strstr(err, "at most 256"));
        free(err);
        assert_int_equal(c->n_log_triggers, TRIGGERS_MAX);

        state_init(&st);
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, TRIGGERS_MAX - 1), &d),
                        "capture |");
        assert_int_equal(st.trigger[TRIGGERS_MAX - 1].fired, T0);
}

/* The trigger slots are the caller's: a state with fewer slots than the
 * configuration has triggers refuses the others, and one without slots
 * decides everything but a trigger. */
static void test_trigger_slots(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c = svc_new(
                KV("log_trigger", "a => capture", "log_trigger", "b => notify", "on_pre_oom", "capture"));
        PolicyTrigger two[2];
        PolicyState st, before;
        PolicyDecision d;
        PolicyInput in = { .event = EVENT_LOG_TRIGGER, .now = T0, .running = true, .trigger = 1 };

        policy_state_init(&st, two, 1);
        before = st;
        assert_int_equal(policy_decide(c, &st, &in, &d), -EINVAL);
        assert_memory_equal(&st, &before, sizeof st);
        assert_false(policy_trigger_cooling(c, &st, 1, T0, 0));
        in.trigger = 0;
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, 0), &d), "capture |");
        assert_int_equal(two[0].fired, T0);
        assert_true(policy_trigger_cooling(c, &st, 0, T0 + S, 0));

        policy_state_init(&st, NULL, 0);
        assert_null(st.trigger);
        assert_int_equal(st.n_triggers, 0);
        assert_int_equal(policy_decide(c, &st, &in, &d), -EINVAL);
        assert_false(policy_trigger_cooling(c, &st, 0, T0, 0));
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0, true, -1), &d), "capture |");
        expect_decision((d = decide(c, &st, EVENT_LOG_TRIGGER, T0, true, -1), &d), "capture |");

        /* slots without a count, or a count without slots: none */
        policy_state_init(&st, NULL, 5);
        assert_int_equal(st.n_triggers, 0);
}

static void test_invalid(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c = svc_new(KV("log_trigger", "x => capture"));
        static const PolicyInput bad[] = {
                { .event = _EVENT_TYPE_MAX, .trigger = -1 },
                { .event = _EVENT_TYPE_INVALID, .trigger = -1 },
                { .event = EVENT_LOG_TRIGGER, .trigger = 1 }, /* only #0 exists */
                { .event = EVENT_LOG_TRIGGER, .trigger = -2 },
                { .event = EVENT_PRE_OOM, .trigger = 0 }, /* trigger for another event */
        };
        PolicyState st, before;
        PolicyDecision d, untouched;
        PolicyInput ok = { .event = EVENT_PRE_OOM, .now = T0, .running = true, .trigger = -1 };

        PolicyTrigger slots_before[1];

        state_init(&st);
        memset(&d, 0x5a, sizeof d);
        untouched = d;
        before = st;
        memcpy(slots_before, slots, sizeof slots_before);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(policy_decide(c, &st, &bad[i], &d), -EINVAL);
                assert_memory_equal(&d, &untouched, sizeof d);
                assert_memory_equal(&st, &before, sizeof st);
                assert_memory_equal(slots, slots_before, sizeof slots_before);
        }
        assert_int_equal(policy_decide(NULL, &st, &ok, &d), -EINVAL);
        assert_int_equal(policy_decide(c, NULL, &ok, &d), -EINVAL);
        assert_int_equal(policy_decide(c, &st, NULL, &d), -EINVAL);
        assert_int_equal(policy_decide(c, &st, &ok, NULL), -EINVAL);

        /* hand-made lists: an invalid action is refused, "none" skipped */
        c->on_event[EVENT_PRE_OOM] = (ActionList){ .n = 2, .a = { ACTION_CAPTURE, _ACTION_TYPE_MAX } };
        assert_int_equal(policy_decide(c, &st, &ok, &d), -EINVAL);
        c->on_event[EVENT_PRE_OOM] = (ActionList){ .n = 2, .a = { ACTION_CAPTURE, -1 } };
        assert_int_equal(policy_decide(c, &st, &ok, &d), -EINVAL);
        c->on_event[EVENT_PRE_OOM] = (ActionList){ .n = ACTION_LIST_MAX + 1 };
        assert_int_equal(policy_decide(c, &st, &ok, &d), -EINVAL);
        assert_memory_equal(&st, &before, sizeof st);
        c->on_event[EVENT_PRE_OOM] = (ActionList){ .n = 2, .a = { ACTION_NONE, ACTION_NOTIFY } };
        assert_int_equal(policy_decide(c, &st, &ok, &d), 1);
        expect_decision(&d, "notify |");
}

static void test_strings(void **state) {
        for (int i = 0; i < _POLICY_DROP_MAX; i++)
                assert_non_null(policy_drop_to_string(i));
        assert_null(policy_drop_to_string(_POLICY_DROP_MAX));
        assert_null(policy_drop_to_string(_POLICY_DROP_INVALID));
        for (int i = 0; i < _THROTTLE_VERDICT_MAX; i++)
                assert_non_null(throttle_verdict_to_string(i));
        assert_null(throttle_verdict_to_string(_THROTTLE_VERDICT_MAX));
        assert_null(throttle_verdict_to_string(_THROTTLE_VERDICT_INVALID));
}

/* ---- throttle ---- */

/* 70 % of 1G, truncated as limit_resolve() does */
#define L70 UINT64_C(751619276)

static unsigned n_throttle_rows;

static void test_throttle_table(void **state) {
        static const struct {
                const char *release_at; /* NULL: default 70% */
                uint64_t memory_max;
                uint64_t start; /* usage when throttling began, 0 = unknown */
                uint64_t usage;
                usec_t elapsed;
                ThrottleVerdict want;
        } rows[] = {
                /* usage around the release level, 70 % of memory_max */
                { NULL, G, 900 * M, L70 - 1, MINUTE, THROTTLE_RELEASE },
                { NULL, G, 900 * M, L70, MINUTE, THROTTLE_HOLD },
                { NULL, G, 900 * M, L70 + 1, MINUTE, THROTTLE_HOLD },
                { NULL, G, 900 * M, 0, 0, THROTTLE_RELEASE },
                { NULL, G, 0, L70 - 1, MINUTE, THROTTLE_RELEASE },
                { NULL, G, 0, L70, MINUTE, THROTTLE_HOLD },
                /* time around throttle_max (10min) */
                { NULL, G, 900 * M, 900 * M, 0, THROTTLE_HOLD },
                { NULL, G, 900 * M, 900 * M, 10 * MINUTE - 1, THROTTLE_HOLD },
                { NULL, G, 900 * M, 900 * M, 10 * MINUTE, THROTTLE_ESCALATE },
                { NULL, G, 900 * M, 900 * M, 10 * MINUTE + 1, THROTTLE_ESCALATE },
                { NULL, G, 900 * M, L70, 10 * MINUTE, THROTTLE_ESCALATE },
                /* usage back down wins over escalation at the same sample */
                { NULL, G, 900 * M, L70 - 1, 10 * MINUTE, THROTTLE_RELEASE },
                { NULL, G, 900 * M, L70 - 1, 100 * MINUTE, THROTTLE_RELEASE },
                /* hysteresis: throttled at 600M, below the 70 % level: release
                 * at 70 % of 600M = 420M instead of at once */
                { NULL, G, 600 * M, 500 * M, MINUTE, THROTTLE_HOLD },
                { NULL, G, 600 * M, 420 * M, MINUTE, THROTTLE_HOLD },
                { NULL, G, 600 * M, 420 * M - 1, MINUTE, THROTTLE_RELEASE },
                { NULL, G, L70, L70 - 1, MINUTE, THROTTLE_HOLD },
                { NULL, G, L70 + 1, L70 - 1, MINUTE, THROTTLE_RELEASE },
                /* memory_max unlimited: 70 % of the usage when throttling began */
                { NULL, UNLIMITED, G, L70 - 1, MINUTE, THROTTLE_RELEASE },
                { NULL, UNLIMITED, G, L70, MINUTE, THROTTLE_HOLD },
                { NULL, UNLIMITED, G, L70, 10 * MINUTE, THROTTLE_ESCALATE },
                /* ... and unknown: no release level, only escalation */
                { NULL, UNLIMITED, 0, 0, MINUTE, THROTTLE_HOLD },
                { NULL, UNLIMITED, 0, 0, 10 * MINUTE - 1, THROTTLE_HOLD },
                { NULL, UNLIMITED, 0, 0, 10 * MINUTE, THROTTLE_ESCALATE },
                /* sizes */
                { "500M", G, 900 * M, 500 * M - 1, MINUTE, THROTTLE_RELEASE },
                { "500M", G, 900 * M, 500 * M, MINUTE, THROTTLE_HOLD },
                { "500M", UNLIMITED, 0, 500 * M - 1, MINUTE, THROTTLE_RELEASE },
                { "800M", G, 700 * M, 600 * M, MINUTE, THROTTLE_HOLD }, /* 800M >= 700M: 490M */
                { "800M", G, 700 * M, 490 * M, MINUTE, THROTTLE_HOLD },
                { "800M", G, 700 * M, 490 * M - 1, MINUTE, THROTTLE_RELEASE },
                /* other percents */
                { "50%", G, 0, 512 * M - 1, MINUTE, THROTTLE_RELEASE },
                { "50%", G, 0, 512 * M, MINUTE, THROTTLE_HOLD },
                { "50%", UNLIMITED, 800 * M, 400 * M - 1, MINUTE, THROTTLE_RELEASE },
                { "50%", UNLIMITED, 800 * M, 400 * M, MINUTE, THROTTLE_HOLD },
                { "12.5%", G, 900 * M, 128 * M - 1, MINUTE, THROTTLE_RELEASE },
                { "12.5%", G, 900 * M, 128 * M, MINUTE, THROTTLE_HOLD },
                { "0%", G, 900 * M, 0, MINUTE, THROTTLE_HOLD },
                { "0%", G, 900 * M, 0, 10 * MINUTE, THROTTLE_ESCALATE },
                /* at or above the usage it began at: 70 % of that usage,
                 * whatever the percent (seed 004: throttled by projection at
                 * 68M, release_at 40 % of 256M = 102M: 47.6M, not 27M) */
                { "100%", G, 900 * M, 630 * M - 1, MINUTE, THROTTLE_RELEASE }, /* 1G >= 900M: 630M */
                { "100%", G, 900 * M, 630 * M, MINUTE, THROTTLE_HOLD },
                { "40%", G, 300 * M, 210 * M - 1, MINUTE, THROTTLE_RELEASE }, /* 409.6M >= 300M: 210M */
                { "40%", G, 300 * M, 210 * M, MINUTE, THROTTLE_HOLD },
                { "40%", G, 500 * M, 409 * M, MINUTE, THROTTLE_RELEASE }, /* 409.6M < 500M */
                /* usage unreadable: never released */
                { NULL, G, 900 * M, UINT64_MAX, MINUTE, THROTTLE_HOLD },
                { NULL, G, 900 * M, UINT64_MAX, 10 * MINUTE, THROTTLE_ESCALATE },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(service_config_freep) ServiceConfig *c = NULL;
                const char *max = rows[i].memory_max == UNLIMITED ? "none" : "1G";
                PolicyState st;
                PolicyDecision d;
                ThrottleVerdict v;

                snprintf(ctx, sizeof ctx,
                         "row %zu: release_at %s, start %" PRIu64 ", usage %" PRIu64 ", after %" PRIu64 "us",
                         i, rows[i].release_at ?: "default", rows[i].start, rows[i].usage, rows[i].elapsed);
                c = rows[i].release_at
                            ? svc_new(KV("memory_max", max, "throttle_release_at", rows[i].release_at))
                            : svc_new(KV("memory_max", max));
                state_init(&st);
                policy_throttle_start(&st, T0, rows[i].start);
                memset(&d, 0xaa, sizeof d);
                v = policy_throttle_check(c, &st, T0 + rows[i].elapsed, rows[i].usage, rows[i].memory_max,
                                          &d);
                if (v != rows[i].want)
                        fail_msg("row %zu: %s, want %s (%s)", i, throttle_verdict_to_string(v),
                                 throttle_verdict_to_string(rows[i].want), d.why);
                assert_int_equal(st.throttled, v == THROTTLE_HOLD);
                assert_int_equal(d.suppressed, 0);
                expect_decision(&d, v == THROTTLE_ESCALATE ? "restart |" : " |");
                assert_non_null(strstr(d.why, throttle_verdict_to_string(v)));
                assert_true(strlen(d.why) < POLICY_WHY_MAX);
                n_throttle_rows++;
        }
        ctx[0] = '\0';
}

static void test_throttle_lifecycle(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *c =
                svc_new(KV("memory_max", "1G", "on_pre_oom", "capture throttle"));
        PolicyState st;
        PolicyDecision d;

        state_init(&st);
        assert_int_equal(policy_throttle_check(c, &st, T0, 900 * M, G, &d), THROTTLE_IDLE);
        expect_decision(&d, " |");
        assert_string_equal(d.why, "throttle: not throttled");

        /* pre-oom throttles; the executor applies it and says so */
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0, true, -1), &d), "capture throttle |");
        assert_false(st.throttled); /* only the executor starts it */
        policy_throttle_start(&st, T0, 900 * M);
        policy_throttle_start(&st, T0 + MINUTE, 950 * M); /* no effect while throttled */
        assert_int_equal(st.throttled_since, T0);
        assert_int_equal(st.throttle_start_bytes, 900 * M);

        /* the condition again after the cooldown: throttle is dropped */
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 + 2 * MINUTE, true, -1), &d),
                        "capture | throttle:throttled");

        assert_int_equal(policy_throttle_check(c, &st, T0 + 3 * MINUTE, 800 * M, G, &d), THROTTLE_HOLD);
        assert_string_equal(d.why,
                            "throttle: hold after 3min (throttle_max 10min): usage 800M, release below "
                            "716.7M = 70% of memory_max 1G");
        assert_int_equal(policy_throttle_check(c, &st, T0 + 4 * MINUTE, 700 * M, G, NULL), THROTTLE_RELEASE);
        assert_false(st.throttled);
        assert_int_equal(policy_throttle_check(c, &st, T0 + 4 * MINUTE, 900 * M, G, &d), THROTTLE_IDLE);

        /* released: throttling may start again */
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 + 5 * MINUTE, true, -1), &d),
                        "capture throttle |");
        policy_throttle_start(&st, T0 + 5 * MINUTE, 950 * M);
        assert_int_equal(policy_throttle_check(c, &st, T0 + 15 * MINUTE, 950 * M, G, &d), THROTTLE_ESCALATE);
        expect_decision(&d, "restart |");
        assert_string_equal(d.why,
                            "throttle: escalate after 10min (throttle_max 10min): usage 950M, release "
                            "below 716.7M = 70% of memory_max 1G; throttle_then: run restart");
        assert_false(st.throttled);
        /* throttle_then is not recorded as a pre-oom restart */
        assert_int_equal(st.last_run[EVENT_PRE_OOM][ACTION_RESTART], USEC_INFINITY);

        /* ended by the executor (service restarted) */
        policy_throttle_start(&st, T0 + 20 * MINUTE, 950 * M);
        policy_throttle_end(&st);
        assert_int_equal(policy_throttle_check(c, &st, T0 + 40 * MINUTE, 950 * M, G, &d), THROTTLE_IDLE);

        /* released, and the surge is back within the cooldown: throttle
         * again (it is exempt), the capture waits for its cooldown */
        state_init(&st);
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0, true, -1), &d), "capture throttle |");
        policy_throttle_start(&st, T0, 900 * M);
        assert_int_equal(policy_throttle_check(c, &st, T0 + 20 * S, 600 * M, G, NULL), THROTTLE_RELEASE);
        expect_decision((d = decide(c, &st, EVENT_PRE_OOM, T0 + 30 * S, true, -1), &d),
                        "throttle | capture:cooldown");
        policy_throttle_start(&st, T0 + 30 * S, 900 * M);

        /* a clock that went back: throttled for 0 */
        policy_throttle_start(&st, T0 + 50 * MINUTE, 950 * M);
        assert_int_equal(policy_throttle_check(c, &st, T0, 950 * M, G, &d), THROTTLE_HOLD);
        assert_non_null(strstr(d.why, "hold after 0 "));
}

static void test_throttle_then(void **state) {
        static const struct {
                const char *then;
                const char *want;
        } rows[] = {
                { NULL, "restart |" },
                { "stop notify", "stop notify |" },
                { "capture kill", "capture kill |" },
                { "notify restart", "notify restart |" },
                { "none", " |" },
        };

        for (size_t i = 0; i < ELEMENTSOF(rows); i++) {
                _cleanup_(service_config_freep) ServiceConfig *c =
                        rows[i].then ? svc_new(KV("throttle_then", rows[i].then, "throttle_max", "30s"))
                                     : svc_new(KV("throttle_max", "30s"));
                PolicyState st;
                PolicyDecision d;

                state_init(&st);
                policy_throttle_start(&st, T0, 0);
                assert_int_equal(policy_throttle_check(c, &st, T0 + 30 * S - 1, UINT64_MAX, UNLIMITED, &d),
                                 THROTTLE_HOLD);
                assert_int_equal(policy_throttle_check(c, &st, T0 + 30 * S, UINT64_MAX, UNLIMITED, &d),
                                 THROTTLE_ESCALATE);
                expect_decision(&d, rows[i].want);
                if (!rows[i].then || !streq(rows[i].then, "none"))
                        assert_non_null(strstr(d.why, "; throttle_then: run "));
                else
                        assert_non_null(strstr(d.why, "; throttle_then: none, just lift it"));
                assert_non_null(strstr(d.why, "release below none (memory_max unlimited, usage when "
                                              "throttling began unknown)"));
        }

        /* restart = no: the default throttle_then's restart is dropped, the
         * service's own one runs (rule 3, as for the on_* lists) */
        for (int own = 0; own <= 1; own++) {
                _cleanup_(service_config_freep) ServiceConfig *c =
                        own ? svc_new(KV("restart", "no", "throttle_then", "notify restart", "throttle_max",
                                         "30s"))
                            : svc_new(KV("restart", "no", "throttle_max", "30s"));
                PolicyState st;
                PolicyDecision d;

                state_init(&st);
                policy_throttle_start(&st, T0, 0);
                assert_int_equal(policy_throttle_check(c, &st, T0 + 30 * S, UINT64_MAX, UNLIMITED, &d),
                                 THROTTLE_ESCALATE);
                expect_decision(&d, own ? "notify restart |" : " |");
                if (!own)
                        assert_non_null(strstr(d.why, "; throttle_then: none, just lift it; dropped restart "
                                                      "(restart = no, and throttle_then is the default)"));
        }

        /* the parser keeps throttle out of throttle_then */
        {
                _cleanup_(service_config_freep) ServiceConfig *c = svc_new(NULL);
                assert_int_equal(service_config_set(c, "throttle_then", "throttle", NULL), -EINVAL);
        }
}

static int report(void **state) {
        print_message("%u matrix cases (x3 decisions each), %u throttle rows\n", n_matrix_cases,
                      n_throttle_rows);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_matrix),
                cmocka_unit_test(test_why),
                cmocka_unit_test(test_why_truncated),
                cmocka_unit_test(test_cooldown_boundaries),
                cmocka_unit_test(test_cooldown_keys),
                cmocka_unit_test(test_cooldown_incarnation),
                cmocka_unit_test(test_restart_no_origin),
                cmocka_unit_test(test_trigger_cooldown),
                cmocka_unit_test(test_trigger_limit),
                cmocka_unit_test(test_trigger_slots),
                cmocka_unit_test(test_invalid),
                cmocka_unit_test(test_strings),
                cmocka_unit_test(test_throttle_table),
                cmocka_unit_test(test_throttle_lifecycle),
                cmocka_unit_test(test_throttle_then),
        };
        return cmocka_run_group_tests(tests, NULL, report);
}
