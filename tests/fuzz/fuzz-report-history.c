/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* report_history_parse_buf() (history.csv) and html_escape(). Beyond "no
 * crash" and "no read past n" (an exactly sized buffer under ASan): the
 * documented errors, the rows' count plus the bad lines at most the lines,
 * the same answers when bytes follow the buffer, and the escaped text
 * free of markup characters. */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "report/report.h"
#include "report/svg.h"

/* Would change the answers if the parser read past n. */
static const char tail[] = ",1,2,3\n2026-12-06T15:39:52.631Z,1,2,3,4,5\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        ReportSample *rows = NULL, *rows2 = NULL;
        size_t n = 777, bad = 777, n2, bad2, lines = 1;
        char *buf, *padded, *str, *esc;
        int r, r2;

        buf = malloc(size ? size : 1);
        padded = malloc(size + sizeof tail);
        str = malloc(size + 1);
        if (!buf || !padded || !str)
                abort();
        memcpy(buf, data, size);
        memcpy(padded, data, size);
        memcpy(padded + size, tail, sizeof tail);
        memcpy(str, data, size);
        str[size] = '\0';

        r = report_history_parse_buf(buf, size, &rows, &n, &bad);
        CHECK(r == 0 || r == -EBADMSG || r == -ENOMEM);
        if (r < 0)
                CHECK(n == 777 && bad == 777 && !rows);
        else {
                for (size_t i = 0; i < size; i++)
                        lines += data[i] == '\n';
                CHECK(n + bad + 1 <= lines);
                for (size_t i = 0; i < n; i++)
                        CHECK(rows[i].time_ms >= 0);
        }
        r2 = report_history_parse_buf(padded, size, &rows2, &n2, &bad2);
        CHECK(r2 == r);
        if (r == 0) {
                CHECK(n2 == n && bad2 == bad);
                CHECK(n == 0 || memcmp(rows, rows2, n * sizeof(*rows)) == 0);
        }
        free(rows);
        free(rows2);

        esc = html_escape(str);
        CHECK(esc);
        CHECK(!strpbrk(esc, "<>\"'"));
        for (const unsigned char *p = (const unsigned char *) esc; *p; p++)
                CHECK(*p >= 0x20 || *p == '\n' || *p == '\t');
        free(esc);
        free(str);
        free(buf);
        free(padded);
        return 0;
}
