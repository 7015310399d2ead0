/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The life-cycle transition table, without processes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "service/service-state.h"

static SvcTransition go(SvcState s, SvcAfter a, SvcInput in) {
        SvcTransition t = { .state = _SVC_STATE_INVALID };
        assert_int_equal(svc_transition(s, a, &in, &t), 0);
        return t;
}

static void assert_invalid(SvcState s, SvcAfter a, SvcInput in) {
        SvcTransition t = { .state = 77 };
        assert_int_equal(svc_transition(s, a, &in, &t), -EINVAL);
        assert_int_equal(t.state, 77); /* untouched */
}

static void test_names(void **state) {
        for (int i = 0; i < _SVC_STATE_MAX; i++) {
                assert_non_null(svc_state_to_string(i));
                assert_int_equal(svc_state_from_string(svc_state_to_string(i)), i);
        }
        for (int i = 0; i < _SVC_EV_MAX; i++)
                assert_non_null(svc_event_to_string(i));
        assert_int_equal(svc_state_from_string("bogus"), _SVC_STATE_INVALID);
        assert_int_equal(svc_state_from_string(NULL), _SVC_STATE_INVALID);
        assert_null(svc_state_to_string(_SVC_STATE_MAX));
        assert_null(svc_state_to_string(_SVC_STATE_INVALID));
        assert_null(svc_event_to_string(_SVC_EV_MAX));
        assert_null(svc_event_to_string(_SVC_EV_INVALID));
}

static void test_start_exec_ready(void **state) {
        SvcTransition t = go(SVC_STOPPED, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_START });
        assert_int_equal(t.state, SVC_STARTING);
        assert_true(t.actions & SVC_ACT_SPAWN);
        assert_true(t.actions & SVC_ACT_RESET_LIMIT);

        t = go(SVC_STARTING, SVC_AFTER_STOPPED,
               (SvcInput){ .event = SVC_EV_EXEC_OK, .ready_on_exec = true });
        assert_int_equal(t.state, SVC_RUNNING);

        /* ready=notify: stays starting, start timer armed, READY makes it run */
        t = go(SVC_STARTING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_EXEC_OK });
        assert_int_equal(t.state, SVC_STARTING);
        assert_true(t.actions & SVC_ACT_ARM_START);
        t = go(SVC_STARTING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_READY });
        assert_int_equal(t.state, SVC_RUNNING);
        assert_true(t.actions & SVC_ACT_DISARM_TIMER);
}

static void test_crash_restart_backoff(void **state) {
        SvcTransition t =
                go(SVC_RUNNING, SVC_AFTER_STOPPED,
                   (SvcInput){ .event = SVC_EV_EXITED, .restart_wanted = true, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_BACKOFF);
        assert_true(t.actions & SVC_ACT_COUNT_FAILURE);
        assert_true(t.actions & SVC_ACT_ARM_BACKOFF);
        assert_false(t.actions & SVC_ACT_SPAWN);

        t = go(SVC_BACKOFF, SVC_AFTER_BACKOFF, (SvcInput){ .event = SVC_EV_BACKOFF_DONE });
        assert_int_equal(t.state, SVC_STARTING);
        assert_true(t.actions & SVC_ACT_SPAWN);
        assert_false(t.actions & SVC_ACT_RESET_LIMIT); /* automatic restarts keep counting */
}

static void test_start_limit_fails(void **state) {
        SvcTransition t = go(SVC_RUNNING, SVC_AFTER_STOPPED,
                             (SvcInput){ .event = SVC_EV_EXITED,
                                         .restart_wanted = true,
                                         .start_limit_hit = true,
                                         .cgroup_empty = true });
        assert_int_equal(t.state, SVC_FAILED);
        assert_false(t.actions & (SVC_ACT_SPAWN | SVC_ACT_ARM_BACKOFF));
        /* an operator start leaves failed and forgets the limit */
        t = go(SVC_FAILED, SVC_AFTER_FAILED, (SvcInput){ .event = SVC_EV_START });
        assert_int_equal(t.state, SVC_STARTING);
        assert_true(t.actions & SVC_ACT_RESET_LIMIT);
}

static void test_exit_without_restart(void **state) {
        SvcTransition t = go(SVC_RUNNING, SVC_AFTER_STOPPED,
                             (SvcInput){ .event = SVC_EV_EXITED, .clean_exit = true, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_STOPPED);
        t = go(SVC_RUNNING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_EXITED, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_FAILED);
}

static void test_exit_leaves_processes(void **state) {
        /* main exited, a daemonised child remains: signal it, wait */
        SvcTransition t = go(SVC_RUNNING, SVC_AFTER_STOPPED,
                             (SvcInput){ .event = SVC_EV_EXITED, .restart_wanted = true });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_int_equal(t.after, SVC_AFTER_BACKOFF);
        assert_true(t.actions & SVC_ACT_SIGNAL_REST);
        assert_true(t.actions & SVC_ACT_ARM_STOP);
        assert_false(t.actions & SVC_ACT_SIGNAL_MAIN);

        t = go(SVC_STOPPING, SVC_AFTER_BACKOFF, (SvcInput){ .event = SVC_EV_STOP_TIMEOUT });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_true(t.actions & SVC_ACT_KILL_CGROUP);

        t = go(SVC_STOPPING, SVC_AFTER_BACKOFF, (SvcInput){ .event = SVC_EV_EMPTY, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_BACKOFF);
        assert_true(t.actions & SVC_ACT_ARM_BACKOFF);
}

static void test_stop(void **state) {
        SvcTransition t = go(SVC_RUNNING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_STOP });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_int_equal(t.after, SVC_AFTER_STOPPED);
        assert_true(t.actions & SVC_ACT_SIGNAL_MAIN);
        assert_true(t.actions & SVC_ACT_ARM_STOP);

        /* main exits on SIGTERM (status 143 counts as failure) but the stop
         * request wins over the restart policy */
        t = go(SVC_STOPPING, SVC_AFTER_STOPPED,
               (SvcInput){ .event = SVC_EV_EXITED, .restart_wanted = true, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_STOPPED);

        /* empty before main reaped: wait for the exit */
        assert_invalid(SVC_STOPPING, SVC_AFTER_STOPPED,
                       (SvcInput){ .event = SVC_EV_EMPTY, .main_alive = true });

        /* stop in backoff cancels the timer */
        t = go(SVC_BACKOFF, SVC_AFTER_BACKOFF, (SvcInput){ .event = SVC_EV_STOP });
        assert_int_equal(t.state, SVC_STOPPED);
        assert_true(t.actions & SVC_ACT_DISARM_TIMER);

        t = go(SVC_STOPPED, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_STOP });
        assert_int_equal(t.state, SVC_STOPPED);
        assert_int_equal(t.actions, 0);
}

static void test_graceful_restart(void **state) {
        SvcTransition t = go(SVC_RUNNING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_RESTART });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_int_equal(t.after, SVC_AFTER_RESTART);
        t = go(SVC_STOPPING, SVC_AFTER_RESTART, (SvcInput){ .event = SVC_EV_EXITED, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_STARTING);
        assert_true(t.actions & SVC_ACT_SPAWN);
        assert_false(t.actions & (SVC_ACT_ARM_BACKOFF | SVC_ACT_COUNT_FAILURE)); /* no back-off */

        /* stop during a restart: stop wins */
        t = go(SVC_STOPPING, SVC_AFTER_RESTART, (SvcInput){ .event = SVC_EV_STOP });
        assert_int_equal(t.after, SVC_AFTER_STOPPED);
}

/* A policy's restart: a graceful stop, then back-off and the start limit
 * as after a failure (a leak that fills the limit in seconds must not loop
 * without bound). */
static void test_recover(void **state) {
        SvcTransition t = go(SVC_RUNNING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_RECOVER });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_int_equal(t.after, SVC_AFTER_BACKOFF);
        assert_true(t.actions & SVC_ACT_SIGNAL_MAIN);
        assert_true(t.actions & SVC_ACT_ARM_STOP);
        t = go(SVC_STOPPING, SVC_AFTER_BACKOFF, (SvcInput){ .event = SVC_EV_EXITED, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_BACKOFF);
        assert_true(t.actions & SVC_ACT_COUNT_FAILURE);
        assert_true(t.actions & SVC_ACT_ARM_BACKOFF);

        /* past the start limit it stops and gives up */
        t = go(SVC_STARTING, SVC_AFTER_STOPPED,
               (SvcInput){ .event = SVC_EV_RECOVER, .start_limit_hit = true });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_int_equal(t.after, SVC_AFTER_FAILED);

        /* stopping already, or waiting to restart: nothing changes */
        t = go(SVC_STOPPING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_RECOVER });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_int_equal(t.after, SVC_AFTER_STOPPED);
        assert_int_equal(t.actions, 0);
        t = go(SVC_BACKOFF, SVC_AFTER_BACKOFF, (SvcInput){ .event = SVC_EV_RECOVER });
        assert_int_equal(t.state, SVC_BACKOFF);
        assert_int_equal(t.actions, 0);
        /* nothing to recover */
        SvcTransition u;
        assert_int_equal(
                svc_transition(SVC_STOPPED, SVC_AFTER_STOPPED, &(SvcInput){ .event = SVC_EV_RECOVER }, &u),
                -EINVAL);
        assert_int_equal(
                svc_transition(SVC_FAILED, SVC_AFTER_FAILED, &(SvcInput){ .event = SVC_EV_RECOVER }, &u),
                -EINVAL);
}

static void test_spawn_failed(void **state) {
        SvcTransition t =
                go(SVC_STARTING, SVC_AFTER_STOPPED,
                   (SvcInput){ .event = SVC_EV_SPAWN_FAILED, .restart_wanted = true, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_BACKOFF); /* never a tight loop */
        t = go(SVC_STARTING, SVC_AFTER_STOPPED,
               (SvcInput){ .event = SVC_EV_SPAWN_FAILED, .cgroup_empty = true });
        assert_int_equal(t.state, SVC_FAILED);
        assert_invalid(SVC_RUNNING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_SPAWN_FAILED });
}

static void test_start_timeout(void **state) {
        SvcTransition t = go(SVC_STARTING, SVC_AFTER_STOPPED,
                             (SvcInput){ .event = SVC_EV_START_TIMEOUT, .restart_wanted = true });
        assert_int_equal(t.state, SVC_STOPPING);
        assert_int_equal(t.after, SVC_AFTER_BACKOFF);
        assert_true(t.actions & SVC_ACT_SIGNAL_MAIN);
        assert_invalid(SVC_RUNNING, SVC_AFTER_STOPPED, (SvcInput){ .event = SVC_EV_START_TIMEOUT });
}

/* Every (state, event) pair either yields a valid state or -EINVAL, and
 * no transition both spawns and signals. */
static void test_exhaustive(void **state) {
        for (int s = 0; s < _SVC_STATE_MAX; s++)
                for (int a = 0; a < _SVC_AFTER_MAX; a++)
                        for (int e = 0; e < _SVC_EV_MAX; e++)
                                for (int bits = 0; bits < 64; bits++) {
                                        SvcInput in = {
                                                .event = e,
                                                .ready_on_exec = bits & 1,
                                                .restart_wanted = bits & 2,
                                                .clean_exit = bits & 4,
                                                .start_limit_hit = bits & 8,
                                                .cgroup_empty = bits & 16,
                                                .main_alive = bits & 32,
                                        };
                                        SvcTransition t;
                                        if (svc_transition(s, a, &in, &t) < 0)
                                                continue;
                                        assert_true(t.state >= 0 && t.state < _SVC_STATE_MAX);
                                        assert_false(
                                                (t.actions & SVC_ACT_SPAWN) &&
                                                (t.actions & (SVC_ACT_SIGNAL_MAIN | SVC_ACT_KILL_CGROUP)));
                                        if (t.state == SVC_BACKOFF)
                                                assert_true(t.actions & SVC_ACT_ARM_BACKOFF ||
                                                            s == SVC_BACKOFF);
                                        if (t.actions & SVC_ACT_SPAWN)
                                                assert_int_equal(t.state, SVC_STARTING);
                                }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_start_exec_ready),
                cmocka_unit_test(test_crash_restart_backoff),
                cmocka_unit_test(test_start_limit_fails),
                cmocka_unit_test(test_exit_without_restart),
                cmocka_unit_test(test_exit_leaves_processes),
                cmocka_unit_test(test_stop),
                cmocka_unit_test(test_graceful_restart),
                cmocka_unit_test(test_recover),
                cmocka_unit_test(test_spawn_failed),
                cmocka_unit_test(test_start_timeout),
                cmocka_unit_test(test_exhaustive),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
