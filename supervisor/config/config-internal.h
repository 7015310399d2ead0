/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of config/ only; nothing outside config/ includes
 * this. The layout follows systemd's conf-parser / load-fragment / gperf
 * table: ini.c is the INI engine (CfgParser, FILE:LINE errors), keys.c
 * maps each key to a parser and a field, parse-values.c holds the
 * generic parsers (sizes, durations, limits...) and parse-service.c the
 * ones that know a service (exec, action lists, log_trigger...);
 * profile.c reads and applies profiles, and config.c is the model. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config.h"

/* ---- string helpers (parse-values.c) ---- */

static inline bool isempty(const char *s) {
        return !s || !*s;
}

static inline bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

static inline bool word_eq(const char *w, size_t n, const char *s) {
        return strlen(s) == n && strncmp(w, s, n) == 0;
}

/* Next whitespace separated word of *p, as pointer + length; NULL at the end. */
const char *next_word(const char **p, size_t *ret_len);
/* Replace *p by a copy of s (or NULL). 0 or -ENOMEM. */
int free_and_strdup(char **p, const char *s);
/* Append s to the NULL-terminated list *l, taking it on success. 0 or -ENOMEM. */
int strv_push(char ***l, char *s);
/* A copy of s[0..n) without leading and trailing whitespace; NULL when out of memory. */
char *strip_dup(const char *s, size_t n);
bool has_control_chars(const char *s);

/* ---- keys (keys.c) ---- */

typedef struct KeyDef KeyDef;
/* Parse value into the key's field of obj (a ServiceConfig or a Config).
 * Returns 0; -EINVAL with a message in *ret_error (malloc'd); -ENOMEM. */
typedef int (*key_parse_t)(void *obj, const KeyDef *k, const char *value, char **ret_error);

struct KeyDef {
        const char *name;
        key_parse_t parse;
        size_t offset;
        uint64_t min, max; /* sizes, counts, durations */
        unsigned flags;
};

enum {
        KEY_REPEATABLE = 1u << 0,
        ALLOW_NONE = 1u << 1, /* "none" accepted (Limit NONE, 0, or NULL) */
        ALLOW_SIZE = 1u << 2, /* Limit: absolute byte size */
        ALLOW_COUNT = 1u << 3, /* Limit: absolute count */
        ALLOW_PERCENT = 1u << 4, /* Limit: percent */
        ALLOW_OVER_100 = 1u << 5,
        ALLOW_AUTO = 1u << 6, /* path: "auto" accepted */
        NO_THROTTLE = 1u << 7, /* action list: throttle not allowed */
        NOT_IN_PROFILE = 1u << 8, /* what runs, as whom, where: only in the service's own section */
        LAUNCH_ONLY = 1u << 9, /* about launching: an error in [watch:NAME], skipped from its profile */
        WATCH_ONLY = 1u << 10, /* [watch:NAME] only */
};

#define FIELD(obj, k, type) ((type *) ((char *) (obj) + (k)->offset))

/* The tables' sizes are constants so that the parser can keep a line
 * number per key; keys.c checks them against the tables. */
#define N_SERVICE_KEYS 77
#define N_SUPERVISOR_KEYS 10
extern const KeyDef service_keys[];
extern const KeyDef supervisor_keys[];

/* The key called name in table, or NULL. */
const KeyDef *key_find(const KeyDef *table, size_t n, const char *name);
/* The index of a service key known to exist (service_seen[]). */
size_t service_key_index(const char *name);

/* ---- value parsers (parse-values.c, parse-service.c) ---- */

#define KEY_PARSER_PROTOTYPE(name) int name(void *obj, const KeyDef *k, const char *value, char **ret_error)

/* generic */
KEY_PARSER_PROTOTYPE(parse_duration_key);
KEY_PARSER_PROTOTYPE(parse_size_key);
KEY_PARSER_PROTOTYPE(parse_budget_key);
KEY_PARSER_PROTOTYPE(parse_count_key);
KEY_PARSER_PROTOTYPE(parse_limit_key);
KEY_PARSER_PROTOTYPE(parse_bool_key);
KEY_PARSER_PROTOTYPE(parse_signal_key);
KEY_PARSER_PROTOTYPE(parse_umask_key);
KEY_PARSER_PROTOTYPE(parse_path_key);
KEY_PARSER_PROTOTYPE(parse_name_key);
KEY_PARSER_PROTOTYPE(parse_names_key);
KEY_PARSER_PROTOTYPE(parse_text_key);
KEY_PARSER_PROTOTYPE(parse_slope_key);
KEY_PARSER_PROTOTYPE(parse_cpu_percent_key);
KEY_PARSER_PROTOTYPE(parse_listen_key);

/* a service's own */
KEY_PARSER_PROTOTYPE(parse_profile_key);
KEY_PARSER_PROTOTYPE(parse_argv_key);
KEY_PARSER_PROTOTYPE(parse_exec_key);
KEY_PARSER_PROTOTYPE(parse_environment_key);
KEY_PARSER_PROTOTYPE(parse_capture_key);
KEY_PARSER_PROTOTYPE(parse_actions_key);
KEY_PARSER_PROTOTYPE(parse_restart_key);
KEY_PARSER_PROTOTYPE(parse_ready_key);
KEY_PARSER_PROTOTYPE(parse_heap_dump_key);
KEY_PARSER_PROTOTYPE(parse_gc_overhead_key);
KEY_PARSER_PROTOTYPE(parse_jvm_options_env_key);
KEY_PARSER_PROTOTYPE(parse_start_limit_key);
KEY_PARSER_PROTOTYPE(parse_syscall_filter_key);
KEY_PARSER_PROTOTYPE(parse_filter_action_key);
KEY_PARSER_PROTOTYPE(parse_memory_pressure_key);
KEY_PARSER_PROTOTYPE(parse_exit_status_key);
KEY_PARSER_PROTOTYPE(parse_log_trigger_key);

/* Is regex an extended regular expression that regcomp() takes without
 * blowing up (bounded size, depth and repetition; parse-service.c)? 0,
 * or -EINVAL with a message naming key. */
int regex_validate(const char *regex, const char *key, char **ret_error);

/* a watch's own (parse-watch.c) */
KEY_PARSER_PROTOTYPE(parse_cgroup_path_key);
KEY_PARSER_PROTOTYPE(parse_match_key);
KEY_PARSER_PROTOTYPE(parse_unit_key);
KEY_PARSER_PROTOTYPE(parse_regex_key);

/* Free n log triggers and the array; returns NULL. */
LogTrigger *log_triggers_free(LogTrigger *t, size_t n);

/* ---- the INI front end (ini.c) ---- */

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

typedef struct Profile Profile;

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

#define MISSING_EXEC_FMT "service '%s': missing exec="

/* "FILE:LINE: message" ("FILE: message" for line 0), malloc'd; NULL when out of memory. */
char *format_error(const char *file, unsigned line, const char *fmt, ...) _printf_(3, 4);
/* Append l to e, taking it (also on failure, and when e is NULL). */
void cfg_errors_push(CfgErrors *e, char *l);
/* Free n assignments and the array; returns NULL. */
Assignment *assignments_free(Assignment *a, size_t n);

/* Free what p holds (not p itself, nor its config). */
void parser_done(CfgParser *p);
/* Add an error text at line, taking it; NULL marks p out of memory. */
void parser_push(CfgParser *p, unsigned line, char *text);
/* Add "FILE:LINE: message" at line. */
void parser_error(CfgParser *p, unsigned line, const char *fmt, ...) _printf_(3, 4);
/* Run inih over p's buffer with our reader; errors end up sorted in
 * p->errors. Returns 0 or -ENOMEM. */
int parser_run(CfgParser *p);
/* The size cap of a config or profile file, for read_full_file_at(): the
 * one config's own reader had, a buffer doubled up to 4 MiB less the NUL
 * and the byte that tells a larger file (4 MiB - 2 bytes are read, one
 * more is -EFBIG). */
#define CFG_FILE_MAX_BYTES ((size_t) 4 * 1024 * 1024 - 2)

/* ---- profiles (profile.c) ---- */

Profile *profile_free(Profile *prof);
/* Apply the current service's profile= to it, at the end of its section.
 * Returns 0 when the service may be judged, -EINVAL (reported) or -ENOMEM. */
int parser_apply_profile(CfgParser *p);
