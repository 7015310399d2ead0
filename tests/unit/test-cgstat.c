/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* cgstat.h on files captured from real cgroups (tests/fixtures/cgstat:
 * v2-* from Linux 6.1 in the VM lane, capture-v2.sh; v1-* from a Linux 6.18
 * host with controllers on v1, capture-v1.sh) and on hand-written edge
 * cases. */

#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cgroup/cgstat.h"
#include "base/procfs.h"

#define MEM_EVENTS_HAVE_ALL 0x3fU

static char *fixture(const char *name, size_t *ret_n) {
        char path[4096];
        char *buf;
        size_t n;
        int r;

        snprintf(path, sizeof(path), "%s/cgstat/%s", FIXTURE_DIR, name);
        r = procfs_read_full(path, 1 << 20, &buf, &n);
        if (r < 0)
                fail_msg("%s: %s", path, strerror(-r));
        *ret_n = n;
        return buf;
}

static CgMemStat mem_stat(const char *name, bool v1) {
        _cleanup_free_ char *buf = NULL;
        CgMemStat m;
        size_t n;
        int r;

        buf = fixture(name, &n);
        r = cgstat_memory_stat_parse_buf(buf, n, v1, &m);
        if (r != 0)
                fail_msg("%s: %s", name, strerror(-r));
        return m;
}

static CgMemEvents mem_events(const char *name) {
        _cleanup_free_ char *buf = NULL;
        CgMemEvents e;
        size_t n;
        int r;

        buf = fixture(name, &n);
        r = cgstat_memory_events_parse_buf(buf, n, &e);
        if (r != 0)
                fail_msg("%s: %s", name, strerror(-r));
        return e;
}

static CgPressure pressure(const char *name) {
        _cleanup_free_ char *buf = NULL;
        CgPressure p;
        size_t n;
        int r;

        buf = fixture(name, &n);
        r = cgstat_pressure_parse_buf(buf, n, &p);
        if (r != 0)
                fail_msg("%s: %s", name, strerror(-r));
        return p;
}

static void assert_double(double got, double want) {
        double d = got - want;

        if (d < -1e-9 || d > 1e-9)
                fail_msg("got %f, want %f", got, want);
}

static void test_kv_get(void **state) {
        _cleanup_free_ char *v2 = NULL, *v1 = NULL;
        size_t n2, n1;
        uint64_t v = 42;

        v2 = fixture("v2-busy-memory.stat", &n2);
        assert_int_equal(cgstat_kv_get(v2, n2, "anon", &v), 0);
        assert_int_equal(v, 102400);
        assert_int_equal(cgstat_kv_get(v2, n2, "pgfault", &v), 0);
        assert_true(v > 0);
        /* "slab" comes after slab_reclaimable: no prefix matches */
        assert_int_equal(cgstat_kv_get(v2, n2, "slab", &v), 0);
        assert_int_equal(v, 56216);
        assert_int_equal(cgstat_kv_get(v2, n2, "slab_reclaimable", &v), 0);
        assert_int_equal(v, 46120);
        /* the last line (no key after it) */
        assert_int_equal(cgstat_kv_get(v2, n2, "thp_collapse_alloc", &v), 0);
        assert_int_equal(v, 0);

        v = 42;
        assert_int_equal(cgstat_kv_get(v2, n2, "sla", &v), -ENXIO);
        assert_int_equal(cgstat_kv_get(v2, n2, "total_rss", &v), -ENXIO);
        assert_int_equal(cgstat_kv_get(v2, n2, "", &v), -EINVAL);
        assert_int_equal(cgstat_kv_get(v2, n2, "an on", &v), -EINVAL);
        assert_int_equal(v, 42);

        v1 = fixture("v1-parent-memory.stat", &n1);
        assert_int_equal(cgstat_kv_get(v1, n1, "rss", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(cgstat_kv_get(v1, n1, "total_rss", &v), 0);
        assert_int_equal(v, 25366528);
        assert_int_equal(cgstat_kv_get(v1, n1, "hierarchical_memory_limit", &v), 0);
        assert_int_equal(v, UINT64_C(9223372036854771712));
}

static void test_kv_get_edge(void **state) {
        static const struct {
                const char *in;
                const char *key;
                int r;
                uint64_t v;
        } t[] = {
                { "", "anon", -ENXIO, 0 },
                { "anon 5", "anon", 0, 5 }, /* no final newline */
                { "anon\t5\n", "anon", 0, 5 },
                { "anon  5  \n", "anon", 0, 5 },
                { "anon 0000000000000000000000000000007\n", "anon", 0, 7 },
                { "anon 18446744073709551615\n", "anon", 0, UINT64_MAX },
                { "anon 18446744073709551616\n", "anon", -ERANGE, 0 },
                { "anon 99999999999999999999999999999\n", "anon", -ERANGE, 0 },
                { "anon -1\n", "anon", -EBADMSG, 0 },
                { "anon +1\n", "anon", -EBADMSG, 0 },
                { "anon 1.5\n", "anon", -EBADMSG, 0 },
                { "anon 0x10\n", "anon", -EBADMSG, 0 },
                { "anon 1 2\n", "anon", -EBADMSG, 0 },
                { "anon\n", "anon", -EBADMSG, 0 },
                { "anon", "anon", -EBADMSG, 0 },
                { "anon 5\r\n", "anon", -EBADMSG, 0 },
                { " anon 5\n", "anon", -ENXIO, 0 }, /* the key starts the line */
                { "anonx 1\nanon 2\n", "anon", 0, 2 },
                { "anon 1\nanon 2\n", "anon", 0, 1 }, /* first wins */
                { "anon 1\nanon junk\n", "anon", 0, 1 },
                { "file junk\nanon 3\n", "anon", 0, 3 }, /* other keys' values are not looked at */
                { "\n\n\nanon 3\n\n", "anon", 0, 3 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint64_t v = 42;
                int r;

                r = cgstat_kv_get(t[i].in, strlen(t[i].in), t[i].key, &v);
                if (r != t[i].r)
                        fail_msg("'%s' gave %d, want %d", t[i].in, r, t[i].r);
                if (v != (r == 0 ? t[i].v : 42))
                        fail_msg("'%s' gave %" PRIu64, t[i].in, v);
        }

        /* a NUL is an ordinary byte: neither a blank nor a digit */
        {
                static const char nul[] = "anon 5\0\nfile 6\0001\n";
                uint64_t v;

                assert_int_equal(cgstat_kv_get(nul, sizeof(nul) - 1, "anon", &v), -EBADMSG);
                assert_int_equal(cgstat_kv_get(nul, sizeof(nul) - 1, "file", &v), -EBADMSG);
        }
}

static void test_memory_stat_v2(void **state) {
        CgMemStat m;

        m = mem_stat("v2-busy-memory.stat", false);
        assert_int_equal(m.anon, 102400);
        assert_int_equal(m.file, 20082688);
        assert_int_equal(m.kernel, 118784);
        assert_int_equal(m.shmem, 20004864); /* 20 MB written to tmpfs */
        assert_int_equal(m.sock, 0);
        assert_int_equal(m.slab, 56216);

        m = mem_stat("v2-idle-memory.stat", false);
        assert_int_equal(m.anon, 0);
        assert_int_equal(m.kernel, 0);
        assert_int_equal(m.slab, 0);

        m = mem_stat("v2-oom-parent-memory.stat", false);
        assert_int_equal(m.anon, 0);
        assert_int_equal(m.kernel, 24576);
        assert_int_equal(m.slab, 6536);

        m = mem_stat("v2-root-memory.stat", false);
        assert_int_equal(m.anon, 532480);
        assert_int_equal(m.file, 6791168);
        assert_int_equal(m.shmem, 3112960);

        /* a v2 file read as v1: only shmem has the same name */
        m = mem_stat("v2-busy-memory.stat", true);
        assert_int_equal(m.anon, CGSTAT_UNKNOWN);
        assert_int_equal(m.shmem, 20004864);
}

static void test_memory_stat_v2_older(void **state) {
        /* before "kernel" and "slab": slab from its two halves */
        static const char old[] = "anon 4096\nfile 8192\nkernel_stack 16384\nsock 0\nshmem 0\n"
                                  "slab_reclaimable 100\nslab_unreclaimable 23\npgfault 5\n";
        static const char half[] = "anon 1\nslab_reclaimable 100\n";
        static const char big[] = "anon 1\nslab_reclaimable 18446744073709551615\nslab_unreclaimable 1\n";
        CgMemStat m;

        assert_int_equal(cgstat_memory_stat_parse_buf(old, sizeof(old) - 1, false, &m), 0);
        assert_int_equal(m.anon, 4096);
        assert_int_equal(m.kernel, CGSTAT_UNKNOWN);
        assert_int_equal(m.slab, 123);

        assert_int_equal(cgstat_memory_stat_parse_buf(half, sizeof(half) - 1, false, &m), 0);
        assert_int_equal(m.slab, CGSTAT_UNKNOWN);
        assert_int_equal(m.file, CGSTAT_UNKNOWN);

        assert_int_equal(cgstat_memory_stat_parse_buf(big, sizeof(big) - 1, false, &m), -ERANGE);
}

static void test_memory_stat_v1(void **state) {
        CgMemStat m;

        m = mem_stat("v1-busy-memory.stat", true);
        assert_int_equal(m.anon, 25366528);
        assert_int_equal(m.file, 20004864);
        assert_int_equal(m.shmem, 20004864);
        assert_int_equal(m.kernel, CGSTAT_UNKNOWN);
        assert_int_equal(m.sock, CGSTAT_UNKNOWN);
        assert_int_equal(m.slab, CGSTAT_UNKNOWN);

        /* the parent of "busy": nothing of its own, total_* count the child */
        m = mem_stat("v1-parent-memory.stat", true);
        assert_int_equal(m.anon, 25366528);
        assert_int_equal(m.file, 20004864);

        m = mem_stat("v1-own-memory.stat", true);
        assert_int_equal(m.anon, 2342912);
        assert_int_equal(m.file, 11354112);
        assert_int_equal(m.shmem, 0);

        m = mem_stat("v1-idle-memory.stat", true);
        assert_int_equal(m.anon, 0);
        m = mem_stat("v1-killed-memory.stat", true);
        assert_int_equal(m.anon, 0);

        /* without the total_* keys (use_hierarchy=0 kernels print them too,
         * but take the local ones when they are missing) */
        {
                static const char local[] = "cache 10\nrss 20\nshmem 5\n";

                assert_int_equal(cgstat_memory_stat_parse_buf(local, sizeof(local) - 1, true, &m), 0);
                assert_int_equal(m.anon, 20);
                assert_int_equal(m.file, 10);
                assert_int_equal(m.shmem, 5);
        }
}

static void test_memory_stat_malformed(void **state) {
        static const struct {
                const char *in;
                bool v1;
                int r;
        } t[] = {
                { "", false, -EBADMSG },
                { "", true, -EBADMSG },
                { "pgfault 5\nfoo 6\n", false, -EBADMSG }, /* not a single key we use */
                { "\x7f"
                  "ELF\x02\x01\x01",
                  false, -EBADMSG },
                { "anon 5\nfile x\n", false, -EBADMSG },
                { "anon 5\nkernel -1\n", false, -EBADMSG },
                { "total_rss 1e3\n", true, -EBADMSG },
                { "cache 99999999999999999999\n", true, -ERANGE },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                CgMemStat m = { 1, 2, 3, 4, 5, 6 };
                int r;

                r = cgstat_memory_stat_parse_buf(t[i].in, strlen(t[i].in), t[i].v1, &m);
                if (r != t[i].r)
                        fail_msg("#%zu gave %d, want %d", i, r, t[i].r);
                assert_int_equal(m.anon, 1);
                assert_int_equal(m.slab, 6);
        }
}

static void test_memory_events(void **state) {
        CgMemEvents e;

        /* memory.high=24M, memory.max=32M, the leaker in a child: the parent
         * counts high/max/oom itself, the kill happened in the child */
        e = mem_events("v2-oom-parent-memory.events");
        assert_int_equal(e.low, 0);
        assert_int_equal(e.high, 230);
        assert_int_equal(e.max, 38);
        assert_int_equal(e.oom, 1);
        assert_int_equal(e.oom_kill, 1);
        assert_int_equal(e.oom_group_kill, 0);
        assert_int_equal(e.have, MEM_EVENTS_HAVE_ALL);

        e = mem_events("v2-oom-parent-memory.events.local");
        assert_int_equal(e.high, 230);
        assert_int_equal(e.oom, 1);
        assert_int_equal(e.oom_kill, 0);

        e = mem_events("v2-oom-leaf-memory.events.local");
        assert_int_equal(e.high, 0);
        assert_int_equal(e.oom, 0);
        assert_int_equal(e.oom_kill, 1);

        /* memory.oom.group=1: sh, sleep and the leaker killed as one */
        e = mem_events("v2-oomgroup-memory.events");
        assert_int_equal(e.max, 31);
        assert_int_equal(e.oom, 1);
        assert_int_equal(e.oom_kill, 3);
        assert_int_equal(e.oom_group_kill, 1);

        e = mem_events("v2-idle-memory.events");
        assert_int_equal(e.high + e.max + e.oom + e.oom_kill + e.oom_group_kill, 0);
        assert_int_equal(e.have, MEM_EVENTS_HAVE_ALL);
}

static void test_memory_events_edge(void **state) {
        static const char old[] = "low 0\nhigh 7\nmax 2\noom 1\noom_kill 1\n"; /* before oom_group_kill */
        static const char future[] = "low 0\nhigh 7\nsock_throttled 3\nmax 2\noom 1\noom_kill 1\n"
                                     "oom_group_kill 0\nfuture_key x y z\n";
        CgMemEvents e, before;

        assert_int_equal(cgstat_memory_events_parse_buf(old, sizeof(old) - 1, &e), 0);
        assert_int_equal(e.high, 7);
        assert_int_equal(e.oom_group_kill, 0);
        assert_int_equal(e.have, MEM_EVENTS_HAVE_ALL & ~CG_MEM_EVENTS_HAVE_OOM_GROUP_KILL);

        assert_int_equal(cgstat_memory_events_parse_buf(future, sizeof(future) - 1, &e), 0);
        assert_int_equal(e.max, 2);
        assert_int_equal(e.have, MEM_EVENTS_HAVE_ALL);

        memset(&e, 0x77, sizeof(e));
        memcpy(&before, &e, sizeof(e));
        assert_int_equal(cgstat_memory_events_parse_buf("", 0, &e), -EBADMSG);
        assert_int_equal(cgstat_memory_events_parse_buf("max", 3, &e), -EBADMSG);
        assert_int_equal(cgstat_memory_events_parse_buf("max -1\n", 7, &e), -EBADMSG);
        assert_int_equal(cgstat_memory_events_parse_buf("oom 18446744073709551616", 24, &e), -ERANGE);
        assert_memory_equal(&e, &before, sizeof(e));
}

static void test_pids_events(void **state) {
        static const struct {
                const char *file;
                uint64_t max;
        } t[] = {
                { "v2-pids-pids.events", 1 }, /* pids.max=2, a shell forking 5 */
                { "v1-pids.events", 1 },      { "v2-idle-pids.events", 0 },
                { "v1-idle-pids.events", 0 }, { "v2-busy-pids.events", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *buf = NULL;
                uint64_t v = 42;
                size_t n;

                buf = fixture(t[i].file, &n);
                assert_int_equal(cgstat_pids_events_parse_buf(buf, n, &v), 0);
                assert_int_equal(v, t[i].max);
        }

        {
                uint64_t v = 42;
                const char *newer = "max.imposed 3\nmax 2\n";

                assert_int_equal(cgstat_pids_events_parse_buf(newer, strlen(newer), &v), 0);
                assert_int_equal(v, 2);
                v = 42;
                assert_int_equal(cgstat_pids_events_parse_buf("", 0, &v), -ENXIO);
                assert_int_equal(cgstat_pids_events_parse_buf("max.imposed 3\n", 14, &v), -ENXIO);
                assert_int_equal(cgstat_pids_events_parse_buf("max max\n", 8, &v), -EBADMSG);
                assert_int_equal(v, 42);
        }
}

static void test_oom_control(void **state) {
        static const struct {
                const char *file;
                bool disable, under;
                uint64_t kills;
        } t[] = {
                { "v1-idle-memory.oom_control", false, false, 0 },
                { "v1-paused-memory.oom_control", true, true, 0 }, /* oom_kill_disable=1, at the limit */
                { "v1-killed-memory.oom_control", false, false, 1 },
        };
        CgOomControl o, before;

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *buf = NULL;
                size_t n;

                buf = fixture(t[i].file, &n);
                assert_int_equal(cgstat_oom_control_parse_buf(buf, n, &o), 0);
                assert_int_equal(o.oom_kill_disable, t[i].disable);
                assert_int_equal(o.under_oom, t[i].under);
                assert_int_equal(o.oom_kill, t[i].kills);
                assert_int_equal(o.have, 7);
        }

        /* before Linux 4.13: no oom_kill */
        assert_int_equal(cgstat_oom_control_parse_buf("oom_kill_disable 1\nunder_oom 0\n", 31, &o), 0);
        assert_true(o.oom_kill_disable);
        assert_int_equal(o.have, CG_OOM_CONTROL_HAVE_OOM_KILL_DISABLE | CG_OOM_CONTROL_HAVE_UNDER_OOM);

        memset(&o, 0x42, sizeof(o));
        memcpy(&before, &o, sizeof(o));
        assert_int_equal(cgstat_oom_control_parse_buf("under_oom 2\n", 12, &o), -ERANGE);
        assert_int_equal(cgstat_oom_control_parse_buf("oom_kill_disable yes\n", 21, &o), -EBADMSG);
        assert_int_equal(cgstat_oom_control_parse_buf("", 0, &o), -EBADMSG);
        assert_memory_equal(&o, &before, sizeof(o));
}

static void test_cgroup_events(void **state) {
        static const struct {
                const char *file;
                bool populated, frozen;
        } t[] = {
                { "v2-idle-cgroup.events", false, false },
                { "v2-busy-cgroup.events", true, false },
                { "v2-frozen-cgroup.events", true, true },
                { "v2-oom-parent-cgroup.events", false, false },
        };
        CgEvents e, before;

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *buf = NULL;
                size_t n;

                buf = fixture(t[i].file, &n);
                assert_int_equal(cgstat_cgroup_events_parse_buf(buf, n, &e), 0);
                assert_int_equal(e.populated, t[i].populated);
                assert_int_equal(e.frozen, t[i].frozen);
                assert_int_equal(e.have, CG_EVENTS_HAVE_POPULATED | CG_EVENTS_HAVE_FROZEN);
        }

        /* before Linux 5.2: no frozen */
        assert_int_equal(cgstat_cgroup_events_parse_buf("populated 1\n", 12, &e), 0);
        assert_true(e.populated);
        assert_false(e.frozen);
        assert_int_equal(e.have, CG_EVENTS_HAVE_POPULATED);

        memset(&e, 0x42, sizeof(e));
        memcpy(&before, &e, sizeof(e));
        assert_int_equal(cgstat_cgroup_events_parse_buf("populated 2\n", 12, &e), -ERANGE);
        assert_int_equal(cgstat_cgroup_events_parse_buf("frozen\n", 7, &e), -EBADMSG);
        assert_int_equal(cgstat_cgroup_events_parse_buf("", 0, &e), -EBADMSG);
        assert_memory_equal(&e, &before, sizeof(e));
}

static void test_pressure(void **state) {
        CgPressure p;

        /* the leaker throttled at memory.high, then OOM-killed */
        p = pressure("v2-oom-leaf-memory.pressure");
        assert_true(p.has_full);
        assert_double(p.some_avg10, 48.32);
        assert_double(p.some_avg60, 10.85);
        assert_double(p.some_avg300, 2.35);
        assert_int_equal(p.some_total, 7009431);
        assert_double(p.full_avg10, 48.32);
        assert_int_equal(p.full_total, 7009431);

        p = pressure("v2-oom-parent-memory.pressure");
        assert_double(p.some_avg10, 40.75);
        assert_int_equal(p.some_total, 7009442);

        p = pressure("v2-proc-pressure-cpu");
        assert_double(p.some_avg10, 2.71);
        assert_double(p.some_avg300, 0.10);
        assert_int_equal(p.some_total, 346367);
        assert_true(p.has_full);
        assert_int_equal(p.full_total, 0);

        p = pressure("v2-idle-memory.pressure");
        assert_double(p.some_avg10, 0);
        assert_int_equal(p.some_total, 0);
        assert_true(p.has_full);

        p = pressure("v2-oomgroup-memory.pressure");
        assert_int_equal(p.some_total, 1791);
        assert_int_equal(p.full_total, 1791);
}

static void test_pressure_edge(void **state) {
        static const struct {
                const char *in;
                int r;
                double some_avg10;
                uint64_t some_total;
                bool has_full;
        } t[] = {
                /* /proc/pressure/cpu before 5.13: no full line */
                { "some avg10=1.50 avg60=0.00 avg300=0.00 total=99\n", 0, 1.5, 99, false },
                { "some avg10=1.50 avg60=0.00 avg300=0.00 total=99", 0, 1.5, 99, false },
                { "some total=99 avg300=0 avg60=0 avg10=100.00\n", 0, 100, 99, false }, /* any order */
                { "some avg10=1 avg60=2 avg300=3 total=4 future=x\nfull avg10=0.00 avg60=0.00 avg300=0.00 "
                  "total=0\nnext avg10=x\n",
                  0, 1, 4, true },
                { "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\nsome avg10=0.25 avg60=0 avg300=0 "
                  "total=1\n",
                  0, 0.25, 1, true },
                { "some avg10=0.123456789012345678901234 avg60=0 avg300=0 total=1\n", 0,
                  0.123456789012345678, 1, false },
                { "some\tavg10=1.00\tavg60=0.00  avg300=0.00 total=2  \n", 0, 1, 2, false },
                { "", -EBADMSG, 0, 0, false },
                { "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n", -EBADMSG, 0, 0, false },
                { "some avg10=0.00 avg60=0.00 avg300=0.00\n", -EBADMSG, 0, 0, false },
                { "some avg10=0.00 avg60=0.00 total=5\n", -EBADMSG, 0, 0, false },
                { "some avg10=.5 avg60=0 avg300=0 total=1\n", -EBADMSG, 0, 0, false },
                { "some avg10=5. avg60=0 avg300=0 total=1\n", -EBADMSG, 0, 0, false },
                { "some avg10=1.2.3 avg60=0 avg300=0 total=1\n", -EBADMSG, 0, 0, false },
                { "some avg10=-1 avg60=0 avg300=0 total=1\n", -EBADMSG, 0, 0, false },
                { "some avg10= avg60=0 avg300=0 total=1\n", -EBADMSG, 0, 0, false },
                { "some avg10=nan avg60=0 avg300=0 total=1\n", -EBADMSG, 0, 0, false },
                { "some avg10=1 avg60=0 avg300=0 total=1.5\n", -EBADMSG, 0, 0, false },
                { "some avg10=1 avg60=0 avg300=0 total=18446744073709551616\n", -ERANGE, 0, 0, false },
                { "some avg10=99999999999999999999.0 avg60=0 avg300=0 total=1\n", -ERANGE, 0, 0, false },
                { "some avg10=0 avg60=0 avg300=0 total=1\nfull avg10=0 avg60=0 total=1\n", -EBADMSG, 0, 0,
                  false },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                CgPressure p, before;
                int r;

                memset(&p, 0x55, sizeof(p));
                memcpy(&before, &p, sizeof(p));
                r = cgstat_pressure_parse_buf(t[i].in, strlen(t[i].in), &p);
                if (r != t[i].r)
                        fail_msg("'%s' gave %d, want %d", t[i].in, r, t[i].r);
                if (r < 0) {
                        assert_memory_equal(&p, &before, sizeof(p));
                        continue;
                }
                assert_double(p.some_avg10, t[i].some_avg10);
                assert_int_equal(p.some_total, t[i].some_total);
                assert_int_equal(p.has_full, t[i].has_full);
                if (!p.has_full) {
                        assert_double(p.full_avg10, 0);
                        assert_int_equal(p.full_total, 0);
                }
        }
}

static void test_u64_or_max(void **state) {
        static const struct {
                const char *in;
                int r;
                uint64_t v;
        } t[] = {
                { "max\n", 0, UINT64_MAX },
                { "max", 0, UINT64_MAX },
                { "0\n", 0, 0 },
                { "33554432\n", 0, 33554432 },
                { "18446744073709551615\n", 0, UINT64_MAX },
                { "18446744073709551616\n", -ERANGE, 0 },
                { "", -EBADMSG, 0 },
                { "\n", -EBADMSG, 0 },
                { "max\n\n", -EBADMSG, 0 },
                { "maxx\n", -EBADMSG, 0 },
                { "ma", -EBADMSG, 0 },
                { "MAX\n", -EBADMSG, 0 },
                { " 5\n", -EBADMSG, 0 },
                { "5 \n", -EBADMSG, 0 },
                { "-1\n", -EBADMSG, 0 },
                { "9223372036854771712\n", 0, UINT64_C(9223372036854771712) }, /* v1 "unlimited" */
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint64_t v = 42;
                int r;

                r = cgstat_parse_u64_or_max(t[i].in, strlen(t[i].in), &v);
                if (r != t[i].r)
                        fail_msg("'%s' gave %d, want %d", t[i].in, r, t[i].r);
                assert_int_equal(v, r == 0 ? t[i].v : 42);
        }

        {
                static const char *const files[] = { "v2-idle-memory.max", "v2-idle-pids.max",
                                                     "v1-idle-pids.max" };
                for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                        _cleanup_free_ char *buf = NULL;
                        uint64_t v;
                        size_t n;

                        buf = fixture(files[i], &n);
                        assert_int_equal(cgstat_parse_u64_or_max(buf, n, &v), 0);
                        assert_int_equal(v, UINT64_MAX);
                }
        }
        {
                _cleanup_free_ char *buf = NULL;
                uint64_t v;
                size_t n;

                buf = fixture("v2-busy-memory.current", &n);
                assert_int_equal(cgstat_parse_u64_or_max(buf, n, &v), 0);
                assert_true(v > 20000000);
                free(buf);
                buf = fixture("v2-pids-pids.max", &n);
                assert_int_equal(cgstat_parse_u64_or_max(buf, n, &v), 0);
                assert_int_equal(v, 2);
        }
}

/* Run every parser over buf[0..k) twice: in an exactly sized heap buffer
 * (ASan sees a read past k) and at the start of a buffer followed by a
 * tail that would change the answer if it were read. */
typedef struct Results {
        int r[8];
        CgMemStat ms2, ms1;
        CgMemEvents me;
        CgOomControl oc;
        CgEvents ev;
        CgPressure p;
        uint64_t pids, u64;
} Results;

static void run_all(const char *buf, size_t k, Results *res) {
        memset(res, 0, sizeof(*res));
        res->r[0] = cgstat_memory_stat_parse_buf(buf, k, false, &res->ms2);
        res->r[1] = cgstat_memory_stat_parse_buf(buf, k, true, &res->ms1);
        res->r[2] = cgstat_memory_events_parse_buf(buf, k, &res->me);
        res->r[3] = cgstat_oom_control_parse_buf(buf, k, &res->oc);
        res->r[4] = cgstat_cgroup_events_parse_buf(buf, k, &res->ev);
        res->r[5] = cgstat_pressure_parse_buf(buf, k, &res->p);
        res->r[6] = cgstat_pids_events_parse_buf(buf, k, &res->pids);
        res->r[7] = cgstat_parse_u64_or_max(buf, k, &res->u64);
}

static void assert_results_equal(const Results *a, const Results *b) {
        for (size_t i = 0; i < ELEMENTSOF(a->r); i++) {
                assert_int_equal(a->r[i], b->r[i]);
                assert_true(a->r[i] == 0 || a->r[i] == -EBADMSG || a->r[i] == -ERANGE || a->r[i] == -ENXIO);
        }
        assert_memory_equal(&a->ms2, &b->ms2, sizeof(a->ms2)); /* no padding in CgMemStat */
        assert_memory_equal(&a->ms1, &b->ms1, sizeof(a->ms1));
        assert_int_equal(a->me.high, b->me.high);
        assert_int_equal(a->me.oom_group_kill, b->me.oom_group_kill);
        assert_int_equal(a->me.have, b->me.have);
        assert_int_equal(a->oc.under_oom, b->oc.under_oom);
        assert_int_equal(a->oc.oom_kill, b->oc.oom_kill);
        assert_int_equal(a->ev.populated, b->ev.populated);
        assert_int_equal(a->ev.frozen, b->ev.frozen);
        assert_double(a->p.some_avg10, b->p.some_avg10);
        assert_int_equal(a->p.some_total, b->p.some_total);
        assert_int_equal(a->p.full_total, b->p.full_total);
        assert_int_equal(a->p.has_full, b->p.has_full);
        assert_int_equal(a->pids, b->pids);
        assert_int_equal(a->u64, b->u64);
}

static void test_truncated_fixtures(void **state) {
        static const char *const files[] = {
                "v2-busy-memory.stat",         "v1-parent-memory.stat",        "v2-oom-parent-memory.events",
                "v2-oomgroup-memory.events",   "v1-paused-memory.oom_control", "v2-frozen-cgroup.events",
                "v2-oom-leaf-memory.pressure", "v2-pids-pids.events",          "v2-idle-memory.max",
                "v2-busy-memory.current",
        };
        static const char tail[] = "9 9\nanon 1\ntotal_rss 1\nhigh 1\nunder_oom 1\nfrozen 1\nmax 1\n"
                                   "full avg10=9.99 avg60=0 avg300=0 total=9\n";

        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                _cleanup_free_ char *buf = NULL, *big = NULL;
                size_t n;

                buf = fixture(files[f], &n);
                big = malloc(n + sizeof(tail));
                assert_non_null(big);
                for (size_t k = 0; k <= n; k++) {
                        _cleanup_free_ char *exact = malloc(k ? k : 1);
                        Results a, b;

                        assert_non_null(exact);
                        memcpy(exact, buf, k);
                        memcpy(big, buf, k);
                        memcpy(big + k, tail, sizeof(tail));
                        run_all(exact, k, &a);
                        run_all(big, k, &b);
                        assert_results_equal(&a, &b);
                }
        }
}

static void test_readers(void **state) {
        const char *v2 = FIXTURE_DIR "/cgstat/tree-v2/fx-oom";
        const char *v1 = FIXTURE_DIR "/cgstat/tree-v1";
        CgMemStat ms;
        CgMemEvents me;
        CgOomControl oc;
        CgEvents ev;
        CgPressure p;
        uint64_t v;
        _cleanup_free_ char *buf = NULL;
        size_t n;

        assert_int_equal(cgstat_read_memory_stat(v2, false, &ms), 0);
        assert_int_equal(ms.kernel, 24576);
        assert_int_equal(cgstat_read_memory_events(v2, false, &me), 0);
        assert_int_equal(me.oom_kill, 1);
        assert_int_equal(cgstat_read_memory_events(v2, true, &me), 0);
        assert_int_equal(me.oom_kill, 0);
        assert_int_equal(cgstat_read_cgroup_events(v2, &ev), 0);
        assert_false(ev.populated);
        assert_int_equal(cgstat_read_pressure(v2, "memory.pressure", &p), 0);
        assert_int_equal(p.some_total, 7009442);
        assert_int_equal(cgstat_read_pids_events(v2, &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(cgstat_read_u64_or_max(v2, "memory.max", &v), 0);
        assert_int_equal(v, UINT64_MAX);
        assert_int_equal(cgstat_read_u64_or_max(v2, "pids.max", &v), 0);
        assert_int_equal(v, 2);
        assert_int_equal(cgstat_read_memory_events(FIXTURE_DIR "/cgstat/tree-v2/fx-oom/leaf", false, &me),
                         0);
        assert_int_equal(me.oom_kill, 1);

        assert_int_equal(cgstat_read_memory_stat(v1, true, &ms), 0);
        assert_int_equal(ms.anon, 25366528);
        assert_int_equal(cgstat_read_oom_control(v1, &oc), 0);
        assert_true(oc.under_oom);
        assert_int_equal(cgstat_read_pids_events(v1, &v), 0);
        assert_int_equal(v, 1);

        /* v1 has no memory.events or PSI files */
        assert_int_equal(cgstat_read_memory_events(v1, false, &me), -ENOENT);
        assert_int_equal(cgstat_read_pressure(v1, "memory.pressure", &p), -ENOENT);
        assert_int_equal(cgstat_read_oom_control(v2, &oc), -ENOENT);
        assert_int_equal(cgstat_read_memory_stat(FIXTURE_DIR "/cgstat/tree-v2/gone", false, &ms), -ENOENT);

        assert_int_equal(cgstat_read_file(v2, "leaf/memory.events", &buf, &n), -EINVAL);
        assert_int_equal(cgstat_read_file(v2, "..", &buf, &n), -EINVAL);
        assert_int_equal(cgstat_read_file(v2, "", &buf, &n), -EINVAL);
        assert_int_equal(cgstat_read_pressure(v2, "leaf", &p), -EISDIR);
        assert_null(buf);
        assert_int_equal(cgstat_read_file(v2, "memory.max", &buf, &n), 0);
        assert_int_equal(n, 4);
        assert_string_equal(buf, "max\n");
}

/* The live kernel, read only: our own memory cgroup and /proc/pressure. */
static void test_live(void **state) {
        _cleanup_free_ char *self = NULL;
        size_t n, pos = 0;
        bool checked = false;
        CgPressure p;
        int r;

        r = cgstat_read_pressure("/proc/pressure", "memory", &p);
        if (r == -ENOENT || r == -EOPNOTSUPP)
                print_message("/proc/pressure/memory: PSI not available (%s), not checked\n", strerror(-r));
        else {
                assert_int_equal(r, 0);
                assert_true(p.some_avg10 >= 0 && p.some_avg10 <= 100);
                assert_true(p.has_full);
        }

        assert_int_equal(procfs_read_full("/proc/self/cgroup", 1 << 16, &self, &n), 0);
        while (pos < n) {
                char *line = self + pos, *nl = strchr(line, '\n'), *path, dir[4096];
                bool v1;
                CgMemStat ms;

                if (nl)
                        *nl = '\0';
                pos += strlen(line) + 1;
                /* "4:memory:/path" (v1) or "0::/path" (v2) */
                path = strchr(line, ':');
                if (!path)
                        continue;
                path++;
                if (strncmp(path, "memory:", 7) == 0) {
                        v1 = true;
                        snprintf(dir, sizeof(dir), "/sys/fs/cgroup/memory%s", path + 7);
                } else if (strncmp(path, ":", 1) == 0) {
                        v1 = false;
                        snprintf(dir, sizeof(dir), "/sys/fs/cgroup%s", path + 1);
                } else
                        continue;
                r = cgstat_read_memory_stat(dir, v1, &ms);
                if (r == -ENOENT)
                        continue; /* v2 without the memory controller here (hybrid) */
                assert_int_equal(r, 0);
                if (v1) {
                        assert_true(ms.anon != CGSTAT_UNKNOWN);
                        assert_int_equal(ms.kernel, CGSTAT_UNKNOWN);
                } else
                        assert_true(ms.anon != CGSTAT_UNKNOWN && ms.file != CGSTAT_UNKNOWN);
                checked = true;
        }
        if (!checked)
                print_message("no memory.stat in our own cgroups, not checked\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kv_get),
                cmocka_unit_test(test_kv_get_edge),
                cmocka_unit_test(test_memory_stat_v2),
                cmocka_unit_test(test_memory_stat_v2_older),
                cmocka_unit_test(test_memory_stat_v1),
                cmocka_unit_test(test_memory_stat_malformed),
                cmocka_unit_test(test_memory_events),
                cmocka_unit_test(test_memory_events_edge),
                cmocka_unit_test(test_pids_events),
                cmocka_unit_test(test_oom_control),
                cmocka_unit_test(test_cgroup_events),
                cmocka_unit_test(test_pressure),
                cmocka_unit_test(test_pressure_edge),
                cmocka_unit_test(test_u64_or_max),
                cmocka_unit_test(test_truncated_fixtures),
                cmocka_unit_test(test_readers),
                cmocka_unit_test(test_live),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
