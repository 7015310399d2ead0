/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "capture/capture-internal.h"
#include "capture/nmt.h"
#include "base/procfs.h"
#include "capture/procsnap.h"
#include "capture/store.h"
#include "base/json-util.h"

/* ---- findings: the lines a reader looks for first ---- */

/* Line `index` (0-based) of buf, trimmed, into out. */
static bool nth_line(const char *buf, unsigned index, char *out, size_t size) {
        const char *p = buf, *e;

        for (unsigned i = 0; i < index; i++) {
                p = strchr(p, '\n');
                if (!p)
                        return false;
                p++;
        }
        e = strchrnul(p, '\n');
        while (p < e && *p == ' ')
                p++;
        while (e > p && e[-1] == ' ')
                e--;
        if (e == p)
                return false;
        snprintf(out, size, "%.*s", (int) (e - p), p);
        return true;
}

/* tasks.txt: the processes first ("N processes, M threads in the
 * cgroup", a header, a line each), then "N threads in G groups ...", a
 * column header, and the groups largest first: "  200  nioEventLoopGro*
 * (e.g. ...)". After a thread dump, the Java threads by their full names
 * follow the same way ("N Java threads in G groups ..."): those win. */
static void tasks_top(const char *buf, char *out, size_t size, char *procs, size_t procs_size) {
        char line[256], total[32] = "";
        unsigned long count;
        int off = 0;
        unsigned at = UINT_MAX;
        bool java = false;

        if (nth_line(buf, 0, line, sizeof line) && strstr(line, " in the cgroup"))
                snprintf(procs, procs_size, "%.*s", (int) MIN(strlen(line), procs_size - 1), line);
        /* line by line (nth_line() would stop at the blank line) */
        {
                unsigned i = 0;
                for (const char *p = buf; *p; i++) {
                        const char *e = strchrnul(p, '\n');
                        size_t l = MIN((size_t) (e - p), sizeof line - 1);
                        memcpy(line, p, l);
                        line[l] = 0;
                        if (strstr(line, " Java threads in ") || strstr(line, " Java thread in ")) {
                                at = i;
                                java = true;
                        } else if (!java && strstr(line, " by name (comm"))
                                at = i;
                        p = *e ? e + 1 : e;
                }
        }
        if (at == UINT_MAX || !nth_line(buf, at, line, sizeof line))
                return;
        (void) sscanf(line, "%31s", total);
        if (!nth_line(buf, at + 2, line, sizeof line) || sscanf(line, "%lu %n", &count, &off) < 1)
                return;
        {
                char *eg = strstr(line + off, "  (e.g.");
                if (eg) {
                        while (eg > line + off && eg[-1] == ' ')
                                eg--;
                        *eg = 0;
                }
        }
        snprintf(out, size, "%s (%lu of %s %sthreads)", line + off, count, total, java ? "Java " : "");
}

/* pmap.txt: a header, then the mappings largest RSS first; the mapping's
 * name is everything after the fifth column. */
static void pmap_top(const char *buf, char *out, size_t size) {
        char line[PATH_MAX + 128], addr[32], mode[16];
        unsigned long long kb, rss, dirty;
        int off = 0;

        if (!nth_line(buf, 1, line, sizeof line) ||
            sscanf(line, "%31s %llu %llu %llu %15s %n", addr, &kb, &rss, &dirty, mode, &off) < 5 || off == 0)
                return;
        snprintf(out, size, "%s at %s: %llu kB RSS", line + off, addr, rss);
}

/* The text after "key: " on its line of buf, up to " (" or the end of the
 * line, into out; false when there is no such line. */
static bool line_value(const char *buf, const char *key, char *out, size_t size) {
        size_t l = strlen(key);

        for (const char *p = buf; *p;) {
                const char *e = strchrnul(p, '\n');

                if ((size_t) (e - p) > l + 2 && strncmp(p, key, l) == 0 && p[l] == ':' && p[l + 1] == ' ') {
                        const char *v = p + l + 2, *cut = strstr(v, " (");

                        if (!cut || cut > e)
                                cut = e;
                        snprintf(out, size, "%.*s", (int) (cut - v), v);
                        return true;
                }
                p = *e ? e + 1 : e;
        }
        return false;
}

/* perfdata.txt: "old gen 1.2M used of 42.7M; gc 3 collections, 12.345 ms;
 * last cause Allocation Failure". */
static void perfdata_top(const char *buf, char *out, size_t size) {
        char old[96] = "", gc[96] = "", cause[96] = "";

        (void) line_value(buf, "old gen", old, sizeof old);
        (void) line_value(buf, "gc", gc, sizeof gc);
        (void) line_value(buf, "last gc cause", cause, sizeof cause);
        if (!old[0] && !gc[0])
                return;
        snprintf(out, size, "%s%s%s%s%s%s", old[0] ? "old gen " : "", old,
                 old[0] && gc[0] ? "; gc "
                 : gc[0]         ? "gc "
                                 : "",
                 gc, cause[0] ? "; last cause " : "", cause);
}

int capture_read_file(Capture *c, const char *name, size_t max, char **ret, size_t *ret_n) {
        _cleanup_close_ int fd = openat(c->dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        if (fd < 0)
                return -errno;
        buf = malloc(max);
        if (!buf)
                return -ENOMEM;
        while (n < max - 1) {
                ssize_t k = read(fd, buf + n, max - 1 - n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        buf[n] = 0;
        *ret = TAKE_PTR(buf);
        *ret_n = n;
        return 0;
}

/* glibc's malloc arenas: 64M each reserved, up to 8 per core unless
 * MALLOC_ARENA_MAX bounds them (seed 000: the classic pmap pattern). */
static void arenas_finding(Capture *c, const char *pmap, size_t n) {
        _cleanup_free_ char *env = NULL;
        char p[64], max[32] = "";
        size_t k = memsample_arenas(pmap, n), len;

        if (k < 4)
                return;
        snprintf(p, sizeof p, "/proc/%d/environ", (int) c->spec.pid);
        if (c->spec.pid > 0 && procfs_read_full(p, 1 << 20, &env, &len) >= 0)
                for (size_t i = 0; i < len; i += strlen(env + i) + 1)
                        if (strncmp(env + i, "MALLOC_ARENA_MAX=", 17) == 0)
                                snprintf(max, sizeof max, "%.16s", env + i + 17);
        snprintf(c->arenas, sizeof c->arenas, "%zu glibc malloc arenas of 64M reserved each (%s%s)", k,
                 max[0] ? "MALLOC_ARENA_MAX=" : "MALLOC_ARENA_MAX unset: up to 8 per core",
                 max[0] ? max : "");
}

void capture_findings_read(Capture *c, const Step *s) {
        _cleanup_free_ char *buf = NULL;
        size_t n;

        if (!s->file || capture_read_file(c, s->file, 1 << 20, &buf, &n) < 0)
                return;
        if (streq(s->name, "nmt") || streq(s->name, "nmt-diff")) {
                NmtReport rep;
                if (nmt_parse(buf, n, &rep) < 0)
                        return;
                if (rep.not_enabled) {
                        snprintf(c->nmt_state, sizeof c->nmt_state,
                                 "not enabled: start the JVM with -XX:NativeMemoryTracking=summary "
                                 "(jvm_options = auto adds it when capture includes nmt)");
                } else if (streq(s->name, "nmt")) {
                        snprintf(c->nmt_state, sizeof c->nmt_state, "enabled");
                } else {
                        const NmtCategory *top = nmt_top_growth(&rep), *heap = nmt_find(&rep, "Java Heap");
                        if (heap) {
                                c->heap_delta_known = true;
                                c->heap_committed_delta_kb = heap->committed_delta_kb;
                        }
                        if (top)
                                snprintf(c->nmt_top, sizeof c->nmt_top, "%s +%lldKB committed", top->name,
                                         (long long) top->committed_delta_kb);
                }
        } else if (streq(s->name, "heap")) {
                c->heap_used_known = heap_info_used_kb(buf, n, &c->heap_used_kb) >= 0;
        } else if (streq(s->name, "tasks")) {
                tasks_top(buf, c->tasks_top, sizeof c->tasks_top, c->tasks_procs, sizeof c->tasks_procs);
        } else if (streq(s->name, "pmap")) {
                pmap_top(buf, c->pmap_top, sizeof c->pmap_top);
                arenas_finding(c, buf, n);
        } else if (streq(s->name, "anon-sample")) {
                const char *l = strstr(buf, "\nTop string: ");
                if (l)
                        snprintf(c->anon_top, sizeof c->anon_top, "%.*s", (int) strcspn(l + 13, "\n"),
                                 l + 13);
        } else if (streq(s->name, "perfdata")) {
                perfdata_top(buf, c->perfdata_top, sizeof c->perfdata_top);
        }
}

/* After the thread dump: the Java threads grouped by their full names,
 * appended to tasks.txt (the kernel's comm cuts nioEventLoopGroup-2-1 to
 * nioEventLoopGro, pool-1-thread-7 and pool-2-thread-1 look alike), and
 * the top group from them. Best effort: tasks.txt stays as it is on any
 * failure. */
void capture_findings_java_groups(Capture *c) {
        _cleanup_free_ char *dump = NULL, *tasks = NULL;
        _cleanup_close_ int out = -EBADF;
        char **names = NULL, top[128];
        size_t n = 0, len = 0;
        bool have_tasks = false;

        for (size_t i = 0; i < c->n_steps; i++)
                if (c->steps[i].file && streq(c->steps[i].name, "tasks") && c->steps[i].ok)
                        have_tasks = true;
        if (!have_tasks || capture_read_file(c, "threads.txt", 64 << 20, &dump, &len) < 0 ||
            procsnap_java_thread_names(dump, len, &names, &n) < 0)
                return;
        out = openat(c->dir_fd, "tasks.txt", O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
        if (n > 0 && out >= 0 && procsnap_write_java_groups(names, n, out, top, sizeof top) >= 0 &&
            capture_read_file(c, "tasks.txt", 1 << 20, &tasks, &len) >= 0)
                tasks_top(tasks, c->tasks_top, sizeof c->tasks_top, c->tasks_procs, sizeof c->tasks_procs);
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
}

/* ---- manifest.json ---- */

static json_object *jstr(const char *s) {
        return json_string_or_null(s, false);
}

bool capture_manifest_complete(const Capture *c) {
        if (c->timed_out || c->aborted)
                return false;
        for (size_t i = 0; i < c->n_steps; i++) {
                const Step *s = &c->steps[i];
                if (s->kind == STEP_CLAMP || s->kind == STEP_GRANT || s->skipped)
                        continue;
                if (!s->ok)
                        return false;
        }
        return true;
}

int capture_manifest_write(Capture *c, bool complete, usec_t finished_rt) {
        _cleanup_(json_object_putp) json_object *m = json_object_new_object();
        json_object *trig, *items, *findings;
        char t1[32], t2[32];
        const char *text;
        _cleanup_close_ int fd = -EBADF;
        size_t len;

        if (!m)
                return -ENOMEM;
        capture_format_rfc3339(c->started_rt, t1);
        capture_format_rfc3339(finished_rt, t2);
        json_object_object_add(m, "service", jstr(c->service));
        json_object_object_add(m, "reason", jstr(c->reason));
        json_object_object_add(m, "incident",
                               c->spec.incident[0] ? jstr(c->spec.incident) : json_object_new_null());
        json_object_object_add(m, "pid",
                               c->spec.pid > 0 ? json_object_new_int(c->spec.pid) : json_object_new_null());
        json_object_object_add(m, "cgroup", jstr(c->cgroup));
        json_object_object_add(m, "started_at", jstr(t1));
        json_object_object_add(m, "finished_at", jstr(t2));
        trig = json_object_new_object();
        json_object_object_add(trig, "what", jstr(c->spec.trigger.what));
        json_object_object_add(trig, "memory_current", json_size_or_null(c->spec.trigger.memory_current));
        json_object_object_add(trig, "memory_max", json_size_or_null(c->spec.trigger.memory_max));
        json_object_object_add(trig, "pids_current", json_size_or_null(c->spec.trigger.pids_current));
        json_object_object_add(trig, "pids_max", json_size_or_null(c->spec.trigger.pids_max));
        if (c->spec.trigger.eta == USEC_INFINITY)
                json_object_object_add(trig, "eta_s", json_object_new_null());
        else {
                char eta[32];
                snprintf(eta, sizeof eta, "%.1f", (double) c->spec.trigger.eta / USEC_PER_SEC);
                json_object_object_add(
                        trig, "eta_s",
                        json_object_new_double_s((double) c->spec.trigger.eta / USEC_PER_SEC, eta));
        }
        json_object_object_add(m, "trigger", trig);
        if (c->limits_text)
                json_object_object_add(m, "effective_limits", jstr(c->limits_text));
        items = json_object_new_array();
        for (size_t i = 0; i < c->n_steps; i++) {
                const Step *s = &c->steps[i];
                json_object *it;
                if (s->kind == STEP_CLAMP || s->kind == STEP_GRANT)
                        continue;
                it = json_object_new_object();
                json_object_object_add(it, "name", jstr(s->name));
                json_object_object_add(it, "file",
                                       s->file && faccessat(c->dir_fd, s->file, F_OK, AT_SYMLINK_NOFOLLOW) >=
                                                               0
                                               ? jstr(s->file)
                                               : json_object_new_null());
                json_object_object_add(it, "ok", json_object_new_boolean(s->ok));
                {
                        char ms[32];
                        snprintf(ms, sizeof ms, "%.3f", (double) s->ms_usec / USEC_PER_MSEC);
                        json_object_object_add(
                                it, "ms", json_object_new_double_s((double) s->ms_usec / USEC_PER_MSEC, ms));
                }
                json_object_object_add(it, "error",
                                       s->ok && !s->error[0] ? json_object_new_null()
                                                             : jstr(s->error[0] ? s->error : "not run"));
                if (s->skipped)
                        json_object_object_add(it, "skipped", json_object_new_boolean(true));
                json_object_array_add(items, it);
        }
        json_object_object_add(m, "items", items);
        findings = json_object_new_object();
        if (c->nmt_state[0])
                json_object_object_add(findings, "nmt", jstr(c->nmt_state));
        if (c->nmt_top[0])
                json_object_object_add(findings, "nmt_top_growth", jstr(c->nmt_top));
        if (c->nmt_diff_state[0])
                json_object_object_add(findings, "nmt_diff", jstr(c->nmt_diff_state));
        if (c->jvm_limits)
                json_object_object_add(findings, "jvm_limits", jstr(c->jvm_limits));
        if (c->tasks_top[0])
                json_object_object_add(findings, "tasks_top_group", jstr(c->tasks_top));
        if (c->tasks_procs[0])
                json_object_object_add(findings, "tasks_processes", jstr(c->tasks_procs));
        if (c->pmap_top[0])
                json_object_object_add(findings, "pmap_top_mapping", jstr(c->pmap_top));
        if (c->perfdata_top[0])
                json_object_object_add(findings, "perfdata", jstr(c->perfdata_top));
        if (c->hist_top[0])
                json_object_object_add(findings, "histogram_top_growth", jstr(c->hist_top));
        if (c->nmt_detail_top[0])
                json_object_object_add(findings, "nmt_detail_top", jstr(c->nmt_detail_top));
        if (c->anon_top[0])
                json_object_object_add(findings, "anon_sample_top", jstr(c->anon_top));
        if (c->arenas[0])
                json_object_object_add(findings, "glibc_arenas", jstr(c->arenas));
        json_object_object_add(m, "findings", findings);
        json_object_object_add(m, "complete", json_object_new_boolean(complete));
        if (c->timed_out)
                json_object_object_add(m, "error", jstr("capture_timeout reached"));
        else if (c->aborted)
                json_object_object_add(m, "error", jstr("aborted (the supervisor stopped)"));

        text = json_object_to_json_string_length(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                 &len);
        if (!text)
                return -ENOMEM;
        /* into the space reserved at the start: a full disk still gets
         * the manifest that says so */
        fd = c->manifest_fd >= 0 ? c->manifest_fd : capture_store_create_file(c->dir_fd, "manifest.json");
        c->manifest_fd = -1;
        if (fd < 0)
                return fd;
        for (size_t off = 0; off < len;) {
                ssize_t k = pwrite(fd, text + off, len - off, (off_t) off);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                off += (size_t) k;
        }
        if (pwrite(fd, "\n", 1, (off_t) len) != 1 || ftruncate(fd, (off_t) len + 1) < 0 || fsync(fd) < 0)
                return -errno;
        return 0;
}

int capture_manifest_write_interrupted(int dir_fd, const char *service, const char *reason,
                                       const char *started_at) {
        _cleanup_(json_object_putp) json_object *m = json_object_new_object();
        _cleanup_close_ int mfd = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;
        json_object *items, *trig;
        char now[32];
        const char *text;
        struct dirent *de;
        size_t tlen;

        if (!m)
                return -ENOMEM;
        d = fdopendir(dup(dir_fd));
        if (!d)
                return -errno;

        capture_format_rfc3339(now_usec(CLOCK_REALTIME), now);
        json_object_object_add(m, "service", jstr(service));
        json_object_object_add(m, "reason", jstr(reason));
        json_object_object_add(m, "pid", json_object_new_null());
        json_object_object_add(m, "cgroup", json_object_new_null());
        json_object_object_add(m, "started_at", jstr(started_at));
        json_object_object_add(m, "finished_at", json_object_new_null());
        trig = json_object_new_object();
        json_object_object_add(trig, "what", jstr("unknown: the capture was interrupted"));
        json_object_object_add(m, "trigger", trig);
        items = json_object_new_array();
        while ((de = readdir(d))) {
                struct stat st;
                json_object *it;
                char stem[NAME_MAX + 1];
                const char *dot;

                if (de->d_name[0] == '.' || streq(de->d_name, "manifest.json") ||
                    fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
                        continue;
                dot = strrchr(de->d_name, '.');
                snprintf(stem, sizeof stem, "%.*s",
                         dot && streq(dot, ".txt") ? (int) (dot - de->d_name) : NAME_MAX, de->d_name);
                it = json_object_new_object();
                json_object_object_add(it, "name", jstr(stem));
                json_object_object_add(it, "file", jstr(de->d_name));
                json_object_object_add(it, "ok", json_object_new_boolean(false));
                json_object_object_add(it, "ms", json_object_new_null());
                json_object_object_add(it, "error",
                                       jstr(st.st_size > 0
                                                    ? "not recorded: interrupted (the file may be cut short)"
                                                    : "not recorded: interrupted (empty)"));
                json_object_array_add(items, it);
        }
        json_object_object_add(m, "items", items);
        json_object_object_add(m, "findings", json_object_new_object());
        json_object_object_add(m, "complete", json_object_new_boolean(false));
        json_object_object_add(m, "error", jstr("interrupted: cgwarden stopped during the capture"));
        json_object_object_add(m, "recovered_at", jstr(now));

        text = json_object_to_json_string_length(m, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE,
                                                 &tlen);
        if (!text)
                return -ENOMEM;
        mfd = openat(dir_fd, "manifest.json", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (mfd < 0)
                return -errno;
        if (write(mfd, text, tlen) != (ssize_t) tlen || write(mfd, "\n", 1) != 1 || fsync(mfd) < 0)
                return errno > 0 ? -errno : -EIO;
        return 0;
}
