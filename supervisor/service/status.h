/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A snapshot of every service, for `cgwarden status` (table and JSON) and
 * the Prometheus metrics. Plain data: filled by service_get_status() from the
 * running supervisor, formatted by the control client and metrics.c. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "config/config.h"
#include "base/macro.h"

#define STATUS_NAME_MAX 64
#define STATUS_TEXT_MAX 256
#define STATUS_TREND_MIN_UPTIME (10 * USEC_PER_SEC)

typedef struct ServiceStatus {
        char name[STATUS_NAME_MAX];
        char kind[16]; /* "service" (launched), "unit", "container", "cgroup" (watched), "self" */
        char cgroup[STATUS_TEXT_MAX]; /* its cgroup's path */
        char state
                [16]; /* "stopped" "starting" "running" "stopping" "backoff" "failed" ... (service-state.h) */
        bool throttled;
        int pid; /* 0: none */
        usec_t uptime; /* since the main process started; 0 when not running */
        uint64_t restarts; /* automatic and policy restarts since cgwarden started */
        uint64_t memory_current; /* bytes; UINT64_MAX: unknown */
        uint64_t memory_high; /* configured guard; UINT64_MAX: none */
        uint64_t memory_max; /* configured limit; UINT64_MAX: none */
        uint64_t memory_effective; /* the limit that will act (effective limits); UINT64_MAX: none */
        char memory_effective_source[128];
        uint64_t pids_current; /* UINT64_MAX: unknown */
        uint64_t pids_max; /* UINT64_MAX: none */
        double growth_bps; /* short-window growth, bytes/s; 0: none or unknown */
        double eta_s; /* seconds to the effective limit at that rate; < 0: none (also when the service
                       * is not running, or its process is younger than STATUS_TREND_MIN_UPTIME: a
                       * service killed twice a second has no trend) */
        uint64_t oom_kills; /* kernel OOM kills seen since cgwarden started */
        usec_t last_oom_kill_age; /* how long ago the last one was; 0 with none */
        uint64_t captures[_EVENT_TYPE_MAX + 1]; /* captures taken, by reason (the last slot: manual) */
        uint64_t observations
                [_EVENT_TYPE_MAX]; /* observations, by event: each one, also those summarised in the log */
        double throttled_s; /* total seconds spent throttled */
        char last_event[32]; /* "pre-oom", ...; "" when none */
        usec_t last_event_age; /* how long ago; 0 with no event */
        char last_capture[STATUS_TEXT_MAX]; /* path; "" when none */
        uint64_t uploads, upload_failures, uploads_pending; /* capture_upload: done, given up, queued */
        uint64_t captures_dropped; /* by capture_budget (the service's or the host's) */
        uint64_t heap_dumps_dropped; /* left out of captures by heap_dump_budget */
        char incident[33]; /* the last incident's id; "" when none */
        char status_text[STATUS_TEXT_MAX]; /* the service's last STATUS= (sd_notify) */
        uint64_t jvm_max_heap; /* the JVM's MaxHeapSize; UINT64_MAX: not a JVM, or unknown */
        uint64_t jvm_max_direct; /* its MaxDirectMemorySize; UINT64_MAX: unset or unknown */
        unsigned jvm_limit_problems; /* what the bounds mean under the limit: how many problems */
        char jvm_finding[400]; /* and in words; "" when none */
        /* from the JVM's hsperfdata file, read every sample_interval
         * without attaching (jvm-telemetry.c); UINT64_MAX: not a JVM, not
         * read (yet), or not in its file */
        uint64_t jvm_heap_used, jvm_heap_committed, jvm_old_used, jvm_old_committed, jvm_metaspace_used;
        uint64_t jvm_gc_count, jvm_gc_time_usec, jvm_threads;
} ServiceStatus;

typedef struct Guard Guard;

/* Start a snapshot: every field unknown or none, the name set. */
void status_init(ServiceStatus *st, const char *name);
/* The guard's part: samples, trend (only when running, and for a process
 * up STATUS_TREND_MIN_UPTIME: st->uptime set first), OOM kills, captures,
 * observations, throttle, last event and capture, the JVM's bounds. */
void status_fill_guard(const Guard *g, bool running, ServiceStatus *st);

/* The reason label for captures[i]: event_type_to_string(i), "manual" for
 * the last slot. */
const char *status_capture_reason(size_t i);
