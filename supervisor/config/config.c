/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The configuration model: the names of its enums, a service's and the
 * supervisor's defaults, their comparison (reload) and freeing, the
 * cross-key checks of a service, and the load entry points that run the
 * INI front end (ini.c) over a file or a buffer. */

#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "config/config-internal.h"
#include "base/error-util.h"
#include "base/fs-util.h"
#include "base/string-table.h"
#include "base/units.h"

/* ---- string tables ---- */

static const char *const restart_mode_table[_RESTART_MODE_MAX] = {
        [RESTART_NO] = "no",
        [RESTART_ON_FAILURE] = "on-failure",
        [RESTART_ALWAYS] = "always",
};

static const char *const heap_dump_mode_table[_HEAP_DUMP_MODE_MAX] = {
        [HEAP_DUMP_NO] = "no",
        [HEAP_DUMP_ON_HEAP_GROWTH] = "on-heap-growth",
        [HEAP_DUMP_ALWAYS] = "always",
};

static const char *const jvm_options_env_table[_JVM_OPTIONS_ENV_MAX] = {
        [JVM_OPTIONS_ENV_AUTO] = "auto",
        [JVM_OPTIONS_ENV_JDK] = "JDK_JAVA_OPTIONS",
        [JVM_OPTIONS_ENV_TOOL] = "JAVA_TOOL_OPTIONS",
};

static const char *const ready_mode_table[_READY_MODE_MAX] = {
        [READY_EXEC] = "exec",
        [READY_NOTIFY] = "notify",
};

static const char *const action_type_table[_ACTION_TYPE_MAX] = {
        [ACTION_CAPTURE] = "capture", [ACTION_RESTART] = "restart",   [ACTION_STOP] = "stop",
        [ACTION_KILL] = "kill",       [ACTION_THROTTLE] = "throttle", [ACTION_NOTIFY] = "notify",
        [ACTION_NONE] = "none",
};

static const char *const event_type_table[_EVENT_TYPE_MAX] = {
        [EVENT_PRE_OOM] = "pre-oom",
        [EVENT_OOM_KILL] = "oom-kill",
        [EVENT_PIDS_LIMIT] = "pids-limit",
        [EVENT_PIDS_MAX] = "pids-max",
        [EVENT_LEAK_TREND] = "leak-trend",
        [EVENT_LOG_TRIGGER] = "log-trigger",
        [EVENT_HANG] = "hang",
        [EVENT_HEAP_LEAK] = "heap-leak",
        [EVENT_GC_OVERHEAD] = "gc-overhead",
};

static const char *const capture_item_table[_CAPTURE_ITEM_MAX] = {
        [CAPTURE_NMT] = "nmt",
        [CAPTURE_THREADS] = "threads",
        [CAPTURE_HEAP] = "heap",
        [CAPTURE_PMAP] = "pmap",
        [CAPTURE_SMAPS] = "smaps",
        [CAPTURE_STATUS] = "status",
        [CAPTURE_TASKS] = "tasks",
        [CAPTURE_CGROUP] = "cgroup",
        [CAPTURE_CLASS_HISTOGRAM] = "class_histogram",
        [CAPTURE_HEAP_DUMP] = "heap_dump",
        [CAPTURE_PERFDATA] = "perfdata",
};

DEFINE_STRING_TABLE_LOOKUP(restart_mode, RestartMode);
DEFINE_STRING_TABLE_LOOKUP(ready_mode, ReadyMode);
DEFINE_STRING_TABLE_LOOKUP(jvm_options_env, JvmOptionsEnv);
DEFINE_STRING_TABLE_LOOKUP(heap_dump_mode, HeapDumpMode);
DEFINE_STRING_TABLE_LOOKUP(action_type, ActionType);
DEFINE_STRING_TABLE_LOOKUP(event_type, EventType);
DEFINE_STRING_TABLE_LOOKUP(capture_item, CaptureItem);

/* ---- small helpers ---- */

static bool strv_equal(char *const *a, char *const *b) {
        size_t n = strv_length(a);

        if (n != strv_length(b))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!streq(a[i], b[i]))
                        return false;
        return true;
}

/* ---- Limits, exit statuses ---- */

uint64_t limit_resolve(const Limit *l, uint64_t base, uint64_t dflt_bp) {
        uint64_t bp;

        switch (l ? l->kind : LIMIT_UNSET) {
        case LIMIT_ABSOLUTE:
                return l->value;
        case LIMIT_PERCENT:
                bp = l->value;
                break;
        case LIMIT_UNSET:
                if (dflt_bp == 0)
                        return UINT64_MAX;
                bp = dflt_bp;
                break;
        case LIMIT_NONE:
        default:
                return UINT64_MAX;
        }

        if (base == UINT64_MAX)
                return UINT64_MAX;
        return (uint64_t) ((unsigned __int128) base * bp / 10000);
}

bool exit_status_set_test(const ExitStatusSet *s, int code, int sig) {
        if (!s)
                return false;
        if (sig > 0)
                return sig < 64 && (s->signals & (UINT64_C(1) << sig));
        if (code < 0 || code > 255)
                return false;
        return s->codes[code / 8] & (1u << (code % 8));
}

/* ---- ServiceConfig ---- */

static ActionList action_list_make(int n, const ActionType *a) {
        ActionList l = { .n = (uint8_t) n };

        for (int i = 0; i < n; i++)
                l.a[i] = (int8_t) a[i];
        return l;
}

ServiceConfig *service_config_new(const char *name) {
        _cleanup_(service_config_freep) ServiceConfig *s = NULL;

        s = calloc(1, sizeof(ServiceConfig));
        if (!s)
                return NULL;

        if (name) {
                s->name = strdup(name);
                if (!s->name)
                        return NULL;
        }
        s->jvm_options = strdup("auto");
        s->memory_pressure = strdup("some 150ms/1s");
        if (!s->jvm_options || !s->memory_pressure)
                return NULL;

        s->umask = -1;
        s->memory_max = (Limit){ .kind = LIMIT_UNSET };
        s->memory_high = (Limit){ .kind = LIMIT_PERCENT, .value = 9000 };
        s->pids_max = (Limit){ .kind = LIMIT_UNSET };
        s->cpu_max = (Limit){ .kind = LIMIT_UNSET };

        s->capture_at = (Limit){ .kind = LIMIT_PERCENT, .value = 8500 };
        s->capture_lead = 30 * USEC_PER_SEC;
        s->pids_capture_at = (Limit){ .kind = LIMIT_PERCENT, .value = 9000 };
        s->capture_mask = CAPTURE_AUTO_MASK;
        s->capture_auto = true;
        s->capture_keep = 10;
        s->capture_max_bytes = UINT64_C(1) << 30;
        s->capture_timeout = 20 * USEC_PER_SEC;
        s->capture_reserve = UINT64_C(64) << 20;
        s->pids_capture_reserve = 16;
        s->nmt_baseline_after = 5 * USEC_PER_MINUTE;
        s->capture_upload_timeout = 10 * USEC_PER_MINUTE;
        s->capture_upload_retries = 5;
        s->capture_upload_backoff = 10 * USEC_PER_SEC;

        s->on_event[EVENT_PRE_OOM] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_OOM_KILL] = action_list_make(2, (ActionType[]){ ACTION_CAPTURE, ACTION_RESTART });
        s->on_event[EVENT_PIDS_LIMIT] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_PIDS_MAX] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_LEAK_TREND] = action_list_make(2, (ActionType[]){ ACTION_CAPTURE, ACTION_NOTIFY });
        s->on_event[EVENT_LOG_TRIGGER] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_HANG] = action_list_make(2, (ActionType[]){ ACTION_CAPTURE, ACTION_RESTART });
        s->on_event[EVENT_HEAP_LEAK] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_GC_OVERHEAD] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->gc_overhead_bp = 5000;
        s->gc_overhead_window = 60 * USEC_PER_SEC;

        s->restart = RESTART_ON_FAILURE;
        s->restart_delay = USEC_PER_SEC;
        s->restart_delay_max = 60 * USEC_PER_SEC;
        s->restart_reset_after = 60 * USEC_PER_SEC;
        s->start_limit_burst = 5;
        s->start_limit_interval = 10 * USEC_PER_MINUTE;
        s->stop_signal = SIGTERM;
        s->stop_timeout = 30 * USEC_PER_SEC;

        s->log_max_size = UINT64_C(10) << 20;
        s->log_keep = 5;

        s->psi_stall_usec = 150 * USEC_PER_MSEC;
        s->psi_window_usec = USEC_PER_SEC;
        s->psi_full = false;
        s->sample_interval = USEC_PER_SEC;
        s->idle_sample_interval = 5 * USEC_PER_SEC;
        s->leak_window = USEC_PER_HOUR;
        s->leak_min_slope = UINT64_C(1) << 20;
        s->oom_pause_max = 30 * USEC_PER_SEC;
        s->action_cooldown = 60 * USEC_PER_SEC;
        s->throttle_release_at = (Limit){ .kind = LIMIT_PERCENT, .value = 7000 };
        s->throttle_then = action_list_make(1, (ActionType[]){ ACTION_RESTART });
        s->throttle_max = 10 * USEC_PER_MINUTE;

        s->ready = READY_EXEC;
        s->start_timeout = 90 * USEC_PER_SEC;

        return TAKE_PTR(s);
}

ServiceConfig *service_config_free(ServiceConfig *s) {
        if (!s)
                return NULL;
        free(s->name);
        strv_free(s->argv);
        free(s->exec_raw);
        free(s->working_dir);
        free(s->user);
        free(s->group);
        strv_free(s->supplementary_groups);
        strv_free(s->environment);
        free(s->jvm_options);
        free(s->syscall_filter);
        free(s->memory_pressure);
        strv_free(s->notify_exec);
        strv_free(s->capture_upload);
        log_triggers_free(s->log_triggers, s->n_log_triggers);
        free(s->profile);
        free(s->watch_cgroup);
        free(s->watch_unit);
        free(s->watch_match);
        free(s->jvm_match);
        free(s);
        return NULL;
}

ServiceConfig *watch_config_new(const char *name) {
        ServiceConfig *s = service_config_new(name);

        if (!s)
                return NULL;
        s->kind = SERVICE_KIND_WATCH;
        s->on_event[EVENT_OOM_KILL] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_HANG] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->throttle_then = action_list_make(0, NULL);
        s->restart = RESTART_NO;
        return s;
}

const char *watch_config_target(const ServiceConfig *w, char *buf, size_t size) {
        if (w->watch_cgroup)
                (void) snprintf(buf, size, "cgroup %s", w->watch_cgroup);
        else if (w->watch_unit)
                (void) snprintf(buf, size, "unit %s", w->watch_unit);
        else if (w->watch_match)
                (void) snprintf(buf, size, "match %s", w->watch_match);
        else
                (void) snprintf(buf, size, "nothing");
        return buf;
}

int service_config_set(ServiceConfig *s, const char *key, const char *value, char **ret_error) {
        const KeyDef *k;

        if (!s || !key)
                return -EINVAL;
        k = key_find(service_keys, N_SERVICE_KEYS, key);
        if (!k || (s->kind == SERVICE_KIND_SERVICE && (k->flags & WATCH_ONLY)))
                return error_setf(ret_error, -ENOENT, "unknown key '%s'", key);
        if (s->kind == SERVICE_KIND_WATCH && (k->flags & LAUNCH_ONLY))
                return error_setf(ret_error, -EINVAL, "key '%s' is about launching a service", key);
        if (!value)
                return error_setf(ret_error, -EINVAL, "missing value for %s", key);
        return k->parse(s, k, value, ret_error);
}

/* A watch: one target, and only the actions cgwarden can run on a cgroup
 * it did not start. */
static int watch_config_validate(ServiceConfig *s, const char *file, CfgErrors *errs) {
        const char *name = strna(s->name);
        int n = !!s->watch_cgroup + !!s->watch_unit + !!s->watch_match, r = 0;

        if (n != 1) {
                cfg_errors_add(errs, file, s->line, "watch '%s': %s", name,
                               n == 0 ? "needs one of cgroup=, unit= or match="
                                      : "cgroup=, unit= and match= exclude each other: use one");
                r = -EINVAL;
        }
        for (int e = 0; e <= _EVENT_TYPE_MAX; e++) {
                const ActionList *l = e < _EVENT_TYPE_MAX ? &s->on_event[e] : &s->throttle_then;
                char key[32];

                if (e < _EVENT_TYPE_MAX)
                        (void) snprintf(key, sizeof key, "on_%s", event_type_to_string((EventType) e));
                else
                        (void) snprintf(key, sizeof key, "throttle_then");
                for (char *k = key; *k; k++)
                        if (*k == '-')
                                *k = '_';
                for (unsigned i = 0; i < l->n; i++) {
                        ActionType a = (ActionType) l->a[i];

                        if ((a == ACTION_RESTART || a == ACTION_STOP) && !s->watch_unit) {
                                cfg_errors_add(errs, file, s->line,
                                               "watch '%s': %s = %s: cgwarden can %s only a systemd unit "
                                               "(unit=); a cgroup or container is %sed by whoever "
                                               "started it (kill and capture work)",
                                               name, key, action_type_to_string(a), action_type_to_string(a),
                                               a == ACTION_RESTART ? "restart" : "stopp");
                                r = -EINVAL;
                        }
                        if (a == ACTION_THROTTLE && !s->may_write) {
                                cfg_errors_add(errs, file, s->line,
                                               "watch '%s': %s = throttle changes the cgroup's soft memory "
                                               "limit and CPU quota: set may_write = yes to allow it",
                                               name, key);
                                r = -EINVAL;
                        }
                }
        }
        return r;
}

int service_config_validate(ServiceConfig *s, const char *file, CfgErrors *errs) {
        const char *name = strna(s->name);
        char a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX];
        int r = 0;

        if (s->kind == SERVICE_KIND_WATCH)
                return watch_config_validate(s, file, errs);

        if (!s->argv || !s->argv[0]) {
                cfg_errors_add(errs, file, s->line, MISSING_EXEC_FMT, name);
                r = -EINVAL;
        }

        /* Percentages are resolved against the effective limit later; only
         * two absolute values can contradict each other here. */
        if (s->memory_max.kind == LIMIT_ABSOLUTE) {
                static const struct {
                        const char *key;
                        size_t offset;
                } below_max[] = {
                        { "memory_high", offsetof(ServiceConfig, memory_high) },
                        { "capture_at", offsetof(ServiceConfig, capture_at) },
                        { "throttle_release_at", offsetof(ServiceConfig, throttle_release_at) },
                };

                for (size_t i = 0; i < ELEMENTSOF(below_max); i++) {
                        const Limit *l = (const Limit *) ((const char *) s + below_max[i].offset);

                        if (l->kind == LIMIT_ABSOLUTE && l->value > s->memory_max.value) {
                                cfg_errors_add(errs, file, s->line,
                                               "service '%s': %s (%s) is above memory_max (%s)", name,
                                               below_max[i].key, unit_format_size(a, l->value),
                                               unit_format_size(b, s->memory_max.value));
                                r = -EINVAL;
                        }
                }
        }

        if (s->pids_max.kind == LIMIT_ABSOLUTE && s->pids_capture_at.kind == LIMIT_ABSOLUTE &&
            s->pids_capture_at.value > s->pids_max.value) {
                cfg_errors_add(errs, file, s->line,
                               "service '%s': pids_capture_at (%" PRIu64 ") is above pids_max (%" PRIu64 ")",
                               name, s->pids_capture_at.value, s->pids_max.value);
                r = -EINVAL;
        }

        if (s->restart_delay_max < s->restart_delay) {
                cfg_errors_add(errs, file, s->line,
                               "service '%s': restart_delay_max (%s) is shorter than restart_delay (%s)",
                               name, unit_format_duration(a, s->restart_delay_max),
                               unit_format_duration(b, s->restart_delay));
                r = -EINVAL;
        }

        /* The trend estimator needs several samples inside its window. */
        if (s->leak_window < s->sample_interval) {
                cfg_errors_add(errs, file, s->line,
                               "service '%s': leak_window (%s) is shorter than sample_interval (%s)", name,
                               unit_format_duration(a, s->leak_window),
                               unit_format_duration(b, s->sample_interval));
                r = -EINVAL;
        }

        return r;
}

static bool limit_equal(const Limit *a, const Limit *b) {
        return a->kind == b->kind && a->value == b->value;
}

static bool action_list_equal(const ActionList *a, const ActionList *b) {
        if (a->n != b->n || a->set != b->set)
                return false;
        return memcmp(a->a, b->a, a->n * sizeof(a->a[0])) == 0;
}

static bool exit_status_equal(const ExitStatusSet *a, const ExitStatusSet *b) {
        return a->set == b->set && a->signals == b->signals &&
               memcmp(a->codes, b->codes, sizeof(a->codes)) == 0;
}

/* A field added to ServiceConfig must be compared below; this trips when
 * the struct changes so that it is not forgotten (update the size too). */
#if __SIZEOF_POINTER__ == 8 && defined(__x86_64__)
_Static_assert(sizeof(ServiceConfig) == 1024, "ServiceConfig changed: update service_config_equal()");
#endif

bool service_config_equal(const ServiceConfig *a, const ServiceConfig *b) {
        if (a == b)
                return true;
        if (!a || !b)
                return false;

#define SAME(f) (a->f == b->f)
#define SAME_STR(f) streq_ptr(a->f, b->f)
#define SAME_STRV(f) strv_equal(a->f, b->f)
#define SAME_LIMIT(f) limit_equal(&a->f, &b->f)

        /* Not compared: line (moving a section is no change), exec_raw
         * (argv is what runs: re-quoting is no change) and the
         * memory_pressure text (the psi_* values are what is used). */
        if (!(SAME_STR(name) && SAME_STRV(argv) && SAME_STR(working_dir) && SAME_STR(user) &&
              SAME_STR(group) && SAME_STRV(supplementary_groups) && SAME_STRV(environment) && SAME(umask)))
                return false;
        if (!(SAME_LIMIT(memory_max) && SAME_LIMIT(memory_high) && SAME_LIMIT(pids_max) &&
              SAME_LIMIT(cpu_max)))
                return false;
        if (!(SAME_LIMIT(capture_at) && SAME(capture_lead) && SAME_LIMIT(pids_capture_at) &&
              SAME(capture_mask) && SAME(capture_auto) && SAME(heap_dump) && SAME(capture_memory_sample) &&
              SAME(gc_overhead_bp) && SAME(gc_overhead_window) && SAME(capture_keep) &&
              SAME(capture_max_bytes) && capture_budget_equal(&a->capture_budget, &b->capture_budget) &&
              capture_budget_equal(&a->heap_dump_budget, &b->heap_dump_budget) && SAME(capture_timeout) &&
              SAME(capture_reserve) && SAME(pids_capture_reserve) && SAME(nmt_baseline_after) &&
              SAME_STR(jvm_options) && SAME(jvm_options_env)))
                return false;
        for (int e = 0; e < _EVENT_TYPE_MAX; e++)
                if (!action_list_equal(&a->on_event[e], &b->on_event[e]))
                        return false;
        if (!(SAME(restart) && SAME(restart_delay) && SAME(restart_delay_max) && SAME(restart_reset_after) &&
              SAME(start_limit_burst) && SAME(start_limit_interval) && SAME(stop_signal) &&
              SAME(stop_timeout)))
                return false;
        if (!(SAME(log_max_size) && SAME(log_keep) && SAME_STR(syscall_filter) &&
              SAME(syscall_filter_kill) && SAME(no_new_privileges)))
                return false;
        if (!(SAME(psi_stall_usec) && SAME(psi_window_usec) && SAME(psi_full) && SAME(sample_interval) &&
              SAME(leak_window) && SAME(leak_min_slope) && SAME(oom_pause_max) && SAME(action_cooldown)))
                return false;
        if (!(SAME(throttle_cpu_bp) && SAME_LIMIT(throttle_release_at) &&
              action_list_equal(&a->throttle_then, &b->throttle_then) && SAME(throttle_max) &&
              SAME_STRV(notify_exec) && SAME_STRV(capture_upload) && SAME(capture_upload_timeout) &&
              SAME(capture_upload_retries) && SAME(capture_upload_backoff)))
                return false;
        if (!exit_status_equal(&a->success_exit_status, &b->success_exit_status) ||
            !exit_status_equal(&a->restart_prevent_exit_status, &b->restart_prevent_exit_status))
                return false;
        if (a->n_log_triggers != b->n_log_triggers)
                return false;
        for (size_t i = 0; i < a->n_log_triggers; i++)
                if (!streq(a->log_triggers[i].regex_src, b->log_triggers[i].regex_src) ||
                    !action_list_equal(&a->log_triggers[i].actions, &b->log_triggers[i].actions))
                        return false;
        return SAME(ready) && SAME(start_timeout) && SAME(watchdog) && SAME_STR(profile) && SAME(kind) &&
               SAME_STR(watch_cgroup) && SAME_STR(watch_unit) && SAME_STR(watch_match) &&
               SAME_STR(jvm_match) && SAME(may_write) && SAME(idle_sample_interval);

#undef SAME
#undef SAME_STR
#undef SAME_STRV
#undef SAME_LIMIT
}

/* ---- Config ---- */

Config *config_new(void) {
        Config *c = calloc(1, sizeof(Config));

        if (!c)
                return NULL;
        c->metrics_interval = 15 * USEC_PER_SEC;
        return c;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        free(c->path);
        free(c->capture_dir);
        free(c->termination_log);
        free(c->state_dir);
        free(c->log_dir);
        free(c->cgroup_root);
        free(c->control_group);
        free(c->metrics_file);
        free(c->metrics_listen);
        for (size_t i = 0; i < c->n_services; i++)
                service_config_free(c->services[i]);
        free(c->services);
        for (size_t i = 0; i < c->n_watches; i++)
                service_config_free(c->watches[i]);
        free(c->watches);
        free(c);
        return NULL;
}

/* XDG base directories must be absolute; a relative one is ignored. */
static const char *getenv_abs(const char *name) {
        const char *v = getenv(name);
        return v && v[0] == '/' ? v : NULL;
}

static int set_default_path(char **field, const char *base, const char *suffix) {
        if (*field)
                return 0;
        if (!base)
                return -ENXIO;
        if (asprintf(field, "%s%s", base, suffix) < 0) {
                *field = NULL;
                return -ENOMEM;
        }
        return 0;
}

int config_apply_defaults_for_uid(Config *c, uid_t euid) {
        _cleanup_free_ char *state_home = NULL;
        const char *runtime;
        int r = 0, k;

        if (!c)
                return -EINVAL;

        if (!c->cgroup_root) {
                c->cgroup_root = strdup("auto");
                if (!c->cgroup_root)
                        return -ENOMEM;
        }

        if (euid == 0) {
                if (set_default_path(&c->capture_dir, "/var/lib/cgwarden/captures", "") < 0 ||
                    set_default_path(&c->state_dir, "/run/cgwarden", "") < 0 ||
                    set_default_path(&c->log_dir, "/var/log/cgwarden", "") < 0)
                        return -ENOMEM;
                return 0;
        }

        if (getenv_abs("XDG_STATE_HOME"))
                state_home = strdup(getenv_abs("XDG_STATE_HOME"));
        else if (getenv_abs("HOME")) {
                if (asprintf(&state_home, "%s/.local/state", getenv_abs("HOME")) < 0)
                        state_home = NULL;
        } else
                r = -ENXIO;
        if (r == 0 && !state_home)
                return -ENOMEM;

        /* Fill in what can be filled even if one base is missing, and
         * report -ENXIO at the end so the caller can name the variable. */
        k = set_default_path(&c->capture_dir, state_home, "/cgwarden/captures");
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                r = k;
        k = set_default_path(&c->log_dir, state_home, "/cgwarden/log");
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                r = k;

        runtime = getenv_abs("XDG_RUNTIME_DIR");
        k = set_default_path(&c->state_dir, runtime, "/cgwarden");
        if (k == -ENOMEM)
                return k;
        if (k < 0)
                r = k;

        return r;
}

int config_apply_defaults(Config *c) {
        return config_apply_defaults_for_uid(c, geteuid());
}

int config_apply_defaults_for_file(Config *c, const char *path) {
        struct stat st;

        return config_apply_defaults_for_uid(c, path && stat(path, &st) >= 0 ? st.st_uid : geteuid());
}

/* ---- loading ---- */

int cfg_load_buf_full(const char *path, const char *buf, size_t n, CfgLoadFlags flags, Config **ret_config,
                      CfgErrors *errs) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(parser_done) CfgParser p = {};
        int r;

        if (!buf && n > 0)
                return -EINVAL;

        c = config_new();
        if (!c)
                return -ENOMEM;
        c->path = strdup(path ?: "<config>");
        if (!c->path)
                return -ENOMEM;

        p = (CfgParser){
                .path = c->path,
                .buf = buf,
                .size = n,
                .config = c,
                .section = SECTION_NONE,
                .flags = flags,
        };

        r = parser_run(&p);
        if (r < 0)
                return r;

        for (size_t i = 0; i < p.n_errors; i++)
                cfg_errors_push(errs, TAKE_PTR(p.errors[i].text));
        if (p.n_errors > 0)
                return -CGW_ERR_CONFIG;

        if (ret_config)
                *ret_config = TAKE_PTR(c);
        return 0;
}

int cfg_load_buf(const char *path, const char *buf, size_t n, Config **ret_config, CfgErrors *errs) {
        return cfg_load_buf_full(path, buf, n, 0, ret_config, errs);
}

int cfg_load_file(const char *path, Config **ret_config, CfgErrors *errs) {
        _cleanup_free_ char *buf = NULL;
        size_t n;
        int r;

        r = read_full_file_at(AT_FDCWD, path, CFG_FILE_MAX_BYTES, 0, &buf, &n);
        if (r < 0) {
                cfg_errors_add(errs, path, 0, "cannot read config file: %s", strerror(-r));
                return r;
        }
        return cfg_load_buf_full(path, buf, n, CFG_LOAD_PROFILES, ret_config, errs);
}
