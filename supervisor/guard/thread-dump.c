/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The thread dump through SIGQUIT, cut out of the service's stdout, for a
 * JVM that cannot be attached to (guard.h). */
#include <signal.h>
#include <unistd.h>

#include "base/log.h"
#include "base/units.h"
#include "guard/guard-internal.h"
#include "base/procfs.h"

void guard_dump_line(Guard *g, int stream, const char *line, size_t n) {
        bool end;

        if (stream != 1 || g->dump_fd < 0)
                return;
        if (!g->dump_in) {
                if (n >= 16 && memcmp(line, "Full thread dump", 16) == 0)
                        g->dump_in = true;
                else
                        return;
        }
        end = n >= 15 && memcmp(line, "JNI global refs", 15) == 0;
        (void) !write(g->dump_fd, line, n);
        (void) !write(g->dump_fd, "\n", 1);
        if (end) {
                Capture *c = g->dump_capture;
                capture_step_done_t done = g->dump_done;
                g->dump_fd = -1;
                g->dump_in = false;
                g->dump_capture = NULL;
                done(c, 0, NULL);
        }
}

int guard_hook_sigquit_dump(void *userdata, Capture *c, int out_fd, capture_step_done_t done) {
        Guard *g = userdata;
        ProcStatus ps;
        int r;

        if (!g->log || guard_pid(g) <= 0)
                return -EOPNOTSUPP;
        r = procfs_read_status(NULL, guard_pid(g), &ps);
        if (r < 0)
                return r;
        /* with -Xrs the JVM does not handle SIGQUIT, and it would die of it */
        if (!(ps.sig_cgt & (UINT64_C(1) << (SIGQUIT - 1))))
                return -EOPNOTSUPP;
        g->dump_fd = out_fd;
        g->dump_in = false;
        g->dump_capture = c;
        g->dump_done = done;
        if (kill(guard_pid(g), SIGQUIT) < 0) {
                r = -errno;
                g->dump_fd = -1;
                return r;
        }
        return 0;
}

void guard_hook_sigquit_cancel(void *userdata) {
        Guard *g = userdata;

        g->dump_fd = -1;
        g->dump_in = false;
        g->dump_capture = NULL;
}
