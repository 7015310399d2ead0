/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Many fds behind one sd-event source. Each sd-event io source costs ~300
 * bytes of heap (the source and its bookkeeping), and a guarded service had
 * four that only ever need "this fd is readable, call me": its stdout and
 * stderr pipes and, on cgroup v1, the usage-threshold and OOM eventfds.
 * Those fds go into one epoll instance of our own, itself watched by one
 * sd-event io source per loop; an entry is the caller's (embedded, no
 * allocation), ~16 bytes (issue #17: <= 10 KB per added service).
 *
 * Level-triggered, as sd-event's io sources are: an entry fires again at
 * the next loop iteration while its fd stays readable. One wake-up takes
 * the ready entries one epoll_wait() at a time, so a callback may remove
 * any entry, another one or its own, and free it. Only for fds whose
 * readiness is a plain state (pipes, eventfds): not for a PSI trigger,
 * whose event a nested epoll would consume while looking.
 *
 * Shared by every user of one sd_event (acquire/release), as sampler.h. */

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

typedef struct FdSet FdSet;
typedef struct FdSetEntry FdSetEntry;

typedef void (*fdset_fn)(FdSetEntry *e, int fd, uint32_t revents);

struct FdSetEntry {
        int fd; /* -EBADF: not in a set */
        fdset_fn fn;
};

#define FDSET_ENTRY_INIT \
        { .fd = -EBADF }

int fdset_acquire(sd_event *event, FdSet **ret);
FdSet *fdset_release(FdSet *s);

/* Watch fd (not taken: the caller closes it, after fdset_remove()) for
 * events (EPOLLIN ...). Returns 0 or -errno (e is then not in the set). */
int fdset_add(FdSet *s, FdSetEntry *e, int fd, uint32_t events, fdset_fn fn);
/* Take e out of the set; nothing if it is not in one. */
void fdset_remove(FdSet *s, FdSetEntry *e);
static inline bool fdset_entry_added(const FdSetEntry *e) {
        return e->fd >= 0;
}
