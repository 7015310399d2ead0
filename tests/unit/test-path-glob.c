/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* base/path-glob.h: watch-mode's match= patterns over cgroup paths. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/path-glob.h"

static void test_valid(void **state) {
        const char *why = NULL;

        assert_true(path_glob_valid("/system.slice/docker-*.scope", NULL));
        assert_true(path_glob_valid("/kubepods.slice/**", NULL));
        assert_true(path_glob_valid("/a/**/b-?.scope", NULL));
        assert_true(path_glob_valid("/", NULL));
        assert_false(path_glob_valid("system.slice", &why));
        assert_string_equal(why, "must start with '/'");
        assert_false(path_glob_valid("/a//b", &why));
        assert_false(path_glob_valid("/a/", &why));
        assert_false(path_glob_valid("/a/../b", &why));
        assert_false(path_glob_valid("/a/./b", &why));
        assert_false(path_glob_valid("/a/x**", &why));
        assert_false(path_glob_valid("/a/***", &why));
        assert_false(path_glob_valid("/a\n", &why));
        assert_false(path_glob_valid(NULL, &why));
}

static void test_match(void **state) {
        const char *p = "/system.slice/docker-*.scope";

        assert_int_equal(path_glob_match(p, "/system.slice/docker-0123abcd.scope"), PATH_GLOB_MATCH);
        assert_int_equal(path_glob_match(p, "/system.slice"), PATH_GLOB_BELOW);
        assert_int_equal(path_glob_match(p, "/"), PATH_GLOB_BELOW);
        assert_int_equal(path_glob_match(p, "/system.slice/sshd.service"), PATH_GLOB_NO);
        assert_int_equal(path_glob_match(p, "/user.slice"), PATH_GLOB_NO);
        /* a component never crosses a '/' */
        assert_int_equal(path_glob_match(p, "/system.slice/docker-1.scope/init"), PATH_GLOB_NO);
        /* a leading dot is not matched by '*' */
        assert_int_equal(path_glob_match("/a/*", "/a/.hidden"), PATH_GLOB_NO);
}

static void test_double_star(void **state) {
        const char *p = "/kubepods.slice/**";

        /* trailing: what is below, not the directory itself */
        assert_int_equal(path_glob_match(p, "/kubepods.slice"), PATH_GLOB_BELOW);
        assert_int_equal(path_glob_match(p, "/kubepods.slice/kubepods-besteffort.slice"), PATH_GLOB_MATCH);
        assert_int_equal(path_glob_match(p, "/kubepods.slice/a/b/c"), PATH_GLOB_MATCH);
        assert_int_equal(path_glob_match(p, "/system.slice"), PATH_GLOB_NO);
        assert_int_equal(path_glob_match(p, "/"), PATH_GLOB_BELOW);

        /* in the middle: zero or more components */
        p = "/k/**/cri-*.scope";
        assert_int_equal(path_glob_match(p, "/k/cri-1.scope"), PATH_GLOB_MATCH);
        assert_int_equal(path_glob_match(p, "/k/a/b/cri-1.scope"), PATH_GLOB_MATCH);
        assert_int_equal(path_glob_match(p, "/k/a/b"), PATH_GLOB_BELOW);
        assert_int_equal(path_glob_match(p, "/k"), PATH_GLOB_BELOW);
        assert_int_equal(path_glob_match(p, "/x"), PATH_GLOB_NO);
}

static void test_literal_depth(void **state) {
        assert_int_equal(path_glob_literal_depth("/system.slice/docker-*.scope"), 1);
        assert_int_equal(path_glob_literal_depth("/kubepods.slice/**"), 1);
        assert_int_equal(path_glob_literal_depth("/a/b/c"), 3);
        assert_int_equal(path_glob_literal_depth("/*"), 0);
        assert_int_equal(path_glob_literal_depth("/"), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_match),
                cmocka_unit_test(test_double_star),
                cmocka_unit_test(test_literal_depth),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
