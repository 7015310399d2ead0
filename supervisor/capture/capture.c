/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/capture-internal.h"
#include "capture/hotspot.h"
#include "capture/procsnap.h"
#include "capture/store.h"
#include "base/fs-util.h"
#include "base/log.h"
#include "base/procfs.h"

/* Per-item deadlines, further bounded by what is left of capture_timeout. */
#define ITEM_PROC_USEC (5 * USEC_PER_SEC)
#define ITEM_JVM_USEC (15 * USEC_PER_SEC)
/* Space set aside for manifest.json when the capture starts. */
#define MANIFEST_RESERVE_BYTES (16 * 1024)
/* The cap on one JVM reply written to a file. */
#define ITEM_JVM_MAX_BYTES (64U * 1024U * 1024U)

static void advance(Capture *c);
static void step_finished(Capture *c, bool ok, const char *error);

const char *capture_reason_from_event(EventType e) {
        return event_type_to_string(e);
}

const char *capture_get_path(const Capture *c) {
        return c ? c->path : NULL;
}

/* ---- the steps ---- */

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

static void build_steps(Capture *c) {
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
        }
        if (want(c, CAPTURE_CGROUP) && c->memory_dir) {
                add_copy(c, "memory.stat", "memory.stat.txt", "%s/memory.stat", c->memory_dir);
                if (!c->spec.v1)
                        add_copy(c, "memory.events", "memory.events.txt", "%s/memory.events", c->memory_dir);
                else {
                        Step *s = add_step(c, STEP_PROC, "memory.events", "memory.events.txt");
                        if (s)
                                s->proc = PF_CGROUP_MEMORY_EVENTS_V1;
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

static int copy_path(const char *src, int out, char *err, size_t errsz) {
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
        case PF_CGROUP_MEMORY_EVENTS_V1:
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
                } else {
                        /* v1 has no memory.events: its counters live in these */
                        put_file_line(f, c->memory_dir, "memory.oom_control", "memory.oom_control");
                        put_file_line(f, c->memory_dir, "memory.failcnt", "memory.failcnt");
                        put_file_line(f, c->memory_dir, "memory.usage_in_bytes", "memory.usage_in_bytes");
                        put_file_line(f, c->memory_dir, "memory.max_usage_in_bytes",
                                      "memory.max_usage_in_bytes");
                        put_file_line(f, c->memory_dir, "memory.limit_in_bytes", "memory.limit_in_bytes");
                }
                if (fclose(f) != 0) {
                        snprintf(err, errsz, "writing: %s", strerror(errno));
                        return -errno;
                }
                return 0;
        }
        }
        return -EINVAL;
}

static int start_proc(Capture *c, Step *s) {
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
        return 0;
}

static void reap_child(Capture *c, bool kill_it, int *ret_status) {
        int st = 0;

        if (c->child <= 0)
                return;
        if (kill_it)
                (void) kill(c->child, SIGKILL);
        while (waitpid(c->child, &st, 0) < 0 && errno == EINTR)
                ;
        c->child = 0;
        c->child_fd = safe_close(c->child_fd);
        if (ret_status)
                *ret_status = st;
}

/* ---- step plumbing ---- */

static void stop_step_sources(Capture *c) {
        c->io = sd_event_source_disable_unref(c->io);
        c->step_timer = sd_event_source_disable_unref(c->step_timer);
}

static int on_child_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Capture *c = userdata;
        Step *s = &c->steps[c->cur];
        int st = 0;
        ssize_t n;

        n = read(fd, c->child_msg + c->child_msg_len, sizeof c->child_msg - 1 - c->child_msg_len);
        if (n > 0) {
                c->child_msg_len += (size_t) n;
                if (c->child_msg_len < sizeof c->child_msg - 1)
                        return 0;
        } else if (n < 0 && errno == EINTR)
                return 0;
        c->child_msg[c->child_msg_len] = 0;
        stop_step_sources(c);
        reap_child(c, false, &st);
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                step_finished(c, true, NULL);
        else
                step_finished(c, false,
                              c->child_msg[0]   ? c->child_msg
                              : WIFSIGNALED(st) ? strsignal(WTERMSIG(st))
                                                : "the helper failed");
        (void) s;
        return 0;
}

static int on_attach_io(sd_event_source *src, int fd, uint32_t revents, void *userdata);
static int on_step_timeout(sd_event_source *src, uint64_t usec, void *userdata);
static usec_t step_deadline(Capture *c, usec_t cap);

static void sigquit_done(Capture *c, int error, const char *message) {
        if (!c->sigquit_running)
                return;
        c->sigquit_running = false;
        stop_step_sources(c);
        step_finished(c, error >= 0, error >= 0 ? NULL : message ? message : strerror(-error));
}

static void jvm_finish(Capture *c) {
        Step *s = &c->steps[c->cur];
        HotspotResult res;
        char msg[sizeof res.error + 64];
        int r;

        stop_step_sources(c);
        r = hotspot_attach_finish(c->attach, &res);
        c->attach = hotspot_attach_free(c->attach);
        if (r == -ENOEXEC || r == -EPROTONOSUPPORT) {
                c->not_jvm = true;
                snprintf(c->jvm_skip, sizeof c->jvm_skip, "%s",
                         r == -ENOEXEC ? "not a JVM (no libjvm.so mapped)"
                                       : "OpenJ9: its attach protocol is not supported");
                s->skipped = true;
                step_finished(c, false, c->jvm_skip);
                return;
        }
        if (r < 0) {
                if (s->jvm_threads && r != -ESRCH && c->spec.hooks && c->spec.hooks->sigquit_dump) {
                        /* the listener could not be reached: SIGQUIT prints the dump on
                         * the JVM's stdout, which cgwarden owns */
                        log_info("Capture %s: attach failed (%s), taking the thread dump with SIGQUIT.",
                                 c->name, res.error);
                        if (ftruncate(c->out_fd, 0) >= 0 && lseek(c->out_fd, 0, SEEK_SET) >= 0) {
                                int k = c->spec.hooks->sigquit_dump(c->spec.hooks_userdata, c, c->out_fd,
                                                                    sigquit_done);
                                if (k >= 0) {
                                        c->sigquit_running = true;
                                        (void) sd_event_add_time(c->event, &c->step_timer, CLOCK_MONOTONIC,
                                                                 step_deadline(c, ITEM_PROC_USEC),
                                                                 USEC_PER_MSEC, on_step_timeout, c);
                                        return;
                                }
                        }
                }
                if (r == -ETIMEDOUT || r == -ESRCH)
                        /* a JVM that did not answer one command will not answer the next */
                        snprintf(c->jvm_skip, sizeof c->jvm_skip,
                                 "not tried: the JVM did not answer %s (%s)", s->name,
                                 r == -ESRCH ? "it exited" : "timed out");
                step_finished(c, false, res.error[0] ? res.error : strerror(-r));
                return;
        }
        if (res.jvm_status != 0) {
                snprintf(msg, sizeof msg, "the JVM answered status %d", res.jvm_status);
                step_finished(c, false, msg);
                return;
        }
        step_finished(c, true, res.truncated ? "output truncated at 64M" : NULL);
}

static int on_attach_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        jvm_finish(userdata);
        return 0;
}

static int on_step_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        Capture *c = userdata;
        Step *s = &c->steps[c->cur];
        char msg[128];

        if (c->sigquit_running) {
                c->sigquit_running = false;
                if (c->spec.hooks->sigquit_cancel)
                        c->spec.hooks->sigquit_cancel(c->spec.hooks_userdata);
                stop_step_sources(c);
                step_finished(c, false, "timed out waiting for the thread dump on the service's stdout");
                return 0;
        }
        if (s->kind == STEP_JVM && c->attach) {
                /* the helper reports its own timeout, naming the step that hung */
                jvm_finish(c);
                return 0;
        }
        stop_step_sources(c);
        reap_child(c, true, NULL);
        snprintf(msg, sizeof msg, "timed out after %llums",
                 (unsigned long long) ((now_usec(CLOCK_MONOTONIC) - c->step_start) / USEC_PER_MSEC));
        step_finished(c, false, msg);
        return 0;
}

static usec_t step_deadline(Capture *c, usec_t cap) {
        usec_t now = now_usec(CLOCK_MONOTONIC);
        return MIN(now + cap, c->deadline);
}

static int write_inline(Capture *c, Step *s, char *err, size_t errsz) {
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

/* Start c->steps[c->cur]. Returns true when it runs asynchronously, false
 * when it already finished (step_finished() was called). */
static bool start_step(Capture *c) {
        Step *s = &c->steps[c->cur];
        char err[256] = "";
        int r;

        c->step_start = now_usec(CLOCK_MONOTONIC);
        s->run = true;
        if (s->skipped) {
                step_finished(c, false, s->error);
                return false;
        }
        switch (s->kind) {
        case STEP_CLAMP:
                c->spec.hooks->clamp(c->spec.hooks_userdata);
                step_finished(c, true, NULL);
                return false;
        case STEP_GRANT:
                c->granted = true;
                c->spec.hooks->grant(c->spec.hooks_userdata);
                step_finished(c, true, NULL);
                return false;
        case STEP_INLINE:
                r = write_inline(c, s, err, sizeof err);
                step_finished(c, r >= 0, err);
                return false;
        case STEP_PROC:
        case STEP_JVM:
                break;
        }
        if (s->kind == STEP_JVM && (c->not_jvm || c->jvm_skip[0])) {
                s->skipped = c->not_jvm;
                step_finished(c, false, c->jvm_skip);
                return false;
        }
        c->out_fd = capture_store_create_file(c->dir_fd, s->file);
        if (c->out_fd < 0) {
                snprintf(err, sizeof err, "creating %s: %s", s->file, strerror(-c->out_fd));
                c->out_fd = -1;
                step_finished(c, false, err);
                return false;
        }
        if (s->kind == STEP_PROC) {
                r = start_proc(c, s);
                if (r >= 0)
                        r = sd_event_add_io(c->event, &c->io, c->child_fd, EPOLLIN, on_child_io, c);
        } else {
                r = hotspot_attach_start(c->spec.pid, s->jvm_argv, c->out_fd,
                                         step_deadline(c, ITEM_JVM_USEC) - c->step_start, ITEM_JVM_MAX_BYTES,
                                         &c->attach);
                if (r >= 0)
                        r = sd_event_add_io(c->event, &c->io, hotspot_attach_get_fd(c->attach), EPOLLIN,
                                            on_attach_io, c);
        }
        if (r >= 0)
                r = sd_event_add_time(c->event, &c->step_timer, CLOCK_MONOTONIC,
                                      s->kind == STEP_PROC ? step_deadline(c, ITEM_PROC_USEC)
                                                           : hotspot_attach_get_deadline(c->attach),
                                      USEC_PER_MSEC, on_step_timeout, c);
        if (r < 0) {
                stop_step_sources(c);
                reap_child(c, true, NULL);
                c->attach = hotspot_attach_free(c->attach);
                snprintf(err, sizeof err, "starting: %s", strerror(-r));
                step_finished(c, false, err);
                return false;
        }
        return true;
}

static void step_finished(Capture *c, bool ok, const char *error) {
        Step *s = &c->steps[c->cur];

        s->ok = ok;
        s->ms_usec = now_usec(CLOCK_MONOTONIC) - c->step_start;
        if (error && error[0] && s->error != error)
                snprintf(s->error, sizeof s->error, "%s", error);
        if (!ok && c->out_fd >= 0 && s->file) {
                struct stat st;
                if (fstat(c->out_fd, &st) >= 0 && st.st_size == 0)
                        (void) unlinkat(c->dir_fd, s->file, 0);
        }
        c->out_fd = safe_close(c->out_fd);
        if (ok && s->kind != STEP_CLAMP && s->kind != STEP_GRANT)
                capture_findings_read(c, s);
        if (s->kind == STEP_JVM && ok && streq(s->name, "threads"))
                capture_findings_java_groups(c);
        if (s->kind == STEP_JVM && ok && streq(s->name, "nmt") && c->nmt_state[0] &&
            !streq(c->nmt_state, "enabled")) {
                s->ok = false;
                snprintf(s->error, sizeof s->error, "Native Memory Tracking is %s", c->nmt_state);
        }
        if (!s->ok && !s->skipped)
                log_warning("Capture %s/%s: %s failed: %s", c->service, c->name, s->name,
                            s->error[0] ? s->error : "unknown error");
        c->cur++;
        if (c->defer)
                (void) sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
}

static void finish(Capture *c) {
        bool complete;
        int r;

        if (c->finished)
                return;
        c->finished = true;
        c->total_timer = sd_event_source_disable_unref(c->total_timer);
        c->defer = sd_event_source_disable_unref(c->defer);
        if (!c->restored && c->spec.hooks && c->spec.hooks->restore) {
                c->restored = true;
                c->spec.hooks->restore(c->spec.hooks_userdata);
        }
        /* items never started */
        for (size_t i = c->cur; i < c->n_steps; i++)
                if (!c->steps[i].error[0])
                        snprintf(c->steps[i].error, sizeof c->steps[i].error, "%s",
                                 c->aborted ? "not run: aborted" : "not run: capture_timeout reached");
        complete = capture_manifest_complete(c);
        r = capture_manifest_write(c, complete, now_usec(CLOCK_REALTIME));
        if (r < 0) {
                log_error_errno(r, "Capture %s/%s: cannot write manifest.json: %m", c->service, c->name);
                complete = false;
        }
        r = capture_store_rename(c->svc_dir_fd, c->dir_fd, c->partial, c->name);
        if (r < 0)
                log_error_errno(r, "Capture %s/%s: cannot rename %s: %m", c->service, c->name, c->partial);
        r = capture_prune(c->svc_dir_fd, c->spec.keep, c->spec.max_bytes);
        if (r > 0)
                log_info("Capture retention for '%s': removed %d old capture(s).", c->service, r);
        if (c->done)
                c->done(c, c->path, complete, c->userdata);
}

/* Runs the steps until one goes asynchronous. finish() may end in the
 * done callback, which may free c: nothing touches c after it. */
static void advance(Capture *c) {
        if (c->finished)
                return;
        while (c->cur < c->n_steps) {
                if (c->io || c->step_timer || c->sigquit_running)
                        return; /* a step is running */
                if (start_step(c))
                        return;
        }
        finish(c);
}

static int on_defer(sd_event_source *src, void *userdata) {
        advance(userdata);
        return 0;
}

static int on_total_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        Capture *c = userdata;

        if (c->finished)
                return 0;
        c->timed_out = true;
        if (c->cur < c->n_steps) {
                Step *s = &c->steps[c->cur];
                if (c->sigquit_running) {
                        c->sigquit_running = false;
                        if (c->spec.hooks->sigquit_cancel)
                                c->spec.hooks->sigquit_cancel(c->spec.hooks_userdata);
                }
                stop_step_sources(c);
                reap_child(c, true, NULL);
                c->attach = hotspot_attach_free(c->attach);
                c->out_fd = safe_close(c->out_fd);
                if (s->run) {
                        s->ms_usec = now_usec(CLOCK_MONOTONIC) - c->step_start;
                        snprintf(s->error, sizeof s->error, "timed out: capture_timeout reached");
                        c->cur++;
                }
        }
        log_warning("Capture %s/%s: capture_timeout reached, finishing with what was taken.", c->service,
                    c->name);
        finish(c);
        return 0;
}

int capture_start(sd_event *e, const char *dir, const CaptureSpec *spec, capture_done_t done, void *userdata,
                  Capture **ret) {
        _cleanup_(capture_freep) Capture *c = NULL;
        int r;

        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom();
        c->svc_dir_fd = c->dir_fd = c->out_fd = c->child_fd = c->manifest_fd = -1;
        c->event = sd_event_ref(e);
        c->spec = *spec;
        c->service = strdup(spec->service);
        c->reason = strdup(spec->reason);
        c->cgroup = spec->cgroup ? strdup(spec->cgroup) : NULL;
        c->memory_dir = spec->memory_dir ? strdup(spec->memory_dir) : NULL;
        c->pids_dir = spec->pids_dir ? strdup(spec->pids_dir) : NULL;
        c->kernel_report = spec->kernel_report ? strdup(spec->kernel_report) : NULL;
        c->nmt_no_baseline = spec->nmt_no_baseline ? strdup(spec->nmt_no_baseline) : NULL;
        c->jvm_limits = spec->jvm_limits ? strdup(spec->jvm_limits) : NULL;
        c->limits_text = spec->limits_text ? strdup(spec->limits_text) : NULL;
        if (!c->service || !c->reason)
                return log_oom();
        c->done = done;
        c->userdata = userdata;
        c->started_rt = now_usec(CLOCK_REALTIME);
        c->started_mono = now_usec(CLOCK_MONOTONIC);
        c->deadline = c->started_mono + (spec->timeout ? spec->timeout : 20 * USEC_PER_SEC);

        capture_store_names(c->started_rt, c->reason, c->name, c->partial);
        if (asprintf(&c->dir_path, "%s/%s", dir, c->service) < 0 ||
            asprintf(&c->path, "%s/%s", c->dir_path, c->name) < 0)
                return log_oom();

        r = mkdir_p(c->dir_path, 0700);
        if (r < 0)
                return log_error_errno(r, "Capture for '%s': cannot create %s: %m", c->service, c->dir_path);
        c->svc_dir_fd = open(c->dir_path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (c->svc_dir_fd < 0)
                return log_error_errno(errno, "Capture for '%s': cannot open %s: %m", c->service,
                                       c->dir_path);
        if (mkdirat(c->svc_dir_fd, c->partial, 0700) < 0)
                return log_error_errno(errno, "Capture for '%s': cannot create %s/%s: %m", c->service,
                                       c->dir_path, c->partial);
        c->dir_fd = openat(c->svc_dir_fd, c->partial, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (c->dir_fd < 0)
                return log_error_errno(errno, "Capture for '%s': cannot open %s: %m", c->service,
                                       c->partial);

        c->manifest_fd = capture_store_create_file(c->dir_fd, "manifest.json");
        for (off_t sz = MANIFEST_RESERVE_BYTES; c->manifest_fd >= 0 && sz >= 2048; sz /= 2)
                if (posix_fallocate(c->manifest_fd, 0, sz) == 0)
                        break;
        build_steps(c);
        r = sd_event_add_defer(e, &c->defer, on_defer, c);
        if (r >= 0)
                r = sd_event_add_time(e, &c->total_timer, CLOCK_MONOTONIC, c->deadline, USEC_PER_MSEC,
                                      on_total_timeout, c);
        if (r < 0)
                return log_error_errno(r, "Capture for '%s': cannot set up event sources: %m", c->service);
        (void) sd_event_source_set_description(c->defer, "capture-step");
        (void) sd_event_source_set_description(c->total_timer, "capture-timeout");
        /* the first step runs from the loop, so done() is never called from
         * inside capture_start() */
        (void) sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
        log_info("Capture %s/%s started (pid %d, %zu steps, timeout %llums).", c->service, c->name,
                 (int) spec->pid, c->n_steps,
                 (unsigned long long) ((c->deadline - c->started_mono) / USEC_PER_MSEC));
        *ret = TAKE_PTR(c);
        return 0;
}

Capture *capture_free(Capture *c) {
        if (!c)
                return NULL;
        if (!c->finished && c->dir_fd >= 0) {
                c->aborted = true;
                if (c->sigquit_running && c->spec.hooks->sigquit_cancel)
                        c->spec.hooks->sigquit_cancel(c->spec.hooks_userdata);
                c->sigquit_running = false;
                stop_step_sources(c);
                reap_child(c, true, NULL);
                c->attach = hotspot_attach_free(c->attach);
                c->out_fd = safe_close(c->out_fd);
                c->done = NULL;
                finish(c);
        }
        if (!c->restored && c->spec.hooks && c->spec.hooks->restore && c->dir_fd >= 0) {
                c->restored = true;
                c->spec.hooks->restore(c->spec.hooks_userdata);
        }
        stop_step_sources(c);
        reap_child(c, true, NULL);
        hotspot_attach_free(c->attach);
        sd_event_source_disable_unref(c->defer);
        sd_event_source_disable_unref(c->total_timer);
        safe_close(c->out_fd);
        safe_close(c->manifest_fd);
        safe_close(c->dir_fd);
        safe_close(c->svc_dir_fd);
        sd_event_unref(c->event);
        free(c->service);
        free(c->reason);
        free(c->cgroup);
        free(c->memory_dir);
        free(c->pids_dir);
        free(c->kernel_report);
        free(c->nmt_no_baseline);
        free(c->jvm_limits);
        free(c->limits_text);
        free(c->dir_path);
        free(c->path);
        free(c);
        return NULL;
}

/* Recovery's report: the daemon logs, the store does not. */
static void log_recovered(const char *service, const char *partial, const char *name, int error,
                          void *userdata) {
        if (error < 0) {
                log_warning_errno(error, "Capture %s/%s: cannot finish this interrupted capture: %m",
                                  service, partial);
                return;
        }
        log_notice("Capture %s/%s: finished a capture interrupted when cgwarden stopped (complete: false).",
                   service, name);
}

int capture_recover(const char *dir) {
        return capture_store_recover(dir, log_recovered, NULL);
}
