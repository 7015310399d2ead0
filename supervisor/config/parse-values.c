/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The generic value parsers, shared by [supervisor] and [service:*]
 * keys: sizes, counts, durations, limits, booleans, signals, paths,
 * names (systemd's config_parse_int/bool/path in conf-parser.c). Each
 * writes the field that keys.c names; none logs. */

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "config/config-internal.h"
#include "base/error-util.h"
#include "base/units.h"

/* ---- string helpers ---- */

/* Next whitespace separated word of *p, as pointer + length; NULL at the end. */
const char *next_word(const char **p, size_t *ret_len) {
        const char *s = *p, *w;

        while (is_space(*s))
                s++;
        if (!*s) {
                *p = s;
                return NULL;
        }
        w = s;
        while (*s && !is_space(*s))
                s++;
        *p = s;
        *ret_len = (size_t) (s - w);
        return w;
}

int free_and_strdup(char **p, const char *s) {
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

int strv_push(char ***l, char *s) {
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

char *strip_dup(const char *s, size_t n) {
        while (n > 0 && is_space(*s))
                s++, n--;
        while (n > 0 && is_space(s[n - 1]))
                n--;
        return strndup(s, n);
}

/* ---- parsers ---- */

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

int parse_duration_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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
        /* with ALLOW_NONE, 0 is "none" too (systemd's WatchdogSec=0) */
        if ((v < k->min && !(v == 0 && (k->flags & ALLOW_NONE))) || v > k->max)
                return range_error(ret_error, "duration", value, k, unit_format_duration);
        *FIELD(obj, k, usec_t) = v;
        return 0;
}

int parse_budget_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        char reason[BUDGET_TEXT_MAX];

        if (capture_budget_parse(value, FIELD(obj, k, CaptureBudget), reason) < 0)
                return error_setf(ret_error, -EINVAL, "invalid %s '%s': %s", k->name, value, reason);
        return 0;
}

int parse_size_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_count_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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
int parse_limit_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_bool_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        bool b;

        if (unit_parse_bool(value, &b) < 0)
                return error_setf(ret_error, -EINVAL, "invalid boolean '%s' for %s: expected yes or no",
                                  value, k->name);
        *FIELD(obj, k, bool) = b;
        return 0;
}

int parse_signal_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        int sig;

        if (unit_parse_signal(value, &sig) < 0)
                return error_setf(ret_error, -EINVAL, "invalid signal '%s' for %s", value, k->name);
        *FIELD(obj, k, int) = sig;
        return 0;
}

int parse_umask_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        unsigned m;

        if (unit_parse_mode(value, &m) < 0)
                return error_setf(ret_error, -EINVAL,
                                  "invalid umask '%s' for %s: expected an octal mode like 0022", value,
                                  k->name);
        *FIELD(obj, k, int) = (int) m;
        return 0;
}

bool has_control_chars(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < ' ' || *s == 0x7f)
                        return true;
        return false;
}

int parse_path_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_name_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (!name_valid(value, strlen(value)))
                return error_setf(ret_error, -EINVAL, "invalid name '%s' for %s", value, k->name);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

int parse_names_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_text_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        if (isempty(value))
                return error_setf(ret_error, -EINVAL, "invalid value '' for %s: empty value", k->name);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

/* "1M/h" or "1M": bytes per hour. */
int parse_slope_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

int parse_cpu_percent_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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

/* HOST:PORT, IPv6 in brackets: "127.0.0.1:9100", "[::1]:9100",
 * "localhost:9100". Resolved when the listener is set up. */
int parse_listen_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
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
