/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The value parsers of units.h. The first byte picks the parser, the rest
 * is the value. Beyond "no crash", checks the properties callers rely on:
 * ranges, ret untouched on failure, a reason on failure, and that
 * formatted sizes and durations parse back. */

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"
#include "fuzz-check.h"

static void check_reason(int r, const char *reason) {
        CHECK(r == -EINVAL || r == -ERANGE);
        CHECK(reason[0] != '\0');
        CHECK(strlen(reason) < UNIT_REASON_MAX);
}

static void fuzz_size(const char *s) {
        char reason[UNIT_REASON_MAX] = "", buf[UNIT_SIZE_MAX];
        uint64_t v = 4242, w;
        int r;

        r = unit_parse_size_reason(s, &v, reason);
        if (r < 0) {
                check_reason(r, reason);
                CHECK(v == 4242);
                return;
        }
        CHECK(r == 0);
        unit_format_size(buf, v);
        if (v == UINT64_MAX)
                return;
        CHECK(unit_parse_size(buf, &w) == 0);
        if (strchr(buf, '.'))
                CHECK(w <= v); /* one truncated decimal */
        else
                CHECK(w == v);
}

static void fuzz_duration(const char *s) {
        char reason[UNIT_REASON_MAX] = "", buf[UNIT_SIZE_MAX];
        usec_t v = 4242, w;
        int r;

        r = unit_parse_duration_reason(s, &v, reason);
        if (r < 0) {
                check_reason(r, reason);
                CHECK(v == 4242);
                return;
        }
        CHECK(v != USEC_INFINITY);
        unit_format_duration(buf, v);
        CHECK(unit_parse_duration(buf, &w) == 0);
        CHECK(w == v);
}

static void fuzz_percent(const char *s) {
        char reason[UNIT_REASON_MAX] = "";
        uint32_t a = 4242, b = 4242;
        int ra, rb;

        ra = unit_parse_percent_reason(s, false, &a, reason);
        if (ra < 0) {
                check_reason(ra, reason);
                CHECK(a == 4242);
        } else
                CHECK(a <= 10000);

        rb = unit_parse_percent(s, true, &b);
        if (ra == 0)
                CHECK(rb == 0 && a == b);
}

static void fuzz_count(const char *s) {
        char reason[UNIT_REASON_MAX] = "";
        uint64_t v = 4242, w = 4242;
        int r;

        r = unit_parse_count_reason(s, 1000, &v, reason);
        if (r < 0) {
                check_reason(r, reason);
                CHECK(v == 4242);
        } else
                CHECK(v <= 1000);
        if (unit_parse_count(s, UINT64_MAX, &w) == 0 && w <= 1000)
                CHECK(r == 0 && v == w);
}

static void fuzz_signal(const char *s) {
        int sig = 0, back = 0;
        const char *name;

        if (unit_parse_signal(s, &sig) < 0) {
                CHECK(sig == 0);
                return;
        }
        CHECK(sig >= 1 && sig <= SIGRTMAX);
        name = unit_signal_to_string(sig);
        if (name) {
                CHECK(unit_parse_signal(name, &back) == 0);
                CHECK(back == sig);
        }
}

static void fuzz_mode_bool(const char *s) {
        unsigned m = 01000;
        bool b;

        if (unit_parse_mode(s, &m) == 0)
                CHECK(m <= 0777);
        else
                CHECK(m == 01000);
        (void) unit_parse_bool(s, &b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s;

        if (size < 1 || size > 4096)
                return 0;

        /* strndup: a NUL in the input ends the value, as in a C string */
        s = strndup((const char *) data + 1, size - 1);
        if (!s)
                return 0;

        switch (data[0] % 6) {
        case 0:
                fuzz_size(s);
                break;
        case 1:
                fuzz_duration(s);
                break;
        case 2:
                fuzz_percent(s);
                break;
        case 3:
                fuzz_count(s);
                break;
        case 4:
                fuzz_signal(s);
                break;
        case 5:
                fuzz_mode_bool(s);
                break;
        }
        free(s);
        return 0;
}
