/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Growth rate of a memory series, robust to GC sawtooth and noise, the time
 * left until a limit at that rate, and the leak-trend decision.
 *
 * Method: the series is cut into buckets of a fixed width and only each
 * bucket's minimum (value and the time it was seen) is kept: the floor under
 * the sawtooth. A collector's heap rises between collections and falls back
 * to what is still live, so the floor moves with the live set, not with the
 * allocation rate. The slope is the Theil-Sen estimate over the minima (the
 * median of all pairwise slopes): up to ~29% of the minima may be wild without
 * moving it. Steadiness is Kendall's tau of the minima against time: +1 when
 * every later floor is higher than every earlier one (a steady climb), about
 * +0.5 at most for one step (a cache filled once), about 0 for noise.
 *
 * The bucket width must be at least the longest regular dip period of the
 * series (the GC period), or buckets without a collection contribute points
 * on a rising edge. For the 1 h leak window 1 min buckets suit; for a
 * ~1 min window, 5..15 s.
 *
 * Pure: no I/O, no logging, no global state. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

/* Fewer non-empty buckets than this: no estimate (-EINVAL). */
#define TREND_BUCKETS_MIN 4
/* More buckets would be requested: the bucket width is widened to fit
 * (O(n^2) pairs, 8128 at most). */
#define TREND_BUCKETS_MAX 128
/* trend_is_leak() wants at least this many buckets: with fewer, one step
 * alone can reach the steadiness threshold (n = 6 gives tau = 0.6). */
#define TREND_LEAK_BUCKETS_MIN 12
/* A single step gives tau <= n / (2(n - 1)), i.e. <= 0.545 for 12 buckets
 * and -> 0.5 for more; two equal steps give ~0.67 and k steps ~1 - 1/(k+1),
 * so repeated growth counts as a climb and one step does not. Noise on a
 * flat series gives tau ~ 0 with sd ~ 0.09 at 60 buckets. */
#define TREND_LEAK_STEADINESS 0.6
/* The floor under a sawtooth is only known to within one sample step: the
 * first sample after a collection comes up to one interval after it. When
 * the sawtooth's period and the sample interval beat, that phase drifts and
 * the bucket minima climb steadily by up to one step before they wrap
 * (measured: a flat 40 MB/s sawtooth sampled every 200 ms gave a "leak" of
 * 0.76 MB/s with steadiness 0.61). So trend_is_leak() also wants the floor
 * to have risen by at least this many typical steps (step_bytes) over the
 * window. A leak without a sawtooth rises by one step per sample and
 * passes at once. */
#define TREND_LEAK_STEPS 2.0

typedef struct TrendPoint {
        usec_t t; /* any monotonic clock */
        uint64_t v; /* bytes */
} TrendPoint;

typedef struct TrendResult {
        double slope_bps; /* bytes per second; Theil-Sen over the bucket minima */
        double steadiness; /* Kendall's tau of the minima vs time, -1..+1 */
        double step_bytes; /* the typical rise from one sample to the next: the median over the
                            * buckets of their mean positive step (0 in a bucket without one) */
        size_t n_buckets; /* non-empty buckets used */
        usec_t span_usec; /* time covered by the input: last t - first t */
} TrendResult;

/* Estimate the trend of p[0..n-1], which must be in non-decreasing t order
 * (equal timestamps are allowed and fall in the same bucket). Buckets are
 * bucket_usec wide and start at p[0].t; if that would give more than
 * TREND_BUCKETS_MAX buckets the width is widened. Returns 0 and writes *ret;
 * -EINVAL if p is NULL with n > 0, ret is NULL, bucket_usec is 0, the
 * timestamps go backwards, or fewer than TREND_BUCKETS_MIN buckets hold
 * points; -ENOMEM. */
int trend_estimate(const TrendPoint *p, size_t n, usec_t bucket_usec, TrendResult *ret);

/* Time until current reaches limit, growing at slope_bps: USEC_INFINITY if
 * limit is UINT64_MAX (unlimited), the slope is <= 0 or NaN, or the result
 * does not fit; 0 if current >= limit; otherwise >= 1 (rounded up). */
usec_t trend_eta(uint64_t current, uint64_t limit, double slope_bps);

/* The leak-trend decision over a window of window_usec: true if r is not
 * NULL, covers at least 90% of the window with at least
 * TREND_LEAK_BUCKETS_MIN buckets, climbs at >= min_slope_bytes_per_hour
 * (and > 0), has risen over its span by at least TREND_LEAK_STEPS times
 * step_bytes, and its steadiness is >= TREND_LEAK_STEADINESS. */
bool trend_is_leak(const TrendResult *r, usec_t window_usec, double min_slope_bytes_per_hour);

/* A sliding window that keeps only the bucket minima, so that a 1 h window
 * sampled every second costs n_buckets * 32 bytes, not 3600 points. Buckets
 * are aligned to multiples of window_usec / n_buckets on the sample clock;
 * the last n_buckets buckets (the current one included) are kept. With the
 * same bucket boundaries, estimating from the window gives the same slope and
 * steadiness as trend_estimate() over the raw points. */
typedef struct TrendWindow TrendWindow;

/* n_buckets: TREND_BUCKETS_MIN..TREND_BUCKETS_MAX; window_usec >= n_buckets.
 * Returns 0 and *ret, -EINVAL, or -ENOMEM. */
int trend_window_new(usec_t window_usec, size_t n_buckets, TrendWindow **ret);
TrendWindow *trend_window_free(TrendWindow *w);
static inline void trend_window_freep(TrendWindow **w) {
        *w = trend_window_free(*w);
}
#define _cleanup_trend_window_free_ _cleanup_(trend_window_freep)

/* Forget all samples (e.g. when the service restarts). */
void trend_window_reset(TrendWindow *w);

/* Add a sample. Returns 0, or -EINVAL (and ignores the sample) if t is
 * before the latest sample added. */
int trend_window_add(TrendWindow *w, usec_t t, uint64_t v);
/* How many added samples started a bucket or lowered its minimum: while it
 * stays the same, the minima are the same (the buckets held change only
 * when one starts), so the slope and steadiness of an estimate are too
 * (step_bytes may differ a little). An idle series changes it once per
 * bucket, so an estimate per change, not per sample, costs little. */
uint64_t trend_window_minima_changed(const TrendWindow *w);

/* Estimate over the buckets currently held; span_usec runs from the start of
 * the oldest bucket held (or the first sample, if later) to the latest
 * sample. Returns as trend_estimate(). */
int trend_window_estimate(const TrendWindow *w, TrendResult *ret);

/* Bytes allocated for w (for the memory budget and tests). */
size_t trend_window_memory_bytes(const TrendWindow *w);
