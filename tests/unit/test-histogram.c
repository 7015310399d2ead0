/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* histogram.h on the answers of real JVMs (tests/fixtures/capture:
 * GC.class_histogram of OpenJDK 17 and Temurin 25, GC.heap_info of both
 * under each collector) and on hand-written edge cases. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture/histogram.h"
#include "base/procfs.h"

static char *fixture(const char *name, size_t *ret_n) {
        char path[4096];
        char *buf;
        int r;

        snprintf(path, sizeof(path), "%s/capture/%s", FIXTURE_DIR, name);
        r = procfs_read_full(path, 1 << 20, &buf, ret_n);
        if (r < 0)
                fail_msg("%s: %s", path, strerror(-r));
        return buf;
}

static const HistogramEntry *find(const Histogram *h, const char *name) {
        for (size_t i = 0; i < h->n; i++)
                if (streq(h->entries[i].name, name))
                        return &h->entries[i];
        return NULL;
}

static void test_real(void **state) {
        static const char *const files[] = { "histogram-17.txt", "histogram-25.txt" };

        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                _cleanup_free_ char *buf = NULL;
                Histogram h;
                const HistogramEntry *e;
                uint64_t sum = 0;
                size_t n;

                buf = fixture(files[f], &n);
                assert_int_equal(histogram_parse(buf, n, &h), 0);
                assert_true(h.n > 150);
                /* HeapFill's 20000 StringBuilders (and the one of its own) */
                e = find(&h, "java.lang.StringBuilder");
                assert_non_null(e);
                assert_true(e->instances >= 20000 && e->instances < 20100);
                assert_int_equal(e->bytes, e->instances * 24);
                /* the module is not part of the name */
                assert_non_null(find(&h, "[B"));
                for (size_t i = 0; i < h.n; i++) {
                        assert_null(strchr(h.entries[i].name, ' '));
                        if (i > 0)
                                assert_true(strcmp(h.entries[i - 1].name, h.entries[i].name) < 0);
                        sum += h.entries[i].bytes;
                }
                /* the Total line */
                assert_int_equal(sum, h.total_bytes);
                histogram_done(&h);
        }
}

static void test_edges(void **state) {
        Histogram h;

        assert_int_equal(histogram_parse("", 0, &h), -EBADMSG);
        assert_int_equal(histogram_parse("12345:\nGC.class_histogram failed\n", 28, &h), -EBADMSG);
        /* a class twice (two loaders) is one entry; no Total: the sums;
         * CRLF; a line cut short is skipped */
        {
                const char *s = " num #instances #bytes class name\r\n"
                                "   1:  10  160  a.B\r\n"
                                "   2:   5   80  a.A (app)\r\n"
                                "   3:   2   32  a.B\r\n"
                                "   4:   7\n"
                                "   5:   1   16  ";
                assert_int_equal(histogram_parse(s, strlen(s), &h), 0);
                assert_int_equal(h.n, 2);
                assert_string_equal(h.entries[0].name, "a.A");
                assert_string_equal(h.entries[1].name, "a.B");
                assert_int_equal(h.entries[1].instances, 12);
                assert_int_equal(h.entries[1].bytes, 192);
                assert_int_equal(h.total_bytes, 272);
                assert_int_equal(h.total_instances, 17);
                histogram_done(&h);
        }
        /* never past n: the entry after the cut is not seen */
        {
                const char *s = "1: 1 8 x.One\n2: 1 8 x.Two\n";
                assert_int_equal(histogram_parse(s, 14, &h), 0);
                assert_int_equal(h.n, 1);
                histogram_done(&h);
        }
}

static void test_diff(void **state) {
        const char *b = "1: 100 1600 a.Cache\n2: 50 800 a.Gone\n3: 10 160 a.Same\nTotal 160 2560\n";
        const char *c = "1: 100000 51200000 a.Client\n2: 4000 64000 a.Cache\n3: 10 160 a.Same\n"
                        "4: 90000 1440000 a.Small\nTotal 194010 52704160\n";
        Histogram base, cur;
        HistogramGrowth top;
        char *out = NULL;
        size_t len = 0;
        FILE *f;

        assert_int_equal(histogram_parse(b, strlen(b), &base), 0);
        assert_int_equal(histogram_parse(c, strlen(c), &cur), 0);
        f = open_memstream(&out, &len);
        assert_non_null(f);
        assert_int_equal(histogram_diff_write(&base, &cur, 2, f, &top), 0);
        fclose(f);
        assert_string_equal(top.name, "a.Client");
        assert_int_equal(top.bytes, 51200000);
        assert_int_equal(top.instances, 100000);
        assert_non_null(strstr(out, "Classes: 3 at the baseline, 4 now, 1 no longer present\n"));
        /* by bytes: Client, Small (top 2); by instances: Client, Small */
        {
                const char *bytes = strstr(out, "Top growth by bytes:"),
                           *inst = strstr(out, "Top growth by instances:");
                assert_non_null(bytes);
                assert_non_null(inst);
                assert_true(strstr(bytes, "a.Client") < strstr(bytes, "a.Small"));
                assert_true(strstr(bytes, "a.Small") < inst);
                assert_null(strstr(bytes, "a.Same"));
                assert_non_null(strstr(inst, "+100000"));
        }
        free(out);
        /* against itself: nothing grew */
        f = fopen("/dev/null", "w");
        assert_int_equal(histogram_diff_write(&cur, &cur, 40, f, &top), 0);
        fclose(f);
        assert_string_equal(top.name, "");
        histogram_done(&base);
        histogram_done(&cur);
}

static void test_heap_info(void **state) {
        static const struct {
                const char *file;
                uint64_t kb;
        } cases[] = {
                { "heap-info-17-Serial.txt", 4551 },
                { "heap-info-17-Parallel.txt", 4271 },
                { "heap-info-17-G1.txt", 3815 },
                { "heap-info-17-Shenandoah.txt", 4096 },
                { "heap-info-17-Z.txt", 6144 },
                { "heap-info-25-Serial.txt", 3875 + 1166 },
                { "heap-info-25-Parallel.txt", 3696 + 1166 },
                { "heap-info-25-G1.txt", 4812 },
                { "heap-info-25-Shenandoah.txt", 4608 },
                { "heap-info-25-Z.txt", 6144 },
        };
        uint64_t kb;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *buf = NULL;
                size_t n;
                buf = fixture(cases[i].file, &n);
                if (heap_info_used_kb(buf, n, &kb) < 0)
                        fail_msg("%s: no heap line", cases[i].file);
                if (kb != cases[i].kb)
                        fail_msg("%s: %" PRIu64 "K, expected %" PRIu64 "K", cases[i].file, kb, cases[i].kb);
        }
        assert_int_equal(heap_info_used_kb("Metaspace used 1K\n", 18, &kb), -EBADMSG);
        assert_int_equal(heap_info_used_kb("eden space 10K, 5% used\n", 24, &kb), -EBADMSG);
        assert_int_equal(heap_info_used_kb("", 0, &kb), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_real),
                cmocka_unit_test(test_edges),
                cmocka_unit_test(test_diff),
                cmocka_unit_test(test_heap_info),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
