/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A wrapper.conf, read as JSW reads it (jsw-conf.h). */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/fs-util.h"
#include "base/parse-util.h"
#include "jsw/jsw-conf.h"

typedef struct Parser {
        JswConf *conf;
        size_t lines_alloc, vars_alloc;
        const JswReader *r;
        const char *stack[JSW_INCLUDE_DEPTH_MAX + 1]; /* files being read, outermost first */
        size_t total_bytes;
        bool oom;
} Parser;

/* JSW strips spaces and backspaces; the properties syntax adds tabs and form feeds */
static bool is_jsw_blank(char c) {
        return c == ' ' || c == '\t' || c == '\f' || c == '\b';
}

int jsw_read_file(void *userdata, const char *path, char **ret_buf, size_t *ret_size) {
        return read_full_file_at(AT_FDCWD, path, JSW_FILE_BYTES_MAX, READ_FULL_FILE_REGULAR, ret_buf,
                                 ret_size);
}

JswConf *jsw_conf_free(JswConf *c) {
        if (!c)
                return NULL;
        strv_free(c->files);
        for (size_t i = 0; i < c->n_lines; i++) {
                free(c->lines[i].key);
                free(c->lines[i].value);
                free(c->lines[i].include_path);
        }
        free(c->lines);
        for (size_t i = 0; i < c->n_vars; i++) {
                free(c->vars[i].name);
                free(c->vars[i].value);
        }
        free(c->vars);
        free(c);
        return NULL;
}

/* ---- variables ---- */

static const char *env_find(char *const *l, const char *name) {
        size_t n = strlen(name);

        for (; l && *l; l++)
                if (strncmp(*l, name, n) == 0 && (*l)[n] == '=')
                        return *l + n + 1;
        return NULL;
}

const char *jsw_lookup(const JswConf *c, char *const *builtins, char *const *envp, const char *name,
                       char *ret_source) {
        const char *v;
        char src = 0;

        v = NULL;
        for (size_t i = c ? c->n_vars : 0; i > 0 && !v; i--)
                if (streq(c->vars[i - 1].name, name)) {
                        v = c->vars[i - 1].value;
                        src = 'c';
                }
        if (!v && (v = env_find(builtins, name)))
                src = 'b';
        if (!v && (v = env_find(envp, name)))
                src = 'e';
        if (ret_source)
                *ret_source = src;
        return v;
}

static bool is_var_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("_.-()", c);
}

int jsw_expand(const JswConf *c, char *const *builtins, char *const *envp, const char *s, char **ret,
               char **ret_unresolved, bool *ret_from_environ) {
        _cleanup_free_ char *out = NULL, *unresolved = NULL;
        size_t len = 0, alloc = strlen(s) + 1;
        bool from_environ = false;

        out = malloc(alloc);
        if (!out)
                return -ENOMEM;
        for (const char *p = s; *p;) {
                const char *end = NULL, *v = NULL, *q;
                size_t k;
                char src = 0;

                if (*p == '%') {
                        for (q = p + 1; *q && is_var_char(*q); q++)
                                ;
                        if (*q == '%' && q > p + 1)
                                end = q;
                }
                if (end) {
                        _cleanup_free_ char *name = strndup(p + 1, (size_t) (end - p - 1));
                        if (!name)
                                return -ENOMEM;
                        v = jsw_lookup(c, builtins, envp, name, &src);
                        if (!v && !unresolved)
                                unresolved = TAKE_PTR(name);
                }
                if (v) {
                        from_environ |= src == 'e';
                        k = strlen(v);
                        p = end + 1;
                } else {
                        /* one character as written (a '%' of a name without a value too) */
                        v = p;
                        k = end ? (size_t) (end - p + 1) : 1;
                        p += k;
                }
                if (len + k > JSW_VALUE_MAX)
                        return -E2BIG;
                if (len + k + 1 > alloc) {
                        char *t;

                        alloc = (len + k + 1) * 2;
                        t = realloc(out, alloc);
                        if (!t)
                                return -ENOMEM;
                        out = t;
                }
                memcpy(out + len, v, k);
                len += k;
        }
        out[len] = '\0';
        *ret = TAKE_PTR(out);
        if (ret_unresolved)
                *ret_unresolved = TAKE_PTR(unresolved);
        if (ret_from_environ)
                *ret_from_environ = from_environ;
        return 0;
}

/* ---- lines ---- */

static JswLine *add_line(Parser *p, size_t file, unsigned line, JswLineKind kind, unsigned depth, char *key,
                         char *value) {
        JswConf *c = p->conf;
        JswLine *t;

        if (!key || !value || c->n_lines >= JSW_LINES_MAX) {
                if (key && value)
                        c->too_big = true;
                else
                        p->oom = true;
                free(key);
                free(value);
                return NULL;
        }
        if (c->n_lines == p->lines_alloc) {
                p->lines_alloc = MAX(p->lines_alloc * 2, (size_t) 64);
                t = reallocarray(c->lines, p->lines_alloc, sizeof(JswLine));
                if (!t) {
                        free(key);
                        free(value);
                        p->oom = true;
                        return NULL;
                }
                c->lines = t;
        }
        t = &c->lines[c->n_lines++];
        *t = (JswLine){ .file = c->files[file],
                        .line = line,
                        .kind = kind,
                        .depth = depth,
                        .key = key,
                        .value = value };
        return t;
}

/* s[0..n) with \uXXXX decoded (a NUL or a malformed one stays as
 * written); every other backslash is kept. Never longer than the input. */
static char *unescape_dup(const char *s, size_t n) {
        char *out = malloc(n + 1), *o = out;

        if (!out)
                return NULL;
        for (size_t i = 0; i < n;) {
                unsigned v = 0;
                bool ok = s[i] == '\\' && i + 6 <= n && s[i + 1] == 'u';

                for (size_t k = 2; ok && k < 6; k++) {
                        int h = unhexchar(s[i + k]);
                        ok = h >= 0;
                        v = v << 4 | (unsigned) (h < 0 ? 0 : h);
                }
                if (ok && v != 0) {
                        o += utf8_encode(o, v);
                        i += 6;
                } else
                        *o++ = s[i++];
        }
        *o = '\0';
        return out;
}

/* JSW: '#' outside double quotes ends the line, "##" is one '#'. In place;
 * returns the new length. */
static size_t strip_comment(char *s, size_t n) {
        bool quoted = false;
        size_t o = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] == '"')
                        quoted = !quoted;
                else if (s[i] == '#' && !quoted) {
                        if (i + 1 < n && s[i + 1] == '#')
                                i++;
                        else
                                break;
                }
                s[o++] = s[i];
        }
        return o;
}

/* s[0..n) is not NUL-terminated: it is the input's */
static bool is_directive(const char *s, size_t n) {
        static const char *const prefixes[] = { "#include.", "#encoding=", "#properties.", "#variables." };

        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++)
                if (n >= strlen(prefixes[i]) && strncasecmp(s, prefixes[i], strlen(prefixes[i])) == 0)
                        return true;
        return false;
}

static void define_var(Parser *p, size_t line_index, const char *name, const char *value, bool is_default) {
        JswConf *c = p->conf;
        _cleanup_free_ char *v = NULL, *n = NULL;
        JswVar *t;
        int r;

        if (!*name)
                return;
        if (is_default && jsw_lookup(c, p->r->builtins, p->r->envp, name, NULL))
                return;
        r = jsw_expand(c, p->r->builtins, p->r->envp, value, &v, NULL, NULL);
        if (r == -E2BIG)
                v = strdup(value); /* kept as written */
        if ((r < 0 && r != -E2BIG) || !v || !(n = strdup(name))) {
                p->oom = true;
                return;
        }
        if (c->n_vars == p->vars_alloc) {
                p->vars_alloc = MAX(p->vars_alloc * 2, (size_t) 16);
                t = reallocarray(c->vars, p->vars_alloc, sizeof(JswVar));
                if (!t) {
                        p->oom = true;
                        return;
                }
                c->vars = t;
        }
        c->vars[c->n_vars++] =
                (JswVar){ .name = TAKE_PTR(n), .value = TAKE_PTR(v), .line_index = line_index };
}

/* Lexically: a/./b, a//b, a/x/../b; "/.." stays "/". In place. */
static void path_simplify(char *path) {
        char *o = path;
        const char *s = path;

        while (*s) {
                const char *e = strchrnul(s, '/');
                size_t n = (size_t) (e - s);

                if (n == 0 || (n == 1 && s[0] == '.')) {
                        /* skip */
                } else if (n == 2 && s[0] == '.' && s[1] == '.' && o > path && o[-1] != '.') {
                        while (o > path && o[-1] != '/')
                                o--;
                        if (o > path)
                                o--;
                } else {
                        if (o > path || path[0] == '/')
                                *o++ = '/';
                        memmove(o, s, n);
                        o += n;
                }
                s = *e ? e + 1 : e;
        }
        if (o == path && path[0] == '/')
                *o++ = '/';
        *o = '\0';
}

char *jsw_path_join(const char *dir, const char *rel) {
        char *r;

        if (rel[0] == '/' || !dir)
                r = strdup(rel);
        else if (asprintf(&r, "%s/%s", dir, rel) < 0)
                r = NULL;
        if (r && r[0] == '/')
                path_simplify(r);
        return r;
}

static int parse_file(Parser *p, const char *path, const char *buf, size_t n, unsigned depth);

static void do_include(Parser *p, JswLine *l, const char *including, unsigned depth) {
        _cleanup_free_ char *expanded = NULL, *buf = NULL, *dir = NULL;
        JswConf *c = p->conf;
        size_t size, idx = (size_t) (l - c->lines);
        const char *slash;
        int r;

        r = jsw_expand(c, p->r->builtins, p->r->envp, l->value, &expanded, NULL, NULL);
        if (r == -E2BIG)
                expanded = strdup(l->value);
        if ((r < 0 && r != -E2BIG) || !expanded) {
                p->oom = true;
                return;
        }
        l->include_path = jsw_path_join(p->r->base_dir, expanded);
        if (!l->include_path) {
                p->oom = true;
                return;
        }
        r = -ENOENT;
        if (depth >= JSW_INCLUDE_DEPTH_MAX)
                r = -EMLINK;
        for (size_t i = 0; i <= depth && r == -ENOENT; i++)
                if (p->stack[i] && streq(p->stack[i], l->include_path))
                        r = -ELOOP;
        if (r == -ENOENT)
                r = p->r->read_file(p->r->userdata, l->include_path, &buf, &size);
        /* a relative path JSW would resolve against its working directory:
         * when that is a guess, the including file's directory is tried too */
        slash = strrchr(including, '/');
        if (r == -ENOENT && expanded[0] != '/' && slash) {
                dir = strndup(including, (size_t) (slash - including));
                free(l->include_path);
                l->include_path = dir ? jsw_path_join(dir, expanded) : NULL;
                if (!l->include_path) {
                        p->oom = true;
                        return;
                }
                for (size_t i = 0; i <= depth && r == -ENOENT; i++)
                        if (p->stack[i] && streq(p->stack[i], l->include_path))
                                r = -ELOOP;
                if (r == -ENOENT) {
                        r = p->r->read_file(p->r->userdata, l->include_path, &buf, &size);
                        l->include_beside = r >= 0;
                }
        }
        if (r >= 0 && p->total_bytes + size > JSW_TOTAL_BYTES_MAX) {
                r = -EFBIG;
                c->too_big = true;
        }
        l->include_result = r < 0 ? r : 0;
        if (r < 0) {
                if (l->include_required)
                        c->fatal = true;
                return;
        }
        p->total_bytes += size;
        /* l may move when lines are added: keep only its index */
        (void) parse_file(p, c->lines[idx].include_path, buf, size, depth + 1);
}

static void parse_logical(Parser *p, size_t file, unsigned line_no, unsigned depth, char *s, size_t n) {
        size_t k = 0, v;
        JswLine *l;

        n = strip_comment(s, n);
        while (n > 0 && is_jsw_blank(s[n - 1]))
                n--;
        if (n == 0)
                return;
        /* key: up to '=' or ':' (or blanks before one) */
        while (k < n && s[k] != '=' && s[k] != ':' && !is_jsw_blank(s[k]))
                k++;
        v = k;
        while (v < n && is_jsw_blank(s[v]))
                v++;
        if (k == 0 || v >= n || (s[v] != '=' && s[v] != ':')) {
                /* JSW skips a line that is no property (a value-less "key" too) */
                (void) add_line(p, file, line_no, JSW_LINE_MALFORMED, depth, unescape_dup(s, n), strdup(""));
                return;
        }
        v++;
        while (v < n && is_jsw_blank(s[v]))
                v++;
        l = add_line(p, file, line_no, JSW_LINE_PROPERTY, depth, unescape_dup(s, k),
                     unescape_dup(s + v, n - v));
        if (!l)
                return;
        if (strncasecmp(l->key, "set.default.", 12) == 0)
                define_var(p, (size_t) (l - p->conf->lines), l->key + 12, l->value, true);
        else if (strncasecmp(l->key, "set.", 4) == 0)
                define_var(p, (size_t) (l - p->conf->lines), l->key + 4, l->value, false);
}

static void parse_comment(Parser *p, size_t file, unsigned line_no, unsigned depth, const char *s,
                          size_t n) {
        bool required = false;
        size_t skip = 0;
        JswLine *l;

        while (n > 0 && is_jsw_blank(s[n - 1]))
                n--;
        if (n >= 18 && strncmp(s, "#include.required ", 18) == 0) {
                required = true;
                skip = 18;
        } else if (n >= 9 && strncmp(s, "#include ", 9) == 0)
                skip = 9;
        if (skip) {
                while (skip < n && s[skip] == ' ')
                        skip++;
                l = add_line(p, file, line_no, JSW_LINE_INCLUDE, depth,
                             strdup(required ? "#include.required" : "#include"),
                             unescape_dup(s + skip, n - skip));
                if (!l)
                        return;
                l->include_required = required;
                do_include(p, l, p->conf->files[file], depth);
                return;
        }
        if (s[0] == '#' && is_directive(s, n))
                (void) add_line(p, file, line_no, JSW_LINE_DIRECTIVE, depth, unescape_dup(s, n), strdup(""));
}

static int parse_file(Parser *p, const char *path, const char *buf, size_t n, unsigned depth) {
        JswConf *c = p->conf;
        _cleanup_free_ char *logical = NULL;
        size_t pos = 0, file;
        unsigned line_no = 0;
        char **t;

        t = reallocarray(c->files, c->n_files + 2, sizeof(char *));
        if (!t)
                return -ENOMEM;
        c->files = t;
        c->files[c->n_files] = strdup(path);
        if (!c->files[c->n_files])
                return -ENOMEM;
        file = c->n_files++;
        c->files[c->n_files] = NULL;
        p->stack[depth] = c->files[file];

        logical = malloc(n + 1);
        if (!logical)
                return -ENOMEM;
        if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
                pos = 3;

        while (pos < n && !p->oom && !c->too_big) {
                const char *s = buf + pos, *nl = memchr(s, '\n', n - pos);
                size_t len = nl ? (size_t) (nl - s) : n - pos, ln = 0, start;
                unsigned first = ++line_no;

                pos += len + (nl ? 1 : 0);
                if (len > 0 && s[len - 1] == '\r')
                        len--;
                start = 0;
                while (start < len && is_jsw_blank(s[start]))
                        start++;
                if (start < len && (s[start] == '#' || s[start] == '!')) {
                        if (s[start] == '#')
                                parse_comment(p, file, first, depth, s + start, len - start);
                        continue;
                }
                memcpy(logical, s + start, len - start);
                ln = len - start;
                /* an odd number of trailing backslashes continues the line */
                for (;;) {
                        size_t bs = 0;

                        while (bs < ln && logical[ln - 1 - bs] == '\\')
                                bs++;
                        if (bs % 2 == 0)
                                break;
                        ln--;
                        if (pos >= n)
                                break; /* continued into the end of the file */
                        s = buf + pos;
                        nl = memchr(s, '\n', n - pos);
                        len = nl ? (size_t) (nl - s) : n - pos;
                        pos += len + (nl ? 1 : 0);
                        line_no++;
                        if (len > 0 && s[len - 1] == '\r')
                                len--;
                        start = 0;
                        while (start < len && is_jsw_blank(s[start]))
                                start++;
                        /* the continued text never outgrows the buffer: it is
                         * made of the input's bytes, fewer of them */
                        memcpy(logical + ln, s + start, len - start);
                        ln += len - start;
                }
                parse_logical(p, file, first, depth, logical, ln);
        }
        p->stack[depth] = NULL;
        return p->oom ? -ENOMEM : 0;
}

int jsw_conf_parse_buf(const char *path, const char *buf, size_t n, const JswReader *r, JswConf **ret) {
        _cleanup_(jsw_conf_freep) JswConf *c = NULL;
        Parser p = { .r = r };
        int k;

        c = calloc(1, sizeof(JswConf));
        if (!c)
                return -ENOMEM;
        p.conf = c;
        p.total_bytes = n;
        k = parse_file(&p, path, buf, n, 0);
        if (k < 0 || p.oom)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

int jsw_conf_load(const char *path, const JswReader *r, JswConf **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n;
        int k;

        k = r->read_file(r->userdata, path, &buf, &n);
        if (k < 0)
                return k;
        return jsw_conf_parse_buf(path, buf, n, r, ret);
}
