/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>

#include <systemd/sd-journal.h>

#include "base/log.h"

static int max_level = LOG_INFO;
static bool use_journal;

static const char *const level_names[] = {
        [LOG_EMERG] = "emerg",  [LOG_ALERT] = "alert",   [LOG_CRIT] = "crit", [LOG_ERR] = "error",
        [LOG_WARNING] = "warn", [LOG_NOTICE] = "notice", [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

void log_setup(void) {
        const char *l = getenv("CGWARDEN_LOG_LEVEL");

        use_journal = stderr_is_journal();
        if (l) {
                for (size_t i = 0; i < ELEMENTSOF(level_names); i++)
                        if (level_names[i] && streq(l, level_names[i]))
                                max_level = (int) i;
        }
}

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

bool log_to_journal(void) {
        return use_journal;
}

static void write_stderr(int level, const char *msg) {
        struct timespec ts;
        struct tm tm;
        char tbuf[32];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(tbuf, sizeof tbuf, "%H:%M:%S", &tm);
        fprintf(stderr, "cgwarden[%d] %s.%06ld %s: %s\n", (int) getpid(), tbuf, ts.tv_nsec / 1000,
                level_names[level & 7], msg);
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *fmt, ...) {
        char msg[2048];
        va_list ap;
        int saved = errno;

        if (error < 0)
                error = -error;
        if (level > max_level)
                return -error;

        errno = error;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);

        if (use_journal) {
                char lbuf[32];
                snprintf(lbuf, sizeof lbuf, "%d", line);
                sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", level, "CODE_FILE=%s", file,
                                "CODE_LINE=%s", lbuf, "CODE_FUNC=%s", func, error ? "ERRNO=%d" : NULL, error,
                                NULL);
        } else
                write_stderr(level, msg);

        errno = saved;
        return -error;
}

bool log_ratelimit(LogRateLimit *rl, usec_t interval, unsigned burst, unsigned *ret_suppressed) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        *ret_suppressed = 0;
        if (rl->begin == 0 || now - rl->begin >= interval) {
                *ret_suppressed = rl->suppressed;
                *rl = (LogRateLimit){ .begin = now };
        }
        if (rl->n < burst) {
                rl->n++;
                return true;
        }
        rl->suppressed++;
        return false;
}

/* One message with its fields: to the journal, or the message alone to
 * stderr. */
static int log_fields_message(int level, const char *message_id, char **fields, const char *msg) {
        if (use_journal) {
                size_t n = strv_length(fields);
                struct iovec iov[n + 3];
                char pbuf[16], mbuf[2100], idbuf[64];
                size_t k = 0;

                snprintf(mbuf, sizeof mbuf, "MESSAGE=%s", msg);
                snprintf(pbuf, sizeof pbuf, "PRIORITY=%d", level);
                iov[k++] = (struct iovec){ mbuf, strlen(mbuf) };
                iov[k++] = (struct iovec){ pbuf, strlen(pbuf) };
                if (message_id) {
                        snprintf(idbuf, sizeof idbuf, "MESSAGE_ID=%s", message_id);
                        iov[k++] = (struct iovec){ idbuf, strlen(idbuf) };
                }
                for (size_t i = 0; i < n; i++)
                        iov[k++] = (struct iovec){ fields[i], strlen(fields[i]) };
                sd_journal_sendv(iov, (int) k);
        } else
                write_stderr(level, msg);
        return 0;
}

int log_struct_fields(int level, const char *message_id, char **fields, const char *fmt, ...) {
        char msg[2048];
        va_list ap;

        if (level > max_level)
                return 0;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        return log_fields_message(level, message_id, fields, msg);
}

int log_service_event(int level, const char *message_id, const char *service, const char *event,
                      char **extra, const char *fmt, ...) {
        char msg[2048], f_svc[96], f_ev[64];
        char *fields[16] = { f_svc, f_ev };
        size_t n = 2;
        va_list ap;

        if (level > max_level)
                return 0;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        snprintf(f_svc, sizeof f_svc, "CGWARDEN_SERVICE=%s", service);
        snprintf(f_ev, sizeof f_ev, "CGWARDEN_EVENT=%s", event);
        for (char **e = extra; e && *e && n < ELEMENTSOF(fields) - 1; e++)
                fields[n++] = *e;
        fields[n] = NULL;
        return log_fields_message(level, message_id, fields, msg);
}
