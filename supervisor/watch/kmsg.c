/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel's OOM report read from /dev/kmsg (oom-report.h). */
#include <fcntl.h>
#include <unistd.h>

#include "base/macro.h"
#include "watch/oom-report.h"

int oom_report_read_kmsg(const char *cgpath, char **ret, char **ret_killed) {
        _cleanup_close_ int fd = -EBADF;
        OomReportParser *p = NULL;
        const char *text, *killed = NULL;
        char rec[8192];
        int r;

        fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = oom_report_parser_new(cgpath, OOM_REPORT_MAX, &p);
        if (r < 0)
                return r;
        for (unsigned i = 0; i < 1000000; i++) {
                ssize_t k = read(fd, rec, sizeof rec);

                if (k < 0) {
                        if (errno == EPIPE) /* overwritten while reading: go on */
                                continue;
                        break; /* EAGAIN: the end */
                }
                oom_report_feed(p, rec, (size_t) k);
        }
        text = oom_report_get(p, &killed);
        r = -ENOENT;
        if (text) {
                *ret = strdup(text);
                *ret_killed = strdup(killed ?: "");
                r = *ret && *ret_killed ? 0 : -ENOMEM;
                if (r < 0) {
                        *ret = mfree(*ret);
                        *ret_killed = mfree(*ret_killed);
                }
        }
        oom_report_parser_free(p);
        return r;
}
