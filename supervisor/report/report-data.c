/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The report's model: a capture directory read into a ReportCapture, the
 * parser of history.csv, and the findings in plain words. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "base/json-util.h"
#include "base/macro.h"
#include "base/procfs.h"
#include "report/report.h"

/* history.csv is 10 minutes of samples; the text files are small but a
 * hostile capture could hold anything: a bound for each. */
#define REPORT_FILE_MAX_BYTES (16U * 1024U * 1024U)

static int parse_digits(const char *s, size_t n, int *ret) {
        int v = 0;
        if (n == 0)
                return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return 0;
}

int report_parse_time(const char *s, size_t n, int64_t *ret_ms) {
        int Y, M, D, h, m, sec, ms = 0;
        struct tm tm = {};
        time_t t;

        /* YYYY-MM-DDTHH:MM:SS[.mmm]Z */
        if (n != 20 && n != 24)
                return -EINVAL;
        if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
                return -EINVAL;
        if (parse_digits(s, 4, &Y) < 0 || parse_digits(s + 5, 2, &M) < 0 || parse_digits(s + 8, 2, &D) < 0 ||
            parse_digits(s + 11, 2, &h) < 0 || parse_digits(s + 14, 2, &m) < 0 ||
            parse_digits(s + 17, 2, &sec) < 0)
                return -EINVAL;
        if (n == 24 && (s[19] != '.' || parse_digits(s + 20, 3, &ms) < 0))
                return -EINVAL;
        if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
                return -EINVAL;
        tm.tm_year = Y - 1900;
        tm.tm_mon = M - 1;
        tm.tm_mday = D;
        tm.tm_hour = h;
        tm.tm_min = m;
        tm.tm_sec = sec;
        t = timegm(&tm);
        if (t == (time_t) -1)
                return -EINVAL;
        *ret_ms = (int64_t) t * 1000 + ms;
        return 0;
}

static int parse_field_u64(const char *s, size_t n, uint64_t *ret) {
        uint64_t v = 0;
        if (n == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        if (n > 20)
                return -ERANGE;
        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t) (s[i] - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (s[i] - '0');
        }
        if (v == UINT64_MAX)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* 6 columns before the heap ones came (older captures), 8 since */
#define HISTORY_COLS_MAX 8

static int parse_row(const char *s, size_t n, size_t cols_want, ReportSample *ret) {
        const char *f[HISTORY_COLS_MAX];
        size_t len[HISTORY_COLS_MAX], k = 0, start = 0;
        ReportSample row = { .heap_used = UINT64_MAX, .old_used = UINT64_MAX };
        uint64_t *cols[HISTORY_COLS_MAX - 1] = { &row.memory_current, &row.anon, &row.rss,
                                                 &row.threads,        &row.pids, &row.heap_used,
                                                 &row.old_used };

        if (cols_want > HISTORY_COLS_MAX)
                return -EINVAL;
        if (n > 0 && s[n - 1] == '\r')
                n--;
        for (size_t i = 0; i <= n; i++)
                if (i == n || s[i] == ',') {
                        if (k == cols_want)
                                return -EINVAL;
                        f[k] = s + start;
                        len[k++] = i - start;
                        start = i + 1;
                }
        if (k != cols_want)
                return -EINVAL;
        if (report_parse_time(f[0], len[0], &row.time_ms) < 0)
                return -EINVAL;
        for (size_t i = 0; i + 1 < cols_want; i++)
                if (parse_field_u64(f[i + 1], len[i + 1], cols[i]) < 0)
                        return -EINVAL;
        *ret = row;
        return 0;
}

int report_history_parse_buf(const char *buf, size_t n, ReportSample **ret_rows, size_t *ret_n,
                             size_t *ret_bad) {
        static const char header6[] = "time_utc,memory_current,anon,rss,threads,pids",
                          header8[] = "time_utc,memory_current,anon,rss,threads,pids,heap_used,old_used";
        _cleanup_free_ ReportSample *rows = NULL;
        size_t n_rows = 0, cap = 0, bad = 0, pos = 0, cols = 0;

        while (pos < n) {
                const char *nl = memchr(buf + pos, '\n', n - pos);
                size_t len = (nl ? (size_t) (nl - buf) : n) - pos;
                const char *line = buf + pos;

                pos += len + 1;
                if (cols == 0) {
                        size_t l = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
                        if (l == strlen(header8) && memcmp(line, header8, l) == 0)
                                cols = 8;
                        else if (l == strlen(header6) && memcmp(line, header6, l) == 0)
                                cols = 6;
                        else
                                return -EBADMSG;
                        continue;
                }
                if (len == 0)
                        continue;
                if (n_rows == cap) {
                        size_t c2 = cap ? cap * 2 : 64;
                        ReportSample *p = reallocarray(rows, c2, sizeof(*rows));
                        if (!p)
                                return -ENOMEM;
                        rows = p;
                        cap = c2;
                }
                if (parse_row(line, len, cols, &rows[n_rows]) < 0)
                        bad++;
                else
                        n_rows++;
        }
        if (cols == 0)
                return -EBADMSG;
        *ret_rows = TAKE_PTR(rows);
        *ret_n = n_rows;
        *ret_bad = bad;
        return 0;
}

ReportCapture *report_capture_free(ReportCapture *c) {
        if (!c)
                return NULL;
        free(c->path);
        free(c->name);
        free(c->service);
        free(c->reason);
        free(c->incident);
        free(c->started_at);
        free(c->trigger_what);
        free(c->effective_limits);
        free(c->error);
        for (size_t i = 0; i < c->n_findings; i++) {
                free(c->findings[i].key);
                free(c->findings[i].value);
        }
        free(c->findings);
        free(c->history);
        free(c->nmt);
        free(c->nmt_diff);
        free(c->tasks);
        free(c->pmap);
        free(c->histogram_diff);
        free(c->anon_sample);
        free(c->oom_report);
        return mfree(c);
}

static char *jdup(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return strdup(json_object_get_string(v));
}

static uint64_t jsize(json_object *o, const char *key) {
        json_object *v;
        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return UINT64_MAX;
        return json_object_get_uint64(v);
}

static int read_file_at(const char *dir, const char *name, char **ret, size_t *ret_size) {
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return procfs_read_full(p, REPORT_FILE_MAX_BYTES, ret, ret_size);
}

static NmtReport *load_nmt(const char *dir, const char *name) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ NmtReport *r = NULL;
        size_t n;

        if (read_file_at(dir, name, &buf, &n) < 0)
                return NULL;
        r = calloc(1, sizeof(*r));
        if (!r || nmt_parse(buf, n, r) < 0 || r->n_categories == 0)
                return NULL;
        return TAKE_PTR(r);
}

int report_capture_load(const char *path, ReportCapture **ret) {
        ReportCapture *c;
        _cleanup_free_ char *buf = NULL;
        json_object *m, *trig, *findings, *v;
        const char *slash;
        size_t n;
        int r;

        r = read_file_at(path, "manifest.json", &buf, &n);
        if (r < 0)
                return r;
        m = json_tokener_parse(buf);
        if (!m || !json_object_is_type(m, json_type_object)) {
                json_object_put(m);
                return -EBADMSG;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                json_object_put(m);
                return -ENOMEM;
        }
        c->path = strdup(path);
        slash = strrchr(path, '/');
        while (slash && slash[1] == '\0' && slash > path) { /* a trailing slash */
                const char *q = slash - 1;
                while (q > path && *q != '/')
                        q--;
                slash = *q == '/' ? q : NULL;
        }
        c->name = strndup(slash ? slash + 1 : path, strcspn(slash ? slash + 1 : path, "/"));
        c->service = jdup(m, "service");
        c->reason = jdup(m, "reason");
        c->incident = jdup(m, "incident");
        c->started_at = jdup(m, "started_at");
        c->effective_limits = jdup(m, "effective_limits");
        c->error = jdup(m, "error");
        c->started_ms = INT64_MIN;
        if (c->started_at)
                (void) report_parse_time(c->started_at, strlen(c->started_at), &c->started_ms);
        c->memory_current = c->memory_max = c->pids_current = c->pids_max = UINT64_MAX;
        c->eta_s = -1;
        if (json_object_object_get_ex(m, "trigger", &trig) && json_object_is_type(trig, json_type_object)) {
                c->trigger_what = jdup(trig, "what");
                c->memory_current = jsize(trig, "memory_current");
                c->memory_max = jsize(trig, "memory_max");
                c->pids_current = jsize(trig, "pids_current");
                c->pids_max = jsize(trig, "pids_max");
                if (json_object_object_get_ex(trig, "eta_s", &v) &&
                    (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
                        c->eta_s = json_object_get_double(v);
        }
        if (json_object_object_get_ex(m, "complete", &v))
                c->complete = json_object_get_boolean(v);
        if (json_object_object_get_ex(m, "findings", &findings) &&
            json_object_is_type(findings, json_type_object)) {
                size_t k = (size_t) json_object_object_length(findings);
                c->findings = calloc(k ? k : 1, sizeof(ReportFinding));
                if (c->findings) {
                        json_object_object_foreach(findings, key, val) {
                                if (!json_object_is_type(val, json_type_string))
                                        continue;
                                c->findings[c->n_findings].key = strdup(key);
                                c->findings[c->n_findings].value = strdup(json_object_get_string(val));
                                if (!c->findings[c->n_findings].key || !c->findings[c->n_findings].value) {
                                        free(c->findings[c->n_findings].key);
                                        free(c->findings[c->n_findings].value);
                                        continue;
                                }
                                c->n_findings++;
                        }
                }
        }
        json_object_put(m);

        buf = mfree(buf);
        if (read_file_at(path, "history.csv", &buf, &n) >= 0)
                (void) report_history_parse_buf(buf, n, &c->history, &c->n_history, &c->history_bad);
        c->nmt = load_nmt(path, "nmt.txt");
        c->nmt_diff = load_nmt(path, "nmt-diff.txt");
        (void) read_file_at(path, "tasks.txt", &c->tasks, &n);
        (void) read_file_at(path, "pmap.txt", &c->pmap, &n);
        (void) read_file_at(path, "histogram-diff.txt", &c->histogram_diff, &n);
        (void) read_file_at(path, "anon-sample.txt", &c->anon_sample, &n);
        (void) read_file_at(path, "oom-report.txt", &c->oom_report, &n);
        if (!c->path || !c->name) {
                report_capture_free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

void report_format_bytes(uint64_t bytes, char *buf, size_t size) {
        static const char units[] = "KMGTPE";
        double v = (double) bytes;
        int u = -1;

        if (bytes == UINT64_MAX) {
                snprintf(buf, size, "?");
                return;
        }
        if (bytes < 1024) {
                snprintf(buf, size, "%" PRIu64 "B", bytes);
                return;
        }
        while (v >= 1024 && u < 5) {
                v /= 1024;
                u++;
        }
        if (v == (double) (uint64_t) v)
                snprintf(buf, size, "%.0f%c", v, units[u]);
        else
                snprintf(buf, size, "%.1f%c", v, units[u]);
}

void report_format_growth_kb(int64_t kb, char *buf, size_t size) {
        char x[32];

        if (kb == 0) {
                snprintf(buf, size, "%s", "");
                return;
        }
        report_format_bytes((kb < 0 ? (uint64_t) - (kb + 1) + 1 : (uint64_t) kb) * 1024, x, sizeof(x));
        snprintf(buf, size, "%c%s", kb < 0 ? '-' : '+', x);
}

char *report_head_lines(const char *text, size_t max_lines) {
        const char *p = text ?: "";
        size_t lines = 0;
        while (*p && lines < max_lines) {
                const char *nl = strchr(p, '\n');
                p = nl ? nl + 1 : p + strlen(p);
                lines++;
        }
        return strndup(text ?: "", (size_t) (p - (text ?: "")));
}

/* What an NMT category holds, for the reader who does not know NMT. */
static const char *nmt_category_hint(const char *name) {
        static const struct {
                const char *name, *hint;
        } hints[] = {
                { "Other", "direct ByteBuffers and Unsafe.allocateMemory" },
                { "Java Heap", "the Java heap" },
                { "Thread", "thread stacks" },
                { "Class", "class metadata" },
                { "Metaspace", "class metadata" },
                { "Code", "JIT-compiled code" },
                { "GC", "the garbage collector's own structures" },
                { "Internal", "JVM internals" },
                { "Symbol", "interned names and strings" },
                { "Arena Chunk", "the compilers' scratch memory" },
        };
        for (size_t i = 0; i < ELEMENTSOF(hints); i++)
                if (streq(name, hints[i].name))
                        return hints[i].hint;
        return NULL;
}

/* "Other +18432KB committed" → "Other (direct ...) grew 18M committed
 * since the NMT baseline"; else NULL (the raw value is shown). */
static char *nmt_growth_words(const char *v) {
        _cleanup_free_ char *name = NULL;
        const char *plus = strstr(v, " +"), *hint;
        unsigned long long kb;
        char unit[8], b[32], *s;

        if (!plus || sscanf(plus, " +%llu%7[A-Za-z]", &kb, unit) != 2 || !streq(unit, "KB"))
                return NULL;
        name = strndup(v, (size_t) (plus - v));
        if (!name)
                return NULL;
        report_format_bytes((uint64_t) kb * 1024, b, sizeof(b));
        hint = nmt_category_hint(name);
        if ((hint ? asprintf(&s, "%s (%s) grew %s (committed) since the NMT baseline", name, hint, b)
                  : asprintf(&s, "NMT category %s grew %s (committed) since the NMT baseline", name, b)) < 0)
                return NULL;
        return s;
}

static const struct {
        const char *key, *words;
} finding_words[] = {
        { "jvm_limits", "JVM limits" },
        { "nmt_top_growth", "Native memory" },
        { "nmt_diff", "Native memory growth" },
        { "nmt", "Native Memory Tracking" },
        { "nmt_detail_top", "The native call site that grew most (NMT detail)" },
        { "histogram_top_growth", "The heap class that grew most since the baseline" },
        { "perfdata", "JVM counters (hsperfdata)" },
        { "tasks_top_group", "Largest thread group" },
        { "tasks_processes", "Tasks" },
        { "pmap_top_mapping", "Largest mapping" },
        { "anon_sample_top", "Most frequent string in the memory that grew" },
        { "glibc_arenas", "glibc malloc arenas" },
};

int report_findings_lines(const ReportCapture *c, char ***ret_lines) {
        size_t n = 0, cap = c->n_findings + 4;
        char **lines = calloc(cap + 1, sizeof(char *));
        char cur[32], max[32];

        if (!lines)
                return -ENOMEM;
        report_format_bytes(c->memory_current, cur, sizeof(cur));
        report_format_bytes(c->memory_max, max, sizeof(max));
        /* the trigger first: what fired, where the memory stood */
        {
                char *s = NULL, eta[48] = "";
                if (c->eta_s >= 0)
                        snprintf(eta, sizeof(eta), ", %.1f s to the limit at that pace", c->eta_s);
                int k;
                if (c->memory_current != UINT64_MAX && c->memory_max != UINT64_MAX && c->memory_max > 0)
                        k = asprintf(&s, "%s at %s: %s; memory %s of the %s limit (%.0f%%)%s",
                                     c->reason ?: "capture", c->started_at ?: "?", c->trigger_what ?: "?",
                                     cur, max, 100.0 * (double) c->memory_current / (double) c->memory_max,
                                     eta);
                else
                        k = asprintf(&s, "%s at %s: %s; memory %s%s", c->reason ?: "capture",
                                     c->started_at ?: "?", c->trigger_what ?: "?", cur, eta);
                if (k >= 0)
                        lines[n++] = s;
        }
        for (size_t w = 0; w < ELEMENTSOF(finding_words); w++)
                for (size_t i = 0; i < c->n_findings; i++) {
                        char *s = NULL;
                        if (!streq(c->findings[i].key, finding_words[w].key))
                                continue;
                        if (streq(c->findings[i].key, "nmt_top_growth"))
                                s = nmt_growth_words(c->findings[i].value);
                        if (!s && asprintf(&s, "%s: %s", finding_words[w].words, c->findings[i].value) < 0)
                                s = NULL;
                        if (s && n < cap)
                                lines[n++] = s;
                        else
                                free(s);
                }
        /* findings this version does not know: shown as they are */
        for (size_t i = 0; i < c->n_findings; i++) {
                bool known = false;
                char *s = NULL;
                for (size_t w = 0; w < ELEMENTSOF(finding_words); w++)
                        known = known || streq(c->findings[i].key, finding_words[w].key);
                if (known)
                        continue;
                if (asprintf(&s, "%s: %s", c->findings[i].key, c->findings[i].value) >= 0 && n < cap)
                        lines[n++] = s;
                else
                        free(s);
        }
        if (!c->complete && n < cap) {
                char *s = NULL;
                if (asprintf(&s, "The capture is incomplete%s%s", c->error ? ": " : "", c->error ?: "") >= 0)
                        lines[n++] = s;
        }
        lines[n] = NULL;
        *ret_lines = lines;
        return 0;
}

const NmtReport *report_nmt_of(const ReportCapture *c) {
        return c->nmt ?: c->nmt_diff;
}

uint64_t report_nmt_committed_kb(const ReportCapture *c, const char *name) {
        const NmtReport *n = report_nmt_of(c);
        const NmtCategory *cat = n ? nmt_find(n, name) : NULL;
        return cat ? cat->committed_kb : UINT64_MAX;
}

int64_t report_nmt_growth_kb(const ReportCapture *c, const char *name) {
        const NmtCategory *cat = c->nmt_diff ? nmt_find(c->nmt_diff, name) : NULL;
        return cat ? cat->committed_delta_kb : 0;
}

size_t report_nmt_names(const Report *r, const char *ret_names[], size_t max) {
        uint64_t peak[NMT_CATEGORIES_MAX];
        size_t n = 0;

        max = MIN(max, (size_t) NMT_CATEGORIES_MAX);
        for (size_t i = 0; i < r->n_captures; i++) {
                const NmtReport *nr = report_nmt_of(r->captures[i]);
                if (!nr)
                        continue;
                for (size_t j = 0; j < nr->n_categories; j++) {
                        const NmtCategory *cat = &nr->categories[j];
                        size_t k;
                        for (k = 0; k < n; k++)
                                if (streq(ret_names[k], cat->name))
                                        break;
                        if (k == n) {
                                if (n == max)
                                        continue;
                                ret_names[n] = cat->name;
                                peak[n++] = 0;
                        }
                        peak[k] = MAX(peak[k], cat->committed_kb);
                }
        }
        /* largest first (insertion sort: at most 64) */
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && peak[j] > peak[j - 1]; j--) {
                        const char *t = ret_names[j];
                        uint64_t p = peak[j];
                        ret_names[j] = ret_names[j - 1];
                        peak[j] = peak[j - 1];
                        ret_names[j - 1] = t;
                        peak[j - 1] = p;
                }
        return n;
}

/* The newest capture that has the text chosen by get, or NULL. */
const ReportCapture *report_newest_with(const Report *r, size_t offset) {
        for (size_t i = r->n_captures; i > 0; i--)
                if (*(char *const *) ((const char *) r->captures[i - 1] + offset))
                        return r->captures[i - 1];
        return NULL;
}
