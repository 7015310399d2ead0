/* sample-floor: the floor of 1 s sampling, for tests/bench/watch-scale.
 *
 *   sample-floor INTERVAL_MS < PATHS
 *
 * Opens every file named on stdin (one path a line: memory.current on v2,
 * memory.usage_in_bytes on v1) once, read-only, and keeps it open; then,
 * every INTERVAL_MS on an absolute CLOCK_MONOTONIC grid, preads each of
 * them once from offset 0 and parses the number, as a sampler that keeps
 * its files open must at the least. No allocation, no logging, no event
 * loop in the loop: what is left is the kernel's cost of the reads and a
 * wake-up per interval. Raises its soft RLIMIT_NOFILE to the hard limit.
 * Prints "ready N" on stdout once every file is open, and on SIGTERM or
 * SIGINT "rounds R reads K errors E" and exits 0. Exit 1 on bad usage or
 * when a file cannot be opened (which one, on stderr). The bench measures
 * its CPU from /proc/PID/schedstat, as cgwarden's.
 *
 *   sample-floor hold BASE FIRST LAST PIDFILE READYFILE
 *
 * The idle processes of watch-scale's procs rounds in the VM, where
 * python's posix_spawn of sleep costs ~125 ms each under TCG (exec and
 * dynamic linking emulated; 10000 would take 20 min): fork a child that
 * only waits for a signal, write its pid into BASE/bw-I/cgroup.procs,
 * I = FIRST..LAST, and append it to PIDFILE; write "COUNT ERROR" to
 * READYFILE; then reap the children (the bench kills them by pid) and
 * exit when none is left. The same contract as watch-scale's holder.py. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) {
        (void) sig;
        stop_requested = 1;
}

static int hold(char **argv) {
        const char *base = argv[2];
        long first = strtol(argv[3], NULL, 10), last = strtol(argv[4], NULL, 10), n = 0;
        char err[256] = "", path[4096];
        FILE *pf = fopen(argv[5], "ae"), *rf;

        if (!pf) {
                fprintf(stderr, "sample-floor: cannot open %s: %s\n", argv[5], strerror(errno));
                return 1;
        }
        for (long i = first; i <= last; i++) {
                char pid_s[32];
                int fd, len;
                pid_t pid = fork();

                if (pid < 0) {
                        snprintf(err, sizeof err, "fork: %s", strerror(errno));
                        break;
                }
                if (pid == 0) {
                        fclose(pf);
                        for (;;)
                                pause(); /* until the bench's SIGTERM */
                }
                fprintf(pf, "%d\n", (int) pid);
                fflush(pf);
                snprintf(path, sizeof path, "%s/bw-%ld/cgroup.procs", base, i);
                len = snprintf(pid_s, sizeof pid_s, "%d", (int) pid);
                fd = open(path, O_WRONLY | O_CLOEXEC);
                if (fd < 0 || write(fd, pid_s, (size_t) len) != len) {
                        snprintf(err, sizeof err, "moving %d into bw-%ld: %s", (int) pid, i,
                                 strerror(errno));
                        if (fd >= 0)
                                close(fd);
                        break;
                }
                close(fd);
                n++;
        }
        fclose(pf);
        rf = fopen(argv[6], "we");
        if (rf) {
                fprintf(rf, "%ld %s\n", n, err);
                fclose(rf);
        }
        while (wait(NULL) > 0 || errno == EINTR)
                ;
        return 0;
}

int main(int argc, char **argv) {
        struct rlimit rl;
        struct sigaction sa = { .sa_handler = on_signal };
        struct timespec next;
        char line[4096];
        int *fds = NULL;
        size_t n = 0, cap = 0;
        unsigned long long rounds = 0, reads = 0, errors = 0, sum = 0;
        long interval_ms;
        char *end;

        if (argc == 7 && strcmp(argv[1], "hold") == 0)
                return hold(argv);
        if (argc != 2) {
                fprintf(stderr,
                        "usage: %s INTERVAL_MS < PATHS\n       %s hold BASE FIRST LAST PIDFILE READYFILE\n",
                        argv[0], argv[0]);
                return 1;
        }
        errno = 0;
        interval_ms = strtol(argv[1], &end, 10);
        if (errno != 0 || *end != '\0' || interval_ms < 1) {
                fprintf(stderr, "sample-floor: bad interval '%s'\n", argv[1]);
                return 1;
        }
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                (void) setrlimit(RLIMIT_NOFILE, &rl);
        }
        while (fgets(line, sizeof line, stdin)) {
                int fd;

                line[strcspn(line, "\n")] = '\0';
                if (line[0] == '\0')
                        continue;
                fd = open(line, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                        fprintf(stderr, "sample-floor: cannot open %s: %s\n", line, strerror(errno));
                        return 1;
                }
                if (n == cap) {
                        int *p;

                        cap = cap ? cap * 2 : 1024;
                        p = realloc(fds, cap * sizeof *fds);
                        if (!p) {
                                fprintf(stderr, "sample-floor: out of memory\n");
                                return 1;
                        }
                        fds = p;
                }
                fds[n++] = fd;
        }
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        printf("ready %zu\n", n);
        fflush(stdout);

        clock_gettime(CLOCK_MONOTONIC, &next);
        while (!stop_requested) {
                for (size_t i = 0; i < n; i++) {
                        char buf[64];
                        ssize_t k = pread(fds[i], buf, sizeof buf - 1, 0);

                        if (k <= 0) {
                                errors++;
                                continue;
                        }
                        buf[k] = '\0';
                        sum += strtoull(buf, NULL, 10);
                        reads++;
                }
                rounds++;
                next.tv_nsec += (interval_ms % 1000) * 1000000L;
                next.tv_sec += interval_ms / 1000 + next.tv_nsec / 1000000000L;
                next.tv_nsec %= 1000000000L;
                /* a signal ends the sleep with EINTR; the loop then stops */
                (void) clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        }
        printf("rounds %llu reads %llu errors %llu (sum %llu)\n", rounds, reads, errors, sum);
        return 0;
}
