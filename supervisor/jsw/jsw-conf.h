/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A JSW (Java Service Wrapper) or YAJSW wrapper.conf, read as JSW reads it
 * (its configFileReader), with the Java properties syntax YAJSW adds:
 *
 *   - a logical line is "key=value" or "key: value" (blanks around the
 *     separator are dropped); a line that ends in an odd number of
 *     backslashes continues on the next one, whose leading blanks are
 *     dropped; \uXXXX is the character (as UTF-8). Every other backslash
 *     stays as written, as in JSW: "C:\dir" and the \" that .stripquotes
 *     removes reach the importer unchanged;
 *   - '#' outside double quotes starts a comment, "##" is a literal '#'
 *     (JSW); a line whose first non-blank is '#' or '!' is a comment;
 *   - "#include FILE" and "#include.required FILE" read FILE at that
 *     point (a relative FILE against JSW's working directory, the
 *     reader's base_dir; %VAR% expanded), nested at most 10 deep; a
 *     missing #include is skipped, a missing #include.required is fatal
 *     (JSW does not start); an include of a file already being read is
 *     a loop and is skipped;
 *   - "set.NAME=value" and "set.default.NAME=value" define environment
 *     variables as they are read (the value's %VAR% expanded then), for
 *     later %NAME% references;
 *   - a key set twice: both lines are kept, in the order read; the last
 *     one counts (the importer says so).
 *
 * Parsing never logs and never fails on bad input: a line that is no
 * property is kept as JSW_LINE_MALFORMED. */

#include <stdbool.h>
#include <stddef.h>

#include "base/macro.h"

#define JSW_INCLUDE_DEPTH_MAX 10
/* Bounds on what a wrapper.conf and its includes may hold in all (a file
 * included many times from many places multiplies): a real one has a
 * few hundred lines. Past them the rest is not read (JswConf.too_big). */
#define JSW_TOTAL_BYTES_MAX ((size_t) 4 * 1024 * 1024)
#define JSW_LINES_MAX 10000
#define JSW_FILE_BYTES_MAX ((size_t) 4 * 1024 * 1024)
/* a value after %VAR% expansion (set.B=%A%%A%, set.C=%B%%B% ... doubles) */
#define JSW_VALUE_MAX ((size_t) 64 * 1024)

typedef enum JswLineKind {
        JSW_LINE_PROPERTY, /* key = value */
        JSW_LINE_INCLUDE, /* #include or #include.required; key is the directive, value the path as written */
        JSW_LINE_DIRECTIVE, /* #encoding=, #include.debug, #properties.*, #variables.*: key is the line */
        JSW_LINE_MALFORMED, /* not a comment and no '=' or ':': key is the line (JSW skips it) */
        _JSW_LINE_KIND_MAX,
} JswLineKind;

typedef struct JswLine {
        const char *file; /* one of JswConf.files */
        unsigned line; /* its first physical line */
        JswLineKind kind;
        unsigned depth; /* 0 in the file given, 1 in what it includes, ... */
        char *key;
        char *value;

        /* JSW_LINE_INCLUDE */
        bool include_required;
        char *include_path; /* resolved (NULL when the path could not be expanded to one) */
        int include_result; /* 0 read; -ENOENT, -ELOOP (a loop), -EMLINK (too deep), -EFBIG, -errno */
        bool include_beside; /* found next to the including file, not in base_dir */
} JswLine;

/* A variable set. or set.default. defined, with its value expanded when
 * it was read. The last definition of a name counts. */
typedef struct JswVar {
        char *name;
        char *value;
        size_t line_index; /* its line in JswConf.lines */
} JswVar;

typedef struct JswConf {
        char **files; /* display names: the path given, then includes as resolved */
        size_t n_files;
        JswLine *lines; /* in the order JSW reads them, includes inline */
        size_t n_lines;
        JswVar *vars;
        size_t n_vars;
        bool fatal; /* a required include could not be read: JSW would not start */
        bool too_big; /* past JSW_TOTAL_BYTES_MAX or JSW_LINES_MAX: the rest was not read */
} JswConf;

typedef struct JswReader {
        /* Read path whole (at most JSW_FILE_BYTES_MAX bytes): 0 and *ret_buf
         * (malloc'd, NUL-terminated), *ret_size; or -errno. */
        int (*read_file)(void *userdata, const char *path, char **ret_buf, size_t *ret_size);
        void *userdata;
        const char *base_dir; /* relative #include paths: JSW's working directory */
        char *const *builtins; /* NAME=VALUE the Wrapper defines itself (WRAPPER_OS ...) */
        char *const *envp; /* NAME=VALUE of the environment JSW would start in */
} JswReader;

/* Parse a wrapper.conf held in buf (path names it in lines and resolves
 * its relative includes' second chance); includes are read through r.
 * Returns 0 and *ret, or -ENOMEM. */
int jsw_conf_parse_buf(const char *path, const char *buf, size_t n, const JswReader *r, JswConf **ret);
/* Read path through r and parse it. Returns 0 and *ret, the -errno of
 * r->read_file for path itself, or -ENOMEM. */
int jsw_conf_load(const char *path, const JswReader *r, JswConf **ret);
JswConf *jsw_conf_free(JswConf *c);
static inline void jsw_conf_freep(JswConf **c) {
        *c = jsw_conf_free(*c);
}

/* A variable's value: the last set.NAME of c (when c is not NULL), else
 * builtins, else envp. *ret_source (may be NULL): 'c' from the conf,
 * 'b' builtin, 'e' environment. NULL when undefined. */
const char *jsw_lookup(const JswConf *c, char *const *builtins, char *const *envp, const char *name,
                       char *ret_source);

/* JSW's %NAME% expansion (NAME: letters, digits, '_', '.', '-', '(', ')').
 * A name without a value is left as written. *ret is malloc'd;
 * ret_unresolved (may be NULL) gets the first name without a value
 * (malloc'd, or NULL); ret_from_environ (may be NULL) is set true when a
 * value came from envp. Returns 0, -E2BIG when the result would be longer
 * than JSW_VALUE_MAX (nothing is returned then), or -ENOMEM. */
int jsw_expand(const JswConf *c, char *const *builtins, char *const *envp, const char *s, char **ret,
               char **ret_unresolved, bool *ret_from_environ);

/* rel when it is absolute (or dir is NULL), else dir/rel; an absolute
 * result is simplified lexically ("a/./b", "a//b", "a/x/../b"; symbolic
 * links are not looked at, as a shell's cd would not either). malloc'd,
 * NULL when out of memory. */
char *jsw_path_join(const char *dir, const char *rel);

/* The file reader that jsw_conf_load() uses for real files. */
int jsw_read_file(void *userdata, const char *path, char **ret_buf, size_t *ret_size);
