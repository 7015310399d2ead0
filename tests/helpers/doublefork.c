/* Test service: leaves a daemonised grandchild that ignores SIGTERM.
 *   doublefork DIR [--main-exits]
 * Writes DIR/main.pid and DIR/grandchild.pid (the latter once the
 * grandchild runs, in its own session, with SIGTERM ignored). The main
 * process then waits forever, or exits 0 with --main-exits. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void write_pid(const char *dir, const char *name) {
        char path[4096], tmp[4096];
        FILE *f;

        snprintf(path, sizeof path, "%s/%s", dir, name);
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
        f = fopen(tmp, "we");
        if (!f)
                exit(1);
        fprintf(f, "%d\n", (int) getpid());
        fclose(f);
        rename(tmp, path);
}

int main(int argc, char **argv) {
        pid_t p;

        if (argc < 2)
                return 2;
        p = fork();
        if (p == 0) {
                if (fork() == 0) {
                        setsid();
                        signal(SIGTERM, SIG_IGN);
                        signal(SIGHUP, SIG_IGN);
                        write_pid(argv[1], "grandchild.pid");
                        for (;;)
                                pause();
                }
                _exit(0);
        }
        waitpid(p, NULL, 0);
        write_pid(argv[1], "main.pid");
        if (argc > 2 && strcmp(argv[2], "--main-exits") == 0)
                return 0;
        for (;;)
                pause();
}
