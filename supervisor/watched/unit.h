/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A systemd unit, for [watch:NAME] unit = NAME.service: its cgroup's path,
 * asked of systemd over D-Bus (the system bus, or systemd's private socket
 * /run/systemd/private when no bus runs, as systemctl does as root), and
 * the restart, stop and start of the unit through systemd (RestartUnit,
 * StopUnit, StartUnit, mode "replace"), asynchronously on the event loop. */

#include <systemd/sd-event.h>

typedef struct UnitCtl UnitCtl;

/* Connect and ask for the unit's cgroup: its ControlGroup when it is
 * active, else the path its Slice gives (/system.slice/NAME.service),
 * where systemd makes it at the next start. Returns 0, or -errno with a
 * message in *ret_error (malloc'd). */
int unit_ctl_new(sd_event *event, const char *unit, UnitCtl **ret, char **ret_path, char **ret_error);
UnitCtl *unit_ctl_free(UnitCtl *u);

/* Ask systemd to restart / stop / start the unit; the job runs in
 * systemd, its result is logged. Returns 0 or -errno (logged). */
int unit_ctl_restart(UnitCtl *u);
int unit_ctl_stop(UnitCtl *u);
int unit_ctl_start(UnitCtl *u);

/* "a-b.slice" -> "/a.slice/a-b.slice" (systemd's slice nesting), for the
 * path of an inactive unit; "-.slice" is the root. Pure. Returns a
 * malloc'd path or NULL. */
char *unit_slice_path(const char *slice);
