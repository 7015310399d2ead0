/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include "spawn/outlog.h"

typedef struct Partial {
        char *buf; /* OUTLOG_LINE_MAX bytes when allocated */
        size_t n;
} Partial;

struct OutLog {
        int dir_fd; /* not owned */
        char *name;
        int fd;
        uint64_t size;
        uint64_t max_size;
        unsigned keep;
        Partial part[2]; /* stdout, stderr */
        outlog_line_cb cb;
        void *userdata;
};

void outlog_format_time(usec_t now_usec, char buf[static 32]) {
        time_t sec = (time_t) (now_usec / USEC_PER_SEC);
        struct tm tm;

        gmtime_r(&sec, &tm);
        if (strftime(buf, 21, "%Y-%m-%dT%H:%M:%S", &tm) != 19)
                memcpy(buf, "0000-00-00T00:00:00", 20);
        snprintf(buf + 19, 13, ".%03uZ", (unsigned) ((now_usec % USEC_PER_SEC) / 1000));
}

static int open_log(OutLog *l) {
        _cleanup_free_ char *fn = NULL;
        struct stat st;

        if (asprintf(&fn, "%s.log", l->name) < 0)
                return -ENOMEM;
        l->fd = openat(l->dir_fd, fn, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
                       0640);
        if (l->fd < 0)
                return -errno;
        l->size = fstat(l->fd, &st) >= 0 ? (uint64_t) st.st_size : 0;
        return 0;
}

int outlog_open(int dir_fd, const char *name, uint64_t max_size, unsigned keep, OutLog **ret) {
        OutLog *l;
        int r;

        l = calloc(1, sizeof *l);
        if (!l)
                return -ENOMEM;
        l->dir_fd = dir_fd;
        l->fd = -EBADF;
        l->max_size = max_size;
        l->keep = keep;
        l->name = strdup(name);
        if (!l->name) {
                free(l);
                return -ENOMEM;
        }
        r = open_log(l);
        if (r < 0) {
                outlog_free(l);
                return r;
        }
        *ret = l;
        return 0;
}

OutLog *outlog_free(OutLog *l) {
        if (!l)
                return NULL;
        safe_close(l->fd);
        free(l->part[0].buf);
        free(l->part[1].buf);
        free(l->name);
        free(l);
        return NULL;
}

void outlog_set_line_cb(OutLog *l, outlog_line_cb cb, void *userdata) {
        l->cb = cb;
        l->userdata = userdata;
}

/* name.log.(k-1) -> name.log.k, ..., name.log -> name.log.1 */
static int rotate(OutLog *l) {
        char from[512], to[512];

        l->fd = safe_close(l->fd);
        if (l->keep == 0) {
                snprintf(from, sizeof from, "%s.log", l->name);
                (void) unlinkat(l->dir_fd, from, 0);
        } else {
                for (unsigned k = l->keep; k >= 1; k--) {
                        if (k == 1)
                                snprintf(from, sizeof from, "%s.log", l->name);
                        else
                                snprintf(from, sizeof from, "%s.log.%u", l->name, k - 1);
                        snprintf(to, sizeof to, "%s.log.%u", l->name, k);
                        (void) renameat(l->dir_fd, from, l->dir_fd, to);
                }
        }
        return open_log(l);
}

static const char *const stream_tag[3] = { "cgwarden", "stdout", "stderr" };

static int write_line(OutLog *l, int stream, const char *a, size_t na, const char *b, size_t nb,
                      usec_t now) {
        char prefix[64];
        struct iovec iov[4];
        size_t total;
        ssize_t k;
        int np;

        outlog_format_time(now, prefix);
        np = snprintf(prefix + 24, sizeof prefix - 24, " %s: ", stream_tag[stream]);
        iov[0] = (struct iovec){ prefix, (size_t) np + 24 };
        iov[1] = (struct iovec){ (void *) a, na };
        iov[2] = (struct iovec){ (void *) b, nb };
        iov[3] = (struct iovec){ (void *) "\n", 1 };
        total = iov[0].iov_len + na + nb + 1;

        if (l->max_size > 0 && l->size > 0 && l->size + total > l->max_size) {
                int r = rotate(l);
                if (r < 0)
                        return r;
        }
        if (l->fd < 0)
                return -EBADF;
        k = writev(l->fd, iov, 4);
        if (k < 0)
                return -errno;
        l->size += (uint64_t) k;

        if (l->cb && stream > 0) {
                if (nb == 0)
                        l->cb(l->userdata, stream, a, na);
                else {
                        char line[OUTLOG_LINE_MAX];
                        size_t n = MIN(na, sizeof line);
                        memcpy(line, a, n);
                        memcpy(line + n, b, MIN(nb, sizeof line - n));
                        l->cb(l->userdata, stream, line, n + MIN(nb, sizeof line - n));
                }
        }
        return 0;
}

int outlog_feed(OutLog *l, int stream, const char *buf, size_t n, usec_t now) {
        Partial *p;
        int r = 0;

        if (stream != 1 && stream != 2)
                return -EINVAL;
        p = &l->part[stream - 1];
        while (n > 0) {
                const char *nl = memchr(buf, '\n', n);
                size_t len = nl ? (size_t) (nl - buf) : n;

                if (nl) {
                        size_t room = p->buf ? OUTLOG_LINE_MAX - p->n : OUTLOG_LINE_MAX;
                        if (p->n > 0 && len <= room) {
                                r = write_line(l, stream, p->buf, p->n, buf, len, now);
                        } else {
                                if (p->n > 0)
                                        r = write_line(l, stream, p->buf, p->n, NULL, 0, now);
                                /* long lines are written in pieces */
                                for (size_t off = 0; off < len || off == 0; off += OUTLOG_LINE_MAX) {
                                        size_t piece = MIN(len - off, (size_t) OUTLOG_LINE_MAX);
                                        int q = write_line(l, stream, buf + off, piece, NULL, 0, now);
                                        if (q < 0)
                                                r = q;
                                        if (len == 0)
                                                break;
                                }
                        }
                        p->n = 0;
                        buf += len + 1;
                        n -= len + 1;
                        continue;
                }
                /* no newline: keep the tail, writing out full buffers */
                if (!p->buf) {
                        p->buf = malloc(OUTLOG_LINE_MAX);
                        if (!p->buf)
                                return -ENOMEM;
                }
                while (len > 0) {
                        size_t c = MIN(len, OUTLOG_LINE_MAX - p->n);
                        memcpy(p->buf + p->n, buf, c);
                        p->n += c;
                        buf += c;
                        len -= c;
                        n -= c;
                        if (p->n == OUTLOG_LINE_MAX) {
                                int q = write_line(l, stream, p->buf, p->n, NULL, 0, now);
                                if (q < 0)
                                        r = q;
                                p->n = 0;
                        }
                }
        }
        /* release an empty buffer: idle services hold no line memory */
        if (p->buf && p->n == 0) {
                free(p->buf);
                p->buf = NULL;
        }
        return r;
}

int outlog_flush(OutLog *l, int stream, usec_t now) {
        Partial *p;
        int r = 0;

        if (stream != 1 && stream != 2)
                return -EINVAL;
        p = &l->part[stream - 1];
        if (p->buf && p->n > 0)
                r = write_line(l, stream, p->buf, p->n, NULL, 0, now);
        free(p->buf);
        p->buf = NULL;
        p->n = 0;
        return r;
}

int outlog_note(OutLog *l, const char *line, usec_t now) {
        return write_line(l, 0, line, strlen(line), NULL, 0, now);
}
