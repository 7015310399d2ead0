/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* procsnap.h on files captured from real JVMs (tests/fixtures/capture, see
 * capture.sh there: OpenJDK 17 on Linux 6.18) and on hand-written edge
 * cases; the readers on fixture trees built in a temporary directory and
 * on this process. */

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "capture/procsnap.h"
#include "base/procfs.h"

static char *fixture(const char *name, size_t *ret_n) {
        char path[4096];
        char *buf;
        size_t n;
        int r;

        snprintf(path, sizeof(path), "%s/capture/%s", FIXTURE_DIR, name);
        r = procfs_read_full(path, 1 << 20, &buf, &n);
        if (r < 0)
                fail_msg("%s: %s", path, strerror(-r));
        *ret_n = n;
        return buf;
}

/* procsnap_pmap_format() into memory. Returns its result; *ret_text is
 * the output (NUL-terminated, "" on failure). */
static int pmap(const char *buf, size_t n, char **ret_text, ProcPmapTotals *ret_totals) {
        size_t len = 0;
        FILE *f;
        int r;

        *ret_text = NULL;
        f = open_memstream(ret_text, &len);
        assert_non_null(f);
        r = procsnap_pmap_format(buf, n, f, ret_totals);
        assert_int_equal(fclose(f), 0);
        if (r < 0)
                assert_int_equal(len, 0); /* nothing written on failure */
        return r;
}

static int pmap_str(const char *s, char **ret_text, ProcPmapTotals *ret_totals) {
        return pmap(s, strlen(s), ret_text, ret_totals);
}

static void test_pmap_jvm(void **state) {
        _cleanup_free_ char *buf = NULL, *text = NULL;
        ProcPmapTotals t;
        uint64_t last_rss = UINT64_MAX, rows = 0, rss = 0, size = 0, dirty = 0;
        const char *line, *first_row, *last_row = NULL;
        size_t n;

        /* a JVM with 128 MiB of malloc'd native memory (64 MiB direct
         * ByteBuffers, 64 MiB Unsafe.allocateMemory); the expected sums are
         * those of `pmap -x` (and awk over the file) */
        buf = fixture("jvm17-nmt.smaps", &n);
        assert_int_equal(pmap(buf, n, &text, &t), 0);
        assert_int_equal(t.mappings, 174);
        assert_int_equal(t.size_kb, 2662024);
        assert_int_equal(t.rss_kb, 168072);
        assert_int_equal(t.dirty_kb, 148008);
        assert_int_equal(t.anon_rss_kb, 148008);
        assert_int_equal(t.swap_kb, 0);

        /* the malloc arenas holding the buffers come first */
        first_row = strchr(text, '\n') + 1;
        assert_memory_equal(text, "Address           Kbytes     RSS   Dirty Mode  Mapping\n", 55);
        assert_memory_equal(first_row, "00007f51700c1000   64764   64764   64764 rw--- [ anon ]\n", 56);
        assert_non_null(strstr(text, "\n00007f5207052000   13664   10396       0 r-x-- "
                                     "/usr/lib/jvm/java-17-openjdk-amd64/lib/server/libjvm.so\n"));
        assert_non_null(strstr(text, " r--s- /usr/lib/jvm/java-17-openjdk-amd64/lib/modules\n"));
        assert_non_null(strstr(text, "\n---------------- ------- ------- -------\n"
                                     "total kB         2662024  168072  148008\n"));

        /* rows sorted by RSS, and they add up to the totals */
        for (line = first_row; line[0] != '-'; line = strchr(line, '\n') + 1) {
                uint64_t a, s, r, d;

                assert_int_equal(
                        sscanf(line, "%" SCNx64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &a, &s, &r, &d), 4);
                assert_true(r <= last_rss);
                last_rss = r;
                rows++;
                size += s;
                rss += r;
                dirty += d;
                last_row = line;
        }
        assert_int_equal(rows, t.mappings);
        assert_int_equal(size, t.size_kb);
        assert_int_equal(rss, t.rss_kb);
        assert_int_equal(dirty, t.dirty_kb);
        /* RSS 0: by address, so the vsyscall page is last */
        assert_memory_equal(last_row, "ffffffffff600000       4       0       0 --x-- [vsyscall]\n", 57);

        /* the totals pointer may be NULL */
        free(text);
        assert_int_equal(pmap(buf, n, &text, NULL), 0);
}

static void test_pmap_edge(void **state) {
        /* keys in any order, a key twice (the first counts), unknown keys,
         * VmFlags, no name, a trailing blank after the inode, names with
         * blanks, " (deleted)", a control character, a shared mapping, no
         * final newline */
        static const char smaps[] =
                "00400000-00452000 r-xp 00000000 08:02 173521                     /usr/bin/dbus daemon "
                "(deleted)\n"
                "Size:                328 kB\n"
                "Rss:                 100 kB\n"
                "Shared_Dirty:          1 kB\n"
                "Private_Dirty:         2 kB\n"
                "Rss:                 999 kB\n"
                "VmFlags: rd ex mr mw me dw\n"
                "00e03000-00e24000 rw-p 00000000 00:00 0                                  [heap]\n"
                "Private_Dirty:       132 kB\n"
                "Rss:                 132 kB\n"
                "Anonymous:           132 kB\n"
                "THPeligible:    0\n"
                "7f0000000000-7f0000100000 rw-s 00000000 00:01 1234                       /memfd:jit\twith "
                "tab\n"
                "Rss: 100 kB\n"
                "Swap: 8 kB\n"
                "\n"
                "7f0000200000-7f0000300000 ---p 00000000 00:00 0 \n"
                "Rss: 0 kB\n"
                "NewKernelKey: anything at all\n"
                "7f0000400000-7f0000500000 rw-p 00000000 00:00 0                          "
                "[anon:libc_malloc]\n"
                "Rss:\t200 kB\n"
                "Anonymous: 200 kB   \n"
                "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0                          [stack]\n"
                "Rss:  16 kB\n"
                "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
                "Rss: 0 kB";
        static const char want[] =
                "Address           Kbytes     RSS   Dirty Mode  Mapping\n"
                "00007f0000400000    1024     200       0 rw--- [anon:libc_malloc]\n"
                "0000000000e03000     132     132     132 rw--- [heap]\n"
                "0000000000400000     328     100       3 r-x-- /usr/bin/dbus daemon (deleted)\n"
                "00007f0000000000    1024     100       0 rw-s- /memfd:jit\\011with tab\n"
                "00007ffc00000000     132      16       0 rw--- [stack]\n"
                "00007f0000200000    1024       0       0 ----- [ anon ]\n"
                "ffffffffff600000       4       0       0 --x-- [vsyscall]\n"
                "---------------- ------- ------- -------\n"
                "total kB            3668     548     135\n";
        /* columns widen for large numbers */
        static const char wide[] = "0-40000000000 rw-p 0 00:00 0\nRss: 123456789 kB\n";
        static const char wide_want[] = "Address              Kbytes       RSS   Dirty Mode  Mapping\n"
                                        "0000000000000000 4294967296 123456789       0 rw--- [ anon ]\n"
                                        "---------------- ---------- --------- -------\n"
                                        "total kB         4294967296 123456789       0\n";
        _cleanup_free_ char *text = NULL;
        ProcPmapTotals t;

        assert_int_equal(pmap_str(smaps, &text, &t), 0);
        assert_string_equal(text, want);
        assert_int_equal(t.mappings, 7);
        assert_int_equal(t.size_kb, 3668);
        assert_int_equal(t.rss_kb, 548);
        assert_int_equal(t.dirty_kb, 135);
        assert_int_equal(t.anon_rss_kb, 332);
        assert_int_equal(t.swap_kb, 8);

        free(text);
        assert_int_equal(pmap_str(wide, &text, &t), 0);
        assert_string_equal(text, wide_want);

        /* a header alone: a mapping without keys */
        free(text);
        assert_int_equal(pmap_str("1000-3000 r--p 00000000 fe:00 12 /x", &text, &t), 0);
        assert_string_equal(text, "Address           Kbytes     RSS   Dirty Mode  Mapping\n"
                                  "0000000000001000       8       0       0 r---- /x\n"
                                  "---------------- ------- ------- -------\n"
                                  "total kB               8       0       0\n");
        assert_int_equal(t.mappings, 1);
}

static void test_pmap_malformed(void **state) {
        static const struct {
                const char *text;
                int r;
        } cases[] = {
                { "", -EBADMSG },
                { "\n\n", -EBADMSG },
                { "Rss: 4 kB\n", -EBADMSG },
                { "hello world\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nhello world\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\n Rss: 4 kB\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nRss 4 kB\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nRss: 4 MB\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nRss: 4\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nRss: kB\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nRss: -4 kB\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nRss: 4 4 kB\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nSwap: 0x4 kB\n", -EBADMSG },
                { "2000-1000 rw-p 0 00:00 0\n", -EBADMSG },
                { "1000-1000 rw-p 0 00:00 0\n", -EBADMSG },
                { "1000-2000 rwxx 0 00:00 0\n", -EBADMSG },
                { "1000-2000 rw-p\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00\n", -EBADMSG },
                { "1000-2000 rw-p 0 0000 0\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 x\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0/x\n", -EBADMSG },
                { "1000-2000  rw-p 0 00:00 0\n", 0 }, /* blanks between fields: fine */
                { "10000000000000000-10000000000000001 rw-p 0 00:00 0\n", -EBADMSG },
                { "1000-2000 rw-p 0 00:00 0\nRss: 99999999999999999999 kB\n", -ERANGE },
                { "1000-2000 rw-p 0 00:00 0\nRss: 18446744073709551615 kB\n"
                  "3000-4000 rw-p 0 00:00 0\nRss: 1 kB\n",
                  -ERANGE },
                { "1000-2000 rw-p 0 00:00 0\nPrivate_Dirty: 18446744073709551615 kB\nShared_Dirty: 1 kB\n",
                  -ERANGE },
                /* unknown keys are not looked at */
                { "1000-2000 rw-p 0 00:00 0\nPss: lots\nVmFlags:\n", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *text = NULL;
                ProcPmapTotals t = { .mappings = 4242 };
                int r = pmap_str(cases[i].text, &text, &t);

                if (r != cases[i].r)
                        fail_msg("case %zu: got %d, want %d", i, r, cases[i].r);
                if (r < 0)
                        assert_int_equal(t.mappings, 4242);
        }
        assert_int_equal(procsnap_pmap_format(NULL, 1, stdout, NULL), -EINVAL);
        assert_int_equal(procsnap_pmap_format("x", 1, NULL, NULL), -EINVAL);
}

/* Many mappings: the table grows, the sort holds. */
static void test_pmap_many(void **state) {
        _cleanup_free_ char *text = NULL, *out = NULL;
        ProcPmapTotals t;
        uint64_t last_rss = UINT64_MAX, last_addr = 0, rows = 0, rss = 0;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        assert_non_null(f);
        for (unsigned i = 0; i < 5000; i++)
                fprintf(f, "%x-%x rw-p 00000000 00:00 0\nRss: %u kB\nSwap: 1 kB\n", 0x10000 + i * 0x2000,
                        0x10000 + i * 0x2000 + 0x1000, (i * 7919) % 13);
        assert_int_equal(fclose(f), 0);

        assert_int_equal(pmap(text, len, &out, &t), 0);
        assert_int_equal(t.mappings, 5000);
        assert_int_equal(t.size_kb, 5000 * 4);
        assert_int_equal(t.swap_kb, 5000);
        for (const char *line = strchr(out, '\n') + 1; line[0] != '-'; line = strchr(line, '\n') + 1) {
                uint64_t a, s, r, d;

                assert_int_equal(
                        sscanf(line, "%" SCNx64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &a, &s, &r, &d), 4);
                assert_true(r <= last_rss);
                if (r == last_rss)
                        assert_true(a > last_addr);
                last_rss = r;
                last_addr = a;
                rss += r;
                rows++;
        }
        assert_int_equal(rows, 5000);
        assert_int_equal(rss, t.rss_kb);
}

/* Every prefix of the real file parses or fails with -EBADMSG: a line cut
 * inside "Rss: 1004 kB" is malformed, one cut inside a name is a shorter
 * name. */
static void test_pmap_truncated(void **state) {
        _cleanup_free_ char *buf = NULL;
        size_t n;

        buf = fixture("jvm17-nmt.smaps", &n);
        n = MIN(n, (size_t) 6000);
        for (size_t k = 0; k <= n; k++) {
                _cleanup_free_ char *copy = malloc(k ? k : 1), *text = NULL;
                ProcPmapTotals t;
                int r;

                assert_non_null(copy);
                memcpy(copy, buf, k);
                r = pmap(copy, k, &text, &t);
                if (r != 0 && r != -EBADMSG)
                        fail_msg("prefix %zu: %d", k, r);
        }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

static void rm_rf(const char *dir) {
        assert_int_equal(nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "we");

        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

/* The contents of fd from the start, NUL-terminated. */
static char *fd_contents(int fd) {
        struct stat st;
        char *s;

        assert_int_equal(fstat(fd, &st), 0);
        s = malloc((size_t) st.st_size + 1);
        assert_non_null(s);
        assert_int_equal(pread(fd, s, (size_t) st.st_size, 0), st.st_size);
        s[st.st_size] = '\0';
        return s;
}

static int new_memfd(void) {
        int fd = memfd_create("procsnap-test", MFD_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

static void test_write_pmap(void **state) {
        char root[] = "/tmp/test-procsnap-XXXXXX", path[PATH_MAX];
        _cleanup_free_ char *buf = NULL, *text = NULL, *out = NULL;
        _cleanup_close_ int fd = new_memfd();
        ProcPmapTotals t = {}, u;
        size_t n;

        assert_non_null(mkdtemp(root));
        buf = fixture("jvm17-nmt.smaps", &n);
        snprintf(path, sizeof(path), "%s/4242", root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/4242/smaps", root);
        write_file(path, buf);
        snprintf(path, sizeof(path), "%s/4243", root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/4243/smaps", root); /* a zombie's */
        write_file(path, "");
        snprintf(path, sizeof(path), "%s/4244", root);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/4244/smaps", root);
        write_file(path, "garbage\n");

        assert_int_equal(procsnap_write_pmap(root, 4242, fd, &t), 0);
        assert_int_equal(t.mappings, 174);
        assert_int_equal(t.rss_kb, 168072);
        out = fd_contents(fd);
        assert_int_equal(pmap(buf, n, &text, &u), 0);
        assert_string_equal(out, text);

        /* failures write nothing */
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(procsnap_write_pmap(root, 4243, fd, &t), -ESRCH);
        assert_int_equal(procsnap_write_pmap(root, 4244, fd, &t), -EBADMSG);
        assert_int_equal(procsnap_write_pmap(root, 4245, fd, &t), -ENOENT);
        assert_int_equal(procsnap_write_pmap(root, 0, fd, &t), -EINVAL);
        assert_int_equal(procsnap_write_pmap(root, 4242, -1, &t), -EINVAL);
        assert_int_equal(lseek(fd, 0, SEEK_END), 0);
        assert_int_equal(t.mappings, 174);

        rm_rf(root);
}

static void test_write_pmap_live(void **state) {
        _cleanup_close_ int fd = new_memfd();
        _cleanup_free_ char *out = NULL;
        ProcPmapTotals t;

        assert_int_equal(procsnap_write_pmap(NULL, getpid(), fd, &t), 0);
        assert_true(t.mappings > 3);
        assert_true(t.rss_kb > 0);
        assert_true(t.size_kb >= t.rss_kb);
        out = fd_contents(fd);
        assert_non_null(strstr(out, "[stack]\n"));
}

static TaskGroup *group(const char *const *names, size_t n, size_t *ret_n) {
        TaskGroup *g = NULL;

        assert_int_equal(procsnap_tasks_group(names, n, &g, ret_n), 0);
        return g;
}

static void test_tasks_patterns(void **state) {
        static const char *const names[] = {
                "worker-12-3",
                "worker-1-20",
                "GC Thread#0",
                "GC Thread#11",
                "pool-1-thread-1", /* 15 bytes: "pool-1-thread-1" or a longer one cut */
                "pool-1-thread-9",
                "pool-12-thread-", /* "pool-12-thread-3" cut */
                "123456789012345", /* 15 digits */
                "12345",
                "",
                "tab\there",
                "nioEventLoopGro",
                "C2 CompilerThre",
                "C1 CompilerThre",
                "a-name-much-longer-than-any-comm-since-the-kernel-cuts-at-15-bytes-0123",
        };
        _cleanup_free_ TaskGroup *g = NULL;
        size_t n;

        g = group(names, ELEMENTSOF(names), &n);
        assert_int_equal(n, 10);
        /* by count, then by pattern */
        assert_string_equal(g[0].pattern, "pool-#-thread-*");
        assert_int_equal(g[0].count, 3);
        assert_string_equal(g[0].example, "pool-1-thread-1");
        assert_string_equal(g[1].pattern, "C# CompilerThre*");
        assert_int_equal(g[1].count, 2);
        assert_string_equal(g[1].example, "C1 CompilerThre");
        assert_string_equal(g[2].pattern, "GC Thread##");
        assert_int_equal(g[2].count, 2);
        assert_string_equal(g[2].example, "GC Thread#0");
        assert_string_equal(g[3].pattern, "worker-#-#");
        assert_int_equal(g[3].count, 2);
        assert_string_equal(g[3].example, "worker-1-20");
        assert_string_equal(g[4].pattern, "");
        assert_string_equal(g[5].pattern, "#");
        assert_string_equal(g[5].example, "12345");
        assert_string_equal(g[6].pattern, "*");
        assert_string_equal(g[6].example, "123456789012345");
        /* 63 bytes kept, not 15: not cut by the kernel */
        assert_string_equal(g[7].pattern, "a-name-much-longer-than-any-comm-since-the-kernel-cuts-at-#-by");
        assert_int_equal(strlen(g[7].example), PROCSNAP_TASK_NAME_MAX - 1);
        assert_string_equal(g[8].pattern, "nioEventLoopGro*");
        assert_string_equal(g[9].pattern, "tab\there");
        for (size_t i = 0; i < n; i++)
                assert_int_equal(g[i].count, i < 4 ? (i == 0 ? 3 : 2) : 1);
}

static void test_tasks_group_edge(void **state) {
        static const char *const with_null[] = { "a", NULL };
        TaskGroup *g = (TaskGroup *) 0x1;
        size_t n = 4242;

        assert_int_equal(procsnap_tasks_group(NULL, 0, &g, &n), 0);
        assert_null(g);
        assert_int_equal(n, 0);
        g = (TaskGroup *) 0x1;
        n = 4242;
        assert_int_equal(procsnap_tasks_group(NULL, 1, &g, &n), -EINVAL);
        assert_int_equal(procsnap_tasks_group(with_null, 2, &g, &n), -EINVAL);
        assert_int_equal(procsnap_tasks_group(with_null, PROCSNAP_TASKS_MAX + 1, &g, &n), -E2BIG);
        assert_ptr_equal(g, (TaskGroup *) 0x1);
        assert_int_equal(n, 4242);
}

/* Many patterns: the hash table grows. */
static void test_tasks_many(void **state) {
        _cleanup_strv_free_ char **names = calloc(5001, sizeof(char *));
        _cleanup_free_ TaskGroup *g = NULL;
        size_t n;

        assert_non_null(names);
        for (unsigned i = 0; i < 5000; i++) {
                unsigned k = i % 1000;

                /* letters only, so that each k is its own pattern */
                assert_true(asprintf(&names[i], "w%c%c%c-%u", 'a' + k / 100, 'a' + k / 10 % 10, 'a' + k % 10,
                                     i) > 0);
        }
        g = group((const char *const *) names, 5000, &n);
        assert_int_equal(n, 1000);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(g[i].count, 5);
                if (i > 0)
                        assert_true(strcmp(g[i - 1].pattern, g[i].pattern) < 0);
        }
        assert_string_equal(g[0].pattern, "waaa-#");
        assert_string_equal(g[0].example, "waaa-0");
        assert_string_equal(g[999].pattern, "wjjj-#");
        assert_string_equal(g[999].example, "wjjj-1999");
}

/* The comm fixture as a list of names. */
static char **leak_names(size_t *ret_n) {
        _cleanup_free_ char *buf = NULL;
        char **names, *p;
        size_t n, k = 0;

        buf = fixture("jvm17-leak.comm", &n);
        names = calloc(n + 1, sizeof(char *));
        assert_non_null(names);
        for (p = buf; *p;) {
                char *nl = strchr(p, '\n');

                assert_non_null(nl);
                names[k++] = strndup(p, (size_t) (nl - p));
                p = nl + 1;
        }
        *ret_n = k;
        return names;
}

static void test_tasks_jvm(void **state) {
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_free_ TaskGroup *g = NULL;
        size_t n, n_groups, sum = 0;

        /* 200 threads named nioEventLoopGroup-G-M: all "nioEventLoopGro" */
        names = leak_names(&n);
        assert_int_equal(n, 214);
        g = group((const char *const *) names, n, &n_groups);
        assert_int_equal(n_groups, 13);
        assert_string_equal(g[0].pattern, "nioEventLoopGro*");
        assert_string_equal(g[0].example, "nioEventLoopGro");
        assert_int_equal(g[0].count, 200);
        assert_string_equal(g[1].pattern, "C# CompilerThre*");
        assert_int_equal(g[1].count, 2);
        assert_string_equal(g[2].pattern, "java");
        assert_int_equal(g[2].count, 2);
        assert_string_equal(g[3].pattern, "Common-Cleaner");
        assert_string_equal(g[12].pattern, "VM Thread");
        for (size_t i = 0; i < n_groups; i++)
                sum += g[i].count;
        assert_int_equal(sum, n);
}

/* root/PID/task/TID/comm for each name; TIDs from PID on. */
static void make_task_tree(const char *root, int pid, char *const *names, size_t n) {
        char path[PATH_MAX];

        snprintf(path, sizeof(path), "%s/%d", root, pid);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/%d/task", root, pid);
        assert_int_equal(mkdir(path, 0755), 0);
        for (size_t i = 0; i < n; i++) {
                char text[128];

                snprintf(path, sizeof(path), "%s/%d/task/%zu", root, pid, (size_t) pid + i);
                assert_int_equal(mkdir(path, 0755), 0);
                snprintf(path, sizeof(path), "%s/%d/task/%zu/comm", root, pid, (size_t) pid + i);
                snprintf(text, sizeof(text), "%s\n", names[i]);
                write_file(path, text);
        }
}

/* A fixture file's contents (NUL-terminated). */
static char *read_fixture(const char *path) {
        FILE *f = fopen(path, "re");
        char *buf = calloc(1, 1 << 20);
        size_t n;

        assert_non_null(f);
        assert_non_null(buf);
        n = fread(buf, 1, (1 << 20) - 1, f);
        buf[n] = 0;
        fclose(f);
        return buf;
}

/* A fork bomb's cgroup (issue: tasks.txt showed "1 stress-ng" for 100
 * processes): every process with its thread count, then all threads. */
static void test_write_cgroup_tasks(void **state) {
        static char *const jvm[] = { "java", "nioEventLoopGro", "nioEventLoopGro", "GC Thread#0" };
        static char *const sh[] = { "sh" };
        static char *const bomb[] = { "stress-ng-fork" };
        char root[] = "/tmp/test-procsnap-XXXXXX", top[64];
        pid_t pids[8] = { 100, 200, 300, 301, 302, 303, 999 };
        _cleanup_close_ int fd = new_memfd();
        _cleanup_free_ char *out = NULL;
        size_t total = 0;

        assert_non_null(mkdtemp(root));
        make_task_tree(root, 100, sh, 1);
        make_task_tree(root, 200, jvm, 4);
        for (int p = 300; p <= 303; p++)
                make_task_tree(root, p, bomb, 1);
        /* 999 exited before it was read: skipped */
        assert_int_equal(procsnap_write_cgroup_tasks(root, pids, 7, fd, top, sizeof(top), &total), 0);
        out = fd_contents(fd);
        assert_string_equal(out,
                            "6 processes, 9 threads in the cgroup\n"
                            "       pid  threads  comm\n"
                            "       200        4  java\n"
                            "       100        1  sh\n"
                            "       300        1  stress-ng-fork\n"
                            "       301        1  stress-ng-fork\n"
                            "       302        1  stress-ng-fork\n"
                            "       303        1  stress-ng-fork\n"
                            "9 threads in 5 groups by name (comm: '#' a number, '*' cut by the kernel at 15 "
                            "bytes)\n"
                            "  count  pattern\n"
                            "      4  stress-ng-fork    (e.g. stress-ng-fork)\n"
                            "      2  nioEventLoopGro*  (e.g. nioEventLoopGro)\n"
                            "      1  GC Thread##       (e.g. GC Thread#0)\n"
                            "      1  java              (e.g. java)\n"
                            "      1  sh                (e.g. sh)\n");
        assert_string_equal(top, "stress-ng-fork");
        assert_int_equal(total, 9);
        assert_int_equal(procsnap_write_cgroup_tasks(root, pids + 6, 1, fd, top, sizeof(top), &total),
                         -ESRCH);
        assert_int_equal(procsnap_write_cgroup_tasks(root, NULL, 1, fd, top, sizeof(top), &total), -EINVAL);
        assert_int_equal(procsnap_write_cgroup_tasks(root, pids, 0, fd, top, sizeof(top), &total), -EINVAL);
        pids[7] = 0;
        assert_int_equal(procsnap_write_cgroup_tasks(root, pids, 8, fd, top, sizeof(top), &total), -EINVAL);
        rm_rf(root);
}

/* The full Java thread names, from real thread dumps of ThreadLeak 20
 * (OpenJDK 17, Temurin 25's "[tid]" format): the groups the 15-byte comm
 * cannot tell apart. */
static void test_java_thread_names(void **state) {
        static const char *const files[] = { FIXTURE_DIR "/capture/threads-17.txt",
                                             FIXTURE_DIR "/capture/threads-25.txt" };

        for (size_t f = 0; f < ELEMENTSOF(files); f++) {
                _cleanup_free_ char *dump = read_fixture(files[f]);
                _cleanup_close_ int fd = new_memfd();
                _cleanup_free_ char *out = NULL;
                char **names = NULL, top[64];
                size_t n = 0, nio = 0;

                assert_int_equal(procsnap_java_thread_names(dump, strlen(dump), &names, &n), 0);
                for (size_t i = 0; i < n; i++)
                        if (strncmp(names[i], "nioEventLoopGroup-", 18) == 0)
                                nio++;
                assert_int_equal(nio, 20);
                assert_string_equal(names[0], "main");
                /* internal VM threads ("VM Thread" os_prio=...) are not Java threads */
                for (size_t i = 0; i < n; i++)
                        assert_string_not_equal(names[i], "VM Thread");
                assert_int_equal(procsnap_write_java_groups(names, n, fd, top, sizeof(top)), 0);
                out = fd_contents(fd);
                assert_non_null(strstr(out, " Java threads in "));
                assert_non_null(strstr(out, "\n     20  nioEventLoopGroup-#-# "));
                assert_non_null(strstr(out, " (e.g. nioEventLoopGroup-1-1)\n"));
                assert_string_equal(top, "nioEventLoopGroup-#-#");
                /* a full name of 15 bytes was not cut by the kernel: no '*' */
                assert_non_null(strstr(out, "  Attach Listener "));
                assert_null(strstr(out, "Attach Listener*"));
                for (size_t i = 0; i < n; i++)
                        free(names[i]);
                free(names);
        }
        /* nothing that looks like a thread: no names */
        char **names = NULL;
        size_t n = 9;
        assert_int_equal(procsnap_java_thread_names("\"x\"\nno #\n\"a\" b\n", 15, &names, &n), 0);
        assert_int_equal(n, 0);
        free(names);
        assert_int_equal(procsnap_java_thread_names(NULL, 0, &names, &n), -EINVAL);
}

static void test_write_tasks(void **state) {
        static const char want[] =
                "214 threads in 13 groups by name (comm: '#' a number, '*' cut by the kernel at 15 bytes)\n"
                "  count  pattern\n"
                "    200  nioEventLoopGro*  (e.g. nioEventLoopGro)\n"
                "      2  C# CompilerThre*  (e.g. C1 CompilerThre)\n"
                "      2  java              (e.g. java)\n"
                "      1  Common-Cleaner    (e.g. Common-Cleaner)\n"
                "      1  Finalizer         (e.g. Finalizer)\n"
                "      1  Monitor Deflati*  (e.g. Monitor Deflati)\n"
                "      1  Notification Th*  (e.g. Notification Th)\n"
                "      1  Reference Handl*  (e.g. Reference Handl)\n"
                "      1  Service Thread    (e.g. Service Thread)\n"
                "      1  Signal Dispatch*  (e.g. Signal Dispatch)\n"
                "      1  Sweeper thread    (e.g. Sweeper thread)\n"
                "      1  VM Periodic Tas*  (e.g. VM Periodic Tas)\n"
                "      1  VM Thread         (e.g. VM Thread)\n";
        static char *const odd[] = { "tab\tname", "tab\tname" };
        char root[] = "/tmp/test-procsnap-XXXXXX", path[PATH_MAX], top[64];
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_close_ int fd = new_memfd();
        _cleanup_free_ char *out = NULL;
        size_t n, total = 0;

        assert_non_null(mkdtemp(root));
        names = leak_names(&n);
        make_task_tree(root, 4242, names, n);
        /* a task that exited after the listing: its directory without comm */
        snprintf(path, sizeof(path), "%s/4242/task/9999", root);
        assert_int_equal(mkdir(path, 0755), 0);
        /* not a task */
        snprintf(path, sizeof(path), "%s/4242/task/self", root);
        assert_int_equal(mkdir(path, 0755), 0);

        assert_int_equal(procsnap_write_tasks(root, 4242, fd, top, sizeof(top), &total), 0);
        out = fd_contents(fd);
        assert_string_equal(out, want);
        assert_string_equal(top, "nioEventLoopGro*");
        assert_int_equal(total, 214);

        /* ret_top is cut to fit, and optional */
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(procsnap_write_tasks(root, 4242, fd, top, 4, NULL), 0);
        assert_string_equal(top, "nio");
        assert_int_equal(procsnap_write_tasks(root, 4242, fd, NULL, 0, NULL), 0);

        /* control characters escaped */
        make_task_tree(root, 7, odd, ELEMENTSOF(odd));
        assert_int_equal(ftruncate(fd, 0), 0);
        assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
        assert_int_equal(procsnap_write_tasks(root, 7, fd, top, sizeof(top), &total), 0);
        free(out);
        out = fd_contents(fd);
        assert_string_equal(
                out, "2 threads in 1 group by name (comm: '#' a number, '*' cut by the kernel at 15 bytes)\n"
                     "  count  pattern\n"
                     "      2  tab\\011name  (e.g. tab\\011name)\n");
        assert_string_equal(top, "tab\\011name");
        assert_int_equal(total, 2);

        /* failures write nothing and leave ret_* alone */
        assert_int_equal(ftruncate(fd, 0), 0);
        snprintf(path, sizeof(path), "%s/8", root); /* exited: no task left */
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/8/task", root);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(procsnap_write_tasks(root, 8, fd, top, sizeof(top), &total), -ESRCH);
        assert_int_equal(procsnap_write_tasks(root, 9, fd, top, sizeof(top), &total), -ENOENT);
        assert_int_equal(procsnap_write_tasks(root, 0, fd, top, sizeof(top), &total), -EINVAL);
        assert_int_equal(procsnap_write_tasks(root, 7, -1, top, sizeof(top), &total), -EINVAL);
        assert_int_equal(lseek(fd, 0, SEEK_END), 0);
        assert_string_equal(top, "tab\\011name");
        assert_int_equal(total, 2);

        rm_rf(root);
}

static void test_write_tasks_live(void **state) {
        _cleanup_close_ int fd = new_memfd();
        _cleanup_free_ char *out = NULL;
        char top[PROCSNAP_TASK_NAME_MAX * 4], comm[32] = "";
        size_t total = 0;
        FILE *f;

        assert_int_equal(procsnap_write_tasks(NULL, getpid(), fd, top, sizeof(top), &total), 0);
        assert_int_equal(total, 1);
        out = fd_contents(fd);
        assert_memory_equal(out, "1 thread in 1 group", 19);

        f = fopen("/proc/self/comm", "re");
        assert_non_null(f);
        assert_non_null(fgets(comm, sizeof(comm), f));
        fclose(f);
        comm[strcspn(comm, "\n")] = '\0';
        /* "test-procsnap": 13 bytes, no digits */
        assert_string_equal(top, comm);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pmap_jvm),           cmocka_unit_test(test_pmap_edge),
                cmocka_unit_test(test_pmap_malformed),     cmocka_unit_test(test_pmap_many),
                cmocka_unit_test(test_pmap_truncated),     cmocka_unit_test(test_write_pmap),
                cmocka_unit_test(test_write_pmap_live),    cmocka_unit_test(test_tasks_patterns),
                cmocka_unit_test(test_tasks_group_edge),   cmocka_unit_test(test_tasks_many),
                cmocka_unit_test(test_tasks_jvm),          cmocka_unit_test(test_write_tasks),
                cmocka_unit_test(test_write_cgroup_tasks), cmocka_unit_test(test_java_thread_names),
                cmocka_unit_test(test_write_tasks_live),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
