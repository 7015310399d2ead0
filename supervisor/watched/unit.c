/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-bus.h>

#include "base/error-util.h"
#include "base/log.h"
#include "base/macro.h"
#include "watched/unit.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define SD_UNIT "org.freedesktop.systemd1.Unit"
/* systemd answers its own bus calls at once; a hung one is a broken PID 1 */
#define BUS_TIMEOUT (5 * USEC_PER_SEC)

struct UnitCtl {
        sd_event *event;
        sd_bus *bus;
        char *unit;
        char what[3][320]; /* "stop of NAME", "restart of NAME", "start of NAME": the replies' userdata */
};

char *unit_slice_path(const char *slice) {
        size_t n = strlen(slice ?: "");
        char *p, *o;

        if (!slice || n < 7 || strcmp(slice + n - 6, ".slice") != 0)
                return NULL;
        if (streq(slice, "-.slice"))
                return strdup("/");
        /* each '-' in the name ends a parent: a-b-c.slice is in
         * a-b.slice, in a.slice */
        size_t size = n + 2;
        for (size_t i = 0; i < n - 6; i++)
                if (slice[i] == '-')
                        size += i + strlen("/.slice");
        p = o = malloc(size);
        if (!p)
                return NULL;
        for (size_t i = 0; i < n - 6; i++)
                if (slice[i] == '-')
                        o += sprintf(o, "/%.*s.slice", (int) i, slice);
        (void) sprintf(o, "/%s", slice);
        return p;
}

static int bus_connect(sd_bus **ret) {
        sd_bus *b = NULL;
        int r;

        r = sd_bus_open_system(&b);
        if (r >= 0) {
                *ret = b;
                return 0;
        }
        /* as root without a bus daemon: systemd's own socket */
        r = sd_bus_new(&b);
        if (r < 0)
                return r;
        r = sd_bus_set_address(b, "unix:path=/run/systemd/private");
        if (r >= 0)
                r = sd_bus_start(b);
        if (r < 0) {
                sd_bus_unref(b);
                return r;
        }
        *ret = b;
        return 0;
}

static int get_unit_string(UnitCtl *u, const char *object, const char *iface, const char *prop, char **ret,
                           sd_bus_error *e) {
        return sd_bus_get_property_string(u->bus, SD_DEST, object, iface, prop, e, ret);
}

int unit_ctl_new(sd_event *event, const char *unit, UnitCtl **ret, char **ret_path, char **ret_error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_free_ char *cg = NULL, *slice = NULL;
        const char *object;
        UnitCtl *u;
        int r;

        u = calloc(1, sizeof *u);
        if (!u)
                return -ENOMEM;
        u->event = event;
        u->unit = strdup(unit);
        if (!u->unit) {
                unit_ctl_free(u);
                return -ENOMEM;
        }
        r = bus_connect(&u->bus);
        if (r < 0) {
                unit_ctl_free(u);
                return error_setf(ret_error, r,
                                  "cannot talk to systemd (no system bus, no /run/systemd/private): %s",
                                  strerror(-r));
        }
        (void) sd_bus_set_method_call_timeout(u->bus, BUS_TIMEOUT);
        /* LoadUnit: also a unit that is not running now */
        r = sd_bus_call_method(u->bus, SD_DEST, SD_PATH, SD_MANAGER, "LoadUnit", &e, &reply, "s", unit);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &object);
        if (r < 0) {
                r = error_setf(ret_error, r, "systemd cannot load unit %s: %s", unit,
                               e.message ?: strerror(-r));
                unit_ctl_free(u);
                return r;
        }
        {
                /* its type's interface holds ControlGroup and Slice */
                const char *dot = strrchr(unit, '.');
                char iface[64];

                snprintf(iface, sizeof iface, "org.freedesktop.systemd1.%s",
                         dot && streq(dot, ".scope") ? "Scope" : "Service");
                (void) get_unit_string(u, object, iface, "ControlGroup", &cg, &e);
                if (!cg || !*cg) {
                        r = get_unit_string(u, object, iface, "Slice", &slice, &e);
                        if (r >= 0 && slice && *slice) {
                                _cleanup_free_ char *sp = unit_slice_path(slice);
                                free(cg);
                                cg = NULL;
                                if (sp && asprintf(&cg, "%s/%s", streq(sp, "/") ? "" : sp, unit) < 0)
                                        cg = NULL;
                        }
                }
        }
        if (!cg || !*cg) {
                unit_ctl_free(u);
                return error_setf(ret_error, -ENOENT, "systemd gave no cgroup for unit %s", unit);
        }
        r = sd_bus_attach_event(u->bus, event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                unit_ctl_free(u);
                return error_setf(ret_error, r, "cannot attach the bus to the event loop: %s", strerror(-r));
        }
        *ret_path = TAKE_PTR(cg);
        *ret = u;
        return 0;
}

UnitCtl *unit_ctl_free(UnitCtl *u) {
        if (!u)
                return NULL;
        sd_bus_flush_close_unref(u->bus);
        free(u->unit);
        free(u);
        return NULL;
}

static int on_job(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *what = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(m);

        if (e)
                log_warning("systemd refused %s: %s", what, e->message ?: e->name);
        else
                log_info("systemd queued %s.", what);
        return 0;
}

/* The bus closes when its daemon restarts (or systemd re-executes): a
 * job asked later connects again. */
static int bus_reopen(UnitCtl *u) {
        sd_bus *b = NULL;
        int r;

        if (sd_bus_is_open(u->bus) > 0)
                return 0;
        r = bus_connect(&b);
        if (r >= 0)
                r = sd_bus_attach_event(b, u->event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0) {
                sd_bus_unref(b);
                return r;
        }
        (void) sd_bus_set_method_call_timeout(b, BUS_TIMEOUT);
        sd_bus_flush_close_unref(u->bus);
        u->bus = b;
        return 0;
}

static int job(UnitCtl *u, const char *method, const char *what) {
        char *t = u->what[streq(method, "RestartUnit") ? 1 : streq(method, "StartUnit") ? 2 : 0];
        int r;

        (void) snprintf(t, sizeof u->what[0], "%s of %s", what, u->unit);
        r = bus_reopen(u);
        if (r < 0)
                return log_error_errno(r, "Cannot ask systemd for the %s: no bus: %m", t);
        r = sd_bus_call_method_async(u->bus, NULL, SD_DEST, SD_PATH, SD_MANAGER, method, on_job, t, "ss",
                                     u->unit, "replace");
        if (r < 0)
                return log_error_errno(r, "Cannot ask systemd for the %s: %m", t);
        log_notice("Asking systemd for the %s.", t);
        return 0;
}

int unit_ctl_restart(UnitCtl *u) {
        return job(u, "RestartUnit", "restart");
}

int unit_ctl_stop(UnitCtl *u) {
        return job(u, "StopUnit", "stop");
}

int unit_ctl_start(UnitCtl *u) {
        return job(u, "StartUnit", "start");
}
