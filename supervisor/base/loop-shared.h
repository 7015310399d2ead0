/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One object per sd-event loop, shared by its users with a count: the
 * sample timer (watch/sampler.c) and the FdSet (base/fdset.c). The object
 * embeds a LoopShared as its first member; the module keeps the list of
 * them, one per loop. */

#include <stdbool.h>
#include <stddef.h>

#include <systemd/sd-event.h>

typedef struct LoopShared LoopShared;
struct LoopShared {
        LoopShared *next; /* the objects of other loops */
        unsigned n_ref;
        sd_event *event;
};

/* The object of event in list, with one more reference; NULL: none yet. */
static inline LoopShared *loop_shared_get(LoopShared *list, sd_event *event) {
        for (LoopShared *o = list; o; o = o->next)
                if (o->event == event) {
                        o->n_ref++;
                        return o;
                }
        return NULL;
}

/* A new object o of event into *list, with its first reference. */
static inline void loop_shared_add(LoopShared **list, LoopShared *o, sd_event *event) {
        o->event = sd_event_ref(event);
        o->n_ref = 1;
        o->next = *list;
        *list = o;
}

/* Drop a reference; true when it was the last: o is out of *list and holds
 * no loop any more (the caller frees what it holds, and o). */
static inline bool loop_shared_put(LoopShared **list, LoopShared *o) {
        if (!o || --o->n_ref > 0)
                return false;
        for (LoopShared **p = list; *p; p = &(*p)->next)
                if (*p == o) {
                        *p = o->next;
                        break;
                }
        o->event = sd_event_unref(o->event);
        return true;
}
