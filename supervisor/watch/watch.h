/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Guardrails: per-service watchers on the sd-event loop that turn kernel
 * signals into observations (pre-oom, oom-kill, pids-limit, pids-max).
 * Until the capture and policy engines exist, an observation is logged
 * (journald with a MESSAGE_ID per type, or stderr) with its numbers.
 *
 *   v2: memory.events and pids.events through inotify (the kernel notifies
 *       on change), memory.current/pids.current sampled at an adaptive
 *       interval (sample_interval, 100 ms above half the capture threshold)
 *   v1: an eventfd threshold on memory.usage_in_bytes at capture_at and an
 *       eventfd on memory.oom_control, both through cgroup.event_control;
 *       pids.events through inotify; usage and pids sampled as on v2
 *
 * Effective limits: the limit that will actually stop the service is the
 * smallest up the cgroup tree (a slice or container above cgwarden
 * counts), else total memory; for tasks also RLIMIT_NPROC, threads-max and
 * pid_max. Thresholds are taken against these, so the guard works when the
 * service itself has no memory_max. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "base/macro.h"

typedef struct Service Service;
typedef struct Watch Watch;

typedef struct EffectiveLimit {
        uint64_t value; /* UINT64_MAX: none found */
        char source[160];
} EffectiveLimit;

typedef struct EffectiveLimits {
        EffectiveLimit memory;
        EffectiveLimit pids;
} EffectiveLimits;

/* Compute the effective limits of a service (reads the cgroup tree up to
 * the root, rlimits and sysctls; writes nothing). Returns 0 or -errno. */
int watch_effective_limits(Service *s, EffectiveLimits *ret);

/* Create the watchers of a service (after its cgroup exists). Returns 0 or
 * -errno (logged). */
int watch_new(Service *s, Watch **ret);
Watch *watch_free(Watch *w);

/* The service's main process started or the service stopped: reset the
 * per-run state and (re)arm the watchers. */
void watch_started(Watch *w);
void watch_stopped(Watch *w);

/* For the evidence sequences (evidence.h): v1 OOM pause state; hold it
 * while a capture runs (the oom_pause_max timer stops) and release it
 * after (a service still paused then goes back to the kernel's decision);
 * the history; the effective limits as one line. */
bool watch_paused(const Watch *w);
void watch_hold_pause(Watch *w, bool hold);
typedef struct History History;
const History *watch_history(const Watch *w);
void watch_format_limits(const Watch *w, char *buf, size_t size);
/* The last sample's numbers into a capture trigger. */
typedef struct CaptureTrigger CaptureTrigger;
void watch_fill_trigger(const Watch *w, CaptureTrigger *t);
/* The last sample: usage, the effective limits, growth and the time to
 * the memory limit at that rate (USEC_INFINITY: none). */
typedef struct WatchSample {
        uint64_t memory_current, pids_current; /* UINT64_MAX: unknown */
        EffectiveLimits limits;
        double growth_bps; /* short-window growth, bytes/s; 0: none or unknown */
        usec_t eta;
} WatchSample;
void watch_get_sample(const Watch *w, WatchSample *ret);

/* Stable MESSAGE_ID for an observation type (journald). */
const char *watch_message_id(EventType e);
