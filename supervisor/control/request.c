/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "control/request.h"
#include "base/macro.h"

static const char *const command_names[_CONTROL_COMMAND_MAX] = {
        [CONTROL_STATUS] = "status", [CONTROL_CAPTURE] = "capture", [CONTROL_START] = "start",
        [CONTROL_STOP] = "stop",     [CONTROL_RESTART] = "restart", [CONTROL_RELOAD] = "reload",
};

const char *control_command_to_string(ControlCommand c) {
        return c >= 0 && c < _CONTROL_COMMAND_MAX ? command_names[c] : NULL;
}

bool control_command_needs_service(ControlCommand c) {
        return c == CONTROL_CAPTURE || c == CONTROL_START || c == CONTROL_STOP || c == CONTROL_RESTART;
}

static int fail(char *err, size_t errsz, const char *fmt, ...) _printf_(3, 4);
static int fail(char *err, size_t errsz, const char *fmt, ...) {
        va_list ap;

        if (errsz > 0) {
                va_start(ap, fmt);
                (void) vsnprintf(err, errsz, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

/* a string member: 1 and *ret (NUL-free, its length in *len), 0 when absent,
 * -EINVAL when not a string */
static int get_string(json_object *o, const char *key, const char **ret, size_t *len) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v))
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return -EINVAL;
        *ret = json_object_get_string(v);
        *len = (size_t) json_object_get_string_len(v);
        return 1;
}

int control_request_parse(const char *buf, size_t len, ControlRequest *ret, char *err, size_t errsz) {
        json_tokener *tok;
        json_object *req;
        enum json_tokener_error jerr;
        const char *cmd = NULL, *svc = NULL;
        size_t cmd_len = 0, svc_len = 0, end;
        ControlCommand c;
        int k, r;

        if (errsz > 0)
                err[0] = 0;
        if (memchr(buf, 0, len))
                return fail(err, errsz, "a NUL byte in the request");
        if (len > INT32_MAX)
                return fail(err, errsz, "request too large");
        tok = json_tokener_new();
        if (!tok)
                return fail(err, errsz, "out of memory");
        req = json_tokener_parse_ex(tok, buf, (int) len);
        jerr = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!req) {
                /* a truncated object is json_tokener_continue */
                return fail(err, errsz, "malformed JSON: %s",
                            jerr == json_tokener_continue ? "unexpected end of the request"
                                                          : json_tokener_error_desc(jerr));
        }
        r = -EINVAL;
        for (size_t i = end; i < len; i++)
                if (!strchr(" \t\r", buf[i])) {
                        (void) fail(err, errsz, "malformed JSON: data after the request");
                        goto out;
                }
        if (!json_object_is_type(req, json_type_object) || get_string(req, "command", &cmd, &cmd_len) <= 0) {
                (void) fail(err, errsz, "a request is a JSON object with a \"command\" string");
                goto out;
        }
        for (c = 0; c < _CONTROL_COMMAND_MAX; c++)
                if (strlen(command_names[c]) == cmd_len && memcmp(command_names[c], cmd, cmd_len) == 0)
                        break;
        if (c == _CONTROL_COMMAND_MAX) {
                (void) fail(err, errsz,
                            "unknown command '%.32s' (status, capture, start, stop, restart, reload)", cmd);
                goto out;
        }
        k = get_string(req, "service", &svc, &svc_len);
        if (k < 0) {
                (void) fail(err, errsz, "\"service\" must be a string");
                goto out;
        }
        if (k > 0 && (svc_len == 0 || strlen(svc) != svc_len)) {
                (void) fail(err, errsz, "\"service\" must be a name (not empty, no NUL)");
                goto out;
        }
        if (k > 0 && svc_len > CONTROL_SERVICE_NAME_MAX) {
                (void) fail(err, errsz, "\"service\" is longer than %d bytes", CONTROL_SERVICE_NAME_MAX);
                goto out;
        }
        if (k == 0 && control_command_needs_service(c)) {
                (void) fail(err, errsz, "'%s' needs a \"service\"", command_names[c]);
                goto out;
        }
        ret->command = c;
        ret->has_service = k > 0;
        if (k > 0)
                memcpy(ret->service, svc, svc_len + 1);
        else
                ret->service[0] = 0;
        r = 0;
out:
        json_object_put(req);
        return r;
}
