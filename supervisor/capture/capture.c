/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture/capture-internal.h"
#include "capture/hotspot.h"
#include "capture/store.h"
#include "base/fs-util.h"
#include "base/log.h"

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
        capture_helper_reap(c, false, &st);
        if (WIFEXITED(st) && WEXITSTATUS(st) == CAPTURE_HELPER_EXIT_SKIPPED)
                s->skipped = true;
        if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
                step_finished(c, true, NULL);
        else
                step_finished(c, false,
                              c->child_msg[0]   ? c->child_msg
                              : WIFSIGNALED(st) ? strsignal(WTERMSIG(st))
                                                : "the helper failed");
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
        capture_helper_reap(c, true, NULL);
        snprintf(msg, sizeof msg, "timed out after %llums",
                 (unsigned long long) ((now_usec(CLOCK_MONOTONIC) - c->step_start) / USEC_PER_MSEC));
        step_finished(c, false, msg);
        return 0;
}

static usec_t step_deadline(Capture *c, usec_t cap) {
        usec_t now = now_usec(CLOCK_MONOTONIC);
        return MIN(now + cap, c->deadline);
}

/* Start c->steps[c->cur]. Returns true when it runs asynchronously, false
 * when it already finished (step_finished() was called). */
static bool start_step(Capture *c) {
        Step *s = &c->steps[c->cur];
        char err[256] = "";
        int r;

        c->step_start = now_usec(CLOCK_MONOTONIC);
        s->run = true;
        if (s->when_heap_grew && !capture_heap_grew(c, s->error, sizeof s->error))
                s->skipped = true;
        if (s->kind == STEP_INLINE && s->inl == IF_HISTOGRAM_DIFF && c->cur > 0 &&
            !c->steps[c->cur - 1].ok) {
                s->skipped = true;
                snprintf(s->error, sizeof s->error, "no histogram in this capture");
        }
        if (s->kind == STEP_PROC && s->proc == PF_HEAP_MOVE && c->cur > 0 && !c->steps[c->cur - 1].ok) {
                s->skipped = true;
                snprintf(s->error, sizeof s->error, "no heap dump in this capture");
        }
        if (s->heap_dump && !s->skipped && !c->not_jvm && !c->jvm_skip[0]) {
                r = capture_heap_dump_prepare(c, s, s->error, sizeof s->error);
                if (r > 0)
                        s->skipped = true;
                else if (r < 0) {
                        step_finished(c, false, s->error);
                        return false;
                }
        }
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
                r = capture_step_write_inline(c, s, err, sizeof err);
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
        /* a JVM item without a file (the heap dump's answer) */
        c->out_fd = s->file ? capture_store_create_file(c->dir_fd, s->file)
                            : memfd_create("jvm-answer", MFD_CLOEXEC);
        if (c->out_fd < 0 && !s->file)
                c->out_fd = -errno;
        if (c->out_fd < 0) {
                snprintf(err, sizeof err, "creating %s: %s", s->file, strerror(-c->out_fd));
                c->out_fd = -1;
                step_finished(c, false, err);
                return false;
        }
        if (s->kind == STEP_PROC) {
                r = capture_helper_start(c, s);
                if (r >= 0)
                        r = sd_event_add_io(c->event, &c->io, c->child_fd, EPOLLIN, on_child_io, c);
        } else {
                /* the dump: as long as the capture may take */
                r = hotspot_attach_start(c->spec.pid, s->jvm_argv, c->out_fd,
                                         (s->heap_dump ? c->deadline : step_deadline(c, ITEM_JVM_USEC)) -
                                                 c->step_start,
                                         ITEM_JVM_MAX_BYTES, &c->attach);
                if (r >= 0)
                        r = sd_event_add_io(c->event, &c->io, hotspot_attach_get_fd(c->attach), EPOLLIN,
                                            on_attach_io, c);
        }
        if (r >= 0)
                r = sd_event_add_time(
                        c->event, &c->step_timer, CLOCK_MONOTONIC,
                        s->kind == STEP_PROC
                                ? (s->proc == PF_HEAP_MOVE ? c->deadline : step_deadline(c, ITEM_PROC_USEC))
                                : hotspot_attach_get_deadline(c->attach),
                        USEC_PER_MSEC, on_step_timeout, c);
        if (r < 0) {
                stop_step_sources(c);
                capture_helper_reap(c, true, NULL);
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
        if (ok && s->nmt_detail && c->out_fd >= 0)
                capture_nmt_detail_finish(c, s);
        c->out_fd = safe_close(c->out_fd);
        if (s->kind == STEP_PROC && s->proc == PF_HEAP_MOVE)
                capture_heap_dump_cleanup(c);
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
        capture_heap_dump_cleanup(c);
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
                capture_helper_reap(c, true, NULL);
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

/* The baseline histogram, parsed once (a failure only leaves the diff
 * out). */
static void histogram_baseline_read(Capture *c, int fd) {
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t n;

        if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > (off_t) ITEM_JVM_MAX_BYTES)
                return;
        buf = malloc((size_t) st.st_size);
        if (!buf)
                return;
        n = pread(fd, buf, (size_t) st.st_size, 0);
        if (n > 0 && histogram_parse(buf, (size_t) n, &c->hist_base) < 0)
                c->hist_base = (Histogram){};
}

int capture_start(sd_event *e, const char *dir, const CaptureSpec *spec, capture_done_t done, void *userdata,
                  Capture **ret) {
        _cleanup_(capture_freep) Capture *c = NULL;
        int r;

        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom();
        c->svc_dir_fd = c->dir_fd = c->out_fd = c->child_fd = c->manifest_fd = -1;
        c->heap_tmp_fd = c->heap_dir_fd = -1;
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
        if (spec->n_map_base > 0 && (c->map_base = calloc(spec->n_map_base, sizeof *c->map_base))) {
                memcpy(c->map_base, spec->map_base, spec->n_map_base * sizeof *c->map_base);
                c->n_map_base = spec->n_map_base;
        }
        c->spec.map_base = NULL;
        if (spec->pid > 0 && spec->histogram_baseline)
                histogram_baseline_read(c, spec->histogram_baseline_fd);
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
        capture_steps_build(c);
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
        /* I/O in a destructor: a capture freed while it runs is finished
         * here (manifest.json says "aborted", the rename, retention), as
         * capture.h promises and guard_free() relies on when a service
         * goes away mid-capture. Moving it out of the free function needs
         * a capture_abort() that the callers call first. */
        if (!c->finished && c->dir_fd >= 0) {
                c->aborted = true;
                if (c->sigquit_running && c->spec.hooks->sigquit_cancel)
                        c->spec.hooks->sigquit_cancel(c->spec.hooks_userdata);
                c->sigquit_running = false;
                stop_step_sources(c);
                capture_helper_reap(c, true, NULL);
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
        capture_helper_reap(c, true, NULL);
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
        histogram_done(&c->hist_base);
        capture_heap_dump_cleanup(c);
        free(c->map_base);
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
