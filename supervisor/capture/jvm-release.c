/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which Java a launcher belongs to (jvm-release.h). */

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "capture/jvm-release.h"

int jvm_release_parse(const char *buf, size_t n) {
        static const char key[] = "JAVA_VERSION=";
        const char *p = buf, *end = buf + n;

        while (p < end) {
                const char *eol = memchr(p, '\n', (size_t) (end - p));
                const char *v = p + strlen(key);
                unsigned major = 0, digits = 0;

                if (!eol)
                        eol = end;
                if ((size_t) (eol - p) > strlen(key) && memcmp(p, key, strlen(key)) == 0) {
                        if (v < eol && *v == '"')
                                v++;
                        /* "1.8.0_392": the old scheme, 1.N is release N */
                        if (eol - v >= 2 && v[0] == '1' && v[1] == '.')
                                v += 2;
                        for (; v < eol && *v >= '0' && *v <= '9' && digits < 4; v++, digits++)
                                major = major * 10 + (unsigned) (*v - '0');
                        if (digits == 0 || digits == 4 || major == 0 ||
                            (v < eol && *v != '.' && *v != '"' && *v != '_' && *v != '-' && *v != '+' &&
                             *v != '\r'))
                                return -ENODATA;
                        return (int) major;
                }
                p = eol + 1;
        }
        return -ENODATA;
}

static int release_at(const char *home) {
        _cleanup_free_ char *path = NULL, *buf = NULL;
        size_t n;
        int r;

        if (asprintf(&path, "%s/release", home) < 0)
                return -ENOMEM;
        r = read_full_file_at(AT_FDCWD, path, 64 * 1024, READ_FULL_FILE_REGULAR, &buf, &n);
        if (r < 0)
                return r;
        return jvm_release_parse(buf, n);
}

static bool exists_at(const char *home, const char *rel) {
        _cleanup_free_ char *path = NULL;

        return asprintf(&path, "%s/%s", home, rel) >= 0 && access(path, F_OK) == 0;
}

int jvm_launcher_version(const char *exe) {
        char real[PATH_MAX];
        char *slash;
        int r;

        if (!exe || !realpath(exe, real))
                return exe ? -errno : -EINVAL;
        /* <home>/bin/java: strip "/java", then "/bin" */
        for (int i = 0; i < 2; i++) {
                slash = strrchr(real, '/');
                if (!slash || slash == real)
                        return -ENOENT;
                *slash = '\0';
        }
        r = release_at(real);
        if (r > 0)
                return r;
        slash = strrchr(real, '/');
        if (slash && streq(slash, "/jre")) {
                /* a JDK 8's jre/bin/java: the release file is the JDK's */
                *slash = '\0';
                r = release_at(real);
                if (r > 0)
                        return r;
                *slash = '/';
        }
        if (exists_at(real, "lib/modules"))
                return 9;
        if (exists_at(real, "lib/rt.jar"))
                return 8;
        return -ENOENT;
}
