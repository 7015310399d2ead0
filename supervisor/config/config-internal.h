/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by the files of config/ only; nothing outside config/ includes
 * this. The layout follows systemd's conf-parser / load-fragment / gperf
 * table: keys.c maps each key to a parser and a field, parse-values.c
 * holds the generic parsers (sizes, durations, limits...), and
 * parse-service.c the ones that know a service (exec, action lists,
 * log_trigger...). */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config/config.h"

/* ---- string helpers (parse-values.c) ---- */

static inline bool isempty(const char *s) {
        return !s || !*s;
}

static inline bool is_blank(char c) {
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
};

#define FIELD(obj, k, type) ((type *) ((char *) (obj) + (k)->offset))

/* The tables' sizes are constants so that the parser can keep a line
 * number per key; keys.c checks them against the tables. */
#define N_SERVICE_KEYS 59
#define N_SUPERVISOR_KEYS 8
extern const KeyDef service_keys[];
extern const KeyDef supervisor_keys[];

/* The key called name in table, or NULL. */
const KeyDef *key_find(const KeyDef *table, size_t n, const char *name);

/* ---- value parsers (parse-values.c, parse-service.c) ---- */

#define KEY_PARSER_PROTOTYPE(name) int name(void *obj, const KeyDef *k, const char *value, char **ret_error)

/* generic */
KEY_PARSER_PROTOTYPE(parse_duration_key);
KEY_PARSER_PROTOTYPE(parse_size_key);
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
KEY_PARSER_PROTOTYPE(parse_start_limit_key);
KEY_PARSER_PROTOTYPE(parse_syscall_filter_key);
KEY_PARSER_PROTOTYPE(parse_filter_action_key);
KEY_PARSER_PROTOTYPE(parse_memory_pressure_key);
KEY_PARSER_PROTOTYPE(parse_exit_status_key);
KEY_PARSER_PROTOTYPE(parse_log_trigger_key);

/* Free n log triggers and the array; returns NULL. */
LogTrigger *log_triggers_free(LogTrigger *t, size_t n);
