/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The limits that will actually stop a service (cgroup.h). */
#include <sys/resource.h>

#include "base/procfs.h"
#include "cgroup/cgroup-internal.h"
#include "cgroup/cgstat.h"

/* Walk from dir up to top, taking the smallest FILE value. top itself
 * counts: the hierarchy's real root has no limit files (v1: an unlimited
 * value), but inside a cgroup namespace the mount's root is the
 * container's cgroup, and its limit is the container's. */
static void walk_up(const char *dir, const char *top, const char *file, EffectiveLimit *lim) {
        _cleanup_free_ char *d = strdup(dir);
        size_t tl = strlen(top);

        while (d && strlen(d) >= tl && strncmp(d, top, tl) == 0) {
                uint64_t v;

                if (cgstat_read_u64_or_max(d, file, &v) >= 0) {
                        /* v1 reports "no limit" as a huge page-rounded number */
                        if (v >= (UINT64_MAX >> 2))
                                v = UINT64_MAX;
                        if (v < lim->value) {
                                lim->value = v;
                                snprintf(lim->source, sizeof lim->source, "%s of %s", file,
                                         d[tl] ? d + tl : "/");
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

int cg_service_effective_limits(const CgService *s, uid_t uid, EffectiveLimits *ret) {
        EffectiveLimits e = { .memory = { UINT64_MAX, "" }, .pids = { UINT64_MAX, "" } };
        _cleanup_free_ char *mdir = NULL, *pdir = NULL, *mtop = NULL, *ptop = NULL;
        const char *fs = cg_context_fs_root(s->ctx);
        bool v2 = s->ctx->mode == CG_MODE_UNIFIED;
        struct rlimit rl;
        uint64_t v;
        int r;

        r = cg_service_dir(s, "memory", &mdir);
        if (r < 0)
                return r;
        if (asprintf(&mtop, "%s%s", fs, v2 ? "" : "/memory") < 0)
                return -ENOMEM;
        walk_up(mdir, mtop, v2 ? "memory.max" : "memory.limit_in_bytes", &e.memory);
        if (e.memory.value == UINT64_MAX) {
                e.memory.value = mem_total();
                snprintf(e.memory.source, sizeof e.memory.source, "MemTotal");
        }

        if (cg_service_dir(s, "pids", &pdir) >= 0 && asprintf(&ptop, "%s%s", fs, v2 ? "" : "/pids") >= 0)
                walk_up(pdir, ptop, "pids.max", &e.pids);
        /* RLIMIT_NPROC counts the user's tasks; the service inherits ours
         * (root is exempt) */
        if (uid != 0 && getrlimit(RLIMIT_NPROC, &rl) >= 0 && rl.rlim_cur != RLIM_INFINITY &&
            rl.rlim_cur < e.pids.value) {
                e.pids.value = rl.rlim_cur;
                snprintf(e.pids.source, sizeof e.pids.source, "RLIMIT_NPROC of uid %u", (unsigned) uid);
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
