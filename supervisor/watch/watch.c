/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <libgen.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <time.h>

#include "capture/capture.h"
#include "cgroup/cgroup.h"
#include "guard/evidence.h"
#include "cgroup/cgstat.h"
#include "base/log.h"
#include "base/procfs.h"
#include "service/service.h"
#include "watch/history.h"
#include "watch/trend.h"
#include "base/units.h"
#include "watch/oom-report.h"
#include "watch/watch.h"

typedef enum WatchFile {
        WF_MEMORY, /* memory.current, v1 memory.usage_in_bytes */
        WF_PIDS, /* pids.current */
        WF_FAILCNT, /* v1 memory.failcnt */
        WF_STAT, /* memory.stat */
        WF_STATUS, /* /proc/MAINPID/status */
        _WF_MAX,
} WatchFile;

struct Watch {
        Service *service;
        bool v2;
        EffectiveLimits eff;
        uint64_t capture_bytes; /* capture_at against the effective limit */
        uint64_t pids_capture; /* pids_capture_at against the effective task limit */

        sd_event_source *sample;
        usec_t interval;
        /* the sampled files, kept open and read with pread(): opening a
         * file under a long cgroup path by name costs more than reading
         * it (bench/watch-cost). -1 until first use; reopened on error. */
        int fd[_WF_MAX];
        pid_t status_pid; /* whose /proc/PID/status fd[WF_STATUS] is */
        unsigned n_samples;
        uint64_t memory_current, pids_current;
        uint64_t failcnt; /* v1 memory.failcnt */
        /* main process, from smaps_rollup (every 10th sample, or every
         * sample near a limit: it walks all mappings, costly for a JVM) */
        uint64_t main_rss, main_pss, main_anon;
        /* from the last full sample (memory.stat, /proc/PID/status) */
        uint64_t last_anon, last_rss;
        uint32_t last_threads;
        uint64_t prev_memory;
        usec_t prev_t;

        /* the last 10 minutes (for captures and status), and the floors
         * of memory over a short window (ETA) and over leak_window */
        History *history;
        TrendWindow *short_trend;
        TrendWindow *long_trend;
        usec_t leak_raised_at; /* at most one leak-trend per leak_window */
        double slope_bps; /* short-window growth, bytes/s (0: unknown) */

        /* raised once per episode, re-armed when usage falls back */
        bool pre_oom_raised;
        uint64_t pre_oom_bytes; /* usage when it was raised */
        bool pids_limit_raised;

        /* log summaries: a repeat of an observation that does nothing is
         * counted, not logged, until action_cooldown after the last one
         * logged */
        usec_t obs_logged_at[_EVENT_TYPE_MAX];
        unsigned obs_quiet[_EVENT_TYPE_MAX];
        usec_t obs_quiet_since[_EVENT_TYPE_MAX];

        /* last counters, to see increments */
        uint64_t ev_high, ev_max, ev_oom_kill, pids_ev_max;

        sd_event_source *mem_events; /* v2 inotify on memory.events */
        sd_event_source *pids_events; /* inotify on pids.events (v2, v1 where present) */
        sd_event_source *v1_threshold; /* eventfd */
        uint64_t threshold_bytes; /* what v1_threshold is registered at */
        sd_event_source *v1_oom; /* eventfd */
        sd_event_source *oom_pause; /* v1: oom_pause_max timer */
        sd_event_source *psi; /* v2: PSI trigger on memory.pressure */
        usec_t psi_last;
        bool tripwire; /* v2: memory.high placed at capture_at (the service has no memory.high) */
        bool paused; /* v1: tasks held at the limit */
        bool held; /* a capture took over from the oom_pause_max timer */
        char *kernel_report; /* the kernel's whole report of the last oom-kill, NULL when unread */
};

static const char *const message_ids[_EVENT_TYPE_MAX] = {
        [EVENT_PRE_OOM] = "a046e2d49d924883a37020a55a4b5096",
        [EVENT_OOM_KILL] = "7bd6eb0938394ca48b4abee3d8426ed8",
        [EVENT_PIDS_LIMIT] = "7cd396476be14ec7a8b720c3c812a164",
        [EVENT_PIDS_MAX] = "8dcf352bacdd48659997bbeae3532bcf",
        [EVENT_LEAK_TREND] = "a938168c674e4c629a64daf983f0cba5",
        [EVENT_LOG_TRIGGER] = "0c2b1f3e9a4d4c6f8e7d5b3a1f0e9d8c",
        [EVENT_HANG] = "5e1d7c3b9a8f4e2d6c0b1a9f8e7d6c5b",
};

const char *watch_message_id(EventType e) {
        return e >= 0 && e < _EVENT_TYPE_MAX ? message_ids[e] : NULL;
}

static usec_t now_mono(void) {
        return now_usec(CLOCK_MONOTONIC);
}

/* ---- effective limits ---- */

/* Walk from dir up to (excluding) top, taking the smallest FILE value. */
static void walk_up(const char *dir, const char *top, const char *file, EffectiveLimit *lim) {
        _cleanup_free_ char *d = strdup(dir);
        size_t tl = strlen(top);

        while (d && strlen(d) > tl && strncmp(d, top, tl) == 0) {
                uint64_t v;

                if (cgstat_read_u64_or_max(d, file, &v) >= 0) {
                        /* v1 reports "no limit" as a huge page-rounded number */
                        if (v >= (UINT64_MAX >> 2))
                                v = UINT64_MAX;
                        if (v < lim->value) {
                                lim->value = v;
                                snprintf(lim->source, sizeof lim->source, "%s of %s", file, d + tl ?: "/");
                        }
                }
                char *slash = strrchr(d, '/');
                if (!slash)
                        break;
                *slash = 0;
        }
}

static uint64_t mem_total(void) {
        _cleanup_free_ char *buf = NULL;
        const char *p;

        if (cg_read_file("/proc/meminfo", &buf) < 0)
                return UINT64_MAX;
        p = strstr(buf, "MemTotal:");
        return p ? strtoull(p + 9, NULL, 10) * 1024 : UINT64_MAX;
}

int watch_effective_limits(Service *s, EffectiveLimits *ret) {
        EffectiveLimits e = { .memory = { UINT64_MAX, "" }, .pids = { UINT64_MAX, "" } };
        _cleanup_free_ char *mdir = NULL, *pdir = NULL, *mtop = NULL, *ptop = NULL;
        const char *fs = cg_context_fs_root(s->ctx->cg);
        bool v2 = cg_context_mode(s->ctx->cg) == CG_MODE_UNIFIED;
        struct rlimit rl;
        uint64_t v;
        int r;

        r = cg_service_dir(s->cg, "memory", &mdir);
        if (r < 0)
                return r;
        if (asprintf(&mtop, "%s%s", fs, v2 ? "" : "/memory") < 0)
                return -ENOMEM;
        walk_up(mdir, mtop, v2 ? "memory.max" : "memory.limit_in_bytes", &e.memory);
        if (e.memory.value == UINT64_MAX) {
                e.memory.value = mem_total();
                snprintf(e.memory.source, sizeof e.memory.source, "MemTotal");
        }

        if (cg_service_dir(s->cg, "pids", &pdir) >= 0 && asprintf(&ptop, "%s%s", fs, v2 ? "" : "/pids") >= 0)
                walk_up(pdir, ptop, "pids.max", &e.pids);
        /* RLIMIT_NPROC counts the user's tasks; the service inherits ours
         * (root is exempt) */
        if (s->uid != 0 && getrlimit(RLIMIT_NPROC, &rl) >= 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < e.pids.value) {
                e.pids.value = rl.rlim_cur;
                snprintf(e.pids.source, sizeof e.pids.source, "RLIMIT_NPROC of uid %u", (unsigned) s->uid);
        }
        if (procfs_read_u64_file(NULL, "sys/kernel/threads-max", &v) >= 0 && v < e.pids.value) {
                e.pids.value = v;
                snprintf(e.pids.source, sizeof e.pids.source, "kernel.threads-max");
        }
        if (procfs_read_u64_file(NULL, "sys/kernel/pid_max", &v) >= 0 && v < e.pids.value) {
                e.pids.value = v;
                snprintf(e.pids.source, sizeof e.pids.source, "kernel.pid_max");
        }
        *ret = e;
        return 0;
}

/* ---- the kernel's own OOM report ---- */

/* The kernel's whole report of the newest OOM kill in cgpath (oom-report.h):
 * reads /dev/kmsg non-blocking from its oldest record (one record per
 * read). Returns 0 with *ret (malloc'd) and *ret_killed (the "Killed
 * process N ..." line, malloc'd), -ENOENT, or -errno. */
#define OOM_REPORT_MAX (64 * 1024)
static int kmsg_oom_report(const char *cgpath, char **ret, char **ret_killed) {
        _cleanup_close_ int fd = -EBADF;
        OomReportParser *p = NULL;
        const char *text, *killed = NULL;
        char rec[8192];
        int r;

        fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = oom_report_parser_new(cgpath, OOM_REPORT_MAX, &p);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < 1000000; i++) {
                ssize_t k = read(fd, rec, sizeof rec);

                if (k < 0) {
                        if (errno == EPIPE) /* overwritten while reading: go on */
                                continue;
                        break; /* EAGAIN: the end */
                }
                oom_report_feed(p, rec, (size_t) k);
        }
        text = oom_report_get(p, &killed);
        r = -ENOENT;
        if (text) {
                *ret = strdup(text);
                *ret_killed = strdup(killed ?: "");
                r = *ret && *ret_killed ? 0 : -ENOMEM;
                if (r < 0) {
                        *ret = mfree(*ret);
                        *ret_killed = mfree(*ret_killed);
                }
        }
        oom_report_parser_free(p);
        return r;
}

/* ---- observations ---- */

/* Human sizes for messages, one decimal ("217.6M"); exact values are in
 * the structured fields. */
static void fmt_size(char buf[static UNIT_SIZE_MAX], uint64_t v) {
        static const char units[] = "KMGTPE";
        double d = (double) v;
        int u = -1;

        if (v == UINT64_MAX) {
                strcpy(buf, "max");
                return;
        }
        while (d >= 1024 && u < 5) {
                d /= 1024;
                u++;
        }
        if (u < 0)
                snprintf(buf, UNIT_SIZE_MAX, "%" PRIu64 "B", v);
        else
                snprintf(buf, UNIT_SIZE_MAX, "%.1f%c", d, units[u]);
}

static void report_kernel_oom(Watch *w);

static void observe(Watch *w, EventType type, const char *what, usec_t eta) {
        Service *s = w->service;
        char cur[UNIT_SIZE_MAX], lim[UNIT_SIZE_MAX], etabuf[32];
        char f_svc[96], f_ev[64], f_mc[48], f_mm[48], f_pc[48], f_pm[48], f_eta[48], f_what[200];
        char *fields[] = { f_svc, f_ev, f_mc, f_mm, f_pc, f_pm, f_eta, f_what, NULL };
        usec_t now = now_mono(), window = MAX(s->cfg->action_cooldown, USEC_PER_SEC);
        bool quiet = false;

        /* Floods (a thread leak at its limit: pids-max every second; a
         * fork bomb: hundreds): the first is logged, the repeats that do
         * nothing are counted and said as one line at most once per
         * action_cooldown. An observation that acts is always logged. */
        if (type >= 0 && type < _EVENT_TYPE_MAX) {
                bool recent = w->obs_logged_at[type] > 0 && now - w->obs_logged_at[type] < window;

                if (recent && !evidence_would_act(s, type)) {
                        if (w->obs_quiet[type]++ == 0)
                                w->obs_quiet_since[type] = now;
                        quiet = true;
                } else {
                        if (w->obs_quiet[type] > 0) {
                                char span[UNIT_SIZE_MAX];
                                log_info("Service '%s': %u more %s observation(s) in the last %s, no action "
                                         "(see "
                                         "status and metrics for the counts).",
                                         s->cfg->name, w->obs_quiet[type], event_type_to_string(type),
                                         unit_format_duration_short(span, now - w->obs_quiet_since[type]));
                                w->obs_quiet[type] = 0;
                        }
                        w->obs_logged_at[type] = now;
                }
        }

        fmt_size(cur, w->memory_current);
        fmt_size(lim, w->eff.memory.value);
        if (eta == USEC_INFINITY)
                strcpy(etabuf, "none");
        else
                snprintf(etabuf, sizeof etabuf, "%.1fs", (double) eta / USEC_PER_SEC);
        snprintf(f_svc, sizeof f_svc, "CGWARDEN_SERVICE=%s", s->cfg->name);
        snprintf(f_ev, sizeof f_ev, "CGWARDEN_EVENT=%s", event_type_to_string(type));
        snprintf(f_mc, sizeof f_mc, "CGWARDEN_MEMORY_CURRENT=%" PRIu64, w->memory_current);
        snprintf(f_mm, sizeof f_mm, "CGWARDEN_MEMORY_MAX=%" PRIu64, w->eff.memory.value);
        snprintf(f_pc, sizeof f_pc, "CGWARDEN_PIDS_CURRENT=%" PRIu64, w->pids_current);
        snprintf(f_pm, sizeof f_pm, "CGWARDEN_PIDS_MAX=%" PRIu64, w->eff.pids.value);
        snprintf(f_eta, sizeof f_eta, "CGWARDEN_ETA_USEC=%" PRIu64, eta == USEC_INFINITY ? 0 : eta);
        snprintf(f_what, sizeof f_what, "CGWARDEN_TRIGGER=%s", what);
        (void) log_struct_fields(quiet ? LOG_DEBUG : LOG_WARNING, watch_message_id(type), fields,
                                 "Observation %s for '%s': %s; memory %s of %s (%s), pids %" PRIu64
                                 " of %" PRIu64 " (%s), eta %s.",
                                 event_type_to_string(type), s->cfg->name, what, cur, lim,
                                 w->eff.memory.source, w->pids_current, w->eff.pids.value,
                                 w->eff.pids.source, etabuf);
        if (s->log && !quiet) {
                char line[400];
                snprintf(line, sizeof line, "observation %s: %s; memory %s of %s, pids %" PRIu64 ", eta %s",
                         event_type_to_string(type), what, cur, lim, w->pids_current, etabuf);
                (void) outlog_note(s->log, line, now_usec(CLOCK_REALTIME));
        }
        {
                CaptureTrigger t = {
                        .memory_current = w->memory_current,
                        .memory_max = w->eff.memory.value,
                        .pids_current = w->pids_current,
                        .pids_max = w->eff.pids.value,
                        .eta = eta,
                };
                snprintf(t.what, sizeof t.what, "%s", what);
                evidence_observe(s, type, &t, type == EVENT_OOM_KILL ? w->kernel_report : NULL, quiet);
        }
}

/* Time to the effective limit: from the robust short-window trend once it
 * has enough buckets (GC sawtooth does not fool it), else from the last
 * two samples (a fast leak must not wait 20 s for a trend). */
/* After an oom-kill observation: what the kernel said about it, if
 * /dev/kmsg is readable (root, or dmesg_restrict=0). */
static void report_kernel_oom(Watch *w) {
        Service *s = w->service;
        _cleanup_free_ char *killed = NULL;

        w->kernel_report = mfree(w->kernel_report);
        if (kmsg_oom_report(cg_service_path(s->cg), &w->kernel_report, &killed) < 0)
                return;
        log_warning("Kernel OOM report for '%s': %s", s->cfg->name, killed);
        if (s->log) {
                char note[700];
                snprintf(note, sizeof note, "kernel: %s", killed);
                (void) outlog_note(s->log, note, now_usec(CLOCK_REALTIME));
        }
}

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
        static const struct {
                const char *controller, *v2, *v1;
        } files[] = {
                [WF_MEMORY] = { "memory", "memory.current", "memory.usage_in_bytes" },
                [WF_PIDS] = { "pids", "pids.current", "pids.current" },
                [WF_FAILCNT] = { "memory", NULL, "memory.failcnt" },
                [WF_STAT] = { "memory", "memory.stat", "memory.stat" },
        };
        _cleanup_free_ char *dir = NULL, *p = NULL;
        const char *name;
        int r;

        if (f == WF_STATUS) {
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/status", (int) w->service->main_pid);
                w->status_pid = w->service->main_pid;
                w->fd[f] = open(path, O_RDONLY | O_CLOEXEC);
                return w->fd[f] < 0 ? -errno : 0;
        }
        name = w->v2 ? files[f].v2 : files[f].v1;
        if (!name)
                return -ENOENT;
        r = cg_service_dir(w->service->cg, files[f].controller, &dir);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        w->fd[f] = open(p, O_RDONLY | O_CLOEXEC);
        return w->fd[f] < 0 ? -errno : 0;
}

/* Read a sampled file into buf (NUL-terminated). Returns the length or
 * -errno. A failed read closes the fd, so the next call reopens it (the
 * cgroup may have been recreated, the process replaced). */
static ssize_t wf_read(Watch *w, WatchFile f, char *buf, size_t size) {
        ssize_t n;
        int r;

        if (f == WF_STATUS && w->fd[f] >= 0 && w->status_pid != w->service->main_pid)
                wf_close(w, f);
        if (w->fd[f] < 0) {
                if (f == WF_STATUS && w->service->main_pid <= 0)
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

/* The slow reads (memory.stat, /proc status) are needed for the history,
 * not for the thresholds: far from the limits every 5th sample, near them
 * every sample. */
static bool full_sample(Watch *w) {
        return w->n_samples % 5 == 0 || w->interval < w->service->cfg->sample_interval;
}

/* The costly per-sample reads (memory.stat, /proc status, smaps_rollup):
 * done after the thresholds are checked, so they never delay an
 * observation. */
static void record_history(Watch *w, usec_t now) {
        Service *s = w->service;
        char buf[8192];
        ssize_t n;

        if (!w->history)
                return;
        if (full_sample(w)) {
                CgMemStat ms;
                ProcStatus ps;

                /* anon from the cgroup; RSS and threads of the main process */
                n = wf_read(w, WF_STAT, buf, sizeof buf);
                if (n >= 0 && cgstat_memory_stat_parse_buf(buf, (size_t) n, !w->v2, &ms) >= 0 &&
                    ms.anon != CGSTAT_UNKNOWN)
                        w->last_anon = ms.anon;
                n = wf_read(w, WF_STATUS, buf, sizeof buf);
                if (n >= 0 && procfs_status_parse_buf(buf, (size_t) n, &ps) >= 0) {
                        w->last_rss = ps.vm_rss;
                        w->last_threads = ps.threads;
                }
        }
        if (s->main_pid > 0 && (w->n_samples % 10 == 0 || w->interval < s->cfg->sample_interval)) {
                ProcSmapsRollup sr;
                if (procfs_read_smaps_rollup(NULL, s->main_pid, &sr) >= 0) {
                        w->main_rss = sr.rss;
                        w->main_pss = sr.pss;
                        w->main_anon = sr.anonymous;
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
                           });
}

static void update_trends(Watch *w, usec_t now) {
        Service *s = w->service;
        TrendResult r;

        w->slope_bps = 0;
        if (w->short_trend && trend_window_add(w->short_trend, now, w->memory_current) >= 0 &&
            trend_window_estimate(w->short_trend, &r) >= 0)
                w->slope_bps = r.slope_bps;
        if (w->long_trend && trend_window_add(w->long_trend, now, w->memory_current) >= 0 &&
            trend_window_estimate(w->long_trend, &r) >= 0 &&
            trend_is_leak(&r, s->cfg->leak_window, (double) s->cfg->leak_min_slope) &&
            (w->leak_raised_at == 0 || now - w->leak_raised_at >= s->cfg->leak_window)) {
                char what[160], rate[UNIT_SIZE_MAX];
                fmt_size(rate, (uint64_t) (r.slope_bps * 3600));
                snprintf(what, sizeof what,
                         "memory grows steadily: %s/h over the last %.0fs (slope %.0f B/s, steadiness %.2f)",
                         rate, (double) r.span_usec / USEC_PER_SEC, r.slope_bps, r.steadiness);
                w->leak_raised_at = now;
                observe(w, EVENT_LEAK_TREND, what,
                        trend_eta(w->memory_current, w->eff.memory.value, r.slope_bps));
        }
}

/* v2, a service without memory.high (memory_high = none): nothing but
 * sampling would see usage cross capture_at, and a leak of 400 MB/s
 * crosses capture_at and memory.max between two samples (measured: 0 of 5
 * captured). memory.high at capture_at is a tripwire: the task that
 * crosses it bumps memory.events "high" (an inotify wake-up) and the
 * kernel throttles it from there. It is lifted as the pre-oom is raised
 * (the capture clamps and restores memory.high itself), so it never
 * throttles longer than it takes to see it, and set again when the
 * episode ends. */
static void tripwire_set(Watch *w, bool arm) {
        Service *s = w->service;
        _cleanup_free_ char *dir = NULL, *p = NULL;
        char v[32];
        int r;

        if (arm == w->tripwire)
                return;
        if (arm && (!w->v2 || s->limits.memory_high != CG_UNLIMITED || w->capture_bytes == UINT64_MAX ||
                    w->capture_bytes >= w->eff.memory.value || s->main_pid <= 0))
                return;
        if (cg_service_dir(s->cg, "memory", &dir) < 0 || asprintf(&p, "%s/memory.high", dir) < 0)
                return;
        if (arm)
                snprintf(v, sizeof v, "%" PRIu64, w->capture_bytes);
        else if (s->limits.memory_high == CG_UNLIMITED)
                snprintf(v, sizeof v, "max");
        else
                snprintf(v, sizeof v, "%" PRIu64, s->limits.memory_high);
        r = cg_write_file(p, v);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot %s the capture_at tripwire (memory.high): %m",
                                  s->cfg->name, arm ? "set" : "lift");
                return;
        }
        w->tripwire = arm;
        /* once per start and per episode: no flood */
        log_info("Service '%s': capture_at tripwire %s (memory.high %s).", s->cfg->name,
                 arm ? "set" : "lifted, the pre-oom is seen", v);
}

static void raise_pre_oom(Watch *w, const char *what, usec_t eta) {
        tripwire_set(w, false);
        w->pre_oom_raised = true;
        w->pre_oom_bytes = w->memory_current;
        observe(w, EVENT_PRE_OOM, what, eta);
}

static void read_pids_events(Watch *w, bool report);

static void sample_now(Watch *w) {
        Service *s = w->service;
        char buf[64];
        usec_t now = now_mono(), eta;
        uint64_t v;

        if (wf_read(w, WF_MEMORY, buf, sizeof buf) >= 0 && cg_parse_limit(buf, &v) >= 0)
                w->memory_current = v;
        if (wf_read(w, WF_PIDS, buf, sizeof buf) >= 0 && cg_parse_limit(buf, &v) >= 0)
                w->pids_current = v;
        if (!w->v2) {
                /* v1: allocations that hit the limit and had to reclaim */
                if (wf_read(w, WF_FAILCNT, buf, sizeof buf) >= 0 && cg_parse_limit(buf, &v) >= 0) {
                        if (v > w->failcnt && w->n_samples > 0 && !w->pre_oom_raised &&
                            w->capture_bytes != UINT64_MAX && w->memory_current >= w->capture_bytes / 2) {
                                char what[96];
                                snprintf(what, sizeof what,
                                         "memory.failcnt +%" PRIu64 " (allocations hit the limit)",
                                         v - w->failcnt);
                                w->failcnt = v;
                                raise_pre_oom(w, what, eta_now(w, now_mono()));
                        }
                        w->failcnt = v;
                }
        }
        update_trends(w, now);
        eta = eta_now(w, now);

        if (w->capture_bytes != UINT64_MAX) {
                if (!w->pre_oom_raised && w->memory_current >= w->capture_bytes) {
                        char what[96], cb[UNIT_SIZE_MAX];
                        fmt_size(cb, w->capture_bytes);
                        snprintf(what, sizeof what, "memory at or above capture_at (%s)", cb);
                        raise_pre_oom(w, what, eta);
                } else if (!w->pre_oom_raised && eta != USEC_INFINITY && eta < s->cfg->capture_lead &&
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
        w->prev_memory = w->memory_current;
        w->prev_t = now;
        w->n_samples++;

        /* closer to a limit, look more often */
        if ((w->capture_bytes != UINT64_MAX && w->memory_current >= w->capture_bytes / 2) ||
            (w->pids_capture != UINT64_MAX && w->pids_current >= w->pids_capture / 2))
                w->interval = MIN(100 * USEC_PER_MSEC, s->cfg->sample_interval);
        else
                w->interval = s->cfg->sample_interval;
}

static void arm_v1_threshold(Watch *w);

/* Far from the limits, a sample may come up to a quarter of the interval
 * late: sd-event then wakes once for all the services whose windows
 * overlap (it aligns wake-ups inside the windows), instead of once per
 * service. Near a limit, 5 ms. */
static void rearm_sample(Watch *w) {
        usec_t acc = w->interval >= w->service->cfg->sample_interval && w->interval >= USEC_PER_SEC / 2
                             ? w->interval / 4
                             : 5 * USEC_PER_MSEC;

        (void) sd_event_source_set_time_accuracy(w->sample, acc);
        (void) sd_event_source_set_time_relative(w->sample, w->interval);
        (void) sd_event_source_set_enabled(w->sample, SD_EVENT_ONESHOT);
}

static int on_sample(sd_event_source *src, uint64_t usec, void *userdata) {
        Watch *w = userdata;

        if (!w->v2 && w->service->main_pid > 0)
                arm_v1_threshold(w);
        sample_now(w);
        rearm_sample(w);
        return 0;
}

/* ---- events ---- */

static void read_memory_events(Watch *w, bool report) {
        _cleanup_free_ char *buf = NULL;
        uint64_t high = 0, max = 0, oom_kill = 0;

        if (cg_service_read(w->service->cg, "memory.events", &buf) < 0)
                return;
        (void) cgstat_kv_get(buf, strlen(buf), "high", &high);
        (void) cgstat_kv_get(buf, strlen(buf), "max", &max);
        (void) cgstat_kv_get(buf, strlen(buf), "oom_kill", &oom_kill);
        if (report) {
                sample_now(w); /* fresh numbers for the observation */
                if (oom_kill > w->ev_oom_kill) {
                        char what[64];
                        snprintf(what, sizeof what, "memory.events oom_kill +%" PRIu64,
                                 oom_kill - w->ev_oom_kill);
                        report_kernel_oom(w);
                        observe(w, EVENT_OOM_KILL, what, USEC_INFINITY);
                } else if ((high > w->ev_high || max > w->ev_max) && !w->pre_oom_raised &&
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

        if (cg_service_read(w->service->cg, "pids.events", &buf) < 0)
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
        read_pids_events(userdata, true);
        return 0;
}

/* v1: memory.usage_in_bytes crossed the registered threshold (either way) */
static int on_v1_threshold(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Watch *w = userdata;
        uint64_t n;

        (void) !read(fd, &n, sizeof n);
        sample_now(w);
        if (!w->pre_oom_raised && w->memory_current >= w->capture_bytes) {
                raise_pre_oom(w, "memory.usage_in_bytes crossed capture_at (eventfd)",
                              eta_now(w, now_mono()));
        }
        return 0;
}

static int set_oom_kill_disable(Watch *w, bool disable) {
        _cleanup_free_ char *dir = NULL, *p = NULL;
        int r = cg_service_dir(w->service->cg, "memory", &dir);
        if (r < 0)
                return r;
        if (asprintf(&p, "%s/memory.oom_control", dir) < 0)
                return -ENOMEM;
        return cg_write_file(p, disable ? "1" : "0");
}

/* Nothing took over within oom_pause_max: a paused service must never be
 * left hanging, so give the decision back to the kernel (which kills). */
static int on_oom_pause_expired(sd_event_source *src, uint64_t usec, void *userdata) {
        Watch *w = userdata;
        Service *s = w->service;
        int r;

        if (!w->paused)
                return 0;
        log_warning(
                "Service '%s' stayed paused at its memory limit for oom_pause_max (%llums) with no action: "
                "re-enabling the kernel OOM killer.",
                s->cfg->name, (unsigned long long) (s->cfg->oom_pause_max / USEC_PER_MSEC));
        r = set_oom_kill_disable(w, false);
        if (r < 0)
                log_error_errno(r, "Service '%s': cannot re-enable the OOM killer: %m", s->cfg->name);
        w->paused = false;
        return 0;
}

static void oom_paused(Watch *w) {
        Service *s = w->service;
        int r;

        if (w->paused)
                return;
        w->paused = true;
        if (w->held) {
                log_warning("Service '%s' is paused at its memory limit (memory.oom_control under_oom 1) "
                            "while a capture runs.",
                            s->cfg->name);
                evidence_paused(s);
                return;
        }
        log_warning("Service '%s' is paused at its memory limit (memory.oom_control under_oom 1): the "
                    "kernel OOM "
                    "killer is held for up to oom_pause_max (%llums).",
                    s->cfg->name, (unsigned long long) (s->cfg->oom_pause_max / USEC_PER_MSEC));
        if (!w->oom_pause) {
                r = sd_event_add_time_relative(s->ctx->event, &w->oom_pause, CLOCK_MONOTONIC,
                                               s->cfg->oom_pause_max, USEC_PER_MSEC, on_oom_pause_expired,
                                               w);
                if (r < 0) {
                        log_error_errno(r, "Service '%s': cannot arm oom_pause_max, releasing now: %m",
                                        s->cfg->name);
                        (void) on_oom_pause_expired(NULL, 0, w);
                        return;
                }
                (void) sd_event_source_set_description(w->oom_pause, "watch-oom-pause");
        } else {
                (void) sd_event_source_set_time_relative(w->oom_pause, s->cfg->oom_pause_max);
                (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_ONESHOT);
        }
        /* a process with no capture of its own yet is captured now (the
         * capture holds the pause's timer) */
        evidence_paused(s);
}

static int on_v1_oom(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Watch *w = userdata;
        _cleanup_free_ char *buf = NULL;
        uint64_t n, under = 0, kills = 0;

        (void) !read(fd, &n, sizeof n);
        sample_now(w);
        if (cg_service_read(w->service->cg, "memory.oom_control", &buf) < 0)
                return 0;
        (void) cgstat_kv_get(buf, strlen(buf), "under_oom", &under);
        (void) cgstat_kv_get(buf, strlen(buf), "oom_kill", &kills);
        if (kills > w->ev_oom_kill) {
                char what[64];
                snprintf(what, sizeof what, "memory.oom_control oom_kill +%" PRIu64, kills - w->ev_oom_kill);
                report_kernel_oom(w);
                observe(w, EVENT_OOM_KILL, what, USEC_INFINITY);
        } else if (under) {
                if (!w->pre_oom_raised)
                        raise_pre_oom(w, "memory.oom_control under_oom 1", 0);
                if (w->service->limits.oom_pause)
                        oom_paused(w);
        }
        w->ev_oom_kill = kills;
        return 0;
}

/* v2: the PSI trigger fired (tasks stalled on memory for psi_stall within
 * psi_window). Pressure far from any limit is page-cache churn, not an
 * approaching OOM: it counts as pre-oom only above half the threshold. */
static int on_psi(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Watch *w = userdata;
        Service *s = w->service;
        usec_t now = now_mono();

        if (revents & EPOLLERR) {
                log_warning("Service '%s': the PSI trigger is gone (cgroup removed?); memory_pressure off.",
                            s->cfg->name);
                w->psi = sd_event_source_disable_unref(w->psi);
                return 0;
        }
        /* the kernel fires at most once per window; log at most once per second */
        if (now - w->psi_last < USEC_PER_SEC)
                return 0;
        w->psi_last = now;
        sample_now(w);
        log_debug("Service '%s': memory pressure (%s stall >= %llums in %llums).", s->cfg->name,
                  s->cfg->psi_full ? "full" : "some", (unsigned long long) (s->cfg->psi_stall_usec / 1000),
                  (unsigned long long) (s->cfg->psi_window_usec / 1000));
        if (!w->pre_oom_raised && w->capture_bytes != UINT64_MAX &&
            w->memory_current >= w->capture_bytes / 2) {
                char what[96];
                snprintf(what, sizeof what, "memory pressure: %s stall >= %llums within %llums",
                         s->cfg->psi_full ? "full" : "some",
                         (unsigned long long) (s->cfg->psi_stall_usec / 1000),
                         (unsigned long long) (s->cfg->psi_window_usec / 1000));
                raise_pre_oom(w, what, eta_now(w, now));
        }
        return 0;
}

static void arm_psi(Watch *w) {
        Service *s = w->service;
        _cleanup_free_ char *dir = NULL, *p = NULL;
        _cleanup_close_ int fd = -EBADF;
        char trig[64];
        int r;

        if (!w->v2 || s->cfg->psi_stall_usec == 0 || w->psi)
                return;
        if (cg_service_dir(s->cg, "memory", &dir) < 0 || asprintf(&p, "%s/memory.pressure", dir) < 0)
                return;
        fd = open(p, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
                log_info_errno(errno, "Service '%s': no PSI (%s: %m); memory_pressure off.", s->cfg->name,
                               p);
                return;
        }
        snprintf(trig, sizeof trig, "%s %llu %llu", s->cfg->psi_full ? "full" : "some",
                 (unsigned long long) s->cfg->psi_stall_usec, (unsigned long long) s->cfg->psi_window_usec);
        if (write(fd, trig, strlen(trig) + 1) < 0) {
                log_warning_errno(errno, "Service '%s': the kernel refused the PSI trigger '%s': %m",
                                  s->cfg->name, trig);
                return;
        }
        r = sd_event_add_io(s->ctx->event, &w->psi, fd, EPOLLPRI, on_psi, w);
        if (r < 0) {
                log_warning_errno(r, "Service '%s': cannot watch PSI: %m", s->cfg->name);
                return;
        }
        (void) sd_event_source_set_io_fd_own(w->psi, true);
        (void) sd_event_source_set_description(w->psi, "watch-psi");
        TAKE_FD(fd);
}

/* Register an eventfd through cgroup.event_control: "<efd> <fd> [args]".
 * The kernel drops the registration when the eventfd is closed. */
static int v1_register(Watch *w, const char *file, const char *args, sd_event_io_handler_t cb,
                       sd_event_source **ret) {
        _cleanup_free_ char *dir = NULL, *target = NULL, *ctl = NULL;
        _cleanup_close_ int efd = -EBADF, tfd = -EBADF;
        char line[128];
        int r;

        r = cg_service_dir(w->service->cg, "memory", &dir);
        if (r < 0)
                return r;
        if (asprintf(&target, "%s/%s", dir, file) < 0 || asprintf(&ctl, "%s/cgroup.event_control", dir) < 0)
                return -ENOMEM;
        efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (efd < 0)
                return -errno;
        tfd = open(target, O_RDONLY | O_CLOEXEC);
        if (tfd < 0)
                return -errno;
        snprintf(line, sizeof line, "%d %d%s%s", efd, tfd, args ? " " : "", args ?: "");
        r = cg_write_file(ctl, line);
        if (r < 0)
                return r;
        r = sd_event_add_io(w->service->ctx->event, ret, efd, EPOLLIN, cb, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_io_fd_own(*ret, true);
        TAKE_FD(efd);
        return 0;
}

/* The oom_control eventfd: once per cgroup (cheap to register). */
static void arm_v1_oom(Watch *w) {
        int r;

        if (w->v1_oom)
                return;
        r = v1_register(w, "memory.oom_control", NULL, on_v1_oom, &w->v1_oom);
        if (r < 0)
                log_warning_errno(r, "Service '%s': cannot watch memory.oom_control: %m",
                                  w->service->cfg->name);
}

/* The usage threshold eventfd. Registering one makes the kernel wait for
 * an RCU grace period (~10-15 ms here) while our loop is blocked, so it is
 * done from the first sample after a start (a process that lives shorter
 * than sample_interval never pays) and only when the threshold changed. */
static void arm_v1_threshold(Watch *w) {
        char bytes[32];
        int r;

        if (w->capture_bytes == w->threshold_bytes && w->v1_threshold)
                return;
        w->v1_threshold = sd_event_source_disable_unref(w->v1_threshold);
        w->threshold_bytes = w->capture_bytes;
        if (w->capture_bytes == UINT64_MAX)
                return;
        snprintf(bytes, sizeof bytes, "%" PRIu64, w->capture_bytes);
        r = v1_register(w, "memory.usage_in_bytes", bytes, on_v1_threshold, &w->v1_threshold);
        if (r < 0)
                log_warning_errno(r, "Service '%s': cannot register a memory threshold, sampling only: %m",
                                  w->service->cfg->name);
}

static void compute_thresholds(Watch *w) {
        Service *s = w->service;
        const ServiceConfig *c = s->cfg;

        (void) watch_effective_limits(s, &w->eff);
        w->capture_bytes = limit_resolve(&c->capture_at, w->eff.memory.value, 8500);
        w->pids_capture = limit_resolve(&c->pids_capture_at, w->eff.pids.value, 9000);

        /* v2 guard without a memory_max of the service's own: when the only
         * limit is above cgwarden (a slice, a container), memory.high is
         * taken against that one, so the throttled window still comes
         * before the kill */
        if (w->v2 && s->limits.memory_max == CG_UNLIMITED && !streq(w->eff.memory.source, "MemTotal") &&
            c->memory_high.kind != LIMIT_NONE) {
                uint64_t high = limit_resolve(&c->memory_high, w->eff.memory.value, 9000);
                if (high < s->limits.memory_high) {
                        CgLimits l = s->limits;
                        char hb[UNIT_SIZE_MAX];
                        l.memory_high = high;
                        if (cg_service_set_limits(s->cg, &l) >= 0) {
                                s->limits = l;
                                fmt_size(hb, high);
                                log_info("Service '%s': memory.high set to %s against the effective limit.",
                                         c->name, hb);
                        }
                }
        }
}

void watch_started(Watch *w) {
        char m[UNIT_SIZE_MAX], cb[UNIT_SIZE_MAX];

        if (!w)
                return;
        compute_thresholds(w);
        w->pre_oom_raised = w->pids_limit_raised = false;
        /* the history outlives restarts (the run before a crash matters);
         * the trends describe one process */
        if (!w->history)
                (void) history_new(&w->history);
        if (!w->short_trend)
                (void) trend_window_new(60 * USEC_PER_SEC, 12, &w->short_trend);
        if (!w->long_trend)
                (void) trend_window_new(w->service->cfg->leak_window, 15, &w->long_trend);
        if (w->short_trend)
                trend_window_reset(w->short_trend);
        if (w->long_trend)
                trend_window_reset(w->long_trend);
        w->leak_raised_at = 0;
        w->prev_t = 0;
        w->last_rss = w->last_threads = 0;
        read_memory_events(w, false);
        read_pids_events(w, false);
        if (!w->v2) {
                _cleanup_free_ char *buf = NULL;
                if (cg_service_read(w->service->cg, "memory.oom_control", &buf) >= 0)
                        (void) cgstat_kv_get(buf, strlen(buf), "oom_kill", &w->ev_oom_kill);
                /* the guard again, if oom_pause_max handed a previous run
                 * to the kernel */
                w->paused = false;
                (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_OFF);
                if (w->service->limits.oom_pause)
                        (void) set_oom_kill_disable(w, true);
                arm_v1_oom(w);
        } else
                arm_psi(w);
        w->tripwire = false; /* a new process: memory.high is what the limits say */
        tripwire_set(w, true);
        fmt_size(m, w->eff.memory.value);
        fmt_size(cb, w->capture_bytes);
        log_info("Service '%s': effective memory limit %s (%s), capture at %s; effective task limit %" PRIu64
                 " (%s), capture at %" PRIu64 ".",
                 w->service->cfg->name, m, w->eff.memory.source, cb, w->eff.pids.value, w->eff.pids.source,
                 w->pids_capture);
        sample_now(w);
        rearm_sample(w);
}

/* The kernel's OOM notification on v1 comes before the kill is counted,
 * and inotify on v2 may be dispatched after the child's exit: look at the
 * counters again when the main process is gone. */
static void check_oom_kill(Watch *w) {
        if (w->v2)
                read_memory_events(w, true);
        else {
                _cleanup_free_ char *buf = NULL;
                uint64_t kills = 0;
                if (cg_service_read(w->service->cg, "memory.oom_control", &buf) < 0)
                        return;
                (void) cgstat_kv_get(buf, strlen(buf), "oom_kill", &kills);
                if (kills > w->ev_oom_kill) {
                        char what[64];
                        snprintf(what, sizeof what, "memory.oom_control oom_kill +%" PRIu64,
                                 kills - w->ev_oom_kill);
                        report_kernel_oom(w);
                        observe(w, EVENT_OOM_KILL, what, USEC_INFINITY);
                        w->ev_oom_kill = kills;
                }
        }
}

void watch_stopped(Watch *w) {
        if (!w)
                return;
        check_oom_kill(w);
        w->paused = false;
        (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(w->sample, SD_EVENT_OFF);
        wf_close(w, WF_STATUS);
        /* the v1 eventfds stay registered: they belong to the cgroup, which
         * outlives the process, and re-registering costs */
}

int watch_new(Service *s, Watch **ret) {
        sd_event *e = s->ctx->event;
        Watch *w;
        int r;

        w = calloc(1, sizeof *w);
        if (!w)
                return log_oom();
        w->service = s;
        for (WatchFile f = 0; f < _WF_MAX; f++)
                w->fd[f] = -1;
        w->v2 = cg_context_mode(s->ctx->cg) == CG_MODE_UNIFIED;
        w->interval = s->cfg->sample_interval;

        r = sd_event_add_time_relative(e, &w->sample, CLOCK_MONOTONIC, w->interval, 5 * USEC_PER_MSEC,
                                       on_sample, w);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(w->sample, SD_EVENT_OFF);
        (void) sd_event_source_set_description(w->sample, "watch-sample");

        {
                _cleanup_free_ char *dir = NULL, *p = NULL;
                if (w->v2 && cg_service_dir(s->cg, "memory", &dir) >= 0 &&
                    asprintf(&p, "%s/memory.events", dir) >= 0 &&
                    sd_event_add_inotify(e, &w->mem_events, p, IN_MODIFY, on_memory_events, w) >= 0)
                        (void) sd_event_source_set_description(w->mem_events, "watch-memory-events");
        }
        {
                _cleanup_free_ char *dir = NULL, *p = NULL;
                if (cg_service_dir(s->cg, "pids", &dir) >= 0 && asprintf(&p, "%s/pids.events", dir) >= 0 &&
                    access(p, F_OK) >= 0 &&
                    sd_event_add_inotify(e, &w->pids_events, p, IN_MODIFY, on_pids_events, w) >= 0)
                        (void) sd_event_source_set_description(w->pids_events, "watch-pids-events");
        }
        *ret = w;
        return 0;
fail:
        watch_free(w);
        return log_error_errno(r, "Service '%s': cannot set up watchers: %m", s->cfg->name);
}

Watch *watch_free(Watch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->sample);
        sd_event_source_disable_unref(w->mem_events);
        sd_event_source_disable_unref(w->pids_events);
        sd_event_source_disable_unref(w->v1_threshold);
        sd_event_source_disable_unref(w->v1_oom);
        sd_event_source_disable_unref(w->oom_pause);
        sd_event_source_disable_unref(w->psi);
        wf_close_all(w);
        history_free(w->history);
        free(w->kernel_report);
        trend_window_free(w->short_trend);
        trend_window_free(w->long_trend);
        free(w);
        return NULL;
}

/* ---- for the evidence sequences ---- */

bool watch_paused(const Watch *w) {
        return w && w->paused;
}

void watch_hold_pause(Watch *w, bool hold) {
        if (!w || w->v2)
                return;
        w->held = hold;
        if (hold) {
                (void) sd_event_source_set_enabled(w->oom_pause, SD_EVENT_OFF);
                return;
        }
        if (w->paused) {
                /* the capture is done and nothing else took over: the kernel
                 * decides, as it would have at oom_pause_max */
                Service *s = w->service;
                int r = set_oom_kill_disable(w, false);
                if (r < 0)
                        log_error_errno(r, "Service '%s': cannot re-enable the OOM killer: %m",
                                        s->cfg->name);
                else
                        log_notice("Service '%s': evidence taken; the kernel OOM killer decides again.",
                                   s->cfg->name);
                w->paused = false;
        }
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
        fmt_size(m, w->eff.memory.value);
        fmt_size(cb, w->capture_bytes);
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
        if (w->slope_bps > 0)
                ret->eta = trend_eta(w->memory_current, w->eff.memory.value, w->slope_bps);
}
