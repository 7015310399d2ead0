/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Strict parsers for the value syntaxes of the config and CLI.
 * All are pure; each returns 0 and writes ret_* on success, or -EINVAL
 * (bad syntax) / -ERANGE (overflow or out of range) and leaves ret_*
 * untouched. No leading/trailing junk is accepted (whitespace around the
 * whole value is trimmed by the caller). */

#include <stdbool.h>
#include <stdint.h>

#include "base/macro.h"

/* "512M", "5G", "1.5G", "4096" (bytes); K M G T, 1024-based; plain bytes
 * may carry a "B" ("4096B"), but "512MB" is NOT accepted: ambiguous. A
 * fraction needs a unit; the result is truncated to whole bytes. */
int unit_parse_size(const char *s, uint64_t *ret_bytes);

/* "250ms", "30s", "10min", "2h", "1d", "1h30min", "500us", "1.5s"; a bare
 * number (alone) is seconds. Units: us ms s min h d. */
int unit_parse_duration(const char *s, usec_t *ret_usec);

/* "90%", "12.5%": ret in basis points (10000 = 100%), two decimals at most;
 * 0..10000 unless allow_over_100 (cpu quotas: "200%"). */
int unit_parse_percent(const char *s, bool allow_over_100, uint32_t *ret_bp);

/* Decimal count without sign, up to max. */
int unit_parse_count(const char *s, uint64_t max, uint64_t *ret);

/* yes/no/true/false/on/off/1/0, case-insensitive */
int unit_parse_bool(const char *s, bool *ret);

/* Signal name ("TERM", "SIGTERM", "KILL", "RTMIN+3") or number; ret 1..SIGRTMAX. */
int unit_parse_signal(const char *s, int *ret_sig);
const char *unit_signal_to_string(int sig); /* "TERM", or NULL */

/* "0022" octal umask 0..0777 */
int unit_parse_mode(const char *s, unsigned *ret_mode);

/* The same parsers, explaining a failure in reason (e.g. "unknown unit
 * 'Q'") for error messages. reason is written only on failure. */
#define UNIT_REASON_MAX 96
int unit_parse_size_reason(const char *s, uint64_t *ret_bytes, char reason[static UNIT_REASON_MAX]);
int unit_parse_duration_reason(const char *s, usec_t *ret_usec, char reason[static UNIT_REASON_MAX]);
int unit_parse_percent_reason(const char *s, bool allow_over_100, uint32_t *ret_bp,
                              char reason[static UNIT_REASON_MAX]);
int unit_parse_count_reason(const char *s, uint64_t max, uint64_t *ret, char reason[static UNIT_REASON_MAX]);

/* Formatting, into caller buffers; return buf. Sizes print exactly in the
 * largest unit that divides them ("5G", "1536M", "512B"), else with one
 * truncated decimal ("1.1G"); durations print exactly ("1h30min");
 * UINT64_MAX / USEC_INFINITY print as "infinity". */
#define UNIT_SIZE_MAX 32
char *unit_format_size(char buf[static UNIT_SIZE_MAX], uint64_t bytes);
char *unit_format_duration(char buf[static UNIT_SIZE_MAX], usec_t usec);
/* For people, not for parsing back: at most two units, the rest cut,
 * "1min9s", "34s", "8h13min", "2d3h", "1s500ms", "250ms"; "0";
 * "infinity". Returns buf. */
char *unit_format_duration_short(char buf[static UNIT_SIZE_MAX], usec_t usec);
/* A size for a log message, one decimal in the largest unit: "217.6M",
 * "1.5G", "512B"; "max" for UINT64_MAX (the exact value belongs in a
 * structured field). Returns buf. */
char *unit_format_size_short(char buf[static UNIT_SIZE_MAX], uint64_t bytes);
