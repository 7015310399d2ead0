/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* nmt_parse() and its helpers. Beyond "no crash" and "no read past n"
 * (the input is an exactly sized buffer under ASan), checks what callers
 * rely on: *ret untouched on failure, the documented error codes, names
 * NUL-terminated, non-empty and unique, the count within bounds, is_diff
 * when a delta is non-zero, nmt_top_growth() the largest growth,
 * nmt_find() finding every category, and the same answer when bytes follow
 * the buffer. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/nmt.h"
#include "fuzz-check.h"

/* Would change the answer if the parser read past n. */
static const char tail[] = "KB +7KB, committed=1KB)\nTotal: reserved=1KB, committed=1KB\n"
                           "- Tail (reserved=1KB, committed=1KB +1KB)\nBaseline taken\n";

static bool category_equal(const NmtCategory *a, const NmtCategory *b) {
        return streq(a->name, b->name) && a->reserved_kb == b->reserved_kb &&
               a->committed_kb == b->committed_kb && a->reserved_delta_kb == b->reserved_delta_kb &&
               a->committed_delta_kb == b->committed_delta_kb;
}

static bool report_equal(const NmtReport *a, const NmtReport *b) {
        if (a->have_total != b->have_total || a->n_categories != b->n_categories ||
            a->is_diff != b->is_diff || a->not_enabled != b->not_enabled ||
            a->no_baseline != b->no_baseline || a->baseline_taken != b->baseline_taken ||
            a->detail_not_enabled != b->detail_not_enabled)
                return false;
        if (a->have_total && !category_equal(&a->total, &b->total))
                return false;
        for (size_t i = 0; i < a->n_categories; i++)
                if (!category_equal(&a->categories[i], &b->categories[i]))
                        return false;
        return true;
}

static void check_category(const NmtCategory *c) {
        CHECK(memchr(c->name, '\0', sizeof(c->name)));
        CHECK(c->name[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        NmtReport *rep, *before, *other;
        const NmtCategory *top;
        char *buf, *big;
        int r, q;

        if (size > 256 * 1024)
                return 0;

        buf = malloc(size ? size : 1);
        big = malloc(size + sizeof(tail));
        rep = malloc(sizeof(NmtReport));
        before = malloc(sizeof(NmtReport));
        other = malloc(sizeof(NmtReport));
        CHECK(buf && big && rep && before && other);
        memcpy(buf, data, size);
        memcpy(big, data, size);
        memcpy(big + size, tail, sizeof(tail));

        memset(rep, 0xa5, sizeof(NmtReport));
        memcpy(before, rep, sizeof(NmtReport));
        r = nmt_parse(buf, size, rep);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -ERANGE || r == -E2BIG);
                CHECK(memcmp(rep, before, sizeof(NmtReport)) == 0);
        } else {
                bool any_delta = false;

                CHECK(r == 0);
                CHECK(rep->n_categories <= NMT_CATEGORIES_MAX);
                CHECK(rep->have_total || rep->n_categories > 0 || rep->not_enabled || rep->no_baseline ||
                      rep->baseline_taken || rep->detail_not_enabled);
                if (rep->have_total) {
                        check_category(&rep->total);
                        CHECK(streq(rep->total.name, "Total"));
                        any_delta = rep->total.reserved_delta_kb != 0 || rep->total.committed_delta_kb != 0;
                }
                for (size_t i = 0; i < rep->n_categories; i++) {
                        const NmtCategory *c = &rep->categories[i];

                        check_category(c);
                        CHECK(nmt_find(rep, c->name) == c); /* unique names */
                        any_delta = any_delta || c->reserved_delta_kb != 0 || c->committed_delta_kb != 0;
                }
                if (any_delta)
                        CHECK(rep->is_diff);

                top = nmt_top_growth(rep);
                for (size_t i = 0; i < rep->n_categories; i++) {
                        const NmtCategory *c = &rep->categories[i];

                        if (c->committed_delta_kb > 0)
                                CHECK(top && top->committed_delta_kb >= c->committed_delta_kb);
                }
                if (top)
                        CHECK(top->committed_delta_kb > 0 && top >= rep->categories &&
                              top < rep->categories + rep->n_categories);
        }

        memset(other, 0x5a, sizeof(NmtReport));
        q = nmt_parse(big, size, other);
        CHECK(q == r);
        if (r == 0)
                CHECK(report_equal(rep, other));

        /* the call sites of a detail.diff: sorted, bounded, growing */
        {
                NmtSite sites[8];
                size_t k = 99;
                CHECK(nmt_detail_sites(buf, size, sites, 8, &k) == 0);
                CHECK(k <= 8);
                for (size_t i = 0; i < k; i++) {
                        CHECK(sites[i].delta_kb > 0);
                        CHECK(sites[i].n_frames >= 1 && sites[i].n_frames <= NMT_SITE_FRAMES);
                        CHECK(i == 0 || sites[i - 1].delta_kb >= sites[i].delta_kb);
                        for (size_t f = 0; f < sites[i].n_frames; f++)
                                CHECK(memchr(sites[i].frames[f], 0, NMT_FRAME_MAX) != NULL);
                }
        }
        free(buf);
        free(big);
        free(rep);
        free(before);
        free(other);
        return 0;
}
