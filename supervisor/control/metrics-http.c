/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "base/log.h"
#include "control/metrics-http.h"
#include "control/metrics.h"
#include "service/status.h"

struct MetricsHttp {
        metrics_collect_t collect;
        void *userdata;
        struct MHD_Daemon *daemon;
        sd_event_source *io, *timer;
};

static void rearm(MetricsHttp *h) {
        MHD_UNSIGNED_LONG_LONG ms = 0;

        if (MHD_get_timeout(h->daemon, &ms) == MHD_YES) {
                (void) sd_event_source_set_time_relative(h->timer, (usec_t) ms * USEC_PER_MSEC);
                (void) sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
        } else
                (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        MetricsHttp *h = userdata;

        (void) MHD_run(h->daemon);
        rearm(h);
        return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        return on_io(NULL, -1, 0, userdata);
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned code, const char *type, char *body,
                               size_t len) {
        struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret;

        if (!r) {
                free(body);
                return MHD_NO;
        }
        (void) MHD_add_response_header(r, "Content-Type", type);
        ret = MHD_queue_response(conn, code, r);
        MHD_destroy_response(r);
        return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                               const char *version, const char *upload_data, size_t *upload_data_size,
                               void **con_cls) {
        MetricsHttp *h = cls;
        _cleanup_free_ ServiceStatus *st = NULL;
        char *body = NULL;
        size_t len = 0, n = 0;
        FILE *f;

        if (!streq(method, "GET") && !streq(method, "HEAD"))
                return respond(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", strdup("GET only\n"), 9);
        if (!streq(url, "/metrics") && !streq(url, "/"))
                return respond(conn, MHD_HTTP_NOT_FOUND, "text/plain", strdup("see /metrics\n"), 13);
        f = open_memstream(&body, &len);
        if (h->collect(h->userdata, &st, &n) < 0 || !f) {
                if (f)
                        fclose(f);
                free(body);
                return MHD_NO;
        }
        (void) metrics_format(st, n, now_usec(CLOCK_REALTIME), f);
        if (fclose(f) != 0) {
                free(body);
                return MHD_NO;
        }
        return respond(conn, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", body, len);
}

int metrics_http_new(sd_event *event, const char *listen, metrics_collect_t collect, void *userdata,
                     MetricsHttp **ret) {
        struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM },
                        *ai = NULL;
        _cleanup_free_ char *host = NULL;
        const char *port;
        const union MHD_DaemonInfo *info;
        MetricsHttp *h;
        int r;

        port = strrchr(listen, ':');
        if (!port || port == listen)
                return log_error_errno(-EINVAL, "metrics_listen '%s': expected HOST:PORT", listen);
        host = strndup(listen, (size_t) (port - listen));
        if (!host)
                return log_oom();
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
                memmove(host, host + 1, strlen(host));
                host[strlen(host) - 1] = 0;
        }
        r = getaddrinfo(host, port + 1, &hints, &ai);
        if (r != 0)
                return log_error_errno(-EINVAL, "metrics_listen '%s': %s", listen, gai_strerror(r));
        h = calloc(1, sizeof *h);
        if (!h) {
                freeaddrinfo(ai);
                return log_oom();
        }
        h->collect = collect;
        h->userdata = userdata;
        h->daemon = MHD_start_daemon(MHD_USE_EPOLL | (ai->ai_family == AF_INET6 ? MHD_USE_IPv6 : 0), 0, NULL,
                                     NULL, handler, h, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                                     MHD_OPTION_CONNECTION_LIMIT, (unsigned) 64,
                                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) 10, MHD_OPTION_END);
        freeaddrinfo(ai);
        if (!h->daemon) {
                free(h);
                return log_error_errno(-EADDRNOTAVAIL, "metrics_listen '%s': cannot listen there", listen);
        }
        info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        r = info ? sd_event_add_io(event, &h->io, info->epoll_fd, EPOLLIN, on_io, h) : -EINVAL;
        if (r >= 0)
                r = sd_event_add_time_relative(event, &h->timer, CLOCK_MONOTONIC, USEC_PER_SEC,
                                               USEC_PER_MSEC, on_timer, h);
        if (r < 0) {
                metrics_http_free(h);
                return log_error_errno(r, "metrics_listen: %m");
        }
        (void) sd_event_source_set_description(h->io, "metrics-http");
        rearm(h);
        log_info("Metrics served on http://%s/metrics.", listen);
        *ret = h;
        return 0;
}

MetricsHttp *metrics_http_free(MetricsHttp *h) {
        if (!h)
                return NULL;
        sd_event_source_disable_unref(h->io);
        sd_event_source_disable_unref(h->timer);
        if (h->daemon)
                MHD_stop_daemon(h->daemon);
        free(h);
        return NULL;
}
