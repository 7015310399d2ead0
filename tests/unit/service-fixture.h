/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A service configuration for unit tests, built through the real parser.
 * Include after <cmocka.h>. */

#include "config/config.h"

/* A validated service built through the real parser, as a config file
 * would set its keys: kv is NULL-terminated pairs. */
static inline ServiceConfig *fx_service(const char *name, const char *const *kv) {
        ServiceConfig *s = service_config_new(name);
        CfgErrors errs = {};

        assert_non_null(s);
        assert_int_equal(service_config_set(s, "exec", "/bin/true", NULL), 0);
        for (; kv && kv[0]; kv += 2) {
                char *err = NULL;
                if (service_config_set(s, kv[0], kv[1], &err) < 0)
                        fail_msg("%s = %s: %s", kv[0], kv[1], err ? err : "?");
        }
        if (service_config_validate(s, "t.ini", &errs) < 0)
                fail_msg("%s", errs.lines[0]);
        cfg_errors_done(&errs);
        return s;
}
