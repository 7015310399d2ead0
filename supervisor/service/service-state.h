/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The service life cycle as a transition table (after s6): named states,
 * events, and the actions a transition asks the executor to carry out.
 * svc_transition() is pure and tested without processes. */

#include <stdbool.h>

#include "base/macro.h"

typedef enum SvcState {
        SVC_STOPPED,
        SVC_STARTING, /* spawned, not yet ready (exec not done, or no READY=1) */
        SVC_RUNNING,
        SVC_STOPPING, /* stop signal sent or main exited; waiting for the cgroup to empty */
        SVC_BACKOFF, /* waiting for the restart delay */
        SVC_FAILED, /* gave up: start limit hit, or exit without restart */
        _SVC_STATE_MAX,
        _SVC_STATE_INVALID = -EINVAL,
} SvcState;
const char *svc_state_to_string(SvcState s);
SvcState svc_state_from_string(const char *s);

typedef enum SvcEvent {
        SVC_EV_START, /* operator or boot */
        SVC_EV_STOP, /* operator or shutdown: stop and stay stopped */
        SVC_EV_RESTART, /* graceful restart (operator): no back-off */
        SVC_EV_EXEC_OK, /* execve succeeded */
        SVC_EV_READY, /* READY=1 from the service (ready=notify) */
        SVC_EV_SPAWN_FAILED, /* the child died before or at execve */
        SVC_EV_EXITED, /* the main process exited */
        SVC_EV_EMPTY, /* the cgroup holds no process any more */
        SVC_EV_STOP_TIMEOUT,
        SVC_EV_START_TIMEOUT,
        SVC_EV_BACKOFF_DONE,
        /* a policy's restart (the process is unhealthy: near its memory
         * limit, hung): a graceful stop, then the restart back-off and the
         * start limit as after a failure, so a leak that fills the limit in
         * seconds does not loop without bound */
        SVC_EV_RECOVER,
        _SVC_EV_MAX,
        _SVC_EV_INVALID = -EINVAL,
} SvcEvent;
const char *svc_event_to_string(SvcEvent e);

/* Where a service goes once stopping is complete. */
typedef enum SvcAfter {
        SVC_AFTER_STOPPED,
        SVC_AFTER_FAILED,
        SVC_AFTER_BACKOFF, /* automatic restart after a delay */
        SVC_AFTER_RESTART, /* start again at once (graceful restart) */
        _SVC_AFTER_MAX,
} SvcAfter;

/* Actions, carried out by the executor in this bit order. */
enum {
        SVC_ACT_DISARM_TIMER = 1u << 0,
        SVC_ACT_SIGNAL_MAIN = 1u << 1, /* stop_signal to the main process */
        SVC_ACT_SIGNAL_REST = 1u << 2, /* stop_signal to every process left in the cgroup */
        SVC_ACT_KILL_CGROUP = 1u << 3, /* SIGKILL the whole cgroup */
        SVC_ACT_ARM_STOP = 1u << 4, /* stop_timeout */
        SVC_ACT_ARM_START = 1u << 5, /* start_timeout (ready=notify) */
        SVC_ACT_ARM_BACKOFF = 1u << 6, /* restart delay */
        SVC_ACT_COUNT_FAILURE = 1u << 7, /* one more consecutive failure for back-off */
        SVC_ACT_RESET_LIMIT = 1u << 8, /* operator start: forget past failures */
        SVC_ACT_SPAWN = 1u << 9,
};

typedef struct SvcInput {
        SvcEvent event;
        bool ready_on_exec; /* ready = exec */
        bool restart_wanted; /* EXITED/SPAWN_FAILED/START_TIMEOUT: restart policy says yes */
        bool clean_exit; /* EXITED: counted as success */
        bool start_limit_hit; /* one more automatic start would exceed start_limit */
        bool cgroup_empty; /* at the time of the event */
        bool main_alive; /* the main process has not exited yet */
} SvcInput;

typedef struct SvcTransition {
        SvcState state;
        SvcAfter after;
        unsigned actions;
} SvcTransition;

/* Compute the transition for `in` from (state, after). Returns 0 and
 * *ret, or -EINVAL when the event means nothing in that state (the caller
 * ignores it). Pure. */
int svc_transition(SvcState state, SvcAfter after, const SvcInput *in, SvcTransition *ret);
