/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/macro.h"
#include "watched/watched.h"

/* Until a JVM is found (or jvm_match's process), the cgroup is looked at
 * again after SCAN_FIRST, doubling:
 *   empty, where the kernel tells when a process joins (v2 cgroup.events,
 *   v1 a write to cgroup.procs or tasks: cg_service_join_paths()): up to
 *   SCAN_QUIET, then only on that event (10 000 empty v1 cgroups looked at
 *   every 2 s cost 11 % of a core: tests/bench/watch-scale);
 *   empty, where it does not (the paths could not be watched): up to
 *   SCAN_MAX_UNNOTIFIED, so that a process started in a cgroup that was
 *   empty for long is seen within it;
 *   with a main process that is not a JVM (a shell that may exec one, a
 *   program that may start one): up to SCAN_MAX_OTHER. Its exit, and the
 *   population's change, bring a look at once. */
#define SCAN_FIRST (100 * USEC_PER_MSEC)
#define SCAN_QUIET (2 * USEC_PER_SEC)
#define SCAN_MAX_UNNOTIFIED (2 * USEC_PER_SEC)
#define SCAN_MAX_OTHER (5 * USEC_PER_MINUTE)

struct Watched {
        const WatchedContext *ctx;
        /* a shallow copy of the section's keys under this cgroup's name:
         * its pointers are the section's, which outlives this */
        ServiceConfig cfg;
        char *name, *path;
        WatchedKind kind;
        CgService *cg;
        CgLimits limits; /* the cgroup's own, read when it was opened */
        Guard *guard;
        regex_t jvm_re;
        bool have_re;

        MainProcess main;
        uint64_t incarnation; /* main processes seen so far */
        usec_t started_at; /* CLOCK_MONOTONIC */
        int pidfd;
        sd_event_source *pid_source; /* the main process exits */
        sd_event_source *scan_timer;
        usec_t scan_delay;
        bool join_notified; /* its owner tells when a process may have joined (watched_joined()) */
        bool gone;

        watched_capture_done_t capture_done;
        void *capture_done_userdata;
        UnitCtl *unit; /* a unit's: systemd restarts and stops it */
};

void watched_set_unit(Watched *w, UnitCtl *u) {
        w->unit = u;
}

const char *watched_name(const Watched *w) {
        return w->name;
}
const char *watched_path(const Watched *w) {
        return w->path;
}
WatchedKind watched_kind(const Watched *w) {
        return w->kind;
}
const ServiceConfig *watched_section(const Watched *w) {
        return &w->cfg;
}
bool watched_capturing(const Watched *w) {
        return w->guard && w->guard->capture;
}
bool watched_gone(const Watched *w) {
        return w->gone;
}

/* ---- what the guard asks (guard.h) ---- */

static void guard_describe(void *owner, GuardProcess *ret) {
        Watched *w = owner;

        *ret = (GuardProcess){
                .pid = w->main.pid,
                .incarnation = w->incarnation,
                .started_at = w->started_at,
                .exe = w->main.exe[0] ? w->main.exe : NULL,
                .uid = w->main.uid,
        };
}

static int refuse(const Watched *w) {
        log_warning("Watch '%s': cgwarden does not restart or stop %s %s: whoever started it does.", w->name,
                    watched_kind_to_string(w->kind), w->path);
        return -EOPNOTSUPP;
}

static int guard_restart(void *owner) {
        Watched *w = owner;
        return w->unit ? unit_ctl_restart(w->unit) : refuse(w);
}

static int guard_stop(void *owner) {
        Watched *w = owner;
        return w->unit ? unit_ctl_stop(w->unit) : refuse(w);
}

static int guard_kill(void *owner) {
        Watched *w = owner;

        log_notice("Watch '%s': killing every process of cgroup %s.", w->name, w->path);
        return cg_service_kill_all(w->cg);
}

static bool guard_may_write(void *owner) {
        Watched *w = owner;
        return w->cfg.may_write;
}

static void guard_changed(void *owner) {
        Watched *w = owner;

        if (w->ctx->changed)
                w->ctx->changed(w->ctx->userdata);
}

static const GuardOwnerOps guard_ops = {
        .describe = guard_describe,
        .restart = guard_restart,
        .stop = guard_stop,
        .kill = guard_kill,
        .may_write = guard_may_write,
        .changed = guard_changed,
};

/* ---- the main process ---- */

static void rescan(Watched *w);

static int on_main_exit(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Watched *w = userdata;

        w->scan_delay = SCAN_FIRST;
        rescan(w);
        return 0;
}

static int on_scan_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        rescan(userdata);
        return 0;
}

void watched_joined(Watched *w) {
        w->scan_delay = SCAN_FIRST;
        rescan(w);
}

void watched_set_join_notified(Watched *w, bool b) {
        w->join_notified = b;
}

int watched_join_paths(Watched *w, char *ret[static 3]) {
        return cg_service_join_paths(w->cg, ret);
}

/* CLOCK_MONOTONIC of a process's start, from its starttime (clock ticks
 * after boot, CLOCK_BOOTTIME). */
static usec_t started_at_from_ticks(uint64_t ticks) {
        long hz = sysconf(_SC_CLK_TCK);
        usec_t now_mono = now_usec(CLOCK_MONOTONIC), now_boot = now_usec(CLOCK_BOOTTIME), start, up;

        if (hz <= 0)
                return now_mono;
        start = (usec_t) (ticks * USEC_PER_SEC / (uint64_t) hz);
        up = now_boot > start ? now_boot - start : 0;
        return now_mono > up ? now_mono - up : 0;
}

static bool main_is_final(const Watched *w) {
        /* a JVM, or what jvm_match names: no need to look for a better one */
        return w->main.pid > 0 && (w->have_re || w->main.java);
}

static void scan_schedule(Watched *w) {
        if (w->gone || main_is_final(w) ||
            (w->main.pid <= 0 && w->join_notified && w->scan_delay > SCAN_QUIET)) {
                if (w->scan_timer)
                        (void) sd_event_source_set_enabled(w->scan_timer, SD_EVENT_OFF);
                return;
        }
        if (!w->scan_timer) {
                if (sd_event_add_time_relative(w->ctx->event, &w->scan_timer, CLOCK_MONOTONIC, w->scan_delay,
                                               w->scan_delay / 10, on_scan_timer, w) < 0)
                        return;
                (void) sd_event_source_set_description(w->scan_timer, "watched-scan");
        } else {
                (void) sd_event_source_set_time_relative(w->scan_timer, w->scan_delay);
                (void) sd_event_source_set_time_accuracy(w->scan_timer, w->scan_delay / 10);
                (void) sd_event_source_set_enabled(w->scan_timer, SD_EVENT_ONESHOT);
        }
        w->scan_delay = MIN(w->scan_delay * 2, w->main.pid > 0    ? SCAN_MAX_OTHER
                                               : w->join_notified ? SCAN_QUIET * 2
                                                                  : SCAN_MAX_UNNOTIFIED);
}

static void main_forget(Watched *w) {
        w->pid_source = sd_event_source_disable_unref(w->pid_source);
        w->pidfd = safe_close(w->pidfd);
}

/* Still running? (its pidfd is readable once it has exited) A shell
 * found before it forks is replaced by its larger child, and is not gone. */
static bool main_alive(const Watched *w) {
        struct pollfd p = { .fd = w->pidfd, .events = POLLIN };

        return w->pidfd >= 0 && poll(&p, 1, 0) == 0;
}

/* Look at the cgroup's processes; tell the guard when the main process
 * changed. Never called from inside a guard's call. */
static void rescan(Watched *w) {
        MainProcess m;
        int r;

        if (w->gone)
                return;
        /* the common look: one process, the same as before (without
         * jvm_match, whose command line may change under the same comm) */
        if (!w->have_re && w->main.pid > 0 && main_process_same(w->cg, &w->main) > 0) {
                scan_schedule(w);
                return;
        }
        r = main_process_find(w->cg, w->have_re ? &w->jvm_re : NULL, &m);
        if (r < 0) {
                if (r != -ENOENT)
                        log_debug_errno(r, "Watch '%s': cannot read the processes of %s: %m", w->name,
                                        w->path);
                scan_schedule(w);
                return;
        }
        /* the same process running the same program (a shell that execs
         * java keeps its pid and start time, and changes its comm) */
        if (m.pid == w->main.pid && m.start_ticks == w->main.start_ticks && streq(m.comm, w->main.comm)) {
                scan_schedule(w);
                return;
        }
        if (w->main.pid > 0) {
                if (m.pid == w->main.pid && m.start_ticks == w->main.start_ticks)
                        log_info("Watch '%s': process %d (%s) now runs %s.", w->name, (int) m.pid,
                                 w->main.comm, m.comm);
                else if (main_alive(w))
                        log_info("Watch '%s': process %d (%s) is not the main process any more, %d (%s) is.",
                                 w->name, (int) w->main.pid, w->main.comm, (int) m.pid, m.comm);
                else
                        log_info("Watch '%s': process %d (%s) is gone from %s.", w->name, (int) w->main.pid,
                                 w->main.comm, w->path);
                main_forget(w);
                w->main = (MainProcess){};
                guard_stopped(w->guard);
        }
        if (m.pid > 0) {
                w->main = m;
                w->incarnation++;
                w->started_at = started_at_from_ticks(m.start_ticks);
                w->pidfd = (int) syscall(SYS_pidfd_open, m.pid, 0);
                if (w->pidfd >= 0 &&
                    sd_event_add_io(w->ctx->event, &w->pid_source, w->pidfd, EPOLLIN, on_main_exit, w) >= 0)
                        (void) sd_event_source_set_description(w->pid_source, "watched-main");
                log_info("Watch '%s': %s process %d (%s, uid %u) in %s.", w->name,
                         m.java ? "the JVM is" : "the main process is", (int) m.pid, m.comm,
                         (unsigned) m.uid, w->path);
                w->scan_delay = SCAN_FIRST;
                guard_started(w->guard);
        }
        scan_schedule(w);
        if (w->ctx->changed)
                w->ctx->changed(w->ctx->userdata);
}

/* ---- life ---- */

int watched_new(const WatchedContext *ctx, const ServiceConfig *section, const char *name, const char *path,
                WatchedKind kind, Watched **ret) {
        Watched *w;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->ctx = ctx;
        w->pidfd = -EBADF;
        w->kind = kind;
        w->scan_delay = SCAN_FIRST;
        w->name = strdup(name);
        w->path = strdup(path);
        if (!w->name || !w->path) {
                r = -ENOMEM;
                goto fail;
        }
        w->cfg = *section;
        w->cfg.name = w->name;
        if (section->jvm_match) {
                if (regcomp(&w->jvm_re, section->jvm_match, REG_EXTENDED | REG_NOSUB) != 0) {
                        r = -EINVAL; /* checked when the configuration was read */
                        goto fail;
                }
                w->have_re = true;
        }
        r = cg_service_open(ctx->cg, name, path, &w->cg);
        if (r < 0)
                goto fail;
        w->limits = CG_LIMITS_NONE;
        (void) cg_service_get_limits(w->cg, &w->limits);
        w->limits.oom_pause = false; /* not ours to hold */

        r = guard_new(
                &(GuardSpec){
                        .event = ctx->event,
                        .cg_context = ctx->cg,
                        .cg = w->cg,
                        .cfg = &w->cfg,
                        .limits = &w->limits,
                        .capture_dir = ctx->config ? ctx->config->capture_dir : NULL,
                        .host_budget = ctx->config ? &ctx->config->capture_budget : NULL,
                        .host_ledger = ctx->host_ledger,
                        .host_heap_budget = ctx->config ? &ctx->config->heap_dump_budget : NULL,
                        .host_heap_ledger = ctx->host_heap_ledger,
                        /* a fleet agent watches thousands: far from the
                         * limits, where the kernel tells of a climb or the
                         * cgroup is idle, every idle_sample_interval
                         * (watch.h) */
                        .idle_interval = w->cfg.idle_sample_interval,
                },
                &guard_ops, w, &w->guard);
        if (r < 0)
                goto fail;

        log_info("Watch '%s': guarding %s %s%s.", w->name, watched_kind_to_string(kind), path,
                 w->cfg.may_write ? " (may write its limits)" : "");
        rescan(w);
        *ret = w;
        return 0;
fail:
        watched_free(w);
        return r;
}

Watched *watched_free(Watched *w) {
        if (!w)
                return NULL;
        if (w->capture_done) {
                watched_capture_done_t done = w->capture_done;
                w->capture_done = NULL;
                done(w->capture_done_userdata, w, NULL, false);
        }
        w->guard = guard_free(w->guard);
        main_forget(w);
        w->scan_timer = sd_event_source_disable_unref(w->scan_timer);
        cg_service_free(w->cg);
        if (w->have_re)
                regfree(&w->jvm_re);
        free(w->name);
        free(w->path);
        free(w);
        return NULL;
}

void watched_set_gone(Watched *w) {
        if (w->gone)
                return;
        w->gone = true;
        log_info("Watch '%s': cgroup %s is gone%s.", w->name, w->path,
                 watched_capturing(w) ? "; the running capture ends with what it could read" : "");
        w->scan_timer = sd_event_source_disable_unref(w->scan_timer);
        if (w->main.pid > 0) {
                main_forget(w);
                w->main = (MainProcess){};
                guard_stopped(w->guard);
        }
}

/* ---- status and requests ---- */

void watched_get_status(const Watched *w, ServiceStatus *st) {
        usec_t now = now_usec(CLOCK_MONOTONIC);

        status_init(st, w->name);
        snprintf(st->state, sizeof st->state, "%s",
                 w->gone           ? "gone"
                 : w->main.pid > 0 ? "running"
                                   : "empty");
        snprintf(st->kind, sizeof st->kind, "%s", watched_kind_to_string(w->kind));
        snprintf(st->cgroup, sizeof st->cgroup, "%.255s", w->path);
        st->pid = w->main.pid;
        st->uptime = w->main.pid > 0 && now > w->started_at ? now - w->started_at : 0;
        st->memory_high = w->limits.memory_high;
        st->memory_max = w->limits.memory_max;
        st->pids_max = w->limits.pids_max;
        status_fill_guard(w->guard, w->main.pid > 0, st);
}

static void on_capture_done(void *userdata, const char *path, bool complete) {
        Watched *w = userdata;
        watched_capture_done_t done = w->capture_done;

        w->capture_done = NULL;
        if (done)
                done(w->capture_done_userdata, w, path, complete);
}

int watched_capture(Watched *w, const char *what, watched_capture_done_t done, void *userdata) {
        int r;

        if (w->gone || w->main.pid <= 0)
                return -ESRCH;
        if (w->capture_done)
                return -EBUSY;
        r = guard_capture(w->guard, "manual", what, on_capture_done, w);
        if (r < 0)
                return r;
        w->capture_done = done;
        w->capture_done_userdata = userdata;
        return 0;
}
