/* Test service: ignores SIGTERM (like a JVM stuck in a shutdown hook).
 *   ignoreterm PIDFILE */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
        signal(SIGTERM, SIG_IGN);
        if (argc > 1) {
                FILE *f = fopen(argv[1], "we");
                if (!f)
                        return 1;
                fprintf(f, "%d\n", (int) getpid());
                fclose(f);
        }
        printf("ignoring SIGTERM\n");
        fflush(stdout);
        for (;;)
                pause();
}
