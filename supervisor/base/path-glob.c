/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fnmatch.h>
#include <string.h>

#include "base/macro.h"
#include "base/path-glob.h"

#define PATH_GLOB_MAX 4096

static bool has_glob_chars(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (strchr("*?[\\", s[i]))
                        return true;
        return false;
}

bool path_glob_valid(const char *pattern, const char **ret_why) {
        const char *why = NULL, *p;

        if (!pattern || pattern[0] != '/')
                why = "must start with '/'";
        else if (strlen(pattern) > PATH_GLOB_MAX)
                why = "longer than 4096 bytes";
        else
                for (p = pattern; *p && !why; p++)
                        if ((unsigned char) *p < ' ' || *p == 0x7f)
                                why = "contains control characters";
        if (!why && !streq(pattern, "/"))
                for (p = pattern + 1;;) {
                        const char *e = strchrnul(p, '/');
                        size_t n = (size_t) (e - p);

                        if (n == 0) {
                                why = "has an empty component ('//' or a trailing '/')";
                                break;
                        }
                        if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) {
                                why = "has a '.' or '..' component";
                                break;
                        }
                        if (n != 2 && memmem(p, n, "**", 2)) {
                                why = "'**' must be a whole component (as in /kubepods.slice/ and then **)";
                                break;
                        }
                        if (!*e)
                                break;
                        p = e + 1;
                }
        if (why) {
                if (ret_why)
                        *ret_why = why;
                return false;
        }
        return true;
}

/* Match components: pattern pc[0..np), path xc[0..nx). Returns MATCH when
 * all of the path is consumed by all of the pattern, BELOW when the path
 * ran out first with the rest of the pattern still to come. */
static PathGlobResult match_from(const char *pat, const char *path) {
        /* the rest of each, without the leading '/'; "" = nothing left */
        while (*pat) {
                const char *pe = strchrnul(pat, '/');
                size_t pn = (size_t) (pe - pat);
                const char *next_pat = *pe ? pe + 1 : pe;

                if (pn == 2 && pat[0] == '*' && pat[1] == '*') {
                        PathGlobResult best = PATH_GLOB_NO, r;
                        const char *x = path;

                        /* a trailing "**": everything below, not the
                         * directory itself (kubepods.slice/ then **) */
                        if (!*next_pat)
                                return *path ? PATH_GLOB_MATCH : PATH_GLOB_BELOW;

                        /* "**" takes 0, 1, 2 ... components of the path */
                        for (;;) {
                                r = match_from(next_pat, x);
                                if (r == PATH_GLOB_MATCH)
                                        return r;
                                if (r == PATH_GLOB_BELOW)
                                        best = r;
                                if (!*x)
                                        break;
                                x = strchrnul(x, '/');
                                if (*x)
                                        x++;
                        }
                        /* anything below may still be taken by "**" */
                        return best == PATH_GLOB_NO ? PATH_GLOB_BELOW : best;
                }
                if (!*path)
                        return PATH_GLOB_BELOW;
                {
                        const char *xe = strchrnul(path, '/');
                        size_t xn = (size_t) (xe - path);
                        char pc[PATH_GLOB_MAX + 1], xc[PATH_GLOB_MAX + 1];

                        if (pn > PATH_GLOB_MAX || xn > PATH_GLOB_MAX)
                                return PATH_GLOB_NO;
                        memcpy(pc, pat, pn);
                        pc[pn] = 0;
                        memcpy(xc, path, xn);
                        xc[xn] = 0;
                        if (fnmatch(pc, xc, FNM_PERIOD) != 0)
                                return PATH_GLOB_NO;
                        path = *xe ? xe + 1 : xe;
                }
                pat = next_pat;
        }
        return *path ? PATH_GLOB_NO : PATH_GLOB_MATCH;
}

PathGlobResult path_glob_match(const char *pattern, const char *path) {
        if (!pattern || !path || pattern[0] != '/' || path[0] != '/')
                return PATH_GLOB_NO;
        return match_from(pattern + 1, path + 1);
}

unsigned path_glob_literal_depth(const char *pattern) {
        unsigned depth = 0;
        const char *p;

        if (!pattern || pattern[0] != '/')
                return 0;
        for (p = pattern + 1; *p;) {
                const char *e = strchrnul(p, '/');
                if (has_glob_chars(p, (size_t) (e - p)))
                        break;
                depth++;
                if (!*e)
                        break;
                p = e + 1;
        }
        return depth;
}
