/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "base/fdset.h"
#include "base/loop-shared.h"
#include "base/macro.h"

/* ready entries taken per wake-up, so that one busy fd cannot hold the
 * loop (the rest come at the next iteration: level-triggered) */
#define FDSET_PER_WAKEUP 64

struct FdSet {
        LoopShared ls; /* first: one set per loop */
        sd_event_source *io;
        int epfd;
};

static LoopShared *sets;

static int on_ready(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        /* one at a time: a callback may remove (and free) any other entry */
        for (unsigned i = 0; i < FDSET_PER_WAKEUP; i++) {
                struct epoll_event ev;
                FdSetEntry *e;
                int n = epoll_wait(fd, &ev, 1, 0);

                if (n <= 0)
                        break;
                e = ev.data.ptr;
                e->fn(e, e->fd, ev.events);
        }
        return 0;
}

int fdset_acquire(sd_event *event, FdSet **ret) {
        FdSet *s;
        int r;

        s = (FdSet *) loop_shared_get(sets, event);
        if (s) {
                *ret = s;
                return 0;
        }
        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (s->epfd < 0) {
                r = -errno;
                free(s);
                return r;
        }
        r = sd_event_add_io(event, &s->io, s->epfd, EPOLLIN, on_ready, s);
        if (r < 0) {
                close(s->epfd);
                free(s);
                return r;
        }
        (void) sd_event_source_set_description(s->io, "fdset");
        loop_shared_add(&sets, &s->ls, event);
        *ret = s;
        return 0;
}

FdSet *fdset_release(FdSet *s) {
        if (!s || !loop_shared_put(&sets, &s->ls))
                return NULL;
        sd_event_source_disable_unref(s->io);
        close(s->epfd);
        free(s);
        return NULL;
}

int fdset_add(FdSet *s, FdSetEntry *e, int fd, uint32_t events, fdset_fn fn) {
        struct epoll_event ev = { .events = events, .data.ptr = e };

        if (!s || !e || fd < 0 || !fn || fdset_entry_added(e))
                return -EINVAL;
        if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
                return -errno;
        e->fd = fd;
        e->fn = fn;
        return 0;
}

void fdset_remove(FdSet *s, FdSetEntry *e) {
        if (!s || !e || !fdset_entry_added(e))
                return;
        (void) epoll_ctl(s->epfd, EPOLL_CTL_DEL, e->fd, NULL);
        e->fd = -EBADF;
}
