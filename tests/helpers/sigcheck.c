/* Test service: reports the process state a service starts with, then
 * optionally stays alive.
 *   sigcheck [--stay | --record FILE]
 * Prints "SigBlk: ...", "SigIgn: ...", "Uid: ...", "Gid: ...", "Groups: ...",
 * "fds: 0 1 2", "cwd: ...", "umask: 0022", "sid: yes|no" on stdout.
 * --record FILE: stays alive and appends the name of each signal it gets
 * (HUP INT QUIT USR1 USR2 WINCH TERM) to FILE as a line; at TERM it then
 * dies of it (status 143 to its parent), as a program without a handler. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int record_fd = -1;

static void on_signal(int sig) {
        const char *name = sig == SIGHUP     ? "HUP\n"
                           : sig == SIGINT   ? "INT\n"
                           : sig == SIGQUIT  ? "QUIT\n"
                           : sig == SIGUSR1  ? "USR1\n"
                           : sig == SIGUSR2  ? "USR2\n"
                           : sig == SIGWINCH ? "WINCH\n"
                                             : "TERM\n";

        (void) !write(record_fd, name, strlen(name));
        if (sig == SIGTERM) {
                signal(SIGTERM, SIG_DFL);
                raise(SIGTERM);
        }
}

int main(int argc, char **argv) {
        char line[512], cwd[PATH_MAX];
        FILE *f = fopen("/proc/self/status", "re");
        DIR *d;
        struct dirent *de;
        mode_t um;

        while (f && fgets(line, sizeof line, f))
                if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7) ||
                    !strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7))
                        fputs(line, stdout);
        if (f)
                fclose(f);
        fputs("fds:", stdout);
        d = opendir("/proc/self/fd");
        while (d && (de = readdir(d)))
                if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
                        printf(" %s", de->d_name);
        if (d)
                closedir(d);
        putchar('\n');
        printf("cwd: %s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
        um = umask(0);
        printf("umask: %04o\n", (unsigned) um);
        printf("sid: %s\n", getsid(0) == getpid() ? "yes" : "no");
        f = fopen("/proc/self/oom_score_adj", "re");
        if (f && fgets(line, sizeof line, f))
                printf("oom_score_adj: %s", line);
        if (f)
                fclose(f);
        fflush(stdout);
        if (argc > 2 && strcmp(argv[1], "--record") == 0) {
                const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGTERM };
                struct sigaction sa = { .sa_handler = on_signal };

                record_fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (record_fd < 0)
                        return 1;
                sigemptyset(&sa.sa_mask);
                for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
                        sigaction(sigs[i], &sa, NULL);
                (void) !write(record_fd, "ready\n", 6);
        }
        if (argc > 1 && (strcmp(argv[1], "--stay") == 0 || strcmp(argv[1], "--record") == 0))
                for (;;)
                        pause();
        return 0;
}
