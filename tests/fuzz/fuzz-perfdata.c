/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* jvm/perfdata.h: the prologue, the entries, the summary and its text.
 * Beyond "no crash" and "no read past n" (the input is an exactly sized
 * buffer under ASan), checks what callers rely on: *ret untouched on
 * failure, the documented error codes, names and strings inside the
 * buffer, progress of the iteration, the summary's sums, and the same
 * answer when bytes follow the buffer. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jvm/perfdata.h"
#include "fuzz-check.h"

#define NOW_USEC (1796570405628ULL * 1000ULL)

static void check_entries(const PerfData *pd, const uint8_t *buf, size_t size) {
        PerfIter it = {};
        PerfEntry e;
        size_t last = 0;
        int r;

        while ((r = perfdata_next_entry(pd, &it, &e)) > 0) {
                CHECK((const uint8_t *) e.name >= buf && (const uint8_t *) e.name < buf + size);
                CHECK(memchr(e.name, '\0', (size_t) (buf + size - (const uint8_t *) e.name)));
                if (e.type == 'B') {
                        CHECK((const uint8_t *) e.bytes >= buf);
                        CHECK((const uint8_t *) e.bytes + e.n_bytes <= buf + size);
                        CHECK(!memchr(e.bytes, '\0', e.n_bytes));
                }
                CHECK(it.offset > last && it.offset <= pd->size);
                last = it.offset;
        }
        CHECK(r == 0 || r == -EBADMSG);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        uint8_t *buf, *big;
        PerfData pd, pd2, before;
        PerfSummary *s, *s2;
        FILE *f;
        int r, q;

        if (size > 256 * 1024)
                return 0;
        buf = malloc(size ? size : 1);
        big = malloc(size + 64);
        s = malloc(sizeof(PerfSummary));
        s2 = malloc(sizeof(PerfSummary));
        CHECK(buf && big && s && s2);
        memcpy(buf, data, size);
        memcpy(big, data, size);
        memset(big + size, 'J', 64);

        memset(&pd, 0xa5, sizeof pd);
        memcpy(&before, &pd, sizeof pd);
        r = perfdata_parse_prologue(buf, size, &pd);
        q = perfdata_parse_prologue(big, size, &pd2);
        CHECK(q == r);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -EPROTONOSUPPORT);
                CHECK(memcmp(&pd, &before, sizeof pd) == 0);
                goto out;
        }
        CHECK(pd.size <= size && pd.size >= PERFDATA_PROLOGUE_BYTES);
        check_entries(&pd, buf, size);

        memset(s, 0x5a, sizeof(PerfSummary));
        r = perfdata_summarize(&pd, NOW_USEC, s);
        q = perfdata_summarize(&pd2, NOW_USEC, s2);
        CHECK(r == q);
        if (r < 0) {
                CHECK(r == -EBADMSG);
                goto out;
        }
        CHECK(memcmp(s, s2, sizeof(PerfSummary)) == 0);
        CHECK(memchr(s->last_cause, '\0', sizeof s->last_cause));
        CHECK(memchr(s->gc_policy, '\0', sizeof s->gc_policy));
        {
                uint64_t inv = 0;
                for (size_t c = 0; c < PERF_COLLECTORS_MAX; c++)
                        if (s->collectors[c].present)
                                inv = inv + s->collectors[c].invocations < inv
                                              ? UINT64_MAX
                                              : inv + s->collectors[c].invocations;
                CHECK(inv == s->gc_invocations);
        }
        if (s->have & PERF_HAVE_OLD)
                CHECK(s->old_used_bytes <= s->heap_used_bytes || s->heap_used_bytes == UINT64_MAX);

        f = fopen("/dev/null", "w");
        CHECK(f);
        CHECK(perfdata_write_text(s, &pd, f) == 0);
        fclose(f);
out:
        free(buf);
        free(big);
        free(s);
        free(s2);
        return 0;
}
