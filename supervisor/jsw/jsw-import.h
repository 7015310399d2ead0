/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* `cgwarden import-jsw`: a wrapper.conf (jsw-conf.h) as a cgwarden INI,
 * and a verdict on every line of it. Never logs.
 *
 * The command line is built as JSW builds it (wrapper.c,
 * wrapperBuildJavaCommandArrayInner): java, the wrapper.java.additional.N
 * in order (with .stripquotes), -Xms/-Xmx from initmemory/maxmemory (MB),
 * -Djava.library.path= (./ when none), -classpath (./ when none), the main
 * class and wrapper.app.parameter.N; JSW's own -Dwrapper.* properties are
 * left out, and its helper classes (WrapperSimpleApp, WrapperJarApp,
 * WrapperStartStopApp) are replaced by what they start: the application's
 * main class or -jar JAR, so that wrapper.jar is not needed. */

#include <glob.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/macro.h"
#include "jsw/jsw-conf.h"

typedef enum JswVerdict {
        JSW_MAPPED, /* cgwarden does what JSW did */
        JSW_APPROXIMATED, /* close, and the text says how it differs */
        JSW_IGNORED, /* nothing of the service's behaviour is lost (a Windows setting, a log format ...) */
        JSW_UNSUPPORTED, /* lost: the text says why and what to use instead */
        _JSW_VERDICT_MAX,
        _JSW_VERDICT_INVALID = -EINVAL,
} JswVerdict;
const char *jsw_verdict_to_string(JswVerdict v);

typedef struct JswImportOptions {
        const char *
                name; /* the service's name; NULL: from the conf (wrapper.ntservice.name) or its directory */
        const char *conf_path; /* the wrapper.conf as given, for the header */
        const char *base_dir; /* JSW's working directory (absolute): relative paths */
        char *const *builtins; /* as in JswReader */
        char *const *envp;
        /* expands a classpath wildcard the JVM cannot (lib/foo-*.jar) now;
         * NULL: glob(3) (a fuzzer gives a stub) */
        int (*glob)(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *ret);
} JswImportOptions;

typedef struct JswReportEntry {
        const JswLine *line; /* a line of the conf */
        JswVerdict verdict;
        char *text; /* "KEY=VALUE -> cgwarden keys: why" */
} JswReportEntry;

typedef struct JswImport {
        char *ini; /* the cgwarden configuration */
        char *name; /* its service's name */
        JswReportEntry *entries; /* one per line of the conf, in its order */
        size_t n_entries;
        unsigned count[_JSW_VERDICT_MAX];
} JswImport;

/* Map c. Returns 0 and fills *ret (free with jsw_import_done()), or
 * -ENOMEM. */
int jsw_import(const JswConf *c, const JswImportOptions *o, JswImport *ret);
void jsw_import_done(JswImport *i);

/* "FILE:LINE: verdict: text" (malloc'd), or NULL when out of memory. */
char *jsw_report_line(const JswReportEntry *e);

/* The variables the Wrapper defines itself (WRAPPER_OS, WRAPPER_ARCH,
 * WRAPPER_BITS, the separators, WRAPPER_BIN_DIR and WRAPPER_WORKING_DIR =
 * base_dir, WRAPPER_CONF_DIR), as NAME=VALUE (free with strv_free()), or
 * NULL when out of memory. */
char **jsw_builtins(const char *base_dir, const char *conf_dir);

/* Where JSW ran, when it is not written anywhere: its shell script starts
 * it in its own directory, bin/ next to the conf/ that holds wrapper.conf.
 * So <conf_dir>/../bin when that exists, else conf_dir (malloc'd,
 * absolute), or NULL when out of memory. */
char *jsw_guess_base_dir(const char *conf_dir);

/* `cgwarden import-jsw wrapper.conf [--name NAME] [-o FILE]`: the INI on
 * stdout or in FILE, the report on stderr. Returns the exit status: 0
 * when nothing was unsupported, 1 otherwise (or on a failure to write
 * FILE), 2 for a usage error or a file that cannot be read. */
int jsw_import_main(int argc, char **argv);
