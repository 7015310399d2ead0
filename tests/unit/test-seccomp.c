/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/macro.h"
#include "base/seccomp-util.h"

/* A syscall number no kernel implements: the allow-list default (ENOSYS)
 * and the kernel agree on it, so it shows the filter did not deny it. */
#define NR_NONEXISTENT 1000

/* Each filter is loaded in a forked child, which reports through its exit
 * status: 0 when every check passed, else the line of the failed check.
 *
 * Children leave through a raw exit_group() rather than _exit(): under
 * AddressSanitizer every call of a noreturn function first runs a hook that
 * calls sigaltstack(), which an allow list denies. */
static void child_exit(int code) {
        /* Deliberately not noreturn (nor ending in abort(), from which the
         * compiler would infer it): the hook goes before noreturn calls. */
        (void) syscall(SYS_exit_group, code);
}

#define CHILD_CHECK(expr)                                 \
        do {                                              \
                if (!(expr))                              \
                        child_exit(__LINE__ & 0xff ?: 1); \
        } while (0)

typedef void (*child_fn)(const void *arg);

static int run_child(child_fn fn, const void *arg) {
        int status;
        pid_t pid;

        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* A SIGSYS kill would dump core into the test's directory. */
                struct rlimit rl = {};
                (void) setrlimit(RLIMIT_CORE, &rl);
                fn(arg);
                child_exit(0);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return status;
}

static void assert_child_ok(int status) {
        if (WIFSIGNALED(status))
                fail_msg("child killed by signal %d", WTERMSIG(status));
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) != 0)
                fail_msg("child check failed at line %d (mod 256)", WEXITSTATUS(status));
}

static void assert_child_killed_by(int status, int sig) {
        if (WIFEXITED(status))
                fail_msg("child exited with %d, expected signal %d", WEXITSTATUS(status), sig);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), sig);
}

/* Returns -errno of a raw syscall, or its (non-negative) result. */
static long sys_result(long r) {
        return r < 0 ? -errno : r;
}

static long try_mount(void) {
        return sys_result(syscall(SYS_mount, "none", "/nonexistent-cgwarden-test", "tmpfs", 0UL, NULL));
}

static long try_umount2(void) {
        return sys_result(syscall(SYS_umount2, "/nonexistent-cgwarden-test", 0));
}

static long try_socket(void) {
        return sys_result(syscall(SYS_socket, 12345, 1, 0)); /* invalid family */
}

static long try_openat(void) {
        return sys_result(syscall(SYS_openat, AT_FDCWD, "/nonexistent-cgwarden-test", O_RDONLY));
}

static SeccompProgram *compile_or_fail(const char *spec, bool kill) {
        SeccompProgram *p = NULL;
        char *error = NULL;
        int r;

        r = seccomp_compile(spec, kill, &p, &error);
        if (r < 0)
                fail_msg("seccomp_compile(\"%s\"): %d %s", spec, r, strna(error));
        assert_null(error);
        assert_non_null(p);
        return p;
}

/* ---- validation ---- */

static void assert_valid(const char *spec) {
        char *error = NULL;
        int r = seccomp_filter_validate(spec, &error);
        if (r != 0)
                fail_msg("'%s' rejected: %d %s", strna(spec), r, strna(error));
        assert_null(error);
}

static void assert_invalid(const char *spec, const char *message) {
        _cleanup_free_ char *error = NULL;
        assert_int_equal(seccomp_filter_validate(spec, &error), -EINVAL);
        assert_non_null(error);
        assert_string_equal(error, message);
}

static void test_validate_good(void **state) {
        assert_valid(NULL);
        assert_valid("");
        assert_valid("  \t ");
        assert_valid("@mount");
        assert_valid("~@mount");
        assert_valid("~ @mount");
        assert_valid("  ~@mount @reboot ptrace  ");
        assert_valid("@basic-io read write");
        assert_valid("read read read");
        assert_valid("@privileged @system-service");
        /* Known to libseccomp for other architectures only: accepted, and a
         * no-op here, as in systemd. */
        assert_valid("_llseek chown32");
}

static void test_validate_bad(void **state) {
        assert_invalid("foo", "unknown system call 'foo'");
        assert_invalid("~@mount foo", "unknown system call 'foo'");
        assert_invalid("@foo", "unknown system call group '@foo'");
        assert_invalid("~@mount @reboot @nope ptrace", "unknown system call group '@nope'");
        assert_invalid("@", "unknown system call group '@'");
        assert_invalid("~", "empty system call list after '~'");
        assert_invalid("  ~  ", "empty system call list after '~'");
        assert_invalid("read ~write", "'~' is only allowed at the start of the list, in '~write'");
        assert_invalid("~~read", "'~' is only allowed at the start of the list, in '~read'");
        /* Case matters, as for the kernel's names. */
        assert_invalid("READ", "unknown system call 'READ'");
        assert_invalid("@Mount", "unknown system call group '@Mount'");
        /* Longer than any syscall name. */
        assert_invalid("a_very_long_name_that_is_certainly_not_a_system_call_anywhere_at_all",
                       "unknown system call "
                       "'a_very_long_name_that_is_certainly_not_a_system_call_anywhere_at_all'");
        /* Too new for libseccomp 2.5.4: an explicit name must resolve. */
        assert_invalid("read mseal", "unknown system call 'mseal'");
}

static void test_validate_without_error_pointer(void **state) {
        assert_int_equal(seccomp_filter_validate("foo", NULL), -EINVAL);
        assert_int_equal(seccomp_filter_validate("@mount", NULL), 0);
}

static void test_group_names(void **state) {
        static const char *const required[] = {
                "@default", "@basic-io", "@obsolete", "@debug", "@mount",         "@reboot",
                "@swap",    "@module",   "@raw-io",   "@clock", "@cpu-emulation", "@privileged",
        };
        const char *const *names = seccomp_group_names();
        size_t n = 0;

        assert_non_null(names);
        for (const char *const *i = names; *i; i++) {
                assert_true((*i)[0] == '@');
                assert_valid(*i);

                /* Every group, including the nested ones, compiles. */
                SeccompProgram *p = compile_or_fail(*i, false);
                seccomp_program_free(p);
                n++;
        }
        assert_true(n >= ELEMENTSOF(required));

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                bool found = false;
                for (const char *const *j = names; *j; j++)
                        if (streq(*j, required[i]))
                                found = true;
                if (!found)
                        fail_msg("group %s missing", required[i]);
        }
}

/* ---- compilation ---- */

static void test_compile_empty(void **state) {
        SeccompProgram *p = (SeccompProgram *) 0x1;
        char *error = NULL;

        assert_int_equal(seccomp_compile(NULL, false, &p, &error), 0);
        assert_null(p);
        p = (SeccompProgram *) 0x1;
        assert_int_equal(seccomp_compile(" \t", true, &p, &error), 0);
        assert_null(p);
        assert_null(error);

        assert_null(seccomp_program_free(NULL));
}

static void test_compile_bad(void **state) {
        SeccompProgram *p = (SeccompProgram *) 0x1;
        _cleanup_free_ char *error = NULL;

        assert_int_equal(seccomp_compile("~@mount frobnicate", false, &p, &error), -EINVAL);
        /* *ret is written only on success. */
        assert_ptr_equal(p, (SeccompProgram *) 0x1);
        assert_string_equal(error, "unknown system call 'frobnicate'");
}

static void test_compile_variants(void **state) {
        static const char *const specs[] = {
                "~@mount",
                "~@mount @reboot @swap ptrace",
                "@basic-io",
                "@system-service",
                "~@privileged @obsolete @debug @raw-io @cpu-emulation",
                "read",
        };

        for (size_t i = 0; i < ELEMENTSOF(specs); i++)
                for (int kill = 0; kill <= 1; kill++)
                        seccomp_program_free(compile_or_fail(specs[i], kill));
}

/* ---- loading: deny lists ---- */

static void child_deny_mount(const void *arg) {
        const SeccompProgram *p = arg;

        CHILD_CHECK(seccomp_program_load(p, false) == 0);
        CHILD_CHECK(try_mount() == -EPERM);
        CHILD_CHECK(try_umount2() == -EPERM);
        CHILD_CHECK(syscall(SYS_getpid) == getpid());
        /* Not in @mount: the kernel's own answer comes through. */
        CHILD_CHECK(try_openat() == -ENOENT);
        CHILD_CHECK(try_socket() == -EAFNOSUPPORT);
}

static void child_unfiltered_mount(const void *arg) {
        /* mount(2) looks the target up before checking privileges, so
         * without a filter the answer is ENOENT for root and non-root: the
         * EPERM above comes from the filter. */
        CHILD_CHECK(try_mount() == -ENOENT);
        CHILD_CHECK(try_umount2() == -ENOENT);
}

static void test_load_deny_list(void **state) {
        SeccompProgram *p = compile_or_fail("~@mount", false);

        assert_child_ok(run_child(child_unfiltered_mount, NULL));
        assert_child_ok(run_child(child_deny_mount, p));
        seccomp_program_free(p);
}

static void child_mount(const void *arg) {
        const SeccompProgram *p = arg;

        CHILD_CHECK(seccomp_program_load(p, false) == 0);
        CHILD_CHECK(syscall(SYS_getpid) == getpid());
        (void) try_mount();
        child_exit(42); /* not reached: killed on mount() */
}

static void test_load_deny_list_kill(void **state) {
        SeccompProgram *p = compile_or_fail("~@mount", true);

        assert_child_killed_by(run_child(child_mount, p), SIGSYS);
        seccomp_program_free(p);
}

static void child_x32_getpid(const void *arg) {
        const SeccompProgram *p = arg;

        CHILD_CHECK(seccomp_program_load(p, false) == 0);
        /* The same call through the x32 ABI must not slip past a filter
         * written for x86_64 numbers. */
        (void) syscall(0x40000000 | SYS_getpid);
        child_exit(42);
}

#if defined(__x86_64__) && !defined(__ILP32__)
static void child_i386_getpid(const void *arg) {
        const SeccompProgram *p = arg;
        long r;

        if (p)
                CHILD_CHECK(seccomp_program_load(p, false) == 0);
        /* i386 getpid is 20; int $0x80 takes the i386 ABI. */
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
        CHILD_CHECK(r == getpid());
        if (p)
                child_exit(42);
}
#endif

static void test_load_foreign_abi_killed(void **state) {
#if defined(__x86_64__) && !defined(__ILP32__)
        SeccompProgram *p = compile_or_fail("~@mount", false);
        int status;

        assert_child_killed_by(run_child(child_x32_getpid, p), SIGSYS);

        /* Without IA32 emulation int $0x80 faults anyway: check the filter
         * only where the unfiltered call works. */
        status = run_child(child_i386_getpid, NULL);
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                assert_child_killed_by(run_child(child_i386_getpid, p), SIGSYS);
        else
                print_message("no i386 syscall ABI, skipping the int $0x80 check\n");
        seccomp_program_free(p);
#else
        skip();
#endif
}

/* ---- loading: allow lists ---- */

static void child_allow_basic_io(const void *arg) {
        const SeccompProgram *p = arg;

        CHILD_CHECK(seccomp_program_load(p, false) == 0);
        CHILD_CHECK(syscall(SYS_write, STDOUT_FILENO, "", 0UL) == 0); /* @basic-io */
        CHILD_CHECK(syscall(SYS_getpid) == getpid()); /* @default, implicit */
        CHILD_CHECK(try_openat() == -EPERM);
        CHILD_CHECK(try_socket() == -EPERM);
        CHILD_CHECK(try_mount() == -EPERM);
        /* Unknown to libseccomp: ENOSYS, so libc would fall back. */
        CHILD_CHECK(sys_result(syscall(NR_NONEXISTENT)) == -ENOSYS);
}

static void test_load_allow_list(void **state) {
        SeccompProgram *p = compile_or_fail("@basic-io", false);

        assert_child_ok(run_child(child_allow_basic_io, p));
        seccomp_program_free(p);
}

static void child_allow_kill(const void *arg) {
        const SeccompProgram *p = arg;

        CHILD_CHECK(seccomp_program_load(p, false) == 0);
        CHILD_CHECK(syscall(SYS_getpid) == getpid());
        CHILD_CHECK(sys_result(syscall(NR_NONEXISTENT)) == -ENOSYS); /* not killed */
        (void) try_socket();
        child_exit(42);
}

static void test_load_allow_list_kill(void **state) {
        SeccompProgram *p = compile_or_fail("@basic-io", true);

        assert_child_killed_by(run_child(child_allow_kill, p), SIGSYS);
        seccomp_program_free(p);
}

typedef struct ExecArgs {
        const SeccompProgram *program;
        const char *path;
        char *const *argv;
} ExecArgs;

static void child_exec(const void *arg) {
        const ExecArgs *a = arg;
        char *const envp[] = { NULL };

        CHILD_CHECK(seccomp_program_load(a->program, false) == 0);
        (void) execve(a->path, a->argv, envp);
        child_exit(120);
}

static void test_load_exec(void **state) {
        /* A dynamically linked program needs @file-system for ld.so to open
         * its libraries; execve, mmap, brk, arch_prctl, exit_group... come
         * from the implicit @default. */
        SeccompProgram *p;
        char *const argv[] = { (char *) "true", NULL };
        ExecArgs a = { .program = NULL, .path = "/bin/true", .argv = argv };

        if (access(a.path, X_OK) < 0)
                skip();
        a.program = p = compile_or_fail("@basic-io @file-system", false);
        assert_child_ok(run_child(child_exec, &a));
        seccomp_program_free(p);
}

static void test_load_exec_kill(void **state) {
        /* The same with kill = true: any call outside the list would show
         * as SIGSYS. */
        SeccompProgram *p;
        char *const argv[] = { (char *) "true", NULL };
        ExecArgs a = { .program = NULL, .path = "/bin/true", .argv = argv };

        if (access(a.path, X_OK) < 0)
                skip();
        a.program = p = compile_or_fail("@basic-io @file-system", true);
        assert_child_ok(run_child(child_exec, &a));
        seccomp_program_free(p);
}

static void test_load_exec_static(void **state) {
        /* A statically linked program runs on "@basic-io" alone: the
         * implicit set is enough to exec, start and exit. ldconfig is
         * static on Debian (libc-bin, essential). Denied calls get EPERM
         * here: glibc's static start-up tries readlink("/proc/self/exe"),
         * which is in @file-system, and copes with the failure, but would
         * be killed with kill = true. */
        SeccompProgram *p;
        char *const argv[] = { (char *) "ldconfig", (char *) "--version", NULL };
        ExecArgs a = { .program = NULL, .path = "/sbin/ldconfig", .argv = argv };
        int devnull, saved;

        if (access(a.path, X_OK) < 0)
                skip();
        a.program = p = compile_or_fail("@basic-io", false);

        /* Keep its version text out of the test output. */
        saved = dup(STDOUT_FILENO);
        devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
        assert_true(saved >= 0 && devnull >= 0);
        assert_true(dup2(devnull, STDOUT_FILENO) >= 0);
        int status = run_child(child_exec, &a);
        assert_true(dup2(saved, STDOUT_FILENO) >= 0);
        close(saved);
        close(devnull);

        assert_child_ok(status);
        seccomp_program_free(p);
}

/* ---- no_new_privs ---- */

static int nnp(void) {
        return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
}

static bool have_cap_sys_admin(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        if (syscall(SYS_capget, &h, d) < 0)
                return false;
        return d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective & CAP_TO_MASK(CAP_SYS_ADMIN);
}

static void drop_cap_sys_admin(void) {
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = {};

        CHILD_CHECK(syscall(SYS_capget, &h, d) == 0);
        d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
        CHILD_CHECK(syscall(SYS_capset, &h, d) == 0);
        CHILD_CHECK(!have_cap_sys_admin());
}

static void child_nnp_requested(const void *arg) {
        CHILD_CHECK(seccomp_program_load(NULL, true) == 0);
        CHILD_CHECK(nnp() == 1);
}

static void child_nnp_not_requested(const void *arg) {
        CHILD_CHECK(seccomp_program_load(NULL, false) == 0);
        CHILD_CHECK(nnp() == 0);
}

static void child_nnp_with_cap(const void *arg) {
        /* CAP_SYS_ADMIN may load a filter without NNP: setuid programs
         * the service runs keep working. */
        CHILD_CHECK(seccomp_program_load(arg, false) == 0);
        CHILD_CHECK(nnp() == 0);
        CHILD_CHECK(try_mount() == -EPERM);
}

static void child_nnp_without_cap(const void *arg) {
        /* As after dropping to the service's user: NNP is required. */
        drop_cap_sys_admin();
        CHILD_CHECK(seccomp_program_load(arg, false) == 0);
        CHILD_CHECK(nnp() == 1);
        CHILD_CHECK(try_mount() == -EPERM);
}

static void test_load_no_new_privs(void **state) {
        SeccompProgram *p = compile_or_fail("~@mount", false);

        assert_child_ok(run_child(child_nnp_requested, NULL));

        if (nnp() != 0 || !have_cap_sys_admin()) {
                /* Already NNP (e.g. run by a sandbox), or not root: only the
                 * path without CAP_SYS_ADMIN can be checked. */
                if (nnp() == 0)
                        assert_child_ok(run_child(child_nnp_not_requested, NULL));
                seccomp_program_free(p);
                skip();
        }

        assert_child_ok(run_child(child_nnp_not_requested, NULL));
        assert_child_ok(run_child(child_nnp_with_cap, p));
        assert_child_ok(run_child(child_nnp_without_cap, p));
        seccomp_program_free(p);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_validate_good),
                cmocka_unit_test(test_validate_bad),
                cmocka_unit_test(test_validate_without_error_pointer),
                cmocka_unit_test(test_group_names),
                cmocka_unit_test(test_compile_empty),
                cmocka_unit_test(test_compile_bad),
                cmocka_unit_test(test_compile_variants),
                cmocka_unit_test(test_load_deny_list),
                cmocka_unit_test(test_load_deny_list_kill),
                cmocka_unit_test(test_load_foreign_abi_killed),
                cmocka_unit_test(test_load_allow_list),
                cmocka_unit_test(test_load_allow_list_kill),
                cmocka_unit_test(test_load_exec),
                cmocka_unit_test(test_load_exec_kill),
                cmocka_unit_test(test_load_exec_static),
                cmocka_unit_test(test_load_no_new_privs),
        };

        /* Tests named test_load_* run filters in forked children; under
         * valgrind those children are valgrind itself, whose own syscalls the
         * filters then block. Leak checks run with
         * CMOCKA_SKIP_FILTER='test_load_*'. */
        const char *filter = getenv("CMOCKA_TEST_FILTER"), *skip = getenv("CMOCKA_SKIP_FILTER");
        if (filter)
                cmocka_set_test_filter(filter);
        if (skip)
                cmocka_set_skip_filter(skip);

        return cmocka_run_group_tests(tests, NULL, NULL);
}
