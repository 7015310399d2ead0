/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/macro.h"
#include "watch/oom-report.h"

/* A real /dev/kmsg excerpt (v1 host, kernel 6.18): the end of one report
 * whose start scrolled out, then the whole reports of two cgroups, each
 * record one line (continuation lines start with a space). */
static char *fixture;

static int load(void **state) {
        FILE *f = fopen(FIXTURE_DIR "/kmsg/oom-v1-two-kills.kmsg", "re");
        size_t n;

        assert_non_null(f);
        fixture = calloc(1, 1 << 20);
        assert_non_null(fixture);
        n = fread(fixture, 1, (1 << 20) - 1, f);
        fixture[n] = 0;
        fclose(f);
        return 0;
}

static int unload(void **state) {
        fixture = mfree(fixture);
        return 0;
}

/* Feed the fixture one record at a time, as read(2) on /dev/kmsg gives them. */
static void feed_all(OomReportParser *p, const char *text) {
        const char *r = text;

        while (*r) {
                const char *e = r;
                /* a record: its line and the continuation lines after it */
                do {
                        e = strchrnul(e, '\n');
                        if (*e)
                                e++;
                } while (*e == ' ');
                oom_report_feed(p, r, (size_t) (e - r));
                r = e;
        }
}

static const char *report_of(const char *cgpath, size_t max, const char **killed) {
        static OomReportParser *p;
        static char *copy;

        p = oom_report_parser_free(p);
        copy = mfree(copy);
        assert_int_equal(oom_report_parser_new(cgpath, max, &p), 0);
        feed_all(p, fixture);
        const char *t = oom_report_get(p, killed);
        copy = t ? strdup(t) : NULL;
        return copy;
}

static void test_whole_report(void **state) {
        const char *killed = NULL, *t = report_of("/cgwtest/services/pause", 64 * 1024, &killed);

        assert_non_null(t);
        /* from the invocation to the kill, with the kernel's timestamps */
        assert_true(strncmp(t, "[ 1332.241664] leaker invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL)", 68) ==
                    0);
        assert_non_null(strstr(t, "] memory: usage 65536kB, limit 65536kB, failcnt 38\n"));
        assert_non_null(strstr(t, "] Memory cgroup stats for /cgwtest/services/pause:\n"));
        assert_non_null(strstr(t, "] total_rss 66912256\n"));
        assert_non_null(strstr(t, "] Tasks state (memory values in pages):\n"));
        assert_non_null(strstr(t, "] [  11229]     0 11229    17067    16660"));
        assert_non_null(strstr(t, "] oom-kill:constraint=CONSTRAINT_MEMCG,"));
        assert_non_null(
                strstr(t, "Memory cgroup out of memory: Killed process 11229 (leaker) total-vm:68268kB"));
        /* nothing of the next report */
        assert_null(strstr(t, "11765"));
        assert_true(t[strlen(t) - 1] == '\n');
        assert_true(strncmp(killed, "Memory cgroup out of memory: Killed process 11229 (leaker)", 58) == 0);
        assert_null(strchr(killed, '\n'));
}

static void test_which_cgroup(void **state) {
        const char *killed = NULL, *t;

        /* the second cgroup's own report, not the first's */
        t = report_of("/cgwtest/services/cap", 64 * 1024, &killed);
        assert_non_null(t);
        assert_non_null(strstr(killed, "Killed process 11765 "));
        assert_null(strstr(t, "11229"));
        assert_true(strncmp(t, "[ 1333.038967] leaker invoked oom-killer", 39) == 0);
        /* a prefix of a path is another cgroup */
        assert_null(report_of("/cgwtest/services", 64 * 1024, NULL));
        assert_null(report_of("/cgwtest/services/pau", 64 * 1024, NULL));
        /* a report whose start is gone from the buffer is not guessed at */
        assert_null(report_of("/cgwtest/services/leak1000", 64 * 1024, NULL));
}

static void test_bounded(void **state) {
        const char *killed = NULL, *t = report_of("/cgwtest/services/pause", 2048, &killed);

        assert_non_null(t);
        assert_true(strlen(t) <= 2048 + 64);
        /* the head and the end are kept, the middle is said to be cut */
        assert_true(strncmp(t, "[ 1332.241664] leaker invoked oom-killer", 39) == 0);
        assert_non_null(strstr(t, "lines cut ...]\n"));
        assert_non_null(strstr(t, "Killed process 11229 (leaker)"));
        assert_non_null(strstr(killed, "Killed process 11229"));
}

static void test_malformed(void **state) {
        static const char *const bad[] = {
                "",
                ";",
                "4,1,;leaker invoked oom-killer: x",
                "4,1,12x,-;leaker invoked oom-killer: x",
                "no semicolon at all",
                "4,1,99999999999999999999999999,-;x invoked oom-killer: y",
                "6,2,5,-;oom-kill:constraint=CONSTRAINT_MEMCG,oom_memcg=/a,pid=",
                "3,3,6,-;Killed process 1 (x)",
        };
        OomReportParser *p = NULL;

        assert_int_equal(oom_report_parser_new(NULL, 4096, &p), -EINVAL);
        assert_int_equal(oom_report_parser_new("/a", 10, &p), -EINVAL);
        assert_int_equal(oom_report_parser_new("/a", 4096, &p), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                oom_report_feed(p, bad[i], strlen(bad[i]));
        oom_report_feed(p, NULL, 0);
        oom_report_feed(NULL, "x", 1);
        assert_null(oom_report_get(p, NULL));
        /* a well-formed one after the garbage is still found */
        static const char *const good[] = {
                "4,10,1000000,-;java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0",
                "6,11,1000001,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),oom_memcg=/"
                "a,task_memcg=/a,task=java,pid=42,uid=0",
                "3,12,1000002,-;Memory cgroup out of memory: Killed process 42 (java) total-vm:1kB\n "
                "SUBSYSTEM=memory\n",
        };
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                oom_report_feed(p, good[i], strlen(good[i]));
        const char *killed = NULL, *t = oom_report_get(p, &killed);
        assert_non_null(t);
        assert_string_equal(
                t, "[    1.000000] java invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0\n"
                   "[    1.000001] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),oom_memcg=/a,"
                   "task_memcg=/a,task=java,pid=42,uid=0\n"
                   "[    1.000002] Memory cgroup out of memory: Killed process 42 (java) total-vm:1kB\n");
        assert_string_equal(killed, "Memory cgroup out of memory: Killed process 42 (java) total-vm:1kB");
        oom_report_parser_free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_whole_report),
                cmocka_unit_test(test_which_cgroup),
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_malformed),
        };
        return cmocka_run_group_tests(tests, load, unload);
}
