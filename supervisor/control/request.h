/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One control request, as the control socket reads it (control.h has the
 * protocol): a JSON object on one line with a "command" string and, for
 * some commands, a "service" string. Parsed apart from the socket so that
 * it can be fuzzed: whatever a member of control_group sends ends here. */

#include <stdbool.h>
#include <stddef.h>

typedef enum ControlCommand {
        CONTROL_STATUS,
        CONTROL_CAPTURE,
        CONTROL_START,
        CONTROL_STOP,
        CONTROL_RESTART,
        CONTROL_RELOAD,
        _CONTROL_COMMAND_MAX,
} ControlCommand;

/* longer service names are refused (config names are far shorter) */
#define CONTROL_SERVICE_NAME_MAX 255

typedef struct ControlRequest {
        ControlCommand command;
        bool has_service;
        char service[CONTROL_SERVICE_NAME_MAX + 1]; /* "" without has_service */
} ControlRequest;

const char *control_command_to_string(ControlCommand c);
/* whether the command acts on one service (and so needs "service") */
bool control_command_needs_service(ControlCommand c);

/* Parse the LEN bytes at BUF (the line without its newline; need not be
 * NUL-terminated). Returns 0 and fills *ret, or -EINVAL with a message for
 * the client in err (always NUL-terminated; *ret untouched): a NUL byte,
 * malformed JSON or data after it, not an object, no "command" string, an
 * unknown command, a "service" that is not a string, holds a NUL or is
 * longer than CONTROL_SERVICE_NAME_MAX, or is missing where needed. */
int control_request_parse(const char *buf, size_t len, ControlRequest *ret, char *err, size_t errsz);
