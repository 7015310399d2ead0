/* Test service: leaks memory at a fixed rate, touching every page.
 *   leaker RATE_MB_PER_S [MAX_MB]
 *   leaker --threads N RATE_MB_PER_S   (N threads, RATE/N each, until killed)
 *   leaker --saw NET_KB_PER_S GARBAGE_MB PERIOD_MS
 * Prints "leaked N MB" every 16 MB (all threads together). Without MAX_MB
 * it leaks until killed.
 * --saw: a GC-like sawtooth: a steady leak of NET_KB_PER_S (kept in 64 KiB
 * heap blocks) under garbage that grows to GARBAGE_MB and is freed every
 * PERIOD_MS (1 MiB blocks, which glibc returns to the kernel at once). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static int sawtooth(double net_kbps, long garbage_mb, long period_ms) {
        char *garbage[4096];
        long n_garbage = 0;
        double t0 = now_s(), period_start = t0;
        long leaked_kb = 0;

        if (garbage_mb > 4096)
                garbage_mb = 4096;
        for (;;) {
                double t = now_s();
                struct timespec ts = { 0, 5 * 1000000 };

                /* the leak: what a GC cannot free */
                while ((double) leaked_kb < (t - t0) * net_kbps) {
                        char *p = malloc(64 * 1024);
                        if (!p)
                                return 3;
                        memset(p, 0x5a, 64 * 1024);
                        leaked_kb += 64;
                }
                /* the garbage: grows over the period, then a "GC" frees it */
                if ((t - period_start) * 1000 >= (double) period_ms) {
                        for (long i = 0; i < n_garbage; i++)
                                free(garbage[i]);
                        n_garbage = 0;
                        period_start = t;
                } else {
                        long due = (long) ((t - period_start) * 1000 / (double) period_ms *
                                           (double) garbage_mb);
                        while (n_garbage < due) {
                                garbage[n_garbage] = malloc(1 << 20);
                                if (!garbage[n_garbage])
                                        return 3;
                                memset(garbage[n_garbage++], 0xa5, 1 << 20);
                        }
                }
                nanosleep(&ts, NULL);
        }
}

static atomic_long total_mb;

/* one leaking loop at rate MB/s; max_mb < 0: until killed */
static int leak(double rate, long max_mb) {
        const size_t chunk = 1 << 20;
        long mb = 0;
        struct timespec t0;

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
                long all = atomic_fetch_add(&total_mb, 1) + 1;
                if (all % 16 == 0)
                        printf("leaked %ld MB\n", all);
        }
}

static void *leak_thread(void *rate) {
        leak(*(const double *) rate, -1);
        exit(3); /* malloc failed */
}

int main(int argc, char **argv) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (argc >= 5 && strcmp(argv[1], "--saw") == 0)
                return sawtooth(atof(argv[2]), atol(argv[3]), atol(argv[4]));
        if (argc >= 4 && strcmp(argv[1], "--threads") == 0) {
                long n = atol(argv[2]);
                static double each;

                if (n < 1 || n > 256)
                        return 2;
                each = atof(argv[3]) / (double) n;
                for (long i = 1; i < n; i++) {
                        pthread_t t;
                        if (pthread_create(&t, NULL, leak_thread, &each) != 0)
                                return 3;
                }
                return leak(each, -1);
        }
        return leak(argc > 1 ? atof(argv[1]) : 10, argc > 2 ? atol(argv[2]) : -1);
}
