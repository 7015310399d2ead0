/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* control_request_parse() (control/request.h): the line a member of
 * control_group sends to the control socket. Beyond "no crash" and "no
 * read past size" (an exactly sized buffer under ASan, not NUL-terminated),
 * checks what the socket relies on: 0 or -EINVAL only; on success a known
 * command, a service name that is NUL-terminated, NUL-free, within its cap
 * and present for the commands that act on a service, and the same answer
 * when the request is parsed again from its own fields; on failure *ret
 * untouched and a non-empty message. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/request.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ControlRequest r, before, again;
        char err[256], *buf, *line;
        int k;

        if (size > 64 * 1024)
                return 0;
        buf = malloc(size ? size : 1);
        CHECK(buf);
        memcpy(buf, data, size);
        memset(&r, 0x5a, sizeof r);
        before = r;
        k = control_request_parse(buf, size, &r, err, sizeof err);
        CHECK(k == 0 || k == -EINVAL);
        CHECK(memchr(err, 0, sizeof err));
        if (k < 0) {
                CHECK(err[0] != 0);
                CHECK(memcmp(&r, &before, sizeof r) == 0);
                free(buf);
                return 0;
        }
        CHECK(err[0] == 0);
        CHECK(r.command < _CONTROL_COMMAND_MAX);
        CHECK(control_command_to_string(r.command));
        CHECK(memchr(r.service, 0, sizeof r.service));
        CHECK(strlen(r.service) <= CONTROL_SERVICE_NAME_MAX);
        CHECK(r.has_service == (r.service[0] != 0));
        if (control_command_needs_service(r.command))
                CHECK(r.has_service);

        /* the request again, from its own fields (the name JSON-escaped) */
        line = malloc(64 + 6 * strlen(r.service));
        CHECK(line);
        {
                char *p = line + sprintf(line, "{\"command\":\"%s\"", control_command_to_string(r.command));
                if (r.has_service) {
                        p += sprintf(p, ",\"service\":\"");
                        for (const unsigned char *s = (const unsigned char *) r.service; *s; s++)
                                p += (*s < 0x20 || *s == '"' || *s == '\\') ? sprintf(p, "\\u%04x", *s)
                                                                            : sprintf(p, "%c", *s);
                        p += sprintf(p, "\"");
                }
                sprintf(p, "}");
        }
        CHECK(control_request_parse(line, strlen(line), &again, err, sizeof err) == 0);
        CHECK(again.command == r.command && again.has_service == r.has_service);
        CHECK(strcmp(again.service, r.service) == 0);
        free(line);
        free(buf);
        return 0;
}
