/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The sd_notify protocol, served to one service: the socket cgwarden puts
 * in the service's $NOTIFY_SOCKET, so that a program written for systemd's
 * Type=notify (sd_notify(), systemd-notify, a hand-rolled sendmsg) works
 * unchanged under cgwarden.
 *
 * A datagram is newline-separated KEY=VALUE lines. The parser is pure (no
 * I/O, no logging, no allocation); the socket is a thin reader around it
 * that authenticates the sender by the kernel's SCM_CREDENTIALS and asks
 * the service whether that pid is one of its processes.
 *
 * Choices (see notify-socket.c for the longer why):
 *   - NOTIFY_DATAGRAM_MAX is 4096 bytes, inclusive: systemd's own limit
 *     (NOTIFY_BUFFER_MAX = PIPE_BUF), so everything systemd accepts is
 *     accepted here, and nothing a program could rely on is lost.
 *   - The socket file is mode 0666, like systemd's notify socket: a
 *     service may run its processes as several users, and who may speak
 *     is decided by the sender's pid -> cgroup, which a file mode cannot
 *     express. Restrict reachability with the directory's mode if needed.
 *   - Passed file descriptors (FDSTORE=1, BARRIER=1) are closed once the
 *     datagram has been handled; closing them after the callback is what
 *     makes sd_notify_barrier() work. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "base/macro.h"

/* Largest datagram accepted, in bytes (systemd: PIPE_BUF). Larger ones are
 * dropped by the reader without being parsed. */
#define NOTIFY_DATAGRAM_MAX 4096U
/* STATUS= text kept, in bytes after escaping, without the NUL. */
#define NOTIFY_STATUS_MAX 1023U
/* Datagrams read per wake-up, so that a flood cannot starve the loop. */
#define NOTIFY_READ_BATCH_MAX 16U
/* The kernel's SCM_MAX_FD: no datagram carries more descriptors. */
#define NOTIFY_FDS_MAX 253U
/* Highest pid accepted in MAINPID= (the kernel's PID_MAX_LIMIT). */
#define NOTIFY_PID_MAX 4194304

/* Bits of NotifyMessage.have: which valued keys were present. */
enum {
        NOTIFY_HAVE_STATUS = 1U << 0,
        NOTIFY_HAVE_MAINPID = 1U << 1,
        NOTIFY_HAVE_ERRNO = 1U << 2,
        NOTIFY_HAVE_WATCHDOG_USEC = 1U << 3,
        NOTIFY_HAVE_EXTEND_TIMEOUT_USEC = 1U << 4,
};

/* One parsed datagram. Flags are set only by their exact systemd value
 * (READY=1, STOPPING=1, RELOADING=1, WATCHDOG=1, WATCHDOG=trigger); other
 * values of these keys are ignored, as systemd ignores them. Valued keys
 * are 0 / "" unless their bit is in `have`. When a key appears twice the
 * first wins (systemd looks up the first), but every occurrence must
 * parse. */
typedef struct NotifyMessage {
        bool ready;
        bool stopping;
        bool reloading;
        bool watchdog; /* WATCHDOG=1: keep-alive */
        bool watchdog_trigger; /* WATCHDOG=trigger: the service asks to be treated as hung */
        uint32_t have; /* NOTIFY_HAVE_* */
        pid_t mainpid; /* syntax and range only: the caller must check it is in the service's cgroup */
        int errno_value; /* 0..4095 */
        usec_t watchdog_usec; /* WATCHDOG_USEC=: new watchdog timeout */
        usec_t extend_timeout_usec; /* EXTEND_TIMEOUT_USEC= */
        /* STATUS= (may be empty: "clear the status"): valid UTF-8 kept, every
         * control character (C0, DEL, C1) and every byte of an invalid
         * sequence written as \xNN, so it is safe to print on a terminal or
         * a log line. Cut at a character boundary at NOTIFY_STATUS_MAX. */
        char status[NOTIFY_STATUS_MAX + 1];
} NotifyMessage;

/* Parse one datagram: buf need not be NUL-terminated, and is never read
 * past n. Empty lines are skipped; the last line needs no '\n'; unknown
 * keys are ignored without looking at their values (BARRIER=1,
 * FDSTORE=1, MONOTONIC_USEC=, ... are therefore accepted). Numbers are
 * plain decimal digits (no sign, no blanks). Writes *ret only on success.
 * Returns 0 or:
 *   -EMSGSIZE  n > NOTIFY_DATAGRAM_MAX
 *   -EBADMSG   empty datagram, a NUL byte, a line without '=', an empty
 *              key, a number that does not parse
 *   -ERANGE    a number beyond its type, MAINPID= outside
 *              1..NOTIFY_PID_MAX, ERRNO= above 4095 */
int notify_parse(const char *buf, size_t n, NotifyMessage *ret);

/* Why a datagram was not delivered. */
typedef enum NotifyDrop {
        NOTIFY_DROP_OVERSIZED, /* larger than NOTIFY_DATAGRAM_MAX */
        NOTIFY_DROP_CONTROL_TRUNCATED, /* ancillary data did not fit */
        NOTIFY_DROP_NO_CREDENTIALS, /* no SCM_CREDENTIALS, or a pid not visible in our namespace */
        NOTIFY_DROP_UNAUTHORIZED, /* authorize() said no */
        NOTIFY_DROP_MALFORMED, /* notify_parse() failed */
        _NOTIFY_DROP_MAX,
        _NOTIFY_DROP_INVALID = -EINVAL,
} NotifyDrop;
const char *notify_drop_to_string(NotifyDrop d);
NotifyDrop notify_drop_from_string(const char *s);

typedef struct NotifySocketStats {
        uint64_t received; /* datagrams read */
        uint64_t delivered; /* passed to the callback */
        uint64_t dropped[_NOTIFY_DROP_MAX];
        uint64_t fds_closed; /* passed descriptors closed */
} NotifySocketStats;

typedef struct NotifySocket NotifySocket;

/* Is pid one of the service's processes? pid is the sender's, in
 * cgwarden's pid namespace, > 0. Typically notify_pid_in_cgroup() > 0.
 * A sender that has already exited cannot always be attributed (as with
 * systemd): once reaped it is gone, and on v1 even a zombie shows "/";
 * the service may still recognise its main pid by number. It must not
 * free the socket. */
typedef bool (*notify_authorize_t)(void *userdata, pid_t pid);
/* An authorized, well-formed datagram from pid. m is valid for the call
 * only. The callback may free s. */
typedef void (*notify_socket_cb)(NotifySocket *s, const NotifyMessage *m, pid_t pid, void *userdata);

/* Bind DIR/NAME.notify (SOCK_DGRAM, SO_PASSCRED, mode 0666) and watch it
 * on e. dir must be absolute and not writable by others (cgwarden's
 * runtime directory); name must be non-empty, without '/'. A leftover
 * socket nobody listens on is replaced; a live one is not. authorize and
 * cb are required. Returns 0 or:
 *   -EINVAL        bad arguments
 *   -ENAMETOOLONG  DIR/NAME.notify does not fit in sun_path (107 bytes),
 *                  so clients could not connect to it
 *   -EEXIST        something other than a socket is at the path
 *   -EADDRINUSE    a live socket is at the path (another instance?)
 *   -errno of socket(), bind(), chmod, sd_event_add_io() */
int notify_socket_new(sd_event *e, const char *dir, const char *name, notify_authorize_t authorize,
                      notify_socket_cb cb, void *userdata, NotifySocket **ret);
/* Stop watching, close, and unlink the path if it is still our socket.
 * Accepts NULL; returns NULL. */
NotifySocket *notify_socket_free(NotifySocket *s);
static inline void notify_socket_freep(NotifySocket **s) {
        *s = notify_socket_free(*s);
}
#define _cleanup_notify_socket_free_ _cleanup_(notify_socket_freep)

/* Absolute path for $NOTIFY_SOCKET. */
const char *notify_socket_path(const NotifySocket *s);
/* Counters since creation. */
const NotifySocketStats *notify_socket_stats(const NotifySocket *s);

/* Is pid in the cgroup cgroup_rel_path (as cg_service_path() returns it:
 * relative to the hierarchy root, starting with '/')? Compares the path
 * in /proc/PID/cgroup: the unified line when v2, else the memory
 * controller's line (v1 and hybrid). Exact match: services have no child
 * cgroups. A zombie still matches on v2; on v1 the kernel shows "/" for
 * an exiting task, so it does not. Returns 1 (in), 0 (not in) or:
 *   -EINVAL  pid <= 0, or a path not starting with '/'
 *   -ESRCH   no such process (exited and reaped)
 *   -ENOENT  /proc/PID/cgroup has no line for that hierarchy
 *   -errno of reading /proc/PID/cgroup */
int notify_pid_in_cgroup(pid_t pid, const char *cgroup_rel_path, bool v2);
