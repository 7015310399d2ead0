/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* procfs.h on files captured from real processes (tests/fixtures/procfs,
 * see capture.sh there: Linux 6.18 host, Linux 6.1 VM, OpenJDK 17) and on
 * hand-written edge cases. */

#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/procfs.h"

#define KB(x) ((uint64_t) (x) *1024)
#define SIG(n) (UINT64_C(1) << ((n) -1))
#define STATUS_HAVE_ALL                                                                                  \
        (PROC_STATUS_HAVE_NAME | PROC_STATUS_HAVE_STATE | PROC_STATUS_HAVE_TGID | PROC_STATUS_HAVE_UID | \
         PROC_STATUS_HAVE_GID | PROC_STATUS_HAVE_NSTGID | PROC_STATUS_HAVE_VM_RSS |                      \
         PROC_STATUS_HAVE_VM_HWM | PROC_STATUS_HAVE_RSS_ANON | PROC_STATUS_HAVE_RSS_FILE |               \
         PROC_STATUS_HAVE_RSS_SHMEM | PROC_STATUS_HAVE_THREADS | PROC_STATUS_HAVE_SIG_BLK |              \
         PROC_STATUS_HAVE_SIG_IGN | PROC_STATUS_HAVE_SIG_CGT)
#define STATUS_HAVE_NO_MM                                                                  \
        (STATUS_HAVE_ALL &                                                                 \
         ~(PROC_STATUS_HAVE_VM_RSS | PROC_STATUS_HAVE_VM_HWM | PROC_STATUS_HAVE_RSS_ANON | \
           PROC_STATUS_HAVE_RSS_FILE | PROC_STATUS_HAVE_RSS_SHMEM))
#define SMAPS_HAVE_ALL 0xfffU

static char *fixture(const char *name, size_t *ret_n) {
        char path[4096];
        char *buf;
        size_t n;
        int r;

        snprintf(path, sizeof(path), "%s/procfs/%s", FIXTURE_DIR, name);
        r = procfs_read_full(path, 1 << 20, &buf, &n);
        if (r < 0)
                fail_msg("%s: %s", path, strerror(-r));
        *ret_n = n;
        return buf;
}

static ProcStatus parse_status_fixture(const char *name) {
        _cleanup_free_ char *buf = NULL;
        ProcStatus s;
        size_t n;
        int r;

        buf = fixture(name, &n);
        r = procfs_status_parse_buf(buf, n, &s);
        if (r != 0)
                fail_msg("%s: %s", name, strerror(-r));
        return s;
}

static ProcSmapsRollup parse_smaps_fixture(const char *name) {
        _cleanup_free_ char *buf = NULL;
        ProcSmapsRollup s;
        size_t n;
        int r;

        buf = fixture(name, &n);
        r = procfs_smaps_rollup_parse_buf(buf, n, &s);
        if (r != 0)
                fail_msg("%s: %s", name, strerror(-r));
        return s;
}

static void test_status_c_program(void **state) {
        /* capture-prog.c as nobody: comm "cg\\w\nprog\tx", 3 extra threads,
         * SIGHUP/SIGTERM caught, SIGPIPE ignored, SIGUSR1 and SIGRTMIN+2 blocked */
        ProcStatus s = parse_status_fixture("host-prog.status");

        assert_string_equal(s.name, "cg\\w\nprog\tx");
        assert_int_equal(s.state, 'S');
        assert_int_equal(s.tgid, 26242);
        assert_int_equal(s.nstgid_last, 26242);
        assert_int_equal(s.euid, 65534);
        assert_int_equal(s.egid, 65534);
        assert_int_equal(s.threads, 4);
        assert_int_equal(s.vm_rss, KB(13812));
        assert_int_equal(s.vm_hwm, KB(13812));
        assert_int_equal(s.rss_anon, KB(8316));
        assert_int_equal(s.rss_file, KB(1400));
        assert_int_equal(s.rss_shmem, KB(4096));
        assert_int_equal(s.vm_rss, s.rss_anon + s.rss_file + s.rss_shmem);
        assert_int_equal(s.sig_blk, UINT64_C(0x0000000800000200));
        assert_true(s.sig_blk & SIG(SIGUSR1));
        assert_true(s.sig_blk & SIG(SIGRTMIN + 2));
        assert_int_equal(s.sig_ign, UINT64_C(0x1006));
        assert_true(s.sig_ign & SIG(SIGPIPE));
        assert_int_equal(s.sig_cgt, UINT64_C(0x0000000100004001));
        assert_true(s.sig_cgt & SIG(SIGHUP));
        assert_true(s.sig_cgt & SIG(SIGTERM));
        assert_int_equal(s.have, STATUS_HAVE_ALL);
}

static void test_status_jvm(void **state) {
        ProcStatus s = parse_status_fixture("host-java.status");

        assert_string_equal(s.name, "java");
        assert_int_equal(s.state, 'S');
        assert_int_equal(s.tgid, 26291);
        assert_int_equal(s.nstgid_last, 26291);
        assert_int_equal(s.euid, 0);
        assert_int_equal(s.egid, 0);
        assert_int_equal(s.threads, 14);
        assert_int_equal(s.vm_rss, KB(68756));
        assert_int_equal(s.rss_anon, KB(48572));
        assert_int_equal(s.rss_file, KB(20184));
        assert_int_equal(s.rss_shmem, 0);
        assert_int_equal(s.sig_ign, SIG(SIGINT));
        assert_int_equal(s.sig_cgt, UINT64_C(0x0000000101005ccd));
        assert_true(s.sig_cgt & SIG(SIGQUIT)); /* the HotSpot attach trigger */
        assert_int_equal(s.have, STATUS_HAVE_ALL);
}

static void test_status_other_kernels_and_states(void **state) {
        ProcStatus s;

        /* Linux 6.1 (the VM) */
        s = parse_status_fixture("vm-cat.status");
        assert_string_equal(s.name, "cat");
        assert_int_equal(s.state, 'R');
        assert_int_equal(s.tgid, 276);
        assert_int_equal(s.vm_rss, KB(868));
        assert_int_equal(s.rss_anon + s.rss_file + s.rss_shmem, KB(868));
        assert_int_equal(s.have, STATUS_HAVE_ALL);

        s = parse_status_fixture("host-cat.status");
        assert_string_equal(s.name, "cat");
        assert_int_equal(s.vm_rss, KB(1728));
        assert_int_equal(s.have, STATUS_HAVE_ALL);

        /* in a child pid namespace: NStgid "26259\t1" */
        s = parse_status_fixture("host-pidns.status");
        assert_string_equal(s.name, "sleep");
        assert_int_equal(s.tgid, 26259);
        assert_int_equal(s.nstgid_last, 1);
        assert_int_equal(s.have, STATUS_HAVE_ALL);

        /* kernel thread: no memory lines, every signal ignored */
        s = parse_status_fixture("host-kthreadd.status");
        assert_string_equal(s.name, "kthreadd");
        assert_int_equal(s.tgid, 2);
        assert_int_equal(s.threads, 1);
        assert_int_equal(s.vm_rss, 0);
        assert_int_equal(s.rss_anon, 0);
        assert_int_equal(s.sig_ign, UINT64_MAX);
        assert_int_equal(s.have, STATUS_HAVE_NO_MM);

        /* zombie: no memory lines either */
        s = parse_status_fixture("host-zombie.status");
        assert_string_equal(s.name, "sh");
        assert_int_equal(s.state, 'Z');
        assert_int_equal(s.vm_rss, 0);
        assert_int_equal(s.sig_cgt, SIG(SIGCHLD));
        assert_int_equal(s.have, STATUS_HAVE_NO_MM);
}

static void test_status_defaults(void **state) {
        /* a Linux 3.x-style status: no RssAnon/RssFile/RssShmem, no NStgid */
        static const char old[] = "Name:\tbash\n"
                                  "State:\tS (sleeping)\n"
                                  "Tgid:\t812\n"
                                  "Pid:\t812\n"
                                  "Uid:\t1000\t1001\t1000\t1000\n"
                                  "Gid:\t100\t101\t100\t100\n"
                                  "VmHWM:\t    3000 kB\n"
                                  "VmRSS:\t    2900 kB\n"
                                  "Threads:\t1\n"
                                  "SigBlk:\t0000000000010000\n"
                                  "SigIgn:\t0000000000384004\n"
                                  "SigCgt:\t000000004b813efb\n";
        ProcStatus s;

        assert_int_equal(procfs_status_parse_buf(old, strlen(old), &s), 0);
        assert_int_equal(s.euid, 1001);
        assert_int_equal(s.egid, 101);
        assert_int_equal(s.vm_rss, KB(2900));
        assert_int_equal(s.rss_anon, 0);
        assert_int_equal(s.nstgid_last, 0);
        assert_false(s.have & PROC_STATUS_HAVE_NSTGID);
        assert_false(s.have & PROC_STATUS_HAVE_RSS_ANON);
        assert_true(s.have & PROC_STATUS_HAVE_VM_RSS);

        /* a single known line: everything else at its default */
        assert_int_equal(procfs_status_parse_buf("Threads:\t7", 10, &s), 0);
        assert_int_equal(s.threads, 7);
        assert_int_equal(s.have, PROC_STATUS_HAVE_THREADS);
        assert_string_equal(s.name, "");
        assert_int_equal(s.state, '?');
        assert_int_equal(s.euid, (uid_t) -1);
        assert_int_equal(s.egid, (gid_t) -1);
        assert_int_equal(s.tgid, 0);
        assert_int_equal(s.vm_rss, 0);
        assert_int_equal(s.sig_cgt, 0);
}

static void test_status_name(void **state) {
        static const struct {
                const char *in;
                const char *name;
        } t[] = {
                { "Name:\tjava\n", "java" },
                { "Name:\t\n", "" },
                { "Name:\n", "" },
                { "Name:\t a b \n", " a b " }, /* blanks are not escaped: kept */
                { "Name:\t\\\\\\n\n", "\\\n" },
                { "Name:\tx\\ty\n", "x\\ty" }, /* other escapes are not the kernel's */
                { "Name:\tend\\", "end\\" }, /* truncated escape */
                { "Name:\t0123456789abcdefgh\n", "0123456789abcde" }, /* long kthread names */
                { "Name:\t\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\\n\n",
                  "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n" },
                { "Name:\tfirst\nName:\tsecond\n", "first" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ProcStatus s;

                if (procfs_status_parse_buf(t[i].in, strlen(t[i].in), &s) != 0)
                        fail_msg("'%s' rejected", t[i].in);
                if (strcmp(s.name, t[i].name) != 0)
                        fail_msg("'%s' gave name '%s', want '%s'", t[i].in, s.name, t[i].name);
        }
}

static void test_status_malformed(void **state) {
        static const struct {
                const char *in;
                int r;
        } t[] = {
                { "", -EBADMSG },
                { "\n\n\n", -EBADMSG },
                { "garbage without colon\n", -EBADMSG },
                { "Unknown:\t1\nOther:\tx\n", -EBADMSG },
                { "VmRSS:\t12 MB\n", -EBADMSG },
                { "VmRSS:\t12\n", -EBADMSG },
                { "VmRSS:\t-12 kB\n", -EBADMSG },
                { "VmRSS:\t kB\n", -EBADMSG },
                { "VmRSS:\t1 2 kB\n", -EBADMSG },
                { "VmRSS:\t0x10 kB\n", -EBADMSG },
                { "VmRSS:\t18014398509481984 kB\n", -ERANGE }, /* 2^54 kB overflows bytes */
                { "VmRSS:\t18446744073709551616 kB\n", -ERANGE },
                { "VmRSS:\t99999999999999999999999999 kB\n", -ERANGE },
                { "Threads:\t\n", -EBADMSG },
                { "Threads:\t1 2\n", -EBADMSG },
                { "Threads:\t4294967296\n", -ERANGE },
                { "Tgid:\t2147483648\n", -ERANGE },
                { "NStgid:\t5\tx\n", -EBADMSG },
                { "NStgid:\n", -EBADMSG },
                { "Uid:\t0\n", -EBADMSG }, /* no effective uid */
                { "Uid:\t0\t4294967296\t0\t0\n", -ERANGE },
                { "Gid:\t0\tz\t0\t0\n", -EBADMSG },
                { "SigCgt:\t00000000000000zz\n", -EBADMSG },
                { "SigCgt:\t\n", -EBADMSG },
                { "SigCgt:\t000000000000000000000000000000000\n", -ERANGE }, /* 33 digits */
                { "State:\t\n", -EBADMSG },
                { "State:\tSx (sleeping)\n", -EBADMSG },
                { "Name:\tok\nVmRSS:\tbad kB\n", -EBADMSG },
                { "VmRSS:\t12 kB\0\n", -EBADMSG }, /* a NUL is not a blank */
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ProcStatus s, before;
                size_t n = strlen(t[i].in);
                int r;

                if (i == ELEMENTSOF(t) - 1)
                        n += 2; /* past the embedded NUL */
                memset(&s, 0x5a, sizeof(s));
                memcpy(&before, &s, sizeof(s));
                r = procfs_status_parse_buf(t[i].in, n, &s);
                if (r != t[i].r)
                        fail_msg("'%s' gave %d, want %d", t[i].in, r, t[i].r);
                assert_memory_equal(&s, &before, sizeof(s)); /* untouched on failure */
        }
}

static void test_status_lenient(void **state) {
        static const struct {
                const char *in;
                uint64_t vm_rss;
        } t[] = {
                { "VmRSS:\t12 kB", KB(12) }, /* no final newline */
                { "VmRSS:12 kB\n", KB(12) },
                { "VmRSS:\t   12 kB  \t\n", KB(12) },
                { "VmRSS:\t000012 kB\n", KB(12) },
                { "VmRSS:\t18014398509481983 kB\n", KB(UINT64_C(18014398509481983)) },
                { "VmRSS:\t1 kB\nVmRSS:\tjunk\n", KB(1) }, /* first wins, the rest is not looked at */
                { "Future:\t\x01\x02 junk\nVmRSS:\t5 kB\n", KB(5) },
                { "no colon\n: empty key\nVm RSS: 3 kB\nVmRSS:\t5 kB\n", KB(5) },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ProcStatus s;
                int r;

                r = procfs_status_parse_buf(t[i].in, strlen(t[i].in), &s);
                if (r != 0)
                        fail_msg("'%s' gave %d", t[i].in, r);
                if (s.vm_rss != t[i].vm_rss)
                        fail_msg("'%s' gave %" PRIu64, t[i].in, s.vm_rss);
        }
}

static void test_status_sigset_width(void **state) {
        ProcStatus s;
        const char *in = "SigBlk:\t8000000000000000ffffffff00000001\n"; /* _NSIG 128 (MIPS) */

        assert_int_equal(procfs_status_parse_buf(in, strlen(in), &s), 0);
        assert_int_equal(s.sig_blk, UINT64_C(0xffffffff00000001)); /* the low 64 signals */
        in = "SigBlk:\t1\n";
        assert_int_equal(procfs_status_parse_buf(in, strlen(in), &s), 0);
        assert_int_equal(s.sig_blk, 1);
        in = "SigBlk:\tFFFFFFFFFFFFFFFF\n";
        assert_int_equal(procfs_status_parse_buf(in, strlen(in), &s), 0);
        assert_int_equal(s.sig_blk, UINT64_MAX);
}

/* Field by field: struct copies need not copy padding. */
static bool status_equal(const ProcStatus *a, const ProcStatus *b) {
        return a->vm_rss == b->vm_rss && a->rss_anon == b->rss_anon && a->rss_file == b->rss_file &&
               a->rss_shmem == b->rss_shmem && a->vm_hwm == b->vm_hwm && a->threads == b->threads &&
               a->tgid == b->tgid && a->nstgid_last == b->nstgid_last && a->sig_cgt == b->sig_cgt &&
               a->sig_ign == b->sig_ign && a->sig_blk == b->sig_blk && a->euid == b->euid &&
               a->egid == b->egid && memcmp(a->name, b->name, sizeof(a->name)) == 0 &&
               a->state == b->state && a->have == b->have;
}

static bool smaps_equal(const ProcSmapsRollup *a, const ProcSmapsRollup *b) {
        return a->rss == b->rss && a->pss == b->pss && a->pss_anon == b->pss_anon &&
               a->pss_file == b->pss_file && a->pss_shmem == b->pss_shmem && a->anonymous == b->anonymous &&
               a->swap == b->swap && a->swap_pss == b->swap_pss && a->private_clean == b->private_clean &&
               a->private_dirty == b->private_dirty && a->shared_clean == b->shared_clean &&
               a->shared_dirty == b->shared_dirty && a->have == b->have;
}

/* Every prefix of every fixture, in an exactly sized heap buffer (ASan sees
 * a read past n) and at the start of a larger buffer whose tail would
 * change the result if it were read: same answer, and on failure ret is
 * untouched. */
static void test_truncated_fixtures(void **state) {
        static const char *const files[] = {
                "host-cat.status",        "host-java.status",      "host-prog.status",
                "host-kthreadd.status",   "host-zombie.status",    "host-pidns.status",
                "vm-cat.status",          "host-cat.smaps_rollup", "host-java.smaps_rollup",
                "host-prog.smaps_rollup", "vm-cat.smaps_rollup",
        };
        static const char tail[] = "0000 kB\nVmRSS:\t1 kB\nRss:  1 kB\nName:\tTAIL\nThreads:\t99\n";

        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                _cleanup_free_ char *buf = NULL, *big = NULL;
                size_t n;

                buf = fixture(files[f], &n);
                big = malloc(n + sizeof(tail));
                assert_non_null(big);
                for (size_t k = 0; k <= n; k++) {
                        _cleanup_free_ char *exact = malloc(k ? k : 1);
                        ProcStatus s1, s2;
                        ProcSmapsRollup m1, m2;
                        int r1, r2;

                        assert_non_null(exact);
                        memcpy(exact, buf, k);
                        memcpy(big, buf, k);
                        memcpy(big + k, tail, sizeof(tail));

                        memset(&s1, 0x33, sizeof(s1));
                        memset(&s2, 0x33, sizeof(s2));
                        r1 = procfs_status_parse_buf(exact, k, &s1);
                        r2 = procfs_status_parse_buf(big, k, &s2);
                        assert_int_equal(r1, r2);
                        assert_true(status_equal(&s1, &s2));
                        assert_true(r1 == 0 || r1 == -EBADMSG || r1 == -ERANGE);
                        if (r1 == 0) {
                                /* a line cut short can lose a name byte, never gain one */
                                assert_true(strlen(s1.name) < sizeof(s1.name));
                                assert_true(s1.have != 0);
                        }

                        memset(&m1, 0x33, sizeof(m1));
                        memset(&m2, 0x33, sizeof(m2));
                        r1 = procfs_smaps_rollup_parse_buf(exact, k, &m1);
                        r2 = procfs_smaps_rollup_parse_buf(big, k, &m2);
                        assert_int_equal(r1, r2);
                        assert_true(smaps_equal(&m1, &m2));
                        assert_true(r1 == 0 || r1 == -EBADMSG || r1 == -ERANGE);
                }
        }
}

static void test_smaps_rollup(void **state) {
        ProcSmapsRollup m;

        m = parse_smaps_fixture("host-java.smaps_rollup");
        assert_int_equal(m.rss, KB(68756));
        assert_int_equal(m.pss, KB(66690));
        assert_int_equal(m.pss_anon, KB(48572));
        assert_int_equal(m.pss_file, KB(18118));
        assert_int_equal(m.pss_shmem, 0);
        assert_int_equal(m.anonymous, KB(48572));
        assert_int_equal(m.swap, 0);
        assert_int_equal(m.swap_pss, 0);
        assert_int_equal(m.private_clean, KB(17716));
        assert_int_equal(m.private_dirty, KB(48604));
        assert_int_equal(m.shared_clean, KB(2436));
        assert_int_equal(m.shared_dirty, 0);
        assert_int_equal(m.rss, m.private_clean + m.private_dirty + m.shared_clean + m.shared_dirty);
        assert_int_equal(m.have, SMAPS_HAVE_ALL);

        m = parse_smaps_fixture("host-prog.smaps_rollup");
        assert_int_equal(m.rss, KB(13812));
        assert_int_equal(m.pss_shmem, KB(4096)); /* the 4 MiB MAP_SHARED mapping */
        assert_int_equal(m.anonymous, KB(8316));
        assert_int_equal(m.pss, m.pss_anon + m.pss_file + m.pss_shmem);

        m = parse_smaps_fixture("vm-cat.smaps_rollup"); /* Linux 6.1: no KSM line */
        assert_int_equal(m.rss, KB(1396));
        assert_int_equal(m.pss, KB(827));
        assert_int_equal(m.have, SMAPS_HAVE_ALL);

        m = parse_smaps_fixture("host-cat.smaps_rollup");
        assert_int_equal(m.rss, KB(1712));
        assert_int_equal(m.have, SMAPS_HAVE_ALL);
}

static void test_smaps_rollup_edge(void **state) {
        /* older kernels: no Pss_* split */
        static const char old[] = "00400000-7fff0000 ---p 00000000 00:00 0   [rollup]\n"
                                  "Rss:                 884 kB\n"
                                  "Pss:                 385 kB\n"
                                  "Anonymous:            68 kB\n";
        ProcSmapsRollup m, before;

        assert_int_equal(procfs_smaps_rollup_parse_buf(old, sizeof(old) - 1, &m), 0);
        assert_int_equal(m.rss, KB(884));
        assert_int_equal(m.pss_anon, 0);
        assert_int_equal(m.have, PROC_SMAPS_HAVE_RSS | PROC_SMAPS_HAVE_PSS | PROC_SMAPS_HAVE_ANONYMOUS);

        memset(&m, 0x11, sizeof(m));
        memcpy(&before, &m, sizeof(m));
        assert_int_equal(procfs_smaps_rollup_parse_buf("", 0, &m), -EBADMSG);
        assert_int_equal(procfs_smaps_rollup_parse_buf(old, 52, &m), -EBADMSG); /* header only */
        assert_int_equal(procfs_smaps_rollup_parse_buf("Rss: 1 MB\n", 10, &m), -EBADMSG);
        assert_int_equal(procfs_smaps_rollup_parse_buf("Pss: 99999999999999999999 kB\n", 29, &m), -ERANGE);
        assert_memory_equal(&m, &before, sizeof(m));
}

static void test_u64_buf(void **state) {
        static const struct {
                const char *in;
                int r;
                uint64_t v;
        } t[] = {
                { "32768\n", 0, 32768 },
                { "4194304", 0, 4194304 },
                { "0\n", 0, 0 },
                { "18446744073709551615\n", 0, UINT64_MAX },
                { "18446744073709551616\n", -ERANGE, 0 },
                { "", -EBADMSG, 0 },
                { "\n", -EBADMSG, 0 },
                { "5\n\n", -EBADMSG, 0 },
                { " 5\n", -EBADMSG, 0 },
                { "5 \n", -EBADMSG, 0 },
                { "+5\n", -EBADMSG, 0 },
                { "-5\n", -EBADMSG, 0 },
                { "max\n", -EBADMSG, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint64_t v = 42;
                int r = procfs_parse_u64_buf(t[i].in, strlen(t[i].in), &v);

                if (r != t[i].r)
                        fail_msg("'%s' gave %d, want %d", t[i].in, r, t[i].r);
                assert_int_equal(v, r == 0 ? t[i].v : 42);
        }
}

static void test_read_fixture_tree(void **state) {
        const char *root = FIXTURE_DIR "/procfs/root";
        ProcStatus s;
        ProcSmapsRollup m;
        uint64_t v;

        assert_int_equal(procfs_read_status(root, 4242, &s), 0);
        assert_string_equal(s.name, "java");
        assert_int_equal(s.threads, 14);
        assert_int_equal(procfs_read_smaps_rollup(root, 4242, &m), 0);
        assert_int_equal(m.pss, KB(66690));
        assert_int_equal(procfs_read_status(root, 4243, &s), 0);
        assert_string_equal(s.name, "kthreadd");

        assert_int_equal(procfs_read_status(root, 4244, &s), -ENOENT);
        assert_int_equal(procfs_read_smaps_rollup(root, 4243, &m), -ENOENT);
        assert_int_equal(procfs_read_status(root, 0, &s), -EINVAL);
        assert_int_equal(procfs_read_status(root, -1, &s), -EINVAL);

        assert_int_equal(procfs_read_u64_file(root, "sys/kernel/pid_max", &v), 0);
        assert_int_equal(v, 32768);
        assert_int_equal(procfs_read_u64_file(root, "sys/kernel/threads-max", &v), 0);
        assert_int_equal(v, 192730);
        assert_int_equal(procfs_read_u64_file(root, "sys/kernel/nope", &v), -ENOENT);
        assert_int_equal(procfs_read_u64_file(root, "/etc/passwd", &v), -EINVAL);
        assert_int_equal(procfs_read_u64_file(root, "sys/../../x", &v), -EINVAL);
        assert_int_equal(procfs_read_u64_file(root, "", &v), -EINVAL);
        /* a status file is not a single number */
        assert_int_equal(procfs_read_u64_file(root, "4242/status", &v), -EBADMSG);
}

static void test_read_full(void **state) {
        const char *path = FIXTURE_DIR "/procfs/host-pid_max"; /* "32768\n" */
        _cleanup_free_ char *buf = NULL;
        char *none = NULL;
        size_t n = 0;

        assert_int_equal(procfs_read_full(path, 6, &buf, &n), 0);
        assert_int_equal(n, 6);
        assert_string_equal(buf, "32768\n");
        assert_int_equal(procfs_read_full(path, 5, &none, &n), -EFBIG);
        assert_null(none);
        assert_int_equal(procfs_read_full(path, 0, &none, &n), -EINVAL);
        assert_int_equal(procfs_read_full(FIXTURE_DIR "/procfs/nope", 100, &none, &n), -ENOENT);
        assert_int_equal(procfs_read_full(FIXTURE_DIR "/procfs", 100, &none, &n), -EISDIR);
        assert_null(none);

        /* a pseudo-file larger than the first 4 KiB chunk */
        free(buf);
        buf = NULL;
        assert_int_equal(procfs_read_full("/proc/self/maps", 1 << 20, &buf, &n), 0);
        assert_true(n > 0);
        assert_int_equal(strlen(buf), n);
}

/* The live kernel: /proc/self. */
static void test_read_live(void **state) {
        ProcStatus s;
        ProcSmapsRollup m;
        uint64_t pid_max, threads_max;
        int r;

        assert_int_equal(procfs_read_status(NULL, getpid(), &s), 0);
        assert_string_equal(s.name, "test-procfs");
        assert_int_equal(s.state, 'R');
        assert_int_equal(s.tgid, getpid());
        assert_int_equal(s.euid, geteuid());
        assert_int_equal(s.egid, getegid());
        assert_int_equal(s.threads, 1);
        assert_true(s.vm_rss > 0);
        assert_true(s.vm_hwm >= s.vm_rss);
        assert_true(s.have & PROC_STATUS_HAVE_VM_RSS);

        r = procfs_read_smaps_rollup(NULL, getpid(), &m);
        if (r == -ENOENT)
                print_message("smaps_rollup: not on this kernel (< 4.14), not checked\n");
        else {
                assert_int_equal(r, 0);
                assert_true(m.rss > 0);
                assert_true(m.pss > 0 && m.pss <= m.rss);
        }

        assert_int_equal(procfs_read_u64_file(NULL, "sys/kernel/pid_max", &pid_max), 0);
        assert_true(pid_max >= 301 && pid_max <= (UINT64_C(1) << 22));
        assert_int_equal(procfs_read_u64_file(NULL, "sys/kernel/threads-max", &threads_max), 0);
        assert_true(threads_max >= 20);

        /* kthreadd is pid 2 unless we are in a pid namespace */
        if (procfs_read_status(NULL, 2, &s) == 0 && streq(s.name, "kthreadd")) {
                assert_false(s.have & PROC_STATUS_HAVE_VM_RSS);
                r = procfs_read_smaps_rollup(NULL, 2, &m);
                assert_true(r == -ESRCH || r == -EACCES);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_status_c_program),
                cmocka_unit_test(test_status_jvm),
                cmocka_unit_test(test_status_other_kernels_and_states),
                cmocka_unit_test(test_status_defaults),
                cmocka_unit_test(test_status_name),
                cmocka_unit_test(test_status_malformed),
                cmocka_unit_test(test_status_lenient),
                cmocka_unit_test(test_status_sigset_width),
                cmocka_unit_test(test_truncated_fixtures),
                cmocka_unit_test(test_smaps_rollup),
                cmocka_unit_test(test_smaps_rollup_edge),
                cmocka_unit_test(test_u64_buf),
                cmocka_unit_test(test_read_fixture_tree),
                cmocka_unit_test(test_read_full),
                cmocka_unit_test(test_read_live),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
