/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The policy engine: an observation (event) plus the service's policy state
 * in, an ordered list of actions out. Pure: no I/O, no clock reads (time
 * comes in as an argument, CLOCK_MONOTONIC in the daemon), no logging, no
 * allocation. The supervisor executes what it decides and logs `why`.
 *
 * Rules, in the order they are applied to each action of the list:
 *   1. The list is cfg->on_event[event]; for a log trigger, the trigger's
 *      own list when it has one (LogTrigger.actions.set), else
 *      on_event[EVENT_LOG_TRIGGER]. "none" is an empty list.
 *   2. A log trigger fires at most once per action_cooldown, whatever its
 *      actions (kill included): while it cools down all its actions are
 *      dropped. It counts as fired only when at least one action runs.
 *   3. State: `restart` with restart = no is dropped after a death
 *      (running = false), and also while running unless the list is the
 *      service's own (ACTION_LIST_OWN: written in its section, or a log
 *      trigger's own list there): a profile's or the default's restart
 *      never overrides the user's restart = no; an own list's does, and
 *      `why` says so. `capture` without a process is dropped except for oom-kill
 *      (post-mortem: cgroup files are still readable); `throttle` without
 *      a process, or while already throttled, is dropped. `notify`, `stop`
 *      and `kill` are always allowed (the cgroup may outlive the main
 *      process).
 *   4. Cooldown: an action for the same event runs at most once per
 *      action_cooldown (due again when now - last >= cooldown; 0 = off)
 *      within one process incarnation: the first of each (event, action)
 *      for a new process (in->incarnation differs from the one it last
 *      ran for) is never cooled down, so every process gets its own
 *      capture; the same holds for a log trigger's cooldown,
 *      except `kill` and `throttle`: a throttle released when usage fell
 *      below throttle_release_at must be applied again when the surge comes
 *      back within the cooldown, or the service dies of it; rule 3 (one
 *      throttle at a time) and the release hysteresis bound it. Keyed by (event, action): a restart for pre-oom does
 *      not hold back a restart for hang. All log triggers share the
 *      log-trigger event, so two triggers matching the same line capture
 *      once.
 *   5. Every action that runs is recorded at now; dropped ones are not.
 *
 * Throttle (policy_throttle_*): the executor calls policy_throttle_start()
 * once it has applied a throttle and then policy_throttle_check() on every
 * sample. */

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "base/macro.h"

/* One log trigger's state. */
typedef struct PolicyTrigger {
        usec_t fired; /* USEC_INFINITY = never */
        uint64_t incarnation; /* the process it fired for */
} PolicyTrigger;

/* Per service; zeroed memory is NOT a valid state, use policy_state_init().
 * Keep it across restarts (cooldowns span restarts); reset it on reload
 * only if the trigger list changed, since trigger slots are by index. */
typedef struct PolicyState {
        usec_t last_run[_EVENT_TYPE_MAX][_ACTION_TYPE_MAX]; /* USEC_INFINITY = never */
        uint64_t last_run_incarnation[_EVENT_TYPE_MAX][_ACTION_TYPE_MAX]; /* the process it ran for */
        /* the log triggers' slots, by index, the caller's memory: one per
         * log_trigger of the configuration (the parser accepts up to 256,
         * most services have none, so they are not a fixed array here) */
        PolicyTrigger *trigger;
        size_t n_triggers;
        bool throttled;
        usec_t throttled_since;
        uint64_t throttle_start_bytes; /* memory.current when throttling began, 0 = unknown */
} PolicyState;

/* Initialise st and its n_triggers trigger slots (triggers may be NULL
 * when n_triggers is 0); st keeps a pointer to them. */
void policy_state_init(PolicyState *st, PolicyTrigger *triggers, size_t n_triggers);

typedef struct PolicyInput {
        EventType event;
        usec_t now;
        bool running; /* the main process is alive */
        int trigger; /* log-trigger index for EVENT_LOG_TRIGGER, else -1 */
        uint64_t
                incarnation; /* which process of the service (a start counter): cooldowns count within one */
} PolicyInput;

/* Is log trigger i cooling down at now for this incarnation? The test
 * policy_decide() applies (rule 2 and 4); for a caller that stays quiet
 * about a match that would do nothing. False for i out of range (of cfg's
 * triggers or st's slots). */
bool policy_trigger_cooling(const ServiceConfig *cfg, const PolicyState *st, size_t i, usec_t now,
                            uint64_t incarnation);

/* Why an action of the list was dropped. */
typedef enum PolicyDrop {
        POLICY_DROP_COOLDOWN, /* same (event, action) ran less than action_cooldown ago */
        POLICY_DROP_TRIGGER_COOLDOWN, /* this log trigger fired less than action_cooldown ago */
        POLICY_DROP_RESTART_NO, /* restart with restart = no (rule 3) */
        POLICY_DROP_NOT_RUNNING, /* capture (not oom-kill) or throttle with no process */
        POLICY_DROP_THROTTLED, /* throttle while throttled already */
        _POLICY_DROP_MAX,
        _POLICY_DROP_INVALID = -EINVAL,
} PolicyDrop;
const char *policy_drop_to_string(PolicyDrop d); /* "cooldown", "trigger-cooldown", ... */

#define POLICY_WHY_MAX 256
typedef struct PolicyDecision {
        uint8_t n;
        int8_t a[ACTION_LIST_MAX]; /* ActionType: run these, in this order */
        uint8_t suppressed;
        int8_t s[ACTION_LIST_MAX]; /* ActionType: dropped, in list order */
        int8_t s_reason[ACTION_LIST_MAX]; /* PolicyDrop, parallel to s */
        /* One line for the log: event, list used, state, what runs, what was
         * dropped and why, e.g. "pre-oom (on_pre_oom), running: run capture;
         * dropped notify (cooldown: ran 12s ago, 48s left)". Truncated with
         * "..." if longer. */
        char why[POLICY_WHY_MAX];
} PolicyDecision;

/* Decide the actions for one observation and record those that run as run
 * at in->now. Returns the number of actions to run (ret->n, >= 0) and fills
 * *ret; -EINVAL (st and *ret untouched) for an invalid event, a trigger
 * index outside cfg's triggers or st's slots (or >= 0 for another event),
 * or an invalid action in a list. With in->trigger -1 the trigger slots
 * are not touched. */
int policy_decide(const ServiceConfig *cfg, PolicyState *st, const PolicyInput *in, PolicyDecision *ret);

typedef enum ThrottleVerdict {
        THROTTLE_IDLE, /* not throttled: nothing to do */
        THROTTLE_HOLD, /* keep throttling */
        THROTTLE_RELEASE, /* usage fell below the release level: lift the throttle */
        THROTTLE_ESCALATE, /* throttled for throttle_max: lift it, run throttle_then */
        _THROTTLE_VERDICT_MAX,
        _THROTTLE_VERDICT_INVALID = -EINVAL,
} ThrottleVerdict;
const char *throttle_verdict_to_string(ThrottleVerdict v); /* "idle", "hold", "release", "escalate" */

/* The executor has applied a throttle at `now`, with usage memory_current
 * (0 if unknown). A second call while throttled changes nothing. */
void policy_throttle_start(PolicyState *st, usec_t now, uint64_t memory_current);
/* The throttle ended for another reason (the service stopped, restarted or
 * died, or the executor could not apply it): not throttled any more. */
void policy_throttle_end(PolicyState *st);

/* Check a throttled service. memory_max is the effective limit in bytes
 * (UINT64_MAX = unlimited); memory_current UINT64_MAX if unreadable (never
 * releases). The release level is throttle_release_at resolved against
 * memory_max (default 70 %); hysteresis: it stays below the usage at
 * which throttling began, if known: when it is not (or memory_max is unlimited and
 * release_at a percent), it becomes release_at's percent (70 % for a size)
 * of that usage; with memory_max unlimited and that usage unknown there is
 * no release level, only escalation.
 *   RELEASE  when memory_current < release level (checked first: usage
 *            back down wins over escalation at the same sample);
 *   ESCALATE when now - throttled_since >= throttle_max; ret_decision gets
 *            cfg->throttle_then (its restart dropped by rule 3 unless the list
 *            is the service's own) (not cooled down, not recorded: it runs at
 *            most once per throttle episode; "none" = just lift it);
 *   HOLD     otherwise; IDLE when not throttled.
 * After RELEASE or ESCALATE the state is not throttled. ret_decision (may be
 * NULL) always gets the verdict's actions (none but for ESCALATE) and why.
 * Never fails. */
ThrottleVerdict policy_throttle_check(const ServiceConfig *cfg, PolicyState *st, usec_t now,
                                      uint64_t memory_current, uint64_t memory_max,
                                      PolicyDecision *ret_decision);
