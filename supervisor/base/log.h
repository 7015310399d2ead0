/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* cgwarden's own log: journald when stderr is connected to the journal
 * (JOURNAL_STREAM matches stderr's dev:ino, as systemd documents), else
 * stderr with a level prefix. Only the daemon and CLI log; library-like
 * modules return -errno and let the caller decide. */

#include <errno.h>
#include <syslog.h>

#include "base/macro.h"

void log_setup(void);
void log_set_max_level(int level);
int log_get_max_level(void);
bool log_to_journal(void);

/* Logs and returns -abs(error) (or 0 when error is 0), so callers can
 * write: return log_error_errno(r, "Failed to ...: %m"); %m uses error. */
int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...)
        _printf_(6, 7);

/* A log rate limit, as journald's: at most burst messages per interval;
 * the rest are counted. log_ratelimit() returns true when this message may
 * be logged; when a new interval begins after messages were suppressed,
 * *ret_suppressed gets their count (else 0), for one "N messages
 * suppressed" line. */
typedef struct LogRateLimit {
        usec_t begin; /* CLOCK_MONOTONIC */
        unsigned n, suppressed;
} LogRateLimit;
bool log_ratelimit(LogRateLimit *rl, usec_t interval, unsigned burst, unsigned *ret_suppressed);

/* Structured entry with extra journal fields (NULL-terminated list of
 * "KEY=value" strings). On stderr only the message is printed. */
int log_struct_fields(int level, const char *message_id, char **fields, const char *fmt, ...) _printf_(4, 5);

/* An event of a service as a structured entry: CGWARDEN_SERVICE=service,
 * CGWARDEN_EVENT=event, then extra (NULL-terminated "KEY=value" strings;
 * NULL for none). */
int log_service_event(int level, const char *message_id, const char *service, const char *event,
                      char **extra, const char *fmt, ...) _printf_(6, 7);

#define log_full_errno(level, error, ...) \
        log_internal(level, error, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_full(level, ...) (void) log_full_errno(level, 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, e, __VA_ARGS__)
#define log_info_errno(e, ...) log_full_errno(LOG_INFO, e, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, e, __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, e, __VA_ARGS__)

#define log_oom() log_error_errno(ENOMEM, "Out of memory.")
