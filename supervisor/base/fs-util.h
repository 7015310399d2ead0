/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

#include "base/macro.h"

/* _cleanup_closedir_: closedir() on scope exit, unless NULL. Here rather
 * than in macro.h, which stays small and does not pull in <dirent.h>. */
static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

/* mkdir -p: the missing parents with 0755, the last component with mode.
 * Existing directories are left as they are. Returns 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);

typedef enum ReadFullFileFlags {
        /* O_NOFOLLOW: a symlink as the last component of path is -ELOOP
         * (STYLE rule 12, for a directory others can write to) */
        READ_FULL_FILE_NOFOLLOW = 1 << 0,
        /* Only a regular file: a directory is -EISDIR, anything else
         * (FIFO, device, socket) -EBADFD, and opening a FIFO does not
         * block (O_NONBLOCK), so a daemon can read a path others chose */
        READ_FULL_FILE_REGULAR = 1 << 1,
} ReadFullFileFlags;

/* Read the whole of path, relative to dir_fd (or AT_FDCWD; an absolute path
 * ignores it), until EOF: kernel pseudo-files (procfs, sysfs, cgroupfs)
 * report st_size 0 or 4096. flags are ReadFullFileFlags. *ret is malloc'd
 * and NUL-terminated for convenience; *ret_size (ret_size may be NULL) does
 * not count the NUL. Returns 0, -EFBIG when the file holds more than
 * max_bytes, -EINVAL for max_bytes 0 or absurdly large or an unknown flag,
 * -EISDIR or -EBADFD for READ_FULL_FILE_REGULAR, -ENOMEM, or the -errno
 * of openat/fstat/read. Nothing is written on failure. */
int read_full_file_at(int dir_fd, const char *path, size_t max_bytes, unsigned flags, char **ret,
                      size_t *ret_size);

/* The same into the caller's buf of size bytes, without malloc (for a
 * forked helper): the file may hold at most size - 2 bytes, as one more
 * is read to tell a larger file, and the NUL follows. Returns 0, -EFBIG,
 * -EINVAL for size < 2 or an unknown flag, -EISDIR or -EBADFD for
 * READ_FULL_FILE_REGULAR, or the -errno of openat/fstat/read; on failure
 * buf holds no string. */
int read_full_file_at_into(int dir_fd, const char *path, unsigned flags, char *buf, size_t size,
                           size_t *ret_size);
