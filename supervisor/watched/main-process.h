/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which process of a cgroup cgwarden did not start is "the" process: the
 * JVM the evidence is about. Among the cgroup's processes (not those of
 * cgroups below it): those whose command line matches jvm_match when it
 * is set, else the java processes (comm "java"), else all of them; of
 * those, the one with the largest resident set. cgwarden's own pid never
 * counts (a container's entrypoint guards its own cgroup). */

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

typedef struct MainCandidate {
        pid_t pid;
        uint64_t rss; /* bytes */
        bool java; /* comm "java" */
        bool matched; /* jvm_match matched its command line */
        uid_t uid; /* effective, as read with rss */
        char comm[16];
} MainCandidate;

/* The pure choice: index into c[0..n), or -1 when n is 0. with_regex: a
 * jvm_match is set (then only matched candidates count; none: -1). */
int main_process_pick(const MainCandidate *c, size_t n, bool with_regex);

typedef struct MainProcess {
        pid_t pid; /* 0: none */
        uint64_t start_ticks; /* /proc/PID/stat starttime: with pid, who it is */
        uid_t uid; /* effective */
        bool java;
        char comm[16];
        char exe[256]; /* /proc/PID/exe as this namespace sees it; "" unknown */
} MainProcess;

/* Scan the cgroup (at most 4096 processes). jvm_re may be NULL. Returns 0
 * (ret->pid 0: no process, or none matched), or -errno when the cgroup
 * cannot be read (-ENOENT: it is gone). */
int main_process_find(CgService *cg, const regex_t *jvm_re, MainProcess *ret);

/* Does the cgroup still hold m alone (cgwarden's own pid apart), running
 * the same program (/proc/PID/stat: the same start time and comm)? Then a
 * look is two reads instead of main_process_find()'s four system calls
 * per process. Returns 1 yes, 0 no (something changed: look with
 * main_process_find()), -errno when the cgroup cannot be read. */
int main_process_same(CgService *cg, const MainProcess *m);

/* /proc/PID/stat's starttime (field 22), 0 when the process is gone. */
uint64_t main_process_start_ticks(pid_t pid);
