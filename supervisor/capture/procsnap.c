/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pmap.txt and tasks.txt from /proc; see procsnap.h. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>

#include "capture/procsnap.h"
#include "base/fs-util.h"
#include "base/parse-util.h"
#include "base/procfs.h"

static bool one_of(char c, const char *set) {
        return c != '\0' && strchr(set, c);
}

static bool is_control(unsigned char c) {
        return c < 0x20 || c == 0x7f;
}

/* s[0..len) with control characters as \ooo, NUL-terminated, into out,
 * which has room for 4 * len + 1 bytes. Returns the length written. */
static size_t escape_into(const char *s, size_t len, char *out) {
        size_t k = 0;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];

                if (is_control(c)) {
                        out[k++] = '\\';
                        out[k++] = (char) ('0' + ((c >> 6) & 7));
                        out[k++] = (char) ('0' + ((c >> 3) & 7));
                        out[k++] = (char) ('0' + (c & 7));
                } else
                        out[k++] = (char) c;
        }
        out[k] = '\0';
        return k;
}

static void fput_escaped(FILE *f, const char *s, size_t len) {
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];

                if (is_control(c))
                        fprintf(f, "\\%03o", c);
                else
                        fputc(c, f);
        }
}

static int write_all(int fd, const char *buf, size_t n) {
        while (n > 0) {
                ssize_t k = write(fd, buf, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                buf += k;
                n -= (size_t) k;
        }
        return 0;
}

static unsigned digits_u64(uint64_t v) {
        unsigned d = 1;

        while (v >= 10) {
                v /= 10;
                d++;
        }
        return d;
}

static bool add_overflows(uint64_t *acc, uint64_t v) {
        return __builtin_add_overflow(*acc, v, acc);
}

/* ---- pmap ---- */

enum {
        KEY_RSS,
        KEY_PRIVATE_DIRTY,
        KEY_SHARED_DIRTY,
        KEY_ANONYMOUS,
        KEY_SWAP,
        _KEY_MAX,
};

static const char *const smaps_keys[_KEY_MAX] = {
        [KEY_RSS] = "Rss",
        [KEY_PRIVATE_DIRTY] = "Private_Dirty",
        [KEY_SHARED_DIRTY] = "Shared_Dirty",
        [KEY_ANONYMOUS] = "Anonymous",
        [KEY_SWAP] = "Swap",
};

typedef struct Mapping {
        uint64_t start;
        uint64_t end;
        uint64_t kb[_KEY_MAX];
        const char *name; /* into the input; NULL: no name */
        size_t name_len;
        size_t index; /* position in the input: the last tie-break */
        unsigned have; /* bits of the keys seen */
        char perms[4];
} Mapping;

/* Up to 16 hex digits at s[*i..len), at least one. */
static int parse_hex(const char *s, size_t len, size_t *i, uint64_t *ret) {
        uint64_t v = 0;
        size_t start = *i, k = *i;

        while (k < len && unhexchar(s[k]) >= 0) {
                if (k - start >= 16)
                        return -EBADMSG;
                v = (v << 4) | (uint64_t) unhexchar(s[k]);
                k++;
        }
        if (k == start)
                return -EBADMSG;
        *i = k;
        *ret = v;
        return 0;
}

/* At least one blank at s[*i], then any more. */
static int skip_separator(const char *s, size_t len, size_t *i) {
        size_t k = *i;

        if (k >= len || !is_blank(s[k]))
                return -EBADMSG;
        while (k < len && is_blank(s[k]))
                k++;
        *i = k;
        return 0;
}

/* Does the line start like a header, "HEX-"? */
static bool looks_like_header(const char *line, size_t len) {
        size_t i = 0;

        while (i < len && unhexchar(line[i]) >= 0)
                i++;
        return i > 0 && i < len && line[i] == '-';
}

/* "START-END PERMS OFFSET MAJOR:MINOR INODE[ <blanks>NAME]" */
static int parse_header(const char *line, size_t len, Mapping *m) {
        uint64_t v;
        size_t i = 0, start;
        int r;

        r = parse_hex(line, len, &i, &m->start);
        if (r < 0)
                return r;
        if (i >= len || line[i] != '-')
                return -EBADMSG;
        i++;
        r = parse_hex(line, len, &i, &m->end);
        if (r < 0)
                return r;
        if (m->end <= m->start)
                return -EBADMSG;
        r = skip_separator(line, len, &i);
        if (r < 0)
                return r;

        if (len - i < 4 || !one_of(line[i], "r-") || !one_of(line[i + 1], "w-") ||
            !one_of(line[i + 2], "x-") || !one_of(line[i + 3], "ps"))
                return -EBADMSG;
        memcpy(m->perms, line + i, 4);
        i += 4;
        r = skip_separator(line, len, &i);
        if (r < 0)
                return r;

        r = parse_hex(line, len, &i, &v); /* offset */
        if (r < 0)
                return r;
        r = skip_separator(line, len, &i);
        if (r < 0)
                return r;

        r = parse_hex(line, len, &i, &v); /* device major */
        if (r < 0)
                return r;
        if (i >= len || line[i] != ':')
                return -EBADMSG;
        i++;
        r = parse_hex(line, len, &i, &v); /* minor */
        if (r < 0)
                return r;
        r = skip_separator(line, len, &i);
        if (r < 0)
                return r;

        start = i; /* inode */
        while (i < len && is_digit(line[i]))
                i++;
        if (i == start || i - start > 20)
                return -EBADMSG;

        m->name = NULL;
        m->name_len = 0;
        if (i < len) {
                r = skip_separator(line, len, &i);
                if (r < 0)
                        return r;
                if (i < len) {
                        m->name = line + i;
                        m->name_len = len - i;
                }
        }
        return 0;
}

/* "  1004 kB" (blanks before and after allowed) -> 1004. */
static int parse_kb(const char *s, size_t len, uint64_t *ret) {
        uint64_t v = 0;
        size_t i = 0, start, n;
        int r;

        while (i < len && is_blank(s[i]))
                i++;
        while (len > i && is_blank(s[len - 1]))
                len--;
        start = i;
        r = scan_u64(s + i, len - i, &n, &v);
        if (r < 0)
                return r;
        i += n;
        if (i == start || len - i != 3 || memcmp(s + i, " kB", 3) != 0)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* "Key:value": a letter, then letters, digits or '_', then ':'. Returns
 * the key's index, _KEY_MAX for a key we do not read, or -EBADMSG when the
 * line is not a key line. */
static int parse_key(const char *line, size_t len, size_t *ret_value_pos) {
        size_t i = 0;

        if (len == 0 || !((line[0] >= 'A' && line[0] <= 'Z') || (line[0] >= 'a' && line[0] <= 'z')))
                return -EBADMSG;
        while (i < len && line[i] != ':') {
                char c = line[i];

                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'))
                        return -EBADMSG;
                i++;
        }
        if (i >= len)
                return -EBADMSG;
        *ret_value_pos = i + 1;
        for (int k = 0; k < _KEY_MAX; k++)
                if (strlen(smaps_keys[k]) == i && memcmp(line, smaps_keys[k], i) == 0)
                        return k;
        return _KEY_MAX;
}

static int mapping_compare(const void *a, const void *b) {
        const Mapping *x = a, *y = b;

        if (x->kb[KEY_RSS] != y->kb[KEY_RSS])
                return x->kb[KEY_RSS] > y->kb[KEY_RSS] ? -1 : 1;
        if (x->start != y->start)
                return x->start < y->start ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int parse_smaps(const char *buf, size_t n, Mapping **ret, size_t *ret_n) {
        _cleanup_free_ Mapping *maps = NULL;
        size_t n_maps = 0, alloc = 0, pos = 0, len;
        const char *line;

        while (next_line(buf, n, &pos, &line, &len)) {
                size_t vpos;
                int k, r;

                if (len == 0)
                        continue;
                if (looks_like_header(line, len)) {
                        Mapping m = { .index = n_maps };

                        r = parse_header(line, len, &m);
                        if (r < 0)
                                return r;
                        if (n_maps >= PROCSNAP_MAPPINGS_MAX)
                                return -E2BIG;
                        if (n_maps == alloc) {
                                size_t want = alloc ? alloc * 2 : 256;
                                Mapping *t = reallocarray(maps, want, sizeof(Mapping));

                                if (!t)
                                        return -ENOMEM;
                                maps = t;
                                alloc = want;
                        }
                        maps[n_maps++] = m;
                        continue;
                }

                k = parse_key(line, len, &vpos);
                if (k < 0 || n_maps == 0)
                        return -EBADMSG;
                if (k == _KEY_MAX || (maps[n_maps - 1].have & (1U << k)))
                        continue;
                r = parse_kb(line + vpos, len - vpos, &maps[n_maps - 1].kb[k]);
                if (r < 0)
                        return r;
                maps[n_maps - 1].have |= 1U << k;
        }
        if (n_maps == 0)
                return -EBADMSG;

        *ret = TAKE_PTR(maps);
        *ret_n = n_maps;
        return 0;
}

int procsnap_pmap_format(const char *smaps, size_t n, FILE *out, ProcPmapTotals *ret_totals) {
        _cleanup_free_ Mapping *maps = NULL;
        ProcPmapTotals t = {};
        unsigned w_size, w_rss, w_dirty;
        size_t n_maps = 0;
        int r;

        if ((!smaps && n > 0) || !out)
                return -EINVAL;

        r = parse_smaps(smaps, n, &maps, &n_maps);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n_maps; i++) {
                const Mapping *m = &maps[i];
                uint64_t dirty = m->kb[KEY_PRIVATE_DIRTY];

                if (add_overflows(&dirty, m->kb[KEY_SHARED_DIRTY]) ||
                    add_overflows(&t.size_kb, (m->end - m->start) >> 10) ||
                    add_overflows(&t.rss_kb, m->kb[KEY_RSS]) || add_overflows(&t.dirty_kb, dirty) ||
                    add_overflows(&t.anon_rss_kb, m->kb[KEY_ANONYMOUS]) ||
                    add_overflows(&t.swap_kb, m->kb[KEY_SWAP]))
                        return -ERANGE;
        }
        t.mappings = n_maps;

        qsort(maps, n_maps, sizeof(Mapping), mapping_compare);

        w_size = MAX(7U, digits_u64(t.size_kb));
        w_rss = MAX(7U, digits_u64(t.rss_kb));
        w_dirty = MAX(7U, digits_u64(t.dirty_kb));

        fprintf(out, "%-16s %*s %*s %*s %-5s %s\n", "Address", (int) w_size, "Kbytes", (int) w_rss, "RSS",
                (int) w_dirty, "Dirty", "Mode", "Mapping");
        for (size_t i = 0; i < n_maps; i++) {
                const Mapping *m = &maps[i];
                char mode[6] = {
                        m->perms[0], m->perms[1], m->perms[2], m->perms[3] == 's' ? 's' : '-', '-', '\0',
                };

                fprintf(out, "%016" PRIx64 " %*" PRIu64 " %*" PRIu64 " %*" PRIu64 " %s ", m->start,
                        (int) w_size, (m->end - m->start) >> 10, (int) w_rss, m->kb[KEY_RSS], (int) w_dirty,
                        m->kb[KEY_PRIVATE_DIRTY] + m->kb[KEY_SHARED_DIRTY], mode);
                if (m->name)
                        fput_escaped(out, m->name, m->name_len);
                else
                        fputs("[ anon ]", out);
                fputc('\n', out);
        }
        fprintf(out, "---------------- ");
        for (unsigned w = 0; w < w_size; w++)
                fputc('-', out);
        fputc(' ', out);
        for (unsigned w = 0; w < w_rss; w++)
                fputc('-', out);
        fputc(' ', out);
        for (unsigned w = 0; w < w_dirty; w++)
                fputc('-', out);
        fputc('\n', out);
        fprintf(out, "%-16s %*" PRIu64 " %*" PRIu64 " %*" PRIu64 "\n", "total kB", (int) w_size, t.size_kb,
                (int) w_rss, t.rss_kb, (int) w_dirty, t.dirty_kb);

        if (fflush(out) != 0 || ferror(out))
                return -EIO;
        if (ret_totals)
                *ret_totals = t;
        return 0;
}

/* Format into memory, then write: nothing reaches out_fd on failure. */
typedef struct MemOut {
        char *buf;
        size_t size;
        FILE *f;
} MemOut;

static int memout_open(MemOut *m) {
        *m = (MemOut){};
        m->f = open_memstream(&m->buf, &m->size);
        return m->f ? 0 : negative_errno();
}

static void memout_done(MemOut *m) {
        if (m->f)
                fclose(m->f);
        m->f = NULL;
        free(m->buf);
        m->buf = NULL;
}

static int memout_write(MemOut *m, int fd) {
        int r = fclose(m->f);

        m->f = NULL;
        if (r != 0)
                return -ENOMEM;
        return write_all(fd, m->buf, m->size);
}

int procsnap_write_pmap(const char *proc_root, pid_t pid, int out_fd, ProcPmapTotals *ret_totals) {
        _cleanup_(memout_done) MemOut mo = {};
        _cleanup_free_ char *path = NULL, *buf = NULL;
        ProcPmapTotals t;
        size_t n = 0;
        int r;

        if (pid <= 0 || out_fd < 0)
                return -EINVAL;
        if (asprintf(&path, "%s/%d/smaps", proc_root ?: "/proc", (int) pid) < 0)
                return -ENOMEM;
        r = procfs_read_full(path, PROCSNAP_SMAPS_MAX_BYTES, &buf, &n);
        if (r < 0)
                return r;
        /* a zombie or a kernel thread: no mappings */
        if (n == 0)
                return -ESRCH;

        r = memout_open(&mo);
        if (r < 0)
                return r;
        r = procsnap_pmap_format(buf, n, mo.f, &t);
        if (r < 0)
                return r;
        r = memout_write(&mo, out_fd);
        if (r < 0)
                return r;
        if (ret_totals)
                *ret_totals = t;
        return 0;
}

/* ---- tasks ---- */

/* Groups by pattern in a hash table (open addressing) as names come in,
 * so that a reader need not keep every name. */
typedef struct Grouper {
        TaskGroup *groups;
        size_t n_groups;
        size_t alloc_groups;
        size_t *slots; /* group index + 1; 0: free */
        size_t n_slots; /* a power of two */
        size_t total;
        bool full_names; /* not comms: a 15-byte name was not cut by the kernel */
} Grouper;

static void grouper_done(Grouper *g) {
        free(g->groups);
        free(g->slots);
        *g = (Grouper){};
}

/* The pattern of name[0..len) (see procsnap.h); pattern has
 * PROCSNAP_TASK_NAME_MAX bytes. */
static void task_pattern(const char *name, size_t len, bool full_names, char *pattern) {
        bool cut = !full_names && len == PROCSNAP_COMM_LEN_MAX;
        size_t k = 0;

        len = MIN(len, (size_t) PROCSNAP_TASK_NAME_MAX - 1);
        if (cut)
                while (len > 0 && is_digit(name[len - 1]))
                        len--;
        for (size_t i = 0; i < len; i++) {
                if (is_digit(name[i])) {
                        while (i + 1 < len && is_digit(name[i + 1]))
                                i++;
                        pattern[k++] = '#';
                } else
                        pattern[k++] = name[i];
        }
        /* k <= len <= 15 when cut: the '*' fits */
        if (cut)
                pattern[k++] = '*';
        pattern[k] = '\0';
}

static uint64_t hash_string(const char *s) {
        uint64_t h = UINT64_C(14695981039346656037);

        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= UINT64_C(1099511628211);
        }
        return h;
}

static int grouper_grow_slots(Grouper *g) {
        size_t n_slots = g->n_slots ? g->n_slots * 2 : 64;
        size_t *slots = calloc(n_slots, sizeof(size_t));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < g->n_groups; i++) {
                size_t s = (size_t) hash_string(g->groups[i].pattern) & (n_slots - 1);

                while (slots[s] != 0)
                        s = (s + 1) & (n_slots - 1);
                slots[s] = i + 1;
        }
        free(g->slots);
        g->slots = slots;
        g->n_slots = n_slots;
        return 0;
}

/* Add name[0..len) (up to its first NUL, if any). */
static int grouper_add(Grouper *g, const char *name, size_t len) {
        char pattern[PROCSNAP_TASK_NAME_MAX], example[PROCSNAP_TASK_NAME_MAX];
        size_t s;
        int r;

        if (g->total >= PROCSNAP_TASKS_MAX)
                return -E2BIG;
        len = strnlen(name, len);
        task_pattern(name, len, g->full_names, pattern);
        len = MIN(len, sizeof(example) - 1);
        memcpy(example, name, len);
        example[len] = '\0';

        /* keep the load at most 1/2 */
        if ((g->n_groups + 1) * 2 > g->n_slots) {
                r = grouper_grow_slots(g);
                if (r < 0)
                        return r;
        }
        s = (size_t) hash_string(pattern) & (g->n_slots - 1);
        while (g->slots[s] != 0) {
                TaskGroup *t = &g->groups[g->slots[s] - 1];

                if (streq(t->pattern, pattern)) {
                        t->count++;
                        if (strcmp(example, t->example) < 0)
                                memcpy(t->example, example, sizeof(example));
                        g->total++;
                        return 0;
                }
                s = (s + 1) & (g->n_slots - 1);
        }

        if (g->n_groups == g->alloc_groups) {
                size_t want = g->alloc_groups ? g->alloc_groups * 2 : 16;
                TaskGroup *grown = reallocarray(g->groups, want, sizeof(TaskGroup));

                if (!grown)
                        return -ENOMEM;
                g->groups = grown;
                g->alloc_groups = want;
        }
        TaskGroup *added = &g->groups[g->n_groups];
        memcpy(added->pattern, pattern, sizeof(pattern));
        memcpy(added->example, example, sizeof(example));
        added->count = 1;
        g->slots[s] = ++g->n_groups;
        g->total++;
        return 0;
}

static int group_compare(const void *a, const void *b) {
        const TaskGroup *x = a, *y = b;

        if (x->count != y->count)
                return x->count > y->count ? -1 : 1;
        return strcmp(x->pattern, y->pattern);
}

/* Sort the groups and hand them out. */
static void grouper_finish(Grouper *g, TaskGroup **ret, size_t *ret_n) {
        if (g->n_groups > 0)
                qsort(g->groups, g->n_groups, sizeof(TaskGroup), group_compare);
        *ret = TAKE_PTR(g->groups);
        *ret_n = g->n_groups;
        grouper_done(g);
}

static int group_names(const char *const *names, size_t n, bool full_names, TaskGroup **ret, size_t *ret_n) {
        _cleanup_(grouper_done) Grouper g = { .full_names = full_names };
        int r;

        if (!names && n > 0)
                return -EINVAL;
        if (n > PROCSNAP_TASKS_MAX)
                return -E2BIG;
        for (size_t i = 0; i < n; i++)
                if (!names[i])
                        return -EINVAL;
        for (size_t i = 0; i < n; i++) {
                r = grouper_add(&g, names[i], strlen(names[i]));
                if (r < 0)
                        return r;
        }
        grouper_finish(&g, ret, ret_n);
        return 0;
}

int procsnap_tasks_group(const char *const *names, size_t n, TaskGroup **ret, size_t *ret_n) {
        return group_names(names, n, false, ret, ret_n);
}

static bool is_task_id(const char *s) {
        if (!is_digit(s[0]))
                return false;
        for (; *s; s++)
                if (!is_digit(*s))
                        return false;
        return true;
}

/* The comm of task tid in the task directory dir_fd, into buf (size
 * bytes), without the newline. Returns the length, or -errno. */
static ssize_t read_comm(int dir_fd, const char *tid, char *buf, size_t size) {
        char path[PATH_MAX];
        ssize_t k;

        if ((size_t) snprintf(path, sizeof(path), "%s/comm", tid) >= sizeof(path))
                return -ENAMETOOLONG;
        _cleanup_close_ int fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return negative_errno();
        do
                k = read(fd, buf, size);
        while (k < 0 && errno == EINTR);
        if (k < 0)
                return negative_errno();
        if (k > 0 && buf[k - 1] == '\n')
                k--;
        return k;
}

/* Add the comms of process pid's tasks to g; the number added to
 * *ret_n. Returns 0, -ENOENT/-ESRCH when it is gone, or -errno. */
static int add_process_tasks(const char *proc_root, pid_t pid, Grouper *g, size_t *ret_n,
                             char comm0[static PROCSNAP_TASK_NAME_MAX + 1]) {
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *path = NULL;
        size_t before = g->total;
        int r;

        comm0[0] = 0;
        if (asprintf(&path, "%s/%d/task", proc_root ?: "/proc", (int) pid) < 0)
                return -ENOMEM;
        _cleanup_close_ int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        d = fdopendir(dir_fd);
        if (!d)
                return negative_errno();
        (void) TAKE_FD(dir_fd);

        for (;;) {
                /* a comm is 15 bytes; kernel threads' may be longer on newer
                 * kernels: read more than a name keeps */
                char comm[PROCSNAP_TASK_NAME_MAX + 1] = {};
                struct dirent *de;
                ssize_t k;

                errno = 0;
                de = readdir(d);
                if (!de) {
                        if (errno == 0)
                                break;
                        /* the process went away while we listed it */
                        if (errno == ENOENT || errno == ESRCH)
                                break;
                        return negative_errno();
                }
                if (!is_task_id(de->d_name))
                        continue;
                k = read_comm(dirfd(d), de->d_name, comm, sizeof(comm) - 1);
                if (k == -ENOENT || k == -ESRCH)
                        continue; /* the task exited */
                if (k < 0)
                        return (int) k;
                if (atol(de->d_name) == (long) pid || !comm0[0])
                        snprintf(comm0, PROCSNAP_TASK_NAME_MAX + 1, "%.*s", (int) k, comm);
                r = grouper_add(g, comm, (size_t) k);
                if (r < 0)
                        return r;
        }
        *ret_n = g->total - before;
        return 0;
}

typedef struct ProcLine {
        pid_t pid;
        size_t threads;
        char comm[PROCSNAP_TASK_NAME_MAX + 1];
} ProcLine;

static int procline_compare(const void *a, const void *b) {
        const ProcLine *x = a, *y = b;

        if (x->threads != y->threads)
                return x->threads > y->threads ? -1 : 1;
        return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* The groups as tasks.txt writes them, below a header line. */
static void write_groups(FILE *f, const char *header, const TaskGroup *groups, size_t n_groups) {
        char esc[4 * PROCSNAP_TASK_NAME_MAX + 1];
        size_t w_pattern = strlen("pattern");
        unsigned w_count = MAX(5U, n_groups > 0 ? digits_u64(groups[0].count) : 1U);

        for (size_t i = 0; i < n_groups; i++)
                w_pattern = MAX(w_pattern, escape_into(groups[i].pattern, strlen(groups[i].pattern), esc));
        fputs(header, f);
        fprintf(f, "  %*s  %s\n", (int) w_count, "count", "pattern");
        for (size_t i = 0; i < n_groups; i++) {
                escape_into(groups[i].pattern, strlen(groups[i].pattern), esc);
                fprintf(f, "  %*zu  %-*s  (e.g. ", (int) w_count, groups[i].count, (int) w_pattern, esc);
                escape_into(groups[i].example, strlen(groups[i].example), esc);
                fprintf(f, "%s)\n", esc);
        }
}

/* The groups by comm, under their header line. */
static void write_comm_groups(FILE *f, size_t total, const TaskGroup *groups, size_t n_groups) {
        char header[200];

        snprintf(header, sizeof header,
                 "%zu thread%s in %zu group%s by name (comm: '#' a number, '*' cut by the kernel at %u "
                 "bytes)\n",
                 total, total == 1 ? "" : "s", n_groups, n_groups == 1 ? "" : "s", PROCSNAP_COMM_LEN_MAX);
        write_groups(f, header, groups, n_groups);
}

static void top_into(const TaskGroup *groups, char *ret_top, size_t top_size) {
        char esc[4 * PROCSNAP_TASK_NAME_MAX + 1];
        size_t len;

        if (!ret_top || top_size == 0)
                return;
        len = MIN(escape_into(groups[0].pattern, strlen(groups[0].pattern), esc), top_size - 1);
        memcpy(ret_top, esc, len);
        ret_top[len] = '\0';
}

int procsnap_write_cgroup_tasks(const char *proc_root, const pid_t *pids, size_t n_pids, int out_fd,
                                char *ret_top, size_t top_size, size_t *ret_total) {
        _cleanup_(grouper_done) Grouper g = {};
        _cleanup_(memout_done) MemOut mo = {};
        _cleanup_free_ TaskGroup *groups = NULL;
        _cleanup_free_ ProcLine *procs = NULL;
        char esc[4 * PROCSNAP_TASK_NAME_MAX + 1];
        size_t n_groups = 0, n_procs = 0, total;
        int r;

        if (!pids || n_pids == 0 || out_fd < 0)
                return -EINVAL;
        for (size_t i = 0; i < n_pids; i++)
                if (pids[i] <= 0)
                        return -EINVAL;
        procs = calloc(n_pids, sizeof(ProcLine));
        if (!procs)
                return -ENOMEM;
        for (size_t i = 0; i < n_pids; i++) {
                size_t n = 0;

                r = add_process_tasks(proc_root, pids[i], &g, &n, procs[n_procs].comm);
                if (r == -ENOENT || r == -ESRCH)
                        continue; /* it exited */
                if (r < 0)
                        return r;
                if (n == 0)
                        continue;
                procs[n_procs].pid = pids[i];
                procs[n_procs++].threads = n;
        }
        total = g.total;
        if (total == 0)
                return -ESRCH;
        grouper_finish(&g, &groups, &n_groups);
        qsort(procs, n_procs, sizeof(ProcLine), procline_compare);

        r = memout_open(&mo);
        if (r < 0)
                return r;
        /* every process of the cgroup, most threads first */
        fprintf(mo.f, "%zu process%s, %zu thread%s in the cgroup\n", n_procs, n_procs == 1 ? "" : "es",
                total, total == 1 ? "" : "s");
        fprintf(mo.f, "  %8s  %7s  %s\n", "pid", "threads", "comm");
        for (size_t i = 0; i < MIN(n_procs, (size_t) PROCSNAP_PROCS_LISTED); i++) {
                escape_into(procs[i].comm, strlen(procs[i].comm), esc);
                fprintf(mo.f, "  %8d  %7zu  %s\n", (int) procs[i].pid, procs[i].threads, esc);
        }
        if (n_procs > PROCSNAP_PROCS_LISTED)
                fprintf(mo.f, "  ... %zu more processes\n", n_procs - PROCSNAP_PROCS_LISTED);
        write_comm_groups(mo.f, total, groups, n_groups);
        r = memout_write(&mo, out_fd);
        if (r < 0)
                return r;
        top_into(groups, ret_top, top_size);
        if (ret_total)
                *ret_total = total;
        return 0;
}

int procsnap_write_tasks(const char *proc_root, pid_t pid, int out_fd, char *ret_top, size_t top_size,
                         size_t *ret_total) {
        _cleanup_(grouper_done) Grouper g = {};
        _cleanup_(memout_done) MemOut mo = {};
        _cleanup_free_ TaskGroup *groups = NULL;
        char comm0[PROCSNAP_TASK_NAME_MAX + 1];
        size_t n_groups = 0, n = 0;
        int r;

        if (pid <= 0 || out_fd < 0)
                return -EINVAL;
        r = add_process_tasks(proc_root, pid, &g, &n, comm0);
        if (r < 0)
                return r;
        if (g.total == 0)
                return -ESRCH;
        grouper_finish(&g, &groups, &n_groups);
        r = memout_open(&mo);
        if (r < 0)
                return r;
        write_comm_groups(mo.f, n, groups, n_groups);
        r = memout_write(&mo, out_fd);
        if (r < 0)
                return r;
        top_into(groups, ret_top, top_size);
        if (ret_total)
                *ret_total = n;
        return 0;
}

int procsnap_java_thread_names(const char *dump, size_t n, char ***ret_names, size_t *ret_n) {
        char **names = NULL;
        size_t k = 0, alloc = 0;

        if (!dump || !ret_names || !ret_n)
                return -EINVAL;
        for (size_t i = 0; i < n;) {
                const char *l = dump + i, *e = memchr(l, '\n', n - i), *q = NULL;
                size_t len = e ? (size_t) (e - l) : n - i;

                i += len + 1;
                /* '"NAME" #23 daemon prio=5 ...' (JDK 21+: '"NAME" #23 [1234] ...'):
                 * the name ends at the last quote followed by " #" */
                if (len < 3 || l[0] != '"')
                        continue;
                for (const char *p = l + 1; p + 2 < l + len; p++)
                        if (p[0] == '"' && p[1] == ' ' && p[2] == '#')
                                q = p;
                if (!q)
                        continue;
                if (k == alloc) {
                        size_t na = alloc ? alloc * 2 : 64;
                        char **nn;
                        if (na > PROCSNAP_TASKS_MAX)
                                break;
                        nn = realloc(names, na * sizeof(char *));
                        if (!nn)
                                goto oom;
                        names = nn;
                        alloc = na;
                }
                names[k] = strndup(l + 1, (size_t) (q - l - 1));
                if (!names[k])
                        goto oom;
                k++;
        }
        *ret_names = names;
        *ret_n = k;
        return 0;
oom:
        for (size_t j = 0; j < k; j++)
                free(names[j]);
        free(names);
        return -ENOMEM;
}

int procsnap_write_java_groups(char *const *names, size_t n, int out_fd, char *ret_top, size_t top_size) {
        _cleanup_(memout_done) MemOut mo = {};
        _cleanup_free_ TaskGroup *groups = NULL;
        char header[200];
        size_t n_groups = 0;
        int r;

        if (out_fd < 0 || n == 0)
                return -EINVAL;
        /* full names: a 15-byte one ("Attach Listener") is not cut */
        r = group_names((const char *const *) names, n, true, &groups, &n_groups);
        if (r < 0)
                return r;
        r = memout_open(&mo);
        if (r < 0)
                return r;
        snprintf(header, sizeof header,
                 "\n%zu Java thread%s in %zu group%s by their full names (threads.txt; '#' a number)\n", n,
                 n == 1 ? "" : "s", n_groups, n_groups == 1 ? "" : "s");
        write_groups(mo.f, header, groups, n_groups);
        r = memout_write(&mo, out_fd);
        if (r < 0)
                return r;
        top_into(groups, ret_top, top_size);
        return 0;
}
