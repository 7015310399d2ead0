/* Test service: leaks memory at a fixed rate, touching every page.
 *   leaker RATE_MB_PER_S [MAX_MB]
 * Prints "leaked N MB" every 16 MB. Without MAX_MB it leaks until killed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv) {
        double rate = argc > 1 ? atof(argv[1]) : 10;
        long max_mb = argc > 2 ? atol(argv[2]) : -1;
        const size_t chunk = 1 << 20;
        long mb = 0;
        struct timespec t0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (;;) {
                struct timespec now;
                double elapsed, due;
                char *p;

                if (max_mb >= 0 && mb >= max_mb) {
                        struct timespec ts = { 3600, 0 };
                        nanosleep(&ts, NULL);
                        continue;
                }
                clock_gettime(CLOCK_MONOTONIC, &now);
                elapsed = (double) (now.tv_sec - t0.tv_sec) + (double) (now.tv_nsec - t0.tv_nsec) / 1e9;
                due = elapsed * rate;
                if ((double) mb >= due) {
                        struct timespec ts = { 0, 1000000 };
                        nanosleep(&ts, NULL);
                        continue;
                }
                p = malloc(chunk);
                if (!p)
                        return 3;
                memset(p, 0xa5, chunk);
                mb++;
                if (mb % 16 == 0)
                        printf("leaked %ld MB\n", mb);
        }
}
