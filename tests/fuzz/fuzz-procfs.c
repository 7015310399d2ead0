/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* The parsers of procfs.h, all on the same input. Beyond "no crash" and
 * "no read past n" (the input is an exactly sized buffer under ASan),
 * checks what callers rely on: ret untouched on failure, the documented
 * error codes, a NUL-terminated name (status, stat), `have` within its bits, and the same
 * answer when bytes follow the buffer that would change it if read. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/procfs.h"
#include "fuzz-check.h"

static const char tail[] = "1 kB\nName:\tTAIL\nVmRSS:\t7 kB\nRss: 7 kB\nThreads:\t9\n";

static bool status_equal(const ProcStatus *a, const ProcStatus *b) {
        return a->vm_rss == b->vm_rss && a->rss_anon == b->rss_anon && a->rss_file == b->rss_file &&
               a->rss_shmem == b->rss_shmem && a->vm_hwm == b->vm_hwm && a->threads == b->threads &&
               a->tgid == b->tgid && a->nstgid_last == b->nstgid_last && a->sig_cgt == b->sig_cgt &&
               a->sig_ign == b->sig_ign && a->sig_blk == b->sig_blk && a->euid == b->euid &&
               a->egid == b->egid && memcmp(a->name, b->name, sizeof(a->name)) == 0 &&
               a->state == b->state && a->have == b->have;
}

static void fuzz_status(const char *buf, const char *big, size_t n) {
        ProcStatus s, t, before;
        int r, q;

        memset(&s, 0xa5, sizeof(s));
        memcpy(&before, &s, sizeof(s));
        r = procfs_status_parse_buf(buf, n, &s);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -ERANGE);
                CHECK(memcmp(&s, &before, sizeof(s)) == 0);
        } else {
                CHECK(r == 0);
                CHECK(s.have != 0 && (s.have & ~0x7fffU) == 0);
                CHECK(memchr(s.name, '\0', sizeof(s.name)));
                if (!(s.have & PROC_STATUS_HAVE_NAME))
                        CHECK(s.name[0] == '\0');
                if (!(s.have & PROC_STATUS_HAVE_STATE))
                        CHECK(s.state == '?');
                else
                        CHECK(s.state > ' ' && s.state <= '~');
                if (!(s.have & PROC_STATUS_HAVE_VM_RSS))
                        CHECK(s.vm_rss == 0);
                if (s.have & PROC_STATUS_HAVE_VM_RSS)
                        CHECK(s.vm_rss % 1024 == 0);
                CHECK(s.tgid >= 0 && s.nstgid_last >= 0);
        }

        memset(&t, 0xa5, sizeof(t));
        q = procfs_status_parse_buf(big, n, &t);
        CHECK(q == r);
        if (r == 0)
                CHECK(status_equal(&s, &t));
}

static void fuzz_smaps(const char *buf, const char *big, size_t n) {
        ProcSmapsRollup m, t, before;
        int r, q;

        memset(&m, 0x5a, sizeof(m));
        memcpy(&before, &m, sizeof(m));
        r = procfs_smaps_rollup_parse_buf(buf, n, &m);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -ERANGE);
                CHECK(memcmp(&m, &before, sizeof(m)) == 0);
        } else {
                CHECK(r == 0);
                CHECK(m.have != 0 && (m.have & ~0xfffU) == 0);
                CHECK(m.rss % 1024 == 0 && m.pss % 1024 == 0);
                if (!(m.have & PROC_SMAPS_HAVE_RSS))
                        CHECK(m.rss == 0);
        }

        memset(&t, 0x5a, sizeof(t));
        q = procfs_smaps_rollup_parse_buf(big, n, &t);
        CHECK(q == r);
        if (r == 0)
                CHECK(t.rss == m.rss && t.pss == m.pss && t.swap == m.swap && t.have == m.have);
}

static void fuzz_u64(const char *buf, const char *big, size_t n) {
        uint64_t v = 4242, w = 4242;
        int r;

        r = procfs_parse_u64_buf(buf, n, &v);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -ERANGE);
                CHECK(v == 4242);
        } else {
                char s[32];
                size_t len = n, skip = 0;

                /* only digits parse (leading zeros and one newline allowed) */
                CHECK(r == 0);
                if (len > 0 && buf[len - 1] == '\n')
                        len--;
                while (skip + 1 < len && buf[skip] == '0')
                        skip++;
                snprintf(s, sizeof(s), "%" PRIu64, v);
                CHECK(len - skip == strlen(s) && memcmp(buf + skip, s, len - skip) == 0);
        }
        CHECK(procfs_parse_u64_buf(big, n, &w) == r);
        if (r == 0)
                CHECK(w == v);
}

static void fuzz_stat(const char *buf, const char *big, size_t n) {
        char comm[16], comm2[16];
        uint64_t t = 4242, t2 = 4242;
        int r;

        memset(comm, 'z', sizeof(comm));
        memset(comm2, 'z', sizeof(comm2));
        r = procfs_stat_parse_buf(buf, n, comm, &t);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -ERANGE);
                CHECK(t == 4242);
                for (size_t i = 0; i < sizeof(comm); i++)
                        CHECK(comm[i] == 'z');
        } else {
                const char *a = memchr(buf, '(', n);

                /* the comm: NUL-terminated, at most 15 bytes, what follows
                 * the first '(' */
                CHECK(r == 0 && a != NULL);
                CHECK(memchr(comm, 0, sizeof(comm)) != NULL);
                CHECK(memcmp(comm, a + 1, strlen(comm)) == 0);
        }
        CHECK(procfs_stat_parse_buf(big, n, comm2, &t2) == r);
        if (r == 0)
                CHECK(t2 == t && strcmp(comm, comm2) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *buf, *big;

        if (size > 65536)
                return 0;

        /* exactly sized: ASan reports any read past size */
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

        fuzz_status(buf, big, size);
        fuzz_smaps(buf, big, size);
        fuzz_u64(buf, big, size);
        fuzz_stat(buf, big, size);

        free(buf);
        free(big);
        return 0;
}
