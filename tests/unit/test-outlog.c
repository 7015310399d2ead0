/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "spawn/outlog.h"

static char dir[] = "/tmp/test-outlog.XXXXXX";
static int dfd = -1;

static int setup(void **state) {
        assert_non_null(mkdtemp(dir));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dfd < 0;
}

static int teardown(void **state) {
        char cmd[256];
        close(dfd);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) != 0;
}

static char *slurp(const char *name) {
        static char buf[1 << 20];
        int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
        ssize_t n;
        if (fd < 0)
                return NULL;
        n = read(fd, buf, sizeof buf - 1);
        close(fd);
        buf[n < 0 ? 0 : n] = 0;
        return buf;
}

/* 2026-11-22T04:55:01.123Z */
#define T0 ((usec_t) 1795323301 * USEC_PER_SEC + 123 * USEC_PER_MSEC)

static int n_cb;
static void cb(void *u, int stream, const char *line, size_t n) {
        n_cb++;
}

static void test_time_format(void **state) {
        char b[32];
        outlog_format_time(T0, b);
        assert_string_equal(b, "2026-11-22T04:55:01.123Z");
}

static void test_lines_and_partials(void **state) {
        OutLog *l;
        char *s;

        assert_int_equal(outlog_open(dfd, "a", 0, 2, &l), 0);
        outlog_set_line_cb(l, cb, NULL);
        assert_int_equal(outlog_feed(l, 1, "one\ntw", 6, T0), 0);
        assert_int_equal(outlog_feed(l, 2, "err\n", 4, T0), 0);
        assert_int_equal(outlog_feed(l, 1, "o\n\nthree", 8, T0), 0);
        assert_int_equal(outlog_flush(l, 1, T0), 0);
        assert_int_equal(outlog_note(l, "hello", T0), 0);
        outlog_free(l);
        s = slurp("a.log");
        assert_string_equal(s, "2026-11-22T04:55:01.123Z stdout: one\n"
                               "2026-11-22T04:55:01.123Z stderr: err\n"
                               "2026-11-22T04:55:01.123Z stdout: two\n"
                               "2026-11-22T04:55:01.123Z stdout: \n"
                               "2026-11-22T04:55:01.123Z stdout: three\n"
                               "2026-11-22T04:55:01.123Z cgwarden: hello\n");
        assert_int_equal(n_cb, 5); /* cgwarden's own note is not a service line */
}

static void test_long_line_split(void **state) {
        OutLog *l;
        static char big[OUTLOG_LINE_MAX * 2 + 10];
        char *s;
        size_t lines = 0;

        memset(big, 'x', sizeof big);
        big[sizeof big - 1] = '\n';
        assert_int_equal(outlog_open(dfd, "b", 0, 2, &l), 0);
        /* fed in odd-sized pieces */
        for (size_t off = 0; off < sizeof big; off += 1000)
                assert_int_equal(outlog_feed(l, 1, big + off, MIN((size_t) 1000, sizeof big - off), T0), 0);
        outlog_free(l);
        s = slurp("b.log");
        for (char *p = s; *p; p++)
                lines += *p == '\n';
        assert_int_equal(lines, 3); /* two full pieces and the rest */
}

static void test_rotation(void **state) {
        OutLog *l;
        struct stat st;
        char line[100];

        memset(line, 'y', sizeof line);
        line[99] = '\n';
        assert_int_equal(outlog_open(dfd, "c", 1000, 2, &l), 0);
        for (int i = 0; i < 50; i++)
                assert_int_equal(outlog_feed(l, 1, line, sizeof line, T0), 0);
        outlog_free(l);
        assert_int_equal(fstatat(dfd, "c.log", &st, 0), 0);
        assert_true(st.st_size <= 1000);
        assert_int_equal(fstatat(dfd, "c.log.1", &st, 0), 0);
        assert_int_equal(fstatat(dfd, "c.log.2", &st, 0), 0);
        assert_int_not_equal(fstatat(dfd, "c.log.3", &st, 0), 0);
}

static void test_no_follow(void **state) {
        OutLog *l = NULL;
        assert_int_equal(symlinkat("/etc/passwd", dfd, "d.log"), 0);
        assert_int_equal(outlog_open(dfd, "d", 0, 1, &l), -ELOOP);
        assert_null(l);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_time_format),     cmocka_unit_test(test_lines_and_partials),
                cmocka_unit_test(test_long_line_split), cmocka_unit_test(test_rotation),
                cmocka_unit_test(test_no_follow),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
