/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <sys/types.h>

/* mkdir -p: the missing parents with 0755, the last component with mode.
 * Existing directories are left as they are. Returns 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);
