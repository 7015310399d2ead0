/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* procsnap.h on the same input: procsnap_pmap_format() on it as smaps,
 * and procsnap_tasks_group() on its lines as thread names. Beyond "no
 * crash" and "no read past n" (the input is an exactly sized buffer under
 * ASan), checks what callers rely on: the documented error codes, nothing
 * written and the totals untouched on failure, a table of one row per
 * mapping whose rows are sorted by RSS and add up to the totals, the same
 * answer when bytes follow the buffer; groups that count every name once,
 * sorted, with patterns free of digits. */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/procsnap.h"
#include "fuzz-check.h"

/* Would change the answer if the parser read past n. */
static const char tail[] = " kB\nRss: 1 kB\n1000-2000 rw-p 00000000 00:00 0 [tail]\nRss: 4 kB\n";

/* Check the table against the totals: rows by RSS, largest first, sums
 * equal. */
static void check_table(const char *text, size_t len, const ProcPmapTotals *t) {
        uint64_t rows = 0, rss_sum = 0, size_sum = 0, dirty_sum = 0, last_rss = UINT64_MAX;
        bool header = false, total = false;
        size_t pos = 0;

        while (pos < len) {
                const char *nl = memchr(text + pos, '\n', len - pos);
                size_t l;
                char line[256];

                CHECK(nl); /* every line ends with a newline */
                l = (size_t) (nl - (text + pos));
                if (!header) {
                        CHECK(l >= 7 && memcmp(text + pos, "Address", 7) == 0);
                        header = true;
                } else if (l > 0 && text[pos] == '-') {
                        CHECK(rows == t->mappings);
                } else if (l >= 8 && memcmp(text + pos, "total kB", 8) == 0) {
                        uint64_t s, r, d;

                        memcpy(line, text + pos, MIN(l, sizeof(line) - 1));
                        line[MIN(l, sizeof(line) - 1)] = '\0';
                        CHECK(sscanf(line, "total kB %" SCNu64 " %" SCNu64 " %" SCNu64, &s, &r, &d) == 3);
                        CHECK(s == t->size_kb && r == t->rss_kb && d == t->dirty_kb);
                        total = true;
                } else {
                        uint64_t addr, s, r, d;

                        CHECK(!total);
                        memcpy(line, text + pos, MIN(l, sizeof(line) - 1));
                        line[MIN(l, sizeof(line) - 1)] = '\0';
                        CHECK(sscanf(line, "%16" SCNx64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &addr, &s, &r,
                                     &d) == 4);
                        CHECK(r <= last_rss);
                        last_rss = r;
                        rows++;
                        size_sum += s;
                        rss_sum += r;
                        dirty_sum += d;
                }
                pos += l + 1;
        }
        CHECK(header && total);
        CHECK(rows == t->mappings);
        CHECK(size_sum == t->size_kb && rss_sum == t->rss_kb && dirty_sum == t->dirty_kb);
}

static void fuzz_pmap(const char *buf, const char *big, size_t n) {
        ProcPmapTotals t, u, before;
        char *text = NULL, *text2 = NULL;
        size_t len = 0, len2 = 0;
        FILE *f, *g;
        int r, q;

        memset(&t, 0xa5, sizeof(t));
        before = t;
        f = open_memstream(&text, &len);
        CHECK(f);
        r = procsnap_pmap_format(buf, n, f, &t);
        CHECK(fclose(f) == 0);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -ERANGE || r == -E2BIG);
                CHECK(len == 0);
                CHECK(memcmp(&t, &before, sizeof(t)) == 0);
        } else {
                CHECK(r == 0);
                CHECK(t.mappings >= 1);
                check_table(text, len, &t);
        }

        g = open_memstream(&text2, &len2);
        CHECK(g);
        q = procsnap_pmap_format(big, n, g, &u);
        CHECK(fclose(g) == 0);
        CHECK(q == r);
        if (r == 0)
                CHECK(len == len2 && memcmp(text, text2, len) == 0 && memcmp(&t, &u, sizeof(t)) == 0);
        free(text);
        free(text2);
}

static bool has_digit(const char *s) {
        for (; *s; s++)
                if (*s >= '0' && *s <= '9')
                        return true;
        return false;
}

static void fuzz_tasks(const char *buf, size_t n) {
        const char **names;
        char *copy;
        TaskGroup *groups = NULL;
        size_t n_names = 0, n_groups = 0, sum = 0;
        int r;

        /* lines as names (a NUL inside ends a name early) */
        copy = malloc(n + 1);
        names = calloc(n + 1, sizeof(char *));
        CHECK(copy && names);
        memcpy(copy, buf, n);
        copy[n] = '\0';
        for (size_t i = 0, start = 0; i <= n; i++)
                if (i == n || copy[i] == '\n') {
                        copy[i] = '\0';
                        if (i < n || start < n)
                                names[n_names++] = copy + start;
                        start = i + 1;
                }

        r = procsnap_tasks_group(names, n_names, &groups, &n_groups);
        CHECK(r == 0);
        CHECK(n_groups <= n_names);
        CHECK((groups == NULL) == (n_groups == 0));
        for (size_t i = 0; i < n_groups; i++) {
                const TaskGroup *g = &groups[i];

                CHECK(g->count >= 1);
                CHECK(memchr(g->pattern, '\0', sizeof(g->pattern)));
                CHECK(memchr(g->example, '\0', sizeof(g->example)));
                CHECK(!has_digit(g->pattern));
                if (i > 0) {
                        CHECK(groups[i - 1].count >= g->count);
                        if (groups[i - 1].count == g->count)
                                CHECK(strcmp(groups[i - 1].pattern, g->pattern) < 0);
                }
                sum += g->count;
        }
        CHECK(sum == n_names);

        free(groups);
        free(names);
        free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *big;

        if (size > 256 * 1024)
                return 0;

        /* exactly sized: ASan reports any read past size */
        buf = malloc(size ? size : 1);
        big = malloc(size + sizeof(tail));
        if (!buf || !big) {
                free(buf);
                free(big);
                return 0;
        }
        memcpy(buf, data, size);
        memcpy(big, data, size);
        memcpy(big + size, tail, sizeof(tail));

        fuzz_pmap(buf, big, size);
        fuzz_tasks(buf, size);

        free(buf);
        free(big);
        return 0;
}
