/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One supervised service: its cgroup, its processes, its event sources and
 * the executor of the life-cycle transitions (service-state.h). */

#include <sys/types.h>

#include <systemd/sd-event.h>

#include "policies/backoff.h"
#include "base/fdset.h"
#include "base/log.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "guard/guard.h"
#include "spawn/outlog.h"
#include "base/seccomp-util.h"
#include "service/service-state.h"
#include "spawn/spawn.h"

typedef struct Service Service;
typedef struct ServiceStatus ServiceStatus;
typedef struct NotifySocket NotifySocket;

/* A requested capture finished: path NULL when it failed to start; path
 * is valid during the call only. */
typedef void (*service_capture_done_t)(void *userdata, Service *s, const char *path, bool complete);

/* What a service gets from its owner: the loop, the cgroup context, the
 * run-wide settings, and the owner's deferred queue. A service never
 * calls its owner by name: it sets its own flags (settle_queued) and calls
 * changed(), which only queues work on the owner's loop (the owner must
 * not free or touch services from inside it). The owner keeps the struct
 * alive as long as its services and updates shutting_down. */
typedef struct ServiceContext {
        sd_event *event;
        CgContext *cg;
        const Config *config; /* state_dir, capture_dir, log_dir, capture_budget */
        CaptureLedger *host_ledger; /* the host's capture_budget ledger, shared */
        CaptureLedger *host_heap_ledger; /* the host's heap_dump_budget ledger, shared */
        int log_dir_fd; /* -EBADF: no output log */
        bool exec_mode; /* one service, output relayed */
        /* a container's entrypoint (cgwarden exec --guard-self): the service
         * runs in cgwarden's own cgroup (cg_service_open_own), whose limits
         * are the container's; nothing is set, and the guard may not write */
        bool guard_self;
        bool shutting_down;
        const char *oom_score_adj_orig; /* restored in children */
        uint64_t nofile_soft_orig;
        void (*changed)(void *userdata, Service *s); /* state, throttle or capture changed */
        void *userdata;
} ServiceContext;

typedef enum SvcTimer {
        SVC_TIMER_NONE,
        SVC_TIMER_STOP,
        SVC_TIMER_START,
        SVC_TIMER_BACKOFF,
} SvcTimer;

struct Service {
        const ServiceContext *ctx;
        ServiceConfig *cfg;
        CgService *cg;

        SvcState state;
        SvcAfter after;

        pid_t main_pid;
        int pidfd;
        int errpipe;
        /* the main process's exit: its pidfd in the FdSet, or where there
         * is no pidfd, an sd-event child source */
        FdSetEntry child_entry;
        sd_event_source *child_source;
        sd_event_source *errpipe_source;
        sd_event_source *timer;
        SvcTimer timer_kind;
        sd_event_source *empty_source; /* v2 inotify on cgroup.events, or v1 poll */
        /* stdout and stderr: the read ends in the loop's FdSet (not an
         * sd-event source each: base/fdset.h) */
        FdSet *fdset;
        FdSetEntry out_entry[2];
        int out_r[2], out_w[2];
        OutLog *log;
        Guard *guard; /* the watchers, the evidence, the policy (guard.h) */

        /* sd_notify from the service (readiness.c) */
        NotifySocket *notify;
        sd_event_source *watchdog_timer;
        unsigned watchdog_missed; /* watchdog periods without WATCHDOG=1 in a row */
        char *status_text; /* the last STATUS= (its first 255 bytes); NULL: none (most services send none) */
        LogRateLimit notify_log; /* what it says is logged at a bounded rate */

        /* a requested capture (service_capture) */
        service_capture_done_t capture_done;
        void *capture_done_userdata;

        /* resolved once per configuration */
        char *exe;
        char **envp;
        uid_t uid;
        gid_t gid;
        gid_t *groups;
        size_t n_groups;
        SeccompProgram *seccomp;
        CgLimits limits;

        /* life-cycle bookkeeping */
        bool spawn_failed;
        SpawnFailure spawn_failure;
        int last_code; /* exit code, or -1 */
        int last_signal; /* terminating signal, or 0 */
        unsigned n_failures; /* consecutive, for back-off */
        unsigned n_restarts;
        uint64_t n_spawns; /* processes started: the incarnation the policy's cooldowns count in */
        StartLimit start_limit;
        usec_t started_at; /* CLOCK_MONOTONIC */

        /* for the owner's queue: the service settled since the owner last
         * looked (set here, cleared by the owner) */
        bool settle_queued;

        /* reload */
        bool remove_when_settled;
        ServiceConfig *replacement;

        /* signals for the main process go to its process group (its own:
         * it called setsid), as tini -g does; set by the owner */
        bool signal_group;
};

/* Create the service and its cgroup (with ctx->guard_self: open cgwarden's
 * own); does not start it. Takes ownership of cfg on success. Returns 0 or
 * -errno (logged). */
int service_new(const ServiceContext *ctx, ServiceConfig *cfg, Service **ret);
Service *service_free(Service *s);

/* Feed an operator/manager event (START, STOP, RESTART). Never frees s:
 * a service that settles is queued for its owner (settle_queued,
 * ctx->changed). */
int service_request(Service *s, SvcEvent ev);

/* The service changed in a way its owner shows (STATUS=, status): queue it. */
void service_changed(Service *s);

/* A snapshot of the service for status lines, JSON and metrics (status.h). */
void service_get_status(const Service *s, ServiceStatus *st);

/* Send sig to the main process (a container's entrypoint forwards what it
 * gets), or to its process group with s->signal_group. Returns 0, or
 * -ESRCH when none is running. */
int service_signal_main(Service *s, int sig);

/* Settled: stopped or failed, nothing running, no restart pending. */
bool service_settled(const Service *s);

/* Forked, and not yet known whether its exec succeeded. */
bool service_exec_pending(const Service *s);

/* Exit status as a shell would report it: code, or 128+signal. -1 if the
 * service never exited. */
int service_exit_status(const Service *s);

/* Start a capture of the service now (reason "manual"; what: the
 * trigger's words); done (may be NULL) when it ends. Returns 0, -EBUSY
 * when one is running, or -errno (done is not called then). */
int service_capture(Service *s, const char *what, service_capture_done_t done, void *userdata);

/* ---- check.c ---- */

/* What would fail only when the service starts: its user and groups,
 * its executable found in the PATH it gets and executable by that user,
 * its working_dir. Appends "FILE:LINE: service 'NAME': ..." (LINE: its
 * section's) to errs. Returns 0 or -EINVAL. */
int service_config_check_runtime(const ServiceConfig *c, const char *file, CfgErrors *errs);

/* ---- readiness.c: sd_notify from the service ---- */

/* The service's notify socket, when ready = notify or watchdog is set.
 * Returns 0 or -errno (logged). */
int service_setup_notify(Service *s);
/* ready = notify with a working socket: the service is running at READY=1. */
bool service_waits_for_ready(const Service *s);
/* (Re)arm the watchdog: a missed period is a hang observation. */
void service_watchdog_arm(Service *s);
/* NOTIFY_SOCKET (and WATCHDOG_USEC) into a starting service's environment.
 * Returns 0 or -ENOMEM. */
int service_notify_env(const Service *s, char ***env);

/* ---- jvm-env.c ---- */

/* jvm_options into a starting service's environment when its executable
 * is a java launcher and jvm_options is not "none": as JDK_JAVA_OPTIONS
 * or JAVA_TOOL_OPTIONS, per jvm_options_env and the launcher's Java
 * version (service_jvm_options_var()). Logs the choice of
 * JAVA_TOOL_OPTIONS. Returns 0 or -ENOMEM. */
int service_jvm_env(const Service *s, char ***env);
/* The variable: JDK_JAVA_OPTIONS when asked for, or with auto for a JDK
 * whose version (jvm_launcher_version(): 9 or more, or < 0 when unknown)
 * reads it; else JAVA_TOOL_OPTIONS, which every HotSpot VM reads. Pure. */
const char *service_jvm_options_var(JvmOptionsEnv how, int version);
/* The JDK_JAVA_OPTIONS value jvm_options gives (malloc'd, NULL for none).
 * Pure. */
char *service_jvm_options(const char *jvm_options, bool want_nmt, const char *existing);
