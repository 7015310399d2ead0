/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure parts of the cgroup layer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cgroup/cgroup.h"

static const char hybrid[] = "12:pids:/user.slice/user-0.slice\n"
                             "8:cpu,cpuacct:/x\n"
                             "4:memory:/process_api/feca7b\n"
                             "1:name=systemd:/user.slice\n"
                             "0::/user.slice/session-1.scope\n";

static void test_parse_proc_cgroup(void **state) {
        char *p = NULL;

        assert_int_equal(cg_parse_proc_cgroup(hybrid, "memory", &p), 0);
        assert_string_equal(p, "/process_api/feca7b");
        free(p);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "cpu", &p), 0);
        assert_string_equal(p, "/x");
        free(p);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "cpuacct", &p), 0);
        free(p);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, NULL, &p), 0);
        assert_string_equal(p, "/user.slice/session-1.scope");
        free(p);
        p = NULL;
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "freezer", &p), -ENOENT);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "cpus", &p), -ENOENT);
        assert_int_equal(cg_parse_proc_cgroup("0::/\n", NULL, &p), 0);
        assert_string_equal(p, "/");
        free(p);
        p = NULL;
        assert_int_equal(cg_parse_proc_cgroup("garbage", NULL, &p), -ENOENT);
        assert_int_equal(cg_parse_proc_cgroup("0::relative\n", NULL, &p), -EBADMSG);
        assert_int_equal(cg_parse_proc_cgroup("", "memory", &p), -ENOENT);
        assert_null(p);
}

static void test_parse_limit(void **state) {
        uint64_t v = 0;
        assert_int_equal(cg_parse_limit("max\n", &v), 0);
        assert_true(v == CG_UNLIMITED);
        assert_int_equal(cg_parse_limit("67108864\n", &v), 0);
        assert_true(v == 67108864);
        assert_int_equal(cg_parse_limit("0", &v), 0);
        assert_true(v == 0);
        assert_int_equal(cg_parse_limit("-1", &v), -EINVAL);
        assert_int_equal(cg_parse_limit("12x", &v), -EINVAL);
        assert_int_equal(cg_parse_limit("maximum", &v), -EINVAL);
        assert_int_equal(cg_parse_limit("99999999999999999999999", &v), -ERANGE);
}

static void test_mode_names(void **state) {
        assert_string_equal(cg_mode_to_string(CG_MODE_UNIFIED), "unified");
        assert_string_equal(cg_mode_to_string(CG_MODE_HYBRID), "hybrid");
        assert_string_equal(cg_mode_to_string(CG_MODE_LEGACY), "legacy");
        assert_null(cg_mode_to_string(_CG_MODE_MAX));
        assert_null(cg_mode_to_string(_CG_MODE_INVALID));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_proc_cgroup),
                cmocka_unit_test(test_parse_limit),
                cmocka_unit_test(test_mode_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
