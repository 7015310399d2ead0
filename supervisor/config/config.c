/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The configuration model and its INI front end.
 *
 * inih does the key/value splitting (whitespace, inline "; comments"),
 * but Debian's build (libinih 55) has three properties we cannot live
 * with, so every line goes through our reader (cfg_reader) first:
 *
 *  - the handler gets no line number (INI_HANDLER_LINENO is 0): the
 *    reader hands inih exactly one physical line per call and counts
 *    them, so p->line is the line of the key being handled;
 *  - INI_ALLOW_MULTILINE is on: an indented line after a key is taken
 *    as another value of that key, so an indented "[service:b]" or
 *    "memory_max = 1G" would silently land in the previous key. The
 *    reader strips leading whitespace, which turns continuation off
 *    without touching inih's process-wide globals;
 *  - the line buffer is 200 bytes on the stack (INI_MAX_LINE) and a
 *    longer line is silently split into pieces. Java command lines are
 *    longer than that, so for a key line that does not fit the reader
 *    passes "name=" and keeps the value itself (cleaned by the same
 *    rules: value_clean()).
 *
 * Section headers never reach inih (it truncates names to 50 bytes and
 * does not tell the handler where a section starts); syntax errors are
 * found by the reader too, so every error has its own line, not just
 * the first one that ini_parse_stream() would return. */

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "cgw-config.h"
#include "config/config-internal.h"
#include "base/error-util.h"
#include "base/string-table.h"
#include "base/units.h"

#define CONFIG_FILE_SIZE_MAX (4U * 1024U * 1024U)
#define SERVICE_NAME_MAX 64

/* ---- string tables ---- */

static const char *const restart_mode_table[_RESTART_MODE_MAX] = {
        [RESTART_NO] = "no",
        [RESTART_ON_FAILURE] = "on-failure",
        [RESTART_ALWAYS] = "always",
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
};

DEFINE_STRING_TABLE_LOOKUP(restart_mode, RestartMode);
DEFINE_STRING_TABLE_LOOKUP(ready_mode, ReadyMode);
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

_printf_(3, 0) static char *format_errorv(const char *file, unsigned line, const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL;
        char *l;
        int r;

        if (vasprintf(&msg, fmt, ap) < 0)
                return NULL;
        if (line > 0)
                r = asprintf(&l, "%s:%u: %s", file ?: "<config>", line, msg);
        else
                r = asprintf(&l, "%s: %s", file ?: "<config>", msg);
        return r < 0 ? NULL : l;
}

_printf_(3, 4) static char *format_error(const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;
        char *l;

        va_start(ap, fmt);
        l = format_errorv(file, line, fmt, ap);
        va_end(ap);
        return l;
}

/* ---- CfgErrors ---- */

void cfg_errors_done(CfgErrors *e) {
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->lines[i]);
        e->lines = mfree(e->lines);
        e->n = 0;
}

/* Takes ownership of l (also on failure). */
static void cfg_errors_push(CfgErrors *e, char *l) {
        char **t;

        if (!e || !l) {
                free(l);
                return;
        }
        t = reallocarray(e->lines, e->n + 2, sizeof(char *));
        if (!t) {
                free(l);
                return;
        }
        t[e->n++] = l;
        t[e->n] = NULL;
        e->lines = t;
}

void cfg_errors_add(CfgErrors *e, const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;
        char *l;

        if (!e)
                return;
        va_start(ap, fmt);
        l = format_errorv(file, line, fmt, ap);
        va_end(ap);
        cfg_errors_push(e, l);
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

        s->on_event[EVENT_PRE_OOM] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_OOM_KILL] = action_list_make(2, (ActionType[]){ ACTION_CAPTURE, ACTION_RESTART });
        s->on_event[EVENT_PIDS_LIMIT] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_PIDS_MAX] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_LEAK_TREND] = action_list_make(2, (ActionType[]){ ACTION_CAPTURE, ACTION_NOTIFY });
        s->on_event[EVENT_LOG_TRIGGER] = action_list_make(1, (ActionType[]){ ACTION_CAPTURE });
        s->on_event[EVENT_HANG] = action_list_make(2, (ActionType[]){ ACTION_CAPTURE, ACTION_RESTART });

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
        log_triggers_free(s->log_triggers, s->n_log_triggers);
        free(s->profile);
        free(s);
        return NULL;
}

int service_config_set(ServiceConfig *s, const char *key, const char *value, char **ret_error) {
        const KeyDef *k;

        if (!s || !key)
                return -EINVAL;
        k = key_find(service_keys, N_SERVICE_KEYS, key);
        if (!k) {
                return error_setf(ret_error, -ENOENT, "unknown key '%s'", key);
        }
        if (!value)
                return error_setf(ret_error, -EINVAL, "missing value for %s", key);
        return k->parse(s, k, value, ret_error);
}

#define MISSING_EXEC_FMT "service '%s': missing exec="

int service_config_validate(ServiceConfig *s, const char *file, CfgErrors *errs) {
        const char *name = strna(s->name);
        char a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX];
        int r = 0;

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
_Static_assert(sizeof(ServiceConfig) == 688, "ServiceConfig changed: update service_config_equal()");
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
              SAME(capture_mask) && SAME(capture_auto) && SAME(capture_keep) && SAME(capture_max_bytes) &&
              SAME(capture_timeout) && SAME(capture_reserve) && SAME(pids_capture_reserve) &&
              SAME(nmt_baseline_after) && SAME_STR(jvm_options)))
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
              SAME_STRV(notify_exec)))
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
        return SAME(ready) && SAME(start_timeout) && SAME(watchdog) && SAME_STR(profile);

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
        free(c->state_dir);
        free(c->log_dir);
        free(c->cgroup_root);
        free(c->control_group);
        free(c->metrics_file);
        free(c->metrics_listen);
        for (size_t i = 0; i < c->n_services; i++)
                service_config_free(c->services[i]);
        free(c->services);
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

/* ---- the INI front end ---- */

typedef enum SectionKind {
        SECTION_NONE, /* before the first header */
        SECTION_SUPERVISOR,
        SECTION_SERVICE,
        SECTION_PROFILE, /* the [profile] section of a profile file */
        SECTION_IGNORED, /* bad header, already reported: skip its keys */
} SectionKind;

typedef struct PendingError {
        unsigned line;
        size_t seq; /* keeps errors of one line in the order found */
        char *text;
} PendingError;

/* A service key as written: kept so that a profile can be applied under
 * the service's own keys, whatever their order (parser_apply_profile()). */
typedef struct Assignment {
        const KeyDef *key;
        unsigned line;
        char *value;
} Assignment;

static Assignment *assignments_free(Assignment *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(a[i].value);
        free(a);
        return NULL;
}

/* Set each assignment on s, in order. Returns 0, -ENOMEM, or -EINVAL with
 * the message in *ret_error and the assignment in *ret_failed. */
static int assignments_apply(ServiceConfig *s, const Assignment *a, size_t n, const Assignment **ret_failed,
                             char **ret_error) {
        for (size_t i = 0; i < n; i++) {
                int r = a[i].key->parse(s, a[i].key, a[i].value, ret_error);

                if (r < 0) {
                        *ret_failed = &a[i];
                        return r;
                }
        }
        return 0;
}

/* The action lists a profile set are the profile's, not the user's: the
 * policy engine lets only the user's own override restart = no. */
static void mark_profile_lists(ServiceConfig *s) {
        for (size_t e = 0; e < _EVENT_TYPE_MAX; e++)
                if (s->on_event[e].set)
                        s->on_event[e].set = ACTION_LIST_PROFILE;
        if (s->throttle_then.set)
                s->throttle_then.set = ACTION_LIST_PROFILE;
        for (size_t i = 0; i < s->n_log_triggers; i++)
                if (s->log_triggers[i].actions.set)
                        s->log_triggers[i].actions.set = ACTION_LIST_PROFILE;
}

/* A profile file, read and parsed once per load however many services
 * name it. Usable when failure is NULL and errors is empty. */
typedef struct Profile {
        char *spec; /* as written after profile= */
        char *path; /* the file looked at; NULL when the name could not be looked up */
        char *failure; /* why it could not be read (unknown name, I/O error) */
        CfgErrors errors; /* "PROFILE_FILE:LINE: message" */
        Assignment *assignments;
        size_t n_assignments;
        bool reported; /* errors already listed under an earlier service */
} Profile;

static Profile *profile_free(Profile *prof) {
        if (!prof)
                return NULL;
        free(prof->spec);
        free(prof->path);
        free(prof->failure);
        cfg_errors_done(&prof->errors);
        assignments_free(prof->assignments, prof->n_assignments);
        free(prof);
        return NULL;
}

static void profile_freep(Profile **prof) {
        *prof = profile_free(*prof);
}

typedef struct CfgParser {
        const char *path;
        const char *buf;
        size_t size, pos;
        unsigned line;

        Config *config;
        SectionKind section;
        char *section_name;
        ServiceConfig *service;
        unsigned supervisor_line;

        /* line where each key was first set in the current section */
        unsigned service_seen[N_SERVICE_KEYS];
        unsigned supervisor_seen[N_SUPERVISOR_KEYS];

        bool section_had_errors; /* a key of the current section was rejected */

        char *overflow_value; /* value of a line too long for inih */

        CfgLoadFlags flags;
        bool profile_mode; /* parsing a profile file: one [profile] section */
        unsigned profile_line; /* its header's line */
        ServiceConfig *scratch; /* profile mode: values are parsed into it to be checked */
        /* the keys of the current service section (CFG_LOAD_PROFILES), or of the profile */
        Assignment *assignments;
        size_t n_assignments;
        Profile **profiles; /* loaded so far (CFG_LOAD_PROFILES) */
        size_t n_profiles;

        PendingError *errors;
        size_t n_errors;
        bool oom;
} CfgParser;

static void parser_done(CfgParser *p) {
        free(p->section_name);
        free(p->overflow_value);
        service_config_free(p->scratch);
        assignments_free(p->assignments, p->n_assignments);
        for (size_t i = 0; i < p->n_profiles; i++)
                profile_free(p->profiles[i]);
        free(p->profiles);
        for (size_t i = 0; i < p->n_errors; i++)
                free(p->errors[i].text);
        free(p->errors);
}

static void parser_push(CfgParser *p, unsigned line, char *text) {
        PendingError *t;

        if (!text) {
                p->oom = true;
                return;
        }
        t = reallocarray(p->errors, p->n_errors + 1, sizeof(PendingError));
        if (!t) {
                free(text);
                p->oom = true;
                return;
        }
        p->errors = t;
        p->errors[p->n_errors] = (PendingError){ .line = line, .seq = p->n_errors, .text = text };
        p->n_errors++;
}

_printf_(3, 4) static void parser_error(CfgParser *p, unsigned line, const char *fmt, ...) {
        va_list ap;
        char *l;

        va_start(ap, fmt);
        l = format_errorv(p->path, line, fmt, ap);
        va_end(ap);
        parser_push(p, line, l);
}

static bool parser_has_error_at(const CfgParser *p, unsigned line) {
        for (size_t i = 0; i < p->n_errors; i++)
                if (p->errors[i].line == line)
                        return true;
        return false;
}

static int pending_cmp(const void *x, const void *y) {
        const PendingError *a = x, *b = y;

        if (a->line != b->line)
                return a->line < b->line ? -1 : 1;
        return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool service_name_valid(const char *s, size_t n) {
        if (n == 0 || n > SERVICE_NAME_MAX || s[0] == '.')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(isascii((unsigned char) s[i]) &&
                      (isalnum((unsigned char) s[i]) || strchr("_.-", s[i]))))
                        return false;
        return true;
}

static ServiceConfig *config_find_service(Config *c, const char *name, size_t n) {
        for (size_t i = 0; i < c->n_services; i++)
                if (word_eq(name, n, c->services[i]->name))
                        return c->services[i];
        return NULL;
}

static int profile_load(const char *spec, Profile **ret);

static size_t service_key_index(const char *name) {
        return (size_t) (key_find(service_keys, N_SERVICE_KEYS, name) - service_keys);
}

/* The profile named by spec, loaded on first use. NULL (and p->oom) when
 * out of memory. */
static Profile *parser_get_profile(CfgParser *p, const char *spec) {
        Profile *prof = NULL, **t;

        for (size_t i = 0; i < p->n_profiles; i++)
                if (streq(p->profiles[i]->spec, spec))
                        return p->profiles[i];

        t = reallocarray(p->profiles, p->n_profiles + 1, sizeof(Profile *));
        if (t)
                p->profiles = t;
        if (!t || profile_load(spec, &prof) < 0) {
                p->oom = true;
                return NULL;
        }
        p->profiles[p->n_profiles++] = prof;
        return prof;
}

/* Apply the current service's profile: a fresh service gets the
 * profile's keys, then the section's own keys replayed in file order, so
 * that the service's keys win whatever their order and its repeatable
 * keys (environment, log_trigger) come after the profile's. The result
 * replaces the service parsed so far. Profile problems are reported at
 * the profile= line: one line saying which profile, then the profile
 * file's own "FILE:LINE: message" lines (once per load). Returns 0 when
 * the service may be judged, -EINVAL (reported) or -ENOMEM if not. */
static int parser_apply_profile(CfgParser *p) {
        ServiceConfig *s = p->service, *merged;
        unsigned line = p->service_seen[service_key_index("profile")];
        _cleanup_free_ char *err = NULL;
        const Assignment *failed = NULL;
        Profile *prof;
        int r;

        prof = parser_get_profile(p, s->profile);
        if (!prof)
                return -ENOMEM;
        if (prof->failure) {
                parser_error(p, line, "service '%s': %s", s->name, prof->failure);
                return -EINVAL;
        }
        if (prof->errors.n > 0) {
                if (prof->spec[0] == '/')
                        parser_error(p, line, "service '%s': profile %s has errors%s", s->name, prof->path,
                                     prof->reported ? " (listed above)" : ":");
                else
                        parser_error(p, line, "service '%s': profile '%s' (%s) has errors%s", s->name,
                                     prof->spec, prof->path, prof->reported ? " (listed above)" : ":");
                for (size_t i = 0; !prof->reported && i < prof->errors.n; i++)
                        parser_push(p, line, strdup(prof->errors.lines[i]));
                prof->reported = true;
                return -EINVAL;
        }
        if (p->section_had_errors)
                return -EINVAL;

        merged = service_config_new(s->name);
        if (!merged) {
                p->oom = true;
                return -ENOMEM;
        }
        merged->line = s->line;

        /* The profile's keys were checked on a fresh service like this one. */
        r = assignments_apply(merged, prof->assignments, prof->n_assignments, &failed, &err);
        if (r == -EINVAL)
                parser_push(p, line, format_error(prof->path, failed->line, "%s", err));
        else if (r >= 0) {
                mark_profile_lists(merged);
                /* Each key was accepted alone; together with the profile's
                 * one can still fail (too many log_trigger lines). */
                r = assignments_apply(merged, p->assignments, p->n_assignments, &failed, &err);
                if (r == -EINVAL)
                        parser_error(p, failed->line, "service '%s': with profile '%s': %s", s->name,
                                     prof->spec, err);
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        p->oom = true;
                service_config_free(merged);
                return r;
        }

        for (size_t i = 0; i < p->config->n_services; i++)
                if (p->config->services[i] == s)
                        p->config->services[i] = merged;
        service_config_free(s);
        p->service = merged;
        return 0;
}

/* Cross-key checks when a service section ends, after its profile is
 * applied. After a rejected value they would judge defaults the user did
 * not write ("restart_delay_max is shorter than restart_delay" when
 * restart_delay was a typo), so then only a missing exec= line is
 * reported, not an invalid one. */
static void parser_end_section(CfgParser *p) {
        CfgErrors tmp = {};
        bool judge;

        if (p->section != SECTION_SERVICE || !p->service)
                return;

        judge = !p->section_had_errors;
        /* also after errors, so that the profile's own are reported too */
        if ((p->flags & CFG_LOAD_PROFILES) && p->service->profile && parser_apply_profile(p) < 0)
                judge = false;

        if (!judge) {
                if (p->service_seen[service_key_index("exec")] == 0)
                        cfg_errors_add(&tmp, p->path, p->service->line, MISSING_EXEC_FMT, p->service->name);
        } else
                (void) service_config_validate(p->service, p->path, &tmp);

        for (size_t j = 0; j < tmp.n; j++)
                parser_push(p, p->service->line, TAKE_PTR(tmp.lines[j]));
        cfg_errors_done(&tmp);
}

static void parser_section(CfgParser *p, const char *name, size_t n) {
        ServiceConfig *s, **t;

        parser_end_section(p);
        p->section_had_errors = false;
        p->section = SECTION_IGNORED;
        p->service = NULL;
        memset(p->service_seen, 0, sizeof(p->service_seen));
        free(p->section_name);
        p->section_name = strndup(name, n);
        if (!p->section_name) {
                p->oom = true;
                return;
        }

        if (p->profile_mode) {
                if (!streq(p->section_name, "profile")) {
                        parser_error(p, p->line,
                                     "unknown section [%s]: a profile file has one [profile] section",
                                     p->section_name);
                        return;
                }
                if (p->profile_line > 0) {
                        parser_error(p, p->line, "duplicate section [profile], first at line %u",
                                     p->profile_line);
                        return;
                }
                p->profile_line = p->line;
                p->section = SECTION_PROFILE;
                return;
        }
        p->assignments = assignments_free(p->assignments, p->n_assignments);
        p->n_assignments = 0;

        if (streq(p->section_name, "supervisor")) {
                if (p->supervisor_line > 0) {
                        parser_error(p, p->line, "duplicate section [supervisor], first at line %u",
                                     p->supervisor_line);
                        return;
                }
                p->supervisor_line = p->line;
                p->section = SECTION_SUPERVISOR;
                return;
        }

        if (strncmp(p->section_name, "service:", 8) != 0) {
                parser_error(p, p->line, "unknown section [%s]", p->section_name);
                return;
        }

        name += 8;
        n -= 8;
        if (!service_name_valid(name, n)) {
                parser_error(
                        p, p->line,
                        "invalid service name '%.*s': use 1-64 of A-Z a-z 0-9 _ . -, not starting with '.'",
                        (int) n, name);
                return;
        }
        s = config_find_service(p->config, name, n);
        if (s) {
                parser_error(p, p->line, "duplicate section [service:%s], first at line %u", s->name,
                             s->line);
                return;
        }

        s = service_config_new(NULL);
        if (s)
                s->name = strndup(name, n);
        t = s && s->name
                    ? reallocarray(p->config->services, p->config->n_services + 1, sizeof(ServiceConfig *))
                    : NULL;
        if (!t) {
                service_config_free(s);
                p->oom = true;
                return;
        }
        p->config->services = t;
        p->config->services[p->config->n_services++] = s;
        s->line = p->line;
        p->service = s;
        p->section = SECTION_SERVICE;
}

static void parser_record(CfgParser *p, const KeyDef *k, const char *value) {
        Assignment *t;
        char *v = strdup(value);

        t = v ? reallocarray(p->assignments, p->n_assignments + 1, sizeof(Assignment)) : NULL;
        if (!t) {
                free(v);
                p->oom = true;
                return;
        }
        p->assignments = t;
        p->assignments[p->n_assignments++] = (Assignment){ .key = k, .line = p->line, .value = v };
}

static void parser_set(CfgParser *p, const KeyDef *table, size_t n, unsigned *seen, void *obj,
                       const char *name, const char *value) {
        _cleanup_free_ char *err = NULL;
        const KeyDef *k;
        size_t i;
        int r;

        k = key_find(table, n, name);
        if (!k) {
                parser_error(p, p->line, "unknown key '%s' in [%s]", name, p->section_name);
                return;
        }
        i = (size_t) (k - table);
        if (p->section == SECTION_PROFILE && (k->flags & NOT_IN_PROFILE)) {
                parser_error(p, p->line, "key '%s' cannot be set in a profile, only in a service section",
                             name);
                p->section_had_errors = true;
                return;
        }
        if (seen[i] > 0 && !(k->flags & KEY_REPEATABLE)) {
                parser_error(p, p->line, "duplicate key '%s' in [%s], first set at line %u", name,
                             p->section_name, seen[i]);
                return;
        }
        if (seen[i] == 0)
                seen[i] = p->line;

        r = k->parse(obj, k, value, &err);
        if (r == -ENOMEM)
                p->oom = true;
        else if (r < 0) {
                parser_error(p, p->line, "%s", err ?: "invalid value");
                p->section_had_errors = true;
        } else if (table == service_keys && (p->profile_mode || (p->flags & CFG_LOAD_PROFILES)))
                parser_record(p, k, value);
}

/* inih's handler: non-zero means success. We always return 1: problems
 * are collected in the parser, and inih must go on to the next line. */
static int cfg_handler(void *user, const char *section, const char *name, const char *value) {
        CfgParser *p = user;

        if (p->overflow_value)
                value = p->overflow_value;

        switch (p->section) {
        case SECTION_NONE:
                parser_error(p, p->line, "key '%s' outside of any section", name);
                break;
        case SECTION_SUPERVISOR:
                parser_set(p, supervisor_keys, N_SUPERVISOR_KEYS, p->supervisor_seen, p->config, name,
                           value);
                break;
        case SECTION_SERVICE:
                parser_set(p, service_keys, N_SERVICE_KEYS, p->service_seen, p->service, name, value);
                break;
        case SECTION_PROFILE:
                parser_set(p, service_keys, N_SERVICE_KEYS, p->service_seen, p->scratch, name, value);
                break;
        case SECTION_IGNORED:
                break;
        }
        return 1;
}

/* What inih does to a value: cut an inline comment (";" after
 * whitespace), strip whitespace. Only used for lines too long for inih. */
static char *value_clean(const char *s, size_t n) {
        bool was_space = false;
        size_t i;

        for (i = 0; i < n; i++) {
                if (was_space && s[i] == ';')
                        break;
                was_space = isspace((unsigned char) s[i]);
        }
        return strip_dup(s, i);
}

static char *reader_blank(char *str) {
        str[0] = '\n';
        str[1] = '\0';
        return str;
}

/* Feed inih one physical line per call (see the top of this file). */
static char *cfg_reader(char *str, int num, void *stream) {
        CfgParser *p = stream;
        const char *start, *nl;
        size_t len, sep, name_len;
        bool was_space = false;

        p->overflow_value = mfree(p->overflow_value);

        if (p->pos >= p->size || num < 4)
                return NULL;

        start = p->buf + p->pos;
        nl = memchr(start, '\n', p->size - p->pos);
        len = nl ? (size_t) (nl - start) : p->size - p->pos;
        p->pos += len + (nl ? 1 : 0);
        p->line++;

        if (p->line == 1 && len >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
                start += 3;
                len -= 3;
        }
        if (memchr(start, '\0', len)) {
                parser_error(p, p->line, "line contains a NUL byte");
                return reader_blank(str);
        }
        while (len > 0 && isspace((unsigned char) *start))
                start++, len--;
        while (len > 0 && isspace((unsigned char) start[len - 1]))
                len--;

        if (len == 0 || *start == ';' || *start == '#')
                return reader_blank(str);

        if (*start == '[') {
                const char *end = memchr(start, ']', len);
                const char *rest;
                size_t rest_len;

                if (!end) {
                        parser_error(p, p->line, "missing ']' in section header");
                        return reader_blank(str);
                }
                rest = end + 1;
                rest_len = len - (size_t) (rest - start);
                while (rest_len > 0 && isspace((unsigned char) *rest))
                        rest++, rest_len--;
                if (rest_len > 0 && *rest != ';' && *rest != '#') {
                        parser_error(p, p->line, "unexpected text after section header");
                        return reader_blank(str);
                }
                parser_section(p, start + 1, (size_t) (end - start - 1));
                return reader_blank(str);
        }

        /* The key ends at the first '=' or ':' (as in inih), unless an
         * inline comment starts first. */
        for (sep = 0; sep < len; sep++) {
                if (start[sep] == '=' || start[sep] == ':')
                        break;
                if (was_space && start[sep] == ';') {
                        sep = len;
                        break;
                }
                was_space = isspace((unsigned char) start[sep]);
        }
        if (sep == len) {
                parser_error(p, p->line, "expected 'key = value', '[section]' or a comment");
                return reader_blank(str);
        }
        name_len = sep;
        while (name_len > 0 && isspace((unsigned char) start[name_len - 1]))
                name_len--;
        if (name_len == 0) {
                parser_error(p, p->line, "missing key name before '%c'", start[sep]);
                return reader_blank(str);
        }

        if (len + 2 <= (size_t) num) {
                memcpy(str, start, len);
                str[len] = '\n';
                str[len + 1] = '\0';
                return str;
        }

        /* Too long for inih's buffer: hand it the key, keep the value. */
        if (name_len + 3 > (size_t) num) {
                parser_error(p, p->line, "unknown key '%.*s...'", 32, start);
                return reader_blank(str);
        }
        p->overflow_value = value_clean(start + sep + 1, len - sep - 1);
        if (!p->overflow_value) {
                p->oom = true;
                return reader_blank(str);
        }
        memcpy(str, start, name_len);
        str[name_len] = '=';
        str[name_len + 1] = '\n';
        str[name_len + 2] = '\0';
        return str;
}

/* With regular_only, anything but a regular file is -EBADFD, and opening
 * a FIFO does not block: a profile path is read by the daemon on reload,
 * and the config file may be /dev/stdin for `check` but a profile need not. */
static int read_full_file(const char *path, bool regular_only, char **ret_buf, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t size = 0, alloc = 0;
        struct stat st;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (regular_only ? O_NONBLOCK : 0));
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (regular_only && !S_ISREG(st.st_mode))
                return -EBADFD;

        for (;;) {
                ssize_t k;

                if (size + 1 >= alloc) {
                        size_t n = alloc ? alloc * 2 : 4096;
                        char *t;

                        if (alloc >= CONFIG_FILE_SIZE_MAX)
                                return -EFBIG;
                        t = realloc(buf, n);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                        alloc = n;
                }
                k = read(fd, buf + size, alloc - size - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }
        buf[size] = '\0';

        *ret_buf = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

/* Run inih over p's buffer with our reader; errors end up sorted in
 * p->errors. Returns 0 or -ENOMEM. */
static int parser_run(CfgParser *p) {
        int r;

        r = ini_parse_stream(cfg_reader, p, cfg_handler, p);
        if (r == -2)
                return -ENOMEM;
        /* Our reader only passes lines inih accepts, so this is a safety
         * net: report what inih found, at its line, if we did not. */
        if (r > 0 && !parser_has_error_at(p, (unsigned) r))
                parser_error(p, (unsigned) r, "syntax error");

        parser_end_section(p);

        if (p->oom)
                return -ENOMEM;

        /* Report in file order, whatever order the checks ran in. */
        if (p->n_errors > 1)
                qsort(p->errors, p->n_errors, sizeof(PendingError), pending_cmp);
        return 0;
}

/* ---- profiles ---- */

static const char *profile_dir(bool *ret_from_env) {
        const char *d = secure_getenv("CGWARDEN_PROFILE_DIR");

        *ret_from_env = !isempty(d);
        return isempty(d) ? CGW_PROFILE_DIR : d;
}

const char *cfg_profile_dir(void) {
        bool from_env;

        return profile_dir(&from_env);
}

/* Find, read and parse a profile (spec: a name or an absolute path, as
 * checked by profile_spec_valid()). Returns 0 with *ret, whose failure
 * or errors say whether it can be used, or -ENOMEM. */
static int profile_load(const char *spec, Profile **ret) {
        _cleanup_(profile_freep) Profile *prof = NULL;
        _cleanup_(parser_done) CfgParser p = {};
        _cleanup_free_ char *buf = NULL;
        const char *dir = NULL;
        bool from_env = false;
        size_t n;
        int r;

        prof = calloc(1, sizeof(Profile));
        if (!prof)
                return -ENOMEM;
        prof->spec = strdup(spec);
        if (!prof->spec)
                return -ENOMEM;

        if (spec[0] == '/')
                prof->path = strdup(spec);
        else {
                dir = profile_dir(&from_env);
                if (dir[0] != '/') {
                        r = error_setf(&prof->failure, 0,
                                       "cannot look up profile '%s': CGWARDEN_PROFILE_DIR (%s) is not an "
                                       "absolute path",
                                       spec, dir);
                        goto finish;
                }
                if (asprintf(&prof->path, "%s/%s.ini", dir, spec) < 0)
                        prof->path = NULL;
        }
        if (!prof->path)
                return -ENOMEM;

        r = read_full_file(prof->path, true, &buf, &n);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT && dir) {
                r = error_setf(&prof->failure, 0, "unknown profile '%s': no %s.ini in %s%s", spec, spec, dir,
                               from_env ? " (CGWARDEN_PROFILE_DIR)" : "");
                goto finish;
        }
        if (r < 0) {
                const char *why = r == -EBADFD ? "not a regular file" : strerror(-r);

                if (dir)
                        r = error_setf(&prof->failure, 0, "cannot read profile '%s' (%s): %s", spec,
                                       prof->path, why);
                else
                        r = error_setf(&prof->failure, 0, "cannot read profile %s: %s", spec, why);
                goto finish;
        }

        p = (CfgParser){
                .path = prof->path,
                .buf = buf,
                .size = n,
                .section = SECTION_NONE,
                .profile_mode = true,
        };
        p.scratch = service_config_new("profile");
        if (!p.scratch)
                return -ENOMEM;
        r = parser_run(&p);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p.n_errors; i++)
                cfg_errors_push(&prof->errors, TAKE_PTR(p.errors[i].text));
        if (prof->errors.n != p.n_errors)
                return -ENOMEM;
        prof->assignments = TAKE_PTR(p.assignments);
        prof->n_assignments = p.n_assignments;
        p.n_assignments = 0;

finish:
        if (r < 0)
                return r;
        *ret = TAKE_PTR(prof);
        return 0;
}

int service_config_apply_profile(ServiceConfig *s, const char *profile, const char *origin,
                                 CfgErrors *errs) {
        _cleanup_(profile_freep) Profile *prof = NULL;
        _cleanup_free_ char *err = NULL;
        const Assignment *failed = NULL;
        int r;

        if (!s || !profile)
                return -EINVAL;

        r = service_config_set(s, "profile", profile, &err);
        if (r == -EINVAL) {
                cfg_errors_add(errs, origin, 0, "%s", err);
                return -CGW_ERR_CONFIG;
        }
        if (r < 0)
                return r;

        r = profile_load(profile, &prof);
        if (r < 0)
                return r;
        if (prof->failure) {
                cfg_errors_add(errs, origin, 0, "%s", prof->failure);
                return -CGW_ERR_CONFIG;
        }
        if (prof->errors.n > 0) {
                if (profile[0] == '/')
                        cfg_errors_add(errs, origin, 0, "profile %s has errors:", prof->path);
                else
                        cfg_errors_add(errs, origin, 0, "profile '%s' (%s) has errors:", profile,
                                       prof->path);
                for (size_t i = 0; i < prof->errors.n; i++)
                        cfg_errors_push(errs, TAKE_PTR(prof->errors.lines[i]));
                return -CGW_ERR_CONFIG;
        }

        r = assignments_apply(s, prof->assignments, prof->n_assignments, &failed, &err);
        if (r == -EINVAL) {
                cfg_errors_add(errs, prof->path, failed->line, "%s", err);
                return -CGW_ERR_CONFIG;
        }
        if (r >= 0)
                mark_profile_lists(s);
        return r;
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

        r = read_full_file(path, false, &buf, &n);
        if (r < 0) {
                cfg_errors_add(errs, path, 0, "cannot read config file: %s", strerror(-r));
                return r;
        }
        return cfg_load_buf_full(path, buf, n, CFG_LOAD_PROFILES, ret_config, errs);
}
