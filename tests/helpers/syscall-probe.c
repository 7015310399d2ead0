/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* syscall-probe NAME...: makes each named system call once, with arguments
 * chosen so that it cannot change the system, and prints one line per call:
 *   "NAME ok" or "NAME errno=ENOENT"
 * Exit status 0 after all probes, 2 on a usage error.
 *
 * The arguments are picked so that an unfiltered call, even as root, fails
 * with something other than EPERM (or succeeds harmlessly): a seccomp deny
 * with EPERM is then told apart from the kernel's own answer. The kernel
 * checks that decide the unfiltered result are noted per probe. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

typedef long (*probe_fn)(void);

/* mount(2) looks up the target before checking privileges: ENOENT. */
static long probe_mount(void) {
        return syscall(SYS_mount, "none", "/nonexistent-cgwarden-probe", "tmpfs", 0UL, NULL);
}

/* umount2(2) also looks up the path first: ENOENT. */
static long probe_umount2(void) {
        return syscall(SYS_umount2, "/nonexistent-cgwarden-probe", 0);
}

/* chroot(2): path lookup first, ENOENT. */
static long probe_chroot(void) {
        return syscall(SYS_chroot, "/nonexistent-cgwarden-probe");
}

/* reboot(2) with a wrong magic number: EINVAL for root (EPERM for others,
 * checked before the magic). Never reboots: the magic is checked before
 * anything is done. */
static long probe_reboot(void) {
        return syscall(SYS_reboot, 0, 0, 0, NULL);
}

/* swapon(2)/swapoff(2) of a missing file: ENOENT for root. */
static long probe_swapon(void) {
        return syscall(SYS_swapon, "/nonexistent-cgwarden-probe", 0);
}

static long probe_swapoff(void) {
        return syscall(SYS_swapoff, "/nonexistent-cgwarden-probe");
}

/* init_module(2) with an empty image: ENOEXEC for root (too short to be an
 * ELF file), EPERM without CAP_SYS_MODULE. */
static long probe_init_module(void) {
        return syscall(SYS_init_module, NULL, 0UL, "");
}

/* finit_module(2) on an invalid fd: EBADF for root. */
static long probe_finit_module(void) {
        return syscall(SYS_finit_module, -1, "", 0);
}

/* delete_module(2) of a module that does not exist: ENOENT for root. */
static long probe_delete_module(void) {
        return syscall(SYS_delete_module, "cgwarden_probe_nonexistent", O_NONBLOCK);
}

/* ptrace(PTRACE_PEEKUSER) on ourselves without being traced: ESRCH. */
static long probe_ptrace(void) {
        long word;
        return syscall(SYS_ptrace, 3 /* PTRACE_PEEKUSER */, (long) getpid(), 0L, &word);
}

/* perf_event_open(2) with a NULL attr: EFAULT. */
static long probe_perf_event_open(void) {
        return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0UL);
}

/* settimeofday(2) with tv_usec out of range: EINVAL, checked before the
 * privilege check, so the clock is never touched. */
static long probe_settimeofday(void) {
        struct timeval tv = { .tv_sec = 0, .tv_usec = 2000000 };
        return syscall(SYS_settimeofday, &tv, NULL);
}

/* clock_settime(2) on a clock that cannot be set: EINVAL. */
static long probe_clock_settime(void) {
        struct timespec ts = {};
        return syscall(SYS_clock_settime, 1 /* CLOCK_MONOTONIC */, &ts);
}

/* ioperm(2) beyond the 65536 ports: EINVAL. */
static long probe_ioperm(void) {
        return syscall(SYS_ioperm, 0xffffUL, 2UL, 0);
}

/* modify_ldt(2) reading 0 bytes of the LDT: ok. */
static long probe_modify_ldt(void) {
        return syscall(SYS_modify_ldt, 0, NULL, 0UL);
}

/* uselib(2): ENOSYS on kernels built without CONFIG_USELIB, ENOENT else. */
static long probe_uselib(void) {
        return syscall(SYS_uselib, "/nonexistent-cgwarden-probe");
}

/* sethostname(2) with a negative length: EINVAL for root. */
static long probe_sethostname(void) {
        return syscall(SYS_sethostname, "x", -1);
}

static long probe_getpid(void) {
        return syscall(SYS_getpid);
}

/* write(2) of zero bytes to stdout: ok. */
static long probe_write(void) {
        return syscall(SYS_write, STDOUT_FILENO, "", 0UL);
}

/* openat(2) of a missing file: ENOENT. */
static long probe_openat(void) {
        return syscall(SYS_openat, AT_FDCWD, "/nonexistent-cgwarden-probe", O_RDONLY | O_CLOEXEC);
}

/* socket(2) with an invalid family: EAFNOSUPPORT. */
static long probe_socket(void) {
        return syscall(SYS_socket, 12345, 1, 0);
}

static const struct {
        const char *name;
        probe_fn fn;
} probes[] = {
        { "chroot", probe_chroot },
        { "clock_settime", probe_clock_settime },
        { "delete_module", probe_delete_module },
        { "finit_module", probe_finit_module },
        { "getpid", probe_getpid },
        { "init_module", probe_init_module },
        { "ioperm", probe_ioperm },
        { "modify_ldt", probe_modify_ldt },
        { "mount", probe_mount },
        { "openat", probe_openat },
        { "perf_event_open", probe_perf_event_open },
        { "ptrace", probe_ptrace },
        { "reboot", probe_reboot },
        { "sethostname", probe_sethostname },
        { "settimeofday", probe_settimeofday },
        { "socket", probe_socket },
        { "swapoff", probe_swapoff },
        { "swapon", probe_swapon },
        { "umount2", probe_umount2 },
        { "uselib", probe_uselib },
        { "write", probe_write },
};

static probe_fn probe_find(const char *name) {
        for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
                if (strcmp(probes[i].name, name) == 0)
                        return probes[i].fn;
        return NULL;
}

int main(int argc, char *argv[]) {
        if (argc < 2) {
                fprintf(stderr, "usage: %s NAME...   (--list for the names)\n", argv[0]);
                return 2;
        }
        if (strcmp(argv[1], "--list") == 0) {
                for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
                        printf("%s\n", probes[i].name);
                return 0;
        }

        /* Check every name before making any call. */
        for (int i = 1; i < argc; i++)
                if (!probe_find(argv[i])) {
                        fprintf(stderr, "%s: unknown probe '%s'\n", argv[0], argv[i]);
                        return 2;
                }

        /* Line buffered, so each result is out before the next probe, which
         * may be the one that gets the process killed. */
        setvbuf(stdout, NULL, _IOLBF, 0);

        for (int i = 1; i < argc; i++) {
                long r;

                errno = 0;
                r = probe_find(argv[i])();
                if (r >= 0)
                        printf("%s ok\n", argv[i]);
                else {
                        const char *e = strerrorname_np(errno);
                        if (e)
                                printf("%s errno=%s\n", argv[i], e);
                        else
                                printf("%s errno=%d\n", argv[i], errno);
                }
        }
        return 0;
}
