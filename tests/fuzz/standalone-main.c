/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Runs a fuzz target over files without libFuzzer, so the corpora are
 * regression tests in every build (any compiler). Arguments are files or
 * directories (their regular files, not recursive); no argument reads
 * stdin. Exits non-zero only if a file cannot be read: a failed check in
 * the target aborts. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_fd(int fd, const char *name) {
        uint8_t *buf = NULL;
        size_t size = 0, alloc = 0;

        for (;;) {
                ssize_t k;

                if (size == alloc) {
                        uint8_t *t;

                        alloc = alloc ? alloc * 2 : 65536;
                        t = realloc(buf, alloc);
                        if (!t) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = t;
                }
                k = read(fd, buf + size, alloc - size);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        fprintf(stderr, "%s: %s\n", name, strerror(errno));
                        free(buf);
                        return -errno;
                }
                if (k == 0)
                        break;
                size += (size_t) k;
        }

        (void) LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        return 0;
}

static int run_file(const char *path) {
        int fd, r;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        r = run_fd(fd, path);
        close(fd);
        return r;
}

static int run_dir(const char *path, unsigned *n) {
        struct dirent **entries;
        int k, r = 0;

        /* sorted, so a failure always shows up at the same input */
        k = scandir(path, &entries, NULL, alphasort);
        if (k < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        for (int i = 0; i < k; i++) {
                char *p;
                struct stat st;

                if (entries[i]->d_name[0] != '.' && asprintf(&p, "%s/%s", path, entries[i]->d_name) >= 0) {
                        if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                                if (run_file(p) < 0)
                                        r = -EIO;
                                (*n)++;
                        }
                        free(p);
                }
                free(entries[i]);
        }
        free(entries);
        return r;
}

int main(int argc, char **argv) {
        unsigned n = 0;
        int r = 0;

        if (argc < 2)
                return run_fd(STDIN_FILENO, "<stdin>") < 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;

                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
                        r = -errno;
                } else if (S_ISDIR(st.st_mode)) {
                        if (run_dir(argv[i], &n) < 0)
                                r = -EIO;
                } else {
                        if (run_file(argv[i]) < 0)
                                r = -EIO;
                        n++;
                }
        }
        printf("%u input(s) ran\n", n);
        return r < 0 ? 1 : 0;
}
