/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The HotSpot dynamic attach client; see hotspot.h. The protocol as jattach
 * (src/posix/jattach_hotspot.c) and HotSpot's attachListener_linux.cpp
 * speak it; the code is our own. */

#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/openat2.h>

#include "base/children.h"
#include "capture/hotspot.h"
#include "base/fs-util.h"
#include "base/procfs.h"
#include "base/string-table.h"

#ifndef CLONE_NEWNS
#define CLONE_NEWNS 0x00020000
#endif

static const char *const hotspot_vm_table[_HOTSPOT_VM_MAX] = {
        [HOTSPOT_VM_NONE] = "none",
        [HOTSPOT_VM_HOTSPOT] = "hotspot",
        [HOTSPOT_VM_OPENJ9] = "openj9",
};

DEFINE_STRING_TABLE_LOOKUP(hotspot_vm, HotspotVm);

/* ---- pure parts ---- */

static bool mem_has_suffix(const char *s, size_t n, const char *suffix) {
        size_t k = strlen(suffix);
        return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static bool mem_has_prefix(const char *s, size_t n, const char *prefix) {
        size_t k = strlen(prefix);
        return n >= k && memcmp(s, prefix, k) == 0;
}

static unsigned maps_scan_line(const char *line, size_t n) {
        const char *slash, *base;
        size_t len;

        /* the path is the last field; anonymous mappings and [heap] & co.
         * have no slash at all */
        slash = memrchr(line, '/', n);
        if (!slash)
                return 0;
        base = slash + 1;
        len = n - (size_t) (base - line);
        /* a library replaced on disk (a JDK update) still runs */
        if (mem_has_suffix(base, len, " (deleted)"))
                len -= strlen(" (deleted)");
        if (len == strlen("libjvm.so") && memcmp(base, "libjvm.so", len) == 0)
                return HOTSPOT_MAPS_LIBJVM;
        if (mem_has_prefix(base, len, "libj9vm") && mem_has_suffix(base, len, ".so"))
                return HOTSPOT_MAPS_LIBJ9VM;
        return 0;
}

unsigned hotspot_maps_scan_buf(const char *buf, size_t n) {
        unsigned bits = 0;

        if (!buf)
                return 0;
        for (size_t i = 0; i < n;) {
                const char *nl = memchr(buf + i, '\n', n - i);
                size_t end = nl ? (size_t) (nl - buf) : n;

                bits |= maps_scan_line(buf + i, end - i);
                i = end + 1;
        }
        return bits;
}

HotspotVm hotspot_vm_from_maps(unsigned maps_bits) {
        if (maps_bits & HOTSPOT_MAPS_LIBJ9VM)
                return HOTSPOT_VM_OPENJ9;
        if (maps_bits & HOTSPOT_MAPS_LIBJVM)
                return HOTSPOT_VM_HOTSPOT;
        return HOTSPOT_VM_NONE;
}

/* The operations HotSpot's attach listener knows (attachListener.cpp). */
static const char *const hotspot_operations[] = {
        "jcmd",       "threaddump",      "dumpheap", "inspectheap", "datadump",
        "properties", "agentProperties", "setflag",  "printflag",   "load",
};

static bool is_operation(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(hotspot_operations); i++)
                if (streq(s, hotspot_operations[i]))
                        return true;
        return false;
}

/* Append the strings l[0..n) joined with spaces, and a NUL. */
static int append_joined(char *buf, size_t size, size_t *pos, const char *const *l, size_t n,
                         size_t max_len) {
        size_t len = 0;

        for (size_t i = 0; i < n; i++)
                len += strlen(l[i]) + (i > 0);
        if (len > max_len)
                return -E2BIG;
        if (size - *pos < len + 1)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                size_t k = strlen(l[i]);

                if (i > 0)
                        buf[(*pos)++] = ' ';
                memcpy(buf + *pos, l[i], k);
                *pos += k;
        }
        buf[(*pos)++] = '\0';
        return 0;
}

int hotspot_build_request(const char *const *argv, char *buf, size_t size, size_t *ret_len) {
        const char *const jcmd[] = { "jcmd" };
        const char *const *name = jcmd, *const *args = argv;
        size_t n_args = 0, n_fields, pos = 0;
        int r;

        if (!argv || !argv[0] || argv[0][0] == '\0')
                return -EINVAL;
        if (!buf)
                return -E2BIG;
        while (argv[n_args])
                n_args++;
        if (is_operation(argv[0])) {
                name = argv;
                args = argv + 1;
                n_args--;
        }

        r = append_joined(buf, size, &pos, (const char *const[]){ "1" }, 1, SIZE_MAX);
        if (r < 0)
                return r;
        r = append_joined(buf, size, &pos, name, 1, HOTSPOT_NAME_MAX);
        if (r < 0)
                return r;
        if (streq(name[0], "jcmd")) {
                /* jcmd reads the whole command line from its first argument */
                r = append_joined(buf, size, &pos, args, n_args, HOTSPOT_ARG_MAX);
                if (r < 0)
                        return r;
                n_fields = 1;
        } else {
                n_fields = MIN(n_args, (size_t) HOTSPOT_ARG_COUNT);
                for (size_t i = 0; i < n_fields; i++) {
                        /* the last field takes any further arguments */
                        size_t k = i + 1 < HOTSPOT_ARG_COUNT ? 1 : n_args - i;

                        r = append_joined(buf, size, &pos, args + i, k, HOTSPOT_ARG_MAX);
                        if (r < 0)
                                return r;
                }
        }
        /* HotSpot reads exactly HOTSPOT_ARG_COUNT arguments: pad with empty ones */
        for (size_t i = n_fields; i < HOTSPOT_ARG_COUNT; i++) {
                if (pos >= size)
                        return -E2BIG;
                buf[pos++] = '\0';
        }
        *ret_len = pos;
        return 0;
}

int hotspot_parse_status(const char *buf, size_t n, int *ret_status, size_t *ret_consumed) {
        bool negative = false;
        int64_t v = 0;
        size_t i = 0;

        if (!buf || n == 0)
                return -EAGAIN;
        if (buf[0] == '-') {
                negative = true;
                i = 1;
        }
        for (; i < n && i < HOTSPOT_STATUS_LINE_MAX; i++) {
                char c = buf[i];

                if (c == '\n') {
                        if (i == (size_t) negative)
                                return -EBADMSG; /* no digits */
                        if (v > (negative ? -(int64_t) INT_MIN : (int64_t) INT_MAX))
                                return -ERANGE;
                        *ret_status = (int) (negative ? -v : v);
                        *ret_consumed = i + 1;
                        return 0;
                }
                if (c < '0' || c > '9')
                        return -EBADMSG;
                v = v * 10 + (c - '0'); /* at most 11 digits: no overflow */
        }
        if (i >= HOTSPOT_STATUS_LINE_MAX)
                return -EBADMSG;
        return -EAGAIN;
}

/* ---- the helper ---- */

/* What the helper is doing, for the message when it is killed. */
typedef enum HelperStep {
        STEP_INSPECT,
        STEP_ENTER,
        STEP_LISTENER,
        STEP_CONNECT,
        STEP_REPLY,
        STEP_OUTPUT,
        _STEP_MAX,
} HelperStep;

static const char *const step_table[_STEP_MAX] = {
        [STEP_INSPECT] = "inspecting the process",
        [STEP_ENTER] = "entering its namespace and credentials",
        [STEP_LISTENER] = "waiting for the JVM's attach listener",
        [STEP_CONNECT] = "connecting to the JVM",
        [STEP_REPLY] = "waiting for the JVM's reply",
        [STEP_OUTPUT] = "reading and writing the output",
};

/* A MAP_SHARED page: the helper writes it as it goes, the parent reads it
 * after reaping, so progress (output_bytes, step) survives a SIGKILL. */
typedef struct Shared {
        int r;
        int jvm_status;
        int vm;
        int step;
        bool done;
        bool truncated;
        bool target_stopped; /* state T or t when inspected: it cannot answer */
        uint64_t output_bytes;
        char error[HOTSPOT_ERROR_MAX];
} Shared;

struct HotspotAttach {
        pid_t helper_pid; /* 0 once reaped */
        int done_fd; /* read end of a pipe whose write end only the helper holds */
        usec_t timeout_usec;
        usec_t kill_deadline_usec;
        Shared *shared;
};

static const char *stopped_hint(const Shared *sh) {
        return sh->target_stopped ? " (the process is stopped: SIGSTOP or a debugger)" : "";
}

static usec_t usec_add(usec_t a, usec_t b) {
        return a > USEC_INFINITY - b ? USEC_INFINITY : a + b;
}

/* poll() timeout until deadline: -1 for none, rounded up to whole ms */
static int poll_timeout_ms(usec_t deadline) {
        usec_t now;

        if (deadline == USEC_INFINITY)
                return -1;
        now = now_usec(CLOCK_MONOTONIC);
        if (now >= deadline)
                return 0;
        return (int) MIN((deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC, (usec_t) INT_MAX);
}

/* Not error_setf(): this runs in the forked helper, and its message is for
 * the parent, so it goes into the shared page (sh->error, cut to
 * HOTSPOT_ERROR_MAX) and not into a malloc'd string of the child's heap,
 * and the helper does not allocate after fork. */
_printf_(3, 4) static int helper_fail(Shared *sh, int r, const char *fmt, ...) {
        va_list ap;
        int saved = errno;

        /* %m in fmt means r */
        errno = r < 0 ? -r : r;
        va_start(ap, fmt);
        (void) vsnprintf(sh->error, sizeof(sh->error), fmt, ap);
        va_end(ap);
        errno = saved;
        return r;
}

/* Scan /proc/PID/maps in pieces of whole lines (it is large for a JVM with
 * thousands of threads: two mappings per thread stack). */
static int read_maps_bits(pid_t pid, unsigned *ret_bits) {
        char path[64], buf[16384];
        _cleanup_close_ int fd = -EBADF;
        size_t have = 0;
        unsigned bits = 0;

        (void) snprintf(path, sizeof(path), "/proc/%d/maps", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        for (;;) {
                ssize_t k = read(fd, buf + have, sizeof(buf) - have);
                const char *nl;
                size_t whole;

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0) {
                        bits |= hotspot_maps_scan_buf(buf, have);
                        break;
                }
                have += (size_t) k;
                nl = memrchr(buf, '\n', have);
                /* a line longer than the buffer cannot be a path we want:
                 * PATH_MAX is smaller; scan and drop it */
                whole = nl ? (size_t) (nl - buf) + 1 : have;
                if (!nl && have < sizeof(buf))
                        continue;
                bits |= hotspot_maps_scan_buf(buf, whole);
                memmove(buf, buf + whole, have - whole);
                have -= whole;
        }
        *ret_bits = bits;
        return 0;
}

static int pidfd_open_compat(pid_t pid) {
#ifdef SYS_pidfd_open
        int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (fd >= 0)
                return fd;
        if (errno != ENOSYS)
                return negative_errno();
#endif
        return -ENOSYS;
}

/* Open rel (relative, no leading '/') in the JVM's root as the JVM sees
 * it: a symlink resolves inside that root, not in ours (openat2, Linux >=
 * 5.6). Without openat2: -ENOSYS, and *ret_root_fd is the root for the
 * caller's own fallback. */
static int open_in_root(pid_t pid, const char *rel, int flags, int *ret_root_fd) {
        char path[64];
        int root_fd, fd;

        (void) snprintf(path, sizeof(path), "/proc/%d/root", (int) pid);
        root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return negative_errno();
        *ret_root_fd = root_fd;
#ifdef SYS_openat2
        struct open_how how = {
                .flags = (uint64_t) flags | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        fd = (int) syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
        return fd >= 0 ? fd : negative_errno();
#else
        (void) rel;
        (void) flags;
        (void) fd;
        return -ENOSYS;
#endif
}

/* Open the JVM's /tmp as the JVM sees it; without openat2, a symlinked
 * /tmp is refused. */
static int open_tmp_in_root(pid_t pid) {
        _cleanup_close_ int root_fd = -EBADF;
        int fd = open_in_root(pid, "tmp", O_PATH | O_DIRECTORY, &root_fd);

        if (fd != -ENOSYS)
                return fd;
        fd = openat(root_fd, "tmp", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        return fd;
}

static int send_signal(int pidfd, pid_t pid, int sig) {
#ifdef SYS_pidfd_send_signal
        if (pidfd >= 0) {
                if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) >= 0)
                        return 0;
                if (errno != ENOSYS)
                        return negative_errno();
        }
#endif
        if (kill(pid, sig) < 0)
                return negative_errno();
        return 0;
}

/* Wait up to timeout_ms; returns -ESRCH when the target exited meanwhile. */
static int wait_target(int pidfd, pid_t pid, int timeout_ms) {
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int r;

        r = poll(pidfd >= 0 ? &p : NULL, pidfd >= 0 ? 1 : 0, timeout_ms);
        if (r < 0 && errno != EINTR)
                return negative_errno();
        if (r > 0)
                return -ESRCH;
        if (pidfd < 0 && kill(pid, 0) < 0 && errno == ESRCH)
                return -ESRCH;
        return 0;
}

/* Wait up to timeout_ms for a name to appear in the directory watched by
 * notify_fd (an inotify fd, or < 0: just wait); returns -ESRCH when the
 * target exited meanwhile, 0 otherwise. */
static int wait_target_or_name(int pidfd, pid_t pid, int notify_fd, int timeout_ms) {
        struct pollfd p[2] = {
                { .fd = pidfd, .events = POLLIN },
                { .fd = notify_fd, .events = POLLIN },
        };
        char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        int r;

        if (notify_fd < 0)
                return wait_target(pidfd, pid, timeout_ms);
        r = poll(p, 2, timeout_ms); /* a negative fd is left out by poll() */
        if (r < 0 && errno != EINTR)
                return negative_errno();
        if (r > 0 && p[0].revents)
                return -ESRCH;
        /* drained: the caller looks for the name itself */
        if (r > 0 && p[1].revents && read(notify_fd, events, sizeof(events)) < 0 && errno != EAGAIN &&
            errno != EINTR)
                return negative_errno();
        if (pidfd < 0 && kill(pid, 0) < 0 && errno == ESRCH)
                return -ESRCH;
        return 0;
}

/* An inotify fd watching dir_fd (an O_PATH fd) for names created or moved
 * in (HotSpot binds its socket as .java_pidN.tmp and renames it), or
 * -errno: then the caller polls. Made before setns(), while our /proc is
 * the one that resolves /proc/self/fd. */
static int watch_dir(int dir_fd) {
        char path[64];
        _cleanup_close_ int fd = -EBADF;

        fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", dir_fd);
        if (inotify_add_watch(fd, path, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

/* Close every fd above 2 except keep[] (the helper must not hold the
 * daemon's other fds open: pipe ends, sockets, pidfds). */
static void close_fds_except(const int *keep, size_t n) {
        int sorted[8];
        unsigned from = 3;

        if (n > ELEMENTSOF(sorted))
                return;
        memcpy(sorted, keep, n * sizeof(int));
        for (size_t i = 1; i < n; i++)
                for (size_t j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
                        int t = sorted[j];
                        sorted[j] = sorted[j - 1];
                        sorted[j - 1] = t;
                }
        for (size_t i = 0; i < n; i++) {
                if (sorted[i] < (int) from)
                        continue;
                if ((unsigned) sorted[i] > from)
                        (void) syscall(SYS_close_range, from, (unsigned) sorted[i] - 1, 0U);
                from = (unsigned) sorted[i] + 1;
        }
        (void) syscall(SYS_close_range, from, ~0U, 0U);
}

static int write_all(int fd, const char *p, size_t n, usec_t deadline) {
        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN) {
                                struct pollfd pf = { .fd = fd, .events = POLLOUT };
                                int r = poll(&pf, 1, poll_timeout_ms(deadline));

                                if (r == 0)
                                        return -ETIMEDOUT;
                                if (r < 0 && errno != EINTR)
                                        return negative_errno();
                                continue;
                        }
                        return negative_errno();
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* Create the trigger file in dir_fd; owned by us (HotSpot ignores one owned
 * by another user but root). Returns 0, or -errno. */
static int create_trigger(int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (dir_fd < 0)
                return -EBADF;
        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0) {
                if (errno != EEXIST)
                        return negative_errno();
                /* left over by an attach that was killed: reuse it if ours */
                if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return negative_errno();
                if (!S_ISREG(st.st_mode) || st.st_uid != geteuid())
                        return -EEXIST;
                return 0;
        }
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (st.st_uid != geteuid()) {
                /* some file systems (squashed NFS, vfat) give it another owner */
                (void) unlinkat(dir_fd, name, 0);
                return -EPERM;
        }
        return 0;
}

static bool socket_present(int tmp_fd, const char *name) {
        struct stat st;

        return fstatat(tmp_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISSOCK(st.st_mode);
}

/* Start the attach listener: trigger file, SIGQUIT, wait for the socket:
 * woken by notify_fd (an inotify watch of the JVM's /tmp, or < 0) when a
 * name appears there, else after growing pauses (20, 40, 80 ... 500 ms),
 * bounded. */
static int start_listener(Shared *sh, pid_t pid, pid_t nspid, int pidfd, const ProcStatus *st, int cwd_fd,
                          int tmp_fd, int notify_fd, const char *sock_name, usec_t deadline) {
        char trigger[32];
        int dir_fd = cwd_fd, r;
        usec_t t0, until, wait_ms = 20;

        if (!(st->have & PROC_STATUS_HAVE_SIG_CGT) || !(st->sig_cgt & (UINT64_C(1) << (SIGQUIT - 1))))
                return helper_fail(
                        sh, -EOPNOTSUPP,
                        "the JVM does not handle SIGQUIT (-Xrs?): cannot start its attach listener "
                        "(no /tmp/%s), and SIGQUIT would kill it",
                        sock_name);

        (void) snprintf(trigger, sizeof(trigger), ".attach_pid%d", (int) nspid);
        r = create_trigger(cwd_fd, trigger);
        if (r < 0) {
                dir_fd = tmp_fd;
                r = create_trigger(tmp_fd, trigger);
        }
        if (r < 0)
                return helper_fail(sh, r, "cannot create %s in the JVM's working directory or /tmp: %m",
                                   trigger);

        r = send_signal(pidfd, pid, SIGQUIT);
        if (r < 0) {
                (void) unlinkat(dir_fd, trigger, 0);
                return helper_fail(sh, r, "cannot send SIGQUIT to process %d: %m", (int) pid);
        }

        t0 = now_usec(CLOCK_MONOTONIC);
        until = MIN(deadline, usec_add(t0, HOTSPOT_LISTENER_WAIT_USEC));
        for (;;) {
                usec_t now = now_usec(CLOCK_MONOTONIC);
                int ms;

                if (socket_present(tmp_fd, sock_name))
                        break;
                if (now >= until) {
                        r = -ETIMEDOUT;
                        break;
                }
                ms = (int) MIN(wait_ms, (until - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
                r = wait_target_or_name(pidfd, pid, notify_fd, ms);
                if (r < 0)
                        break;
                wait_ms = MIN(wait_ms * 2, (usec_t) 500);
        }
        (void) unlinkat(dir_fd, trigger, 0);
        if (r == -ESRCH)
                return helper_fail(sh, r, "process %d exited after SIGQUIT", (int) pid);
        if (r == -ETIMEDOUT)
                return helper_fail(
                        sh, r, "the JVM did not start its attach listener: no /tmp/%s after %.1fs%s",
                        sock_name, (double) (now_usec(CLOCK_MONOTONIC) - t0) / 1e6, stopped_hint(sh));
        if (r < 0)
                return helper_fail(sh, r, "waiting for the attach listener: %m");
        return 0;
}

/* The request's start for a jcmd, and the same asking for the whole output
 * at once ("command option,..." as the name: JDK 25's attach options; the
 * name still fits HOTSPOT_NAME_MAX) */
#define JCMD_PREFIX "1\0jcmd\0"
#define JCMD_UNSTREAMED_PREFIX "1\0jcmd streaming=0\0"

/* Connect to the listener's socket in the current directory (the JVM's
 * /tmp), and check that the JVM we looked at is the one listening. */
static int connect_listener(Shared *sh, const char *sock_name, pid_t pid) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct ucred cred;
        socklen_t cred_len = sizeof(cred);
        _cleanup_close_ int sock = -EBADF;
        int r;

        (void) snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_name);
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0)
                return helper_fail(sh, negative_errno(), "socket: %m");
        if (connect(sock, (const struct sockaddr *) &sa, sizeof(sa)) < 0) {
                r = negative_errno();
                if (r == -ECONNREFUSED)
                        return helper_fail(sh, r, "/tmp/%s: nobody listens (a stale socket?): %m",
                                           sock_name);
                return helper_fail(sh, r, "cannot connect to /tmp/%s: %m", sock_name);
        }
        /* the listener must be the JVM we looked at, not another process
         * (or an earlier JVM of the same container pid) */
        if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len) < 0)
                return helper_fail(sh, negative_errno(), "SO_PEERCRED: %m");
        if (cred.pid != pid)
                return helper_fail(sh, -EPERM, "/tmp/%s belongs to process %d, not to %d", sock_name,
                                   (int) cred.pid, (int) pid);
        return TAKE_FD(sock);
}

bool hotspot_options_have(const char *buf, size_t n, const char *option) {
        int status;
        size_t start, k = strlen(option);

        if (hotspot_parse_status(buf, n, &status, &start) < 0 || status != 0)
                return false;
        /* the version, then the options: "2 option1,option2" (JDK 25) */
        for (size_t i = start; i < n;) {
                size_t j = i;
                while (j < n && buf[j] != ',' && buf[j] != ' ' && buf[j] != '\n')
                        j++;
                if (j - i == k && memcmp(buf + i, option, k) == 0)
                        return true;
                i = j + 1;
        }
        return false;
}

/* the decimal number at buf[*i] (at most 9 digits) to *ret; false when
 * there is no digit there */
static bool parse_uint(const char *buf, size_t end, size_t *i, unsigned *ret) {
        size_t start = *i;
        unsigned v = 0;

        while (*i < end && *i - start < 9 && buf[*i] >= '0' && buf[*i] <= '9')
                v = v * 10 + (unsigned) (buf[(*i)++] - '0');
        if (*i == start)
                return false;
        *ret = v;
        return true;
}

int hotspot_release_parse_buf(const char *buf, size_t n, unsigned *ret_major) {
        static const char key[] = "JAVA_VERSION=\"";
        const size_t k = sizeof(key) - 1;

        for (size_t i = 0; i < n;) {
                const char *nl = memchr(buf + i, '\n', n - i);
                size_t end = nl ? (size_t) (nl - buf) : n, j = i + k;
                unsigned major, minor;

                if (end - i <= k || memcmp(buf + i, key, k) != 0) {
                        i = end + 1;
                        continue;
                }
                if (!parse_uint(buf, end, &j, &major))
                        return -EBADMSG;
                /* "1.8.0_392": before JDK 9 the second number is the version */
                if (major == 1 && j < end && buf[j] == '.') {
                        j++;
                        if (parse_uint(buf, end, &j, &minor))
                                major = minor;
                }
                *ret_major = major;
                return 0;
        }
        return -ENOENT;
}

/* The target's Java version from JAVA_HOME/release, where JAVA_HOME is
 * /proc/PID/exe less "/bin/java", read inside the JVM's root; before the
 * setns(). Returns the feature version, or -errno (a launcher other than
 * bin/java, no release file: the caller does not know). */
static int read_java_release(pid_t pid) {
        char path[64], exe[PATH_MAX], buf[2048];
        _cleanup_close_ int root_fd = -EBADF, fd = -EBADF;
        static const char tail[] = "/bin/java";
        ssize_t len, k;
        unsigned major;
        int r;

        (void) snprintf(path, sizeof(path), "/proc/%d/exe", (int) pid);
        len = readlink(path, exe, sizeof(exe) - 1);
        if (len < 0)
                return negative_errno();
        if ((size_t) len < sizeof(tail) || exe[0] != '/' ||
            memcmp(exe + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1) != 0 ||
            (size_t) len - (sizeof(tail) - 1) + sizeof("/release") > sizeof(exe))
                return -ENOENT; /* not JAVA_HOME/bin/java, or " (deleted)" */
        memcpy(exe + len - (sizeof(tail) - 1), "/release", sizeof("/release"));
        fd = open_in_root(pid, exe + 1, O_RDONLY | O_NOCTTY, &root_fd);
        if (fd < 0)
                return -ENOENT; /* without openat2 a symlink could leave the root: do not guess */
        do
                k = read(fd, buf, sizeof(buf));
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return negative_errno();
        /* JAVA_VERSION is among the first lines; a longer file is cut */
        r = hotspot_release_parse_buf(buf, (size_t) k, &major);
        if (r < 0)
                return r;
        return (int) MIN(major, (unsigned) INT_MAX);
}

/* Does this JVM stream an operation's output (JDK 25's default)? For a
 * thread dump it then writes from inside the safepoint, and the JVM stays
 * stopped until the reader has read it all: 100-200 ms for 2000 threads
 * against ~20 ms whole (bench/capture-stall). "getversion options" lists
 * the options a JVM takes (JDK 25 on); older ones answer "not
 * recognized", and do not stream. Any failure here: no. */
static bool listener_streams(int sock, usec_t deadline) {
        static const char probe[] = "1\0getversion\0options\0\0"; /* and the literal's NUL */
        char reply[512];
        size_t used = 0;

        if (write_all(sock, probe, sizeof(probe), deadline) < 0)
                return false;
        while (used < sizeof(reply)) {
                struct pollfd pf = { .fd = sock, .events = POLLIN };
                ssize_t k;
                int r = poll(&pf, 1, poll_timeout_ms(deadline));

                if (r < 0 && errno == EINTR)
                        continue;
                if (r <= 0)
                        return false;
                k = read(sock, reply + used, sizeof(reply) - used);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        break;
                used += (size_t) k;
        }
        return hotspot_options_have(reply, used, "streaming");
}

static int helper_run(Shared *sh, pid_t parent, pid_t pid, const char *req, size_t req_len, int out_fd,
                      usec_t deadline, size_t max_output) {
        char path[64], buf[65536], unstreamed[HOTSPOT_REQUEST_MAX_BYTES + 16];
        _cleanup_close_ int pidfd = -EBADF, mntns_fd = -EBADF, cwd_fd = -EBADF, tmp_fd = -EBADF,
                            sock = -EBADF, notify_fd = -EBADF;
        char sock_name[32];
        struct stat st_ns, st_self, st_sock;
        ProcStatus st;
        unsigned maps_bits = 0;
        bool maps_read = false;
        int java_major;
        pid_t nspid;
        size_t n = 0, used = 0;
        int r;

        /* ---- what runs there ---- */
        sh->step = STEP_INSPECT;
        /* the pidfd first: once the reads below are done and it has not
         * fired, they were about this process and not a reused pid */
        pidfd = pidfd_open_compat(pid);
        if (pidfd == -ESRCH)
                return helper_fail(sh, -ESRCH, "no process %d", (int) pid);
        (void) snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
        /* into buf: no malloc in the helper, a fork that keeps to simple system calls */
        r = read_full_file_at_into(AT_FDCWD, path, 0, buf, sizeof(buf), &n);
        if (r == -ENOENT || r == -ESRCH)
                return helper_fail(sh, -ESRCH, "no process %d", (int) pid);
        if (r < 0)
                return helper_fail(sh, r, "cannot read %s: %m", path);
        r = procfs_status_parse_buf(buf, n, &st);
        if (r < 0)
                return helper_fail(sh, r, "cannot parse %s: %m", path);
        if (st.state == 'Z' || st.state == 'X')
                return helper_fail(sh, -ESRCH, "process %d (%s) has exited", (int) pid, st.name);
        if ((st.have & PROC_STATUS_HAVE_TGID) && st.tgid != pid)
                return helper_fail(sh, -EINVAL, "%d is a thread of process %d: attach to that", (int) pid,
                                   (int) st.tgid);
        sh->target_stopped = st.state == 'T' || st.state == 't';
        if (!(st.have & PROC_STATUS_HAVE_UID) || !(st.have & PROC_STATUS_HAVE_GID))
                return helper_fail(sh, -EBADMSG, "%s has no Uid or Gid line", path);

        nspid = (st.have & PROC_STATUS_HAVE_NSTGID) && st.nstgid_last > 0 ? st.nstgid_last : pid;
        (void) snprintf(sock_name, sizeof(sock_name), ".java_pid%d", (int) nspid);

        /* Directories through /proc/PID: they are the target's even in
         * another mount namespace or a chroot, and stay valid after setns
         * (where our /proc may be another pid namespace's or absent). The
         * helper works through these fds only. */
        tmp_fd = open_tmp_in_root(pid);
        if (tmp_fd < 0)
                return helper_fail(sh, tmp_fd, "cannot open the JVM's /tmp (/proc/%d/root/tmp): %m",
                                   (int) pid);

        /* Is it a HotSpot JVM? Asked before a SIGQUIT, which kills any
         * other process, so only when there is no listener yet: reading
         * the maps of a JVM with 2000 threads (4000 mappings, 210 kB of
         * text) costs ~2.5 ms, more than the rest of an attach but the
         * dump. With a socket, connect_listener() checks that the process
         * listening is this one, and .java_pid is HotSpot's (OpenJ9
         * listens elsewhere). */
        if (socket_present(tmp_fd, sock_name))
                sh->vm = HOTSPOT_VM_HOTSPOT;
        else {
                r = read_maps_bits(pid, &maps_bits);
                if (r == -ENOENT || r == -ESRCH)
                        return helper_fail(sh, -ESRCH, "process %d (%s) has exited", (int) pid, st.name);
                if (r < 0)
                        return helper_fail(sh, r, "cannot read /proc/%d/maps: %m", (int) pid);
                if (wait_target(pidfd, pid, 0) == -ESRCH)
                        return helper_fail(sh, -ESRCH, "process %d (%s) has exited", (int) pid, st.name);
                maps_read = true;
                sh->vm = hotspot_vm_from_maps(maps_bits);
                if (sh->vm == HOTSPOT_VM_NONE)
                        return helper_fail(sh, -ENOEXEC, "process %d (%s) is not a JVM: no libjvm.so mapped",
                                           (int) pid, st.name);
                if (sh->vm == HOTSPOT_VM_OPENJ9)
                        return helper_fail(sh, -EPROTONOSUPPORT,
                                           "process %d (%s) runs OpenJ9 (libj9vm mapped): not supported, "
                                           "only HotSpot's "
                                           "attach protocol is",
                                           (int) pid, st.name);
                /* to learn at once when the listener's socket appears: the
                 * JVM takes a few ms, the first pause is 20 */
                notify_fd = watch_dir(tmp_fd);
        }
        /* "getversion options" costs a round trip with the JVM's listener
         * thread (0.3-0.6 ms on a busy machine, measured on JDK 17); a JVM
         * older than 21 does not know the question and does not stream */
        java_major = read_java_release(pid);

        /* ---- its mount namespace and credentials ---- */
        sh->step = STEP_ENTER;
        (void) snprintf(path, sizeof(path), "/proc/%d/cwd", (int) pid);
        cwd_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC); /* optional: the trigger may go to /tmp */
        (void) snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int) pid);
        mntns_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (mntns_fd >= 0 && fstat(mntns_fd, &st_ns) == 0 && stat("/proc/self/ns/mnt", &st_self) == 0 &&
            (st_ns.st_dev != st_self.st_dev || st_ns.st_ino != st_self.st_ino)) {
                /* Enter it too, so that nothing below can reach the caller's
                 * mount tree (we are single-threaded, as setns() wants). A
                 * caller that is not root (a rootless container's owner) may
                 * not, and does without: the fds suffice. */
                if (setns(mntns_fd, CLONE_NEWNS) < 0 && geteuid() == 0)
                        return helper_fail(sh, negative_errno(),
                                           "cannot enter the mount namespace of process %d: %m", (int) pid);
        }
        /* HotSpot accepts a peer whose euid and egid are its own (or root),
         * and a trigger file owned by its euid. Supplementary groups are
         * dropped only when there are some: root in a container without
         * CAP_SETGID (an OCI runtime's default capabilities, a pod that
         * drops them all) has none, and may not call setgroups() at all. */
        if (getuid() == 0 && getgroups(0, NULL) != 0 && setgroups(0, NULL) < 0)
                return helper_fail(sh, negative_errno(), "cannot drop supplementary groups: %m");
        if (setresgid(st.egid, st.egid, st.egid) < 0)
                return helper_fail(sh, negative_errno(), "cannot take the JVM's group %u: %m",
                                   (unsigned) st.egid);
        if (setresuid(st.euid, st.euid, st.euid) < 0)
                return helper_fail(sh, negative_errno(), "cannot take the JVM's user %u: %m",
                                   (unsigned) st.euid);
        /* a credential change clears the parent-death signal */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                return helper_fail(sh, -ESRCH, "the caller exited");

        /* ---- the listener ---- */
        sh->step = STEP_LISTENER;
        if (!socket_present(tmp_fd, sock_name)) {
                /* gone since it was seen: its maps were not read, so no
                 * SIGQUIT (a rare race with the JVM's exit or a /tmp
                 * cleaner; the next attach reads them) */
                if (!maps_read)
                        return helper_fail(sh, -ECONNREFUSED, "/tmp/%s disappeared during the attach",
                                           sock_name);
                r = start_listener(sh, pid, nspid, pidfd, &st, cwd_fd, tmp_fd, notify_fd, sock_name,
                                   deadline);
                if (r < 0)
                        return r;
        }
        if (fstatat(tmp_fd, sock_name, &st_sock, AT_SYMLINK_NOFOLLOW) < 0)
                return helper_fail(sh, negative_errno(), "/tmp/%s: %m", sock_name);
        if (!S_ISSOCK(st_sock.st_mode) || st_sock.st_uid != st.euid)
                return helper_fail(sh, -EPERM,
                                   "/tmp/%s is owned by uid %u, not by the JVM's uid %u: not trusted",
                                   sock_name, (unsigned) st_sock.st_uid, (unsigned) st.euid);

        /* ---- connect: relative to its /tmp, so the name fits sun_path ---- */
        sh->step = STEP_CONNECT;
        if (fchdir(tmp_fd) < 0)
                return helper_fail(sh, negative_errno(), "cannot enter the JVM's /tmp: %m");
        /* a jcmd on a JVM that streams its output by default (JDK 25):
         * ask for it whole, see listener_streams() */
        if ((java_major < 0 || java_major >= 21) && req_len >= sizeof(JCMD_PREFIX) - 1 &&
            memcmp(req, JCMD_PREFIX, sizeof(JCMD_PREFIX) - 1) == 0 &&
            req_len - (sizeof(JCMD_PREFIX) - 1) + sizeof(JCMD_UNSTREAMED_PREFIX) - 1 <= sizeof(unstreamed)) {
                sock = connect_listener(sh, sock_name, pid);
                if (sock < 0)
                        return sock;
                if (listener_streams(sock, deadline)) {
                        size_t k = sizeof(JCMD_UNSTREAMED_PREFIX) - 1;
                        memcpy(unstreamed, JCMD_UNSTREAMED_PREFIX, k);
                        memcpy(unstreamed + k, req + sizeof(JCMD_PREFIX) - 1,
                               req_len - (sizeof(JCMD_PREFIX) - 1));
                        req_len = k + req_len - (sizeof(JCMD_PREFIX) - 1);
                        req = unstreamed;
                }
                sock = safe_close(sock);
        }
        sock = connect_listener(sh, sock_name, pid);
        if (sock < 0)
                return sock;

        /* ---- request and reply ---- */
        sh->step = STEP_REPLY;
        for (size_t off = 0; off < req_len;) {
                ssize_t k = send(sock, req + off, req_len - off, MSG_NOSIGNAL);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return helper_fail(sh, negative_errno(), "cannot send the request: %m");
                }
                off += (size_t) k;
        }

        for (bool have_line = false;;) {
                struct pollfd pf = { .fd = sock, .events = POLLIN };
                size_t start = 0, avail, take;
                ssize_t k;

                r = poll(&pf, 1, poll_timeout_ms(deadline));
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return helper_fail(sh, negative_errno(), "poll: %m");
                }
                if (r == 0)
                        return helper_fail(sh, -ETIMEDOUT, "timed out %s%s", step_table[sh->step],
                                           stopped_hint(sh));
                k = read(sock, buf + used, sizeof(buf) - used);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return helper_fail(sh, negative_errno(), "cannot read the reply: %m");
                }
                if (k == 0) {
                        if (!have_line)
                                return helper_fail(sh, -EBADMSG,
                                                   "the JVM closed the connection without a status line "
                                                   "(did it refuse our credentials?)");
                        return 0;
                }
                used += (size_t) k;
                if (!have_line) {
                        /* -EAGAIN: fewer than HOTSPOT_STATUS_LINE_MAX bytes so far, read on */
                        r = hotspot_parse_status(buf, used, &sh->jvm_status, &start);
                        if (r == -EAGAIN)
                                continue;
                        if (r < 0)
                                return helper_fail(sh, r, "the reply does not start with a status line: %m");
                        have_line = true;
                        sh->step = STEP_OUTPUT;
                }
                avail = used - start;
                take = MIN(avail, max_output - (size_t) sh->output_bytes);
                r = write_all(out_fd, buf + start, take, deadline);
                if (r < 0)
                        return helper_fail(sh, r, "cannot write the output: %m");
                sh->output_bytes += take;
                used = 0;
                if (take < avail) {
                        /* at the cap with more to come: stop reading, the JVM
                         * gets EPIPE */
                        sh->truncated = true;
                        return 0;
                }
        }
}

static _noreturn_ void helper_main(Shared *sh, pid_t parent, pid_t pid, const char *req, size_t req_len,
                                   int out_fd, int done_fd, usec_t deadline, size_t max_output) {
        sigset_t none;
        int keep[] = { out_fd, done_fd };

        /* the daemon blocks signals for its event loop; the helper must die
         * of SIGKILL and SIGTERM, and not of a closed output pipe */
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        (void) signal(SIGPIPE, SIG_IGN);
        close_fds_except(keep, ELEMENTSOF(keep));
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(EXIT_FAILURE);

        sh->r = helper_run(sh, parent, pid, req, req_len, out_fd, deadline, max_output);
        sh->done = true;
        _exit(EXIT_SUCCESS);
}

/* ---- the caller's side ---- */

int hotspot_attach_start(pid_t pid, const char *const *argv, int out_fd, usec_t timeout_usec,
                         size_t max_output_bytes, HotspotAttach **ret) {
        char req[HOTSPOT_REQUEST_MAX_BYTES];
        _cleanup_close_ int done_r = -EBADF, done_w = -EBADF;
        _cleanup_free_ HotspotAttach *a = NULL;
        int pipefd[2];
        size_t req_len;
        usec_t deadline;
        pid_t parent, child;
        Shared *sh;
        int r;

        if (pid <= 0 || out_fd < 0 || !ret)
                return -EINVAL;
        r = hotspot_build_request(argv, req, sizeof(req), &req_len);
        if (r < 0)
                return r;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        sh = mmap(NULL, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (sh == MAP_FAILED)
                return negative_errno();
        *sh = (Shared){ .r = -EIO, .vm = HOTSPOT_VM_NONE, .step = STEP_INSPECT };
        a->shared = sh;
        a->done_fd = -EBADF;

        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                r = negative_errno();
                (void) munmap(sh, sizeof(Shared));
                return r;
        }
        done_r = pipefd[0];
        done_w = pipefd[1];

        a->timeout_usec = timeout_usec;
        deadline = usec_add(now_usec(CLOCK_MONOTONIC), timeout_usec);
        a->kill_deadline_usec = usec_add(deadline, HOTSPOT_HELPER_GRACE_USEC);

        parent = getpid();
        child = fork();
        if (child < 0) {
                r = negative_errno();
                (void) munmap(sh, sizeof(Shared));
                return r;
        }
        if (child == 0) {
                (void) safe_close(done_r);
                helper_main(sh, parent, pid, req, req_len, out_fd, done_w, deadline, max_output_bytes);
        }

        a->helper_pid = child;
        a->done_fd = TAKE_FD(done_r);
        /* ours to reap (base/children.h: a PID 1's reaper leaves it alone) */
        r = children_add(child, CHILD_HELPER);
        if (r < 0) {
                hotspot_attach_free(a);
                return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

int hotspot_attach_get_fd(const HotspotAttach *a) {
        return a ? a->done_fd : -EINVAL;
}

usec_t hotspot_attach_get_deadline(const HotspotAttach *a) {
        return a ? a->kill_deadline_usec : 0;
}

static void reap(HotspotAttach *a, int *ret_wstatus) {
        int ws = 0;

        while (waitpid(a->helper_pid, &ws, 0) < 0 && errno == EINTR)
                ;
        children_forget(a->helper_pid);
        a->helper_pid = 0;
        if (ret_wstatus)
                *ret_wstatus = ws;
}

int hotspot_attach_finish(HotspotAttach *a, HotspotResult *result) {
        const Shared *sh;
        bool killed = false;
        int ws = 0, r;

        if (!a || !result)
                return -EINVAL;
        *result = (HotspotResult){ .vm = HOTSPOT_VM_NONE };
        if (a->helper_pid <= 0) {
                (void) snprintf(result->error, sizeof(result->error), "the attach was already collected");
                return -ECHILD;
        }

        for (;;) {
                struct pollfd pf = { .fd = a->done_fd, .events = POLLIN };

                r = poll(&pf, 1, poll_timeout_ms(a->kill_deadline_usec));
                if (r > 0)
                        break;
                if (r == 0) {
                        (void) kill(a->helper_pid, SIGKILL);
                        killed = true;
                        break;
                }
                if (errno != EINTR) {
                        (void) kill(a->helper_pid, SIGKILL);
                        killed = true;
                        break;
                }
        }
        reap(a, &ws);

        sh = a->shared;
        result->output_bytes = sh->output_bytes;
        result->truncated = sh->truncated;
        result->vm = (HotspotVm) sh->vm;
        if (sh->done) {
                if (sh->r < 0) {
                        (void) snprintf(result->error, sizeof(result->error), "%s", sh->error);
                        return sh->r;
                }
                result->jvm_status = sh->jvm_status;
                return 0;
        }
        if (killed) {
                (void) snprintf(result->error, sizeof(result->error),
                                "no answer within %.1fs: the helper was killed while %s%s",
                                (double) a->timeout_usec / 1e6,
                                sh->step >= 0 && sh->step < _STEP_MAX ? step_table[sh->step] : "attaching",
                                stopped_hint(sh));
                return -ETIMEDOUT;
        }
        if (WIFSIGNALED(ws))
                (void) snprintf(result->error, sizeof(result->error),
                                "the attach helper died of signal %d while %s", WTERMSIG(ws),
                                sh->step >= 0 && sh->step < _STEP_MAX ? step_table[sh->step] : "attaching");
        else
                (void) snprintf(result->error, sizeof(result->error),
                                "the attach helper exited early (status %d)",
                                WIFEXITED(ws) ? WEXITSTATUS(ws) : -1);
        return -EIO;
}

HotspotAttach *hotspot_attach_free(HotspotAttach *a) {
        if (!a)
                return NULL;
        if (a->helper_pid > 0) {
                (void) kill(a->helper_pid, SIGKILL);
                reap(a, NULL);
        }
        a->done_fd = safe_close(a->done_fd);
        if (a->shared)
                (void) munmap(a->shared, sizeof(Shared));
        free(a);
        return NULL;
}

int hotspot_attach(pid_t pid, const char *const *argv, int out_fd, usec_t timeout_usec,
                   size_t max_output_bytes, HotspotResult *result) {
        _cleanup_(hotspot_attach_freep) HotspotAttach *a = NULL;
        int r;

        if (!result)
                return -EINVAL;
        *result = (HotspotResult){ .vm = HOTSPOT_VM_NONE };
        r = hotspot_attach_start(pid, argv, out_fd, timeout_usec, max_output_bytes, &a);
        if (r < 0) {
                if (r == -EINVAL || r == -E2BIG)
                        (void) snprintf(result->error, sizeof(result->error), "%s",
                                        r == -E2BIG ? "the command is too long for the attach protocol "
                                                      "(1024 bytes per argument)"
                                                    : "invalid pid or empty command");
                else
                        (void) snprintf(result->error, sizeof(result->error),
                                        "cannot start the attach helper: %s", strerror(-r));
                return r;
        }
        return hotspot_attach_finish(a, result);
}
