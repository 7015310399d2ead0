/* Test service: exits or crashes on request.
 *   crasher exit N        exit with status N
 *   crasher segv          die of SIGSEGV
 *   crasher after MS N    run MS milliseconds, then exit N
 * Each start appends "start <pid> <CLOCK_MONOTONIC ms>" to $CRASHER_STARTS if set. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
        const char *starts = getenv("CRASHER_STARTS");

        if (starts) {
                FILE *f = fopen(starts, "ae");
                if (f) {
                        struct timespec now;
                        clock_gettime(CLOCK_MONOTONIC, &now);
                        fprintf(f, "start %d %lld\n", (int) getpid(),
                                (long long) now.tv_sec * 1000 + now.tv_nsec / 1000000);
                        fclose(f);
                }
        }
        if (argc >= 3 && strcmp(argv[1], "exit") == 0)
                return atoi(argv[2]);
        if (argc >= 2 && strcmp(argv[1], "segv") == 0) {
                signal(SIGSEGV, SIG_DFL);
                raise(SIGSEGV);
                return 99;
        }
        if (argc >= 4 && strcmp(argv[1], "after") == 0) {
                long ms = atol(argv[2]);
                struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
                while (nanosleep(&ts, &ts) < 0)
                        ;
                return atoi(argv[3]);
        }
        fprintf(stderr, "usage: crasher exit N | segv | after MS N\n");
        return 2;
}
