/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The HotSpot performance data file (hsperfdata), the counters jstat
 * reads: JVM telemetry without attaching. A JVM started with UsePerfData
 * (the default) maps /tmp/hsperfdata_<user>/<pid> (the user and the pid
 * as the JVM sees them, in its own mount and pid namespaces) and updates
 * it in place.
 *
 * Layout (sun.jvmstat PerfDataBuffer, prologue version 2.0): a 32-byte
 * prologue (magic 0xcafec0c0 as big-endian bytes, byte order 0 big / 1
 * little, major 2, minor 0, accessible, used, overflow, mod_time_stamp,
 * entry_offset, num_entries), then num_entries entries, each a 20-byte
 * header (entry_length, name_offset, vector_length, data_type 'J' for a
 * jlong or 'B' for a byte array, flags, data_units, data_variability,
 * data_offset) followed by its NUL-terminated name and its data.
 *
 * The parsers are pure: they take a snapshot of the file, never read past
 * n, never log, and check every offset and length, since the file is
 * written by the process we watch (and by whoever else can write its
 * /tmp). The JVM changes it while we copy it: a value may be torn, an
 * entry being added may be missing; neither is an error. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define PERFDATA_MAGIC 0xcafec0c0U
#define PERFDATA_PROLOGUE_BYTES 32U
#define PERFDATA_ENTRY_HEADER_BYTES 20U
/* Larger than any PerfDataMemorySize a JVM uses in practice (32K, 64K). */
#define PERFDATA_FILE_MAX_BYTES (16U * 1024U * 1024U)

/* data_units of an entry (sun.jvmstat.monitor.Units). */
typedef enum PerfUnits {
        PERF_UNITS_INVALID_ = 0,
        PERF_UNITS_NONE = 1,
        PERF_UNITS_BYTES = 2,
        PERF_UNITS_TICKS = 3,
        PERF_UNITS_EVENTS = 4,
        PERF_UNITS_STRING = 5,
        PERF_UNITS_HERTZ = 6,
} PerfUnits;

/* "none", "bytes", "ticks", "events", "string", "hertz"; NULL otherwise. */
const char *perf_units_to_string(int u);

/* A validated prologue and the snapshot it describes (not owned). */
typedef struct PerfData {
        const uint8_t *buf;
        size_t size; /* the bytes the entries may use: min(used, n) */
        bool little_endian;
        uint8_t major, minor;
        bool accessible; /* false while the JVM is still setting it up */
        bool overflow; /* the JVM ran out of room: some counters are not in the file */
        int64_t mod_time_stamp;
        uint32_t entry_offset;
        uint32_t num_entries;
} PerfData;

/* One entry; name and bytes point into the snapshot. */
typedef struct PerfEntry {
        const char *name; /* NUL-terminated within the entry */
        char type; /* 'J', 'B', or another type letter (no value then) */
        uint8_t units; /* PerfUnits; other values are kept as they are */
        uint8_t variability; /* 1 constant, 2 monotonic, 3 variable */
        int64_t value; /* 'J' */
        const char *bytes; /* 'B': the vector, up to its first NUL */
        size_t n_bytes;
} PerfEntry;

/* Check the prologue of the snapshot buf[0..n). Returns 0 and *ret, or
 *   -EBADMSG          not a perf data file (magic, byte order, offsets)
 *   -EPROTONOSUPPORT  a prologue version other than 2.x */
int perfdata_parse_prologue(const void *buf, size_t n, PerfData *ret);

/* Where an iteration is: start with (PerfIter) {}. */
typedef struct PerfIter {
        size_t offset; /* of the next entry; 0: the first */
        uint32_t index;
} PerfIter;

/* The next entry. Returns 1 and *ret, 0 after the last one (num_entries),
 * -EBADMSG for an entry whose header, name or data does not fit in the
 * used part of the buffer (the iteration stops there). */
int perfdata_next_entry(const PerfData *pd, PerfIter *it, PerfEntry *ret);

/* The first entry named name. Returns 0 and *ret, -ENOENT, or -EBADMSG. */
int perfdata_find(const PerfData *pd, const char *name, PerfEntry *ret);

#define PERF_GENERATIONS_MAX 4
#define PERF_SPACES_MAX 4
#define PERF_COLLECTORS_MAX 4
#define PERF_NAME_MAX 48

typedef struct PerfSpace {
        char name[PERF_NAME_MAX]; /* "eden", "s0", "s1", "old", G1's "space" */
        uint64_t used_bytes, capacity_bytes;
        bool present;
} PerfSpace;

typedef struct PerfGeneration {
        char name[PERF_NAME_MAX]; /* "new" (Serial, Parallel), "young" (G1), "old" */
        uint64_t capacity_bytes; /* the generation's own counter */
        uint64_t used_bytes; /* the sum of its spaces */
        PerfSpace spaces[PERF_SPACES_MAX];
        bool present;
} PerfGeneration;

typedef struct PerfCollector {
        char name[PERF_NAME_MAX]; /* "G1 young collection pauses", ... */
        uint64_t invocations;
        uint64_t time_usec;
        bool present;
} PerfCollector;

/* Bits of PerfSummary.have: which values the file had. */
enum {
        PERF_HAVE_UPTIME = 1U << 0, /* sun.os.hrt.ticks and .frequency, else the start time */
        PERF_HAVE_HEAP = 1U << 1, /* a generation with a space */
        PERF_HAVE_OLD = 1U << 2, /* a generation named "old" */
        PERF_HAVE_METASPACE = 1U << 3,
        PERF_HAVE_SAFEPOINT = 1U << 4,
        PERF_HAVE_THREADS = 1U << 5,
        PERF_HAVE_CLASSES = 1U << 6,
        PERF_HAVE_LAST_CAUSE = 1U << 7,
        PERF_HAVE_GC = 1U << 8, /* a collector */
        PERF_HAVE_VM_START = 1U << 9, /* sun.rt.createVmBeginTime */
};

/* What a reader looks at first. Negative counters (torn or hostile) read
 * as 0; times are converted from ticks with sun.os.hrt.frequency. */
typedef struct PerfSummary {
        uint64_t uptime_usec;
        uint64_t vm_start_usec; /* CLOCK_REALTIME */
        uint64_t hrt_frequency;
        PerfGeneration generations[PERF_GENERATIONS_MAX];
        uint64_t heap_used_bytes, heap_capacity_bytes; /* over the generations */
        uint64_t old_used_bytes, old_capacity_bytes;
        uint64_t metaspace_used_bytes, metaspace_capacity_bytes;
        PerfCollector collectors[PERF_COLLECTORS_MAX];
        uint64_t gc_invocations, gc_time_usec; /* over the collectors */
        uint64_t safepoints, safepoint_time_usec;
        uint64_t threads_live;
        uint64_t classes_loaded; /* loaded + shared loaded - unloaded, as jstat -class */
        char gc_policy[PERF_NAME_MAX]; /* sun.gc.policy.name: "Copy:MSC", "GarbageFirst", ... */
        char last_cause[PERF_NAME_MAX * 2]; /* sun.gc.lastCause: "No GC", "Allocation Failure", ... */
        uint32_t have; /* PERF_HAVE_* */
} PerfSummary;

/* Summarize a parsed snapshot. The uptime is sun.os.hrt.ticks (JDK 17);
 * JDK 25 no longer has it, then it is now_realtime_usec minus
 * sun.rt.createVmBeginTime. Returns 0 and *ret, or -EBADMSG when an entry
 * is malformed (the ones before it are not enough to trust). */
int perfdata_summarize(const PerfData *pd, uint64_t now_realtime_usec, PerfSummary *ret);

/* The summary as text (a few lines), then, after a blank line, when pd
 * is not NULL, every counter as "name = value units". Returns 0, or
 * -errno of the stream. */
int perfdata_write_text(const PerfSummary *s, const PerfData *pd, FILE *f);

/* Why a JVM with this command line (NUL-separated words, as
 * /proc/PID/cmdline) has no hsperfdata file: "the JVM runs with
 * -XX:-UsePerfData: no hsperfdata file", the same for
 * -XX:+PerfDisableSharedMem (the counters stay in its private memory), or
 * NULL when neither is the last word given. Pure. */
const char *perfdata_disabled_reason(const char *cmdline, size_t n);

/* Find the hsperfdata file of the process pid: below its root,
 * /tmp/hsperfdata_<any name>/<ns_pid, its pid in its own pid namespace>,
 * the directory and the file owned by uid (the user name inside a
 * container is not resolved on the host). No symlink is followed below
 * the process's root. proc_root is the procfs mount, NULL for "/proc".
 * Finding it reads the process's /tmp (a directory read, ~100 us for a few
 * hundred entries): a sampler keeps the fd and calls
 * perfdata_summarize_fd() each time. Returns an O_RDONLY fd, or
 *   -ENOENT   no such file (the JVM runs with -XX:-UsePerfData or
 *             -XX:+PerfDisableSharedMem, has not made it yet, or pid is
 *             not a JVM), or no such process
 *   another -errno of open */
int perfdata_open_file(const char *proc_root, pid_t pid, pid_t ns_pid, uid_t uid);

/* A snapshot of the file fd (malloc'd) into *ret_buf and *ret_size: read
 * only, never written. Returns 0, -ESTALE when the file was unlinked (the
 * JVM exited: find the file again for a new process), -EFBIG when larger
 * than PERFDATA_FILE_MAX_BYTES, -EBADF when not a regular file, or
 * another -errno of fstat/pread. */
int perfdata_read_fd(int fd, uint8_t **ret_buf, size_t *ret_size);

/* perfdata_open_file() and perfdata_read_fd() in one. */
int perfdata_read_file(const char *proc_root, pid_t pid, pid_t ns_pid, uid_t uid, uint8_t **ret_buf,
                       size_t *ret_size);

/* The sampler's step: snapshot, prologue, summary. Returns 0 and *ret,
 * the errors of perfdata_read_fd(), perfdata_parse_prologue() and
 * perfdata_summarize(), or -EAGAIN while the JVM has not made the file
 * accessible yet. */
int perfdata_summarize_fd(int fd, uint64_t now_realtime_usec, PerfSummary *ret);

/* The whole path, stateless: /proc/PID/status for the namespace pid (and
 * the euid when uid is (uid_t) -1), the file, its summary. Returns 0 and
 * *ret, or the errors of perfdata_open_file() and
 * perfdata_summarize_fd(). */
int perfdata_read_pid(const char *proc_root, pid_t pid, uid_t uid, PerfSummary *ret);
