/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The INI front end: the parser that reads a config file ([supervisor],
 * [service:NAME]) or a profile file ([profile]), hands each key to its
 * parser from the key tables (keys.c) and collects every problem as
 * "FILE:LINE: message" (CfgErrors), in line order.
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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "config/config-internal.h"

#define CFG_LINE_MAX (64U * 1024U)

#define SERVICE_NAME_MAX 64

/* ---- CfgErrors: "FILE:LINE: message" ---- */

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

_printf_(3, 4) char *format_error(const char *file, unsigned line, const char *fmt, ...) {
        va_list ap;
        char *l;

        va_start(ap, fmt);
        l = format_errorv(file, line, fmt, ap);
        va_end(ap);
        return l;
}

void cfg_errors_done(CfgErrors *e) {
        if (!e)
                return;
        for (size_t i = 0; i < e->n; i++)
                free(e->lines[i]);
        e->lines = mfree(e->lines);
        e->n = 0;
}

/* Takes ownership of l (also on failure). */
void cfg_errors_push(CfgErrors *e, char *l) {
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

/* ---- the parser ---- */

Assignment *assignments_free(Assignment *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(a[i].value);
        free(a);
        return NULL;
}

void parser_done(CfgParser *p) {
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

void parser_push(CfgParser *p, unsigned line, char *text) {
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

_printf_(3, 4) void parser_error(CfgParser *p, unsigned line, const char *fmt, ...) {
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

/* Services and watches share one name space (status, control, captures). */
static ServiceConfig *config_find_service(Config *c, const char *name, size_t n) {
        for (size_t i = 0; i < c->n_services; i++)
                if (word_eq(name, n, c->services[i]->name))
                        return c->services[i];
        for (size_t i = 0; i < c->n_watches; i++)
                if (word_eq(name, n, c->watches[i]->name))
                        return c->watches[i];
        return NULL;
}

static const char *kind_section(ServiceKind k) {
        return k == SERVICE_KIND_WATCH ? "watch" : "service";
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
                if (p->service->kind == SERVICE_KIND_SERVICE &&
                    p->service_seen[service_key_index("exec")] == 0)
                        cfg_errors_add(&tmp, p->path, p->service->line, MISSING_EXEC_FMT, p->service->name);
        } else
                (void) service_config_validate(p->service, p->path, &tmp);

        for (size_t j = 0; j < tmp.n; j++)
                parser_push(p, p->service->line, TAKE_PTR(tmp.lines[j]));
        cfg_errors_done(&tmp);
}

static void parser_section(CfgParser *p, const char *name, size_t n) {
        ServiceConfig *s, **t, ***list;
        size_t *n_list, prefix;
        ServiceKind kind;

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

        if (strncmp(p->section_name, "service:", 8) == 0)
                kind = SERVICE_KIND_SERVICE;
        else if (strncmp(p->section_name, "watch:", 6) == 0)
                kind = SERVICE_KIND_WATCH;
        else {
                parser_error(p, p->line, "unknown section [%s]", p->section_name);
                return;
        }

        prefix = strlen(kind_section(kind)) + 1;
        name += prefix;
        n -= prefix;
        if (!service_name_valid(name, n)) {
                parser_error(p, p->line,
                             "invalid %s name '%.*s': use 1-64 of A-Z a-z 0-9 _ . -, not starting with '.'",
                             kind_section(kind), (int) n, name);
                return;
        }
        s = config_find_service(p->config, name, n);
        if (s) {
                parser_error(p, p->line, "duplicate section [%s:%s], first at line %u%s", kind_section(kind),
                             s->name, s->line,
                             s->kind != kind ? " (services and watches share their names)" : "");
                return;
        }

        s = kind == SERVICE_KIND_WATCH ? watch_config_new(NULL) : service_config_new(NULL);
        if (s)
                s->name = strndup(name, n);
        list = kind == SERVICE_KIND_WATCH ? &p->config->watches : &p->config->services;
        n_list = kind == SERVICE_KIND_WATCH ? &p->config->n_watches : &p->config->n_services;
        t = s && s->name ? reallocarray(*list, *n_list + 1, sizeof(ServiceConfig *)) : NULL;
        if (!t) {
                service_config_free(s);
                p->oom = true;
                return;
        }
        *list = t;
        t[(*n_list)++] = s;
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
        if (p->section == SECTION_SERVICE && p->service->kind == SERVICE_KIND_WATCH &&
            (k->flags & LAUNCH_ONLY)) {
                parser_error(p, p->line,
                             "key '%s' is about launching a service: [%s] guards a cgroup cgwarden did not "
                             "start",
                             name, p->section_name);
                p->section_had_errors = true;
                return;
        }
        if ((k->flags & WATCH_ONLY) && p->section != SECTION_PROFILE &&
            !(p->section == SECTION_SERVICE && p->service->kind == SERVICE_KIND_WATCH)) {
                parser_error(p, p->line, "key '%s' belongs in a [watch:NAME] section", name);
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
        /* no key needs more (a long java command line is a few KiB); a
         * longer line is a mistake, not a value to keep */
        if (len > CFG_LINE_MAX) {
                parser_error(p, p->line, "line longer than %u KiB", CFG_LINE_MAX / 1024);
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

/* Run inih over p's buffer with our reader; errors end up sorted in
 * p->errors. Returns 0 or -ENOMEM. */
int parser_run(CfgParser *p) {
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
