/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The supervisor: one sd-event loop owning every service and every event
 * source (after systemd-oomd's manager_new/manager_start/manager_free). */

#include <systemd/sd-event.h>

#include "cgroup/cgroup.h"
#include "config/config.h"
#include "service/service.h"
#include "watched/discover.h"

typedef struct Manager {
        sd_event *event;
        Config *config;
        char *config_path; /* for SIGHUP; NULL in exec mode */
        CgContext *cg;
        Service **services;
        size_t n_services;
        int log_dir_fd;
        int lock_fd; /* <state_dir>/cgwarden.lock, flock()ed: one cgwarden per state_dir */
        bool exec_mode; /* one service, output relayed, exit with its status */
        /* exec as a container's entrypoint: guard_self runs the service in
         * cgwarden's own cgroup (an observer context: nothing created,
         * moved or written); pid1 (PID 1, or guard_self) reaps the orphans
         * and forwards HUP, QUIT, USR1, USR2 and WINCH to the service */
        bool guard_self;
        bool pid1;
        sd_event_source *reaper; /* SIGCHLD: the orphans' zombies (pid1) */
        bool shutting_down;
        bool exit_waits_capture; /* exec mode: settled, exiting once the running capture ends */
        bool ready_sent; /* the first READY=1 went out */
        bool ready_pending; /* READY=1 is due once no service waits for its exec */
        int exit_status;
        char *oom_score_adj_orig; /* restored in children */
        uint64_t nofile_soft_orig;
        ServiceContext service_ctx; /* what every service gets (service.h) */
        WatchRule **rules; /* one per [watch:NAME] section (discover.h) */
        size_t n_rules;
        WatchedContext watched_ctx; /* what every watched cgroup gets (watched.h) */
        CaptureLedger host_ledger; /* [supervisor] capture_budget's, over every guard */
        CaptureLedger host_heap_ledger; /* [supervisor] heap_dump_budget's */
        sd_event_source *dispatch; /* the deferred queue: settled services, STATUS= */
        sd_event_source *exit_timer; /* the second stop request's bound */
        bool status_dirty;
        char *termination_text; /* the termination message last written */
        struct Control *control; /* the control socket (control.h); NULL in exec mode */
        sd_event_source *metrics_timer; /* metrics_file */
        struct MetricsHttp *metrics_http; /* metrics_listen */
        sd_event_source *watchdog_timer; /* WATCHDOG=1 towards systemd */
        uint64_t watchdog_usec;
        bool metrics_failed;
} Manager;

/* Takes ownership of config. Sets up the cgroup subtree (guard_self, exec
 * mode only: only looks at cgwarden's own cgroup), signals and log dir.
 * Returns 0 or -errno (already logged). */
int manager_new(Config *config, const char *config_path, bool exec_mode, bool guard_self, Manager **ret);
Manager *manager_free(Manager *m);
/* Start every service and run the loop until shutdown. Returns the
 * process exit status. */
int manager_run(Manager *m);

/* Reload the config file (SIGHUP). Errors keep the running config. */
int manager_reload(Manager *m);
