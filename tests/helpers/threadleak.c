/* Test service: leaks threads (like seed 000's nioEventLoopGroup threads).
 *   threadleak RATE_PER_S [MAX]
 * Starts RATE threads per second, each named "leak-N" and blocked forever,
 * up to MAX (default: until pthread_create fails). When creation fails it
 * prints "pthread_create failed: <error>" once and keeps the threads. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *idle(void *arg) {
        for (;;)
                pause();
        return arg;
}

int main(int argc, char **argv) {
        double rate = argc > 1 ? atof(argv[1]) : 10;
        long max = argc > 2 ? atol(argv[2]) : -1;
        struct timespec gap = { 0, 0 };
        int reported = 0;

        setvbuf(stdout, NULL, _IOLBF, 0);
        gap.tv_nsec = (long) (1e9 / (rate > 0 ? rate : 1));
        if (rate < 1) {
                gap.tv_sec = (time_t) (1 / rate);
                gap.tv_nsec = 0;
        }
        for (long n = 0; max < 0 || n < max;) {
                pthread_t t;
                pthread_attr_t a;
                int r;

                pthread_attr_init(&a);
                pthread_attr_setstacksize(&a, 64 * 1024);
                r = pthread_create(&t, &a, idle, NULL);
                pthread_attr_destroy(&a);
                if (r != 0) {
                        if (!reported)
                                printf("pthread_create failed: %s\n", strerror(r));
                        reported = 1;
                } else {
                        char name[24];
                        snprintf(name, sizeof name, "leak-%ld", n % 100000);
                        name[15] = 0;
                        pthread_setname_np(t, name);
                        n++;
                }
                nanosleep(&gap, NULL);
        }
        for (;;)
                pause();
}
