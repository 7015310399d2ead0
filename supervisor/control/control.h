/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The control socket: $state_dir/control.sock, a UNIX stream socket, mode
 * 0660 with group control_group (0600 when unset: root only). Each
 * connection is authorised by SO_PEERCRED (root, or a process whose groups
 * include control_group; anyone else gets an error reply, and the attempt
 * is logged), then carries one request and one reply, each one JSON object
 * on one line:
 *
 *   {"command": "status"}                    {"ok": true, "services": [...]}
 *   {"command": "status", "service": "web"}  the same with one service
 *   {"command": "capture", "service": "web"} {"ok": true, "capture": PATH, "complete": true}
 *                                            (sent when the capture is finished)
 *   {"command": "start"|"stop"|"restart", "service": "web"}
 *                                            {"ok": true, "state": "running"}
 *   {"command": "reload"}                    {"ok": true}
 *   anything else, malformed, oversized      {"ok": false, "error": "..."}
 *
 * Clients are served from the event loop without blocking it (non-blocking
 * reads and writes, a deadline per client, a cap on clients). The fields of
 * a service's status are documented in the README ("Status"). */

#include <stdbool.h>

#include <json-c/json.h>

#include "base/json-util.h"
#include "base/macro.h"

#include <systemd/sd-event.h>

typedef struct Service Service;
typedef struct Watched Watched;
typedef struct WatchRule WatchRule;
typedef struct ServiceStatus ServiceStatus;
typedef struct Control Control;

/* What the control socket asks of its owner. */
typedef struct ControlOps {
        /* the i-th service, NULL past the last */
        Service *(*service_at)(void *userdata, size_t i);
        /* the i-th [watch:NAME] section at work, NULL past the last (its
         * watched cgroups: watch_rule_next()); the op may be NULL */
        WatchRule *(*rule_at)(void *userdata, size_t i);
        /* reload the configuration: 0, -ENOENT when there is no file to
         * reload (exec mode), or -errno (logged by the owner) */
        int (*reload)(void *userdata);
} ControlOps;

#define CONTROL_SOCKET_NAME "control.sock"
#define CONTROL_REQUEST_MAX (64 * 1024)
#define CONTROL_CLIENTS_MAX 256
/* A uid may hold at most this many connections: idle connections of one
 * user cannot lock out root. */
#define CONTROL_CLIENTS_PER_UID 32
/* A client has this long to deliver its request after connecting, and
 * then this long to read the reply (a capture's wait is capture_timeout). */
#define CONTROL_REQUEST_TIMEOUT_USEC (1 * USEC_PER_SEC)
#define CONTROL_CLIENT_TIMEOUT_USEC (5 * USEC_PER_SEC)

/* Create the socket under state_dir (NULL: none, *ret stays NULL); members
 * of control_group (NULL: root only) may use it. Returns 0 or -errno
 * (logged). */
int control_new(sd_event *event, const char *state_dir, const char *control_group, const ControlOps *ops,
                void *userdata, Control **ret);
Control *control_free(Control *c);
static inline void control_freep(Control **c) {
        *c = control_free(*c);
}

/* One service's status (service_get_status) as JSON: the fields of
 * `cgwarden status --json`. */
json_object *control_service_json(const Service *s);
/* The same from a snapshot (a service's or a watched cgroup's). */
json_object *control_status_json(const ServiceStatus *st);
