/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Character classes and the line scanner of the pure parsers of /proc,
 * cgroup and NMT text (procfs.c, cgstat.c, procsnap.c, nmt.c), and the
 * escapes of exec lines and wrapper.conf files (hex digits, UTF-8). Their
 * buffers need not be NUL-terminated, and the classes are ASCII only,
 * whatever the locale (unlike <ctype.h>). */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A blank inside a line: space or tab. */
static inline bool is_blank(char c) {
        return c == ' ' || c == '\t';
}

static inline bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* c (at most 0x10FFFF) as UTF-8 into out (room for 4 bytes); returns
 * the number of bytes. */
static inline size_t utf8_encode(char *out, uint32_t c) {
        if (c < 0x80) {
                out[0] = (char) c;
                return 1;
        }
        if (c < 0x800) {
                out[0] = (char) (0xc0 | (c >> 6));
                out[1] = (char) (0x80 | (c & 0x3f));
                return 2;
        }
        if (c < 0x10000) {
                out[0] = (char) (0xe0 | (c >> 12));
                out[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                out[2] = (char) (0x80 | (c & 0x3f));
                return 3;
        }
        out[0] = (char) (0xf0 | (c >> 18));
        out[1] = (char) (0x80 | ((c >> 12) & 0x3f));
        out[2] = (char) (0x80 | ((c >> 6) & 0x3f));
        out[3] = (char) (0x80 | (c & 0x3f));
        return 4;
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

/* The decimal digits at the start of s[0..len): their value into *ret and
 * how many there are into *ret_n (0: none, *ret is 0). Returns 0, or
 * -ERANGE when the value does not fit in 64 bits (nothing written then). */
static inline int scan_u64(const char *s, size_t len, size_t *ret_n, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = 0;

        for (; i < len && is_digit(s[i]); i++) {
                unsigned d = (unsigned) (s[i] - '0');

                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *ret_n = i;
        *ret = v;
        return 0;
}

/* Exactly s[0..len) as decimal digits (len >= 1). Returns 0, -EBADMSG
 * (empty, or not only digits) or -ERANGE; *ret is written only on
 * success. */
static inline int parse_u64_exact(const char *s, size_t len, uint64_t *ret) {
        uint64_t v;
        size_t n;
        int r = scan_u64(s, len, &n, &v);

        if (r < 0)
                return r;
        if (n == 0 || n != len)
                return -EBADMSG;
        *ret = v;
        return 0;
}
