/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The pure parts of the HotSpot attach client on outside input: a JVM's
 * reply status line, its answer to "getversion options", /proc/PID/maps
 * and a JDK's release file. Beyond "no crash", checks the
 * documented contracts: the status line's consumed length ends at its
 * newline, ret values untouched on failure, only the documented errors;
 * and the request builder on arguments cut from the input. */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/hotspot.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        const char *buf = (const char *) data;
        int status = 12345;
        size_t consumed = 99999;
        int r;

        r = hotspot_parse_status(buf, size, &status, &consumed);
        if (r == 0) {
                CHECK(consumed >= 2 && consumed <= size);
                CHECK(buf[consumed - 1] == '\n');
        } else {
                CHECK(r == -EAGAIN || r == -EBADMSG || r == -ERANGE);
                CHECK(status == 12345 && consumed == 99999);
        }

        (void) hotspot_vm_from_maps(hotspot_maps_scan_buf(buf, size));
        (void) hotspot_options_have(buf, size, "streaming");

        {
                unsigned major = 4242;

                r = hotspot_release_parse_buf(buf, size, &major);
                if (r == 0)
                        CHECK(major <= 999999999U);
                else
                        CHECK((r == -ENOENT || r == -EBADMSG) && major == 4242);
        }

        /* argv: the input split at NULs (at most 8 words) */
        {
                char *copy = malloc(size + 1), *argv[9], *req;
                size_t n = 0, len = 0;

                if (!copy)
                        return 0;
                memcpy(copy, data, size);
                copy[size] = 0;
                for (char *p = copy; n < 8 && p <= copy + size; p += strlen(p) + 1)
                        argv[n++] = p;
                argv[n] = NULL;
                req = malloc(HOTSPOT_REQUEST_MAX_BYTES);
                if (req) {
                        r = hotspot_build_request((const char *const *) argv, req, HOTSPOT_REQUEST_MAX_BYTES,
                                                  &len);
                        if (r == 0)
                                CHECK(len >= 4 && len <= HOTSPOT_REQUEST_MAX_BYTES && req[0] == '1' &&
                                      req[1] == 0);
                        else
                                CHECK(r == -EINVAL || r == -E2BIG);
                        free(req);
                }
                free(copy);
        }
        return 0;
}
