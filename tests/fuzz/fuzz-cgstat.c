/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The parsers of cgstat.h, all on the same input. Beyond "no crash" and
 * "no read past n" (an exactly sized buffer under ASan), checks: ret
 * untouched on failure, the documented error codes, the same answer when
 * bytes follow the buffer, and that the struct parsers agree with
 * cgstat_kv_get() on every key they report. */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgstat.h"
#include "fuzz-check.h"

static const char tail[] = "1 1\nanon 1\ntotal_rss 1\nhigh 1\nunder_oom 1\nfrozen 1\nmax 1\n"
                           "full avg10=9.99 avg60=0 avg300=0 total=9\n";

static bool err_ok(int r) {
        return r == -EBADMSG || r == -ERANGE;
}

/* If the key is reported present, kv_get must find the same value. */
static void agree(const char *buf, size_t n, const char *key, bool present, uint64_t v) {
        uint64_t w = 4242;

        if (!present)
                return;
        CHECK(cgstat_kv_get(buf, n, key, &w) == 0);
        CHECK(w == v);
}

static void fuzz_kv(const char *buf, const char *big, size_t n) {
        static const char *const keys[] = { "anon", "max", "populated", "oom_kill", "total_rss", "a" };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                uint64_t v = 4242, w = 4242;
                int r = cgstat_kv_get(buf, n, keys[i], &v);

                CHECK(r == 0 || r == -ENXIO || err_ok(r));
                if (r < 0)
                        CHECK(v == 4242);
                CHECK(cgstat_kv_get(big, n, keys[i], &w) == r);
                CHECK(w == v);
        }
}

static void fuzz_memory_stat(const char *buf, const char *big, size_t n, bool v1) {
        CgMemStat m, t, before;
        int r;

        memset(&m, 0x11, sizeof(m));
        memcpy(&before, &m, sizeof(m));
        r = cgstat_memory_stat_parse_buf(buf, n, v1, &m);
        if (r < 0) {
                CHECK(err_ok(r));
                CHECK(memcmp(&m, &before, sizeof(m)) == 0);
        } else {
                CHECK(r == 0);
                if (v1)
                        CHECK(m.kernel == CGSTAT_UNKNOWN && m.sock == CGSTAT_UNKNOWN &&
                              m.slab == CGSTAT_UNKNOWN);
                else {
                        agree(buf, n, "anon", m.anon != CGSTAT_UNKNOWN, m.anon);
                        agree(buf, n, "kernel", m.kernel != CGSTAT_UNKNOWN, m.kernel);
                }
        }
        memset(&t, 0x11, sizeof(t));
        CHECK(cgstat_memory_stat_parse_buf(big, n, v1, &t) == r);
        CHECK(memcmp(&m, &t, sizeof(m)) == 0); /* six u64: no padding */
}

static void fuzz_memory_events(const char *buf, const char *big, size_t n) {
        CgMemEvents e, t;
        int r;

        memset(&e, 0x22, sizeof(e));
        r = cgstat_memory_events_parse_buf(buf, n, &e);
        if (r < 0) {
                CHECK(err_ok(r));
                CHECK(e.have == 0x22222222U && e.oom_kill == UINT64_C(0x2222222222222222));
        } else {
                CHECK(r == 0 && e.have != 0 && (e.have & ~0x3fU) == 0);
                agree(buf, n, "high", e.have & CG_MEM_EVENTS_HAVE_HIGH, e.high);
                agree(buf, n, "oom_kill", e.have & CG_MEM_EVENTS_HAVE_OOM_KILL, e.oom_kill);
                agree(buf, n, "oom_group_kill", e.have & CG_MEM_EVENTS_HAVE_OOM_GROUP_KILL,
                      e.oom_group_kill);
                if (!(e.have & CG_MEM_EVENTS_HAVE_MAX))
                        CHECK(e.max == 0);
        }
        memset(&t, 0x22, sizeof(t));
        CHECK(cgstat_memory_events_parse_buf(big, n, &t) == r);
        if (r == 0)
                CHECK(t.have == e.have && t.high == e.high && t.max == e.max && t.oom_kill == e.oom_kill);
}

static void fuzz_small(const char *buf, const char *big, size_t n) {
        CgOomControl o, o2;
        CgEvents ev, ev2;
        uint64_t v = 4242, w = 4242;
        int r;

        memset(&o, 0, sizeof(o));
        o.oom_kill = 4242;
        r = cgstat_oom_control_parse_buf(buf, n, &o);
        if (r < 0)
                CHECK(err_ok(r) && o.oom_kill == 4242 && o.have == 0);
        else {
                CHECK(o.have != 0 && (o.have & ~7U) == 0);
                agree(buf, n, "under_oom", o.have & CG_OOM_CONTROL_HAVE_UNDER_OOM, o.under_oom);
        }
        memset(&o2, 0, sizeof(o2));
        o2.oom_kill = 4242;
        CHECK(cgstat_oom_control_parse_buf(big, n, &o2) == r);
        CHECK(o2.oom_kill == o.oom_kill && o2.have == o.have && o2.under_oom == o.under_oom);

        memset(&ev, 0, sizeof(ev));
        r = cgstat_cgroup_events_parse_buf(buf, n, &ev);
        if (r < 0)
                CHECK(err_ok(r) && ev.have == 0);
        else {
                CHECK(ev.have != 0 && (ev.have & ~3U) == 0);
                agree(buf, n, "frozen", ev.have & CG_EVENTS_HAVE_FROZEN, ev.frozen);
        }
        memset(&ev2, 0, sizeof(ev2));
        CHECK(cgstat_cgroup_events_parse_buf(big, n, &ev2) == r);
        CHECK(ev2.populated == ev.populated && ev2.frozen == ev.frozen && ev2.have == ev.have);

        r = cgstat_pids_events_parse_buf(buf, n, &v);
        CHECK(r == 0 || r == -ENXIO || err_ok(r));
        if (r < 0)
                CHECK(v == 4242);
        CHECK(cgstat_pids_events_parse_buf(big, n, &w) == r && w == v);

        v = w = 4242;
        r = cgstat_parse_u64_or_max(buf, n, &v);
        CHECK(r == 0 || err_ok(r));
        if (r < 0)
                CHECK(v == 4242);
        CHECK(cgstat_parse_u64_or_max(big, n, &w) == r && w == v);
}

static void fuzz_pressure(const char *buf, const char *big, size_t n) {
        CgPressure p, t, before;
        int r;

        memset(&p, 0x33, sizeof(p));
        memcpy(&before, &p, sizeof(p));
        r = cgstat_pressure_parse_buf(buf, n, &p);
        if (r < 0) {
                CHECK(err_ok(r));
                CHECK(memcmp(&p, &before, sizeof(p)) == 0);
        } else {
                const double a[] = { p.some_avg10, p.some_avg60, p.some_avg300,
                                     p.full_avg10, p.full_avg60, p.full_avg300 };

                CHECK(r == 0);
                for (size_t i = 0; i < ELEMENTSOF(a); i++)
                        CHECK(isfinite(a[i]) && a[i] >= 0);
                if (!p.has_full)
                        CHECK(p.full_avg10 == 0 && p.full_avg60 == 0 && p.full_avg300 == 0 &&
                              p.full_total == 0);
        }
        memset(&t, 0x33, sizeof(t));
        CHECK(cgstat_pressure_parse_buf(big, n, &t) == r);
        if (r == 0)
                CHECK(t.some_avg10 == p.some_avg10 && t.some_total == p.some_total &&
                      t.has_full == p.has_full && t.full_avg300 == p.full_avg300 &&
                      t.full_total == p.full_total);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *big;

        if (size > 65536)
                return 0;

        buf = malloc(size ? size : 1);
        big = malloc(size + sizeof(tail));
        if (!buf || !big) {
                free(buf);
                free(big);
                return 0;
        }
        memcpy(buf, data, size);
        memcpy(big, data, size);
        memcpy(big + size, tail, sizeof(tail));

        fuzz_kv(buf, big, size);
        fuzz_memory_stat(buf, big, size, false);
        fuzz_memory_stat(buf, big, size, true);
        fuzz_memory_events(buf, big, size);
        fuzz_small(buf, big, size);
        fuzz_pressure(buf, big, size);

        free(buf);
        free(big);
        return 0;
}
