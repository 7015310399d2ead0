/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The class histogram and its growth since a baseline; see histogram.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/parse-util.h"
#include "base/units.h"
#include "capture/histogram.h"

static void skip_blanks(const char *s, size_t len, size_t *i) {
        while (*i < len && (is_blank(s[*i]) || s[*i] == '\r'))
                (*i)++;
}

/* A decimal number at s[*i], then at least one blank (or the end when
 * last). */
static bool take_u64(const char *s, size_t len, size_t *i, uint64_t *ret) {
        size_t k;

        skip_blanks(s, len, i);
        if (scan_u64(s + *i, len - *i, &k, ret) < 0 || k == 0)
                return false;
        *i += k;
        return *i == len || is_blank(s[*i]) || s[*i] == '\r';
}

static int cmp_name(const void *a, const void *b) {
        return strcmp(((const HistogramEntry *) a)->name, ((const HistogramEntry *) b)->name);
}

int histogram_parse(const char *buf, size_t n, Histogram *ret) {
        Histogram h = {};
        const char *line;
        size_t pos = 0, len, cap = 0;
        bool have_total = false;
        char *o;

        /* the names live in a copy, each NUL-terminated */
        h.text = malloc(n + 1);
        if (!h.text)
                return -ENOMEM;
        o = h.text;
        while (next_line(buf, n, &pos, &line, &len)) {
                size_t i = 0, name_start, name_len;
                uint64_t num, inst, bytes;

                skip_blanks(line, len, &i);
                if (len - i >= 5 && memcmp(line + i, "Total", 5) == 0) {
                        i += 5;
                        if (take_u64(line, len, &i, &inst) && take_u64(line, len, &i, &bytes)) {
                                h.total_instances = inst;
                                h.total_bytes = bytes;
                                have_total = true;
                        }
                        continue;
                }
                if (scan_u64(line + i, len - i, &name_len, &num) < 0 || name_len == 0)
                        continue;
                i += name_len;
                if (i >= len || line[i] != ':')
                        continue;
                i++;
                if (!take_u64(line, len, &i, &inst) || !take_u64(line, len, &i, &bytes))
                        continue;
                skip_blanks(line, len, &i);
                name_start = i;
                while (i < len && !is_blank(line[i]) && line[i] != '\r' && line[i] != 0)
                        i++;
                name_len = i - name_start;
                if (name_len == 0)
                        continue;
                if (h.n == cap) {
                        size_t nc = cap ? cap * 2 : 256;
                        HistogramEntry *t = reallocarray(h.entries, nc, sizeof *t);
                        if (!t) {
                                histogram_done(&h);
                                return -ENOMEM;
                        }
                        h.entries = t;
                        cap = nc;
                }
                memcpy(o, line + name_start, name_len);
                o[name_len] = 0;
                h.entries[h.n++] = (HistogramEntry){ .name = o, .instances = inst, .bytes = bytes };
                o += name_len + 1;
        }
        if (h.n == 0) {
                histogram_done(&h);
                return -EBADMSG;
        }
        qsort(h.entries, h.n, sizeof *h.entries, cmp_name);
        /* one name twice (the same class in two loaders): one entry */
        {
                size_t w = 0;
                for (size_t r = 0; r < h.n; r++) {
                        if (w > 0 && streq(h.entries[w - 1].name, h.entries[r].name)) {
                                h.entries[w - 1].instances += h.entries[r].instances;
                                h.entries[w - 1].bytes += h.entries[r].bytes;
                                continue;
                        }
                        h.entries[w++] = h.entries[r];
                }
                h.n = w;
        }
        if (!have_total)
                for (size_t k = 0; k < h.n; k++) {
                        h.total_instances += h.entries[k].instances;
                        h.total_bytes += h.entries[k].bytes;
                }
        *ret = h;
        return 0;
}

void histogram_done(Histogram *h) {
        free(h->entries);
        free(h->text);
        *h = (Histogram){};
}

typedef struct Delta {
        const char *name;
        uint64_t bytes, instances; /* now */
        int64_t d_bytes, d_instances;
} Delta;

static int64_t sub(uint64_t a, uint64_t b) {
        uint64_t d = a >= b ? a - b : b - a;
        int64_t v = d > (uint64_t) INT64_MAX ? INT64_MAX : (int64_t) d;
        return a >= b ? v : -v;
}

static int by_bytes(const void *a, const void *b) {
        const Delta *x = a, *y = b;
        if (x->d_bytes != y->d_bytes)
                return x->d_bytes > y->d_bytes ? -1 : 1;
        return strcmp(x->name, y->name);
}

static int by_instances(const void *a, const void *b) {
        const Delta *x = a, *y = b;
        if (x->d_instances != y->d_instances)
                return x->d_instances > y->d_instances ? -1 : 1;
        return strcmp(x->name, y->name);
}

static const char *signed_size(char buf[static UNIT_SIZE_MAX + 1], int64_t v) {
        char t[UNIT_SIZE_MAX];
        (void) unit_format_size(t, v < 0 ? (uint64_t) - (v + 1) + 1 : (uint64_t) v);
        snprintf(buf, UNIT_SIZE_MAX + 1, "%c%s", v < 0 ? '-' : '+', t);
        return buf;
}

static void write_table(FILE *f, const char *title, const Delta *d, size_t n, size_t top, bool instances) {
        char a[UNIT_SIZE_MAX + 1], b[UNIT_SIZE_MAX];
        size_t shown = 0;

        fprintf(f, "\n%s\n%12s %14s %12s %14s  %s\n", title, "+bytes", "+instances", "bytes", "instances",
                "class");
        for (size_t i = 0; i < n && shown < top; i++) {
                if ((instances ? d[i].d_instances : d[i].d_bytes) <= 0)
                        break;
                fprintf(f, "%12s %+14" PRId64 " %12s %14" PRIu64 "  %s\n", signed_size(a, d[i].d_bytes),
                        d[i].d_instances, unit_format_size(b, d[i].bytes), d[i].instances, d[i].name);
                shown++;
        }
        if (shown == 0)
                fputs("  (none grew)\n", f);
}

int histogram_diff_write(const Histogram *base, const Histogram *cur, size_t top, FILE *f,
                         HistogramGrowth *ret_top) {
        _cleanup_free_ Delta *d = NULL;
        char a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX], c[UNIT_SIZE_MAX + 1];
        size_t n = 0, j = 0, gone = 0;

        *ret_top = (HistogramGrowth){ .name = "" };
        d = calloc(MAX(cur->n, (size_t) 1), sizeof *d);
        if (!d)
                return -ENOMEM;
        /* both sorted by name: a merge */
        for (size_t i = 0; i < cur->n; i++) {
                const HistogramEntry *e = &cur->entries[i];
                int k = 1;
                while (j < base->n && (k = strcmp(base->entries[j].name, e->name)) < 0) {
                        j++;
                        gone++;
                }
                d[n] = (Delta){ .name = e->name, .bytes = e->bytes, .instances = e->instances };
                if (j < base->n && k == 0) {
                        d[n].d_bytes = sub(e->bytes, base->entries[j].bytes);
                        d[n].d_instances = sub(e->instances, base->entries[j].instances);
                        j++;
                } else {
                        d[n].d_bytes = sub(e->bytes, 0);
                        d[n].d_instances = sub(e->instances, 0);
                }
                n++;
        }
        gone += base->n - j;
        fprintf(f, "Live objects: %s -> %s (%s), %" PRIu64 " -> %" PRIu64 " instances (%+" PRId64 ")\n",
                unit_format_size(a, base->total_bytes), unit_format_size(b, cur->total_bytes),
                signed_size(c, sub(cur->total_bytes, base->total_bytes)), base->total_instances,
                cur->total_instances, sub(cur->total_instances, base->total_instances));
        fprintf(f, "Classes: %zu at the baseline, %zu now, %zu no longer present\n", base->n, cur->n, gone);
        qsort(d, n, sizeof *d, by_bytes);
        if (n > 0 && d[0].d_bytes > 0)
                *ret_top = (HistogramGrowth){ .name = d[0].name,
                                              .bytes = d[0].d_bytes,
                                              .instances = d[0].d_instances };
        write_table(f, "Top growth by bytes:", d, n, top, false);
        qsort(d, n, sizeof *d, by_instances);
        write_table(f, "Top growth by instances:", d, n, top, true);
        return ferror(f) ? -EIO : 0;
}

/* "N" then "K", "M" or "G" (or "B"/none: bytes) -> KB */
static bool take_size_kb(const char *s, size_t len, size_t *i, uint64_t *ret) {
        uint64_t v, mul = 0;
        size_t k;

        if (scan_u64(s + *i, len - *i, &k, &v) < 0 || k == 0)
                return false;
        *i += k;
        if (*i < len && s[*i] == '%')
                return false;
        if (*i < len && (s[*i] == 'K' || s[*i] == 'k'))
                mul = 1;
        else if (*i < len && s[*i] == 'M')
                mul = 1024;
        else if (*i < len && s[*i] == 'G')
                mul = 1024 * 1024;
        if (mul) {
                (*i)++;
                if (*i < len && s[*i] == 'B')
                        (*i)++;
                if (__builtin_mul_overflow(v, mul, ret))
                        return false;
        } else
                *ret = v / 1024;
        return true;
}

static bool mem_has(const char *s, size_t len, const char *what) {
        size_t k = strlen(what);
        for (size_t i = 0; i + k <= len; i++)
                if (memcmp(s + i, what, k) == 0)
                        return true;
        return false;
}

int heap_info_used_kb(const char *buf, size_t n, uint64_t *ret) {
        const char *line;
        size_t pos = 0, len;
        uint64_t sum = 0;
        bool found = false;

        while (next_line(buf, n, &pos, &line, &len)) {
                if (mem_has(line, len, "Metaspace") || mem_has(line, len, "class space"))
                        continue;
                for (size_t i = 0; i + 4 <= len; i++) {
                        uint64_t v;
                        size_t k;

                        if (memcmp(line + i, "used", 4) != 0 || (i > 0 && !is_blank(line[i - 1])) ||
                            (i + 4 < len && !is_blank(line[i + 4])))
                                continue;
                        /* "used 1971K" */
                        k = i + 4;
                        skip_blanks(line, len, &k);
                        if (take_size_kb(line, len, &k, &v)) {
                                if (__builtin_add_overflow(sum, v, &sum))
                                        return -ERANGE;
                                found = true;
                                continue;
                        }
                        /* "7016K used": the word before */
                        k = i;
                        while (k > 0 && is_blank(line[k - 1]))
                                k--;
                        {
                                size_t e = k;
                                while (k > 0 && !is_blank(line[k - 1]) && line[k - 1] != ',')
                                        k--;
                                if (k < e && take_size_kb(line, e, &k, &v) && k == e) {
                                        if (__builtin_add_overflow(sum, v, &sum))
                                                return -ERANGE;
                                        found = true;
                                }
                        }
                }
        }
        if (!found)
                return -EBADMSG;
        *ret = sum;
        return 0;
}
