/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "watch/oom-report.h"

#define KILLED_LINE_MAX 512

/* A growing text with a budget: past it, the head is kept and the tail is
 * a ring of the newest lines. Kept simple: lines past the budget replace
 * the text after the head (a second buffer), oldest dropped first. */
typedef struct Text {
        char *buf;
        size_t len, cap;
} Text;

struct OomReportParser {
        char *cgpath;
        size_t max_bytes;
        bool in_report; /* between "invoked oom-killer" and its "Killed process" */
        bool ours; /* its oom-kill: line named our cgroup */
        char killed_prefix[48]; /* "Killed process N " to wait for, "" when none */
        Text head; /* the report being collected, up to max_bytes / 2 */
        Text tail; /* what comes after the head, the newest max_bytes / 2 */
        size_t cut_lines; /* dropped from the tail's front */
        Text best; /* the newest complete report of ours */
        char killed[KILLED_LINE_MAX];
        char best_killed[KILLED_LINE_MAX];
};

static void text_free(Text *t) {
        t->buf = mfree(t->buf);
        t->len = t->cap = 0;
}

static int text_append(Text *t, const char *s, size_t n) {
        if (t->len + n + 1 > t->cap) {
                size_t cap = MAX(t->cap * 2, t->len + n + 1);
                char *b = realloc(t->buf, MAX(cap, (size_t) 256));
                if (!b)
                        return -ENOMEM;
                t->buf = b;
                t->cap = MAX(cap, (size_t) 256);
        }
        memcpy(t->buf + t->len, s, n);
        t->len += n;
        t->buf[t->len] = 0;
        return 0;
}

/* Drop the tail's first line. */
static void text_drop_first_line(Text *t) {
        char *nl = t->len > 0 ? memchr(t->buf, '\n', t->len) : NULL;
        size_t k = nl ? (size_t) (nl - t->buf) + 1 : t->len;

        memmove(t->buf, t->buf + k, t->len - k);
        t->len -= k;
        if (t->buf)
                t->buf[t->len] = 0;
}

int oom_report_parser_new(const char *cgpath, size_t max_bytes, OomReportParser **ret) {
        OomReportParser *p;

        if (!cgpath || !cgpath[0] || max_bytes < 1024 || !ret)
                return -EINVAL;
        p = calloc(1, sizeof *p);
        if (!p)
                return -ENOMEM;
        p->cgpath = strdup(cgpath);
        if (!p->cgpath) {
                free(p);
                return -ENOMEM;
        }
        p->max_bytes = max_bytes;
        *ret = p;
        return 0;
}

OomReportParser *oom_report_parser_free(OomReportParser *p) {
        if (!p)
                return NULL;
        free(p->cgpath);
        text_free(&p->head);
        text_free(&p->tail);
        text_free(&p->best);
        free(p);
        return NULL;
}

static void report_reset(OomReportParser *p) {
        p->head.len = p->tail.len = 0;
        if (p->head.buf)
                p->head.buf[0] = 0;
        if (p->tail.buf)
                p->tail.buf[0] = 0;
        p->cut_lines = 0;
        p->in_report = p->ours = false;
        p->killed_prefix[0] = 0;
}

/* One line of the report, with its timestamp. */
static void report_add(OomReportParser *p, uint64_t ts_usec, const char *msg, size_t n) {
        char line[1200];
        int k = snprintf(line, sizeof line, "[%5" PRIu64 ".%06" PRIu64 "] %.*s\n", ts_usec / 1000000,
                         ts_usec % 1000000, (int) MIN(n, (size_t) 1100), msg);
        size_t half = p->max_bytes / 2;

        if (k <= 0)
                return;
        if (p->tail.len == 0 && p->head.len + (size_t) k <= half) {
                (void) text_append(&p->head, line, (size_t) k);
                return;
        }
        if (text_append(&p->tail, line, (size_t) k) < 0)
                return;
        while (p->tail.len > half) {
                text_drop_first_line(&p->tail);
                p->cut_lines++;
        }
}

static void report_finish(OomReportParser *p) {
        char cut[80];

        p->best.len = 0;
        (void) text_append(&p->best, "", 0);
        (void) text_append(&p->best, p->head.buf ?: "", p->head.len);
        if (p->cut_lines > 0) {
                int k = snprintf(cut, sizeof cut, "[... %zu lines cut ...]\n", p->cut_lines);
                (void) text_append(&p->best, cut, (size_t) k);
        }
        (void) text_append(&p->best, p->tail.buf ?: "", p->tail.len);
        snprintf(p->best_killed, sizeof p->best_killed, "%s", p->killed);
        report_reset(p);
}

/* Does "...,oom_memcg=PATH,..." name our cgroup exactly? */
static bool names_cgroup(const OomReportParser *p, const char *msg, size_t n) {
        static const char key[] = ",oom_memcg=";
        size_t cl = strlen(p->cgpath);
        const char *v = memmem(msg, n, key, sizeof key - 1);

        if (!v)
                return false;
        v += sizeof key - 1;
        if ((size_t) (msg + n - v) < cl || memcmp(v, p->cgpath, cl) != 0)
                return false;
        return v + cl == msg + n || v[cl] == ',';
}

void oom_report_feed(OomReportParser *p, const char *rec, size_t n) {
        const char *semi, *msg, *end, *q;
        unsigned long long ts;
        size_t mlen;
        char num[32];

        if (!p || !rec)
                return;
        semi = memchr(rec, ';', n);
        if (!semi)
                return;
        /* the header's third field: the timestamp in microseconds */
        q = memchr(rec, ',', (size_t) (semi - rec));
        q = q ? memchr(q + 1, ',', (size_t) (semi - q - 1)) : NULL;
        if (!q)
                return;
        q++;
        end = memchr(q, ',', (size_t) (semi - q));
        if (!end)
                end = semi;
        if (end - q <= 0 || (size_t) (end - q) >= sizeof num)
                return;
        memcpy(num, q, (size_t) (end - q));
        num[end - q] = 0;
        if (strspn(num, "0123456789") != strlen(num))
                return;
        ts = strtoull(num, NULL, 10);
        msg = semi + 1;
        end = memchr(msg, '\n', (size_t) (rec + n - msg));
        mlen = end ? (size_t) (end - msg) : (size_t) (rec + n - msg);

        if (memmem(msg, mlen, " invoked oom-killer: ", 21)) {
                report_reset(p);
                p->in_report = true;
                report_add(p, ts, msg, mlen);
                return;
        }
        if (!p->in_report)
                return;
        report_add(p, ts, msg, mlen);
        if (mlen >= 9 && memcmp(msg, "oom-kill:", 9) == 0) {
                const char *pid = memmem(msg, mlen, ",pid=", 5);
                p->ours = names_cgroup(p, msg, mlen);
                if (p->ours && pid)
                        snprintf(p->killed_prefix, sizeof p->killed_prefix, "Killed process %ld ",
                                 strtol(pid + 5, NULL, 10));
                else if (!p->ours)
                        report_reset(p); /* another cgroup's */
                return;
        }
        if (p->ours && p->killed_prefix[0] &&
            memmem(msg, mlen, p->killed_prefix, strlen(p->killed_prefix))) {
                snprintf(p->killed, sizeof p->killed, "%.*s", (int) MIN(mlen, (size_t) KILLED_LINE_MAX - 1),
                         msg);
                report_finish(p);
        }
}

const char *oom_report_get(const OomReportParser *p, const char **ret_killed_line) {
        if (!p || p->best.len == 0)
                return NULL;
        if (ret_killed_line)
                *ret_killed_line = p->best_killed;
        return p->best.buf;
}
