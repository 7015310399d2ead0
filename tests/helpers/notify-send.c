/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Test service speaking the sd_notify protocol with plain socket calls
 * (no libsystemd), as a Type=notify program does under systemd:
 *   notify-send [--ready-after MS] [--watchdog-every MS]
 *               [--watchdog-stop-after MS] [--status TEXT] [--fds N]
 * After --ready-after (default 0) it sends "READY=1" (with "STATUS=TEXT"
 * when given, and N descriptors of /dev/null as SCM_RIGHTS when --fds is
 * given). Then, with --watchdog-every, "WATCHDOG=1" every MS, and with
 * --watchdog-stop-after no more keep-alives once MS have passed since
 * READY (it hangs, but stays alive). On SIGTERM or SIGINT it sends
 * "STOPPING=1" and exits 0. $NOTIFY_SOCKET is a path or "@abstract".
 * Each datagram sent is reported on stdout ("sent READY=1|STATUS=x"),
 * each failure on stderr; exit 2 for usage errors or no $NOTIFY_SOCKET. */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define FDS_MAX 253 /* SCM_MAX_FD */

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig) {
        stop_requested = 1;
}

static struct sockaddr_un addr;
static socklen_t addr_len;

static int parse_address(const char *e) {
        size_t n = strlen(e);

        addr.sun_family = AF_UNIX;
        if (e[0] != '/' && e[0] != '@')
                return -EAFNOSUPPORT;
        if (n >= sizeof(addr.sun_path))
                return -ENAMETOOLONG;
        memcpy(addr.sun_path, e, n);
        if (e[0] == '@') {
                /* abstract: a leading NUL, the length without a trailing one */
                addr.sun_path[0] = '\0';
                addr_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n);
        } else
                addr_len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + 1);
        return 0;
}

static void send_message(const char *msg, int n_fds) {
        union {
                struct cmsghdr align;
                char buf[CMSG_SPACE(sizeof(int) * FDS_MAX)];
        } control;
        int fds[FDS_MAX];
        struct iovec iov = { .iov_base = (void *) msg, .iov_len = strlen(msg) };
        struct msghdr mh = {
                .msg_name = &addr,
                .msg_namelen = addr_len,
                .msg_iov = &iov,
                .msg_iovlen = 1,
        };
        int fd, opened = 0;

        memset(&control, 0, sizeof(control));
        for (; opened < n_fds; opened++) {
                fds[opened] = open("/dev/null", O_RDONLY | O_CLOEXEC);
                if (fds[opened] < 0) {
                        fprintf(stderr, "notify-send: open /dev/null: %s\n", strerror(errno));
                        break;
                }
        }
        if (opened > 0) {
                struct cmsghdr *c;

                mh.msg_control = &control;
                mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t) opened);
                c = CMSG_FIRSTHDR(&mh);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t) opened);
                memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t) opened);
        }

        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                fprintf(stderr, "notify-send: socket: %s\n", strerror(errno));
        else if (sendmsg(fd, &mh, MSG_NOSIGNAL) < 0)
                fprintf(stderr, "notify-send: sending %s: %s\n", msg, strerror(errno));
        else {
                fputs("sent ", stdout);
                for (const char *p = msg; *p; p++)
                        putchar(*p == '\n' ? '|' : *p);
                if (opened > 0)
                        printf(" (+%d fds)", opened);
                putchar('\n');
                fflush(stdout);
        }
        if (fd >= 0)
                close(fd);
        for (int i = 0; i < opened; i++)
                close(fds[i]);
}

static uint64_t now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000 + (uint64_t) ts.tv_nsec / 1000000;
}

/* SIGTERM and SIGINT are blocked except while waiting here, so that a
 * stop request cannot slip in between the check and the wait. */
static sigset_t wait_mask;

/* Wait until the monotonic time t_ms (UINT64_MAX: forever), or a stop
 * signal. */
static void wait_until(uint64_t t_ms) {
        while (!stop_requested) {
                uint64_t now = now_ms();
                struct timespec ts;

                if (t_ms != UINT64_MAX && now >= t_ms)
                        return;
                if (t_ms != UINT64_MAX) {
                        ts.tv_sec = (time_t) ((t_ms - now) / 1000);
                        ts.tv_nsec = (long) ((t_ms - now) % 1000) * 1000000;
                }
                (void) ppoll(NULL, 0, t_ms == UINT64_MAX ? NULL : &ts, &wait_mask);
        }
}

static int parse_ms(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || *end || v > UINT64_MAX / 1000000)
                return -EINVAL;
        *ret = v;
        return 0;
}

static _Noreturn void usage(void) {
        fprintf(stderr, "usage: notify-send [--ready-after MS] [--watchdog-every MS] "
                        "[--watchdog-stop-after MS] [--status TEXT] [--fds N]\n");
        exit(2);
}

int main(int argc, char **argv) {
        uint64_t ready_after = 0, every = 0, stop_after = UINT64_MAX, n_fds = 0, start, ready_at;
        const char *status = NULL, *e;
        struct sigaction sa = { .sa_handler = on_stop };
        sigset_t block;
        char *msg;
        int r;

        for (int i = 1; i < argc; i += 2) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "--ready-after") == 0)
                        r = parse_ms(v, &ready_after);
                else if (strcmp(a, "--watchdog-every") == 0)
                        r = parse_ms(v, &every);
                else if (strcmp(a, "--watchdog-stop-after") == 0)
                        r = parse_ms(v, &stop_after);
                else if (strcmp(a, "--fds") == 0)
                        r = parse_ms(v, &n_fds) < 0 || n_fds > FDS_MAX ? -EINVAL : 0;
                else if (strcmp(a, "--status") == 0)
                        r = (status = v) ? 0 : -EINVAL;
                else
                        r = -EINVAL;
                if (r < 0)
                        usage();
        }
        if (every == 0 && stop_after != UINT64_MAX)
                usage();

        e = getenv("NOTIFY_SOCKET");
        if (!e || !*e) {
                fprintf(stderr, "notify-send: $NOTIFY_SOCKET is not set\n");
                return 2;
        }
        r = parse_address(e);
        if (r < 0) {
                fprintf(stderr, "notify-send: $NOTIFY_SOCKET=%s: %s\n", e, strerror(-r));
                return 2;
        }

        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigemptyset(&block);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        sigprocmask(SIG_BLOCK, &block, &wait_mask);
        sigdelset(&wait_mask, SIGTERM);
        sigdelset(&wait_mask, SIGINT);

        start = now_ms();
        wait_until(start + ready_after);
        if (!stop_requested) {
                if (asprintf(&msg, "READY=1%s%s", status ? "\nSTATUS=" : "", status ?: "") < 0)
                        return 1;
                send_message(msg, (int) n_fds);
                free(msg);
        }

        ready_at = now_ms();
        for (uint64_t next = ready_at + every; !stop_requested; next += every) {
                if (every == 0 || next - ready_at > stop_after) {
                        /* not (or no longer) sending keep-alives: hang */
                        wait_until(UINT64_MAX);
                        break;
                }
                wait_until(next);
                if (!stop_requested)
                        send_message("WATCHDOG=1", 0);
        }

        send_message("STOPPING=1", 0);
        return 0;
}
