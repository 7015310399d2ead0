/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/children.h"
#include "base/units.h"
#include "capture/capture-internal.h"
#include "capture/hotspot.h"
#include "capture/jvm-release.h"
#include "capture/nmt.h"
#include "capture/procsnap.h"
#include "capture/store.h"
#include "base/procfs.h"
#include "jvm/perfdata.h"

/* ---- the step catalog ---- */

static Step *add_step(Capture *c, StepKind kind, const char *name, const char *file) {
        Step *s;

        if (c->n_steps >= STEPS_MAX)
                return NULL;
        s = &c->steps[c->n_steps++];
        *s = (Step){ .kind = kind, .name = name, .file = file };
        return s;
}

static void add_copy(Capture *c, const char *name, const char *file, const char *fmt, ...) _printf_(4, 5);
static void add_copy(Capture *c, const char *name, const char *file, const char *fmt, ...) {
        Step *s = add_step(c, STEP_PROC, name, file);
        va_list ap;

        if (!s)
                return;
        s->proc = PF_COPY;
        va_start(ap, fmt);
        vsnprintf(s->src, sizeof s->src, fmt, ap);
        va_end(ap);
}

static void add_jvm(Capture *c, const char *name, const char *file, const char *a0, const char *a1) {
        Step *s = add_step(c, STEP_JVM, name, file);

        if (!s)
                return;
        s->jvm_argv[0] = a0;
        s->jvm_argv[1] = a1;
        s->jvm_threads = streq(name, "threads");
}

static bool want(const Capture *c, CaptureItem i) {
        return c->spec.items & (1u << i);
}

void capture_steps_build(Capture *c) {
        pid_t pid = c->spec.pid;

        if (c->spec.hooks && c->spec.hooks->clamp)
                add_step(c, STEP_CLAMP, "clamp", NULL);
        if (pid > 0) {
                if (want(c, CAPTURE_STATUS))
                        add_copy(c, "status", "status.txt", "/proc/%d/status", (int) pid);
                if (want(c, CAPTURE_SMAPS))
                        add_copy(c, "smaps_rollup", "smaps_rollup.txt", "/proc/%d/smaps_rollup", (int) pid);
                if (want(c, CAPTURE_TASKS)) {
                        Step *s = add_step(c, STEP_PROC, "tasks", "tasks.txt");
                        if (s)
                                s->proc = PF_TASKS;
                }
                if (want(c, CAPTURE_PMAP)) {
                        Step *s = add_step(c, STEP_PROC, "pmap", "pmap.txt");
                        if (s)
                                s->proc = PF_PMAP;
                }
                if (want(c, CAPTURE_PERFDATA)) {
                        /* a file read, no attach: also when attaching fails */
                        Step *s = add_step(c, STEP_PROC, "perfdata", "perfdata.txt");
                        if (s)
                                s->proc = PF_PERFDATA;
                }
                if (c->spec.memory_sample) {
                        Step *s = add_step(c, STEP_PROC, "anon-sample", "anon-sample.txt");
                        if (s)
                                s->proc = PF_ANON_SAMPLE;
                }
        }
        if (want(c, CAPTURE_CGROUP) && c->memory_dir) {
                add_copy(c, "memory.stat", "memory.stat.txt", "%s/memory.stat", c->memory_dir);
                const char *const *ev = c->spec.memory_event_files;
                if (ev && ev[0] && !ev[1])
                        add_copy(c, "memory.events", "memory.events.txt", "%s/%s", c->memory_dir, ev[0]);
                else if (ev && ev[0]) {
                        Step *s = add_step(c, STEP_PROC, "memory.events", "memory.events.txt");
                        if (s)
                                s->proc = PF_MEMORY_EVENT_FILES;
                }
        }
        if (want(c, CAPTURE_CGROUP) && c->pids_dir) {
                Step *s = add_step(c, STEP_PROC, "pids", "pids.txt");
                if (s)
                        s->proc = PF_PIDS;
        }
        if (c->spec.history) {
                Step *s = add_step(c, STEP_INLINE, "history", "history.csv");
                if (s)
                        s->inl = IF_HISTORY;
        }
        if (c->kernel_report) {
                Step *s = add_step(c, STEP_INLINE, "oom-report", "oom-report.txt");
                if (s)
                        s->inl = IF_KERNEL_REPORT;
        }
        if (pid > 0) {
                uint32_t jvm = (1u << CAPTURE_THREADS) | (1u << CAPTURE_NMT) | (1u << CAPTURE_HEAP) |
                               (1u << CAPTURE_CLASS_HISTOGRAM) | (1u << CAPTURE_HEAP_DUMP);
                if ((c->spec.items & jvm) && c->spec.hooks && c->spec.hooks->grant)
                        add_step(c, STEP_GRANT, "grant", NULL);
                if (want(c, CAPTURE_THREADS))
                        add_jvm(c, "threads", "threads.txt", "Thread.print", NULL);
                if (want(c, CAPTURE_NMT)) {
                        add_jvm(c, "nmt", "nmt.txt", "VM.native_memory", "summary");
                        if (c->spec.nmt_baseline) {
                                Step *d;
                                add_jvm(c, "nmt-diff", "nmt-diff.txt", "VM.native_memory", "summary.diff");
                                /* -XX:NativeMemoryTracking=detail: the call sites */
                                d = add_step(c, STEP_JVM, "nmt-detail-diff", NULL);
                                if (d) {
                                        d->nmt_detail = true;
                                        d->jvm_argv[0] = "VM.native_memory";
                                        d->jvm_argv[1] = "detail.diff";
                                }
                        } else if (c->nmt_no_baseline) {
                                /* said, not silently left out: a leak that killed
                                 * before the baseline has no diff */
                                Step *s = add_step(c, STEP_JVM, "nmt-diff", NULL);
                                if (s) {
                                        s->skipped = true;
                                        snprintf(s->error, sizeof s->error, "%s", c->nmt_no_baseline);
                                }
                                snprintf(c->nmt_diff_state, sizeof c->nmt_diff_state, "%s",
                                         c->nmt_no_baseline);
                        }
                }
                if (want(c, CAPTURE_HEAP))
                        add_jvm(c, "heap", "heap.txt", "GC.heap_info", NULL);
                /* live objects (a full GC), as the baseline's */
                if (want(c, CAPTURE_CLASS_HISTOGRAM) ||
                    (c->spec.histogram_when_grown && c->hist_base.n > 0)) {
                        Step *h = add_step(c, STEP_JVM, "class_histogram", "histogram.txt");
                        if (h) {
                                h->jvm_argv[0] = "GC.class_histogram";
                                h->when_heap_grew = !want(c, CAPTURE_CLASS_HISTOGRAM);
                        }
                        if (h && c->hist_base.n > 0) {
                                Step *d = add_step(c, STEP_INLINE, "histogram-diff", "histogram-diff.txt");
                                if (d)
                                        d->inl = IF_HISTOGRAM_DIFF;
                        }
                }
                if (want(c, CAPTURE_HEAP_DUMP) || c->spec.heap_dump != HEAP_DUMP_NO) {
                        Step *s = add_step(c, STEP_JVM, "heap_dump", NULL), *m;
                        if (s && c->spec.heap_dump_skip[0] && !want(c, CAPTURE_HEAP_DUMP)) {
                                s->skipped = true;
                                snprintf(s->error, sizeof s->error, "%s", c->spec.heap_dump_skip);
                        } else if (s) {
                                s->heap_dump = true;
                                s->when_heap_grew = !want(c, CAPTURE_HEAP_DUMP) &&
                                                    c->spec.heap_dump == HEAP_DUMP_ON_HEAP_GROWTH;
                                m = add_step(c, STEP_PROC, "heap_dump_file", c->heap_file);
                                if (m)
                                        m->proc = PF_HEAP_MOVE;
                        }
                }
        }
}

/* ---- helper processes (the procfs and cgroup items) ---- */

static int copy_fd(int in, int out) {
        char buf[65536];
        ssize_t n;

        for (;;) {
                n = read(in, buf, sizeof buf);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        return 0;
                for (ssize_t off = 0; off < n;) {
                        ssize_t k = write(out, buf + off, (size_t) (n - off));
                        if (k < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        off += k;
                }
        }
}

/* Not inlined: inlined into capture_helper_start(), GCC sees the 256
 * bytes of err and -Wformat-truncation warns that a long path is cut to
 * fit, which is meant (the daemon reads no more of the message). */
__attribute__((noinline)) static int copy_path(const char *src, int out, char *err, size_t errsz) {
        _cleanup_close_ int in = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        int r;

        if (in < 0) {
                snprintf(err, errsz, "%s: %s", src, strerror(errno));
                return -errno;
        }
        r = copy_fd(in, out);
        if (r < 0)
                snprintf(err, errsz, "copying %s: %s", src, strerror(-r));
        return r;
}

static void put_file_line(FILE *f, const char *dir, const char *file, const char *key) {
        _cleanup_free_ char *p = NULL, *buf = NULL;
        size_t n;

        if (asprintf(&p, "%s/%s", dir, file) < 0)
                return;
        if (procfs_read_full(p, 1 << 20, &buf, &n) < 0) {
                fprintf(f, "%s (unreadable: %s)\n", key, strerror(errno));
                return;
        }
        while (n > 0 && buf[n - 1] == '\n')
                buf[--n] = 0;
        if (strchr(buf, '\n')) {
                fprintf(f, "%s:\n", key);
                for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
                        fprintf(f, "  %s\n", line);
        } else
                fprintf(f, "%s %s\n", key, buf);
}

/* perfdata.txt: the summary of the JVM's hsperfdata file, then every
 * counter. Returns 0, 1 when the item does not apply (err says why: the
 * JVM runs without the file, or the process is not a HotSpot JVM), or
 * -errno. */
static int write_perfdata(pid_t pid, int out, char *err, size_t errsz) {
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ char *words = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char path[64];
        ProcStatus st;
        PerfSummary sum;
        PerfData pd;
        size_t n, wn;
        pid_t ns_pid;
        int r;

        r = procfs_read_status(NULL, pid, &st);
        if (r < 0) {
                snprintf(err, errsz, "/proc/%d/status: %s", (int) pid, strerror(-r));
                return r;
        }
        ns_pid = (st.have & PROC_STATUS_HAVE_NSTGID) && st.nstgid_last > 0 ? st.nstgid_last : pid;
        r = perfdata_read_file(NULL, pid, ns_pid, st.euid, &buf, &n);
        if (r == -ENOENT) {
                const char *why = NULL;

                snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
                if (procfs_read_full(path, 1 << 20, &words, &wn) >= 0)
                        why = perfdata_disabled_reason(words, wn);
                words = mfree(words);
                snprintf(path, sizeof path, "/proc/%d/maps", (int) pid);
                if (!why && procfs_read_full(path, 64 << 20, &words, &wn) >= 0) {
                        unsigned vm = hotspot_maps_scan_buf(words, wn);
                        if (vm & HOTSPOT_MAPS_LIBJ9VM)
                                why = "OpenJ9 keeps no hsperfdata file";
                        else if (!(vm & HOTSPOT_MAPS_LIBJVM))
                                why = "not a JVM (no libjvm.so mapped)";
                }
                if (why) {
                        snprintf(err, errsz, "%s", why);
                        return 1;
                }
                snprintf(err, errsz, "no /tmp/hsperfdata_*/%d owned by uid %u below /proc/%d/root",
                         (int) ns_pid, (unsigned) st.euid, (int) pid);
                return r;
        }
        if (r < 0) {
                snprintf(err, errsz, "reading the hsperfdata file of pid %d: %s", (int) pid, strerror(-r));
                return r;
        }
        r = perfdata_parse_prologue(buf, n, &pd);
        if (r >= 0 && !pd.accessible)
                r = -EAGAIN;
        if (r >= 0)
                r = perfdata_summarize(&pd, now_usec(CLOCK_REALTIME), &sum);
        if (r < 0) {
                snprintf(err, errsz, "the hsperfdata file of pid %d: %s", (int) pid,
                         r == -EAGAIN            ? "not accessible yet (the JVM is starting)"
                         : r == -EPROTONOSUPPORT ? "an unknown version"
                                                 : "malformed");
                return r;
        }
        f = fdopen(dup(out), "w");
        if (!f) {
                snprintf(err, errsz, "fdopen: %s", strerror(errno));
                return -errno;
        }
        r = perfdata_write_text(&sum, &pd, f);
        if (r < 0)
                snprintf(err, errsz, "writing: %s", strerror(-r));
        return r;
}

/* In the helper: the dump the JVM wrote, into the capture. Opened without
 * following a link, and only a regular file of the JVM's user counts (the
 * directory is the user's: it could put anything there). */
static int heap_move(Capture *c, int out, char *err, size_t errsz) {
        _cleanup_close_ int in = -1;
        struct stat st;
        int r;

        in = openat(c->heap_dir_fd, c->heap_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
        if (in < 0) {
                snprintf(err, errsz, "the JVM's dump %s: %s", c->heap_jvm_path, strerror(errno));
                return -errno;
        }
        if (fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != c->heap_uid || st.st_nlink != 1) {
                snprintf(err, errsz, "%s is not a regular file of the JVM's user", c->heap_jvm_path);
                return -EPERM;
        }
        /* the same filesystem: a rename, nothing copied */
        if (renameat(c->heap_dir_fd, c->heap_file, c->dir_fd, c->heap_file) >= 0) {
                if (fchown(in, 0, 0) < 0 || fchmod(in, 0600) < 0) {
                        snprintf(err, errsz, "chown/chmod of %s: %s", c->heap_file, strerror(errno));
                        return -errno;
                }
                return 0;
        }
        if (errno != EXDEV) {
                snprintf(err, errsz, "moving %s: %s", c->heap_jvm_path, strerror(errno));
                return -errno;
        }
        r = copy_fd(in, out);
        if (r < 0)
                snprintf(err, errsz, "copying %s: %s", c->heap_jvm_path, strerror(-r));
        return r;
}

/* In the helper: a bounded sample of the largest anonymous mappings that
 * grew since the baseline, read with process_vm_readv (the process is not
 * stopped), and the printable strings found there by count. */
#define SAMPLE_MAPPINGS 3U
#define SAMPLE_BYTES_PER_MAPPING (4U << 20)
#define SAMPLE_CHUNK (64U << 10)
#define SAMPLE_USEC (2 * USEC_PER_SEC)
#define SAMPLE_STRINGS_LISTED 50U

static int anon_sample(Capture *c, int out, char *err, size_t errsz) {
        _cleanup_free_ char *smaps = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ StringCount *sorted = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        MapPick picks[SAMPLE_MAPPINGS];
        StringTable t = {};
        size_t n, np = 0, ns = 0;
        usec_t deadline = now_usec(CLOCK_MONOTONIC) + SAMPLE_USEC;
        pid_t pid = c->spec.pid;
        char p[64], a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX];
        bool cut = false;
        int r, fd;

        snprintf(p, sizeof p, "/proc/%d/smaps", (int) pid);
        r = procfs_read_full(p, PROCSNAP_SMAPS_MAX_BYTES, &smaps, &n);
        if (r < 0) {
                snprintf(err, errsz, "%s: %s", p, strerror(-r));
                return r;
        }
        (void) memsample_pick(smaps, n, c->map_base, c->n_map_base, picks, SAMPLE_MAPPINGS, &np);
        buf = malloc(SAMPLE_CHUNK);
        fd = dup(out);
        if (!buf || fd < 0 || !(f = fdopen(fd, "w")) || string_table_init(&t) < 0) {
                if (fd >= 0 && !f)
                        close(fd);
                string_table_done(&t);
                return -ENOMEM;
        }
        fprintf(f,
                "# The largest anonymous mappings %s, sampled with process_vm_readv\n"
                "# (capture_memory_sample = yes; up to %s of each in %s chunks spread over it, %s in all)\n",
                c->n_map_base ? "that are new or grew since the baseline" : "(no baseline)",
                unit_format_size(a, SAMPLE_BYTES_PER_MAPPING), unit_format_size(b, SAMPLE_CHUNK), "2s");
        for (size_t i = 0; i < np; i++) {
                uint64_t size = picks[i].end - picks[i].start, sampled = 0, stride;
                size_t chunks = (size_t) MAX(MIN(size, (uint64_t) SAMPLE_BYTES_PER_MAPPING) / SAMPLE_CHUNK,
                                             (uint64_t) 1),
                       unreadable = 0;
                char s1[UNIT_SIZE_MAX], s2[UNIT_SIZE_MAX];

                stride = size / chunks & ~UINT64_C(4095);
                for (size_t k = 0; k < chunks && !cut; k++) {
                        uint64_t at = picks[i].start + k * stride;
                        struct iovec l = { buf, (size_t) MIN((uint64_t) SAMPLE_CHUNK, picks[i].end - at) },
                                     rv = { (void *) (uintptr_t) at, l.iov_len };
                        ssize_t got = process_vm_readv(pid, &l, 1, &rv, 1, 0);
                        if (got > 0) {
                                string_table_scan(&t, buf, (size_t) got);
                                sampled += (uint64_t) got;
                        } else
                                unreadable++;
                        cut = now_usec(CLOCK_MONOTONIC) > deadline;
                }
                fprintf(f,
                        "# %016" PRIx64 "-%016" PRIx64 " %s anonymous (%s), %s: %s read in %zu chunk%s%s\n",
                        picks[i].start, picks[i].end, unit_format_size(s1, picks[i].anon_kb << 10),
                        unit_format_size(a, size), picks[i].is_new ? "new" : "grew",
                        unit_format_size(s2, sampled), chunks, chunks == 1 ? "" : "s",
                        unreadable ? " (some unreadable)" : "");
        }
        if (np == 0)
                fputs("# no anonymous mapping grew\n", f);
        if (cut)
                fputs("# the time cap was reached: the sample is partial\n", f);
        r = string_table_sorted(&t, &sorted, &ns);
        if (r >= 0) {
                if (ns > 0)
                        fprintf(f, "Top string: %.80s (%" PRIu64 " of %" PRIu64 " strings)\n", sorted[0].s,
                                sorted[0].count, t.runs);
                fprintf(f,
                        "\nPrintable strings of %u+ bytes, by count (%zu distinct, %" PRIu64 " in all%s):\n",
                        MEMSAMPLE_STRING_MIN, ns, t.runs, t.dropped ? ", some not counted: too many" : "");
                for (size_t i = 0; i < MIN(ns, (size_t) SAMPLE_STRINGS_LISTED); i++)
                        fprintf(f, "%10" PRIu64 "  %s\n", sorted[i].count, sorted[i].s);
        }
        string_table_done(&t);
        if (fflush(f) != 0 || ferror(f)) {
                snprintf(err, errsz, "writing anon-sample.txt: %s", strerror(errno));
                return -EIO;
        }
        return r;
}

static int run_proc_fn(Capture *c, Step *s, int out, char *err, size_t errsz) {
        pid_t pid = c->spec.pid;
        int r;

        switch (s->proc) {
        case PF_ANON_SAMPLE:
                return anon_sample(c, out, err, errsz);
        case PF_HEAP_MOVE:
                return heap_move(c, out, err, errsz);
        case PF_COPY:
                return copy_path(s->src, out, err, errsz);
        case PF_PMAP: {
                ProcPmapTotals t;
                r = procsnap_write_pmap(NULL, pid, out, &t);
                if (r < 0)
                        snprintf(err, errsz, "/proc/%d/smaps: %s", (int) pid, strerror(-r));
                return r;
        }
        case PF_TASKS: {
                /* every process of the cgroup (a fork bomb is a hundred
                 * processes of one thread each), else the main one */
                _cleanup_free_ char *procs = NULL, *path = NULL;
                _cleanup_free_ pid_t *pids = NULL;
                size_t n = 0, alloc = 0, total, procs_size = 0;
                char top[128];
                const char *dir = c->memory_dir ?: c->pids_dir;

                if (dir && asprintf(&path, "%s/cgroup.procs", dir) >= 0 &&
                    procfs_read_full(path, 4 << 20, &procs, &procs_size) >= 0)
                        for (char *p = procs, *e; *p; p = *e ? e + 1 : e) {
                                long v = strtol(p, &e, 10);
                                if (e == p)
                                        break;
                                if (v <= 0)
                                        continue;
                                if (n == alloc) {
                                        pid_t *np = realloc(pids, (alloc = alloc ? alloc * 2 : 64) *
                                                                          sizeof(pid_t));
                                        if (!np)
                                                return -ENOMEM;
                                        pids = np;
                                }
                                pids[n++] = (pid_t) v;
                        }
                if (n == 0) {
                        pids = mfree(pids);
                        pids = malloc(sizeof(pid_t));
                        if (!pids)
                                return -ENOMEM;
                        pids[n++] = pid;
                }
                r = procsnap_write_cgroup_tasks(NULL, pids, n, out, top, sizeof top, &total);
                if (r < 0)
                        snprintf(err, errsz, "the tasks of %zu process(es) (pid %d first): %s", n,
                                 (int) pids[0], strerror(-r));
                return r;
        }
        case PF_MEMORY_EVENT_FILES:
        case PF_PIDS: {
                FILE *f = fdopen(dup(out), "w");
                if (!f) {
                        snprintf(err, errsz, "fdopen: %s", strerror(errno));
                        return -errno;
                }
                if (s->proc == PF_PIDS) {
                        put_file_line(f, c->pids_dir, "pids.current", "current");
                        put_file_line(f, c->pids_dir, "pids.max", "max");
                        put_file_line(f, c->pids_dir, "pids.events", "events");
                } else
                        for (const char *const *ev = c->spec.memory_event_files; ev && *ev; ev++)
                                put_file_line(f, c->memory_dir, *ev, *ev);
                if (fclose(f) != 0) {
                        snprintf(err, errsz, "writing: %s", strerror(errno));
                        return -errno;
                }
                return 0;
        }
        case PF_PERFDATA:
                return write_perfdata(pid, out, err, errsz);
        }
        return -EINVAL;
}

int capture_helper_start(Capture *c, Step *s) {
        int pfd[2];
        pid_t child;

        if (pipe2(pfd, O_CLOEXEC) < 0)
                return -errno;
        child = fork();
        if (child < 0) {
                int r = -errno;
                close(pfd[0]);
                close(pfd[1]);
                return r;
        }
        if (child == 0) {
                char err[256] = "";
                sigset_t all;
                int r;

                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                sigfillset(&all);
                (void) sigprocmask(SIG_UNBLOCK, &all, NULL);
                close(pfd[0]);
                r = run_proc_fn(c, s, c->out_fd, err, sizeof err);
                if (r > 0) {
                        /* does not apply; err says why */
                        (void) !write(pfd[1], err, strlen(err));
                        _exit(CAPTURE_HELPER_EXIT_SKIPPED);
                }
                if (r >= 0 && fsync(c->out_fd) < 0 && errno != EINVAL) {
                        r = -errno;
                        snprintf(err, sizeof err, "fsync: %s", strerror(errno));
                }
                if (r < 0) {
                        if (!err[0])
                                snprintf(err, sizeof err, "%s", strerror(-r));
                        (void) !write(pfd[1], err, strlen(err));
                }
                _exit(r < 0 ? 1 : 0);
        }
        close(pfd[1]);
        c->child = child;
        c->child_fd = pfd[0];
        c->child_msg_len = 0;
        /* ours to reap (base/children.h: a PID 1's reaper leaves it alone) */
        if (children_add(child, CHILD_HELPER) < 0) {
                capture_helper_reap(c, true, NULL);
                return -ENOMEM;
        }
        return 0;
}

void capture_helper_reap(Capture *c, bool kill_it, int *ret_status) {
        int st = 0;

        if (c->child <= 0)
                return;
        if (kill_it)
                (void) kill(c->child, SIGKILL);
        while (waitpid(c->child, &st, 0) < 0 && errno == EINTR)
                ;
        children_forget(c->child);
        c->child = 0;
        c->child_fd = safe_close(c->child_fd);
        if (ret_status)
                *ret_status = st;
}

/* ---- NMT detail ---- */

#define DETAIL_SITES 20U

void capture_nmt_detail_finish(Capture *c, Step *s) {
        _cleanup_free_ char *buf = NULL;
        _cleanup_free_ NmtSite *sites = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        struct stat st;
        NmtReport rep;
        size_t n = 0, ns = 0;
        int fd;

        if (fstat(c->out_fd, &st) < 0 || st.st_size <= 0 || !(buf = malloc((size_t) st.st_size)) ||
            pread(c->out_fd, buf, (size_t) st.st_size, 0) != st.st_size) {
                s->ok = false;
                snprintf(s->error, sizeof s->error, "reading the JVM's answer: %s",
                         errno ? strerror(errno) : "empty");
                return;
        }
        n = (size_t) st.st_size;
        if (nmt_parse(buf, n, &rep) >= 0 && (rep.detail_not_enabled || rep.not_enabled || rep.no_baseline)) {
                s->ok = false;
                s->skipped = true;
                snprintf(s->error, sizeof s->error, "%s",
                         rep.not_enabled          ? "Native Memory Tracking is not enabled"
                         : rep.detail_not_enabled ? "the JVM tracks a summary only: start it with "
                                                    "-XX:NativeMemoryTracking=detail for the call sites"
                                                  : "no detail baseline to compare with");
                return;
        }
        sites = calloc(DETAIL_SITES, sizeof *sites);
        if (!sites || nmt_detail_sites(buf, n, sites, DETAIL_SITES, &ns) < 0)
                return;
        fd = capture_store_create_file(c->dir_fd, "nmt-detail-diff.txt");
        if (fd < 0 || !(f = fdopen(fd, "w"))) {
                if (fd >= 0)
                        close(fd);
                s->ok = false;
                snprintf(s->error, sizeof s->error, "creating nmt-detail-diff.txt: %s",
                         strerror(fd < 0 ? -fd : errno));
                return;
        }
        s->file = "nmt-detail-diff.txt";
        fprintf(f,
                "# The native call sites that grew most since the NMT baseline (VM.native_memory "
                "detail.diff),\n# first frame first; a frame without a symbol is Java or generated code\n");
        for (size_t i = 0; i < ns; i++) {
                fprintf(f, "\n%+" PRId64 "KB  (%s %" PRIu64 "KB, %s)\n", sites[i].delta_kb,
                        sites[i].mmap ? "committed" : "malloc", sites[i].now_kb,
                        sites[i].type[0] ? sites[i].type : "type not given");
                for (size_t k = 0; k < sites[i].n_frames; k++)
                        fprintf(f, "    %s\n", sites[i].frames[k]);
        }
        if (ns == 0)
                fputs("\n(no call site grew)\n", f);
        else
                snprintf(c->nmt_detail_top, sizeof c->nmt_detail_top, "%.120s (%s) %+" PRId64 "KB",
                         sites[0].frames[0], sites[0].type[0] ? sites[0].type : "?", sites[0].delta_kb);
        fputs("\n# The JVM's whole answer:\n", f);
        fwrite(buf, 1, n, f);
        if (fflush(f) != 0 || ferror(f)) {
                s->ok = false;
                snprintf(s->error, sizeof s->error, "writing nmt-detail-diff.txt: %s", strerror(errno));
        }
}

/* ---- the heap dump's place ---- */

static bool same_mnt_ns(pid_t pid) {
        char p[64];
        struct stat a, b;

        snprintf(p, sizeof p, "/proc/%d/ns/mnt", (int) pid);
        return stat(p, &a) >= 0 && stat("/proc/self/ns/mnt", &b) >= 0 && a.st_ino == b.st_ino &&
               a.st_dev == b.st_dev;
}

int capture_heap_dump_prepare(Capture *c, Step *s, char *why, size_t size) {
        struct open_how how = {
                .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        _cleanup_close_ int root = -1;
        char p[64], a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX];
        struct statfs sfs;
        struct statvfs vj, vc;
        struct stat pst;
        pid_t pid = c->spec.pid;
        int version;

        capture_heap_dump_cleanup(c);
        snprintf(p, sizeof p, "/proc/%d", (int) pid);
        if (stat(p, &pst) < 0) {
                snprintf(why, size, "the JVM is gone");
                return -ESRCH;
        }
        c->heap_uid = pst.st_uid;
        /* the JVM writes the path in its own mount namespace: its /tmp,
         * resolved as it sees it (a link there cannot lead out) */
        snprintf(p, sizeof p, "/proc/%d/root", (int) pid);
        root = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root >= 0)
                c->heap_tmp_fd = (int) syscall(SYS_openat2, root, "tmp", &how, sizeof how);
        if (root < 0 || c->heap_tmp_fd < 0) {
                c->heap_tmp_fd = -1;
                snprintf(why, size, "not taken: the JVM's /tmp cannot be opened: %s", strerror(errno));
                return 1;
        }
        if (fstatfs(c->heap_tmp_fd, &sfs) >= 0 && (sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC)) {
                snprintf(why, size,
                         "not taken: the JVM's /tmp is a tmpfs, where the dump would be charged to the "
                         "memory of its cgroup, at its limit");
                return 1;
        }
        /* the dump holds every live object: at most the heap's used size */
        c->heap_estimate = c->heap_used_known ? c->heap_used_kb * 1024 : c->hist_base.total_bytes * 4;
        if (fstatvfs(c->heap_tmp_fd, &vj) >= 0 &&
            (uint64_t) vj.f_bavail * vj.f_frsize < c->heap_estimate + c->heap_estimate / 8) {
                snprintf(why, size, "not taken: it would not fit: up to %s, %s free in the JVM's /tmp",
                         unit_format_size(a, c->heap_estimate),
                         unit_format_size(b, (uint64_t) vj.f_bavail * vj.f_frsize));
                return 1;
        }
        if (fstatvfs(c->dir_fd, &vc) >= 0 &&
            (uint64_t) vc.f_bavail * vc.f_frsize < c->heap_estimate + c->heap_estimate / 8) {
                snprintf(why, size, "not taken: it would not fit: up to %s, %s free in capture_dir",
                         unit_format_size(a, c->heap_estimate),
                         unit_format_size(b, (uint64_t) vc.f_bavail * vc.f_frsize));
                return 1;
        }
        snprintf(c->heap_dir_name, sizeof c->heap_dir_name, "cgwarden-heap-%d-%s", (int) pid, c->name);
        if (mkdirat(c->heap_tmp_fd, c->heap_dir_name, 0700) < 0) {
                int r = -errno;
                c->heap_dir_name[0] = 0;
                snprintf(why, size, "creating /tmp/cgwarden-heap-* for the JVM: %s", strerror(-r));
                return r;
        }
        c->heap_dir_fd =
                openat(c->heap_tmp_fd, c->heap_dir_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (c->heap_dir_fd < 0 || fchown(c->heap_dir_fd, pst.st_uid, pst.st_gid) < 0) {
                int r = -errno;
                snprintf(why, size, "preparing /tmp/%s for the JVM: %s", c->heap_dir_name, strerror(-r));
                return r;
        }
        /* -gz: JDK 15 and later; a JDK it cannot tell (another mount
         * namespace, no release file) gets the plain format */
        snprintf(p, sizeof p, "/proc/%d/exe", (int) pid);
        version = same_mnt_ns(pid) ? jvm_launcher_version(p) : -ENOENT;
        snprintf(c->heap_file, sizeof c->heap_file, "%s", version >= 15 ? "heap.hprof.gz" : "heap.hprof");
        snprintf(c->heap_jvm_path, sizeof c->heap_jvm_path, "/tmp/%s/%s", c->heap_dir_name, c->heap_file);
        s->jvm_argv[0] = "GC.heap_dump";
        s->jvm_argv[1] = version >= 15 ? "-gz=1" : c->heap_jvm_path;
        s->jvm_argv[2] = version >= 15 ? c->heap_jvm_path : NULL;
        return 0;
}

void capture_heap_dump_cleanup(Capture *c) {
        if (c->heap_dir_fd >= 0 && c->heap_file[0])
                (void) unlinkat(c->heap_dir_fd, c->heap_file, 0);
        c->heap_dir_fd = safe_close(c->heap_dir_fd);
        if (c->heap_tmp_fd >= 0 && c->heap_dir_name[0])
                (void) unlinkat(c->heap_tmp_fd, c->heap_dir_name, AT_REMOVEDIR);
        c->heap_dir_name[0] = 0;
        c->heap_tmp_fd = safe_close(c->heap_tmp_fd);
}

/* ---- items the daemon writes from memory ---- */

bool capture_heap_grew(const Capture *c, char *why, size_t size) {
        char a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX];
        uint64_t live_kb = c->hist_base.total_bytes / 1024;

        if (c->heap_delta_known && c->heap_committed_delta_kb >= 8 * 1024) {
                snprintf(why, size, "NMT: Java Heap committed +%lldKB since the baseline",
                         (long long) c->heap_committed_delta_kb);
                return true;
        }
        if (c->heap_used_known && c->heap_used_kb > live_kb + live_kb / 4 + 16 * 1024) {
                snprintf(why, size, "the heap's used %s is above the %s live at the baseline",
                         unit_format_size(a, c->heap_used_kb * 1024), unit_format_size(b, live_kb * 1024));
                return true;
        }
        if (!c->heap_used_known && !c->heap_delta_known)
                snprintf(why, size,
                         "not taken: nothing tells whether the Java heap grew (no heap or nmt-diff "
                         "item); list class_histogram in capture to always take it");
        else
                snprintf(why, size,
                         "not taken: the Java heap did not grow since the baseline (used %s, %s live at the "
                         "baseline); list class_histogram in capture to always take it",
                         c->heap_used_known ? unit_format_size(a, c->heap_used_kb * 1024) : "unknown",
                         unit_format_size(b, live_kb * 1024));
        return false;
}

static int write_histogram_diff(Capture *c, FILE *f, char *err, size_t errsz) {
        _cleanup_free_ char *buf = NULL;
        Histogram cur;
        HistogramGrowth top;
        size_t n;
        int r;

        r = capture_read_file(c, "histogram.txt", 64U << 20, &buf, &n);
        if (r >= 0)
                r = histogram_parse(buf, n, &cur);
        if (r < 0) {
                snprintf(err, errsz, "reading histogram.txt: %s", strerror(-r));
                return r;
        }
        fputs("# The class histogram's growth since the baseline (GC.class_histogram, live objects)\n", f);
        r = histogram_diff_write(&c->hist_base, &cur, 40, f, &top);
        if (r >= 0 && top.name[0]) {
                char t[UNIT_SIZE_MAX];
                snprintf(c->hist_top, sizeof c->hist_top, "%.120s +%s, %+" PRId64 " instances", top.name,
                         unit_format_size(t, (uint64_t) top.bytes), top.instances);
        }
        histogram_done(&cur);
        if (r < 0)
                snprintf(err, errsz, "writing histogram-diff.txt: %s", strerror(-r));
        return r;
}

int capture_step_write_inline(Capture *c, Step *s, char *err, size_t errsz) {
        _cleanup_fclose_ FILE *f = NULL;
        int fd, r = 0;

        fd = capture_store_create_file(c->dir_fd, s->file);
        if (fd < 0) {
                snprintf(err, errsz, "creating %s: %s", s->file, strerror(-fd));
                return fd;
        }
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                snprintf(err, errsz, "fdopen: %s", strerror(-r));
                return r;
        }
        if (s->inl == IF_HISTOGRAM_DIFF)
                r = write_histogram_diff(c, f, err, errsz);
        else if (s->inl == IF_HISTORY)
                r = history_write_csv(c->spec.history, f, now_usec(CLOCK_REALTIME),
                                      now_usec(CLOCK_MONOTONIC));
        else
                fputs(c->kernel_report, f);
        if (r >= 0 && fflush(f) != 0)
                r = -errno;
        if (r >= 0 && ferror(f))
                r = -EIO;
        if (r < 0)
                snprintf(err, errsz, "writing %s: %s", s->file, strerror(-r));
        return r;
}
