/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* exec_split(). Beyond "no crash": a successful split is never empty,
 * and quoting its words back ("..." with \\ and \" escaped, and
 * exec_join()) splits to the same argv. A failure always comes with a
 * message. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz-check.h"

static char *quote_argv(char **argv) {
        size_t n = 1;
        char *buf, *p;

        for (char **a = argv; *a; a++)
                n += 2 * strlen(*a) + 3;
        buf = p = malloc(n);
        if (!buf)
                return NULL;
        for (char **a = argv; *a; a++) {
                if (a != argv)
                        *p++ = ' ';
                *p++ = '"';
                for (const char *c = *a; *c; c++) {
                        if (*c == '\\' || *c == '"')
                                *p++ = '\\';
                        *p++ = *c;
                }
                *p++ = '"';
        }
        *p = '\0';
        return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_strv_free_ char **argv = NULL, **again = NULL;
        _cleanup_free_ char *line = NULL, *err = NULL, *quoted = NULL;
        int r;

        if (size > 16384)
                return 0;
        line = strndup((const char *) data, size);
        if (!line)
                return 0;

        r = exec_split(line, &argv, &err);
        if (r == -ENOMEM)
                return 0;
        if (r < 0) {
                CHECK(r == -EINVAL);
                CHECK(err && *err);
                CHECK(!argv);
                return 0;
        }
        CHECK(r == 0);
        CHECK(!err);
        CHECK(argv && argv[0]);

        quoted = quote_argv(argv);
        if (!quoted)
                return 0;
        r = exec_split(quoted, &again, NULL);
        CHECK(r == 0);
        CHECK(strv_length(again) == strv_length(argv));
        for (size_t i = 0; argv[i]; i++)
                CHECK(streq(argv[i], again[i]));

        /* exec_join() is the inverse, and its line has no INI comment */
        again = strv_free(again);
        quoted = mfree(quoted);
        r = exec_join(argv, &quoted);
        if (r == -ENOMEM)
                return 0;
        CHECK(r == 0);
        CHECK(!strchr(quoted, ';') && !strchr(quoted, '\n'));
        r = exec_split(quoted, &again, NULL);
        CHECK(r == 0);
        CHECK(strv_length(again) == strv_length(argv));
        for (size_t i = 0; argv[i]; i++)
                CHECK(streq(argv[i], again[i]));
        return 0;
}
