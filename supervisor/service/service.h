/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One supervised service: its cgroup, its processes, its event sources and
 * the executor of the life-cycle transitions (service-state.h). */

#include <sys/types.h>

#include <systemd/sd-event.h>

#include "policies/backoff.h"
#include "cgroup/cgroup.h"
#include "config/config.h"
#include "guard/evidence.h"
#include "spawn/outlog.h"
#include "base/seccomp-util.h"
#include "service/service-state.h"
#include "spawn/spawn.h"
#include "watch/watch.h"

typedef struct Manager Manager;

typedef enum SvcTimer {
        SVC_TIMER_NONE,
        SVC_TIMER_STOP,
        SVC_TIMER_START,
        SVC_TIMER_BACKOFF,
} SvcTimer;

typedef struct Service {
        Manager *manager;
        ServiceConfig *cfg;
        CgService *cg;

        SvcState state;
        SvcAfter after;

        pid_t main_pid;
        int pidfd;
        int errpipe;
        sd_event_source *child_source;
        sd_event_source *errpipe_source;
        sd_event_source *timer;
        SvcTimer timer_kind;
        sd_event_source *empty_source; /* v2 inotify on cgroup.events, or v1 poll */
        sd_event_source *out_source[2];
        int out_r[2], out_w[2];
        OutLog *log;
        Watch *watch;
        Evidence evidence;

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

        /* reload */
        bool remove_when_settled;
        ServiceConfig *replacement;
} Service;

/* Create the service and its cgroup; does not start it. Takes ownership of
 * cfg on success. Returns 0 or -errno (logged). */
int service_new(Manager *m, ServiceConfig *cfg, Service **ret);
Service *service_free(Service *s);

/* Feed an operator/manager event (START, STOP, RESTART). */
int service_request(Service *s, SvcEvent ev);

/* Settled: stopped or failed, nothing running, no restart pending. */
bool service_settled(const Service *s);

/* Exit status as a shell would report it: code, or 128+signal. -1 if the
 * service never exited. */
int service_exit_status(const Service *s);
