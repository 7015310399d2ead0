/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report for a terminal: the same sections as the HTML page, every
 * string from the capture with its control characters replaced. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/macro.h"
#include "report/report.h"
#include "report/svg.h"

#define TEXT_TIMELINE_ROWS 24U
#define TEXT_BAR_WIDTH 30U

static void puts_safe(FILE *f, const char *s) {
        _cleanup_free_ char *t = text_sanitize(s);
        if (t)
                fputs(t, f);
}

static void section(FILE *f, const char *title) {
        fprintf(f, "\n== %s\n", title);
}

static void print_indented(FILE *f, const char *text, size_t max_lines) {
        _cleanup_free_ char *head = report_head_lines(text, max_lines);
        _cleanup_free_ char *t = text_sanitize(head);
        const char *p = t;

        while (p && *p) {
                const char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t) (nl - p) : strlen(p);
                fprintf(f, "   %.*s\n", (int) l, p);
                p = nl ? nl + 1 : p + l;
        }
}

static void format_hms(int64_t ms, char *buf, size_t size) {
        time_t t = (time_t) (ms / 1000);
        struct tm tm;
        if (ms == INT64_MIN || !gmtime_r(&t, &tm)) {
                snprintf(buf, size, "?");
                return;
        }
        strftime(buf, size, "%H:%M:%S", &tm);
}

static void findings(FILE *f, const ReportCapture *c, const char *indent) {
        _cleanup_strv_free_ char **lines = NULL;
        if (report_findings_lines(c, &lines) < 0)
                return;
        for (size_t i = 0; lines[i]; i++) {
                fprintf(f, "%s- ", indent);
                puts_safe(f, lines[i]);
                fputc('\n', f);
        }
}

static size_t row_index(size_t k, size_t rows, size_t n) {
        return rows == 1 ? n - 1 : k * (n - 1) / (rows - 1);
}

static void timeline(FILE *f, const Report *r) {
        char lim[32];
        size_t rows = MIN(r->n_history, (size_t) TEXT_TIMELINE_ROWS);
        uint64_t top = r->memory_max;
        const ReportCapture *last = r->captures[r->n_captures - 1];
        bool heap = false;

        if (r->n_history == 0)
                return;
        for (size_t i = 0; i < r->n_history; i++)
                heap = heap || r->history[i].heap_used != UINT64_MAX || r->history[i].old_used != UINT64_MAX;
        section(f, heap ? "Timeline (history.csv): memory, Java heap, threads and pids"
                        : "Timeline (history.csv): memory, threads and pids");
        report_format_bytes(r->memory_max, lim, sizeof(lim));
        if (top == UINT64_MAX || top == 0) {
                top = 1;
                for (size_t i = 0; i < r->n_history; i++)
                        if (r->history[i].memory_current != UINT64_MAX)
                                top = MAX(top, r->history[i].memory_current);
        }
        fprintf(f, "   limit %s%s", lim, last->effective_limits ? ": " : "\n");
        if (last->effective_limits) {
                puts_safe(f, last->effective_limits);
                fputc('\n', f);
        }
        fprintf(f, "   %-8s %8s %8s %8s", "UTC", "memory", "anon", "rss");
        if (heap)
                fprintf(f, " %8s %8s", "heap", "old gen");
        fprintf(f, " %7s %6s  %s\n", "threads", "pids", "memory of the limit");
        for (size_t k = 0; k < rows; k++) {
                size_t i = row_index(k, rows, r->n_history);
                const ReportSample *s = &r->history[i];
                int64_t from = k == 0 ? INT64_MIN : r->history[row_index(k - 1, rows, r->n_history)].time_ms;
                char t[16], m[32], a[32], rs[32], th[24] = "?", pi[24] = "?", bar[TEXT_BAR_WIDTH + 1];
                size_t fill = 0;

                format_hms(s->time_ms, t, sizeof(t));
                report_format_bytes(s->memory_current, m, sizeof(m));
                report_format_bytes(s->anon, a, sizeof(a));
                report_format_bytes(s->rss, rs, sizeof(rs));
                if (s->threads != UINT64_MAX)
                        snprintf(th, sizeof(th), "%" PRIu64, s->threads);
                if (s->pids != UINT64_MAX)
                        snprintf(pi, sizeof(pi), "%" PRIu64, s->pids);
                if (s->memory_current != UINT64_MAX)
                        fill = (size_t) MIN((double) TEXT_BAR_WIDTH,
                                            (double) s->memory_current / (double) top * TEXT_BAR_WIDTH +
                                                    0.5);
                memset(bar, '#', fill);
                memset(bar + fill, '.', TEXT_BAR_WIDTH - fill);
                bar[TEXT_BAR_WIDTH] = '\0';
                fprintf(f, "   %-8s %8s %8s %8s", t, m, a, rs);
                if (heap) {
                        char hu[32] = "-", ou[32] = "-";
                        if (s->heap_used != UINT64_MAX)
                                report_format_bytes(s->heap_used, hu, sizeof(hu));
                        if (s->old_used != UINT64_MAX)
                                report_format_bytes(s->old_used, ou, sizeof(ou));
                        fprintf(f, " %8s %8s", hu, ou);
                }
                fprintf(f, " %7s %6s  [%s]", th, pi, bar);
                /* the captures since the previous row (the last row takes the later ones too) */
                for (size_t j = 0; j < r->n_captures; j++) {
                        int64_t c = r->captures[j]->started_ms;
                        if (c == INT64_MIN || c <= from || (c > s->time_ms && k + 1 < rows))
                                continue;
                        fputs(" <- ", f);
                        puts_safe(f, r->captures[j]->reason ?: "capture");
                }
                fputc('\n', f);
        }
        if (r->n_history > rows)
                fprintf(f, "   (%zu of %zu samples shown)\n", rows, r->n_history);
}

static void nmt_table(FILE *f, const Report *r) {
        const char *names[NMT_CATEGORIES_MAX];
        size_t n = report_nmt_names(r, names, ELEMENTSOF(names));
        bool any_diff = false;

        if (n == 0)
                return;
        for (size_t i = 0; i < r->n_captures; i++)
                any_diff = any_diff || r->captures[i]->nmt_diff;
        section(f, "NMT categories (committed; nmt.txt, growth from nmt-diff.txt)");
        fprintf(f, "   %-24s", "category");
        for (size_t i = 0; i < r->n_captures; i++) {
                if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                        continue;
                char h[24];
                snprintf(h, sizeof(h), "#%zu", i + 1);
                fprintf(f, " %9s", h);
                if (r->n_captures == 1 || r->is_compare)
                        fprintf(f, " %9s", "growth");
        }
        if (r->is_compare)
                fprintf(f, " %9s", "B - A");
        fputc('\n', f);
        for (size_t k = 0; k < n; k++) {
                fputs("   ", f);
                {
                        _cleanup_free_ char *t = text_sanitize(names[k]);
                        fprintf(f, "%-24.24s", t ?: "");
                }
                for (size_t i = 0; i < r->n_captures; i++) {
                        if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                                continue;
                        if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                                continue;
                        uint64_t kb = report_nmt_committed_kb(r->captures[i], names[k]);
                        char b[32], g[40] = "";
                        report_format_bytes(kb == UINT64_MAX ? UINT64_MAX : kb * 1024, b, sizeof(b));
                        fprintf(f, " %9s", kb == UINT64_MAX ? "-" : b);
                        if (r->n_captures == 1 || r->is_compare) {
                                report_format_growth_kb(report_nmt_growth_kb(r->captures[i], names[k]), g,
                                                        sizeof(g));
                                fprintf(f, " %9s", g);
                        }
                }
                if (r->is_compare) {
                        uint64_t a = report_nmt_committed_kb(r->captures[0], names[k]);
                        uint64_t b = report_nmt_committed_kb(r->captures[1], names[k]);
                        char d[40] = "";
                        if (a != UINT64_MAX && b != UINT64_MAX)
                                report_format_growth_kb((int64_t) b - (int64_t) a, d, sizeof(d));
                        fprintf(f, " %9s", d);
                }
                fputc('\n', f);
        }
        if (r->n_captures > 1 && !r->is_compare)
                for (size_t i = 0; i < r->n_captures; i++) {
                        if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                                continue;
                        if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                                continue;
                        fprintf(f, "   #%zu ", i + 1);
                        puts_safe(f, r->captures[i]->name);
                        fputc('\n', f);
                }
}

static void top_growth(FILE *f, const ReportCapture *c, const char *label) {
        const NmtCategory *sorted[NMT_CATEGORIES_MAX];
        size_t n = 0;

        if (!c->nmt_diff)
                return;
        for (size_t i = 0; i < c->nmt_diff->n_categories; i++)
                if (c->nmt_diff->categories[i].committed_delta_kb > 0)
                        sorted[n++] = &c->nmt_diff->categories[i];
        for (size_t i = 1; i < n; i++)
                for (size_t j = i;
                     j > 0 && sorted[j]->committed_delta_kb > sorted[j - 1]->committed_delta_kb; j--) {
                        const NmtCategory *t = sorted[j];
                        sorted[j] = sorted[j - 1];
                        sorted[j - 1] = t;
                }
        fprintf(f, "\n== Top native growth since the NMT baseline (nmt-diff.txt)%s\n", label);
        if (n == 0)
                fputs("   nothing grew\n", f);
        for (size_t i = 0; i < MIN(n, (size_t) 8); i++) {
                char b[32], t[32];
                _cleanup_free_ char *name = text_sanitize(sorted[i]->name);
                report_format_bytes((uint64_t) sorted[i]->committed_delta_kb * 1024, b, sizeof(b));
                report_format_bytes(sorted[i]->committed_kb * 1024, t, sizeof(t));
                fprintf(f, "   %-24.24s +%-9s now %s\n", name ?: "", b, t);
        }
}

static void text_section(FILE *f, const Report *r, size_t offset, const char *title, size_t max_lines) {
        const ReportCapture *c = report_newest_with(r, offset);
        const char *text;

        if (!c)
                return;
        text = *(char *const *) ((const char *) c + offset);
        fprintf(f, "\n== %s", title);
        if (r->n_captures > 1) {
                fputs(" (", f);
                puts_safe(f, c->name);
                fputc(')', f);
        }
        fputc('\n', f);
        print_indented(f, text, max_lines);
}

/* The kernel's report: only the lines that say who and why. */
static void oom_lines(FILE *f, const Report *r) {
        const ReportCapture *c = report_newest_with(r, offsetof(ReportCapture, oom_report));
        _cleanup_free_ char *t = NULL;
        char *save = NULL;

        if (!c)
                return;
        t = text_sanitize(c->oom_report);
        if (!t)
                return;
        section(f, "OOM kill (oom-report.txt)");
        for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strstr(l, "invoked oom-killer") || strstr(l, "Killed process") ||
                    strstr(l, "oom-kill:") || strstr(l, "Memory cgroup out of memory"))
                        fprintf(f, "   %s\n", l);
}

int report_write_text(const Report *r, FILE *f) {
        fputs("cgwarden report: ", f);
        puts_safe(f, r->title_path);
        fputc('\n', f);
        if (r->is_compare) {
                for (size_t i = 0; i < 2; i++) {
                        fprintf(f, "\n== Findings of %c: ", 'A' + (int) i);
                        puts_safe(f, r->captures[i]->path);
                        fputc('\n', f);
                        findings(f, r->captures[i], "   ");
                }
                nmt_table(f, r);
                for (size_t i = 0; i < 2; i++)
                        top_growth(f, r->captures[i], i == 0 ? " of A" : " of B");
                return ferror(f) ? -EIO : 0;
        }
        if (r->is_service) {
                fprintf(f, "%zu capture(s) of service ", r->n_captures);
                puts_safe(f, r->captures[0]->service ?: "?");
                fputs(", oldest first\n", f);
        }
        for (size_t i = 0; i < r->n_captures; i++) {
                fputs("\n== Findings", f);
                if (r->n_captures > 1) {
                        fprintf(f, " of #%zu ", i + 1);
                        puts_safe(f, r->captures[i]->name);
                }
                fputc('\n', f);
                if (r->captures[i]->incident) {
                        fputs("   incident ", f);
                        puts_safe(f, r->captures[i]->incident);
                        fputc('\n', f);
                }
                findings(f, r->captures[i], "   ");
        }
        timeline(f, r);
        nmt_table(f, r);
        {
                const ReportCapture *c = NULL;
                for (size_t i = r->n_captures; i > 0 && !c; i--)
                        if (r->captures[i - 1]->nmt_diff)
                                c = r->captures[i - 1];
                if (c)
                        top_growth(f, c, "");
        }
        text_section(f, r, offsetof(ReportCapture, tasks), "Thread groups (tasks.txt)", 30);
        text_section(f, r, offsetof(ReportCapture, pmap), "Largest mappings (pmap.txt)", 12);
        text_section(f, r, offsetof(ReportCapture, histogram_diff),
                     "Heap histogram growth (histogram-diff.txt)", 25);
        text_section(f, r, offsetof(ReportCapture, anon_sample),
                     "Strings in the memory that grew (anon-sample.txt)", 25);
        oom_lines(f, r);
        return ferror(f) ? -EIO : 0;
}
