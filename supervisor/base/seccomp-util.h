/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Per-service syscall filters (libseccomp), systemd SystemCallFilter= style:
 *   "~@mount @reboot ptrace"  deny list (everything else allowed)
 *   "@basic-io read write"    allow list (everything else denied)
 * Denied calls fail with EPERM, or kill the process (kill = true).
 *
 * The filter is compiled to a BPF program in the parent (seccomp_compile),
 * so the forked child only needs prctl()/seccomp() without allocating:
 * seccomp_program_load(). */

#include <stdbool.h>
#include <stddef.h>

typedef struct SeccompProgram SeccompProgram;

/* Validate a filter string. Returns 0, or -EINVAL with a malloc'd message
 * naming the unknown syscall or group in *ret_error. Pure. */
int seccomp_filter_validate(const char *spec, char **ret_error);

/* Compile spec for the native architecture. no_new_privileges is applied
 * at load time regardless. Returns 0 and *ret, or -errno (ret_error set for
 * -EINVAL). A NULL/empty spec gives *ret = NULL (no filter). */
int seccomp_compile(const char *spec, bool kill, SeccompProgram **ret, char **ret_error);
SeccompProgram *seccomp_program_free(SeccompProgram *p);

/* In the child, right before execve: sets PR_SET_NO_NEW_PRIVS when
 * no_new_privs is true or when a program is given and the process lacks
 * CAP_SYS_ADMIN, then loads the program (p may be NULL). Async-signal-safe:
 * no allocation. Returns 0 or -errno. */
int seccomp_program_load(const SeccompProgram *p, bool no_new_privs);

/* Group names known ("@mount", ...), NULL-terminated, for docs/tests. */
const char *const *seccomp_group_names(void);
