/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The child processes cgwarden waits for itself, and the reaper of the
 * others.
 *
 * As PID 1 (a container's entrypoint) cgwarden inherits every orphan of
 * its pid namespace; nobody waits for them, and their zombies would fill
 * the process table. children_reap_others() reaps every zombie child that
 * is not registered here, and never one that is: a registered child's
 * status belongs to its owner (an sd-event child source, a waitpid()), and
 * reaping it first would lose it, or make the owner's waitid() fail.
 *
 * Whoever forks registers the child in the parent before it returns to
 * the event loop (the reaper runs only from the loop, so there is no
 * window), and forgets it once it has reaped it. The set is process-wide,
 * as the children are. Not for use in a forked child. */

#include <stdbool.h>
#include <sys/types.h>

typedef enum ChildKind {
        CHILD_SERVICE, /* a service's main process */
        CHILD_HELPER, /* cgwarden's own: a capture or attach helper, notify_exec */
} ChildKind;

/* Register pid as a child its owner waits for. Returns 0 or -ENOMEM (the
 * child is then not protected: the caller may kill and reap it). */
int children_add(pid_t pid, ChildKind kind);
/* Forget pid (reaped by its owner). Unknown pids are ignored. */
void children_forget(pid_t pid);
bool children_contains(pid_t pid);
/* A registered CHILD_HELPER: in cgwarden's own cgroup (a container's
 * entrypoint) it is not one of the service's processes, and is not
 * signalled or killed with them. */
bool children_is_helper(pid_t pid);

/* Called for each zombie reaped, with waitid()'s si_code and si_status:
 * code CLD_EXITED and an exit status, or CLD_KILLED/CLD_DUMPED and a
 * signal. */
typedef void (*children_reaped_t)(pid_t pid, int code, int status, void *userdata);

/* Reap every zombie child that is not registered, without blocking.
 * Zombies are found with waitid(P_ALL, ..., WNOWAIT); a registered one
 * hides the others behind it, so then the list of our children
 * (/proc/self/task/TID/children) is walked as well. reaped may be NULL.
 * Returns how many were reaped, or -errno. */
int children_reap_others(children_reaped_t reaped, void *userdata);
