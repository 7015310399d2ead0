/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "report/report.h"
#include "report/svg.h"

static void test_history_parse(void **state) {
        static const char csv[] = "time_utc,memory_current,anon,rss,threads,pids\n"
                                  "2026-12-06T15:39:52.631Z,1835008,1486848,8998912,2,2\n"
                                  "garbage\n"
                                  "2026-12-06T15:39:53.804Z,50593792,,8998912,2,15\r\n"
                                  "2026-12-06T15:39:54.000Z,1,2,3,4\n" /* a field short */
                                  "2026-12-06T15:39:54.000Z,1,2,3,4,5,6\n" /* a field more */
                                  "2026-13-06T15:39:54.000Z,1,2,3,4,5\n" /* month 13 */
                                  "2026-12-06T15:39:54.000Z,1,-2,3,4,5\n" /* negative */
                                  "2026-12-06T15:39:54.000Z,99999999999999999999,2,3,4,5\n" /* > u64 */
                                  "\n"
                                  "2026-12-06T15:39:55Z,3,4,5,6,7"; /* no ms, no final newline */
        ReportSample *rows = NULL;
        size_t n = 0, bad = 0;

        (void) state;
        assert_int_equal(report_history_parse_buf(csv, strlen(csv), &rows, &n, &bad), 0);
        assert_int_equal(n, 3);
        assert_int_equal(bad, 6);
        assert_int_equal(rows[0].time_ms, 1796571592631LL);
        assert_int_equal(rows[0].memory_current, 1835008);
        assert_int_equal(rows[0].pids, 2);
        assert_int_equal(rows[1].anon, UINT64_MAX); /* empty: unknown */
        assert_int_equal(rows[1].pids, 15); /* the \r dropped */
        assert_int_equal(rows[2].time_ms, 1796571595000LL);
        assert_int_equal(rows[2].pids, 7);
        /* a history from before the heap columns: unknown */
        assert_int_equal(rows[0].heap_used, UINT64_MAX);
        assert_int_equal(rows[2].old_used, UINT64_MAX);
        free(rows);
}

/* The heap columns: values, empty (not a JVM, or not read yet), and the
 * header's field count for every row. */
static void test_history_parse_heap(void **state) {
        static const char csv[] = "time_utc,memory_current,anon,rss,threads,pids,heap_used,old_used\n"
                                  "2026-12-06T15:39:52.631Z,1835008,1486848,8998912,2,2,,\n"
                                  "2026-12-06T15:39:53.000Z,50593792,40000000,8998912,20,15,31457280,0\n"
                                  "2026-12-06T15:39:54.000Z,1,2,3,4,5\n" /* the old count: bad here */
                                  "2026-12-06T15:39:54.000Z,1,2,3,4,5,6,7,8\n" /* a field more */
                                  "2026-12-06T15:39:54.000Z,1,2,3,4,5,x,7\n" /* not a number */
                                  "2026-12-06T15:39:55.000Z,1,2,3,4,5,6,\r\n";
        ReportSample *rows = NULL;
        size_t n = 0, bad = 0;

        (void) state;
        assert_int_equal(report_history_parse_buf(csv, strlen(csv), &rows, &n, &bad), 0);
        assert_int_equal(n, 3);
        assert_int_equal(bad, 3);
        assert_int_equal(rows[0].heap_used, UINT64_MAX);
        assert_int_equal(rows[0].old_used, UINT64_MAX);
        assert_int_equal(rows[1].heap_used, 31457280);
        assert_int_equal(rows[1].old_used, 0);
        assert_int_equal(rows[1].threads, 20);
        assert_int_equal(rows[2].heap_used, 6);
        assert_int_equal(rows[2].old_used, UINT64_MAX);
        free(rows);
}

static void test_history_header(void **state) {
        ReportSample *rows = NULL;
        size_t n, bad;

        (void) state;
        assert_int_equal(report_history_parse_buf("", 0, &rows, &n, &bad), -EBADMSG);
        assert_int_equal(report_history_parse_buf("a,b\n1,2\n", 8, &rows, &n, &bad), -EBADMSG);
        /* never reads past n: the header cut */
        assert_int_equal(report_history_parse_buf("time_utc,memory_current,anon,rss,threads,pids", 20, &rows,
                                                  &n, &bad),
                         -EBADMSG);
        assert_int_equal(report_history_parse_buf("time_utc,memory_current,anon,rss,threads,pids\n", 46,
                                                  &rows, &n, &bad),
                         0);
        assert_int_equal(n, 0);
        free(rows);
}

static void test_parse_time(void **state) {
        int64_t ms;
        (void) state;
        assert_int_equal(report_parse_time("1970-01-01T00:00:01.002Z", 24, &ms), 0);
        assert_int_equal(ms, 1002);
        assert_int_equal(report_parse_time("1970-01-01T00:00:01Z", 20, &ms), 0);
        assert_int_equal(ms, 1000);
        assert_int_equal(report_parse_time("1970-01-01 00:00:01Z", 20, &ms), -EINVAL);
        assert_int_equal(report_parse_time("1970-01-01T00:00:01.00xZ", 24, &ms), -EINVAL);
        assert_int_equal(report_parse_time("1970-01-01T00:00:01.002", 23, &ms), -EINVAL);
}

static void test_nice_ticks(void **state) {
        double t[SVG_TICKS_MAX];
        int n;

        (void) state;
        n = svg_nice_ticks(0, 256, 7, t);
        assert_true(n >= 2 && n <= 7);
        assert_true(t[0] == 0);
        assert_true(t[n - 1] >= 256);
        assert_true(t[1] - t[0] == 50); /* 0, 50, ..., 300 */
        n = svg_nice_ticks(0, 1, 6, t);
        assert_true(fabs(t[1] - t[0] - 0.2) < 1e-12);
        assert_true(t[n - 1] >= 1 - 1e-12);
        /* not starting at zero */
        n = svg_nice_ticks(13, 87, 5, t);
        assert_true(t[0] <= 13 && t[n - 1] >= 87 && n <= 5);
        /* lo == hi is widened */
        n = svg_nice_ticks(5, 5, 5, t);
        assert_true(n >= 2 && t[0] < 5 && t[n - 1] > 5);
        n = svg_nice_ticks(0, 0, 5, t);
        assert_true(n >= 2);
        /* a span past the largest double, and the smallest ones */
        assert_int_equal(svg_nice_ticks(-1e308, 1e308, 5, t), -EINVAL);
        n = svg_nice_ticks(0, 1e-300, 5, t);
        assert_true(n >= 2 && t[n - 1] >= 1e-300 * (1 - 1e-9));
        n = svg_nice_ticks(0, 1e300, 5, t);
        assert_true(n >= 2 && t[n - 1] >= 1e300 * (1 - 1e-9));
        /* steps are 1, 2 or 5 times a power of ten */
        for (double hi = 0.7; hi < 1e12; hi *= 3.7) {
                double step, m;
                n = svg_nice_ticks(0, hi, 8, t);
                assert_true(n >= 2 && n <= 8);
                assert_true(t[n - 1] >= hi * (1 - 1e-9));
                step = t[1] - t[0];
                m = step / pow(10, floor(log10(step)));
                assert_true(fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6);
        }
        assert_int_equal(svg_nice_ticks(1, 0, 5, t), -EINVAL);
        assert_int_equal(svg_nice_ticks(0, 1, 1, t), -EINVAL);
        assert_int_equal(svg_nice_ticks(0, NAN, 5, t), -EINVAL);
        assert_int_equal(svg_nice_ticks(0, 1, SVG_TICKS_MAX + 1, t), -EINVAL);
}

static void test_time_ticks(void **state) {
        double t[SVG_TICKS_MAX];
        int n;

        (void) state;
        n = svg_time_ticks(100.5, 111.2, 9, t); /* 11 s: every 2 s */
        assert_int_equal(n, 5);
        assert_true(t[0] == 102 && t[4] == 110);
        n = svg_time_ticks(0, 600, 9, t); /* 10 min: every 2 min */
        assert_int_equal(n, 6);
        assert_true(t[1] == 120);
        n = svg_time_ticks(1796571592.6, 1796571596.3, 9, t);
        assert_true(n >= 3 && t[0] == 1796571593);
}

static void test_scale(void **state) {
        (void) state;
        assert_true(svg_scale(5, 0, 10, 100, 200) == 150);
        assert_true(svg_scale(0, 0, 10, 300, 20) == 300); /* y grows down */
        assert_true(svg_scale(3, 3, 3, 0, 10) == 5);
}

static void test_html_escape(void **state) {
        char *s;
        (void) state;
        s = html_escape("<script>alert(1)</script> & \"x\" 'y'");
        assert_string_equal(s, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &#39;y&#39;");
        free(s);
        s = html_escape("a\x1b[31mb\tc\nd\x7f");
        assert_string_equal(s, "a\xEF\xBF\xBD[31mb\tc\nd\xEF\xBF\xBD");
        free(s);
        /* valid UTF-8 kept, invalid bytes and overlongs replaced */
        s = html_escape("\xC3\xA9t\xC3\xA9 \xFF \xC0\xBC \xE2\x82");
        assert_string_equal(
                s, "\xC3\xA9t\xC3\xA9 \xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD");
        free(s);
        s = html_escape(NULL);
        assert_string_equal(s, "");
        free(s);
        s = text_sanitize("thread\x1b]0;owned\x07 name\n");
        assert_string_equal(s, "thread?]0;owned? name\n");
        free(s);
}

static void test_format_bytes(void **state) {
        char b[32];
        (void) state;
        report_format_bytes(268435456, b, sizeof(b));
        assert_string_equal(b, "256M");
        report_format_bytes(116731904, b, sizeof(b));
        assert_string_equal(b, "111.3M");
        report_format_bytes(100, b, sizeof(b));
        assert_string_equal(b, "100B");
        report_format_bytes(UINT64_MAX, b, sizeof(b));
        assert_string_equal(b, "?");
        report_format_growth_kb(1536, b, sizeof(b));
        assert_string_equal(b, "+1.5M");
        report_format_growth_kb(-12, b, sizeof(b));
        assert_string_equal(b, "-12K");
        report_format_growth_kb(0, b, sizeof(b));
        assert_string_equal(b, "");
        report_format_growth_kb(INT64_MIN, b, sizeof(b));
        assert_true(b[0] == '-');
}

#define LEAKY FIXTURE_DIR "/report/leaky"
#define PRE_OOM LEAKY "/20261206T155121.793Z-pre-oom"
#define OOM_KILL LEAKY "/20261206T155129.711Z-oom-kill"

static void test_capture_load(void **state) {
        ReportCapture *c = NULL;
        char **lines = NULL;

        (void) state;
        assert_int_equal(report_capture_load(PRE_OOM, &c), 0);
        assert_string_equal(c->service, "leaky");
        assert_string_equal(c->reason, "pre-oom");
        assert_string_equal(c->name, "20261206T155121.793Z-pre-oom");
        assert_int_equal(c->memory_max, 268435456);
        assert_true(c->started_ms > 0);
        assert_true(c->complete);
        assert_true(c->n_history >= 3);
        assert_int_equal(c->history_bad, 0);
        assert_non_null(c->nmt);
        assert_non_null(c->nmt_diff);
        assert_int_equal(report_nmt_growth_kb(c, "Other"), 17408);
        assert_non_null(strstr(c->tasks, "<script>alert(1)</script>"));
        assert_null(c->oom_report);
        assert_int_equal(report_findings_lines(c, &lines), 0);
        assert_non_null(strstr(lines[0], "pre-oom at 2026-12-06T15:51:21.793Z: "));
        assert_non_null(strstr(lines[0], " of the 256M limit ("));
        for (size_t i = 0;; i++) {
                assert_non_null(lines[i]); /* the NMT growth is said in words */
                if (strstr(lines[i],
                           "Other (direct ByteBuffers and Unsafe.allocateMemory) grew 17M (committed)"))
                        break;
        }
        for (size_t i = 0; lines[i]; i++)
                free(lines[i]);
        free(lines);
        report_capture_free(c);
        assert_int_equal(report_capture_load(FIXTURE_DIR "/report", &c), -ENOENT);
}

static char *report_html(const char *const *args, size_t n) {
        char path[] = "/tmp/test-report.XXXXXX", *argv[16], *buf;
        int fd = mkstemp(path);
        FILE *f;
        long size;

        assert_true(fd >= 0);
        close(fd);
        argv[0] = (char *) "report";
        for (size_t i = 0; i < n; i++)
                argv[i + 1] = (char *) args[i];
        argv[n + 1] = (char *) "--html";
        argv[n + 2] = path;
        argv[n + 3] = NULL;
        assert_int_equal(report_main((int) n + 3, argv), 0);
        f = fopen(path, "re");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        rewind(f);
        buf = calloc(1, (size_t) size + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) size, f), (size_t) size);
        fclose(f);
        unlink(path);
        return buf;
}

static size_t count(const char *s, const char *what) {
        size_t n = 0;
        for (const char *p = strstr(s, what); p; p = strstr(p + 1, what))
                n++;
        return n;
}

static void test_html_service(void **state) {
        const char *args[] = { LEAKY };
        char *page;

        (void) state;
        page = report_html(args, 1);
        assert_int_equal(count(page, "<!DOCTYPE html>"), 1);
        assert_int_equal(count(page, "<svg"), count(page, "</svg>"));
        assert_int_equal(count(page, "<script"), 0);
        assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert_non_null(strstr(page, "<polyline class=\"series memory\" points=\""));
        assert_non_null(strstr(page, "<line class=\"limit\""));
        assert_non_null(strstr(page, "<line class=\"mark pre-oom\""));
        assert_non_null(strstr(page, "<line class=\"mark oom-kill\""));
        assert_non_null(strstr(page, "<svg class=\"nmt-stacked\""));
        assert_non_null(strstr(page, "Killed process"));
        assert_non_null(strstr(page, "2 captures, oldest first."));
        assert_true(strstr(page, "#1 20261206T155121.793Z-pre-oom") <
                    strstr(page, "#2 20261206T155129.711Z-oom-kill"));
        free(page);
}

static void test_html_one_and_compare(void **state) {
        const char *one[] = { PRE_OOM }, *cmp[] = { LEAKY, "--compare", "20261206T155129.711Z-oom-kill",
                                                    "20261206T155121.793Z-pre-oom" };
        char *page;

        (void) state;
        page = report_html(one, 1);
        assert_int_equal(count(page, "<svg"), count(page, "</svg>"));
        assert_non_null(strstr(page, "<rect class=\"growth\""));
        assert_null(strstr(page, "mark oom-kill"));
        assert_int_equal(count(page, "<script"), 0);
        free(page);
        page = report_html(cmp, 4);
        assert_non_null(strstr(page, "<h3>A: 20261206T155129.711Z-oom-kill</h3>"));
        assert_non_null(strstr(page, "<svg class=\"nmt-compare\""));
        assert_non_null(strstr(page, "B &minus; A"));
        free(page);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_history_parse),  cmocka_unit_test(test_history_parse_heap),
                cmocka_unit_test(test_history_header), cmocka_unit_test(test_parse_time),
                cmocka_unit_test(test_nice_ticks),     cmocka_unit_test(test_time_ticks),
                cmocka_unit_test(test_scale),          cmocka_unit_test(test_html_escape),
                cmocka_unit_test(test_format_bytes),   cmocka_unit_test(test_capture_load),
                cmocka_unit_test(test_html_service),   cmocka_unit_test(test_html_one_and_compare),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
