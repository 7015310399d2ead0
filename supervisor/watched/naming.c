/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/macro.h"
#include "base/string-table.h"
#include "watched/naming.h"

static const char *const watched_kind_table[_WATCHED_KIND_MAX] = {
        [WATCHED_CGROUP] = "cgroup",
        [WATCHED_UNIT] = "unit",
        [WATCHED_CONTAINER] = "container",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(watched_kind, WatchedKind);

static bool is_hex(const char *s, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return n > 0;
}

static bool has_suffix(const char *s, size_t n, const char *suffix) {
        size_t m = strlen(suffix);
        return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* A container id in one component ("docker-<64 hex>.scope", "<64 hex>"):
 * its start, or NULL. */
static const char *container_id(const char *c, size_t n) {
        static const char *const prefixes[] = { "docker-", "libpod-", "cri-containerd-", "crio-",
                                                "containerd-" };

        if (has_suffix(c, n, ".scope"))
                n -= strlen(".scope");
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                size_t m = strlen(prefixes[i]);
                if (n > m && memcmp(c, prefixes[i], m) == 0 && n - m >= 12 && is_hex(c + m, n - m))
                        return c + m;
        }
        if (n == 64 && is_hex(c, n))
                return c;
        return NULL;
}

/* The pod's uid in a component: "kubepods-burstable-pod<uid>.slice" (uid
 * with '_' for '-') or "pod<uid>"; the first 8 characters, or NULL. */
static const char *pod_uid(const char *c, size_t n) {
        const char *p = NULL;

        for (size_t i = 0; i + 3 < n; i++)
                if (memcmp(c + i, "pod", 3) == 0 && (i == 0 || c[i - 1] == '-'))
                        p = c + i + 3;
        if (!p || (size_t) (c + n - p) < 8 || !is_hex(p, 8))
                return NULL;
        return p;
}

static void sanitize(char *s) {
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '_' || *s == '.' || *s == '-'))
                        *s = '_';
}

WatchedKind watched_name_from_path(const char *section, const char *path, char *buf, size_t size) {
        const char *last = strrchr(path, '/'), *id, *pod = NULL;
        char part[128];
        size_t n;
        WatchedKind kind = WATCHED_CGROUP;

        last = last ? last + 1 : path;
        n = strlen(last);
        /* a pod named by a component above the container's */
        for (const char *c = path; *c && c < last;) {
                const char *e = strchrnul(c, '/');
                const char *u = e > c ? pod_uid(c, (size_t) (e - c)) : NULL;
                if (u)
                        pod = u;
                c = *e ? e + 1 : e;
        }
        id = container_id(last, n);
        if (id) {
                kind = WATCHED_CONTAINER;
                if (pod)
                        (void) snprintf(part, sizeof part, "pod%.8s-%.12s", pod, id);
                else
                        (void) snprintf(part, sizeof part, "%.12s", id);
        } else {
                if (has_suffix(last, n, ".service") || has_suffix(last, n, ".scope")) {
                        kind = WATCHED_UNIT;
                        n -= has_suffix(last, n, ".scope") ? strlen(".scope") : strlen(".service");
                } else if (has_suffix(last, n, ".slice"))
                        n -= strlen(".slice");
                (void) snprintf(part, sizeof part, "%.*s", (int) MIN(n, (size_t) 100),
                                n > 0 ? last : "root");
        }
        (void) snprintf(buf, size, "%.*s.%s", (int) MIN(strlen(section), (size_t) 40), section, part);
        if (strlen(buf) > 64)
                buf[64] = 0;
        sanitize(buf);
        return kind;
}
