/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "capture/jvm-flags.h"
#include "base/macro.h"
#include "base/units.h"

void jvm_flags_init(JvmFlags *f) {
        *f = (JvmFlags){ .max_heap = UINT64_MAX, .max_direct = UINT64_MAX };
}

/* "512m", "1G", "67108864" as the JVM reads them; -EINVAL otherwise. */
static int parse_jvm_size(const char *s, size_t n, uint64_t *ret) {
        uint64_t v = 0, mul = 1;
        size_t i = 0;

        if (n == 0 || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        for (; i < n && isdigit((unsigned char) s[i]); i++) {
                if (v > (UINT64_MAX - 9) / 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (i + 1 == n) {
                switch (s[i]) {
                case 'k':
                case 'K':
                        mul = UINT64_C(1) << 10;
                        break;
                case 'm':
                case 'M':
                        mul = UINT64_C(1) << 20;
                        break;
                case 'g':
                case 'G':
                        mul = UINT64_C(1) << 30;
                        break;
                case 't':
                case 'T':
                        mul = UINT64_C(1) << 40;
                        break;
                default:
                        return -EINVAL;
                }
        } else if (i != n)
                return -EINVAL;
        if (v > UINT64_MAX / mul)
                return -EINVAL;
        *ret = v * mul;
        return 0;
}

static bool starts(const char *w, size_t n, const char *p) {
        size_t k = strlen(p);
        return n >= k && memcmp(w, p, k) == 0;
}

/* One option word; 1 when recognized. */
static int parse_word(const char *w, size_t n, JvmFlags *f) {
        uint64_t v;

        if (starts(w, n, "-Xmx") && parse_jvm_size(w + 4, n - 4, &v) >= 0) {
                f->max_heap = v;
                return 1;
        }
        if (starts(w, n, "-XX:MaxHeapSize=") && parse_jvm_size(w + 16, n - 16, &v) >= 0) {
                f->max_heap = v;
                return 1;
        }
        if (starts(w, n, "-XX:MaxDirectMemorySize=") && parse_jvm_size(w + 24, n - 24, &v) >= 0) {
                f->max_direct = v;
                return 1;
        }
        return 0;
}

int jvm_flags_parse(const char *buf, size_t n, JvmFlags *f) {
        int k = 0;

        for (size_t i = 0; i < n;) {
                size_t j;

                while (i < n && isspace((unsigned char) buf[i]))
                        i++;
                for (j = i; j < n && !isspace((unsigned char) buf[j]) && buf[j] != 0; j++)
                        ;
                if (j > i)
                        k += parse_word(buf + i, j - i, f);
                i = j < n && buf[j] == 0 ? j + 1 : j;
        }
        return k;
}

int jvm_flags_parse_argv(char *const *argv, JvmFlags *f) {
        static const char *const with_value[] = { "-cp", "-classpath",    "--class-path",
                                                  "-p",  "--module-path", "--add-modules" };
        int k = 0;

        if (!argv || !argv[0])
                return 0;
        for (char *const *a = argv + 1; *a; a++) {
                bool skip = false;

                if ((*a)[0] != '-' || streq(*a, "-jar") || streq(*a, "-m") || streq(*a, "--module"))
                        break; /* the program and its own arguments */
                for (size_t i = 0; i < ELEMENTSOF(with_value); i++)
                        if (streq(*a, with_value[i]))
                                skip = true;
                if (skip) {
                        if (!a[1])
                                break;
                        a++;
                        continue;
                }
                k += parse_word(*a, strlen(*a), f);
        }
        return k;
}

int jvm_flags_findings(const JvmFlags *f, uint64_t limit, char *buf, size_t size) {
        char h[UNIT_SIZE_MAX], d[UNIT_SIZE_MAX], l[UNIT_SIZE_MAX];
        size_t len = 0;
        int k = 0;

#define ADD(...)                                                                         \
        do {                                                                             \
                if (len < size) {                                                        \
                        int w_ = snprintf(buf + len, size - len, "%s", len ? "; " : ""); \
                        len += (size_t) MAX(w_, 0);                                      \
                }                                                                        \
                if (len < size) {                                                        \
                        int w_ = snprintf(buf + len, size - len, __VA_ARGS__);           \
                        len += (size_t) MAX(w_, 0);                                      \
                }                                                                        \
                k++;                                                                     \
        } while (0)

        if (size > 0)
                buf[0] = 0;
        if (limit == UINT64_MAX)
                return 0;
        unit_format_size(l, limit);
        if (f->max_heap != UINT64_MAX && f->max_heap > limit)
                ADD("the max heap (MaxHeapSize) %s is larger than the memory limit %s: the kernel kills the "
                    "JVM before it can throw OutOfMemoryError",
                    unit_format_size(h, f->max_heap), l);
        if (f->max_direct != UINT64_MAX && f->max_direct > 0 && f->max_direct > limit)
                ADD("MaxDirectMemorySize %s is larger than the memory limit %s",
                    unit_format_size(d, f->max_direct), l);
        else if ((f->max_direct == UINT64_MAX || f->max_direct == 0) && f->max_heap != UINT64_MAX &&
                 f->max_heap <= limit && f->max_heap > limit - f->max_heap)
                ADD("MaxDirectMemorySize is unset: direct buffers may take as much as the max heap %s on "
                    "top "
                    "of it, more than the memory limit %s",
                    unit_format_size(h, f->max_heap), l);
#undef ADD
        return k;
}

bool jvm_is_launcher(const char *exe) {
        const char *b = exe ? strrchr(exe, '/') : NULL;
        b = b ? b + 1 : exe;
        return b && (streq(b, "java") || streq(b, "javaw"));
}
