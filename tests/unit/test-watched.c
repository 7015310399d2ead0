/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* watched/: the names of discovered cgroups, the choice of the main
 * process, /proc/PID/stat's starttime. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/procfs.h"
#include "watched/main-process.h"
#include "watched/naming.h"
#include "watched/unit.h"

static void expect_name(const char *section, const char *path, const char *want, WatchedKind kind) {
        char buf[80];

        assert_int_equal(watched_name_from_path(section, path, buf, sizeof buf), kind);
        assert_string_equal(buf, want);
}

static void test_names(void **state) {
        expect_name("ctr",
                    "/system.slice/"
                    "docker-3f2a1b9c0d12aabbccddeeff00112233445566778899aabbccddeeff00112233.scope",
                    "ctr.3f2a1b9c0d12", WATCHED_CONTAINER);
        expect_name("pm",
                    "/machine.slice/"
                    "libpod-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
                    "pm.0123456789ab", WATCHED_CONTAINER);
        expect_name("k",
                    "/kubepods.slice/kubepods-burstable.slice/"
                    "kubepods-burstable-pod1a2b3c4d_5e6f_7081_92a3_b4c5d6e7f809.slice/"
                    "cri-containerd-abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789.scope",
                    "k.pod1a2b3c4d-abcdef012345", WATCHED_CONTAINER);
        /* the cgroupfs driver: bare ids */
        expect_name("k",
                    "/kubepods/burstable/pod1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809/"
                    "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
                    "k.pod1a2b3c4d-abcdef012345", WATCHED_CONTAINER);
        expect_name("svc", "/system.slice/leaky.service", "svc.leaky", WATCHED_UNIT);
        expect_name("svc", "/user.slice/user-1000.slice/session-3.scope", "svc.session-3", WATCHED_UNIT);
        expect_name("sl", "/kubepods.slice/kubepods-besteffort.slice", "sl.kubepods-besteffort",
                    WATCHED_CGROUP);
        expect_name("x", "/a/ctr-b", "x.ctr-b", WATCHED_CGROUP);
        expect_name("x", "/a/we!rd name", "x.we_rd_name", WATCHED_CGROUP);
        /* a short hex name is not a container id */
        expect_name("x", "/a/docker-abc.scope", "x.docker-abc", WATCHED_UNIT);
        assert_string_equal(watched_kind_to_string(WATCHED_CONTAINER), "container");
        {
                char buf[80], longname[200];
                memset(longname, 'n', sizeof longname - 1);
                longname[0] = '/';
                longname[sizeof longname - 1] = 0;
                watched_name_from_path("section", longname, buf, sizeof buf);
                assert_true(strlen(buf) <= 64);
        }
}

static void test_pick(void **state) {
        MainCandidate c[] = {
                { .pid = 10, .rss = 100, .java = false },
                { .pid = 11, .rss = 50, .java = true },
                { .pid = 12, .rss = 70, .java = true, .matched = true },
                { .pid = 13, .rss = 60, .java = false, .matched = true },
        };

        /* java first, the largest of them */
        assert_int_equal(main_process_pick(c, 4, false), 2);
        /* no java: the largest */
        assert_int_equal(main_process_pick(c, 1, false), 0);
        /* jvm_match: only what it matched */
        assert_int_equal(main_process_pick(c, 4, true), 2);
        c[2].matched = false;
        assert_int_equal(main_process_pick(c, 4, true), 3);
        assert_int_equal(main_process_pick(c, 2, true), -1);
        assert_int_equal(main_process_pick(c, 0, false), -1);
}

static uint64_t stat_start(const char *text) {
        char comm[16];
        uint64_t t = 0;

        return procfs_stat_parse_buf(text, strlen(text), comm, &t) >= 0 ? t : 0;
}

static void test_start_ticks(void **state) {
        char buf[1024], comm[16] = "untouched";
        FILE *f;
        size_t n;
        uint64_t t = 7;
        unsigned long long want = 0;

        /* a comm with spaces and parentheses: the last ')' ends it */
        assert_true(
                stat_start("42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 "
                           "18446744073709551615") == 987654);
        {
                const char *s = "42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654\n";
                assert_int_equal(procfs_stat_parse_buf(s, strlen(s), comm, &t), 0);
        }
        assert_string_equal(comm, "a) b (c)");
        assert_true(t == 987654);
        /* cut as the kernel does, at 15 bytes */
        {
                const char *s = "7 (0123456789abcdefXYZ) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0";
                assert_int_equal(procfs_stat_parse_buf(s, strlen(s), comm, &t), 0);
        }
        assert_string_equal(comm, "0123456789abcde");
        assert_true(t == 5);
        /* too few fields, no parentheses, ')' before '(', no digits: untouched */
        assert_true(stat_start("42 (x) S 1") == 0);
        assert_true(stat_start("no paren") == 0);
        assert_true(stat_start("1 )x( S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0") == 0);
        assert_true(stat_start("1 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5x 0") == 0);
        assert_int_equal(procfs_stat_parse_buf("1 (y) S 1", 9, comm, &t), -EBADMSG);
        assert_string_equal(comm, "0123456789abcde");
        assert_true(t == 5);

        /* our own, against what ps computes from the same field */
        f = fopen("/proc/self/stat", "re");
        assert_non_null(f);
        n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        {
                const char *p = strrchr(buf, ')') + 2; /* field 3 */
                for (int i = 3; i < 22; i++)
                        p = strchr(p, ' ') + 1;
                want = strtoull(p, NULL, 10);
        }
        assert_true(want > 0);
        assert_int_equal(procfs_stat_parse_buf(buf, n, comm, &t), 0);
        assert_true(t == want);
        assert_string_equal(comm, "test-watched");
        assert_true(main_process_start_ticks(getpid()) == want);
}

static void expect_slice(const char *slice, const char *want) {
        char *p = unit_slice_path(slice);

        if (!want) {
                assert_null(p);
                return;
        }
        assert_non_null(p);
        assert_string_equal(p, want);
        free(p);
}

static void test_slice_path(void **state) {
        expect_slice("system.slice", "/system.slice");
        expect_slice("-.slice", "/");
        expect_slice("user-1000.slice", "/user.slice/user-1000.slice");
        expect_slice("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice");
        expect_slice("kubepods-burstable-pod1.slice",
                     "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice");
        expect_slice("foo.service", NULL);
        expect_slice(".slice", NULL);
        expect_slice(NULL, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_slice_path),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_pick),
                cmocka_unit_test(test_start_ticks),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
