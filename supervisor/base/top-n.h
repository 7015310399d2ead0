/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The N largest of a stream, kept in a caller's array sorted largest
 * first: for the capture items that list the biggest growths of a long
 * file (NMT detail sites, anonymous mappings) in one pass without storing
 * the rest. Inline, so that the parsers' fuzz targets need no more
 * sources. */

#include <stddef.h>
#include <string.h>

#include "base/macro.h"

/* Insert *item into arr (k elements of size bytes, sorted by larger(),
 * largest first, room for max) after the last element not smaller than it;
 * what falls off the end is dropped. larger(a, b) is true when a sorts
 * before b. Returns the new count. */
static inline size_t top_n_insert(void *arr, size_t k, size_t max, size_t size, const void *item,
                                  bool (*larger)(const void *a, const void *b)) {
        char *a = arr;
        size_t at = k;

        while (at > 0 && larger(item, a + (at - 1) * size))
                at--;
        if (at >= max)
                return k;
        memmove(a + (at + 1) * size, a + at * size, (MIN(k, max - 1) - at) * size);
        memcpy(a + at * size, item, size);
        return MIN(k + 1, max);
}
