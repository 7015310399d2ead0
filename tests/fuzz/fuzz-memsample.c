/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* memsample.h's parsers of outside text (maps, smaps, pmap.txt) and its
 * string counter, on one input. Beyond "no crash" and "no read past n":
 * picks sorted and within bounds, no pick against the input's own ranges,
 * ranges with start <= end, the counts of the strings adding up. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "capture/memsample.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf = malloc(size ? size : 1);
        MapRange *r = NULL;
        MapPick picks[4];
        size_t k = 0, np = 0, ns = 0;
        StringTable t;
        StringCount *v = NULL;
        uint64_t sum = 0;

        if (!buf)
                abort();
        memcpy(buf, data, size);
        CHECK(memsample_anon_ranges(buf, size, &r, &k) == 0);
        for (size_t i = 0; i < k; i++)
                CHECK(r[i].start <= r[i].end);
        CHECK(memsample_pick(buf, size, NULL, 0, picks, 4, &np) == 0);
        CHECK(np <= 4);
        for (size_t i = 0; i < np; i++) {
                CHECK(picks[i].anon_kb > 0 && picks[i].start <= picks[i].end);
                CHECK(i == 0 || picks[i - 1].anon_kb >= picks[i].anon_kb);
        }
        /* against its own ranges: a range listed twice may still grow */
        CHECK(memsample_pick(buf, size, r, k, picks, 4, &np) == 0);
        CHECK(np <= 4);
        (void) memsample_arenas(buf, size);
        CHECK(string_table_init(&t) == 0);
        string_table_scan(&t, data, size);
        CHECK(string_table_sorted(&t, &v, &ns) == 0);
        CHECK(ns == t.n && ns <= MEMSAMPLE_STRINGS_MAX);
        for (size_t i = 0; i < ns; i++) {
                CHECK(strlen(v[i].s) >= MEMSAMPLE_STRING_MIN && strlen(v[i].s) <= MEMSAMPLE_STRING_MAX);
                CHECK(i == 0 || v[i - 1].count >= v[i].count);
                sum += v[i].count;
        }
        CHECK(sum + t.dropped == t.runs);
        string_table_done(&t);
        free(v);
        free(r);
        free(buf);
        return 0;
}
