/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Parsers for /proc/PID/status, /proc/PID/smaps_rollup and single-number
 * /proc/sys files, and thin readers around them (after earlyoom's
 * meminfo.c: pure parse_*_buf functions, an injectable /proc root).
 *
 * Parsers are pure: they take a buffer that need not be NUL-terminated,
 * never read past n, never log, and write ret_* only on success. A missing
 * final newline is accepted (the last line counts as complete). Lines with
 * unknown keys are skipped without looking at their values, so newer
 * kernels may add anything; a known key whose value does not parse makes
 * the whole parse fail. When a key appears twice, the first wins.
 *
 * Errors of the parsers:
 *   -EBADMSG  a known key with a malformed value, or no known key at all
 *             (empty buffer, not the file we expect)
 *   -ERANGE   a number that does not fit (u64 overflow, kB -> bytes
 *             overflow, a pid/uid beyond its type) */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/macro.h"

/* Bits of ProcStatus.have: which lines were present. */
enum {
        PROC_STATUS_HAVE_NAME = 1U << 0,
        PROC_STATUS_HAVE_STATE = 1U << 1,
        PROC_STATUS_HAVE_TGID = 1U << 2,
        PROC_STATUS_HAVE_UID = 1U << 3,
        PROC_STATUS_HAVE_GID = 1U << 4,
        PROC_STATUS_HAVE_NSTGID = 1U << 5, /* Linux >= 4.1 */
        PROC_STATUS_HAVE_VM_RSS = 1U << 6, /* absent for kernel threads and zombies */
        PROC_STATUS_HAVE_VM_HWM = 1U << 7, /* likewise */
        PROC_STATUS_HAVE_RSS_ANON = 1U << 8, /* Linux >= 4.5, likewise */
        PROC_STATUS_HAVE_RSS_FILE = 1U << 9,
        PROC_STATUS_HAVE_RSS_SHMEM = 1U << 10,
        PROC_STATUS_HAVE_THREADS = 1U << 11,
        PROC_STATUS_HAVE_SIG_BLK = 1U << 12,
        PROC_STATUS_HAVE_SIG_IGN = 1U << 13,
        PROC_STATUS_HAVE_SIG_CGT = 1U << 14,
};

/* /proc/PID/status. Memory in bytes. Defaults for absent lines (see
 * `have`): 0 for numbers, "" for name, '?' for state, (uid_t) -1 and
 * (gid_t) -1 for euid and egid. A kernel thread or a zombie has no Vm and
 * Rss lines, so their memory reads as 0. */
typedef struct ProcStatus {
        uint64_t vm_rss; /* VmRSS = rss_anon + rss_file + rss_shmem */
        uint64_t rss_anon;
        uint64_t rss_file;
        uint64_t rss_shmem;
        uint64_t vm_hwm; /* peak RSS */
        uint32_t threads;
        pid_t tgid; /* in the pid namespace of the /proc mount */
        pid_t nstgid_last; /* last NStgid field: the pid in the process's own (innermost) namespace */
        uint64_t sig_cgt; /* signal n is bit n-1; the low 64 signals only */
        uint64_t sig_ign;
        uint64_t sig_blk; /* of this thread (the main thread for /proc/PID) */
        uid_t euid;
        gid_t egid;
        char name[16]; /* comm with the kernel's \n and \\ escapes undone; truncated to 15 bytes */
        char state; /* 'R', 'S', 'D', 'Z', ... */
        uint32_t have; /* PROC_STATUS_HAVE_* */
} ProcStatus;

/* Parse /proc/PID/status. Returns 0, -EBADMSG or -ERANGE (see above). */
int procfs_status_parse_buf(const char *buf, size_t n, ProcStatus *ret);

/* Bits of ProcSmapsRollup.have. */
enum {
        PROC_SMAPS_HAVE_RSS = 1U << 0,
        PROC_SMAPS_HAVE_PSS = 1U << 1,
        PROC_SMAPS_HAVE_PSS_ANON = 1U << 2, /* Pss_Anon/File/Shmem: missing on older kernels */
        PROC_SMAPS_HAVE_PSS_FILE = 1U << 3,
        PROC_SMAPS_HAVE_PSS_SHMEM = 1U << 4,
        PROC_SMAPS_HAVE_ANONYMOUS = 1U << 5,
        PROC_SMAPS_HAVE_SWAP = 1U << 6,
        PROC_SMAPS_HAVE_SWAP_PSS = 1U << 7,
        PROC_SMAPS_HAVE_PRIVATE_CLEAN = 1U << 8,
        PROC_SMAPS_HAVE_PRIVATE_DIRTY = 1U << 9,
        PROC_SMAPS_HAVE_SHARED_CLEAN = 1U << 10,
        PROC_SMAPS_HAVE_SHARED_DIRTY = 1U << 11,
};

/* /proc/PID/smaps_rollup (Linux >= 4.14), in bytes; absent lines read as 0
 * (see `have`). */
typedef struct ProcSmapsRollup {
        uint64_t rss;
        uint64_t pss;
        uint64_t pss_anon;
        uint64_t pss_file;
        uint64_t pss_shmem;
        uint64_t anonymous;
        uint64_t swap;
        uint64_t swap_pss;
        uint64_t private_clean;
        uint64_t private_dirty;
        uint64_t shared_clean;
        uint64_t shared_dirty;
        uint32_t have; /* PROC_SMAPS_HAVE_* */
} ProcSmapsRollup;

/* Parse /proc/PID/smaps_rollup. Returns 0, -EBADMSG or -ERANGE. */
int procfs_smaps_rollup_parse_buf(const char *buf, size_t n, ProcSmapsRollup *ret);

/* Parse a file holding one decimal number, optionally followed by one
 * newline (/proc/sys/kernel/pid_max, threads-max). Returns 0, -EBADMSG
 * (empty, sign, spaces, anything else) or -ERANGE. */
int procfs_parse_u64_buf(const char *buf, size_t n, uint64_t *ret);

/* Parse /proc/PID/stat: comm (field 2, between the first '(' and the
 * last ')', as the kernel cut it: at most 15 bytes, any bytes but NUL) and
 * starttime (field 22, clock ticks after boot). Returns 0, or -EBADMSG
 * (then comm and *ret_start_ticks are untouched) or -ERANGE. */
int procfs_stat_parse_buf(const char *buf, size_t n, char comm[static 16], uint64_t *ret_start_ticks);

/* Readers. proc_root is the procfs mount, NULL for "/proc" (tests point it
 * at a fixture tree). Each reads the whole file (at most
 * PROCFS_READ_MAX_BYTES) and parses it. Returns 0 or:
 *   -EINVAL   pid <= 0, or a relative path that is absolute or has ".."
 *   -ENOENT   no such process (or file)
 *   -ESRCH    the process exited between open and read; for smaps_rollup
 *             also a zombie or a kernel thread (no address space)
 *   -EACCES   smaps_rollup of a process we may not ptrace
 *   -EFBIG    the file is larger than PROCFS_READ_MAX_BYTES
 *   the parser's errors, or another -errno of open/read */
#define PROCFS_READ_MAX_BYTES (256U * 1024U)
int procfs_read_status(const char *proc_root, pid_t pid, ProcStatus *ret);
int procfs_read_smaps_rollup(const char *proc_root, pid_t pid, ProcSmapsRollup *ret);
/* path relative to proc_root, e.g. "sys/kernel/pid_max". */
int procfs_read_u64_file(const char *proc_root, const char *path, uint64_t *ret);

/* Read a whole kernel pseudo-file (procfs, sysfs, cgroupfs report st_size 0
 * or 4096, so read until EOF) into a malloc'd buffer, NUL-terminated for
 * convenience (the NUL is not counted in *ret_size). Returns 0, -EFBIG when
 * the file holds more than max_bytes, -EINVAL for max_bytes 0 or absurdly
 * large, -ENOMEM, or the -errno of open/read. */
int procfs_read_full(const char *path, size_t max_bytes, char **ret_buf, size_t *ret_size);
