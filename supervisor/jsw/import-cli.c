/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `cgwarden import-jsw wrapper.conf [--name NAME] [-o FILE]` (jsw-import.h). */

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsw/jsw-import.h"

static void help(FILE *f) {
        fputs("Usage: cgwarden import-jsw wrapper.conf [--name NAME] [-o FILE]\n\n"
              "Write the cgwarden configuration equivalent to a Java Service Wrapper (JSW, or YAJSW)\n"
              "wrapper.conf: the java command line JSW builds (its helper classes replaced by the\n"
              "application's main class or jar), its restart policy, timeouts, output filters and\n"
              "log rolling, and what cgwarden adds (the jvm profile, a memory limit from the heap, a\n"
              "task limit). Includes (#include) and set.VAR / %VAR% are read as JSW reads them.\n"
              "Relative paths are JSW's working directory's: wrapper.working.dir, else the bin/\n"
              "next to the file's directory (where JSW's script starts it), else that directory.\n\n"
              "On stderr, a verdict on every line of the file: mapped, approximated (how),\n"
              "ignored (nothing is lost) or unsupported (why, and what to use instead).\n\n"
              "  -n, --name=NAME     the service's name (default: wrapper.ntservice.name, else the\n"
              "                      application's directory)\n"
              "  -o, --output=FILE   write the configuration to FILE (default: stdout)\n"
              "  -h, --help          this text\n\n"
              "Exit status: 0 when no line was unsupported, 1 when one was (the configuration is\n"
              "written all the same) or FILE cannot be written, 2 for a usage error or a file that\n"
              "cannot be read (the wrapper.conf, or an #include.required).\n",
              f);
}

/* tmp + rename: a reader never sees half a configuration */
static int write_atomic(const char *path, const char *text) {
        _cleanup_free_ char *tmp = NULL;
        size_t len = strlen(text);
        ssize_t k;
        int fd;

        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (size_t off = 0; off < len; off += (size_t) k) {
                k = write(fd, text + off, len - off);
                if (k < 0) {
                        int r = -errno;
                        close(fd);
                        unlink(tmp);
                        return r;
                }
        }
        if (fchmod(fd, 0644) < 0 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
                int r = -errno;
                unlink(tmp);
                return r;
        }
        return 0;
}

int jsw_import_main(int argc, char **argv) {
        static const struct option opts[] = {
                { "name", required_argument, NULL, 'n' },
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_free_ char *real = NULL, *base = NULL;
        _cleanup_strv_free_ char **builtins = NULL;
        _cleanup_(jsw_conf_freep) JswConf *conf = NULL;
        const char *name = NULL, *output = NULL, *path;
        JswImport imp = {};
        char *slash;
        int o, r, status;

        optind = 1;
        while ((o = getopt_long(argc, argv, "n:o:h", opts, NULL)) >= 0)
                switch (o) {
                case 'n':
                        name = optarg;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case 'h':
                        help(stdout);
                        return 0;
                default:
                        help(stderr);
                        return 2;
                }
        if (argc - optind != 1) {
                fprintf(stderr, "cgwarden import-jsw: %s\n",
                        optind < argc ? "one wrapper.conf at a time" : "no wrapper.conf given");
                help(stderr);
                return 2;
        }
        path = argv[optind];
        real = realpath(path, NULL);
        if (!real) {
                fprintf(stderr, "%s: %m\n", path);
                return 2;
        }
        slash = strrchr(real, '/');
        *slash = '\0';
        base = jsw_guess_base_dir(slash == real ? "/" : real);
        builtins = base ? jsw_builtins(base, slash == real ? "/" : real) : NULL;
        if (!builtins) {
                fprintf(stderr, "cgwarden import-jsw: out of memory\n");
                return 1;
        }
        JswReader reader = {
                .read_file = jsw_read_file,
                .base_dir = base,
                .builtins = builtins,
                .envp = environ,
        };
        r = jsw_conf_load(path, &reader, &conf);
        if (r < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return r == -ENOMEM ? 1 : 2;
        }
        JswImportOptions io = {
                .name = name,
                .conf_path = path,
                .base_dir = base,
                .builtins = builtins,
                .envp = environ,
        };
        r = jsw_import(conf, &io, &imp);
        if (r < 0) {
                fprintf(stderr, "cgwarden import-jsw: %s\n", strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < imp.n_entries; i++) {
                _cleanup_free_ char *l = jsw_report_line(&imp.entries[i]);
                fprintf(stderr, "%s\n", l ? l : "(out of memory)");
        }
        fprintf(stderr, "%s: %zu line(s): %u mapped, %u approximated, %u ignored, %u unsupported\n", path,
                imp.n_entries, imp.count[JSW_MAPPED], imp.count[JSW_APPROXIMATED], imp.count[JSW_IGNORED],
                imp.count[JSW_UNSUPPORTED]);
        status = imp.count[JSW_UNSUPPORTED] > 0 ? 1 : 0;
        if (conf->too_big) {
                fprintf(stderr,
                        "%s: with its includes, more than %d lines or %zu MiB: not read whole, nothing "
                        "written\n",
                        path, JSW_LINES_MAX, JSW_TOTAL_BYTES_MAX >> 20);
                jsw_import_done(&imp);
                return 2;
        }
        if (conf->fatal) {
                fprintf(stderr,
                        "%s: a required include cannot be read (JSW would not start): nothing written\n",
                        path);
                jsw_import_done(&imp);
                return 2;
        }
        if (output) {
                r = write_atomic(output, imp.ini);
                if (r < 0) {
                        fprintf(stderr, "%s: %s\n", output, strerror(-r));
                        status = 1;
                } else
                        fprintf(stderr, "Wrote %s (service '%s'); check it with: cgwarden check %s\n",
                                output, imp.name, output);
        } else if (fputs(imp.ini, stdout) < 0 || fflush(stdout) != 0)
                status = 1;
        jsw_import_done(&imp);
        return status;
}
