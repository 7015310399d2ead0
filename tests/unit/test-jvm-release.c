/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which Java a launcher belongs to (capture/jvm-release.h), on JDK trees
 * made in a tmpdir, and which variable carries jvm_options to it
 * (service_jvm_options_var()). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/jvm-release.h"
#include "service/service.h"

static void test_parse(void **state) {
        static const struct {
                const char *text;
                int want;
        } cases[] = {
                /* as the JDKs write it (OpenJDK 8u, 17, Temurin 25) */
                { "JAVA_VERSION=\"1.8.0_392\"\nOS_NAME=\"Linux\"\n", 8 },
                { "IMPLEMENTOR=\"Debian\"\nJAVA_RUNTIME_VERSION=\"17.0.21.1+1-Debian\"\nJAVA_VERSION=\"17.0."
                  "21.1\"\n"
                  "JAVA_VERSION_DATE=\"2026-11-17\"\n",
                  17 },
                { "JAVA_VERSION=\"25.0.3\"\r\n", 25 },
                { "JAVA_VERSION=\"25\"", 25 },
                { "JAVA_VERSION=11", 11 },
                { "JAVA_VERSION=\"1.7.0_80\"\n", 7 },
                { "JAVA_VERSION=\"21-ea\"\n", 21 },
                /* nothing that tells */
                { "", -ENODATA },
                { "JAVA_VERSION_DATE=\"2026-11-17\"\n", -ENODATA },
                { "JAVA_VERSION=\"\"\n", -ENODATA },
                { "JAVA_VERSION=\"x17\"\n", -ENODATA },
                { "JAVA_VERSION=\"17a\"\n", -ENODATA },
                { "JAVA_VERSION=\"0\"\n", -ENODATA },
                { "JAVA_VERSION=\"99999\"\n", -ENODATA },
                { " JAVA_VERSION=\"17\"\n", -ENODATA },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = jvm_release_parse(cases[i].text, strlen(cases[i].text));
                if (r != cases[i].want)
                        fail_msg("'%s': %d, want %d", cases[i].text, r, cases[i].want);
        }
}

static void write_file(const char *dir, const char *rel, const char *text) {
        char path[512];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", dir, rel);
        f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

static void mkdirs(const char *dir, const char *rel) {
        char path[512];

        snprintf(path, sizeof path, "%s/%s", dir, rel);
        for (char *p = path + strlen(dir) + 1; *p; p++)
                if (*p == '/') {
                        *p = '\0';
                        (void) mkdir(path, 0755);
                        *p = '/';
                }
        assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static void test_launcher(void **state) {
        char tmp[] = "/tmp/test-jvm-release.XXXXXX", path[512], cmd[600];

        assert_non_null(mkdtemp(tmp));
        /* a JDK 8: its release file in the JDK, the launcher also in jre/bin */
        mkdirs(tmp, "jdk8/bin");
        mkdirs(tmp, "jdk8/jre/bin");
        mkdirs(tmp, "jdk8/jre/lib");
        write_file(tmp, "jdk8/release", "JAVA_VERSION=\"1.8.0_392\"\n");
        write_file(tmp, "jdk8/bin/java", "");
        write_file(tmp, "jdk8/jre/bin/java", "");
        write_file(tmp, "jdk8/jre/lib/rt.jar", "");
        /* a JDK 17 reached through links, as /usr/bin/java -> /etc/alternatives */
        mkdirs(tmp, "jdk17/bin");
        write_file(tmp, "jdk17/release", "JAVA_VERSION=\"17.0.21.1\"\n");
        write_file(tmp, "jdk17/bin/java", "");
        mkdirs(tmp, "usr/bin");
        snprintf(path, sizeof path, "%s/jdk17/bin/java", tmp);
        snprintf(cmd, sizeof cmd, "%s/alt-java", tmp);
        assert_int_equal(symlink(path, cmd), 0);
        snprintf(path, sizeof path, "%s/usr/bin/java", tmp);
        assert_int_equal(symlink(cmd, path), 0);
        /* no release file: the layout tells */
        mkdirs(tmp, "modules-only/bin");
        mkdirs(tmp, "modules-only/lib");
        write_file(tmp, "modules-only/bin/java", "");
        write_file(tmp, "modules-only/lib/modules", "");
        mkdirs(tmp, "rtjar-only/bin");
        mkdirs(tmp, "rtjar-only/lib");
        write_file(tmp, "rtjar-only/bin/java", "");
        write_file(tmp, "rtjar-only/lib/rt.jar", "");
        mkdirs(tmp, "nothing/bin");
        write_file(tmp, "nothing/bin/java", "");

        static const struct {
                const char *rel;
                int want;
        } cases[] = {
                { "jdk8/bin/java", 8 },          { "jdk8/jre/bin/java", 8 },
                { "jdk17/bin/java", 17 },        { "usr/bin/java", 17 },
                { "modules-only/bin/java", 9 },  { "rtjar-only/bin/java", 8 },
                { "nothing/bin/java", -ENOENT }, { "missing/bin/java", -ENOENT },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r;

                snprintf(path, sizeof path, "%s/%s", tmp, cases[i].rel);
                r = jvm_launcher_version(path);
                if (r != cases[i].want)
                        fail_msg("%s: %d, want %d", cases[i].rel, r, cases[i].want);
        }
        assert_int_equal(jvm_launcher_version(NULL), -EINVAL);

        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
        assert_int_equal(system(cmd), 0);
}

static void test_var(void **state) {
        assert_string_equal(service_jvm_options_var(JVM_OPTIONS_ENV_AUTO, 17), "JDK_JAVA_OPTIONS");
        assert_string_equal(service_jvm_options_var(JVM_OPTIONS_ENV_AUTO, 9), "JDK_JAVA_OPTIONS");
        assert_string_equal(service_jvm_options_var(JVM_OPTIONS_ENV_AUTO, 8), "JAVA_TOOL_OPTIONS");
        /* unknown: the variable every HotSpot reads */
        assert_string_equal(service_jvm_options_var(JVM_OPTIONS_ENV_AUTO, -ENOENT), "JAVA_TOOL_OPTIONS");
        assert_string_equal(service_jvm_options_var(JVM_OPTIONS_ENV_TOOL, 25), "JAVA_TOOL_OPTIONS");
        assert_string_equal(service_jvm_options_var(JVM_OPTIONS_ENV_JDK, 8), "JDK_JAVA_OPTIONS");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_launcher),
                cmocka_unit_test(test_var),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
