/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The configuration model: [supervisor] and [service:NAME] sections.
 *
 * Parsing never logs: every problem is appended to a CfgErrors list as
 * "FILE:LINE: message" so that `cgwarden check` can print all of them.
 * The same key table serves the INI file and `cgwarden exec --key-name=`. */

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/macro.h"
#include "config/budget.h"

typedef enum RestartMode {
        RESTART_NO,
        RESTART_ON_FAILURE,
        RESTART_ALWAYS,
        _RESTART_MODE_MAX,
        _RESTART_MODE_INVALID = -EINVAL,
} RestartMode;
const char *restart_mode_to_string(RestartMode m);
RestartMode restart_mode_from_string(const char *s);

/* Which environment variable carries jvm_options to a java launcher:
 * JDK_JAVA_OPTIONS is read by the launcher of JDK 9 and later only;
 * JAVA_TOOL_OPTIONS by every HotSpot VM (JDK 5 on), JDK 8 included. */
typedef enum JvmOptionsEnv {
        JVM_OPTIONS_ENV_AUTO, /* JDK_JAVA_OPTIONS for a JDK known to be 9+, else JAVA_TOOL_OPTIONS */
        JVM_OPTIONS_ENV_JDK, /* "JDK_JAVA_OPTIONS" */
        JVM_OPTIONS_ENV_TOOL, /* "JAVA_TOOL_OPTIONS" */
        _JVM_OPTIONS_ENV_MAX,
        _JVM_OPTIONS_ENV_INVALID = -EINVAL,
} JvmOptionsEnv;
const char *jvm_options_env_to_string(JvmOptionsEnv e);
JvmOptionsEnv jvm_options_env_from_string(const char *s);

/* heap_dump: whether a capture of a JVM holds a heap dump (GC.heap_dump:
 * the JVM stops while it writes every live object). */
typedef enum HeapDumpMode {
        HEAP_DUMP_NO,
        HEAP_DUMP_ON_HEAP_GROWTH, /* when the Java heap grew since the baseline */
        HEAP_DUMP_ALWAYS,
        _HEAP_DUMP_MODE_MAX,
        _HEAP_DUMP_MODE_INVALID = -EINVAL,
} HeapDumpMode;
const char *heap_dump_mode_to_string(HeapDumpMode m);
HeapDumpMode heap_dump_mode_from_string(const char *s);

typedef enum ReadyMode {
        READY_EXEC,
        READY_NOTIFY,
        _READY_MODE_MAX,
        _READY_MODE_INVALID = -EINVAL,
} ReadyMode;
const char *ready_mode_to_string(ReadyMode m);
ReadyMode ready_mode_from_string(const char *s);

/* A value that is unset, "none", an absolute byte size, or a percent of
 * something (memory_max, pids_max) resolved later. */
typedef enum LimitKind {
        LIMIT_UNSET,
        LIMIT_NONE,
        LIMIT_ABSOLUTE, /* value in bytes or count */
        LIMIT_PERCENT, /* value in basis points, 10000 = 100% */
} LimitKind;
typedef struct Limit {
        LimitKind kind;
        uint64_t value;
} Limit;

/* Resolve a Limit against a base (e.g. memory_max in bytes; UINT64_MAX
 * when unlimited). An unset Limit counts as dflt_bp percent (basis points)
 * of base, or as unlimited when dflt_bp is 0. Returns UINT64_MAX for none,
 * for unset with dflt_bp 0, and for a percent of an unlimited base. */
uint64_t limit_resolve(const Limit *l, uint64_t base, uint64_t dflt_bp);

/* Actions for on_<event> keys, kept as a bitmask-free ordered list. */
typedef enum ActionType {
        ACTION_CAPTURE,
        ACTION_RESTART,
        ACTION_STOP,
        ACTION_KILL,
        ACTION_THROTTLE,
        ACTION_NOTIFY,
        ACTION_NONE,
        _ACTION_TYPE_MAX,
        _ACTION_TYPE_INVALID = -EINVAL,
} ActionType;
const char *action_type_to_string(ActionType a);
ActionType action_type_from_string(const char *s);

/* "none" is stored as an empty list with set = ACTION_LIST_OWN. */
#define ACTION_LIST_MAX 8
enum {
        ACTION_LIST_DEFAULT = 0, /* not configured: the built-in default */
        ACTION_LIST_OWN = 1, /* written in the service's own section (or by exec --on-...) */
        ACTION_LIST_PROFILE = 2, /* from the service's profile */
};
typedef struct ActionList {
        uint8_t n;
        uint8_t set; /* ACTION_LIST_*: non-zero when configured explicitly */
        int8_t a[ACTION_LIST_MAX];
} ActionList;

typedef enum EventType {
        EVENT_PRE_OOM,
        EVENT_OOM_KILL,
        EVENT_PIDS_LIMIT,
        EVENT_PIDS_MAX,
        EVENT_LEAK_TREND,
        EVENT_LOG_TRIGGER,
        EVENT_HANG,
        EVENT_HEAP_LEAK, /* hsperfdata: the old generation after its collections trends up */
        EVENT_GC_OVERHEAD, /* hsperfdata: the share of wall time in GC over a window */
        _EVENT_TYPE_MAX,
        _EVENT_TYPE_INVALID = -EINVAL,
} EventType;
const char *event_type_to_string(EventType e); /* "pre-oom", "oom-kill", ... */
EventType event_type_from_string(const char *s);

/* Capture items (capture = auto | list). Bit per item. */
typedef enum CaptureItem {
        CAPTURE_NMT,
        CAPTURE_THREADS,
        CAPTURE_HEAP,
        CAPTURE_PMAP,
        CAPTURE_SMAPS,
        CAPTURE_STATUS,
        CAPTURE_TASKS,
        CAPTURE_CGROUP,
        CAPTURE_CLASS_HISTOGRAM,
        CAPTURE_HEAP_DUMP,
        CAPTURE_PERFDATA, /* the JVM's hsperfdata counters, read without attaching */
        _CAPTURE_ITEM_MAX,
        _CAPTURE_ITEM_INVALID = -EINVAL,
} CaptureItem;
#define CAPTURE_AUTO_MASK                                                                                  \
        ((1u << CAPTURE_NMT) | (1u << CAPTURE_THREADS) | (1u << CAPTURE_HEAP) | (1u << CAPTURE_PMAP) |     \
         (1u << CAPTURE_SMAPS) | (1u << CAPTURE_STATUS) | (1u << CAPTURE_TASKS) | (1u << CAPTURE_CGROUP) | \
         (1u << CAPTURE_PERFDATA))
const char *capture_item_to_string(CaptureItem c); /* "nmt", "class_histogram", ... */
CaptureItem capture_item_from_string(const char *s);

typedef struct LogTrigger {
        char *regex_src; /* compiled when the service is created */
        ActionList actions; /* set == 0 ("REGEX" without "=> actions"): use on_log_trigger */
} LogTrigger;

/* Exit statuses: codes 0..255 as a bitmap (bit c%8 of codes[c/8]),
 * signals as a bitmap (bit N = signal N, 1..63). */
typedef struct ExitStatusSet {
        uint8_t codes[32];
        uint64_t signals;
        bool set;
} ExitStatusSet;
bool exit_status_set_test(const ExitStatusSet *s, int code, int sig);
int exit_status_set_parse(const char *value, const char *what, ExitStatusSet *ret, char **ret_error);

/* What a section guards: a service cgwarden launches ([service:NAME]) or
 * a cgroup it did not start ([watch:NAME]). */
typedef enum ServiceKind {
        SERVICE_KIND_SERVICE,
        SERVICE_KIND_WATCH,
} ServiceKind;

typedef struct ServiceConfig {
        char *name;
        unsigned line; /* line of the [service:NAME] header, 0 for exec */
        ServiceKind kind;

        char **argv; /* exec, split */
        char *exec_raw; /* exec as written, for reload comparison */
        char *working_dir;
        char *user;
        char *group;
        char **supplementary_groups;
        char **environment; /* KEY=VALUE, in order; later wins */
        int umask; /* -1 = inherit */

        Limit memory_max; /* absolute or none */
        Limit memory_high; /* size or % of memory_max (default 90%) */
        Limit pids_max; /* count or none */
        Limit cpu_max; /* percent of one CPU, may exceed 100% */

        Limit capture_at; /* size or % of memory_max (default 85%) */
        usec_t capture_lead; /* default 30s */
        Limit pids_capture_at; /* count or % of pids_max (default 90%) */
        uint32_t capture_mask; /* CaptureItem bits; auto = CAPTURE_AUTO_MASK */
        bool capture_auto;
        HeapDumpMode heap_dump;
        bool capture_memory_sample; /* anon-sample.txt: reads the process's memory */
        uint64_t capture_keep; /* default 10 */
        uint64_t capture_max_bytes; /* default 1G */
        CaptureBudget capture_budget; /* default none */
        CaptureBudget heap_dump_budget; /* the heap dumps in captures, apart; default none */
        usec_t capture_timeout; /* default 20s */
        uint64_t capture_reserve; /* bytes, default 64M */
        uint64_t pids_capture_reserve; /* default 16 */
        usec_t nmt_baseline_after; /* default 5min */
        char *jvm_options; /* "auto" (default), "none", or extra options */
        JvmOptionsEnv jvm_options_env; /* default auto */

        ActionList on_event[_EVENT_TYPE_MAX];

        RestartMode restart; /* default on-failure */
        usec_t restart_delay; /* default 1s */
        usec_t restart_delay_max; /* default 60s */
        usec_t restart_reset_after; /* default 60s */
        uint64_t start_limit_burst; /* default 5 */
        usec_t start_limit_interval; /* default 10min */
        uint32_t gc_overhead_bp; /* gc_overhead_at's share, basis points (0: off); default 50% */
        usec_t gc_overhead_window; /* default 60s */
        int stop_signal; /* default SIGTERM */
        usec_t stop_timeout; /* default 30s */

        uint64_t log_max_size; /* default 10M */
        uint64_t log_keep; /* default 5 */

        char *syscall_filter; /* as written; validated by seccomp module */
        bool syscall_filter_kill; /* syscall_filter_action = kill */
        bool no_new_privileges;

        char *memory_pressure; /* "some 150ms/1s" (default) or "none" */
        usec_t psi_stall_usec; /* parsed from memory_pressure; 0 = none */
        usec_t psi_window_usec;
        bool psi_full;
        usec_t sample_interval; /* default 1s */
        usec_t idle_sample_interval; /* [watch:NAME] only: far from the limits and idle; default 5s */
        usec_t leak_window; /* default 1h */
        uint64_t leak_min_slope; /* bytes per hour, default 1M */
        usec_t oom_pause_max; /* default 30s */
        usec_t action_cooldown; /* default 60s */
        uint32_t throttle_cpu_bp; /* 0 = unset */
        Limit throttle_release_at; /* default 70% of memory_max */
        ActionList throttle_then; /* default restart */
        usec_t throttle_max; /* default 10min */
        char **notify_exec; /* argv */
        char **capture_upload; /* argv */
        usec_t capture_upload_timeout; /* default 10min, each attempt */
        uint64_t capture_upload_retries; /* default 5 */
        usec_t capture_upload_backoff; /* default 10s, doubled each retry */
        ExitStatusSet success_exit_status;
        ExitStatusSet restart_prevent_exit_status;
        LogTrigger *log_triggers;
        size_t n_log_triggers;
        ReadyMode ready;
        usec_t start_timeout; /* default 90s */
        usec_t watchdog; /* 0 = off */
        char *profile; /* a name (NAME.ini in cfg_profile_dir()) or an absolute path */

        /* [watch:NAME] only: exactly one of cgroup, unit, match */
        char *watch_cgroup; /* cgroup = /system.slice/foo.service */
        char *watch_unit; /* unit = foo.service */
        char *watch_match; /* match = /machine.slice/libpod-*.scope (path-glob.h) */
        char *jvm_match; /* an extended regex on the command line picking the JVM; NULL: the largest java */
        bool may_write; /* may_write = yes: throttle may write the cgroup's limits */
} ServiceConfig;

typedef struct Config {
        char *path;
        char *capture_dir;
        char *state_dir;
        char *log_dir;
        char *cgroup_root; /* "auto" or an absolute cgroup path */
        char *control_group;
        char *metrics_file;
        usec_t metrics_interval; /* default 15s */
        char *metrics_listen;
        CaptureBudget capture_budget; /* over every service and watch; default none */
        CaptureBudget heap_dump_budget; /* the heap dumps, over every service and watch; default none */
        char *termination_log; /* exec: --termination-log=PATH|none; NULL: /dev/termination-log if it exists */
        bool signal_group; /* exec: --signal-group (tini -g): forwarded signals to the process group */
        ExitStatusSet remap_exit; /* exec: --remap-exit= (tini -e): these statuses exit 0 */
        ServiceConfig **services;
        size_t n_services;
        ServiceConfig **watches; /* [watch:NAME] sections (kind SERVICE_KIND_WATCH) */
        size_t n_watches;
} Config;

/* Accumulated errors, each "FILE:LINE: message". */
typedef struct CfgErrors {
        char **lines;
        size_t n;
} CfgErrors;
void cfg_errors_done(CfgErrors *e);
void cfg_errors_add(CfgErrors *e, const char *file, unsigned line, const char *fmt, ...) _printf_(4, 5);

typedef enum CfgLoadFlags {
        /* Read the profile file each service names with profile= and apply
         * it: built-in defaults < the profile's keys < the service's own
         * keys (repeatable keys: the profile's entries first). Without it
         * profile= is only checked for syntax and no file is opened, so
         * that parsing a buffer stays pure (fuzzing, golden tests). */
        CFG_LOAD_PROFILES = 1 << 0,
} CfgLoadFlags;

/* Parse a config file, with CFG_LOAD_PROFILES. Returns 0 and *ret_config on
 * success; -CGW_ERR_CONFIG when the file has errors (all appended to errs,
 * in line order; a profile's own errors as "PROFILE_FILE:LINE: message"
 * after the line of the service's profile= key); other -errno when the
 * file cannot be read (also appended to errs as "FILE: message"), -ENOMEM.
 * Does not apply config_apply_defaults(). */
int cfg_load_file(const char *path, Config **ret_config, CfgErrors *errs);
/* Same from a buffer, without profiles (reads no file); path is used for
 * messages only. */
int cfg_load_buf(const char *path, const char *buf, size_t n, Config **ret_config, CfgErrors *errs);
/* Same from a buffer, with flags. */
int cfg_load_buf_full(const char *path, const char *buf, size_t n, CfgLoadFlags flags, Config **ret_config,
                      CfgErrors *errs);

/* Where profile names are looked up: $CGWARDEN_PROFILE_DIR when set and
 * not empty, else the build-time directory (<datadir>/cgwarden/profiles).
 * The file for profile = NAME is <dir>/NAME.ini. */
const char *cfg_profile_dir(void);

/* A service with every default filled in. */
ServiceConfig *service_config_new(const char *name);
/* A [watch:NAME] with its defaults: those of a service, but no restart
 * after an oom-kill or a hang (whoever started it restarts it). */
ServiceConfig *watch_config_new(const char *name);
/* A watch's target in words: "cgroup /x", "unit foo.service", "match /x/y-*". */
const char *watch_config_target(const ServiceConfig *w, char *buf, size_t size);
ServiceConfig *service_config_free(ServiceConfig *s);
/* Set one key (underscore form) on a service. Returns 0, or -EINVAL /
 * -ENOENT (unknown key) with a message in *ret_error (malloc'd). Used by
 * the INI handler and by `cgwarden exec --key-name=value`. */
int service_config_set(ServiceConfig *s, const char *key, const char *value, char **ret_error);
/* Read the profile named by profile (a name or an absolute path) and set
 * its keys, and profile= itself, on s. For `cgwarden exec --profile=`: call
 * it on a fresh service *before* setting the service's own keys, which then
 * win (repeatable keys add to the profile's). Returns 0; -CGW_ERR_CONFIG
 * with the problems appended to errs ("ORIGIN: message" for an unknown or
 * unreadable profile, then the profile file's own "FILE:LINE: message"
 * lines); -ENOMEM. On failure s may be partly changed: discard it. */
int service_config_apply_profile(ServiceConfig *s, const char *profile, const char *origin, CfgErrors *errs);
/* Cross-key checks after all keys are set (exec present, high <= max...).
 * Appends to errs with the given file/line. Returns 0 or -EINVAL. */
int service_config_validate(ServiceConfig *s, const char *file, CfgErrors *errs);
/* True when two services would run identically (for SIGHUP reload). */
bool service_config_equal(const ServiceConfig *a, const ServiceConfig *b);
/* Is KEY a service key, not a watch-only one (for --help and exec option parsing)? */
bool service_config_key_known(const char *key);
/* All service key names (not the watch-only ones), NULL-terminated, for --help. */
const char *const *service_config_keys(void);

Config *config_new(void);
Config *config_free(Config *c);
/* Fill unset [supervisor] paths with the defaults for this uid (euid 0:
 * /var/lib/cgwarden/captures, /run/cgwarden, /var/log/cgwarden; others:
 * $XDG_STATE_HOME/cgwarden/{captures,log} (default ~/.local/state) and
 * $XDG_RUNTIME_DIR/cgwarden). Returns 0, -ENOMEM, or -ENXIO when HOME or
 * XDG_RUNTIME_DIR is needed and unset (the other defaults are still set). */
int config_apply_defaults(Config *c);
/* The same for a given euid (tests). */
int config_apply_defaults_for_uid(Config *c, uid_t euid);
/* The client side (status, capture, report ... -c FILE): the defaults of
 * the uid that owns FILE, which is the one that runs the supervisor of
 * it, so that a member of control_group reading root's
 * /etc/cgwarden/cgwarden.ini finds /run/cgwarden; the caller's own when
 * FILE cannot be read. */
int config_apply_defaults_for_file(Config *c, const char *path);

static inline void config_freep(Config **c) {
        *c = config_free(*c);
}
static inline void service_config_freep(ServiceConfig **s) {
        *s = service_config_free(*s);
}

/* Split an exec line into argv like systemd's ExecStart=: whitespace
 * separates words; "double" and 'single' quotes group (also mid-word);
 * backslash escapes (\\ \" \' \a \b \f \n \r \t \v \s \xHH \NNN \uHHHH
 * \UHHHHHHHH and "\ ") work inside and outside quotes; an unknown escape is
 * an error. No shell, no $VAR expansion, no % specifiers (both literal).
 * Returns 0, -ENOMEM, or -EINVAL with *ret_error (malloc'd) describing the
 * problem (unterminated quote, trailing backslash, bad escape, empty). */
int exec_split(const char *line, char ***ret_argv, char **ret_error);
/* The inverse: argv as one exec line that exec_split() splits back into
 * the same words. A word of plain characters stays as it is; any other is
 * double-quoted with \\ and \" escaped, and control characters and ';'
 * (which would start an INI comment after a blank) as \xHH. A word
 * starting with '#' is quoted too. Returns 0 and *ret (malloc'd),
 * -EINVAL for an empty argv, -ENOMEM. */
int exec_join(char *const *argv, char **ret);
