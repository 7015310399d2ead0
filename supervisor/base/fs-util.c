/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fs-util.h"
#include "base/macro.h"

int mkdir_p(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                if (mkdir(p, 0755) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

static int open_for_read(int dir_fd, const char *path, unsigned flags) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (!path || (flags & ~(unsigned) (READ_FULL_FILE_NOFOLLOW | READ_FULL_FILE_REGULAR)))
                return -EINVAL;
        fd = openat(dir_fd, path,
                    O_RDONLY | O_CLOEXEC | O_NOCTTY | (flags & READ_FULL_FILE_NOFOLLOW ? O_NOFOLLOW : 0) |
                            (flags & READ_FULL_FILE_REGULAR ? O_NONBLOCK : 0));
        if (fd < 0)
                return negative_errno();
        if (flags & READ_FULL_FILE_REGULAR) {
                /* O_NONBLOCK stays set: a regular file's reads ignore it */
                if (fstat(fd, &st) < 0)
                        return negative_errno();
                if (S_ISDIR(st.st_mode))
                        return -EISDIR;
                if (!S_ISREG(st.st_mode))
                        return -EBADFD;
        }
        return TAKE_FD(fd);
}

/* Read fd into buf[*n..size) until EOF or until buf is full. Returns 0 at
 * EOF, 1 when buf filled up first (EOF not seen), or -errno. */
static int read_until_full(int fd, char *buf, size_t size, size_t *n) {
        while (*n < size) {
                ssize_t k = read(fd, buf + *n, size - *n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return 0;
                *n += (size_t) k;
        }
        return 1;
}

int read_full_file_at(int dir_fd, const char *path, size_t max_bytes, unsigned flags, char **ret,
                      size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, alloc = 0;
        int r;

        if (max_bytes == 0 || max_bytes > SIZE_MAX / 4 || !ret)
                return -EINVAL;
        fd = open_for_read(dir_fd, path, flags);
        if (fd < 0)
                return fd;

        do {
                /* up to max_bytes + 1, to tell "too big" from "exactly
                 * max_bytes"; one more for the NUL */
                size_t want = MIN(alloc > 0 ? alloc * 2 : 4096, max_bytes + 1);
                char *t;

                t = realloc(buf, want + 1);
                if (!t)
                        return -ENOMEM;
                buf = t;
                alloc = want;
                r = read_until_full(fd, buf, alloc, &n);
                if (r < 0)
                        return r;
                if (n > max_bytes)
                        return -EFBIG;
        } while (r > 0);

        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = n;
        return 0;
}

int read_full_file_at_into(int dir_fd, const char *path, unsigned flags, char *buf, size_t size,
                           size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0;
        int r;

        if (!buf || size < 2)
                return -EINVAL;
        fd = open_for_read(dir_fd, path, flags);
        if (fd < 0)
                return fd;
        /* size - 1 bytes: size - 2 at most, one more to tell a larger file */
        r = read_until_full(fd, buf, size - 1, &n);
        if (r < 0)
                return r;
        if (r > 0)
                return -EFBIG;
        buf[n] = '\0';
        if (ret_size)
                *ret_size = n;
        return 0;
}
