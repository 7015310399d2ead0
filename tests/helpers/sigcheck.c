/* Test service: reports the process state a service starts with, then
 * optionally stays alive.
 *   sigcheck [--stay]
 * Prints "SigBlk: ...", "SigIgn: ...", "Uid: ...", "Gid: ...", "Groups: ...",
 * "fds: 0 1 2", "cwd: ...", "umask: 0022", "sid: yes|no" on stdout. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        if (argc > 1 && strcmp(argv[1], "--stay") == 0)
                for (;;)
                        pause();
        return 0;
}
