/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pure parts of the cgroup layer, and cgwarden's own cgroup (a
 * container's entrypoint) on a fixture tree of plain files. */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "base/children.h"
#include "cgroup/cgroup.h"

static const char hybrid[] = "12:pids:/user.slice/user-0.slice\n"
                             "8:cpu,cpuacct:/x\n"
                             "4:memory:/process_api/feca7b\n"
                             "1:name=systemd:/user.slice\n"
                             "0::/user.slice/session-1.scope\n";

static void test_parse_proc_cgroup(void **state) {
        char *p = NULL;

        assert_int_equal(cg_parse_proc_cgroup(hybrid, "memory", &p), 0);
        assert_string_equal(p, "/process_api/feca7b");
        free(p);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "cpu", &p), 0);
        assert_string_equal(p, "/x");
        free(p);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "cpuacct", &p), 0);
        free(p);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, NULL, &p), 0);
        assert_string_equal(p, "/user.slice/session-1.scope");
        free(p);
        p = NULL;
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "freezer", &p), -ENOENT);
        assert_int_equal(cg_parse_proc_cgroup(hybrid, "cpus", &p), -ENOENT);
        assert_int_equal(cg_parse_proc_cgroup("0::/\n", NULL, &p), 0);
        assert_string_equal(p, "/");
        free(p);
        p = NULL;
        assert_int_equal(cg_parse_proc_cgroup("garbage", NULL, &p), -ENOENT);
        assert_int_equal(cg_parse_proc_cgroup("0::relative\n", NULL, &p), -EBADMSG);
        assert_int_equal(cg_parse_proc_cgroup("", "memory", &p), -ENOENT);
        assert_null(p);
}

static void test_parse_limit(void **state) {
        uint64_t v = 0;
        assert_int_equal(cg_parse_limit("max\n", &v), 0);
        assert_true(v == CG_UNLIMITED);
        assert_int_equal(cg_parse_limit("67108864\n", &v), 0);
        assert_true(v == 67108864);
        assert_int_equal(cg_parse_limit("0", &v), 0);
        assert_true(v == 0);
        assert_int_equal(cg_parse_limit("-1", &v), -EINVAL);
        assert_int_equal(cg_parse_limit("12x", &v), -EINVAL);
        assert_int_equal(cg_parse_limit("maximum", &v), -EINVAL);
        assert_int_equal(cg_parse_limit("99999999999999999999999", &v), -ERANGE);
}

static void test_mode_names(void **state) {
        assert_string_equal(cg_mode_to_string(CG_MODE_UNIFIED), "unified");
        assert_string_equal(cg_mode_to_string(CG_MODE_HYBRID), "hybrid");
        assert_string_equal(cg_mode_to_string(CG_MODE_LEGACY), "legacy");
        assert_null(cg_mode_to_string(_CG_MODE_MAX));
        assert_null(cg_mode_to_string(_CG_MODE_INVALID));
}

static void put(const char *root, const char *file, const char *value) {
        char p[256];
        int fd;

        snprintf(p, sizeof p, "%s/%s", root, file);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, value, strlen(value)), (ssize_t) strlen(value));
        close(fd);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

/* The own cgroup holds cgwarden: what is counted and signalled leaves it
 * out; a child joins nothing; nothing is written; the limit at the root
 * of the tree (a cgroup namespace's root: the container's) is the
 * effective one. */
static void test_own_v2(void **state) {
        char root[] = "/tmp/cgw-unit-own.XXXXXX", procs[64];
        CgContext *c = NULL;
        CgService *s = NULL;
        EffectiveLimits e;
        const int *fds = NULL;
        size_t n = 99;
        pid_t child;
        int st;

        assert_non_null(mkdtemp(root));
        assert_int_equal(cg_context_new_fixture(root, CG_MODE_UNIFIED, &c), 0);
        snprintf(procs, sizeof procs, "%d\n", (int) getpid());
        put(root, "cgroup.procs", procs);
        put(root, "cgroup.events", "populated 1\nfrozen 0\n");
        put(root, "memory.max", "167772160\n");
        put(root, "memory.high", "max\n");
        assert_int_equal(cg_service_open_own(c, "app", &s), 0);
        assert_true(cg_service_is_own(s));
        assert_string_equal(cg_service_path(s), "/");

        /* only cgwarden: empty, whatever cgroup.events says */
        assert_int_equal(cg_service_populated(s), 0);
        /* our parent (not PID 1 here) is not ours to stop */
        snprintf(procs, sizeof procs, "%d\n%d\n", (int) getppid(), (int) getpid());
        put(root, "cgroup.procs", procs);
        assert_int_equal(cg_service_populated(s), 0);
        assert_int_equal(cg_service_signal(s, 0), 0);
        assert_int_equal(cg_service_signal(s, 0), 0);
        assert_int_equal(cg_service_kill_all(s), 0);

        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
                pause();
                _exit(0);
        }
        snprintf(procs, sizeof procs, "%d\n0\n%d\n", (int) getpid(), (int) child);
        put(root, "cgroup.procs", procs); /* 0: a process outside our pid namespace */
        /* a helper of cgwarden's is not the service's */
        assert_int_equal(children_add(child, CHILD_HELPER), 0);
        assert_int_equal(cg_service_populated(s), 0);
        children_forget(child);
        assert_int_equal(cg_service_populated(s), 1);
        assert_int_equal(cg_service_signal(s, SIGKILL), 1);
        assert_int_equal(waitpid(child, &st, 0), child);
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);

        assert_int_equal(cg_service_clone_fd(s), -EOPNOTSUPP);
        assert_int_equal(cg_service_procs_fds(s, &fds, &n), 0);
        assert_int_equal(n, 0);
        assert_int_equal(cg_service_set_limits(s, &CG_LIMITS_NONE), -EROFS);
        assert_int_equal(cg_service_set(s, CG_KNOB_MEMORY_HIGH, 1 << 20), -EROFS);
        {
                char *events = NULL;
                assert_int_equal(cg_service_events_path(s, &events), -EOPNOTSUPP);
        }

        assert_int_equal(cg_service_effective_limits(s, 0, &e), 0);
        assert_int_equal(e.memory.value, 160 << 20);
        assert_string_equal(e.memory.source, "memory.max of /");

        /* never ours: freeing it leaves the tree as it is */
        s = cg_service_free(s);
        {
                char p[128];
                snprintf(p, sizeof p, "%s/memory.max", root);
                assert_int_equal(access(p, F_OK), 0);
        }
        c = cg_context_free(c);
        (void) nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* v1: each hierarchy's own directory; the memory limit at the root */
static void test_own_v1(void **state) {
        char root[] = "/tmp/cgw-unit-own1.XXXXXX", d[128];
        CgContext *c = NULL;
        CgService *s = NULL;
        EffectiveLimits e;
        char *dir = NULL;

        assert_non_null(mkdtemp(root));
        snprintf(d, sizeof d, "%s/memory", root);
        assert_int_equal(mkdir(d, 0755), 0);
        put(d, "memory.limit_in_bytes", "167772160\n");
        put(d, "cgroup.procs", "");
        snprintf(d, sizeof d, "%s/pids", root);
        assert_int_equal(mkdir(d, 0755), 0);
        put(d, "pids.max", "300\n");
        assert_int_equal(cg_context_new_fixture(root, CG_MODE_HYBRID, &c), 0);
        assert_int_equal(cg_service_open_own(c, "app", &s), 0);
        assert_int_equal(cg_service_dir(s, "pids", &dir), 0);
        assert_string_equal(dir, d);
        free(dir);
        assert_int_equal(cg_service_populated(s), 0);
        assert_int_equal(cg_service_effective_limits(s, 0, &e), 0);
        assert_int_equal(e.memory.value, 160 << 20);
        assert_string_equal(e.memory.source, "memory.limit_in_bytes of /");
        assert_int_equal(e.pids.value, 300);
        s = cg_service_free(s);
        c = cg_context_free(c);
        (void) nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* a writable own directory is delegated as far as this check goes */
static void test_own_delegated(void **state) {
        char root[] = "/tmp/cgw-unit-deleg.XXXXXX";
        CgContext *c = NULL;

        assert_non_null(mkdtemp(root));
        assert_int_equal(cg_context_new_fixture(root, CG_MODE_UNIFIED, &c), 0);
        assert_int_equal(cg_context_own_delegated(c, NULL), 0);
        c = cg_context_free(c);
        assert_int_equal(rmdir(root), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_own_v2),        cmocka_unit_test(test_own_v1),
                cmocka_unit_test(test_own_delegated), cmocka_unit_test(test_parse_proc_cgroup),
                cmocka_unit_test(test_parse_limit),   cmocka_unit_test(test_mode_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
