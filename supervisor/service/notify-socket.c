/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "base/log.h"
#include "base/parse-util.h"
#include "service/notify-socket.h"
#include "base/procfs.h"
#include "base/string-table.h"

/* One debug line per socket at most this often; it carries the count of
 * drops since the last one, so a flood costs a counter, not a log line. */
#define NOTIFY_LOG_INTERVAL_USEC (10 * USEC_PER_SEC)
/* /proc/PID/cgroup is a line per v1 hierarchy; this is generous. */
#define NOTIFY_ERRNO_MAX 4095

/* ---- the parser ---- */

static int parse_decimal(const char *s, size_t len, uint64_t *ret) {
        return parse_u64_exact(s, len, ret);
}

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if invalid
 * (overlong forms, surrogates, above U+10FFFF and truncated sequences are
 * invalid). *ret_cp gets the code point. */
static size_t utf8_sequence(const unsigned char *s, size_t len, uint32_t *ret_cp) {
        unsigned char b = s[0], lo = 0x80, hi = 0xbf;
        size_t k;
        uint32_t cp;

        if (b < 0x80) {
                *ret_cp = b;
                return 1;
        }
        if (b >= 0xc2 && b <= 0xdf) {
                k = 2;
                cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
                k = 3;
                cp = b & 0x0f;
                if (b == 0xe0)
                        lo = 0xa0;
                else if (b == 0xed)
                        hi = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
                k = 4;
                cp = b & 0x07;
                if (b == 0xf0)
                        lo = 0x90;
                else if (b == 0xf4)
                        hi = 0x8f;
        } else
                return 0;
        if (len < k)
                return 0;
        for (size_t i = 1; i < k; i++) {
                if (s[i] < lo || s[i] > hi)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
                lo = 0x80;
                hi = 0xbf;
        }
        *ret_cp = cp;
        return k;
}

static bool is_control(uint32_t cp) {
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* The STATUS= value, escaped into out[NOTIFY_STATUS_MAX + 1]: a terminal
 * or a log reader must not be steered by what a service writes there. */
static void status_escape(const char *v, size_t len, char *out) {
        static const char hex[] = "0123456789abcdef";
        const unsigned char *s = (const unsigned char *) v;
        size_t o = 0, i = 0;

        while (i < len) {
                uint32_t cp = 0;
                size_t k = utf8_sequence(s + i, len - i, &cp);

                if (k > 0 && !is_control(cp)) {
                        if (o + k > NOTIFY_STATUS_MAX)
                                break;
                        memcpy(out + o, s + i, k);
                        o += k;
                        i += k;
                        continue;
                }
                /* a control character is escaped byte by byte (C1 is two
                 * bytes), an invalid sequence one byte at a time */
                if (k == 0)
                        k = 1;
                if (o + 4 * k > NOTIFY_STATUS_MAX)
                        break;
                for (size_t j = 0; j < k; j++) {
                        out[o++] = '\\';
                        out[o++] = 'x';
                        out[o++] = hex[s[i + j] >> 4];
                        out[o++] = hex[s[i + j] & 0xf];
                }
                i += k;
        }
        out[o] = '\0';
}

static bool key_is(const char *key, size_t klen, const char *name) {
        return strlen(name) == klen && memcmp(key, name, klen) == 0;
}

static bool value_is(const char *v, size_t vlen, const char *s) {
        return strlen(s) == vlen && memcmp(v, s, vlen) == 0;
}

/* A numeric value within [min, max]. */
static int parse_number(const char *v, size_t vlen, uint64_t min, uint64_t max, uint64_t *ret) {
        uint64_t x;
        int r;

        r = parse_decimal(v, vlen, &x);
        if (r < 0)
                return r;
        if (x < min || x > max)
                return -ERANGE;
        *ret = x;
        return 0;
}

/* Every occurrence of a key must parse; the first sets the field. */
static bool first(NotifyMessage *m, uint32_t bit) {
        if (m->have & bit)
                return false;
        m->have |= bit;
        return true;
}

int notify_parse(const char *buf, size_t n, NotifyMessage *ret) {
        NotifyMessage m = {};
        size_t pos = 0;

        if (n > NOTIFY_DATAGRAM_MAX)
                return -EMSGSIZE;
        if (n == 0 || memchr(buf, '\0', n))
                return -EBADMSG;

        while (pos < n) {
                const char *line = buf + pos, *nl, *eq, *v;
                size_t len, klen, vlen;
                uint64_t x = 0;
                int r = 0;

                nl = memchr(line, '\n', n - pos);
                len = nl ? (size_t) (nl - line) : n - pos;
                pos += len + 1;
                if (len == 0)
                        continue;
                eq = memchr(line, '=', len);
                if (!eq)
                        return -EBADMSG;
                klen = (size_t) (eq - line);
                if (klen == 0)
                        return -EBADMSG;
                v = eq + 1;
                vlen = len - klen - 1;

                if (key_is(line, klen, "READY"))
                        m.ready = m.ready || value_is(v, vlen, "1");
                else if (key_is(line, klen, "STOPPING"))
                        m.stopping = m.stopping || value_is(v, vlen, "1");
                else if (key_is(line, klen, "RELOADING"))
                        m.reloading = m.reloading || value_is(v, vlen, "1");
                else if (key_is(line, klen, "WATCHDOG")) {
                        m.watchdog = m.watchdog || value_is(v, vlen, "1");
                        m.watchdog_trigger = m.watchdog_trigger || value_is(v, vlen, "trigger");
                } else if (key_is(line, klen, "STATUS")) {
                        if (first(&m, NOTIFY_HAVE_STATUS))
                                status_escape(v, vlen, m.status);
                } else if (key_is(line, klen, "MAINPID")) {
                        r = parse_number(v, vlen, 1, NOTIFY_PID_MAX, &x);
                        if (r >= 0 && first(&m, NOTIFY_HAVE_MAINPID))
                                m.mainpid = (pid_t) x;
                } else if (key_is(line, klen, "ERRNO")) {
                        r = parse_number(v, vlen, 0, NOTIFY_ERRNO_MAX, &x);
                        if (r >= 0 && first(&m, NOTIFY_HAVE_ERRNO))
                                m.errno_value = (int) x;
                } else if (key_is(line, klen, "WATCHDOG_USEC")) {
                        r = parse_number(v, vlen, 0, UINT64_MAX, &x);
                        if (r >= 0 && first(&m, NOTIFY_HAVE_WATCHDOG_USEC))
                                m.watchdog_usec = x;
                } else if (key_is(line, klen, "EXTEND_TIMEOUT_USEC")) {
                        r = parse_number(v, vlen, 0, UINT64_MAX, &x);
                        if (r >= 0 && first(&m, NOTIFY_HAVE_EXTEND_TIMEOUT_USEC))
                                m.extend_timeout_usec = x;
                }
                if (r < 0)
                        return r;
        }

        *ret = m;
        return 0;
}

/* ---- the socket ---- */

static const char *const notify_drop_table[_NOTIFY_DROP_MAX] = {
        [NOTIFY_DROP_OVERSIZED] = "oversized",
        [NOTIFY_DROP_CONTROL_TRUNCATED] = "control-truncated",
        [NOTIFY_DROP_NO_CREDENTIALS] = "no-credentials",
        [NOTIFY_DROP_UNAUTHORIZED] = "unauthorized",
        [NOTIFY_DROP_MALFORMED] = "malformed",
};

DEFINE_STRING_TABLE_LOOKUP(notify_drop, NotifyDrop);

struct NotifySocket {
        sd_event_source *source;
        int fd;
        char *path;
        bool bound; /* we created the file at path */
        dev_t dev; /* ... and this is its inode, so free() never unlinks a successor's */
        ino_t ino;
        notify_authorize_t authorize;
        notify_socket_cb cb;
        void *userdata;
        bool dispatching; /* the callback runs: free() is deferred until it returns */
        bool free_pending;
        NotifySocketStats stats;
        uint64_t dropped_unlogged;
        usec_t log_next_usec;
        char buf[NOTIFY_DATAGRAM_MAX];
};

/* The last drop reason and sender are named; the others are counted. */
static void note_drop(NotifySocket *s, NotifyDrop why, pid_t pid, int error) {
        usec_t t;

        s->stats.dropped[why]++;
        s->dropped_unlogged++;
        if (log_get_max_level() < LOG_DEBUG)
                return;
        t = now_usec(CLOCK_MONOTONIC);
        if (t < s->log_next_usec)
                return;
        if (error != 0)
                log_debug_errno(error,
                                "%s: dropped %" PRIu64
                                " datagram(s) since the last report, last %s from pid %d: %m",
                                s->path, s->dropped_unlogged, notify_drop_to_string(why), (int) pid);
        else
                log_debug("%s: dropped %" PRIu64 " datagram(s) since the last report, last %s from pid %d",
                          s->path, s->dropped_unlogged, notify_drop_to_string(why), (int) pid);
        s->dropped_unlogged = 0;
        s->log_next_usec = t + NOTIFY_LOG_INTERVAL_USEC;
}

static void close_many(NotifySocket *s, const int *fds, size_t n) {
        for (size_t i = 0; i < n; i++) {
                (void) safe_close(fds[i]);
                s->stats.fds_closed++;
        }
}

/* Read and handle one datagram. Returns 1 to go on reading, 0 when the
 * queue is empty (or reading failed), -ECANCELED when the callback freed
 * s. */
static int read_one(NotifySocket *s) {
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * NOTIFY_FDS_MAX)];
        } control;
        struct iovec iov = { .iov_base = s->buf, .iov_len = sizeof(s->buf) };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &control,
                .msg_controllen = sizeof(control),
        };
        int fds[sizeof(control) / sizeof(int)]; /* room for every fd the buffer can carry */
        size_t n_fds = 0;
        struct ucred cred = {};
        bool have_cred = false;
        NotifyMessage m;
        ssize_t n;
        int r;

        /* MSG_TRUNC: the return value is the datagram's real length, so an
         * oversized one is recognised, not parsed in part. */
        n = recvmsg(s->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC | MSG_TRUNC);
        if (n < 0) {
                if (errno != EAGAIN && errno != EINTR)
                        log_debug_errno(errno, "%s: recvmsg failed, ignoring: %m", s->path);
                return 0;
        }
        s->stats.received++;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
                if (c->cmsg_level != SOL_SOCKET)
                        continue;
                if (c->cmsg_type == SCM_RIGHTS) {
                        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

                        for (size_t i = 0; i < k && n_fds < ELEMENTSOF(fds); i++)
                                memcpy(&fds[n_fds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                } else if (c->cmsg_type == SCM_CREDENTIALS &&
                           c->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
                        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
                        have_cred = true;
                }
        }

        if ((size_t) n > NOTIFY_DATAGRAM_MAX || (mh.msg_flags & MSG_TRUNC))
                note_drop(s, NOTIFY_DROP_OVERSIZED, cred.pid, 0);
        else if (mh.msg_flags & MSG_CTRUNC)
                note_drop(s, NOTIFY_DROP_CONTROL_TRUNCATED, cred.pid, 0);
        else if (!have_cred || cred.pid <= 0)
                note_drop(s, NOTIFY_DROP_NO_CREDENTIALS, cred.pid, 0);
        else if (!s->authorize(s->userdata, cred.pid))
                /* before parsing: a stranger's content is not looked at */
                note_drop(s, NOTIFY_DROP_UNAUTHORIZED, cred.pid, 0);
        else if ((r = notify_parse(s->buf, (size_t) n, &m)) < 0)
                note_drop(s, NOTIFY_DROP_MALFORMED, cred.pid, r);
        else {
                s->stats.delivered++;
                s->dispatching = true;
                s->cb(s, &m, cred.pid, s->userdata);
                s->dispatching = false;
        }

        /* After the callback: a sender blocked in sd_notify_barrier() is
         * released when its fd is closed, i.e. once we have handled it. */
        close_many(s, fds, n_fds);
        if (s->free_pending) {
                (void) notify_socket_free(s);
                return -ECANCELED;
        }
        return 1;
}

static int on_readable(sd_event_source *source, int fd, uint32_t revents, void *userdata) {
        NotifySocket *s = userdata;

        /* The source is level-triggered: what is left is read on the next
         * iteration, after the other pending sources had their turn. */
        for (unsigned i = 0; i < NOTIFY_READ_BATCH_MAX; i++)
                if (read_one(s) <= 0)
                        break;
        /* never an error: sd-event would disable the source */
        return 0;
}

/* A socket file at path that nobody is bound to any more (a previous run
 * that crashed) is removed; a live one or another kind of file is not. */
static int remove_stale_socket(const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode))
                return -EEXIST;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        memcpy(sa.sun_path, path, strlen(path));
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) >= 0)
                return -EADDRINUSE;
        if (errno != ECONNREFUSED)
                return -errno;
        if (unlink(path) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}

/* chmod through an O_PATH|O_NOFOLLOW fd of the socket file, checked to be
 * the inode bind() created: a file swapped in after bind() is not touched.
 * (A socket's mode cannot be set before bind(): bind() applies the
 * umask.) */
static int chmod_socket_file(const char *path, dev_t dev, ino_t ino, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;
        char proc[sizeof("/proc/self/fd/") + 12];
        struct stat st;

        fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISSOCK(st.st_mode) || st.st_dev != dev || st.st_ino != ino)
                return -EEXIST;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        if (chmod(proc, mode) < 0)
                return -errno;
        return 0;
}

int notify_socket_new(sd_event *e, const char *dir, const char *name, notify_authorize_t authorize,
                      notify_socket_cb cb, void *userdata, NotifySocket **ret) {
        _cleanup_notify_socket_free_ NotifySocket *s = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t dlen;
        struct stat st;
        const int one = 1;
        int r;

        if (!e || !dir || dir[0] != '/' || !name || !*name || strchr(name, '/') || !authorize || !cb || !ret)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->fd = -EBADF;
        s->authorize = authorize;
        s->cb = cb;
        s->userdata = userdata;

        dlen = strlen(dir);
        while (dlen > 1 && dir[dlen - 1] == '/')
                dlen--;
        if (asprintf(&s->path, "%.*s%s%s.notify", (int) dlen, dir, dlen == 1 ? "" : "/", name) < 0) {
                s->path = NULL;
                return -ENOMEM;
        }
        /* Strictly shorter than sun_path: clients (libsystemd included)
         * want room for the NUL. */
        if (strlen(s->path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, s->path, strlen(s->path));

        s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->fd < 0)
                return -errno;
        /* Set before bind: the kernel attaches the sender's credentials to
         * every datagram queued from then on, whether it sent them or not. */
        if (setsockopt(s->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
                return -errno;

        r = remove_stale_socket(s->path);
        if (r < 0)
                return r;
        if (bind(s->fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        if (lstat(s->path, &st) < 0)
                return -errno;
        if (!S_ISSOCK(st.st_mode))
                return -EEXIST;
        s->bound = true;
        s->dev = st.st_dev;
        s->ino = st.st_ino;
        r = chmod_socket_file(s->path, s->dev, s->ino, 0666);
        if (r < 0)
                return r;

        r = sd_event_add_io(e, &s->source, s->fd, EPOLLIN, on_readable, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(s->source, "notify-socket");

        *ret = TAKE_PTR(s);
        return 0;
}

NotifySocket *notify_socket_free(NotifySocket *s) {
        struct stat st;

        if (!s)
                return NULL;
        if (s->dispatching) {
                /* from the callback: read_one() still uses s */
                s->free_pending = true;
                return NULL;
        }
        s->source = sd_event_source_disable_unref(s->source);
        s->fd = safe_close(s->fd);
        if (s->bound && lstat(s->path, &st) >= 0 && S_ISSOCK(st.st_mode) && st.st_dev == s->dev &&
            st.st_ino == s->ino)
                (void) unlink(s->path);
        free(s->path);
        free(s);
        return NULL;
}

const char *notify_socket_path(const NotifySocket *s) {
        return s->path;
}

const NotifySocketStats *notify_socket_stats(const NotifySocket *s) {
        return &s->stats;
}

/* ---- who may speak ---- */

int notify_pid_in_cgroup(pid_t pid, const char *cgroup_rel_path, bool v2) {
        return cg_pid_in_cgroup(pid, cgroup_rel_path, v2 ? NULL : "memory");
}
