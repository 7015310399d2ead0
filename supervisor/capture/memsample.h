/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What a process's anonymous memory holds, for a native leak no NMT
 * category names (seed 003: one 2.3 GB anonymous region, read with gdb and
 * `strings`):
 *
 *   - the anonymous writable mappings of /proc/PID/maps or smaps (a light
 *     baseline: their ranges), and those of a later smaps that are new or
 *     larger since it, the largest by Anonymous: first;
 *   - the printable strings of a sample of their content, counted;
 *   - glibc's malloc arenas in a pmap.txt (capture/procsnap.h): 64 MiB
 *     aligned anonymous reservations, a read-write part then a
 *     PROT_NONE one, 64 MiB together.
 *
 * Pure functions of text and bytes: buffers need not be NUL-terminated,
 * never read past n. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MEMSAMPLE_ARENA_SIZE (UINT64_C(64) << 20)
#define MEMSAMPLE_STRING_MIN 8U /* bytes of a printable run that count */
#define MEMSAMPLE_STRING_MAX 80U /* longer runs are cut */
#define MEMSAMPLE_STRINGS_MAX 4096U /* distinct strings kept */

typedef struct MapRange {
        uint64_t start, end;
} MapRange;

typedef struct MapPick {
        uint64_t start, end;
        uint64_t anon_kb; /* Anonymous: */
        bool is_new; /* no baseline range starts there (else it grew) */
} MapPick;

/* The anonymous, private, writable mappings (no file, or [heap] or
 * [anon:...]; not [stack]) of a maps or smaps text, in its order.
 * Returns 0, -ENOMEM. */
int memsample_anon_ranges(const char *text, size_t n, MapRange **ret, size_t *ret_n);

/* Up to max of smaps's anonymous writable mappings that are new or end
 * further than at the baseline (every one when n_base is 0), the most
 * Anonymous: kB first, those with none left out. Returns 0, -ENOMEM. */
int memsample_pick(const char *smaps, size_t n, const MapRange *base, size_t n_base, MapPick *ret,
                   size_t max, size_t *ret_n);

/* The malloc arenas of a pmap.txt. Returns the count (0 when none or
 * unparsable). */
size_t memsample_arenas(const char *pmap, size_t n);

typedef struct StringCount {
        char s[MEMSAMPLE_STRING_MAX + 1];
        uint32_t hash;
        uint64_t count;
} StringCount;

typedef struct StringTable {
        StringCount *slots; /* open addressing, 2 * MEMSAMPLE_STRINGS_MAX */
        size_t n;
        uint64_t dropped; /* runs not counted: the table was full */
        uint64_t runs;
} StringTable;

int string_table_init(StringTable *t);
void string_table_done(StringTable *t);
/* Count the printable ASCII runs of buf of at least MEMSAMPLE_STRING_MIN
 * bytes (a run at either end of buf counts only if it is whole there:
 * the caller passes whole chunks). */
void string_table_scan(StringTable *t, const uint8_t *buf, size_t n);
/* The counted strings, most frequent first (ties by string), into a new
 * array. Returns 0, -ENOMEM. */
int string_table_sorted(const StringTable *t, StringCount **ret, size_t *ret_n);
