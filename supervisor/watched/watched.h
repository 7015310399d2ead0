/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* One cgroup cgwarden did not start, guarded: a systemd unit's, a
 * container's, or any cgroup by path ([watch:NAME], discover.h finds
 * them). It owns a guard (guard.h) and answers what the guard asks of its
 * owner: the process is the cgroup's JVM (main-process.h), found again
 * when it exits, when the cgroup's population changes (v2) and, until a
 * JVM is found, at a backing-off interval; the guard may write the
 * cgroup's limits only with may_write = yes; kill kills every process of
 * the cgroup; restart and stop go to systemd for a unit (unit.h) and are
 * refused otherwise (whoever started it restarts it). cgwarden never moves a process into or out of a watched cgroup. */

#include <stdbool.h>

#include <systemd/sd-event.h>

#include "cgroup/cgroup.h"
#include "config/config.h"
#include "guard/guard.h"
#include "service/status.h"
#include "watched/main-process.h"
#include "watched/naming.h"
#include "watched/unit.h"

typedef struct Watched Watched;

/* What a watched cgroup gets from its owner, who keeps it alive as long
 * as its watched cgroups. changed() only queues work on the owner's loop. */
typedef struct WatchedContext {
        sd_event *event;
        CgContext *cg;
        const Config *config; /* capture_dir, capture_budget */
        CaptureLedger *host_ledger; /* the host's capture_budget ledger, shared */
        CaptureLedger *host_heap_ledger; /* the host's heap_dump_budget ledger, shared */
        void (*changed)(void *userdata); /* status, throttle or capture changed */
        void *userdata;
} WatchedContext;

/* A requested capture finished: path NULL when it failed or the cgroup
 * went first; path is valid during the call only. */
typedef void (*watched_capture_done_t)(void *userdata, Watched *w, const char *path, bool complete);

/* Open the cgroup at path and guard it under name, with the section's
 * keys (section outlives the result). -ENOENT: no such cgroup. */
int watched_new(const WatchedContext *ctx, const ServiceConfig *section, const char *name, const char *path,
                WatchedKind kind, Watched **ret);
/* A unit's: restart and stop go to systemd through u (which outlives w). */
void watched_set_unit(Watched *w, UnitCtl *u);
/* Accepts NULL. A requested capture still running is answered with NULL. */
Watched *watched_free(Watched *w);

const char *watched_name(const Watched *w);
const char *watched_path(const Watched *w);
WatchedKind watched_kind(const Watched *w);
const ServiceConfig *watched_section(const Watched *w);
/* The guard runs a capture now (the owner waits before freeing it when
 * its cgroup is gone, so that the capture ends with its manifest). */
bool watched_capturing(const Watched *w);
/* The cgroup was removed: nothing more is watched or scanned; the capture
 * running, if any, finishes with what it could read. */
void watched_set_gone(Watched *w);
/* The files whose IN_MODIFY tells that a process may have joined the
 * cgroup (cg_service_join_paths()): the owner watches them in its own
 * inotify instance (sd-event's holds an fd per watch until its loop turns,
 * thousands at once run out of fds), says so with set_join_notified, and
 * calls watched_joined() on each event. Until then an empty cgroup is
 * looked at every 2 s. */
int watched_join_paths(Watched *w, char *ret[static 3]);
void watched_set_join_notified(Watched *w, bool b);
void watched_joined(Watched *w);
bool watched_gone(const Watched *w);

void watched_get_status(const Watched *w, ServiceStatus *st);

/* `cgwarden capture NAME`: as guard_capture(). -ESRCH: no process. */
int watched_capture(Watched *w, const char *what, watched_capture_done_t done, void *userdata);

/* what `cgwarden start|stop|restart NAME` asks of a watched unit
 * (watch_rule_request() in discover.h) */
typedef enum WatchedRequest {
        WATCHED_START,
        WATCHED_STOP,
        WATCHED_RESTART,
} WatchedRequest;
