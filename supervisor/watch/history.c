/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "watch/history.h"
#include "spawn/outlog.h"

typedef struct HistRecord {
        uint32_t sec; /* seconds since History.base_usec */
        uint32_t msec : 10; /* 0..999 */
        uint32_t threads : 22;
        uint32_t pids;
        uint32_t memory_current; /* HISTORY_UNIT_BYTES units, rounded up */
        uint32_t anon;
        uint32_t rss;
} HistRecord;

/* The JVM's hsperfdata of a record: units + 1, 0 unknown (a heap is never
 * 0, an old generation may be). Kept apart, allocated at the first known
 * value: a service that is not a JVM never pays its 920 bytes. */
typedef struct HistJvm {
        uint32_t heap_used;
        uint32_t old_used;
} HistJvm;

_Static_assert(sizeof(HistRecord) == 24, "HistRecord should stay 24 bytes");
_Static_assert(sizeof(HistJvm) == 8, "HistJvm should stay 8 bytes");

/* A FIFO over a fixed array: items head, head + 1, ... (mod capacity). */
typedef struct Fifo {
        uint8_t head;
        uint8_t n;
} Fifo;

struct History {
        usec_t base_usec; /* the second of the first sample; USEC_INFINITY: none yet */
        Fifo fine_q, coarse_q;
        /* NULL while every value was unknown; else HISTORY_FINE_MAX
         * entries for fine[], then HISTORY_COARSE_MAX for coarse[] */
        HistJvm *jvm;
        HistRecord fine[HISTORY_FINE_MAX];
        HistRecord coarse[HISTORY_COARSE_MAX];
};

/* Array index of the i-th item, oldest first. */
static size_t fifo_index(const Fifo *q, size_t cap, size_t i) {
        return (q->head + i) % cap;
}

static void fifo_pop(Fifo *q, size_t cap) {
        q->head = (uint8_t) ((q->head + 1u) % cap);
        q->n--;
}

static const HistJvm jvm_unknown;

/* The JVM values of slot i of a tier (fine: jvm_off 0; coarse:
 * HISTORY_FINE_MAX); all unknown while h has none. */
static HistJvm *jvm_at(const History *h, size_t jvm_off, size_t i) {
        return h->jvm ? &h->jvm[jvm_off + i] : (HistJvm *) &jvm_unknown;
}

static void fifo_push(History *h, HistRecord *a, Fifo *q, size_t cap, size_t jvm_off, const HistRecord *r,
                      const HistJvm *j) {
        size_t i;

        if (q->n == cap)
                fifo_pop(q, cap);
        i = fifo_index(q, cap, q->n);
        a[i] = *r;
        if (h->jvm)
                h->jvm[jvm_off + i] = *j;
        q->n++;
}

static uint32_t to_units(uint64_t bytes) {
        uint64_t u = bytes / HISTORY_UNIT_BYTES + (bytes % HISTORY_UNIT_BYTES != 0);
        return (uint32_t) MIN(u, (uint64_t) UINT32_MAX);
}

/* HISTORY_UNKNOWN -> 0, bytes -> units + 1 (saturating) */
static uint32_t to_units_known(uint64_t bytes) {
        uint32_t u = to_units(bytes);
        return bytes == HISTORY_UNKNOWN ? 0 : u == UINT32_MAX ? u : u + 1;
}

static uint64_t from_units_known(uint32_t u) {
        return u == 0 ? HISTORY_UNKNOWN : (uint64_t) (u - 1) * HISTORY_UNIT_BYTES;
}

static void merge(HistRecord *into, HistJvm *into_jvm, const HistRecord *r, const HistJvm *j) {
        if (r->memory_current > into->memory_current) {
                into->sec = r->sec;
                into->msec = r->msec;
        }
        into->memory_current = MAX(into->memory_current, r->memory_current);
        into->anon = MAX(into->anon, r->anon);
        into->rss = MAX(into->rss, r->rss);
        into->threads = MAX(into->threads, r->threads);
        into->pids = MAX(into->pids, r->pids);
        if (into_jvm != &jvm_unknown) {
                into_jvm->heap_used = MAX(into_jvm->heap_used, j->heap_used);
                into_jvm->old_used = MAX(into_jvm->old_used, j->old_used);
        }
}

static void coarse_fold(History *h, const HistRecord *r, const HistJvm *j) {
        if (h->coarse_q.n > 0) {
                size_t last = fifo_index(&h->coarse_q, HISTORY_COARSE_MAX, h->coarse_q.n - 1u);
                HistRecord *newest = &h->coarse[last];

                if (newest->sec / HISTORY_COARSE_BUCKET_SEC == r->sec / HISTORY_COARSE_BUCKET_SEC) {
                        merge(newest, jvm_at(h, HISTORY_FINE_MAX, last), r, j);
                        return;
                }
        }
        fifo_push(h, h->coarse, &h->coarse_q, HISTORY_COARSE_MAX, HISTORY_FINE_MAX, r, j);
}

/* Make the tiers end at second now: seconds <= now - 60 move to the coarse
 * tier, buckets that end at or before now - 600 are dropped. */
static void expire(History *h, uint64_t now) {
        while (h->fine_q.n > 0) {
                const HistRecord *r = &h->fine[h->fine_q.head];

                if ((uint64_t) r->sec + HISTORY_FINE_SEC > now)
                        break;
                coarse_fold(h, r, jvm_at(h, 0, h->fine_q.head));
                fifo_pop(&h->fine_q, HISTORY_FINE_MAX);
        }

        while (h->coarse_q.n > 0) {
                const HistRecord *r = &h->coarse[h->coarse_q.head];
                uint64_t bucket_end =
                        (uint64_t) (r->sec / HISTORY_COARSE_BUCKET_SEC + 1) * HISTORY_COARSE_BUCKET_SEC;

                if (bucket_end + HISTORY_SPAN_SEC > now)
                        break;
                fifo_pop(&h->coarse_q, HISTORY_COARSE_MAX);
        }
}

int history_new(History **ret) {
        History *h;

        if (!ret)
                return -EINVAL;

        h = calloc(1, sizeof(History));
        if (!h)
                return -ENOMEM;
        h->base_usec = USEC_INFINITY;

        *ret = h;
        return 0;
}

History *history_free(History *h) {
        if (h)
                free(h->jvm);
        free(h);
        return NULL;
}

int history_add(History *h, const HistSample *s) {
        HistRecord r, *newest;
        HistJvm j;
        usec_t off;

        if (!h || !s || s->t == USEC_INFINITY)
                return -EINVAL;

        if (h->base_usec == USEC_INFINITY)
                h->base_usec = s->t - s->t % USEC_PER_SEC;
        if (s->t < h->base_usec)
                return -EINVAL;
        off = s->t - h->base_usec;
        if (off / USEC_PER_SEC > UINT32_MAX)
                return -ERANGE;

        r = (HistRecord){
                .sec = (uint32_t) (off / USEC_PER_SEC),
                .msec = (uint32_t) (off % USEC_PER_SEC / USEC_PER_MSEC),
                .threads = MIN(s->threads, HISTORY_THREADS_MAX),
                .pids = s->pids,
                .memory_current = to_units(s->memory_current),
                .anon = to_units(s->anon),
                .rss = to_units(s->rss),
        };
        j = (HistJvm){
                .heap_used = to_units_known(s->heap_used),
                .old_used = to_units_known(s->old_used),
        };
        /* The first known JVM value: from here on the records carry them
         * (without memory for them, they stay unknown). */
        if (!h->jvm && (j.heap_used != 0 || j.old_used != 0))
                h->jvm = calloc(HISTORY_FINE_MAX + HISTORY_COARSE_MAX, sizeof(HistJvm));

        /* The fine tier is never empty once a sample was added: expire()
         * runs before the push. */
        if (h->fine_q.n > 0) {
                size_t last = fifo_index(&h->fine_q, HISTORY_FINE_MAX, h->fine_q.n - 1u);

                newest = &h->fine[last];
                if (r.sec < newest->sec)
                        return -EINVAL;
                if (r.sec == newest->sec) {
                        merge(newest, jvm_at(h, 0, last), &r, &j);
                        return 0;
                }
        }

        expire(h, r.sec);
        fifo_push(h, h->fine, &h->fine_q, HISTORY_FINE_MAX, 0, &r, &j);
        return 0;
}

size_t history_count(const History *h) {
        return h ? (size_t) h->fine_q.n + h->coarse_q.n : 0;
}

static HistSample decode(const History *h, const HistRecord *r, const HistJvm *j) {
        return (HistSample){
                .t = h->base_usec + r->sec * USEC_PER_SEC + r->msec * USEC_PER_MSEC,
                .memory_current = (uint64_t) r->memory_current * HISTORY_UNIT_BYTES,
                .anon = (uint64_t) r->anon * HISTORY_UNIT_BYTES,
                .rss = (uint64_t) r->rss * HISTORY_UNIT_BYTES,
                .threads = r->threads,
                .pids = r->pids,
                .heap_used = from_units_known(j->heap_used),
                .old_used = from_units_known(j->old_used),
        };
}

/* The i-th record, oldest first (the coarse tier, then the fine tier),
 * decoded. */
static HistSample sample_at(const History *h, size_t i) {
        size_t k;

        if (i < h->coarse_q.n) {
                k = fifo_index(&h->coarse_q, HISTORY_COARSE_MAX, i);
                return decode(h, &h->coarse[k], jvm_at(h, HISTORY_FINE_MAX, k));
        }
        k = fifo_index(&h->fine_q, HISTORY_FINE_MAX, i - h->coarse_q.n);
        return decode(h, &h->fine[k], jvm_at(h, 0, k));
}

size_t history_get(const History *h, HistSample *out, size_t max) {
        size_t total = history_count(h), skip, n = 0;

        if (!out || max == 0)
                return 0;

        skip = total > max ? total - max : 0;
        for (size_t i = skip; i < total; i++)
                out[n++] = sample_at(h, i);
        return n;
}

static usec_t to_realtime(usec_t t, usec_t now_realtime, usec_t now_monotonic) {
        usec_t ago;

        if (t > now_monotonic) {
                usec_t ahead = t - now_monotonic;
                return now_realtime > USEC_INFINITY - ahead ? USEC_INFINITY - 1 : now_realtime + ahead;
        }
        ago = now_monotonic - t;
        return now_realtime > ago ? now_realtime - ago : 0;
}

int history_write_csv(const History *h, FILE *f, usec_t now_realtime_usec, usec_t now_monotonic_usec) {
        size_t total = history_count(h);

        if (!f)
                return -EINVAL;

        if (fputs("time_utc,memory_current,anon,rss,threads,pids,heap_used,old_used\n", f) < 0)
                return negative_errno();

        for (size_t i = 0; i < total; i++) {
                HistSample s = sample_at(h, i);
                char ts[32], heap[24] = "", old[24] = "";

                outlog_format_time(to_realtime(s.t, now_realtime_usec, now_monotonic_usec), ts);
                if (s.heap_used != HISTORY_UNKNOWN)
                        snprintf(heap, sizeof heap, "%" PRIu64, s.heap_used);
                if (s.old_used != HISTORY_UNKNOWN)
                        snprintf(old, sizeof old, "%" PRIu64, s.old_used);
                if (fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu32 ",%" PRIu32 ",%s,%s\n", ts,
                            s.memory_current, s.anon, s.rss, s.threads, s.pids, heap, old) < 0)
                        return negative_errno();
        }

        if (fflush(f) != 0)
                return negative_errno();
        return 0;
}

size_t history_memory_bytes(const History *h) {
        if (!h)
                return 0;
        return sizeof(History) + (h->jvm ? (HISTORY_FINE_MAX + HISTORY_COARSE_MAX) * sizeof(HistJvm) : 0);
}
