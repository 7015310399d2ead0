/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A JVM's memory bounds (its command line, then VM.flags) and its NMT
 * baseline a few seconds after each start (guard.h). */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/procfs.h"
#include "base/units.h"
#include "guard/guard-internal.h"
#include "capture/histogram.h"
#include "capture/nmt.h"

/* the baseline histogram's answer: a big application's is a few MB */
#define HIST_MAX_BYTES (32U * 1024U * 1024U)

static int on_nmt_timer(sd_event_source *src, uint64_t usec, void *userdata);

/* *p = a copy of s, NULL for "" (or when out of memory: logged). The
 * guard's texts are allocated only when there is something to say. */
static void set_text(char **p, const char *s) {
        free(*p);
        *p = NULL;
        if (s[0] && !(*p = strdup(s)))
                (void) log_oom();
}

/* The JVM's bounds against the effective memory limit: warned once per
 * process when something is wrong, kept for the captures and status. */
static void jvm_limits_check(Guard *g, const char *from) {
        CaptureTrigger t = { .memory_max = UINT64_MAX };
        char finding[400];

        watch_fill_trigger(g->watch, &t);
        g->jvm_problems = jvm_flags_findings(&g->jvm_flags, t.memory_max, finding, sizeof finding);
        if (streq(finding, g->jvm_finding ?: ""))
                return;
        set_text(&g->jvm_finding, finding);
        if (g->jvm_problems > 0)
                log_warning("Service '%s' (%s): %s.", g->cfg->name, from, finding);
}

/* At the start: the options the JVM is given (JAVA_TOOL_OPTIONS, then
 * JDK_JAVA_OPTIONS, then the command line: the later wins, as in the
 * launcher). A java started by a script is learnt from VM.flags later. */
void guard_jvm_limits_from_command_line(Guard *g) {
        char *const *envp = guard_process(g).envp;
        const char *vars[] = { "JAVA_TOOL_OPTIONS=", "JDK_JAVA_OPTIONS=" };

        jvm_flags_init(&g->jvm_flags);
        g->jvm_finding = mfree(g->jvm_finding);
        g->jvm_problems = 0;
        g->jvm_flags_probed = g->jvm_flags_probing = false;
        if (!jvm_is_launcher(guard_process(g).exe))
                return;
        for (size_t v = 0; v < ELEMENTSOF(vars); v++)
                for (char *const *p = envp; p && *p; p++)
                        if (strncmp(*p, vars[v], strlen(vars[v])) == 0)
                                (void) jvm_flags_parse(*p + strlen(vars[v]), strlen(*p + strlen(vars[v])),
                                                       &g->jvm_flags);
        if (g->cfg->jvm_options && !streq(g->cfg->jvm_options, "auto") &&
            !streq(g->cfg->jvm_options, "none"))
                (void) jvm_flags_parse(g->cfg->jvm_options, strlen(g->cfg->jvm_options), &g->jvm_flags);
        (void) jvm_flags_parse_argv(g->cfg->argv, &g->jvm_flags);
        jvm_limits_check(g, "its command line");
}

void guard_nmt_cancel(Guard *g) {
        g->hist_probing = false;
        g->nmt_io = sd_event_source_disable_unref(g->nmt_io);
        g->nmt_deadline = sd_event_source_disable_unref(g->nmt_deadline);
        g->nmt_attach = hotspot_attach_free(g->nmt_attach);
        g->nmt_fd = safe_close(g->nmt_fd);
}

void guard_nmt_arm(Guard *g, usec_t after) {
        g->hist_due = false;
        g->nmt_next_at = now_usec(CLOCK_MONOTONIC) + after;
        if (!g->nmt_timer) {
                if (sd_event_add_time_relative(g->event, &g->nmt_timer, CLOCK_MONOTONIC, after,
                                               USEC_PER_MSEC, on_nmt_timer, g) < 0) {
                        g->nmt_next_at = 0;
                        return;
                }
                (void) sd_event_source_set_description(g->nmt_timer, "nmt-baseline");
                return;
        }
        (void) sd_event_source_set_time_relative(g->nmt_timer, after);
        (void) sd_event_source_set_enabled(g->nmt_timer, SD_EVENT_ONESHOT);
}

/* The class histogram baseline: wanted when captures may hold a
 * histogram (capture = auto: when the heap grew; or listed). */
static bool hist_wanted(const Guard *g) {
        return g->cfg->capture_auto || (g->cfg->capture_mask & (1u << CAPTURE_CLASS_HISTOGRAM));
}

static void hist_arm(Guard *g, usec_t after) {
        guard_nmt_arm(g, after);
        g->hist_due = true;
}

/* After an attach to the JVM (answered: it answered): the early histogram
 * at once, before the NMT attempt pending, if any; the steady one at
 * nmt_baseline_after, after the NMT work. */
static void hist_maybe_arm(Guard *g, bool answered) {
        usec_t up;

        if (!hist_wanted(g) || guard_pid(g) <= 0 || g->nmt_attach)
                return;
        if (!g->hist_early) {
                if (!answered)
                        return;
                g->hist_nmt_resume_at = g->nmt_next_at;
                hist_arm(g, 0);
                return;
        }
        if (g->hist_steady || g->nmt_next_at != 0)
                return;
        if (g->cfg->nmt_baseline_after <= BASELINE_EARLY_USEC) {
                g->hist_steady = true;
                return;
        }
        up = now_usec(CLOCK_MONOTONIC) - guard_process(g).started_at;
        hist_arm(g, g->cfg->nmt_baseline_after > up ? g->cfg->nmt_baseline_after - up : 0);
}

/* The anonymous mappings now: the baseline anon-sample.txt compares
 * with (/proc/PID/maps: no page table walk, unlike smaps). */
static void map_baseline_take(Guard *g) {
        _cleanup_free_ char *buf = NULL;
        char p[64];
        size_t n;

        if (!g->cfg->capture_memory_sample || guard_pid(g) <= 0)
                return;
        snprintf(p, sizeof p, "/proc/%d/maps", (int) guard_pid(g));
        if (procfs_read_full(p, 16 << 20, &buf, &n) < 0)
                return;
        g->map_base = mfree(g->map_base);
        g->n_map_base = 0;
        (void) memsample_anon_ranges(buf, n, &g->map_base, &g->n_map_base);
}

static void hist_finish(Guard *g, int r, const HotspotResult *res) {
        bool first = !g->hist_early;

        g->hist_early = true;
        if (!first)
                g->hist_steady = true;
        if (r >= 0 && res->jvm_status == 0) {
                struct stat st;
                _cleanup_free_ char *buf = NULL;
                Histogram h;
                ssize_t n = -1;

                if (fstat(g->nmt_fd, &st) >= 0 && st.st_size > 0 &&
                    (uint64_t) st.st_size <= HIST_MAX_BYTES && (buf = malloc((size_t) st.st_size)))
                        n = pread(g->nmt_fd, buf, (size_t) st.st_size, 0);
                if (n > 0 && histogram_parse(buf, (size_t) n, &h) >= 0) {
                        char t[UNIT_SIZE_MAX];
                        log_info("Service '%s': class histogram baseline %s (%zu classes, %s live; "
                                 "histogram-diff.txt in later captures).",
                                 g->cfg->name, first ? "taken" : "retaken", h.n,
                                 unit_format_size(t, h.total_bytes));
                        histogram_done(&h);
                        safe_close(g->hist_fd);
                        g->hist_fd = g->nmt_fd;
                        g->nmt_fd = -1;
                } else
                        log_info("Service '%s': no class histogram baseline: the JVM's answer is not a "
                                 "histogram.",
                                 g->cfg->name);
        } else
                log_info("Service '%s': no class histogram baseline: %s", g->cfg->name,
                         r < 0 ? res->error : "the JVM answered with an error");
        map_baseline_take(g);
        guard_nmt_cancel(g);
        g->nmt_next_at = 0;
        if (guard_pid(g) <= 0)
                return;
        if (g->hist_nmt_resume_at) {
                usec_t now = now_usec(CLOCK_MONOTONIC), at = g->hist_nmt_resume_at;
                g->hist_nmt_resume_at = 0;
                guard_nmt_arm(g, at > now ? at - now : 0);
                return;
        }
        hist_maybe_arm(g, true);
}

static void nmt_finish(Guard *g) {
        HotspotResult res;
        char b[UNIT_SIZE_MAX], why[160] = "";
        bool ok = false, answered;
        int r;

        r = hotspot_attach_finish(g->nmt_attach, &res);
        answered = r >= 0 && res.jvm_status == 0;
        if (g->hist_probing) {
                hist_finish(g, r, &res);
                return;
        }
        if (g->jvm_flags_probing) {
                /* VM.flags: the final values, ergonomics included */
                g->jvm_flags_probing = false;
                g->jvm_flags_probed = true;
                if (r >= 0 && res.jvm_status == 0) {
                        char buf[4096];
                        ssize_t n = pread(g->nmt_fd, buf, sizeof buf - 1, 0);
                        JvmFlags f = g->jvm_flags;
                        buf[MAX(n, 0)] = 0;
                        if (jvm_flags_parse(buf, (size_t) MAX(n, 0), &f) > 0) {
                                g->jvm_flags = f;
                                jvm_limits_check(g, "VM.flags");
                        }
                }
                guard_nmt_cancel(g);
                g->nmt_next_at = 0;
                /* the baseline next, at once, when NMT is captured */
                if (guard_pid(g) > 0 && (g->cfg->capture_mask & (1u << CAPTURE_NMT)))
                        guard_nmt_arm(g, 0);
                else
                        hist_maybe_arm(g, answered);
                return;
        }
        if (r >= 0 && res.jvm_status == 0) {
                char buf[256] = "";
                ssize_t n = pread(g->nmt_fd, buf, sizeof buf - 1, 0);
                NmtReport rep;
                buf[MAX(n, 0)] = 0;
                if (nmt_parse(buf, (size_t) MAX(n, 0), &rep) >= 0 && rep.baseline_taken) {
                        ok = true;
                        log_info("Service '%s': NMT baseline %s (nmt-diff.txt in later captures).",
                                 g->cfg->name, g->nmt_baseline ? "retaken" : "taken");
                        if (g->nmt_baseline)
                                g->nmt_refreshed = true;
                        g->nmt_baseline = true;
                } else {
                        snprintf(why, sizeof why, "no NMT baseline: the JVM said: %.100s",
                                 buf[0] ? strtok(buf, "\n") : "nothing");
                        log_info("Service '%s': %s", g->cfg->name, why);
                }
        } else if (r != -ENOEXEC && r != -EPROTONOSUPPORT) {
                snprintf(why, sizeof why, "no NMT baseline: the attach failed: %.100s", res.error);
                log_info("Service '%s': %s", g->cfg->name, why);
        } else
                snprintf(why, sizeof why, "no NMT baseline: not a JVM that answers an attach");
        /* a baseline taken keeps the last reason (the capture does not use it then) */
        if (!ok)
                set_text(&g->nmt_why, why);
        guard_nmt_cancel(g);
        g->nmt_next_at = 0;
        if (guard_pid(g) <= 0)
                return;
        if (ok) {
                /* the steadier one, once startup allocation has settled */
                if (!g->nmt_refreshed && g->cfg->nmt_baseline_after > BASELINE_EARLY_USEC) {
                        usec_t up = now_usec(CLOCK_MONOTONIC) - guard_process(g).started_at;
                        guard_nmt_arm(g,
                                      g->cfg->nmt_baseline_after > up ? g->cfg->nmt_baseline_after - up : 0);
                }
                map_baseline_take(g);
        } else if (!g->nmt_baseline && ++g->nmt_tries < BASELINE_TRIES_MAX) {
                guard_nmt_arm(g, BASELINE_RETRY_USEC);
                snprintf(why + strlen(why), sizeof why - strlen(why), "; asked again in %s",
                         unit_format_duration(b, BASELINE_RETRY_USEC));
                set_text(&g->nmt_why, why);
        }
        hist_maybe_arm(g, answered);
}

static int on_nmt_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        nmt_finish(userdata);
        return 0;
}

static int on_nmt_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        Guard *g = userdata;
        static const char *const baseline_argv[] = { "VM.native_memory", "baseline", NULL };
        static const char *const flags_argv[] = { "VM.flags", NULL };
        /* live objects only (a full GC): what holds memory, as in a heap
         * dump's analysis; the captures' histograms are the same */
        static const char *const hist_argv[] = { "GC.class_histogram", NULL };
        const char *const *argv;
        char path[] = "/tmp/cgwarden-nmt-XXXXXX";
        int r;

        if (src == g->nmt_deadline) {
                nmt_finish(g);
                return 0;
        }
        if (guard_pid(g) <= 0 || g->nmt_attach)
                return 0;
        g->nmt_next_at = 0;
        if (g->capture) {
                /* the capture has the JVM's attention: after it */
                bool h = g->hist_due;
                guard_nmt_arm(g, BASELINE_RETRY_USEC);
                g->hist_due = h;
                return 0;
        }
        /* first what the JVM's memory bounds are, then the baseline(s) */
        g->hist_probing = g->hist_due && g->jvm_flags_probed;
        g->hist_due = false;
        g->jvm_flags_probing = !g->jvm_flags_probed;
        argv = g->jvm_flags_probing ? flags_argv : g->hist_probing ? hist_argv : baseline_argv;
        g->nmt_fd = mkostemp(path, O_CLOEXEC);
        if (g->nmt_fd < 0)
                return 0;
        (void) unlink(path);
        r = hotspot_attach_start(guard_pid(g), argv, g->nmt_fd, BASELINE_TIMEOUT_USEC,
                                 g->hist_probing ? HIST_MAX_BYTES : 4096, &g->nmt_attach);
        if (r >= 0)
                r = sd_event_add_io(g->event, &g->nmt_io, hotspot_attach_get_fd(g->nmt_attach), EPOLLIN,
                                    on_nmt_io, g);
        if (r >= 0)
                r = sd_event_add_time(g->event, &g->nmt_deadline, CLOCK_MONOTONIC,
                                      hotspot_attach_get_deadline(g->nmt_attach), USEC_PER_MSEC,
                                      on_nmt_timer, g);
        if (r < 0)
                guard_nmt_cancel(g);
        return 0;
}

static bool same_ns(pid_t pid, const char *ns) {
        char p[64];
        struct stat a, b;

        snprintf(p, sizeof p, "/proc/%d/ns/%s", (int) pid, ns);
        if (stat(p, &a) < 0)
                return false;
        snprintf(p, sizeof p, "/proc/self/ns/%s", ns);
        return stat(p, &b) >= 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* A JVM killed by a signal leaves /tmp/.java_pid<pid> behind; remove it
 * when the JVM shared our mount and pid namespaces (the path is then ours
 * to see) and the socket is the service user's. */
void guard_remove_stale_attach_socket(Guard *g) {
        char p[64];
        struct stat st;

        if (g->java_pid <= 0)
                return;
        snprintf(p, sizeof p, "/tmp/.java_pid%d", (int) g->java_pid);
        g->java_pid = 0;
        if (lstat(p, &st) >= 0 && S_ISSOCK(st.st_mode) && st.st_uid == guard_process(g).uid &&
            unlink(p) >= 0)
                log_debug("Service '%s': removed the stale attach socket %s.", g->cfg->name, p);
}

/* A new process: its attach socket to remember, its bounds from the
 * command line, then VM.flags and (when NMT is captured) the baseline. */
void guard_java_started(Guard *g) {
        GuardProcess p = guard_process(g);

        guard_remove_stale_attach_socket(g);
        if (jvm_is_launcher(p.exe) && same_ns(p.pid, "mnt") && same_ns(p.pid, "pid"))
                g->java_pid = p.pid;
        g->nmt_baseline = g->nmt_refreshed = false;
        g->nmt_tries = 0;
        g->nmt_next_at = 0;
        g->nmt_why = mfree(g->nmt_why);
        guard_nmt_cancel(g);
        g->hist_fd = safe_close(g->hist_fd);
        g->map_base = mfree(g->map_base);
        g->n_map_base = 0;
        g->hist_due = g->hist_early = g->hist_steady = false;
        g->hist_nmt_resume_at = 0;
        guard_jvm_limits_from_command_line(g);
        if (!jvm_is_launcher(p.exe) || (g->cfg->jvm_options && streq(g->cfg->jvm_options, "none")))
                return;
        guard_nmt_arm(g, (g->cfg->capture_mask & (1u << CAPTURE_NMT))
                                 ? MIN(BASELINE_EARLY_USEC, g->cfg->nmt_baseline_after)
                                 : BASELINE_EARLY_USEC);
}
