/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* An in-memory set of files for the wrapper.conf reader (jsw/jsw-conf.h):
 * test-jsw-conf and test-jsw-import read confs and their includes from
 * it, with a fixed environment. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsw/jsw-conf.h"

typedef struct MemFile {
        const char *path;
        const char *text;
} MemFile;

static inline int mem_read(void *userdata, const char *path, char **ret_buf, size_t *ret_size) {
        const MemFile *files = userdata;

        for (const MemFile *f = files; f && f->path; f++)
                if (strcmp(f->path, path) == 0) {
                        *ret_buf = strdup(f->text);
                        if (!*ret_buf)
                                return -ENOMEM;
                        *ret_size = strlen(f->text);
                        return 0;
                }
        return -ENOENT;
}

#define JSW_BASE "/srv/app/bin"
#define JSW_CONF_DIR "/srv/app/conf"
#define JSW_CONF JSW_CONF_DIR "/wrapper.conf"

static char *const jsw_test_env[] = {
        (char *) "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64",
        (char *) "LD_LIBRARY_PATH=/opt/native",
        (char *) "APP_ENV=prod",
        NULL,
};

static char *const jsw_test_builtins[] = {
        (char *) "WRAPPER_OS=linux",
        (char *) "WRAPPER_BIN_DIR=" JSW_BASE,
        (char *) "WRAPPER_CONF_DIR=" JSW_CONF_DIR,
        NULL,
};

static inline JswReader mem_reader(const MemFile *files) {
        return (JswReader){
                .read_file = mem_read,
                .userdata = (void *) files,
                .base_dir = JSW_BASE,
                .builtins = jsw_test_builtins,
                .envp = jsw_test_env,
        };
}
