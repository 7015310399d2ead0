/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* metrics_listen = HOST:PORT: the Prometheus exposition (metrics.h) served
 * over HTTP by libmicrohttpd at /metrics, driven from cgwarden's own
 * event loop (MHD's epoll mode, no thread: cgwarden forks helpers, which a
 * second thread holding a lock would make unsafe). */

#include <stddef.h>

#include <systemd/sd-event.h>

typedef struct MetricsHttp MetricsHttp;
typedef struct ServiceStatus ServiceStatus;

/* The owner's snapshot of every service for one scrape: *ret malloc'd
 * (freed by the caller), *ret_n entries. Returns 0 or -errno. */
typedef int (*metrics_collect_t)(void *userdata, ServiceStatus **ret, size_t *ret_n);

/* Listen on listen ("127.0.0.1:9558", "[::1]:9558"). Returns 0 or -errno
 * (logged). */
int metrics_http_new(sd_event *event, const char *listen, metrics_collect_t collect, void *userdata,
                     MetricsHttp **ret);
MetricsHttp *metrics_http_free(MetricsHttp *h);
