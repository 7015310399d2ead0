/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The kernel OOM report collector (oom-report.h), on /dev/kmsg records:
 * the input is split at newlines into records (continuation lines, which
 * start with a space, stay with theirs) and fed to three parsers, for a
 * path, a prefix of it and another, with a small budget so that the
 * cutting runs too. Checks: no crash, no read past a record, a report is
 * NUL-terminated, bounded, and starts with a timestamp. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "watch/oom-report.h"
#include "fuzz-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char *const paths[] = { "/a", "/cgwtest/services/pause", "/" };
        OomReportParser *p[3] = {};

        for (size_t i = 0; i < 3; i++)
                CHECK(oom_report_parser_new(paths[i], i == 1 ? 1024 : 8192, &p[i]) == 0);
        for (size_t off = 0; off < size;) {
                size_t end = off;
                char *rec;

                do {
                        while (end < size && data[end] != '\n')
                                end++;
                        if (end < size)
                                end++;
                } while (end < size && data[end] == ' ');
                /* an exactly sized copy: ASan sees a read past the record */
                rec = malloc(end - off + 1);
                CHECK(rec);
                memcpy(rec, data + off, end - off);
                for (size_t i = 0; i < 3; i++)
                        oom_report_feed(p[i], rec, end - off);
                free(rec);
                off = end;
        }
        for (size_t i = 0; i < 3; i++) {
                const char *killed = NULL, *t = oom_report_get(p[i], &killed);
                if (t) {
                        CHECK(t[0] == '[');
                        CHECK(strlen(t) <= (i == 1 ? 1024u : 8192u) + 2400);
                        CHECK(killed && strlen(killed) < 512);
                }
                oom_report_parser_free(p[i]);
        }
        return 0;
}
