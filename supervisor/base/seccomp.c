/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <seccomp.h> /* libseccomp (ours is seccomp-util.h) */

#include "base/macro.h"
#include "base/seccomp-util.h"

struct SeccompProgram {
        struct sock_fprog fprog; /* fprog.filter is malloc'd */
};

/* Syscall groups, with the contents of systemd's syscall_filter_sets
 * (src/shared/seccomp-util.c), minus @known, which needs the kernel's full
 * syscall list. Members are the names libseccomp knows on some architecture;
 * a member it does not know at all (newer than libseccomp 2.5.4, e.g.
 * "mseal") or that does not exist on the native architecture (e.g.
 * "_llseek" on x86_64) is skipped, as systemd does. A member starting with
 * '@' names another group. */
typedef enum SyscallGroup {
        SYSCALL_GROUP_DEFAULT,
        SYSCALL_GROUP_AIO,
        SYSCALL_GROUP_BASIC_IO,
        SYSCALL_GROUP_CHOWN,
        SYSCALL_GROUP_CLOCK,
        SYSCALL_GROUP_CPU_EMULATION,
        SYSCALL_GROUP_DEBUG,
        SYSCALL_GROUP_FILE_SYSTEM,
        SYSCALL_GROUP_IO_EVENT,
        SYSCALL_GROUP_IPC,
        SYSCALL_GROUP_KEYRING,
        SYSCALL_GROUP_MEMLOCK,
        SYSCALL_GROUP_MODULE,
        SYSCALL_GROUP_MOUNT,
        SYSCALL_GROUP_NETWORK_IO,
        SYSCALL_GROUP_OBSOLETE,
        SYSCALL_GROUP_PKEY,
        SYSCALL_GROUP_PRIVILEGED,
        SYSCALL_GROUP_PROCESS,
        SYSCALL_GROUP_RAW_IO,
        SYSCALL_GROUP_REBOOT,
        SYSCALL_GROUP_RESOURCES,
        SYSCALL_GROUP_SANDBOX,
        SYSCALL_GROUP_SETUID,
        SYSCALL_GROUP_SIGNAL,
        SYSCALL_GROUP_SWAP,
        SYSCALL_GROUP_SYNC,
        SYSCALL_GROUP_SYSTEM_SERVICE,
        SYSCALL_GROUP_TIMER,
        _SYSCALL_GROUP_MAX,
        _SYSCALL_GROUP_INVALID = -EINVAL,
} SyscallGroup;

/* NULL-terminated, so seccomp_group_names() can hand it out as is. */
static const char *const group_names[_SYSCALL_GROUP_MAX + 1] = {
        [SYSCALL_GROUP_DEFAULT] = "@default",
        [SYSCALL_GROUP_AIO] = "@aio",
        [SYSCALL_GROUP_BASIC_IO] = "@basic-io",
        [SYSCALL_GROUP_CHOWN] = "@chown",
        [SYSCALL_GROUP_CLOCK] = "@clock",
        [SYSCALL_GROUP_CPU_EMULATION] = "@cpu-emulation",
        [SYSCALL_GROUP_DEBUG] = "@debug",
        [SYSCALL_GROUP_FILE_SYSTEM] = "@file-system",
        [SYSCALL_GROUP_IO_EVENT] = "@io-event",
        [SYSCALL_GROUP_IPC] = "@ipc",
        [SYSCALL_GROUP_KEYRING] = "@keyring",
        [SYSCALL_GROUP_MEMLOCK] = "@memlock",
        [SYSCALL_GROUP_MODULE] = "@module",
        [SYSCALL_GROUP_MOUNT] = "@mount",
        [SYSCALL_GROUP_NETWORK_IO] = "@network-io",
        [SYSCALL_GROUP_OBSOLETE] = "@obsolete",
        [SYSCALL_GROUP_PKEY] = "@pkey",
        [SYSCALL_GROUP_PRIVILEGED] = "@privileged",
        [SYSCALL_GROUP_PROCESS] = "@process",
        [SYSCALL_GROUP_RAW_IO] = "@raw-io",
        [SYSCALL_GROUP_REBOOT] = "@reboot",
        [SYSCALL_GROUP_RESOURCES] = "@resources",
        [SYSCALL_GROUP_SANDBOX] = "@sandbox",
        [SYSCALL_GROUP_SETUID] = "@setuid",
        [SYSCALL_GROUP_SIGNAL] = "@signal",
        [SYSCALL_GROUP_SWAP] = "@swap",
        [SYSCALL_GROUP_SYNC] = "@sync",
        [SYSCALL_GROUP_SYSTEM_SERVICE] = "@system-service",
        [SYSCALL_GROUP_TIMER] = "@timer",
        [_SYSCALL_GROUP_MAX] = NULL,
};

#define SYSCALLS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const *const group_syscalls[_SYSCALL_GROUP_MAX] = {
        /* What every program needs to start, run and exit (systemd's @default). */
        [SYSCALL_GROUP_DEFAULT] = SYSCALLS(
                "@sandbox", "arch_prctl", "brk", "cacheflush", "clock_getres", "clock_getres_time64",
                "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "execve",
                "exit", "exit_group", "futex", "futex_time64", "futex_waitv", "get_robust_list",
                "get_thread_area", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32",
                "getgroups", "getgroups32", "getpgid", "getpgrp", "getpid", "getppid", "getrandom",
                "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getsid", "gettid",
                "gettimeofday", "getuid", "getuid32", "lsm_get_self_attr", "lsm_list_modules", "membarrier",
                "mmap", "mmap2", "mprotect", "mseal", "munmap", "nanosleep", "pause", "prlimit64",
                "restart_syscall", "riscv_flush_icache", "riscv_hwprobe", "rseq", "rt_sigreturn",
                "sched_getaffinity", "sched_yield", "set_robust_list", "set_thread_area", "set_tid_address",
                "set_tls", "sigreturn", "time", "ugetrlimit", "uretprobe"),
        [SYSCALL_GROUP_AIO] =
                SYSCALLS("io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "io_pgetevents_time64",
                         "io_setup", "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup"),
        [SYSCALL_GROUP_BASIC_IO] = SYSCALLS("_llseek", "close", "close_range", "dup", "dup2", "dup3",
                                            "llseek", "lseek", "pread64", "preadv", "preadv2", "pwrite64",
                                            "pwritev", "pwritev2", "read", "readv", "write", "writev"),
        [SYSCALL_GROUP_CHOWN] =
                SYSCALLS("chown", "chown32", "fchown", "fchown32", "fchownat", "lchown", "lchown32"),
        [SYSCALL_GROUP_CLOCK] = SYSCALLS("adjtimex", "clock_adjtime", "clock_adjtime64", "clock_settime",
                                         "clock_settime64", "settimeofday"),
        [SYSCALL_GROUP_CPU_EMULATION] =
                SYSCALLS("modify_ldt", "subpage_prot", "switch_endian", "vm86", "vm86old"),
        [SYSCALL_GROUP_DEBUG] = SYSCALLS("lookup_dcookie", "perf_event_open", "pidfd_getfd", "ptrace",
                                         "rtas", "s390_runtime_instr", "sys_debug_setcontext"),
        [SYSCALL_GROUP_FILE_SYSTEM] = SYSCALLS(
                "access", "chdir", "chmod", "close", "creat", "faccessat", "faccessat2", "fallocate",
                "fchdir", "fchmod", "fchmodat", "fchmodat2", "fcntl", "fcntl64", "fgetxattr", "file_getattr",
                "file_setattr", "flistxattr", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat",
                "fstatat64", "fstatfs", "fstatfs64", "ftruncate", "ftruncate64", "futimesat", "getcwd",
                "getdents", "getdents64", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
                "inotify_init1", "inotify_rm_watch", "lgetxattr", "link", "linkat", "listmount", "listxattr",
                "listxattrat", "llistxattr", "lremovexattr", "lsetxattr", "lstat", "lstat64", "mkdir",
                "mkdirat", "mknod", "mknodat", "newfstat", "newfstatat", "oldfstat", "oldlstat", "oldstat",
                "open", "open_tree", "openat", "openat2", "readlink", "readlinkat", "removexattr",
                "removexattrat", "rename", "renameat", "renameat2", "rmdir", "setxattr", "setxattrat",
                "stat", "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat",
                "truncate", "truncate64", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64",
                "utimes"),
        [SYSCALL_GROUP_IO_EVENT] = SYSCALLS("_newselect", "epoll_create", "epoll_create1", "epoll_ctl",
                                            "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait",
                                            "epoll_wait_old", "eventfd", "eventfd2", "poll", "ppoll",
                                            "ppoll_time64", "pselect6", "pselect6_time64", "select"),
        [SYSCALL_GROUP_IPC] =
                SYSCALLS("ipc", "memfd_create", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
                         "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink",
                         "msgctl", "msgget", "msgrcv", "msgsnd", "pipe", "pipe2", "process_madvise",
                         "process_vm_readv", "process_vm_writev", "semctl", "semget", "semop", "semtimedop",
                         "semtimedop_time64", "shmat", "shmctl", "shmdt", "shmget"),
        [SYSCALL_GROUP_KEYRING] = SYSCALLS("add_key", "keyctl", "request_key"),
        [SYSCALL_GROUP_MEMLOCK] = SYSCALLS("mlock", "mlock2", "mlockall", "munlock", "munlockall"),
        [SYSCALL_GROUP_MODULE] = SYSCALLS("delete_module", "finit_module", "init_module"),
        [SYSCALL_GROUP_MOUNT] =
                SYSCALLS("chroot", "fsconfig", "fsmount", "fsopen", "fspick", "mount", "mount_setattr",
                         "move_mount", "open_tree_attr", "pivot_root", "umount", "umount2"),
        [SYSCALL_GROUP_NETWORK_IO] = SYSCALLS(
                "accept", "accept4", "bind", "connect", "getpeername", "getsockname", "getsockopt", "listen",
                "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "send", "sendmmsg", "sendmsg",
                "sendto", "setsockopt", "shutdown", "socket", "socketcall", "socketpair"),
        [SYSCALL_GROUP_OBSOLETE] =
                SYSCALLS("_sysctl", "afs_syscall", "bdflush", "break", "create_module", "ftime",
                         "get_kernel_syms", "getpmsg", "gtty", "idle", "lock", "mpx", "prof", "profil",
                         "putpmsg", "query_module", "security", "sgetmask", "ssetmask", "stime", "stty",
                         "sysfs", "tuxcall", "ulimit", "uselib", "ustat", "vserver"),
        [SYSCALL_GROUP_PKEY] = SYSCALLS("pkey_alloc", "pkey_free", "pkey_mprotect"),
        [SYSCALL_GROUP_PRIVILEGED] =
                SYSCALLS("@chown", "@clock", "@module", "@raw-io", "@reboot", "@swap", "_sysctl", "acct",
                         "bpf", "capset", "chroot", "fanotify_init", "fanotify_mark", "nfsservctl",
                         "open_by_handle_at", "pivot_root", "quotactl", "quotactl_fd", "setdomainname",
                         "setfsuid", "setfsuid32", "setgroups", "setgroups32", "sethostname", "setresuid",
                         "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32", "vhangup"),
        [SYSCALL_GROUP_PROCESS] = SYSCALLS(
                "capget", "clone", "clone3", "execveat", "fork", "getrusage", "kill", "pidfd_open",
                "pidfd_send_signal", "prctl", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "setns", "swapcontext",
                "tgkill", "times", "tkill", "unshare", "vfork", "wait4", "waitid", "waitpid"),
        [SYSCALL_GROUP_RAW_IO] = SYSCALLS("ioperm", "iopl", "pciconfig_iobase", "pciconfig_read",
                                          "pciconfig_write", "s390_pci_mmio_read", "s390_pci_mmio_write"),
        [SYSCALL_GROUP_REBOOT] = SYSCALLS("kexec_file_load", "kexec_load", "reboot"),
        [SYSCALL_GROUP_RESOURCES] =
                SYSCALLS("ioprio_set", "mbind", "migrate_pages", "move_pages", "nice", "sched_setaffinity",
                         "sched_setattr", "sched_setparam", "sched_setscheduler", "set_mempolicy",
                         "set_mempolicy_home_node", "setpriority", "setrlimit"),
        [SYSCALL_GROUP_SANDBOX] = SYSCALLS("landlock_add_rule", "landlock_create_ruleset",
                                           "landlock_restrict_self", "seccomp"),
        [SYSCALL_GROUP_SETUID] = SYSCALLS("setgid", "setgid32", "setgroups", "setgroups32", "setregid",
                                          "setregid32", "setresgid", "setresgid32", "setresuid",
                                          "setresuid32", "setreuid", "setreuid32", "setuid", "setuid32"),
        [SYSCALL_GROUP_SIGNAL] =
                SYSCALLS("rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigsuspend",
                         "rt_sigtimedwait", "rt_sigtimedwait_time64", "sigaction", "sigaltstack", "signal",
                         "signalfd", "signalfd4", "sigpending", "sigprocmask", "sigsuspend"),
        [SYSCALL_GROUP_SWAP] = SYSCALLS("swapoff", "swapon"),
        [SYSCALL_GROUP_SYNC] = SYSCALLS("fdatasync", "fsync", "msync", "sync", "sync_file_range",
                                        "sync_file_range2", "syncfs"),
        [SYSCALL_GROUP_SYSTEM_SERVICE] = SYSCALLS(
                "@aio", "@basic-io", "@chown", "@default", "@file-system", "@io-event", "@ipc", "@keyring",
                "@memlock", "@network-io", "@process", "@resources", "@setuid", "@signal", "@sync", "@timer",
                "arm_fadvise64_64", "capget", "capset", "copy_file_range", "fadvise64", "fadvise64_64",
                "flock", "get_mempolicy", "getcpu", "getpriority", "ioctl", "ioprio_get", "kcmp", "madvise",
                "mremap", "name_to_handle_at", "oldolduname", "olduname", "personality", "readahead",
                "readdir", "remap_file_pages", "sched_get_priority_max", "sched_get_priority_min",
                "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval",
                "sched_rr_get_interval_time64", "sched_yield", "sendfile", "sendfile64", "setfsgid",
                "setfsgid32", "setfsuid", "setfsuid32", "setpgid", "setsid", "splice", "sysinfo", "tee",
                "umask", "uname", "userfaultfd", "vmsplice"),
        [SYSCALL_GROUP_TIMER] = SYSCALLS(
                "alarm", "getitimer", "setitimer", "timer_create", "timer_delete", "timer_getoverrun",
                "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd_create",
                "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times"),
};

/* An allow list always includes these on top of what the user wrote, so that
 * the service survives its own execve() and can exit: the filter is loaded
 * before execve(), and a program that cannot exec, brk/mmap, set up its TLS
 * or exit_group() would die before running any code of its own, which is
 * never what "syscall_filter = @basic-io" means. This is systemd's rule too
 * (it adds @default to every allow list); execveat and the exit/sigreturn
 * calls are named explicitly so the intent does not depend on the group's
 * contents. A dynamically linked program still needs @file-system (openat,
 * fstat) for ld.so to load its libraries. */
static const char *const allow_list_always[] = {
        "@default", "execve", "execveat", "exit", "exit_group", "rt_sigreturn",
};

/* Syscall numbers scanned for "known to libseccomp" when building an allow
 * list, and the capacity of a SyscallSet. Native x86_64 numbers are < 512. */
#define SYSCALL_NR_SCAN_MAX 1024
#define SYSCALL_SET_MAX 1024

/* Resolved native syscall numbers, deduplicated, in insertion order. */
typedef struct SyscallSet {
        size_t n;
        int nrs[SYSCALL_SET_MAX];
} SyscallSet;

static bool syscall_set_contains(const SyscallSet *s, int nr) {
        for (size_t i = 0; i < s->n; i++)
                if (s->nrs[i] == nr)
                        return true;
        return false;
}

static int syscall_set_add(SyscallSet *s, int nr) {
        /* Negative numbers are libseccomp's pseudo syscalls: the name exists
         * on other architectures only, there is nothing to filter here. */
        if (!s || nr < 0 || syscall_set_contains(s, nr))
                return 0;
        if (s->n >= ELEMENTSOF(s->nrs))
                return -E2BIG;
        s->nrs[s->n++] = nr;
        return 0;
}

static SyscallGroup syscall_group_from_string(const char *s, size_t len) {
        for (SyscallGroup g = 0; g < _SYSCALL_GROUP_MAX; g++)
                if (strlen(group_names[g]) == len && memcmp(group_names[g], s, len) == 0)
                        return g;
        return _SYSCALL_GROUP_INVALID;
}

static int syscall_set_add_group(SyscallSet *s, SyscallGroup g);

/* Adds a name from our own tables: a group, or a syscall libseccomp may not
 * know (__NR_SCMP_ERROR is negative, so it is skipped like a pseudo
 * syscall). */
static int syscall_set_add_table_name(SyscallSet *s, const char *name) {
        if (name[0] == '@') {
                SyscallGroup g = syscall_group_from_string(name, strlen(name));
                if (g < 0)
                        return -ENOENT; /* a bug in the tables: the unit test walks them all */
                return syscall_set_add_group(s, g);
        }
        return syscall_set_add(s, seccomp_syscall_resolve_name(name));
}

static int syscall_set_add_group(SyscallSet *s, SyscallGroup g) {
        for (const char *const *i = group_syscalls[g]; *i; i++) {
                int r = syscall_set_add_table_name(s, *i);
                if (r < 0)
                        return r;
        }
        return 0;
}

_printf_(2, 3) static int spec_error(char **ret_error, const char *fmt, ...) {
        va_list ap;
        char *m;
        int k;

        if (!ret_error)
                return -EINVAL;

        va_start(ap, fmt);
        k = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;

        *ret_error = m;
        return -EINVAL;
}

static bool is_blank(char c) {
        return c == ' ' || c == '\t' || c == '\n';
}

/* Parses spec. Resolves every word into set (when set is not NULL); set
 * ret_deny_list from the leading '~'. Returns the number of words, or
 * -EINVAL with a message in *ret_error, or another -errno. */
static int spec_parse(const char *spec, bool *ret_deny_list, SyscallSet *set, char **ret_error) {
        bool deny_list = false;
        const char *p = spec ?: "";
        int n = 0, r;

        while (is_blank(*p))
                p++;
        if (*p == '~') {
                deny_list = true;
                p++;
        }

        for (;;) {
                const char *word;
                size_t len;

                while (is_blank(*p))
                        p++;
                if (!*p)
                        break;

                word = p;
                while (*p && !is_blank(*p))
                        p++;
                len = (size_t) (p - word);
                if (len > INT_MAX)
                        return -E2BIG; /* for the "%.*s" below */

                if (word[0] == '~')
                        return spec_error(ret_error,
                                          "'~' is only allowed at the start of the list, in '%.*s'",
                                          (int) len, word);

                if (word[0] == '@') {
                        SyscallGroup g = syscall_group_from_string(word, len);
                        if (g < 0)
                                return spec_error(ret_error, "unknown system call group '%.*s'", (int) len,
                                                  word);
                        r = set ? syscall_set_add_group(set, g) : 0;
                } else {
                        char name[64];
                        int nr;

                        if (len >= sizeof(name))
                                return spec_error(ret_error, "unknown system call '%.*s'", (int) len, word);
                        memcpy(name, word, len);
                        name[len] = '\0';

                        /* An explicit name must be known to libseccomp (on any
                         * architecture), unlike the members of our groups. */
                        nr = seccomp_syscall_resolve_name(name);
                        if (nr == __NR_SCMP_ERROR)
                                return spec_error(ret_error, "unknown system call '%s'", name);
                        r = syscall_set_add(set, nr);
                }
                if (r < 0)
                        return r;
                n++;
        }

        if (deny_list && n == 0)
                return spec_error(ret_error, "empty system call list after '~'");

        if (ret_deny_list)
                *ret_deny_list = deny_list;
        return n;
}

int seccomp_filter_validate(const char *spec, char **ret_error) {
        int r;

        r = spec_parse(spec, NULL, NULL, ret_error);
        return r < 0 ? r : 0;
}

static void seccomp_releasep(scmp_filter_ctx *ctx) {
        if (*ctx)
                seccomp_release(*ctx);
}

/* libseccomp answers -EINVAL when this kernel cannot do what we ask (an
 * action it lacks); our -EINVAL means "bad spec, message in ret_error", so
 * that one becomes -EOPNOTSUPP at the boundary. Other codes pass through. */
static int libseccomp_errno(int r) {
        return r == -EINVAL ? -EOPNOTSUPP : r;
}

/* SECCOMP_RET_KILL_PROCESS needs Linux 4.14 (API level 3); before that, kill
 * the thread, which for the usual single-threaded start is the same, as
 * systemd does. */
static uint32_t action_kill_process(void) {
        return seccomp_api_get() >= 3 ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_KILL_THREAD;
}

static bool syscall_known_natively(int nr) {
        _cleanup_free_ char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        return name;
}

static int filter_export(scmp_filter_ctx ctx, SeccompProgram **ret) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ struct sock_filter *insns = NULL;
        _cleanup_free_ SeccompProgram *p = NULL;
        size_t size, done = 0;
        struct stat st;
        int r;

        /* libseccomp 2.5 can only write the BPF program to an fd. */
        fd = memfd_create("cgwarden-seccomp", MFD_CLOEXEC);
        if (fd < 0)
                return negative_errno();

        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return libseccomp_errno(r);

        if (fstat(fd, &st) < 0)
                return negative_errno();
        size = (size_t) st.st_size;
        if (size == 0 || size % sizeof(struct sock_filter) != 0)
                return -EIO;
        if (size / sizeof(struct sock_filter) > BPF_MAXINSNS)
                return -E2BIG; /* the kernel would refuse it at load time */

        insns = malloc(size);
        if (!insns)
                return -ENOMEM;

        while (done < size) {
                ssize_t k = pread(fd, (char *) insns + done, size - done, (off_t) done);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        return -EIO;
                done += (size_t) k;
        }

        p = malloc(sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->fprog = (struct sock_fprog){
                .len = (unsigned short) (size / sizeof(struct sock_filter)),
                .filter = TAKE_PTR(insns),
        };

        *ret = TAKE_PTR(p);
        return 0;
}

int seccomp_compile(const char *spec, bool kill, SeccompProgram **ret, char **ret_error) {
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_free_ SyscallSet *set = NULL;
        uint32_t deny_action;
        bool deny_list;
        int r;

        set = calloc(1, sizeof(*set));
        if (!set)
                return -ENOMEM;

        r = spec_parse(spec, &deny_list, set, ret_error);
        if (r < 0)
                return r;
        if (r == 0) {
                *ret = NULL;
                return 0;
        }

        deny_action = kill ? action_kill_process() : SCMP_ACT_ERRNO(EPERM);

        if (!deny_list)
                for (size_t i = 0; i < ELEMENTSOF(allow_list_always); i++) {
                        r = syscall_set_add_table_name(set, allow_list_always[i]);
                        if (r < 0)
                                return r;
                }

        /* A deny list allows everything else. An allow list denies every
         * other syscall libseccomp knows with the configured action, and
         * answers ENOSYS to the rest (syscalls newer than libseccomp), so
         * that libc falls back to older calls instead of failing or dying,
         * as systemd does for syscalls outside @known. */
        ctx = seccomp_init(deny_list ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(ENOSYS));
        if (!ctx)
                return -ENOMEM;

        /* Rules are written for the native ABI only. A syscall made through
         * another one (i386 int $0x80, x32) would slip past a deny list, so
         * it kills the process, with either list and either action: a
         * filtered service is expected to be a native program. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, action_kill_process());
        if (r < 0)
                return libseccomp_errno(r);

        /* Allow lists have hundreds of rules: a binary tree keeps the
         * program short and the lookups fast. */
        r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        if (r < 0)
                return libseccomp_errno(r);

        for (size_t i = 0; i < set->n; i++) {
                r = seccomp_rule_add_exact(ctx, deny_list ? deny_action : SCMP_ACT_ALLOW, set->nrs[i], 0);
                if (r < 0)
                        return libseccomp_errno(r);
        }

        if (!deny_list)
                for (int nr = 0; nr < SYSCALL_NR_SCAN_MAX; nr++) {
                        if (syscall_set_contains(set, nr) || !syscall_known_natively(nr))
                                continue;
                        r = seccomp_rule_add_exact(ctx, deny_action, nr, 0);
                        if (r < 0)
                                return libseccomp_errno(r);
                }

        return filter_export(ctx, ret);
}

SeccompProgram *seccomp_program_free(SeccompProgram *p) {
        if (!p)
                return NULL;
        free(p->fprog.filter);
        free(p);
        return NULL;
}

static bool have_effective_cap_sys_admin(void) {
        struct __user_cap_header_struct h = {
                .version = _LINUX_CAPABILITY_VERSION_3,
                .pid = 0,
        };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        /* Raw capget(): no libcap, and nothing that allocates. On failure,
         * assume the capability is missing, which only sets NNP. */
        if (syscall(SYS_capget, &h, d) < 0)
                return false;
        return d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN);
}

int seccomp_program_load(const SeccompProgram *p, bool no_new_privs) {
        /* The kernel accepts a filter only with NNP set or CAP_SYS_ADMIN in
         * the effective set. The child calls this after dropping to the
         * service's user, when CAP_SYS_ADMIN is usually gone, so check
         * rather than assume. */
        if (no_new_privs || (p && !have_effective_cap_sys_admin()))
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        return negative_errno();

        if (!p)
                return 0;

        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &p->fprog) < 0) {
                if (errno != ENOSYS)
                        return negative_errno();
                /* Kernels before 3.17 have only the prctl() interface. */
                if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p->fprog, 0, 0) < 0)
                        return negative_errno();
        }
        return 0;
}

const char *const *seccomp_group_names(void) {
        return group_names;
}
