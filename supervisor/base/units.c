/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/units.h"

/* The number syntax shared by sizes, durations and percents:
 * DIGITS [ "." DIGITS ]. No sign, no exponent, no hex, no whitespace.
 * The fraction keeps at most FRAC_DIGITS_MAX digits; later digits cannot
 * change a result that is truncated to bytes/usec/basis points. */
#define FRAC_DIGITS_MAX 18

typedef struct Decimal {
        uint64_t integer;
        uint64_t frac; /* fraction digits as an integer: "1.25" -> 25 */
        uint64_t frac_div; /* 10^(digits kept): "1.25" -> 100; 1 without fraction */
        unsigned frac_digits;
        bool has_frac;
} Decimal;

_printf_(3, 4) static int fail(char reason[static UNIT_REASON_MAX], int r, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(reason, UNIT_REASON_MAX, fmt, ap);
        va_end(ap);
        return r;
}

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static bool is_letter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Checks every number syntax has in common, so each parser reports the
 * same reason for the same mistake. */
static int check_common(const char *s, char reason[static UNIT_REASON_MAX]) {
        if (!s || !*s)
                return fail(reason, -EINVAL, "empty value");
        if (strpbrk(s, " \t\n\r\v\f"))
                return fail(reason, -EINVAL, "unexpected whitespace");
        if (s[0] == '-')
                return fail(reason, -EINVAL, "negative values are not allowed");
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
                return fail(reason, -EINVAL, "hexadecimal numbers are not supported");
        return 0;
}

static int parse_decimal(const char **p, bool allow_frac, Decimal *ret,
                         char reason[static UNIT_REASON_MAX]) {
        const char *s = *p;
        Decimal d = { .frac_div = 1 };

        if (!is_digit(*s))
                return fail(reason, -EINVAL, "expected a number");

        for (; is_digit(*s); s++) {
                unsigned digit = (unsigned) (*s - '0');

                if (d.integer > (UINT64_MAX - digit) / 10)
                        return fail(reason, -ERANGE, "value too large");
                d.integer = d.integer * 10 + digit;
        }

        if (*s == '.') {
                if (!allow_frac)
                        return fail(reason, -EINVAL, "fractions are not allowed");
                s++;
                if (!is_digit(*s))
                        return fail(reason, -EINVAL, "malformed number");
                d.has_frac = true;
                for (; is_digit(*s); s++) {
                        if (d.frac_digits >= FRAC_DIGITS_MAX)
                                continue;
                        d.frac = d.frac * 10 + (uint64_t) (*s - '0');
                        d.frac_div *= 10;
                        d.frac_digits++;
                }
                if (*s == '.')
                        return fail(reason, -EINVAL, "malformed number");
        }

        *p = s;
        *ret = d;
        return 0;
}

/* d * mult, truncated; -ERANGE past UINT64_MAX. */
static int decimal_scale(const Decimal *d, uint64_t mult, uint64_t *ret) {
        unsigned __int128 v;

        v = (unsigned __int128) d->integer * mult;
        v += (unsigned __int128) d->frac * mult / d->frac_div;
        if (v > UINT64_MAX)
                return -ERANGE;
        *ret = (uint64_t) v;
        return 0;
}

int unit_parse_size_reason(const char *s, uint64_t *ret_bytes, char reason[static UNIT_REASON_MAX]) {
        static const struct {
                const char *suffix;
                uint64_t factor;
        } table[] = {
                { "", 1ULL },        { "B", 1ULL },       { "K", 1ULL << 10 },
                { "M", 1ULL << 20 }, { "G", 1ULL << 30 }, { "T", 1ULL << 40 },
        };
        const char *p = s;
        uint64_t v;
        Decimal d;
        int r;

        r = check_common(s, reason);
        if (r < 0)
                return r;
        r = parse_decimal(&p, true, &d, reason);
        if (r < 0)
                return r;

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                if (!streq(p, table[i].suffix))
                        continue;
                if (d.has_frac && table[i].factor == 1)
                        return fail(reason, -EINVAL, "a fraction needs a unit (K, M, G or T)");
                if (decimal_scale(&d, table[i].factor, &v) < 0)
                        return fail(reason, -ERANGE, "value too large");
                *ret_bytes = v;
                return 0;
        }

        return fail(reason, -EINVAL, "unknown unit '%.24s'", p);
}

int unit_parse_size(const char *s, uint64_t *ret_bytes) {
        char reason[UNIT_REASON_MAX];
        return unit_parse_size_reason(s, ret_bytes, reason);
}

int unit_parse_duration_reason(const char *s, usec_t *ret_usec, char reason[static UNIT_REASON_MAX]) {
        static const struct {
                const char *suffix;
                usec_t factor;
        } table[] = {
                { "us", 1ULL },         { "ms", USEC_PER_MSEC },
                { "s", USEC_PER_SEC },  { "min", USEC_PER_MINUTE },
                { "h", USEC_PER_HOUR }, { "d", 24ULL * USEC_PER_HOUR },
        };
        const char *p = s;
        usec_t total = 0;
        int r;

        r = check_common(s, reason);
        if (r < 0)
                return r;

        /* A sequence of NUMBER UNIT, e.g. "1h30min"; a lone bare number is
         * seconds. A bare number after a unit ("1h30") is rejected: it
         * is more likely a typo than "30 seconds". */
        for (bool first = true; *p; first = false) {
                const char *unit;
                size_t unit_len;
                usec_t factor = 0, v;
                Decimal d;

                r = parse_decimal(&p, true, &d, reason);
                if (r < 0)
                        return r;

                unit = p;
                while (is_letter(*p))
                        p++;
                unit_len = (size_t) (p - unit);

                if (unit_len == 0) {
                        if (*p)
                                return fail(reason, -EINVAL, "unknown unit '%.24s'", p);
                        if (!first)
                                return fail(reason, -EINVAL, "missing unit after the last number");
                        factor = USEC_PER_SEC;
                } else {
                        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                                if (strlen(table[i].suffix) == unit_len &&
                                    strncmp(unit, table[i].suffix, unit_len) == 0) {
                                        factor = table[i].factor;
                                        break;
                                }
                        if (factor == 0)
                                return fail(reason, -EINVAL, "unknown unit '%.*s'", (int) MIN(unit_len, 24),
                                            unit);
                }

                if (decimal_scale(&d, factor, &v) < 0 || v > UINT64_MAX - total)
                        return fail(reason, -ERANGE, "value too large");
                total += v;
        }

        /* USEC_INFINITY is a sentinel elsewhere, never a parsed value. */
        if (total == USEC_INFINITY)
                return fail(reason, -ERANGE, "value too large");

        *ret_usec = total;
        return 0;
}

int unit_parse_duration(const char *s, usec_t *ret_usec) {
        char reason[UNIT_REASON_MAX];
        return unit_parse_duration_reason(s, ret_usec, reason);
}

int unit_parse_percent_reason(const char *s, bool allow_over_100, uint32_t *ret_bp,
                              char reason[static UNIT_REASON_MAX]) {
        const char *p = s;
        uint64_t bp;
        Decimal d;
        int r;

        r = check_common(s, reason);
        if (r < 0)
                return r;
        r = parse_decimal(&p, true, &d, reason);
        if (r < 0)
                return r;
        if (d.frac_digits > 2)
                return fail(reason, -EINVAL, "at most two decimals");
        if (*p != '%')
                return *p ? fail(reason, -EINVAL, "unknown unit '%.24s'", p)
                          : fail(reason, -EINVAL, "missing '%%'");
        if (p[1])
                return fail(reason, -EINVAL, "unexpected '%.24s' after '%%'", p + 1);

        if (decimal_scale(&d, 100, &bp) < 0 || bp > UINT32_MAX)
                return fail(reason, -ERANGE, "value too large");
        if (!allow_over_100 && bp > 10000)
                return fail(reason, -ERANGE, "must not exceed 100%%");

        *ret_bp = (uint32_t) bp;
        return 0;
}

int unit_parse_percent(const char *s, bool allow_over_100, uint32_t *ret_bp) {
        char reason[UNIT_REASON_MAX];
        return unit_parse_percent_reason(s, allow_over_100, ret_bp, reason);
}

int unit_parse_count_reason(const char *s, uint64_t max, uint64_t *ret,
                            char reason[static UNIT_REASON_MAX]) {
        const char *p = s;
        Decimal d;
        int r;

        r = check_common(s, reason);
        if (r < 0)
                return r;
        r = parse_decimal(&p, false, &d, reason);
        if (r < 0)
                return r;
        if (*p)
                return fail(reason, -EINVAL, "unexpected '%.24s' after the number", p);
        if (d.integer > max)
                return fail(reason, -ERANGE, "must be at most %" PRIu64, max);

        *ret = d.integer;
        return 0;
}

int unit_parse_count(const char *s, uint64_t max, uint64_t *ret) {
        char reason[UNIT_REASON_MAX];
        return unit_parse_count_reason(s, max, ret, reason);
}

int unit_parse_bool(const char *s, bool *ret) {
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(s, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(s, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        return -EINVAL;
}

/* Our own table rather than sigabbrev_np(): that needs glibc 2.32 and
 * the numbers differ per architecture, which the macros take care of. */
static const struct {
        int sig;
        const char *name;
} signal_table[] = {
        { SIGHUP, "HUP" },       { SIGINT, "INT" },       { SIGQUIT, "QUIT" }, { SIGILL, "ILL" },
        { SIGTRAP, "TRAP" },     { SIGABRT, "ABRT" },     { SIGBUS, "BUS" },   { SIGFPE, "FPE" },
        { SIGKILL, "KILL" },     { SIGUSR1, "USR1" },     { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
        { SIGPIPE, "PIPE" },     { SIGALRM, "ALRM" },     { SIGTERM, "TERM" },
#ifdef SIGSTKFLT
        { SIGSTKFLT, "STKFLT" },
#endif
        { SIGCHLD, "CHLD" },     { SIGCONT, "CONT" },     { SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" },
        { SIGTTIN, "TTIN" },     { SIGTTOU, "TTOU" },     { SIGURG, "URG" },   { SIGXCPU, "XCPU" },
        { SIGXFSZ, "XFSZ" },     { SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" }, { SIGWINCH, "WINCH" },
        { SIGIO, "IO" },
#ifdef SIGPWR
        { SIGPWR, "PWR" },
#endif
        { SIGSYS, "SYS" },
};

const char *unit_signal_to_string(int sig) {
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (signal_table[i].sig == sig)
                        return signal_table[i].name;
        return NULL;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" */
static int parse_rt_signal(const char *s, int *ret_sig) {
        uint64_t off = 0;
        int base, sig;

        if (strncmp(s, "RTMIN", 5) == 0) {
                base = SIGRTMIN;
                s += 5;
                if (*s) {
                        if (*s != '+' || unit_parse_count(s + 1, 1000, &off) < 0)
                                return -EINVAL;
                }
                sig = base + (int) off;
        } else if (strncmp(s, "RTMAX", 5) == 0) {
                base = SIGRTMAX;
                s += 5;
                if (*s) {
                        if (*s != '-' || unit_parse_count(s + 1, 1000, &off) < 0)
                                return -EINVAL;
                }
                sig = base - (int) off;
        } else
                return -EINVAL;

        if (sig < SIGRTMIN || sig > SIGRTMAX)
                return -ERANGE;
        *ret_sig = sig;
        return 0;
}

int unit_parse_signal(const char *s, int *ret_sig) {
        const char *name;
        uint64_t n;

        if (!s || !*s)
                return -EINVAL;

        if (is_digit(s[0])) {
                if (unit_parse_count(s, INT32_MAX, &n) < 0)
                        return -EINVAL;
                if (n < 1 || n > (uint64_t) SIGRTMAX)
                        return -ERANGE;
                *ret_sig = (int) n;
                return 0;
        }

        name = strncmp(s, "SIG", 3) == 0 ? s + 3 : s;
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (streq(name, signal_table[i].name)) {
                        *ret_sig = signal_table[i].sig;
                        return 0;
                }
        return parse_rt_signal(name, ret_sig);
}

int unit_parse_mode(const char *s, unsigned *ret_mode) {
        unsigned v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '7')
                        return -EINVAL;
                v = v * 8 + (unsigned) (*p - '0');
                if (v > 0777)
                        return -ERANGE;
        }
        *ret_mode = v;
        return 0;
}

char *unit_format_size(char buf[static UNIT_SIZE_MAX], uint64_t bytes) {
        static const struct {
                const char *suffix;
                uint64_t factor;
        } table[] = {
                { "T", 1ULL << 40 },
                { "G", 1ULL << 30 },
                { "M", 1ULL << 20 },
                { "K", 1ULL << 10 },
        };

        if (bytes == UINT64_MAX) {
                snprintf(buf, UNIT_SIZE_MAX, "infinity");
                return buf;
        }

        /* Exact when a unit divides the value ("1536M", not "1.5G"), so
         * that messages show what was configured; otherwise one truncated
         * decimal of the largest unit ("1.1G") for readings. */
        for (size_t i = 0; i < ELEMENTSOF(table); i++)
                if (bytes >= table[i].factor && bytes % table[i].factor == 0) {
                        snprintf(buf, UNIT_SIZE_MAX, "%" PRIu64 "%s", bytes / table[i].factor,
                                 table[i].suffix);
                        return buf;
                }
        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                uint64_t f = table[i].factor;

                if (bytes < f)
                        continue;
                snprintf(buf, UNIT_SIZE_MAX, "%" PRIu64 ".%" PRIu64 "%s", bytes / f,
                         (uint64_t) ((unsigned __int128) (bytes % f) * 10 / f), table[i].suffix);
                return buf;
        }

        snprintf(buf, UNIT_SIZE_MAX, "%" PRIu64 "B", bytes);
        return buf;
}

/* The duration units, largest first (both formatters). */
static const struct {
        const char *suffix;
        usec_t factor;
} duration_units[] = {
        { "d", 24ULL * USEC_PER_HOUR }, { "h", USEC_PER_HOUR },  { "min", USEC_PER_MINUTE },
        { "s", USEC_PER_SEC },          { "ms", USEC_PER_MSEC }, { "us", 1ULL },
};

char *unit_format_duration(char buf[static UNIT_SIZE_MAX], usec_t usec) {
        size_t n = 0;

        if (usec == USEC_INFINITY) {
                snprintf(buf, UNIT_SIZE_MAX, "infinity");
                return buf;
        }
        if (usec == 0) {
                snprintf(buf, UNIT_SIZE_MAX, "0");
                return buf;
        }

        /* Exact, without spaces, so the result parses back to the same
         * value: "1h30min", "1s500ms". The longest (UINT64_MAX - 1) is 29
         * characters. */
        buf[0] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(duration_units) && usec > 0; i++) {
                usec_t q = usec / duration_units[i].factor;

                if (q == 0)
                        continue;
                n += (size_t) snprintf(buf + n, UNIT_SIZE_MAX - n, "%" PRIu64 "%s", q,
                                       duration_units[i].suffix);
                usec -= q * duration_units[i].factor;
        }
        return buf;
}

char *unit_format_duration_short(char buf[static UNIT_SIZE_MAX], usec_t usec) {

        if (usec == USEC_INFINITY) {
                snprintf(buf, UNIT_SIZE_MAX, "infinity");
                return buf;
        }
        if (usec == 0) {
                snprintf(buf, UNIT_SIZE_MAX, "0");
                return buf;
        }
        /* the largest unit, and the next one when it is not zero; the rest
         * is cut (rounded down): "1min9s", "8h13min", "250ms" */
        for (size_t i = 0; i < ELEMENTSOF(duration_units); i++) {
                usec_t q = usec / duration_units[i].factor, r;

                if (q == 0)
                        continue;
                r = i + 1 < ELEMENTSOF(duration_units)
                            ? (usec - q * duration_units[i].factor) / duration_units[i + 1].factor
                            : 0;
                /* below a second, milliseconds alone are enough; from ten
                 * seconds on, whole seconds */
                /* composed where it surely fits, then copied: UNIT_SIZE_MAX
                 * holds the longest a usec_t gives ("213503982d8h") */
                char tmp[64];
                int k;
                if (r > 0 && duration_units[i].factor >= USEC_PER_SEC &&
                    !(duration_units[i].factor == USEC_PER_SEC && q >= 10))
                        k = snprintf(tmp, sizeof tmp, "%" PRIu64 "%s%" PRIu64 "%s", q,
                                     duration_units[i].suffix, r, duration_units[i + 1].suffix);
                else
                        k = snprintf(tmp, sizeof tmp, "%" PRIu64 "%s", q, duration_units[i].suffix);
                k = MIN(MAX(k, 0), (int) UNIT_SIZE_MAX - 1);
                memcpy(buf, tmp, (size_t) k);
                buf[k] = 0;
                return buf;
        }
        return buf;
}

char *unit_format_size_short(char buf[static UNIT_SIZE_MAX], uint64_t bytes) {
        static const char units[] = "KMGTPE";
        double d = (double) bytes;
        int u = -1;

        if (bytes == UINT64_MAX) {
                snprintf(buf, UNIT_SIZE_MAX, "max");
                return buf;
        }
        while (d >= 1024 && u < 5) {
                d /= 1024;
                u++;
        }
        if (u < 0)
                snprintf(buf, UNIT_SIZE_MAX, "%" PRIu64 "B", bytes);
        else
                snprintf(buf, UNIT_SIZE_MAX, "%.1f%c", d, units[u]);
        return buf;
}
