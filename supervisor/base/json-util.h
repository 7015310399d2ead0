/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small json-c helpers shared by the manifest (capture.c) and the control
 * socket (control.c). */

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

static inline void json_object_putp(json_object **j) {
        json_object_put(*j);
}

/* UINT64_MAX ("none", "unknown") as null. */
static inline json_object *json_size_or_null(uint64_t v) {
        return v == UINT64_MAX ? json_object_new_null() : json_object_new_uint64(v);
}

/* NULL as null; with empty_is_null, "" too. */
static inline json_object *json_string_or_null(const char *s, bool empty_is_null) {
        return s && (s[0] || !empty_is_null) ? json_object_new_string(s) : json_object_new_null();
}
