/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "cgroup/cgroup.h"
#include "spawn/spawn.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const char *const stage_names[_SPAWN_STAGE_MAX] = {
        [SPAWN_STAGE_CGROUP] = "joining the cgroup",
        [SPAWN_STAGE_STDIO] = "setting up stdio",
        [SPAWN_STAGE_GROUPS] = "setting supplementary groups",
        [SPAWN_STAGE_GID] = "setting group",
        [SPAWN_STAGE_UID] = "setting user",
        [SPAWN_STAGE_CHDIR] = "changing to working_dir",
        [SPAWN_STAGE_SECCOMP] = "loading the syscall filter",
        [SPAWN_STAGE_EXEC] = "executing",
};

const char *spawn_stage_to_string(SpawnStage s) {
        return s >= 0 && s < _SPAWN_STAGE_MAX ? stage_names[s] : "starting";
}

void spawn_helper_child_prepare(void) {
        sigset_t all;
        int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        sigfillset(&all);
        for (int sig = 1; sig < _NSIG; sig++)
                (void) signal(sig, SIG_DFL);
        (void) sigprocmask(SIG_UNBLOCK, &all, NULL);
        (void) setsid();
        if (fd >= 0)
                (void) dup2(fd, STDIN_FILENO);
        (void) close_range(3, ~0U, 0);
}

int spawn_find_executable(const char *name, const char *path_env, char **ret) {
        const char *p;
        int last = -ENOENT;

        if (!name || !*name)
                return -EINVAL;
        if (strchr(name, '/')) {
                char *r;
                if (access(name, X_OK) < 0)
                        return -errno;
                /* relative to cgwarden's cwd, not to the service's working_dir */
                if (name[0] == '/')
                        r = strdup(name);
                else {
                        _cleanup_free_ char *cwd = getcwd(NULL, 0);
                        if (!cwd)
                                return -errno;
                        if (asprintf(&r, "%s/%s", cwd, name) < 0)
                                r = NULL;
                }
                if (!r)
                        return -ENOMEM;
                *ret = r;
                return 0;
        }
        p = path_env ?: SPAWN_DEFAULT_PATH;
        while (*p) {
                size_t l = strcspn(p, ":");
                _cleanup_free_ char *cand = NULL;
                struct stat st;

                if (l > 0 && asprintf(&cand, "%.*s/%s", (int) l, p, name) >= 0 && stat(cand, &st) >= 0 &&
                    S_ISREG(st.st_mode)) {
                        if (access(cand, X_OK) >= 0) {
                                *ret = TAKE_PTR(cand);
                                return 0;
                        }
                        last = -EACCES;
                }
                p += l;
                if (*p == ':')
                        p++;
        }
        return last;
}

static int parse_id(const char *s, unsigned *ret) {
        char *e;
        unsigned long v;

        if (!s || *s < '0' || *s > '9')
                return -EINVAL;
        errno = 0;
        v = strtoul(s, &e, 10);
        if (errno || *e || v >= (unsigned long) UINT32_MAX)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

static int lookup_group(const char *name, gid_t *ret) {
        struct group *gr;
        unsigned id;

        if (parse_id(name, &id) >= 0) {
                *ret = id;
                return 0;
        }
        errno = 0;
        gr = getgrnam(name);
        if (!gr)
                return errno > 0 ? -errno : -ESRCH;
        *ret = gr->gr_gid;
        return 0;
}

int spawn_resolve_creds(const char *user, const char *group, char *const *extra_groups, uid_t *ret_uid,
                        gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n_groups, char **ret_home,
                        char **ret_shell) {
        _cleanup_free_ gid_t *groups = NULL;
        _cleanup_free_ char *home = NULL, *shell = NULL;
        uid_t uid = getuid();
        gid_t gid = getgid();
        int ngroups = 0;
        int r;

        if (user) {
                struct passwd *pw;
                unsigned id;

                errno = 0;
                if (parse_id(user, &id) >= 0)
                        pw = getpwuid(id);
                else
                        pw = getpwnam(user);
                if (!pw) {
                        if (parse_id(user, &id) < 0)
                                return errno > 0 ? -errno : -ESRCH;
                        uid = id; /* a numeric uid without a passwd entry is allowed */
                } else {
                        uid = pw->pw_uid;
                        gid = pw->pw_gid;
                        home = strdup(pw->pw_dir ?: "/");
                        shell = strdup(pw->pw_shell ?: "/bin/sh");
                        if (!home || !shell)
                                return -ENOMEM;
                        ngroups = 16;
                        for (;;) {
                                gid_t *ng = realloc(groups, sizeof(gid_t) * (size_t) ngroups);
                                int n = ngroups;
                                if (!ng)
                                        return -ENOMEM;
                                groups = ng;
                                if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) >= 0) {
                                        ngroups = n;
                                        break;
                                }
                                ngroups = n > ngroups ? n : ngroups * 2;
                        }
                }
        }
        if (group) {
                r = lookup_group(group, &gid);
                if (r < 0)
                        return r;
        }
        for (char *const *g = extra_groups; g && *g; g++) {
                gid_t x;
                gid_t *ng;

                r = lookup_group(*g, &x);
                if (r < 0)
                        return r;
                ng = realloc(groups, sizeof(gid_t) * (size_t) (ngroups + 1));
                if (!ng)
                        return -ENOMEM;
                groups = ng;
                groups[ngroups++] = x;
        }
        *ret_uid = uid;
        *ret_gid = gid;
        *ret_groups = TAKE_PTR(groups);
        *ret_n_groups = (size_t) ngroups;
        if (ret_home)
                *ret_home = TAKE_PTR(home);
        if (ret_shell)
                *ret_shell = TAKE_PTR(shell);
        return 0;
}

static _noreturn_ void child_fail(int errpipe, SpawnStage stage, int error) {
        SpawnFailure f = { .stage = stage, .error = error > 0 ? error : EIO };
        (void) !write(errpipe, &f, sizeof f);
        _exit(127);
}

/* Runs in the child, which shares nothing with the parent's threads (the
 * daemon is single-threaded), so libc calls used here are safe in
 * practice; nothing allocates except setgroups' internal broadcast (none
 * without threads). */
static _noreturn_ void child_run(const SpawnParams *p, int errpipe, bool in_cgroup) {
        sigset_t all;
        int r;

        /* A service must get default signal handling whatever we had: a
         * JVM started with SIGQUIT ignored cannot print thread dumps. */
        for (int sig = 1; sig < _NSIG; sig++) {
                if (sig == SIGKILL || sig == SIGSTOP)
                        continue;
                (void) signal(sig, SIG_DFL);
        }
        sigemptyset(&all);
        (void) sigprocmask(SIG_SETMASK, &all, NULL);

        if (!in_cgroup) {
                r = cg_join_fds(p->cgroup_procs_fds, p->n_cgroup_procs_fds);
                if (r < 0)
                        child_fail(errpipe, SPAWN_STAGE_CGROUP, -r);
        }

        /* Own session: a terminal's ^C goes to cgwarden, which stops the
         * service gracefully, not straight to the service. */
        (void) setsid();

        if (dup2(p->stdin_fd, 0) < 0 || dup2(p->stdout_fd, 1) < 0 || dup2(p->stderr_fd, 2) < 0)
                child_fail(errpipe, SPAWN_STAGE_STDIO, errno);

        /* Undo cgwarden's own self-protection: the service must be the
         * OOM killer's candidate, not share our exemption, and must see the
         * usual 1024-fd soft limit (select() breaks above it). */
        if (p->oom_score_adj) {
                int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                if (fd >= 0) {
                        (void) !write(fd, p->oom_score_adj, strlen(p->oom_score_adj));
                        close(fd);
                }
        }
        if (p->nofile_soft > 0) {
                struct rlimit rl;
                if (getrlimit(RLIMIT_NOFILE, &rl) >= 0) {
                        rl.rlim_cur = MIN((rlim_t) p->nofile_soft, rl.rlim_max);
                        (void) setrlimit(RLIMIT_NOFILE, &rl);
                }
        }

        if (p->umask >= 0)
                (void) umask((mode_t) p->umask);

        if (p->set_creds) {
                if (setgroups(p->n_groups, p->groups) < 0)
                        child_fail(errpipe, SPAWN_STAGE_GROUPS, errno);
                if (setresgid(p->gid, p->gid, p->gid) < 0)
                        child_fail(errpipe, SPAWN_STAGE_GID, errno);
                if (setresuid(p->uid, p->uid, p->uid) < 0)
                        child_fail(errpipe, SPAWN_STAGE_UID, errno);
        }

        /* After dropping privileges, so the service's user must be able to
         * enter its working directory. */
        if (p->working_dir && chdir(p->working_dir) < 0)
                child_fail(errpipe, SPAWN_STAGE_CHDIR, errno);

        /* Only stdio and the error pipe survive execve. */
        if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
                for (int fd = 3; fd < 65536; fd++)
                        if (fd != errpipe)
                                (void) close(fd);

        r = seccomp_program_load(p->seccomp, p->no_new_privileges);
        if (r < 0)
                child_fail(errpipe, SPAWN_STAGE_SECCOMP, -r);

        execve(p->path, p->argv, p->envp);
        child_fail(errpipe, SPAWN_STAGE_EXEC, errno);
}

int spawn_start(const SpawnParams *p, pid_t *ret_pid, int *ret_pidfd, int *ret_errpipe,
                bool *ret_into_cgroup) {
        int pipefd[2];
        int pidfd = -EBADF;
        bool into = false;
        pid_t pid = -1;

        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return -errno;

        {
                struct clone_args args = {
                        .flags = CLONE_PIDFD,
                        .pidfd = (uint64_t) (uintptr_t) &pidfd,
                        .exit_signal = SIGCHLD,
                };
                if (p->cgroup_dir_fd >= 0) {
                        args.flags |= CLONE_INTO_CGROUP;
                        args.cgroup = (uint64_t) p->cgroup_dir_fd;
                }
                pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
                if (pid < 0 && (args.flags & CLONE_INTO_CGROUP) && errno != ENOSYS) {
                        /* e.g. E2BIG/EINVAL on kernels before 5.7 */
                        args.flags &= ~(uint64_t) CLONE_INTO_CGROUP;
                        pid = (pid_t) syscall(SYS_clone3, &args, sizeof args);
                } else if (pid >= 0)
                        into = (args.flags & CLONE_INTO_CGROUP) != 0;
                if (pid < 0 && errno == ENOSYS) {
                        pidfd = -EBADF;
                        pid = fork();
                        if (pid > 0) {
                                pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
                                if (pidfd < 0)
                                        pidfd = -EBADF;
                        }
                }
        }
        if (pid < 0) {
                int r = -errno;
                safe_close(pipefd[0]);
                safe_close(pipefd[1]);
                return r;
        }
        if (pid == 0) {
                safe_close(pipefd[0]);
                child_run(p, pipefd[1], into);
        }

        safe_close(pipefd[1]);
        *ret_pid = pid;
        *ret_pidfd = pidfd;
        *ret_errpipe = pipefd[0];
        if (ret_into_cgroup)
                *ret_into_cgroup = into;
        return 0;
}
