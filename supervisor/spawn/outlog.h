/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A service's stdout and stderr, as lines with a UTC timestamp, written to
 * <dir>/<name>.log and rotated by size (name.log.1 ... name.log.<keep>).
 * Partial lines wait in a small buffer that exists only while needed; a
 * line longer than OUTLOG_LINE_MAX is written in pieces. */

#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

#define OUTLOG_LINE_MAX 8192

typedef struct OutLog OutLog;

/* Called for every complete line (without the newline), e.g. for log
 * triggers. */
typedef void (*outlog_line_cb)(void *userdata, int stream, const char *line, size_t n);

/* Opens (creating 0640, O_NOFOLLOW) <dir>/<name>.log for appending.
 * Returns 0 or -errno. */
int outlog_open(int dir_fd, const char *name, uint64_t max_size, unsigned keep, OutLog **ret);
OutLog *outlog_free(OutLog *l);
void outlog_set_line_cb(OutLog *l, outlog_line_cb cb, void *userdata);

/* stream: 1 stdout, 2 stderr. now_usec: CLOCK_REALTIME. Returns 0 or
 * -errno (the data is dropped on a write error; the caller logs once). */
int outlog_feed(OutLog *l, int stream, const char *buf, size_t n, usec_t now_usec);
/* Write out a pending partial line of a stream (at EOF). */
int outlog_flush(OutLog *l, int stream, usec_t now_usec);
/* Write one line of cgwarden's own about this service (marked "cgwarden"). */
int outlog_note(OutLog *l, const char *line, usec_t now_usec);

/* Format a realtime timestamp as "2026-11-22T04:55:01.123Z" (25 bytes). */
void outlog_format_time(usec_t now_usec, char buf[static 32]);
