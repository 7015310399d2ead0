/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HotSpot NMT summary and summary.diff reports; see nmt.h. The
 * formats are those of HotSpot's memReporter.cpp (JDK 17 and 25), seen
 * in the fixtures of tests/fixtures/capture. */

#include "capture/nmt.h"
#include "base/parse-util.h"
#include "base/top-n.h"

/* A blank, or the '\r' of a CRLF report (its lines are trimmed). */
static bool is_blank_or_cr(char c) {
        return is_blank(c) || c == '\r';
}

static void trim(const char **s, size_t *len) {
        while (*len > 0 && is_blank_or_cr((*s)[0])) {
                (*s)++;
                (*len)--;
        }
        while (*len > 0 && is_blank_or_cr((*s)[*len - 1]))
                (*len)--;
}

static bool mem_eq(const char *s, size_t len, const char *want) {
        return strlen(want) == len && memcmp(s, want, len) == 0;
}

static bool mem_starts(const char *s, size_t len, const char *prefix) {
        size_t k = strlen(prefix);
        return len >= k && memcmp(s, prefix, k) == 0;
}

/* "1526517KB" (digits, then "", "KB", "MB" or "GB") -> KB. */
static int parse_amount(const char *s, size_t len, uint64_t *ret_kb) {
        static const struct {
                const char *unit;
                uint64_t mul; /* 0: divide by 1024 */
        } units[] = {
                { "KB", 1 },
                { "MB", 1024 },
                { "GB", UINT64_C(1024) * 1024 },
                { "", 0 },
        };
        uint64_t v;
        size_t i;
        int r;

        r = scan_u64(s, len, &i, &v);
        if (r < 0)
                return r;
        if (i == 0)
                return -EBADMSG;
        for (size_t u = 0; u < ELEMENTSOF(units); u++) {
                if (!mem_eq(s + i, len - i, units[u].unit))
                        continue;
                if (units[u].mul == 0)
                        *ret_kb = v / 1024;
                else if (__builtin_mul_overflow(v, units[u].mul, ret_kb))
                        return -ERANGE;
                return 0;
        }
        return -EBADMSG;
}

/* "65536KB", optionally followed by blanks and a delta "+65536KB" or
 * "-4KB". */
static int parse_value(const char *s, size_t len, uint64_t *ret_kb, int64_t *ret_delta_kb,
                       bool *ret_has_delta) {
        uint64_t kb, delta = 0;
        size_t i = 0;
        bool negative = false, has_delta = false;
        int r;

        while (i < len && !is_blank_or_cr(s[i]))
                i++;
        r = parse_amount(s, i, &kb);
        if (r < 0)
                return r;
        while (i < len && is_blank_or_cr(s[i]))
                i++;
        if (i < len) {
                if (s[i] != '+' && s[i] != '-')
                        return -EBADMSG;
                negative = s[i] == '-';
                r = parse_amount(s + i + 1, len - i - 1, &delta);
                if (r < 0)
                        return r;
                if (delta > INT64_MAX)
                        return -ERANGE;
                has_delta = true;
        }
        *ret_kb = kb;
        *ret_delta_kb = negative ? -(int64_t) delta : (int64_t) delta;
        *ret_has_delta = has_delta;
        return 0;
}

/* "reserved=...KB [+-...KB], committed=...KB [+-...KB][, other=...]":
 * reserved and committed required, other items skipped. */
static int parse_items(const char *s, size_t len, NmtCategory *c, bool *saw_delta) {
        bool have_reserved = false, have_committed = false;
        size_t pos = 0;

        while (pos <= len) {
                const char *item = s + pos, *comma = memchr(item, ',', len - pos);
                size_t item_len = comma ? (size_t) (comma - item) : len - pos;
                const char *eq;
                uint64_t *kb;
                int64_t *delta;
                bool *have, has_delta;
                int r;

                pos += item_len + 1;
                trim(&item, &item_len);
                eq = memchr(item, '=', item_len);
                if (!eq)
                        continue;
                if (mem_eq(item, (size_t) (eq - item), "reserved")) {
                        kb = &c->reserved_kb;
                        delta = &c->reserved_delta_kb;
                        have = &have_reserved;
                } else if (mem_eq(item, (size_t) (eq - item), "committed")) {
                        kb = &c->committed_kb;
                        delta = &c->committed_delta_kb;
                        have = &have_committed;
                } else
                        continue;
                if (*have)
                        continue;
                r = parse_value(eq + 1, item_len - (size_t) (eq + 1 - item), kb, delta, &has_delta);
                if (r < 0)
                        return r;
                *have = true;
                *saw_delta = *saw_delta || has_delta;
        }
        return have_reserved && have_committed ? 0 : -EBADMSG;
}

static void set_name(NmtCategory *c, const char *name, size_t len) {
        len = MIN(len, sizeof(c->name) - 1);
        memcpy(c->name, name, len);
        c->name[len] = '\0';
}

/* "-                 Java Heap (reserved=65536KB, committed=65536KB)" */
static int parse_category(const char *line, size_t len, NmtReport *rep) {
        static const char open[] = "(reserved=";
        NmtCategory c = {};
        const char *p = memmem(line, len, open, strlen(open)), *name = line + 1;
        size_t name_len = (size_t) (p - name);
        int r;

        trim(&name, &name_len);
        if (name_len == 0 || line[len - 1] != ')')
                return -EBADMSG;
        /* HotSpot's names are plain text: no NUL, no control character */
        for (size_t i = 0; i < name_len; i++)
                if ((unsigned char) name[i] < 0x20 || name[i] == 0x7f)
                        return -EBADMSG;
        r = parse_items(p + 1, (size_t) (line + len - 1 - (p + 1)), &c, &rep->is_diff);
        if (r < 0)
                return r;
        set_name(&c, name, name_len);
        for (size_t i = 0; i < rep->n_categories; i++)
                if (streq(rep->categories[i].name, c.name))
                        return 0;
        if (rep->n_categories >= NMT_CATEGORIES_MAX)
                return -E2BIG;
        rep->categories[rep->n_categories++] = c;
        return 0;
}

int nmt_parse(const char *buf, size_t n, NmtReport *ret) {
        static const struct {
                const char *text;
                size_t offset;
        } answers[] = {
                { "Native memory tracking is not enabled", offsetof(NmtReport, not_enabled) },
                { "No baseline for comparison", offsetof(NmtReport, no_baseline) },
                { "No detail baseline for comparison", offsetof(NmtReport, no_baseline) },
                { "Baseline taken", offsetof(NmtReport, baseline_taken) },
                { "Detail tracking is not enabled", offsetof(NmtReport, detail_not_enabled) },
        };
        NmtReport rep = {};
        bool answered = false;
        const char *line;
        size_t len, pos = 0;
        int r;

        if (!buf && n > 0)
                return -EINVAL;

        while (next_line(buf, n, &pos, &line, &len)) {
                const char *t = line;
                size_t t_len = len;

                /* trailing blanks only: the category's '-' is at the start */
                while (len > 0 && is_blank_or_cr(line[len - 1]))
                        len--;
                if (len == 0)
                        continue;

                if (mem_starts(line, len, "Total:")) {
                        NmtCategory c = {};

                        if (rep.have_total)
                                continue;
                        r = parse_items(line + 6, len - 6, &c, &rep.is_diff);
                        if (r < 0)
                                return r;
                        set_name(&c, "Total", 5);
                        rep.total = c;
                        rep.have_total = true;
                        continue;
                }
                if (line[0] == '-' && memmem(line, len, "(reserved=", 10)) {
                        r = parse_category(line, len, &rep);
                        if (r < 0)
                                return r;
                        continue;
                }

                trim(&t, &t_len);
                for (size_t i = 0; i < ELEMENTSOF(answers); i++)
                        if (mem_eq(t, t_len, answers[i].text)) {
                                *(bool *) ((char *) &rep + answers[i].offset) = true;
                                answered = true;
                        }
        }

        if (!answered && !rep.have_total && rep.n_categories == 0)
                return -EBADMSG;
        *ret = rep;
        return 0;
}

const NmtCategory *nmt_top_growth(const NmtReport *r) {
        const NmtCategory *best = NULL;

        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_categories && i < NMT_CATEGORIES_MAX; i++) {
                const NmtCategory *c = &r->categories[i];

                if (c->committed_delta_kb > 0 && (!best || c->committed_delta_kb > best->committed_delta_kb))
                        best = c;
        }
        return best;
}

const NmtCategory *nmt_find(const NmtReport *r, const char *name) {
        if (!r || !name)
                return NULL;
        for (size_t i = 0; i < r->n_categories && i < NMT_CATEGORIES_MAX; i++)
                if (streq(r->categories[i].name, name))
                        return &r->categories[i];
        return NULL;
}

/* "[0x...]" then optional blanks and a symbol. */
static bool site_frame(const char *s, size_t len, char *out, size_t size) {
        size_t i = 3;

        if (len < 4 || memcmp(s, "[0x", 3) != 0)
                return false;
        while (i < len && unhexchar(s[i]) >= 0)
                i++;
        if (i == 3 || i >= len || s[i] != ']')
                return false;
        i++;
        while (i < len && is_blank_or_cr(s[i]))
                i++;
        if (i == len)
                snprintf(out, size, "%.*s (Java or generated code)", (int) MIN(len, (size_t) 20), s);
        else
                snprintf(out, size, "%.*s", (int) MIN(len - i, size - 1), s + i);
        return true;
}

/* The signed "+N[KB]" / "-N[KB]" at s[*i] (after blanks), in KB. */
static bool site_delta(const char *s, size_t len, size_t *i, int64_t *ret) {
        uint64_t v;
        size_t k = *i, d;
        bool neg;

        while (k < len && is_blank(s[k]))
                k++;
        if (k >= len || (s[k] != '+' && s[k] != '-'))
                return false;
        neg = s[k] == '-';
        k++;
        if (scan_u64(s + k, len - k, &d, &v) < 0 || d == 0 || v > INT64_MAX)
                return false;
        *i = k + d;
        *ret = neg ? -(int64_t) v : (int64_t) v;
        return true;
}

/* "(malloc=NKB type=T +NKB #n +n)" or "(mmap: reserved=NKB +N, committed=NKB +N ...)" */
static bool site_amount(const char *s, size_t len, NmtSite *site) {
        size_t i = 0, d;
        const char *p;

        while (i < len && is_blank_or_cr(s[i]))
                i++;
        if (mem_starts(s + i, len - i, "(malloc=")) {
                i += 8;
                if (scan_u64(s + i, len - i, &d, &site->now_kb) < 0 || d == 0)
                        return false;
                i += d;
                if (mem_starts(s + i, len - i, "KB"))
                        i += 2;
                p = memmem(s + i, len - i, "type=", 5);
                if (p) {
                        size_t t = (size_t) (p - s) + 5, e = t;
                        /* the name runs to the delta or '#' or ')' */
                        while (e < len && s[e] != '#' && s[e] != ')' &&
                               !(s[e] == ' ' && e + 1 < len && (s[e + 1] == '+' || s[e + 1] == '-')))
                                e++;
                        snprintf(site->type, sizeof site->type, "%.*s",
                                 (int) MIN(e - t, sizeof site->type - 1), s + t);
                        i = e;
                }
                site->mmap = false;
                if (!site_delta(s, len, &i, &site->delta_kb))
                        site->delta_kb = 0;
                return true;
        }
        if (mem_starts(s + i, len - i, "(mmap:")) {
                p = memmem(s + i, len - i, "committed=", 10);
                if (!p)
                        return false;
                i = (size_t) (p - s) + 10;
                if (scan_u64(s + i, len - i, &d, &site->now_kb) < 0 || d == 0)
                        return false;
                i += d;
                if (mem_starts(s + i, len - i, "KB"))
                        i += 2;
                site->mmap = true;
                if (!site_delta(s, len, &i, &site->delta_kb))
                        site->delta_kb = 0;
                p = memmem(s, len, "type=", 5);
                if (p) {
                        size_t t = (size_t) (p - s) + 5, e = t;
                        while (e < len && s[e] != ')' && s[e] != ',')
                                e++;
                        snprintf(site->type, sizeof site->type, "%.*s",
                                 (int) MIN(e - t, sizeof site->type - 1), s + t);
                }
                return true;
        }
        return false;
}

static bool grew_more(const void *a, const void *b) {
        return ((const NmtSite *) a)->delta_kb > ((const NmtSite *) b)->delta_kb;
}

int nmt_detail_sites(const char *buf, size_t n, NmtSite *ret, size_t max, size_t *ret_n) {
        size_t pos = 0, len, k = 0;
        const char *line;
        NmtSite cur = {};

        *ret_n = 0;
        while (next_line(buf, n, &pos, &line, &len)) {
                char f[NMT_FRAME_MAX];

                if (site_frame(line, len, f, sizeof f)) {
                        if (cur.n_frames < NMT_SITE_FRAMES)
                                memcpy(cur.frames[cur.n_frames], f, sizeof f);
                        cur.n_frames++;
                        continue;
                }
                if (cur.n_frames > 0 && site_amount(line, len, &cur) && cur.delta_kb > 0 && max > 0) {
                        cur.n_frames = MIN(cur.n_frames, (size_t) NMT_SITE_FRAMES);
                        k = top_n_insert(ret, k, max, sizeof *ret, &cur, grew_more);
                }
                cur = (NmtSite){};
        }
        *ret_n = k;
        return 0;
}
