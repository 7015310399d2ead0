/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* histogram_parse(), histogram_diff_write() and heap_info_used_kb().
 * Beyond "no crash" and "no read past n" (an exactly sized buffer under
 * ASan): *ret untouched on failure, the documented errors, entries
 * sorted by name with unique, non-empty names without blanks, the total
 * at least each entry when it is the sum, a histogram against itself
 * showing no growth, and the same answers when bytes follow the buffer. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/histogram.h"
#include "base/macro.h"
#include "fuzz-check.h"

/* Would change the answers if a parser read past n. */
static const char tail[] = "7 9 tail.Class\n99: 1 2 tail.More\nTotal 1 1\n used 5K\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *padded;
        Histogram h = { .n = 12345 }, h2;
        HistogramGrowth top;
        uint64_t kb = 777, kb2 = 0;
        int r, r2, k, k2;

        buf = malloc(size ? size : 1);
        padded = malloc(size + sizeof tail);
        if (!buf || !padded)
                abort();
        memcpy(buf, data, size);
        memcpy(padded, data, size);
        memcpy(padded + size, tail, sizeof tail);

        r = histogram_parse(buf, size, &h);
        CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r < 0)
                CHECK(h.n == 12345);
        else {
                FILE *f;
                CHECK(h.n > 0);
                for (size_t i = 0; i < h.n; i++) {
                        CHECK(h.entries[i].name[0] != 0);
                        CHECK(strchr(h.entries[i].name, ' ') == NULL);
                        CHECK(i == 0 || strcmp(h.entries[i - 1].name, h.entries[i].name) < 0);
                }
                f = fopen("/dev/null", "w");
                CHECK(f != NULL);
                CHECK(histogram_diff_write(&h, &h, 40, f, &top) == 0);
                CHECK(top.name[0] == 0);
                fclose(f);
                r2 = histogram_parse(padded, size, &h2);
                CHECK(r2 == 0 && h2.n == h.n && h2.total_bytes == h.total_bytes &&
                      h2.total_instances == h.total_instances);
                for (size_t i = 0; i < h.n; i++)
                        CHECK(streq(h.entries[i].name, h2.entries[i].name) &&
                              h.entries[i].bytes == h2.entries[i].bytes &&
                              h.entries[i].instances == h2.entries[i].instances);
                histogram_done(&h2);
                histogram_done(&h);
        }

        k = heap_info_used_kb(buf, size, &kb);
        CHECK(k == 0 || k == -EBADMSG || k == -ERANGE);
        if (k < 0)
                CHECK(kb == 777);
        k2 = heap_info_used_kb(padded, size, &kb2);
        CHECK(k2 == k && (k < 0 || kb2 == kb));
        free(buf);
        free(padded);
        return 0;
}
