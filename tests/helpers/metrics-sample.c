/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The metrics of a built-in status snapshot, for checking the exposition
 * with promtool (tests/integration/test-metrics-promtool.sh):
 *   metrics-sample          metrics_format() to stdout
 *   metrics-sample PATH     metrics_write_file(PATH)
 * The snapshot covers every family and the awkward cases: unknown values,
 * no limits, names needing escapes or not UTF-8, NaN and infinite doubles, every
 * state. Exit 0, 1 on failure (reported on stderr), 2 for usage errors. */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "control/metrics.h"
#include "service/service-state.h"
#include "service/status.h"

#define MiB ((uint64_t) 1024 * 1024)

int main(int argc, char *argv[]) {
        ServiceStatus svcs[_SVC_STATE_MAX + 3] = {
                {
                        .name = "web",
                        .state = "running",
                        .throttled = true,
                        .pid = 4242,
                        .uptime = 3600 * USEC_PER_SEC,
                        .restarts = 2,
                        .memory_current = 200 * MiB,
                        .memory_high = 230 * MiB,
                        .memory_max = 256 * MiB,
                        .memory_effective = 256 * MiB,
                        .pids_current = 37,
                        .pids_max = 512,
                        .growth_bps = 131072.5,
                        .eta_s = 450.75,
                        .oom_kills = 1,
                        .captures = { 3, 1 },
                        .throttled_s = 12.5,
                },
                {
                        /* what a service looks like with nothing known */
                        .name = "odd \"name\" \\ with\nnewline",
                        .state = "backoff",
                        .memory_current = UINT64_MAX,
                        .memory_high = UINT64_MAX,
                        .memory_max = UINT64_MAX,
                        .memory_effective = UINT64_MAX,
                        .pids_current = UINT64_MAX,
                        .pids_max = UINT64_MAX,
                        .growth_bps = NAN,
                        .eta_s = -1,
                        .throttled_s = INFINITY,
                },
                {
                        /* UTF-8, and a byte that is not (becomes U+FFFD) */
                        .name = "caf\xc3\xa9 \xff",
                        .state = "stopped",
                        .memory_current = 0,
                        .memory_high = UINT64_MAX,
                        .memory_max = UINT64_MAX,
                        .memory_effective = 8192 * MiB,
                        .pids_current = 0,
                        .pids_max = UINT64_MAX,
                        .eta_s = -1,
                },
        };
        size_t n = 3;
        int r;

        if (argc > 2) {
                fprintf(stderr, "usage: %s [PATH]\n", argv[0]);
                return 2;
        }

        /* one more service in each state, with a limit but no ETA */
        for (SvcState st = 0; st < _SVC_STATE_MAX; st++, n++) {
                svcs[n] = svcs[0];
                snprintf(svcs[n].name, sizeof svcs[n].name, "svc-%s", svc_state_to_string(st));
                snprintf(svcs[n].state, sizeof svcs[n].state, "%s", svc_state_to_string(st));
                svcs[n].growth_bps = -4096;
                svcs[n].eta_s = -1;
        }

        if (argc == 2)
                r = metrics_write_file(argv[1], svcs, n, now_usec(CLOCK_REALTIME));
        else
                r = metrics_format(svcs, n, now_usec(CLOCK_REALTIME), stdout);
        if (r < 0) {
                fprintf(stderr, "metrics-sample: %s\n", strerror(-r));
                return 1;
        }
        return 0;
}
