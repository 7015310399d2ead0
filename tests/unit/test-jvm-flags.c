/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "capture/jvm-flags.h"
#include "base/macro.h"

#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)

static JvmFlags parse(const char *s) {
        JvmFlags f;

        jvm_flags_init(&f);
        (void) jvm_flags_parse(s, strlen(s), &f);
        return f;
}

static void test_parse(void **state) {
        JvmFlags f;

        /* a real VM.flags reply (OpenJDK 17, -Xmx64m, no MaxDirectMemorySize) */
        f = parse("-XX:CICompilerCount=2 -XX:ConcGCThreads=1 -XX:InitialHeapSize=16777216 "
                  "-XX:MaxHeapSize=67108864 -XX:MaxNewSize=22347776 -XX:+UseSerialGC\n");
        assert_true(f.max_heap == 64 * M);
        assert_true(f.max_direct == UINT64_MAX);
        /* command-line forms, either case, later wins */
        f = parse("-Xmx1g -XX:MaxDirectMemorySize=512m");
        assert_true(f.max_heap == G);
        assert_true(f.max_direct == 512 * M);
        f = parse("-Xmx1G -Xmx300M\t-XX:MaxHeapSize=2048k");
        assert_true(f.max_heap == 2048 * 1024);
        /* malformed sizes are ignored, the earlier value stays */
        f = parse("-Xmx64m -Xmx -Xmx12q -Xmxm -XX:MaxHeapSize=99999999999999999999999 -Xmx99999999999t");
        assert_true(f.max_heap == 64 * M);
        f = parse("");
        assert_true(f.max_heap == UINT64_MAX);
        JvmFlags g;
        jvm_flags_init(&g);
        assert_int_equal(jvm_flags_parse("-Xmx1g -Xss1m -XX:MaxDirectMemorySize=1g", 41, &g), 2);
}

static void test_argv(void **state) {
        char *a[] = { "/usr/bin/java", "-Xmx1g", "-cp", "-Xmx8g", "Main", "-Xmx2g", NULL };
        char *b[] = { "java", "-XX:MaxDirectMemorySize=2g", "-jar", "app.jar", "-Xmx9g", NULL };
        char *c[] = { "java", "-Xmx256m", NULL };
        JvmFlags f;

        jvm_flags_init(&f);
        /* the -cp value and the program's arguments are not the JVM's */
        assert_int_equal(jvm_flags_parse_argv(a, &f), 1);
        assert_true(f.max_heap == G);
        jvm_flags_init(&f);
        assert_int_equal(jvm_flags_parse_argv(b, &f), 1);
        assert_true(f.max_direct == 2 * G);
        assert_true(f.max_heap == UINT64_MAX);
        jvm_flags_init(&f);
        assert_int_equal(jvm_flags_parse_argv(c, &f), 1);
        assert_true(f.max_heap == 256 * M);
        assert_int_equal(jvm_flags_parse_argv(NULL, &f), 0);
}

static void test_findings(void **state) {
        char buf[512];
        JvmFlags f;

        /* seed 003's gateway: a heap larger than the limit */
        f = parse("-Xmx1g");
        assert_int_equal(jvm_flags_findings(&f, 400 * M, buf, sizeof buf), 1);
        assert_string_equal(buf,
                            "the max heap (MaxHeapSize) 1G is larger than the memory limit 400M: the kernel "
                            "kills the JVM before it can throw OutOfMemoryError");
        /* a direct limit above the memory limit */
        f = parse("-Xmx64m -XX:MaxDirectMemorySize=2g");
        assert_int_equal(jvm_flags_findings(&f, 256 * M, buf, sizeof buf), 1);
        assert_string_equal(buf, "MaxDirectMemorySize 2G is larger than the memory limit 256M");
        /* unset, and heap + its default (the heap) exceed the limit */
        f = parse("-Xmx300m");
        assert_int_equal(jvm_flags_findings(&f, 512 * M, buf, sizeof buf), 1);
        assert_non_null(strstr(buf, "MaxDirectMemorySize is unset"));
        /* both at once */
        f = parse("-Xmx1g -XX:MaxDirectMemorySize=1g");
        assert_int_equal(jvm_flags_findings(&f, 400 * M, buf, sizeof buf), 2);
        assert_non_null(strstr(buf, "; MaxDirectMemorySize 1G"));
        /* fine: room for both; no limit; unknown heap */
        f = parse("-Xmx64m");
        assert_int_equal(jvm_flags_findings(&f, 256 * M, buf, sizeof buf), 0);
        assert_string_equal(buf, "");
        f = parse("-Xmx64g");
        assert_int_equal(jvm_flags_findings(&f, UINT64_MAX, buf, sizeof buf), 0);
        f = parse("");
        assert_int_equal(jvm_flags_findings(&f, 256 * M, buf, sizeof buf), 0);
        /* a short buffer is cut, never overrun */
        f = parse("-Xmx1g -XX:MaxDirectMemorySize=1g");
        assert_int_equal(jvm_flags_findings(&f, 400 * M, buf, 16), 2);
        assert_true(strlen(buf) < 16);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_argv),
                cmocka_unit_test(test_findings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
