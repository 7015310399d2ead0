/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "capture/store.h"

/* Each test gets its own directory, removed after it. */
static char dir[64];
static int dfd = -1;

static int setup(void **state) {
        snprintf(dir, sizeof dir, "/tmp/test-capture-store.XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dfd < 0;
}

static int teardown(void **state) {
        char cmd[128];
        close(dfd);
        dfd = -1;
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) != 0;
}

/* 2026-11-22T04:55:01.123Z */
#define T0 ((usec_t) 1795323301 * USEC_PER_SEC + 123 * USEC_PER_MSEC)

static bool exists(int at, const char *name) {
        struct stat st;
        return fstatat(at, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A finished (or partial) capture `name` in at with one file of `bytes`. */
static void make_capture(int at, const char *name, size_t bytes) {
        static char buf[64 * 1024];
        int fd, cfd;

        assert_int_equal(mkdirat(at, name, 0700), 0);
        cfd = openat(at, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(cfd >= 0);
        fd = capture_store_create_file(cfd, "status.txt");
        assert_true(fd >= 0);
        memset(buf, 'x', sizeof buf);
        for (size_t off = 0; off < bytes;) {
                size_t n = bytes - off < sizeof buf ? bytes - off : sizeof buf;
                assert_int_equal(write(fd, buf, n), (ssize_t) n);
                off += n;
        }
        assert_int_equal(fsync(fd), 0);
        close(fd);
        close(cfd);
}

/* What the retention counts of a capture: the blocks of its files. */
static uint64_t capture_bytes(int at, const char *name) {
        char path[256];
        struct stat st;

        snprintf(path, sizeof path, "%s/status.txt", name);
        assert_int_equal(fstatat(at, path, &st, 0), 0);
        return (uint64_t) st.st_blocks * 512;
}

/* capture_prune() on a new fd of the directory: it reads the directory
 * through a dup of dir_fd, which shares the fd's offset, so a second call
 * on one fd would find it read to the end (finish() prunes a new fd once). */
static int prune(uint64_t keep, uint64_t max_bytes) {
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

        assert_true(fd >= 0);
        r = capture_prune(fd, keep, max_bytes);
        close(fd);
        return r;
}

static void test_names(void **state) {
        char stamp[24], rfc[32], name[CAPTURE_NAME_MAX], partial[CAPTURE_PARTIAL_MAX];
        char reason[100];

        capture_format_stamp(T0, stamp);
        assert_string_equal(stamp, "20261122T045501.123Z");
        capture_format_rfc3339(T0, rfc);
        assert_string_equal(rfc, "2026-11-22T04:55:01.123Z");
        capture_format_rfc3339(0, rfc);
        assert_string_equal(rfc, "1970-01-01T00:00:00.000Z");

        capture_store_names(T0, "pre-oom", name, partial);
        assert_string_equal(name, "20261122T045501.123Z-pre-oom");
        assert_string_equal(partial, ".20261122T045501.123Z-pre-oom.partial");

        /* a long reason is cut to the name's size; the partial name, made
         * from the cut one, fits its own */
        memset(reason, 'r', sizeof reason - 1);
        reason[sizeof reason - 1] = 0;
        capture_store_names(T0, reason, name, partial);
        assert_int_equal(strlen(name), CAPTURE_NAME_MAX - 1);
        assert_int_equal(strncmp(name, "20261122T045501.123Z-rrr", 24), 0);
        assert_int_equal(strlen(partial), 1 + strlen(name) + strlen(".partial"));
        assert_int_equal(strncmp(partial + 1, name, strlen(name)), 0);
}

static void test_create_file(void **state) {
        struct stat st;
        int fd;

        fd = capture_store_create_file(dfd, "status.txt");
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        close(fd);
        /* never over a file that is there, nor through a link */
        assert_int_equal(capture_store_create_file(dfd, "status.txt"), -EEXIST);
        assert_int_equal(symlinkat("/tmp/test-capture-store-target", dfd, "link.txt"), 0);
        assert_int_equal(capture_store_create_file(dfd, "link.txt"), -EEXIST);
        assert_false(exists(AT_FDCWD, "/tmp/test-capture-store-target"));
}

static void test_rename(void **state) {
        const char *partial = ".20261122T045501.123Z-manual.partial", *name = "20261122T045501.123Z-manual";
        int cfd;

        make_capture(dfd, partial, 10);
        cfd = openat(dfd, partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(cfd >= 0);
        assert_int_equal(capture_store_rename(dfd, cfd, partial, name), 0);
        close(cfd);
        assert_false(exists(dfd, partial));
        assert_true(exists(dfd, name));
        assert_true(exists(dfd, "20261122T045501.123Z-manual/status.txt"));

        /* the partial one is gone: the rename fails and says why */
        assert_int_equal(capture_store_rename(dfd, dfd, partial, name), -ENOENT);
        assert_true(exists(dfd, name));
}

static void test_prune_count(void **state) {
        /* after keeping 2: partial captures, dot names and files are not captures */
        static const struct {
                const char *name;
                bool kept;
        } after[] = {
                { "20261121T230000.000Z-oom-kill", false },
                { "20261122T030000.000Z-pids-limit", false },
                { "20261122T040000.000Z-pre-oom", true },
                { "20261122T050000.000Z-manual", true },
                { ".20261122T060000.000Z-manual.partial", true },
                { ".hidden", true },
                { "20261120T000000.000Z-not-a-dir", true },
        };

        /* made newest first: the name, not the creation order, says which is older */
        make_capture(dfd, "20261122T050000.000Z-manual", 10);
        make_capture(dfd, "20261122T040000.000Z-pre-oom", 10);
        make_capture(dfd, "20261122T030000.000Z-pids-limit", 10);
        make_capture(dfd, "20261121T230000.000Z-oom-kill", 10);
        make_capture(dfd, ".20261122T060000.000Z-manual.partial", 10);
        assert_int_equal(mkdirat(dfd, ".hidden", 0700), 0);
        close(capture_store_create_file(dfd, "20261120T000000.000Z-not-a-dir"));

        assert_int_equal(prune(0, 0), 0); /* 0, 0: no limit */
        assert_int_equal(prune(4, 0), 0);
        assert_int_equal(prune(2, 0), 2);
        for (size_t i = 0; i < ELEMENTSOF(after); i++)
                assert_int_equal(exists(dfd, after[i].name), after[i].kept);

        /* keep 1 leaves the newest */
        assert_int_equal(prune(1, 0), 1);
        assert_true(exists(dfd, "20261122T050000.000Z-manual"));
        assert_int_equal(prune(1, 0), 0);
}

static void test_prune_size(void **state) {
        const char *names[] = { "20261122T010000.000Z-manual", "20261122T020000.000Z-manual",
                                "20261122T030000.000Z-manual", "20261122T040000.000Z-manual" };
        uint64_t sizes[4], newest_two;

        for (size_t i = 0; i < 4; i++) {
                make_capture(dfd, names[i], 64 * 1024);
                sizes[i] = capture_bytes(dfd, names[i]);
                assert_true(sizes[i] > 0);
        }
        newest_two = sizes[2] + sizes[3];

        /* the total fits: nothing goes */
        assert_int_equal(prune(0, sizes[0] + sizes[1] + newest_two), 0);
        /* oldest first until the rest fits */
        assert_int_equal(prune(0, newest_two), 2);
        assert_false(exists(dfd, names[0]));
        assert_false(exists(dfd, names[1]));
        assert_true(exists(dfd, names[2]));
        assert_true(exists(dfd, names[3]));
        /* either limit removes: here the size though keep allows 5 */
        assert_int_equal(prune(5, newest_two - 1), 1);
        assert_false(exists(dfd, names[2]));
        /* the newest stays even when it alone is over the limit */
        assert_int_equal(prune(0, 1), 0);
        assert_true(exists(dfd, names[3]));
}

static void test_prune_empty(void **state) {
        assert_int_equal(prune(1, 1), 0);
        assert_int_equal(capture_prune(-EBADF, 1, 1), -EBADF);
}

typedef struct Report {
        int n, failed;
        char name[128], failed_partial[128];
} Report;

static void on_recovered(const char *service, const char *partial, const char *name, int error,
                         void *userdata) {
        Report *r = userdata;

        assert_string_equal(service, "svc");
        if (error < 0) {
                assert_null(name);
                assert_int_equal(error, -EINVAL);
                r->failed++;
                snprintf(r->failed_partial, sizeof r->failed_partial, "%s", partial);
                return;
        }
        assert_string_equal(partial, ".20261122T045501.123Z-pre-oom.partial");
        r->n++;
        snprintf(r->name, sizeof r->name, "%s", name);
}

static json_object *field(json_object *o, const char *key) {
        json_object *v = NULL;
        assert_true(json_object_object_get_ex(o, key, &v));
        return v;
}

static void test_recover(void **state) {
        const char *partial = "svc/.20261122T045501.123Z-pre-oom.partial";
        Report rep = {};
        json_object *m, *items;
        char path[256];
        int fd, svc;

        assert_int_equal(mkdirat(dfd, "svc", 0700), 0);
        svc = openat(dfd, "svc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(svc >= 0);
        make_capture(svc, ".20261122T045501.123Z-pre-oom.partial", 100); /* status.txt */
        /* an empty item, the reserved manifest, a directory that is no item */
        snprintf(path, sizeof path, "%s/pmap.txt", partial);
        close(capture_store_create_file(dfd, path));
        snprintf(path, sizeof path, "%s/manifest.json", partial);
        fd = capture_store_create_file(dfd, path);
        assert_int_equal(posix_fallocate(fd, 0, 16 * 1024), 0);
        close(fd);
        snprintf(path, sizeof path, "%s/sub", partial);
        assert_int_equal(mkdirat(dfd, path, 0700), 0);
        /* left as they are: a name cgwarden did not write, a finished capture */
        assert_int_equal(mkdirat(svc, ".garbage.partial", 0700), 0);
        make_capture(svc, "20261122T030000.000Z-manual", 10);

        assert_int_equal(capture_store_recover(dir, on_recovered, &rep), 1);
        assert_int_equal(rep.n, 1);
        assert_string_equal(rep.name, "20261122T045501.123Z-pre-oom");
        assert_int_equal(rep.failed, 1);
        assert_string_equal(rep.failed_partial, ".garbage.partial");
        assert_false(exists(svc, ".20261122T045501.123Z-pre-oom.partial"));
        assert_true(exists(svc, ".garbage.partial"));
        assert_true(exists(svc, "20261122T030000.000Z-manual"));
        assert_false(exists(svc, "20261122T030000.000Z-manual/manifest.json"));

        snprintf(path, sizeof path, "%s/svc/20261122T045501.123Z-pre-oom/manifest.json", dir);
        m = json_object_from_file(path);
        assert_non_null(m);
        assert_string_equal(json_object_get_string(field(m, "service")), "svc");
        assert_string_equal(json_object_get_string(field(m, "reason")), "pre-oom");
        assert_true(json_object_is_type(field(m, "pid"), json_type_null));
        assert_string_equal(json_object_get_string(field(m, "started_at")), "2026-11-22T04:55:01.123Z");
        assert_true(json_object_is_type(field(m, "finished_at"), json_type_null));
        assert_false(json_object_get_boolean(field(m, "complete")));
        assert_string_equal(json_object_get_string(field(m, "error")),
                            "interrupted: cgwarden stopped during the capture");
        assert_true(json_object_is_type(field(m, "recovered_at"), json_type_string));
        items = field(m, "items");
        assert_int_equal(json_object_array_length(items), 2);
        for (size_t i = 0; i < 2; i++) {
                json_object *it = json_object_array_get_idx(items, i);
                const char *name = json_object_get_string(field(it, "name"));
                bool status = streq(name, "status");

                assert_true(status || streq(name, "pmap"));
                assert_string_equal(json_object_get_string(field(it, "file")),
                                    status ? "status.txt" : "pmap.txt");
                assert_false(json_object_get_boolean(field(it, "ok")));
                assert_string_equal(json_object_get_string(field(it, "error")),
                                    status ? "not recorded: interrupted (the file may be cut short)"
                                           : "not recorded: interrupted (empty)");
        }
        json_object_put(m);

        /* nothing left to do the second time */
        rep = (Report){};
        assert_int_equal(capture_store_recover(dir, on_recovered, &rep), 0);
        assert_int_equal(rep.n, 0);
        assert_int_equal(rep.failed, 1);
        close(svc);
}

static void test_recover_missing(void **state) {
        char path[128];

        snprintf(path, sizeof path, "%s/none", dir);
        assert_int_equal(capture_store_recover(path, NULL, NULL), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test_setup_teardown(test_create_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rename, setup, teardown),
                cmocka_unit_test_setup_teardown(test_prune_count, setup, teardown),
                cmocka_unit_test_setup_teardown(test_prune_size, setup, teardown),
                cmocka_unit_test_setup_teardown(test_prune_empty, setup, teardown),
                cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
                cmocka_unit_test_setup_teardown(test_recover_missing, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
