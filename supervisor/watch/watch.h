/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The watchers of one cgroup: on the sd-event loop, they turn kernel
 * signals into observations (pre-oom, oom-kill, pids-limit, pids-max,
 * leak-trend) and hand each to the observer callback their owner gave
 * them. They decide nothing and log only their own state (tripwire,
 * pause, missing kernel features); the observer logs the observation.
 *
 *   sampling: usage and tasks at an adaptive interval (sample_interval,
 *       100 ms above half the capture threshold), with the history and
 *       the short and long trends (ETA, leak-trend)
 *   notifications where the kernel has them (cgroup.h features): memory
 *       events through inotify, a PSI trigger, a usage-threshold eventfd at
 *       capture_at, the OOM-state eventfd and the OOM pause (the kernel's
 *       OOM killer held at the limit for up to oom_pause_max), pids events
 *       through inotify
 *   the capture_at tripwire: with a soft memory limit and none configured,
 *       the soft limit placed at capture_at, so that a fast leak is seen
 *       before the kill
 *
 * Thresholds are taken against the effective limits (cgroup.h): the guard
 * works when the service itself has no memory_max. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "base/macro.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "watch/observation.h"

typedef struct Watch Watch;
typedef struct History History;

/* What the watchers watch; held by reference, owned by the caller, alive
 * as long as the Watch. */
typedef struct WatchSpec {
        sd_event *event;
        CgContext *cg_context; /* the kernel's features */
        CgService *cg;
        const ServiceConfig *cfg; /* name, capture_at, pids_capture_at, sample_interval, capture_lead,
                                   * leak_*, psi_*, oom_pause_max, memory_high */
        /* the limits in force (cgroup.h), kept by the owner: the watchers
         * lower memory_high against an effective limit above the cgroup
         * when memory_high is set and memory_max is not */
        CgLimits *limits;
        /* may the watchers write the cgroup (the tripwire, memory_high
         * against an effective limit, the OOM pause)? */
        bool may_write;
        /* Far from every limit (below half of capture_at, tasks below an
         * eighth of pids_capture_at), where the kernel tells of a climb to
         * capture_at before a sample would (a v1 usage threshold
         * registered, a v2 memory.high at or below capture_at), or there is
         * no memory threshold, or the cgroup is idle (below a quarter of
         * capture_at and not growing): sample at this interval when it is
         * longer than sample_interval; with no task limit near, read the
         * tasks only at those samples or every 4 sample_intervals; and make
         * the PSI trigger only from a quarter of capture_at on. For the
         * thousands of cgroups a fleet agent watches (idle_sample_interval;
         * tests/bench/watch-scale); 0: every sample_interval. */
        usec_t idle_interval;
} WatchSpec;

typedef struct WatchCallbacks {
        /* An observation. The pointers in o are valid during the call. */
        void (*observe)(void *userdata, const Observation *o);
        /* The OOM pause caught the tasks at the limit (CG_FEATURE_OOM_PAUSE). */
        void (*paused)(void *userdata);
} WatchCallbacks;

/* Create the watchers (after the cgroup exists). Returns 0 or -errno
 * (logged). */
int watch_new(const WatchSpec *spec, const WatchCallbacks *cb, void *userdata, Watch **ret);
Watch *watch_free(Watch *w);

/* A main process started (its pid, and the uid whose RLIMIT_NPROC counts),
 * or it stopped: reset the per-run state and (re)arm the watchers. */
void watch_started(Watch *w, pid_t main_pid, uid_t uid);
void watch_stopped(Watch *w);

/* For the capture sequences: the OOM pause's state; hold it while a
 * capture runs (the oom_pause_max timer stops) and release it after (tasks
 * still paused then go back to the kernel's decision); the history; the
 * effective limits as one line. */
bool watch_paused(const Watch *w);
void watch_hold_pause(Watch *w, bool hold);
const History *watch_history(const Watch *w);
/* The JVM's heap and old generation used, in bytes (UINT64_MAX: unknown),
 * as its owner last read them: kept with the next samples in the history
 * until set again (a start resets them to unknown). */
void watch_set_jvm_heap(Watch *w, uint64_t heap_used, uint64_t old_used);
void watch_format_limits(const Watch *w, char *buf, size_t size);
/* The last sample's numbers into a capture trigger. */
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
