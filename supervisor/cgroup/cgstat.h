/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsers for cgroup stat and event files, v2 and v1, and thin readers.
 *
 * The parsers are pure: the buffer need not be NUL-terminated and is never
 * read past n; nothing is logged; ret_* is written only on success. Keyed
 * files are "KEY VALUE" lines (blanks between, blanks after the value
 * allowed); a missing final newline is accepted. Lines whose key we do not
 * look for are skipped without checking their values, so a newer kernel
 * may add keys; when a key appears twice the first wins. Errors:
 *   -EBADMSG  a looked-for key with a malformed value (sign, blank inside,
 *             hex, no value ...), or not a single looked-for key in the
 *             buffer (empty, or not the file we expect)
 *   -ERANGE   a number beyond its type (u64, or 0/1 for a flag)
 *   -ENXIO    cgstat_kv_get() / pids.events: the key is absent (as
 *             systemd's cg_get_keyed_attribute())
 * Absent keys leave 0 (counters) or false (flags) and clear their bit in
 * `have`, except CgMemStat, which uses the CGSTAT_UNKNOWN sentinel. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/macro.h"

#define CGSTAT_UNKNOWN UINT64_MAX

/* The value of KEY in a keyed file (memory.stat, memory.events, ...).
 * Returns 0, -ENXIO (no such key), -EBADMSG or -ERANGE (its value). */
int cgstat_kv_get(const char *buf, size_t n, const char *key, uint64_t *ret);

/* memory.stat, in bytes; CGSTAT_UNKNOWN when the kernel does not say.
 *   v2: the keys of the same names; slab = slab_reclaimable +
 *       slab_unreclaimable when "slab" itself is absent (older kernels);
 *       kernel is CGSTAT_UNKNOWN on kernels without that key (before
 *       about 5.18).
 *   v1: anon = total_rss (or rss), file = total_cache (or cache),
 *       shmem = total_shmem (or shmem): the total_* keys count the
 *       subtree (use_hierarchy); kernel, sock and slab are not in v1's
 *       memory.stat: CGSTAT_UNKNOWN.
 * Returns 0, -EBADMSG or -ERANGE. */
typedef struct CgMemStat {
        uint64_t anon;
        uint64_t file; /* page cache, shmem included */
        uint64_t kernel;
        uint64_t shmem;
        uint64_t sock;
        uint64_t slab;
} CgMemStat;
int cgstat_memory_stat_parse_buf(const char *buf, size_t n, bool v1, CgMemStat *ret);

/* v2 memory.events and memory.events.local. Counters; absent ones are 0
 * with their bit clear (oom_group_kill is missing on older kernels). */
enum {
        CG_MEM_EVENTS_HAVE_LOW = 1U << 0,
        CG_MEM_EVENTS_HAVE_HIGH = 1U << 1,
        CG_MEM_EVENTS_HAVE_MAX = 1U << 2,
        CG_MEM_EVENTS_HAVE_OOM = 1U << 3,
        CG_MEM_EVENTS_HAVE_OOM_KILL = 1U << 4,
        CG_MEM_EVENTS_HAVE_OOM_GROUP_KILL = 1U << 5,
};
typedef struct CgMemEvents {
        uint64_t low;
        uint64_t high; /* times memory.high was exceeded (throttling) */
        uint64_t max; /* times memory.max was about to be exceeded */
        uint64_t oom; /* OOM situations (the limit holder counts them) */
        uint64_t oom_kill; /* processes OOM-killed (the victim's cgroup counts them) */
        uint64_t oom_group_kill;
        uint32_t have; /* CG_MEM_EVENTS_HAVE_* */
} CgMemEvents;
int cgstat_memory_events_parse_buf(const char *buf, size_t n, CgMemEvents *ret);

/* pids.events (v2 and v1): "max N", the number of forks refused by
 * pids.max. Other keys (newer kernels add "max.imposed") are ignored. Returns 0, -ENXIO without a "max" line, -EBADMSG, -ERANGE. */
int cgstat_pids_events_parse_buf(const char *buf, size_t n, uint64_t *ret_max);

/* v1 memory.oom_control. oom_kill: Linux >= 4.13. */
enum {
        CG_OOM_CONTROL_HAVE_OOM_KILL_DISABLE = 1U << 0,
        CG_OOM_CONTROL_HAVE_UNDER_OOM = 1U << 1,
        CG_OOM_CONTROL_HAVE_OOM_KILL = 1U << 2,
};
typedef struct CgOomControl {
        bool oom_kill_disable; /* OOM killer off: tasks wait at the limit */
        bool under_oom; /* tasks are waiting now */
        uint64_t oom_kill;
        uint32_t have; /* CG_OOM_CONTROL_HAVE_* */
} CgOomControl;
int cgstat_oom_control_parse_buf(const char *buf, size_t n, CgOomControl *ret);

/* v2 cgroup.events. frozen: Linux >= 5.2. Flags must be 0 or 1. */
enum {
        CG_EVENTS_HAVE_POPULATED = 1U << 0,
        CG_EVENTS_HAVE_FROZEN = 1U << 1,
};
typedef struct CgEvents {
        bool populated; /* a process in this cgroup or below */
        bool frozen;
        uint32_t have; /* CG_EVENTS_HAVE_* */
} CgEvents;
int cgstat_cgroup_events_parse_buf(const char *buf, size_t n, CgEvents *ret);

/* PSI: memory.pressure, cpu.pressure, io.pressure, /proc/pressure/{cpu,io,memory}:
 *   some avg10=0.00 avg60=0.00 avg300=0.00 total=123
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=123
 * avg* in percent (0.00 .. 100.00), total in microseconds of stall. The
 * "some" line is required, "full" optional (/proc/pressure/cpu before
 * Linux 5.13); each line needs all four fields, unknown fields and lines
 * are skipped. Returns 0, -EBADMSG or -ERANGE. */
typedef struct CgPressure {
        double some_avg10;
        double some_avg60;
        double some_avg300;
        uint64_t some_total;
        double full_avg10; /* the full_* are 0 when !has_full */
        double full_avg60;
        double full_avg300;
        uint64_t full_total;
        bool has_full;
} CgPressure;
int cgstat_pressure_parse_buf(const char *buf, size_t n, CgPressure *ret);

/* Single-value files (memory.max, pids.max, memory.current ...): a decimal
 * number or "max" (-> UINT64_MAX), optionally followed by one newline.
 * Returns 0, -EBADMSG or -ERANGE. */
int cgstat_parse_u64_or_max(const char *buf, size_t n, uint64_t *ret);

/* Readers: read cgroup_dir/file (an absolute sysfs directory; tests pass a
 * fixture directory) in full and parse it. Returns 0, -ENOENT when the
 * file (controller not enabled, older kernel) or the cgroup is missing,
 * -EFBIG past CGSTAT_READ_MAX_BYTES, the parser's errors, or another
 * -errno of open/read (-EOPNOTSUPP: PSI disabled with psi=0). */
#define CGSTAT_READ_MAX_BYTES (256U * 1024U)
int cgstat_read_file(const char *cgroup_dir, const char *file, char **ret_buf, size_t *ret_size);
int cgstat_read_memory_stat(const char *cgroup_dir, bool v1, CgMemStat *ret);
/* memory.events, or memory.events.local when local */
int cgstat_read_memory_events(const char *cgroup_dir, bool local, CgMemEvents *ret);
int cgstat_read_pids_events(const char *cgroup_dir, uint64_t *ret_max);
int cgstat_read_oom_control(const char *cgroup_dir, CgOomControl *ret);
int cgstat_read_cgroup_events(const char *cgroup_dir, CgEvents *ret);
/* file: "memory.pressure", "cpu.pressure", "io.pressure"; or
 * cgroup_dir "/proc/pressure" and file "memory" */
int cgstat_read_pressure(const char *cgroup_dir, const char *file, CgPressure *ret);
int cgstat_read_u64_or_max(const char *cgroup_dir, const char *file, uint64_t *ret);
