/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/error-util.h"

int error_setf(char **ret_error, int r, const char *fmt, ...) {
        va_list ap;
        char *m;
        int k;

        va_start(ap, fmt);
        k = vasprintf(&m, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        if (ret_error)
                *ret_error = m;
        else
                free(m);
        return r;
}
