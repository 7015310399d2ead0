/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "report/svg.h"

/* 10^e and floor(log10(x)) without libm: these ticks were cgwarden's only
 * use of it (pow, log10), and every cgwarden process, daemon or CLI call,
 * mapped libm for them (~240 KB of its RSS, issue #17). Powers of ten up
 * to 1e22 are exact, and 1 / 10^k is correctly rounded, as pow() is. */
static double pow10i(int e) {
        double p = 1;

        for (int i = 0; i < (e < 0 ? -e : e) && isfinite(p); i++)
                p *= 10;
        return e < 0 ? 1 / p : p;
}

/* For x > 0 finite; may be one off where x is a power of ten that is not
 * exact in binary: the caller starts below it. */
static int floor_log10(double x) {
        int e = 0;

        while (x >= 10) {
                x /= 10;
                e++;
        }
        while (x < 1) {
                x *= 10;
                e--;
        }
        return e;
}

int svg_nice_ticks(double lo, double hi, unsigned max_ticks, double ret_ticks[]) {
        static const double mult[] = { 1, 2, 5 };
        double span, step = 0, first;
        int n;

        if (max_ticks < 2 || max_ticks > SVG_TICKS_MAX || !isfinite(lo) || !isfinite(hi) || lo > hi)
                return -EINVAL;
        if (hi == lo) {
                double w = fabs(lo) > 0 ? fabs(lo) * 0.1 : 1;
                lo -= w;
                hi += w;
        }
        span = hi - lo;
        if (!isfinite(span))
                return -EINVAL;
        /* the smallest nice step with at most max_ticks ticks */
        for (int e = floor_log10(span / (max_ticks - 1)) - 2; e < 400; e++) {
                bool found = false;
                for (size_t i = 0; i < ELEMENTSOF(mult); i++) {
                        double s = mult[i] * pow10i(e);
                        if (!(s > 0) || !isfinite(s))
                                continue;
                        if (floor(lo / s) * s + s * (max_ticks - 1) >= hi - s * 1e-9) {
                                step = s;
                                found = true;
                                break;
                        }
                }
                if (found)
                        break;
        }
        if (step <= 0 || !isfinite(step))
                return -EINVAL;
        first = floor(lo / step) * step;
        for (n = 0; n < (int) max_ticks; n++) {
                ret_ticks[n] = first + n * step;
                if (fabs(ret_ticks[n]) < step * 1e-9)
                        ret_ticks[n] = 0;
                if (ret_ticks[n] >= hi - step * 1e-9) {
                        n++;
                        break;
                }
        }
        return n;
}

int svg_time_ticks(double lo_s, double hi_s, unsigned max_ticks, double ret_ticks[]) {
        static const double steps[] = { 1,   2,    5,    10,   15,    30,    60,    120,   300,    600,
                                        900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800 };
        double step = steps[ELEMENTSOF(steps) - 1];
        int n = 0;

        if (max_ticks < 2 || max_ticks > SVG_TICKS_MAX || !isfinite(lo_s) || !isfinite(hi_s) || lo_s > hi_s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(steps); i++)
                if ((hi_s - lo_s) / steps[i] <= max_ticks - 1) {
                        step = steps[i];
                        break;
                }
        for (double t = ceil(lo_s / step) * step; t <= hi_s && n < (int) max_ticks; t += step)
                ret_ticks[n++] = t;
        return n;
}

double svg_scale(double v, double lo, double hi, double out_lo, double out_hi) {
        if (hi == lo)
                return (out_lo + out_hi) / 2;
        return out_lo + (v - lo) / (hi - lo) * (out_hi - out_lo);
}

/* The length of the valid UTF-8 sequence at s (1-4), or 0. */
static size_t utf8_len(const unsigned char *s) {
        size_t len;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if ((s[0] & 0xE0) == 0xC0) {
                len = 2;
                cp = s[0] & 0x1F;
        } else if ((s[0] & 0xF0) == 0xE0) {
                len = 3;
                cp = s[0] & 0x0F;
        } else if ((s[0] & 0xF8) == 0xF0) {
                len = 4;
                cp = s[0] & 0x07;
        } else
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || (cp >= 0x80 && cp < 0xA0))
                return 0;
        return len;
}

char *html_escape(const char *s) {
        const unsigned char *p = (const unsigned char *) (s ?: "");
        size_t n = strlen((const char *) p), o = 0;
        char *out = malloc(n * 6 + 1); /* "&quot;" is the longest: 6 per byte */

        if (!out)
                return NULL;
        while (*p) {
                size_t l;
                const char *rep = NULL;

                switch (*p) {
                case '&':
                        rep = "&amp;";
                        break;
                case '<':
                        rep = "&lt;";
                        break;
                case '>':
                        rep = "&gt;";
                        break;
                case '"':
                        rep = "&quot;";
                        break;
                case '\'':
                        rep = "&#39;";
                        break;
                case '\n':
                case '\t':
                        out[o++] = (char) *p++;
                        continue;
                default:
                        break;
                }
                if (rep) {
                        memcpy(out + o, rep, strlen(rep));
                        o += strlen(rep);
                        p++;
                        continue;
                }
                l = utf8_len(p);
                if (l == 0 || (l == 1 && (*p < 0x20 || *p == 0x7F))) {
                        memcpy(out + o, "\xEF\xBF\xBD", 3); /* U+FFFD */
                        o += 3;
                        p++;
                        continue;
                }
                memcpy(out + o, p, l);
                o += l;
                p += l;
        }
        out[o] = '\0';
        return out;
}

void html_puts(FILE *f, const char *s) {
        _cleanup_free_ char *e = html_escape(s);
        if (e)
                fputs(e, f);
}

char *text_sanitize(const char *s) {
        char *out = strdup(s ?: "");
        if (!out)
                return NULL;
        for (unsigned char *p = (unsigned char *) out; *p; p++)
                if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F)
                        *p = '?';
        return out;
}
