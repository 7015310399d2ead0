/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture/capture-internal.h"
#include "capture/store.h"

/* ---- names ---- */

/* realtime in UTC with milliseconds, in the shape of the directory stamp
 * (compact) or of RFC 3339, cut to size. */
static void format_utc(usec_t realtime, bool compact, char *buf, size_t size) {
        time_t t = (time_t) (realtime / USEC_PER_SEC);
        struct tm tm;
        char tmp[128];

        gmtime_r(&t, &tm);
        snprintf(tmp, sizeof tmp,
                 compact ? "%04d%02d%02dT%02d%02d%02d.%03uZ" : "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 (unsigned) ((realtime / USEC_PER_MSEC) % 1000));
        snprintf(buf, size, "%.*s", (int) size - 1, tmp);
}

void capture_format_stamp(usec_t realtime, char buf[static 24]) {
        format_utc(realtime, true, buf, 24);
}

void capture_format_rfc3339(usec_t realtime, char buf[static 32]) {
        format_utc(realtime, false, buf, 32);
}

void capture_store_names(usec_t realtime, const char *reason, char ret_name[static CAPTURE_NAME_MAX],
                         char ret_partial[static CAPTURE_PARTIAL_MAX]) {
        char stamp[24];

        capture_format_stamp(realtime, stamp);
        snprintf(ret_name, CAPTURE_NAME_MAX, "%s-%s", stamp, reason);
        snprintf(ret_partial, CAPTURE_PARTIAL_MAX, ".%s.partial", ret_name);
}

/* ---- files and the rename ---- */

int capture_store_create_file(int dir_fd, const char *file) {
        int fd = openat(dir_fd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        return fd < 0 ? -errno : fd;
}

int capture_store_rename(int svc_fd, int dir_fd, const char *partial, const char *name) {
        int r = 0;

        (void) fsync(dir_fd);
        if (renameat(svc_fd, partial, svc_fd, name) < 0)
                r = -errno;
        (void) fsync(svc_fd);
        return r;
}

/* ---- retention ---- */

static uint64_t tree_bytes(int dir_fd) {
        _cleanup_closedir_ DIR *d = fdopendir(dup(dir_fd));
        struct dirent *de;
        uint64_t sum = 0;

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                struct stat st;
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) >= 0 && S_ISREG(st.st_mode))
                        sum += (uint64_t) st.st_blocks * 512;
        }
        return sum;
}

uint64_t capture_store_size(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd >= 0 ? tree_bytes(fd) : 0;
}

static int remove_capture(int svc_fd, const char *name) {
        _cleanup_close_ int fd = openat(svc_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;

        if (fd < 0)
                return -errno;
        d = fdopendir(dup(fd));
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        (void) unlinkat(fd, de->d_name, 0);
        return unlinkat(svc_fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int capture_store_list(int dir_fd, char ***ret_names, size_t *ret_n) {
        _cleanup_closedir_ DIR *d = fdopendir(dup(dir_fd));
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *de;

        *ret_names = NULL;
        *ret_n = 0;
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                struct stat st;
                if (de->d_name[0] == '.')
                        continue; /* ".", "..", partial captures, tarballs */
                if (fstatat(dir_fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                if (n == cap) {
                        size_t nc = cap ? cap * 2 : 16;
                        char **nn = realloc(names, nc * sizeof *nn);
                        if (!nn)
                                break;
                        names = nn;
                        cap = nc;
                }
                names[n] = strdup(de->d_name);
                if (!names[n])
                        break;
                n++;
        }
        /* "YYYYmmddTHHMMSS.mmmZ-reason": the name sorts by time */
        if (n > 0)
                qsort(names, n, sizeof *names, cmp_str);
        else
                names = mfree(names);
        *ret_names = names;
        *ret_n = n;
        return 0;
}

int capture_prune(int dir_fd, uint64_t keep, uint64_t max_bytes) {
        char **names = NULL;
        uint64_t *sizes = NULL, total = 0;
        size_t n = 0, first = 0;
        int removed = 0, r;

        r = capture_store_list(dir_fd, &names, &n);
        if (r < 0)
                return r;
        if (n == 0)
                return 0;
        sizes = calloc(n, sizeof *sizes);
        for (size_t i = 0; sizes && i < n; i++) {
                _cleanup_close_ int fd =
                        openat(dir_fd, names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                sizes[i] = fd >= 0 ? tree_bytes(fd) : 0;
                total += sizes[i];
        }
        while (n - first > 1 &&
               ((keep > 0 && n - first > keep) || (max_bytes > 0 && sizes && total > max_bytes))) {
                if (remove_capture(dir_fd, names[first]) >= 0)
                        removed++;
                if (sizes)
                        total -= sizes[first];
                first++;
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        free(sizes);
        return removed;
}

/* ---- recovery: captures interrupted by a cgwarden that was killed ---- */

/* "20261122T102301.084Z" -> "2026-11-22T10:23:01.084Z"; false when the
 * name does not start with a stamp cgwarden writes. */
static bool stamp_to_rfc3339(const char *name, char out[static 32]) {
        static const char shape[] = "ddddddddTdddddd.dddZ";

        for (size_t i = 0; i < sizeof shape - 1; i++)
                if (shape[i] == 'd' ? name[i] < '0' || name[i] > '9' : name[i] != shape[i])
                        return false;
        snprintf(out, 32, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.3sZ", name, name + 4, name + 6, name + 9,
                 name + 11, name + 13, name + 16);
        return true;
}

/* Finishes one ".NAME.partial" directory of svc_fd: a manifest saying
 * what is there and that it was interrupted, then the rename to NAME
 * (written into name). */
static int recover_one(int svc_fd, const char *service, const char *partial,
                       char name[static CAPTURE_PARTIAL_MAX]) {
        _cleanup_close_ int fd = -EBADF;
        char started[32];
        size_t len = strlen(partial);
        int r;

        /* ".<stamp>-<reason>.partial" */
        if (len < 1 + 21 + 1 + strlen(".partial") || len - 1 - strlen(".partial") >= CAPTURE_PARTIAL_MAX)
                return -EINVAL;
        memcpy(name, partial + 1, len - 1 - strlen(".partial"));
        name[len - 1 - strlen(".partial")] = '\0';
        if (!stamp_to_rfc3339(name, started) || name[20] != '-' || !name[21])
                return -EINVAL;
        fd = openat(svc_fd, partial, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        r = capture_manifest_write_interrupted(fd, service, name + 21, started);
        if (r < 0)
                return r;
        return capture_store_rename(svc_fd, fd, partial, name);
}

int capture_store_recover(const char *dir, capture_recovered_t report, void *userdata) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int n = 0;

        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dir_fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(dup(dir_fd));
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_close_ int svc_fd = -EBADF;
                _cleanup_closedir_ DIR *sd = NULL;
                struct dirent *pe;

                if (de->d_name[0] == '.')
                        continue;
                svc_fd = openat(dir_fd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (svc_fd < 0)
                        continue;
                sd = fdopendir(dup(svc_fd));
                if (!sd)
                        continue;
                while ((pe = readdir(sd))) {
                        char name[CAPTURE_PARTIAL_MAX];
                        int r;
                        size_t l = strlen(pe->d_name);
                        if (pe->d_name[0] != '.' || l < strlen(".partial") ||
                            !streq(pe->d_name + l - strlen(".partial"), ".partial"))
                                continue;
                        r = recover_one(svc_fd, de->d_name, pe->d_name, name);
                        if (r >= 0)
                                n++;
                        if (report)
                                report(de->d_name, pe->d_name, r >= 0 ? name : NULL, r, userdata);
                }
        }
        return n;
}
