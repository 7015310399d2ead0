/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report as one self-contained HTML page: inline CSS, inline SVG
 * drawn here, no script, nothing fetched. Every string from a capture
 * goes through html_puts(). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/macro.h"
#include "report/report.h"
#include "report/svg.h"

#define PLOT_W 1000.0
#define PLOT_ML 80.0 /* margins: left (the y labels), right, top, bottom */
#define PLOT_MR 110.0
#define PLOT_MT 24.0
#define PLOT_MB 40.0
#define NMT_STACK_MAX 8U /* categories stacked by name; the rest as one */

static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                       "#edc948", "#b07aa1", "#ff9da7", "#9c755f" };

static const char css[] =
        "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px "
        "auto;max-width:1140px;"
        "color:#1d2330;padding:0 16px}\n"
        "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid "
        "#d8dce3;"
        "padding-bottom:4px}h3{font-size:14px;margin:14px 0 4px}\n"
        ".sub{color:#5b6475}.findings li{margin:3px 0}.findings li.trigger{font-weight:600}\n"
        ".incomplete{color:#b3261e}\n"
        "pre{background:#f5f6f8;border:1px solid #e1e4ea;padding:8px 10px;overflow:auto;font-size:12.5px;"
        "line-height:1.35}\n"
        "table{border-collapse:collapse;font-size:13px}td,th{padding:3px 10px;border-bottom:1px solid "
        "#e6e8ec;"
        "text-align:right}td:first-child,th:first-child{text-align:left}th{background:#f0f2f5}\n"
        ".cols{display:grid;grid-template-columns:1fr 1fr;gap:18px}\n"
        "svg{display:block;margin:6px 0 14px;font-size:12px;background:#fff}\n"
        "svg .axis{stroke:#9aa1ad;stroke-width:1}svg .grid{stroke:#eceef2;stroke-width:1}\n"
        "svg text{fill:#3b4252}svg .series{fill:none;stroke-width:2;stroke-linejoin:round}\n"
        "svg .memory{stroke:#2f6db5}svg .anon{stroke:#e08a1e;stroke-dasharray:6 3}svg .rss{stroke:#5a9e4b;"
        "stroke-dasharray:2 3}\n"
        "svg .heap{stroke:#b9770e;stroke-width:1.5}svg .old{stroke:#34495e;stroke-width:1.5;"
        "stroke-dasharray:10 3}\n"
        "svg .threads{stroke:#8e44ad}svg .pids{stroke:#16a085;stroke-dasharray:6 3}\n"
        "svg .limit{stroke:#c0392b;stroke-width:2;stroke-dasharray:8 4}svg "
        "text.limit{fill:#c0392b;stroke:none}\n"
        "svg .mark{stroke:#555;stroke-width:1.2;stroke-dasharray:3 3}svg .mark.oom-kill{stroke:#c0392b;"
        "stroke-width:2;stroke-dasharray:none}\n"
        "svg text.mark{stroke:none;fill:#333}svg "
        "text.mark.oom-kill{stroke:none;fill:#c0392b;font-weight:600}\n"
        "svg .bar{fill:#4e79a7}svg .growth{fill:#e15759}\n";

static void h(FILE *f, const char *s) {
        html_puts(f, s);
}

static void format_hms(int64_t ms, char *buf, size_t size) {
        time_t t = (time_t) (ms / 1000);
        struct tm tm;
        if (!gmtime_r(&t, &tm)) {
                snprintf(buf, size, "?");
                return;
        }
        strftime(buf, size, "%H:%M:%S", &tm);
}

static void findings(FILE *f, const ReportCapture *c) {
        _cleanup_strv_free_ char **lines = NULL;
        if (report_findings_lines(c, &lines) < 0)
                return;
        fputs("<ul class=\"findings\">\n", f);
        for (size_t i = 0; lines[i]; i++) {
                fprintf(f, "<li%s>", i == 0 ? " class=\"trigger\"" : "");
                h(f, lines[i]);
                fputs("</li>\n", f);
        }
        fputs("</ul>\n", f);
}

typedef struct Axis {
        double x_lo, x_hi, y_lo, y_hi; /* data */
        double px_lo, px_hi, py_lo, py_hi; /* pixels: py_lo is the bottom */
} Axis;

static double ax_x(const Axis *a, double v) {
        return svg_scale(v, a->x_lo, a->x_hi, a->px_lo, a->px_hi);
}

static double ax_y(const Axis *a, double v) {
        return svg_scale(v, a->y_lo, a->y_hi, a->py_lo, a->py_hi);
}

/* 1024-based unit for the y axis of bytes */
static void byte_unit(double max, double *ret_div, const char **ret_name) {
        if (max >= 4.0 * 1024 * 1024 * 1024) {
                *ret_div = 1024.0 * 1024 * 1024;
                *ret_name = "GiB";
        } else if (max >= 4.0 * 1024 * 1024) {
                *ret_div = 1024.0 * 1024;
                *ret_name = "MiB";
        } else {
                *ret_div = 1024.0;
                *ret_name = "KiB";
        }
}

/* the frame: grid, axes, ticks and their labels; the y ticks in data units
 * divided by y_div */
static void axes(FILE *f, const Axis *a, double y_div, const char *y_unit) {
        double yt[SVG_TICKS_MAX], xt[SVG_TICKS_MAX];
        int ny = svg_nice_ticks(a->y_lo / y_div, a->y_hi / y_div, 7, yt);
        int nx = svg_time_ticks(a->x_lo, a->x_hi, 9, xt);

        for (int i = 0; i < ny; i++) {
                double y = ax_y(a, yt[i] * y_div);
                if (y < a->py_hi - 0.5 || y > a->py_lo + 0.5)
                        continue;
                fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                        a->px_lo, y, a->px_hi, y);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g %s</text>\n", a->px_lo - 6,
                        y + 4, yt[i], y_unit);
        }
        for (int i = 0; i < nx; i++) {
                char t[16];
                double x = ax_x(a, xt[i]);
                format_hms((int64_t) (xt[i] * 1000), t, sizeof(t));
                fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", x,
                        a->py_lo, x, a->py_lo + 5);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x,
                        a->py_lo + 19, t);
        }
        fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", a->px_lo,
                a->py_lo, a->px_hi, a->py_lo);
        fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", a->px_lo,
                a->py_lo, a->px_lo, a->py_hi);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">UTC</text>\n", a->px_lo - 34,
                a->py_lo + 19);
}

static void polyline(FILE *f, const Axis *a, const Report *r, size_t offset, const char *cls) {
        size_t n = 0;
        for (size_t i = 0; i < r->n_history; i++) {
                uint64_t v = *(const uint64_t *) ((const char *) &r->history[i] + offset);
                if (v == UINT64_MAX)
                        continue;
                if (n++ == 0)
                        fprintf(f, "<polyline class=\"series %s\" points=\"", cls);
                fprintf(f, "%.1f,%.1f ", ax_x(a, (double) r->history[i].time_ms / 1000.0),
                        ax_y(a, (double) v));
        }
        if (n > 0)
                fputs("\"/>\n", f);
}

static void marks(FILE *f, const Axis *a, const Report *r) {
        for (size_t i = 0; i < r->n_captures; i++) {
                const ReportCapture *c = r->captures[i];
                const char *reason = c->reason ?: "capture";
                _cleanup_free_ char *cls = NULL;
                double x;

                if (c->started_ms == INT64_MIN)
                        continue;
                x = ax_x(a, (double) c->started_ms / 1000.0);
                if (x < a->px_lo - 0.5 || x > a->px_hi + 0.5) /* far from the history: not drawn */
                        continue;
                /* the class holds a name from the manifest: only [a-z-] kept */
                cls = strdup(reason);
                if (!cls)
                        return;
                for (char *p = cls; *p; p++)
                        if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
                                *p = '-';
                fprintf(f, "<line class=\"mark %s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls,
                        x, a->py_lo, x, a->py_hi - 4);
                {
                        bool right = x > (a->px_lo + a->px_hi) / 2; /* the label inside the plot */
                        fprintf(f, "<text class=\"mark %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">", cls,
                                x + (right ? -4 : 4), a->py_hi + 8 + 14.0 * (double) (i % 3),
                                right ? "end" : "start");
                }
                h(f, reason);
                fputs("</text>\n", f);
        }
}

/* a row of line samples and labels, left to right from (x, y) */
static void legend(FILE *f, double x, double y, const char *const *classes, const char *const *labels,
                   size_t n) {
        for (size_t i = 0; i < n; i++) {
                double lx = x + 150.0 * (double) i;
                fprintf(f,
                        "<line class=\"series %s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                        "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
                        classes[i], lx, y, lx + 26, y, lx + 31, y + 4, labels[i]);
        }
}

static void time_range(const Report *r, double *ret_lo, double *ret_hi) {
        double lo = (double) r->history[0].time_ms / 1000.0,
               hi = (double) r->history[r->n_history - 1].time_ms / 1000.0;
        for (size_t i = 0; i < r->n_captures; i++)
                if (r->captures[i]->started_ms != INT64_MIN) {
                        double t = (double) r->captures[i]->started_ms / 1000.0;
                        /* a capture far from the history (another day) would squash it */
                        if (t >= lo - 600 && t <= hi + 600) {
                                lo = MIN(lo, t);
                                hi = MAX(hi, t);
                        }
                }
        if (hi - lo < 2) {
                lo -= 1;
                hi += 1;
        }
        *ret_lo = lo;
        *ret_hi = hi;
}

static void timeline(FILE *f, const Report *r) {
        static const char *const cls[] = { "memory", "anon", "rss", "heap", "old" };
        static const char *const lab[] = { "memory.current", "anon", "RSS", "Java heap used",
                                           "old generation" };
        static const char *const cls2[] = { "threads", "pids" };
        static const char *const lab2[] = { "threads", "pids" };
        double ymax = 1, y_div, yt[SVG_TICKS_MAX], tmax = 1;
        const char *y_unit;
        bool heap = false;
        Axis a;
        int ny;

        if (r->n_history == 0)
                return;
        for (size_t i = 0; i < r->n_history; i++) {
                const ReportSample *s = &r->history[i];
                uint64_t v[5] = { s->memory_current, s->anon, s->rss, s->heap_used, s->old_used };
                for (size_t k = 0; k < 5; k++)
                        if (v[k] != UINT64_MAX)
                                ymax = MAX(ymax, (double) v[k]);
                heap = heap || s->heap_used != UINT64_MAX || s->old_used != UINT64_MAX;
                if (s->threads != UINT64_MAX)
                        tmax = MAX(tmax, (double) s->threads);
                if (s->pids != UINT64_MAX)
                        tmax = MAX(tmax, (double) s->pids);
        }
        if (r->memory_max != UINT64_MAX)
                ymax = MAX(ymax, (double) r->memory_max);
        byte_unit(ymax, &y_div, &y_unit);
        ny = svg_nice_ticks(0, ymax * 1.04 / y_div, 7, yt);

        fputs("<section id=\"timeline\"><h2>Timeline: memory over time</h2>\n"
              "<p class=\"sub\">From history.csv",
              f);
        if (r->n_captures > 1)
                fputs(" of every capture, merged", f);
        fputs(". The dashed red line is the memory limit; the vertical lines mark the captures.", f);
        if (heap)
                fputs(" The Java heap and its old generation are the JVM's own counters (hsperfdata), "
                      "inside memory.current.",
                      f);
        fputs("</p>\n", f);

        a = (Axis){ .y_lo = 0,
                    .y_hi = (ny > 0 ? yt[ny - 1] : ymax / y_div) * y_div,
                    .px_lo = PLOT_ML,
                    .px_hi = PLOT_W - PLOT_MR,
                    .py_lo = 340 - PLOT_MB,
                    .py_hi = PLOT_MT + 30 };
        time_range(r, &a.x_lo, &a.x_hi);
        fprintf(f,
                "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"340\" "
                "viewBox=\"0 0 %.0f 340\" role=\"img\" aria-label=\"memory over time\">\n",
                PLOT_W, PLOT_W);
        axes(f, &a, y_div, y_unit);
        if (r->memory_max != UINT64_MAX) {
                char b[32];
                double y = ax_y(&a, (double) r->memory_max);
                report_format_bytes(r->memory_max, b, sizeof(b));
                fprintf(f, "<line class=\"limit\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>",
                        a.px_lo, y, a.px_hi, y);
                fprintf(f, "<text class=\"limit\" x=\"%.1f\" y=\"%.1f\">limit %s</text>\n", a.px_hi + 6,
                        y + 4, b);
        }
        polyline(f, &a, r, offsetof(ReportSample, rss), "rss");
        polyline(f, &a, r, offsetof(ReportSample, anon), "anon");
        polyline(f, &a, r, offsetof(ReportSample, memory_current), "memory");
        if (heap) {
                polyline(f, &a, r, offsetof(ReportSample, old_used), "old");
                polyline(f, &a, r, offsetof(ReportSample, heap_used), "heap");
        }
        marks(f, &a, r);
        legend(f, a.px_lo, 12, cls, lab, heap ? 5 : 3);
        fputs("</svg>\n", f);

        ny = svg_nice_ticks(0, tmax * 1.1, 5, yt);
        a.y_hi = ny > 0 ? yt[ny - 1] : tmax;
        a.py_lo = 220 - PLOT_MB;
        fputs("<h3>Threads and pids</h3>\n", f);
        fprintf(f,
                "<svg class=\"tasks\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"220\" "
                "viewBox=\"0 0 %.0f 220\" role=\"img\" aria-label=\"threads and pids over time\">\n",
                PLOT_W, PLOT_W);
        axes(f, &a, 1, "");
        polyline(f, &a, r, offsetof(ReportSample, pids), "pids");
        polyline(f, &a, r, offsetof(ReportSample, threads), "threads");
        marks(f, &a, r);
        legend(f, a.px_lo, 12, cls2, lab2, 2);
        fputs("</svg></section>\n", f);
}

/* One capture: a bar per category (committed), its growth since the
 * baseline in red at the bar's end. */
static void nmt_bars(FILE *f, const Report *r, const ReportCapture *c, const char *const *names, size_t n) {
        double max = 1, row = 22, left = 190, width = 620;
        size_t shown = MIN(n, (size_t) 16);

        (void) r;
        for (size_t k = 0; k < shown; k++) {
                uint64_t kb = report_nmt_committed_kb(c, names[k]);
                if (kb != UINT64_MAX)
                        max = MAX(max, (double) kb);
        }
        fprintf(f,
                "<svg class=\"nmt\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                "role=\"img\" aria-label=\"NMT categories\">\n",
                PLOT_W, row * (double) shown + 34);
        for (size_t k = 0; k < shown; k++) {
                uint64_t kb = report_nmt_committed_kb(c, names[k]);
                int64_t d = report_nmt_growth_kb(c, names[k]);
                double y = 8 + row * (double) k, w, gw = 0;
                char b[32], g[40] = "";

                if (kb == UINT64_MAX)
                        kb = 0;
                w = (double) kb / max * width;
                if (d > 0)
                        gw = MIN(w, (double) d / max * width);
                report_format_bytes(kb * 1024, b, sizeof(b));
                if (d != 0) {
                        char x[32];
                        report_format_growth_kb(d, x, sizeof(x));
                        snprintf(g, sizeof(g), " (%s)", x);
                }
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 8, y + 14);
                h(f, names[k]);
                fputs("</text>", f);
                fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"16\"/>", left,
                        y + 2, w - gw);
                if (gw > 0)
                        fprintf(f,
                                "<rect class=\"growth\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                                "height=\"16\"/>",
                                left + w - gw, y + 2, gw);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s%s</text>\n", left + w + 6, y + 14, b, g);
        }
        fprintf(f,
                "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\"/><text x=\"%.1f\" "
                "y=\"%.1f\">committed</text><rect class=\"growth\" x=\"%.1f\" y=\"%.1f\" width=\"12\" "
                "height=\"12\"/><text x=\"%.1f\" y=\"%.1f\">grown since the NMT baseline</text>\n",
                left, row * (double) shown + 16, left + 16, row * (double) shown + 26, left + 110,
                row * (double) shown + 16, left + 126, row * (double) shown + 26);
        fputs("</svg>\n", f);
}

/* Several captures: a column per capture, the categories stacked. */
static void nmt_stacked(FILE *f, const Report *r, const char *const *names, size_t n) {
        size_t stack = MIN(n, (size_t) NMT_STACK_MAX), with = 0;
        double max = 1, yt[SVG_TICKS_MAX], y_div;
        const char *y_unit;
        Axis a;
        int ny;

        for (size_t i = 0; i < r->n_captures; i++) {
                double sum = 0;
                if (!report_nmt_of(r->captures[i]))
                        continue;
                with++;
                for (size_t k = 0; k < n; k++) {
                        uint64_t kb = report_nmt_committed_kb(r->captures[i], names[k]);
                        if (kb != UINT64_MAX)
                                sum += (double) kb * 1024;
                }
                max = MAX(max, sum);
        }
        if (with == 0)
                return;
        byte_unit(max, &y_div, &y_unit);
        ny = svg_nice_ticks(0, max / y_div, 6, yt);
        a = (Axis){ .y_lo = 0,
                    .y_hi = (ny > 0 ? yt[ny - 1] : max / y_div) * y_div,
                    .py_lo = 300 - PLOT_MB,
                    .py_hi = PLOT_MT,
                    .px_lo = PLOT_ML,
                    .px_hi = PLOT_W - 250 };
        fprintf(f,
                "<svg class=\"nmt-stacked\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                "height=\"300\" "
                "role=\"img\" aria-label=\"NMT categories over the captures\">\n",
                PLOT_W);
        for (int i = 0; i < ny; i++) {
                double y = ax_y(&a, yt[i] * y_div);
                fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", a.px_lo,
                        y, a.px_hi, y);
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g %s</text>\n", a.px_lo - 6,
                        y + 4, yt[i], y_unit);
        }
        for (size_t i = 0, col = 0; i < r->n_captures; i++) {
                double colw = (a.px_hi - a.px_lo) / (double) with,
                       x = a.px_lo + colw * (double) col + colw * 0.15, base = 0;
                if (!report_nmt_of(r->captures[i]))
                        continue;
                for (size_t k = 0; k <= stack; k++) {
                        double v = 0;
                        if (k < stack) {
                                uint64_t kb = report_nmt_committed_kb(r->captures[i], names[k]);
                                v = kb == UINT64_MAX ? 0 : (double) kb * 1024;
                        } else
                                for (size_t j = stack; j < n; j++) {
                                        uint64_t kb = report_nmt_committed_kb(r->captures[i], names[j]);
                                        v += kb == UINT64_MAX ? 0 : (double) kb * 1024;
                                }
                        if (v <= 0)
                                continue;
                        fprintf(f,
                                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
                                x, ax_y(&a, base + v), colw * 0.7, ax_y(&a, base) - ax_y(&a, base + v),
                                palette[k % ELEMENTSOF(palette)]);
                        base += v;
                }
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">#%zu", x + colw * 0.35,
                        a.py_lo + 16, i + 1);
                if (colw >= 120) { /* else the table below names them */
                        fputc(' ', f);
                        h(f, r->captures[i]->reason);
                }
                fputs("</text>\n", f);
                col++;
        }
        for (size_t k = 0; k <= stack && (k < stack || n > stack); k++) {
                double y = a.py_hi + 18.0 * (double) (stack - k);
                fprintf(f,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"12\" fill=\"%s\"/><text "
                        "x=\"%.1f\" y=\"%.1f\">",
                        a.px_hi + 20, y, palette[k % ELEMENTSOF(palette)], a.px_hi + 38, y + 11);
                h(f, k < stack ? names[k] : "other categories");
                fputs("</text>\n", f);
        }
        fprintf(f, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", a.px_lo,
                a.py_lo, a.px_hi, a.py_lo);
        fputs("</svg>\n", f);
}

/* --compare: per category, A's bar above B's. */
static void nmt_pairs(FILE *f, const Report *r, const char *const *names, size_t n) {
        double max = 1, row = 34, left = 190, width = 620;
        size_t shown = MIN(n, (size_t) 12);

        for (size_t k = 0; k < shown; k++)
                for (size_t i = 0; i < 2; i++) {
                        uint64_t kb = report_nmt_committed_kb(r->captures[i], names[k]);
                        if (kb != UINT64_MAX)
                                max = MAX(max, (double) kb);
                }
        fprintf(f,
                "<svg class=\"nmt-compare\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                "height=\"%.0f\" "
                "role=\"img\" aria-label=\"NMT categories of A and B\">\n",
                PLOT_W, row * (double) shown + 34);
        for (size_t k = 0; k < shown; k++) {
                double y = 6 + row * (double) k;
                fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 8, y + 19);
                h(f, names[k]);
                fputs("</text>", f);
                for (size_t i = 0; i < 2; i++) {
                        uint64_t kb = report_nmt_committed_kb(r->captures[i], names[k]);
                        char b[32] = "-";
                        double w = kb == UINT64_MAX ? 0 : (double) kb / max * width;
                        if (kb != UINT64_MAX)
                                report_format_bytes(kb * 1024, b, sizeof(b));
                        fprintf(f,
                                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"13\" fill=\"%s\"/>"
                                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%c %s</text>\n",
                                left, y + 2 + 14.0 * (double) i, w, palette[i], left + w + 6,
                                y + 13 + 14.0 * (double) i, 'A' + (int) i, b);
                }
        }
        fputs("</svg>\n", f);
}

static void nmt_table(FILE *f, const Report *r, const char *const *names, size_t n) {
        fputs("<table class=\"nmt\"><tr><th>category (committed)</th>", f);
        for (size_t i = 0; i < r->n_captures; i++) {
                if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                        continue;
                if (r->is_compare)
                        fprintf(f, "<th>%c</th><th>growth</th>", 'A' + (int) i);
                else if (r->n_captures == 1)
                        fputs("<th>committed</th><th>growth since the baseline</th>", f);
                else {
                        fprintf(f, "<th>#%zu ", i + 1);
                        h(f, r->captures[i]->reason);
                        fputs("</th>", f);
                }
        }
        if (r->is_compare)
                fputs("<th>B &minus; A</th>", f);
        fputs("</tr>\n", f);
        for (size_t k = 0; k < n; k++) {
                fputs("<tr><td>", f);
                h(f, names[k]);
                fputs("</td>", f);
                for (size_t i = 0; i < r->n_captures; i++) {
                        if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                                continue;
                        if (r->n_captures > 1 && !r->is_compare && !report_nmt_of(r->captures[i]))
                                continue;
                        uint64_t kb = report_nmt_committed_kb(r->captures[i], names[k]);
                        char b[32] = "-", g[40] = "";
                        if (kb != UINT64_MAX)
                                report_format_bytes(kb * 1024, b, sizeof(b));
                        fprintf(f, "<td>%s</td>", b);
                        if (r->n_captures == 1 || r->is_compare) {
                                report_format_growth_kb(report_nmt_growth_kb(r->captures[i], names[k]), g,
                                                        sizeof(g));
                                fprintf(f, "<td>%s</td>", g);
                        }
                }
                if (r->is_compare) {
                        uint64_t a = report_nmt_committed_kb(r->captures[0], names[k]);
                        uint64_t b = report_nmt_committed_kb(r->captures[1], names[k]);
                        char d[40] = "";
                        if (a != UINT64_MAX && b != UINT64_MAX)
                                report_format_growth_kb((int64_t) b - (int64_t) a, d, sizeof(d));
                        fprintf(f, "<td>%s</td>", d);
                }
                fputs("</tr>\n", f);
        }
        fputs("</table>\n", f);
}

static void nmt_section(FILE *f, const Report *r) {
        const char *names[NMT_CATEGORIES_MAX];
        size_t n = report_nmt_names(r, names, ELEMENTSOF(names));

        if (n == 0)
                return;
        fputs("<section id=\"nmt\"><h2>Native memory (NMT categories)</h2>\n", f);
        if (r->is_compare) {
                nmt_pairs(f, r, names, n);
                nmt_table(f, r, names, n);
        } else if (r->n_captures == 1) {
                fputs("<p class=\"sub\">Committed memory by category from nmt.txt; in red, the growth since "
                      "the "
                      "baseline from nmt-diff.txt.</p>\n",
                      f);
                nmt_bars(f, r, r->captures[0], names, n);
        } else {
                fputs("<p class=\"sub\">Committed memory by category in each capture (nmt.txt), "
                      "stacked.</p>\n",
                      f);
                nmt_stacked(f, r, names, n);
                nmt_table(f, r, names, n);
        }
        fputs("</section>\n", f);
}

static void top_growth(FILE *f, const ReportCapture *c, const char *label) {
        const NmtCategory *sorted[NMT_CATEGORIES_MAX];
        size_t n = 0;

        if (!c || !c->nmt_diff)
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
        fprintf(f, "<div><h3>Top native growth since the NMT baseline%s (nmt-diff.txt)</h3>\n", label);
        if (n == 0)
                fputs("<p>Nothing grew.</p>", f);
        else
                fputs("<table><tr><th>category</th><th>grew</th><th>committed now</th></tr>\n", f);
        for (size_t i = 0; i < MIN(n, (size_t) 8); i++) {
                char b[32], t[32];
                report_format_bytes((uint64_t) sorted[i]->committed_delta_kb * 1024, b, sizeof(b));
                report_format_bytes(sorted[i]->committed_kb * 1024, t, sizeof(t));
                fputs("<tr><td>", f);
                h(f, sorted[i]->name);
                fprintf(f, "</td><td>+%s</td><td>%s</td></tr>\n", b, t);
        }
        if (n > 0)
                fputs("</table>", f);
        fputs("</div>\n", f);
}

static void pre_section(FILE *f, const Report *r, size_t offset, const char *id, const char *title,
                        size_t max_lines) {
        const ReportCapture *c = report_newest_with(r, offset);
        _cleanup_free_ char *head = NULL;

        if (!c)
                return;
        head = report_head_lines(*(char *const *) ((const char *) c + offset), max_lines);
        fprintf(f, "<section id=\"%s\"><h2>%s</h2>\n", id, title);
        if (r->n_captures > 1) {
                fputs("<p class=\"sub\">From ", f);
                h(f, c->name);
                fputs(".</p>\n", f);
        }
        fputs("<pre>", f);
        h(f, head);
        fputs("</pre></section>\n", f);
}

static void oom_section(FILE *f, const Report *r) {
        const ReportCapture *c = report_newest_with(r, offsetof(ReportCapture, oom_report));
        _cleanup_free_ char *t = NULL;
        char *save = NULL;

        if (!c || !(t = strdup(c->oom_report)))
                return;
        fputs("<section id=\"oom\"><h2>The kernel's OOM kill (oom-report.txt)</h2><pre>", f);
        for (char *l = strtok_r(t, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
                if (strstr(l, "invoked oom-killer") || strstr(l, "Killed process") ||
                    strstr(l, "oom-kill:") || strstr(l, "Memory cgroup out of memory")) {
                        h(f, l);
                        fputc('\n', f);
                }
        fputs("</pre></section>\n", f);
}

int report_write_html(const Report *r, FILE *f) {
        const ReportCapture *last = r->captures[r->n_captures - 1];

        fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
              "<title>cgwarden report: ",
              f);
        h(f, last->service ?: r->title_path);
        fprintf(f, "</title>\n<style>\n%s</style></head><body>\n", css);
        fputs("<h1>cgwarden report: ", f);
        h(f, last->service ?: "?");
        fputs("</h1>\n<p class=\"sub\">", f);
        if (r->is_compare)
                fputs("Two captures side by side. ", f);
        else if (r->n_captures > 1)
                fprintf(f, "%zu captures, oldest first. ", r->n_captures);
        h(f, r->title_path);
        fputs("</p>\n", f);

        fputs("<section id=\"findings\"><h2>Findings</h2>\n", f);
        if (r->is_compare)
                fputs("<div class=\"cols\">", f);
        for (size_t i = 0; i < r->n_captures; i++) {
                if (r->n_captures > 1) {
                        if (r->is_compare)
                                fprintf(f, "<div><h3>%c: ", 'A' + (int) i);
                        else
                                fprintf(f, "<h3>#%zu ", i + 1);
                        h(f, r->captures[i]->name);
                        fputs(r->is_compare ? "</h3>\n" : "</h3>\n", f);
                }
                if (r->captures[i]->incident) {
                        fputs("<p class=\"sub\">Incident <code>", f);
                        h(f, r->captures[i]->incident);
                        fputs("</code></p>\n", f);
                }
                findings(f, r->captures[i]);
                if (r->is_compare)
                        fputs("</div>", f);
        }
        if (r->is_compare)
                fputs("</div>", f);
        fputs("</section>\n", f);

        if (!r->is_compare)
                timeline(f, r);
        nmt_section(f, r);
        if (r->is_compare) {
                fputs("<section id=\"growth\"><h2>Top growth</h2><div class=\"cols\">\n", f);
                top_growth(f, r->captures[0], " of A");
                top_growth(f, r->captures[1], " of B");
                fputs("</div></section>\n", f);
        } else {
                const ReportCapture *c = NULL;
                for (size_t i = r->n_captures; i > 0 && !c; i--)
                        if (r->captures[i - 1]->nmt_diff)
                                c = r->captures[i - 1];
                if (c) {
                        fputs("<section id=\"growth\">", f);
                        top_growth(f, c, "");
                        fputs("</section>\n", f);
                }
                pre_section(f, r, offsetof(ReportCapture, tasks), "tasks", "Thread groups (tasks.txt)", 40);
                pre_section(f, r, offsetof(ReportCapture, pmap), "pmap", "Largest mappings (pmap.txt)", 15);
                pre_section(f, r, offsetof(ReportCapture, histogram_diff), "histogram",
                            "Heap histogram growth (histogram-diff.txt)", 30);
                pre_section(f, r, offsetof(ReportCapture, anon_sample), "strings",
                            "Strings in the memory that grew (anon-sample.txt)", 30);
                oom_section(f, r);
        }
        fputs("<p class=\"sub\">Written by cgwarden report. Every file named is in the capture "
              "directory.</p>\n"
              "</body></html>\n",
              f);
        return ferror(f) ? -EIO : 0;
}
