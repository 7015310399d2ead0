/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "service/status.h"

/* status_capture_reason() first: the one part of status.c the metrics
 * need, written with them. status_collect() and the table and JSON
 * formatters go below it. */

const char *status_capture_reason(size_t i) {
        if (i < _EVENT_TYPE_MAX)
                return event_type_to_string((EventType) i);
        if (i == _EVENT_TYPE_MAX)
                return "manual";
        return NULL;
}
