/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/loop-shared.h"
#include "watch/sampler.h"

/* an entry taken out of its bucket, waiting for its turn in this wake-up */
#define AT_RUNNING USEC_INFINITY

typedef struct Bucket {
        usec_t at;
        SamplerEntry *head;
} Bucket;

struct Sampler {
        LoopShared ls; /* first: one sampler per loop */
        sd_event_source *timer;
        usec_t armed_at; /* what the timer is set to; USEC_INFINITY: off */
        Bucket *b; /* sorted by at, each non-empty but for cancelled entries */
        size_t n_b, n_alloc;
        SamplerEntry *running; /* the bucket being run */
};

static LoopShared *samplers;

static size_t bucket_find(const Sampler *s, usec_t at, bool *found) {
        size_t lo = 0, hi = s->n_b;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (s->b[mid].at == at) {
                        *found = true;
                        return mid;
                }
                if (s->b[mid].at < at)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void timer_update(Sampler *s) {
        usec_t at = s->n_b > 0 ? s->b[0].at : USEC_INFINITY;

        if (at == s->armed_at)
                return;
        s->armed_at = at;
        if (at == USEC_INFINITY) {
                (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(s->timer, at);
        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_ON);
}

static void list_unlink(SamplerEntry **head, SamplerEntry *e) {
        if (e->prev)
                e->prev->next = e->next;
        else
                *head = e->next;
        if (e->next)
                e->next->prev = e->prev;
        e->prev = e->next = NULL;
}

static void list_push(SamplerEntry **head, SamplerEntry *e) {
        e->prev = NULL;
        e->next = *head;
        if (*head)
                (*head)->prev = e;
        *head = e;
}

void sampler_cancel(Sampler *s, SamplerEntry *e) {
        bool found;
        size_t i;

        if (!s || !e || e->at == 0)
                return;
        if (e->at == AT_RUNNING)
                list_unlink(&s->running, e);
        else {
                i = bucket_find(s, e->at, &found);
                if (found)
                        list_unlink(&s->b[i].head, e);
                /* an empty bucket stays until its time: the timer is
                 * not moved for it */
        }
        e->at = 0;
}

void sampler_schedule(Sampler *s, SamplerEntry *e, usec_t due, usec_t grid) {
        bool found;
        usec_t at;
        size_t i;

        sampler_cancel(s, e);
        if (grid == 0)
                grid = 1;
        at = due / grid * grid;
        if (at < due)
                at += grid;
        if (at == 0 || at == AT_RUNNING)
                at = 1;
        i = bucket_find(s, at, &found);
        if (!found) {
                if (s->n_b == s->n_alloc) {
                        size_t n = MAX(s->n_alloc * 2, (size_t) 16);
                        Bucket *t = reallocarray(s->b, n, sizeof *t);
                        if (!t) {
                                /* no bucket of its own: the next one later
                                 * than due takes it, or the last */
                                log_oom();
                                if (s->n_b == 0)
                                        return;
                                i = MIN(i, s->n_b - 1);
                                goto push;
                        }
                        s->b = t;
                        s->n_alloc = n;
                }
                memmove(s->b + i + 1, s->b + i, (s->n_b - i) * sizeof *s->b);
                s->b[i] = (Bucket){ .at = at };
                s->n_b++;
        }
push:
        list_push(&s->b[i].head, e);
        e->at = s->b[i].at;
        if (i == 0)
                timer_update(s);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Sampler *s = userdata;
        usec_t now = now_usec(CLOCK_MONOTONIC);

        s->armed_at = USEC_INFINITY;
        while (s->n_b > 0 && s->b[0].at <= now) {
                usec_t due = s->b[0].at;
                SamplerEntry *e;

                s->running = s->b[0].head;
                for (e = s->running; e; e = e->next)
                        e->at = AT_RUNNING;
                memmove(s->b, s->b + 1, (s->n_b - 1) * sizeof *s->b);
                s->n_b--;
                /* each callback may schedule or cancel any entry */
                while ((e = s->running)) {
                        list_unlink(&s->running, e);
                        e->at = 0;
                        e->fn(e, due);
                }
        }
        s->armed_at = 0; /* force the update */
        timer_update(s);
        return 0;
}

int sampler_acquire(sd_event *event, Sampler **ret) {
        Sampler *s;
        int r;

        s = (Sampler *) loop_shared_get(samplers, event);
        if (s) {
                *ret = s;
                return 0;
        }
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        r = sd_event_add_time(event, &s->timer, CLOCK_MONOTONIC, USEC_INFINITY, USEC_PER_MSEC, on_timer, s);
        if (r < 0) {
                free(s);
                return r;
        }
        (void) sd_event_source_set_enabled(s->timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(s->timer, "watch-sampler");
        s->armed_at = USEC_INFINITY;
        loop_shared_add(&samplers, &s->ls, event);
        *ret = s;
        return 0;
}

Sampler *sampler_release(Sampler *s) {
        if (!s || !loop_shared_put(&samplers, &s->ls))
                return NULL;
        sd_event_source_disable_unref(s->timer);
        free(s->b);
        free(s);
        return NULL;
}
