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
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "cgw-config.h"
#include "config/config.h"
#include "base/error-util.h"
#include "base/seccomp-util.h"
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

static bool isempty(const char *s) {
        return !s || !*s;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' || c == '\n';
}

/* Next whitespace separated word of *p, as pointer + length; NULL at the end. */
static const char *next_word(const char **p, size_t *ret_len) {
        const char *s = *p, *w;

        while (is_blank(*s))
                s++;
        if (!*s) {
                *p = s;
                return NULL;
        }
        w = s;
        while (*s && !is_blank(*s))
                s++;
        *p = s;
        *ret_len = (size_t) (s - w);
        return w;
}

static bool word_eq(const char *w, size_t n, const char *s) {
        return strlen(s) == n && strncmp(w, s, n) == 0;
}

static int free_and_strdup(char **p, const char *s) {
        char *t = NULL;

        if (s) {
                t = strdup(s);
                if (!t)
                        return -ENOMEM;
        }
        free(*p);
        *p = t;
        return 0;
}

static int strv_push(char ***l, char *s) {
        size_t n = strv_length(*l);
        char **t;

        t = reallocarray(*l, n + 2, sizeof(char *));
        if (!t)
                return -ENOMEM;
        t[n] = s;
        t[n + 1] = NULL;
        *l = t;
        return 0;
}

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

/* ---- value parsers, shared by [supervisor] and [service:*] keys ---- */

typedef struct KeyDef KeyDef;
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

static int range_error(char **ret_error, const char *what, const char *value, const KeyDef *k,
                       char *(*fmt)(char buf[static UNIT_SIZE_MAX], uint64_t)) {
        char a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX];

        if (k->max == UINT64_MAX && k->min == 1)
                return error_setf(ret_error, -EINVAL, "invalid %s '%s' for %s: must be greater than 0", what,
                                  value, k->name);
        if (k->max == UINT64_MAX)
                return error_setf(ret_error, -EINVAL, "invalid %s '%s' for %s: must be at least %s", what,
                                  value, k->name, fmt(a, k->min));
        return error_setf(ret_error, -EINVAL, "invalid %s '%s' for %s: must be between %s and %s", what,
                          value, k->name, fmt(a, k->min), fmt(b, k->max));
}

static char *format_count(char buf[static UNIT_SIZE_MAX], uint64_t n) {
        snprintf(buf, UNIT_SIZE_MAX, "%" PRIu64, n);
        return buf;
}

static int parse_duration_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[UNIT_REASON_MAX];
        usec_t v;
        int r;

        if ((k->flags & ALLOW_NONE) && streq(value, "none")) {
                *FIELD(obj, k, usec_t) = 0;
                return 0;
        }
        r = unit_parse_duration_reason(value, &v, reason);
        if (r < 0)
                return error_setf(ret_error, -EINVAL, "invalid duration '%s' for %s: %s", value, k->name,
                                  reason);
        if (v < k->min || v > k->max)
                return range_error(ret_error, "duration", value, k, unit_format_duration);
        *FIELD(obj, k, usec_t) = v;
        return 0;
}

static int parse_size_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[UNIT_REASON_MAX];
        uint64_t v;
        int r;

        r = unit_parse_size_reason(value, &v, reason);
        if (r < 0)
                return error_setf(ret_error, -EINVAL, "invalid size '%s' for %s: %s", value, k->name,
                                  reason);
        if (v < k->min || v > k->max)
                return range_error(ret_error, "size", value, k, unit_format_size);
        *FIELD(obj, k, uint64_t) = v;
        return 0;
}

static int parse_count_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[UNIT_REASON_MAX];
        uint64_t v;
        int r;

        r = unit_parse_count_reason(value, UINT64_MAX, &v, reason);
        if (r < 0)
                return error_setf(ret_error, -EINVAL, "invalid count '%s' for %s: %s", value, k->name,
                                  reason);
        if (v < k->min || v > k->max)
                return range_error(ret_error, "count", value, k, format_count);
        *FIELD(obj, k, uint64_t) = v;
        return 0;
}

/* Size, count or percent (per flags), or "none"; min 1 means 0 is refused. */
static int parse_limit_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[UNIT_REASON_MAX];
        Limit l = {};
        int r;

        if ((k->flags & ALLOW_NONE) && streq(value, "none")) {
                *FIELD(obj, k, Limit) = (Limit){ .kind = LIMIT_NONE };
                return 0;
        }

        if ((k->flags & ALLOW_PERCENT) &&
            (!(k->flags & (ALLOW_SIZE | ALLOW_COUNT)) || (*value && value[strlen(value) - 1] == '%'))) {
                uint32_t bp;

                r = unit_parse_percent_reason(value, k->flags & ALLOW_OVER_100, &bp, reason);
                if (r < 0)
                        return error_setf(ret_error, -EINVAL, "invalid percentage '%s' for %s: %s", value,
                                          k->name, reason);
                l = (Limit){ .kind = LIMIT_PERCENT, .value = bp };
        } else if (k->flags & ALLOW_SIZE) {
                r = unit_parse_size_reason(value, &l.value, reason);
                if (r < 0)
                        return error_setf(ret_error, -EINVAL, "invalid size '%s' for %s: %s", value, k->name,
                                          reason);
                l.kind = LIMIT_ABSOLUTE;
        } else {
                r = unit_parse_count_reason(value, k->max, &l.value, reason);
                if (r < 0)
                        return error_setf(ret_error, -EINVAL, "invalid count '%s' for %s: %s", value,
                                          k->name, reason);
                l.kind = LIMIT_ABSOLUTE;
        }

        if (k->min > 0 && l.value == 0)
                return error_setf(ret_error, -EINVAL, "invalid value '%s' for %s: must be greater than 0%s",
                                  value, k->name, k->flags & ALLOW_NONE ? " (use none for no limit)" : "");

        *FIELD(obj, k, Limit) = l;
        return 0;
}

static int parse_bool_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        bool b;

        if (unit_parse_bool(value, &b) < 0)
                return error_setf(ret_error, -EINVAL, "invalid boolean '%s' for %s: expected yes or no",
                                  value, k->name);
        *FIELD(obj, k, bool) = b;
        return 0;
}

static int parse_signal_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        int sig;

        if (unit_parse_signal(value, &sig) < 0)
                return error_setf(ret_error, -EINVAL, "invalid signal '%s' for %s", value, k->name);
        *FIELD(obj, k, int) = sig;
        return 0;
}

static int parse_umask_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        unsigned m;

        if (unit_parse_mode(value, &m) < 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid umask '%s' for %s: expected an octal mode like 0022", value,
                                  k->name);
        *FIELD(obj, k, int) = (int) m;
        return 0;
}

static bool has_control_chars(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 0x7f)
                        return true;
        return false;
}

static int parse_path_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (!((k->flags & ALLOW_AUTO) && streq(value, "auto"))) {
                if (value[0] != '/')
                        return error_setf(ret_error, -EINVAL, "invalid path '%s' for %s: must be absolute%s",
                                          value, k->name, k->flags & ALLOW_AUTO ? " or auto" : "");
                if (has_control_chars(value))
                        return error_setf(ret_error, -EINVAL,
                                          "invalid path '%s' for %s: contains control characters", value,
                                          k->name);
        }
        return free_and_strdup(FIELD(obj, k, char *), value);
}

/* User and group names or numeric ids, resolved at spawn time. */
static bool name_valid(const char *s, size_t n) {
        if (n == 0 || n > 256)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) s[i] <= ' ' || s[i] == 0x7f || strchr(":/,", s[i]))
                        return false;
        return true;
}

static int parse_name_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (!name_valid(value, strlen(value)))
                return error_setf(ret_error, -EINVAL, "invalid name '%s' for %s", value, k->name);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

static int parse_names_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        _cleanup_strv_free_ char **l = NULL;
        const char *p = value, *w;
        size_t n;

        while ((w = next_word(&p, &n))) {
                char *t;

                if (!name_valid(w, n))
                        return error_setf(ret_error, -EINVAL, "invalid name '%.*s' for %s", (int) n, w,
                                          k->name);
                t = strndup(w, n);
                if (!t || strv_push(&l, t) < 0) {
                        free(t);
                        return -ENOMEM;
                }
        }

        strv_free(*FIELD(obj, k, char **));
        *FIELD(obj, k, char **) = TAKE_PTR(l);
        return 0;
}

static int parse_text_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (isempty(value))
                return error_setf(ret_error, -EINVAL, "invalid value '' for %s: empty value", k->name);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

/* A stock or installed profile's name ([A-Za-z0-9_-], looked up as
 * NAME.ini in the profile directory) or an absolute path to a profile
 * file. No "." or "/" in names: "../x" must not climb out of the
 * directory. Whether the file exists is checked when profiles are loaded
 * (CFG_LOAD_PROFILES), not here: this stays pure. */
#define PROFILE_NAME_MAX 64

static bool profile_name_valid(const char *s) {
        size_t n = strlen(s);

        if (n == 0 || n > PROFILE_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(isascii((unsigned char) s[i]) &&
                      (isalnum((unsigned char) s[i]) || strchr("_-", s[i]))))
                        return false;
        return true;
}

static bool profile_spec_valid(const char *s) {
        if (s[0] == '/')
                return !has_control_chars(s) && strlen(s) < PATH_MAX;
        return profile_name_valid(s);
}

static int parse_profile_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (!profile_spec_valid(value))
                return error_setf(
                        ret_error, -EINVAL,
                        "invalid value '%s' for %s: expected a profile name (1-64 of A-Z a-z 0-9 _ "
                        "-, e.g. jvm or generic) or an absolute path to a profile file",
                        value, k->name);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

static int parse_argv_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        _cleanup_free_ char *err = NULL;
        char **argv = NULL;
        int r;

        if (!isempty(value)) {
                r = exec_split(value, &argv, &err);
                if (r == -EINVAL)
                        return error_setf(ret_error, -EINVAL, "invalid command line '%s' for %s: %s", value,
                                          k->name, strna(err));
                if (r < 0)
                        return r;
        }
        strv_free(*FIELD(obj, k, char **));
        *FIELD(obj, k, char **) = argv;
        return 0;
}

static int parse_exec_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ServiceConfig *s = obj;
        _cleanup_free_ char *err = NULL, *raw = NULL;
        char **argv;
        int r;

        r = exec_split(value, &argv, &err);
        if (r == -EINVAL)
                return error_setf(ret_error, -EINVAL, "invalid command line '%s' for %s: %s", value, k->name,
                                  strna(err));
        if (r < 0)
                return r;
        raw = strdup(value);
        if (!raw) {
                strv_free(argv);
                return -ENOMEM;
        }
        strv_free(s->argv);
        s->argv = argv;
        free(s->exec_raw);
        s->exec_raw = TAKE_PTR(raw);
        return 0;
}

static bool env_name_valid(const char *s, size_t n) {
        if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!(isascii((unsigned char) s[i]) && (isalnum((unsigned char) s[i]) || s[i] == '_')))
                        return false;
        return true;
}

/* Repeatable; an empty value clears the list (as in systemd). A later
 * assignment of the same variable replaces the earlier one, so execve()
 * never sees a name twice (getenv() would return the first). */
static int parse_environment_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char ***l = FIELD(obj, k, char **);
        const char *eq;
        size_t n, j = 0;
        char *t;

        if (isempty(value)) {
                *l = strv_free(*l);
                return 0;
        }

        eq = strchr(value, '=');
        if (!eq)
                return error_setf(ret_error, -EINVAL, "invalid assignment '%s' for %s: expected KEY=VALUE",
                                  value, k->name);
        n = (size_t) (eq - value);
        if (!env_name_valid(value, n))
                return error_setf(ret_error, -EINVAL, "invalid variable name '%.*s' for %s", (int) n, value,
                                  k->name);

        t = strdup(value);
        if (!t)
                return -ENOMEM;

        for (size_t i = 0; *l && (*l)[i]; i++) {
                if (strncmp((*l)[i], value, n + 1) == 0)
                        free((*l)[i]);
                else
                        (*l)[j++] = (*l)[i];
        }
        if (*l)
                (*l)[j] = NULL;

        if (strv_push(l, t) < 0) {
                free(t);
                return -ENOMEM;
        }
        return 0;
}

static int parse_capture_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ServiceConfig *s = obj;
        const char *p = value, *w;
        uint32_t mask = 0;
        size_t n, count = 0;
        bool is_auto = false, is_none = false;

        while ((w = next_word(&p, &n))) {
                int i;

                count++;
                if (word_eq(w, n, "auto")) {
                        is_auto = true;
                        continue;
                }
                if (word_eq(w, n, "none")) {
                        is_none = true;
                        continue;
                }
                for (i = 0; i < _CAPTURE_ITEM_MAX; i++)
                        if (word_eq(w, n, capture_item_table[i]))
                                break;
                if (i >= _CAPTURE_ITEM_MAX)
                        return error_setf(
                                ret_error, -EINVAL,
                                "invalid capture item '%.*s' for %s: expected auto, none or a list of "
                                "nmt threads heap pmap smaps status tasks cgroup class_histogram heap_dump",
                                (int) n, w, k->name);
                mask |= 1u << i;
        }

        if (count == 0)
                return error_setf(ret_error, -EINVAL, "invalid value '' for %s: empty value (use none)",
                                  k->name);
        if ((is_auto || is_none) && count > 1)
                return error_setf(ret_error, -EINVAL, "invalid value '%s' for %s: '%s' must be alone", value,
                                  k->name, is_auto ? "auto" : "none");

        s->capture_auto = is_auto;
        s->capture_mask = is_auto ? CAPTURE_AUTO_MASK : mask;
        return 0;
}

/* "capture restart", "none". Reason in reason[] on -EINVAL. */
#define ACTION_REASON_MAX 128
static int action_list_parse(const char *value, bool allow_throttle, ActionList *ret,
                             char reason[static ACTION_REASON_MAX]) {
        ActionList l = { .set = 1 };
        const char *p = value, *w;
        bool none = false;
        size_t n, count = 0;

        while ((w = next_word(&p, &n))) {
                int a = -1;

                count++;
                for (int i = 0; i < _ACTION_TYPE_MAX; i++)
                        if (word_eq(w, n, action_type_table[i]))
                                a = i;
                if (a < 0) {
                        snprintf(reason, ACTION_REASON_MAX,
                                 "unknown action '%.*s' (expected capture, restart, stop, kill, throttle, "
                                 "notify "
                                 "or none)",
                                 (int) MIN(n, 24), w);
                        return -EINVAL;
                }
                if (a == ACTION_NONE) {
                        none = true;
                        continue;
                }
                if (a == ACTION_THROTTLE && !allow_throttle) {
                        snprintf(reason, ACTION_REASON_MAX, "'throttle' cannot follow a throttle");
                        return -EINVAL;
                }
                for (unsigned i = 0; i < l.n; i++)
                        if (l.a[i] == a) {
                                snprintf(reason, ACTION_REASON_MAX, "'%s' given twice",
                                         action_type_table[a]);
                                return -EINVAL;
                        }
                if (l.n >= ACTION_LIST_MAX) {
                        snprintf(reason, ACTION_REASON_MAX, "too many actions");
                        return -EINVAL;
                }
                l.a[l.n++] = (int8_t) a;
        }

        if (count == 0) {
                snprintf(reason, ACTION_REASON_MAX, "empty value (use none)");
                return -EINVAL;
        }
        if (none && count > 1) {
                snprintf(reason, ACTION_REASON_MAX, "'none' must be alone");
                return -EINVAL;
        }

        *ret = l;
        return 0;
}

static int parse_actions_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[ACTION_REASON_MAX];

        if (action_list_parse(value, !(k->flags & NO_THROTTLE), FIELD(obj, k, ActionList), reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid actions '%s' for %s: %s", value, k->name,
                                  reason);
        return 0;
}

static int parse_restart_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        RestartMode m = restart_mode_from_string(value);

        if (m < 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: expected no, on-failure or always", value,
                                  k->name);
        *FIELD(obj, k, RestartMode) = m;
        return 0;
}

static int parse_ready_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ReadyMode m = ready_mode_from_string(value);

        if (m < 0)
                return error_setf(ret_error, -EINVAL, "invalid value '%s' for %s: expected exec or notify",
                                  value, k->name);
        *FIELD(obj, k, ReadyMode) = m;
        return 0;
}

/* "5/10min"; "none" or "0" disable. */
static int parse_start_limit_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ServiceConfig *s = obj;
        char reason[UNIT_REASON_MAX];
        _cleanup_free_ char *burst_str = NULL;
        const char *slash;
        uint64_t burst;
        usec_t interval;

        if (streq(value, "none") || streq(value, "0")) {
                s->start_limit_burst = 0;
                s->start_limit_interval = 0;
                return 0;
        }

        slash = strchr(value, '/');
        if (!slash)
                return error_setf(
                        ret_error, -EINVAL,
                        "invalid value '%s' for %s: expected BURST/INTERVAL (e.g. 5/10min) or none", value,
                        k->name);
        burst_str = strndup(value, (size_t) (slash - value));
        if (!burst_str)
                return -ENOMEM;
        if (unit_parse_count_reason(burst_str, UINT32_MAX, &burst, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid count '%s' in %s '%s': %s", burst_str,
                                  k->name, value, reason);
        if (unit_parse_duration_reason(slash + 1, &interval, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid duration '%s' in %s '%s': %s", slash + 1,
                                  k->name, value, reason);
        if (burst > 0 && interval == 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: interval must be greater than 0", value,
                                  k->name);

        s->start_limit_burst = burst;
        s->start_limit_interval = burst > 0 ? interval : 0;
        return 0;
}

static int parse_syscall_filter_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        _cleanup_free_ char *err = NULL;
        int r;

        if (!isempty(value)) {
                r = seccomp_filter_validate(value, &err);
                if (r == -EINVAL)
                        return error_setf(ret_error, -EINVAL, "invalid syscall filter '%s' for %s: %s",
                                          value, k->name, strna(err));
                if (r < 0)
                        return r;
        }
        return free_and_strdup(FIELD(obj, k, char *), isempty(value) ? NULL : value);
}

static int parse_filter_action_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (streq(value, "kill"))
                *FIELD(obj, k, bool) = true;
        else if (streq(value, "errno"))
                *FIELD(obj, k, bool) = false;
        else
                return error_setf(ret_error, -EINVAL, "invalid value '%s' for %s: expected errno or kill",
                                  value, k->name);
        return 0;
}

/* The kernel's limits for PSI triggers (kernel/sched/psi.c): window
 * 500ms..10s, 0 < stall <= window. Checked here so that a bad trigger is
 * a config error, not an EINVAL from write() at service start. */
#define PSI_WINDOW_MIN (500 * USEC_PER_MSEC)
#define PSI_WINDOW_MAX (10 * USEC_PER_SEC)

static int parse_memory_pressure_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ServiceConfig *s = obj;
        char reason[UNIT_REASON_MAX];
        _cleanup_free_ char *stall_str = NULL, *window_str = NULL;
        const char *p = value, *kind, *spec, *slash;
        size_t kind_len, spec_len, extra_len;
        usec_t stall, window;
        bool full;

        if (streq(value, "none")) {
                s->psi_stall_usec = s->psi_window_usec = 0;
                s->psi_full = false;
                return free_and_strdup(&s->memory_pressure, "none");
        }

        kind = next_word(&p, &kind_len);
        spec = kind ? next_word(&p, &spec_len) : NULL;
        if (!spec || next_word(&p, &extra_len) ||
            !(word_eq(kind, kind_len, "some") || word_eq(kind, kind_len, "full")))
                goto syntax;
        full = word_eq(kind, kind_len, "full");

        slash = memchr(spec, '/', spec_len);
        if (!slash)
                goto syntax;
        stall_str = strndup(spec, (size_t) (slash - spec));
        window_str = strndup(slash + 1, spec_len - (size_t) (slash - spec) - 1);
        if (!stall_str || !window_str)
                return -ENOMEM;

        if (unit_parse_duration_reason(stall_str, &stall, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid duration '%s' in %s '%s': %s", stall_str,
                                  k->name, value, reason);
        if (unit_parse_duration_reason(window_str, &window, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid duration '%s' in %s '%s': %s", window_str,
                                  k->name, value, reason);
        if (window < PSI_WINDOW_MIN || window > PSI_WINDOW_MAX)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: window must be between 500ms and 10s", value,
                                  k->name);
        if (stall == 0 || stall > window)
                return error_setf(
                        ret_error, -EINVAL,
                        "invalid value '%s' for %s: stall must be greater than 0 and at most the window",
                        value, k->name);

        s->psi_stall_usec = stall;
        s->psi_window_usec = window;
        s->psi_full = full;
        return free_and_strdup(&s->memory_pressure, value);

syntax:
        return error_setf(
                ret_error, -EINVAL,
                "invalid value '%s' for %s: expected 'some STALL/WINDOW', 'full STALL/WINDOW' or none",
                value, k->name);
}

/* "1M/h" or "1M": bytes per hour. */
static int parse_slope_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[UNIT_REASON_MAX];
        _cleanup_free_ char *size = NULL;
        const char *slash = strchr(value, '/');
        uint64_t v;

        if (slash && !streq(slash, "/h"))
                return error_setf(ret_error, -EINVAL,
                                  "invalid rate '%s' for %s: unknown rate unit '%s' (use /h)", value,
                                  k->name, slash);
        size = slash ? strndup(value, (size_t) (slash - value)) : strdup(value);
        if (!size)
                return -ENOMEM;
        if (unit_parse_size_reason(size, &v, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid rate '%s' for %s: %s", value, k->name,
                                  reason);
        *FIELD(obj, k, uint64_t) = v;
        return 0;
}

static int parse_cpu_percent_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[UNIT_REASON_MAX];
        uint32_t bp;

        if (streq(value, "none")) {
                *FIELD(obj, k, uint32_t) = 0;
                return 0;
        }
        if (unit_parse_percent_reason(value, true, &bp, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid percentage '%s' for %s: %s", value, k->name,
                                  reason);
        if (bp == 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid percentage '%s' for %s: must be greater than 0%% (use none)",
                                  value, k->name);
        *FIELD(obj, k, uint32_t) = bp;
        return 0;
}

/* "0 1 TERM SIGHUP": exit codes 0..255 and signal names. An empty value
 * resets to "not configured". */
static int parse_exit_status_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ExitStatusSet set = {};
        const char *p = value, *w;
        size_t n;

        while ((w = next_word(&p, &n))) {
                _cleanup_free_ char *word = strndup(w, n);
                uint64_t code;
                int sig;

                if (!word)
                        return -ENOMEM;
                if (word[0] >= '0' && word[0] <= '9') {
                        if (unit_parse_count(word, 255, &code) < 0)
                                return error_setf(
                                        ret_error, -EINVAL,
                                        "invalid exit status '%s' for %s: expected 0..255 or a signal "
                                        "name",
                                        word, k->name);
                        set.codes[code / 8] |= (uint8_t) (1u << (code % 8));
                } else {
                        if (unit_parse_signal(word, &sig) < 0 || sig >= 64)
                                return error_setf(ret_error, -EINVAL, "invalid signal '%s' for %s", word,
                                                  k->name);
                        set.signals |= UINT64_C(1) << sig;
                }
                set.set = true;
        }

        *FIELD(obj, k, ExitStatusSet) = set;
        return 0;
}

static LogTrigger *log_triggers_free(LogTrigger *t, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(t[i].regex_src);
        free(t);
        return NULL;
}

static char *strip_dup(const char *s, size_t n) {
        while (n > 0 && is_blank(*s))
                s++, n--;
        while (n > 0 && is_blank(s[n - 1]))
                n--;
        return strndup(s, n);
}

/* glibc's regcomp() expands bounded repetitions into copies of their
 * atom and parses groups recursively: "a{1,32767}" takes gigabytes and
 * tens of seconds, adjacent quantifiers ("a+?+?+?") grow exponentially
 * and 100000 nested groups overflow the stack. Config is
 * also loaded by the running daemon (reload), so such a pattern must be
 * an error and not a dead supervisor. This estimates the expanded size
 * (atoms times the bounds of every enclosing repetition) and the depth,
 * without needing to be exact: regcomp() still has the final word. */
#define REGEX_LENGTH_MAX 4096
#define REGEX_DEPTH_MAX 64
#define REGEX_EXPANSION_MAX 10000
#define REGEX_DUP_MAX 255 /* _POSIX_RE_DUP_MAX: what portable patterns may use */
/* Every line is compiled by each reload and matched against every log line. */
#define LOG_TRIGGERS_MAX 256

static const char *regex_skip_bracket(const char *p) {
        /* p is just after '['. A ']' first (after an optional '^') is literal. */
        if (*p == '^')
                p++;
        if (*p == ']')
                p++;
        while (*p && *p != ']') {
                if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
                        char kind = p[1];
                        const char *end = p + 2;

                        while (*end && !(end[0] == kind && end[1] == ']'))
                                end++;
                        if (!*end)
                                return end;
                        p = end + 2;
                        continue;
                }
                p++;
        }
        return *p ? p + 1 : p;
}

/* Bound of a "{m}", "{m,}" or "{m,n}" at p (just after '{'): the largest
 * count, with *ret_end after '}'. 0 if this is not an interval. */
static uint64_t regex_interval(const char *p, const char **ret_end) {
        uint64_t m = 0, n = 0;
        bool comma = false, digits = false;

        for (; *p && *p != '}'; p++) {
                if (*p == ',' && !comma) {
                        comma = true;
                        continue;
                }
                if (*p < '0' || *p > '9')
                        return 0;
                digits = true;
                if (comma)
                        n = MIN(n * 10 + (uint64_t) (*p - '0'), UINT32_MAX);
                else
                        m = MIN(m * 10 + (uint64_t) (*p - '0'), UINT32_MAX);
        }
        if (*p != '}' || !digits)
                return 0;
        *ret_end = p + 1;
        return MAX(MAX(m, n), 1);
}

static int regex_check_complexity(const char *re, const char **ret_reason) {
        uint64_t sum[REGEX_DEPTH_MAX + 1] = {}, atom = 0;
        unsigned depth = 0;
        bool quantified = false; /* the current atom already has a quantifier */

        if (strlen(re) > REGEX_LENGTH_MAX) {
                *ret_reason = "too complex: longer than 4096 bytes";
                return -EINVAL;
        }

        for (const char *p = re; *p;) {
                const char *end = NULL;
                uint64_t rep = 0;

                if (*p == '{')
                        rep = regex_interval(p + 1, &end);

                if (strchr("*+?", *p) || rep > 0) {
                        /* POSIX leaves "a+*", "a{2}+" undefined; glibc takes
                         * time and memory exponential in their number. */
                        if (quantified) {
                                *ret_reason = "adjacent repetition operators "
                                              "(lazy '*?' or possessive '++' are not POSIX ERE)";
                                return -EINVAL;
                        }
                        quantified = true;
                        if (rep > REGEX_DUP_MAX) {
                                /* a{1,N} costs O(N^2) in glibc, not O(N) */
                                *ret_reason = "too complex: repetition count above 255";
                                return -EINVAL;
                        }
                        if (*p == '+')
                                rep = 2; /* x+ is compiled as x x* */
                        if (rep > 0)
                                atom = MIN(atom * rep, (uint64_t) REGEX_EXPANSION_MAX + 1);
                        p = end ?: p + 1;
                } else if (*p == '(') {
                        sum[depth] += atom;
                        atom = 0;
                        if (++depth > REGEX_DEPTH_MAX) {
                                *ret_reason = "too complex: groups nested deeper than 64";
                                return -EINVAL;
                        }
                        sum[depth] = 0;
                        quantified = false;
                        p++;
                } else if (*p == ')' && depth > 0) {
                        sum[depth] += atom;
                        atom = MAX(sum[depth], 1);
                        depth--;
                        quantified = false;
                        p++;
                } else {
                        sum[depth] += atom;
                        if (*p == '\\' && p[1])
                                p += 2;
                        else if (*p == '[')
                                p = regex_skip_bracket(p + 1);
                        else
                                p++;
                        atom = 1;
                        quantified = false;
                }

                if (sum[depth] + atom > REGEX_EXPANSION_MAX) {
                        *ret_reason = "too complex: repetitions expand to more than 10000 elements";
                        return -EINVAL;
                }
        }
        return 0;
}

/* "REGEX => actions" (repeatable). Split at the last "=>", so a regex may
 * contain "=>" as long as actions follow. Without "=>", the trigger uses
 * on_log_trigger (actions.set == 0). An empty value clears the list. */
static int parse_log_trigger_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ServiceConfig *s = obj;
        _cleanup_free_ char *regex = NULL;
        const char *arrow = NULL;
        LogTrigger t = {}, *a;
        const char *too_complex;
        regex_t re;
        int r;

        if (isempty(value)) {
                s->log_triggers = log_triggers_free(s->log_triggers, s->n_log_triggers);
                s->n_log_triggers = 0;
                return 0;
        }
        if (s->n_log_triggers >= LOG_TRIGGERS_MAX)
                return error_setf(ret_error, -EINVAL, "too many %s lines (at most %u per service)", k->name,
                                  LOG_TRIGGERS_MAX);

        for (const char *q = strstr(value, "=>"); q; q = strstr(q + 1, "=>"))
                arrow = q;

        regex = strip_dup(value, arrow ? (size_t) (arrow - value) : strlen(value));
        if (!regex)
                return -ENOMEM;
        if (!*regex)
                return error_setf(ret_error, -EINVAL, "invalid value '%s' for %s: empty regular expression",
                                  value, k->name);

        if (arrow) {
                char reason[ACTION_REASON_MAX];

                if (action_list_parse(arrow + 2, true, &t.actions, reason) < 0)
                        return error_setf(ret_error, -EINVAL, "invalid actions '%s' for %s: %s",
                                          arrow + 2 + strspn(arrow + 2, " \t"), k->name, reason);
        }

        if (regex_check_complexity(regex, &too_complex) < 0)
                return error_setf(ret_error, -EINVAL, "invalid regular expression '%.64s%s' for %s: %s",
                                  regex, strlen(regex) > 64 ? "..." : "", k->name, too_complex);

        /* Compiled here only to validate; the service compiles its own. */
        r = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                char buf[128];

                (void) regerror(r, &re, buf, sizeof(buf));
                return error_setf(ret_error, -EINVAL, "invalid regular expression '%s' for %s: %s", regex,
                                  k->name, buf);
        }
        regfree(&re);

        a = reallocarray(s->log_triggers, s->n_log_triggers + 1, sizeof(LogTrigger));
        if (!a)
                return -ENOMEM;
        s->log_triggers = a;
        t.regex_src = TAKE_PTR(regex);
        s->log_triggers[s->n_log_triggers++] = t;
        return 0;
}

/* HOST:PORT, IPv6 in brackets: "127.0.0.1:9100", "[::1]:9100",
 * "localhost:9100". Resolved when the listener is set up. */
static int parse_listen_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        const char *host = value, *colon;
        size_t host_len;
        uint64_t port;

        if (value[0] == '[') {
                const char *end = strchr(value, ']');

                if (!end || end[1] != ':' || end == value + 1)
                        goto fail;
                host = value + 1;
                host_len = (size_t) (end - host);
                for (size_t i = 0; i < host_len; i++)
                        if (!isxdigit((unsigned char) host[i]) && !strchr(":.%", host[i]))
                                goto fail;
                colon = end + 1;
        } else {
                colon = strrchr(value, ':');
                if (!colon || colon == value)
                        goto fail;
                host_len = (size_t) (colon - value);
                for (size_t i = 0; i < host_len; i++)
                        if (!isascii((unsigned char) host[i]) ||
                            !(isalnum((unsigned char) host[i]) || strchr(".-_", host[i])))
                                goto fail;
        }

        if (unit_parse_count(colon + 1, 65535, &port) < 0 || port == 0)
                goto fail;

        return free_and_strdup(FIELD(obj, k, char *), value);

fail:
        return error_setf(ret_error, -EINVAL,
                          "invalid address '%s' for %s: expected HOST:PORT (IPv6 as [ADDR]:PORT)", value,
                          k->name);
}

/* ---- key tables ---- */

#define SVC(f) offsetof(ServiceConfig, f)
#define SUP(f) offsetof(Config, f)
#define ANY 0, UINT64_MAX
#define POSITIVE 1, UINT64_MAX

/* Order matches ServiceConfig, and is the order of --help. */
static const KeyDef service_keys[] = {
        { "exec", parse_exec_key, SVC(argv), ANY, NOT_IN_PROFILE },
        { "working_dir", parse_path_key, SVC(working_dir), ANY, NOT_IN_PROFILE },
        { "user", parse_name_key, SVC(user), ANY, NOT_IN_PROFILE },
        { "group", parse_name_key, SVC(group), ANY, NOT_IN_PROFILE },
        { "supplementary_groups", parse_names_key, SVC(supplementary_groups), ANY, NOT_IN_PROFILE },
        { "environment", parse_environment_key, SVC(environment), ANY, KEY_REPEATABLE },
        { "umask", parse_umask_key, SVC(umask), ANY, 0 },
        { "memory_max", parse_limit_key, SVC(memory_max), POSITIVE, ALLOW_NONE | ALLOW_SIZE },
        { "memory_high", parse_limit_key, SVC(memory_high), POSITIVE,
          ALLOW_NONE | ALLOW_SIZE | ALLOW_PERCENT },
        { "pids_max", parse_limit_key, SVC(pids_max), 1, INT32_MAX, ALLOW_NONE | ALLOW_COUNT },
        { "cpu_max", parse_limit_key, SVC(cpu_max), POSITIVE, ALLOW_NONE | ALLOW_PERCENT | ALLOW_OVER_100 },
        { "capture_at", parse_limit_key, SVC(capture_at), ANY, ALLOW_SIZE | ALLOW_PERCENT },
        { "capture_lead", parse_duration_key, SVC(capture_lead), ANY, 0 },
        { "pids_capture_at", parse_limit_key, SVC(pids_capture_at), 0, INT32_MAX,
          ALLOW_COUNT | ALLOW_PERCENT },
        { "capture", parse_capture_key, SVC(capture_mask), ANY, 0 },
        { "capture_keep", parse_count_key, SVC(capture_keep), 1, 100000, 0 },
        { "capture_max_bytes", parse_size_key, SVC(capture_max_bytes), POSITIVE, 0 },
        { "capture_timeout", parse_duration_key, SVC(capture_timeout), POSITIVE, 0 },
        { "capture_reserve", parse_size_key, SVC(capture_reserve), ANY, 0 },
        { "pids_capture_reserve", parse_count_key, SVC(pids_capture_reserve), 0, INT32_MAX, 0 },
        { "nmt_baseline_after", parse_duration_key, SVC(nmt_baseline_after), ANY, 0 },
        { "jvm_options", parse_text_key, SVC(jvm_options), ANY, 0 },
        { "on_pre_oom", parse_actions_key, SVC(on_event[EVENT_PRE_OOM]), ANY, 0 },
        { "on_oom_kill", parse_actions_key, SVC(on_event[EVENT_OOM_KILL]), ANY, 0 },
        { "on_pids_limit", parse_actions_key, SVC(on_event[EVENT_PIDS_LIMIT]), ANY, 0 },
        { "on_pids_max", parse_actions_key, SVC(on_event[EVENT_PIDS_MAX]), ANY, 0 },
        { "on_leak_trend", parse_actions_key, SVC(on_event[EVENT_LEAK_TREND]), ANY, 0 },
        { "on_log_trigger", parse_actions_key, SVC(on_event[EVENT_LOG_TRIGGER]), ANY, 0 },
        { "on_hang", parse_actions_key, SVC(on_event[EVENT_HANG]), ANY, 0 },
        { "restart", parse_restart_key, SVC(restart), ANY, 0 },
        { "restart_delay", parse_duration_key, SVC(restart_delay), ANY, 0 },
        { "restart_delay_max", parse_duration_key, SVC(restart_delay_max), ANY, 0 },
        { "restart_reset_after", parse_duration_key, SVC(restart_reset_after), ANY, 0 },
        { "start_limit", parse_start_limit_key, SVC(start_limit_burst), ANY, 0 },
        { "stop_signal", parse_signal_key, SVC(stop_signal), ANY, 0 },
        { "stop_timeout", parse_duration_key, SVC(stop_timeout), POSITIVE, 0 },
        { "log_max_size", parse_size_key, SVC(log_max_size), POSITIVE, 0 },
        { "log_keep", parse_count_key, SVC(log_keep), 0, 1000, 0 },
        { "syscall_filter", parse_syscall_filter_key, SVC(syscall_filter), ANY, 0 },
        { "syscall_filter_action", parse_filter_action_key, SVC(syscall_filter_kill), ANY, 0 },
        { "no_new_privileges", parse_bool_key, SVC(no_new_privileges), ANY, 0 },
        { "memory_pressure", parse_memory_pressure_key, SVC(memory_pressure), ANY, 0 },
        { "sample_interval", parse_duration_key, SVC(sample_interval), 100 * USEC_PER_MSEC, USEC_PER_HOUR,
          0 },
        { "leak_window", parse_duration_key, SVC(leak_window), POSITIVE, 0 },
        { "leak_min_slope", parse_slope_key, SVC(leak_min_slope), ANY, 0 },
        { "oom_pause_max", parse_duration_key, SVC(oom_pause_max), ANY, 0 },
        { "action_cooldown", parse_duration_key, SVC(action_cooldown), ANY, 0 },
        { "throttle_cpu", parse_cpu_percent_key, SVC(throttle_cpu_bp), ANY, 0 },
        { "throttle_release_at", parse_limit_key, SVC(throttle_release_at), ANY,
          ALLOW_SIZE | ALLOW_PERCENT },
        { "throttle_then", parse_actions_key, SVC(throttle_then), ANY, NO_THROTTLE },
        { "throttle_max", parse_duration_key, SVC(throttle_max), POSITIVE, 0 },
        { "notify_exec", parse_argv_key, SVC(notify_exec), ANY, 0 },
        { "success_exit_status", parse_exit_status_key, SVC(success_exit_status), ANY, 0 },
        { "restart_prevent_exit_status", parse_exit_status_key, SVC(restart_prevent_exit_status), ANY, 0 },
        { "log_trigger", parse_log_trigger_key, SVC(log_triggers), ANY, KEY_REPEATABLE },
        { "ready", parse_ready_key, SVC(ready), ANY, 0 },
        { "start_timeout", parse_duration_key, SVC(start_timeout), POSITIVE, 0 },
        { "watchdog", parse_duration_key, SVC(watchdog), ANY, ALLOW_NONE },
        { "profile", parse_profile_key, SVC(profile), ANY, NOT_IN_PROFILE },
};

static const KeyDef supervisor_keys[] = {
        { "capture_dir", parse_path_key, SUP(capture_dir), ANY, 0 },
        { "state_dir", parse_path_key, SUP(state_dir), ANY, 0 },
        { "log_dir", parse_path_key, SUP(log_dir), ANY, 0 },
        { "cgroup_root", parse_path_key, SUP(cgroup_root), ANY, ALLOW_AUTO },
        { "control_group", parse_name_key, SUP(control_group), ANY, 0 },
        { "metrics_file", parse_path_key, SUP(metrics_file), ANY, 0 },
        { "metrics_interval", parse_duration_key, SUP(metrics_interval), POSITIVE, 0 },
        { "metrics_listen", parse_listen_key, SUP(metrics_listen), ANY, 0 },
};

#define N_SERVICE_KEYS ELEMENTSOF(service_keys)
#define N_SUPERVISOR_KEYS ELEMENTSOF(supervisor_keys)

static const KeyDef *key_find(const KeyDef *table, size_t n, const char *name) {
        if (!name)
                return NULL;
        for (size_t i = 0; i < n; i++)
                if (streq(table[i].name, name))
                        return &table[i];
        return NULL;
}

bool service_config_key_known(const char *key) {
        return key_find(service_keys, N_SERVICE_KEYS, key);
}

const char *const *service_config_keys(void) {
        /* Filled from the table so the two cannot disagree; the same
         * values are written on every call. */
        static const char *names[N_SERVICE_KEYS + 1];

        for (size_t i = 0; i < N_SERVICE_KEYS; i++)
                names[i] = service_keys[i].name;
        names[N_SERVICE_KEYS] = NULL;
        return names;
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
