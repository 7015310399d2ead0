/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* cfg_load_buf(), the whole INI front end and every key parser. Beyond
 * "no crash, no leak": success and failure are reported consistently,
 * every error is "fuzz.ini:LINE: ..." with a line inside the input and
 * in order, and a loaded config is stable (loading twice gives equal
 * services, which validate). */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(config_freep) Config *c = NULL, *again = NULL;
        CfgErrors errs = {};
        unsigned n_lines = 1, prev = 0;
        int r;

        if (size > 65536)
                return 0;
        for (size_t i = 0; i < size; i++)
                if (data[i] == '\n')
                        n_lines++;

        r = cfg_load_buf("fuzz.ini", (const char *) data, size, &c, &errs);
        if (r == -ENOMEM)
                goto out;
        if (r < 0) {
                CHECK(r == -CGW_ERR_CONFIG);
                CHECK(!c);
                CHECK(errs.n > 0);
        } else {
                CHECK(r == 0);
                CHECK(c);
                CHECK(errs.n == 0);
        }

        for (size_t i = 0; i < errs.n; i++) {
                const char *l = errs.lines[i];
                char *end;
                unsigned long line;

                CHECK(strncmp(l, "fuzz.ini:", 9) == 0);
                line = strtoul(l + 9, &end, 10);
                CHECK(end > l + 9 && strncmp(end, ": ", 2) == 0);
                CHECK(line >= 1 && line <= n_lines);
                CHECK(line >= prev);
                prev = (unsigned) line;
        }

        if (c) {
                CHECK(cfg_load_buf("fuzz.ini", (const char *) data, size, &again, NULL) == 0);
                CHECK(again->n_services == c->n_services);
                for (size_t i = 0; i < c->n_services; i++) {
                        CfgErrors v = {};

                        CHECK(service_config_equal(c->services[i], c->services[i]));
                        CHECK(service_config_equal(c->services[i], again->services[i]));
                        CHECK(service_config_validate(c->services[i], "fuzz.ini", &v) == 0);
                        CHECK(v.n == 0);
                        CHECK(c->services[i]->argv && c->services[i]->argv[0]);
                }
        }
out:
        cfg_errors_done(&errs);
        return 0;
}
