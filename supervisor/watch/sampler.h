/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One timer for the samples that may come late. A guard far from every
 * limit samples every sample_interval, up to a quarter of it late; with a
 * timer of its own each such sample costs an sd-event loop iteration and
 * two heap updates in sd-event's timer queues, and with thousands of
 * guards those were the largest part of cgwarden's idle CPU
 * (tests/bench/watch-scale). Here the due times are rounded up to a grid
 * (the lateness allowed) and kept in buckets, one per grid point: one
 * wake-up runs every entry of its bucket, and scheduling costs a binary
 * search among a few buckets.
 *
 * The entries are the callers' (embedded, no allocation). A Sampler is
 * shared by every user of one sd_event (acquire/release). Callbacks run
 * one at a time and may schedule or cancel any entry, their own included. */

#include <systemd/sd-event.h>

#include "base/macro.h"

typedef struct Sampler Sampler;
typedef struct SamplerEntry SamplerEntry;

/* due: the grid point the entry ran for (at or before now): a caller that
 * schedules its next run from it, not from now, keeps its period (from
 * now, each run's lateness and the rounding up to the grid add up: a 1 s
 * period with a 250 ms grid came every 1.25 s) */
typedef void (*sampler_fn)(SamplerEntry *e, usec_t due);

struct SamplerEntry {
        SamplerEntry *prev, *next;
        usec_t at; /* its bucket; 0: not queued */
        sampler_fn fn;
};

int sampler_acquire(sd_event *event, Sampler **ret);
Sampler *sampler_release(Sampler *s);

/* Run e->fn at due or up to grid later (grid > 0), at a multiple of grid.
 * An entry already queued is moved. */
void sampler_schedule(Sampler *s, SamplerEntry *e, usec_t due, usec_t grid);
void sampler_cancel(Sampler *s, SamplerEntry *e);
static inline bool sampler_queued(const SamplerEntry *e) {
        return e->at != 0;
}
