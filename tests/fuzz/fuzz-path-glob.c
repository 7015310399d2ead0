/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* base/path-glob.h: a match= pattern and a cgroup path, "PATTERN\nPATH".
 * Beyond "no crash": a valid literal pattern (no glob characters) matches
 * itself and nothing else at its depth; a path that matches a pattern
 * without "**" has exactly as many components; a pattern's literal depth
 * never exceeds its component count. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/path-glob.h"
#include "fuzz-check.h"

static unsigned components(const char *p) {
        unsigned n = 0;

        if (strcmp(p, "/") == 0)
                return 0;
        for (; *p; p++)
                n += *p == '/';
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *pattern, *path, *nl;
        const char *why = NULL;

        if (size > 8192)
                return 0;
        buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = 0;
        if (strlen(buf) != size) { /* a NUL inside: not text */
                free(buf);
                return 0;
        }
        pattern = buf;
        nl = strchr(buf, '\n');
        path = nl ? (*nl = 0, nl + 1) : buf;

        if (!path_glob_valid(pattern, &why)) {
                CHECK(why && *why);
                free(buf);
                return 0;
        }
        CHECK(path_glob_literal_depth(pattern) <= components(pattern));
        if (!strpbrk(pattern, "*?[\\")) {
                CHECK(path_glob_match(pattern, pattern) == PATH_GLOB_MATCH);
                if (path_glob_valid(path, NULL) && components(path) == components(pattern))
                        CHECK((path_glob_match(pattern, path) == PATH_GLOB_MATCH) ==
                              (strcmp(pattern, path) == 0));
        }
        if (path_glob_valid(path, NULL) && path_glob_match(pattern, path) == PATH_GLOB_MATCH &&
            !strstr(pattern, "**"))
                CHECK(components(path) == components(pattern));
        free(buf);
        return 0;
}
