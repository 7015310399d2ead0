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

typedef struct Manager Manager;
typedef struct Service Service;
typedef struct Control Control;

#define CONTROL_SOCKET_NAME "control.sock"
#define CONTROL_REQUEST_MAX (64 * 1024)
#define CONTROL_CLIENTS_MAX 256
#define CONTROL_CLIENT_TIMEOUT_USEC (30 * USEC_PER_SEC)

/* Create the socket under state_dir. Returns 0 or -errno (logged). */
int control_new(Manager *m, Control **ret);
Control *control_free(Control *c);
static inline void control_freep(Control **c) {
        *c = control_free(*c);
}

/* A capture of s finished (evidence.c): answer the clients waiting for it. */
void control_capture_done(Control *c, Service *s, const char *path, bool complete);

/* One service's status snapshot (status.h), and as JSON (the fields of `cgwarden status --json`). */
typedef struct ServiceStatus ServiceStatus;
void control_service_status(Service *s, ServiceStatus *st);
json_object *control_service_json(Service *s);
