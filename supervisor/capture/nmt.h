/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The HotSpot Native Memory Tracking reports, as the diagnostic commands
 * `VM.native_memory summary` and `VM.native_memory summary.diff` print
 * them (hotspot.h gets them; tests/fixtures/capture has OpenJDK 17 and
 * Temurin 25's). The parts read:
 *
 *   Total: reserved=1526517KB +65574KB, committed=154825KB +65638KB
 *   -                 Java Heap (reserved=65536KB, committed=65536KB)
 *   -                     Other (reserved=65536KB +65536KB, committed=65536KB +65536KB)
 *
 * the "+N"/"-N" deltas only in a summary.diff, against the last baseline;
 * the other lines (a category's malloc/mmap/arena detail, the malloc and
 * mmap totals, headings, jcmd's "PID:" line) are skipped. Numbers are in
 * the report's scale: none (bytes), KB (the default), MB or GB; they are
 * converted to KB (bytes rounded down). The one-line answers "Native memory
 * tracking is not enabled", "No baseline for comparison", "No detail
 * baseline for comparison", "Detail tracking is not enabled" and
 * "Baseline taken" set flags. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

#define NMT_NAME_MAX 48U /* longer category names are cut */
#define NMT_CATEGORIES_MAX 64U /* JDK 25 has 30 */

typedef struct NmtCategory {
        char name[NMT_NAME_MAX]; /* "Java Heap", "Thread", "Other", ...; "Total" for the total */
        uint64_t reserved_kb;
        uint64_t committed_kb;
        int64_t reserved_delta_kb; /* summary.diff: the change since the baseline; else 0 */
        int64_t committed_delta_kb;
} NmtCategory;

typedef struct NmtReport {
        NmtCategory total; /* valid when have_total */
        bool have_total;
        size_t n_categories;
        NmtCategory categories[NMT_CATEGORIES_MAX]; /* in the report's order */
        bool is_diff; /* a delta was seen: a summary.diff in which something changed */
        bool not_enabled; /* the JVM runs without -XX:NativeMemoryTracking */
        bool no_baseline; /* a diff before any baseline (or a detail.diff without a detail baseline) */
        bool baseline_taken; /* the answer to VM.native_memory baseline */
        bool detail_not_enabled; /* a detail command in summary mode */
} NmtReport;

/* Parse an NMT answer (buf need not be NUL-terminated, never read past n;
 * a last line without newline counts). A category line is a line that
 * starts with '-' and holds "(reserved="; inside its parentheses,
 * comma-separated "key=N[UNIT][ +-N[UNIT]]" items, of which reserved and
 * committed are required and others (readonly=) skipped. The name (the
 * text between '-' and '(', blanks around it dropped) must not be empty
 * or hold control characters. A name that appears twice: the first
 * counts. Returns 0 and fills *ret when the text
 * holds a total, a category or one of the answers above; or
 *   -EBADMSG  none of those (garbage, an error message, empty), or a
 *             malformed Total or category line
 *   -ERANGE   a number beyond 64 bits once in KB (a delta: beyond int64)
 *   -E2BIG    more than NMT_CATEGORIES_MAX categories */
int nmt_parse(const char *buf, size_t n, NmtReport *ret);

/* The category whose committed memory grew most (by committed_delta_kb; of
 * equals, the first in the report), or NULL when none grew. */
const NmtCategory *nmt_top_growth(const NmtReport *r);

/* The category named name (exactly), or NULL. */
const NmtCategory *nmt_find(const NmtReport *r, const char *name);

/* One call site of `VM.native_memory detail.diff` (-XX:NativeMemoryTracking=
 * detail): its stack, first frame first (a frame without a symbol is Java
 * or generated code), and its growth since the detail baseline:
 *
 *   [0x00007fa7e98d7f1c] Unsafe_AllocateMemory0+0x7c
 *   [0x00007fa7d49455ba]
 *                        (malloc=119808KB type=Other +70656KB #117 +69)
 *
 * (JDK 25 writes no blank after ']'); a virtual memory site ends in
 * "(mmap: reserved=NKB +N, committed=NKB +N)" and counts by committed. */
#define NMT_SITE_FRAMES 4U
#define NMT_FRAME_MAX 112U

typedef struct NmtSite {
        char frames[NMT_SITE_FRAMES][NMT_FRAME_MAX];
        size_t n_frames;
        char type[NMT_NAME_MAX]; /* "" when the line names none */
        uint64_t now_kb; /* malloc= or committed= */
        int64_t delta_kb;
        bool mmap;
} NmtSite;

/* The call sites of a detail.diff that grew, the most first, up to max
 * into ret. Returns 0, -ENOMEM. */
int nmt_detail_sites(const char *buf, size_t n, NmtSite *ret, size_t max, size_t *ret_n);
