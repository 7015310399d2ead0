/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "service/service-state.h"
#include "base/string-table.h"

static const char *const svc_state_table[_SVC_STATE_MAX] = {
        [SVC_STOPPED] = "stopped",   [SVC_STARTING] = "starting", [SVC_RUNNING] = "running",
        [SVC_STOPPING] = "stopping", [SVC_BACKOFF] = "backoff",   [SVC_FAILED] = "failed",
};

static const char *const svc_event_table[_SVC_EV_MAX] = {
        [SVC_EV_START] = "start",
        [SVC_EV_STOP] = "stop",
        [SVC_EV_RESTART] = "restart",
        [SVC_EV_EXEC_OK] = "exec-ok",
        [SVC_EV_READY] = "ready",
        [SVC_EV_SPAWN_FAILED] = "spawn-failed",
        [SVC_EV_EXITED] = "exited",
        [SVC_EV_EMPTY] = "empty",
        [SVC_EV_STOP_TIMEOUT] = "stop-timeout",
        [SVC_EV_START_TIMEOUT] = "start-timeout",
        [SVC_EV_BACKOFF_DONE] = "backoff-done",
        [SVC_EV_RECOVER] = "recover",
};

DEFINE_STRING_TABLE_LOOKUP(svc_state, SvcState);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(svc_event, SvcEvent);

/* Where an unplanned end (exit, failed spawn, start timeout) leads. */
static SvcAfter after_unplanned(const SvcInput *in) {
        if (in->restart_wanted)
                return in->start_limit_hit ? SVC_AFTER_FAILED : SVC_AFTER_BACKOFF;
        return in->clean_exit ? SVC_AFTER_STOPPED : SVC_AFTER_FAILED;
}

/* The state reached once nothing of the service runs any more. */
static SvcTransition settle(SvcAfter after, unsigned extra) {
        switch (after) {
        case SVC_AFTER_BACKOFF:
                return (SvcTransition){ SVC_BACKOFF, after,
                                        extra | SVC_ACT_DISARM_TIMER | SVC_ACT_COUNT_FAILURE |
                                                SVC_ACT_ARM_BACKOFF };
        case SVC_AFTER_RESTART:
                return (SvcTransition){ SVC_STARTING, after, extra | SVC_ACT_DISARM_TIMER | SVC_ACT_SPAWN };
        case SVC_AFTER_FAILED:
                return (SvcTransition){ SVC_FAILED, after, extra | SVC_ACT_DISARM_TIMER };
        case SVC_AFTER_STOPPED:
        default:
                return (SvcTransition){ SVC_STOPPED, SVC_AFTER_STOPPED, extra | SVC_ACT_DISARM_TIMER };
        }
}

/* Begin stopping a live service: signal the main process, arm the timer. */
static SvcTransition begin_stop(SvcAfter after) {
        return (SvcTransition){ SVC_STOPPING, after,
                                SVC_ACT_DISARM_TIMER | SVC_ACT_SIGNAL_MAIN | SVC_ACT_ARM_STOP };
}

/* The main process is gone: settle at once if the cgroup is empty, else
 * signal what is left and wait (the stop timer bounds the wait). */
static SvcTransition main_gone(SvcState state, SvcAfter after, const SvcInput *in) {
        if (in->cgroup_empty)
                return settle(after, 0);
        if (state == SVC_STOPPING)
                return (SvcTransition){ SVC_STOPPING, after, SVC_ACT_SIGNAL_REST };
        return (SvcTransition){ SVC_STOPPING, after,
                                SVC_ACT_DISARM_TIMER | SVC_ACT_SIGNAL_REST | SVC_ACT_ARM_STOP };
}

int svc_transition(SvcState state, SvcAfter after, const SvcInput *in, SvcTransition *ret) {
        SvcTransition t;

        switch (state) {
        case SVC_STOPPED:
        case SVC_FAILED:
                switch (in->event) {
                case SVC_EV_START:
                case SVC_EV_RESTART:
                        t = (SvcTransition){ SVC_STARTING, SVC_AFTER_STOPPED,
                                             SVC_ACT_RESET_LIMIT | SVC_ACT_SPAWN };
                        break;
                case SVC_EV_STOP:
                        t = (SvcTransition){ SVC_STOPPED, SVC_AFTER_STOPPED, 0 };
                        break;
                default:
                        return -EINVAL;
                }
                break;

        case SVC_STARTING:
        case SVC_RUNNING:
                switch (in->event) {
                case SVC_EV_EXEC_OK:
                        if (state != SVC_STARTING)
                                return -EINVAL;
                        t = in->ready_on_exec
                                    ? (SvcTransition){ SVC_RUNNING, SVC_AFTER_STOPPED, 0 }
                                    : (SvcTransition){ SVC_STARTING, SVC_AFTER_STOPPED, SVC_ACT_ARM_START };
                        break;
                case SVC_EV_READY:
                        if (state != SVC_STARTING)
                                return -EINVAL;
                        t = (SvcTransition){ SVC_RUNNING, SVC_AFTER_STOPPED, SVC_ACT_DISARM_TIMER };
                        break;
                case SVC_EV_SPAWN_FAILED:
                        if (state != SVC_STARTING)
                                return -EINVAL;
                        t = main_gone(state, after_unplanned(in), in);
                        break;
                case SVC_EV_EXITED:
                        t = main_gone(state, after_unplanned(in), in);
                        break;
                case SVC_EV_START_TIMEOUT:
                        if (state != SVC_STARTING)
                                return -EINVAL;
                        t = begin_stop(after_unplanned(in));
                        break;
                case SVC_EV_STOP:
                        t = begin_stop(SVC_AFTER_STOPPED);
                        break;
                case SVC_EV_RESTART:
                        t = begin_stop(SVC_AFTER_RESTART);
                        break;
                case SVC_EV_RECOVER:
                        t = begin_stop(in->start_limit_hit ? SVC_AFTER_FAILED : SVC_AFTER_BACKOFF);
                        break;
                case SVC_EV_START:
                        t = (SvcTransition){ state, after, 0 }; /* already up */
                        break;
                default:
                        return -EINVAL;
                }
                break;

        case SVC_STOPPING:
                switch (in->event) {
                case SVC_EV_EXITED:
                case SVC_EV_SPAWN_FAILED:
                        t = main_gone(state, after, in);
                        break;
                case SVC_EV_EMPTY:
                        if (in->main_alive)
                                return -EINVAL;
                        t = settle(after, 0);
                        break;
                case SVC_EV_STOP_TIMEOUT:
                        t = (SvcTransition){ SVC_STOPPING, after, SVC_ACT_KILL_CGROUP };
                        break;
                case SVC_EV_STOP:
                        t = (SvcTransition){ SVC_STOPPING, SVC_AFTER_STOPPED, 0 };
                        break;
                case SVC_EV_START:
                case SVC_EV_RESTART:
                        t = (SvcTransition){ SVC_STOPPING, SVC_AFTER_RESTART, 0 };
                        break;
                case SVC_EV_RECOVER: /* stopping already: where it goes stays */
                        t = (SvcTransition){ SVC_STOPPING, after, 0 };
                        break;
                default:
                        return -EINVAL;
                }
                break;

        case SVC_BACKOFF:
                switch (in->event) {
                case SVC_EV_BACKOFF_DONE:
                        t = (SvcTransition){ SVC_STARTING, SVC_AFTER_STOPPED, SVC_ACT_SPAWN };
                        break;
                case SVC_EV_START:
                case SVC_EV_RESTART:
                        t = (SvcTransition){ SVC_STARTING, SVC_AFTER_STOPPED,
                                             SVC_ACT_DISARM_TIMER | SVC_ACT_SPAWN };
                        break;
                case SVC_EV_STOP:
                        t = (SvcTransition){ SVC_STOPPED, SVC_AFTER_STOPPED, SVC_ACT_DISARM_TIMER };
                        break;
                case SVC_EV_RECOVER: /* restarting already */
                        t = (SvcTransition){ SVC_BACKOFF, after, 0 };
                        break;
                default:
                        return -EINVAL;
                }
                break;

        default:
                return -EINVAL;
        }
        *ret = t;
        return 0;
}
