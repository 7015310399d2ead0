/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sd_notify from the service (service.h): READY=1 makes it running,
 * WATCHDOG=1 keeps it from `hang`, STATUS= is kept; a missed watchdog is
 * an observation for its guard. */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>

#include "base/fs-util.h"
#include "base/log.h"
#include "base/units.h"
#include "service/notify-socket.h"
#include "service/service.h"

static bool notify_authorize(void *userdata, pid_t pid) {
        Service *s = userdata;
        if (pid == s->main_pid)
                return true;
        return cg_service_contains_pid(s->cg, pid) > 0;
}

static int on_watchdog(sd_event_source *src, uint64_t usec, void *userdata) {
        Service *s = userdata;
        char what[200], b[UNIT_SIZE_MAX];
        if (s->main_pid <= 0)
                return 0;
        /* A hang that lasts is observed again every watchdog period (the
         * policy's cooldown decides what runs): the actions of the first
         * one may have been dropped. Armed before the actions run, which
         * may stop the service and disarm it. */
        s->watchdog_missed++;
        (void) sd_event_source_set_time_relative(src, s->cfg->watchdog);
        (void) sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
        if (s->watchdog_missed == 1)
                snprintf(what, sizeof what, "no WATCHDOG=1 for watchdog (%s)",
                         unit_format_duration(b, s->cfg->watchdog));
        else
                snprintf(what, sizeof what, "still no WATCHDOG=1 after %u x watchdog (%s)",
                         s->watchdog_missed, unit_format_duration(b, s->cfg->watchdog));
        log_warning("Observation hang for '%s': %s.", s->cfg->name, what);
        guard_report(s->guard, EVENT_HANG, what, false);
        return 0;
}

void service_watchdog_arm(Service *s) {
        if (s->cfg->watchdog == 0 || !s->notify)
                return;
        s->watchdog_missed = 0;
        if (!s->watchdog_timer) {
                if (sd_event_add_time_relative(s->ctx->event, &s->watchdog_timer, CLOCK_MONOTONIC,
                                               s->cfg->watchdog, 10 * USEC_PER_MSEC, on_watchdog, s) >= 0)
                        (void) sd_event_source_set_description(s->watchdog_timer, "service-watchdog");
                return;
        }
        (void) sd_event_source_set_time_relative(s->watchdog_timer, s->cfg->watchdog);
        (void) sd_event_source_set_enabled(s->watchdog_timer, SD_EVENT_ONESHOT);
}

/* What a service says through sd_notify is logged at most
 * NOTIFY_LOG_BURST times per NOTIFY_LOG_INTERVAL (a service sending
 * READY=1 in a loop made 190 000 lines in 30 s); the rest at debug level,
 * and their count in one line when the next interval begins. */
#define NOTIFY_LOG_INTERVAL (10 * USEC_PER_SEC)
#define NOTIFY_LOG_BURST 20

static void on_notify(NotifySocket *ns, const NotifyMessage *m, pid_t pid, void *userdata) {
        Service *s = userdata;
        unsigned suppressed;
        bool loud = log_ratelimit(&s->notify_log, NOTIFY_LOG_INTERVAL, NOTIFY_LOG_BURST, &suppressed);

        if (suppressed > 0)
                log_info("Service '%s': %u sd_notify message(s) not logged in the last %llus (sent in a "
                         "loop?).",
                         s->cfg->name, suppressed,
                         (unsigned long long) (NOTIFY_LOG_INTERVAL / USEC_PER_SEC));
        if (m->have & NOTIFY_HAVE_STATUS) {
                free(s->status_text);
                s->status_text = strndup(m->status, 255);
                if (!s->status_text)
                        (void) log_oom();
                log_debug("Service '%s': STATUS=%s", s->cfg->name, m->status);
        }
        if (m->stopping)
                log_full(loud ? LOG_INFO : LOG_DEBUG, "Service '%s' is stopping (STOPPING=1).",
                         s->cfg->name);
        if (m->watchdog_trigger) {
                char what[64];
                snprintf(what, sizeof what, "WATCHDOG=trigger from pid %d", (int) pid);
                log_full(loud ? LOG_WARNING : LOG_DEBUG, "Observation hang for '%s': %s.", s->cfg->name,
                         what);
                guard_report(s->guard, EVENT_HANG, what, !loud);
        } else if (m->watchdog)
                service_watchdog_arm(s);
        if (m->ready) {
                log_full(loud ? LOG_INFO : LOG_DEBUG, "Service '%s' is ready (READY=1 from pid %d).",
                         s->cfg->name, (int) pid);
                /* the watchdog runs from readiness */
                service_watchdog_arm(s);
                (void) service_request(s, SVC_EV_READY); /* may settle the service: last */
        }
}

int service_setup_notify(Service *s) {
        _cleanup_free_ char *dir = NULL;
        int r;
        if (s->notify || (s->cfg->ready != READY_NOTIFY && s->cfg->watchdog == 0))
                return 0;
        if (!s->ctx->config->state_dir || asprintf(&dir, "%s/notify", s->ctx->config->state_dir) < 0)
                return log_oom();
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Service '%s': cannot create %s: %m", s->cfg->name, dir);
        r = notify_socket_new(s->ctx->event, dir, s->cfg->name, notify_authorize, on_notify, s, &s->notify);
        if (r < 0)
                return log_error_errno(r, "Service '%s': cannot create its notify socket in %s: %m",
                                       s->cfg->name, dir);
        return 0;
}

bool service_waits_for_ready(const Service *s) {
        return s->cfg->ready == READY_NOTIFY && s->notify;
}

/* NOTIFY_SOCKET (and WATCHDOG_USEC) for a service with a notify socket */
int service_notify_env(const Service *s, char ***env) {
        char buf[PATH_MAX + 32];
        int r;

        if (!s->notify)
                return 0;
        snprintf(buf, sizeof buf, "NOTIFY_SOCKET=%s", notify_socket_path(s->notify));
        r = env_set(env, buf);
        if (r >= 0 && s->cfg->watchdog > 0) {
                snprintf(buf, sizeof buf, "WATCHDOG_USEC=%" PRIu64, (uint64_t) s->cfg->watchdog);
                r = env_set(env, buf);
        }
        return r;
}
