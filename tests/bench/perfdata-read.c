/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The loop of tests/bench/perfdata-cost: every interval, for every pid
 * given, one of
 *   baseline  procfs_read_status(): what a sampler reads per process anyway
 *   stateless that plus perfdata_read_pid(): /proc/PID/status again for
 *             the namespace pid and uid, the file found below the
 *             process's root (a read of its /tmp), read, parsed, summarized
 *   kept      that plus perfdata_summarize_fd() on the fd found once
 *             (perfdata_open_file() before the loop): what a sampler does
 * The three rotate round by round so that drift hits all alike. CPU time
 * of this thread per round (CLOCK_THREAD_CPUTIME_ID).
 *
 *   perfdata-read SECONDS INTERVAL_MS PID...
 *
 * Prints "baseline_cpu_ns_per_round=N", "stateless_cpu_ns_per_round=N",
 * "kept_cpu_ns_per_round=N", "rounds=N", "failures=N" (perfdata reads
 * that failed). */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/procfs.h"
#include "jvm/perfdata.h"

static uint64_t ns(clockid_t clk) {
        struct timespec ts;

        clock_gettime(clk, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

int main(int argc, char **argv) {
        uint64_t cpu[3] = {}, rounds[3] = {}, failures = 0, seconds, interval_ns, end;
        struct timespec next;
        size_t n;
        pid_t *pids;
        int *fds;

        if (argc < 4) {
                fprintf(stderr, "usage: %s SECONDS INTERVAL_MS PID...\n", argv[0]);
                return 2;
        }
        seconds = strtoull(argv[1], NULL, 10);
        interval_ns = strtoull(argv[2], NULL, 10) * 1000000ULL;
        n = (size_t) argc - 3;
        pids = calloc(n, sizeof *pids);
        fds = calloc(n, sizeof *fds);
        if (!pids || !fds || interval_ns == 0)
                return 2;
        for (size_t i = 0; i < n; i++) {
                pids[i] = (pid_t) atoi(argv[i + 3]);
                /* the bench's processes run as root in our namespaces */
                fds[i] = perfdata_open_file(NULL, pids[i], pids[i], 0);
                if (fds[i] < 0) {
                        fprintf(stderr, "pid %d: %s\n", (int) pids[i], strerror(-fds[i]));
                        return 1;
                }
        }

        clock_gettime(CLOCK_MONOTONIC, &next);
        end = ns(CLOCK_MONOTONIC) + seconds * 1000000000ULL;
        for (unsigned k = 0; ns(CLOCK_MONOTONIC) < end; k++) {
                unsigned mode = k % 3;
                uint64_t t0 = ns(CLOCK_THREAD_CPUTIME_ID);

                for (size_t i = 0; i < n; i++) {
                        if (mode == 0) {
                                ProcStatus st;
                                (void) procfs_read_status(NULL, pids[i], &st);
                        } else if (mode == 1) {
                                ProcStatus st;
                                PerfSummary s;
                                (void) procfs_read_status(NULL, pids[i], &st);
                                if (perfdata_read_pid(NULL, pids[i], (uid_t) -1, &s) < 0)
                                        failures++;
                        } else {
                                ProcStatus st;
                                PerfSummary s;
                                (void) procfs_read_status(NULL, pids[i], &st);
                                if (perfdata_summarize_fd(fds[i], (uint64_t) time(NULL) * 1000000ULL, &s) <
                                    0)
                                        failures++;
                        }
                }
                cpu[mode] += ns(CLOCK_THREAD_CPUTIME_ID) - t0;
                rounds[mode]++;
                next.tv_nsec += (long) (interval_ns % 1000000000ULL);
                next.tv_sec += (time_t) (interval_ns / 1000000000ULL);
                if (next.tv_nsec >= 1000000000L) {
                        next.tv_nsec -= 1000000000L;
                        next.tv_sec++;
                }
                while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
                        ;
        }
        if (rounds[0] == 0 || rounds[1] == 0 || rounds[2] == 0)
                return 1;
        printf("baseline_cpu_ns_per_round=%" PRIu64 "\n", cpu[0] / rounds[0]);
        printf("stateless_cpu_ns_per_round=%" PRIu64 "\n", cpu[1] / rounds[1]);
        printf("kept_cpu_ns_per_round=%" PRIu64 "\n", cpu[2] / rounds[2]);
        printf("rounds=%" PRIu64 "\n", rounds[0] + rounds[1] + rounds[2]);
        printf("failures=%" PRIu64 "\n", failures);
        return 0;
}
