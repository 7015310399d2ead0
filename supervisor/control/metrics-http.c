/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "base/log.h"
#include "control/metrics-http.h"
#include "control/metrics.h"
#include "service/status.h"

/* libmicrohttpd is dlopen()ed when metrics_listen is set, as systemd loads
 * its optional libraries: it pulls a TLS stack (gnutls, p11-kit, nettle,
 * gmp, idn2, ...: 10 shared objects) that a daemon without metrics_listen
 * and every CLI call would otherwise map for nothing. */
#define MHD_SONAME "libmicrohttpd.so.12"
static typeof(MHD_add_connection) *sym_MHD_add_connection;
static typeof(MHD_add_response_header) *sym_MHD_add_response_header;
static typeof(MHD_create_response_from_buffer) *sym_MHD_create_response_from_buffer;
static typeof(MHD_destroy_response) *sym_MHD_destroy_response;
static typeof(MHD_get_daemon_info) *sym_MHD_get_daemon_info;
static typeof(MHD_get_timeout) *sym_MHD_get_timeout;
static typeof(MHD_queue_response) *sym_MHD_queue_response;
static typeof(MHD_run) *sym_MHD_run;
static typeof(MHD_start_daemon) *sym_MHD_start_daemon;
static typeof(MHD_stop_daemon) *sym_MHD_stop_daemon;

static int mhd_load(void) {
        static void *dl;
        const struct {
                const char *name;
                void **fn;
        } syms[] = {
                { "MHD_add_connection", (void **) &sym_MHD_add_connection },
                { "MHD_add_response_header", (void **) &sym_MHD_add_response_header },
                { "MHD_create_response_from_buffer", (void **) &sym_MHD_create_response_from_buffer },
                { "MHD_destroy_response", (void **) &sym_MHD_destroy_response },
                { "MHD_get_daemon_info", (void **) &sym_MHD_get_daemon_info },
                { "MHD_get_timeout", (void **) &sym_MHD_get_timeout },
                { "MHD_queue_response", (void **) &sym_MHD_queue_response },
                { "MHD_run", (void **) &sym_MHD_run },
                { "MHD_start_daemon", (void **) &sym_MHD_start_daemon },
                { "MHD_stop_daemon", (void **) &sym_MHD_stop_daemon },
        };

        if (dl)
                return 0;
        dl = dlopen(MHD_SONAME, RTLD_NOW | RTLD_NODELETE);
        if (!dl)
                return log_error_errno(-EOPNOTSUPP,
                                       "metrics_listen: cannot load %s (package libmicrohttpd12): %s",
                                       MHD_SONAME, dlerror());
        for (size_t i = 0; i < ELEMENTSOF(syms); i++) {
                *syms[i].fn = dlsym(dl, syms[i].name);
                if (!*syms[i].fn) {
                        log_error("metrics_listen: %s has no %s.", MHD_SONAME, syms[i].name);
                        (void) dlclose(dl);
                        dl = NULL;
                        return -EOPNOTSUPP;
                }
        }
        return 0;
}

/* Connections: 64 in all, 8 per client address, 5 s to send a request.
 * The listening socket is ours, not libmicrohttpd's: with its own, once it
 * reached its connection limit it took the socket out of its epoll set
 * and never put it back, so the backlog (CLOSE-WAIT) grew and /metrics
 * never answered again (seen with 80 idle connections held past the
 * timeout). We accept as long as there are connections to accept and hand
 * each to sym_MHD_add_connection(), which applies the limits by closing what
 * is over them. */
#define METRICS_CONNECTIONS_MAX 64
#define METRICS_CONNECTIONS_PER_IP 8
#define METRICS_CONNECTION_TIMEOUT_S 5
#define METRICS_ACCEPT_PER_WAKEUP 64

struct MetricsHttp {
        int listen_fd;
        sd_event_source *listen_io;
        metrics_collect_t collect;
        void *userdata;
        struct MHD_Daemon *daemon;
        sd_event_source *io, *timer;
};

static void rearm(MetricsHttp *h) {
        MHD_UNSIGNED_LONG_LONG ms = 0;

        if (sym_MHD_get_timeout(h->daemon, &ms) == MHD_YES) {
                (void) sd_event_source_set_time_relative(h->timer, (usec_t) ms * USEC_PER_MSEC);
                (void) sd_event_source_set_enabled(h->timer, SD_EVENT_ONESHOT);
        } else
                (void) sd_event_source_set_enabled(h->timer, SD_EVENT_OFF);
}

static int on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        MetricsHttp *h = userdata;

        (void) sym_MHD_run(h->daemon);
        rearm(h);
        return 0;
}

static int on_listen(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        MetricsHttp *h = userdata;

        for (unsigned i = 0; i < METRICS_ACCEPT_PER_WAKEUP; i++) {
                struct sockaddr_storage sa;
                socklen_t len = sizeof sa;
                int cfd = accept4(fd, (struct sockaddr *) &sa, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (cfd < 0)
                        break; /* EAGAIN: all taken; else try at the next wakeup */
                /* over a limit, MHD closes it at once */
                (void) sym_MHD_add_connection(h->daemon, cfd, (const struct sockaddr *) &sa, len);
        }
        (void) sym_MHD_run(h->daemon);
        rearm(h);
        return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata) {
        return on_io(NULL, -1, 0, userdata);
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned code, const char *type, char *body,
                               size_t len) {
        struct MHD_Response *r = sym_MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
        enum MHD_Result ret;

        if (!r) {
                free(body);
                return MHD_NO;
        }
        (void) sym_MHD_add_response_header(r, "Content-Type", type);
        ret = sym_MHD_queue_response(conn, code, r);
        sym_MHD_destroy_response(r);
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

int metrics_http_new(sd_event *event, const char *address, metrics_collect_t collect, void *userdata,
                     MetricsHttp **ret) {
        struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM },
                        *ai = NULL;
        _cleanup_free_ char *host = NULL;
        const char *port;
        const union MHD_DaemonInfo *info;
        MetricsHttp *h;
        int r;

        r = mhd_load();
        if (r < 0)
                return r;
        port = strrchr(address, ':');
        if (!port || port == address)
                return log_error_errno(-EINVAL, "metrics_listen '%s': expected HOST:PORT", address);
        host = strndup(address, (size_t) (port - address));
        if (!host)
                return log_oom();
        if (host[0] == '[' && host[strlen(host) - 1] == ']') {
                memmove(host, host + 1, strlen(host));
                host[strlen(host) - 1] = 0;
        }
        r = getaddrinfo(host, port + 1, &hints, &ai);
        if (r != 0)
                return log_error_errno(-EINVAL, "metrics_listen '%s': %s", address, gai_strerror(r));
        h = calloc(1, sizeof *h);
        if (!h) {
                freeaddrinfo(ai);
                return log_oom();
        }
        h->listen_fd = -EBADF;
        h->collect = collect;
        h->userdata = userdata;
        h->listen_fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (h->listen_fd < 0 ||
            setsockopt(h->listen_fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int)) < 0 ||
            bind(h->listen_fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(h->listen_fd, 64) < 0) {
                r = -errno;
                freeaddrinfo(ai);
                metrics_http_free(h);
                return log_error_errno(r, "metrics_listen '%s': cannot listen there: %m", address);
        }
        freeaddrinfo(ai);
        h->daemon = sym_MHD_start_daemon(
                MHD_USE_EPOLL | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, handler, h,
                MHD_OPTION_CONNECTION_LIMIT, (unsigned) METRICS_CONNECTIONS_MAX,
                MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned) METRICS_CONNECTIONS_PER_IP,
                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned) METRICS_CONNECTION_TIMEOUT_S, MHD_OPTION_END);
        if (!h->daemon) {
                metrics_http_free(h);
                return log_error_errno(-EINVAL, "metrics_listen '%s': cannot start the HTTP server",
                                       address);
        }
        info = sym_MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_EPOLL_FD);
        r = info ? sd_event_add_io(event, &h->io, info->epoll_fd, EPOLLIN, on_io, h) : -EINVAL;
        if (r >= 0)
                r = sd_event_add_io(event, &h->listen_io, h->listen_fd, EPOLLIN, on_listen, h);
        if (r >= 0)
                r = sd_event_add_time_relative(event, &h->timer, CLOCK_MONOTONIC, USEC_PER_SEC,
                                               USEC_PER_MSEC, on_timer, h);
        if (r < 0) {
                metrics_http_free(h);
                return log_error_errno(r, "metrics_listen: %m");
        }
        (void) sd_event_source_set_description(h->io, "metrics-http");
        rearm(h);
        log_info("Metrics served on http://%s/metrics.", address);
        *ret = h;
        return 0;
}

MetricsHttp *metrics_http_free(MetricsHttp *h) {
        if (!h)
                return NULL;
        sd_event_source_disable_unref(h->io);
        sd_event_source_disable_unref(h->timer);
        sd_event_source_disable_unref(h->listen_io);
        if (h->daemon)
                sym_MHD_stop_daemon(h->daemon);
        safe_close(h->listen_fd);
        free(h);
        return NULL;
}
