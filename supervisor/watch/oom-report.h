/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel's whole OOM report for one cgroup, collected from /dev/kmsg
 * records: from "<task> invoked oom-killer: ..." through the memory
 * usage, the cgroup's stats, the task list with rss per task and
 * "oom-kill:constraint=...,oom_memcg=CGPATH,...", to "Memory cgroup out of
 * memory: Killed process N ...". Pure: records are fed one at a time (the
 * caller reads /dev/kmsg); no I/O, no logging. */

#include <stdbool.h>
#include <stddef.h>

typedef struct OomReportParser OomReportParser;

/* For the cgroup path as the kernel prints it after oom_memcg= (the
 * cgroup's path below its hierarchy's root, "/a/b"). A report longer than
 * max_bytes keeps its first lines and its last ones (the task list's end,
 * the kill) with a line saying how many were cut between. Returns 0 and
 * *ret, -EINVAL (no path, max_bytes < 1024), -ENOMEM. */
int oom_report_parser_new(const char *cgpath, size_t max_bytes, OomReportParser **ret);
OomReportParser *oom_report_parser_free(OomReportParser *p);

/* One /dev/kmsg record: "PRI,SEQ,TS_USEC,FLAGS;MESSAGE\n" optionally
 * followed by " KEY=VALUE\n" lines; not NUL-terminated. Malformed records
 * are ignored. */
void oom_report_feed(OomReportParser *p, const char *rec, size_t n);

/* The newest complete report for the cgroup, each line as
 * "[SSSSS.UUUUUU] MESSAGE\n" (the kernel's monotonic timestamp, as dmesg
 * shows it), or NULL when none was seen. *ret_killed_line (may be NULL)
 * gets the "Memory cgroup out of memory: Killed process ..." message
 * alone. Valid until the next feed or the free. */
const char *oom_report_get(const OomReportParser *p, const char **ret_killed_line);

/* The kernel's whole report of the newest OOM kill in cgpath: reads
 * /dev/kmsg non-blocking from its oldest record (one record per read),
 * through the parser above, at most OOM_REPORT_MAX bytes. Returns 0 with
 * *ret (malloc'd) and *ret_killed (the "Killed process N ..." line,
 * malloc'd), -ENOENT, or -errno (/dev/kmsg needs root, or
 * dmesg_restrict=0). */
#define OOM_REPORT_MAX (64 * 1024)
int oom_report_read_kmsg(const char *cgpath, char **ret, char **ret_killed);
