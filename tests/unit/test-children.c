/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* base/children.h: the reaper of a PID 1 reaps the zombies nobody waits
 * for and leaves a registered child's status to its owner, also when the
 * registered zombie comes first (real children of the test process). */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "base/children.h"
#include "base/macro.h"

/* A child that exits with code at once. */
static pid_t child_exiting(int code) {
        pid_t p = fork();

        assert_true(p >= 0);
        if (p == 0)
                _exit(code);
        return p;
}

/* Wait until pid is a zombie (bounded). */
static void wait_zombie(pid_t pid) {
        for (int i = 0; i < 5000; i++) {
                siginfo_t si = {};
                assert_int_equal(waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG | WNOWAIT), 0);
                if (si.si_pid == pid)
                        return;
                (void) nanosleep(&(struct timespec){ 0, 1000 * 1000 }, NULL);
        }
        fail_msg("pid %d did not exit", (int) pid);
}

typedef struct Seen {
        pid_t pids[8];
        int codes[8];
        size_t n;
} Seen;

static void on_reaped(pid_t pid, int code, int status, void *userdata) {
        Seen *s = userdata;

        assert_true(s->n < ELEMENTSOF(s->pids));
        assert_int_equal(code, CLD_EXITED);
        s->pids[s->n] = pid;
        s->codes[s->n++] = status;
}

static bool seen(const Seen *s, pid_t pid, int code) {
        for (size_t i = 0; i < s->n; i++)
                if (s->pids[i] == pid)
                        return s->codes[i] == code;
        return false;
}

static void test_registry(void **state) {
        assert_false(children_contains(4242));
        assert_int_equal(children_add(4242, CHILD_SERVICE), 0);
        assert_int_equal(children_add(4243, CHILD_HELPER), 0);
        assert_true(children_contains(4242));
        assert_false(children_is_helper(4242));
        assert_true(children_is_helper(4243));
        assert_int_equal(children_add(4242, CHILD_HELPER), 0);
        assert_true(children_is_helper(4242));
        children_forget(4242);
        assert_false(children_contains(4242));
        assert_false(children_is_helper(4242));
        children_forget(4242);
        children_forget(4243);
        assert_false(children_contains(4243));
        assert_int_equal(children_add(0, CHILD_HELPER), -EINVAL);
}

static void test_nothing_to_reap(void **state) {
        assert_int_equal(children_reap_others(NULL, NULL), 0);
}

/* Orphans are reaped; a registered child (created first, so that
 * waitid(P_ALL) meets it first) keeps its status for its owner. */
static void test_reap_around_registered(void **state) {
        Seen s = {};
        pid_t owned, a, b;
        int st = 0;

        owned = child_exiting(3);
        assert_int_equal(children_add(owned, CHILD_SERVICE), 0);
        a = child_exiting(4);
        b = child_exiting(5);
        wait_zombie(owned);
        wait_zombie(a);
        wait_zombie(b);

        assert_int_equal(children_reap_others(on_reaped, &s), 2);
        assert_true(seen(&s, a, 4));
        assert_true(seen(&s, b, 5));
        assert_false(seen(&s, owned, 3));
        /* the owner still gets its child's status */
        assert_int_equal(waitpid(owned, &st, 0), owned);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 3);
        children_forget(owned);
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
}

/* A live child is left alone, registered or not. */
static void test_live_child_left_alone(void **state) {
        pid_t p = fork();
        int st = 0;

        assert_true(p >= 0);
        if (p == 0) {
                pause();
                _exit(0);
        }
        assert_int_equal(children_reap_others(NULL, NULL), 0);
        assert_int_equal(kill(p, SIGKILL), 0);
        assert_int_equal(waitpid(p, &st, 0), p);
        assert_true(WIFSIGNALED(st));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_registry),
                cmocka_unit_test(test_nothing_to_reap),
                cmocka_unit_test(test_reap_around_registered),
                cmocka_unit_test(test_live_child_left_alone),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
