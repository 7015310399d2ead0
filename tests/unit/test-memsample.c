/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* memsample.h: the anonymous mappings of a real JVM's smaps
 * (tests/fixtures/capture/jvm17-nmt.smaps), the pick against a baseline,
 * malloc arenas in pmap.txt lines, and the strings of a buffer. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "capture/memsample.h"
#include "base/procfs.h"

static void test_ranges_and_pick(void **state) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ MapRange *r = NULL;
        MapPick picks[3];
        size_t n, k, np;
        char path[4096];

        snprintf(path, sizeof path, "%s/capture/jvm17-nmt.smaps", FIXTURE_DIR);
        assert_int_equal(procfs_read_full(path, 16 << 20, &buf, &n), 0);
        assert_int_equal(memsample_anon_ranges(buf, n, &r, &k), 0);
        assert_true(k > 10);
        /* the Java heap reservation is the first, anonymous and writable */
        assert_true(r[0].start == 0xfc000000 && r[0].end == 0x100000000);
        /* no baseline: every anonymous mapping with Anonymous: memory, the
         * most first */
        assert_int_equal(memsample_pick(buf, n, NULL, 0, picks, 3, &np), 0);
        assert_int_equal(np, 3);
        assert_true(picks[0].anon_kb >= picks[1].anon_kb && picks[1].anon_kb >= picks[2].anon_kb);
        assert_true(picks[0].is_new);
        /* against itself: nothing is new or grew */
        assert_int_equal(memsample_pick(buf, n, r, k, picks, 3, &np), 0);
        assert_int_equal(np, 0);
        /* one range that was smaller at the baseline: it grew */
        {
                MapRange *b = calloc(k, sizeof *b);
                assert_non_null(b);
                memcpy(b, r, k * sizeof *b);
                b[0].end -= 4096;
                assert_int_equal(memsample_pick(buf, n, b, k, picks, 3, &np), 0);
                assert_int_equal(np, 1);
                assert_false(picks[0].is_new);
                assert_true(picks[0].start == 0xfc000000);
                free(b);
        }
}

static void test_arenas(void **state) {
        /* two arenas (a read-write part and its PROT_NONE rest, 64M in all,
         * 64M aligned), one heap of exactly 64M (no rest: not counted), a
         * misaligned pair, a file mapping */
        const char *p = "Address           Kbytes     RSS   Dirty Mode  Mapping\n"
                        "00007f0000000000    1024    1000    1000 rw--- [ anon ]\n"
                        "00007f0000100000   64512       0       0 ----- [ anon ]\n"
                        "00007f0004000000   32768   30000   30000 rw--- [ anon ]\n"
                        "00007f0006000000   32768       0       0 ----- [ anon ]\n"
                        "00000000fc000000   65536     712     712 rw--- [ anon ]\n"
                        "00007f1000001000    1024       0       0 rw--- [ anon ]\n"
                        "00007f1000101000   64512       0       0 ----- [ anon ]\n"
                        "00007f2000000000    1024       0       0 rw--- /usr/lib/x.so\n"
                        "---------------- ------- ------- -------\n";
        assert_int_equal(memsample_arenas(p, strlen(p)), 2);
        assert_int_equal(memsample_arenas("", 0), 0);
}

static void test_strings(void **state) {
        StringTable t;
        _cleanup_free_ StringCount *v = NULL;
        size_t n;
        uint8_t buf[4096];
        size_t o = 0;

        assert_int_equal(string_table_init(&t), 0);
        /* a run at the start of the buffer may be cut: not counted */
        memcpy(buf, "tail-of-something\0", 18);
        o = 18;
        for (int i = 0; i < 20; i++) {
                memcpy(buf + o, "leak-marker\0", 12);
                o += 12;
        }
        for (int i = 0; i < 5; i++) {
                memcpy(buf + o, "other-string\0short\0", 19);
                o += 19;
        }
        memcpy(buf + o, "cut-at-the-end", 14);
        o += 14;
        string_table_scan(&t, buf, o);
        assert_int_equal(string_table_sorted(&t, &v, &n), 0);
        assert_int_equal(n, 2);
        assert_string_equal(v[0].s, "leak-marker");
        assert_int_equal(v[0].count, 20);
        assert_string_equal(v[1].s, "other-string");
        assert_int_equal(v[1].count, 5);
        assert_int_equal(t.runs, 25);
        string_table_done(&t);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ranges_and_pick),
                cmocka_unit_test(test_arenas),
                cmocka_unit_test(test_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
