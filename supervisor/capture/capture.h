/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The capture orchestrator: one capture directory per event, written as
 * <capture_dir>/<service>/.<UTC stamp>-<reason>.partial/ and renamed to
 * <UTC stamp>-<reason>/ when finished, so a directory without the dot is
 * always finished (its manifest.json says whether every item succeeded).
 *
 * A capture is a sequence of items on the sd-event loop, cheap and certain
 * first: procfs (status, smaps_rollup, pmap, tasks), cgroup files, the
 * history, then the JVM (Thread.print, VM.native_memory summary[.diff],
 * GC.heap_info, optionally GC.class_histogram -all). Every item runs in a
 * short-lived forked helper (the JVM items in hotspot.h's helper), has its
 * own deadline and is killed at it; a failed item is recorded in the
 * manifest with its error and the rest go on. capture_timeout bounds the
 * whole. The loop never waits for an item.
 *
 * Hooks let the caller shape the sequence (the service's guard): clamp
 * before the first item, grant reserves before the JVM items, restore
 * after, and take a thread dump through SIGQUIT and the service's stdout
 * when attaching is unsafe (a JVM at its task limit without a listener). */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "capture/store.h" /* the names, retention: capture_format_*(), capture_prune() */
#include "config/config.h"
#include "watch/history.h"
#include "watch/observation.h" /* CaptureTrigger: what fired, for the manifest's "trigger" */
#include "base/macro.h"

typedef struct Capture Capture;

/* Completion of an asynchronous hook step: ok, or an error text. */
typedef void (*capture_step_done_t)(Capture *c, int error, const char *message);

typedef struct CaptureHooks {
        /* Before the first item (v2: clamp memory.high at the usage). */
        void (*clamp)(void *userdata);
        /* Before the JVM items (lift memory.high / the v1 limit by
         * capture_reserve, pids.max by pids_capture_reserve). */
        void (*grant)(void *userdata);
        /* After the last item, also when the capture fails or is freed. */
        void (*restore)(void *userdata);
        /* Thread dump through SIGQUIT: send it and copy the dump from the
         * service's stdout into out_fd; call done when it is complete.
         * Returns 0 when started, or -errno (e.g. -EOPNOTSUPP when the JVM
         * does not handle SIGQUIT). cancel stops it (deadline, free). */
        int (*sigquit_dump)(void *userdata, Capture *c, int out_fd, capture_step_done_t done);
        void (*sigquit_cancel)(void *userdata);
} CaptureHooks;

typedef struct CaptureSpec {
        const char *service; /* the directory below capture_dir */
        const char *reason; /* "pre-oom", "pids-limit", "leak-trend", "oom-kill", "manual", ... */
        char incident[33]; /* the incident's id (32 hex), for the manifest; "" when none */
        pid_t pid; /* the main process; 0 when there is none (post-mortem) */
        const char *cgroup; /* for the manifest */
        /* absolute cgroup directories for the cgroup items (NULL: none);
         * on v1 memory and pids are different hierarchies */
        const char *memory_dir, *pids_dir;
        /* the files of memory_dir that hold the memory event counters
         * (cg_context_memory_event_files): one is copied as it is, several
         * are quoted a line each */
        const char *const *memory_event_files;
        uint32_t items; /* CaptureItem bits */
        usec_t timeout; /* the whole capture */
        uint64_t keep, max_bytes; /* retention per service (0: unlimited) */
        CaptureTrigger trigger;
        const History *history; /* written as history.csv (NULL: none) */
        const char *kernel_report; /* written as oom-report.txt (NULL: none) */
        const char *limits_text; /* the effective limits, for the manifest */
        bool nmt_baseline; /* a baseline was taken: also nmt-diff */
        const char *
                nmt_no_baseline; /* else why not: nmt-diff is listed as skipped with it (NULL: not listed) */
        const char *jvm_limits; /* what the JVM's bounds mean under the limit (jvm-flags.h); NULL: fine */
        /* the live class histogram taken as a baseline (histogram.h): an
         * open file holding GC.class_histogram's answer, read at the start;
         * with it, histogram-diff.txt follows the histogram */
        bool histogram_baseline;
        int histogram_baseline_fd;
        /* capture = auto: the histogram (a full GC) only when the Java heap
         * grew since that baseline (NMT's Java Heap committed by 8M or more,
         * or the heap used above the baseline's live objects by a quarter
         * and 16M) */
        bool histogram_when_grown;
        /* heap_dump (config.h's HeapDumpMode): GC.heap_dump into a 0700
         * directory of the JVM's user in the JVM's own /tmp, then moved
         * into the capture as heap.hprof[.gz] */
        int heap_dump;
        /* non-empty: the heap dump heap_dump asks for is left out, this is
         * why (heap_dump_budget); the manifest says it as skipped */
        char heap_dump_skip[200];
        /* capture_memory_sample: anon-sample.txt from the process's memory
         * (process_vm_readv), in the mappings that grew since map_base */
        bool memory_sample;
        const struct MapRange *map_base;
        size_t n_map_base;
        /* the JVM at its task limit: attach only when its listener runs
         * already (starting one needs a thread and kills the JVM there) */
        bool at_task_limit;
        const CaptureHooks *hooks;
        void *hooks_userdata;
} CaptureSpec;

/* Called once, when the capture has finished (renamed) or failed to
 * start the directory: path is the final directory (NULL if none was
 * made), complete whether every item that applied succeeded. */
typedef void (*capture_done_t)(Capture *c, const char *path, bool complete, void *userdata);

/* Start a capture. dir is capture_dir (created 0700 when missing). The
 * strings in spec are copied. Returns 0 and *ret, or -errno (logged)
 * when not even the directory could be made. */
int capture_start(sd_event *e, const char *dir, const CaptureSpec *spec, capture_done_t done, void *userdata,
                  Capture **ret);

/* Abort a running capture (its helpers are killed, the manifest says
 * "aborted", the directory is renamed). Accepts NULL. */
Capture *capture_free(Capture *c);
static inline void capture_freep(Capture **c) {
        *c = capture_free(*c);
}

/* The final directory name (set from the start, the partial one is
 * renamed to it at the end). */
const char *capture_get_path(const Capture *c);

/* The reason strings, and the capture items a reason takes. */
const char *capture_reason_from_event(EventType e);

/* At startup, before any capture runs: every "<dir>/<service>/.NAME.partial"
 * left by a cgwarden that was killed mid-capture gets a manifest.json
 * (complete false, error "interrupted: ...", the files found listed as
 * items not recorded, recovered_at) and is renamed to NAME, so its
 * evidence is kept and found. Returns the number finished, or -errno. */
int capture_recover(const char *dir);
