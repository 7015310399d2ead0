/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* base/fs-util.h: the whole-file readers on files in a temporary directory,
 * a FIFO fed by a child and /proc; READ_FULL_FILE_REGULAR; mkdir_p(). */

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "base/fs-util.h"
#include "base/macro.h"

static char dir[] = "/tmp/test-fs-util.XXXXXX";
static int dir_fd = -EBADF;

/* What the tests create below dir, removed in this order. */
static const char *const created[] = {
        "empty", "six", "4096", "4097", "8193", "nul", "link", "fifo", "lonely-fifo", "a/b/c", "a/b", "a",
};

static int setup(void **state) {
        if (!mkdtemp(dir))
                return -1;
        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return dir_fd < 0 ? -1 : 0;
}

static int teardown(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(created); i++)
                if (unlinkat(dir_fd, created[i], 0) < 0 && errno == EISDIR)
                        (void) unlinkat(dir_fd, created[i], AT_REMOVEDIR);
        dir_fd = safe_close(dir_fd);
        return rmdir(dir);
}

/* A file of n bytes "abc...", wrapping. */
static void write_file(const char *name, size_t n) {
        _cleanup_close_ int fd = -EBADF;
        char buf[16384];

        assert_true(n <= sizeof(buf));
        for (size_t i = 0; i < n; i++)
                buf[i] = (char) ('a' + i % 26);
        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, n), (ssize_t) n);
}

/* dir/name, malloc'd. */
static char *in_dir(const char *name) {
        char *p;

        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        return p;
}

/* How many fds are open (with the one of the count). */
static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        unsigned n = 0;

        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

/* read_full_file_at() of dir/name: 0 with n bytes of the pattern, or r. */
static void expect_read(const char *name, size_t max_bytes, int r, size_t n) {
        char *buf = NULL;
        size_t size = SIZE_MAX;

        assert_int_equal(read_full_file_at(dir_fd, name, max_bytes, 0, &buf, &size), r);
        if (r < 0) {
                /* nothing written on failure */
                assert_null(buf);
                assert_int_equal(size, SIZE_MAX);
                return;
        }
        assert_int_equal(size, n);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(buf[i], 'a' + i % 26);
        assert_int_equal(buf[n], '\0');
        free(buf);
}

static void test_read_full_file_at(void **state) {
        unsigned fds = count_fds();
        _cleanup_free_ char *path = NULL;
        char *buf = NULL;
        size_t n = 0;

        write_file("empty", 0);
        write_file("six", 6);
        write_file("4096", 4096);
        write_file("4097", 4097);
        write_file("8193", 8193);

        expect_read("empty", 1, 0, 0);
        expect_read("six", 6, 0, 6);
        expect_read("six", 5, -EFBIG, 0);
        /* the first chunk is 4 KiB: exactly it, one more, a third chunk */
        expect_read("4096", 4096, 0, 4096);
        expect_read("4097", 4096, -EFBIG, 0);
        expect_read("4097", 4097, 0, 4097);
        expect_read("8193", 1 << 20, 0, 8193);
        expect_read("8193", 8192, -EFBIG, 0);
        expect_read("nope", 100, -ENOENT, 0);
        expect_read(".", 100, -EISDIR, 0);
        expect_read("six", 0, -EINVAL, 0);
        expect_read("six", SIZE_MAX, -EINVAL, 0);
        assert_int_equal(read_full_file_at(dir_fd, "six", 100, 1U << 5, &buf, &n), -EINVAL);
        assert_int_equal(read_full_file_at(dir_fd, NULL, 100, 0, &buf, &n), -EINVAL);
        assert_null(buf);

        /* an absolute path, from the working directory; ret_size optional */
        path = in_dir("six");
        assert_int_equal(read_full_file_at(AT_FDCWD, path, 100, 0, &buf, NULL), 0);
        assert_string_equal(buf, "abcdef");
        buf = mfree(buf);

        assert_int_equal(count_fds(), fds);
}

static void test_read_full_file_at_nul(void **state) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        /* a NUL inside is data: the size says where the file ends */
        fd = openat(dir_fd, "nul", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, "a\0b", 3), 3);
        assert_int_equal(read_full_file_at(dir_fd, "nul", 3, 0, &buf, &n), 0);
        assert_int_equal(n, 3);
        assert_memory_equal(buf, "a\0b", 4);
}

static void test_nofollow(void **state) {
        char *buf = NULL, small[16];
        size_t n = 0;

        write_file("six", 6);
        assert_int_equal(symlinkat("six", dir_fd, "link"), 0);

        assert_int_equal(read_full_file_at(dir_fd, "link", 100, READ_FULL_FILE_NOFOLLOW, &buf, &n), -ELOOP);
        assert_null(buf);
        assert_int_equal(
                read_full_file_at_into(dir_fd, "link", READ_FULL_FILE_NOFOLLOW, small, sizeof(small), &n),
                -ELOOP);
        /* the flag is about the last component only, and off by default */
        assert_int_equal(read_full_file_at(dir_fd, "six", 100, READ_FULL_FILE_NOFOLLOW, &buf, &n), 0);
        buf = mfree(buf);
        assert_int_equal(read_full_file_at(dir_fd, "link", 100, 0, &buf, &n), 0);
        assert_int_equal(n, 6);
        free(buf);
}

/* A FIFO fed by a child in two writes: read to EOF, whatever the reads
 * return at a time. */
static void test_fifo(void **state) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        pid_t pid;
        int status;

        assert_int_equal(mkfifoat(dir_fd, "fifo", 0600), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* the open blocks until the parent opens the other end */
                int fd = openat(dir_fd, "fifo", O_WRONLY | O_CLOEXEC);

                (void) signal(SIGPIPE, SIG_IGN);
                if (fd < 0 || write(fd, "abc", 3) != 3 || write(fd, "def\n", 4) != 4)
                        _exit(1);
                _exit(0);
        }
        assert_int_equal(read_full_file_at(dir_fd, "fifo", 100, 0, &buf, &n), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(n, 7);
        assert_string_equal(buf, "abcdef\n");
}

/* READ_FULL_FILE_REGULAR: a regular file (also through a symlink), never
 * a directory, FIFO or device; a FIFO without a writer does not block. */
static void test_regular(void **state) {
        unsigned fds = count_fds();
        char *buf = NULL, small[16];
        size_t n = 0;

        write_file("six", 6);
        (void) unlinkat(dir_fd, "link", 0);
        assert_int_equal(symlinkat("six", dir_fd, "link"), 0);
        assert_int_equal(mkfifoat(dir_fd, "lonely-fifo", 0600), 0);

        assert_int_equal(read_full_file_at(dir_fd, "six", 100, READ_FULL_FILE_REGULAR, &buf, &n), 0);
        assert_int_equal(n, 6);
        assert_string_equal(buf, "abcdef");
        buf = mfree(buf);
        assert_int_equal(read_full_file_at(dir_fd, "link", 100, READ_FULL_FILE_REGULAR, &buf, &n), 0);
        buf = mfree(buf);
        assert_int_equal(read_full_file_at(dir_fd, "link", 100,
                                           READ_FULL_FILE_REGULAR | READ_FULL_FILE_NOFOLLOW, &buf, &n),
                         -ELOOP);
        assert_int_equal(read_full_file_at(dir_fd, ".", 100, READ_FULL_FILE_REGULAR, &buf, &n), -EISDIR);
        assert_int_equal(read_full_file_at(dir_fd, "lonely-fifo", 100, READ_FULL_FILE_REGULAR, &buf, &n),
                         -EBADFD);
        assert_int_equal(read_full_file_at(AT_FDCWD, "/dev/null", 100, READ_FULL_FILE_REGULAR, &buf, &n),
                         -EBADFD);
        assert_int_equal(read_full_file_at(dir_fd, "nope", 100, READ_FULL_FILE_REGULAR, &buf, &n), -ENOENT);
        assert_null(buf);
        /* the cap holds as without the flag */
        assert_int_equal(read_full_file_at(dir_fd, "six", 5, READ_FULL_FILE_REGULAR, &buf, &n), -EFBIG);

        assert_int_equal(
                read_full_file_at_into(dir_fd, "six", READ_FULL_FILE_REGULAR, small, sizeof(small), &n), 0);
        assert_string_equal(small, "abcdef");
        assert_int_equal(read_full_file_at_into(dir_fd, "lonely-fifo", READ_FULL_FILE_REGULAR, small,
                                                sizeof(small), &n),
                         -EBADFD);
        assert_int_equal(
                read_full_file_at_into(dir_fd, ".", READ_FULL_FILE_REGULAR, small, sizeof(small), &n),
                -EISDIR);

        assert_int_equal(count_fds(), fds);
}

static void test_read_full_file_at_into(void **state) {
        unsigned fds = count_fds();
        char buf[8];
        size_t n = SIZE_MAX;

        write_file("empty", 0);
        write_file("six", 6);
        write_file("4096", 4096);

        /* size - 2 bytes at most: 6 in a buffer of 8 */
        assert_int_equal(read_full_file_at_into(dir_fd, "six", 0, buf, sizeof(buf), &n), 0);
        assert_int_equal(n, 6);
        assert_string_equal(buf, "abcdef");
        n = SIZE_MAX;
        assert_int_equal(read_full_file_at_into(dir_fd, "six", 0, buf, 7, &n), -EFBIG);
        assert_int_equal(n, SIZE_MAX);
        assert_int_equal(read_full_file_at_into(dir_fd, "4096", 0, buf, sizeof(buf), &n), -EFBIG);
        assert_int_equal(read_full_file_at_into(dir_fd, "empty", 0, buf, 2, &n), 0);
        assert_int_equal(n, 0);
        assert_string_equal(buf, "");
        assert_int_equal(read_full_file_at_into(dir_fd, "six", 0, buf, 1, &n), -EINVAL);
        assert_int_equal(read_full_file_at_into(dir_fd, "six", 0, NULL, 8, &n), -EINVAL);
        assert_int_equal(read_full_file_at_into(dir_fd, "six", 1U << 5, buf, sizeof(buf), &n), -EINVAL);
        assert_int_equal(read_full_file_at_into(dir_fd, "nope", 0, buf, sizeof(buf), &n), -ENOENT);
        assert_int_equal(read_full_file_at_into(dir_fd, "six", 0, buf, sizeof(buf), NULL), 0);

        assert_int_equal(count_fds(), fds);
}

/* The kernel's pseudo-files report no size: read to EOF. */
static void test_proc(void **state) {
        _cleanup_free_ char *buf = NULL;
        char small[65536];
        size_t n = 0, m = 0;

        assert_int_equal(read_full_file_at(AT_FDCWD, "/proc/self/status", 1 << 20, 0, &buf, &n), 0);
        assert_true(n > 0);
        assert_int_equal(strlen(buf), n);
        assert_true(strncmp(buf, "Name:\t", 6) == 0);
        assert_int_equal(read_full_file_at_into(AT_FDCWD, "/proc/self/status", 0, small, sizeof(small), &m),
                         0);
        assert_true(m > 0);
        assert_int_equal(strlen(small), m);
        assert_true(strncmp(small, "Name:\t", 6) == 0);
}

static void test_mkdir_p(void **state) {
        _cleanup_free_ char *path = NULL;
        struct stat st;

        path = in_dir("a/b/c");
        assert_int_equal(mkdir_p(path, 0700), 0);
        assert_int_equal(fstatat(dir_fd, "a/b/c", &st, 0), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 0777 & ~0700, 0);
        /* again: existing directories are fine */
        assert_int_equal(mkdir_p(path, 0700), 0);
        /* a file in the way */
        write_file("six", 6);
        path = mfree(path);
        path = in_dir("six/x");
        assert_int_equal(mkdir_p(path, 0700), -ENOTDIR);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_full_file_at),
                cmocka_unit_test(test_read_full_file_at_nul),
                cmocka_unit_test(test_nofollow),
                cmocka_unit_test(test_fifo),
                cmocka_unit_test(test_regular),
                cmocka_unit_test(test_read_full_file_at_into),
                cmocka_unit_test(test_proc),
                cmocka_unit_test(test_mkdir_p),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
