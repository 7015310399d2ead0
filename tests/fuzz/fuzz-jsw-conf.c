/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* A wrapper.conf through the reader (jsw/jsw-conf.h) and the importer
 * (jsw/jsw-import.h). The input is the main file; "#include /f/x.conf"
 * reads the input again (an include loop, nested includes up to the
 * depth bound, included set.), any other include is missing. Beyond "no
 * crash, no leak": every line of the main file has a number inside the
 * input, every line of the conf gets exactly one verdict with a text, and
 * the cgwarden configuration written always loads (cfg_load_buf) with
 * one service whose exec splits, unless the command line itself could
 * not be written (longer than a 64 KiB line: then it is commented out and
 * "missing exec=" is the one error). */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz-check.h"
#include "jsw/jsw-conf.h"
#include "jsw/jsw-import.h"

typedef struct Input {
        const char *buf;
        size_t size;
} Input;

static int read_input(void *userdata, const char *path, char **ret_buf, size_t *ret_size) {
        const Input *in = userdata;

        if (strncmp(path, "/f/", 3) != 0)
                return -ENOENT;
        *ret_buf = malloc(in->size + 1);
        if (!*ret_buf)
                return -ENOMEM;
        memcpy(*ret_buf, in->buf, in->size);
        (*ret_buf)[in->size] = '\0';
        *ret_size = in->size;
        return 0;
}

/* no file system walk from fuzz input */
static int no_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *ret) {
        return GLOB_NOMATCH;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static char *const builtins[] = { (char *) "WRAPPER_OS=linux",
                                          (char *) "WRAPPER_BIN_DIR=/srv/app/bin", NULL };
        static char *const env[] = { (char *) "JAVA_HOME=/usr/lib/jvm/java-17",
                                     (char *) "LD_LIBRARY_PATH=/opt", NULL };
        _cleanup_(jsw_conf_freep) JswConf *c = NULL;
        _cleanup_(config_freep) Config *cfg = NULL;
        Input in = { (const char *) data, size };
        JswReader r = {
                .read_file = read_input,
                .userdata = &in,
                .base_dir = "/srv/app/bin",
                .builtins = builtins,
                .envp = env,
        };
        JswImportOptions o = {
                .name = "fuzz",
                .conf_path = "/f/wrapper.conf",
                .base_dir = "/srv/app/bin",
                .builtins = builtins,
                .envp = env,
                .glob = no_glob,
        };
        JswImport imp = {};
        CfgErrors errs = {};
        unsigned n_lines = 1, total = 0;
        int k;

        if (size > 16384)
                return 0;
        for (size_t i = 0; i < size; i++)
                if (data[i] == '\n')
                        n_lines++;

        k = jsw_conf_parse_buf("/f/wrapper.conf", in.buf, size, &r, &c);
        if (k == -ENOMEM)
                return 0;
        CHECK(k == 0 && c);
        for (size_t i = 0; i < c->n_lines; i++) {
                const JswLine *l = &c->lines[i];

                CHECK(l->key && l->value && l->file);
                CHECK(l->kind < _JSW_LINE_KIND_MAX);
                CHECK(l->line >= 1 && l->line <= n_lines);
                CHECK(l->depth <= JSW_INCLUDE_DEPTH_MAX);
                if (l->kind == JSW_LINE_INCLUDE && l->include_result == 0)
                        CHECK(l->include_path && strncmp(l->include_path, "/f/", 3) == 0);
        }

        k = jsw_import(c, &o, &imp);
        if (k == -ENOMEM)
                return 0;
        CHECK(k == 0);
        CHECK(imp.n_entries == c->n_lines);
        for (size_t i = 0; i < imp.n_entries; i++) {
                CHECK(imp.entries[i].verdict >= 0 && imp.entries[i].verdict < _JSW_VERDICT_MAX);
                CHECK(imp.entries[i].text && imp.entries[i].text[0]);
                CHECK(imp.entries[i].line == &c->lines[i]);
        }
        for (int v = 0; v < _JSW_VERDICT_MAX; v++)
                total += imp.count[v];
        CHECK(total == imp.n_entries);

        k = cfg_load_buf("fuzz.ini", imp.ini, strlen(imp.ini), &cfg, &errs);
        if (k != -ENOMEM) {
                bool exec_refused = strstr(imp.ini, "\n; exec = ") != NULL;

                if (k != 0 && !exec_refused)
                        for (size_t i = 0; i < errs.n; i++)
                                fprintf(stderr, "%s\n", errs.lines[i]);
                if (exec_refused) {
                        CHECK(k != 0 && errs.n == 1 && strstr(errs.lines[0], "missing exec="));
                        CHECK(imp.count[JSW_UNSUPPORTED] > 0);
                } else {
                        CHECK(k == 0);
                        CHECK(cfg->n_services == 1);
                        CHECK(cfg->services[0]->argv && cfg->services[0]->argv[0]);
                }
        }
        cfg_errors_done(&errs);
        jsw_import_done(&imp);
        return 0;
}
