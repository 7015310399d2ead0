/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The pure parts of capture/hotspot.h: the version 1 request, the reply's
 * status line, the /proc/PID/maps scan. The attach itself runs against
 * real JVMs in tests/integration/test-attach.sh. Replies and maps lines
 * below are copied from OpenJDK 17 and Temurin 25 (jattach and our client,
 * Linux 6.18). */

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture/hotspot.h"

#define REQ(s) s, sizeof(s) - 1

static void check_request(const char *const *argv, const char *want, size_t want_len) {
        char buf[HOTSPOT_REQUEST_MAX_BYTES];
        size_t len = 0;

        assert_int_equal(hotspot_build_request(argv, buf, sizeof(buf), &len), 0);
        assert_int_equal(len, want_len);
        assert_memory_equal(buf, want, want_len);
}

static void test_request_jcmd(void **state) {
        /* the example of the issue, byte for byte */
        check_request((const char *const[]){ "Thread.print", NULL }, REQ("1\0jcmd\0Thread.print\0\0\0"));
        /* arguments join the command line: jcmd's one argument */
        check_request((const char *const[]){ "VM.native_memory", "summary", NULL },
                      REQ("1\0jcmd\0VM.native_memory summary\0\0\0"));
        check_request((const char *const[]){ "GC.heap_dump", "-all", "/tmp/h p.hprof", NULL },
                      REQ("1\0jcmd\0GC.heap_dump -all /tmp/h p.hprof\0\0\0"));
        /* jcmd named explicitly: the same request */
        check_request((const char *const[]){ "jcmd", "VM.native_memory", "summary", NULL },
                      REQ("1\0jcmd\0VM.native_memory summary\0\0\0"));
        check_request((const char *const[]){ "jcmd", NULL }, REQ("1\0jcmd\0\0\0\0"));
        /* an empty argument stays a (doubled) space, as jcmd joins it */
        check_request((const char *const[]){ "VM.log", "", "list", NULL },
                      REQ("1\0jcmd\0VM.log  list\0\0\0"));
}

static void test_request_operations(void **state) {
        check_request((const char *const[]){ "threaddump", NULL }, REQ("1\0threaddump\0\0\0\0"));
        check_request((const char *const[]){ "properties", NULL }, REQ("1\0properties\0\0\0\0"));
        check_request((const char *const[]){ "dumpheap", "/tmp/x.hprof", NULL },
                      REQ("1\0dumpheap\0/tmp/x.hprof\0\0\0"));
        check_request((const char *const[]){ "inspectheap", "-live", NULL },
                      REQ("1\0inspectheap\0-live\0\0\0"));
        check_request((const char *const[]){ "load", "instrument", "false", "/a.jar=x", NULL },
                      REQ("1\0load\0instrument\0false\0/a.jar=x\0"));
        /* more than three: the rest joins the third */
        check_request((const char *const[]){ "load", "/lib.so", "true", "a", "b", "c", NULL },
                      REQ("1\0load\0/lib.so\0true\0a b c\0"));
        check_request((const char *const[]){ "setflag", "HeapDumpOnOutOfMemoryError", "1", NULL },
                      REQ("1\0setflag\0HeapDumpOnOutOfMemoryError\0001\0\0"));
        /* operation names are case-sensitive; anything else is for jcmd */
        check_request((const char *const[]){ "ThreadDump", NULL }, REQ("1\0jcmd\0ThreadDump\0\0\0"));
}

static void test_request_limits(void **state) {
        char buf[HOTSPOT_REQUEST_MAX_BYTES], arg[HOTSPOT_ARG_MAX + 2];
        size_t len = 4242;

        assert_int_equal(hotspot_build_request(NULL, buf, sizeof(buf), &len), -EINVAL);
        assert_int_equal(hotspot_build_request((const char *const[]){ NULL }, buf, sizeof(buf), &len),
                         -EINVAL);
        assert_int_equal(hotspot_build_request((const char *const[]){ "", NULL }, buf, sizeof(buf), &len),
                         -EINVAL);
        assert_int_equal(len, 4242);

        /* 1024 bytes fit, 1025 do not */
        memset(arg, 'x', HOTSPOT_ARG_MAX);
        arg[HOTSPOT_ARG_MAX] = '\0';
        assert_int_equal(hotspot_build_request((const char *const[]){ arg, NULL }, buf, sizeof(buf), &len),
                         0);
        assert_int_equal(len, 2 + 5 + HOTSPOT_ARG_MAX + 1 + 2);
        len = 4242;
        assert_int_equal(
                hotspot_build_request((const char *const[]){ arg, "y", NULL }, buf, sizeof(buf), &len),
                -E2BIG);
        arg[HOTSPOT_ARG_MAX] = 'x';
        arg[HOTSPOT_ARG_MAX + 1] = '\0';
        assert_int_equal(hotspot_build_request((const char *const[]){ "dumpheap", arg, NULL }, buf,
                                               sizeof(buf), &len),
                         -E2BIG);
        assert_int_equal(len, 4242);

        /* three full arguments: HOTSPOT_REQUEST_MAX_BYTES suffices (with a
         * 10-byte name; the longest, agentProperties, is 15) */
        arg[HOTSPOT_ARG_MAX] = '\0';
        assert_int_equal(
                hotspot_build_request((const char *const[]){ "agentProperties", arg, arg, arg, NULL }, buf,
                                      sizeof(buf), &len),
                0);
        assert_int_equal(len, 2 + 16 + 3 * (HOTSPOT_ARG_MAX + 1));
        assert_true(len <= HOTSPOT_REQUEST_MAX_BYTES);

        /* a buffer too small, at every size: never written past, never 0 */
        for (size_t size = 0; size < 22; size++) {
                char small[22];

                len = 4242;
                memset(small, '#', sizeof(small));
                assert_int_equal(hotspot_build_request((const char *const[]){ "Thread.print", NULL }, small,
                                                       size, &len),
                                 -E2BIG);
                assert_int_equal(len, 4242);
                for (size_t i = size; i < sizeof(small); i++)
                        assert_int_equal(small[i], '#');
        }
        assert_int_equal(hotspot_build_request((const char *const[]){ "Thread.print", NULL }, buf, 22, &len),
                         0);
        assert_int_equal(len, 22);
}

static void check_status(const char *s, size_t n, int want_r, int want_status, size_t want_consumed) {
        int status = 4242;
        size_t consumed = 4242;

        assert_int_equal(hotspot_parse_status(s, n, &status, &consumed), want_r);
        if (want_r == 0) {
                assert_int_equal(status, want_status);
                assert_int_equal(consumed, want_consumed);
        } else {
                /* written only on success */
                assert_int_equal(status, 4242);
                assert_int_equal(consumed, 4242);
        }
}

static void test_status(void **state) {
        static const char thread_dump[] =
                "0\n2026-11-22 06:06:43\nFull thread dump OpenJDK 64-Bit Server VM";
        static const char unknown[] = "-1\njava.lang.IllegalArgumentException: Unknown diagnostic command\n";
        static const char nmt_off[] = "0\nNative memory tracking is not enabled\n";

        check_status(REQ(thread_dump), 0, 0, 2);
        check_status(REQ(unknown), 0, -1, 3);
        check_status(REQ(nmt_off), 0, 0, 2);
        check_status(REQ("0\n"), 0, 0, 2);
        check_status(REQ("2147483647\n"), 0, INT_MAX, 11);
        check_status(REQ("-2147483648\nx"), 0, INT_MIN, 12);
        check_status(REQ("007\n"), 0, 7, 4);

        /* incomplete: read more */
        check_status(NULL, 0, -EAGAIN, 0, 0);
        check_status(REQ(""), -EAGAIN, 0, 0);
        check_status(REQ("0"), -EAGAIN, 0, 0);
        check_status(REQ("-"), -EAGAIN, 0, 0);
        check_status(REQ("-12"), -EAGAIN, 0, 0);
        check_status(REQ("00000000000"), -EAGAIN, 0, 0); /* 11 digits */
        /* the newline beyond n does not count */
        check_status("0\n", 1, -EAGAIN, 0, 0);

        /* not a status line */
        check_status(REQ("\n"), -EBADMSG, 0, 0);
        check_status(REQ("-\n"), -EBADMSG, 0, 0);
        check_status(REQ("--1\n"), -EBADMSG, 0, 0);
        check_status(REQ("+1\n"), -EBADMSG, 0, 0);
        check_status(REQ(" 0\n"), -EBADMSG, 0, 0);
        check_status(REQ("0 \n"), -EBADMSG, 0, 0);
        check_status(REQ("0\r\n"), -EBADMSG, 0, 0);
        check_status(REQ("x"), -EBADMSG, 0, 0);
        check_status(REQ("Full thread dump"), -EBADMSG, 0, 0);
        check_status(REQ("000000000000"), -EBADMSG, 0, 0); /* 12 digits and no newline yet */
        check_status(REQ("123456789012\n"), -EBADMSG, 0, 0);
        check_status("0\0\n", 3, -EBADMSG, 0, 0);

        /* does not fit an int */
        check_status(REQ("2147483648\n"), -ERANGE, 0, 0);
        check_status(REQ("-2147483649\n"), -ERANGE, 0, 0);
        check_status(REQ("99999999999\n"), -ERANGE, 0, 0);
        check_status(REQ("-99999999999\n"), -EBADMSG, 0, 0); /* 13 characters: too long */
}

static const char maps_openjdk17[] =
        "5647319ad000-5647319f4000 rw-p 00000000 00:00 0                          [heap]\n"
        "fe000000-ffe00000 rw-p 00000000 00:00 0 \n"
        "7fd18b000000-7fd18b251000 r--p 00000000 fe:00 318057                     "
        "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so\n"
        "7fd18b251000-7fd18bfa4000 r-xp 00251000 fe:00 318057                     "
        "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so\n"
        "7fd18c6bb000-7fd18c6bd000 r--p 00000000 fe:00 318026                     "
        "/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so\n"
        "7ffd5d6d2000-7ffd5d6f3000 rw-p 00000000 00:00 0                          [stack]\n";

static void test_maps(void **state) {
        static const char sleep_maps[] =
                "55d0c8e00000-55d0c8e02000 r--p 00000000 fe:00 1048600                    /usr/bin/sleep\n"
                "7f3c1c000000-7f3c1c026000 r--p 00000000 fe:00 1056817                    "
                "/usr/lib/x86_64-linux-gnu/libc.so.6\n";
        /* OpenJ9 (IBM Semeru) maps its own VM and a libjvm.so redirector */
        static const char openj9_maps[] =
                "7f6a4c000000-7f6a4c100000 r-xp 00000000 fe:00 1234                       "
                "/opt/java/openjdk/lib/default/libj9vm29.so\n"
                "7f6a4d000000-7f6a4d010000 r-xp 00000000 fe:00 1235                       "
                "/opt/java/openjdk/lib/server/libjvm.so\n";
        unsigned bits;

        bits = hotspot_maps_scan_buf(maps_openjdk17, sizeof(maps_openjdk17) - 1);
        assert_int_equal(bits, HOTSPOT_MAPS_LIBJVM);
        assert_int_equal(hotspot_vm_from_maps(bits), HOTSPOT_VM_HOTSPOT);

        bits = hotspot_maps_scan_buf(sleep_maps, sizeof(sleep_maps) - 1);
        assert_int_equal(bits, 0);
        assert_int_equal(hotspot_vm_from_maps(bits), HOTSPOT_VM_NONE);

        bits = hotspot_maps_scan_buf(openj9_maps, sizeof(openj9_maps) - 1);
        assert_int_equal(bits, HOTSPOT_MAPS_LIBJVM | HOTSPOT_MAPS_LIBJ9VM);
        assert_int_equal(hotspot_vm_from_maps(bits), HOTSPOT_VM_OPENJ9);

        /* a JDK updated under a running JVM */
        assert_int_equal(
                hotspot_maps_scan_buf(REQ("7f00-7f01 r-xp 0 fe:00 1 /usr/lib/jvm/x/lib/server/libjvm.so "
                                          "(deleted)")),
                HOTSPOT_MAPS_LIBJVM);
        /* the last line without newline counts; only whole names match */
        assert_int_equal(hotspot_maps_scan_buf(REQ("7f00-7f01 r-xp 0 fe:00 1 /x/libjvm.so")),
                         HOTSPOT_MAPS_LIBJVM);
        assert_int_equal(hotspot_maps_scan_buf(REQ("7f00-7f01 r-xp 0 fe:00 1 /x/libjvm.so.1\n")), 0);
        assert_int_equal(hotspot_maps_scan_buf(REQ("7f00-7f01 r-xp 0 fe:00 1 /x/notlibjvm.so\n")), 0);
        assert_int_equal(hotspot_maps_scan_buf(REQ("7f00-7f01 r-xp 0 fe:00 1 /x/libjvm.so/y\n")), 0);
        assert_int_equal(hotspot_maps_scan_buf(REQ("7f00-7f01 r-xp 0 fe:00 1 /x/libj9vm.so\n")),
                         HOTSPOT_MAPS_LIBJ9VM);
        assert_int_equal(hotspot_maps_scan_buf(REQ("7f00-7f01 r-xp 0 fe:00 1 /x/libj9vmcore.txt\n")), 0);
        /* n is respected: the library name cut off does not match */
        assert_int_equal(hotspot_maps_scan_buf(maps_openjdk17, 200), 0);
        assert_int_equal(hotspot_maps_scan_buf(NULL, 0), 0);
        assert_int_equal(hotspot_maps_scan_buf(REQ("")), 0);
        assert_int_equal(hotspot_maps_scan_buf(REQ("\n\n/\n")), 0);
}

static void test_maps_in_pieces(void **state) {
        /* the helper scans whole lines of each piece: any split point at a
         * line end gives the same bits */
        size_t n = sizeof(maps_openjdk17) - 1;

        for (size_t cut = 0; cut <= n; cut++) {
                unsigned bits;

                if (cut > 0 && maps_openjdk17[cut - 1] != '\n')
                        continue;
                bits = hotspot_maps_scan_buf(maps_openjdk17, cut) |
                       hotspot_maps_scan_buf(maps_openjdk17 + cut, n - cut);
                assert_int_equal(bits, HOTSPOT_MAPS_LIBJVM);
        }
}

static void test_vm_strings(void **state) {
        for (int i = 0; i < _HOTSPOT_VM_MAX; i++) {
                const char *s = hotspot_vm_to_string((HotspotVm) i);

                assert_non_null(s);
                assert_int_equal(hotspot_vm_from_string(s), i);
        }
        assert_string_equal(hotspot_vm_to_string(HOTSPOT_VM_OPENJ9), "openj9");
        assert_null(hotspot_vm_to_string(_HOTSPOT_VM_MAX));
        assert_null(hotspot_vm_to_string(_HOTSPOT_VM_INVALID));
        assert_int_equal(hotspot_vm_from_string("HotSpot"), _HOTSPOT_VM_INVALID);
        assert_int_equal(hotspot_vm_from_string(NULL), _HOTSPOT_VM_INVALID);
}

static void test_attach_bad_arguments(void **state) {
        /* no helper is forked for these */
        HotspotResult res;

        assert_int_equal(hotspot_attach(0, (const char *const[]){ "Thread.print", NULL }, 1, USEC_PER_SEC,
                                        SIZE_MAX, &res),
                         -EINVAL);
        assert_true(res.error[0] != '\0');
        assert_int_equal(hotspot_attach(1, (const char *const[]){ NULL }, 1, USEC_PER_SEC, SIZE_MAX, &res),
                         -EINVAL);
        assert_int_equal(
                hotspot_attach(1, (const char *const[]){ "x", NULL }, -1, USEC_PER_SEC, SIZE_MAX, &res),
                -EINVAL);
        assert_int_equal(res.output_bytes, 0);
}

static void test_attach_not_a_jvm(void **state) {
        /* ourselves: a helper is forked, finds no libjvm.so and says so */
        HotspotResult res;

        assert_int_equal(hotspot_attach(getpid(), (const char *const[]){ "Thread.print", NULL }, 1,
                                        5 * USEC_PER_SEC, SIZE_MAX, &res),
                         -ENOEXEC);
        assert_int_equal(res.vm, HOTSPOT_VM_NONE);
        assert_non_null(strstr(res.error, "is not a JVM"));
        assert_int_equal(res.output_bytes, 0);
}

/* JDK 25's answer to "getversion options", and what older JVMs say */
static void test_options(void **state) {
        /* jdk25: Temurin 25.0.3's answer, byte for byte */
        static const char jdk25[] = "0\n2 streaming", several[] = "0\n2 foo,streaming,bar\n",
                          jdk17[] = "-1\nOperation getversion not recognized!\n", none[] = "0\n2",
                          prefix[] = "0\n2 streamingly", cut[] = "0\n2 stream";

        (void) state;
        assert_true(hotspot_options_have(jdk25, strlen(jdk25), "streaming"));
        assert_true(hotspot_options_have(several, strlen(several), "streaming"));
        assert_true(hotspot_options_have(several, strlen(several), "bar"));
        assert_false(hotspot_options_have(jdk17, strlen(jdk17), "streaming"));
        assert_false(hotspot_options_have(none, strlen(none), "streaming"));
        assert_false(hotspot_options_have(prefix, strlen(prefix), "streaming"));
        assert_false(hotspot_options_have(cut, strlen(cut), "streaming"));
        assert_false(hotspot_options_have("", 0, "streaming"));
        /* never reads past n */
        assert_false(hotspot_options_have(jdk25, 7, "streaming"));
}

/* JAVA_VERSION from JDKs' release files (the first lines, byte for byte:
 * Debian's OpenJDK 17, Temurin 25; JDK 8's format) */
static void test_release(void **state) {
        static const char jdk17[] = "IMPLEMENTOR=\"Debian\"\n"
                                    "JAVA_RUNTIME_VERSION=\"17.0.21.1+2-1-deb12u1-Debian\"\n"
                                    "JAVA_VERSION=\"17.0.21.1\"\n"
                                    "JAVA_VERSION_DATE=\"2026-11-17\"\n",
                          jdk25[] = "IMPLEMENTOR=\"Eclipse Adoptium\"\n"
                                    "IMPLEMENTOR_VERSION=\"Temurin-25.0.3+9\"\n"
                                    "JAVA_RUNTIME_VERSION=\"25.0.3+9-LTS\"\n"
                                    "JAVA_VERSION=\"25.0.3\"\n"
                                    "JAVA_VERSION_DATE=\"2026-04-21\"\n",
                          jdk8[] = "JAVA_VERSION=\"1.8.0_392\"\nOS_NAME=\"Linux\"\n",
                          last[] = "JAVA_VERSION=\"21\"", bad[] = "JAVA_VERSION=\"x17\"\n",
                          none[] = "JAVA_RUNTIME_VERSION=\"17.0.21.1\"\n";
        unsigned major = 0;

        (void) state;
        assert_int_equal(hotspot_release_parse_buf(jdk17, strlen(jdk17), &major), 0);
        assert_int_equal(major, 17);
        assert_int_equal(hotspot_release_parse_buf(jdk25, strlen(jdk25), &major), 0);
        assert_int_equal(major, 25);
        assert_int_equal(hotspot_release_parse_buf(jdk8, strlen(jdk8), &major), 0);
        assert_int_equal(major, 8);
        assert_int_equal(hotspot_release_parse_buf(last, strlen(last), &major), 0);
        assert_int_equal(major, 21);
        major = 0;
        assert_int_equal(hotspot_release_parse_buf(bad, strlen(bad), &major), -EBADMSG);
        assert_int_equal(hotspot_release_parse_buf(none, strlen(none), &major), -ENOENT);
        assert_int_equal(hotspot_release_parse_buf("", 0, &major), -ENOENT);
        /* cut inside the key: not found; never reads past n */
        assert_int_equal(hotspot_release_parse_buf(jdk17, 78, &major), -ENOENT);
        assert_int_equal(major, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_options),
                cmocka_unit_test(test_release),
                cmocka_unit_test(test_request_jcmd),
                cmocka_unit_test(test_request_operations),
                cmocka_unit_test(test_request_limits),
                cmocka_unit_test(test_status),
                cmocka_unit_test(test_maps),
                cmocka_unit_test(test_maps_in_pieces),
                cmocka_unit_test(test_vm_strings),
                cmocka_unit_test(test_attach_bad_arguments),
                cmocka_unit_test(test_attach_not_a_jvm),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
