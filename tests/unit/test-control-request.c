/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* control/request.h: the control socket's request line. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "control/request.h"

static int parse(const char *s, ControlRequest *r, char *err, size_t errsz) {
        return control_request_parse(s, strlen(s), r, err, errsz);
}

static void test_valid(void **state) {
        ControlRequest r;
        char err[128];

        assert_int_equal(parse("{\"command\": \"status\"}", &r, err, sizeof err), 0);
        assert_int_equal(r.command, CONTROL_STATUS);
        assert_false(r.has_service);
        assert_string_equal(r.service, "");
        assert_int_equal(parse("{\"command\":\"status\",\"service\":\"web\"}", &r, err, sizeof err), 0);
        assert_true(r.has_service);
        assert_string_equal(r.service, "web");
        assert_int_equal(parse(" {\"service\":\"a b\",\"command\":\"capture\"} \r", &r, err, sizeof err), 0);
        assert_int_equal(r.command, CONTROL_CAPTURE);
        assert_string_equal(r.service, "a b");
        assert_int_equal(parse("{\"command\":\"reload\",\"extra\":[1,2]}", &r, err, sizeof err), 0);
        assert_int_equal(r.command, CONTROL_RELOAD);
        for (ControlCommand c = 0; c < _CONTROL_COMMAND_MAX; c++) {
                char line[128];
                snprintf(line, sizeof line, "{\"command\":\"%s\",\"service\":\"x\"}",
                         control_command_to_string(c));
                assert_int_equal(parse(line, &r, err, sizeof err), 0);
                assert_int_equal(r.command, c);
        }
        assert_null(control_command_to_string(_CONTROL_COMMAND_MAX));
}

static void expect_error(const char *line, size_t len, const char *msg) {
        ControlRequest r = { .command = CONTROL_RELOAD, .service = "keep" };
        char err[128];

        assert_int_equal(control_request_parse(line, len, &r, err, sizeof err), -EINVAL);
        assert_non_null(strstr(err, msg));
        /* untouched on failure */
        assert_int_equal(r.command, CONTROL_RELOAD);
        assert_string_equal(r.service, "keep");
}

static void test_errors(void **state) {
        char big[400];

        expect_error("", 0, "malformed JSON");
        expect_error("{\"command\":", 11, "malformed JSON: unexpected end");
        expect_error("{\"command\":\"status\"} x", 22, "data after the request");
        expect_error("{\"command\":\"status\"}{}", 22, "data after the request");
        expect_error("{\"command\":\"status\"}\0", 21, "NUL byte");
        expect_error("[\"status\"]", 10, "a JSON object with a \"command\" string");
        expect_error("{\"command\":1}", 13, "a JSON object with a \"command\" string");
        expect_error("{}", 2, "a JSON object with a \"command\" string");
        expect_error("{\"command\":\"status\\u0000\"}", 26, "unknown command");
        expect_error("{\"command\":\"kill\"}", 18, "unknown command 'kill'");
        expect_error("{\"command\":\"status\",\"service\":7}", 32, "must be a string");
        expect_error("{\"command\":\"stop\",\"service\":\"\"}", 31, "not empty, no NUL");
        expect_error("{\"command\":\"stop\",\"service\":\"a\\u0000b\"}", 39, "not empty, no NUL");
        expect_error("{\"command\":\"stop\"}", 18, "'stop' needs a \"service\"");
        expect_error("{\"command\":\"capture\"}", 21, "'capture' needs a \"service\"");
        snprintf(big, sizeof big, "{\"command\":\"stop\",\"service\":\"%0300d\"}", 0);
        expect_error(big, strlen(big), "longer than 255");
}

static void test_small_err_buffer(void **state) {
        ControlRequest r;
        char err[8];

        assert_int_equal(parse("{\"command\":\"kill\"}", &r, err, sizeof err), -EINVAL);
        assert_int_equal(strlen(err), 7);
        assert_int_equal(parse("nope", &r, NULL, 0), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_small_err_buffer),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
