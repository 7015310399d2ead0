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
 *   bare-spawn hwm OUT CMD [ARG ...]
 *       the same, traced (ptrace with PTRACE_O_TRACEEXIT, and the fork
 *       options, so CMD's forked helpers are followed too): at each traced
 *       process's exit stop, where its memory is still mapped, read VmHWM
 *       from /proc/PID/status. VmHWM belongs to the mm, and execve gives
 *       the program a new one, so it is the exec'd program's own peak,
 *       without the ~1 MB of this parent that ru_maxrss keeps. Prints
 *       "HWM MAXRSS" (kB): the largest VmHWM of CMD and every process it
 *       forked, then wait4's ru_maxrss of the same run (the peak mode's
 *       number, to compare). With $BARE_SPAWN_SMAPS set to a directory,
 *       /proc/PID/smaps of each traced process is copied there at its exit
 *       stop (PID.smaps; the first one is CMD's), to see what the pages are.
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
#include <sys/ptrace.h>
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

/* VmHWM of pid in kB from /proc/PID/status, or -1 */
static long vm_hwm_kb(pid_t pid) {
        char path[64], line[256];
        long kb = -1;
        FILE *f;

        snprintf(path, sizeof path, "/proc/%d/status", (int) pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof line, f))
                if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
                        break;
        fclose(f);
        return kb;
}

/* copy /proc/PID/smaps to DIR/PID.smaps (best effort: it is for reading) */
static void save_smaps(const char *dir, pid_t pid) {
        char from[64], to[4096], buf[65536];
        int in, out;
        ssize_t k;

        snprintf(from, sizeof from, "/proc/%d/smaps", (int) pid);
        snprintf(to, sizeof to, "%s/%d.smaps", dir, (int) pid);
        in = open(from, O_RDONLY | O_CLOEXEC);
        if (in < 0)
                return;
        out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out >= 0) {
                while ((k = read(in, buf, sizeof buf)) > 0)
                        if (write(out, buf, (size_t) k) != k)
                                break;
                close(out);
        }
        close(in);
}

/* fork + PTRACE_TRACEME + execv with stdout to out_fd; follow CMD and its
 * forks to their exit stops, the largest VmHWM seen to *ret_hwm; the wait
 * status of CMD, or -1. */
static int spawn_hwm(int out_fd, char **argv, long *ret_hwm, struct rusage *ret_ru) {
        const char *smaps_dir = getenv("BARE_SPAWN_SMAPS");
        long hwm = -1;
        int st, cmd_st = -1;
        pid_t pid = fork();

        if (pid < 0) {
                perror("bare-spawn: fork");
                return -1;
        }
        if (pid == 0) {
                if (dup2(out_fd, STDOUT_FILENO) < 0 || ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
                        _exit(127);
                execv(argv[0], argv);
                _exit(127);
        }
        /* the SIGTRAP stop after execve */
        if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
                fprintf(stderr, "bare-spawn: %s did not stop at its exec\n", argv[0]);
                return -1;
        }
        if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
                   (void *) (long) (PTRACE_O_TRACEEXIT | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                                    PTRACE_O_EXITKILL)) < 0 ||
            ptrace(PTRACE_CONT, pid, NULL, NULL) < 0) {
                perror("bare-spawn: ptrace");
                return -1;
        }
        for (;;) {
                struct rusage ru;
                pid_t p = wait4(-1, &st, __WALL, &ru);
                int sig = 0;

                if (p < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == ECHILD)
                                break;
                        perror("bare-spawn: wait4");
                        return -1;
                }
                if (WIFEXITED(st) || WIFSIGNALED(st)) {
                        if (p == pid) {
                                cmd_st = st;
                                *ret_ru = ru;
                        }
                        continue;
                }
                if (!WIFSTOPPED(st))
                        continue;
                if (st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
                        long kb = vm_hwm_kb(p);
                        if (kb > hwm)
                                hwm = kb;
                        if (smaps_dir)
                                save_smaps(smaps_dir, p);
                } else if (st >> 16 == 0 && WSTOPSIG(st) != SIGSTOP && WSTOPSIG(st) != SIGTRAP)
                        sig = WSTOPSIG(st); /* a signal for the program: deliver it */
                /* fork/vfork events and a new child's first SIGSTOP: go on */
                (void) ptrace(PTRACE_CONT, p, NULL, (void *) (long) sig);
        }
        *ret_hwm = hwm;
        return cmd_st;
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
        if (argc >= 4 && strcmp(argv[1], "hwm") == 0) {
                struct rusage ru = { 0 };
                long hwm = -1;
                int st, fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

                if (fd < 0) {
                        perror("bare-spawn: open");
                        return 1;
                }
                st = spawn_hwm(fd, argv + 3, &hwm, &ru);
                if (!ok(st, argv[3]))
                        return 1;
                if (hwm < 0) {
                        fprintf(stderr, "bare-spawn: no VmHWM read for %s\n", argv[3]);
                        return 1;
                }
                printf("%ld %ld\n", hwm, ru.ru_maxrss);
                return 0;
        }
        fprintf(stderr,
                "usage: bare-spawn time CMD [ARG...] | time3 CGDIR CMD [ARG...] | stamp FILE | loop N CMD "
                "[ARG...] | peak OUT CMD [ARG...] | hwm OUT CMD [ARG...]\n");
        return 2;
}
