/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control/metrics.h"
#include "service/service-state.h"

/* Long enough for any uint64_t, any "%.17g" double and "NaN"/"+Inf". */
#define VALUE_MAX 32

/* Integers in decimal, exactly: Prometheus parses them as float64, but the
 * text keeps every digit for any other reader of the file. */
static void value_u64(char buf[static VALUE_MAX], uint64_t u) {
        snprintf(buf, VALUE_MAX, "%" PRIu64, u);
}

/* The shortest "%g" form that reads back as the same double, so 0.1 is
 * "0.1" and not "0.10000000000000001"; NaN and infinities as the format
 * spells them (Go's ParseFloat). "%g" follows LC_NUMERIC, which cgwarden
 * leaves at "C" (it never calls setlocale()). */
static void value_double(char buf[static VALUE_MAX], double d) {
        if (isnan(d)) {
                snprintf(buf, VALUE_MAX, "NaN");
                return;
        }
        if (isinf(d)) {
                snprintf(buf, VALUE_MAX, "%s", d > 0 ? "+Inf" : "-Inf");
                return;
        }
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, VALUE_MAX, "%.*g", prec, d);
                if (strtod(buf, NULL) == d)
                        return;
        }
}

/* A point in time (usec) as seconds, exactly: six decimals, no rounding
 * through a double. */
static void value_usec_as_seconds(char buf[static VALUE_MAX], usec_t t) {
        snprintf(buf, VALUE_MAX, "%" PRIu64 ".%06" PRIu64, t / USEC_PER_SEC, t % USEC_PER_SEC);
}

/* The length of the valid UTF-8 sequence at s (at most max bytes), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t max) {
        size_t len;
        uint32_t c;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf) {
                len = 2;
                c = s[0] & 0x1f;
        } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
                len = 3;
                c = s[0] & 0x0f;
        } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
                len = 4;
                c = s[0] & 0x07;
        } else
                return 0;
        if (len > max)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                c = c << 6 | (s[i] & 0x3f);
        }
        if ((len == 3 && (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))) ||
            (len == 4 && (c < 0x10000 || c > 0x10ffff)))
                return 0;
        return len;
}

/* A label value with \, " and newline escaped, as the text format
 * requires. Prometheus rejects the whole exposition for one label value
 * that is not UTF-8, so a stray byte becomes U+FFFD (config allows only
 * ASCII service names; this guards the rest of the snapshot). The
 * snapshot's fixed-size strings may lack the NUL when full, hence max. */
static void put_label_value(FILE *out, const char *s, size_t max) {
        size_t n = strnlen(s, max);

        for (size_t i = 0; i < n;) {
                size_t l = utf8_len((const unsigned char *) s + i, n - i);

                if (l == 0) {
                        fputs("\xef\xbf\xbd", out);
                        i++;
                        continue;
                }
                if (s[i] == '\\')
                        fputs("\\\\", out);
                else if (s[i] == '"')
                        fputs("\\\"", out);
                else if (s[i] == '\n')
                        fputs("\\n", out);
                else
                        fwrite(s + i, 1, l, out);
                i += l;
        }
}

/* name{service="NAME"[,LABEL="VALUE"]} VALUE */
static void put_sample(FILE *out, const char *name, const ServiceStatus *s, const char *label,
                       const char *label_value, size_t label_value_max, const char *value) {
        fprintf(out, "%s{service=\"", name);
        put_label_value(out, s->name, sizeof(s->name));
        if (label) {
                fprintf(out, "\",%s=\"", label);
                put_label_value(out, label_value, label_value_max);
        }
        fprintf(out, "\"} %s\n", value);
}

static bool state_is(const ServiceStatus *s, const char *state) {
        return strncmp(s->state, state, sizeof(s->state)) == 0;
}

/* One sample per service: the value into buf, or false to leave the
 * sample out (unknown, unset). */
typedef bool (*sample_fn)(const ServiceStatus *s, char buf[static VALUE_MAX]);
/* Any number of samples per service. */
typedef void (*emit_fn)(FILE *out, const char *name, const ServiceStatus *s);

static bool u64_known(uint64_t u, char buf[static VALUE_MAX]) {
        if (u == UINT64_MAX)
                return false;
        value_u64(buf, u);
        return true;
}

static bool get_up(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_u64(buf, state_is(s, svc_state_to_string(SVC_RUNNING)));
        return true;
}

static bool get_throttled(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_u64(buf, s->throttled);
        return true;
}

static bool get_memory_current(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->memory_current, buf);
}

static bool get_memory_high(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->memory_high, buf);
}

static bool get_memory_max(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->memory_max, buf);
}

static bool get_memory_effective(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->memory_effective, buf);
}

static bool get_growth(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_double(buf, s->growth_bps);
        return true;
}

static bool get_eta(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        /* < 0 means no ETA; NaN is not an ETA either */
        if (!(s->eta_s >= 0))
                return false;
        value_double(buf, s->eta_s);
        return true;
}

static bool get_pids_current(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->pids_current, buf);
}

static bool get_pids_max(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->pids_max, buf);
}

static bool get_restarts(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_u64(buf, s->restarts);
        return true;
}

static bool get_oom_kills(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_u64(buf, s->oom_kills);
        return true;
}

static bool get_jvm_max_heap(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->jvm_max_heap, buf);
}

static bool get_jvm_heap_used(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->jvm_heap_used, buf);
}

static bool get_jvm_heap_committed(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->jvm_heap_committed, buf);
}

static bool get_jvm_old_used(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->jvm_old_used, buf);
}

static bool get_jvm_gc_collections(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->jvm_gc_count, buf);
}

static bool get_jvm_gc_seconds(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        if (s->jvm_gc_time_usec == UINT64_MAX)
                return false;
        value_double(buf, (double) s->jvm_gc_time_usec / USEC_PER_SEC);
        return true;
}

static bool get_jvm_threads(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        return u64_known(s->jvm_threads, buf);
}

static bool get_jvm_limit_problems(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        if (s->jvm_max_heap == UINT64_MAX)
                return false;
        value_u64(buf, s->jvm_limit_problems);
        return true;
}

static bool get_throttled_seconds(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_double(buf, s->throttled_s);
        return true;
}

/* A state set: every known state, 1 for the current one. A state this
 * version does not know (the snapshot is filled elsewhere) still shows, as
 * one more sample, rather than the service seeming to be in no state. */
static void emit_state(FILE *out, const char *name, const ServiceStatus *s) {
        bool known = false;

        for (SvcState i = 0; i < _SVC_STATE_MAX; i++) {
                const char *st = svc_state_to_string(i);
                bool cur = state_is(s, st);

                known = known || cur;
                put_sample(out, name, s, "state", st, SIZE_MAX, cur ? "1" : "0");
        }
        if (!known && s->state[0])
                put_sample(out, name, s, "state", s->state, sizeof(s->state), "1");
}

/* Every reason, zeros included, so that increase() sees the first one. */
static void emit_captures(FILE *out, const char *name, const ServiceStatus *s) {
        char buf[VALUE_MAX];

        for (size_t i = 0; i < ELEMENTSOF(s->captures); i++) {
                value_u64(buf, s->captures[i]);
                put_sample(out, name, s, "reason", status_capture_reason(i), SIZE_MAX, buf);
        }
}

static void emit_uploads(FILE *out, const char *name, const ServiceStatus *s) {
        char buf[VALUE_MAX];

        value_u64(buf, s->uploads);
        put_sample(out, name, s, "result", "uploaded", SIZE_MAX, buf);
        value_u64(buf, s->upload_failures);
        put_sample(out, name, s, "result", "failed", SIZE_MAX, buf);
}

static bool get_captures_dropped(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_u64(buf, s->captures_dropped);
        return true;
}

static bool get_heap_dumps_dropped(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_u64(buf, s->heap_dumps_dropped);
        return true;
}

static bool get_uploads_pending(const ServiceStatus *s, char buf[static VALUE_MAX]) {
        value_u64(buf, s->uploads_pending);
        return true;
}

/* name{service="NAME",kind="KIND",cgroup="PATH"} 1 */
static void emit_info(FILE *out, const char *name, const ServiceStatus *s) {
        fprintf(out, "%s{service=\"", name);
        put_label_value(out, s->name, sizeof(s->name));
        fputs("\",kind=\"", out);
        put_label_value(out, s->kind, sizeof(s->kind));
        fputs("\",cgroup=\"", out);
        put_label_value(out, s->cgroup, sizeof(s->cgroup));
        fputs("\"} 1\n", out);
}

static void emit_observations(FILE *out, const char *name, const ServiceStatus *s) {
        char buf[VALUE_MAX];

        for (size_t i = 0; i < ELEMENTSOF(s->observations); i++) {
                value_u64(buf, s->observations[i]);
                put_sample(out, name, s, "event", event_type_to_string((EventType) i), SIZE_MAX, buf);
        }
}

typedef struct Family {
        const char *name;
        const char *type;
        const char *help;
        sample_fn get;
        emit_fn emit;
} Family;

/* The per-service families, in output order. HELP texts contain no
 * backslash or newline, so they need no escaping. */
static const Family families[] = {
        { "cgwarden_service_up", "gauge", "1 when the service is running (ready), else 0.", get_up, NULL },
        { "cgwarden_service_state", "gauge",
          "The service's life-cycle state: 1 for the current state, 0 for the others.", NULL, emit_state },
        { "cgwarden_service_throttled", "gauge",
          /* layer-ok: help text */ "1 while cgwarden holds the service throttled (memory.high).",
          get_throttled, NULL },
        { "cgwarden_service_memory_current_bytes", "gauge", "Memory charged to the service's cgroup.",
          get_memory_current, NULL },
        { "cgwarden_service_memory_high_bytes", "gauge",
          /* layer-ok: help text */ "The memory.high guard configured for the service; absent when none.",
          get_memory_high, NULL },
        { "cgwarden_service_memory_max_bytes", "gauge",
          "The memory.max limit configured for the service; absent when none.", get_memory_max, NULL },
        { "cgwarden_service_memory_effective_limit_bytes", "gauge",
          "The memory limit that will act on the service, its own or an ancestor's; absent when none.",
          get_memory_effective, NULL },
        { "cgwarden_service_memory_growth_bytes_per_second", "gauge",
          "Short-window memory growth rate of the service; 0 when none or unknown.", get_growth, NULL },
        { "cgwarden_service_memory_eta_seconds", "gauge",
          "Seconds until the service reaches its effective memory limit at the current growth rate; absent "
          "when not growing or no limit.",
          get_eta, NULL },
        { "cgwarden_service_pids_current", "gauge", "Tasks (threads included) in the service's cgroup.",
          get_pids_current, NULL },
        { "cgwarden_service_pids_max", "gauge", "The pids.max limit of the service; absent when none.",
          get_pids_max, NULL },
        { "cgwarden_service_restarts_total", "counter",
          "Automatic and policy restarts of the service since cgwarden started.", get_restarts, NULL },
        { "cgwarden_service_oom_kills_total", "counter",
          "Kernel OOM kills in the service's cgroup seen since cgwarden started.", get_oom_kills, NULL },
        { "cgwarden_service_info", "gauge",
          "1 for each guarded cgroup: a launched service (kind service) or a watched one (kind unit, "
          "container, cgroup), with its cgroup's path.",
          NULL, emit_info },
        { "cgwarden_service_captures_total", "counter",
          "Evidence captures taken for the service since cgwarden started, by reason.", NULL,
          emit_captures },
        { "cgwarden_service_captures_dropped_total", "counter",
          "Captures an observation asked for that capture_budget (the service's or the host's) dropped.",
          get_captures_dropped, NULL },
        { "cgwarden_service_heap_dumps_dropped_total", "counter",
          "Heap dumps heap_dump_budget (the service's or the host's) left out of captures.",
          get_heap_dumps_dropped, NULL },
        { "cgwarden_service_observations_total", "counter",
          "Observations of the service's watchers since cgwarden started, by event: each one, also those "
          "the "
          "log summarises.",
          NULL, emit_observations },
        { "cgwarden_service_capture_uploads_total", "counter",
          "Captures handed to capture_upload since cgwarden started, by result: uploaded (its command "
          "exited 0), failed (given up after its retries, or gone before its turn).",
          NULL, emit_uploads },
        { "cgwarden_service_capture_uploads_pending", "gauge",
          "Captures waiting for capture_upload or being uploaded.", get_uploads_pending, NULL },
        { "cgwarden_service_throttled_seconds_total", "counter",
          "Seconds the service spent throttled since cgwarden started.", get_throttled_seconds, NULL },
        { "cgwarden_service_jvm_max_heap_bytes", "gauge",
          "The JVM's max heap (MaxHeapSize, from its options or VM.flags); absent when not known.",
          get_jvm_max_heap, NULL },
        { "cgwarden_service_jvm_heap_used_bytes", "gauge",
          "The JVM's heap in use over its generations, from its hsperfdata file (no attach); absent when "
          "not "
          "read.",
          get_jvm_heap_used, NULL },
        { "cgwarden_service_jvm_heap_committed_bytes", "gauge",
          "The JVM's heap committed over its generations, from its hsperfdata file; absent when not read.",
          get_jvm_heap_committed, NULL },
        { "cgwarden_service_jvm_old_used_bytes", "gauge",
          "The JVM's old generation in use, from its hsperfdata file; absent when not read or none.",
          get_jvm_old_used, NULL },
        { "cgwarden_service_jvm_gc_collections_total", "counter",
          "Collections of the JVM's collectors since it started, from its hsperfdata file; absent when not "
          "read.",
          get_jvm_gc_collections, NULL },
        { "cgwarden_service_jvm_gc_seconds_total", "counter",
          "Seconds the JVM's collectors took since it started, from its hsperfdata file; absent when not "
          "read.",
          get_jvm_gc_seconds, NULL },
        { "cgwarden_service_jvm_threads", "gauge",
          "The JVM's live threads, from its hsperfdata file; absent when not read.", get_jvm_threads, NULL },
        { "cgwarden_service_jvm_limit_problems", "gauge",
          "Problems of the JVM's memory bounds under the limit: a heap or MaxDirectMemorySize above it, or "
          "heap plus the default direct limit above it; absent when not a known JVM.",
          get_jvm_limit_problems, NULL },
};

static void put_header(FILE *out, const char *name, const char *type, const char *help) {
        fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int metrics_format(const ServiceStatus *svcs, size_t n, usec_t now_realtime, FILE *out) {
        char buf[VALUE_MAX];

        if (!out || (!svcs && n > 0))
                return -EINVAL;

        put_header(out, "cgwarden_services", "gauge", "Services cgwarden supervises.");
        value_u64(buf, n);
        fprintf(out, "cgwarden_services %s\n", buf);

        put_header(out, "cgwarden_metrics_last_write_timestamp_seconds", "gauge",
                   "Unix time at which cgwarden produced these metrics; alert when it falls behind.");
        value_usec_as_seconds(buf, now_realtime);
        fprintf(out, "cgwarden_metrics_last_write_timestamp_seconds %s\n", buf);

        /* The format wants each family's samples together: families outside,
         * services inside. */
        for (size_t f = 0; f < ELEMENTSOF(families); f++) {
                const Family *fam = &families[f];

                put_header(out, fam->name, fam->type, fam->help);
                for (size_t i = 0; i < n; i++) {
                        if (fam->emit)
                                fam->emit(out, fam->name, &svcs[i]);
                        else if (fam->get(&svcs[i], buf))
                                put_sample(out, fam->name, &svcs[i], NULL, NULL, 0, buf);
                }
        }

        if (fflush(out) != 0 || ferror(out))
                return -EIO;
        return 0;
}

/* Remove a temporary file that was not renamed into place. */
static void unlink_and_freep(char **p) {
        if (*p)
                (void) unlink(*p);
        free(*p);
}

int metrics_write_file(const char *path, const ServiceStatus *svcs, size_t n, usec_t now_realtime) {
        _cleanup_(unlink_and_freep) char *tmp = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_close_ int fd = -EBADF;
        const char *slash, *base;
        int r;

        if (!path || (!svcs && n > 0))
                return -EINVAL;
        slash = strrchr(path, '/');
        base = slash ? slash + 1 : path;
        if (!*base)
                return -EISDIR;

        /* Same directory, so rename() is atomic; hidden and not ending in
         * ".prom", so the textfile collector never reads it half written. */
        if (asprintf(&tmp, "%.*s.%s.XXXXXX", (int) (base - path), path, base) < 0) {
                tmp = NULL;
                return -ENOMEM;
        }
        /* O_EXCL inside mkostemp(): never follows a planted symlink */
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                r = -errno;
                tmp = mfree(tmp); /* nothing was created */
                return r;
        }
        /* mkostemp() makes 0600; node_exporter often runs as another user */
        if (fchmod(fd, 0644) < 0)
                return -errno;

        f = fdopen(fd, "w");
        if (!f)
                return -errno;
        TAKE_FD(fd);

        r = metrics_format(svcs, n, now_realtime, f);
        if (r < 0)
                return r;
        if (fsync(fileno(f)) < 0)
                return -errno;
        r = fclose(TAKE_PTR(f));
        if (r != 0)
                return negative_errno();

        if (rename(tmp, path) < 0)
                return -errno;
        tmp = mfree(tmp); /* renamed: nothing to remove */
        return 0;
}
