/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* notify-socket.h: the sd_notify datagram parser on valid, edge and
 * malformed input; the socket end to end in this process (an sd_event
 * loop, datagrams sent with sendmsg from this process and from forked
 * children, the loop run with a bounded timeout): credentials,
 * authorization, oversized and malformed datagrams, passed fds closed,
 * the per-wake-up read cap; and notify_pid_in_cgroup() on live, foreign
 * and reaped processes. */

#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "cgroup/cgroup.h"
#include "base/log.h"
#include "service/notify-socket.h"
#include "base/procfs.h"

/* ---- parser ---- */

/* Parse a string literal (its length, without the NUL) from an exactly
 * sized heap copy, so that ASan reports any read past n. */
static int parse_n(const char *s, size_t n, NotifyMessage *m) {
        char *copy = malloc(n ? n : 1);
        int r;

        assert_non_null(copy);
        memcpy(copy, s, n);
        r = notify_parse(copy, n, m);
        free(copy);
        return r;
}
#define PARSE(lit, m) parse_n(lit, sizeof(lit) - 1, m)

static void test_parse_basic(void **state) {
        NotifyMessage m;

        assert_int_equal(PARSE("READY=1\nSTATUS=Serving 3 clients\nMAINPID=4242\n", &m), 0);
        assert_true(m.ready);
        assert_false(m.stopping || m.reloading || m.watchdog || m.watchdog_trigger);
        assert_int_equal(m.have, NOTIFY_HAVE_STATUS | NOTIFY_HAVE_MAINPID);
        assert_string_equal(m.status, "Serving 3 clients");
        assert_int_equal(m.mainpid, 4242);
        assert_int_equal(m.errno_value, 0);

        /* what sd_notify(0, "WATCHDOG=1") sends: no final newline */
        assert_int_equal(PARSE("WATCHDOG=1", &m), 0);
        assert_true(m.watchdog);
        assert_false(m.ready);
        assert_int_equal(m.have, 0);
        assert_string_equal(m.status, "");
}

static void test_parse_all_keys(void **state) {
        NotifyMessage m;

        assert_int_equal(PARSE("STOPPING=1\nRELOADING=1\nWATCHDOG=trigger\nERRNO=28\n"
                               "WATCHDOG_USEC=30000000\nEXTEND_TIMEOUT_USEC=18446744073709551615\n"
                               "MAINPID=4194304\nSTATUS=",
                               &m),
                         0);
        assert_false(m.ready || m.watchdog);
        assert_true(m.stopping && m.reloading && m.watchdog_trigger);
        assert_int_equal(m.have, NOTIFY_HAVE_STATUS | NOTIFY_HAVE_MAINPID | NOTIFY_HAVE_ERRNO |
                                         NOTIFY_HAVE_WATCHDOG_USEC | NOTIFY_HAVE_EXTEND_TIMEOUT_USEC);
        assert_int_equal(m.errno_value, 28);
        assert_int_equal(m.watchdog_usec, 30 * USEC_PER_SEC);
        assert_true(m.extend_timeout_usec == UINT64_MAX);
        assert_int_equal(m.mainpid, NOTIFY_PID_MAX);
        /* STATUS= empty: present, clears the status */
        assert_string_equal(m.status, "");

        /* ERRNO=0 is present, and distinguishable from absent */
        assert_int_equal(PARSE("ERRNO=0\nWATCHDOG_USEC=0", &m), 0);
        assert_int_equal(m.have, NOTIFY_HAVE_ERRNO | NOTIFY_HAVE_WATCHDOG_USEC);
        assert_int_equal(m.errno_value, 0);
        assert_int_equal(m.watchdog_usec, 0);

        /* leading zeros are digits */
        assert_int_equal(PARSE("MAINPID=0007", &m), 0);
        assert_int_equal(m.mainpid, 7);
}

static void test_parse_flag_values(void **state) {
        NotifyMessage m;

        /* only the exact systemd values count, others are ignored as
         * systemd ignores them */
        assert_int_equal(PARSE("READY=0\nSTOPPING=yes\nRELOADING=\nWATCHDOG=2", &m), 0);
        assert_false(m.ready || m.stopping || m.reloading || m.watchdog || m.watchdog_trigger);
        assert_int_equal(PARSE("READY=1 ", &m), 0);
        assert_false(m.ready);
        assert_int_equal(PARSE("WATCHDOG=1\nWATCHDOG=trigger", &m), 0);
        assert_true(m.watchdog && m.watchdog_trigger);
        /* a flag set once stays set */
        assert_int_equal(PARSE("READY=1\nREADY=0", &m), 0);
        assert_true(m.ready);
}

static void test_parse_unknown_keys(void **state) {
        NotifyMessage m;

        /* sd_notify_barrier(), the fd store, sd_notify_reload: accepted,
         * nothing set; their values are not looked at */
        assert_int_equal(PARSE("BARRIER=1", &m), 0);
        assert_int_equal(PARSE("FDSTORE=1\nFDNAME=db\nFDPOLL=0", &m), 0);
        assert_int_equal(PARSE("RELOADING=1\nMONOTONIC_USEC=123456789", &m), 0);
        assert_true(m.reloading);
        assert_int_equal(PARSE("X_CUSTOM=\xff\x01 anything = at all", &m), 0);
        assert_int_equal(m.have, 0);
        assert_false(m.ready);

        /* keys are exact: not a prefix, not case-folded, no blanks */
        assert_int_equal(PARSE("READY1=1\nready=1\nREADY =1\n READY=1\nREADYX=1", &m), 0);
        assert_false(m.ready);
        assert_int_equal(PARSE("MAINPIDX=abc\nMAINPI=abc", &m), 0);
        assert_int_equal(m.have, 0);
}

static void test_parse_malformed(void **state) {
        static const struct {
                const char *in;
                size_t n;
                int r;
        } cases[] = {
#define C(lit, r) { lit, sizeof(lit) - 1, r }
                C("", -EBADMSG),
                C("READY", -EBADMSG),
                C("READY=1\nGARBAGE", -EBADMSG),
                C("=1", -EBADMSG),
                C("READY=1\n=", -EBADMSG),
                C("READY=1\0", -EBADMSG),
                C("STATUS=a\0b", -EBADMSG),
                C("\0", -EBADMSG),
                C("MAINPID=", -EBADMSG),
                C("MAINPID=abc", -EBADMSG),
                C("MAINPID=-1", -EBADMSG),
                C("MAINPID=+1", -EBADMSG),
                C("MAINPID= 12", -EBADMSG),
                C("MAINPID=12 ", -EBADMSG),
                C("MAINPID=12\r", -EBADMSG),
                C("MAINPID=0x10", -EBADMSG),
                C("ERRNO=-5", -EBADMSG),
                C("WATCHDOG_USEC=1e6", -EBADMSG),
                C("EXTEND_TIMEOUT_USEC=", -EBADMSG),
                C("MAINPID=0", -ERANGE),
                C("MAINPID=4194305", -ERANGE),
                C("MAINPID=99999999999999999999999", -ERANGE),
                C("ERRNO=4096", -ERANGE),
                C("WATCHDOG_USEC=18446744073709551616", -ERANGE),
                C("EXTEND_TIMEOUT_USEC=99999999999999999999", -ERANGE),
#undef C
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                NotifyMessage m, before;
                int r;

                memset(&m, 0x5a, sizeof(m));
                before = m;
                r = parse_n(cases[i].in, cases[i].n, &m);
                if (r != cases[i].r)
                        fail_msg("case %zu (%.*s): got %d, want %d", i, (int) cases[i].n, cases[i].in, r,
                                 cases[i].r);
                /* ret is written only on success */
                assert_memory_equal(&m, &before, sizeof(m));
        }
}

static void test_parse_first_wins(void **state) {
        NotifyMessage m;

        assert_int_equal(PARSE("STATUS=first\nSTATUS=second", &m), 0);
        assert_string_equal(m.status, "first");
        assert_int_equal(PARSE("MAINPID=5\nMAINPID=6\nERRNO=1\nERRNO=2", &m), 0);
        assert_int_equal(m.mainpid, 5);
        assert_int_equal(m.errno_value, 1);
        /* every occurrence must still parse */
        assert_int_equal(PARSE("MAINPID=5\nMAINPID=x", &m), -EBADMSG);
        assert_int_equal(PARSE("MAINPID=5\nMAINPID=0", &m), -ERANGE);
}

static void test_parse_lines(void **state) {
        NotifyMessage m;

        /* empty lines anywhere are skipped; '=' in a value is kept */
        assert_int_equal(PARSE("\n\nREADY=1\n\n\nSTATUS=a=b==c\n\n", &m), 0);
        assert_true(m.ready);
        assert_string_equal(m.status, "a=b==c");
        assert_int_equal(PARSE("\n", &m), 0);
        assert_false(m.ready);
        assert_int_equal(m.have, 0);
}

static void test_parse_bounds(void **state) {
        _cleanup_free_ char *big = malloc(NOTIFY_DATAGRAM_MAX + 1);
        NotifyMessage m;

        /* n cuts the input: nothing after it is read */
        assert_int_equal(parse_n("READY=1", 5, &m), -EBADMSG);
        assert_int_equal(parse_n("MAINPID=12345", 10, &m), 0);
        assert_int_equal(m.mainpid, 12);
        assert_int_equal(parse_n("STATUS=abcdef", 9, &m), 0);
        assert_string_equal(m.status, "ab");
        assert_int_equal(parse_n("READY=1\0garbage", 7, &m), 0);
        assert_true(m.ready);

        /* exactly NOTIFY_DATAGRAM_MAX parses; one more byte does not */
        assert_non_null(big);
        memset(big, 'x', NOTIFY_DATAGRAM_MAX + 1);
        memcpy(big, "READY=1\nX_PAD=", 14);
        assert_int_equal(parse_n(big, NOTIFY_DATAGRAM_MAX, &m), 0);
        assert_true(m.ready);
        assert_int_equal(parse_n(big, NOTIFY_DATAGRAM_MAX + 1, &m), -EMSGSIZE);
}

static void test_parse_status_escaping(void **state) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "STATUS=plain ASCII, ok: 100%", "plain ASCII, ok: 100%" },
                { "STATUS=tab\there", "tab\\x09here" },
                { "STATUS=\x1b[2J\x1b]0;pwned\x07", "\\x1b[2J\\x1b]0;pwned\\x07" },
                { "STATUS=cr\rdel\x7f", "cr\\x0ddel\\x7f" },
                /* UTF-8 is kept: 2, 3 and 4 byte sequences */
                { "STATUS=gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80",
                  "gr\xc3\xbc\xc3\x9f \xe2\x82\xac \xf0\x9f\x98\x80" },
                /* C1 controls (U+009B is a CSI on some terminals) */
                { "STATUS=a\xc2\x9b"
                  "b\xc2\x85",
                  "a\\xc2\\x9bb\\xc2\\x85" },
                { "STATUS=\xc2\xa0nbsp", "\xc2\xa0nbsp" },
                /* invalid: lone continuation, 0xff, overlong, surrogate,
                 * above U+10FFFF, truncated */
                { "STATUS=\x80\xff", "\\x80\\xff" },
                { "STATUS=\xc0\x80/\xc1\xbf", "\\xc0\\x80/\\xc1\\xbf" },
                { "STATUS=\xe0\x80\xaf", "\\xe0\\x80\\xaf" },
                { "STATUS=\xed\xa0\x80", "\\xed\\xa0\\x80" },
                { "STATUS=\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" },
                { "STATUS=\xf0\x8f\xbf\xbf", "\\xf0\\x8f\\xbf\\xbf" },
                { "STATUS=\xe2\x82", "\\xe2\\x82" },
                { "STATUS=\xe2\x82z", "\\xe2\\x82z" },
                { "STATUS=\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80" },
                /* the highest valid code points */
                { "STATUS=\xf4\x8f\xbf\xbf\xef\xbf\xbf", "\xf4\x8f\xbf\xbf\xef\xbf\xbf" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                NotifyMessage m;

                assert_int_equal(parse_n(cases[i].in, strlen(cases[i].in), &m), 0);
                if (!streq(m.status, cases[i].out))
                        fail_msg("case %zu: got \"%s\", want \"%s\"", i, m.status, cases[i].out);
        }
}

static void test_parse_status_cap(void **state) {
        char buf[NOTIFY_DATAGRAM_MAX];
        NotifyMessage m;
        size_t n;

        /* plain text: cut at NOTIFY_STATUS_MAX */
        n = (size_t) snprintf(buf, sizeof(buf), "STATUS=");
        memset(buf + n, 'a', 2000);
        assert_int_equal(notify_parse(buf, n + 2000, &m), 0);
        assert_int_equal(strlen(m.status), NOTIFY_STATUS_MAX);

        /* two-byte characters: never half of one (511 * 2 = 1022) */
        n = (size_t) snprintf(buf, sizeof(buf), "STATUS=");
        for (int i = 0; i < 600; i++) {
                buf[n++] = '\xc3';
                buf[n++] = '\xa9';
        }
        assert_int_equal(notify_parse(buf, n, &m), 0);
        assert_int_equal(strlen(m.status), 1022);
        assert_int_equal((unsigned char) m.status[1021], 0xa9);

        /* never half an escape: 1021 + 4 > 1023 */
        n = (size_t) snprintf(buf, sizeof(buf), "STATUS=");
        memset(buf + n, 'b', 1021);
        n += 1021;
        buf[n++] = '\x01';
        buf[n++] = 'c';
        assert_int_equal(notify_parse(buf, n, &m), 0);
        assert_int_equal(strlen(m.status), 1021);

        /* control characters only: 4 bytes each, 255 fit */
        n = (size_t) snprintf(buf, sizeof(buf), "STATUS=");
        memset(buf + n, '\x02', 1000);
        assert_int_equal(notify_parse(buf, n + 1000, &m), 0);
        assert_int_equal(strlen(m.status), 255 * 4);
}

static void test_drop_strings(void **state) {
        for (int i = 0; i < _NOTIFY_DROP_MAX; i++) {
                const char *s = notify_drop_to_string((NotifyDrop) i);

                assert_non_null(s);
                assert_int_equal(notify_drop_from_string(s), i);
        }
        assert_null(notify_drop_to_string(_NOTIFY_DROP_MAX));
        assert_null(notify_drop_to_string(_NOTIFY_DROP_INVALID));
        assert_int_equal(notify_drop_from_string("nope"), _NOTIFY_DROP_INVALID);
        assert_int_equal(notify_drop_from_string(NULL), _NOTIFY_DROP_INVALID);
}

/* ---- the socket ---- */

typedef struct Fixture {
        char dir[64];
        sd_event *event;
        NotifySocket *sock;
        /* what authorize does and saw */
        enum { AUTH_ALL, AUTH_NONE, AUTH_CGROUP } auth;
        char *cgroup; /* own cgroup, for AUTH_CGROUP */
        bool cgroup_v2;
        unsigned n_authorize;
        pid_t last_authorize_pid;
        /* what the callback saw */
        unsigned n_messages;
        NotifyMessage last;
        pid_t last_pid;
        unsigned fds_during_cb; /* open fds while the callback ran */
        bool free_in_cb;
} Fixture;

static unsigned count_fds(void) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        n++;
        closedir(d);
        return n;
}

static unsigned count_entries(const char *dir) {
        DIR *d = opendir(dir);
        struct dirent *de;
        unsigned n = 0;

        assert_non_null(d);
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static bool fixture_authorize(void *userdata, pid_t pid) {
        Fixture *f = userdata;

        f->n_authorize++;
        f->last_authorize_pid = pid;
        switch (f->auth) {
        case AUTH_ALL:
                return true;
        case AUTH_NONE:
                return false;
        case AUTH_CGROUP:
                return notify_pid_in_cgroup(pid, f->cgroup, f->cgroup_v2) > 0;
        }
        return false;
}

static void fixture_cb(NotifySocket *s, const NotifyMessage *m, pid_t pid, void *userdata) {
        Fixture *f = userdata;

        assert_ptr_equal(s, f->sock);
        f->n_messages++;
        f->last = *m;
        f->last_pid = pid;
        f->fds_during_cb = count_fds();
        if (f->free_in_cb)
                f->sock = notify_socket_free(f->sock);
}

/* Own cgroup path and hierarchy, as the service would pass them: the
 * memory controller's line when there is one (v1, hybrid), else v2. */
static void own_cgroup(char **ret_path, bool *ret_v2) {
        _cleanup_free_ char *buf = NULL;
        size_t n;

        assert_int_equal(procfs_read_full("/proc/self/cgroup", 65536, &buf, &n), 0);
        if (cg_parse_proc_cgroup(buf, "memory", ret_path) == 0)
                *ret_v2 = false;
        else {
                assert_int_equal(cg_parse_proc_cgroup(buf, NULL, ret_path), 0);
                *ret_v2 = true;
        }
}

static int setup(void **state) {
        Fixture *f = calloc(1, sizeof(*f));

        assert_non_null(f);
        snprintf(f->dir, sizeof(f->dir), "/tmp/test-notify-XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        assert_int_equal(sd_event_new(&f->event), 0);
        own_cgroup(&f->cgroup, &f->cgroup_v2);
        assert_int_equal(
                notify_socket_new(f->event, f->dir, "svc", fixture_authorize, fixture_cb, f, &f->sock), 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        Fixture *f = *state;

        f->sock = notify_socket_free(f->sock);
        f->event = sd_event_unref(f->event);
        assert_int_equal(rmdir(f->dir), 0); /* empty: the socket file was unlinked */
        free(f->cgroup);
        free(f);
        return 0;
}

/* Send one datagram to path from a fresh socket, as sd_notify() does,
 * with fds as SCM_RIGHTS. MSG_DONTWAIT: the receiver's queue may be as
 * short as 10 (net.unix.max_dgram_qlen), and this process is the reader.
 * Returns 0 or -errno. */
static int send_dgram(const char *path, const void *data, size_t n, const int *fds, size_t n_fds) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(int) * (NOTIFY_FDS_MAX + 1))];
        } control = {};
        struct iovec iov = { .iov_base = (void *) data, .iov_len = n };
        struct msghdr mh = {
                .msg_name = &sa,
                .msg_namelen = sizeof(sa),
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };
        _cleanup_close_ int fd = -EBADF;

        assert_true(n_fds <= NOTIFY_FDS_MAX + 1);
        strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
        if (n_fds > 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
        }
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (sendmsg(fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                return -errno;
        return 0;
}
#define SEND(f, lit) send_dgram(notify_socket_path((f)->sock), lit, sizeof(lit) - 1, NULL, 0)

static uint64_t dropped(const Fixture *f, NotifyDrop d) {
        return notify_socket_stats(f->sock)->dropped[d];
}

/* Run the loop until the socket has read `received` datagrams in total,
 * at most 5 s. No sleeps: sd_event_run() waits for the socket. */
static void run_until_received(Fixture *f, uint64_t received) {
        usec_t deadline = now_usec(CLOCK_MONOTONIC) + 5 * USEC_PER_SEC;

        while (notify_socket_stats(f->sock)->received < received) {
                if (now_usec(CLOCK_MONOTONIC) > deadline)
                        fail_msg("timed out: %" PRIu64 " of %" PRIu64 " datagrams read",
                                 notify_socket_stats(f->sock)->received, received);
                assert_true(sd_event_run(f->event, 100 * USEC_PER_MSEC) >= 0);
        }
}

static void test_socket_file(void **state) {
        Fixture *f = *state;
        char want[128];
        struct stat st;

        snprintf(want, sizeof(want), "%s/svc.notify", f->dir);
        assert_string_equal(notify_socket_path(f->sock), want);
        assert_int_equal(lstat(want, &st), 0);
        assert_true(S_ISSOCK(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0666);

        f->sock = notify_socket_free(f->sock);
        assert_int_equal(lstat(want, &st), -1);
        assert_int_equal(errno, ENOENT);
        assert_null(notify_socket_free(NULL));
}

static void test_socket_args(void **state) {
        Fixture *f = *state;
        NotifySocket *s = NULL;

        assert_int_equal(notify_socket_new(f->event, "tmp", "x", fixture_authorize, fixture_cb, f, &s),
                         -EINVAL);
        assert_int_equal(notify_socket_new(f->event, f->dir, "", fixture_authorize, fixture_cb, f, &s),
                         -EINVAL);
        assert_int_equal(notify_socket_new(f->event, f->dir, "a/b", fixture_authorize, fixture_cb, f, &s),
                         -EINVAL);
        assert_int_equal(notify_socket_new(f->event, f->dir, "x", NULL, fixture_cb, f, &s), -EINVAL);
        assert_int_equal(notify_socket_new(f->event, f->dir, "x", fixture_authorize, NULL, f, &s), -EINVAL);
        assert_int_equal(notify_socket_new(NULL, f->dir, "x", fixture_authorize, fixture_cb, f, &s),
                         -EINVAL);
        assert_null(s);
}

static void test_socket_path_length(void **state) {
        Fixture *f = *state;
        size_t base = strlen(f->dir) + 1, suffix = strlen(".notify");
        char name[128];
        NotifySocket *s = NULL;

        /* 107 bytes fit (sun_path is 108 with the NUL), 108 do not */
        memset(name, 'n', sizeof(name));
        name[107 - base - suffix] = '\0';
        assert_int_equal(notify_socket_new(f->event, f->dir, name, fixture_authorize, fixture_cb, f, &s), 0);
        assert_int_equal(strlen(notify_socket_path(s)), 107);
        s = notify_socket_free(s);

        name[107 - base - suffix] = 'n';
        name[108 - base - suffix] = '\0';
        assert_int_equal(notify_socket_new(f->event, f->dir, name, fixture_authorize, fixture_cb, f, &s),
                         -ENAMETOOLONG);
        assert_null(s);
        /* nothing was created: the fixture's socket is alone */
        assert_int_equal(count_entries(f->dir), 1);

        /* a trailing slash on dir is not doubled */
        {
                char dir[80];

                snprintf(dir, sizeof(dir), "%s//", f->dir);
                assert_int_equal(notify_socket_new(f->event, dir, "t", fixture_authorize, fixture_cb, f, &s),
                                 0);
                snprintf(dir, sizeof(dir), "%s/t.notify", f->dir);
                assert_string_equal(notify_socket_path(s), dir);
                s = notify_socket_free(s);
        }
}

static void test_socket_existing_path(void **state) {
        Fixture *f = *state;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        NotifySocket *s = NULL;
        char path[sizeof(sa.sun_path)];
        int fd;

        /* a live socket (ours, already bound): not stolen */
        assert_int_equal(notify_socket_new(f->event, f->dir, "svc", fixture_authorize, fixture_cb, f, &s),
                         -EADDRINUSE);
        assert_null(s);

        /* a stale socket, left by a crashed run: replaced */
        snprintf(path, sizeof(path), "%s/stale.notify", f->dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        close(fd);
        assert_int_equal(notify_socket_new(f->event, f->dir, "stale", fixture_authorize, fixture_cb, f, &s),
                         0);
        s = notify_socket_free(s);
        assert_int_equal(access(path, F_OK), -1);

        /* anything else: left alone */
        snprintf(path, sizeof(path), "%s/file.notify", f->dir);
        fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(notify_socket_new(f->event, f->dir, "file", fixture_authorize, fixture_cb, f, &s),
                         -EEXIST);
        assert_int_equal(access(path, F_OK), 0);
        assert_int_equal(unlink(path), 0);

        snprintf(path, sizeof(path), "%s/link.notify", f->dir);
        assert_int_equal(symlink(notify_socket_path(f->sock), path), 0);
        assert_int_equal(notify_socket_new(f->event, f->dir, "link", fixture_authorize, fixture_cb, f, &s),
                         -EEXIST);
        assert_int_equal(unlink(path), 0);
}

static void test_socket_deliver_self(void **state) {
        Fixture *f = *state;

        assert_int_equal(SEND(f, "READY=1\nSTATUS=up\nMAINPID=77"), 0);
        run_until_received(f, 1);
        assert_int_equal(f->n_messages, 1);
        assert_int_equal(f->last_pid, getpid());
        assert_int_equal(f->last_authorize_pid, getpid());
        assert_true(f->last.ready);
        assert_string_equal(f->last.status, "up");
        assert_int_equal(f->last.mainpid, 77);

        assert_int_equal(SEND(f, "WATCHDOG=1"), 0);
        assert_int_equal(SEND(f, "STOPPING=1"), 0);
        run_until_received(f, 3);
        assert_int_equal(f->n_messages, 3);
        assert_true(f->last.stopping);
        assert_int_equal(notify_socket_stats(f->sock)->delivered, 3);
        for (int i = 0; i < _NOTIFY_DROP_MAX; i++)
                assert_int_equal(dropped(f, (NotifyDrop) i), 0);
}

/* The child sends, then stays alive until the parent closes the pipe, so
 * that the parent can look it up in /proc. */
static pid_t fork_sender(const char *path, const char *msg, int *ret_hold) {
        int hold[2];
        pid_t pid;

        assert_int_equal(pipe2(hold, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char c;

                close(hold[1]);
                if (send_dgram(path, msg, strlen(msg), NULL, 0) < 0)
                        _exit(1);
                if (read(hold[0], &c, 1) < 0)
                        _exit(2);
                _exit(0);
        }
        close(hold[0]);
        *ret_hold = hold[1];
        return pid;
}

static void reap(pid_t pid, int hold) {
        int status;

        close(hold);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_socket_child_in_cgroup(void **state) {
        Fixture *f = *state;
        int hold;
        pid_t pid;

        f->auth = AUTH_CGROUP;
        pid = fork_sender(notify_socket_path(f->sock), "READY=1\nSTATUS=child", &hold);
        run_until_received(f, 1);
        assert_int_equal(f->last_authorize_pid, pid);
        assert_int_equal(f->n_messages, 1);
        assert_int_equal(f->last_pid, pid);
        assert_string_equal(f->last.status, "child");
        reap(pid, hold);

        /* the same child judged against another cgroup: dropped */
        free(f->cgroup);
        f->cgroup = strdup("/cgwarden-test-not-here");
        assert_non_null(f->cgroup);
        pid = fork_sender(notify_socket_path(f->sock), "READY=1", &hold);
        run_until_received(f, 2);
        assert_int_equal(f->last_authorize_pid, pid);
        assert_int_equal(f->n_messages, 1);
        assert_int_equal(dropped(f, NOTIFY_DROP_UNAUTHORIZED), 1);
        reap(pid, hold);
}

static void test_socket_unauthorized(void **state) {
        Fixture *f = *state;
        int fds[2];
        unsigned base;

        f->auth = AUTH_NONE;
        assert_int_equal(SEND(f, "READY=1"), 0);
        run_until_received(f, 1);
        assert_int_equal(f->n_authorize, 1);
        assert_int_equal(f->n_messages, 0);
        assert_int_equal(dropped(f, NOTIFY_DROP_UNAUTHORIZED), 1);

        /* malformed from a stranger counts as unauthorized: not parsed */
        assert_int_equal(SEND(f, "garbage"), 0);
        run_until_received(f, 2);
        assert_int_equal(dropped(f, NOTIFY_DROP_UNAUTHORIZED), 2);
        assert_int_equal(dropped(f, NOTIFY_DROP_MALFORMED), 0);

        /* and a stranger's fds are closed too */
        base = count_fds();
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        assert_int_equal(send_dgram(notify_socket_path(f->sock), "FDSTORE=1", 9, &fds[1], 1), 0);
        close(fds[1]);
        run_until_received(f, 3);
        assert_int_equal(count_fds(), base + 1);
        {
                char c;
                assert_int_equal(read(fds[0], &c, 1), 0); /* EOF: the last write end is gone */
        }
        close(fds[0]);
        assert_int_equal(notify_socket_stats(f->sock)->fds_closed, 1);
}

static void test_socket_malformed(void **state) {
        Fixture *f = *state;

        assert_int_equal(SEND(f, "READY=1\nno equals sign"), 0);
        assert_int_equal(SEND(f, "MAINPID=abc"), 0);
        assert_int_equal(SEND(f, "READY=1\0"), 0);
        assert_int_equal(SEND(f, ""), 0);
        assert_int_equal(SEND(f, "READY=1"), 0);
        run_until_received(f, 5);
        assert_int_equal(dropped(f, NOTIFY_DROP_MALFORMED), 4);
        assert_int_equal(f->n_messages, 1);
        assert_true(f->last.ready);
}

/* Drops are logged at debug level, at most one line per 10 s per socket,
 * with the count since the last line. */
static void test_socket_drop_log(void **state) {
        Fixture *f = *state;
        char tmpl[] = "/tmp/test-notify-log-XXXXXX", text[4096];
        int saved_stderr, out, old_level = log_get_max_level();
        unsigned lines = 0;
        ssize_t k;

        out = mkostemp(tmpl, O_CLOEXEC);
        assert_true(out >= 0);
        assert_int_equal(unlink(tmpl), 0);
        saved_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
        assert_true(saved_stderr >= 0);
        assert_int_equal(dup2(out, STDERR_FILENO), STDERR_FILENO);
        log_set_max_level(LOG_DEBUG);

        assert_int_equal(SEND(f, "MAINPID=x"), 0);
        assert_int_equal(SEND(f, "nonsense"), 0);
        assert_int_equal(SEND(f, "=1"), 0);
        run_until_received(f, 3);

        log_set_max_level(old_level);
        assert_int_equal(dup2(saved_stderr, STDERR_FILENO), STDERR_FILENO);
        close(saved_stderr);
        k = pread(out, text, sizeof(text) - 1, 0);
        close(out);
        assert_true(k > 0);
        text[k] = '\0';
        print_message("%s", text);
        assert_non_null(
                strstr(text, "svc.notify: dropped 1 datagram(s) since the last report, last malformed"));
        assert_non_null(strstr(text, "Bad message"));
        /* one line: the two later drops are counted, not logged */
        for (const char *p = text; (p = strchr(p, '\n')); p++)
                lines++;
        assert_int_equal(lines, 1);
        assert_int_equal(dropped(f, NOTIFY_DROP_MALFORMED), 3);
}

static void test_socket_oversized(void **state) {
        Fixture *f = *state;
        _cleanup_free_ char *big = malloc(3 * NOTIFY_DATAGRAM_MAX);
        int fd;

        assert_non_null(big);
        memset(big, 'x', 3 * NOTIFY_DATAGRAM_MAX);
        memcpy(big, "READY=1\nSTATUS=big\nX_PAD=", strlen("READY=1\nSTATUS=big\nX_PAD="));

        assert_int_equal(send_dgram(notify_socket_path(f->sock), big, NOTIFY_DATAGRAM_MAX + 1, NULL, 0), 0);
        assert_int_equal(send_dgram(notify_socket_path(f->sock), big, 3 * NOTIFY_DATAGRAM_MAX, NULL, 0), 0);
        /* with an fd: dropped, and the fd still closed */
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(send_dgram(notify_socket_path(f->sock), big, NOTIFY_DATAGRAM_MAX + 100, &fd, 1), 0);
        close(fd);
        run_until_received(f, 3);
        assert_int_equal(dropped(f, NOTIFY_DROP_OVERSIZED), 3);
        assert_int_equal(f->n_messages, 0);
        assert_int_equal(notify_socket_stats(f->sock)->fds_closed, 1);

        /* the largest accepted */
        assert_int_equal(send_dgram(notify_socket_path(f->sock), big, NOTIFY_DATAGRAM_MAX, NULL, 0), 0);
        run_until_received(f, 4);
        assert_int_equal(f->n_messages, 1);
        assert_true(f->last.ready);
        assert_string_equal(f->last.status, "big");
}

static void test_socket_fds_closed(void **state) {
        Fixture *f = *state;
        int fds[4], barrier[2];
        unsigned base;
        char c;

        base = count_fds();
        /* sd_notify_barrier(): BARRIER=1 and the write end of a pipe; the
         * sender waits for POLLHUP on the read end */
        assert_int_equal(pipe2(barrier, O_CLOEXEC), 0);
        fds[0] = barrier[1];
        for (int i = 1; i < 4; i++) {
                fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                assert_true(fds[i] >= 0);
        }
        assert_int_equal(send_dgram(notify_socket_path(f->sock), "BARRIER=1", 9, fds, 4), 0);
        for (int i = 0; i < 4; i++)
                close(fds[i]);
        assert_int_equal(count_fds(), base + 1);

        run_until_received(f, 1);
        assert_int_equal(f->n_messages, 1);
        /* the received fds were open while the callback ran ... */
        assert_int_equal(f->fds_during_cb, base + 1 + 4);
        /* ... and closed after it */
        assert_int_equal(count_fds(), base + 1);
        assert_int_equal(read(barrier[0], &c, 1), 0);
        close(barrier[0]);
        assert_int_equal(notify_socket_stats(f->sock)->fds_closed, 4);
}

static void test_socket_many_fds(void **state) {
        Fixture *f = *state;
        int fds[NOTIFY_FDS_MAX + 1], null;
        unsigned base;

        base = count_fds();
        null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(null >= 0);
        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                fds[i] = null;
        /* the kernel's limit per datagram: all of them arrive, all closed */
        assert_int_equal(send_dgram(notify_socket_path(f->sock), "FDSTORE=1", 9, fds, NOTIFY_FDS_MAX), 0);
        assert_int_equal(send_dgram(notify_socket_path(f->sock), "FDSTORE=1", 9, fds, NOTIFY_FDS_MAX + 1),
                         -EINVAL);
        close(null);
        run_until_received(f, 1);
        assert_int_equal(f->n_messages, 1);
        assert_int_equal(dropped(f, NOTIFY_DROP_CONTROL_TRUNCATED), 0);
        assert_int_equal(notify_socket_stats(f->sock)->fds_closed, NOTIFY_FDS_MAX);
        assert_int_equal(count_fds(), base);
}

static void test_socket_free_in_callback(void **state) {
        Fixture *f = *state;
        int fd;
        unsigned base;
        char path[128];

        snprintf(path, sizeof(path), "%s", notify_socket_path(f->sock));
        base = count_fds();
        fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(send_dgram(path, "STOPPING=1", 10, &fd, 1), 0);
        close(fd);
        assert_int_equal(SEND(f, "READY=1"), 0);
        assert_int_equal(SEND(f, "READY=1"), 0);

        /* the service frees its socket on the first message; the others
         * are not read (ASan would see a use after free) */
        f->free_in_cb = true;
        for (int i = 0; i < 5 && f->sock; i++)
                assert_true(sd_event_run(f->event, 100 * USEC_PER_MSEC) >= 0);
        assert_null(f->sock);
        assert_int_equal(f->n_messages, 1);
        assert_true(f->last.stopping);
        assert_int_equal(access(path, F_OK), -1);
        /* the passed fd, and the socket's own, are closed */
        assert_int_equal(count_fds(), base - 1);
}

static int timer_fired(sd_event_source *s, uint64_t usec, void *userdata) {
        *(bool *) userdata = true;
        return 0;
}

/* A sender that never stops cannot starve the loop: each wake-up reads at
 * most NOTIFY_READ_BATCH_MAX datagrams, and a timer due meanwhile runs. */
static void test_socket_flood(void **state) {
        Fixture *f = *state;
        _cleanup_(sd_event_source_unrefp) sd_event_source *timer = NULL;
        bool fired = false;
        uint64_t qlen = 0;
        unsigned sent = 0, before_timer;
        usec_t deadline;
        pid_t pid;
        int status;

        (void) procfs_read_u64_file(NULL, "sys/net/unix/max_dgram_qlen", &qlen);

        /* deterministic when the queue holds more than one batch */
        while (sent < 3 * NOTIFY_READ_BATCH_MAX && SEND(f, "WATCHDOG=1") == 0)
                sent++;
        assert_true(sent > 0);
        assert_true(sd_event_run(f->event, 100 * USEC_PER_MSEC) > 0);
        assert_int_equal(f->n_messages, MIN(sent, NOTIFY_READ_BATCH_MAX));
        if (sent <= NOTIFY_READ_BATCH_MAX)
                print_message("max_dgram_qlen is %" PRIu64 ": one batch fills the queue\n", qlen);
        run_until_received(f, sent);

        /* a child floods with blocking sends until killed (or 10 s, or
         * its parent is gone: a failed assertion does not kill it) */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct sockaddr_un sa = { .sun_family = AF_UNIX };
                int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                usec_t end = now_usec(CLOCK_MONOTONIC) + 10 * USEC_PER_SEC;

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", notify_socket_path(f->sock));
                while (now_usec(CLOCK_MONOTONIC) < end)
                        (void) sendto(fd, "WATCHDOG=1", 10, MSG_NOSIGNAL | MSG_DONTWAIT,
                                      (struct sockaddr *) &sa, sizeof(sa));
                _exit(0);
        }
        /* the flood is on before the timer is armed */
        run_until_received(f, sent + 4 * NOTIFY_READ_BATCH_MAX);
        before_timer = f->n_messages;
        assert_int_equal(sd_event_add_time_relative(f->event, &timer, CLOCK_MONOTONIC, 50 * USEC_PER_MSEC, 0,
                                                    timer_fired, &fired),
                         0);
        deadline = now_usec(CLOCK_MONOTONIC) + 5 * USEC_PER_SEC;
        while (!fired) {
                unsigned before = f->n_messages;

                assert_true(now_usec(CLOCK_MONOTONIC) < deadline);
                assert_true(sd_event_run(f->event, 100 * USEC_PER_MSEC) >= 0);
                assert_true(f->n_messages - before <= NOTIFY_READ_BATCH_MAX);
        }
        kill(pid, SIGKILL);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        /* the flood went on while the timer waited and ran */
        assert_true(f->n_messages > before_timer);
}

/* ---- notify_pid_in_cgroup ---- */

static void test_pid_in_cgroup(void **state) {
        _cleanup_free_ char *own = NULL, *other = NULL, *slash = NULL;
        bool v2;
        pid_t pid;
        int status;

        own_cgroup(&own, &v2);
        print_message("own cgroup %s (%s)\n", own, v2 ? "v2" : "v1 memory");
        assert_int_equal(notify_pid_in_cgroup(getpid(), own, v2), 1);
        assert_true(asprintf(&slash, "%s/", own) > 0);
        assert_int_equal(notify_pid_in_cgroup(getpid(), slash, v2), 1);
        assert_true(asprintf(&other, "%s%sx", own, streq(own, "/") ? "" : "/") > 0);
        assert_int_equal(notify_pid_in_cgroup(getpid(), other, v2), 0);
        if (!streq(own, "/")) {
                /* a parent is not the cgroup: exact match */
                assert_int_equal(notify_pid_in_cgroup(getpid(), "/", v2), 0);
                /* nor is a prefix of the name */
                other[strlen(own) - 1] = '\0';
                assert_int_equal(notify_pid_in_cgroup(getpid(), other, v2), 0);
        }

        assert_int_equal(notify_pid_in_cgroup(0, own, v2), -EINVAL);
        assert_int_equal(notify_pid_in_cgroup(-1, own, v2), -EINVAL);
        assert_int_equal(notify_pid_in_cgroup(getpid(), "relative", v2), -EINVAL);
        assert_int_equal(notify_pid_in_cgroup(getpid(), NULL, v2), -EINVAL);

        /* a reaped process */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(notify_pid_in_cgroup(pid, own, v2), -ESRCH);

        /* a zombie (exited, not yet reaped): v2 still shows its cgroup, so
         * a sender that exits at once is heard until reaped; v1 shows "/"
         * for an exiting task (proc_cgroup_show()) */
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(0);
        {
                siginfo_t si;
                assert_int_equal(waitid(P_PID, (id_t) pid, &si, WEXITED | WNOWAIT), 0);
        }
        assert_int_equal(notify_pid_in_cgroup(pid, own, v2), v2 || streq(own, "/") ? 1 : 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_basic),
                cmocka_unit_test(test_parse_all_keys),
                cmocka_unit_test(test_parse_flag_values),
                cmocka_unit_test(test_parse_unknown_keys),
                cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_parse_first_wins),
                cmocka_unit_test(test_parse_lines),
                cmocka_unit_test(test_parse_bounds),
                cmocka_unit_test(test_parse_status_escaping),
                cmocka_unit_test(test_parse_status_cap),
                cmocka_unit_test(test_drop_strings),
                cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_args, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_path_length, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_existing_path, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_deliver_self, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_child_in_cgroup, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_unauthorized, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_malformed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_drop_log, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_oversized, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_fds_closed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_many_fds, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_free_in_callback, setup, teardown),
                cmocka_unit_test_setup_teardown(test_socket_flood, setup, teardown),
                cmocka_unit_test(test_pid_in_cgroup),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
