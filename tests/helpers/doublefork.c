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
        int ready[2];
        char c;
        pid_t p;

        if (argc < 2 || pipe(ready) < 0)
                return 2;
        p = fork();
        if (p == 0) {
                if (fork() == 0) {
                        setsid();
                        signal(SIGTERM, SIG_IGN);
                        signal(SIGHUP, SIG_IGN);
                        write_pid(argv[1], "grandchild.pid");
                        /* tell main we are daemonised and deaf to SIGTERM */
                        (void) !write(ready[1], "r", 1);
                        close(ready[0]);
                        close(ready[1]);
                        for (;;)
                                pause();
                }
                _exit(0);
        }
        close(ready[1]);
        waitpid(p, NULL, 0);
        /* main goes on (or exits) only once the daemon is fully set up, so
         * what cgwarden sees does not depend on scheduling */
        if (read(ready[0], &c, 1) != 1)
                return 3;
        close(ready[0]);
        write_pid(argv[1], "main.pid");
        if (argc > 2 && strcmp(argv[2], "--main-exits") == 0)
                return 0;
        for (;;)
                pause();
}
