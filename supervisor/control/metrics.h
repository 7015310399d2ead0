/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Prometheus metrics: the status snapshot (status.h) in the text exposition
 * format, version 0.0.4, for node_exporter's textfile collector
 * (metrics_file) and the HTTP endpoint (metrics_listen).
 *
 * The family names, types and labels are a public interface (dashboards
 * and the alert rules in contrib/prometheus/ use them): keep them stable,
 * and document changes in contrib/prometheus/README.md.
 *
 *   cgwarden_services                                   gauge
 *   cgwarden_metrics_last_write_timestamp_seconds       gauge
 *   cgwarden_service_up                                 gauge   {service}
 *   cgwarden_service_info                               gauge   {service, kind, cgroup}
 *   cgwarden_service_state                              gauge   {service, state}
 *   cgwarden_service_start_time_seconds                 gauge   {service}
 *   cgwarden_service_throttled                          gauge   {service}
 *   cgwarden_service_memory_current_bytes               gauge   {service}
 *   cgwarden_service_memory_high_bytes                  gauge   {service}
 *   cgwarden_service_memory_max_bytes                   gauge   {service}
 *   cgwarden_service_memory_effective_limit_bytes       gauge   {service}
 *   cgwarden_service_memory_growth_bytes_per_second     gauge   {service}
 *   cgwarden_service_memory_eta_seconds                 gauge   {service}
 *   cgwarden_service_pids_current                       gauge   {service}
 *   cgwarden_service_pids_max                           gauge   {service}
 *   cgwarden_service_restarts_total                     counter {service}
 *   cgwarden_service_oom_kills_total                    counter {service}
 *   cgwarden_service_captures_total                     counter {service, reason}
 *   cgwarden_service_throttled_seconds_total            counter {service}
 *
 * A sample whose value is unknown or unset (UINT64_MAX in the snapshot, no
 * ETA, not running) is left out rather than given a sentinel, so that
 * PromQL arithmetic on it yields nothing instead of nonsense. Samples carry
 * no timestamps (the textfile collector refuses them); staleness is seen
 * through cgwarden_metrics_last_write_timestamp_seconds. */

#include <stddef.h>
#include <stdio.h>

#include "base/macro.h"
#include "service/status.h"

/* Write the exposition of n services to out. now_realtime (CLOCK_REALTIME,
 * usec) is the value of cgwarden_metrics_last_write_timestamp_seconds and
 * the base of the start times. Pure apart from writing to out. Returns 0,
 * -EINVAL on bad arguments, -EIO when out reported a write error. */
int metrics_format(const ServiceStatus *svcs, size_t n, usec_t now_realtime, FILE *out);

/* Replace the file at path atomically with the exposition: written to a
 * hidden temporary file in the same directory (".NAME.XXXXXX", which the
 * textfile collector ignores as it does not end in ".prom"), made mode
 * 0644, fsync()ed, then renamed over path. A reader sees the old or the new
 * file whole, never a partial one. Nothing is left behind on failure.
 * Returns 0 or -errno. */
int metrics_write_file(const char *path, const ServiceStatus *svcs, size_t n, usec_t now_realtime);
