/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Error messages handed back to the caller: modules that never log
 * (STYLE rule 3) describe a failure in a malloc'd *ret_error instead. */

#include "base/macro.h"

/* Set *ret_error to the message built from fmt (malloc'd; the caller
 * frees it) and return r, which may be any value: -EINVAL for a bad
 * value, 0 for "done, and the message says what went wrong". With
 * ret_error NULL the message is built and dropped. Returns -ENOMEM, with
 * *ret_error untouched, when the message cannot be built. */
int error_setf(char **ret_error, int r, const char *fmt, ...) _printf_(3, 4);
