/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* nmt.h on the answers of real JVMs (tests/fixtures/capture, see
 * capture.sh there: OpenJDK 17.0.21 and Temurin 25.0.3, captured with
 * `cgwarden attach`) and on hand-written edge cases. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture/nmt.h"
#include "base/procfs.h"

static char *fixture(const char *name, size_t *ret_n) {
        char path[4096];
        char *buf;
        size_t n;
        int r;

        snprintf(path, sizeof(path), "%s/capture/%s", FIXTURE_DIR, name);
        r = procfs_read_full(path, 1 << 20, &buf, &n);
        if (r < 0)
                fail_msg("%s: %s", path, strerror(-r));
        *ret_n = n;
        return buf;
}

static NmtReport *parse_fixture(const char *name) {
        _cleanup_free_ char *buf = NULL;
        NmtReport *rep = malloc(sizeof(NmtReport));
        size_t n;
        int r;

        assert_non_null(rep);
        buf = fixture(name, &n);
        r = nmt_parse(buf, n, rep);
        if (r != 0)
                fail_msg("%s: %s", name, strerror(-r));
        return rep;
}

static int parse_str(const char *s, NmtReport *rep) {
        return nmt_parse(s, strlen(s), rep);
}

static void assert_category(const NmtReport *rep, const char *name, uint64_t reserved, uint64_t committed,
                            int64_t reserved_delta, int64_t committed_delta) {
        const NmtCategory *c = nmt_find(rep, name);

        if (!c)
                fail_msg("no category '%s'", name);
        assert_int_equal(c->reserved_kb, reserved);
        assert_int_equal(c->committed_kb, committed);
        assert_int_equal(c->reserved_delta_kb, reserved_delta);
        assert_int_equal(c->committed_delta_kb, committed_delta);
}

static bool no_flags(const NmtReport *rep) {
        return !rep->not_enabled && !rep->no_baseline && !rep->baseline_taken && !rep->detail_not_enabled;
}

static void test_summary_17(void **state) {
        _cleanup_free_ NmtReport *rep = parse_fixture("nmt-17-summary.txt");

        assert_true(rep->have_total);
        assert_string_equal(rep->total.name, "Total");
        assert_int_equal(rep->total.reserved_kb, 1460856);
        assert_int_equal(rep->total.committed_kb, 89096);
        assert_int_equal(rep->total.committed_delta_kb, 0);
        assert_int_equal(rep->n_categories, 18);
        assert_false(rep->is_diff);
        assert_true(no_flags(rep));
        assert_string_equal(rep->categories[0].name, "Java Heap");
        assert_category(rep, "Java Heap", 65536, 65536, 0, 0);
        assert_category(rep, "Class", 1048649, 201, 0, 0);
        assert_category(rep, "Thread", 14375, 791, 0, 0);
        assert_category(rep, "Native Memory Tracking", 86, 86, 0, 0);
        assert_category(rep, "Shared class space", 16384, 12076, 0, 0);
        assert_category(rep, "Metaspace", 65546, 266, 0, 0);
        assert_string_equal(rep->categories[17].name, "Object Monitors");
        assert_null(nmt_find(rep, "Other")); /* below 1KB: omitted */
        assert_null(nmt_top_growth(rep));
}

static void test_diff_17(void **state) {
        _cleanup_free_ NmtReport *direct = parse_fixture("nmt-17-diff.txt");
        _cleanup_free_ NmtReport *unsafe = parse_fixture("nmt-17-diff-unsafe.txt");
        const NmtCategory *top;

        /* 64 MiB of direct ByteBuffers since the baseline: "Other" */
        assert_true(direct->is_diff);
        assert_true(no_flags(direct));
        assert_int_equal(direct->n_categories, 19);
        assert_int_equal(direct->total.reserved_kb, 1526433);
        assert_int_equal(direct->total.reserved_delta_kb, 65576);
        assert_int_equal(direct->total.committed_kb, 154741);
        assert_int_equal(direct->total.committed_delta_kb, 65640);
        assert_category(direct, "Other", 65536, 65536, 65536, 65536);
        assert_category(direct, "Java Heap", 65536, 65536, 0, 0);
        assert_category(direct, "Class", 1048656, 208, 7, 7);
        assert_category(direct, "Metaspace", 65546, 330, 0, 64);
        top = nmt_top_growth(direct);
        assert_non_null(top);
        assert_string_equal(top->name, "Other");

        /* then 64 MiB of Unsafe.allocateMemory: "Other" again */
        assert_true(unsafe->is_diff);
        assert_category(unsafe, "Other", 131072, 131072, 65536, 65536);
        assert_category(unsafe, "Class", 1048656, 208, 0, 0);
        assert_int_equal(unsafe->total.committed_delta_kb, 65605);
        top = nmt_top_growth(unsafe);
        assert_non_null(top);
        assert_string_equal(top->name, "Other");
}

static void test_summary_25(void **state) {
        _cleanup_free_ NmtReport *rep = parse_fixture("nmt-25-summary.txt");

        /* malloc/mmap lines under Total, "tag=" in the malloc lines,
         * "readonly=" in Shared class space, a Tracing category */
        assert_true(rep->have_total);
        assert_int_equal(rep->total.reserved_kb, 1460473);
        assert_int_equal(rep->total.committed_kb, 91613);
        assert_int_equal(rep->n_categories, 19);
        assert_false(rep->is_diff);
        assert_true(no_flags(rep));
        assert_category(rep, "Java Heap", 65536, 65536, 0, 0);
        assert_category(rep, "Class", 1048632, 184, 0, 0);
        assert_category(rep, "Thread", 13357, 845, 0, 0);
        assert_category(rep, "Shared class space", 16384, 13908, 0, 0);
        assert_category(rep, "Tracing", 4, 4, 0, 0);
        assert_category(rep, "Metaspace", 65548, 268, 0, 0);
        assert_null(nmt_top_growth(rep));
}

static void test_diff_25(void **state) {
        _cleanup_free_ NmtReport *direct = parse_fixture("nmt-25-diff.txt");
        _cleanup_free_ NmtReport *unsafe = parse_fixture("nmt-25-diff-unsafe.txt");
        const NmtCategory *top;

        /* "malloc=... +...KB" and "mmap: ..." lines after Total */
        assert_true(direct->is_diff);
        assert_int_equal(direct->n_categories, 20);
        assert_int_equal(direct->total.reserved_kb, 1526075);
        assert_int_equal(direct->total.reserved_delta_kb, 65602);
        assert_int_equal(direct->total.committed_kb, 157283);
        assert_int_equal(direct->total.committed_delta_kb, 65670);
        assert_category(direct, "Other", 65536, 65536, 65536, 65536);
        assert_category(direct, "Thread", 13357, 849, 0, 4);
        assert_category(direct, "Metaspace", 65548, 332, 0, 64);
        top = nmt_top_growth(direct);
        assert_non_null(top);
        assert_string_equal(top->name, "Other");

        assert_category(unsafe, "Other", 131072, 131072, 65536, 65536);
        assert_category(unsafe, "Metaspace", 65549, 525, 1, 193);
        top = nmt_top_growth(unsafe);
        assert_non_null(top);
        assert_string_equal(top->name, "Other");
}

static void test_answers(void **state) {
        static const struct {
                const char *fixture;
                size_t flag;
        } cases[] = {
                { "nmt-17-disabled.txt", offsetof(NmtReport, not_enabled) },
                { "nmt-25-disabled.txt", offsetof(NmtReport, not_enabled) },
                { "nmt-17-nobaseline.txt", offsetof(NmtReport, no_baseline) },
                { "nmt-25-nobaseline.txt", offsetof(NmtReport, no_baseline) },
                { "nmt-17-baseline.txt", offsetof(NmtReport, baseline_taken) },
                { "nmt-25-baseline.txt", offsetof(NmtReport, baseline_taken) },
        };
        NmtReport rep;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ NmtReport *r = parse_fixture(cases[i].fixture);

                assert_true(*(bool *) ((char *) r + cases[i].flag));
                assert_false(r->have_total);
                assert_int_equal(r->n_categories, 0);
                assert_false(r->is_diff);
                assert_null(nmt_top_growth(r));
        }

        /* as JDK 25 answers a detail command in summary mode: no newline */
        assert_int_equal(parse_str("Detail tracking is not enabled", &rep), 0);
        assert_true(rep.detail_not_enabled);
        assert_int_equal(parse_str("No detail baseline for comparison\n", &rep), 0);
        assert_true(rep.no_baseline);
        /* jcmd's first line */
        assert_int_equal(parse_str("30573:\nNative memory tracking is not enabled\n", &rep), 0);
        assert_true(rep.not_enabled);
        assert_false(rep.no_baseline);
}

static void test_jcmd_pid_line(void **state) {
        _cleanup_free_ char *buf = NULL, *with_pid = NULL;
        _cleanup_free_ NmtReport *a = malloc(sizeof(NmtReport)), *b = malloc(sizeof(NmtReport));
        size_t n;

        assert_non_null(a);
        assert_non_null(b);
        buf = fixture("nmt-17-diff.txt", &n);
        assert_true(asprintf(&with_pid, "30573:\n%s", buf) > 0);
        assert_int_equal(nmt_parse(buf, n, a), 0);
        assert_int_equal(nmt_parse(with_pid, strlen(with_pid), b), 0);
        assert_memory_equal(a, b, sizeof(NmtReport));
}

static void test_scales(void **state) {
        /* scale=MB, scale=1 (no unit) and scale=GB, as JDK 25 prints them */
        NmtReport rep;

        assert_int_equal(
                parse_str("Total: reserved=1426MB, committed=89MB\n"
                          "       malloc: 3MB #4171, peak=3MB #4172\n"
                          "-                 Java Heap (reserved=64MB, committed=64MB)\n"
                          "                            (mmap: reserved=64MB, committed=64MB, at peak)\n",
                          &rep),
                0);
        assert_int_equal(rep.total.reserved_kb, 1426 * 1024);
        assert_int_equal(rep.total.committed_kb, 89 * 1024);
        assert_category(&rep, "Java Heap", 65536, 65536, 0, 0);

        assert_int_equal(parse_str("Total: reserved=1495577955, committed=93799779\n"
                                   "-                 Java Heap (reserved=67108864, committed=67108864)\n"
                                   "-                     Class (reserved=1073799278, committed=188526)\n",
                                   &rep),
                         0);
        assert_int_equal(rep.total.reserved_kb, 1495577955 / 1024);
        assert_category(&rep, "Java Heap", 65536, 65536, 0, 0);
        assert_category(&rep, "Class", 1048632, 184, 0, 0);

        assert_int_equal(parse_str("Total: reserved=1GB +1GB, committed=0GB\n"
                                   "-                     Class (reserved=1GB, committed=0GB)\n",
                                   &rep),
                         0);
        assert_int_equal(rep.total.reserved_kb, 1024 * 1024);
        assert_int_equal(rep.total.reserved_delta_kb, 1024 * 1024);
        assert_true(rep.is_diff);
}

static void test_edge(void **state) {
        NmtReport rep;
        const NmtCategory *top;

        /* shrinking, a new category, equal growth (the first wins), the
         * first of two equal names, a name cut to NMT_NAME_MAX - 1, blanks
         * and items in another order, CRLF */
        assert_int_equal(parse_str("- A (reserved=10KB -5KB, committed=10KB -5KB)\n"
                                   "- B (reserved=7KB +7KB,committed=7KB +7KB)\r\n"
                                   "-   C   (reserved=9KB,committed=9KB +7KB ,  readonly=0KB)\n"
                                   "- B (reserved=1KB, committed=1KB +100KB)\n"
                                   "- A category name far longer than any HotSpot has yet (reserved=1KB, "
                                   "committed=1KB)\n",
                                   &rep),
                         0);
        assert_false(rep.have_total);
        assert_true(rep.is_diff);
        assert_int_equal(rep.n_categories, 4);
        assert_category(&rep, "A", 10, 10, -5, -5);
        assert_category(&rep, "B", 7, 7, 7, 7);
        assert_category(&rep, "C", 9, 9, 0, 7);
        assert_string_equal(rep.categories[3].name, "A category name far longer than any HotSpot has");
        assert_int_equal(strlen(rep.categories[3].name), NMT_NAME_MAX - 1);
        top = nmt_top_growth(&rep);
        assert_non_null(top);
        assert_string_equal(top->name, "B");

        /* nothing grew */
        assert_int_equal(parse_str("- A (reserved=10KB -5KB, committed=10KB -5KB)\n", &rep), 0);
        assert_true(rep.is_diff);
        assert_null(nmt_top_growth(&rep));

        /* lines that are not categories: no "(reserved=" */
        assert_int_equal(parse_str("-- not a category\n- A (reserved=1KB, committed=2KB)\n", &rep), 0);
        assert_int_equal(rep.n_categories, 1);

        assert_null(nmt_top_growth(NULL));
        assert_null(nmt_find(NULL, "A"));
        assert_null(nmt_find(&rep, NULL));
        assert_null(nmt_find(&rep, "B"));
}

static void test_too_many(void **state) {
        _cleanup_free_ char *text = NULL;
        NmtReport rep;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        assert_non_null(f);
        for (unsigned i = 0; i < NMT_CATEGORIES_MAX; i++)
                fprintf(f, "- C%u (reserved=1KB, committed=1KB)\n", i);
        fflush(f);
        assert_int_equal(nmt_parse(text, len, &rep), 0);
        assert_int_equal(rep.n_categories, NMT_CATEGORIES_MAX);
        /* a repeated name is not one more */
        fprintf(f, "- C0 (reserved=1KB, committed=1KB)\n");
        fflush(f);
        assert_int_equal(nmt_parse(text, len, &rep), 0);
        fprintf(f, "- One too many (reserved=1KB, committed=1KB)\n");
        fclose(f);
        assert_int_equal(nmt_parse(text, len, &rep), -E2BIG);
}

static void test_malformed(void **state) {
        static const struct {
                const char *text;
                int r;
        } cases[] = {
                { "", -EBADMSG },
                { "\n \n", -EBADMSG },
                { "Native Memory Tracking:\n\n(Omitting categories weighting less than 1KB)\n", -EBADMSG },
                { "java.lang.IllegalArgumentException: Unknown diagnostic command\n", -EBADMSG },
                { "Native memory tracking is not enabled, or so\n", -EBADMSG },
                { "Total: reserved=abc, committed=1KB\n", -EBADMSG },
                { "Total: reserved=1KB\n", -EBADMSG },
                { "Total: committed=1KB\n", -EBADMSG },
                { "Total: reserved=1KB, committed=1XB\n", -EBADMSG },
                { "Total: reserved=1KB, committed=1 KB\n", -EBADMSG },
                { "Total: reserved=1KB, committed=1KB +\n", -EBADMSG },
                { "Total: reserved=1KB, committed=1KB *1KB\n", -EBADMSG },
                { "Total: reserved=1KB, committed=1KB +1KB +1KB\n", -EBADMSG },
                { "Total: reserved=-1KB, committed=1KB\n", -EBADMSG },
                { "- (reserved=1KB, committed=1KB)\n", -EBADMSG },
                { "- A (reserved=1KB, committed=1KB\n", -EBADMSG },
                { "- A (reserved=1KB)\n", -EBADMSG },
                { "- A (reserved=, committed=1KB)\n", -EBADMSG },
                { "- A\tB (reserved=1KB, committed=1KB)\n", -EBADMSG },
                { "- \x7f (reserved=1KB, committed=1KB)\n", -EBADMSG },
                { "Total: reserved=99999999999999999999KB, committed=1KB\n", -ERANGE },
                { "Total: reserved=18014398509481984GB, committed=1KB\n", -ERANGE },
                { "Total: reserved=1KB +9223372036854775808KB, committed=1KB\n", -ERANGE },
                { "Total: reserved=1KB -9223372036854775807KB, committed=1KB\n", 0 },
                { "Total: reserved=18014398509481983MB, committed=1KB\n", 0 },
                { "Total:reserved=1KB,committed=1KB", 0 },
        };
        NmtReport rep, before;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r;

                memset(&rep, 0x5a, sizeof(rep));
                before = rep;
                r = parse_str(cases[i].text, &rep);
                if (r != cases[i].r)
                        fail_msg("case %zu: got %d, want %d", i, r, cases[i].r);
                if (r < 0)
                        assert_memory_equal(&rep, &before, sizeof(rep));
        }
        /* found by fuzz-nmt: a name of NUL bytes read as "" */
        static const char nul_name[] = "-    \0\0\0 (reserved=1KB, committed=1KB)\n";
        assert_int_equal(nmt_parse(nul_name, sizeof(nul_name) - 1, &rep), -EBADMSG);
        assert_int_equal(nmt_parse(NULL, 1, &rep), -EINVAL);
        assert_int_equal(nmt_parse(NULL, 0, &rep), -EBADMSG);
}

/* Every prefix of the real answers parses or fails with -EBADMSG, and a
 * prefix never has more categories than the whole. */
static void test_truncated(void **state) {
        static const char *const names[] = { "nmt-17-diff.txt", "nmt-25-summary.txt",
                                             "nmt-25-disabled.txt" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *buf = NULL;
                _cleanup_free_ NmtReport *full = malloc(sizeof(NmtReport));
                NmtReport rep;
                size_t n;

                assert_non_null(full);
                buf = fixture(names[i], &n);
                assert_int_equal(nmt_parse(buf, n, full), 0);
                for (size_t k = 0; k < n; k++) {
                        _cleanup_free_ char *copy = malloc(k ? k : 1);
                        int r;

                        assert_non_null(copy);
                        memcpy(copy, buf, k);
                        r = nmt_parse(copy, k, &rep);
                        if (r != 0 && r != -EBADMSG)
                                fail_msg("%s, prefix %zu: %d", names[i], k, r);
                        if (r == 0)
                                assert_true(rep.n_categories <= full->n_categories);
                }
        }
}

/* detail.diff of UnsafeLeak (20 MB/s, 3 s after the baseline): the call
 * site that grew most is Unsafe.allocateMemory's */
static void test_detail_sites(void **state) {
        static const char *const files[] = { "nmt-17-detail-diff-unsafe.txt",
                                             "nmt-25-detail-diff-unsafe.txt" };

        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                _cleanup_free_ char *buf = NULL;
                NmtSite sites[5];
                size_t n, k;

                buf = fixture(files[f], &n);
                assert_int_equal(nmt_detail_sites(buf, n, sites, 5, &k), 0);
                assert_true(k >= 1);
                /* JDK 17: the native entry, then its Java caller; JDK 25
                 * calls malloc from the intrinsic: the Java frame alone */
                if (f == 0) {
                        if (strncmp(sites[0].frames[0], "Unsafe_AllocateMemory0+", 23) != 0)
                                fail_msg("%s: top site %s", files[f], sites[0].frames[0]);
                        assert_true(sites[0].n_frames >= 2);
                        assert_non_null(strstr(sites[0].frames[1], "(Java or generated code)"));
                } else
                        assert_non_null(strstr(sites[0].frames[0], "(Java or generated code)"));
                assert_string_equal(sites[0].type, "Other");
                assert_true(sites[0].delta_kb > 40 * 1024);
                assert_false(sites[0].mmap);
                for (size_t i = 1; i < k; i++)
                        assert_true(sites[i - 1].delta_kb >= sites[i].delta_kb && sites[i].delta_kb > 0);
        }
}

static void test_detail_sites_edges(void **state) {
        const char *s =
                "[0x1] a+0x1\n[0x2]b\n[0x3]c\n[0x4]d\n[0x5]e\n (malloc=10KB type=Arena Chunk +8KB #1 +1)\n\n"
                "[0x6] f\n (malloc=5KB type=Other -3KB)\n\n"
                "[0x7] g\n (mmap: reserved=100KB +50KB, committed=20KB +20KB)\n\n"
                "[0x8] h\n(malloc=1KB";
        NmtSite sites[4];
        size_t k;

        assert_int_equal(nmt_detail_sites(s, strlen(s), sites, 4, &k), 0);
        assert_int_equal(k, 2);
        assert_true(sites[0].mmap && sites[0].delta_kb == 20 && sites[0].now_kb == 20);
        assert_string_equal(sites[1].type, "Arena Chunk");
        assert_int_equal(sites[1].delta_kb, 8);
        assert_int_equal(sites[1].n_frames, NMT_SITE_FRAMES);
        assert_string_equal(sites[1].frames[0], "a+0x1");
        assert_int_equal(nmt_detail_sites(s, strlen(s), sites, 0, &k), 0);
        assert_int_equal(k, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_summary_17),
                cmocka_unit_test(test_diff_17),
                cmocka_unit_test(test_summary_25),
                cmocka_unit_test(test_diff_25),
                cmocka_unit_test(test_answers),
                cmocka_unit_test(test_jcmd_pid_line),
                cmocka_unit_test(test_scales),
                cmocka_unit_test(test_edge),
                cmocka_unit_test(test_too_many),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_detail_sites),
                cmocka_unit_test(test_detail_sites_edges),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
