/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The pure parts of the report's SVG plots: axis ticks, scaling, and the
 * HTML escaping every string of a capture goes through. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SVG_TICKS_MAX 16U

/* "Nice" ticks (1, 2 or 5 times a power of ten) covering [lo, hi] with
 * at most max_ticks ticks (2 <= max_ticks <= SVG_TICKS_MAX): the first
 * tick is <= lo, the last >= hi. lo == hi is widened. Returns the number
 * of ticks (>= 2) and writes them to ret_ticks, or -EINVAL (max_ticks out
 * of range, lo > hi, not finite). */
int svg_nice_ticks(double lo, double hi, unsigned max_ticks, double ret_ticks[]);

/* Time ticks in seconds: a step of 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10,
 * 15, 30 min, 1, 2, 3, 6, 12 h or days, the first tick at a multiple of
 * the step >= lo_s, all <= hi_s, at most max_ticks. Returns the count
 * (0 when none falls inside) or -EINVAL. */
int svg_time_ticks(double lo_s, double hi_s, unsigned max_ticks, double ret_ticks[]);

/* Map v from [lo, hi] to [out_lo, out_hi] (lo == hi: the middle). */
double svg_scale(double v, double lo, double hi, double out_lo, double out_hi);

/* s with & < > " ' escaped and control characters (but tab and newline)
 * as U+FFFD, and bytes that are not valid UTF-8 as U+FFFD: malloc'd, or
 * NULL on ENOMEM. NULL s gives "". */
char *html_escape(const char *s);

/* Write s escaped to f. */
void html_puts(FILE *f, const char *s);

/* s for a terminal: control characters (ESC included) but newline and
 * tab replaced by '?'. Malloc'd, or NULL on ENOMEM. */
char *text_sanitize(const char *s);
