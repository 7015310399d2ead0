/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bare-spawn: the reference point and the stopwatch for tests/bench/.
 *
 *   bare-spawn time CMD [ARG ...]
 *       fork(), execv(CMD), waitpid() once; print the wall time in
 *       microseconds on stdout. Exit 1 if CMD did not exit 0.
 *       Used for *both* sides of spawn-overhead ("/bin/true" and
 *       "cgwarden exec -- /bin/true"), so both are timed by the same code
 *       and the shell that drives the loop is outside the measurement.
 *
 *   bare-spawn time3 CGDIR CMD [ARG ...]
 *       the same, with clone3(CLONE_INTO_CGROUP) into the cgroup v2
 *       directory CGDIR instead of fork(): the bare cost of starting a
 *       process in a cgroup, as cgwarden does on v2 (less the cgroup's
 *       creation and removal, which it also does per exec).
 *
 *   bare-spawn stamp FILE
 *       append CLOCK_MONOTONIC in nanoseconds to FILE and exit 0. Run as a
 *       restart=always service, consecutive stamps give cgwarden's
 *       restart cycle (child exit -> reap -> restart -> fork -> exec).
 *
 *   bare-spawn loop N CMD [ARG ...]
 *       fork/execv/waitpid CMD N times back to back (no timing): with
 *       CMD = "bare-spawn stamp FILE" this is the bare cycle to compare the
 *       in-daemon cycle with.
 *
 *   bare-spawn peak OUT CMD [ARG ...]
 *       fork(), execv(CMD) with stdout to the file OUT, wait4() once;
 *       print the child's peak RSS (ru_maxrss, kB) on stdout. The kernel
 *       keeps the high-water mark across execve, so it includes what the
 *       child had from this small parent before the exec (~1 MB here, the
 *       reason it is forked from C and not from a shell or python).
 *
 * CMD is an absolute path: no PATH search, nothing but fork+exec+wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (unsigned long long) ts.tv_sec * 1000000000ULL + (unsigned long long) ts.tv_nsec;
}

/* waitpid; the child's wait status, or -1 */
static int reap(pid_t pid) {
        int st;

        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR) {
                        perror("bare-spawn: waitpid");
                        return -1;
                }
        return st;
}

/* fork + execv + waitpid; returns the child's wait status, or -1. */
static int spawn_wait(char **argv) {
        pid_t pid = fork();

        if (pid < 0) {
                perror("bare-spawn: fork");
                return -1;
        }
        if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
        return reap(pid);
}

/* clone3 into the cgroup dir_fd + execv + waitpid; the child's wait
 * status, or -1. */
static int spawn3_wait(int dir_fd, char **argv) {
        struct clone_args ca = {
                .flags = CLONE_INTO_CGROUP,
                .exit_signal = SIGCHLD,
                .cgroup = (unsigned long long) dir_fd,
        };
        long pid = syscall(SYS_clone3, &ca, sizeof ca);

        if (pid < 0) {
                perror("bare-spawn: clone3");
                return -1;
        }
        if (pid == 0) {
                execv(argv[0], argv);
                _exit(127);
        }
        return reap((pid_t) pid);
}

static int ok(int st, const char *what) {
        if (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
                return 1;
        fprintf(stderr, "bare-spawn: %s failed (wait status %d)\n", what, st);
        return 0;
}

int main(int argc, char **argv) {
        if (argc >= 3 && strcmp(argv[1], "time") == 0) {
                unsigned long long t0 = now_ns();
                int st = spawn_wait(argv + 2);
                unsigned long long t1 = now_ns();
                if (!ok(st, argv[2]))
                        return 1;
                printf("%llu\n", (t1 - t0) / 1000ULL);
                return 0;
        }
        if (argc >= 4 && strcmp(argv[1], "time3") == 0) {
                int fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                unsigned long long t0, t1;
                int st;

                if (fd < 0) {
                        perror("bare-spawn: open the cgroup");
                        return 1;
                }
                t0 = now_ns();
                st = spawn3_wait(fd, argv + 3);
                t1 = now_ns();
                close(fd);
                if (!ok(st, argv[3]))
                        return 1;
                printf("%llu\n", (t1 - t0) / 1000ULL);
                return 0;
        }
        if (argc == 3 && strcmp(argv[1], "stamp") == 0) {
                char buf[32];
                int fd = open(argv[2], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
                int n;
                if (fd < 0)
                        return 1;
                n = snprintf(buf, sizeof buf, "%llu\n", now_ns());
                /* one write() with O_APPEND: a stamp line is never torn */
                if (write(fd, buf, (size_t) n) != n)
                        return 1;
                close(fd);
                return 0;
        }
        if (argc >= 4 && strcmp(argv[1], "loop") == 0) {
                long n = strtol(argv[2], NULL, 10);
                for (long i = 0; i < n; i++)
                        if (!ok(spawn_wait(argv + 3), argv[3]))
                                return 1;
                return 0;
        }
        if (argc >= 4 && strcmp(argv[1], "peak") == 0) {
                struct rusage ru;
                int st, fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                pid_t pid;

                if (fd < 0) {
                        perror("bare-spawn: open");
                        return 1;
                }
                pid = fork();
                if (pid < 0) {
                        perror("bare-spawn: fork");
                        return 1;
                }
                if (pid == 0) {
                        if (dup2(fd, STDOUT_FILENO) < 0)
                                _exit(127);
                        execv(argv[3], argv + 3);
                        _exit(127);
                }
                while (wait4(pid, &st, 0, &ru) < 0)
                        if (errno != EINTR) {
                                perror("bare-spawn: wait4");
                                return 1;
                        }
                if (!ok(st, argv[3]))
                        return 1;
                printf("%ld\n", ru.ru_maxrss);
                return 0;
        }
        fprintf(stderr,
                "usage: bare-spawn time CMD [ARG...] | time3 CGDIR CMD [ARG...] | stamp FILE | loop N CMD "
                "[ARG...] | peak OUT CMD [ARG...]\n");
        return 2;
}
