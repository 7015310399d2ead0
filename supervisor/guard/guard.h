/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A guard: everything cgwarden does for one guarded cgroup, and nothing of
 * launching. It owns the watchers (watch.h) and is their observer; it asks
 * the policy engine (policies/engine.h) what an observation calls for and
 * runs the actions it can run itself:
 *
 *   capture   the capture sequences (capture.h) around the cgroup's
 *             limits (reserve.c): pre-oom with a soft limit clamps it at
 *             the usage and lifts it by capture_reserve for the JVM items;
 *             with the OOM pause the pause is held while capturing and the
 *             hard limit raised by capture_reserve; pids-limit and
 *             pids-max raise pids.max by pids_capture_reserve; oom-kill is
 *             a post-mortem. Every process gets its own capture before its
 *             end: cooldowns count per process (incarnation).
 *   throttle  the soft limit held above the usage, the CPU quota lowered
 *             (throttle.c)
 *   notify    a journal entry and notify_exec (notify-exec.c)
 *
 * and asks its owner for the rest (GuardOwnerOps): restart, stop, kill.
 * Beside the actions: the log triggers on the service's output
 * (log-trigger.c), the thread dump through SIGQUIT cut out of its stdout
 * (thread-dump.c), and for a JVM its memory bounds (VM.flags) and the NMT
 * baseline a few seconds after each start (jvm-probe.c).
 *
 * The guard never calls its owner by name: it calls the ops it was given,
 * and its owner must not free it from inside one of them (a launched
 * service queues its changes for the manager, service.h). */

#include <limits.h>
#include <regex.h>
#include <stdbool.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "capture/capture.h"
#include "capture/memsample.h"
#include "capture/hotspot.h"
#include "capture/jvm-flags.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "jvm/perfdata.h"
#include "policies/budget.h"
#include "policies/engine.h"
#include "spawn/outlog.h"
#include "watch/observation.h"
#include "watch/watch.h"

typedef struct Guard Guard;

typedef struct TeleRings TeleRings;
typedef struct NotifyJob NotifyJob;
typedef struct Upload Upload;

/* The guarded process as its owner knows it. */
typedef struct GuardProcess {
        pid_t pid; /* the main process; 0: none running */
        uint64_t incarnation; /* processes started so far: the policy's cooldowns count per process */
        usec_t started_at; /* CLOCK_MONOTONIC */
        const char *exe; /* the resolved executable; NULL: unknown */
        char *const *envp; /* its environment; NULL: unknown */
        uid_t uid;
} GuardProcess;

/* What the guard asks of its owner. Each may be called from any of the
 * guard's event sources; none may free the guard. */
typedef struct GuardOwnerOps {
        void (*describe)(void *owner, GuardProcess *ret);
        int (*restart)(void *owner); /* a policy restart: graceful, through the restart back-off */
        int (*stop)(void *owner);
        int (*kill)(void *owner); /* every process of the cgroup */
        /* may the guard change the cgroup's limits (clamp, reserves,
         * throttle, tripwire)? A launched service's: yes. */
        bool (*may_write)(void *owner);
        /* the throttle or capture state changed (status lines, STATUS=) */
        void (*changed)(void *owner);
} GuardOwnerOps;

/* A requested capture finished: path NULL when it failed to start; path
 * is valid during the call only. */
typedef void (*guard_capture_done_t)(void *userdata, const char *path, bool complete);

typedef struct GuardSpec {
        sd_event *event;
        CgContext *cg_context;
        CgService *cg;
        const ServiceConfig *cfg; /* name, on_*, capture_*, throttle_*, log_trigger, ... */
        CgLimits *limits; /* the limits in force, kept by the owner */
        const char *capture_dir;
        OutLog *log; /* the service's output (log triggers, SIGQUIT dump); NULL: none */
        /* [supervisor] capture_budget over every guard, and the ledger they
         * share (the owner's owner keeps it); NULL: none */
        const CaptureBudget *host_budget;
        CaptureLedger *host_ledger;
        /* [supervisor] heap_dump_budget, and its shared ledger */
        const CaptureBudget *host_heap_budget;
        CaptureLedger *host_heap_ledger;
        /* far from the limits, where the kernel tells of a climb first or
         * the cgroup is idle, sample at this interval (WatchSpec); 0: never */
        usec_t idle_interval;
} GuardSpec;

struct Guard {
        /* inputs (guard_new), held by reference */
        sd_event *event;
        CgContext *cg_context;
        CgService *cg;
        const ServiceConfig *cfg;
        CgLimits *limits;
        const char *capture_dir;
        OutLog *log;
        const CaptureBudget *host_budget;
        CaptureLedger *host_ledger;
        const CaptureBudget *host_heap_budget;
        CaptureLedger *host_heap_ledger;
        const GuardOwnerOps *ops;
        void *owner;
        Watch *watch;

        /* cooldowns, throttle state, a slot per log_trigger: allocated at
         * the first decision (guard_policy()), as most services never see
         * one; NULL: none yet, every cooldown is over */
        PolicyState *policy;
        Capture *capture;
        guard_capture_done_t capture_done; /* its requester's, for a requested capture */
        void *capture_done_userdata;
        /* the actions left after the running capture */
        ActionList pending;
        uint8_t pending_next;
        /* (the small fields are placed where they fill the struct's holes) */
        bool event_captured; /* see last_capture */
        EventType capture_event; /* what the running capture is for */
        uint64_t pending_incarnation; /* the process they were decided for */
        CaptureTrigger trigger; /* of the last observation */
        char *report; /* its kernel OOM report */
        /* the last capture's directory (NULL: none yet), and whether it was
         * made for the current event (guard_event_capture()): allocated
         * when a capture ends, as most services never have one */
        char *last_capture;
        usec_t last_capture_rt; /* CLOCK_REALTIME of its end */
        /* for status and metrics */
        uint64_t n_oom_kills;
        uint64_t observations[_EVENT_TYPE_MAX]; /* each one, logged or summarised */
        usec_t last_oom_kill_at; /* CLOCK_MONOTONIC; 0: none */
        uint64_t captures[_EVENT_TYPE_MAX + 1]; /* by reason; the last slot: manual */
        usec_t throttled_total; /* finished throttles */
        char last_event[32];
        usec_t last_event_at; /* CLOCK_MONOTONIC */
        /* the incident: one id (32 hex) for the observations, captures,
         * uploads and journal entries of one process's trouble; a new one
         * for another process, or after an hour without an event */
        char incident[33];
        uint64_t incident_incarnation;
        usec_t incident_at; /* CLOCK_MONOTONIC of its last use */
        NotifyJob *notify_jobs[4]; /* notify_exec processes running */
        Upload *upload; /* capture_upload's queue (upload.c); NULL: none yet */
        sd_event_source *upload_scan; /* the captures of before, queued once the loop runs */
        uint64_t n_uploads; /* captures uploaded */
        uint64_t n_upload_failures; /* captures given up (or gone) before their upload */
        /* capture_budget: this guard's ledger (allocated with a budget), the
         * running capture's slots in it and the host's, and the drops */
        CaptureLedger *ledger;
        size_t ledger_slot, host_slot;
        bool budget_dropping; /* the drop was logged; the next ones are counted until a capture runs */
        bool heap_dropping; /* as budget_dropping, until a heap dump is taken (heap_dump_budget) */
        uint64_t n_captures_dropped;
        /* heap_dump_budget: the heap dumps this guard's captures held, and
         * those left out */
        CaptureLedger *heap_ledger;
        uint64_t n_heap_dumps_dropped;

        /* log summaries: a repeat of an observation that does nothing is
         * counted, not logged, until action_cooldown after the last one
         * logged */
        usec_t obs_logged_at[_EVENT_TYPE_MAX];
        unsigned obs_quiet[_EVENT_TYPE_MAX];
        usec_t obs_quiet_since[_EVENT_TYPE_MAX];

        /* throttle */
        bool throttled;
        EventType throttle_event;
        usec_t throttled_since; /* CLOCK_MONOTONIC */
        sd_event_source *throttle_timer;
        unsigned n_throttles;
        unsigned n_captures;

        /* the guard's changes while capturing, to restore */
        bool clamped, granted_mem, granted_pids;
        bool restore_limit_pending; /* the raised hard limit could not be lowered yet */
        bool granted_pids_stop; /* pids.max raised so that the service can stop */

        /* the SIGQUIT thread dump, cut out of stdout */
        Capture *dump_capture;
        capture_step_done_t dump_done;
        int dump_fd;
        bool dump_in; /* between "Full thread dump" and "JNI global refs" */

        /* NMT baseline */
        sd_event_source *nmt_timer;
        HotspotAttach *nmt_attach;
        sd_event_source *nmt_io, *nmt_deadline;
        int nmt_fd;
        bool nmt_baseline;
        bool nmt_refreshed; /* the later, steadier baseline at nmt_baseline_after was taken */
        unsigned nmt_tries; /* failed attempts at the early baseline */
        usec_t nmt_next_at; /* CLOCK_MONOTONIC of the next attempt (0: none) */
        char *nmt_why; /* why there is no baseline yet, for the capture's findings; NULL: no reason known */

        /* the live class histogram baseline (GC.class_histogram's answer in
         * an unlinked file, -1: none), taken after the JVM's first answered
         * baseline attach and again at nmt_baseline_after */
        int hist_fd;
        bool hist_probing; /* the running attach is the histogram */
        bool hist_due; /* the armed timer is for the histogram */
        bool hist_early, hist_steady; /* taken (or tried) */
        usec_t hist_nmt_resume_at; /* the NMT attempt the histogram went before (0: none) */
        /* capture_memory_sample: the anonymous mappings at the latest
         * baseline, against which anon-sample.txt picks what grew */
        MapRange *map_base;
        size_t n_map_base;

        /* the JVM's hsperfdata counters (jvm-telemetry.c) */
        sd_event_source *tele_timer;
        int tele_fd;
        unsigned tele_tries; /* looks for the file */
        /* the last read (tele_have), what status and metrics show */
        struct {
                uint64_t heap_used, heap_committed, old_used, old_committed, metaspace_used;
                uint64_t gc_count, gc_time_usec, threads; /* UINT64_MAX: not in the file */
        } tele;
        uint64_t tele_old_max; /* sun.gc.generation.1.maxCapacity (0: unknown) */
        uint64_t tele_old_colls; /* old collections so far (UINT64_MAX: none read yet) */
        /* the recent points of gc-overhead and heap-leak (jvm-telemetry.c):
         * 1.5 KiB allocated when a JVM's hsperfdata file is first found;
         * NULL: none found yet */
        TeleRings *tele_rings;
        bool tele_have; /* tele holds a read */
        bool tele_gc_over; /* gc-overhead observed, not yet below half */
        bool tele_leak_said; /* heap-leak observed for this process */

        /* the JVM's memory bounds against the limit: from its command line
         * at the start, then from VM.flags (the final values) */
        JvmFlags jvm_flags;
        bool jvm_flags_probed; /* VM.flags answered (or cannot be asked) */
        bool jvm_flags_probing; /* the running attach is VM.flags, not the baseline */
        int jvm_problems; /* how many jvm_finding names */
        char *jvm_finding; /* jvm_flags_findings(); NULL when none */

        /* log triggers, compiled for regex_cfg */
        const ServiceConfig *regex_cfg;
        regex_t *regex;
        size_t n_regex;

        /* a java service's attach socket, removed when a killed JVM left it */
        pid_t java_pid;

        /* every process gets its own capture before its kill: the
         * incarnation the running capture is of (0: a post-mortem or
         * none), and the last one captured alive */
        uint64_t capture_incarnation, captured_incarnation;
        /* an oom-kill seen while a capture ran: its post-mortem runs when
         * that capture ends, with the kill's trigger (allocated then; NULL
         * when out of memory: the last observation's) */
        CaptureTrigger *deferred_trigger;
        bool oom_kill_deferred;
        /* another observation seen while a capture ran (-1: none; the
         * latest wins): decided when the capture ends, if its process still
         * runs; its trigger in deferred_trigger. An observation said once
         * (heap-leak, leak-trend) would otherwise be lost with its actions. */
        int deferred_type;
        uint64_t deferred_incarnation;
};

/* Create the guard and its watchers (the cgroup exists). Returns 0 or
 * -errno (logged). */
int guard_new(const GuardSpec *spec, const GuardOwnerOps *ops, void *owner, Guard **ret);
Guard *guard_free(Guard *g);

/* capture_upload's captures waiting or uploading (upload.c); busy: > 0 */
size_t guard_upload_pending(const Guard *g);
/* capture_upload's object name for the capture at dir of incident ("":
 * none; NULL: the one dir's manifest names):
 * "HOST/SERVICE/INCIDENT/CAPTURE.tar.gz", as CGWARDEN_OBJECT. */
void guard_upload_object(const char *service, const char *incident, const char *dir, char *buf, size_t size);
static inline bool guard_upload_busy(const Guard *g) {
        return guard_upload_pending(g) > 0;
}

/* The owner's process started / is being stopped (a stop, a restart) / is
 * gone. Stopping: at or near its task limit a JVM cannot start the thread
 * that runs its SIGTERM handler and the stop would wait all of
 * stop_timeout, so pids.max is raised by pids_capture_reserve until the
 * process is gone. */
void guard_started(Guard *g);
void guard_stopping(Guard *g);
void guard_stopped(Guard *g);

/* An observation the owner made itself (a hang from its watchdog): the
 * last sample's numbers, what in words; decided and acted on. The owner
 * has logged it; quiet: it did not (a flood), and a decision that does
 * nothing is logged at debug level only. */
void guard_report(Guard *g, EventType type, const char *what, bool quiet);

/* Would an observation of this type act now (the policy runs an action,
 * and no capture is running)? A dry run of the decision; changes nothing. */
bool guard_would_act(Guard *g, EventType type);

/* Start a capture now (reason "manual" etc.; what: the trigger's words),
 * with the last sample's numbers; done (may be NULL) is called when it
 * ends. Returns 0, -EBUSY when one is running, or -errno (done is not
 * called then). */
int guard_capture(Guard *g, const char *reason, const char *what, guard_capture_done_t done, void *userdata);

/* The capture made for the current event: its directory, "" if none. */
static inline const char *guard_event_capture(const Guard *g) {
        return g->event_captured && g->last_capture ? g->last_capture : "";
}
