/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The HotSpot dynamic attach client (after jattach's jattach_hotspot.c):
 * ask a running HotSpot JVM for a thread dump, its native memory summary or
 * any other diagnostic command, without a JDK on the machine.
 *
 * The protocol: the JVM listens on the UNIX socket /tmp/.java_pid<nspid>
 * (its own /tmp, its own pid). Until the first attach it does not: a file
 * .attach_pid<nspid> in its cwd (or /tmp) plus a SIGQUIT make it start the
 * listener. The client sends "1\0<op>\0<arg0>\0<arg1>\0<arg2>\0"; the JVM
 * answers "<status>\n" and the command's output, then closes.
 *
 * hotspot_attach() does all of it in a forked, single-threaded helper that
 * enters the target's mount namespace and takes its egid and euid (STYLE
 * rule 11): the calling process never switches namespaces or credentials.
 * The helper writes the reply's output (not the status line) to out_fd,
 * at most max_output_bytes of it, and is killed at its deadline. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/macro.h"

/* Limits of the version 1 request (HotSpot's attachListener.hpp): an
 * operation name of 16 bytes at most, three arguments of 1024 bytes. */
#define HOTSPOT_NAME_MAX 16U
#define HOTSPOT_ARG_MAX 1024U
#define HOTSPOT_ARG_COUNT 3U
#define HOTSPOT_REQUEST_MAX_BYTES (2U + (HOTSPOT_NAME_MAX + 1U) + HOTSPOT_ARG_COUNT * (HOTSPOT_ARG_MAX + 1U))

/* The status line is "%d\n": 11 characters and a newline at most. */
#define HOTSPOT_STATUS_LINE_MAX 12U

/* The default bound on the wait for the listener after SIGQUIT (further
 * bounded by the whole attach's timeout). */
#define HOTSPOT_LISTENER_WAIT_USEC (5 * USEC_PER_SEC)

/* How long after its own deadline the helper is killed: time to report a
 * timeout itself, which names the step that hung. */
#define HOTSPOT_HELPER_GRACE_USEC (250 * USEC_PER_MSEC)

#define HOTSPOT_ERROR_MAX 256

/* What the target process runs, from the libraries in /proc/PID/maps. */
typedef enum HotspotVm {
        HOTSPOT_VM_NONE, /* no JVM library mapped: not a JVM */
        HOTSPOT_VM_HOTSPOT, /* libjvm.so: HotSpot (OpenJDK, Temurin, Oracle, ...) */
        HOTSPOT_VM_OPENJ9, /* libj9vm*.so: OpenJ9, whose attach protocol differs */
        _HOTSPOT_VM_MAX,
        _HOTSPOT_VM_INVALID = -EINVAL,
} HotspotVm;

const char *hotspot_vm_to_string(HotspotVm v); /* "none", "hotspot", "openj9"; NULL when out of range */
HotspotVm hotspot_vm_from_string(const char *s); /* or _HOTSPOT_VM_INVALID */

/* Bits of hotspot_maps_scan_buf()'s result. */
enum {
        HOTSPOT_MAPS_LIBJVM = 1U << 0, /* a mapping of .../libjvm.so */
        HOTSPOT_MAPS_LIBJ9VM = 1U << 1, /* a mapping of .../libj9vm<N>.so */
};

/* Scan lines of /proc/PID/maps (buf need not be NUL-terminated, a last
 * line without newline counts; a " (deleted)" suffix is ignored). Pure,
 * never fails: returns the HOTSPOT_MAPS_* bits of the libraries seen, so a
 * caller reading the file in pieces ORs the results of whole lines. */
unsigned hotspot_maps_scan_buf(const char *buf, size_t n);

/* HOTSPOT_MAPS_* bits to the VM kind: OpenJ9 ships a libjvm.so too, so
 * libj9vm wins. */
HotspotVm hotspot_vm_from_maps(unsigned maps_bits);

/* Build a version 1 request from argv (command and arguments, NULL-
 * terminated) into buf. When argv[0] is one of the attach operations
 * (jcmd threaddump dumpheap inspectheap datadump properties agentProperties
 * setflag printflag load), it is the operation and argv[1..] its arguments,
 * those beyond the third joined to it with spaces (as jattach does); for
 * "jcmd" all of them are joined into its one argument.
 * Anything else is a diagnostic command for "jcmd", which takes the whole
 * command line joined with spaces as one argument (as the jcmd tool does):
 * {"Thread.print", NULL} gives "1\0jcmd\0Thread.print\0\0\0". Pure.
 * Returns 0 and writes *ret_len, or
 *   -EINVAL  argv empty, or argv[0] empty
 *   -E2BIG   an argument longer than HOTSPOT_ARG_MAX, or size too small
 *            (HOTSPOT_REQUEST_MAX_BYTES always suffices) */
int hotspot_build_request(const char *const *argv, char *buf, size_t size, size_t *ret_len);

/* Parse the status line at the start of a reply: an optional '-', decimal
 * digits, '\n'. Pure. Returns 0 and writes *ret_status and *ret_consumed
 * (the bytes up to and including the newline; the output follows), or
 *   -EAGAIN   no newline yet, and the bytes so far may still become a
 *             status line: read more
 *   -EBADMSG  not a status line (other characters, no digits, longer than
 *             HOTSPOT_STATUS_LINE_MAX)
 *   -ERANGE   the number does not fit an int */
int hotspot_parse_status(const char *buf, size_t n, int *ret_status, size_t *ret_consumed);

/* Is option (e.g. "streaming") in the reply to "getversion options" (JDK
 * 25 on: status 0, then the protocol version and the options, as
 * "0\n2 streaming", more options comma-separated)? False for
 * another status (an older JVM: "not recognized") or a bad reply. Pure. */
bool hotspot_options_have(const char *buf, size_t n, const char *option);

/* The Java feature version (17, 25; 8 for "1.8.0_x") from the text of a
 * JDK's or JRE's "release" file (its JAVA_VERSION="..." line; buf need not
 * be NUL-terminated). Pure. Returns 0 and writes *ret_major, or -ENOENT
 * (no JAVA_VERSION line) or -EBADMSG (a value that does not start with a
 * version number). */
int hotspot_release_parse_buf(const char *buf, size_t n, unsigned *ret_major);

/* The outcome of one attach. Unlike a ret_* parameter, hotspot_attach()
 * fills it in on failure too (as sd_bus_error is): output_bytes says how
 * much reached out_fd before a failure, error explains it. */
typedef struct HotspotResult {
        int jvm_status; /* the JVM's status line; meaningful when the call returned 0 */
        uint64_t output_bytes; /* bytes written to out_fd */
        bool truncated; /* the output stopped at max_output_bytes; the JVM had more */
        HotspotVm vm; /* what the target runs, when the helper got as far as looking */
        char error[HOTSPOT_ERROR_MAX]; /* why it failed: one line, no trailing newline; "" on success */
} HotspotResult;

/* Run one attach to process pid (in the caller's pid namespace): argv is
 * the command and its arguments as for hotspot_build_request(); the
 * output is written to out_fd, which must be open for writing (a capture
 * file, a pipe, stdout); max_output_bytes caps it (SIZE_MAX: no cap).
 * timeout_usec bounds the whole attach, from fork to the last byte; the
 * call returns within timeout_usec + HOTSPOT_HELPER_GRACE_USEC.
 *
 * Returns 0 when the JVM answered (result->jvm_status tells how; a
 * truncated output still returns 0), or a negative errno, with
 * result->error set, among them:
 *   -EINVAL, -E2BIG  bad argv (see hotspot_build_request()), pid <= 0,
 *                    out_fd < 0, or pid is a thread id, not a process's
 *   -ESRCH           no such process, or it exited during the attach
 *   -ENOEXEC         the process is not a JVM (no libjvm.so mapped)
 *   -EPROTONOSUPPORT the JVM is OpenJ9 (result->vm), not supported
 *   -EOPNOTSUPP      no listener yet and the JVM does not handle SIGQUIT
 *                    (-Xrs): sending it would kill the JVM, so none is sent
 *   -ETIMEDOUT       no listener or no complete reply in time
 *   -EPERM           the socket is not owned by the JVM's user or not the
 *                    JVM's, or the caller may not take its credentials
 *   -ECONNREFUSED    a stale socket without a listener
 *   -EBADMSG         the reply does not start with a status line
 *   -EPIPE           out_fd was closed by its reader
 *   another -errno of a system call (fork, setns, connect, ...) */
int hotspot_attach(pid_t pid, const char *const *argv, int out_fd, usec_t timeout_usec,
                   size_t max_output_bytes, HotspotResult *result);

/* The same, split for an event loop (STYLE rule 8: no blocking wait in the
 * daemon). hotspot_attach_start() validates argv and forks the helper.
 * Returns 0 and *ret, or -EINVAL/-E2BIG (argv, pid), -ENOMEM, or the
 * -errno of pipe/fork. */
typedef struct HotspotAttach HotspotAttach;
int hotspot_attach_start(pid_t pid, const char *const *argv, int out_fd, usec_t timeout_usec,
                         size_t max_output_bytes, HotspotAttach **ret);

/* An fd that becomes readable (EOF) when the helper has exited: watch it
 * for EPOLLIN/EPOLLHUP. Owned by the HotspotAttach. */
int hotspot_attach_get_fd(const HotspotAttach *a);

/* CLOCK_MONOTONIC time after which the helper is killed: arm a timer for
 * it and call hotspot_attach_finish() then. */
usec_t hotspot_attach_get_deadline(const HotspotAttach *a);

/* Collect the outcome: waits for the helper until the deadline at most
 * (not at all once the fd is readable or the deadline passed), kills it
 * after the deadline, reaps it and fills result. Returns as
 * hotspot_attach(). Call it once. */
int hotspot_attach_finish(HotspotAttach *a, HotspotResult *result);

/* Kills and reaps a helper that is still running. Accepts NULL, returns
 * NULL. */
HotspotAttach *hotspot_attach_free(HotspotAttach *a);
static inline void hotspot_attach_freep(HotspotAttach **a) {
        *a = hotspot_attach_free(*a);
}
