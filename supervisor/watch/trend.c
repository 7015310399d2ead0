/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stddef.h>
#include <sys/types.h>

#include "watch/trend.h"

typedef struct TrendSlot {
        TrendPoint min; /* the bucket's minimum; t == USEC_INFINITY: empty */
        uint64_t rise; /* sum of the rises from one sample to the next seen in the bucket */
        uint64_t n_rises;
} TrendSlot;

struct TrendWindow {
        usec_t bucket_usec;
        usec_t first_t; /* first sample since reset; USEC_INFINITY: none yet */
        usec_t last_t;
        uint64_t last_v;
        uint64_t minima_changed; /* counts the samples that moved a bucket's minimum */
        size_t n;
        TrendSlot slot[]; /* bucket id at slot[id % n] */
};

/* b - a as a double. Subtracting in uint64 first keeps small differences
 * exact even near 2^64, where (double) b - (double) a would round both
 * operands to multiples of 2048 and could return 0 or the wrong sign. */
static double diff_u64(uint64_t b, uint64_t a) {
        return b >= a ? (double) (b - a) : -(double) (a - b);
}

/* Wirth's selection: returns the k-th smallest of a[0..n-1] (0-based) and
 * leaves a[i] <= a[k] for every i < k. Expected O(n). */
static double select_kth(double *a, size_t n, size_t k) {
        ssize_t lo = 0, hi = (ssize_t) n - 1, kk = (ssize_t) k;

        while (lo < hi) {
                double x = a[kk];
                ssize_t i = lo, j = hi;

                do {
                        while (a[i] < x)
                                i++;
                        while (x < a[j])
                                j--;
                        if (i <= j) {
                                double tmp = a[i];
                                a[i] = a[j];
                                a[j] = tmp;
                                i++;
                                j--;
                        }
                } while (i <= j);
                if (j < kk)
                        lo = i;
                if (kk < i)
                        hi = j;
        }
        return a[kk];
}

static double median(double *a, size_t n) {
        double upper, lower;

        upper = select_kth(a, n, n / 2);
        if (n % 2 == 1)
                return upper;

        /* Even: the lower middle is the largest of the part left below. */
        lower = a[0];
        for (size_t i = 1; i < n / 2; i++)
                lower = MAX(lower, a[i]);
        return lower / 2 + upper / 2;
}

/* m[0..k-1]: bucket minima in strictly increasing t order; step[0..k-1]:
 * each bucket's mean rise from one sample to the next (0: none). step is
 * reordered. */
static int estimate_from_minima(const TrendPoint *m, double *step, size_t k, usec_t span_usec,
                                TrendResult *ret) {
        _cleanup_free_ double *slopes = NULL;
        size_t n_pairs, n = 0, pos = 0, neg = 0;

        if (k < TREND_BUCKETS_MIN || k > TREND_BUCKETS_MAX)
                return -EINVAL;

        n_pairs = k * (k - 1) / 2;
        slopes = malloc(n_pairs * sizeof(double));
        if (!slopes)
                return -ENOMEM;

        for (size_t i = 0; i < k; i++)
                for (size_t j = i + 1; j < k; j++) {
                        double s = diff_u64(m[j].v, m[i].v) / (double) (m[j].t - m[i].t);

                        slopes[n++] = s;
                        if (s > 0)
                                pos++;
                        else if (s < 0)
                                neg++;
                }

        *ret = (TrendResult){
                .slope_bps = median(slopes, n) * (double) USEC_PER_SEC,
                .steadiness = ((double) pos - (double) neg) / (double) n_pairs,
                .step_bytes = median(step, k),
                .n_buckets = k,
                .span_usec = span_usec,
        };
        return 0;
}

int trend_estimate(const TrendPoint *p, size_t n, usec_t bucket_usec, TrendResult *ret) {
        TrendPoint m[TREND_BUCKETS_MAX];
        double step[TREND_BUCKETS_MAX], rise = 0;
        uint64_t n_rises = 0;
        usec_t span, bucket = bucket_usec, cur_id = 0;
        size_t k = 0;

        if ((!p && n > 0) || !ret || bucket_usec == 0)
                return -EINVAL;
        if (n == 0)
                return -EINVAL;
        for (size_t i = 1; i < n; i++)
                if (p[i].t < p[i - 1].t)
                        return -EINVAL;

        span = p[n - 1].t - p[0].t;
        if (span / bucket >= TREND_BUCKETS_MAX)
                bucket = span / (TREND_BUCKETS_MAX - 1) + 1; /* now span / bucket < TREND_BUCKETS_MAX - 1 */

        for (size_t i = 0; i < n; i++) {
                usec_t id = (p[i].t - p[0].t) / bucket;

                if (k == 0 || id != cur_id) {
                        if (k > 0)
                                step[k - 1] = n_rises > 0 ? rise / (double) n_rises : 0;
                        m[k++] = p[i];
                        cur_id = id;
                        rise = 0;
                        n_rises = 0;
                } else if (p[i].v < m[k - 1].v)
                        m[k - 1] = p[i]; /* strictly lower: a flat floor keeps its earliest time */
                if (i > 0 && p[i].v > p[i - 1].v) {
                        rise += (double) (p[i].v - p[i - 1].v);
                        n_rises++;
                }
        }
        step[k - 1] = n_rises > 0 ? rise / (double) n_rises : 0;

        return estimate_from_minima(m, step, k, span, ret);
}

usec_t trend_eta(uint64_t current, uint64_t limit, double slope_bps) {
        double x;
        usec_t u;

        if (limit == UINT64_MAX)
                return USEC_INFINITY;
        if (current >= limit)
                return 0;
        if (!(slope_bps > 0)) /* also NaN */
                return USEC_INFINITY;

        x = (double) (limit - current) / slope_bps * (double) USEC_PER_SEC;
        if (!(x < 1e19)) /* ~317000 years; also +inf; USEC_INFINITY is ~1.8e19 */
                return USEC_INFINITY;

        u = (usec_t) x;
        if ((double) u < x)
                u++;
        return MAX(u, (usec_t) 1);
}

bool trend_is_leak(const TrendResult *r, usec_t window_usec, double min_slope_bytes_per_hour) {
        double per_hour;

        if (!r)
                return false;
        if (r->n_buckets < TREND_LEAK_BUCKETS_MIN)
                return false;
        if (r->span_usec < window_usec - window_usec / 10)
                return false;

        per_hour = r->slope_bps * (double) (USEC_PER_HOUR / USEC_PER_SEC);
        if (!(per_hour > 0) || per_hour < min_slope_bytes_per_hour)
                return false;

        if (r->slope_bps * ((double) r->span_usec / (double) USEC_PER_SEC) <
            TREND_LEAK_STEPS * r->step_bytes)
                return false;

        return r->steadiness >= TREND_LEAK_STEADINESS;
}

int trend_window_new(usec_t window_usec, size_t n_buckets, TrendWindow **ret) {
        TrendWindow *w;

        if (!ret || n_buckets < TREND_BUCKETS_MIN || n_buckets > TREND_BUCKETS_MAX ||
            window_usec < n_buckets)
                return -EINVAL;

        w = malloc(offsetof(TrendWindow, slot) + n_buckets * sizeof(TrendSlot));
        if (!w)
                return -ENOMEM;
        w->bucket_usec = window_usec / n_buckets;
        w->n = n_buckets;
        trend_window_reset(w);

        *ret = w;
        return 0;
}

TrendWindow *trend_window_free(TrendWindow *w) {
        free(w);
        return NULL;
}

void trend_window_reset(TrendWindow *w) {
        if (!w)
                return;
        w->first_t = USEC_INFINITY;
        w->last_t = 0;
        w->last_v = 0;
        w->minima_changed++;
        for (size_t i = 0; i < w->n; i++)
                w->slot[i] = (TrendSlot){ .min.t = USEC_INFINITY };
}

int trend_window_add(TrendWindow *w, usec_t t, uint64_t v) {
        usec_t id;
        TrendSlot *s;

        if (!w || t == USEC_INFINITY)
                return -EINVAL;
        if (w->first_t != USEC_INFINITY && t < w->last_t)
                return -EINVAL;

        id = t / w->bucket_usec;
        s = &w->slot[id % w->n];
        if (s->min.t == USEC_INFINITY || s->min.t / w->bucket_usec != id) {
                *s = (TrendSlot){ .min = { .t = t, .v = v } };
                w->minima_changed++;
        } else if (v < s->min.v) {
                s->min = (TrendPoint){ .t = t, .v = v };
                w->minima_changed++;
        }
        if (w->first_t != USEC_INFINITY && v > w->last_v) {
                s->rise += v - w->last_v;
                s->n_rises++;
        }

        if (w->first_t == USEC_INFINITY)
                w->first_t = t;
        w->last_t = t;
        w->last_v = v;
        return 0;
}

int trend_window_estimate(const TrendWindow *w, TrendResult *ret) {
        TrendPoint m[TREND_BUCKETS_MAX];
        double step[TREND_BUCKETS_MAX];
        usec_t cur, start;
        size_t k = 0;

        if (!w || !ret || w->first_t == USEC_INFINITY)
                return -EINVAL;

        cur = w->last_t / w->bucket_usec;
        for (size_t back = w->n; back-- > 0;) {
                const TrendSlot *s;
                usec_t id;

                if (cur < back)
                        continue;
                id = cur - back;
                s = &w->slot[id % w->n];
                if (s->min.t != USEC_INFINITY && s->min.t / w->bucket_usec == id) {
                        step[k] = s->n_rises > 0 ? (double) s->rise / (double) s->n_rises : 0;
                        m[k++] = s->min;
                }
        }

        start = cur >= w->n - 1 ? (cur - (w->n - 1)) * w->bucket_usec : 0;
        start = MAX(start, w->first_t);
        return estimate_from_minima(m, step, k, w->last_t - start, ret);
}

size_t trend_window_memory_bytes(const TrendWindow *w) {
        return w ? offsetof(TrendWindow, slot) + w->n * sizeof(TrendSlot) : 0;
}

uint64_t trend_window_minima_changed(const TrendWindow *w) {
        return w ? w->minima_changed : 0;
}
