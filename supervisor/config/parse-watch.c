/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys of a [watch:NAME] section that say what it guards. */
#include <ctype.h>

#include "base/error-util.h"
#include "base/path-glob.h"
#include "config/config-internal.h"

/* A cgroup path from the hierarchy's root: absolute, no "." or "..",
 * normalised (no "//", no trailing '/'). */
int parse_cgroup_path_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        const char *why = NULL;

        if (strpbrk(value, "*?[\\"))
                return error_setf(ret_error, -EINVAL,
                                  "invalid cgroup path '%s' for %s: it has glob characters (use match=)",
                                  value, k->name);
        if (!path_glob_valid(value, &why))
                return error_setf(ret_error, -EINVAL, "invalid cgroup path '%s' for %s: %s", value, k->name,
                                  why);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

int parse_match_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        const char *why = NULL;

        if (!path_glob_valid(value, &why))
                return error_setf(ret_error, -EINVAL, "invalid pattern '%s' for %s: %s", value, k->name,
                                  why);
        if (streq(value, "/"))
                return error_setf(ret_error, -EINVAL,
                                  "invalid pattern '/' for %s: the root is not a watch (%s)", k->name,
                                  "use /** for every cgroup");
        return free_and_strdup(FIELD(obj, k, char *), value);
}

/* A systemd unit name: NAME.service or NAME.scope (what has processes). */
int parse_unit_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        size_t n = strlen(value);
        bool ok = n > 0 && n < 256;

        for (size_t i = 0; ok && i < n; i++)
                ok = isalnum((unsigned char) value[i]) || strchr(":-_.\\@", value[i]);
        if (!ok || !(endswith(value, ".service") || endswith(value, ".scope")))
                return error_setf(
                        ret_error, -EINVAL,
                        "invalid unit '%s' for %s: a systemd unit name ending in .service or .scope", value,
                        k->name);
        return free_and_strdup(FIELD(obj, k, char *), value);
}

/* An extended regular expression, checked as log_trigger's are. */
int parse_regex_key(void *obj, const KeyDef *k, const char *value, char **ret_error) {
        int r;

        if (strlen(value) > 1024)
                return error_setf(ret_error, -EINVAL, "regular expression for %s longer than 1024 bytes",
                                  k->name);
        r = regex_validate(value, k->name, ret_error);
        if (r < 0)
                return r;
        return free_and_strdup(FIELD(obj, k, char *), value);
}
