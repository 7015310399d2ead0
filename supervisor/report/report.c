/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `cgwarden report`: which captures, and where the report goes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fs-util.h"
#include "base/macro.h"
#include "config/config.h"
#include "report/report.h"

#define REPORT_DEFAULT_CONFIG "/etc/cgwarden/cgwarden.ini"
#define REPORT_CAPTURES_MAX 1000U

static void help(FILE *f) {
        fprintf(f,
                "Usage: cgwarden report CAPTURE_DIR|SERVICE_DIR|SERVICE [-c FILE] [--html FILE | --text]\n"
                "       cgwarden report [SERVICE_DIR|SERVICE] --compare A B [--html FILE | --text]\n\n"
                "A report of the evidence: the findings in plain words, the memory, threads and\n"
                "pids over time with the limit and the captures marked, the NMT categories, the\n"
                "top native growth, thread groups, largest mappings, the heap histogram's growth\n"
                "and the strings sampled from memory, each when its file is in the capture.\n"
                "CAPTURE_DIR is one capture (a directory with manifest.json); SERVICE_DIR a\n"
                "service's directory of captures (all of them, oldest first); SERVICE a service\n"
                "name, whose captures are in the capture_dir of the configuration.\n"
                "--compare puts two captures side by side (A and B: capture directories, or\n"
                "their names in the service's directory).\n\n"
                "      --html=FILE       one self-contained HTML page (inline SVG, no script)\n"
                "      --text            text for a terminal (the default)\n"
                "  -c, --config=FILE     the configuration, for SERVICE (default " REPORT_DEFAULT_CONFIG
                ")\n"
                "  -h, --help            this text\n\n"
                "Exit status: 0 written, 1 no capture found or a file could not be written, 2 usage "
                "error.\n");
}

static bool is_capture_dir(const char *path) {
        _cleanup_free_ char *p = NULL;
        if (asprintf(&p, "%s/manifest.json", path) < 0)
                return false;
        return access(p, R_OK) == 0;
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void report_done(Report *r) {
        for (size_t i = 0; i < r->n_captures; i++)
                report_capture_free(r->captures[i]);
        free(r->captures);
        free(r->history);
}

static int add_capture(Report *r, const char *path) {
        ReportCapture *c, **p;
        int k = report_capture_load(path, &c);
        if (k < 0)
                return k;
        p = reallocarray(r->captures, r->n_captures + 1, sizeof(*p));
        if (!p) {
                report_capture_free(c);
                return -ENOMEM;
        }
        r->captures = p;
        r->captures[r->n_captures++] = c;
        return 0;
}

/* Every finished capture below dir (its subdirectories with a manifest;
 * a ".NAME.partial" is not finished), by name: by time. */
static int add_service_dir(Report *r, const char *dir) {
        _cleanup_closedir_ DIR *d = NULL;
        char **names = NULL;
        size_t n = 0;
        struct dirent *de;
        int k = 0;

        d = opendir(dir);
        if (!d)
                return -errno;
        while ((de = readdir(d)) && n < REPORT_CAPTURES_MAX) {
                char *p, **q;
                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
                        k = -ENOMEM;
                        break;
                }
                if (!is_capture_dir(p)) {
                        free(p);
                        continue;
                }
                q = reallocarray(names, n + 1, sizeof(char *));
                if (!q) {
                        free(p);
                        k = -ENOMEM;
                        break;
                }
                names = q;
                names[n++] = p;
        }
        if (n > 0)
                qsort(names, n, sizeof(char *), cmp_str);
        for (size_t i = 0; i < n; i++) {
                if (k >= 0) {
                        int l = add_capture(r, names[i]);
                        if (l < 0)
                                fprintf(stderr, "cgwarden report: %s: %s, ignoring\n", names[i],
                                        strerror(-l));
                }
                free(names[i]);
        }
        free(names);
        if (k < 0)
                return k;
        return r->n_captures > 0 ? 0 : -ENOENT;
}

static int cmp_sample(const void *a, const void *b) {
        const ReportSample *x = a, *y = b;
        return (x->time_ms > y->time_ms) - (x->time_ms < y->time_ms);
}

/* The history of every capture, by time, each time once (captures of one
 * service overlap: each holds the last 10 minutes). */
static int merge_history(Report *r) {
        size_t total = 0, n = 0;
        ReportSample *all;

        for (size_t i = 0; i < r->n_captures; i++)
                total += r->captures[i]->n_history;
        if (total == 0)
                return 0;
        all = calloc(total, sizeof(*all));
        if (!all)
                return -ENOMEM;
        for (size_t i = 0; i < r->n_captures; i++) {
                memcpy(all + n, r->captures[i]->history, r->captures[i]->n_history * sizeof(*all));
                n += r->captures[i]->n_history;
        }
        qsort(all, n, sizeof(*all), cmp_sample);
        total = 0;
        for (size_t i = 0; i < n; i++)
                if (total == 0 || all[total - 1].time_ms != all[i].time_ms)
                        all[total++] = all[i];
        r->history = all;
        r->n_history = total;
        return 0;
}

static int resolve_in(const char *base, const char *name, char **ret) {
        if (!base || is_capture_dir(name))
                return (*ret = strdup(name)) ? 0 : -ENOMEM;
        return asprintf(ret, "%s/%s", base, name) < 0 ? -ENOMEM : 0;
}

/* A SERVICE name: its directory in the configuration's capture_dir. */
static int service_dir_of(const char *config_path, const char *service, char **ret) {
        _cleanup_(config_freep) Config *c = NULL;
        CfgErrors errs = {};
        int k;

        if (strchr(service, '/') || service[0] == '.')
                return -ENOENT;
        k = cfg_load_file(config_path, &c, &errs);
        cfg_errors_done(&errs);
        if (k < 0)
                return k;
        k = config_apply_defaults_for_file(c, config_path);
        if (k < 0)
                return k;
        return asprintf(ret, "%s/%s", c->capture_dir, service) < 0 ? -ENOMEM : 0;
}

int report_main(int argc, char **argv) {
        static const struct option opts[] = {
                { "html", required_argument, NULL, 'H' }, { "text", no_argument, NULL, 't' },
                { "compare", no_argument, NULL, 'C' },    { "config", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },       {},
        };
        const char *html = NULL, *config_path = REPORT_DEFAULT_CONFIG, *target = NULL;
        _cleanup_free_ char *service_dir = NULL;
        bool text = false, compare = false;
        Report r = { .memory_max = UINT64_MAX };
        int o, k, npos;

        optind = 1;
        while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0)
                switch (o) {
                case 'H':
                        html = optarg;
                        break;
                case 't':
                        text = true;
                        break;
                case 'C':
                        compare = true;
                        break;
                case 'c':
                        config_path = optarg;
                        break;
                case 'h':
                        help(stdout);
                        return 0;
                default:
                        help(stderr);
                        return 2;
                }
        npos = argc - optind;
        if ((!compare && npos != 1) || (compare && npos != 2 && npos != 3)) {
                help(stderr);
                return 2;
        }
        if (!html)
                text = true;

        if (!compare || npos == 3) {
                target = argv[optind];
                if (!compare && is_capture_dir(target)) {
                        k = add_capture(&r, target);
                        if (k < 0) {
                                fprintf(stderr, "cgwarden report: %s: %s\n", target, strerror(-k));
                                return 1;
                        }
                } else {
                        struct stat st;
                        if (stat(target, &st) == 0 && S_ISDIR(st.st_mode))
                                service_dir = strdup(target);
                        else {
                                k = service_dir_of(config_path, target, &service_dir);
                                if (k < 0) {
                                        fprintf(stderr,
                                                "cgwarden report: %s: not a capture directory, nor a "
                                                "service of %s: %s\n",
                                                target, config_path, strerror(-k));
                                        return 1;
                                }
                        }
                        if (!service_dir)
                                return 1;
                        if (!compare) {
                                k = add_service_dir(&r, service_dir);
                                if (k < 0) {
                                        fprintf(stderr, "cgwarden report: %s: no capture found: %s\n",
                                                service_dir, strerror(-k));
                                        report_done(&r);
                                        return 1;
                                }
                                r.is_service = true;
                        }
                }
        }
        if (compare) {
                for (int i = npos - 2; i < npos; i++) {
                        _cleanup_free_ char *p = NULL;
                        k = resolve_in(service_dir, argv[optind + i], &p);
                        if (k >= 0)
                                k = add_capture(&r, p);
                        if (k < 0) {
                                fprintf(stderr, "cgwarden report: %s: %s\n", p ?: argv[optind + i],
                                        strerror(-k));
                                report_done(&r);
                                return 1;
                        }
                }
                r.is_compare = true;
        }
        r.title_path = service_dir ?: target ?: r.captures[0]->path;
        k = merge_history(&r);
        if (k < 0) {
                report_done(&r);
                return 1;
        }
        for (size_t i = r.n_captures; i > 0; i--)
                if (r.captures[i - 1]->memory_max != UINT64_MAX) {
                        r.memory_max = r.captures[i - 1]->memory_max;
                        break;
                }

        k = 0;
        if (html) {
                FILE *f = fopen(html, "we");
                if (!f) {
                        fprintf(stderr, "cgwarden report: %s: %m\n", html);
                        report_done(&r);
                        return 1;
                }
                k = report_write_html(&r, f);
                if (fclose(f) != 0 && k >= 0)
                        k = -errno;
                if (k < 0)
                        fprintf(stderr, "cgwarden report: %s: %s\n", html, strerror(-k));
        }
        if (text && k >= 0) {
                k = report_write_text(&r, stdout);
                if (fflush(stdout) != 0 && k >= 0)
                        k = -errno;
        }
        report_done(&r);
        return k < 0 ? 1 : 0;
}
