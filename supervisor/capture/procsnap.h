/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Capture items made from /proc alone, for any process (a JVM or not):
 *   pmap.txt   its mappings from /proc/PID/smaps as a `pmap -x` table,
 *              largest RSS first
 *   tasks.txt  its threads grouped by name, largest group first: a thread
 *              leak shows as one big group
 *
 * The formatters and the grouping are pure (STYLE rule 10); the
 * procsnap_write_*() readers are thin wrappers with an injectable /proc
 * root. Nothing here logs. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "base/macro.h"

/* The formatter refuses more mappings than this (vm.max_map_count is
 * 65530 by default). */
#define PROCSNAP_MAPPINGS_MAX (1U << 20)

/* The reader's cap on /proc/PID/smaps: about 1.5 KB per mapping, and a JVM
 * with 2000 threads has 4000+ mappings (~6 MiB). */
#define PROCSNAP_SMAPS_MAX_BYTES ((size_t) 64 * 1024 * 1024)

/* Sums over all mappings, in kB. */
typedef struct ProcPmapTotals {
        uint64_t mappings;
        uint64_t size_kb; /* address space: the Kbytes column */
        uint64_t rss_kb; /* Rss: */
        uint64_t dirty_kb; /* Private_Dirty: + Shared_Dirty: */
        uint64_t anon_rss_kb; /* Anonymous: */
        uint64_t swap_kb; /* Swap: */
} ProcPmapTotals;

/* Format the text of /proc/PID/smaps (buf need not be NUL-terminated and
 * is never read past n) as a `pmap -x` table on out:
 *
 *   Address           Kbytes     RSS   Dirty Mode  Mapping
 *   00007f2d40000000  131072  131072  131072 rw---   [ anon ]
 *   ...
 *   ---------------- ------- ------- -------
 *   total kB         1592058  196412  150240
 *
 * one row per mapping, sorted by RSS, largest first (equal RSS: by
 * address). Kbytes is the size of the address range, Dirty is
 * Private_Dirty + Shared_Dirty, Mode is pmap's: "rwx" from the
 * permissions, 's' for a shared mapping, then '-'. Mapping is the kernel's
 * name in full (a path, maybe with " (deleted)", or "[heap]", "[stack]",
 * "[anon:NAME]", "[vdso]", ...), "[ anon ]" for an unnamed anonymous
 * mapping; control characters in it are written as \ooo, as the kernel
 * writes a newline (\012) in a path. Columns are as wide as the totals
 * need (at least pmap's 7).
 *
 * smaps is a header line per mapping, "START-END PERMS OFFSET DEV INODE
 * [NAME]", then "Key: value" lines. Of those, Rss, Private_Dirty,
 * Shared_Dirty, Anonymous and Swap ("N kB") are read, in any order (a key
 * that appears twice in one mapping: the first counts), absent ones count
 * 0; other keys (VmFlags, THPeligible, whatever a newer kernel adds) are
 * skipped unread. Empty lines are ignored; a last line without newline
 * counts.
 *
 * Nothing is written unless the whole input parses. Returns 0 and fills
 * *ret_totals (may be NULL), or
 *   -EBADMSG  a malformed header, a malformed value of a key we read, a
 *             key line before the first header, any other line, or no
 *             mapping at all (empty input)
 *   -ERANGE   a number, or a sum, beyond 64 bits
 *   -E2BIG    more than PROCSNAP_MAPPINGS_MAX mappings
 *   -ENOMEM
 *   -EIO      writing to out failed */
int procsnap_pmap_format(const char *smaps, size_t n, FILE *out, ProcPmapTotals *ret_totals);

/* Read /proc/PID/smaps (proc_root NULL: "/proc"; at most
 * PROCSNAP_SMAPS_MAX_BYTES) and write procsnap_pmap_format()'s table to
 * out_fd. Nothing is written on failure. Returns 0 and *ret_totals (may be
 * NULL), or
 *   -EINVAL   pid <= 0 or out_fd < 0
 *   -ENOENT   no such process
 *   -ESRCH    the process exited, or has no address space (a zombie, a
 *             kernel thread: an empty smaps)
 *   -EACCES   we may not read it (ptrace access mode)
 *   -EFBIG    smaps larger than PROCSNAP_SMAPS_MAX_BYTES
 *   procsnap_pmap_format()'s errors, or the -errno of write() */
int procsnap_write_pmap(const char *proc_root, pid_t pid, int out_fd, ProcPmapTotals *ret_totals);

/* Thread names (the kernel's comm of each task: TASK_COMM_LEN - 1 = 15
 * bytes at most, longer names cut) grouped by pattern. A name's pattern:
 *   - a name of exactly PROCSNAP_COMM_LEN_MAX bytes was probably cut by
 *     the kernel: a digit run at its end (maybe cut too) is dropped, and
 *     '*' marks the cut at the end. Java's "nioEventLoopGroup-3-7" is comm
 *     "nioEventLoopGro": pattern "nioEventLoopGro*"; "pool-1-thread-1"
 *     (or -12, -123 ...) and "pool-12-thread-" both "pool-#-thread-*";
 *   - then every run of decimal digits becomes one '#': "worker-12-3"
 *     gives "worker-#-#", HotSpot's "GC Thread#0" gives "GC Thread##"
 *     (a literal '#' stays, so the number still shows as one);
 *   - bytes beyond PROCSNAP_TASK_NAME_MAX - 1 are dropped (comm is never
 *     that long).
 * Any other byte is kept as it is (comm may hold any byte but NUL). */
#define PROCSNAP_COMM_LEN_MAX 15U
#define PROCSNAP_TASK_NAME_MAX 64U
#define PROCSNAP_TASKS_MAX (1U << 22) /* PID_MAX_LIMIT */

typedef struct TaskGroup {
        char pattern[PROCSNAP_TASK_NAME_MAX];
        char example[PROCSNAP_TASK_NAME_MAX]; /* the group's smallest name (strcmp) */
        size_t count;
} TaskGroup;

/* Group n names (NUL-terminated) by pattern. *ret: a malloc'd array of
 * *ret_n groups (NULL when n is 0), sorted by count, largest first, equal
 * counts by pattern (strcmp); free() it. Pure. Returns 0, or -EINVAL
 * (names NULL with n > 0, or a NULL name), -E2BIG (n > PROCSNAP_TASKS_MAX),
 * -ENOMEM. */
int procsnap_tasks_group(const char *const *names, size_t n, TaskGroup **ret, size_t *ret_n);

/* Write tasks.txt of process pid to out_fd: the comm of every task in
 * /proc/PID/task (proc_root NULL: "/proc"), grouped as above:
 *
 *   220 threads in 19 groups by name (comm: '#' a number, '*' cut by the kernel at 15 bytes)
 *     count  pattern
 *       200  nioEventLoopGro*  (e.g. nioEventLoopGro)
 *         8  GC Thread##       (e.g. GC Thread#0)
 *
 * Tasks that exit while they are read are skipped. Control characters in
 * names are written as \ooo. Nothing is written on
 * failure. On success, writes the largest group's pattern (escaped so, cut
 * to top_size - 1 bytes) to ret_top when it is not NULL and top_size > 0,
 * the number of tasks to *ret_total when not NULL. Returns 0, or
 *   -EINVAL   pid <= 0 or out_fd < 0
 *   -ENOENT   no such process
 *   -ESRCH    the process exited (no task left)
 *   -E2BIG    more than PROCSNAP_TASKS_MAX tasks
 *   -ENOMEM, or the -errno of open/read/write */
int procsnap_write_tasks(const char *proc_root, pid_t pid, int out_fd, char *ret_top, size_t top_size,
                         size_t *ret_total);

/* tasks.txt of a whole cgroup: every process of pids (the cgroup's
 * cgroup.procs) with its thread count, most threads first (at most
 * PROCSNAP_PROCS_LISTED lines), then the threads of them all grouped as
 * above:
 *
 *   2 processes, 311 threads in the cgroup
 *          pid  threads  comm
 *         4242      310  java
 *         4250        1  sh
 *   311 threads in 20 groups by name (comm: ...)
 *     count  pattern
 *       ...
 *
 * Processes that exit while they are read are skipped. Returns as
 * procsnap_write_tasks(); -EINVAL for no pids or a pid <= 0; -ESRCH when
 * every process is gone. */
#define PROCSNAP_PROCS_LISTED 200U
int procsnap_write_cgroup_tasks(const char *proc_root, const pid_t *pids, size_t n_pids, int out_fd,
                                char *ret_top, size_t top_size, size_t *ret_total);

/* The full thread names of a HotSpot thread dump (Thread.print): every
 * line '"NAME" #N ...'. *ret_names: n malloc'd strings in a malloc'd array
 * (free each, then it). Pure. Returns 0, -EINVAL, -ENOMEM. */
int procsnap_java_thread_names(const char *dump, size_t n, char ***ret_names, size_t *ret_n);

/* Append to tasks.txt: the Java threads grouped by their full names (the
 * kernel's comm cuts "nioEventLoopGroup-2-1" to "nioEventLoopGro"):
 *
 *   (blank line)
 *   410 Java threads in 12 groups by their full names (threads.txt; '#' a number)
 *     count  pattern
 *       300  nioEventLoopGroup-#-#  (e.g. nioEventLoopGroup-2-1)
 *
 * ret_top as above. Returns 0, -EINVAL (n == 0), or -errno. */
int procsnap_write_java_groups(char *const *names, size_t n, int out_fd, char *ret_top, size_t top_size);
