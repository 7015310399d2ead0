/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `cgwarden report`: a capture directory, or a service's directory of
 * captures, as a report for a terminal (text) or a browser (one
 * self-contained HTML page with inline SVG). A front end reading files:
 * it includes base/, config/ (to find a service's captures) and the NMT
 * parser of capture/, nothing of the running supervisor.
 *
 * Everything read from a capture is untrusted (thread names, strings from
 * a process's memory): the text output replaces control characters, the
 * HTML output escapes every string. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/nmt.h"

/* One row of history.csv: time_utc,memory_current,anon,rss,threads,pids.
 * UINT64_MAX for an empty field. */
typedef struct ReportSample {
        int64_t time_ms; /* Unix time in milliseconds */
        uint64_t memory_current;
        uint64_t anon;
        uint64_t rss;
        uint64_t threads;
        uint64_t pids;
        /* a JVM's heap and old generation used (hsperfdata); UINT64_MAX:
         * unknown (an empty field, or a history.csv from before they came) */
        uint64_t heap_used;
        uint64_t old_used;
} ReportSample;

/* Parse history.csv (buf need not be NUL-terminated, never read past n).
 * The header line is required as the first line, with or without the two
 * heap columns (all rows then have the header's field count); a line that does not
 * parse (a bad time, a bad number, a wrong field count) is skipped and
 * counted in *ret_bad. Rows are returned in file order. Returns 0 and
 * the rows (malloc'd, possibly none) or -EBADMSG (no header), -ENOMEM. */
int report_history_parse_buf(const char *buf, size_t n, ReportSample **ret_rows, size_t *ret_n,
                             size_t *ret_bad);

/* "2026-12-06T15:39:52.631Z" (milliseconds optional) as Unix ms; -EINVAL
 * when malformed. */
int report_parse_time(const char *s, size_t n, int64_t *ret_ms);

typedef struct ReportFinding {
        char *key; /* findings' stable name, e.g. nmt_top_growth */
        char *value;
} ReportFinding;

typedef struct ReportCapture {
        char *path;
        char *name; /* the directory's name: <time>-<reason> */
        char *service, *reason, *started_at, *trigger_what, *effective_limits, *error;
        char *incident; /* the manifest's incident id; NULL: none (an older capture) */
        int64_t started_ms; /* INT64_MIN when unknown */
        uint64_t memory_current, memory_max, pids_current, pids_max; /* UINT64_MAX: unknown */
        double eta_s; /* < 0: unknown */
        bool complete;
        ReportFinding *findings;
        size_t n_findings;
        ReportSample *history;
        size_t n_history, history_bad;
        NmtReport *nmt, *nmt_diff; /* NULL when absent or unparsable */
        char *tasks, *pmap, *histogram_diff, *anon_sample, *oom_report; /* file texts, NULL when absent */
} ReportCapture;

ReportCapture *report_capture_free(ReportCapture *c);

/* Load the capture in directory path: manifest.json is required, every
 * other file is optional. Returns 0, -ENOENT (no manifest), -EBADMSG
 * (manifest not a JSON object), or the -errno of reading. */
int report_capture_load(const char *path, ReportCapture **ret);

typedef struct Report {
        const char *title_path;
        ReportCapture **captures; /* oldest first */
        size_t n_captures;
        bool is_service; /* a service's directory (all its captures) */
        bool is_compare; /* --compare: captures[0] and [1] */
        ReportSample *history; /* merged over the captures, by time */
        size_t n_history;
        uint64_t memory_max; /* the limit to draw, UINT64_MAX: none */
} Report;

/* The findings of a capture in plain words, one line each (malloc'd
 * strings in a NULL-terminated malloc'd array). Returns 0 or -ENOMEM. */
int report_findings_lines(const ReportCapture *c, char ***ret_lines);

/* Bytes as "118.5M", "256M", "12.0K" (1024-based); "?" for UINT64_MAX. */
void report_format_bytes(uint64_t bytes, char *buf, size_t size);
/* A growth in KiB as "+1.5M" or "-12.0K"; "" for 0. */
void report_format_growth_kb(int64_t kb, char *buf, size_t size);

/* The first max_lines lines of text (NULL-safe), as a malloc'd string. */
char *report_head_lines(const char *text, size_t max_lines);

/* The NMT summary of a capture: nmt.txt, else nmt-diff.txt's current
 * values, or NULL. */
const NmtReport *report_nmt_of(const ReportCapture *c);
/* A category's committed KB (UINT64_MAX: not in the capture) and its
 * growth since the baseline (nmt-diff.txt; 0 without). */
uint64_t report_nmt_committed_kb(const ReportCapture *c, const char *name);
int64_t report_nmt_growth_kb(const ReportCapture *c, const char *name);
/* The NMT category names of every capture (pointers into them), the
 * largest committed first; at most max. Returns the count. */
size_t report_nmt_names(const Report *r, const char *ret_names[], size_t max);
/* The newest capture whose text field at offset (offsetof(ReportCapture,
 * tasks), ...) is not NULL, or NULL. */
const ReportCapture *report_newest_with(const Report *r, size_t offset);

int report_write_text(const Report *r, FILE *f);
int report_write_html(const Report *r, FILE *f);

/* `cgwarden report ...`: the exit status (0, 1 runtime failure, 2 usage). */
int report_main(int argc, char **argv);
