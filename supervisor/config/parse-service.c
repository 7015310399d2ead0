/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The parsers of values that only a service has: its command line,
 * environment, profile, captures, action lists, restart and readiness
 * modes, start_limit, syscall_filter, memory_pressure, exit statuses and
 * log_trigger (systemd's load-fragment.c). None logs. */

#include <ctype.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "config/config-internal.h"
#include "base/error-util.h"
#include "base/seccomp-util.h"
#include "base/units.h"

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

int parse_profile_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (!profile_spec_valid(value))
                return error_setf(
                        ret_error, -EINVAL,
                        "invalid value '%s' for %s: expected a profile name (1-64 of A-Z a-z 0-9 _ "
                        "-, e.g. jvm or generic) or an absolute path to a profile file",
                        value, k->name);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

int parse_argv_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_exec_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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
int parse_environment_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_capture_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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
                        if (word_eq(w, n, capture_item_to_string(i)))
                                break;
                if (i >= _CAPTURE_ITEM_MAX)
                        return error_setf(
                                ret_error, -EINVAL,
                                "invalid capture item '%.*s' for %s: expected auto, none or a list of "
                                "nmt threads heap pmap smaps status tasks cgroup perfdata class_histogram "
                                "heap_dump",
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
                        if (word_eq(w, n, action_type_to_string(i)))
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
                                         action_type_to_string(a));
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

int parse_actions_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[ACTION_REASON_MAX];

        if (action_list_parse(value, !(k->flags & NO_THROTTLE), FIELD(obj, k, ActionList), reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid actions '%s' for %s: %s", value, k->name,
                                  reason);
        return 0;
}

int parse_restart_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        RestartMode m = restart_mode_from_string(value);

        if (m < 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: expected no, on-failure or always", value,
                                  k->name);
        *FIELD(obj, k, RestartMode) = m;
        return 0;
}

int parse_ready_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ReadyMode m = ready_mode_from_string(value);

        if (m < 0)
                return error_setf(ret_error, -EINVAL, "invalid value '%s' for %s: expected exec or notify",
                                  value, k->name);
        *FIELD(obj, k, ReadyMode) = m;
        return 0;
}

int parse_heap_dump_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        HeapDumpMode m = heap_dump_mode_from_string(value);

        if (m < 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: expected no, on-heap-growth or always", value,
                                  k->name);
        *FIELD(obj, k, HeapDumpMode) = m;
        return 0;
}

int parse_jvm_options_env_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        JvmOptionsEnv e = jvm_options_env_from_string(value);

        if (e < 0)
                return error_setf(
                        ret_error, -EINVAL,
                        "invalid value '%s' for %s: expected auto, JDK_JAVA_OPTIONS or JAVA_TOOL_OPTIONS",
                        value, k->name);
        *FIELD(obj, k, JvmOptionsEnv) = e;
        return 0;
}

/* "50%/60s": a share of wall time spent in GC over a window; "none" or
 * "0" disables. */
int parse_gc_overhead_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ServiceConfig *s = obj;
        char reason[UNIT_REASON_MAX];
        _cleanup_free_ char *pct = NULL;
        const char *slash;
        uint32_t bp;
        usec_t window;

        if (streq(value, "none") || streq(value, "0")) {
                s->gc_overhead_bp = 0;
                return 0;
        }
        slash = strchr(value, '/');
        if (!slash)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: expected SHARE/WINDOW (e.g. 50%%/60s) or none",
                                  value, k->name);
        pct = strndup(value, (size_t) (slash - value));
        if (!pct)
                return -ENOMEM;
        if (unit_parse_percent_reason(pct, false, &bp, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid share '%s' in %s '%s': %s", pct, k->name,
                                  value, reason);
        if (unit_parse_duration_reason(slash + 1, &window, reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid duration '%s' in %s '%s': %s", slash + 1,
                                  k->name, value, reason);
        if (bp == 0 || window < USEC_PER_SEC)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: the share must be above 0%% and the window at "
                                  "least 1s (none disables it)",
                                  value, k->name);
        s->gc_overhead_bp = bp;
        s->gc_overhead_window = window;
        return 0;
}

/* "5/10min"; "none" or "0" disable. */
int parse_start_limit_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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
        if (burst == 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: a burst of 0 would never start the service; "
                                  "none disables the limit",
                                  value, k->name);
        if (interval == 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid value '%s' for %s: interval must be greater than 0", value,
                                  k->name);

        s->start_limit_burst = burst;
        s->start_limit_interval = burst > 0 ? interval : 0;
        return 0;
}

int parse_syscall_filter_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_filter_action_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_memory_pressure_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

/* "0 1 TERM SIGHUP": exit codes 0..255 and signal names; what names the
 * key or option in the error. An empty value is the empty set, not set. */
int exit_status_set_parse(const char *value, const char *what, ExitStatusSet *ret, char **ret_error) {
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
                        /* a code or a range of codes, "0-255": what an
                         * imported wrapper.conf's on_exit needs (jsw/) */
                        char *dash = strchr(word, '-');
                        uint64_t last;

                        if (dash)
                                *dash = '\0';
                        if (unit_parse_count(word, 255, &code) < 0 ||
                            (dash && (unit_parse_count(dash + 1, 255, &last) < 0 || last < code)))
                                return error_setf(
                                        ret_error, -EINVAL,
                                        "invalid exit status '%.*s' for %s: expected 0..255, a range "
                                        "like 1-255, or a signal name",
                                        (int) n, w, what);
                        if (!dash)
                                last = code;
                        for (; code <= last; code++)
                                set.codes[code / 8] |= (uint8_t) (1u << (code % 8));
                } else {
                        if (unit_parse_signal(word, &sig) < 0 || sig >= 64)
                                return error_setf(ret_error, -EINVAL, "invalid signal '%s' for %s", word,
                                                  what);
                        set.signals |= UINT64_C(1) << sig;
                }
                set.set = true;
        }
        *ret = set;
        return 0;
}

int parse_exit_status_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        return exit_status_set_parse(value, k->name, FIELD(obj, k, ExitStatusSet), ret_error);
}

LogTrigger *log_triggers_free(LogTrigger *t, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(t[i].regex_src);
        free(t);
        return NULL;
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
int regex_validate(const char *regex, const char *key, char **ret_error) {
        const char *too_complex = NULL;
        regex_t re;
        int r;

        if (regex_check_complexity(regex, &too_complex) < 0)
                return error_setf(ret_error, -EINVAL, "invalid regular expression '%.64s%s' for %s: %s",
                                  regex, strlen(regex) > 64 ? "..." : "", key, too_complex);

        /* Compiled here only to validate; its user compiles its own. */
        r = regcomp(&re, regex, REG_EXTENDED | REG_NOSUB);
        if (r != 0) {
                char buf[128];

                (void) regerror(r, &re, buf, sizeof(buf));
                return error_setf(ret_error, -EINVAL, "invalid regular expression '%s' for %s: %s", regex,
                                  key, buf);
        }
        regfree(&re);
        return 0;
}

int parse_log_trigger_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        ServiceConfig *s = obj;
        _cleanup_free_ char *regex = NULL;
        const char *arrow = NULL;
        LogTrigger t = {}, *a;
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

        r = regex_validate(regex, k->name, ret_error);
        if (r < 0)
                return r;

        a = reallocarray(s->log_triggers, s->n_log_triggers + 1, sizeof(LogTrigger));
        if (!a)
                return -ENOMEM;
        s->log_triggers = a;
        t.regex_src = TAKE_PTR(regex);
        s->log_triggers[s->n_log_triggers++] = t;
        return 0;
}
