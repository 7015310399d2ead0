/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Starting a service process: the child is set up completely (cgroup,
 * credentials, cwd, umask, clean signal state, only stdio open, seccomp)
 * before it runs a single instruction of the service. */

#include <stdbool.h>
#include <sys/types.h>

#include "base/macro.h"
#include "base/seccomp-util.h"

/* Why a child failed before or at execve, reported through a CLOEXEC pipe. */
typedef enum SpawnStage {
        SPAWN_STAGE_CGROUP,
        SPAWN_STAGE_STDIO,
        SPAWN_STAGE_GROUPS,
        SPAWN_STAGE_GID,
        SPAWN_STAGE_UID,
        SPAWN_STAGE_CHDIR,
        SPAWN_STAGE_SECCOMP,
        SPAWN_STAGE_EXEC,
        _SPAWN_STAGE_MAX,
} SpawnStage;
const char *spawn_stage_to_string(SpawnStage s);

typedef struct SpawnFailure {
        int32_t stage; /* SpawnStage */
        int32_t error; /* positive errno */
} SpawnFailure;

typedef struct SpawnParams {
        const char *path; /* resolved executable */
        char *const *argv;
        char *const *envp;
        const char *working_dir; /* NULL: inherit */
        bool set_creds;
        uid_t uid;
        gid_t gid;
        const gid_t *groups;
        size_t n_groups;
        int umask; /* -1: inherit */
        int stdin_fd, stdout_fd, stderr_fd; /* dup'ed to 0,1,2 */
        int cgroup_dir_fd; /* >= 0: clone3(CLONE_INTO_CGROUP) */
        const int *cgroup_procs_fds; /* else: join by writing these */
        size_t n_cgroup_procs_fds;
        const SeccompProgram *seccomp;
        bool no_new_privileges;
        const char *oom_score_adj; /* written to /proc/self/oom_score_adj; NULL: keep */
        uint64_t nofile_soft; /* RLIMIT_NOFILE soft limit to restore; 0: keep */
} SpawnParams;

/* Fork the child. Returns 0 with *ret_pid, *ret_pidfd (-EBADF when the
 * kernel has no pidfds) and *ret_errpipe: a CLOEXEC read end that gives EOF
 * with no data once execve succeeded, or one SpawnFailure record.
 * *ret_into_cgroup tells whether clone3(CLONE_INTO_CGROUP) was used. */
int spawn_start(const SpawnParams *p, pid_t *ret_pid, int *ret_pidfd, int *ret_errpipe,
                bool *ret_into_cgroup);

/* The PATH a service gets when its environment names none (systemd's). */
#define SPAWN_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Find an executable: a name with '/' is taken as is; else searched in
 * path_env (a PATH string; NULL = SPAWN_DEFAULT_PATH). Returns 0 and a
 * malloc'd path, -ENOENT or -EACCES. */
int spawn_find_executable(const char *name, const char *path_env, char **ret);

/* In a freshly forked helper of cgwarden's (notify_exec, capture_upload),
 * before its exec: default signal dispositions, none blocked, a session
 * of its own (so that it and its children can be killed as one), stdin
 * from /dev/null, no descriptor above stderr. */
void spawn_helper_child_prepare(void);

/* Resolve user and group names (or numeric ids) to ids and the user's
 * supplementary groups, plus extra groups. Returns 0 or -ESRCH (unknown
 * user/group), -errno. home/shell are malloc'd (may be NULL). */
int spawn_resolve_creds(const char *user, const char *group, char *const *extra_groups, uid_t *ret_uid,
                        gid_t *ret_gid, gid_t **ret_groups, size_t *ret_n_groups, char **ret_home,
                        char **ret_shell);
