/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* metrics_listen = HOST:PORT: the Prometheus exposition (metrics.h) served
 * over HTTP by libmicrohttpd at /metrics, driven from cgwarden's own
 * event loop (MHD's epoll mode, no thread: cgwarden forks helpers, which a
 * second thread holding a lock would make unsafe). */

typedef struct Manager Manager;
typedef struct MetricsHttp MetricsHttp;

/* Listen on listen ("127.0.0.1:9558", "[::1]:9558"). Returns 0 or -errno
 * (logged). */
int metrics_http_new(Manager *m, const char *listen, MetricsHttp **ret);
MetricsHttp *metrics_http_free(MetricsHttp *h);
