/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mem-cross: the service for tests/bench/detect-latency. It makes its own
 * cgroup's memory usage cross a threshold COUNT times and says when.
 *
 *   mem-cross THRESHOLD BOTTOM COUNT EXTRA HOLD_MS sync:INTERVAL_MS[:QUIET_MS]
 *   mem-cross THRESHOLD BOTTOM COUNT EXTRA HOLD_MS dwell:MS[:QUIET_MS]
 *
 * THRESHOLD, BOTTOM and EXTRA are bytes. Usage is the cgroup's own counter,
 * read with pread() on an fd kept open: memory.current (cgroup v2, from the
 * "0::" line of /proc/self/cgroup) or memory.usage_in_bytes (v1, from the
 * line of the "memory" controller).
 *
 * Seeing the supervisor's samples: every sample cgwarden takes (periodic or
 * set off by an event) reads pids.current of the service's cgroup (v1: in
 * the pids hierarchy), a file this program never reads, right after
 * memory.current/usage_in_bytes. An inotify IN_ACCESS watch on that file
 * therefore tells when a sample was taken (memory.stat, watched before, is
 * read only every 30th sample far from the limits, or when usage moved).
 * This is used twice:
 *
 * Every cycle:
 *   0. sync mode (INTERVAL_MS = the supervisor's sample_interval): wait for
 *      a sample. It is a periodic one taken at the bottom: it re-arms the
 *      pre-oom (cgwarden re-arms only in a sample that sees usage below 70%
 *      of the threshold), and the next periodic sample is INTERVAL_MS
 *      later. The climb starts at once, so a crossing well within
 *      INTERVAL_MS of that sample can only be seen by the event-driven
 *      path; SINCE_SAMPLE_US below lets the caller check that. dwell mode:
 *      no waiting (and nothing re-arms the pre-oom but luck: see
 *      detect-latency);
 *   1. touch pages of one anonymous mapping (4 KiB pages: MADV_NOHUGEPAGE)
 *      until usage crosses THRESHOLD by the kernel's own test: ">=" for a
 *      v1 eventfd threshold, ">" for v2 memory.high. Far below it 256 KiB
 *      at a time; in the last 2 MiB one page at a time with a read of the
 *      counter after each, so the crossing is seen on the page that made it.
 *      v2: or the "high" count in memory.events went up, whichever comes
 *      first. The kernel counts a "high" event when a charge takes usage
 *      above memory.high, then reclaims at once; the reclaim (page cache,
 *      the per-CPU charge stock) can put memory.current back below
 *      memory.high before this program reads it, so the counter is the
 *      exact moment the kernel made the change visible (it is also what
 *      cgwarden is woken for);
 *   2. the "cross" stamp: CLOCK_REALTIME in microseconds taken right
 *      *before* the touch that crossed (the page fault that charged the page
 *      is where the kernel makes the change visible, so the stamp is at most
 *      one page fault early). Not after it: on v2 the same page fault
 *      returns to user space through memory.high reclaim, which under TCG
 *      took milliseconds, while cgwarden had already been told. The time
 *      from that stamp to after the touch and read is printed too (AFTER_US);
 *   3. touch EXTRA more bytes (v1: the kernel looks at thresholds only
 *      every 128 page events per CPU, so without more pages the check that
 *      sees the crossing might never run; v2: 0, since every charge above
 *      memory.high is one more "high" event);
 *   4. hold the memory until the supervisor has read it (the first sample
 *      after the crossing, i.e. the event-driven one) or HOLD_MS passed:
 *      freeing at once would race that read, and a read after the drop sees
 *      usage below the threshold and raises nothing. v2: then also until
 *      the "high" count has not moved for QUIET_MS (default 20). The
 *      memory.high reclaim that follows the crossing evicts some of this
 *      program's own page cache, whose refaults can count more "high"
 *      events; the kernel sends at most one notification per 10 ms per
 *      file and delays the rest, and a delayed one read after the drop
 *      makes cgwarden re-arm and raise a second pre-oom at low usage
 *      (reported in tests/bench/README.md). Holding lets it arrive while
 *      usage is still high, so each crossing stays one observation;
 *   5. drop back to BOTTOM with madvise(MADV_DONTNEED) on the top of the
 *      touched range (freed and uncharged at once);
 *   6. sync: sleep QUIET_MS (any sample the drop set off is over), forget
 *      the samples so far; dwell: sleep MS. Then print
 *        cross USEC AT_CROSS AFTER_DROP FINE_PAGES SINCE_SAMPLE_US SEEN_US AFTER_US
 *      (usage in bytes at the crossing and after the drop, pages touched
 *      one by one, sample-to-crossing in sync mode else -1, crossing to the
 *      supervisor's read of pids.current or -1 if none within HOLD_MS, the
 *      crossing touch and read: see 2) and
 *      flush. Written only now, in the quiet part of the cycle: a write to
 *      the stdout pipe wakes the supervisor and must not race the event
 *      being timed.
 * After COUNT cycles: "done" and exit 0. Exit 1 on error (message on
 * stderr). Between the crossing and the stamp there is only clock_gettime.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define FINE_ZONE (2UL << 20) /* page by page in the last 2 MiB */
#define COARSE (256UL << 10)

static int usage_fd = -1, events_fd = -1, ino = -1;
static char stat_path[4200];
static long page;

static void die(const char *what) {
        fprintf(stderr, "mem-cross: %s: %s\n", what, strerror(errno));
        exit(1);
}

static unsigned long long usage(void) {
        char buf[32];
        ssize_t n = pread(usage_fd, buf, sizeof buf - 1, 0);
        if (n <= 0)
                die("read usage");
        buf[n] = 0;
        return strtoull(buf, NULL, 10);
}

/* v2: the "high" count of memory.events */
static unsigned long long high_events(void) {
        char buf[512], *p;
        ssize_t n = pread(events_fd, buf, sizeof buf - 1, 0);
        if (n <= 0)
                die("read memory.events");
        buf[n] = 0;
        p = strstr(buf, "\nhigh ");
        if (p)
                p++;
        else if (strncmp(buf, "high ", 5) == 0)
                p = buf;
        else
                return 0;
        return strtoull(p + 5, NULL, 10);
}

static unsigned long long now_us(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (unsigned long long) ts.tv_sec * 1000000ULL + (unsigned long long) ts.tv_nsec / 1000ULL;
}

static void sleep_ms(unsigned long ms) {
        struct timespec ts = { .tv_sec = (time_t) (ms / 1000), .tv_nsec = (long) (ms % 1000) * 1000000L };
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* forget the reads of pids.current seen so far */
static void drain(void) {
        char buf[4096];
        while (read(ino, buf, sizeof buf) > 0)
                ;
}

/* wait up to MS for a read of pids.current; 1 and its time, or 0 */
static int wait_sample(int ms, unsigned long long *t) {
        struct pollfd p = { .fd = ino, .events = POLLIN };
        int r;

        do
                r = poll(&p, 1, ms);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                die("poll");
        if (r == 0)
                return 0;
        *t = now_us();
        drain();
        return 1;
}

/* Open the usage file of our own cgroup and watch its pids.current;
 * returns 1 on cgroup v2. */
static int open_usage(void) {
        struct statfs sf;
        char line[4096], path[4200], evpath[4200];
        FILE *f;
        int found = 0, found_pids = 0, v2;

        v2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
        f = fopen("/proc/self/cgroup", "re");
        if (!f)
                die("/proc/self/cgroup");
        while (!(found && found_pids) && fgets(line, sizeof line, f)) {
                char *ctrl = strchr(line, ':'), *cg, *tok, *save = NULL;
                if (!ctrl)
                        continue;
                ctrl++;
                cg = strchr(ctrl, ':');
                if (!cg)
                        continue;
                *cg++ = 0;
                cg[strcspn(cg, "\n")] = 0;
                if (v2) {
                        if (ctrl[0] != 0)
                                continue;
                        snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.current", cg);
                        snprintf(stat_path, sizeof stat_path, "/sys/fs/cgroup%s/pids.current", cg);
                        found_pids = 1;
                        snprintf(evpath, sizeof evpath, "/sys/fs/cgroup%s/memory.events", cg);
                        events_fd = open(evpath, O_RDONLY | O_CLOEXEC);
                        if (events_fd < 0)
                                die(evpath);
                        found = 1;
                        continue;
                }
                /* "4:memory:/x", or co-mounted "4:memory,foo:/x"; and "5:pids:/x" */
                for (tok = strtok_r(ctrl, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                        if (strcmp(tok, "memory") == 0) {
                                snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.usage_in_bytes",
                                         cg);
                                found = 1;
                        } else if (strcmp(tok, "pids") == 0) {
                                snprintf(stat_path, sizeof stat_path, "/sys/fs/cgroup/pids%s/pids.current",
                                         cg);
                                found_pids = 1;
                        }
                }
        }
        fclose(f);
        if (!found || !found_pids) {
                errno = ENOENT;
                die("no memory or no pids cgroup in /proc/self/cgroup");
        }
        usage_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (usage_fd < 0)
                die(path);
        ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (ino < 0 || inotify_add_watch(ino, stat_path, IN_ACCESS) < 0)
                die(stat_path);
        fprintf(stderr, "mem-cross: cgroup %s, usage from %s\n", v2 ? "v2" : "v1", path);
        return v2;
}

int main(int argc, char **argv) {
        unsigned long long thr, bottom, extra, hold_ms, cross_t = 0, before_t = 0, at_cross, after,
                                                        t_sample = 0, t_seen;
        unsigned long count, dwell_ms = 0, interval_ms = 0, quiet_ms = 20, fine_pages;
        size_t size, touched = 0;
        unsigned long long high0, h;
        int v2, seen;
        char *m, *e;

        if (argc != 7) {
                fprintf(stderr, "usage: mem-cross THRESHOLD BOTTOM COUNT EXTRA HOLD_MS "
                                "sync:INTERVAL_MS[:QUIET_MS]|dwell:MS[:QUIET_MS]\n");
                return 2;
        }
        thr = strtoull(argv[1], NULL, 10);
        bottom = strtoull(argv[2], NULL, 10);
        count = strtoul(argv[3], NULL, 10);
        extra = strtoull(argv[4], NULL, 10);
        hold_ms = strtoull(argv[5], NULL, 10);
        if (strncmp(argv[6], "sync:", 5) == 0) {
                interval_ms = strtoul(argv[6] + 5, &e, 10);
                if (*e == ':')
                        quiet_ms = strtoul(e + 1, NULL, 10);
        } else if (strncmp(argv[6], "dwell:", 6) == 0) {
                dwell_ms = strtoul(argv[6] + 6, &e, 10);
                if (*e == ':')
                        quiet_ms = strtoul(e + 1, NULL, 10);
        }
        if ((!interval_ms && strncmp(argv[6], "dwell:", 6) != 0) || thr == 0 || bottom >= thr) {
                fprintf(stderr,
                        "mem-cross: need 0 < BOTTOM < THRESHOLD, and sync:MS (MS > 0) or dwell:MS\n");
                return 2;
        }
        v2 = open_usage();
        page = sysconf(_SC_PAGESIZE);
        setvbuf(stdout, NULL, _IOLBF, 0);

        /* room for the whole threshold (the cgroup's baseline only helps),
         * the extra and some slack */
        size = (size_t) (thr + extra + (16UL << 20));
        m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (m == MAP_FAILED)
                die("mmap");
        (void) madvise(m, size, MADV_NOHUGEPAGE);

        for (unsigned long i = 0; i < count; i++) {
                unsigned long long u;

                /* 0. a periodic sample at the bottom */
                if (interval_ms) {
                        if (!wait_sample((int) (3 * interval_ms + 2000), &t_sample)) {
                                errno = ETIMEDOUT;
                                die("no sample of the supervisor (read of pids.current) within 3 intervals");
                        }
                } else
                        drain();
                u = usage();
                high0 = h = v2 ? high_events() : 0;
                fine_pages = 0;
                /* 1. up to the threshold */
                while (!(v2 ? u > thr || h > high0 : u >= thr)) {
                        size_t step = thr - u > FINE_ZONE ? COARSE : (size_t) page;
                        if (touched + step > size) {
                                errno = ENOMEM;
                                die("mapping exhausted below the threshold (is something else freeing?)");
                        }
                        before_t = now_us();
                        for (size_t o = 0; o < step; o += (size_t) page)
                                m[touched + o] = 1;
                        touched += step;
                        if (step == (size_t) page)
                                fine_pages++;
                        if (v2 && step == (size_t) page)
                                h = high_events();
                        u = usage();
                }
                /* 2. the stamps */
                cross_t = now_us();
                at_cross = u;
                /* 3. a few more pages */
                for (size_t o = 0; o < extra && touched + (size_t) page <= size; o += (size_t) page) {
                        m[touched] = 1;
                        touched += (size_t) page;
                }
                /* 4. hold until the supervisor has read it; v2: and until
                 * the "high" count has been still for QUIET_MS */
                seen = hold_ms ? wait_sample((int) hold_ms, &t_seen) : 0;
                if (v2 && hold_ms) {
                        unsigned long long t_end = now_us() + hold_ms * 1000ULL, last;
                        do {
                                last = high_events();
                                sleep_ms(quiet_ms);
                        } while (high_events() != last && now_us() < t_end);
                }
                /* 5. back down to the bottom */
                u = usage();
                if (u > bottom) {
                        size_t drop = (size_t) (u - bottom) / (size_t) page * (size_t) page;
                        if (drop > touched)
                                drop = touched;
                        if (madvise(m + touched - drop, drop, MADV_DONTNEED) < 0)
                                die("madvise(MADV_DONTNEED)");
                        touched -= drop;
                }
                after = usage();
                /* 6. quiet time, then report */
                if (interval_ms) {
                        sleep_ms(quiet_ms);
                        drain();
                } else
                        sleep_ms(dwell_ms);
                printf("cross %llu %llu %llu %lu %lld %lld %llu\n", before_t, at_cross, after, fine_pages,
                       interval_ms ? (long long) (before_t - t_sample) : -1LL,
                       seen ? (long long) (t_seen - before_t) : -1LL, cross_t - before_t);
        }
        printf("done\n");
        return 0;
}
