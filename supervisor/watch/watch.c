/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <time.h>

#include "base/log.h"
#include "base/procfs.h"
#include "base/units.h"
#include "cgroup/cgroup.h"
#include "cgroup/cgstat.h"
#include "watch/history.h"
#include "watch/trend.h"
#include "base/units.h"
#include "watch/oom-report.h"
#include "base/fdset.h"
#include "watch/sampler.h"
#include "watch/watch.h"

typedef enum WatchFile {
        WF_MEMORY, /* CG_FILE_MEMORY_USAGE */
        WF_PIDS, /* CG_FILE_PIDS_CURRENT */
        WF_FAILCNT, /* CG_FILE_MEMORY_FAILCNT */
        WF_STAT, /* CG_FILE_MEMORY_STAT */
        WF_STATUS, /* /proc/MAINPID/status */
        _WF_MAX,
} WatchFile;

struct Watch {
        WatchSpec spec;
        const ServiceConfig *cfg; /* spec.cfg */
        WatchCallbacks cb;
        void *userdata;
        pid_t main_pid; /* of the run; 0 when none */
        uid_t uid;
        /* what the kernel offers (cgroup.h) */
        bool events_notify, psi_ok, oom_pause_ok, threshold_ok, failcnt_ok, high_ok;
        EffectiveLimits eff;
        uint64_t capture_bytes; /* capture_at against the effective limit */
        uint64_t pids_capture; /* pids_capture_at against the effective task limit */

        /* the next sample: on the shared sampler far from the limits, on a
         * timer of its own (made at first use) near them */
        Sampler *sampler;
        SamplerEntry sampler_entry;
        sd_event_source *sample;
        usec_t interval;
        /* the sampled files, kept open and read with pread(): opening a
         * file under a long cgroup path by name costs more than reading
         * it (bench/watch-cost). -1 until first use; reopened on error. */
        int fd[_WF_MAX];
        unsigned absent; /* 1 << WatchFile: the cgroup has no such file (a v1 hierarchy without
                          * it): not looked for again until the next start */
        pid_t status_pid; /* whose /proc/PID/status fd[WF_STATUS] is */
        unsigned n_samples;
        uint64_t memory_current, pids_current;
        uint64_t failcnt; /* v1 memory.failcnt */
        bool failcnt_known; /* failcnt read at the last sample (far from the limits it is not) */
        /* from the last full sample (memory.stat, /proc/PID/status), and
         * the usage then */
        uint64_t full_memory;
        uint64_t last_anon, last_rss;
        uint32_t last_threads;
        /* the JVM's heap and old generation, from its owner's last read of
         * the hsperfdata (HISTORY_UNKNOWN: none) */
        uint64_t jvm_heap_used, jvm_old_used;
        uint64_t prev_memory, prev_pids;
        usec_t prev_t;
        usec_t pids_read_at; /* when pids.current was last read (pids_due()) */

        /* the last 10 minutes (for captures and status), and the floors
         * of memory over a short window (ETA) and over leak_window */
        History *history;
        TrendWindow *short_trend;
        TrendWindow *long_trend;
        usec_t leak_raised_at; /* at most one leak-trend per leak_window */
        uint64_t short_seen, long_seen; /* trend_window_minima_changed() at the last estimate */
        double slope_bps; /* short-window growth, bytes/s (0: unknown) */

        /* raised once per episode, re-armed when usage falls back */
        bool pre_oom_raised;
        uint64_t pre_oom_bytes; /* usage when it was raised */
        bool pids_limit_raised;

        /* last counters, to see increments */
        uint64_t ev_high, ev_max, ev_oom_kill, pids_ev_max;

        sd_event_source *mem_events; /* v2 inotify on memory.events */
        sd_event_source *pids_events; /* inotify on pids.events (v2, v1 where present) */
        /* v1's eventfds, in the loop's FdSet (base/fdset.h): an sd-event
         * source each cost ~300 bytes a service */
        FdSet *fdset;
        FdSetEntry v1_threshold; /* eventfd */
        CgPending *threshold_pending; /* its registration, until the worker is done */
        uint64_t threshold_bytes; /* what v1_threshold is registered at */
        bool threshold_failed; /* the kernel refused threshold_bytes (a read-only cgroupfs): not again */
        FdSetEntry v1_oom; /* eventfd */
        sd_event_source *oom_pause; /* v1: oom_pause_max timer */
        sd_event_source *psi; /* v2: PSI trigger on memory.pressure */
        usec_t psi_last;
        bool tripwire; /* the soft limit placed at capture_at (the service has none) */
        bool paused; /* tasks held at the limit (OOM pause) */
        bool held; /* a capture took over from the oom_pause_max timer */
        char *kernel_report; /* the kernel's whole report of the last oom-kill, NULL when unread */
        char *kernel_killed; /* its "Killed process" line */
};

static const char *const message_ids[_EVENT_TYPE_MAX] = {
        [EVENT_PRE_OOM] = "a046e2d49d924883a37020a55a4b5096",
        [EVENT_OOM_KILL] = "7bd6eb0938394ca48b4abee3d8426ed8",
        [EVENT_PIDS_LIMIT] = "7cd396476be14ec7a8b720c3c812a164",
        [EVENT_PIDS_MAX] = "8dcf352bacdd48659997bbeae3532bcf",
        [EVENT_LEAK_TREND] = "a938168c674e4c629a64daf983f0cba5",
        [EVENT_LOG_TRIGGER] = "0c2b1f3e9a4d4c6f8e7d5b3a1f0e9d8c",
        [EVENT_HANG] = "5e1d7c3b9a8f4e2d6c0b1a9f8e7d6c5b",
        [EVENT_HEAP_LEAK] = "b7c2e94f0d8a4e51a3f6c1d09e2b7a48",
        [EVENT_GC_OVERHEAD] = "c4d1a8e27f3b4c9d8e05b6a1f2c3d4e5",
};

const char *watch_message_id(EventType e) {
        return e >= 0 && e < _EVENT_TYPE_MAX ? message_ids[e] : NULL;
}

static usec_t now_mono(void) {
        return now_usec(CLOCK_MONOTONIC);
}

/* ---- observations ---- */

static void observe(Watch *w, EventType type, const char *what, usec_t eta) {
        Observation o = {
                .type = type,
                .trigger = {
                        .memory_current = w->memory_current,
                        .memory_max = w->eff.memory.value,
                        .pids_current = w->pids_current,
                        .pids_max = w->eff.pids.value,
                        .eta = eta,
                },
                .limits = &w->eff,
                .kernel_report = type == EVENT_OOM_KILL ? w->kernel_report : NULL,
                .kernel_killed = type == EVENT_OOM_KILL ? w->kernel_killed : NULL,
        };

        snprintf(o.trigger.what, sizeof o.trigger.what, "%s", what);
        if (w->cb.observe)
                w->cb.observe(w->userdata, &o);
}

/* Before an oom-kill observation: what the kernel said about it, if
 * /dev/kmsg is readable (root, or dmesg_restrict=0). */
static void report_kernel_oom(Watch *w) {
        w->kernel_report = mfree(w->kernel_report);
        w->kernel_killed = mfree(w->kernel_killed);
        (void) oom_report_read_kmsg(cg_service_path(w->spec.cg), &w->kernel_report, &w->kernel_killed);
}

/* Time to the effective limit: from the robust short-window trend once it
 * has enough buckets (GC sawtooth does not fool it), else from the last
 * two samples (a fast leak must not wait 20 s for a trend). */
static usec_t eta_now(Watch *w, usec_t now) {
        uint64_t lim = w->eff.memory.value;
        double rate;

        if (w->slope_bps > 0)
                return trend_eta(w->memory_current, lim, w->slope_bps);
        if (w->prev_t == 0 || now <= w->prev_t || w->memory_current <= w->prev_memory || lim == UINT64_MAX)
                return USEC_INFINITY;
        if (w->memory_current >= lim)
                return 0;
        rate = (double) (w->memory_current - w->prev_memory) / (double) (now - w->prev_t);
        return (usec_t) ((double) (lim - w->memory_current) / rate);
}

/* ---- sampling ---- */

static void wf_close(Watch *w, WatchFile f) {
        if (w->fd[f] >= 0)
                (void) close(w->fd[f]);
        w->fd[f] = -1;
}

static int wf_open(Watch *w, WatchFile f) {
        static const CgFile files[] = {
                [WF_MEMORY] = CG_FILE_MEMORY_USAGE,
                [WF_PIDS] = CG_FILE_PIDS_CURRENT,
                [WF_FAILCNT] = CG_FILE_MEMORY_FAILCNT,
                [WF_STAT] = CG_FILE_MEMORY_STAT,
        };
        int fd;

        if (f == WF_STATUS) {
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/status", (int) w->main_pid);
                w->status_pid = w->main_pid;
                w->fd[f] = open(path, O_RDONLY | O_CLOEXEC);
                return w->fd[f] < 0 ? -errno : 0;
        }
        if (w->absent & (1u << f))
                return -ENOENT;
        fd = cg_service_open_file(w->spec.cg, files[f]);
        if (fd == -ENOENT || fd == -ENODEV || fd == -EOPNOTSUPP)
                w->absent |= 1u << f;
        if (fd < 0)
                return fd;
        w->fd[f] = fd;
        return 0;
}

/* Read a sampled file into buf (NUL-terminated). Returns the length or
 * -errno. A failed read closes the fd, so the next call reopens it (the
 * cgroup may have been recreated, the process replaced). */
static ssize_t wf_read(Watch *w, WatchFile f, char *buf, size_t size) {
        ssize_t n;
        int r;

        if (f == WF_STATUS && w->fd[f] >= 0 && w->status_pid != w->main_pid)
                wf_close(w, f);
        if (w->fd[f] < 0) {
                if (f == WF_STATUS && w->main_pid <= 0)
                        return -ESRCH;
                r = wf_open(w, f);
                if (r < 0)
                        return r;
        }
        n = pread(w->fd[f], buf, size - 1, 0);
        if (n < 0) {
                r = -errno;
                wf_close(w, f);
                return r;
        }
        buf[n] = 0;
        return n;
}

static void wf_close_all(Watch *w) {
        for (WatchFile f = 0; f < _WF_MAX; f++)
                wf_close(w, f);
}

static bool far_from_limits(const Watch *w);

/* The slow reads (memory.stat, /proc status: 8-9 us each here, against
 * 0.8 us for the usage) are for the history, not for the thresholds: near
 * a limit every sample, far from all of them (far_from_limits()) every
 * 30th sample, else every 5th sample; and whenever the usage moved
 * by more than 1/16 since the last ones, so that a growing service's anon,
 * RSS and threads in the history are never those of a smaller one. */
static bool full_sample(Watch *w) {
        usec_t every = 5;
        uint64_t was = w->full_memory, moved;

        if (w->interval < w->cfg->sample_interval)
                return true;
        moved = w->memory_current > was ? w->memory_current - was : was - w->memory_current;
        if (moved > MAX(was / 16, (uint64_t) 1 << 20))
                return true;
        /* far from all of them every 30th sample: 30 s at sample_interval,
         * 150 s for a watched guard at idle_sample_interval (5 s), whose
         * full reads would otherwise cost as much as at 1 s sampling */
        if (far_from_limits(w))
                every = 30;
        return w->n_samples % every == 0;
}

/* The costly per-sample reads (memory.stat, /proc status): done after the
 * thresholds are checked, so they never delay an observation. */
static void record_history(Watch *w, usec_t now) {
        char buf[8192];
        ssize_t n;

        if (!w->history)
                return;
        if (full_sample(w)) {
                CgMemStat ms;
                ProcStatus ps;

                w->full_memory = w->memory_current;
                /* anon from the cgroup; RSS and threads of the main process */
                n = wf_read(w, WF_STAT, buf, sizeof buf);
                if (n >= 0 && cg_service_memory_stat_parse(w->spec.cg, buf, (size_t) n, &ms) >= 0 &&
                    ms.anon != CGSTAT_UNKNOWN)
                        w->last_anon = ms.anon;
                n = wf_read(w, WF_STATUS, buf, sizeof buf);
                if (n >= 0 && procfs_status_parse_buf(buf, (size_t) n, &ps) >= 0) {
                        w->last_rss = ps.vm_rss;
                        w->last_threads = ps.threads;
                }
        }
        (void) history_add(w->history,
                           &(HistSample){
                                   .t = now,
                                   .memory_current = w->memory_current,
                                   .pids = (uint32_t) MIN(w->pids_current, (uint64_t) UINT32_MAX),
                                   .anon = w->last_anon,
                                   .rss = w->last_rss,
                                   .threads = w->last_threads,
                                   .heap_used = w->jvm_heap_used,
                                   .old_used = w->jvm_old_used,
                           });
}

static void update_trends(Watch *w, usec_t now) {
        const ServiceConfig *c = w->cfg;
        TrendResult r;

        /* estimated again only when the minima moved (trend.h). A new
         * 5 s bucket counts as a move, so an idle cgroup still paid one
         * Theil-Sen every 5 s, at every sample when stretched: far from
         * the limits the slope is not used (eta_now() matters from half of
         * capture_at on), so it is estimated when it is (the first sample
         * nearer, or watch_get_sample()) */
        if (w->short_trend && trend_window_add(w->short_trend, now, w->memory_current) >= 0 &&
            trend_window_minima_changed(w->short_trend) != w->short_seen && !far_from_limits(w)) {
                w->short_seen = trend_window_minima_changed(w->short_trend);
                w->slope_bps = trend_window_estimate(w->short_trend, &r) >= 0 ? r.slope_bps : 0;
        }
        if (w->long_trend && trend_window_add(w->long_trend, now, w->memory_current) >= 0 &&
            trend_window_minima_changed(w->long_trend) != w->long_seen &&
            (w->long_seen = trend_window_minima_changed(w->long_trend), true) &&
            trend_window_estimate(w->long_trend, &r) >= 0 &&
            trend_is_leak(&r, c->leak_window, (double) c->leak_min_slope) &&
            (w->leak_raised_at == 0 || now - w->leak_raised_at >= c->leak_window)) {
                char what[160], rate[UNIT_SIZE_MAX];
                unit_format_size_short(rate, (uint64_t) (r.slope_bps * 3600));
                snprintf(what, sizeof what,
                         "memory grows steadily: %s/h over the last %.0fs (slope %.0f B/s, steadiness %.2f)",
                         rate, (double) r.span_usec / USEC_PER_SEC, r.slope_bps, r.steadiness);
                w->leak_raised_at = now;
                observe(w, EVENT_LEAK_TREND, what,
                        trend_eta(w->memory_current, w->eff.memory.value, r.slope_bps));
        }
}

/* A soft memory limit (v2 memory.high) and none configured (memory_high =
 * none): nothing but sampling would see usage cross capture_at, and a leak of 400 MB/s
 * crosses capture_at and memory.max between two samples (measured: 0 of 5
 * captured). memory.high at capture_at is a tripwire: the task that
 * crosses it bumps memory.events "high" (an inotify wake-up) and the
 * kernel throttles it from there. It is lifted as the pre-oom is raised
 * (the capture clamps and restores memory.high itself), so it never
 * throttles longer than it takes to see it, and set again when the
 * episode ends. */
static void tripwire_set(Watch *w, bool arm) {
        const CgLimits *l = w->spec.limits;
        uint64_t v = arm ? w->capture_bytes : l->memory_high;
        char vb[32];
        int r;

        if (arm == w->tripwire)
                return;
        if (arm &&
            (!w->high_ok || !w->spec.may_write || l->memory_high != CG_UNLIMITED ||
             w->capture_bytes == UINT64_MAX || w->capture_bytes >= w->eff.memory.value || w->main_pid <= 0))
                return;
        r = cg_service_set(w->spec.cg, CG_KNOB_MEMORY_HIGH, v);
        if (v == CG_UNLIMITED)
                snprintf(vb, sizeof vb, "max");
        else
                snprintf(vb, sizeof vb, "%" PRIu64, v);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot %s the capture_at tripwire (%s): %m",
                                  w->cfg->name, arm ? "set" : "lift",
                                  "memory.high"); /* layer-ok: log text */
                return;
        }
        w->tripwire = arm;
        /* once per start and per episode: no flood */
        log_info("Service '%s': capture_at tripwire %s (%s %s).", w->cfg->name,
                 arm ? "set" : "lifted, the pre-oom is seen", "memory.high", vb); /* layer-ok: log text */
}

static void raise_pre_oom(Watch *w, const char *what, usec_t eta) {
        tripwire_set(w, false);
        w->pre_oom_raised = true;
        w->pre_oom_bytes = w->memory_current;
        observe(w, EVENT_PRE_OOM, what, eta);
}

static void read_pids_events(Watch *w, bool report);

/* Closer to a limit, look more often: 100 ms from half of capture_at on.
 * Tasks have no threshold notification (memory has memory.high and the v1
 * eventfd), and a thread leak can cross the band between pids_capture_at
 * and pids.max in a second: when the last step's rate would reach
 * pids_capture_at within two intervals, the next sample comes at half the
 * projected time, down to 10 ms, so the band is seen before the limit. */
/* Below half of every capture threshold, no episode open: only the
 * counters matter, the kernel's notifications (v1 usage threshold, v2
 * memory.events and PSI) see a fast climb, and the sample may come late. */
static bool far_from_limits(const Watch *w) {
        return !w->pre_oom_raised && !w->pids_limit_raised &&
               (w->capture_bytes == UINT64_MAX || w->memory_current < w->capture_bytes / 2) &&
               (w->pids_capture == UINT64_MAX || w->pids_current < w->pids_capture / 2);
}

/* Would the kernel tell of a climb to capture_at before the next sample?
 * (WatchSpec.idle_interval) */
static bool kernel_sees_capture(const Watch *w) {
        if (w->capture_bytes == UINT64_MAX)
                return true; /* no memory threshold to cross */
        if (fdset_entry_added(&w->v1_threshold) && !w->threshold_pending &&
            w->threshold_bytes == w->capture_bytes)
                return true;
        return w->events_notify && w->spec.limits->memory_high <= w->capture_bytes;
}

/* Idle, in a watched cgroup where the kernel tells of no climb to
 * capture_at (no memory.high at or below it, no v1 threshold): below a
 * quarter of capture_at and moved by less than 1/64 of it since the last
 * sample of the same process, up or down (a sawtooth's drop is activity
 * too). Never at the first sample of a process (prev_t is 0 there): one
 * that has just started has not had the time to grow (test-watch's k, a
 * leaker found before its first pages, was sampled again 5 s later, past
 * capture_at). A leak that starts in an idle cgroup is seen at the next
 * stretched sample (WatchSpec.idle_interval), then at every
 * sample_interval, and every 100 ms from half of capture_at on. */
static bool idle_below(const Watch *w) {
        uint64_t q = w->capture_bytes / 4, m = w->memory_current, p = w->prev_memory;

        return w->prev_t != 0 && m < q && (m > p ? m - p : p - m) < q / 16;
}

static usec_t next_interval(const Watch *w, usec_t now) {
        usec_t iv = w->cfg->sample_interval;

        if (w->spec.idle_interval > iv && far_from_limits(w) && (kernel_sees_capture(w) || idle_below(w)) &&
            (w->pids_capture == UINT64_MAX || w->pids_current < w->pids_capture / 8))
                return w->spec.idle_interval;

        if ((w->capture_bytes != UINT64_MAX && w->memory_current >= w->capture_bytes / 2) ||
            (w->pids_capture != UINT64_MAX && w->pids_current >= w->pids_capture / 2))
                iv = MIN(100 * USEC_PER_MSEC, iv);
        if (w->pids_capture != UINT64_MAX && w->n_samples > 0 && now > w->prev_t &&
            w->pids_current > w->prev_pids && w->pids_current < w->pids_capture) {
                double rate = (double) (w->pids_current - w->prev_pids) / (double) (now - w->prev_t);
                double eta = (double) (w->pids_capture - w->pids_current) / rate; /* usec */

                if (eta < 2.0 * (double) iv)
                        iv = MAX(10 * USEC_PER_MSEC, MIN(iv, (usec_t) (eta / 2)));
        }
        return iv;
}

/* Tasks matter against a task limit: read at every sample. In a watched
 * cgroup (WatchSpec.idle_interval) with no task limit, or below an eighth
 * of pids_capture_at, they are read at a stretched sample and at least
 * every 4 sample_intervals (for the history and the status): a fleet
 * agent's sample is then one read, not two. */
static bool pids_due(const Watch *w, usec_t now) {
        if (w->spec.idle_interval == 0 || w->n_samples == 0 || w->pids_limit_raised ||
            w->interval > w->cfg->sample_interval)
                return true;
        if (w->pids_capture != UINT64_MAX && w->pids_current >= w->pids_capture / 8)
                return true;
        return now - w->pids_read_at >= 4 * w->cfg->sample_interval;
}

static void arm_psi(Watch *w);

/* A watched cgroup's PSI trigger (WatchSpec.idle_interval) is made when
 * its memory first reaches a quarter of capture_at, and kept: pressure
 * counts only from half of capture_at on (on_psi()), while each cgroup
 * with a trigger has a kernel thread of its own ("psimon") and each
 * trigger's close waits for an RCU grace period (psi_trigger_destroy()):
 * 10 000 idle watched cgroups had 10 000 such threads, and cgwarden took
 * 220 s to exit in the VM. A launched service's is made at its start. */
static bool psi_deferred(const Watch *w) {
        return w->spec.idle_interval > 0;
}

static void psi_due(Watch *w) {
        if (!w->psi && w->psi_ok && psi_deferred(w) && w->capture_bytes != UINT64_MAX &&
            w->memory_current >= w->capture_bytes / 4)
                arm_psi(w);
}

/* Returns the time of the sample (one clock read serves the sample and
 * its re-arming). */
static usec_t sample_now(Watch *w) {
        const ServiceConfig *c = w->cfg;
        char buf[64];
        usec_t now = now_mono(), eta;
        uint64_t v;

        if (wf_read(w, WF_MEMORY, buf, sizeof buf) >= 0 && cg_parse_limit(buf, &v) >= 0)
                w->memory_current = v;
        psi_due(w);
        if (pids_due(w, now)) {
                if (wf_read(w, WF_PIDS, buf, sizeof buf) >= 0 && cg_parse_limit(buf, &v) >= 0)
                        w->pids_current = v;
                w->pids_read_at = now;
        }
        /* allocations that hit the limit and had to reclaim: counted from
         * half of capture_at on, so not read below it (the first read
         * there is the baseline) */
        if (w->failcnt_ok && far_from_limits(w))
                w->failcnt_known = false;
        else if (w->failcnt_ok) {
                if (wf_read(w, WF_FAILCNT, buf, sizeof buf) >= 0 && cg_parse_limit(buf, &v) >= 0) {
                        if (v > w->failcnt && w->failcnt_known && w->n_samples > 0 && !w->pre_oom_raised &&
                            w->capture_bytes != UINT64_MAX && w->memory_current >= w->capture_bytes / 2) {
                                char what[96];
                                snprintf(what, sizeof what,
                                         "memory.failcnt +%" PRIu64 " (allocations hit the limit)",
                                         v - w->failcnt);
                                w->failcnt = v;
                                raise_pre_oom(w, what, eta_now(w, now));
                        }
                        w->failcnt = v;
                        w->failcnt_known = true;
                }
        }
        update_trends(w, now);
        eta = eta_now(w, now);

        if (w->capture_bytes != UINT64_MAX) {
                if (!w->pre_oom_raised && w->memory_current >= w->capture_bytes) {
                        char what[96], cb[UNIT_SIZE_MAX];
                        unit_format_size_short(cb, w->capture_bytes);
                        snprintf(what, sizeof what, "memory at or above capture_at (%s)", cb);
                        raise_pre_oom(w, what, eta);
                } else if (!w->pre_oom_raised && eta != USEC_INFINITY && eta < c->capture_lead &&
                           w->memory_current >= w->capture_bytes / 2)
                        raise_pre_oom(w, "projected time to the limit below capture_lead", eta);
                else if (w->pre_oom_raised && w->memory_current < w->pre_oom_bytes / 10 * 7 &&
                         w->memory_current < w->capture_bytes / 10 * 7) {
                        /* hysteresis: usage really fell (a GC, a drained
                         * backlog): a new episode may start */
                        w->pre_oom_raised = false;
                        tripwire_set(w, true);
                }
        }
        if (w->pids_capture != UINT64_MAX) {
                if (!w->pids_limit_raised && w->pids_current >= w->pids_capture) {
                        char what[96];
                        snprintf(what, sizeof what, "tasks at or above pids_capture_at (%" PRIu64 ")",
                                 w->pids_capture);
                        w->pids_limit_raised = true;
                        observe(w, EVENT_PIDS_LIMIT, what, USEC_INFINITY);
                } else if (w->pids_limit_raised && w->pids_current < w->pids_capture / 10 * 9)
                        w->pids_limit_raised = false;
        }
        /* pids.events raises no inotify event on some v1 kernels: near the
         * task limit, look at its counter with every sample as well */
        if (w->pids_capture != UINT64_MAX && w->pids_current >= w->pids_capture / 2)
                read_pids_events(w, true);
        record_history(w, now);
        w->interval = next_interval(w, now);
        w->prev_memory = w->memory_current;
        w->prev_pids = w->pids_current;
        w->prev_t = now;
        w->n_samples++;
        return now;
}

static void arm_threshold(Watch *w);

/* Far from the limits, a sample may come up to a quarter of the interval
 * late: sd-event then wakes once for all the services whose windows
 * overlap (it aligns wake-ups inside the windows), instead of once per
 * service. Near a limit, 5 ms. */
static int on_sample(sd_event_source *src, uint64_t usec, void *userdata);

/* due: when the sample that ran at now was due (the sampler's grid
 * point), 0 if it was not the sampler's: the next one is due an interval
 * after it, so the period is the interval and the lateness does not add
 * up, unless the loop is an interval behind (then from now: no burst) */
static void rearm_sample(Watch *w, usec_t now, usec_t due) {
        bool late_ok = w->interval >= w->cfg->sample_interval && w->interval >= USEC_PER_SEC / 2;
        usec_t acc = late_ok ? w->interval / 4 : 5 * USEC_PER_MSEC;

        if (late_ok && w->sampler) {
                /* many guards, one wake-up (sampler.h) */
                (void) sd_event_source_set_enabled(w->sample, SD_EVENT_OFF);
                sampler_schedule(w->sampler, &w->sampler_entry,
                                 due > 0 && due + w->interval > now ? due + w->interval : now + w->interval,
                                 MAX(acc / USEC_PER_MSEC * USEC_PER_MSEC, USEC_PER_MSEC));
                return;
        }
        sampler_cancel(w->sampler, &w->sampler_entry);
        if (!w->sample) {
                int r = sd_event_add_time_relative(w->spec.event, &w->sample, CLOCK_MONOTONIC, w->interval,
                                                   acc, on_sample, w);
                if (r < 0) {
                        log_error_errno(r, "Service '%s': cannot arm the sample timer: %m", w->cfg->name);
                        return;
                }
                (void) sd_event_source_set_description(w->sample, "watch-sample");
        }
        (void) sd_event_source_set_time_accuracy(w->sample, acc);
        (void) sd_event_source_set_time_relative(w->sample, w->interval);
        (void) sd_event_source_set_enabled(w->sample, SD_EVENT_ONESHOT);
}

static void sample_due(Watch *w, usec_t due) {
        if (w->threshold_ok && w->main_pid > 0)
                arm_threshold(w);
        rearm_sample(w, sample_now(w), due);
}

static int on_sample(sd_event_source *src, uint64_t usec, void *userdata) {
        sample_due(userdata, 0);
        return 0;
}

static void on_sampler_entry(SamplerEntry *e, usec_t due) {
        sample_due(container_of(e, Watch, sampler_entry), due);
}

/* ---- events ---- */

/* An oom-kill seen in the cgroup's counters (memory.events on v2,
 * memory.oom_control on v1: the file is named in the words) */
static void observe_oom_kill(Watch *w, uint64_t kills) {
        _cleanup_free_ char *file = NULL;
        char what[96];

        (void) cg_service_file_path(w->spec.cg, CG_FILE_MEMORY_EVENTS, &file);
        snprintf(what, sizeof what, "%s oom_kill +%" PRIu64, file ? basename(file) : "memory events",
                 kills - w->ev_oom_kill);
        report_kernel_oom(w);
        observe(w, EVENT_OOM_KILL, what, USEC_INFINITY);
}

static void read_memory_events(Watch *w, bool report) {
        CgMemCounters ev;
        uint64_t high, max, oom_kill;

        if (!w->events_notify || cg_service_memory_events(w->spec.cg, &ev) < 0)
                return;
        high = ev.high, max = ev.max, oom_kill = ev.oom_kill;
        if (report) {
                sample_now(w); /* fresh numbers for the observation */
                if (oom_kill > w->ev_oom_kill)
                        observe_oom_kill(w, oom_kill);
                else if ((high > w->ev_high || max > w->ev_max) && !w->pre_oom_raised &&
                         /* the kernel may deliver the notification late,
                            * after usage fell: a stale event is no episode */
                         (w->capture_bytes == UINT64_MAX || w->memory_current >= w->capture_bytes / 2)) {
                        char what[96];
                        snprintf(what, sizeof what, "memory.events high +%" PRIu64 " max +%" PRIu64,
                                 high - w->ev_high, max - w->ev_max);
                        raise_pre_oom(w, what, eta_now(w, now_mono()));
                }
        }
        w->ev_high = high;
        w->ev_max = max;
        w->ev_oom_kill = oom_kill;
}

static int on_memory_events(sd_event_source *src, const struct inotify_event *ev, void *userdata) {
        read_memory_events(userdata, true);
        return 0;
}

static void read_pids_events(Watch *w, bool report) {
        _cleanup_free_ char *buf = NULL;
        uint64_t max = 0;

        if (cg_service_read(w->spec.cg, "pids.events", &buf) < 0)
                return;
        (void) cgstat_kv_get(buf, strlen(buf), "max", &max);
        if (report && max > w->pids_ev_max) {
                char what[64];
                snprintf(what, sizeof what, "pids.events max +%" PRIu64 " (a fork failed)",
                         max - w->pids_ev_max);
                observe(w, EVENT_PIDS_MAX, what, USEC_INFINITY);
        }
        w->pids_ev_max = max;
}

static int on_pids_events(sd_event_source *src, const struct inotify_event *ev, void *userdata) {
        /* a fork failed: sample first, so that the observation tells
         * today's task count (and pids-limit comes first if it was missed) */
        sample_now(userdata);
        read_pids_events(userdata, true);
        return 0;
}

/* Usage crossed the registered threshold (either way) */
static void on_threshold(FdSetEntry *e, int fd, uint32_t revents) {
        Watch *w = container_of(e, Watch, v1_threshold);
        uint64_t n;

        (void) !read(fd, &n, sizeof n);
        sample_now(w);
        if (!w->pre_oom_raised && w->memory_current >= w->capture_bytes) {
                raise_pre_oom(w, "memory.usage_in_bytes crossed capture_at (eventfd)", /* layer-ok */
                              eta_now(w, now_mono()));
        }
}

static int set_oom_kill_disable(Watch *w, bool disable) {
        return cg_service_set(w->spec.cg, CG_KNOB_OOM_PAUSE, disable);
}

/* Nothing took over within oom_pause_max: a paused service must never be
 * left hanging, so give the decision back to the kernel (which kills). */
static int on_oom_pause_expired(sd_event_source *src, uint64_t usec, void *userdata) {
        Watch *w = userdata;
        const ServiceConfig *c = w->cfg;
        int r;

        if (!w->paused)
                return 0;
        log_warning(
                "Service '%s' stayed paused at its memory limit for oom_pause_max (%llums) with no action: "
                "re-enabling the kernel OOM killer.",
                c->name, (unsigned long long) (c->oom_pause_max / USEC_PER_MSEC));
        r = set_oom_kill_disable(w, false);
        if (r < 0)
                log_error_errno(r, "Service '%s': cannot re-enable the OOM killer: %m", c->name);
        w->paused = false;
        return 0;
}

static void oom_paused(Watch *w) {
        const ServiceConfig *c = w->cfg;
        int r;

        if (w->paused)
                return;
        w->paused = true;
        if (w->held) {
                log_warning(/* layer-ok: log text */
                            "Service '%s' is paused at its memory limit (memory.oom_control under_oom 1) "
                            "while a capture runs.",
                            c->name);
                if (w->cb.paused)
                        w->cb.paused(w->userdata);
                return;
        }
        log_warning(/* layer-ok: log text */
                    "Service '%s' is paused at its memory limit (memory.oom_control under_oom 1): the "
                    "kernel OOM "
                    "killer is held for up to oom_pause_max (%llums).",
                    c->name, (unsigned long long) (c->oom_pause_max / USEC_PER_MSEC));
        if (!w->oom_pause) {
                r = sd_event_add_time_relative(w->spec.event, &w->oom_pause, CLOCK_MONOTONIC,
                                               c->oom_pause_max, USEC_PER_MSEC, on_oom_pause_expired, w);
                if (r < 0) {
                        log_error_errno(r, "Service '%s': cannot arm oom_pause_max, releasing now: %m",
                                        c->name);
                        (void) on_oom_pause_expired(NULL, 0, w);
                        return;
                }
                (void) sd_event_source_set_description(w->oom_pause, "watch-oom-pause");
        } else {
                (void) sd_event_source_set_time_relative(w->oom_pause, c->oom_pause_max);
                (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_ONESHOT);
        }
        /* a process with no capture of its own yet is captured now (the
         * capture holds the pause's timer) */
        if (w->cb.paused)
                w->cb.paused(w->userdata);
}

/* The OOM-state eventfd fired (CG_FEATURE_OOM_PAUSE) */
static void on_oom_event(FdSetEntry *e, int fd, uint32_t revents) {
        Watch *w = container_of(e, Watch, v1_oom);
        CgMemCounters ev;
        uint64_t n;

        (void) !read(fd, &n, sizeof n);
        sample_now(w);
        if (cg_service_memory_events(w->spec.cg, &ev) < 0)
                return;
        if (ev.oom_kill > w->ev_oom_kill)
                observe_oom_kill(w, ev.oom_kill);
        else if (ev.under_oom) {
                if (!w->pre_oom_raised)
                        raise_pre_oom(w, /* layer-ok: the file's words */ "memory.oom_control under_oom 1",
                                      0);
                if (w->spec.limits->oom_pause)
                        oom_paused(w);
        }
        w->ev_oom_kill = ev.oom_kill;
}

/* The PSI trigger fired (tasks stalled on memory for psi_stall within
 * psi_window). Pressure far from any limit is page-cache churn, not an
 * approaching OOM: it counts as pre-oom only above half the threshold. */
static int on_psi(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Watch *w = userdata;
        const ServiceConfig *c = w->cfg;
        usec_t now = now_mono();

        if (revents & EPOLLERR) {
                log_warning("Service '%s': the PSI trigger is gone (cgroup removed?); memory_pressure off.",
                            c->name);
                w->psi = sd_event_source_disable_unref(w->psi);
                return 0;
        }
        /* the kernel fires at most once per window; log at most once per second */
        if (now - w->psi_last < USEC_PER_SEC)
                return 0;
        w->psi_last = now;
        sample_now(w);
        log_debug("Service '%s': memory pressure (%s stall >= %llums in %llums).", c->name,
                  c->psi_full ? "full" : "some", (unsigned long long) (c->psi_stall_usec / 1000),
                  (unsigned long long) (c->psi_window_usec / 1000));
        if (!w->pre_oom_raised && w->capture_bytes != UINT64_MAX &&
            w->memory_current >= w->capture_bytes / 2) {
                char what[96];
                snprintf(what, sizeof what, "memory pressure: %s stall >= %llums within %llums",
                         c->psi_full ? "full" : "some", (unsigned long long) (c->psi_stall_usec / 1000),
                         (unsigned long long) (c->psi_window_usec / 1000));
                raise_pre_oom(w, what, eta_now(w, now));
        }
        return 0;
}

static void arm_psi(Watch *w) {
        const ServiceConfig *c = w->cfg;
        _cleanup_close_ int fd = -EBADF;
        int r;

        if (!w->psi_ok || c->psi_stall_usec == 0 || w->psi)
                return;
        r = cg_service_psi_trigger(w->spec.cg, c->psi_full, c->psi_stall_usec, c->psi_window_usec, &fd);
        if (r == -EINVAL || r == -EOPNOTSUPP || r == -ENOENT) {
                log_info_errno(r, "Service '%s': no PSI (%m); memory_pressure off.", c->name);
                w->psi_ok = false; /* not asked again at every sample (psi_due()) */
                return;
        }
        if (r < 0) {
                log_warning_errno(r, "Service '%s': the kernel refused the PSI trigger '%s %llu %llu': %m",
                                  c->name, c->psi_full ? "full" : "some",
                                  (unsigned long long) c->psi_stall_usec,
                                  (unsigned long long) c->psi_window_usec);
                w->psi_ok = false;
                return;
        }
        r = sd_event_add_io(w->spec.event, &w->psi, fd, EPOLLPRI, on_psi, w);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot watch PSI: %m", c->name);
                return;
        }
        (void) sd_event_source_set_io_fd_own(w->psi, true);
        (void) sd_event_source_set_description(w->psi, "watch-psi");
        TAKE_FD(fd);
}

/* Takes fd: into the FdSet as e, or closed. */
static int add_eventfd(Watch *w, int fd, fdset_fn fn, FdSetEntry *e) {
        int r = fdset_add(w->fdset, e, fd, EPOLLIN, fn);

        if (r < 0)
                safe_close(fd);
        return r;
}

static void drop_eventfd(Watch *w, FdSetEntry *e) {
        int fd = e->fd;

        if (!fdset_entry_added(e))
                return;
        fdset_remove(w->fdset, e);
        safe_close(fd);
}

/* The OOM-state eventfd: once per cgroup (cheap to register). */
static void arm_oom_event(Watch *w) {
        int fd = -EBADF, r;

        if (fdset_entry_added(&w->v1_oom))
                return;
        r = cg_service_watch_oom(w->spec.cg, &fd);
        if (r >= 0)
                r = add_eventfd(w, fd, on_oom_event, &w->v1_oom);
        if (r < 0)
                log_warning_errno(r, "Service '%s': cannot watch the OOM state (%s): %m", w->cfg->name,
                                  "memory.oom_control"); /* layer-ok: log text */
}

static void threshold_refused(Watch *w, int r) {
        /* once per threshold, not at every sample */
        w->threshold_failed = true;
        drop_eventfd(w, &w->v1_threshold);
        log_warning_errno(r, "Service '%s': cannot register a memory threshold, sampling only: %m",
                          w->cfg->name);
}

/* The usage threshold eventfd. Registering one makes the kernel wait for
 * an RCU grace period (15-20 ms here): a worker thread waits (cgroup.h),
 * and it is done from the first sample after a start (a process that
 * lives shorter than sample_interval never pays) and only when the
 * threshold changed. Until it is registered, the samples see a crossing. */
static void arm_threshold(Watch *w) {
        int fd = -EBADF, r;

        if (w->threshold_pending) {
                r = cg_pending_result(w->threshold_pending);
                if (r == -EINPROGRESS)
                        return;
                w->threshold_pending = cg_pending_unref(w->threshold_pending);
                if (r < 0)
                        threshold_refused(w, r);
        }
        if (w->capture_bytes == w->threshold_bytes &&
            (fdset_entry_added(&w->v1_threshold) || w->threshold_failed))
                return;
        drop_eventfd(w, &w->v1_threshold);
        w->threshold_bytes = w->capture_bytes;
        w->threshold_failed = false;
        if (w->capture_bytes == UINT64_MAX)
                return;
        r = cg_service_watch_usage_async(w->spec.cg, w->capture_bytes, &fd, &w->threshold_pending);
        if (r == -EBUSY) {
                /* thousands at once: the next sample asks again */
                w->threshold_bytes = 0;
                return;
        }
        if (r >= 0)
                r = add_eventfd(w, fd, on_threshold, &w->v1_threshold);
        if (r < 0)
                threshold_refused(w, r);
}

static void compute_thresholds(Watch *w) {
        const ServiceConfig *c = w->cfg;
        CgLimits *limits = w->spec.limits;

        (void) cg_service_effective_limits(w->spec.cg, w->uid, &w->eff);
        w->capture_bytes = limit_resolve(&c->capture_at, w->eff.memory.value, 8500);
        w->pids_capture = limit_resolve(&c->pids_capture_at, w->eff.pids.value, 9000);

        /* the soft limit without a memory_max of the service's own: when
         * the only limit is above cgwarden (a slice, a container),
         * memory_high is taken against that one, so the throttled window
         * still comes before the kill */
        if (w->high_ok && w->spec.may_write && limits->memory_max == CG_UNLIMITED &&
            !streq(w->eff.memory.source, "MemTotal") && c->memory_high.kind != LIMIT_NONE) {
                uint64_t high = limit_resolve(&c->memory_high, w->eff.memory.value, 9000);
                if (high < limits->memory_high) {
                        CgLimits l = *limits;
                        char hb[UNIT_SIZE_MAX];
                        l.memory_high = high;
                        if (cg_service_set_limits(w->spec.cg, &l) >= 0) {
                                *limits = l;
                                log_info("Service '%s': %s set to %s against the effective limit.", c->name,
                                         "memory.high", /* layer-ok: log text */
                                         unit_format_size_short(hb, high));
                        }
                }
        }
}

void watch_started(Watch *w, pid_t main_pid, uid_t uid) {
        char m[UNIT_SIZE_MAX], cb[UNIT_SIZE_MAX];

        if (!w)
                return;
        w->main_pid = main_pid;
        w->uid = uid;
        w->absent = 0;
        compute_thresholds(w);
        w->pre_oom_raised = w->pids_limit_raised = false;
        /* the history outlives restarts (the run before a crash matters);
         * the trends describe one process */
        if (!w->history)
                (void) history_new(&w->history);
        if (!w->short_trend)
                (void) trend_window_new(60 * USEC_PER_SEC, 12, &w->short_trend);
        if (!w->long_trend)
                (void) trend_window_new(w->cfg->leak_window, 15, &w->long_trend);
        if (w->short_trend)
                trend_window_reset(w->short_trend);
        if (w->long_trend)
                trend_window_reset(w->long_trend);
        w->leak_raised_at = 0;
        w->prev_t = 0;
        w->last_rss = w->last_threads = 0;
        w->full_memory = 0;
        w->jvm_heap_used = w->jvm_old_used = HISTORY_UNKNOWN;
        read_memory_events(w, false);
        read_pids_events(w, false);
        if (w->oom_pause_ok) {
                CgMemCounters ev;
                if (cg_service_memory_events(w->spec.cg, &ev) >= 0)
                        w->ev_oom_kill = ev.oom_kill;
                /* the guard again, if oom_pause_max handed a previous run
                 * to the kernel */
                w->paused = false;
                (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_OFF);
                if (w->spec.limits->oom_pause && w->spec.may_write)
                        (void) set_oom_kill_disable(w, true);
                arm_oom_event(w);
        }
        if (!psi_deferred(w))
                arm_psi(w);
        w->tripwire = false; /* a new process: the soft limit is what the limits say */
        tripwire_set(w, true);
        unit_format_size_short(m, w->eff.memory.value);
        unit_format_size_short(cb, w->capture_bytes);
        log_info("Service '%s': effective memory limit %s (%s), capture at %s; effective task limit %" PRIu64
                 " (%s), capture at %" PRIu64 ".",
                 w->cfg->name, m, w->eff.memory.source, cb, w->eff.pids.value, w->eff.pids.source,
                 w->pids_capture);
        rearm_sample(w, sample_now(w), 0);
}

/* The kernel's OOM notification on v1 comes before the kill is counted,
 * and inotify on v2 may be dispatched after the child's exit: look at the
 * counters again when the main process is gone. */
static void check_oom_kill(Watch *w) {
        CgMemCounters ev;

        if (w->events_notify)
                read_memory_events(w, true);
        else if (cg_service_memory_events(w->spec.cg, &ev) >= 0 && ev.oom_kill > w->ev_oom_kill) {
                observe_oom_kill(w, ev.oom_kill);
                w->ev_oom_kill = ev.oom_kill;
        }
}

void watch_stopped(Watch *w) {
        if (!w)
                return;
        check_oom_kill(w);
        w->main_pid = 0;
        w->paused = false;
        (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(w->sample, SD_EVENT_OFF);
        sampler_cancel(w->sampler, &w->sampler_entry);
        wf_close(w, WF_STATUS);
        /* the eventfds stay registered: they belong to the cgroup, which
         * outlives the process, and re-registering costs */
}

static void watch_inotify(Watch *w, CgFile f, sd_event_inotify_handler_t cb, const char *what,
                          sd_event_source **ret) {
        _cleanup_free_ char *p = NULL;

        if (cg_service_file_path(w->spec.cg, f, &p) >= 0 && access(p, F_OK) >= 0 &&
            sd_event_add_inotify(w->spec.event, ret, p, IN_MODIFY, cb, w) >= 0)
                (void) sd_event_source_set_description(*ret, what);
}

int watch_new(const WatchSpec *spec, const WatchCallbacks *cb, void *userdata, Watch **ret) {
        Watch *w;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return log_oom();
        w->spec = *spec;
        w->cfg = spec->cfg;
        w->cb = *cb;
        w->userdata = userdata;
        for (WatchFile f = 0; f < _WF_MAX; f++)
                w->fd[f] = -1;
        w->v1_threshold = w->v1_oom = (FdSetEntry) FDSET_ENTRY_INIT;
        w->jvm_heap_used = w->jvm_old_used = HISTORY_UNKNOWN;
        w->events_notify = cg_context_has(spec->cg_context, CG_FEATURE_EVENTS_NOTIFY);
        w->psi_ok = cg_context_has(spec->cg_context, CG_FEATURE_PSI);
        w->oom_pause_ok = cg_context_has(spec->cg_context, CG_FEATURE_OOM_PAUSE);
        w->threshold_ok = cg_context_has(spec->cg_context, CG_FEATURE_USAGE_THRESHOLD);
        w->failcnt_ok = cg_context_has(spec->cg_context, CG_FEATURE_FAILCNT);
        w->high_ok = cg_context_has(spec->cg_context, CG_FEATURE_MEMORY_HIGH);
        w->interval = w->cfg->sample_interval;

        w->sampler_entry.fn = on_sampler_entry;
        r = sampler_acquire(spec->event, &w->sampler);
        if (r < 0)
                goto fail;
        r = fdset_acquire(spec->event, &w->fdset);
        if (r < 0)
                goto fail;

        if (w->events_notify)
                watch_inotify(w, CG_FILE_MEMORY_EVENTS, on_memory_events, "watch-memory-events",
                              &w->mem_events);
        watch_inotify(w, CG_FILE_PIDS_EVENTS, on_pids_events, "watch-pids-events", &w->pids_events);
        *ret = w;
        return 0;
fail:
        log_error_errno(r, "Service '%s': cannot set up watchers: %m", w->cfg->name);
        watch_free(w);
        return r;
}

Watch *watch_free(Watch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->sample);
        sampler_cancel(w->sampler, &w->sampler_entry);
        sampler_release(w->sampler);
        sd_event_source_disable_unref(w->mem_events);
        sd_event_source_disable_unref(w->pids_events);
        drop_eventfd(w, &w->v1_threshold);
        cg_pending_unref(w->threshold_pending);
        drop_eventfd(w, &w->v1_oom);
        fdset_release(w->fdset);
        sd_event_source_disable_unref(w->oom_pause);
        sd_event_source_disable_unref(w->psi);
        wf_close_all(w);
        history_free(w->history);
        free(w->kernel_report);
        free(w->kernel_killed);
        trend_window_free(w->short_trend);
        trend_window_free(w->long_trend);
        free(w);
        return NULL;
}

/* ---- for the capture sequences ---- */

bool watch_paused(const Watch *w) {
        return w && w->paused;
}

void watch_hold_pause(Watch *w, bool hold) {
        if (!w || !w->oom_pause_ok)
                return;
        w->held = hold;
        if (hold) {
                (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_OFF);
                return;
        }
        if (w->paused) {
                /* the capture is done and nothing else took over: the kernel
                 * decides, as it would have at oom_pause_max */
                int r = set_oom_kill_disable(w, false);
                if (r < 0)
                        log_error_errno(r, "Service '%s': cannot re-enable the OOM killer: %m",
                                        w->cfg->name);
                else
                        log_notice("Service '%s': evidence taken; the kernel OOM killer decides again.",
                                   w->cfg->name);
                w->paused = false;
        }
}

void watch_set_jvm_heap(Watch *w, uint64_t heap_used, uint64_t old_used) {
        if (!w)
                return;
        w->jvm_heap_used = heap_used;
        w->jvm_old_used = old_used;
}

const History *watch_history(const Watch *w) {
        return w ? w->history : NULL;
}

void watch_format_limits(const Watch *w, char *buf, size_t size) {
        char m[UNIT_SIZE_MAX], cb[UNIT_SIZE_MAX];

        if (!w) {
                snprintf(buf, size, "unknown");
                return;
        }
        unit_format_size_short(m, w->eff.memory.value);
        unit_format_size_short(cb, w->capture_bytes);
        snprintf(buf, size, "memory %s (%s), capture at %s; tasks %" PRIu64 " (%s), capture at %" PRIu64, m,
                 w->eff.memory.source, cb, w->eff.pids.value, w->eff.pids.source, w->pids_capture);
}

void watch_fill_trigger(const Watch *w, CaptureTrigger *t) {
        if (!w)
                return;
        t->memory_current = w->memory_current;
        t->memory_max = w->eff.memory.value;
        t->pids_current = w->pids_current;
        t->pids_max = w->eff.pids.value;
}

void watch_get_sample(const Watch *w, WatchSample *ret) {
        *ret = (WatchSample){
                .memory_current = UINT64_MAX,
                .pids_current = UINT64_MAX,
                .limits = { .memory = { UINT64_MAX, "" }, .pids = { UINT64_MAX, "" } },
                .eta = USEC_INFINITY,
        };
        if (!w)
                return;
        ret->memory_current = w->memory_current;
        ret->pids_current = w->pids_current;
        ret->limits = w->eff;
        ret->growth_bps = w->slope_bps;
        if (w->short_trend && trend_window_minima_changed(w->short_trend) != w->short_seen) {
                /* deferred far from the limits (update_trends()) */
                TrendResult r;
                ret->growth_bps = trend_window_estimate(w->short_trend, &r) >= 0 ? r.slope_bps : 0;
        }
        if (ret->growth_bps > 0)
                ret->eta = trend_eta(w->memory_current, w->eff.memory.value, ret->growth_bps);
}
