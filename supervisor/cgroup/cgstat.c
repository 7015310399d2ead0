/* SPDX-License-Identifier: LGPL-2.1-or-later */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup/cgstat.h"
#include "base/parse-util.h"
#include "base/procfs.h"

/* The next blank-separated token of s[*pos..len). */
static bool next_token(const char *s, size_t len, size_t *pos, const char **ret_tok, size_t *ret_len) {
        size_t i = *pos, start;

        while (i < len && is_blank(s[i]))
                i++;
        if (i >= len) {
                *pos = i;
                return false;
        }
        start = i;
        while (i < len && !is_blank(s[i]))
                i++;
        *ret_tok = s + start;
        *ret_len = i - start;
        *pos = i;
        return true;
}

/* Exactly len decimal digits: procfs_parse_u64_buf() does that for a
 * string without a newline, which a token never holds. */
static int parse_u64(const char *s, size_t len, uint64_t *ret) {
        if (len > 0 && s[len - 1] == '\n')
                return -EBADMSG;
        return procfs_parse_u64_buf(s, len, ret);
}

static bool token_is(const char *tok, size_t len, const char *want) {
        return strlen(want) == len && memcmp(tok, want, len) == 0;
}

/* Parse "KEY VALUE" lines for the keys in keys[] (at most 32): on a key's
 * first line, its value goes to values[i] and bit i of *ret_have is set.
 * values[] is written only for keys found; on error values[] may be
 * partially written (callers use a copy). */
static int parse_keyed(const char *buf, size_t n, const char *const *keys, size_t n_keys, uint64_t *values,
                       uint32_t *ret_have) {
        uint32_t have = 0;
        const char *line;
        size_t len, pos = 0;

        while (next_line(buf, n, &pos, &line, &len)) {
                const char *key, *val;
                size_t key_len, val_len, p = 0, i;
                int r;

                /* the key starts the line: a line starting with a blank has none */
                if (len == 0 || is_blank(line[0]))
                        continue;
                if (!next_token(line, len, &p, &key, &key_len))
                        continue;
                for (i = 0; i < n_keys; i++)
                        if (token_is(key, key_len, keys[i]))
                                break;
                if (i >= n_keys || (have & (1U << i)))
                        continue;

                /* the value: the rest of the line, blanks around it dropped */
                while (p < len && is_blank(line[p]))
                        p++;
                val = line + p;
                val_len = len - p;
                while (val_len > 0 && is_blank(val[val_len - 1]))
                        val_len--;
                r = parse_u64(val, val_len, &values[i]);
                if (r < 0)
                        return r;
                have |= 1U << i;
        }
        *ret_have = have;
        return 0;
}

int cgstat_kv_get(const char *buf, size_t n, const char *key, uint64_t *ret) {
        const char *keys[] = { key };
        uint32_t have;
        uint64_t v;
        int r;

        if (!key || key[0] == '\0' || strpbrk(key, " \t\n"))
                return -EINVAL;
        r = parse_keyed(buf, n, keys, 1, &v, &have);
        if (r < 0)
                return r;
        if (!have)
                return -ENXIO;
        *ret = v;
        return 0;
}

int cgstat_memory_stat_parse_buf(const char *buf, size_t n, bool v1, CgMemStat *ret) {
        enum {
                V2_ANON,
                V2_FILE,
                V2_KERNEL,
                V2_SHMEM,
                V2_SOCK,
                V2_SLAB,
                V2_SLAB_RECLAIMABLE,
                V2_SLAB_UNRECLAIMABLE,
        };
        static const char *const keys_v2[] = {
                [V2_ANON] = "anon",
                [V2_FILE] = "file",
                [V2_KERNEL] = "kernel",
                [V2_SHMEM] = "shmem",
                [V2_SOCK] = "sock",
                [V2_SLAB] = "slab",
                [V2_SLAB_RECLAIMABLE] = "slab_reclaimable",
                [V2_SLAB_UNRECLAIMABLE] = "slab_unreclaimable",
        };
        enum {
                V1_TOTAL_RSS,
                V1_RSS,
                V1_TOTAL_CACHE,
                V1_CACHE,
                V1_TOTAL_SHMEM,
                V1_SHMEM,
        };
        static const char *const keys_v1[] = {
                [V1_TOTAL_RSS] = "total_rss",     [V1_RSS] = "rss",
                [V1_TOTAL_CACHE] = "total_cache", [V1_CACHE] = "cache",
                [V1_TOTAL_SHMEM] = "total_shmem", [V1_SHMEM] = "shmem",
        };
        uint64_t v[ELEMENTSOF(keys_v2)] = {};
        CgMemStat s = {
                .anon = CGSTAT_UNKNOWN,
                .file = CGSTAT_UNKNOWN,
                .kernel = CGSTAT_UNKNOWN,
                .shmem = CGSTAT_UNKNOWN,
                .sock = CGSTAT_UNKNOWN,
                .slab = CGSTAT_UNKNOWN,
        };
        uint32_t have;
        int r;

#define HAVE(i) (have & (1U << (i)))
        if (v1) {
                r = parse_keyed(buf, n, keys_v1, ELEMENTSOF(keys_v1), v, &have);
                if (r < 0)
                        return r;
                if (HAVE(V1_TOTAL_RSS))
                        s.anon = v[V1_TOTAL_RSS];
                else if (HAVE(V1_RSS))
                        s.anon = v[V1_RSS];
                if (HAVE(V1_TOTAL_CACHE))
                        s.file = v[V1_TOTAL_CACHE];
                else if (HAVE(V1_CACHE))
                        s.file = v[V1_CACHE];
                if (HAVE(V1_TOTAL_SHMEM))
                        s.shmem = v[V1_TOTAL_SHMEM];
                else if (HAVE(V1_SHMEM))
                        s.shmem = v[V1_SHMEM];
        } else {
                r = parse_keyed(buf, n, keys_v2, ELEMENTSOF(keys_v2), v, &have);
                if (r < 0)
                        return r;
                if (HAVE(V2_ANON))
                        s.anon = v[V2_ANON];
                if (HAVE(V2_FILE))
                        s.file = v[V2_FILE];
                if (HAVE(V2_KERNEL))
                        s.kernel = v[V2_KERNEL];
                if (HAVE(V2_SHMEM))
                        s.shmem = v[V2_SHMEM];
                if (HAVE(V2_SOCK))
                        s.sock = v[V2_SOCK];
                if (HAVE(V2_SLAB))
                        s.slab = v[V2_SLAB];
                else if (HAVE(V2_SLAB_RECLAIMABLE) && HAVE(V2_SLAB_UNRECLAIMABLE)) {
                        if (v[V2_SLAB_RECLAIMABLE] > UINT64_MAX - 1 - v[V2_SLAB_UNRECLAIMABLE])
                                return -ERANGE;
                        s.slab = v[V2_SLAB_RECLAIMABLE] + v[V2_SLAB_UNRECLAIMABLE];
                }
        }
#undef HAVE
        if (!have)
                return -EBADMSG;
        *ret = s;
        return 0;
}

int cgstat_memory_events_parse_buf(const char *buf, size_t n, CgMemEvents *ret) {
        /* in the order of the CG_MEM_EVENTS_HAVE_* bits */
        static const char *const keys[] = { "low", "high", "max", "oom", "oom_kill", "oom_group_kill" };
        uint64_t v[ELEMENTSOF(keys)] = {};
        uint32_t have;
        int r;

        r = parse_keyed(buf, n, keys, ELEMENTSOF(keys), v, &have);
        if (r < 0)
                return r;
        if (!have)
                return -EBADMSG;
        *ret = (CgMemEvents){
                .low = v[0],
                .high = v[1],
                .max = v[2],
                .oom = v[3],
                .oom_kill = v[4],
                .oom_group_kill = v[5],
                .have = have,
        };
        return 0;
}

int cgstat_pids_events_parse_buf(const char *buf, size_t n, uint64_t *ret_max) {
        return cgstat_kv_get(buf, n, "max", ret_max);
}

int cgstat_oom_control_parse_buf(const char *buf, size_t n, CgOomControl *ret) {
        static const char *const keys[] = { "oom_kill_disable", "under_oom", "oom_kill" };
        uint64_t v[ELEMENTSOF(keys)] = {};
        uint32_t have;
        int r;

        r = parse_keyed(buf, n, keys, ELEMENTSOF(keys), v, &have);
        if (r < 0)
                return r;
        if (!have)
                return -EBADMSG;
        if (v[0] > 1 || v[1] > 1)
                return -ERANGE;
        *ret = (CgOomControl){
                .oom_kill_disable = v[0],
                .under_oom = v[1],
                .oom_kill = v[2],
                .have = have,
        };
        return 0;
}

int cgstat_cgroup_events_parse_buf(const char *buf, size_t n, CgEvents *ret) {
        static const char *const keys[] = { "populated", "frozen" };
        uint64_t v[ELEMENTSOF(keys)] = {};
        uint32_t have;
        int r;

        r = parse_keyed(buf, n, keys, ELEMENTSOF(keys), v, &have);
        if (r < 0)
                return r;
        if (!have)
                return -EBADMSG;
        if (v[0] > 1 || v[1] > 1)
                return -ERANGE;
        *ret = (CgEvents){
                .populated = v[0],
                .frozen = v[1],
                .have = have,
        };
        return 0;
}

/* "12.34" (digits, optionally '.' and digits) -> 12.34 */
static int parse_avg(const char *s, size_t len, double *ret) {
        uint64_t ip, frac = 0, div = 1;
        size_t i = 0;
        int r;

        while (i < len && is_digit(s[i]))
                i++;
        r = parse_u64(s, i, &ip);
        if (r < 0)
                return r;
        if (i < len) {
                if (s[i] != '.' || i + 1 >= len)
                        return -EBADMSG;
                for (i++; i < len; i++) {
                        if (!is_digit(s[i]))
                                return -EBADMSG;
                        /* the kernel prints two decimals; past 18 they do not matter */
                        if (div < UINT64_C(1000000000000000000)) {
                                frac = frac * 10 + (uint64_t) (s[i] - '0');
                                div *= 10;
                        }
                }
        }
        *ret = (double) ip + (double) frac / (double) div;
        return 0;
}

/* "avg10=0.00 avg60=0.00 avg300=0.00 total=123" after "some"/"full". */
static int parse_psi_line(const char *line, size_t len, size_t pos, double avg[static 3],
                          uint64_t *ret_total) {
        static const char *const names[] = { "avg10", "avg60", "avg300", "total" };
        double a[3] = {};
        uint64_t total = 0;
        unsigned seen = 0;
        const char *tok;
        size_t tok_len;

        while (next_token(line, len, &pos, &tok, &tok_len)) {
                const char *eq = memchr(tok, '=', tok_len);
                size_t name_len, i;
                int r;

                if (!eq)
                        continue;
                name_len = (size_t) (eq - tok);
                for (i = 0; i < ELEMENTSOF(names); i++)
                        if (token_is(tok, name_len, names[i]))
                                break;
                if (i >= ELEMENTSOF(names) || (seen & (1U << i)))
                        continue;
                if (i < 3)
                        r = parse_avg(eq + 1, tok_len - name_len - 1, &a[i]);
                else
                        r = parse_u64(eq + 1, tok_len - name_len - 1, &total);
                if (r < 0)
                        return r;
                seen |= 1U << i;
        }
        if (seen != (1U << ELEMENTSOF(names)) - 1)
                return -EBADMSG;
        memcpy(avg, a, sizeof(a));
        *ret_total = total;
        return 0;
}

int cgstat_pressure_parse_buf(const char *buf, size_t n, CgPressure *ret) {
        CgPressure p = {};
        bool has_some = false;
        const char *line;
        size_t len, pos = 0;

        while (next_line(buf, n, &pos, &line, &len)) {
                const char *tok;
                size_t tok_len, lpos = 0;
                double avg[3];
                uint64_t total;
                bool some;
                int r;

                if (len == 0 || is_blank(line[0]) || !next_token(line, len, &lpos, &tok, &tok_len))
                        continue;
                if (token_is(tok, tok_len, "some"))
                        some = true;
                else if (token_is(tok, tok_len, "full"))
                        some = false;
                else
                        continue;
                if (some ? has_some : p.has_full)
                        continue;

                r = parse_psi_line(line, len, lpos, avg, &total);
                if (r < 0)
                        return r;
                if (some) {
                        p.some_avg10 = avg[0];
                        p.some_avg60 = avg[1];
                        p.some_avg300 = avg[2];
                        p.some_total = total;
                        has_some = true;
                } else {
                        p.full_avg10 = avg[0];
                        p.full_avg60 = avg[1];
                        p.full_avg300 = avg[2];
                        p.full_total = total;
                        p.has_full = true;
                }
        }
        if (!has_some)
                return -EBADMSG;
        *ret = p;
        return 0;
}

int cgstat_parse_u64_or_max(const char *buf, size_t n, uint64_t *ret) {
        if (n > 0 && buf[n - 1] == '\n')
                n--;
        if (n == 3 && memcmp(buf, "max", 3) == 0) {
                *ret = UINT64_MAX;
                return 0;
        }
        return parse_u64(buf, n, ret);
}

int cgstat_read_file(const char *cgroup_dir, const char *file, char **ret_buf, size_t *ret_size) {
        _cleanup_free_ char *path = NULL;

        if (!cgroup_dir || !file || file[0] == '\0' || strchr(file, '/') || streq(file, ".") ||
            streq(file, ".."))
                return -EINVAL;
        if (asprintf(&path, "%s/%s", cgroup_dir, file) < 0)
                return -ENOMEM;
        return procfs_read_full(path, CGSTAT_READ_MAX_BYTES, ret_buf, ret_size);
}

int cgstat_read_memory_stat(const char *cgroup_dir, bool v1, CgMemStat *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = cgstat_read_file(cgroup_dir, "memory.stat", &buf, &n);
        if (r < 0)
                return r;
        return cgstat_memory_stat_parse_buf(buf, n, v1, ret);
}

int cgstat_read_memory_events(const char *cgroup_dir, bool local, CgMemEvents *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = cgstat_read_file(cgroup_dir, local ? "memory.events.local" : "memory.events", &buf, &n);
        if (r < 0)
                return r;
        return cgstat_memory_events_parse_buf(buf, n, ret);
}

int cgstat_read_pids_events(const char *cgroup_dir, uint64_t *ret_max) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = cgstat_read_file(cgroup_dir, "pids.events", &buf, &n);
        if (r < 0)
                return r;
        return cgstat_pids_events_parse_buf(buf, n, ret_max);
}

int cgstat_read_oom_control(const char *cgroup_dir, CgOomControl *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = cgstat_read_file(cgroup_dir, "memory.oom_control", &buf, &n);
        if (r < 0)
                return r;
        return cgstat_oom_control_parse_buf(buf, n, ret);
}

int cgstat_read_cgroup_events(const char *cgroup_dir, CgEvents *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = cgstat_read_file(cgroup_dir, "cgroup.events", &buf, &n);
        if (r < 0)
                return r;
        return cgstat_cgroup_events_parse_buf(buf, n, ret);
}

int cgstat_read_pressure(const char *cgroup_dir, const char *file, CgPressure *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = cgstat_read_file(cgroup_dir, file, &buf, &n);
        if (r < 0)
                return r;
        return cgstat_pressure_parse_buf(buf, n, ret);
}

int cgstat_read_u64_or_max(const char *cgroup_dir, const char *file, uint64_t *ret) {
        _cleanup_free_ char *buf = NULL;
        size_t n = 0;
        int r;

        r = cgstat_read_file(cgroup_dir, file, &buf, &n);
        if (r < 0)
                return r;
        return cgstat_parse_u64_or_max(buf, n, ret);
}
