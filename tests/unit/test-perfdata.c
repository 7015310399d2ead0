/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* jvm/perfdata.h on the hsperfdata files of real JVMs
 * (tests/fixtures/hsperfdata: OpenJDK 17 and Temurin 25, Serial, G1 and
 * Parallel) and on truncated and corrupted copies of them. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/procfs.h"
#include "jvm/perfdata.h"

/* 2026-12-06 15:20 UTC, a little after the fixtures were taken */
#define NOW_USEC (1796570405628ULL * 1000ULL)

static uint8_t *fixture(const char *name, size_t *ret_n) {
        char path[4096];
        char *buf;
        size_t n;
        int r;

        snprintf(path, sizeof(path), "%s/hsperfdata/%s", FIXTURE_DIR, name);
        r = procfs_read_full(path, 1 << 20, &buf, &n);
        if (r < 0)
                fail_msg("%s: %s", path, strerror(-r));
        *ret_n = n;
        return (uint8_t *) buf;
}

static void summarize(const char *name, PerfSummary *s) {
        _cleanup_free_ uint8_t *buf = NULL;
        PerfData pd;
        size_t n;

        buf = fixture(name, &n);
        assert_int_equal(n, 32768);
        assert_int_equal(perfdata_parse_prologue(buf, n, &pd), 0);
        assert_true(pd.little_endian);
        assert_int_equal(pd.major, 2);
        assert_int_equal(pd.minor, 0);
        assert_true(pd.accessible);
        assert_false(pd.overflow);
        assert_int_equal(pd.entry_offset, 32);
        assert_int_equal(perfdata_summarize(&pd, NOW_USEC, s), 0);
}

static void assert_space(const PerfGeneration *g, size_t i, const char *name, uint64_t used,
                         uint64_t capacity) {
        assert_true(g->spaces[i].present);
        assert_string_equal(g->spaces[i].name, name);
        assert_int_equal(g->spaces[i].used_bytes, used);
        assert_int_equal(g->spaces[i].capacity_bytes, capacity);
}

static void test_jdk17_serial(void **state) {
        PerfSummary s;

        summarize("jdk17-serial.hsperf", &s);
        assert_int_equal(s.hrt_frequency, 1000000000);
        assert_int_equal(s.uptime_usec, 2366020); /* sun.os.hrt.ticks 2366020033 */
        assert_string_equal(s.gc_policy, "Copy:MSC");
        assert_string_equal(s.generations[0].name, "new");
        assert_int_equal(s.generations[0].capacity_bytes, 22347776);
        assert_space(&s.generations[0], 0, "eden", 0, 17891328);
        assert_space(&s.generations[0], 1, "s0", 0, 2228224);
        assert_space(&s.generations[0], 2, "s1", 0, 2228224);
        assert_false(s.generations[0].spaces[3].present);
        assert_string_equal(s.generations[1].name, "old");
        assert_space(&s.generations[1], 0, "old", 461872, 44761088);
        assert_true(s.have & PERF_HAVE_OLD);
        assert_int_equal(s.old_used_bytes, 461872);
        assert_int_equal(s.old_capacity_bytes, 44761088);
        assert_int_equal(s.heap_used_bytes, 461872);
        assert_int_equal(s.heap_capacity_bytes, 22347776 + 44761088);
        assert_int_equal(s.metaspace_used_bytes, 93968);
        assert_int_equal(s.metaspace_capacity_bytes, 327680);
        assert_string_equal(s.collectors[0].name, "Serial young collection pauses");
        assert_int_equal(s.collectors[0].invocations, 0);
        assert_string_equal(s.collectors[1].name, "Serial full collection pauses");
        assert_int_equal(s.collectors[1].invocations, 1);
        assert_int_equal(s.collectors[1].time_usec, 1233); /* 1233439 ticks */
        assert_false(s.collectors[2].present);
        assert_int_equal(s.gc_invocations, 1);
        assert_int_equal(s.gc_time_usec, 1233);
        assert_string_equal(s.last_cause, "Diagnostic Command");
        assert_int_equal(s.safepoints, 2);
        assert_int_equal(s.safepoint_time_usec, 1342); /* 1342540 ticks */
        assert_int_equal(s.threads_live, 7);
        assert_int_equal(s.classes_loaded, 5 + 415);
        assert_int_equal(s.have & PERF_HAVE_VM_START, PERF_HAVE_VM_START);
}

static void test_jdk17_g1(void **state) {
        PerfSummary s;

        summarize("jdk17-g1.hsperf", &s);
        assert_string_equal(s.gc_policy, "GarbageFirst");
        assert_string_equal(s.generations[0].name, "young");
        assert_space(&s.generations[0], 0, "eden", 0, 3145736);
        assert_string_equal(s.generations[1].name, "old");
        assert_space(&s.generations[1], 0, "space", 1063072, 7340040);
        assert_int_equal(s.old_used_bytes, 1063072);
        assert_int_equal(s.old_capacity_bytes, 7340040);
        assert_int_equal(s.heap_capacity_bytes, 3145752 + 7340040);
        assert_string_equal(s.collectors[0].name, "G1 young collection pauses");
        assert_string_equal(s.collectors[1].name, "G1 full collection pauses");
        assert_string_equal(s.collectors[2].name, "G1 concurrent cycle pauses");
        assert_int_equal(s.collectors[1].invocations, 1);
        assert_int_equal(s.collectors[1].time_usec, 2223); /* 2223441 ticks */
        assert_int_equal(s.uptime_usec, 2341072); /* sun.os.hrt.ticks 2341072421 */
        assert_int_equal(s.threads_live, 7);
        assert_int_equal(s.classes_loaded, 5 + 401);
        assert_string_equal(s.last_cause, "Diagnostic Command");
}

static void test_jdk25(void **state) {
        PerfSummary s;

        summarize("jdk25-serial.hsperf", &s);
        assert_string_equal(s.gc_policy, "Copy:MSC");
        assert_int_equal(s.old_used_bytes, 1277808);
        assert_int_equal(s.old_capacity_bytes, 44761088);
        assert_int_equal(s.collectors[1].invocations, 1);
        assert_int_equal(s.collectors[1].time_usec, 2064);
        assert_int_equal(s.classes_loaded, 8 + 410);
        assert_int_equal(s.threads_live, 7);
        /* no sun.os.hrt.ticks in 25: from sun.rt.createVmBeginTime */
        assert_true(s.have & PERF_HAVE_UPTIME);
        assert_int_equal(s.vm_start_usec, 1796570305628ULL * 1000ULL);
        assert_int_equal(s.uptime_usec, 100 * 1000000ULL);

        summarize("jdk25-g1.hsperf", &s);
        assert_string_equal(s.gc_policy, "GarbageFirst");
        assert_space(&s.generations[1], 0, "space", 1276000, 7340032);
        assert_int_equal(s.old_used_bytes, 1276000);
        assert_int_equal(s.collectors[1].invocations, 1);
        assert_string_equal(s.last_cause, "Diagnostic Command");

        summarize("jdk25-parallel.hsperf", &s);
        assert_string_equal(s.gc_policy, "ParScav:MSC");
        assert_string_equal(s.generations[0].name, "new");
        assert_space(&s.generations[1], 0, "old", 1270928, 45088768);
        assert_int_equal(s.old_used_bytes, 1270928);
        assert_string_equal(s.collectors[0].name, "Parallel young collection pauses");
        assert_string_equal(s.collectors[1].name, "Parallel full collection pauses");
        assert_int_equal(s.gc_invocations, 1);
}

static void test_find_and_text(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ char *text = NULL;
        PerfSummary s;
        PerfEntry e;
        PerfData pd;
        size_t n, len = 0;
        FILE *f;

        buf = fixture("jdk17-serial.hsperf", &n);
        assert_int_equal(perfdata_parse_prologue(buf, n, &pd), 0);
        assert_int_equal(perfdata_find(&pd, "sun.rt.javaCommand", &e), 0);
        assert_int_equal(e.type, 'B');
        assert_int_equal(e.n_bytes, 4);
        assert_memory_equal(e.bytes, "Idle", 4);
        assert_int_equal(perfdata_find(&pd, "java.threads.live", &e), 0);
        assert_int_equal(e.type, 'J');
        assert_int_equal(e.units, PERF_UNITS_EVENTS - 3); /* none */
        assert_int_equal(e.value, 7);
        assert_int_equal(perfdata_find(&pd, "no.such.counter", &e), -ENOENT);

        assert_int_equal(perfdata_summarize(&pd, NOW_USEC, &s), 0);
        f = open_memstream(&text, &len);
        assert_non_null(f);
        assert_int_equal(perfdata_write_text(&s, &pd, f), 0);
        fclose(f);
        assert_non_null(strstr(text, "old gen: 451.0K used of 42.7M (461872 of 44761088 bytes)\n"));
        assert_non_null(strstr(text, "threads live: 7\n"));
        assert_non_null(strstr(text, "classes loaded: 420\n"));
        assert_non_null(strstr(text, "last gc cause: Diagnostic Command\n"));
        assert_non_null(
                strstr(text, "  collector 1 Serial full collection pauses: 1 collections, 1.233 ms\n"));
        assert_non_null(strstr(text, "\nsun.os.hrt.ticks = 2366020033 ticks\n"));
        assert_non_null(strstr(text, "\nsun.rt.javaCommand = \"Idle\"\n"));
        assert_non_null(strstr(text, "\nsun.gc.generation.1.space.0.used = 461872 bytes\n"));
}

static void test_prologue_errors(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        uint8_t copy[64];
        PerfData pd;
        size_t n;

        buf = fixture("jdk25-g1.hsperf", &n);
        assert_int_equal(perfdata_parse_prologue(buf, 0, &pd), -EBADMSG);
        assert_int_equal(perfdata_parse_prologue(buf, 31, &pd), -EBADMSG);
        memcpy(copy, buf, sizeof copy);
        copy[0] = 0xca ^ 1;
        assert_int_equal(perfdata_parse_prologue(copy, sizeof copy, &pd), -EBADMSG);
        memcpy(copy, buf, sizeof copy);
        copy[4] = 2; /* byte order */
        assert_int_equal(perfdata_parse_prologue(copy, sizeof copy, &pd), -EBADMSG);
        memcpy(copy, buf, sizeof copy);
        copy[5] = 1; /* major */
        assert_int_equal(perfdata_parse_prologue(copy, sizeof copy, &pd), -EPROTONOSUPPORT);
        memcpy(copy, buf, sizeof copy);
        copy[11] = 0x80; /* used < 0 */
        assert_int_equal(perfdata_parse_prologue(copy, sizeof copy, &pd), -EBADMSG);
        memcpy(copy, buf, sizeof copy);
        copy[24] = 8; /* entry_offset inside the prologue */
        assert_int_equal(perfdata_parse_prologue(copy, sizeof copy, &pd), -EBADMSG);
        memcpy(copy, buf, sizeof copy);
        copy[7] = 0; /* not accessible yet: parsed, flagged */
        assert_int_equal(perfdata_parse_prologue(copy, sizeof copy, &pd), 0);
        assert_false(pd.accessible);
}

/* Every prefix: an error or a summary, never a read past the end (ASan). */
static void test_truncated(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n, used, errors = 0;
        PerfData pd;

        buf = fixture("jdk17-g1.hsperf", &n);
        assert_int_equal(perfdata_parse_prologue(buf, n, &pd), 0);
        used = pd.size;
        for (size_t k = 0; k <= used; k++) {
                _cleanup_free_ uint8_t *copy = malloc(k ? k : 1);
                PerfSummary s;
                int r;

                assert_non_null(copy);
                memcpy(copy, buf, k);
                r = perfdata_parse_prologue(copy, k, &pd);
                if (r == 0)
                        r = perfdata_summarize(&pd, NOW_USEC, &s);
                if (r < 0) {
                        assert_int_equal(r, -EBADMSG);
                        errors++;
                }
                if (k < used)
                        assert_int_not_equal(r, 0);
                else
                        assert_int_equal(r, 0);
        }
        assert_int_equal(errors, used);
}

/* Every byte of the used part flipped, one at a time: no crash, and the
 * errors are the documented ones. */
static void test_corrupt(void **state) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t n, used;
        PerfData pd;

        buf = fixture("jdk25-serial.hsperf", &n);
        assert_int_equal(perfdata_parse_prologue(buf, n, &pd), 0);
        used = pd.size;
        for (size_t k = 0; k < used; k++)
                for (unsigned v = 0; v < 3; v++) {
                        static const uint8_t values[] = { 0x00, 0xff, 0x7f };
                        _cleanup_free_ uint8_t *copy = malloc(used);
                        PerfSummary s;
                        int r;

                        assert_non_null(copy);
                        memcpy(copy, buf, used);
                        copy[k] = values[v];
                        r = perfdata_parse_prologue(copy, used, &pd);
                        if (r == 0)
                                r = perfdata_summarize(&pd, NOW_USEC, &s);
                        if (r < 0 && r != -EBADMSG && r != -EPROTONOSUPPORT)
                                fail_msg("byte %zu = %#x: %d", k, values[v], r);
                }
}

/* A hand-made big-endian buffer with a string, a long, an unknown type
 * and a hostile generation index. */
static void put32be(uint8_t *p, uint32_t v) {
        p[0] = v >> 24;
        p[1] = v >> 16;
        p[2] = v >> 8;
        p[3] = v;
}

static size_t put_entry(uint8_t *p, const char *name, char type, uint8_t units, const void *data, size_t n) {
        size_t name_len = strlen(name) + 1, length = (20 + name_len + n + 7) & ~(size_t) 7;

        memset(p, 0, length);
        put32be(p, (uint32_t) length);
        put32be(p + 4, 20);
        put32be(p + 8, type == 'B' ? (uint32_t) n : 0);
        p[12] = (uint8_t) type;
        p[14] = units;
        p[15] = 1;
        put32be(p + 16, (uint32_t) (20 + name_len));
        memcpy(p + 20, name, name_len);
        memcpy(p + 20 + name_len, data, n);
        return length;
}

static void test_big_endian(void **state) {
        uint8_t buf[1024] = { 0xca, 0xfe, 0xc0, 0xc0, 0, 2, 0, 1 };
        const uint8_t live[8] = { 0, 0, 0, 0, 0, 0, 0, 42 },
                      neg[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
        size_t off = 32;
        PerfSummary s;
        PerfData pd;
        PerfEntry e;

        off += put_entry(buf + off, "java.threads.live", 'J', PERF_UNITS_NONE, live, 8);
        off += put_entry(buf + off, "sun.gc.lastCause", 'B', PERF_UNITS_STRING, "Allocation\nFailure", 19);
        off += put_entry(buf + off, "sun.gc.generation.99.space.0.used", 'J', PERF_UNITS_BYTES, live, 8);
        off += put_entry(buf + off, "sun.gc.generation.1.name", 'B', PERF_UNITS_STRING, "old", 4);
        off += put_entry(buf + off, "sun.gc.generation.1.space.0.used", 'J', PERF_UNITS_BYTES, neg, 8);
        off += put_entry(buf + off, "some.double", 'D', PERF_UNITS_NONE, live, 8);
        put32be(buf + 8, (uint32_t) off);
        put32be(buf + 24, 32);
        put32be(buf + 28, 6);
        assert_int_equal(perfdata_parse_prologue(buf, sizeof buf, &pd), 0);
        assert_false(pd.little_endian);
        assert_int_equal(pd.size, off);
        assert_int_equal(perfdata_summarize(&pd, NOW_USEC, &s), 0);
        assert_int_equal(s.threads_live, 42);
        assert_string_equal(s.last_cause, "Allocation?Failure");
        assert_true(s.have & PERF_HAVE_OLD);
        assert_int_equal(s.old_used_bytes, 0); /* negative reads as 0 */
        assert_false(s.have & PERF_HAVE_UPTIME);
        assert_int_equal(perfdata_find(&pd, "some.double", &e), 0);
        assert_int_equal(e.type, 'D');

        /* one entry more than there are: the iteration runs off "used" */
        put32be(buf + 28, 7);
        assert_int_equal(perfdata_parse_prologue(buf, sizeof buf, &pd), 0);
        assert_int_equal(perfdata_summarize(&pd, NOW_USEC, &s), -EBADMSG);
        put32be(buf + 28, 6);
        /* an entry_length of 0 would loop forever */
        put32be(buf + 32, 0);
        assert_int_equal(perfdata_parse_prologue(buf, sizeof buf, &pd), 0);
        assert_int_equal(perfdata_summarize(&pd, NOW_USEC, &s), -EBADMSG);
}

#define WORDS(s) perfdata_disabled_reason(s, sizeof(s) - 1)

static void test_disabled_reason(void **state) {
        assert_null(WORDS("java\0-Xmx64m\0-cp\0/x\0Idle\0"));
        assert_string_equal(WORDS("java\0-XX:-UsePerfData\0-cp\0/x\0Idle\0"),
                            "the JVM runs with -XX:-UsePerfData: no hsperfdata file");
        /* a later option wins */
        assert_null(WORDS("java\0-XX:-UsePerfData\0-XX:+UsePerfData\0Idle\0"));
        assert_string_equal(WORDS("java\0-XX:+PerfDisableSharedMem\0Idle"),
                            "the JVM runs with -XX:+PerfDisableSharedMem: its counters are not in a file");
        /* whole words only, and no NUL at the end */
        assert_null(WORDS("java\0-XX:-UsePerfDataX\0x-XX:-UsePerfData\0-XX:-UsePerfDat"));
        assert_null(perfdata_disabled_reason("", 0));
}

/* A fake /proc: <root>/42/root/tmp/hsperfdata_someone/7 holding a real
 * JVM's file: found by the namespace pid and the owner, not by a name. */
static void test_open_file(void **state) {
        char root[] = "/tmp/cgw-test-perfdata.XXXXXX", path[512], cmd[1024];
        _cleanup_free_ uint8_t *buf = NULL, *snap = NULL;
        PerfSummary s;
        size_t n, sn;
        int fd;
        FILE *f;

        assert_non_null(mkdtemp(root));
        snprintf(path, sizeof path, "%s/42/root/tmp/hsperfdata_someone", root);
        snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s/43/root' && ln -s /tmp '%s/43/root/tmp'", path, root,
                 root);
        assert_int_equal(system(cmd), 0);
        buf = fixture("jdk25-g1.hsperf", &n);
        snprintf(path, sizeof path, "%s/42/root/tmp/hsperfdata_someone/7", root);
        f = fopen(path, "w");
        assert_non_null(f);
        assert_int_equal(fwrite(buf, 1, n, f), n);
        assert_int_equal(fclose(f), 0);

        assert_int_equal(perfdata_open_file(root, 42, 42, getuid()), -ENOENT); /* not the ns pid */
        assert_int_equal(perfdata_open_file(root, 42, 7, getuid() + 1), -ENOENT); /* not the owner */
        assert_int_equal(perfdata_open_file(root, 43, 7, getuid()),
                         -ENOENT); /* tmp a symlink: not followed */
        assert_int_equal(perfdata_open_file(root, 44, 7, getuid()), -ENOENT); /* no such process */
        assert_int_equal(perfdata_open_file(root, 0, 7, getuid()), -EINVAL);
        fd = perfdata_open_file(root, 42, 7, getuid());
        assert_true(fd >= 0);
        assert_int_equal(perfdata_read_fd(fd, &snap, &sn), 0);
        assert_int_equal(sn, n);
        assert_memory_equal(snap, buf, n);
        assert_int_equal(perfdata_summarize_fd(fd, NOW_USEC, &s), 0);
        assert_int_equal(s.old_used_bytes, 1276000);
        /* the JVM exits and unlinks its file: the fd says so */
        assert_int_equal(unlink(path), 0);
        assert_int_equal(perfdata_summarize_fd(fd, NOW_USEC, &s), -ESTALE);
        close(fd);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
        assert_int_equal(system(cmd), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_jdk17_serial),    cmocka_unit_test(test_jdk17_g1),
                cmocka_unit_test(test_jdk25),           cmocka_unit_test(test_find_and_text),
                cmocka_unit_test(test_prologue_errors), cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_corrupt),         cmocka_unit_test(test_big_endian),
                cmocka_unit_test(test_open_file),       cmocka_unit_test(test_disabled_reason),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
