/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A wrapper.conf as a cgwarden INI (jsw-import.h). What each key means in
 * JSW is from Tanuki's property pages (wrapper.tanukisoftware.com,
 * prop-*.html) and YAJSW's configuration page and wrapper.conf.default. */

#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/string-table.h"
#include "base/units.h"
#include "capture/jvm-flags.h"
#include "config/config.h"
#include "jsw/jsw-import.h"

/* What the import adds that JSW lacked: room for the JVM's native memory
 * above the heap and its direct buffers, and a task limit. */
#define NATIVE_ALLOWANCE_BYTES (UINT64_C(256) << 20)
#define IMPORT_PIDS_MAX 4096

#define VALUE_SHOWN_MAX 120
/* the longest line cgwarden's INI reader takes (config/ini.c) */
#define INI_LINE_MAX (64 * 1024)

static const char *const jsw_verdict_table[_JSW_VERDICT_MAX] = {
        [JSW_MAPPED] = "mapped",
        [JSW_APPROXIMATED] = "approximated",
        [JSW_IGNORED] = "ignored",
        [JSW_UNSUPPORTED] = "unsupported",
};
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(jsw_verdict, JswVerdict);

typedef struct LineState {
        bool set;
        JswVerdict v;
        char *target; /* the cgwarden key(s) it became */
        char *why;
        char *unresolved; /* a %NAME% without a value in it */
        bool from_environ; /* a %NAME% took import-jsw's environment */
} LineState;

typedef struct KeyIndex {
        const char *key;
        size_t index;
} KeyIndex;

typedef struct Imp {
        const JswConf *c;
        const JswImportOptions *o;
        LineState *st;
        KeyIndex *keys; /* the properties, by key (case does not matter) and then line */
        size_t n_keys;
        FILE *f;
        char *buf;
        size_t size;
        ServiceConfig *scratch;
        bool oom;

        char *name;
        char *working_dir;
        bool working_dir_written;
        char **argv;
        size_t *exec_src;
        size_t n_exec_src;
        char *classpath_note;
} Imp;

/* ---- small helpers ---- */

static bool key_is(const char *key, const char *name) {
        return strcasecmp(key, name) == 0;
}

static bool key_has_prefix(const char *key, const char *prefix) {
        return strncasecmp(key, prefix, strlen(prefix)) == 0;
}

/* JSW's getBooleanProperty: "TRUE" in any case. */
static bool is_true(const char *v) {
        return v && strcasecmp(v, "TRUE") == 0;
}

static bool parse_int(const char *s, long lo, long hi, long *ret) {
        char *end;
        long v;

        if (!s || !*s)
                return false;
        errno = 0;
        v = strtol(s, &end, 10);
        if (errno || *end || v < lo || v > hi)
                return false;
        *ret = v;
        return true;
}

static void oomf(Imp *m, const void *p) {
        if (!p)
                m->oom = true;
}

_printf_(1, 0) static char *vformat(const char *fmt, va_list ap) {
        char *s;
        return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

_printf_(2, 3) static char *format(Imp *m, const char *fmt, ...) {
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = vformat(fmt, ap);
        va_end(ap);
        oomf(m, s);
        return s;
}

static int key_index_cmp(const void *a, const void *b) {
        const KeyIndex *x = a, *y = b;
        int r = strcasecmp(x->key, y->key);

        if (r != 0)
                return r;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int build_key_index(Imp *m) {
        m->keys = calloc(m->c->n_lines + 1, sizeof(KeyIndex));
        if (!m->keys)
                return -ENOMEM;
        for (size_t i = 0; i < m->c->n_lines; i++)
                if (m->c->lines[i].kind == JSW_LINE_PROPERTY)
                        m->keys[m->n_keys++] = (KeyIndex){ .key = m->c->lines[i].key, .index = i };
        if (m->n_keys > 1)
                qsort(m->keys, m->n_keys, sizeof(KeyIndex), key_index_cmp);
        return 0;
}

/* The last line that sets key (case does not matter, as in JSW), or -1. */
static ssize_t prop(const Imp *m, const char *key) {
        size_t lo = 0, hi = m->n_keys;

        /* the first entry past key's */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (strcasecmp(m->keys[mid].key, key) <= 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        if (lo > 0 && key_is(m->keys[lo - 1].key, key))
                return (ssize_t) m->keys[lo - 1].index;
        return -1;
}

static const char *val(const Imp *m, ssize_t i) {
        return i < 0 ? NULL : m->c->lines[i].value;
}

/* Set line i's verdict, unless it has one (the first word counts). */
_printf_(5, 6) static void verdict(Imp *m, ssize_t i, JswVerdict v, const char *target, const char *fmt,
                                   ...) {
        LineState *s;
        va_list ap;

        if (i < 0)
                return;
        s = &m->st[i];
        if (s->set)
                return;
        s->set = true;
        s->v = v;
        if (target) {
                s->target = strdup(target);
                oomf(m, s->target);
        }
        if (fmt) {
                va_start(ap, fmt);
                s->why = vformat(fmt, ap);
                va_end(ap);
                oomf(m, s->why);
        }
}

/* The same, replacing a verdict given before. */
_printf_(4, 5) static void overrule(Imp *m, size_t i, JswVerdict v, const char *fmt, ...) {
        LineState *s = &m->st[i];
        va_list ap;

        s->set = true;
        s->v = v;
        free(s->why);
        va_start(ap, fmt);
        s->why = vformat(fmt, ap);
        va_end(ap);
        oomf(m, s->why);
}

/* Line i's value with %NAME% expanded, as JSW reads it when it starts
 * (malloc'd; NULL when out of memory). A name without a value, or one that
 * took import-jsw's own environment, is noted on the line. */
static char *xval(Imp *m, ssize_t i) {
        char *r = NULL, *unresolved = NULL;
        bool from_environ = false;
        int k;

        if (i < 0)
                return NULL;
        k = jsw_expand(m->c, m->o->builtins, m->o->envp, m->c->lines[i].value, &r, &unresolved,
                       &from_environ);
        if (k == -E2BIG) {
                /* noted as a name without a value: the line is unsupported */
                unresolved = strdup("(a value longer than 64K once expanded)");
                r = strdup(m->c->lines[i].value);
                if (!unresolved || !r) {
                        free(unresolved);
                        free(r);
                        m->oom = true;
                        return NULL;
                }
        } else if (k < 0) {
                m->oom = true;
                return NULL;
        }
        if (unresolved && !m->st[i].unresolved)
                m->st[i].unresolved = unresolved;
        else
                free(unresolved);
        m->st[i].from_environ |= from_environ;
        return r;
}

static int push(char ***l, size_t *n, const char *s) {
        char **t = reallocarray(*l, *n + 2, sizeof(char *));

        if (!t)
                return -ENOMEM;
        *l = t;
        t[*n] = strdup(s);
        if (!t[*n])
                return -ENOMEM;
        t[++*n] = NULL;
        return 0;
}

static void argv_add(Imp *m, size_t *n, const char *s) {
        if (push(&m->argv, n, s) < 0)
                m->oom = true;
}

static void exec_source(Imp *m, ssize_t i) {
        size_t *t;

        if (i < 0)
                return;
        t = reallocarray(m->exec_src, m->n_exec_src + 1, sizeof(size_t));
        if (!t) {
                m->oom = true;
                return;
        }
        m->exec_src = t;
        m->exec_src[m->n_exec_src++] = (size_t) i;
}

/* ---- numbered sequences (wrapper.java.additional.<n> ...) ---- */

typedef struct SeqItem {
        unsigned long n;
        size_t index;
} SeqItem;

static int seq_cmp(const void *a, const void *b) {
        const SeqItem *x = a, *y = b;
        return x->n < y->n ? -1 : x->n > y->n;
}

/* The lines of prefix<n> (n without leading zeros), in JSW's order: from
 * 1 (YAJSW also starts at 0) up to the first missing number, or all in
 * order with wrapper.ignore_sequence_gaps=TRUE. Lines past a gap are
 * ignored, as JSW ignores them. Returns the count; *ret malloc'd. */
static size_t seq(Imp *m, const char *prefix, SeqItem **ret) {
        bool gaps = is_true(val(m, prop(m, "wrapper.ignore_sequence_gaps")));
        size_t plen = strlen(prefix), n = 0, keep;
        SeqItem *items = NULL;

        *ret = NULL;
        for (size_t i = 0; i < m->c->n_lines; i++) {
                const JswLine *l = &m->c->lines[i];
                const char *d;
                unsigned long num;
                char *end;
                SeqItem *t;

                if (l->kind != JSW_LINE_PROPERTY || !key_has_prefix(l->key, prefix))
                        continue;
                d = l->key + plen;
                if (*d < '0' || *d > '9' || (d[0] == '0' && d[1]))
                        continue;
                errno = 0;
                num = strtoul(d, &end, 10);
                if (*end || errno || prop(m, l->key) != (ssize_t) i)
                        continue;
                t = reallocarray(items, n + 1, sizeof(SeqItem));
                if (!t) {
                        m->oom = true;
                        free(items);
                        return 0;
                }
                items = t;
                items[n++] = (SeqItem){ .n = num, .index = i };
        }
        if (n > 1)
                qsort(items, n, sizeof(SeqItem), seq_cmp);
        keep = n;
        if (!gaps && n > 0) {
                unsigned long want = items[0].n == 0 ? 0 : 1;
                for (keep = 0; keep < n && items[keep].n == want; keep++, want++)
                        ;
                for (size_t k = keep; k < n; k++)
                        verdict(m, (ssize_t) items[k].index, JSW_IGNORED, NULL,
                                "after a gap in the numbering: JSW reads %s<n> up to the first missing "
                                "number "
                                "(%s%lu); wrapper.ignore_sequence_gaps=TRUE allows gaps",
                                prefix, prefix, want);
        }
        *ret = items;
        return keep;
}

/* JSW's .stripquotes (wrapperStripQuotes): \\ -> \, \" -> ", " removed. */
static void strip_quotes(char *s) {
        char *o = s;

        for (const char *p = s; *p; p++) {
                if (p[0] == '\\' && (p[1] == '\\' || p[1] == '"')) {
                        *o++ = p[1];
                        p++;
                } else if (*p != '"')
                        *o++ = *p;
        }
        *o = '\0';
}

/* The expanded value of a sequence item, with .stripquotes applied. */
static char *seq_value(Imp *m, const char *prefix, const SeqItem *it, const char *target) {
        char key[256];
        ssize_t q;
        char *v = xval(m, (ssize_t) it->index);

        snprintf(key, sizeof key, "%s%lu.stripquotes", prefix, it->n);
        q = prop(m, key);
        if (q >= 0) {
                verdict(m, q, JSW_MAPPED, target, NULL);
                if (v && is_true(val(m, q)))
                        strip_quotes(v);
        }
        return v;
}

/* ---- paths ---- */

static char *path_abs(Imp *m, const char *dir, const char *p) {
        char *r = jsw_path_join(dir, p);

        oomf(m, r);
        return r;
}

/* ---- the command line ---- */

static const char *const helper_simple = "org.tanukisoftware.wrapper.WrapperSimpleApp";
static const char *const helper_jar = "org.tanukisoftware.wrapper.WrapperJarApp";
static const char *const helper_startstop = "org.tanukisoftware.wrapper.WrapperStartStopApp";

static void build_working_dir(Imp *m) {
        ssize_t i = prop(m, "wrapper.working.dir");
        _cleanup_free_ char *v = xval(m, i);

        if (v && *v) {
                m->working_dir = path_abs(m, m->o->base_dir, v);
                m->working_dir_written = true;
                verdict(m, i, JSW_MAPPED, "working_dir", NULL);
        } else {
                m->working_dir = strdup(m->o->base_dir);
                oomf(m, m->working_dir);
                if (i >= 0)
                        verdict(m, i, JSW_MAPPED, "working_dir", "empty: JSW stays where it was started");
        }
}

static void build_classpath(Imp *m, size_t *n_argv) {
        _cleanup_free_ SeqItem *items = NULL;
        _cleanup_free_ char *cp = NULL;
        size_t n = seq(m, "wrapper.java.classpath.", &items), len = 0;

        cp = strdup("");
        oomf(m, cp);
        for (size_t k = 0; k < n && cp; k++) {
                ssize_t i = (ssize_t) items[k].index;
                _cleanup_free_ char *v = xval(m, i), *add = NULL;
                char *t;

                if (!v)
                        continue;
                exec_source(m, i);
                if (!*v) {
                        verdict(m, i, JSW_IGNORED, NULL, "empty: JSW skips it");
                        continue;
                }
                if (strpbrk(v, "*?")) {
                        const char *slash = strrchr(v, '/');
                        const char *last = slash ? slash + 1 : v;
                        bool dir_plain = !slash || !memchr(v, '*', (size_t) (slash - v));

                        dir_plain = dir_plain && (!slash || !memchr(v, '?', (size_t) (slash - v)));
                        if (dir_plain && (streq(last, "*") || streq(last, "*.jar"))) {
                                /* the JVM's own wildcard: expanded at each start, as JSW did */
                                add = slash ? format(m, "%.*s/*", (int) (slash - v), v) : strdup("*");
                                oomf(m, add);
                                verdict(m, i, JSW_APPROXIMATED, "exec",
                                        "kept as %s: the JVM expands it at each start as JSW did, to the "
                                        ".jar "
                                        "(and .JAR) files of the directory",
                                        add ? add : "");
                        } else {
                                _cleanup_free_ char *pattern = path_abs(m, m->working_dir, v);
                                glob_t g = {};
                                size_t glen = 0;
                                int (*glob_fn)(const char *, int, int (*)(const char *, int), glob_t *) =
                                        m->o->glob ? m->o->glob : glob;

                                if (pattern && glob_fn(pattern, GLOB_MARK, NULL, &g) == 0 &&
                                    g.gl_pathc > 0) {
                                        for (size_t j = 0; j < g.gl_pathc; j++)
                                                glen += strlen(g.gl_pathv[j]) + 1;
                                        add = calloc(glen + 1, 1);
                                        oomf(m, add);
                                        for (size_t j = 0; add && j < g.gl_pathc; j++) {
                                                if (j > 0)
                                                        strcat(add, ":");
                                                strcat(add, g.gl_pathv[j]);
                                        }
                                        verdict(m, i, JSW_APPROXIMATED, "exec",
                                                "expanded now to %zu file(s); JSW expanded it at each "
                                                "start: "
                                                "import again after adding files",
                                                g.gl_pathc);
                                } else
                                        verdict(m, i, JSW_IGNORED, NULL,
                                                "matches no file now: JSW leaves such an entry out");
                                globfree(&g);
                                if (!add)
                                        continue;
                        }
                } else {
                        add = strdup(v);
                        oomf(m, add);
                        verdict(m, i, JSW_MAPPED, "exec", NULL);
                }
                if (!add)
                        continue;
                t = realloc(cp, len + strlen(add) + 2);
                if (!t) {
                        m->oom = true;
                        continue;
                }
                cp = t;
                if (len > 0)
                        cp[len++] = ':';
                strcpy(cp + len, add);
                len += strlen(add);
        }
        argv_add(m, n_argv, "-classpath");
        argv_add(m, n_argv, cp && *cp ? cp : "./");
}

static void build_library_path(Imp *m, size_t *n_argv) {
        _cleanup_free_ SeqItem *items = NULL;
        _cleanup_free_ char *lp = NULL, *joined = NULL;
        ssize_t old = prop(m, "wrapper.java.library.path");
        ssize_t app = prop(m, "wrapper.java.library.path.append_system_path");
        size_t n = seq(m, "wrapper.java.library.path.", &items);
        const char *sys = NULL;

        lp = strdup("");
        oomf(m, lp);
        if (old >= 0) {
                free(lp);
                lp = xval(m, old);
                exec_source(m, old);
                verdict(m, old, JSW_MAPPED, "exec", NULL);
                for (size_t k = 0; k < n; k++)
                        verdict(m, (ssize_t) items[k].index, JSW_IGNORED, NULL,
                                "wrapper.java.library.path is set, and JSW then reads no numbered entries");
        } else
                for (size_t k = 0; k < n && lp; k++) {
                        ssize_t i = (ssize_t) items[k].index;
                        _cleanup_free_ char *v = xval(m, i);
                        char *t;

                        exec_source(m, i);
                        if (!v || !*v) {
                                verdict(m, i, JSW_IGNORED, NULL, "empty: JSW skips it");
                                continue;
                        }
                        verdict(m, i, JSW_MAPPED, "exec", NULL);
                        t = *lp ? format(m, "%s:%s", lp, v) : strdup(v);
                        oomf(m, t);
                        free(lp);
                        lp = t;
                }
        if (app >= 0) {
                exec_source(m, app);
                for (char *const *e = m->o->envp; e && *e; e++)
                        if (strncmp(*e, "LD_LIBRARY_PATH=", 16) == 0)
                                sys = *e + 16;
                if (!is_true(val(m, app)))
                        verdict(m, app, JSW_MAPPED, "exec", NULL);
                else if (sys && *sys) {
                        char *t = lp && *lp ? format(m, "%s:%s", lp, sys) : strdup(sys);
                        oomf(m, t);
                        free(lp);
                        lp = t;
                        verdict(m, app, JSW_APPROXIMATED, "exec",
                                "LD_LIBRARY_PATH appended as import-jsw found it (%s); JSW appended its own "
                                "at each start",
                                sys);
                } else
                        verdict(m, app, JSW_APPROXIMATED, "exec",
                                "no LD_LIBRARY_PATH where import-jsw ran: nothing appended");
        }
        joined = format(m, "-Djava.library.path=%s", lp && *lp ? lp : "./");
        if (joined)
                argv_add(m, n_argv, joined);
}

static void build_memory(Imp *m, size_t *n_argv) {
        ssize_t ii = prop(m, "wrapper.java.initmemory"), im = prop(m, "wrapper.java.maxmemory");
        long init = 0, max = 0;
        char buf[64];

        if (ii >= 0) {
                exec_source(m, ii);
                if (!parse_int(val(m, ii), 0, INT_MAX, &init))
                        verdict(m, ii, JSW_UNSUPPORTED, NULL, "not a number of megabytes");
                else if (init > 0) {
                        snprintf(buf, sizeof buf, "-Xms%ldm", init);
                        argv_add(m, n_argv, buf);
                        verdict(m, ii, JSW_MAPPED, "exec", "%s", buf);
                } else
                        verdict(m, ii, JSW_MAPPED, "exec", "0: the JVM's default");
        }
        if (im >= 0) {
                exec_source(m, im);
                if (!parse_int(val(m, im), 0, INT_MAX, &max))
                        verdict(m, im, JSW_UNSUPPORTED, NULL, "not a number of megabytes");
                else if (max > 0) {
                        /* JSW: never below the initial size (3 MB when that is unset) */
                        snprintf(buf, sizeof buf, "-Xmx%ldm", MAX(max, init > 0 ? init : 3));
                        argv_add(m, n_argv, buf);
                        verdict(m, im, JSW_MAPPED, "exec", "%s", buf);
                } else
                        verdict(m, im, JSW_MAPPED, "exec", "0: the JVM's default");
        }
        for (const char *const *k = (const char *const[]){ "wrapper.java.initmemory.percent",
                                                           "wrapper.java.maxmemory.percent",
                                                           "wrapper.java.initmemory.relative",
                                                           "wrapper.java.maxmemory.relative", NULL };
             *k; k++)
                verdict(m, prop(m, *k), JSW_UNSUPPORTED, NULL,
                        "a heap as a share of the host's RAM: write -Xmx (or -XX:MaxRAMPercentage=N, of the "
                        "service's memory limit) as a wrapper.java.additional");
}

/* wrapper.app.parameter.<n>, each expanded and stripquoted. */
static size_t app_params(Imp *m, SeqItem **items, char ***ret) {
        size_t n = seq(m, "wrapper.app.parameter.", items), k = 0;
        char **l = NULL;

        for (size_t j = 0; j < n; j++) {
                _cleanup_free_ char *v = seq_value(m, "wrapper.app.parameter.", &(*items)[j], "exec");
                if (!v || push(&l, &k, v) < 0)
                        m->oom = true;
        }
        *ret = l;
        return m->oom ? 0 : k;
}

static void build_main(Imp *m, size_t *n_argv, bool *ret_jar_app) {
        _cleanup_free_ SeqItem *items = NULL;
        _cleanup_strv_free_ char **params = NULL;
        ssize_t mc = prop(m, "wrapper.java.mainclass"), ymc = prop(m, "wrapper.java.app.mainclass"),
                yjar = prop(m, "wrapper.java.app.jar");
        _cleanup_free_ char *main = NULL;
        size_t np = app_params(m, &items, &params), first = 0;

        *ret_jar_app = false;
        /* the comment above exec: the main class, then its parameters */
        exec_source(m, yjar >= 0 ? yjar : ymc >= 0 ? ymc : mc);
        for (size_t k = 0; k < np; k++)
                exec_source(m, (ssize_t) items[k].index);
        if (ymc >= 0 || yjar >= 0) {
                /* YAJSW: the application's class or jar; its java.mainclass is its own */
                ssize_t use = yjar >= 0 ? yjar : ymc;
                _cleanup_free_ char *v = xval(m, use);

                verdict(m, mc, JSW_IGNORED, NULL, "YAJSW's own main class: the application's is %s",
                        yjar >= 0 ? "wrapper.java.app.jar" : "wrapper.java.app.mainclass");
                if (yjar >= 0 && ymc >= 0)
                        verdict(m, ymc, JSW_IGNORED, NULL, "wrapper.java.app.jar is set too, and is used");
                if (yjar >= 0) {
                        argv_add(m, n_argv, "-jar");
                        *ret_jar_app = true;
                }
                argv_add(m, n_argv, v ? v : "");
                verdict(m, use, JSW_MAPPED, "exec", NULL);
                for (size_t k = 0; k < np; k++)
                        verdict(m, (ssize_t) items[k].index, JSW_MAPPED, "exec", NULL);
                for (size_t k = 0; k < np; k++)
                        argv_add(m, n_argv, params[k]);
                return;
        }

        main = mc >= 0 ? xval(m, mc) : strdup("Main");
        oomf(m, main);
        if (!main)
                return;
        if (streq(main, helper_simple) || streq(main, helper_jar)) {
                bool jar = streq(main, helper_jar);

                if (np == 0) {
                        verdict(m, mc, JSW_UNSUPPORTED, NULL,
                                "%s needs the application's %s as wrapper.app.parameter.1, and there is "
                                "none",
                                jar ? "WrapperJarApp" : "WrapperSimpleApp", jar ? "jar" : "main class");
                        argv_add(m, n_argv, main);
                        return;
                }
                verdict(m, mc, JSW_MAPPED, "exec",
                        "the JVM runs the application's %s directly: no wrapper.jar, no WrapperManager",
                        jar ? "jar (-jar)" : "main class");
                verdict(m, (ssize_t) items[0].index, JSW_MAPPED, "exec", "%s",
                        jar ? "-jar JAR" : "the main class");
                if (jar) {
                        argv_add(m, n_argv, "-jar");
                        *ret_jar_app = true;
                }
                argv_add(m, n_argv, params[0]);
                first = 1;
        } else if (streq(main, helper_startstop)) {
                long n_start = -1;
                size_t stop_at;

                if (np < 2 || !parse_int(params[1], 0, (long) np, &n_start) || (size_t) n_start + 2 > np) {
                        verdict(m, mc, JSW_UNSUPPORTED, NULL,
                                "WrapperStartStopApp's parameters are not START_CLASS N ARG... STOP_CLASS "
                                "WAIT M ARG...");
                        argv_add(m, n_argv, main);
                        first = 0;
                } else {
                        stop_at = 2 + (size_t) n_start;
                        verdict(m, mc, JSW_APPROXIMATED, "exec",
                                "the start class runs directly; its stop class is not run: cgwarden stops "
                                "the "
                                "JVM with SIGTERM (stop_signal), which runs its shutdown hooks");
                        argv_add(m, n_argv, params[0]);
                        verdict(m, (ssize_t) items[0].index, JSW_MAPPED, "exec", "the start class");
                        verdict(m, (ssize_t) items[1].index, JSW_MAPPED, "exec",
                                "the count of the start class's arguments");
                        for (size_t k = 2; k < stop_at; k++) {
                                argv_add(m, n_argv, params[k]);
                                verdict(m, (ssize_t) items[k].index, JSW_MAPPED, "exec", NULL);
                        }
                        for (size_t k = stop_at; k < np; k++)
                                verdict(m, (ssize_t) items[k].index, JSW_APPROXIMATED, NULL,
                                        "WrapperStartStopApp's stop part (%s): not run; cgwarden stops the "
                                        "JVM with SIGTERM and its shutdown hooks",
                                        k == stop_at ? "the stop class" : "its arguments");
                        first = np;
                }
        } else {
                argv_add(m, n_argv, main);
                if (key_has_prefix(main, "org.tanukisoftware."))
                        verdict(m, mc, JSW_APPROXIMATED, "exec",
                                "a class of wrapper.jar: it runs without the Wrapper, as WrapperManager's "
                                "standalone mode (keep wrapper.jar on the classpath)");
                else if (mc >= 0)
                        verdict(m, mc, JSW_MAPPED, "exec",
                                "the application's own main class (a WrapperListener runs standalone)");
        }
        for (size_t k = first; k < np; k++) {
                argv_add(m, n_argv, params[k]);
                verdict(m, (ssize_t) items[k].index, JSW_MAPPED, "exec", NULL);
        }
}

static void build_exec(Imp *m) {
        ssize_t ic = prop(m, "wrapper.java.command");
        _cleanup_free_ SeqItem *items = NULL;
        _cleanup_free_ char *java = NULL;
        size_t n_argv = 0, n;
        bool jar_app;

        java = ic >= 0 ? xval(m, ic) : strdup("java");
        oomf(m, java);
        if (!java)
                return;
        exec_source(m, ic);
        if (!*java) {
                free(java);
                java = strdup("java");
                oomf(m, java);
                verdict(m, ic, JSW_MAPPED, "exec", "empty: java from the PATH");
        } else if (strchr(java, '/') && java[0] != '/') {
                char *a = path_abs(m, m->working_dir, java);
                verdict(m, ic, JSW_MAPPED, "exec", "relative to the working directory: %s", a ? a : "");
                free(java);
                java = a;
        } else if (strchr(java, '/'))
                verdict(m, ic, JSW_MAPPED, "exec", NULL);
        else
                verdict(m, ic, JSW_MAPPED, "exec", "searched in the service's PATH");
        if (!java)
                return;
        argv_add(m, &n_argv, java);

        n = seq(m, "wrapper.java.additional.", &items);
        for (size_t k = 0; k < n; k++) {
                ssize_t i = (ssize_t) items[k].index;
                _cleanup_free_ char *v = seq_value(m, "wrapper.java.additional.", &items[k], "exec");

                exec_source(m, i);
                if (!v)
                        continue;
                if (!*v)
                        verdict(m, i, JSW_IGNORED, NULL, "empty: JSW skips it");
                else if (v[0] != '-' && !(v[0] == '"' && v[1] == '-'))
                        verdict(m, i, JSW_IGNORED, NULL,
                                "JSW skips it: a JVM option starts with '-' (else java takes it for the "
                                "main class)");
                else {
                        argv_add(m, &n_argv, v);
                        verdict(m, i, JSW_MAPPED, "exec", NULL);
                }
        }
        verdict(m, prop(m, "wrapper.java.additional.auto_bits"), JSW_IGNORED, NULL,
                "-d64 is for HP-UX, macOS, Solaris and FreeBSD only");
        build_memory(m, &n_argv);
        build_library_path(m, &n_argv);
        build_classpath(m, &n_argv);
        build_main(m, &n_argv, &jar_app);

        if (jar_app) {
                /* -jar ignores -classpath: WrapperJarApp kept it as its parent
                 * class loader; only wrapper.jar there is harmless to lose */
                const char *cp = NULL;
                for (size_t k = 0; m->argv && m->argv[k + 1]; k++)
                        if (streq(m->argv[k], "-classpath"))
                                cp = m->argv[k + 1];
                for (const char *p = cp; p && *p;) {
                        const char *e = strchrnul(p, ':');
                        size_t len = (size_t) (e - p);
                        bool wrapper_jar = (len >= 11 && memcmp(e - 11, "wrapper.jar", 11) == 0) ||
                                           (len == 2 && p[0] == '.');
                        if (!wrapper_jar) {
                                m->classpath_note =
                                        format(m,
                                               "-jar: the JVM ignores -classpath %s; WrapperJarApp "
                                               "loaded the jar with it as parent: list what the jar "
                                               "needs in its manifest's Class-Path",
                                               cp);
                                break;
                        }
                        p = *e ? e + 1 : e;
                }
        }
}

/* ---- environment, user, umask ---- */

static bool env_value_ok(const char *v) {
        for (const char *p = v; *p; p++)
                if ((unsigned char) *p < ' ' || (p > v && *p == ';' && (p[-1] == ' ' || p[-1] == '\t')))
                        return false;
        return true;
}

/* The environment lines, as "NAME=value" with the line each came from. */
typedef struct EnvItem {
        char *assignment;
        ssize_t line;
} EnvItem;

static size_t build_env(Imp *m, EnvItem **ret) {
        EnvItem *items = NULL;
        size_t n = 0;

        *ret = NULL;
        for (size_t i = 0; i < m->c->n_lines; i++) {
                const JswLine *l = &m->c->lines[i];
                const char *name, *v;
                bool dflt = false, yajsw = false;
                char src = 0;
                EnvItem *t;

                if (l->kind != JSW_LINE_PROPERTY)
                        continue;
                if (key_has_prefix(l->key, "set.default.")) {
                        name = l->key + 12;
                        dflt = true;
                } else if (key_has_prefix(l->key, "set."))
                        name = l->key + 4;
                else if (key_has_prefix(l->key, "wrapper.app.env.")) {
                        name = l->key + 16;
                        yajsw = true;
                } else
                        continue;
                if (prop(m, l->key) != (ssize_t) i)
                        continue; /* a later line sets it again */
                if (yajsw) {
                        _cleanup_free_ char *x = xval(m, (ssize_t) i);
                        v = NULL;
                        if (x) {
                                char *a = format(m, "%s=%s", name, x);
                                if (!a)
                                        continue;
                                t = reallocarray(items, n + 1, sizeof(EnvItem));
                                if (!t) {
                                        free(a);
                                        m->oom = true;
                                        continue;
                                }
                                items = t;
                                items[n++] = (EnvItem){ .assignment = a, .line = (ssize_t) i };
                        }
                        continue;
                }
                v = jsw_lookup(m->c, m->o->builtins, m->o->envp, name, &src);
                if (!v)
                        continue;
                if (dflt && src == 'e')
                        verdict(m, (ssize_t) i, JSW_APPROXIMATED, "environment",
                                "import-jsw's environment has %s, so JSW (started the same way) kept that "
                                "value: "
                                "taken as is",
                                name);
                t = reallocarray(items, n + 1, sizeof(EnvItem));
                if (!t) {
                        m->oom = true;
                        continue;
                }
                items = t;
                items[n].assignment = format(m, "%s=%s", name, v);
                items[n].line = (ssize_t) i;
                if (items[n].assignment)
                        n++;
                /* set.X's value was expanded when it was read: its %NAME%s are noted here */
                free(xval(m, (ssize_t) i));
        }
        *ret = items;
        return n;
}

/* ---- the life cycle ---- */

typedef enum ExitAction {
        EXIT_SHUTDOWN,
        EXIT_RESTART,
} ExitAction;

static int exit_action(const char *v, ExitAction *ret, bool *ret_pause) {
        *ret_pause = false;
        if (strcasecmp(v, "RESTART") == 0)
                *ret = EXIT_RESTART;
        else if (strcasecmp(v, "SHUTDOWN") == 0)
                *ret = EXIT_SHUTDOWN;
        else if (strcasecmp(v, "PAUSE") == 0) {
                /* without wrapper.pausable JSW restarts */
                *ret = EXIT_RESTART;
                *ret_pause = true;
        } else
                return -EINVAL;
        return 0;
}

/* "0 2-142 144-255" from a set of codes (0..255), and signal names. */
static char *exit_set_format(Imp *m, const bool codes[256], const bool signals[65]) {
        char *s = strdup("");

        oomf(m, s);
        for (int c = 0; c < 256 && s; c++) {
                int e = c;
                char *t;

                if (!codes[c])
                        continue;
                while (e + 1 < 256 && codes[e + 1])
                        e++;
                t = e > c ? format(m, "%s%s%d-%d", s, *s ? " " : "", c, e)
                          : format(m, "%s%s%d", s, *s ? " " : "", c);
                free(s);
                s = t;
                c = e;
        }
        for (int sig = 1; sig < 65 && s; sig++) {
                const char *name = sig < SIGRTMIN ? unit_signal_to_string(sig) : NULL;
                char *t;

                if (!signals[sig] || !name)
                        continue;
                t = format(m, "%s%sSIG%s", s, *s ? " " : "", name);
                free(s);
                s = t;
        }
        return s;
}

typedef struct Lifecycle {
        char *restart;
        char *restart_prevent;
        size_t *restart_src;
        size_t n_restart_src;
        char restart_delay[32];
        ssize_t restart_delay_src;
        char start_limit[64];
        char restart_reset_after[32];
        ssize_t limit_src[2];
        char stop_timeout[32];
        ssize_t stop_src[2];
        char start_timeout[32];
        ssize_t start_timeout_src;
        long ping_timeout;
        ssize_t ping_src;
} Lifecycle;

static void add_src(Imp *m, size_t **l, size_t *n, ssize_t i) {
        size_t *t;

        if (i < 0)
                return;
        t = reallocarray(*l, *n + 1, sizeof(size_t));
        if (!t) {
                m->oom = true;
                return;
        }
        *l = t;
        t[(*n)++] = (size_t) i;
}

static void build_restart(Imp *m, Lifecycle *lc) {
        bool codes[256] = {}, signals[65] = {}, written[256] = {};
        ExitAction dflt = EXIT_SHUTDOWN, sig_dflt = EXIT_RESTART, a;
        ssize_t id = prop(m, "wrapper.on_exit.default"), isd = prop(m, "wrapper.on_signal.default");
        ssize_t dis = prop(m, "wrapper.disable_restarts"),
                dis_auto = prop(m, "wrapper.disable_restarts.automatic");
        bool pause, any_shutdown = false;

        if (id >= 0) {
                add_src(m, &lc->restart_src, &lc->n_restart_src, id);
                if (exit_action(val(m, id), &dflt, &pause) < 0)
                        verdict(m, id, JSW_UNSUPPORTED, NULL, "expected RESTART, SHUTDOWN or PAUSE");
                else
                        verdict(m, id, pause ? JSW_APPROXIMATED : JSW_MAPPED, "restart",
                                pause ? "PAUSE: restarted, as JSW does without wrapper.pausable" : NULL);
        }
        for (int c = 0; c < 256; c++)
                codes[c] = dflt == EXIT_SHUTDOWN;
        for (size_t i = 0; i < m->c->n_lines; i++) {
                const JswLine *l = &m->c->lines[i];
                long code;

                if (l->kind != JSW_LINE_PROPERTY || !key_has_prefix(l->key, "wrapper.on_exit.") ||
                    key_is(l->key, "wrapper.on_exit.default"))
                        continue;
                if (prop(m, l->key) != (ssize_t) i)
                        continue;
                add_src(m, &lc->restart_src, &lc->n_restart_src, (ssize_t) i);
                if (!parse_int(l->key + 16, INT_MIN, INT_MAX, &code)) {
                        verdict(m, (ssize_t) i, JSW_UNSUPPORTED, NULL, "not an exit code");
                        continue;
                }
                if (code < 0 || code > 255) {
                        verdict(m, (ssize_t) i, JSW_IGNORED, NULL,
                                "a process's exit code on Linux is 0 to 255: never seen");
                        continue;
                }
                if (exit_action(l->value, &a, &pause) < 0) {
                        verdict(m, (ssize_t) i, JSW_UNSUPPORTED, NULL,
                                "expected RESTART, SHUTDOWN or PAUSE");
                        continue;
                }
                codes[code] = a == EXIT_SHUTDOWN;
                written[code] = true;
                verdict(m, (ssize_t) i, pause ? JSW_APPROXIMATED : JSW_MAPPED,
                        a == EXIT_SHUTDOWN ? "restart_prevent_exit_status" : "restart",
                        pause ? "PAUSE: restarted, as JSW does without wrapper.pausable" : NULL);
        }
        /* 143 is a JVM's exit after SIGTERM: a stop, as the jvm profile's
         * success_exit_status says, unless wrapper.conf says otherwise */
        if (!written[143])
                codes[143] = true;

        /* YAJSW's wrapper.on_signal.<n>: a JVM that died of a signal */
        if (isd >= 0) {
                add_src(m, &lc->restart_src, &lc->n_restart_src, isd);
                if (exit_action(val(m, isd), &sig_dflt, &pause) < 0)
                        verdict(m, isd, JSW_UNSUPPORTED, NULL, "expected RESTART or SHUTDOWN");
                else
                        verdict(m, isd, JSW_MAPPED, "restart_prevent_exit_status", NULL);
        }
        for (int sig = 1; sig < 65; sig++)
                signals[sig] = sig_dflt == EXIT_SHUTDOWN && sig < SIGRTMIN && unit_signal_to_string(sig);
        for (size_t i = 0; i < m->c->n_lines; i++) {
                const JswLine *l = &m->c->lines[i];
                long sig;

                if (l->kind != JSW_LINE_PROPERTY || !key_has_prefix(l->key, "wrapper.on_signal.") ||
                    key_is(l->key, "wrapper.on_signal.default") || prop(m, l->key) != (ssize_t) i)
                        continue;
                add_src(m, &lc->restart_src, &lc->n_restart_src, (ssize_t) i);
                if (!parse_int(l->key + 18, 1, SIGRTMIN - 1, &sig) || !unit_signal_to_string((int) sig) ||
                    exit_action(l->value, &a, &pause) < 0) {
                        verdict(m, (ssize_t) i, JSW_UNSUPPORTED, NULL,
                                "expected wrapper.on_signal.N (a signal number) = RESTART or SHUTDOWN");
                        continue;
                }
                signals[sig] = a == EXIT_SHUTDOWN;
                verdict(m, (ssize_t) i, JSW_MAPPED, "restart_prevent_exit_status", NULL);
        }

        if (is_true(val(m, dis)) || is_true(val(m, dis_auto))) {
                lc->restart = strdup("no");
                oomf(m, lc->restart);
                for (size_t k = 0; k < lc->n_restart_src; k++)
                        overrule(m, lc->restart_src[k], JSW_IGNORED,
                                 "restarts are disabled (wrapper.disable_restarts)");
                verdict(m, dis, JSW_MAPPED, "restart", NULL);
                verdict(m, dis_auto, JSW_MAPPED, "restart", "cgwarden restart NAME still restarts it");
                add_src(m, &lc->restart_src, &lc->n_restart_src, is_true(val(m, dis)) ? dis : dis_auto);
                return;
        }
        verdict(m, dis, JSW_MAPPED, "restart", NULL);
        verdict(m, dis_auto, JSW_MAPPED, "restart", NULL);
        lc->restart = strdup("always");
        oomf(m, lc->restart);
        for (int c = 0; c < 256; c++)
                any_shutdown |= codes[c];
        for (int sig = 1; sig < 65; sig++)
                any_shutdown |= signals[sig];
        if (any_shutdown)
                lc->restart_prevent = exit_set_format(m, codes, signals);
}

static void seconds_key(Imp *m, const char *key, long dflt, long *ret, ssize_t *ret_src) {
        ssize_t i = prop(m, key);

        *ret = dflt;
        *ret_src = i;
        if (i >= 0 && !parse_int(val(m, i), 0, INT_MAX, ret)) {
                verdict(m, i, JSW_UNSUPPORTED, NULL, "not a number of seconds: JSW's default %lds is used",
                        dflt);
                *ret = dflt;
        }
}

static void build_lifecycle(Imp *m, Lifecycle *lc) {
        long delay, n_failed, ok_time, shutdown, jvm_exit, startup;
        ssize_t i;

        build_restart(m, lc);

        seconds_key(m, "wrapper.restart.delay", 5, &delay, &lc->restart_delay_src);
        snprintf(lc->restart_delay, sizeof lc->restart_delay, "%lds", delay);
        verdict(m, lc->restart_delay_src, JSW_MAPPED, "restart_delay restart_delay_max",
                "the same delay before every restart, as JSW");

        seconds_key(m, "wrapper.max_failed_invocations", 5, &n_failed, &lc->limit_src[0]);
        seconds_key(m, "wrapper.successful_invocation_time", 300, &ok_time, &lc->limit_src[1]);
        if (n_failed < 1)
                n_failed = 1;
        snprintf(lc->start_limit, sizeof lc->start_limit, "%ld/%lds", n_failed,
                 n_failed * (ok_time + delay));
        snprintf(lc->restart_reset_after, sizeof lc->restart_reset_after, "%lds", ok_time);
        verdict(m, lc->limit_src[0], JSW_APPROXIMATED, "start_limit",
                "JSW gives up after %ld runs in a row shorter than %lds each; cgwarden after more than %ld "
                "starts within %ld x (%lds + %lds): the same for a JVM that keeps failing early",
                n_failed, ok_time, n_failed, n_failed, ok_time, delay);
        verdict(m, lc->limit_src[1], JSW_APPROXIMATED, "start_limit restart_reset_after",
                "a run this long is a success: it resets the back-off (restart_reset_after) and leaves the "
                "start_limit window");

        seconds_key(m, "wrapper.shutdown.timeout", 30, &shutdown, &lc->stop_src[0]);
        seconds_key(m, "wrapper.jvm_exit.timeout", 15, &jvm_exit, &lc->stop_src[1]);
        if (shutdown == 0 || jvm_exit == 0)
                snprintf(lc->stop_timeout, sizeof lc->stop_timeout, "1d");
        else
                snprintf(lc->stop_timeout, sizeof lc->stop_timeout, "%lds", shutdown + jvm_exit);
        for (int k = 0; k < 2; k++)
                verdict(m, lc->stop_src[k], JSW_APPROXIMATED, "stop_timeout", "%s",
                        shutdown == 0 || jvm_exit == 0
                                ? "0 is never in JSW; cgwarden waits at most stop_timeout = 1d"
                                : "cgwarden sends SIGTERM (the JVM runs its shutdown hooks) and kills "
                                  "after stop_timeout: the sum of JSW's two waits");

        seconds_key(m, "wrapper.startup.timeout", 30, &startup, &lc->start_timeout_src);
        lc->start_timeout[0] = 0;
        if (lc->start_timeout_src >= 0 && startup > 0) {
                snprintf(lc->start_timeout, sizeof lc->start_timeout, "%lds", startup);
                verdict(m, lc->start_timeout_src, JSW_APPROXIMATED, "start_timeout",
                        "cgwarden counts the JVM as started when it runs (ready = exec): start_timeout "
                        "applies "
                        "with ready = notify, when the application sends READY=1");
        } else
                verdict(m, lc->start_timeout_src, JSW_IGNORED, NULL,
                        "0: never times out, as with ready = exec");

        lc->ping_src = prop(m, "wrapper.ping.timeout");
        lc->ping_timeout = 0;
        if (lc->ping_src >= 0 && !parse_int(val(m, lc->ping_src), 0, INT_MAX, &lc->ping_timeout))
                lc->ping_timeout = 30;
        if (lc->ping_src >= 0 && lc->ping_timeout == 0)
                verdict(m, lc->ping_src, JSW_IGNORED, NULL, "0: no ping, nothing to map");
        else
                verdict(m, lc->ping_src, JSW_UNSUPPORTED, NULL,
                        "JSW's ping is answered by wrapper.jar's WrapperManager inside the JVM, and nothing "
                        "answers cgwarden; instead: ready = notify and watchdog = %lds where the "
                        "application "
                        "sends WATCHDOG=1 (sd_notify, or systemd-notify from the JVM); see the commented "
                        "keys",
                        lc->ping_timeout);
        for (i = 0; i < (ssize_t) m->c->n_lines; i++) {
                const JswLine *l = &m->c->lines[i];
                if (l->kind == JSW_LINE_PROPERTY && key_has_prefix(l->key, "wrapper.ping.") &&
                    prop(m, l->key) == i)
                        verdict(m, i,
                                lc->ping_timeout == 0 && lc->ping_src >= 0 ? JSW_IGNORED : JSW_UNSUPPORTED,
                                NULL, "part of JSW's ping (wrapper.ping.timeout)");
        }
}

/* ---- output triggers ---- */

/* A JSW trigger as a POSIX extended regex: a substring, or with
 * allow_wildcards '*' any text and '?' one character. ';' as "[;]" and
 * blanks at the ends as "[ ]": the INI would take them for a comment or
 * strip them. */
static char *trigger_regex(const char *t, bool wildcards) {
        size_t n = strlen(t);
        char *r = malloc(4 * n + 1), *o = r;

        if (!r)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                char c = t[i];

                if (wildcards && c == '*')
                        o = stpcpy(o, ".*");
                else if (wildcards && c == '?')
                        *o++ = '.';
                else if (c == ';' || ((i == 0 || i == n - 1) && (c == ' ' || c == '\t'))) {
                        *o++ = '[';
                        *o++ = c;
                        *o++ = ']';
                } else {
                        if (strchr("\\^$.|?*+()[]{}", c))
                                *o++ = '\\';
                        *o++ = c;
                }
        }
        *o = '\0';
        return r;
}

typedef struct TriggerItem {
        char *value; /* "REGEX => actions" */
        size_t src[3]; /* trigger, action, allow_wildcards */
        size_t n_src;
} TriggerItem;

static size_t build_triggers(Imp *m, TriggerItem **ret) {
        _cleanup_free_ SeqItem *items = NULL;
        TriggerItem *out = NULL;
        size_t n = seq(m, "wrapper.filter.trigger.", &items), n_out = 0;

        *ret = NULL;
        for (size_t k = 0; k < n; k++) {
                ssize_t ti = (ssize_t) items[k].index, ai, wi;
                _cleanup_free_ char *trig = xval(m, ti), *actions = NULL, *re = NULL, *lost = NULL;
                char key[128];
                const char *act;
                bool capture = false, restart = false, stop = false, none_only = true;
                TriggerItem *t;

                snprintf(key, sizeof key, "wrapper.filter.action.%lu", items[k].n);
                ai = prop(m, key);
                snprintf(key, sizeof key, "wrapper.filter.allow_wildcards.%lu", items[k].n);
                wi = prop(m, key);
                snprintf(key, sizeof key, "wrapper.filter.message.%lu", items[k].n);
                verdict(m, prop(m, key), JSW_IGNORED, NULL,
                        "cgwarden logs its own line for each match (Observation log-trigger ... matched: "
                        "LINE)");
                if (!trig)
                        continue;
                if (!*trig) {
                        verdict(m, ti, JSW_IGNORED, NULL, "empty: JSW has no filter for it");
                        verdict(m, ai, JSW_IGNORED, NULL, "its trigger is empty");
                        verdict(m, wi, JSW_IGNORED, NULL, "its trigger is empty");
                        continue;
                }
                act = ai >= 0 ? val(m, ai) : "RESTART";
                /* a list, separated by commas or blanks */
                for (const char *p = act; *p;) {
                        size_t len;
                        char word[32];

                        p += strspn(p, ", \t");
                        len = strcspn(p, ", \t");
                        if (len == 0)
                                break;
                        snprintf(word, sizeof word, "%.*s", (int) MIN(len, sizeof word - 1), p);
                        p += len;
                        if (strcasecmp(word, "RESTART") == 0)
                                capture = restart = true;
                        else if (strcasecmp(word, "SHUTDOWN") == 0)
                                capture = stop = true;
                        else if (strcasecmp(word, "DUMP") == 0)
                                capture = true;
                        else if (strcasecmp(word, "NONE") == 0 || strcasecmp(word, "DEBUG") == 0)
                                continue;
                        else {
                                char *l2 = format(m, "%s%s%s", lost ? lost : "", lost ? ", " : "", word);
                                free(lost);
                                lost = l2;
                                continue;
                        }
                        none_only = false;
                }
                if (!capture) {
                        if (lost)
                                verdict(m, ai >= 0 ? ai : ti, JSW_UNSUPPORTED, NULL,
                                        "%s: no such cgwarden action (there are capture, restart, stop, "
                                        "kill, "
                                        "throttle, notify)",
                                        lost);
                        else
                                verdict(m, ai >= 0 ? ai : ti, k + 1 < n ? JSW_APPROXIMATED : JSW_IGNORED,
                                        NULL, "%s",
                                        k + 1 < n
                                                ? "NONE/DEBUG: in JSW the first filter that matches a line "
                                                  "wins, so this one kept later ones off its lines; "
                                                  "cgwarden "
                                                  "runs every trigger that matches"
                                                : "NONE/DEBUG: nothing to do (cgwarden logs every match)");
                        verdict(m, ti, none_only && !lost ? JSW_IGNORED : JSW_UNSUPPORTED, NULL,
                                "its action does nothing in cgwarden");
                        verdict(m, wi, JSW_IGNORED, NULL, "its filter does nothing in cgwarden");
                        continue;
                }
                re = trigger_regex(trig, is_true(val(m, wi)));
                actions = format(m, "capture%s%s", restart ? " restart" : "", stop ? " stop" : "");
                if (!re || !actions) {
                        m->oom = true;
                        continue;
                }
                t = reallocarray(out, n_out + 1, sizeof(TriggerItem));
                if (!t) {
                        m->oom = true;
                        continue;
                }
                out = t;
                t = &out[n_out];
                *t = (TriggerItem){ .value = format(m, "%s => %s", re, actions) };
                if (!t->value)
                        continue;
                t->src[t->n_src++] = (size_t) ti;
                if (ai >= 0)
                        t->src[t->n_src++] = (size_t) ai;
                if (wi >= 0)
                        t->src[t->n_src++] = (size_t) wi;
                n_out++;
                verdict(m, ti, JSW_MAPPED, "log_trigger", NULL);
                verdict(m, wi, JSW_MAPPED, "log_trigger", NULL);
                if (lost)
                        verdict(m, ai, JSW_APPROXIMATED, "log_trigger",
                                "%s: no such cgwarden action, left out", lost);
                else if (ai >= 0)
                        verdict(m, ai, JSW_MAPPED, "log_trigger", "%s%s", actions,
                                restart || stop ? " (capture first: the evidence is kept)" : "");
        }
        *ret = out;
        return n_out;
}

/* ---- logs ---- */

typedef struct Logs {
        char *log_dir;
        ssize_t log_src;
        char max_size[32];
        ssize_t size_src;
        char keep[24];
        ssize_t keep_src;
} Logs;

/* JSW's log size: bytes, or with k or m (kB, MB). */
static bool parse_jsw_size(const char *v, uint64_t *ret) {
        char *end;
        unsigned long long n;

        errno = 0;
        n = strtoull(v, &end, 10);
        if (errno || end == v)
                return false;
        if (*end == 'k' || *end == 'K')
                n <<= 10, end++;
        else if (*end == 'm' || *end == 'M')
                n <<= 20, end++;
        if (*end)
                return false;
        *ret = n;
        return true;
}

static void build_logs(Imp *m, Logs *lg) {
        ssize_t li = prop(m, "wrapper.logfile"), mi = prop(m, "wrapper.logfile.maxsize"),
                fi = prop(m, "wrapper.logfile.maxfiles"), ri = prop(m, "wrapper.logfile.rollmode");
        _cleanup_free_ char *file = xval(m, li);
        const char *mode = ri >= 0 ? val(m, ri) : "SIZE";
        bool by_size = strcasecmp(mode, "SIZE") == 0 || strcasecmp(mode, "SIZE_OR_WRAPPER") == 0 ||
                       strcasecmp(mode, "SIZE_OR_JVM") == 0;
        uint64_t size = 0;
        long keep = 0;

        lg->log_src = li;
        if (file && *file) {
                _cleanup_free_ char *abs = path_abs(m, m->working_dir, file);
                char *slash = abs ? strrchr(abs, '/') : NULL;

                if (slash) {
                        lg->log_dir = slash == abs ? strdup("/") : strndup(abs, (size_t) (slash - abs));
                        oomf(m, lg->log_dir);
                }
                verdict(m, li, JSW_APPROXIMATED, "log_dir",
                        "cgwarden writes the output to <log_dir>/%s.log (a timestamp and stdout/stderr on "
                        "each "
                        "line, its own notes as 'cgwarden:' lines), in the directory of %s",
                        m->name ? m->name : "NAME", file);
        } else if (li >= 0)
                verdict(m, li, JSW_APPROXIMATED, NULL,
                        "empty: JSW logs to no file; cgwarden always writes <log_dir>/NAME.log");

        lg->size_src = mi;
        lg->max_size[0] = 0;
        if (mi >= 0 && !parse_jsw_size(val(m, mi), &size))
                verdict(m, mi, JSW_UNSUPPORTED, NULL, "not a size (bytes, or with k or m)");
        else if (mi >= 0 && !by_size)
                verdict(m, mi, JSW_IGNORED, NULL,
                        "JSW uses it only when wrapper.logfile.rollmode rolls by size");
        else if (mi >= 0) {
                char b[UNIT_SIZE_MAX];
                if (size == 0) {
                        snprintf(lg->max_size, sizeof lg->max_size, "1T");
                        verdict(m, mi, JSW_APPROXIMATED, "log_max_size",
                                "0 (never roll) in JSW; cgwarden always rolls: at 1T");
                } else {
                        snprintf(lg->max_size, sizeof lg->max_size, "%s", unit_format_size(b, size));
                        verdict(m, mi, JSW_MAPPED, "log_max_size", NULL);
                }
        }

        lg->keep_src = fi;
        lg->keep[0] = 0;
        if (fi >= 0 && !parse_int(val(m, fi), 0, INT_MAX, &keep))
                verdict(m, fi, JSW_UNSUPPORTED, NULL, "not a number of files");
        else if (fi >= 0) {
                snprintf(lg->keep, sizeof lg->keep, "%ld", keep == 0 || keep > 1000 ? 1000 : keep);
                verdict(m, fi, keep == 0 || keep > 1000 ? JSW_APPROXIMATED : JSW_MAPPED, "log_keep",
                        keep == 0 || keep > 1000 ? "cgwarden keeps at most 1000 rolled files" : NULL);
        }

        if (ri >= 0) {
                if (strcasecmp(mode, "SIZE") == 0)
                        verdict(m, ri, JSW_MAPPED, "log_max_size", NULL);
                else if (by_size)
                        verdict(m, ri, JSW_APPROXIMATED, "log_max_size",
                                "cgwarden rolls by size only, not also when %s starts",
                                strcasecmp(mode, "SIZE_OR_JVM") == 0 ? "a JVM" : "the Wrapper");
                else if (strcasecmp(mode, "NONE") == 0 || strcasecmp(mode, "WRAPPER") == 0 ||
                         strcasecmp(mode, "JVM") == 0 || strcasecmp(mode, "DATE") == 0) {
                        if (!lg->max_size[0])
                                snprintf(lg->max_size, sizeof lg->max_size, "1T");
                        verdict(m, ri, JSW_APPROXIMATED, "log_max_size",
                                "cgwarden rolls by size only (log_max_size = %s): not %s; every start is a "
                                "'cgwarden: started' line in the one log",
                                lg->max_size,
                                strcasecmp(mode, "DATE") == 0   ? "by date"
                                : strcasecmp(mode, "NONE") == 0 ? "never"
                                                                : "at each start");
                } else
                        verdict(m, ri, JSW_UNSUPPORTED, NULL,
                                "expected NONE, SIZE, WRAPPER, JVM, SIZE_OR_WRAPPER, SIZE_OR_JVM or DATE");
        }
}

/* ---- the other keys ---- */

typedef struct KnownKey {
        const char *name; /* a key, or a prefix ending in '.' or '_' */
        JswVerdict verdict;
        const char *why;
} KnownKey;

static const KnownKey known_keys[] = {
        { "wrapper.ntservice.", JSW_IGNORED, "a Windows service setting: cgwarden runs under systemd" },
        { "wrapper.daemon.", JSW_IGNORED,
          "JSW's daemon scripts: cgwarden runs under systemd (systemctl enable)" },
        { "wrapper.daemonize", JSW_IGNORED, "cgwarden runs in the foreground under systemd" },
        { "wrapper.pidfile", JSW_IGNORED, "no pid files: cgwarden status NAME --json has the pid" },
        { "wrapper.java.pidfile", JSW_IGNORED, "no pid files: cgwarden status NAME --json has the pid" },
        { "wrapper.java.idfile", JSW_IGNORED, "no id files: cgwarden status NAME --json" },
        { "wrapper.anchorfile", JSW_IGNORED, "no anchor file: cgwarden stop NAME" },
        { "wrapper.lockfile", JSW_IGNORED, "one cgwarden per service is enforced by a lock on its cgroup" },
        { "wrapper.statusfile", JSW_IGNORED, "no status files: cgwarden status NAME" },
        { "wrapper.java.statusfile", JSW_IGNORED, "no status files: cgwarden status NAME" },
        { "wrapper.commandfile", JSW_IGNORED, "no command file: cgwarden start|stop|restart|capture NAME" },
        { "wrapper.console.", JSW_IGNORED,
          "the console's format and level: cgwarden writes the output whole" },
        { "wrapper.logfile.loglevel", JSW_IGNORED,
          "cgwarden writes the service's output whole; its own level is CGWARDEN_LOG_LEVEL" },
        { "wrapper.logfile.format", JSW_IGNORED,
          "cgwarden's format: a UTC timestamp and the stream on each line" },
        { "wrapper.logfile.", JSW_IGNORED, "a detail of JSW's log file" },
        { "wrapper.syslog.", JSW_IGNORED, "cgwarden's own messages go to the journal under systemd" },
        { "wrapper.java.command.loglevel", JSW_IGNORED,
          "the command line is in the imported exec (and cgwarden's start line)" },
        { "wrapper.java.command.", JSW_IGNORED, "YAJSW's search for a JVM on Windows" },
        { "wrapper.debug", JSW_IGNORED, "JSW's debug output; cgwarden's is CGWARDEN_LOG_LEVEL=debug" },
        { "wrapper.name", JSW_IGNORED, "the service's name is the section's (--name)" },
        { "wrapper.displayname", JSW_IGNORED, "a display name: none in cgwarden" },
        { "wrapper.description", JSW_IGNORED, "a description: put it in the systemd unit" },
        { "wrapper.license.", JSW_IGNORED, "JSW's license" },
        { "wrapper.lang", JSW_IGNORED, "JSW's own messages' language" },
        { "wrapper.port", JSW_IGNORED, "the Wrapper-JVM socket: there is none" },
        { "wrapper.jvm.port", JSW_IGNORED, "the Wrapper-JVM socket: there is none" },
        { "wrapper.key", JSW_IGNORED, "the Wrapper-JVM socket: there is none" },
        { "wrapper.backend.", JSW_IGNORED, "the Wrapper-JVM connection: there is none" },
        { "wrapper.cpu.timeout", JSW_IGNORED, "JSW's timer check: cgwarden's timers are the kernel's" },
        { "wrapper.timer_", JSW_IGNORED, "JSW's timer thread" },
        { "wrapper.use_system_time", JSW_IGNORED, "JSW's timer thread" },
        { "wrapper.java.detect_debug_jvm", JSW_IGNORED,
          "cgwarden has no ping timeouts to suspend for a debugger" },
        { "wrapper.single_invocation", JSW_IGNORED,
          "one cgwarden per service is enforced by a lock on its cgroup" },
        { "wrapper.restart.reload_configuration", JSW_IGNORED,
          "cgwarden reload (SIGHUP) re-reads the configuration" },
        { "wrapper.umask", JSW_IGNORED, "the Wrapper's own files; the JVM's is wrapper.java.umask" },
        { "wrapper.tray", JSW_IGNORED, "a desktop tray icon" },
        { "wrapper.app.password", JSW_IGNORED, "cgwarden runs the service as user = without a password" },
        { "wrapper.ignore_signals", JSW_IGNORED, "cgwarden stops the service with stop_signal" },
        { "wrapper.java.nohup", JSW_IGNORED,
          "the service is in its own session: a hangup does not reach it" },
        { "wrapper.tmp.path", JSW_IGNORED, "YAJSW's temporary files" },
        { "wrapper.java.customProcName", JSW_IGNORED, "a Windows process name" },
        { "wrapper.java.additional_file", JSW_UNSUPPORTED,
          "a file of JVM options is not read: list them as wrapper.java.additional.<n> and import again" },
        { "wrapper.app.parameter_file", JSW_UNSUPPORTED,
          "a file of application parameters is not read: list them as wrapper.app.parameter.<n> and import "
          "again" },
        { "wrapper.java.classpath.use_environment", JSW_UNSUPPORTED,
          "the CLASSPATH of JSW's environment is not added: add its entries as wrapper.java.classpath.<n>" },
        { "wrapper.request_thread_dump_on_failed_jvm_exit", JSW_UNSUPPORTED,
          "no thread dump when a JVM does not stop in time: take one with cgwarden capture NAME first" },
        { "wrapper.check.deadlock", JSW_UNSUPPORTED,
          "no deadlock check: a capture's threads.txt shows a Java-level deadlock (HotSpot prints it in "
          "Thread.print)" },
        { "wrapper.event.", JSW_UNSUPPORTED,
          "JSW's event commands and mails: cgwarden's notify action runs notify_exec for its events" },
        { "wrapper.startup.delay", JSW_UNSUPPORTED,
          "no delay before the first start: use systemd's ordering (After=) or ExecStartPre=" },
        { "wrapper.pausable", JSW_UNSUPPORTED, "no paused state: cgwarden stop NAME / start NAME" },
        { "wrapper.java.version.", JSW_UNSUPPORTED,
          "no Java version check: cgwarden runs the java of exec" },
        { "wrapper.filter.script.", JSW_UNSUPPORTED,
          "YAJSW's scripts on output: use log_trigger with notify and notify_exec" },
        { "wrapper.groovy", JSW_UNSUPPORTED,
          "a Groovy script is no java command line: write exec yourself" },
        { "wrapper.image", JSW_UNSUPPORTED, "YAJSW's native executable: write exec = the program" },
};

static void classify_rest(Imp *m) {
        for (size_t i = 0; i < m->c->n_lines; i++) {
                const JswLine *l = &m->c->lines[i];
                ssize_t last;

                if (m->st[i].set)
                        continue;
                switch (l->kind) {
                case JSW_LINE_INCLUDE:
                        if (l->include_result == 0)
                                verdict(m, (ssize_t) i, l->include_beside ? JSW_APPROXIMATED : JSW_MAPPED,
                                        NULL,
                                        l->include_beside ? "read from next to the including file, as it is "
                                                            "not in JSW's "
                                                            "working directory %s"
                                                          : "read: %s",
                                        l->include_beside ? m->o->base_dir : l->include_path);
                        else if (l->include_result == -ELOOP)
                                verdict(m, (ssize_t) i, JSW_IGNORED, NULL,
                                        "a loop: %s is being read already (JSW would read it again, up to "
                                        "10 deep)",
                                        strna(l->include_path));
                        else if (l->include_result == -EMLINK)
                                verdict(m, (ssize_t) i, JSW_IGNORED, NULL,
                                        "includes nest 10 deep at most: JSW skips it too");
                        else if (l->include_required)
                                verdict(m, (ssize_t) i, JSW_UNSUPPORTED, NULL,
                                        "cannot read %s (%s): JSW would not start", strna(l->include_path),
                                        strerror(-l->include_result));
                        else
                                verdict(m, (ssize_t) i, JSW_IGNORED, NULL,
                                        "cannot read %s (%s): JSW skips it too", strna(l->include_path),
                                        strerror(-l->include_result));
                        continue;
                case JSW_LINE_DIRECTIVE:
                        verdict(m, (ssize_t) i, JSW_IGNORED, NULL,
                                "a directive of JSW's reader (the file is read as UTF-8)");
                        continue;
                case JSW_LINE_MALFORMED:
                        verdict(m, (ssize_t) i, JSW_IGNORED, NULL, "no '=': JSW skips the line");
                        continue;
                default:
                        break;
                }
                last = prop(m, l->key);
                if (last != (ssize_t) i) {
                        verdict(m, (ssize_t) i, JSW_IGNORED, NULL, "set again at %s:%u, which counts",
                                m->c->lines[last].file, m->c->lines[last].line);
                        continue;
                }
                for (size_t k = 0; k < ELEMENTSOF(known_keys); k++) {
                        const char *n = known_keys[k].name;
                        size_t len = strlen(n);
                        bool prefix = n[len - 1] == '.' || n[len - 1] == '_';

                        if (prefix ? key_has_prefix(l->key, n)
                                   : key_is(l->key, n) ||
                                             (key_has_prefix(l->key, n) && l->key[len] == '.')) {
                                verdict(m, (ssize_t) i, known_keys[k].verdict, NULL, "%s",
                                        known_keys[k].why);
                                break;
                        }
                }
                if (m->st[i].set)
                        continue;
                if (key_has_prefix(l->key, "wrapper.filter.") || strcasestr(l->key, ".stripquotes"))
                        verdict(m, (ssize_t) i, JSW_IGNORED, NULL,
                                "its numbered entry is not used (missing, or after a gap)");
                else if (key_has_prefix(l->key, "wrapper."))
                        verdict(m, (ssize_t) i, JSW_UNSUPPORTED, NULL,
                                "a key import-jsw does not know: see what it does in JSW's documentation");
                else
                        verdict(m, (ssize_t) i, JSW_IGNORED, NULL,
                                "not a Wrapper property: JSW does nothing with it");
        }
}

/* ---- the INI ---- */

/* Control characters as '?': a comment stays one line, a report line one
 * line. In place. */
static char *clean(char *s) {
        for (char *p = s; p && *p; p++)
                if ((unsigned char) *p < ' ' || *p == 0x7f)
                        *p = '?';
        return s;
}

static void show_value(FILE *f, const char *key, const char *v) {
        size_t n = 0;

        if (strcasestr(key, "password")) {
                fputs("(hidden)", f);
                return;
        }
        for (const unsigned char *p = (const unsigned char *) v; *p && n < VALUE_SHOWN_MAX; p++, n++)
                fputc(*p < ' ' || *p == 0x7f ? '?' : *p, f);
        if (strlen(v) > VALUE_SHOWN_MAX)
                fputs("...", f);
}

static void out_source(Imp *m, size_t i) {
        const JswLine *l = &m->c->lines[i];

        fprintf(m->f, "; %s:%u: %s", l->file, l->line, l->key);
        if (l->kind == JSW_LINE_PROPERTY) {
                fputc('=', m->f);
                show_value(m->f, l->key, l->value);
        } else if (l->value[0]) {
                fputc(' ', m->f);
                show_value(m->f, l->key, l->value);
        }
        fputc('\n', m->f);
}

/* "; " and text, cut at blanks into lines of about 76 columns. */
_printf_(2, 3) static void out_comment(Imp *m, const char *fmt, ...) {
        _cleanup_free_ char *s = NULL;
        va_list ap;

        va_start(ap, fmt);
        s = vformat(fmt, ap);
        va_end(ap);
        if (!s) {
                m->oom = true;
                return;
        }
        clean(s);
        for (const char *p = s; *p;) {
                size_t len = strlen(p), cut = len;

                if (len > 74) {
                        cut = 74;
                        while (cut > 20 && p[cut] != ' ')
                                cut--;
                        if (p[cut] != ' ')
                                cut = 74;
                }
                fprintf(m->f, "; %.*s\n", (int) cut, p);
                p += cut;
                while (*p == ' ')
                        p++;
        }
}

/* What cgwarden's INI reader would not read back as written: a control
 * character, a blank before ';' (a comment), blanks at the ends
 * (stripped), a line longer than 64 KiB. NULL when none. */
static const char *ini_value_problem(const char *key, const char *value) {
        size_t n = strlen(value);

        if (strlen(key) + 3 + n >= INI_LINE_MAX)
                return "longer than a line of cgwarden's configuration (64 KiB)";
        if (n > 0 && (value[0] == ' ' || value[0] == '\t' || value[n - 1] == ' ' || value[n - 1] == '\t'))
                return "blanks at its ends would be stripped";
        for (const char *p = value; *p; p++) {
                if ((unsigned char) *p < ' ' || *p == 0x7f)
                        return "it has a control character";
                /* "key = value": the first character follows a blank too */
                if (*p == ';' && (p == value || p[-1] == ' ' || p[-1] == '\t'))
                        return "a ';' after a blank starts a comment in cgwarden's configuration";
        }
        return NULL;
}

/* key = value, checked by the key's own parser first: a value cgwarden
 * refuses is written commented out, and its lines are unsupported. */
static void out_key(Imp *m, const char *key, const char *value, const size_t *src, size_t n_src) {
        _cleanup_free_ char *err = NULL;
        const char *problem = ini_value_problem(key, value);
        int r = 0;

        for (size_t k = 0; k < n_src; k++)
                out_source(m, src[k]);
        if (problem) {
                r = -EINVAL;
                err = strdup(problem);
        } else if (!streq(key, "log_dir"))
                r = service_config_set(m->scratch, key, value, &err);
        else if (value[0] != '/')
                r = -EINVAL;
        if (r == -ENOMEM) {
                m->oom = true;
                return;
        }
        if (r < 0) {
                fprintf(m->f, "; not valid in cgwarden: %s\n; %s = ", err ? clean(err) : "invalid value",
                        key);
                show_value(m->f, key, value);
                fputc('\n', m->f);
                for (size_t k = 0; k < n_src; k++)
                        overrule(m, src[k], JSW_UNSUPPORTED, "%s = %s is not valid in cgwarden: %s", key,
                                 value, err ? err : "invalid value");
                return;
        }
        fprintf(m->f, "%s = %s\n", key, value);
}

static void out_blank(Imp *m) {
        fputc('\n', m->f);
}

static void service_name(Imp *m) {
        const char *n = m->o->name;
        _cleanup_free_ char *dir = NULL, *buf = NULL;
        ssize_t i = prop(m, "wrapper.ntservice.name");

        if (!n && i >= 0 && *val(m, i)) {
                buf = xval(m, i);
                n = buf;
                verdict(m, i, JSW_MAPPED, "[service:NAME]", NULL);
        }
        if (!n) {
                /* <app>/conf/wrapper.conf: the application's directory */
                const char *p = m->o->conf_path;
                char *slash;

                dir = realpath(p, NULL);
                if (!dir)
                        dir = strdup(p);
                oomf(m, dir);
                for (int k = 0; dir && k < 4; k++) {
                        const char *last;

                        slash = strrchr(dir, '/');
                        last = slash ? slash + 1 : dir;
                        if (*last && !streq(last, "conf") && !streq(last, "wrapper.conf") &&
                            !streq(last, "etc") && !streq(last, "bin") && !streq(last, "..") &&
                            !streq(last, ".")) {
                                n = last;
                                if (k == 0) {
                                        /* app.conf: its name without .conf */
                                        char *dot = strrchr(last, '.');
                                        if (dot && dot != last)
                                                *dot = '\0';
                                }
                                break;
                        }
                        if (!slash)
                                break;
                        *slash = '\0';
                }
                if (!n)
                        n = "jsw";
        }
        m->name = strndup(n, 64);
        oomf(m, m->name);
        if (!m->name)
                return;
        for (char *p = m->name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                      strchr("_.-", *p)))
                        *p = '_';
        if (m->name[0] == '.' || !m->name[0]) {
                free(m->name);
                m->name = strdup("jsw");
                oomf(m, m->name);
        }
}

static void render(Imp *m, const EnvItem *env, size_t n_env, const Lifecycle *lc, const TriggerItem *trig,
                   size_t n_trig, const Logs *lg) {
        _cleanup_free_ char *exec = NULL;
        ssize_t i;
        JvmFlags jf;
        char b[64];

        if (!m->argv || exec_join(m->argv, &exec) < 0) {
                m->oom = true;
                return;
        }
        out_comment(m, "cgwarden configuration imported from %s by cgwarden import-jsw.", m->o->conf_path);
        fprintf(m->f, "; Above each key: the wrapper.conf lines it comes from. \"cgwarden:\" marks what\n"
                      "; cgwarden adds that JSW lacked. Check it with: cgwarden check FILE\n");
        if (!m->working_dir_written)
                out_comment(m,
                            "JSW's working directory is taken as %s (where its shell script starts it): "
                            "relative paths below are relative to it.",
                            m->o->base_dir);
        out_blank(m);

        if (lg->log_dir) {
                fputs("[supervisor]\n", m->f);
                out_key(m, "log_dir", lg->log_dir, (size_t[]){ (size_t) lg->log_src }, 1);
                out_blank(m);
        }

        fprintf(m->f, "[service:%s]\n", m->name);
        out_comment(m, "JSW's command line, without its own -Dwrapper.* properties and helper class:");
        for (size_t k = 0; k < m->n_exec_src; k++)
                out_source(m, m->exec_src[k]);
        if (m->classpath_note)
                out_comment(m, "%s", m->classpath_note);
        out_key(m, "exec", exec, NULL, 0);
        i = prop(m, "wrapper.working.dir");
        out_key(m, "working_dir", m->working_dir, i >= 0 ? (size_t[]){ (size_t) i } : NULL, i >= 0);

        i = prop(m, "wrapper.app.account");
        if (i >= 0) {
                _cleanup_free_ char *v = xval(m, i);
                char *bs = v ? strrchr(v, '\\') : NULL;

                if (bs) {
                        /* YAJSW: GROUP\USER, written GROUP\\USER (its reader unescapes) */
                        char *e = bs;
                        while (e > v && e[-1] == '\\')
                                e--;
                        *e = '\0';
                        out_key(m, "user", bs + 1, (size_t[]){ (size_t) i }, 1);
                        out_key(m, "group", v, NULL, 0);
                } else if (v)
                        out_key(m, "user", v, (size_t[]){ (size_t) i }, 1);
                verdict(m, i, JSW_MAPPED, bs ? "user group" : "user", NULL);
        } else
                out_comment(m,
                            "user = ...  (JSW ran as whoever started it: RUN_AS_USER in its shell script; "
                            "without user = cgwarden runs the service as root)");

        for (size_t k = 0; k < n_env; k++) {
                if (!env_value_ok(env[k].assignment)) {
                        overrule(m, (size_t) env[k].line, JSW_UNSUPPORTED,
                                 "the value has a control character or a ' ;' (an INI comment): set it in "
                                 "the "
                                 "systemd unit's Environment= instead");
                        continue;
                }
                verdict(m, env[k].line, JSW_MAPPED, "environment", NULL);
                out_key(m, "environment", env[k].assignment, (size_t[]){ (size_t) env[k].line }, 1);
        }
        if (n_env > 0)
                out_comment(m,
                            "cgwarden run starts the service in a clean environment (PATH, LANG, TZ and the "
                            "above), not in the environment cgwarden was started in, as JSW did.");

        i = prop(m, "wrapper.java.umask");
        if (i >= 0) {
                _cleanup_free_ char *v = xval(m, i);
                verdict(m, i, JSW_MAPPED, "umask", NULL);
                if (v)
                        out_key(m, "umask", v, (size_t[]){ (size_t) i }, 1);
        }
        out_blank(m);

        out_comment(
                m,
                "cgwarden: the stock jvm profile: the JVM starts with its attach listener and NMT, and is "
                "captured (threads, NMT, heap, memory map) before an OOM kill, at its task limit, and on "
                "OutOfMemoryError.");
        out_key(m, "profile", "jvm", NULL, 0);
        jvm_flags_init(&jf);
        (void) jvm_flags_parse_argv(m->argv, &jf);
        if (jf.max_heap != UINT64_MAX) {
                uint64_t direct = jf.max_direct != UINT64_MAX ? jf.max_direct : jf.max_heap;
                uint64_t total = jf.max_heap + direct + NATIVE_ALLOWANCE_BYTES;
                uint64_t mib = (total + (UINT64_C(64) << 20) - 1) / (UINT64_C(64) << 20) * 64;
                char h[UNIT_SIZE_MAX], d[UNIT_SIZE_MAX];

                out_comment(m,
                            "cgwarden: a memory limit, as JSW had none: the heap (%s) + the direct buffers "
                            "(%s%s) + 256M for metaspace, code cache, thread stacks and GC. The jvm profile "
                            "captures at 85%% of it; its memory_high (the cgroup v2 guard) is 90%%.",
                            unit_format_size(h, jf.max_heap), unit_format_size(d, direct),
                            jf.max_direct != UINT64_MAX
                                    ? ""
                                    : ", MaxDirectMemorySize, by default the heap's size");
                snprintf(b, sizeof b, "%" PRIu64 "M", mib);
                out_key(m, "memory_max", b, NULL, 0);
        } else
                out_comment(
                        m,
                        "cgwarden: memory_max = ...  (no -Xmx: the JVM takes a quarter of the memory limit, "
                        "or of the host; set both, the limit with room for native memory above the heap)");
        out_comment(m, "cgwarden: a task limit (threads count): a thread leak is captured at 90%% of it.");
        snprintf(b, sizeof b, "%d", IMPORT_PIDS_MAX);
        out_key(m, "pids_max", b, NULL, 0);
        out_blank(m);

        out_comment(
                m,
                "The life cycle: JSW restarts a JVM that crashed (died of a signal) and, for an exit code, "
                "does what wrapper.on_exit.<n> says (default SHUTDOWN). Exit code 143 (the JVM's after "
                "SIGTERM) is a stop unless wrapper.on_exit.143 says otherwise.");
        out_key(m, "restart", lc->restart ? lc->restart : "always", lc->restart_src, lc->n_restart_src);
        if (lc->restart_prevent && !streq(lc->restart ? lc->restart : "", "no"))
                out_key(m, "restart_prevent_exit_status", lc->restart_prevent, NULL, 0);
        if (lc->restart_delay_src < 0)
                out_comment(m, "JSW's default wrapper.restart.delay (5 s):");
        out_key(m, "restart_delay", lc->restart_delay,
                lc->restart_delay_src >= 0 ? (size_t[]){ (size_t) lc->restart_delay_src } : NULL,
                lc->restart_delay_src >= 0);
        out_comment(m, "cgwarden doubles the delay after each failure up to restart_delay_max: kept "
                       "constant, as JSW.");
        out_key(m, "restart_delay_max", lc->restart_delay, NULL, 0);
        if (lc->limit_src[0] < 0 && lc->limit_src[1] < 0)
                out_comment(m, "JSW's defaults: wrapper.max_failed_invocations=5, "
                               "wrapper.successful_invocation_time=300:");
        for (int k = 0; k < 2; k++)
                if (lc->limit_src[k] >= 0)
                        out_source(m, (size_t) lc->limit_src[k]);
        out_key(m, "start_limit", lc->start_limit, NULL, 0);
        out_key(m, "restart_reset_after", lc->restart_reset_after, NULL, 0);
        if (lc->stop_src[0] < 0 && lc->stop_src[1] < 0)
                out_comment(m, "JSW's defaults: wrapper.shutdown.timeout=30 + wrapper.jvm_exit.timeout=15:");
        for (int k = 0; k < 2; k++)
                if (lc->stop_src[k] >= 0)
                        out_source(m, (size_t) lc->stop_src[k]);
        out_key(m, "stop_timeout", lc->stop_timeout, NULL, 0);
        if (lc->start_timeout[0])
                out_key(m, "start_timeout", lc->start_timeout, (size_t[]){ (size_t) lc->start_timeout_src },
                        1);
        if (lc->ping_src < 0 || lc->ping_timeout > 0) {
                if (lc->ping_src >= 0)
                        out_source(m, (size_t) lc->ping_src);
                out_comment(
                        m,
                        "JSW pinged the JVM through wrapper.jar (every 5 s, %lds timeout); nothing answers "
                        "cgwarden. Where the application can send sd_notify WATCHDOG=1 (and READY=1), use:",
                        lc->ping_timeout > 0 ? lc->ping_timeout : 30);
                fprintf(m->f, "; ready = notify\n; watchdog = %lds\n",
                        lc->ping_timeout > 0 ? lc->ping_timeout : 30);
        }
        if (n_trig > 0) {
                out_blank(m);
                out_comment(
                        m,
                        "JSW's output filters: a substring (or a wildcard pattern) as a regular expression. "
                        "JSW acts on the first filter that matches a line; cgwarden on every trigger that "
                        "matches. RESTART and SHUTDOWN capture first.");
        }
        for (size_t k = 0; k < n_trig; k++)
                out_key(m, "log_trigger", trig[k].value, trig[k].src, trig[k].n_src);
        if (lg->max_size[0] || lg->keep[0])
                out_blank(m);
        if (lg->max_size[0]) {
                size_t src[2], n = 0;
                ssize_t r = prop(m, "wrapper.logfile.rollmode");
                if (lg->size_src >= 0)
                        src[n++] = (size_t) lg->size_src;
                if (r >= 0)
                        src[n++] = (size_t) r;
                out_key(m, "log_max_size", lg->max_size, src, n);
        }
        if (lg->keep[0])
                out_key(m, "log_keep", lg->keep, (size_t[]){ (size_t) lg->keep_src }, 1);
}

/* ---- the whole ---- */

void jsw_import_done(JswImport *r) {
        if (!r)
                return;
        free(r->ini);
        free(r->name);
        for (size_t i = 0; i < r->n_entries; i++)
                free(r->entries[i].text);
        free(r->entries);
        *r = (JswImport){};
}

static char *entry_text(Imp *m, size_t i) {
        const JswLine *l = &m->c->lines[i];
        LineState *s = &m->st[i];
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fputs(l->key, f);
        if (l->kind == JSW_LINE_PROPERTY) {
                fputc('=', f);
                show_value(f, l->key, l->value);
        } else if (l->value[0]) {
                fputc(' ', f);
                show_value(f, l->key, l->value);
        }
        if (s->target && (s->v == JSW_MAPPED || s->v == JSW_APPROXIMATED))
                fprintf(f, " -> %s", s->target);
        if (s->why)
                fprintf(f, ": %s", s->why);
        if (s->unresolved && s->unresolved[0] == '(')
                fprintf(f, "%sits value is longer than 64K once its %%NAME%%s are expanded: kept as written",
                        s->why ? "; " : ": ");
        else if (s->unresolved)
                fprintf(f,
                        "%s%%%s%% has no value here (JSW took it from its environment at each start): set "
                        "%s "
                        "when running import-jsw, or edit the result",
                        s->why ? "; " : ": ", s->unresolved, s->unresolved);
        else if (s->from_environ)
                fprintf(f,
                        "%sa %%NAME%% took its value from import-jsw's environment, not JSW's at each start",
                        s->why ? "; " : ": ");
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return clean(buf);
}

int jsw_import(const JswConf *c, const JswImportOptions *o, JswImport *ret) {
        _cleanup_(service_config_freep) ServiceConfig *scratch = NULL;
        Imp m = { .c = c, .o = o };
        EnvItem *env = NULL;
        TriggerItem *trig = NULL;
        Lifecycle lc = { .restart_delay_src = -1 };
        Logs lg = {};
        size_t n_env, n_trig;
        JswImport r = {};
        int k = 0;

        scratch = service_config_new("import");
        m.st = calloc(c->n_lines + 1, sizeof(LineState));
        if (!scratch || !m.st || build_key_index(&m) < 0) {
                free(m.st);
                free(m.keys);
                return -ENOMEM;
        }
        m.scratch = scratch;
        m.f = open_memstream(&m.buf, &m.size);
        if (!m.f) {
                free(m.st);
                free(m.keys);
                return -ENOMEM;
        }

        service_name(&m);
        verdict(&m, prop(&m, "wrapper.ignore_sequence_gaps"), JSW_MAPPED, NULL,
                "how the numbered keys are read (gaps allowed when TRUE)");
        build_working_dir(&m);
        build_exec(&m);
        n_env = build_env(&m, &env);
        build_lifecycle(&m, &lc);
        n_trig = build_triggers(&m, &trig);
        build_logs(&m, &lg);
        render(&m, env, n_env, &lc, trig, n_trig, &lg);
        classify_rest(&m);

        if (fclose(m.f) != 0)
                m.oom = true;
        m.f = NULL;

        /* the verdicts, one per line: a %NAME% without a value loses what
         * the line says; one from import-jsw's environment is a guess */
        r.entries = calloc(c->n_lines + 1, sizeof(JswReportEntry));
        if (!r.entries)
                m.oom = true;
        for (size_t i = 0; i < c->n_lines && !m.oom; i++) {
                LineState *s = &m.st[i];
                JswReportEntry *e = &r.entries[r.n_entries];

                if (s->unresolved && s->v != JSW_IGNORED)
                        s->v = JSW_UNSUPPORTED;
                else if (s->from_environ && s->v == JSW_MAPPED)
                        s->v = JSW_APPROXIMATED;
                e->line = &c->lines[i];
                e->verdict = s->v;
                e->text = entry_text(&m, i);
                if (!e->text) {
                        m.oom = true;
                        break;
                }
                r.count[e->verdict]++;
                r.n_entries++;
        }

        if (m.oom)
                k = -ENOMEM;
        else {
                r.ini = TAKE_PTR(m.buf);
                r.name = TAKE_PTR(m.name);
                *ret = r;
                r = (JswImport){};
        }
        jsw_import_done(&r);
        for (size_t i = 0; i < c->n_lines; i++) {
                free(m.st[i].target);
                free(m.st[i].why);
                free(m.st[i].unresolved);
        }
        free(m.st);
        free(m.keys);
        free(m.buf);
        free(m.name);
        free(m.working_dir);
        strv_free(m.argv);
        free(m.exec_src);
        free(m.classpath_note);
        for (size_t i = 0; i < n_env; i++)
                free(env[i].assignment);
        free(env);
        for (size_t i = 0; i < n_trig; i++)
                free(trig[i].value);
        free(trig);
        free(lc.restart);
        free(lc.restart_prevent);
        free(lc.restart_src);
        free(lg.log_dir);
        return k;
}

char *jsw_report_line(const JswReportEntry *e) {
        char *s;

        if (asprintf(&s, "%s:%u: %s: %s", e->line->file, e->line->line, jsw_verdict_to_string(e->verdict),
                     e->text) < 0)
                return NULL;
        return s;
}

char **jsw_builtins(const char *base_dir, const char *conf_dir) {
        _cleanup_strv_free_ char **l = NULL;
        size_t n = 0;
        char host[256] = "";
        const char *fixed[] = {
                "WRAPPER_OS=linux",          "WRAPPER_ARCH=x86",         "WRAPPER_BITS=64",
                "WRAPPER_FILE_SEPARATOR=/",  "WRAPPER_PATH_SEPARATOR=:", "WRAPPER_LANG=en",
                "WRAPPER_EDITION=community",
        };

        for (size_t i = 0; i < ELEMENTSOF(fixed); i++)
                if (push(&l, &n, fixed[i]) < 0)
                        return NULL;
        (void) gethostname(host, sizeof host - 1);
        for (const char *const *k =
                     (const char *const[]){ "WRAPPER_BIN_DIR", "WRAPPER_WORKING_DIR", "WRAPPER_CONF_DIR",
                                            "WRAPPER_HOSTNAME", "WRAPPER_HOST_NAME", NULL };
             *k; k++) {
                _cleanup_free_ char *a = NULL;
                const char *v = streq(*k, "WRAPPER_CONF_DIR") ? conf_dir
                                : strstr(*k, "HOST")          ? host
                                                              : base_dir;
                if (asprintf(&a, "%s=%s", *k, v) < 0 || push(&l, &n, a) < 0)
                        return NULL;
        }
        return TAKE_PTR(l);
}

char *jsw_guess_base_dir(const char *conf_dir) {
        _cleanup_free_ char *bin = NULL;
        struct stat st;

        if (asprintf(&bin, "%s/../bin", conf_dir) < 0)
                return NULL;
        if (stat(bin, &st) == 0 && S_ISDIR(st.st_mode))
                return realpath(bin, NULL);
        return strdup(conf_dir);
}
