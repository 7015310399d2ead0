/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The last ten minutes of a service's samples, for captures and status, in
 * a fixed ~2.8 KB (one allocation, made when the service first starts; a
 * service that never ran costs a NULL pointer), and ~0.9 KB more for a
 * JVM's heap columns, allocated at its first known value.
 *
 * Two tiers, each a FIFO of 24-byte records (+ 8 bytes of JVM values):
 *   fine   - the last 60 s (the current second included), one record per
 *            second that had samples;
 *   coarse - 10 s buckets before that, back to at least 10 min (at most
 *            10 min + 9 s: the oldest bucket is kept whole).
 * A record is the per-field MAXIMUM of the samples it covers, stamped with
 * the time of the sample with the highest memory_current (the earliest, on a
 * tie). Maxima rather than the latest sample: what a capture after an OOM
 * kill needs is the peak that led to it, and pids/threads peaks (a fork
 * storm) matter as much; a record may so combine fields of different
 * samples of the same second (or bucket). When a second leaves the fine tier
 * it is folded into its coarse bucket, so each sample is in exactly one
 * record and output times strictly increase.
 *
 * Encoding: times as seconds (uint32, ~136 years) + milliseconds since the
 * second of the first sample; memory values in 4 KiB units rounded UP (a
 * peak is never understated; page-sized values are exact; saturates at
 * 16 TiB); threads saturate at 2^22 - 1 (> the kernel's PID_MAX_LIMIT).
 *
 * Sample times are CLOCK_MONOTONIC; history_write_csv() converts to UTC
 * with the realtime/monotonic offset at the time of writing, so a wall
 * clock step between sampling and writing does not skew the series.
 *
 * Pure: no logging; I/O only to the FILE given to history_write_csv(). */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/macro.h"

#define HISTORY_SPAN_SEC 600
#define HISTORY_FINE_SEC 60
#define HISTORY_COARSE_BUCKET_SEC 10
#define HISTORY_FINE_MAX HISTORY_FINE_SEC
/* 540 s of 10 s buckets, plus one: the bucket split with the fine tier and
 * the partly expired oldest bucket together span one more. */
#define HISTORY_COARSE_MAX ((HISTORY_SPAN_SEC - HISTORY_FINE_SEC) / HISTORY_COARSE_BUCKET_SEC + 1)
#define HISTORY_SAMPLES_MAX (HISTORY_FINE_MAX + HISTORY_COARSE_MAX) /* 115 */
#define HISTORY_UNIT_BYTES 4096
#define HISTORY_THREADS_MAX ((1U << 22) - 1)

typedef struct HistSample {
        usec_t t; /* CLOCK_MONOTONIC */
        uint64_t memory_current; /* bytes */
        uint64_t anon; /* bytes */
        uint64_t rss; /* bytes */
        uint32_t threads;
        uint32_t pids;
        /* a JVM's heap and old generation used (hsperfdata), bytes;
         * HISTORY_UNKNOWN when not a JVM or not read */
        uint64_t heap_used;
        uint64_t old_used;
} HistSample;

#define HISTORY_UNKNOWN UINT64_MAX

typedef struct History History;

/* Returns 0 and an empty history in *ret, or -EINVAL / -ENOMEM. */
int history_new(History **ret);
History *history_free(History *h);
static inline void history_freep(History **h) {
        *h = history_free(*h);
}
#define _cleanup_history_free_ _cleanup_(history_freep)

/* Add a sample (intended every 100 ms..1 s; any rate works). Returns 0;
 * -EINVAL (sample ignored) if h or s is NULL or s->t lies in a second before
 * the newest one held (times must not go backwards; samples within the
 * newest second may come in any order); -ERANGE if s->t is more than ~136
 * years after the first sample. */
int history_add(History *h, const HistSample *s);

/* Number of records held, 0..HISTORY_SAMPLES_MAX. */
size_t history_count(const History *h);

/* Copy the newest min(count, max) records to out, oldest first; returns the
 * number written. Values are decoded (bytes, rounded up to 4 KiB). h may be
 * NULL (returns 0). */
size_t history_get(const History *h, HistSample *out, size_t max);

/* Write "time_utc,memory_current,anon,rss,threads,pids,heap_used,old_used"
 * and one line per record, oldest first, e.g.
 * "2026-11-22T04:55:01.123Z,1048576,...". heap_used and old_used are empty
 * where unknown. Times
 * are converted with now_realtime_usec - now_monotonic_usec (both read by
 * the caller just before). h may be NULL (header only). Returns 0 or -errno
 * of the failed write. */
int history_write_csv(const History *h, FILE *f, usec_t now_realtime_usec, usec_t now_monotonic_usec);

/* Bytes allocated for h (0 for NULL). */
size_t history_memory_bytes(const History *h);
