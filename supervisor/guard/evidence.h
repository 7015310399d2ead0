/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A service's evidence: what an observation from the watchers (watch.h)
 * makes cgwarden do, until the policy engine takes over the decisions.
 *
 *   - the on_<event> actions in order: capture (waits for the capture to
 *     finish), restart (graceful), stop, kill; throttle and notify are
 *     logged as not available yet
 *   - the capture sequences around the guard: pre-oom on v2 clamps
 *     memory.high at the usage, takes the procfs and cgroup items, lifts
 *     memory.high by capture_reserve for the JVM items and restores it; on
 *     v1 the OOM pause is held while capturing, the limit raised by
 *     capture_reserve for the JVM items and restored; pids-limit and
 *     pids-max raise pids.max by pids_capture_reserve; oom-kill is a
 *     post-mortem (cgroup items, history, the kernel's report)
 *   - the thread dump through SIGQUIT cut out of the service's stdout when
 *     an attach is unsafe or fails
 *   - the NMT baseline a few seconds after each start (a leak that kills
 *     within minutes has its diff), retaken at nmt_baseline_after
 *   - jvm_options: JDK_JAVA_OPTIONS for a java launcher */

#include <limits.h>
#include <regex.h>
#include <stdbool.h>

#include <systemd/sd-event.h>

#include "capture/capture.h"
#include "capture/hotspot.h"
#include "capture/jvm-flags.h"
#include "config/config.h"
#include "policies/engine.h"

typedef struct Service Service;
typedef struct NotifyJob NotifyJob;

/* A requested capture finished: path NULL when it failed to start; path
 * is valid during the call only. */
typedef void (*evidence_capture_done_t)(void *userdata, Service *s, const char *path, bool complete);
typedef struct NotifySocket NotifySocket;

typedef struct Evidence {
        PolicyState policy; /* cooldowns, throttle state */
        Capture *capture;
        EventType capture_event; /* what the running capture is for */
        evidence_capture_done_t capture_done; /* its requester's, for a requested capture */
        void *capture_done_userdata;
        /* the actions left after the running capture */
        ActionList pending;
        uint8_t pending_next;
        uint64_t pending_incarnation; /* the process (Service.n_spawns) they were decided for */
        CaptureTrigger trigger; /* of the last observation */
        char *report; /* its kernel OOM report */
        char last_capture[PATH_MAX];
        usec_t last_capture_rt; /* CLOCK_REALTIME of its end */
        /* for status and metrics */
        uint64_t n_oom_kills;
        uint64_t observations[_EVENT_TYPE_MAX]; /* each one, logged or summarised */
        usec_t last_oom_kill_at; /* CLOCK_MONOTONIC; 0: none */
        uint64_t captures[_EVENT_TYPE_MAX + 1]; /* by reason; the last slot: manual */
        usec_t throttled_total; /* finished throttles */
        char last_event[32];
        usec_t last_event_at; /* CLOCK_MONOTONIC */
        char event_capture[PATH_MAX]; /* the capture made for the current event ("" if none) */
        NotifyJob *notify_jobs[4]; /* notify_exec processes running */

        /* throttle */
        bool throttled;
        usec_t throttled_since; /* CLOCK_MONOTONIC */
        EventType throttle_event;
        sd_event_source *throttle_timer;
        unsigned n_throttles;
        unsigned n_captures;

        /* the guard's changes while capturing, to restore */
        bool clamped, granted_mem, granted_pids;
        bool restore_limit_pending; /* v1: the raised limit could not be lowered yet */
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
        char nmt_why[160]; /* why there is no baseline yet, for the capture's findings */

        /* log summaries: a repeat of an observation that does nothing is
         * counted, not logged, until action_cooldown after the last one
         * logged */
        usec_t obs_logged_at[_EVENT_TYPE_MAX];
        unsigned obs_quiet[_EVENT_TYPE_MAX];
        usec_t obs_quiet_since[_EVENT_TYPE_MAX];

        /* the JVM's memory bounds against the limit: from its command line
         * at the start, then from VM.flags (the final values) */
        JvmFlags jvm_flags;
        bool jvm_flags_probed; /* VM.flags answered (or cannot be asked) */
        bool jvm_flags_probing; /* the running attach is VM.flags, not the baseline */
        char jvm_finding[400]; /* jvm_flags_findings(); "" when none */
        int jvm_problems; /* how many it names */

        /* log triggers, compiled for regex_cfg */
        const ServiceConfig *regex_cfg;
        regex_t *regex;
        size_t n_regex;

        /* sd_notify from the service */
        NotifySocket *notify;
        sd_event_source *watchdog_timer;
        unsigned watchdog_missed; /* watchdog periods without WATCHDOG=1 in a row */
        char status_text[256]; /* the last STATUS= */

        /* a java service's attach socket, removed when a killed JVM left it */
        pid_t java_pid;

        /* every process gets its own capture before its kill: the
         * incarnation (Service.n_spawns) the running capture is of (0: a
         * post-mortem or none), and the last one captured alive */
        uint64_t capture_incarnation, captured_incarnation;
        /* an oom-kill seen while a capture ran: its post-mortem runs when
         * that capture ends */
        bool oom_kill_deferred;
        CaptureTrigger deferred_trigger;
} Evidence;

void evidence_init(Evidence *e);
void evidence_done(Service *s);

/* An observation from the watchers (watch.h): logged (a repeat that would
 * do nothing is counted and summarised instead), then decided and acted
 * on. */
void evidence_observe(Service *s, const Observation *o);

/* Would an observation of this type act now (the policy runs an action,
 * and no capture is running)? A dry run of the decision; changes nothing.
 * For the watchers' log summaries. */
bool evidence_would_act(Service *s, EventType type);

/* v1: the OOM pause caught the service. While a capture runs it gets its
 * reserve; when the process has no capture of its own yet (its pre-oom
 * was missed or failed to start) and on_pre_oom captures, it is captured
 * now, before the kernel goes on. */
void evidence_paused(Service *s);

/* The service is being stopped (a stop, a restart). At or near its task
 * limit a JVM cannot start the thread that runs its SIGTERM handler and
 * the stop would wait all of stop_timeout: pids.max is raised by
 * pids_capture_reserve until the process is gone. */
void evidence_stopping(Service *s);

/* The main process started / exited. */
void evidence_started(Service *s);
void evidence_stopped(Service *s);

/* Add to a starting service's environment: JDK_JAVA_OPTIONS when the
 * executable is a java launcher and jvm_options is not "none";
 * NOTIFY_SOCKET (and WATCHDOG_USEC) when it has a notify socket. Returns 0
 * or -ENOMEM. */
int evidence_env(Service *s, char ***env);

/* The service's sd_notify socket, when ready = notify or watchdog is set:
 * READY=1 makes it running, WATCHDOG=1 keeps it from `hang`, STATUS= is
 * kept. Returns 0 or -errno (logged). */
int evidence_setup_notify(Service *s);
/* ready = notify with a working socket: the service is running at READY=1. */
bool evidence_waits_for_ready(const Service *s);

/* The JDK_JAVA_OPTIONS value jvm_options gives a service (malloc'd, NULL
 * for none). Pure. */
char *evidence_jvm_options(const char *jvm_options, bool want_nmt, const char *existing);

/* Start a capture now (reason "manual" etc.; what: the trigger's words),
 * with the last sample's numbers; done (may be NULL) is called when it
 * ends. Returns 0, -EBUSY when one is running, or -errno (done is not
 * called then). */
int evidence_capture(Service *s, const char *reason, const char *what, evidence_capture_done_t done,
                     void *userdata);
