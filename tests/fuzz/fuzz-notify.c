/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* notify_parse() (notify-socket.h): what a service, or anything that can
 * reach its NOTIFY_SOCKET, sends. Beyond "no crash" and "no read past n"
 * (the input is an exactly sized buffer under ASan), checks what callers
 * rely on: ret untouched on failure, the documented error codes, `have`
 * within its bits and absent fields zero, numbers in range, and a STATUS
 * text that is NUL-terminated, within its cap, free of control characters
 * and valid UTF-8 (escaping it again changes nothing); and the same answer
 * when bytes follow the buffer that would change it if read. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/notify-socket.h"
#include "fuzz-check.h"

#define HAVE_ALL                                                                                    \
        (NOTIFY_HAVE_STATUS | NOTIFY_HAVE_MAINPID | NOTIFY_HAVE_ERRNO | NOTIFY_HAVE_WATCHDOG_USEC | \
         NOTIFY_HAVE_EXTEND_TIMEOUT_USEC)

static const char tail[] = "9\nREADY=1\nSTATUS=TAIL\nMAINPID=x\n";

static bool message_equal(const NotifyMessage *a, const NotifyMessage *b) {
        return a->ready == b->ready && a->stopping == b->stopping && a->reloading == b->reloading &&
               a->watchdog == b->watchdog && a->watchdog_trigger == b->watchdog_trigger &&
               a->have == b->have && a->mainpid == b->mainpid && a->errno_value == b->errno_value &&
               a->watchdog_usec == b->watchdog_usec && a->extend_timeout_usec == b->extend_timeout_usec &&
               strcmp(a->status, b->status) == 0;
}

static void check_status(const NotifyMessage *m) {
        static char again[sizeof("STATUS=") + NOTIFY_STATUS_MAX];
        const unsigned char *s = (const unsigned char *) m->status;
        NotifyMessage e;
        size_t len;

        CHECK(memchr(m->status, '\0', sizeof(m->status)));
        len = strlen(m->status);
        CHECK(len <= NOTIFY_STATUS_MAX);
        if (!(m->have & NOTIFY_HAVE_STATUS))
                CHECK(len == 0);
        for (size_t i = 0; i < len; i++)
                CHECK(s[i] >= 0x20 && s[i] != 0x7f);

        /* printable ASCII and valid UTF-8 without C1 escape to themselves */
        if (len == 0)
                return;
        memcpy(again, "STATUS=", 7);
        memcpy(again + 7, m->status, len);
        CHECK(notify_parse(again, 7 + len, &e) == 0);
        CHECK(strcmp(e.status, m->status) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        NotifyMessage m, t, before;
        char *buf, *big;
        int r, q;

        if (size > 2 * NOTIFY_DATAGRAM_MAX)
                return 0;

        /* exactly sized: ASan reports any read past size */
        buf = malloc(size ? size : 1);
        big = malloc(size + sizeof(tail));
        if (!buf || !big) {
                free(buf);
                free(big);
                return 0;
        }
        memcpy(buf, data, size);
        memcpy(big, data, size);
        memcpy(big + size, tail, sizeof(tail));

        memset(&m, 0xa5, sizeof(m));
        memcpy(&before, &m, sizeof(m));
        r = notify_parse(buf, size, &m);
        if (size > NOTIFY_DATAGRAM_MAX)
                CHECK(r == -EMSGSIZE);
        if (r < 0) {
                CHECK(r == -EBADMSG || r == -ERANGE || r == -EMSGSIZE);
                CHECK(memcmp(&m, &before, sizeof(m)) == 0);
        } else {
                CHECK(r == 0);
                CHECK(size > 0 && !memchr(buf, '\0', size));
                CHECK((m.have & ~(uint32_t) HAVE_ALL) == 0);
                if (m.have & NOTIFY_HAVE_MAINPID)
                        CHECK(m.mainpid >= 1 && m.mainpid <= NOTIFY_PID_MAX);
                else
                        CHECK(m.mainpid == 0);
                CHECK(m.errno_value >= 0 && m.errno_value <= 4095);
                if (!(m.have & NOTIFY_HAVE_ERRNO))
                        CHECK(m.errno_value == 0);
                if (!(m.have & NOTIFY_HAVE_WATCHDOG_USEC))
                        CHECK(m.watchdog_usec == 0);
                if (!(m.have & NOTIFY_HAVE_EXTEND_TIMEOUT_USEC))
                        CHECK(m.extend_timeout_usec == 0);
                check_status(&m);
        }

        memset(&t, 0x5a, sizeof(t));
        q = notify_parse(big, size, &t);
        CHECK(q == r);
        if (r == 0)
                CHECK(message_equal(&m, &t));

        free(buf);
        free(big);
        return 0;
}
