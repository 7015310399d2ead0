/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "control/metrics.h"
#include "service/status.h"

#define MiB ((uint64_t) 1024 * 1024)
/* 2023-11-14 22:13:20.25 UTC */
#define NOW ((usec_t) 1700000000 * USEC_PER_SEC + 250000)

/* A running, throttled service with every value known. */
static ServiceStatus svc_web(void) {
        ServiceStatus s = {
                .name = "web",
                .kind = "service",
                .cgroup = "/system.slice/cgwarden.service/services/web",
                .state = "running",
                .throttled = true,
                .pid = 4242,
                .uptime = 3600 * USEC_PER_SEC,
                .restarts = 2,
                .memory_current = 200 * MiB,
                .memory_high = 230 * MiB,
                .memory_max = 256 * MiB,
                .memory_effective = 256 * MiB,
                .memory_effective_source = "memory.max",
                .pids_current = 37,
                .pids_max = 512,
                .growth_bps = 131072.5,
                .eta_s = 450.75,
                .oom_kills = 1,
                .throttled_s = 12.5,
                .uploads = 2,
                .upload_failures = 1,
                .uploads_pending = 1,
                .captures_dropped = 47,
                .heap_dumps_dropped = 3,
                .jvm_max_heap = 1024 * MiB,
                .jvm_max_direct = UINT64_MAX,
                .jvm_limit_problems = 1,
                .jvm_heap_used = 300 * MiB,
                .jvm_heap_committed = 512 * MiB,
                .jvm_old_used = 200 * MiB,
                .jvm_old_committed = 256 * MiB,
                .jvm_metaspace_used = 40 * MiB,
                .jvm_gc_count = 42,
                .jvm_gc_time_usec = 1500 * 1000,
                .jvm_threads = 55,
        };
        s.captures[0] = 3; /* pre-oom */
        s.captures[_EVENT_TYPE_MAX] = 1; /* manual */
        s.observations[EVENT_PRE_OOM] = 4;
        s.observations[EVENT_PIDS_MAX] = 29; /* a thread leak at its limit, summarised in the log */
        return s;
}

/* A service in back-off with nothing known and no limits. */
static ServiceStatus svc_unknowns(void) {
        ServiceStatus s;

        status_init(&s, "worker"); /* every value unknown or none */
        snprintf(s.kind, sizeof s.kind, "container");
        snprintf(s.cgroup, sizeof s.cgroup, "/machine.slice/libpod-\"x\".scope");
        snprintf(s.state, sizeof s.state, "backoff");
        s.restarts = 7;
        return s;
}

/* metrics_format() into a string; asserts success. */
static char *format(const ServiceStatus *svcs, size_t n) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        assert_int_equal(metrics_format(svcs, n, NOW, f), 0);
        assert_int_equal(fclose(f), 0);
        return buf;
}

/* The lines of text that start with prefix, joined. */
static char *grep(const char *text, const char *prefix) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        for (const char *l = text; *l;) {
                const char *e = strchrnul(l, '\n');
                if (strncmp(l, prefix, strlen(prefix)) == 0)
                        fprintf(f, "%.*s\n", (int) (e - l), l);
                l = *e ? e + 1 : e;
        }
        assert_int_equal(fclose(f), 0);
        return buf;
}

static const char golden[] =
        "# HELP cgwarden_services Services cgwarden supervises.\n"
        "# TYPE cgwarden_services gauge\n"
        "cgwarden_services 2\n"
        "# HELP cgwarden_metrics_last_write_timestamp_seconds Unix time at which cgwarden produced these "
        "metrics; alert when it falls behind.\n"
        "# TYPE cgwarden_metrics_last_write_timestamp_seconds gauge\n"
        "cgwarden_metrics_last_write_timestamp_seconds 1700000000.250000\n"
        "# HELP cgwarden_service_up 1 when the service is running (ready), else 0.\n"
        "# TYPE cgwarden_service_up gauge\n"
        "cgwarden_service_up{service=\"web\"} 1\n"
        "cgwarden_service_up{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_state The service's life-cycle state: 1 for the current state, 0 for the "
        "others.\n"
        "# TYPE cgwarden_service_state gauge\n"
        "cgwarden_service_state{service=\"web\",state=\"stopped\"} 0\n"
        "cgwarden_service_state{service=\"web\",state=\"starting\"} 0\n"
        "cgwarden_service_state{service=\"web\",state=\"running\"} 1\n"
        "cgwarden_service_state{service=\"web\",state=\"stopping\"} 0\n"
        "cgwarden_service_state{service=\"web\",state=\"backoff\"} 0\n"
        "cgwarden_service_state{service=\"web\",state=\"failed\"} 0\n"
        "cgwarden_service_state{service=\"worker\",state=\"stopped\"} 0\n"
        "cgwarden_service_state{service=\"worker\",state=\"starting\"} 0\n"
        "cgwarden_service_state{service=\"worker\",state=\"running\"} 0\n"
        "cgwarden_service_state{service=\"worker\",state=\"stopping\"} 0\n"
        "cgwarden_service_state{service=\"worker\",state=\"backoff\"} 1\n"
        "cgwarden_service_state{service=\"worker\",state=\"failed\"} 0\n"
        "# HELP cgwarden_service_throttled 1 while cgwarden holds the service throttled (memory.high).\n"
        "# TYPE cgwarden_service_throttled gauge\n"
        "cgwarden_service_throttled{service=\"web\"} 1\n"
        "cgwarden_service_throttled{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_memory_current_bytes Memory charged to the service's cgroup.\n"
        "# TYPE cgwarden_service_memory_current_bytes gauge\n"
        "cgwarden_service_memory_current_bytes{service=\"web\"} 209715200\n"
        "# HELP cgwarden_service_memory_high_bytes The memory.high guard configured for the service; absent "
        "when none.\n"
        "# TYPE cgwarden_service_memory_high_bytes gauge\n"
        "cgwarden_service_memory_high_bytes{service=\"web\"} 241172480\n"
        "# HELP cgwarden_service_memory_max_bytes The memory.max limit configured for the service; absent "
        "when none.\n"
        "# TYPE cgwarden_service_memory_max_bytes gauge\n"
        "cgwarden_service_memory_max_bytes{service=\"web\"} 268435456\n"
        "# HELP cgwarden_service_memory_effective_limit_bytes The memory limit that will act on the "
        "service, "
        "its own or an ancestor's; absent when none.\n"
        "# TYPE cgwarden_service_memory_effective_limit_bytes gauge\n"
        "cgwarden_service_memory_effective_limit_bytes{service=\"web\"} 268435456\n"
        "# HELP cgwarden_service_memory_growth_bytes_per_second Short-window memory growth rate of the "
        "service; 0 when none or unknown.\n"
        "# TYPE cgwarden_service_memory_growth_bytes_per_second gauge\n"
        "cgwarden_service_memory_growth_bytes_per_second{service=\"web\"} 131072.5\n"
        "cgwarden_service_memory_growth_bytes_per_second{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_memory_eta_seconds Seconds until the service reaches its effective memory "
        "limit at the current growth rate; absent when not growing or no limit.\n"
        "# TYPE cgwarden_service_memory_eta_seconds gauge\n"
        "cgwarden_service_memory_eta_seconds{service=\"web\"} 450.75\n"
        "# HELP cgwarden_service_pids_current Tasks (threads included) in the service's cgroup.\n"
        "# TYPE cgwarden_service_pids_current gauge\n"
        "cgwarden_service_pids_current{service=\"web\"} 37\n"
        "# HELP cgwarden_service_pids_max The pids.max limit of the service; absent when none.\n"
        "# TYPE cgwarden_service_pids_max gauge\n"
        "cgwarden_service_pids_max{service=\"web\"} 512\n"
        "# HELP cgwarden_service_restarts_total Automatic and policy restarts of the service since cgwarden "
        "started.\n"
        "# TYPE cgwarden_service_restarts_total counter\n"
        "cgwarden_service_restarts_total{service=\"web\"} 2\n"
        "cgwarden_service_restarts_total{service=\"worker\"} 7\n"
        "# HELP cgwarden_service_oom_kills_total Kernel OOM kills in the service's cgroup seen since "
        "cgwarden "
        "started.\n"
        "# TYPE cgwarden_service_oom_kills_total counter\n"
        "cgwarden_service_oom_kills_total{service=\"web\"} 1\n"
        "cgwarden_service_oom_kills_total{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_info 1 for each guarded cgroup: a launched service (kind service) or a "
        "watched one (kind unit, container, cgroup), with its cgroup's path.\n"
        "# TYPE cgwarden_service_info gauge\n"
        "cgwarden_service_info{service=\"web\",kind=\"service\",cgroup=\"/system.slice/cgwarden.service/"
        "services/web\"} 1\n"
        "cgwarden_service_info{service=\"worker\",kind=\"container\",cgroup=\"/machine.slice/"
        "libpod-\\\"x\\\".scope\"} "
        "1\n"
        "# HELP cgwarden_service_captures_total Evidence captures taken for the service since cgwarden "
        "started, by reason.\n"
        "# TYPE cgwarden_service_captures_total counter\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"pre-oom\"} 3\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"oom-kill\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"pids-limit\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"pids-max\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"leak-trend\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"log-trigger\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"hang\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"heap-leak\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"gc-overhead\"} 0\n"
        "cgwarden_service_captures_total{service=\"web\",reason=\"manual\"} 1\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"pre-oom\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"oom-kill\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"pids-limit\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"pids-max\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"leak-trend\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"log-trigger\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"hang\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"heap-leak\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"gc-overhead\"} 0\n"
        "cgwarden_service_captures_total{service=\"worker\",reason=\"manual\"} 0\n"
        "# HELP cgwarden_service_captures_dropped_total Captures an observation asked for that "
        "capture_budget "
        "(the service's or the host's) dropped.\n"
        "# TYPE cgwarden_service_captures_dropped_total counter\n"
        "cgwarden_service_captures_dropped_total{service=\"web\"} 47\n"
        "cgwarden_service_captures_dropped_total{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_heap_dumps_dropped_total Heap dumps heap_dump_budget (the service's or the "
        "host's) left out of captures.\n"
        "# TYPE cgwarden_service_heap_dumps_dropped_total counter\n"
        "cgwarden_service_heap_dumps_dropped_total{service=\"web\"} 3\n"
        "cgwarden_service_heap_dumps_dropped_total{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_observations_total Observations of the service's watchers since cgwarden "
        "started, by event: each one, also those the log summarises.\n"
        "# TYPE cgwarden_service_observations_total counter\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"pre-oom\"} 4\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"oom-kill\"} 0\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"pids-limit\"} 0\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"pids-max\"} 29\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"leak-trend\"} 0\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"log-trigger\"} 0\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"hang\"} 0\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"heap-leak\"} 0\n"
        "cgwarden_service_observations_total{service=\"web\",event=\"gc-overhead\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"pre-oom\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"oom-kill\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"pids-limit\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"pids-max\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"leak-trend\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"log-trigger\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"hang\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"heap-leak\"} 0\n"
        "cgwarden_service_observations_total{service=\"worker\",event=\"gc-overhead\"} 0\n"
        "# HELP cgwarden_service_capture_uploads_total Captures handed to capture_upload since cgwarden "
        "started, by result: uploaded (its command exited 0), failed (given up after its retries, or gone "
        "before its turn).\n"
        "# TYPE cgwarden_service_capture_uploads_total counter\n"
        "cgwarden_service_capture_uploads_total{service=\"web\",result=\"uploaded\"} 2\n"
        "cgwarden_service_capture_uploads_total{service=\"web\",result=\"failed\"} 1\n"
        "cgwarden_service_capture_uploads_total{service=\"worker\",result=\"uploaded\"} 0\n"
        "cgwarden_service_capture_uploads_total{service=\"worker\",result=\"failed\"} 0\n"
        "# HELP cgwarden_service_capture_uploads_pending Captures waiting for capture_upload or being "
        "uploaded.\n"
        "# TYPE cgwarden_service_capture_uploads_pending gauge\n"
        "cgwarden_service_capture_uploads_pending{service=\"web\"} 1\n"
        "cgwarden_service_capture_uploads_pending{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_throttled_seconds_total Seconds the service spent throttled since cgwarden "
        "started.\n"
        "# TYPE cgwarden_service_throttled_seconds_total counter\n"
        "cgwarden_service_throttled_seconds_total{service=\"web\"} 12.5\n"
        "cgwarden_service_throttled_seconds_total{service=\"worker\"} 0\n"
        "# HELP cgwarden_service_jvm_max_heap_bytes The JVM's max heap (MaxHeapSize, from its options or "
        "VM.flags); absent when not known.\n"
        "# TYPE cgwarden_service_jvm_max_heap_bytes gauge\n"
        "cgwarden_service_jvm_max_heap_bytes{service=\"web\"} 1073741824\n"
        "# HELP cgwarden_service_jvm_heap_used_bytes The JVM's heap in use over its generations, from its "
        "hsperfdata file (no attach); absent when not read.\n"
        "# TYPE cgwarden_service_jvm_heap_used_bytes gauge\n"
        "cgwarden_service_jvm_heap_used_bytes{service=\"web\"} 314572800\n"
        "# HELP cgwarden_service_jvm_heap_committed_bytes The JVM's heap committed over its generations, "
        "from "
        "its hsperfdata file; absent when not read.\n"
        "# TYPE cgwarden_service_jvm_heap_committed_bytes gauge\n"
        "cgwarden_service_jvm_heap_committed_bytes{service=\"web\"} 536870912\n"
        "# HELP cgwarden_service_jvm_old_used_bytes The JVM's old generation in use, from its hsperfdata "
        "file; "
        "absent when not read or none.\n"
        "# TYPE cgwarden_service_jvm_old_used_bytes gauge\n"
        "cgwarden_service_jvm_old_used_bytes{service=\"web\"} 209715200\n"
        "# HELP cgwarden_service_jvm_gc_collections_total Collections of the JVM's collectors since it "
        "started, from its hsperfdata file; absent when not read.\n"
        "# TYPE cgwarden_service_jvm_gc_collections_total counter\n"
        "cgwarden_service_jvm_gc_collections_total{service=\"web\"} 42\n"
        "# HELP cgwarden_service_jvm_gc_seconds_total Seconds the JVM's collectors took since it started, "
        "from its hsperfdata file; absent when not read.\n"
        "# TYPE cgwarden_service_jvm_gc_seconds_total counter\n"
        "cgwarden_service_jvm_gc_seconds_total{service=\"web\"} 1.5\n"
        "# HELP cgwarden_service_jvm_threads The JVM's live threads, from its hsperfdata file; absent when "
        "not "
        "read.\n"
        "# TYPE cgwarden_service_jvm_threads gauge\n"
        "cgwarden_service_jvm_threads{service=\"web\"} 55\n"
        "# HELP cgwarden_service_jvm_limit_problems Problems of the JVM's memory bounds under the limit: a "
        "heap or MaxDirectMemorySize above it, or heap plus the default direct limit above it; absent when "
        "not a known JVM.\n"
        "# TYPE cgwarden_service_jvm_limit_problems gauge\n"
        "cgwarden_service_jvm_limit_problems{service=\"web\"} 1\n";

static void test_golden(void **state) {
        ServiceStatus svcs[] = { svc_web(), svc_unknowns() };
        _cleanup_free_ char *out = format(svcs, ELEMENTSOF(svcs));

        assert_string_equal(out, golden);
}

static void test_capture_reason(void **state) {
        assert_string_equal(status_capture_reason(0), "pre-oom");
        assert_string_equal(status_capture_reason(EVENT_OOM_KILL), "oom-kill");
        assert_string_equal(status_capture_reason(_EVENT_TYPE_MAX), "manual");
        assert_null(status_capture_reason(_EVENT_TYPE_MAX + 1));
        assert_null(status_capture_reason(SIZE_MAX));
        for (size_t i = 0; i <= _EVENT_TYPE_MAX; i++)
                assert_non_null(status_capture_reason(i));
}

static void test_label_escaping(void **state) {
        ServiceStatus s = svc_unknowns();
        _cleanup_free_ char *out = NULL, *up = NULL, *st = NULL;

        snprintf(s.name, sizeof s.name, "a\\b\"c\nd");
        snprintf(s.state, sizeof s.state, "od\"d");
        out = format(&s, 1);
        up = grep(out, "cgwarden_service_up{");
        assert_string_equal(up, "cgwarden_service_up{service=\"a\\\\b\\\"c\\nd\"} 0\n");
        /* a state this version does not know shows as one more sample */
        st = grep(out, "cgwarden_service_state{");
        assert_non_null(strstr(st, "state=\"backoff\"} 0\n"));
        assert_non_null(strstr(st, ",state=\"od\\\"d\"} 1\n"));
        assert_true(strstr(st, "} 1\n") == strstr(st, ",state=\"od\\\"d\"} 1\n") + 14); /* the only 1 */
}

/* Prometheus refuses a whole exposition for one label value that is not
 * UTF-8: valid sequences pass, each stray byte becomes U+FFFD. */
static void test_label_utf8(void **state) {
        static const struct {
                const char *name, *label;
        } cases[] = {
                { "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x90\x98", "caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x90\x98" },
                { "a\xff"
                  "b",
                  "a\xef\xbf\xbd"
                  "b" },
                { "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong '/' */
                { "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* a surrogate */
                { "\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" }, /* > U+10FFFF */
                { "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd" }, /* cut short */
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ServiceStatus s = svc_unknowns();
                char expect[128];
                _cleanup_free_ char *out = NULL, *up = NULL;

                snprintf(s.name, sizeof s.name, "%s", cases[i].name);
                out = format(&s, 1);
                up = grep(out, "cgwarden_service_up{");
                snprintf(expect, sizeof expect, "cgwarden_service_up{service=\"%s\"} 0\n", cases[i].label);
                assert_string_equal(up, expect);
        }
}

/* The snapshot's strings are fixed arrays: a full one without a NUL must
 * not be read past. */
static void test_unterminated_strings(void **state) {
        ServiceStatus s = svc_web();
        char expect[STATUS_NAME_MAX + 64];
        _cleanup_free_ char *out = NULL, *up = NULL;

        memset(s.name, 'n', sizeof s.name);
        memset(s.state, 's', sizeof s.state);
        out = format(&s, 1);
        up = grep(out, "cgwarden_service_up{");
        snprintf(expect, sizeof expect, "cgwarden_service_up{service=\"%.*s\"} 0\n", STATUS_NAME_MAX,
                 s.name);
        assert_string_equal(up, expect);
}

static void test_omission(void **state) {
        ServiceStatus s = svc_unknowns();
        _cleanup_free_ char *out = NULL;

        out = format(&s, 1);
        /* the family is still declared, without a sample */
        assert_non_null(strstr(out, "# TYPE cgwarden_service_memory_max_bytes gauge\n"));
        for (const char *const *f =
                     (const char *const[]){ "cgwarden_service_memory_current_bytes{",
                                            "cgwarden_service_memory_high_bytes{",
                                            "cgwarden_service_memory_max_bytes{",
                                            "cgwarden_service_memory_effective_limit_bytes{",
                                            "cgwarden_service_pids_current{", "cgwarden_service_pids_max{",
                                            "cgwarden_service_memory_eta_seconds{", NULL };
             *f; f++) {
                _cleanup_free_ char *lines = grep(out, *f);
                assert_string_equal(lines, "");
        }

        /* only UINT64_MAX is "none": its neighbour is a value */
        s.memory_max = UINT64_MAX - 1;
        s.eta_s = NAN;
        free(out);
        out = format(&s, 1);
        {
                _cleanup_free_ char *mx = grep(out, "cgwarden_service_memory_max_bytes{");
                _cleanup_free_ char *eta = grep(out, "cgwarden_service_memory_eta_seconds{");
                assert_string_equal(mx, "cgwarden_service_memory_max_bytes{service=\"worker\"} "
                                        "18446744073709551614\n");
                assert_string_equal(eta, "");
        }

        /* an ETA of 0 is a value (at the limit now) */
        s.eta_s = 0;
        free(out);
        out = format(&s, 1);
        {
                _cleanup_free_ char *eta = grep(out, "cgwarden_service_memory_eta_seconds{");
                assert_string_equal(eta, "cgwarden_service_memory_eta_seconds{service=\"worker\"} 0\n");
        }
}

static void test_doubles(void **state) {
        static const struct {
                double d;
                const char *text;
        } cases[] = {
                { 0.1, "0.1" },
                { -2.5, "-2.5" },
                { 1e21, "1e+21" },
                { 123456789012.0, "123456789012" },
                { 1.0 / 3, "0.3333333333333333" },
                { 5e-324, "5e-324" }, /* the smallest subnormal */
                { NAN, "NaN" },
                { INFINITY, "+Inf" },
                { -INFINITY, "-Inf" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                ServiceStatus s = svc_unknowns();
                char expect[128];
                _cleanup_free_ char *out = NULL, *g = NULL;

                s.growth_bps = cases[i].d;
                out = format(&s, 1);
                g = grep(out, "cgwarden_service_memory_growth_bytes_per_second{");
                snprintf(expect, sizeof expect,
                         "cgwarden_service_memory_growth_bytes_per_second{service=\"worker\"} %s\n",
                         cases[i].text);
                assert_string_equal(g, expect);
                if (!isnan(cases[i].d) && !isinf(cases[i].d))
                        assert_true(strtod(cases[i].text, NULL) == cases[i].d);
        }
}

static void test_empty_and_errors(void **state) {
        _cleanup_free_ char *out = format(NULL, 0);
        FILE *f;

        assert_non_null(strstr(out, "\ncgwarden_services 0\n"));
        assert_non_null(strstr(out, "# TYPE cgwarden_service_up gauge\n"));
        assert_null(strstr(out, "{"));

        assert_int_equal(metrics_format(NULL, 1, NOW, stdout), -EINVAL);
        assert_int_equal(metrics_format(NULL, 0, NOW, NULL), -EINVAL);

        /* a write error is reported, not swallowed */
        f = fopen("/dev/full", "we");
        if (f) {
                ServiceStatus s = svc_web();
                assert_int_equal(metrics_format(&s, 1, NOW, f), -EIO);
                fclose(f);
        }
}

/* ---- metrics_write_file() ---- */

static char dir[] = "/tmp/test-metrics.XXXXXX";

static int setup_dir(void **state) {
        return mkdtemp(dir) ? 0 : -1;
}

static int teardown_dir(void **state) {
        char cmd[64];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        return system(cmd) != 0;
}

static char *slurp(const char *path) {
        char *buf = NULL;
        size_t len = 0;
        FILE *in = fopen(path, "re"), *f = open_memstream(&buf, &len);
        int c;

        assert_non_null(in);
        assert_non_null(f);
        while ((c = fgetc(in)) != EOF)
                fputc(c, f);
        fclose(in);
        assert_int_equal(fclose(f), 0);
        return buf;
}

/* The names in d, sorted, space separated. */
static char *list_dir(const char *d) {
        struct dirent **de;
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        int n = scandir(d, &de, NULL, alphasort);
        bool first = true;

        assert_true(n >= 0);
        for (int i = 0; i < n; i++) {
                if (strcmp(de[i]->d_name, ".") != 0 && strcmp(de[i]->d_name, "..") != 0) {
                        fprintf(f, "%s%s", first ? "" : " ", de[i]->d_name);
                        first = false;
                }
                free(de[i]);
        }
        free(de);
        assert_int_equal(fclose(f), 0);
        return buf;
}

static void test_write_file(void **state) {
        ServiceStatus svcs[] = { svc_web(), svc_unknowns() };
        char path[128];
        struct stat st;
        mode_t old_umask;
        _cleanup_free_ char *c1 = NULL, *c2 = NULL, *ls = NULL, *expect = NULL;

        snprintf(path, sizeof path, "%s/cgwarden.prom", dir);

        /* the mode is 0644 whatever the umask */
        old_umask = umask(077);
        assert_int_equal(metrics_write_file(path, svcs, ELEMENTSOF(svcs), NOW), 0);
        umask(old_umask);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0644);
        c1 = slurp(path);
        assert_string_equal(c1, golden);
        ls = list_dir(dir);
        assert_string_equal(ls, "cgwarden.prom"); /* the temporary file is gone */

        /* replaced, not appended to; a new inode (rename), so a reader
         * holding the old file sees it whole */
        {
                struct stat st2;
                expect = format(&svcs[1], 1);
                assert_int_equal(metrics_write_file(path, &svcs[1], 1, NOW), 0);
                assert_int_equal(stat(path, &st2), 0);
                assert_true(st2.st_ino != st.st_ino);
                c2 = slurp(path);
                assert_string_equal(c2, expect);
                free(ls);
                ls = list_dir(dir);
                assert_string_equal(ls, "cgwarden.prom");
        }
}

static void test_write_file_errors(void **state) {
        ServiceStatus s = svc_web();
        char sub[64], path[128];
        _cleanup_free_ char *ls = NULL;

        snprintf(sub, sizeof sub, "%s/errors", dir);
        assert_int_equal(mkdir(sub, 0755), 0);

        snprintf(path, sizeof path, "%s/missing/cgwarden.prom", sub);
        assert_int_equal(metrics_write_file(path, &s, 1, NOW), -ENOENT);
        snprintf(path, sizeof path, "%s/", sub);
        assert_int_equal(metrics_write_file(path, &s, 1, NOW), -EISDIR);
        assert_int_equal(metrics_write_file(NULL, &s, 1, NOW), -EINVAL);
        assert_int_equal(metrics_write_file(path, NULL, 1, NOW), -EINVAL);

        /* rename() over a directory fails once the temporary file is
         * written: that file is removed again */
        snprintf(path, sizeof path, "%s/cgwarden.prom", sub);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(metrics_write_file(path, &s, 1, NOW), -EISDIR);
        ls = list_dir(sub);
        assert_string_equal(ls, "cgwarden.prom");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_golden),
                cmocka_unit_test(test_capture_reason),
                cmocka_unit_test(test_label_escaping),
                cmocka_unit_test(test_label_utf8),
                cmocka_unit_test(test_unterminated_strings),
                cmocka_unit_test(test_omission),
                cmocka_unit_test(test_doubles),
                cmocka_unit_test(test_empty_and_errors),
                cmocka_unit_test(test_write_file),
                cmocka_unit_test(test_write_file_errors),
        };
        return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
