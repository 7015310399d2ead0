/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/children.h"
#include "capture/capture-internal.h"
#include "capture/hotspot.h"
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
                        if (c->spec.nmt_baseline)
                                add_jvm(c, "nmt-diff", "nmt-diff.txt", "VM.native_memory", "summary.diff");
                        else if (c->nmt_no_baseline) {
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
                if (want(c, CAPTURE_CLASS_HISTOGRAM))
                        add_jvm(c, "class_histogram", "class_histogram.txt", "GC.class_histogram", "-all");
                if (want(c, CAPTURE_HEAP_DUMP)) {
                        Step *s = add_step(c, STEP_JVM, "heap_dump", NULL);
                        if (s) {
                                /* the JVM writes a dump itself, as its user, in its own mount
                                 * namespace: not into a root-owned 0700 directory */
                                s->skipped = true;
                                snprintf(s->error, sizeof s->error,
                                         "not supported: a heap dump is written by the JVM itself; run "
                                         "jcmd PID GC.heap_dump -all FILE");
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

static int run_proc_fn(Capture *c, Step *s, int out, char *err, size_t errsz) {
        pid_t pid = c->spec.pid;
        int r;

        switch (s->proc) {
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

/* ---- items the daemon writes from memory ---- */

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
        if (s->inl == IF_HISTORY)
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
