/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>

#include "base/children.h"
#include "base/fs-util.h"
#include "base/macro.h"

typedef struct Child {
        pid_t pid;
        ChildKind kind;
} Child;

static Child *known;
static size_t n_known, cap_known;

static Child *find(pid_t pid) {
        for (size_t i = 0; i < n_known; i++)
                if (known[i].pid == pid)
                        return &known[i];
        return NULL;
}

int children_add(pid_t pid, ChildKind kind) {
        Child *c;

        if (pid <= 0)
                return -EINVAL;
        c = find(pid);
        if (c) {
                c->kind = kind;
                return 0;
        }
        if (n_known == cap_known) {
                size_t cap = cap_known ? cap_known * 2 : 8;
                Child *k = realloc(known, cap * sizeof(Child));
                if (!k)
                        return -ENOMEM;
                known = k;
                cap_known = cap;
        }
        known[n_known++] = (Child){ pid, kind };
        return 0;
}

void children_forget(pid_t pid) {
        Child *c = find(pid);

        if (c)
                *c = known[--n_known];
        if (n_known == 0) {
                known = mfree(known);
                cap_known = 0;
        }
}

bool children_contains(pid_t pid) {
        return find(pid) != NULL;
}

bool children_is_helper(pid_t pid) {
        Child *c = find(pid);

        return c && c->kind == CHILD_HELPER;
}

/* Reap pid if it is a zombie. 1: reaped, 0: not a zombie (or not ours). */
static int reap_one(pid_t pid, children_reaped_t reaped, void *userdata) {
        siginfo_t si = {};

        if (waitid(P_PID, (id_t) pid, &si, WEXITED | WNOHANG) < 0)
                return errno == ECHILD ? 0 : -errno;
        if (si.si_pid == 0)
                return 0;
        if (reaped)
                reaped(si.si_pid, si.si_code, si.si_status, userdata);
        return 1;
}

/* Walk /proc/self/task/TID/children of every thread: zombies are listed
 * there until they are reaped. */
static int reap_listed(children_reaped_t reaped, void *userdata) {
        _cleanup_closedir_ DIR *d = opendir("/proc/self/task");
        struct dirent *de;
        int n = 0;

        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_free_ char *buf = NULL, *path = NULL;
                char *p, *e;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "/proc/self/task/%s/children", de->d_name) < 0)
                        return -ENOMEM;
                if (read_full_file_at(AT_FDCWD, path, 1 << 20, 0, &buf, NULL) < 0)
                        continue; /* the thread ended, or no CONFIG_PROC_CHILDREN */
                for (p = buf;; p = e) {
                        long v = strtol(p, &e, 10);
                        int r;
                        if (e == p)
                                break;
                        if (v <= 0 || children_contains((pid_t) v))
                                continue;
                        r = reap_one((pid_t) v, reaped, userdata);
                        if (r > 0)
                                n++;
                }
        }
        return n;
}

int children_reap_others(children_reaped_t reaped, void *userdata) {
        int n = 0, r;

        for (;;) {
                siginfo_t si = {};

                if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
                        if (errno == EINTR)
                                continue;
                        return errno == ECHILD ? n : -errno;
                }
                if (si.si_pid == 0)
                        return n; /* no zombie at all */
                if (children_contains(si.si_pid))
                        break; /* its owner's: look past it */
                r = reap_one(si.si_pid, reaped, userdata);
                if (r < 0)
                        return r;
                if (r == 0)
                        return n; /* gone meanwhile: nothing else to do now */
                n++;
        }
        r = reap_listed(reaped, userdata);
        return r < 0 ? r : n + r;
}
