/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Anonymous memory: mappings, samples' strings, malloc arenas; see
 * memsample.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/parse-util.h"
#include "base/top-n.h"
#include "capture/memsample.h"

static int hexval(char c) {
        return unhexchar(c);
}

static bool take_hex(const char *s, size_t len, size_t *i, uint64_t *ret) {
        uint64_t v = 0;
        size_t k = *i;
        int d;

        while (k < len && (d = hexval(s[k])) >= 0) {
                if (v >> 60)
                        return false;
                v = v << 4 | (uint64_t) d;
                k++;
        }
        if (k == *i)
                return false;
        *i = k;
        *ret = v;
        return true;
}

static void skip_field(const char *s, size_t len, size_t *i) {
        while (*i < len && !is_blank(s[*i]))
                (*i)++;
        while (*i < len && is_blank(s[*i]))
                (*i)++;
}

/* A maps header: "start-end perms offset dev inode [path]". */
typedef struct Header {
        uint64_t start, end;
        char perms[4];
        bool anon_rw; /* anonymous, private, writable */
} Header;

static bool parse_header(const char *s, size_t len, Header *h) {
        size_t i = 0, path;
        uint64_t inode;

        if (!take_hex(s, len, &i, &h->start) || i >= len || s[i] != '-')
                return false;
        i++;
        if (!take_hex(s, len, &i, &h->end) || h->end < h->start || i >= len || s[i] != ' ')
                return false;
        i++;
        if (len - i < 5 || s[i + 4] != ' ')
                return false;
        memcpy(h->perms, s + i, 4);
        skip_field(s, len, &i); /* perms */
        skip_field(s, len, &i); /* offset */
        skip_field(s, len, &i); /* dev */
        {
                size_t k;
                if (scan_u64(s + i, len - i, &k, &inode) < 0 || k == 0)
                        return false;
                i += k;
        }
        while (i < len && is_blank(s[i]))
                i++;
        path = i;
        h->anon_rw = inode == 0 && h->perms[0] == 'r' && h->perms[1] == 'w' && h->perms[3] == 'p' &&
                     (path == len || (len - path >= 6 && memcmp(s + path, "[heap]", 6) == 0) ||
                      (len - path >= 6 && memcmp(s + path, "[anon:", 6) == 0));
        return true;
}

int memsample_anon_ranges(const char *text, size_t n, MapRange **ret, size_t *ret_n) {
        _cleanup_free_ MapRange *r = NULL;
        size_t pos = 0, len, k = 0, cap = 0;
        const char *line;

        while (next_line(text, n, &pos, &line, &len)) {
                Header h;
                if (!parse_header(line, len, &h) || !h.anon_rw)
                        continue;
                if (k == cap) {
                        size_t nc = cap ? cap * 2 : 64;
                        MapRange *t = reallocarray(r, nc, sizeof *t);
                        if (!t)
                                return -ENOMEM;
                        r = t;
                        cap = nc;
                }
                r[k++] = (MapRange){ h.start, h.end };
        }
        *ret = TAKE_PTR(r);
        *ret_n = k;
        return 0;
}

static bool grew(const MapRange *base, size_t n_base, const Header *h, bool *is_new) {
        *is_new = true;
        if (n_base == 0)
                return true;
        for (size_t i = 0; i < n_base; i++)
                if (base[i].start == h->start) {
                        *is_new = false;
                        return h->end > base[i].end;
                }
        return true;
}

static bool more_anon(const void *a, const void *b) {
        return ((const MapPick *) a)->anon_kb > ((const MapPick *) b)->anon_kb;
}

int memsample_pick(const char *smaps, size_t n, const MapRange *base, size_t n_base, MapPick *ret,
                   size_t max, size_t *ret_n) {
        size_t pos = 0, len, k = 0;
        const char *line;
        MapPick cur = {};
        bool in = false;

        *ret_n = 0;
        if (max == 0)
                return 0;
        for (bool more = true; more;) {
                Header h;
                more = next_line(smaps, n, &pos, &line, &len);
                if (more && !parse_header(line, len, &h)) {
                        if (in && len > 10 && memcmp(line, "Anonymous:", 10) == 0) {
                                size_t i = 10, d;
                                uint64_t v;
                                while (i < len && is_blank(line[i]))
                                        i++;
                                if (scan_u64(line + i, len - i, &d, &v) >= 0 && d > 0)
                                        cur.anon_kb = v;
                        }
                        continue;
                }
                /* a header, or the end: the mapping before is complete */
                if (in && cur.anon_kb > 0)
                        k = top_n_insert(ret, k, max, sizeof *ret, &cur, more_anon);
                in = false;
                if (more && h.anon_rw) {
                        bool is_new;
                        if (grew(base, n_base, &h, &is_new)) {
                                cur = (MapPick){ .start = h.start, .end = h.end, .is_new = is_new };
                                in = true;
                        }
                }
        }
        *ret_n = k;
        return 0;
}

typedef struct PmapLine {
        uint64_t start, kb;
        bool rw, none;
} PmapLine;

static int cmp_pmap(const void *a, const void *b) {
        const PmapLine *x = a, *y = b;
        return x->start < y->start ? -1 : x->start > y->start;
}

size_t memsample_arenas(const char *pmap, size_t n) {
        _cleanup_free_ PmapLine *v = NULL;
        size_t pos = 0, len, k = 0, cap = 0, count = 0;
        const char *line;

        while (next_line(pmap, n, &pos, &line, &len)) {
                /* "%016x KB RSS DIRTY MODE [ anon ]" */
                size_t i = 0, d;
                uint64_t start, kb;
                const char *mode;

                if (!take_hex(line, len, &i, &start) || i != 16)
                        continue;
                while (i < len && is_blank(line[i]))
                        i++;
                if (scan_u64(line + i, len - i, &d, &kb) < 0 || d == 0)
                        continue;
                i += d;
                for (int f = 0; f < 2; f++) { /* RSS, Dirty */
                        while (i < len && is_blank(line[i]))
                                i++;
                        while (i < len && is_digit(line[i]))
                                i++;
                }
                while (i < len && is_blank(line[i]))
                        i++;
                if (len - i < 6 + 8)
                        continue;
                mode = line + i;
                if (memcmp(line + i + 6, "[ anon ]", 8) != 0 || len - i != 14)
                        continue;
                if (k == cap) {
                        size_t nc = cap ? cap * 2 : 256;
                        PmapLine *t = reallocarray(v, nc, sizeof *t);
                        if (!t)
                                return 0;
                        v = t;
                        cap = nc;
                }
                v[k++] = (PmapLine){ .start = start,
                                     .kb = kb,
                                     .rw = mode[0] == 'r' && mode[1] == 'w',
                                     .none = memcmp(mode, "-----", 5) == 0 };
        }
        if (k == 0)
                return 0;
        qsort(v, k, sizeof *v, cmp_pmap);
        for (size_t i = 0; i + 1 < k; i++) {
                uint64_t end = v[i].start + (v[i].kb << 10);
                if (!v[i].rw || v[i].start % MEMSAMPLE_ARENA_SIZE != 0 || !v[i + 1].none ||
                    v[i + 1].start != end)
                        continue;
                if (end + (v[i + 1].kb << 10) - v[i].start == MEMSAMPLE_ARENA_SIZE)
                        count++;
        }
        return count;
}

int string_table_init(StringTable *t) {
        *t = (StringTable){};
        t->slots = calloc(2 * MEMSAMPLE_STRINGS_MAX, sizeof *t->slots);
        return t->slots ? 0 : -ENOMEM;
}

void string_table_done(StringTable *t) {
        free(t->slots);
        *t = (StringTable){};
}

static void count_run(StringTable *t, const uint8_t *s, size_t len) {
        size_t cap = 2 * MEMSAMPLE_STRINGS_MAX, i;
        uint32_t h = 2166136261u;

        len = MIN(len, (size_t) MEMSAMPLE_STRING_MAX);
        for (size_t k = 0; k < len; k++)
                h = (h ^ s[k]) * 16777619u;
        t->runs++;
        for (i = h % cap;; i = (i + 1) % cap) {
                StringCount *c = &t->slots[i];
                if (c->count == 0)
                        break;
                if (c->hash == h && strlen(c->s) == len && memcmp(c->s, s, len) == 0) {
                        c->count++;
                        return;
                }
        }
        if (t->n >= MEMSAMPLE_STRINGS_MAX) {
                t->dropped++;
                return;
        }
        memcpy(t->slots[i].s, s, len);
        t->slots[i].s[len] = 0;
        t->slots[i].hash = h;
        t->slots[i].count = 1;
        t->n++;
}

void string_table_scan(StringTable *t, const uint8_t *buf, size_t n) {
        size_t run = 0;

        for (size_t i = 0; i <= n; i++) {
                if (i < n && buf[i] >= 0x20 && buf[i] < 0x7f) {
                        run++;
                        continue;
                }
                /* a run that touches the end of buf may go on beyond it */
                if (run >= MEMSAMPLE_STRING_MIN && i < n && i - run > 0)
                        count_run(t, buf + i - run, run);
                run = 0;
        }
}

static int cmp_count(const void *a, const void *b) {
        const StringCount *x = a, *y = b;
        if (x->count != y->count)
                return x->count > y->count ? -1 : 1;
        return strcmp(x->s, y->s);
}

int string_table_sorted(const StringTable *t, StringCount **ret, size_t *ret_n) {
        StringCount *v = calloc(MAX(t->n, (size_t) 1), sizeof *v);
        size_t k = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; t->slots && i < 2 * MEMSAMPLE_STRINGS_MAX; i++)
                if (t->slots[i].count > 0)
                        v[k++] = t->slots[i];
        qsort(v, k, sizeof *v, cmp_count);
        *ret = v;
        *ret_n = k;
        return 0;
}
