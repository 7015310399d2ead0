/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/macro.h"
#include "base/procfs.h"
#include "base/units.h"
#include "jvm/perfdata.h"

const char *perf_units_to_string(int u) {
        static const char *const table[] = {
                [PERF_UNITS_NONE] = "none",     [PERF_UNITS_BYTES] = "bytes",   [PERF_UNITS_TICKS] = "ticks",
                [PERF_UNITS_EVENTS] = "events", [PERF_UNITS_STRING] = "string", [PERF_UNITS_HERTZ] = "hertz",
        };

        if (u <= 0 || (size_t) u >= ELEMENTSOF(table))
                return NULL;
        return table[u];
}

/* ---- the buffer ---- */

static uint32_t get_u32(const uint8_t *p, bool little_endian) {
        if (little_endian)
                return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
                       (uint32_t) p[3] << 24;
        return (uint32_t) p[3] | (uint32_t) p[2] << 8 | (uint32_t) p[1] << 16 | (uint32_t) p[0] << 24;
}

static uint64_t get_u64(const uint8_t *p, bool little_endian) {
        uint64_t a = get_u32(p, little_endian), b = get_u32(p + 4, little_endian);
        return little_endian ? (b << 32 | a) : (a << 32 | b);
}

/* The format's "int" fields: a negative one is never valid. */
static bool get_nonneg(const uint8_t *p, bool little_endian, uint32_t *ret) {
        uint32_t v = get_u32(p, little_endian);
        if (v > INT32_MAX)
                return false;
        *ret = v;
        return true;
}

int perfdata_parse_prologue(const void *buf, size_t n, PerfData *ret) {
        const uint8_t *b = buf;
        uint32_t used, overflow, entry_offset, num_entries;
        bool le;

        if (!b || n < PERFDATA_PROLOGUE_BYTES)
                return -EBADMSG;
        /* the magic is written as bytes in big-endian order, whatever the
         * byte order of the rest */
        if (get_u32(b, false) != PERFDATA_MAGIC)
                return -EBADMSG;
        if (b[4] > 1)
                return -EBADMSG;
        le = b[4] == 1;
        if (b[5] != 2)
                return -EPROTONOSUPPORT;
        if (!get_nonneg(b + 8, le, &used) || !get_nonneg(b + 12, le, &overflow) ||
            !get_nonneg(b + 24, le, &entry_offset) || !get_nonneg(b + 28, le, &num_entries))
                return -EBADMSG;
        if (used < PERFDATA_PROLOGUE_BYTES || entry_offset < PERFDATA_PROLOGUE_BYTES)
                return -EBADMSG;
        /* a snapshot shorter than "used" keeps what it has: entries past
         * its end are reported by perfdata_next_entry() */
        *ret = (PerfData){
                .buf = b,
                .size = MIN((size_t) used, n),
                .little_endian = le,
                .major = b[5],
                .minor = b[6],
                .accessible = b[7] != 0,
                .overflow = overflow != 0,
                .mod_time_stamp = (int64_t) get_u64(b + 16, le),
                .entry_offset = entry_offset,
                .num_entries = num_entries,
        };
        return 0;
}

int perfdata_next_entry(const PerfData *pd, PerfIter *it, PerfEntry *ret) {
        const uint8_t *e;
        uint32_t length, name_offset, vector_length, data_offset;
        size_t off = it->offset ? it->offset : pd->entry_offset;
        PerfEntry entry = {};

        if (it->index >= pd->num_entries)
                return 0;
        if (off > pd->size || pd->size - off < PERFDATA_ENTRY_HEADER_BYTES)
                return -EBADMSG;
        e = pd->buf + off;
        if (!get_nonneg(e, pd->little_endian, &length) ||
            !get_nonneg(e + 4, pd->little_endian, &name_offset) ||
            !get_nonneg(e + 8, pd->little_endian, &vector_length) ||
            !get_nonneg(e + 16, pd->little_endian, &data_offset))
                return -EBADMSG;
        if (length < PERFDATA_ENTRY_HEADER_BYTES || length > pd->size - off)
                return -EBADMSG;
        if (name_offset < PERFDATA_ENTRY_HEADER_BYTES || name_offset >= length ||
            !memchr(e + name_offset, '\0', length - name_offset))
                return -EBADMSG;
        if (data_offset < PERFDATA_ENTRY_HEADER_BYTES || data_offset > length)
                return -EBADMSG;
        entry.name = (const char *) e + name_offset;
        entry.type = (char) e[12];
        entry.units = e[14];
        entry.variability = e[15];
        if (entry.type == 'J') {
                if (length - data_offset < 8)
                        return -EBADMSG;
                entry.value = (int64_t) get_u64(e + data_offset, pd->little_endian);
        } else if (entry.type == 'B') {
                if (vector_length > length - data_offset)
                        return -EBADMSG;
                entry.bytes = (const char *) e + data_offset;
                entry.n_bytes = strnlen(entry.bytes, vector_length);
        }
        it->offset = off + length;
        it->index++;
        *ret = entry;
        return 1;
}

int perfdata_find(const PerfData *pd, const char *name, PerfEntry *ret) {
        PerfIter it = {};
        PerfEntry e;
        int r;

        while ((r = perfdata_next_entry(pd, &it, &e)) > 0)
                if (streq(e.name, name)) {
                        *ret = e;
                        return 0;
                }
        return r < 0 ? r : -ENOENT;
}

/* ---- the summary ---- */

static uint64_t nonneg(int64_t v) {
        return v < 0 ? 0 : (uint64_t) v;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t ticks_to_usec(uint64_t ticks, uint64_t frequency) {
        unsigned __int128 v;

        if (frequency == 0)
                return 0;
        v = (unsigned __int128) ticks * USEC_PER_SEC / frequency;
        return v > UINT64_MAX ? UINT64_MAX : (uint64_t) v;
}

static void copy_string(char *dst, size_t size, const PerfEntry *e) {
        size_t n;

        if (e->type != 'B') {
                dst[0] = 0;
                return;
        }
        n = MIN(e->n_bytes, size - 1);
        memcpy(dst, e->bytes, n);
        dst[n] = 0;
        /* one line in the text, whatever the JVM (or someone) wrote */
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) dst[i] < ' ' || dst[i] == 0x7f)
                        dst[i] = '?';
}

/* "<prefix><index>." at the start of *p, index < max: advances *p past it. */
static bool take_index(const char **p, const char *prefix, unsigned max, unsigned *ret) {
        size_t l = strlen(prefix);
        const char *s = *p;
        unsigned v = 0;

        if (strncmp(s, prefix, l) != 0)
                return false;
        s += l;
        if (*s < '0' || *s > '9')
                return false;
        while (*s >= '0' && *s <= '9') {
                v = v * 10 + (unsigned) (*s - '0');
                if (v >= max)
                        return false;
                s++;
        }
        if (*s != '.')
                return false;
        *p = s + 1;
        *ret = v;
        return true;
}

typedef struct Raw {
        uint64_t hrt_ticks, safepoint_ticks;
        uint64_t collector_ticks[PERF_COLLECTORS_MAX];
        int64_t loaded, shared_loaded, unloaded, shared_unloaded;
        bool have_ticks, have_frequency, have_classes;
} Raw;

static void summarize_gc(PerfSummary *s, const char *rest, const PerfEntry *e, Raw *raw) {
        const char *p = rest;
        unsigned g, sp, c;

        if (take_index(&p, "generation.", PERF_GENERATIONS_MAX, &g)) {
                PerfGeneration *gen = &s->generations[g];

                if (take_index(&p, "space.", PERF_SPACES_MAX, &sp)) {
                        PerfSpace *space = &gen->spaces[sp];

                        if (streq(p, "name"))
                                copy_string(space->name, sizeof space->name, e);
                        else if (streq(p, "used") && e->type == 'J')
                                space->used_bytes = nonneg(e->value);
                        else if (streq(p, "capacity") && e->type == 'J')
                                space->capacity_bytes = nonneg(e->value);
                        else
                                return;
                        space->present = gen->present = true;
                } else if (streq(p, "name")) {
                        copy_string(gen->name, sizeof gen->name, e);
                        gen->present = true;
                } else if (streq(p, "capacity") && e->type == 'J') {
                        gen->capacity_bytes = nonneg(e->value);
                        gen->present = true;
                }
        } else if (take_index(&p, "collector.", PERF_COLLECTORS_MAX, &c)) {
                PerfCollector *col = &s->collectors[c];

                if (streq(p, "name"))
                        copy_string(col->name, sizeof col->name, e);
                else if (streq(p, "invocations") && e->type == 'J')
                        col->invocations = nonneg(e->value);
                else if (streq(p, "time") && e->type == 'J')
                        raw->collector_ticks[c] = nonneg(e->value);
                else
                        return;
                col->present = true;
        } else if (streq(rest, "metaspace.used") && e->type == 'J') {
                s->metaspace_used_bytes = nonneg(e->value);
                s->have |= PERF_HAVE_METASPACE;
        } else if (streq(rest, "metaspace.capacity") && e->type == 'J') {
                s->metaspace_capacity_bytes = nonneg(e->value);
                s->have |= PERF_HAVE_METASPACE;
        } else if (streq(rest, "lastCause") && e->type == 'B') {
                copy_string(s->last_cause, sizeof s->last_cause, e);
                s->have |= PERF_HAVE_LAST_CAUSE;
        } else if (streq(rest, "policy.name"))
                copy_string(s->gc_policy, sizeof s->gc_policy, e);
}

static void summarize_entry(PerfSummary *s, const PerfEntry *e, Raw *raw) {
        const char *n = e->name;

        if (strncmp(n, "sun.gc.", 7) == 0) {
                summarize_gc(s, n + 7, e, raw);
                return;
        }
        if (e->type != 'J')
                return;
        if (streq(n, "sun.os.hrt.ticks")) {
                raw->hrt_ticks = nonneg(e->value);
                raw->have_ticks = true;
        } else if (streq(n, "sun.os.hrt.frequency")) {
                s->hrt_frequency = nonneg(e->value);
                raw->have_frequency = true;
        } else if (streq(n, "sun.rt.createVmBeginTime")) {
                /* milliseconds since the epoch */
                if (e->value > 0 && (uint64_t) e->value <= UINT64_MAX / USEC_PER_MSEC) {
                        s->vm_start_usec = (uint64_t) e->value * USEC_PER_MSEC;
                        s->have |= PERF_HAVE_VM_START;
                }
        } else if (streq(n, "sun.rt.safepointTime")) {
                raw->safepoint_ticks = nonneg(e->value);
                s->have |= PERF_HAVE_SAFEPOINT;
        } else if (streq(n, "sun.rt.safepoints"))
                s->safepoints = nonneg(e->value);
        else if (streq(n, "java.threads.live")) {
                s->threads_live = nonneg(e->value);
                s->have |= PERF_HAVE_THREADS;
        } else if (streq(n, "java.cls.loadedClasses")) {
                raw->loaded = e->value;
                raw->have_classes = true;
        } else if (streq(n, "java.cls.sharedLoadedClasses"))
                raw->shared_loaded = e->value;
        else if (streq(n, "java.cls.unloadedClasses"))
                raw->unloaded = e->value;
        else if (streq(n, "java.cls.sharedUnloadedClasses"))
                raw->shared_unloaded = e->value;
}

int perfdata_summarize(const PerfData *pd, uint64_t now_realtime_usec, PerfSummary *ret) {
        PerfSummary s = {};
        Raw raw = {};
        PerfIter it = {};
        PerfEntry e;
        int r;

        while ((r = perfdata_next_entry(pd, &it, &e)) > 0)
                summarize_entry(&s, &e, &raw);
        if (r < 0)
                return r;

        if (raw.have_ticks && raw.have_frequency && s.hrt_frequency > 0) {
                s.uptime_usec = ticks_to_usec(raw.hrt_ticks, s.hrt_frequency);
                s.have |= PERF_HAVE_UPTIME;
        } else if ((s.have & PERF_HAVE_VM_START) && now_realtime_usec >= s.vm_start_usec) {
                s.uptime_usec = now_realtime_usec - s.vm_start_usec;
                s.have |= PERF_HAVE_UPTIME;
        }
        s.safepoint_time_usec = ticks_to_usec(raw.safepoint_ticks, s.hrt_frequency);
        for (size_t c = 0; c < PERF_COLLECTORS_MAX; c++) {
                PerfCollector *col = &s.collectors[c];

                if (!col->present)
                        continue;
                col->time_usec = ticks_to_usec(raw.collector_ticks[c], s.hrt_frequency);
                s.gc_invocations = add_sat(s.gc_invocations, col->invocations);
                s.gc_time_usec = add_sat(s.gc_time_usec, col->time_usec);
                s.have |= PERF_HAVE_GC;
        }
        for (size_t g = 0; g < PERF_GENERATIONS_MAX; g++) {
                PerfGeneration *gen = &s.generations[g];

                if (!gen->present)
                        continue;
                for (size_t sp = 0; sp < PERF_SPACES_MAX; sp++)
                        if (gen->spaces[sp].present) {
                                gen->used_bytes = add_sat(gen->used_bytes, gen->spaces[sp].used_bytes);
                                s.have |= PERF_HAVE_HEAP;
                        }
                /* JDK 7's permanent generation is not heap */
                if (streq(gen->name, "perm"))
                        continue;
                s.heap_used_bytes = add_sat(s.heap_used_bytes, gen->used_bytes);
                s.heap_capacity_bytes = add_sat(s.heap_capacity_bytes, gen->capacity_bytes);
                /* "old" in Serial, Parallel and G1 alike (G1 names its one
                 * space "space", the others "old") */
                if (streq(gen->name, "old") && !(s.have & PERF_HAVE_OLD)) {
                        s.old_used_bytes = gen->used_bytes;
                        s.old_capacity_bytes = gen->capacity_bytes;
                        s.have |= PERF_HAVE_OLD;
                }
        }
        if (raw.have_classes) {
                int64_t v = 0;
                /* torn or hostile counters: saturate rather than overflow */
                if (!__builtin_add_overflow(raw.loaded, raw.shared_loaded, &v) &&
                    !__builtin_sub_overflow(v, raw.unloaded, &v) &&
                    !__builtin_sub_overflow(v, raw.shared_unloaded, &v))
                        s.classes_loaded = nonneg(v);
                s.have |= PERF_HAVE_CLASSES;
        }
        *ret = s;
        return 0;
}

/* ---- text ---- */

static void put_ms(FILE *f, uint64_t usec) {
        fprintf(f, "%" PRIu64 ".%03" PRIu64 " ms", usec / USEC_PER_MSEC, usec % USEC_PER_MSEC);
}

static void put_used(FILE *f, uint64_t used, uint64_t capacity) {
        char a[UNIT_SIZE_MAX], b[UNIT_SIZE_MAX];

        fprintf(f, "%s used of %s (%" PRIu64 " of %" PRIu64 " bytes)", unit_format_size_short(a, used),
                unit_format_size_short(b, capacity), used, capacity);
}

/* A name as one line of text, whatever bytes the file holds. */
static void put_name(FILE *f, const char *name) {
        for (const unsigned char *p = (const unsigned char *) name; *p; p++)
                fputc(*p < ' ' || *p == 0x7f ? '?' : *p, f);
}

int perfdata_write_text(const PerfSummary *s, const PerfData *pd, FILE *f) {
        char t[UNIT_SIZE_MAX];

        fprintf(f, "JVM performance counters (hsperfdata, as jstat reads them)\n");
        if (s->have & PERF_HAVE_UPTIME)
                fprintf(f, "uptime: %s\n", unit_format_duration_short(t, s->uptime_usec));
        if (s->have & PERF_HAVE_HEAP) {
                fprintf(f, "heap: ");
                put_used(f, s->heap_used_bytes, s->heap_capacity_bytes);
                fprintf(f, "%s%s\n", s->gc_policy[0] ? ", policy " : "", s->gc_policy);
                for (size_t g = 0; g < PERF_GENERATIONS_MAX; g++) {
                        const PerfGeneration *gen = &s->generations[g];

                        if (!gen->present)
                                continue;
                        fprintf(f, "  generation %zu %s: ", g, gen->name[0] ? gen->name : "?");
                        put_used(f, gen->used_bytes, gen->capacity_bytes);
                        fputc('\n', f);
                        for (size_t sp = 0; sp < PERF_SPACES_MAX; sp++) {
                                const PerfSpace *space = &gen->spaces[sp];

                                if (!space->present)
                                        continue;
                                fprintf(f, "    space %zu %s: ", sp, space->name[0] ? space->name : "?");
                                put_used(f, space->used_bytes, space->capacity_bytes);
                                fputc('\n', f);
                        }
                }
        }
        if (s->have & PERF_HAVE_OLD) {
                fprintf(f, "old gen: ");
                put_used(f, s->old_used_bytes, s->old_capacity_bytes);
                fputc('\n', f);
        }
        if (s->have & PERF_HAVE_METASPACE) {
                fprintf(f, "metaspace: ");
                put_used(f, s->metaspace_used_bytes, s->metaspace_capacity_bytes);
                fputc('\n', f);
        }
        if (s->have & PERF_HAVE_GC) {
                fprintf(f, "gc: %" PRIu64 " collections, ", s->gc_invocations);
                put_ms(f, s->gc_time_usec);
                fputc('\n', f);
                for (size_t c = 0; c < PERF_COLLECTORS_MAX; c++) {
                        const PerfCollector *col = &s->collectors[c];

                        if (!col->present)
                                continue;
                        fprintf(f, "  collector %zu %s: %" PRIu64 " collections, ", c,
                                col->name[0] ? col->name : "?", col->invocations);
                        put_ms(f, col->time_usec);
                        fputc('\n', f);
                }
        }
        if (s->have & PERF_HAVE_LAST_CAUSE)
                fprintf(f, "last gc cause: %s\n", s->last_cause);
        if (s->have & PERF_HAVE_SAFEPOINT) {
                fprintf(f, "safepoints: %" PRIu64 ", ", s->safepoints);
                put_ms(f, s->safepoint_time_usec);
                fputc('\n', f);
        }
        if (s->have & PERF_HAVE_THREADS)
                fprintf(f, "threads live: %" PRIu64 "\n", s->threads_live);
        if (s->have & PERF_HAVE_CLASSES)
                fprintf(f, "classes loaded: %" PRIu64 "\n", s->classes_loaded);

        if (pd) {
                PerfIter it = {};
                PerfEntry e;
                int r;

                fprintf(f, "\nevery counter (name = value units):\n");
                while ((r = perfdata_next_entry(pd, &it, &e)) > 0) {
                        const char *u = perf_units_to_string(e.units);
                        char v[4096]; /* a long class path is cut there */

                        put_name(f, e.name);
                        if (e.type == 'J')
                                fprintf(f, " = %" PRId64 " %s\n", e.value, u ?: "?");
                        else if (e.type == 'B') {
                                copy_string(v, sizeof v, &e);
                                fprintf(f, " = \"%s\"\n", v);
                        } else
                                fprintf(f, " = (type '%c', not read)\n",
                                        e.type >= ' ' && e.type < 0x7f ? e.type : '?');
                }
                if (r < 0)
                        fprintf(f, "(entry %" PRIu32 " is malformed: the rest is not read)\n", it.index);
        }
        if (fflush(f) != 0 || ferror(f))
                return -errno ?: -EIO;
        return 0;
}

const char *perfdata_disabled_reason(const char *cmdline, size_t n) {
        bool no_perf_data = false, no_shared_mem = false;

        for (size_t i = 0; i < n;) {
                const char *w = cmdline + i;
                size_t l = strnlen(w, n - i);

                /* a later option wins, as in the JVM */
                if (l == 16 && memcmp(w, "-XX:-UsePerfData", 16) == 0)
                        no_perf_data = true;
                else if (l == 16 && memcmp(w, "-XX:+UsePerfData", 16) == 0)
                        no_perf_data = false;
                else if (l == 25 && memcmp(w, "-XX:+PerfDisableSharedMem", 25) == 0)
                        no_shared_mem = true;
                else if (l == 25 && memcmp(w, "-XX:-PerfDisableSharedMem", 25) == 0)
                        no_shared_mem = false;
                i += l + 1;
        }
        if (no_perf_data)
                return "the JVM runs with -XX:-UsePerfData: no hsperfdata file";
        if (no_shared_mem)
                return "the JVM runs with -XX:+PerfDisableSharedMem: its counters are not in a file";
        return NULL;
}

/* ---- the file ---- */

int perfdata_read_fd(int fd, uint8_t **ret_buf, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        size_t size, n = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EBADF;
        /* the JVM unlinks its file when it exits: what is left is frozen */
        if (st.st_nlink == 0)
                return -ESTALE;
        if ((uint64_t) st.st_size > PERFDATA_FILE_MAX_BYTES)
                return -EFBIG;
        size = (size_t) st.st_size;
        buf = malloc(size ? size : 1);
        if (!buf)
                return -ENOMEM;
        while (n < size) {
                ssize_t k = pread(fd, buf + n, size - n, (off_t) n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                if (k == 0)
                        break;
                n += (size_t) k;
        }
        *ret_buf = TAKE_PTR(buf);
        *ret_size = n;
        return 0;
}

int perfdata_open_file(const char *proc_root, pid_t pid, pid_t ns_pid, uid_t uid) {
        _cleanup_close_ int root_fd = -EBADF, tmp_fd = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;
        char path[PATH_MAX], name[16];
        struct dirent *de;
        int r = -ENOENT;

        if (pid <= 0 || ns_pid <= 0)
                return -EINVAL;
        snprintf(path, sizeof path, "%s/%d/root", proc_root ?: "/proc", (int) pid);
        /* /proc/PID/root is the process's root; below it nothing is
         * followed: an absolute symlink there would resolve on the host */
        root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root_fd < 0)
                return errno == ENOTDIR ? -ENOENT : -errno;
        tmp_fd = openat(root_fd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (tmp_fd < 0)
                return errno == ENOTDIR || errno == ELOOP ? -ENOENT : -errno;
        d = fdopendir(tmp_fd);
        if (!d)
                return -errno;
        tmp_fd = -EBADF; /* owned by d now */
        snprintf(name, sizeof name, "%d", (int) ns_pid);
        while ((de = readdir(d))) {
                _cleanup_close_ int dir_fd = -EBADF, fd = -EBADF;
                struct stat st;

                if (strncmp(de->d_name, "hsperfdata_", 11) != 0)
                        continue;
                dir_fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (dir_fd < 0 || fstat(dir_fd, &st) < 0 || st.st_uid != uid)
                        continue;
                fd = openat(dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0) {
                        if (errno != ENOENT)
                                r = -errno;
                        continue;
                }
                if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != uid)
                        continue;
                return TAKE_FD(fd);
        }
        return r;
}

int perfdata_read_file(const char *proc_root, pid_t pid, pid_t ns_pid, uid_t uid, uint8_t **ret_buf,
                       size_t *ret_size) {
        _cleanup_close_ int fd = perfdata_open_file(proc_root, pid, ns_pid, uid);

        if (fd < 0)
                return fd;
        return perfdata_read_fd(fd, ret_buf, ret_size);
}

int perfdata_summarize_fd(int fd, uint64_t now_realtime_usec, PerfSummary *ret) {
        _cleanup_free_ uint8_t *buf = NULL;
        PerfData pd;
        size_t n;
        int r;

        r = perfdata_read_fd(fd, &buf, &n);
        if (r < 0)
                return r;
        r = perfdata_parse_prologue(buf, n, &pd);
        if (r < 0)
                return r;
        if (!pd.accessible)
                return -EAGAIN;
        return perfdata_summarize(&pd, now_realtime_usec, ret);
}

int perfdata_read_pid(const char *proc_root, pid_t pid, uid_t uid, PerfSummary *ret) {
        _cleanup_close_ int fd = -EBADF;
        ProcStatus st;
        pid_t ns_pid;
        int r;

        r = procfs_read_status(proc_root, pid, &st);
        if (r < 0)
                return r;
        ns_pid = (st.have & PROC_STATUS_HAVE_NSTGID) && st.nstgid_last > 0 ? st.nstgid_last : pid;
        if (uid == (uid_t) -1) {
                if (!(st.have & PROC_STATUS_HAVE_UID))
                        return -EBADMSG;
                uid = st.euid;
        }
        fd = perfdata_open_file(proc_root, pid, ns_pid, uid);
        if (fd < 0)
                return fd;
        return perfdata_summarize_fd(fd, now_usec(CLOCK_REALTIME), ret);
}
