/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/procfs.h"
#include "base/fs-util.h"
#include "base/macro.h"
#include "base/parse-util.h"

/* Exactly len decimal digits (len >= 1). */
static int parse_u64(const char *s, size_t len, uint64_t *ret) {
        return parse_u64_exact(s, len, ret);
}

static size_t skip_blanks(const char *s, size_t len, size_t i) {
        while (i < len && is_blank(s[i]))
                i++;
        return i;
}

static size_t trim_blanks_right(const char *s, size_t len) {
        while (len > 0 && is_blank(s[len - 1]))
                len--;
        return len;
}

int procfs_parse_u64_buf(const char *buf, size_t n, uint64_t *ret) {
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        return parse_u64(buf, n, ret);
}

int procfs_stat_parse_buf(const char *buf, size_t n, char comm[static 16], uint64_t *ret_start_ticks) {
        const char *a = memchr(buf, '(', n), *b, *p, *end = buf + n;
        uint64_t t;
        size_t len;
        int r;

        if (!a)
                return -EBADMSG;
        b = memrchr(a + 1, ')', (size_t) (end - a - 1));
        if (!b)
                return -EBADMSG;
        /* " S 1 ...": fields 3 to 22 each after one space */
        p = b + 1;
        for (int field = 3; field < 22; field++) {
                if (p >= end || *p != ' ')
                        return -EBADMSG;
                p = memchr(p + 1, ' ', (size_t) (end - p - 1));
                if (!p)
                        return -EBADMSG;
        }
        p++;
        for (len = 0; p + len < end && is_digit(p[len]);)
                len++;
        if (len == 0 || (p + len < end && p[len] != ' ' && p[len] != '\n'))
                return -EBADMSG;
        r = parse_u64(p, len, &t);
        if (r < 0)
                return r;
        len = MIN((size_t) (b - a - 1), (size_t) 15);
        memcpy(comm, a + 1, len);
        comm[len] = 0;
        *ret_start_ticks = t;
        return 0;
}

/* "  13812 kB" (the value of a status or smaps line, blanks before it
 * already skipped) -> bytes. */
static int parse_kb(const char *s, size_t len, uint64_t *ret_bytes) {
        uint64_t kb;
        size_t i = 0;
        int r;

        len = trim_blanks_right(s, len);
        while (i < len && is_digit(s[i]))
                i++;
        r = parse_u64(s, i, &kb);
        if (r < 0)
                return r;
        if (len - i != 3 || memcmp(s + i, " kB", 3) != 0)
                return -EBADMSG;
        if (kb > UINT64_MAX / 1024)
                return -ERANGE;
        *ret_bytes = kb * 1024;
        return 0;
}

/* Up to 32 hex digits (_NSIG is 128 on MIPS); the low 64 bits are kept. */
static int parse_sigset(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;

        len = trim_blanks_right(s, len);
        if (len == 0)
                return -EBADMSG;
        if (len > 32)
                return -ERANGE;
        for (size_t i = 0; i < len; i++) {
                char c = s[i];
                unsigned d;

                if (is_digit(c))
                        d = (unsigned) (c - '0');
                else if (c >= 'a' && c <= 'f')
                        d = (unsigned) (c - 'a' + 10);
                else if (c >= 'A' && c <= 'F')
                        d = (unsigned) (c - 'A' + 10);
                else
                        return -EBADMSG;
                v = (v << 4) | d;
        }
        *ret = v;
        return 0;
}

/* Blank-separated decimal fields; all must parse, each <= max. Writes field
 * number `want` (0-based; SIZE_MAX = the last) to *ret. */
static int parse_fields(const char *s, size_t len, uint64_t max, size_t want, uint64_t *ret) {
        uint64_t picked = 0;
        size_t i = 0, k = 0;

        len = trim_blanks_right(s, len);
        for (;;) {
                uint64_t v;
                size_t start;
                int r;

                i = skip_blanks(s, len, i);
                if (i >= len)
                        break;
                start = i;
                while (i < len && !is_blank(s[i]))
                        i++;
                r = parse_u64(s + start, i - start, &v);
                if (r < 0)
                        return r;
                if (v > max)
                        return -ERANGE;
                if (k == want || want == SIZE_MAX)
                        picked = v;
                k++;
        }
        if (k == 0 || (want != SIZE_MAX && k <= want))
                return -EBADMSG;
        *ret = picked;
        return 0;
}

/* One decimal field, <= max, blanks around it allowed. */
static int parse_single(const char *s, size_t len, uint64_t max, uint64_t *ret) {
        uint64_t v;
        int r;

        len = trim_blanks_right(s, len);
        r = parse_u64(s, len, &v);
        if (r < 0)
                return r;
        if (v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

/* Name: the kernel escapes '\n' as "\n" and '\\' as "\\" (seq_escape_str()
 * with only "\n\\"); undo those, keep any other byte. */
static void parse_name(const char *s, size_t len, char name[static 16]) {
        size_t k = 0;

        for (size_t i = 0; i < len && k < 15; i++) {
                char c = s[i];

                if (c == '\\' && i + 1 < len && (s[i + 1] == 'n' || s[i + 1] == '\\')) {
                        i++;
                        c = s[i] == 'n' ? '\n' : '\\';
                }
                name[k++] = c;
        }
        name[k] = '\0';
}

/* Split "Key:<blanks>value" lines. Returns false for a line that has no
 * colon or whose key holds a blank (the smaps_rollup header line). */
static bool split_colon(const char *line, size_t len, const char **ret_key, size_t *ret_key_len,
                        const char **ret_val, size_t *ret_val_len) {
        const char *colon = memchr(line, ':', len);
        size_t klen, v;

        if (!colon)
                return false;
        klen = (size_t) (colon - line);
        if (klen == 0)
                return false;
        for (size_t i = 0; i < klen; i++)
                if (is_blank(line[i]))
                        return false;
        v = klen + 1;
        *ret_key = line;
        *ret_key_len = klen;
        *ret_val = line + v;
        *ret_val_len = len - v;
        return true;
}

static bool key_is(const char *key, size_t key_len, const char *want) {
        return strlen(want) == key_len && memcmp(key, want, key_len) == 0;
}

typedef enum StatusKind {
        KIND_KB,
        KIND_SIGSET,
        KIND_THREADS,
        KIND_TGID,
        KIND_NSTGID,
        KIND_UID,
        KIND_GID,
        KIND_NAME,
        KIND_STATE,
} StatusKind;

int procfs_status_parse_buf(const char *buf, size_t n, ProcStatus *ret) {
        static const struct {
                const char *key;
                StatusKind kind;
                uint32_t bit;
                size_t offset;
        } table[] = {
                { "Name", KIND_NAME, PROC_STATUS_HAVE_NAME, 0 },
                { "State", KIND_STATE, PROC_STATUS_HAVE_STATE, 0 },
                { "Tgid", KIND_TGID, PROC_STATUS_HAVE_TGID, 0 },
                { "Uid", KIND_UID, PROC_STATUS_HAVE_UID, 0 },
                { "Gid", KIND_GID, PROC_STATUS_HAVE_GID, 0 },
                { "NStgid", KIND_NSTGID, PROC_STATUS_HAVE_NSTGID, 0 },
                { "VmHWM", KIND_KB, PROC_STATUS_HAVE_VM_HWM, offsetof(ProcStatus, vm_hwm) },
                { "VmRSS", KIND_KB, PROC_STATUS_HAVE_VM_RSS, offsetof(ProcStatus, vm_rss) },
                { "RssAnon", KIND_KB, PROC_STATUS_HAVE_RSS_ANON, offsetof(ProcStatus, rss_anon) },
                { "RssFile", KIND_KB, PROC_STATUS_HAVE_RSS_FILE, offsetof(ProcStatus, rss_file) },
                { "RssShmem", KIND_KB, PROC_STATUS_HAVE_RSS_SHMEM, offsetof(ProcStatus, rss_shmem) },
                { "Threads", KIND_THREADS, PROC_STATUS_HAVE_THREADS, 0 },
                { "SigBlk", KIND_SIGSET, PROC_STATUS_HAVE_SIG_BLK, offsetof(ProcStatus, sig_blk) },
                { "SigIgn", KIND_SIGSET, PROC_STATUS_HAVE_SIG_IGN, offsetof(ProcStatus, sig_ign) },
                { "SigCgt", KIND_SIGSET, PROC_STATUS_HAVE_SIG_CGT, offsetof(ProcStatus, sig_cgt) },
        };
        ProcStatus s = {
                .euid = (uid_t) -1,
                .egid = (gid_t) -1,
                .state = '?',
        };
        const char *line;
        size_t len, pos = 0;

        while (next_line(buf, n, &pos, &line, &len)) {
                const char *key, *val;
                size_t key_len, val_len, i, skip;
                uint64_t v;
                int r = 0;

                if (!split_colon(line, len, &key, &key_len, &val, &val_len))
                        continue;
                for (i = 0; i < ELEMENTSOF(table); i++)
                        if (key_is(key, key_len, table[i].key))
                                break;
                if (i >= ELEMENTSOF(table) || (s.have & table[i].bit))
                        continue;

                if (table[i].kind == KIND_NAME) {
                        /* exactly one tab: a comm may start with a blank */
                        skip = val_len > 0 && val[0] == '\t';
                        parse_name(val + skip, val_len - skip, s.name);
                        s.have |= table[i].bit;
                        continue;
                }
                skip = skip_blanks(val, val_len, 0);
                val += skip;
                val_len -= skip;

                switch (table[i].kind) {
                case KIND_KB:
                        r = parse_kb(val, val_len, (uint64_t *) ((char *) &s + table[i].offset));
                        break;
                case KIND_SIGSET:
                        r = parse_sigset(val, val_len, (uint64_t *) ((char *) &s + table[i].offset));
                        break;
                case KIND_THREADS:
                        r = parse_single(val, val_len, UINT32_MAX, &v);
                        if (r >= 0)
                                s.threads = (uint32_t) v;
                        break;
                case KIND_TGID:
                        r = parse_single(val, val_len, INT_MAX, &v);
                        if (r >= 0)
                                s.tgid = (pid_t) v;
                        break;
                case KIND_NSTGID:
                        r = parse_fields(val, val_len, INT_MAX, SIZE_MAX, &v);
                        if (r >= 0)
                                s.nstgid_last = (pid_t) v;
                        break;
                case KIND_UID:
                        /* real, effective, saved, fs */
                        r = parse_fields(val, val_len, UINT32_MAX, 1, &v);
                        if (r >= 0)
                                s.euid = (uid_t) v;
                        break;
                case KIND_GID:
                        r = parse_fields(val, val_len, UINT32_MAX, 1, &v);
                        if (r >= 0)
                                s.egid = (gid_t) v;
                        break;
                case KIND_STATE:
                        /* "S (sleeping)" */
                        if (val_len == 0 || (unsigned char) val[0] < 0x21 || (unsigned char) val[0] > 0x7e ||
                            (val_len > 1 && !is_blank(val[1])))
                                r = -EBADMSG;
                        else
                                s.state = val[0];
                        break;
                case KIND_NAME:
                        break;
                }
                if (r < 0)
                        return r;
                s.have |= table[i].bit;
        }

        if (s.have == 0)
                return -EBADMSG;
        *ret = s;
        return 0;
}

int procfs_smaps_rollup_parse_buf(const char *buf, size_t n, ProcSmapsRollup *ret) {
        static const struct {
                const char *key;
                uint32_t bit;
                size_t offset;
        } table[] = {
                { "Rss", PROC_SMAPS_HAVE_RSS, offsetof(ProcSmapsRollup, rss) },
                { "Pss", PROC_SMAPS_HAVE_PSS, offsetof(ProcSmapsRollup, pss) },
                { "Pss_Anon", PROC_SMAPS_HAVE_PSS_ANON, offsetof(ProcSmapsRollup, pss_anon) },
                { "Pss_File", PROC_SMAPS_HAVE_PSS_FILE, offsetof(ProcSmapsRollup, pss_file) },
                { "Pss_Shmem", PROC_SMAPS_HAVE_PSS_SHMEM, offsetof(ProcSmapsRollup, pss_shmem) },
                { "Anonymous", PROC_SMAPS_HAVE_ANONYMOUS, offsetof(ProcSmapsRollup, anonymous) },
                { "Swap", PROC_SMAPS_HAVE_SWAP, offsetof(ProcSmapsRollup, swap) },
                { "SwapPss", PROC_SMAPS_HAVE_SWAP_PSS, offsetof(ProcSmapsRollup, swap_pss) },
                { "Private_Clean", PROC_SMAPS_HAVE_PRIVATE_CLEAN, offsetof(ProcSmapsRollup, private_clean) },
                { "Private_Dirty", PROC_SMAPS_HAVE_PRIVATE_DIRTY, offsetof(ProcSmapsRollup, private_dirty) },
                { "Shared_Clean", PROC_SMAPS_HAVE_SHARED_CLEAN, offsetof(ProcSmapsRollup, shared_clean) },
                { "Shared_Dirty", PROC_SMAPS_HAVE_SHARED_DIRTY, offsetof(ProcSmapsRollup, shared_dirty) },
        };
        ProcSmapsRollup s = {};
        const char *line;
        size_t len, pos = 0;

        while (next_line(buf, n, &pos, &line, &len)) {
                const char *key, *val;
                size_t key_len, val_len, i, skip;
                int r;

                if (!split_colon(line, len, &key, &key_len, &val, &val_len))
                        continue;
                for (i = 0; i < ELEMENTSOF(table); i++)
                        if (key_is(key, key_len, table[i].key))
                                break;
                if (i >= ELEMENTSOF(table) || (s.have & table[i].bit))
                        continue;
                skip = skip_blanks(val, val_len, 0);
                r = parse_kb(val + skip, val_len - skip, (uint64_t *) ((char *) &s + table[i].offset));
                if (r < 0)
                        return r;
                s.have |= table[i].bit;
        }

        if (s.have == 0)
                return -EBADMSG;
        *ret = s;
        return 0;
}

int procfs_read_full(const char *path, size_t max_bytes, char **ret_buf, size_t *ret_size) {
        return read_full_file_at(AT_FDCWD, path, max_bytes, 0, ret_buf, ret_size);
}

static int read_pid_file(const char *proc_root, pid_t pid, const char *file, char **ret_buf,
                         size_t *ret_size) {
        _cleanup_free_ char *path = NULL;

        if (pid <= 0)
                return -EINVAL;
        if (asprintf(&path, "%s/%d/%s", proc_root ?: "/proc", (int) pid, file) < 0)
                return -ENOMEM;
        return procfs_read_full(path, PROCFS_READ_MAX_BYTES, ret_buf, ret_size);
}

int procfs_read_status(const char *proc_root, pid_t pid, ProcStatus *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = read_pid_file(proc_root, pid, "status", &buf, &n);
        if (r < 0)
                return r;
        return procfs_status_parse_buf(buf, n, ret);
}

int procfs_read_smaps_rollup(const char *proc_root, pid_t pid, ProcSmapsRollup *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = read_pid_file(proc_root, pid, "smaps_rollup", &buf, &n);
        if (r < 0)
                return r;
        /* No address space (kernel thread, zombie): the open or read fails
         * with ESRCH; should a kernel answer with an empty file instead, say
         * the same. */
        if (n == 0)
                return -ESRCH;
        return procfs_smaps_rollup_parse_buf(buf, n, ret);
}

static bool path_is_safe_relative(const char *p) {
        if (!p || p[0] == '\0' || p[0] == '/')
                return false;
        for (const char *c = p; c;) {
                const char *slash = strchr(c, '/');
                size_t len = slash ? (size_t) (slash - c) : strlen(c);

                if (len == 2 && c[0] == '.' && c[1] == '.')
                        return false;
                c = slash ? slash + 1 : NULL;
        }
        return true;
}

int procfs_read_u64_file(const char *proc_root, const char *path, uint64_t *ret) {
        _cleanup_free_ char *full = NULL, *buf = NULL;
        size_t n = 0;
        int r;

        if (!path_is_safe_relative(path))
                return -EINVAL;
        if (asprintf(&full, "%s/%s", proc_root ?: "/proc", path) < 0)
                return -ENOMEM;
        r = procfs_read_full(full, PROCFS_READ_MAX_BYTES, &buf, &n);
        if (r < 0)
                return r;
        return procfs_parse_u64_buf(buf, n, ret);
}
