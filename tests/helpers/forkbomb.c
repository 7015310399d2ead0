/* Test service: a fork bomb that keeps what it forked.
 *   forkbomb [RETRY_MS]
 * Forks children that sleep (pause) forever, as fast as it can; when a
 * fork fails (a task limit: EAGAIN) it waits RETRY_MS (default 10) and
 * tries again, forever: a steady stream of failed forks, and every
 * process it made still there. Prints "forked N" every 10 children and
 * "fork failed: <error>" once. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
        long retry_ms = argc > 1 ? atol(argv[1]) : 10;
        struct timespec ts = { retry_ms / 1000, (retry_ms % 1000) * 1000000 };
        unsigned long n = 0;
        int said = 0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        /* children die with us: the service's stop signal reaches the
         * whole cgroup anyway, this only keeps a test tidy */
        for (;;) {
                pid_t p = fork();
                if (p == 0) {
                        for (;;)
                                pause();
                }
                if (p < 0) {
                        if (!said) {
                                printf("fork failed: %s (after %lu children)\n", strerror(errno), n);
                                said = 1;
                        }
                        nanosleep(&ts, NULL);
                        continue;
                }
                if (++n % 10 == 0)
                        printf("forked %lu\n", n);
        }
}
