/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* HotSpot's class histogram (the diagnostic command GC.class_histogram,
 * the same text on JDK 8 to 25; tests/fixtures/capture has 17's and 25's):
 *
 *    num     #instances         #bytes  class name (module)
 *   -------------------------------------------------------
 *      1:          5349        1102384  [B (java.base@17.0.9)
 *   ...
 *   Total         27236        2345678
 *
 * and the "who holds it" step after it: the growth of each class since a
 * baseline histogram of the same JVM, top by bytes and by instances
 * (histogram-diff.txt). Also the heap's used size from GC.heap_info, to
 * tell whether the heap grew since that baseline. Pure functions of text:
 * buffers need not be NUL-terminated, never read past n. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct HistogramEntry {
        const char *name; /* the class name, without its " (module)" */
        uint64_t instances;
        uint64_t bytes;
} HistogramEntry;

typedef struct Histogram {
        HistogramEntry *entries; /* sorted by name once parsed */
        size_t n;
        uint64_t total_instances, total_bytes; /* the Total line, else the sums */
        char *text; /* owns the names */
} Histogram;

/* Parse a histogram. A line "N: INSTANCES BYTES NAME[ (MODULE)]" is an
 * entry; "Total INSTANCES BYTES" the total; other lines (the heading,
 * jcmd's "PID:") are skipped. A class named twice (two class loaders):
 * their counts are added. Returns 0, or -EBADMSG when no entry was found
 * (an error message, garbage, empty), -ENOMEM. */
int histogram_parse(const char *buf, size_t n, Histogram *ret);
void histogram_done(Histogram *h);

typedef struct HistogramGrowth {
        const char *name; /* into the current histogram (empty: none grew) */
        int64_t bytes, instances; /* the change since the baseline */
} HistogramGrowth;

/* Write the growth from base to cur into f: the totals, then the top
 * classes by bytes grown and by instances grown (top each). *ret_top is
 * the class that grew most in bytes (name "" when none grew). Returns 0,
 * or -ENOMEM, -EIO. */
int histogram_diff_write(const Histogram *base, const Histogram *cur, size_t top, FILE *f,
                         HistogramGrowth *ret_top);

/* The Java heap's used size in KB from GC.heap_info: the sum of the
 * "used N[KMG]" (Serial, Parallel, G1, ZGC) or "N[KMG] used" (Shenandoah)
 * of each line, Metaspace and class space lines left out, "N% used" (a
 * space's share) ignored. Returns 0, or -EBADMSG when no heap line was
 * found, -ERANGE. */
int heap_info_used_kb(const char *buf, size_t n, uint64_t *ret);
