/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "service/status.h"

/* The reason labels of a status's capture counters; the snapshot itself
 * is built by service_get_status() (service.c), formatted by the control
 * client and the metrics. */

const char *status_capture_reason(size_t i) {
        if (i < _EVENT_TYPE_MAX)
                return event_type_to_string((EventType) i);
        if (i == _EVENT_TYPE_MAX)
                return "manual";
        return NULL;
}
