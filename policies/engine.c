/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>

#include "policies/engine.h"
#include "base/string-table.h"
#include "base/units.h"

static const char *const policy_drop_table[_POLICY_DROP_MAX] = {
        [POLICY_DROP_COOLDOWN] = "cooldown",     [POLICY_DROP_TRIGGER_COOLDOWN] = "trigger-cooldown",
        [POLICY_DROP_RESTART_NO] = "restart-no", [POLICY_DROP_NOT_RUNNING] = "not-running",
        [POLICY_DROP_THROTTLED] = "throttled",
};

static const char *const throttle_verdict_table[_THROTTLE_VERDICT_MAX] = {
        [THROTTLE_IDLE] = "idle",
        [THROTTLE_HOLD] = "hold",
        [THROTTLE_RELEASE] = "release",
        [THROTTLE_ESCALATE] = "escalate",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(policy_drop, PolicyDrop);
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(throttle_verdict, ThrottleVerdict);

void policy_state_init(PolicyState *st, PolicyTrigger *triggers, size_t n_triggers) {
        *st = (PolicyState){ .trigger = triggers, .n_triggers = triggers ? n_triggers : 0 };
        for (size_t e = 0; e < _EVENT_TYPE_MAX; e++)
                for (size_t a = 0; a < _ACTION_TYPE_MAX; a++)
                        st->last_run[e][a] = USEC_INFINITY;
        for (size_t i = 0; i < st->n_triggers; i++)
                st->trigger[i] = (PolicyTrigger){ .fired = USEC_INFINITY };
}

/* ---- the one-line explanation ---- */

/* Appends to a fixed buffer; len may run past size, which marks the line
 * as truncated. */
typedef struct Why {
        char *buf;
        size_t size;
        size_t len;
} Why;

_printf_(2, 3) static void why_add(Why *w, const char *fmt, ...) {
        va_list ap;
        int k;

        if (w->len >= w->size)
                return;
        va_start(ap, fmt);
        k = vsnprintf(w->buf + w->len, w->size - w->len, fmt, ap);
        va_end(ap);
        if (k > 0)
                w->len += (size_t) k;
}

static void why_finish(Why *w) {
        if (w->len >= w->size)
                memcpy(w->buf + w->size - 4, "...", 4);
}

/* Rounded for reading: milliseconds below a minute, seconds above. */
static char *format_span(char buf[static UNIT_SIZE_MAX], usec_t u) {
        if (u >= USEC_PER_MINUTE)
                u -= u % USEC_PER_SEC;
        else if (u >= USEC_PER_MSEC)
                u -= u % USEC_PER_MSEC;
        return unit_format_duration(buf, u);
}

static void why_add_percent(Why *w, uint64_t bp) {
        if (bp % 100 == 0)
                why_add(w, "%" PRIu64 "%%", bp / 100);
        else
                why_add(w, "%" PRIu64 ".%02" PRIu64 "%%", bp / 100, bp % 100);
}

static void why_add_size(Why *w, uint64_t bytes) {
        char b[UNIT_SIZE_MAX];

        why_add(w, "%s", bytes == UINT64_MAX ? "unknown" : unit_format_size(b, bytes));
}

/* "on_pre_oom" from "pre-oom" */
static void why_add_key(Why *w, EventType e) {
        why_add(w, "on_");
        for (const char *p = event_type_to_string(e); p && *p; p++)
                why_add(w, "%c", *p == '-' ? '_' : *p);
}

static void why_add_actions(Why *w, const int8_t *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                why_add(w, "%s%s", i > 0 ? " " : "", action_type_to_string(a[i]));
}

/* ---- decisions ---- */

/* Is an action (or trigger) last run at `last` for process incarnation
 * last_inc still cooling down at now for incarnation inc? A new process
 * is never cooling down. A clock that went back counts as "just ran". */
static bool cooling_down(usec_t last, uint64_t last_inc, usec_t now, uint64_t inc, usec_t cooldown,
                         usec_t *ret_ago) {
        usec_t ago;

        if (last == USEC_INFINITY || cooldown == 0 || last_inc != inc)
                return false;
        ago = now >= last ? now - last : 0;
        if (ago >= cooldown)
                return false;
        *ret_ago = ago;
        return true;
}

#define DROP_TEXT_MAX 64

/* Where a list came from, for the log: "the profile's", "the default". */
static const char *list_origin(const ActionList *l) {
        return l->set == ACTION_LIST_PROFILE ? "the profile's"
               : l->set                      ? "the service's own"
                                             : "the default";
}

static void drop_text(char buf[static DROP_TEXT_MAX], PolicyDrop d, ActionType a, usec_t ago,
                      usec_t cooldown, usec_t throttled_for, bool running, const ActionList *l) {
        char x[UNIT_SIZE_MAX], y[UNIT_SIZE_MAX];

        switch (d) {
        case POLICY_DROP_COOLDOWN:
                snprintf(buf, DROP_TEXT_MAX, "cooldown: ran %s ago, %s left", format_span(x, ago),
                         format_span(y, cooldown - ago));
                break;
        case POLICY_DROP_TRIGGER_COOLDOWN:
                snprintf(buf, DROP_TEXT_MAX, "trigger cooldown: fired %s ago, %s left", format_span(x, ago),
                         format_span(y, cooldown - ago));
                break;
        case POLICY_DROP_RESTART_NO:
                if (running)
                        snprintf(buf, DROP_TEXT_MAX, "restart = no, and this list is %s", list_origin(l));
                else
                        snprintf(buf, DROP_TEXT_MAX, "restart=no and the process is gone");
                break;
        case POLICY_DROP_NOT_RUNNING:
                snprintf(buf, DROP_TEXT_MAX, "no process to %s", action_type_to_string(a));
                break;
        case POLICY_DROP_THROTTLED:
        default:
                snprintf(buf, DROP_TEXT_MAX, "throttled already, for %s", format_span(x, throttled_for));
                break;
        }
}

/* The state rules (3 in engine.h); _POLICY_DROP_INVALID when allowed. */
static PolicyDrop state_drop(const ServiceConfig *cfg, const PolicyState *st, const PolicyInput *in,
                             const ActionList *l, ActionType a) {
        switch (a) {
        case ACTION_RESTART:
                /* the user's restart = no wins over a list the user did not
                 * write (the profile's, the default) */
                if (cfg->restart == RESTART_NO && (!in->running || l->set != ACTION_LIST_OWN))
                        return POLICY_DROP_RESTART_NO;
                break;
        case ACTION_CAPTURE:
                /* after an oom-kill the cgroup's files still tell what happened */
                if (!in->running && in->event != EVENT_OOM_KILL)
                        return POLICY_DROP_NOT_RUNNING;
                break;
        case ACTION_THROTTLE:
                if (!in->running)
                        return POLICY_DROP_NOT_RUNNING;
                if (st->throttled)
                        return POLICY_DROP_THROTTLED;
                break;
        default:
                break;
        }
        return _POLICY_DROP_INVALID;
}

int policy_decide(const ServiceConfig *cfg, PolicyState *st, const PolicyInput *in, PolicyDecision *ret) {
        char texts[ACTION_LIST_MAX][DROP_TEXT_MAX];
        const ActionList *l;
        PolicyDecision d = {};
        Why w = { .buf = d.why, .size = sizeof d.why };
        usec_t trigger_ago = 0;
        bool own_list = false, trigger_cooling = false;

        if (!cfg || !st || !in || !ret)
                return -EINVAL;
        if (in->event < 0 || in->event >= _EVENT_TYPE_MAX)
                return -EINVAL;
        if (in->trigger >= 0) {
                if (in->event != EVENT_LOG_TRIGGER || (size_t) in->trigger >= cfg->n_log_triggers ||
                    (size_t) in->trigger >= st->n_triggers)
                        return -EINVAL;
        } else if (in->trigger != -1)
                return -EINVAL;

        l = &cfg->on_event[in->event];
        if (in->trigger >= 0 && cfg->log_triggers[in->trigger].actions.set) {
                l = &cfg->log_triggers[in->trigger].actions;
                own_list = true;
        }
        if (l->n > ACTION_LIST_MAX)
                return -EINVAL;
        for (size_t i = 0; i < l->n; i++)
                if (l->a[i] < 0 || l->a[i] >= _ACTION_TYPE_MAX)
                        return -EINVAL;

        if (in->trigger >= 0)
                trigger_cooling =
                        cooling_down(st->trigger[in->trigger].fired, st->trigger[in->trigger].incarnation,
                                     in->now, in->incarnation, cfg->action_cooldown, &trigger_ago);

        for (size_t i = 0; i < l->n; i++) {
                ActionType a = l->a[i];
                PolicyDrop drop;
                usec_t ago = 0;

                if (a == ACTION_NONE)
                        continue;

                if (trigger_cooling) {
                        drop = POLICY_DROP_TRIGGER_COOLDOWN;
                        ago = trigger_ago;
                } else {
                        drop = state_drop(cfg, st, in, l, a);
                        if (drop < 0 && a != ACTION_KILL && a != ACTION_THROTTLE &&
                            cooling_down(st->last_run[in->event][a], st->last_run_incarnation[in->event][a],
                                         in->now, in->incarnation, cfg->action_cooldown, &ago))
                                drop = POLICY_DROP_COOLDOWN;
                }

                if (drop < 0) {
                        d.a[d.n++] = (int8_t) a;
                        continue;
                }
                drop_text(texts[d.suppressed], drop, a, ago, cfg->action_cooldown,
                          in->now >= st->throttled_since ? in->now - st->throttled_since : 0, in->running,
                          l);
                d.s_reason[d.suppressed] = (int8_t) drop;
                d.s[d.suppressed++] = (int8_t) a;
        }

        /* "log-trigger #2 (its own list), running: run capture; dropped ..." */
        why_add(&w, "%s", event_type_to_string(in->event));
        if (in->trigger >= 0)
                why_add(&w, " #%d", in->trigger);
        why_add(&w, " (");
        if (own_list)
                why_add(&w, "its own list");
        else
                why_add_key(&w, in->event);
        if (l->n == 0)
                why_add(&w, " = none");
        else if (!own_list && !l->set)
                why_add(&w, ", default");
        else if (l->set == ACTION_LIST_PROFILE)
                why_add(&w, ", profile");
        why_add(&w, "), %s%s: ", in->running ? "running" : "process gone",
                st->throttled ? ", throttled" : "");
        if (d.n > 0) {
                why_add(&w, "run ");
                why_add_actions(&w, d.a, d.n);
        } else
                why_add(&w, "nothing to run");
        /* consecutive drops with the same explanation share it */
        for (size_t i = 0; i < d.suppressed; i++) {
                const char *sep = i == 0 ? "; dropped " : streq(texts[i], texts[i - 1]) ? " " : ", ";

                why_add(&w, "%s%s", sep, action_type_to_string(d.s[i]));
                if (i + 1 == d.suppressed || !streq(texts[i], texts[i + 1]))
                        why_add(&w, " (%s)", texts[i]);
        }
        for (size_t i = 0; i < d.n; i++)
                if (d.a[i] == ACTION_RESTART && cfg->restart == RESTART_NO) {
                        why_add(&w, "; restart despite restart = no: ");
                        if (own_list)
                                why_add(&w, "the log trigger's own list");
                        else
                                why_add_key(&w, in->event);
                        why_add(&w, " in the service's section asks for it");
                        break;
                }
        why_finish(&w);

        for (size_t i = 0; i < d.n; i++) {
                st->last_run[in->event][d.a[i]] = in->now;
                st->last_run_incarnation[in->event][d.a[i]] = in->incarnation;
        }
        if (in->trigger >= 0 && d.n > 0) {
                st->trigger[in->trigger] =
                        (PolicyTrigger){ .fired = in->now, .incarnation = in->incarnation };
        }

        *ret = d;
        return d.n;
}

bool policy_trigger_cooling(const ServiceConfig *cfg, const PolicyState *st, size_t i, usec_t now,
                            uint64_t incarnation) {
        usec_t ago;

        if (i >= cfg->n_log_triggers || i >= st->n_triggers)
                return false;
        return cooling_down(st->trigger[i].fired, st->trigger[i].incarnation, now, incarnation,
                            cfg->action_cooldown, &ago);
}

/* ---- throttle ---- */

void policy_throttle_start(PolicyState *st, usec_t now, uint64_t memory_current) {
        if (st->throttled)
                return;
        st->throttled = true;
        st->throttled_since = now;
        st->throttle_start_bytes = memory_current;
}

void policy_throttle_end(PolicyState *st) {
        st->throttled = false;
        st->throttled_since = 0;
        st->throttle_start_bytes = 0;
}

/* The release level (UINT64_MAX: none), explained in w. */
static uint64_t release_level(const ServiceConfig *cfg, const PolicyState *st, uint64_t memory_max, Why *w) {
        const Limit *r = &cfg->throttle_release_at;
        uint64_t bp = r->kind == LIMIT_PERCENT ? r->value : 7000;
        uint64_t level = limit_resolve(r, memory_max, 7000);
        uint64_t start = st->throttle_start_bytes;

        if (start > 0 && (level == UINT64_MAX || level >= start)) {
                /* Releasing at or above the usage that started the throttle
                 * (a projection throttled early) would release it at once:
                 * take 70 % of that usage instead, the hysteresis of the
                 * default. An unlimited memory_max leaves a percent without
                 * a base: take the percent of that usage. */
                if (level != UINT64_MAX)
                        bp = 7000;
                level = (uint64_t) ((unsigned __int128) start * bp / 10000);
                why_add_size(w, level);
                why_add(w, " = ");
                why_add_percent(w, bp);
                why_add(w, " of ");
                why_add_size(w, start);
                why_add(w, ", the usage when throttling began");
                return level;
        }
        if (level == UINT64_MAX) {
                why_add(w, "none (memory_max unlimited, usage when throttling began unknown)");
                return UINT64_MAX;
        }

        why_add_size(w, level);
        if (r->kind == LIMIT_ABSOLUTE)
                why_add(w, " = throttle_release_at");
        else {
                why_add(w, " = ");
                why_add_percent(w, bp);
                why_add(w, " of memory_max ");
                why_add_size(w, memory_max);
        }
        return level;
}

ThrottleVerdict policy_throttle_check(const ServiceConfig *cfg, PolicyState *st, usec_t now,
                                      uint64_t memory_current, uint64_t memory_max,
                                      PolicyDecision *ret_decision) {
        PolicyDecision d = {};
        Why w = { .buf = d.why, .size = sizeof d.why };
        char level_text[POLICY_WHY_MAX / 2], x[UNIT_SIZE_MAX], y[UNIT_SIZE_MAX];
        Why lw = { .buf = level_text, .size = sizeof level_text };
        ThrottleVerdict v;
        uint64_t level;
        usec_t since;

        if (!st->throttled) {
                why_add(&w, "throttle: not throttled");
                why_finish(&w);
                if (ret_decision)
                        *ret_decision = d;
                return THROTTLE_IDLE;
        }

        since = now >= st->throttled_since ? now - st->throttled_since : 0;
        level_text[0] = '\0';
        level = release_level(cfg, st, memory_max, &lw);
        why_finish(&lw);

        if (level != UINT64_MAX && memory_current < level)
                v = THROTTLE_RELEASE;
        else if (since >= cfg->throttle_max)
                v = THROTTLE_ESCALATE;
        else
                v = THROTTLE_HOLD;

        why_add(&w, "throttle: %s after %s (throttle_max %s): usage ", throttle_verdict_to_string(v),
                format_span(x, since), format_span(y, cfg->throttle_max));
        why_add_size(&w, memory_current);
        why_add(&w, ", release below %s", level_text);

        if (v == THROTTLE_ESCALATE) {
                const ActionList *t = &cfg->throttle_then;
                bool restart_dropped = false;

                for (size_t i = 0; i < MIN((size_t) t->n, (size_t) ACTION_LIST_MAX); i++) {
                        if (t->a[i] < 0 || t->a[i] >= _ACTION_TYPE_MAX || t->a[i] == ACTION_NONE)
                                continue;
                        /* rule 3, as for the on_* lists: only the service's own
                         * throttle_then overrides restart = no */
                        if (t->a[i] == ACTION_RESTART && cfg->restart == RESTART_NO &&
                            t->set != ACTION_LIST_OWN) {
                                restart_dropped = true;
                                continue;
                        }
                        d.a[d.n++] = t->a[i];
                }
                why_add(&w, "; throttle_then: ");
                if (d.n > 0) {
                        why_add(&w, "run ");
                        why_add_actions(&w, d.a, d.n);
                } else
                        why_add(&w, "none, just lift it");
                if (restart_dropped)
                        why_add(&w, "; dropped restart (restart = no, and throttle_then is %s)",
                                list_origin(t));
        }
        why_finish(&w);

        if (v == THROTTLE_RELEASE || v == THROTTLE_ESCALATE)
                policy_throttle_end(st);
        if (ret_decision)
                *ret_decision = d;
        return v;
}
