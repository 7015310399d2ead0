/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/macro.h"
#include "base/procfs.h"
#include "watched/main-process.h"

#define SCAN_MAX 4096
#define CMDLINE_MAX 8192

int main_process_pick(const MainCandidate *c, size_t n, bool with_regex) {
        int best = -1;
        bool any_java = false;

        for (size_t i = 0; i < n; i++)
                any_java = any_java || c[i].java;
        for (size_t i = 0; i < n; i++) {
                if (with_regex ? !c[i].matched : (any_java && !c[i].java))
                        continue;
                if (best < 0 || c[i].rss > c[best].rss)
                        best = (int) i;
        }
        return best;
}

/* cgroup.procs, one pid a line: the next pid into *ret and where the
 * one after it starts, NULL at the end */
static const char *next_pid(const char *p, pid_t *ret) {
        char *e;
        long v = strtol(p, &e, 10);

        if (e == p)
                return NULL;
        while (*e == '\n')
                e++;
        *ret = (pid_t) v;
        return e;
}

/* /proc/PID/stat's comm and starttime */
static int read_stat(pid_t pid, char comm[static 16], uint64_t *ret_start_ticks) {
        char path[64], buf[1024];
        _cleanup_close_ int fd = -EBADF;
        ssize_t k;

        (void) snprintf(path, sizeof path, "/proc/%d/stat", (int) pid);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        k = read(fd, buf, sizeof buf);
        if (k < 0)
                return -errno;
        return procfs_stat_parse_buf(buf, (size_t) k, comm, ret_start_ticks);
}

int main_process_same(CgService *cg, const MainProcess *m) {
        _cleanup_free_ char *procs = NULL;
        char comm[16];
        pid_t self = getpid(), v;
        uint64_t t;
        bool seen = false;
        int r;

        if (m->pid <= 0)
                return 0;
        r = cg_service_read(cg, "cgroup.procs", &procs);
        if (r < 0)
                return r;
        for (const char *p = procs; (p = next_pid(p, &v));) {
                if (v == self)
                        continue;
                if (v != m->pid)
                        return 0;
                seen = true;
        }
        if (!seen)
                return 0;
        return read_stat(m->pid, comm, &t) >= 0 && t == m->start_ticks && streq(comm, m->comm);
}

uint64_t main_process_start_ticks(pid_t pid) {
        char comm[16];
        uint64_t t;

        return read_stat(pid, comm, &t) >= 0 ? t : 0;
}

static bool cmdline_matches(pid_t pid, const regex_t *re) {
        char path[64];
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;

        (void) snprintf(path, sizeof path, "/proc/%d/cmdline", (int) pid);
        if (procfs_read_full(path, CMDLINE_MAX, &buf, &n) < 0 || n == 0)
                return false;
        /* the arguments joined by spaces, as ps shows them */
        for (size_t i = 0; i + 1 < n; i++)
                if (buf[i] == 0)
                        buf[i] = ' ';
        buf[n - 1] = 0;
        return regexec(re, buf, 0, NULL, 0) == 0;
}

int main_process_find(CgService *cg, const regex_t *jvm_re, MainProcess *ret) {
        _cleanup_free_ char *procs = NULL;
        _cleanup_free_ MainCandidate *c = NULL;
        size_t n = 0, cap = 0;
        pid_t self = getpid(), v;
        int best, r;

        *ret = (MainProcess){};
        r = cg_service_read(cg, "cgroup.procs", &procs);
        if (r < 0)
                return r;
        /* as many as there are lines: an empty cgroup costs no allocation
         * (a zeroed SCAN_MAX array was 6 % of the CPU of 10 000 watched
         * cgroups) */
        for (const char *p = procs; *p; p++)
                cap += *p == '\n';
        cap = MIN(cap + 1, (size_t) SCAN_MAX);
        if (!procs[0])
                return 0;
        c = calloc(cap, sizeof *c);
        if (!c)
                return -ENOMEM;
        for (const char *p = procs; n < cap && (p = next_pid(p, &v));) {
                ProcStatus st;

                if (v <= 0 || v == self)
                        continue;
                if (procfs_read_status(NULL, v, &st) < 0)
                        continue; /* gone meanwhile, or a kernel thread */
                c[n] = (MainCandidate){
                        .pid = v,
                        .rss = st.vm_rss,
                        .java = streq(st.name, "java"),
                        .matched = jvm_re && cmdline_matches(v, jvm_re),
                        .uid = st.euid,
                };
                (void) snprintf(c[n].comm, sizeof c[n].comm, "%s", st.name);
                n++;
        }
        best = main_process_pick(c, n, jvm_re != NULL);
        if (best < 0)
                return 0;
        {
                char path[64];
                ssize_t k;

                ret->pid = c[best].pid;
                ret->java = c[best].java;
                ret->uid = c[best].uid;
                memcpy(ret->comm, c[best].comm, sizeof ret->comm);
                ret->start_ticks = main_process_start_ticks(ret->pid);
                (void) snprintf(path, sizeof path, "/proc/%d/exe", (int) ret->pid);
                k = readlink(path, ret->exe, sizeof ret->exe - 1);
                ret->exe[k > 0 ? k : 0] = 0;
                if (ret->start_ticks == 0)
                        *ret = (MainProcess){}; /* gone meanwhile */
        }
        return 0;
}
