/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Enum <-> name lookups, after systemd's string-table.h: one table of
 * names indexed by the enum, and one macro for the pair of functions. */

#include "base/macro.h"

/* table[i], or NULL when i is out of range. */
static inline const char *string_table_lookup_to_string(const char *const *table, size_t n, int i) {
        if (i < 0 || (size_t) i >= n)
                return NULL;
        return table[i];
}

/* The index whose name is s, or -EINVAL (also for s NULL). */
static inline int string_table_lookup_from_string(const char *const *table, size_t n, const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < n; i++)
                if (table[i] && streq(table[i], s))
                        return (int) i;
        return -EINVAL;
}

/* Defines name_to_string(type) over name_table, a static array of
 * _NAME_MAX names: NULL for a value out of range. */
#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type)                                         \
        const char *name##_to_string(type i) {                                                   \
                return string_table_lookup_to_string(name##_table, ELEMENTSOF(name##_table), i); \
        }

/* Defines name_from_string(const char *) over name_table: -EINVAL for an
 * unknown name, which is the enum's _NAME_INVALID. */
#define DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)                                                \
        type name##_from_string(const char *s) {                                                          \
                return (type) string_table_lookup_from_string(name##_table, ELEMENTSOF(name##_table), s); \
        }

/* Both; for an enum whose names are also read, not only written. */
#define DEFINE_STRING_TABLE_LOOKUP(name, type)           \
        DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type) \
        DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, type)
