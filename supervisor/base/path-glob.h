/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Globs over '/'-separated paths, for watch-mode's match= (cgroup paths
 * such as "/system.slice/docker-*.scope" or "/kubepods.slice/" followed by "**"):
 * each component is an fnmatch(3) pattern (* ? [...]) that never crosses
 * a '/', and a component that is exactly "**" matches any number of
 * components, none included; a trailing "**" matches one or more (what
 * is below the directory, not the directory). Pure: no I/O. */

#include <stdbool.h>

/* Is pattern usable: absolute, no empty, "." or ".." component, "**" only
 * as a whole component, no control characters, at most 4096 bytes?
 * Returns true, or false with a static reason in *ret_why. */
bool path_glob_valid(const char *pattern, const char **ret_why);

typedef enum PathGlobResult {
        PATH_GLOB_NO, /* neither path nor anything below it matches */
        PATH_GLOB_BELOW, /* path does not match, something below it may */
        PATH_GLOB_MATCH, /* path matches (something below may match too, with "**") */
} PathGlobResult;

/* Match an absolute, normalised path (no "//", no trailing '/'; "/" is the
 * root) against a valid pattern. */
PathGlobResult path_glob_match(const char *pattern, const char *path);

/* How many leading components of the pattern are literal (no glob
 * characters): the directory discovery starts from. */
unsigned path_glob_literal_depth(const char *pattern);
