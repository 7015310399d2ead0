/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `cgwarden check` finds that would fail only at runtime (service.h):
 * the service's user and groups, its executable as that user would find
 * and run it, its working directory. */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/macro.h"
#include "service/service.h"
#include "spawn/spawn.h"

static bool may_execute(const struct stat *st, uid_t uid, gid_t gid, const gid_t *groups, size_t n_groups) {
        if (uid == 0)
                return st->st_mode & (S_IXUSR | S_IXGRP | S_IXOTH);
        if (st->st_uid == uid)
                return st->st_mode & S_IXUSR;
        if (st->st_gid == gid)
                return st->st_mode & S_IXGRP;
        for (size_t i = 0; i < n_groups; i++)
                if (groups[i] == st->st_gid)
                        return st->st_mode & S_IXGRP;
        return st->st_mode & S_IXOTH;
}

int service_config_check_runtime(const ServiceConfig *c, const char *file, CfgErrors *errs) {
        _cleanup_free_ char *home = NULL, *shell = NULL, *exe = NULL;
        _cleanup_free_ gid_t *groups = NULL;
        const char *path = SPAWN_DEFAULT_PATH;
        size_t n_groups = 0, before = errs->n;
        uid_t uid = 0;
        gid_t gid = 0;
        struct stat st;
        int r;

        r = spawn_resolve_creds(c->user, c->group, c->supplementary_groups, &uid, &gid, &groups, &n_groups,
                                &home, &shell);
        if (r < 0) {
                cfg_errors_add(errs, file, c->line, "service '%s': %s%s%s%s%s: %s", c->name,
                               c->user ? "user " : "", c->user ? c->user : "",
                               c->user && c->group ? ", " : "", c->group ? "group " : "",
                               c->group ? c->group : "",
                               r == -ESRCH ? "no such user or group on this host" : strerror(-r));
                return -EINVAL;
        }
        /* the PATH the service is started with: its environment = PATH=... */
        for (char **e = c->environment; e && *e; e++)
                if (strncmp(*e, "PATH=", 5) == 0)
                        path = *e + 5;
        if (c->argv && c->argv[0]) {
                r = spawn_find_executable(c->argv[0], path, &exe);
                if (r < 0)
                        cfg_errors_add(errs, file, c->line, "service '%s': exec '%s': %s", c->name,
                                       c->argv[0],
                                       r == -EACCES              ? "not executable"
                                       : strchr(c->argv[0], '/') ? strerror(-r)
                                                                 : "not found in the service's PATH");
                else if (stat(exe, &st) < 0 || !S_ISREG(st.st_mode))
                        cfg_errors_add(errs, file, c->line, "service '%s': exec '%s': not a regular file",
                                       c->name, exe);
                else if (!may_execute(&st, uid, gid, groups, n_groups))
                        cfg_errors_add(errs, file, c->line,
                                       "service '%s': exec '%s': not executable by %s%s", c->name, exe,
                                       c->user ? "user " : "", c->user ? c->user : "root");
        }
        if (c->working_dir && (stat(c->working_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
                cfg_errors_add(errs, file, c->line, "service '%s': working_dir %s: not a directory", c->name,
                               c->working_dir);
        return errs->n > before ? -EINVAL : 0;
}
