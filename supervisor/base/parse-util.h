/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Character classes and the line scanner of the pure parsers of /proc,
 * cgroup and NMT text (procfs.c, cgstat.c, procsnap.c, nmt.c). Their
 * buffers need not be NUL-terminated, and the classes are ASCII only,
 * whatever the locale (unlike <ctype.h>). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* A blank inside a line: space or tab. */
static inline bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static inline bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* The value of the hex digit c (either case), or -EINVAL. */
static inline int unhexchar(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -EINVAL;
}

/* The next line of buf[*pos..n), without its '\n'; a last line without
 * '\n' counts. Returns false at the end. */
static inline bool next_line(const char *buf, size_t n, size_t *pos, const char **ret_line,
                             size_t *ret_len) {
        const char *nl;
        size_t start = *pos;

        if (start >= n)
                return false;
        nl = memchr(buf + start, '\n', n - start);
        *ret_line = buf + start;
        *ret_len = nl ? (size_t) (nl - (buf + start)) : n - start;
        *pos = start + *ret_len + 1;
        return true;
}
