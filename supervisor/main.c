/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cgwarden: the command line. Exit status: 0 success, 1 runtime failure,
 * 2 usage or configuration error. */
#include <getopt.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture/capture.h"
#include "capture/hotspot.h"
#include "cgw-config.h"
#include "config/config.h"
#include "control/control-client.h"
#include "jsw/jsw-import.h"
#include "base/log.h"
#include "manager.h"
#include "report/report.h"
#include "base/units.h"

#define DEFAULT_CONFIG "/etc/cgwarden/cgwarden.ini"

static const char *prog = "cgwarden";

static void help_main(FILE *f) {
        fprintf(f,
                "cgwarden %s: launch services in their own cgroups, watch their memory and tasks,\n"
                "and capture the evidence before the kernel kills them.\n\n"
                "Usage:\n"
                "  cgwarden run [-c FILE]              supervise every service in FILE (foreground)\n"
                "  cgwarden exec [--KEY=VALUE ...] -- CMD [ARG ...]\n"
                "                                      supervise one command, no config file\n"
                "  cgwarden check [--syntax-only] FILE validate; exit 0 if valid, 2 if not\n"
                "  cgwarden status [NAME] [--json]     ask the running supervisor\n"
                "  cgwarden capture NAME               capture evidence now\n"
                "  cgwarden capture --pid PID [--out DIR]\n"
                "                                      capture evidence of any process, no supervisor\n"
                "  cgwarden start|stop|restart NAME    a service, or a watched unit (through systemd)\n"
                "  cgwarden attach PID COMMAND [ARG ...]\n"
                "                                      run a diagnostic command in a HotSpot JVM\n"
                "  cgwarden report CAPTURE_DIR|SERVICE [--html FILE | --text] [--compare A B]\n"
                "                                      the evidence as a report (text, or one HTML page)\n"
                "  cgwarden import-jsw wrapper.conf [--name NAME] [-o FILE]\n"
                "                                      a JSW wrapper.conf as a cgwarden configuration\n"
                "  cgwarden --version | --help\n\n"
                "'cgwarden COMMAND --help' describes one command.\n"
                "Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.\n",
                CGW_VERSION);
}

static void help_run(FILE *f) {
        fprintf(f, "Usage: cgwarden run [-c FILE]\n\n"
                   "Supervise every [service:NAME] of FILE (default " DEFAULT_CONFIG ") in the\n"
                   "foreground, each in its own cgroup below cgwarden's own. SIGTERM or SIGINT stop\n"
                   "all services gracefully and exit 0 (a second one kills them at once); SIGHUP\n"
                   "reloads FILE: added, removed and changed services are started, stopped and\n"
                   "restarted, unchanged ones keep running. A config error at reload keeps the\n"
                   "running configuration.\n\n"
                   "  -c, --config FILE   configuration file\n"
                   "  -h, --help          this text\n");
}

static void help_exec(FILE *f) {
        const char *const *keys = service_config_keys();

        fprintf(f, "Usage: cgwarden exec [--KEY=VALUE ...] -- CMD [ARG ...]\n\n"
                   "Supervise one command without a config file. Every service key is accepted as\n"
                   "--key-name=VALUE (underscore becomes dash); the command is given as arguments\n"
                   "(not as --exec). Its output goes to cgwarden's stdout and stderr. With\n"
                   "--restart=no, cgwarden exits with the command's status (128+N for signal N).\n"
                   "SIGTERM or SIGINT stop the command gracefully.\n\n"
                   "As a container's entrypoint (PID 1 in a cgroup it may not create cgroups in,\n"
                   "or --guard-self) the command runs in cgwarden's own cgroup, whose limits are\n"
                   "the container's (memory_max, memory_high, pids_max and cpu_max are errors, and\n"
                   "nothing is written to the cgroup); restart defaults to no; orphans are reaped;\n"
                   "SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGWINCH are forwarded to the command.\n\n"
                   "Extra options:\n"
                   "  --name=NAME         service (and cgroup) name; default: the command's basename\n"
                   "  --capture-dir=DIR   where evidence is written\n"
                   "  --termination-log=PATH|none\n"
                   "                      at exit, why it ended and where the evidence is, as JSON\n"
                   "                      (default /dev/termination-log when it exists: a pod's\n"
                   "                      termination message)\n"
                   "  --log-dir=DIR       also write the output to DIR/NAME.log\n"
                   "  --guard-self        entrypoint mode: guard cgwarden's own cgroup\n"
                   "  --signal-group      signals for the command go to its process group (the\n"
                   "                      forwarded ones and stop_signal; tini -g)\n"
                   "  --remap-exit=STATUS...\n"
                   "                      exit 0 when the command's status is one of these (codes\n"
                   "                      0..255, 128+N or a signal name; repeatable; tini -e)\n\n"
                   "Service keys:\n ");
        for (size_t i = 0, col = 1; keys[i]; i++) {
                size_t l = strlen(keys[i]) + 3;
                if (streq(keys[i], "exec"))
                        continue;
                if (col + l > 78) {
                        fputs("\n ", f);
                        col = 1;
                }
                fputs(" --", f);
                for (const char *p = keys[i]; *p; p++)
                        fputc(*p == '_' ? '-' : *p, f);
                col += l;
        }
        fputs("\n\nSee cgwarden.ini(5) for each key's values and default.\n", f);
}

static void help_check(FILE *f) {
        fprintf(f, "Usage: cgwarden check [--syntax-only] FILE\n\n"
                   "Validate FILE. Prints every error as FILE:LINE: message and exits 2, or exits 0.\n"
                   "Besides the syntax and values it checks what would fail only when a service\n"
                   "starts on this host: its user and groups exist, its executable is found in\n"
                   "the PATH it gets and is executable by its user, its working_dir exists; and it\n"
                   "warns when capture_dir is writable by others. --syntax-only skips these (a\n"
                   "config checked on another machine than the one it is for).\n");
}

static void help_attach(FILE *f) {
        fprintf(f, "Usage: cgwarden attach [OPTIONS] PID COMMAND [ARG ...]\n\n"
                   "Run a diagnostic command in the HotSpot JVM PID through its dynamic attach\n"
                   "socket, as jcmd does, without a JDK: e.g. 'Thread.print', 'VM.native_memory\n"
                   "summary', 'GC.class_histogram'. COMMAND may also be a raw attach operation\n"
                   "(threaddump, properties, ...). The first attach makes the JVM start its attach\n"
                   "listener (a SIGQUIT; refused when the JVM does not handle it, as with -Xrs).\n"
                   "The attach runs in a helper that takes the JVM's mount namespace and user.\n"
                   "The JVM's reply goes to stdout.\n\n"
                   "  -t, --timeout=DURATION   give up after DURATION (default 30s)\n"
                   "      --max-output=SIZE    stop the output at SIZE (default 1G)\n"
                   "  -h, --help               this text\n\n"
                   "Exit status: 0 when the JVM answered status 0, 1 otherwise (a message on\n"
                   "stderr), 2 usage error.\n");
}

static void help_capture(FILE *f) {
        fprintf(f, "Usage: cgwarden capture --pid PID [--out DIR] [--timeout DURATION] [--items LIST]\n"
                   "       cgwarden capture [-c FILE | --state-dir DIR] NAME   (ask the supervisor)\n\n"
                   "Capture the evidence of a running process now, without a supervisor: its status,\n"
                   "smaps_rollup, pmap (from smaps, largest RSS first), threads grouped by name,\n"
                   "its cgroup's memory and pids files, and for a HotSpot JVM Thread.print,\n"
                   "VM.native_memory summary and GC.heap_info through the attach socket.\n"
                   "The capture goes to DIR/pid-PID/<UTC time>-manual/ (DIR: the default\n"
                   "capture_dir), written as a .partial directory and renamed when finished;\n"
                   "its path is printed on stdout.\n\n"
                   "      --pid=PID            the process\n"
                   "  -o, --out=DIR            capture directory (default: capture_dir's default)\n"
                   "  -t, --timeout=DURATION   bound on the whole capture (default 20s)\n"
                   "      --items=LIST         as the capture key: auto, or nmt threads heap pmap\n"
                   "                           smaps status tasks cgroup perfdata class_histogram\n"
                   "                           heap_dump\n"
                   "  -h, --help               this text\n\n"
                   "Exit status: 0 complete, 1 incomplete or failed (see manifest.json), 2 usage error.\n");
}

typedef struct CliCapture {
        bool done, complete;
        char *path;
} CliCapture;

static void cli_capture_done(Capture *c, const char *path, bool complete, void *userdata) {
        CliCapture *cc = userdata;
        cc->done = true;
        cc->complete = complete;
        cc->path = path ? strdup(path) : NULL;
}

static int cmd_capture(int argc, char **argv) {
        enum { ARG_PID = 0x100, ARG_ITEMS };
        static const struct option opts[] = {
                { "pid", required_argument, NULL, ARG_PID }, { "out", required_argument, NULL, 'o' },
                { "timeout", required_argument, NULL, 't' }, { "items", required_argument, NULL, ARG_ITEMS },
                { "help", no_argument, NULL, 'h' },          {},
        };
        _cleanup_(config_freep) Config *cfg = NULL;
        _cleanup_(cg_process_cgroup_done) CgProcessCgroup pcg = {};
        _cleanup_free_ char *out = NULL, *name = NULL;
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        char reason[UNIT_REASON_MAX];
        usec_t timeout = 20 * USEC_PER_SEC;
        uint32_t items = CAPTURE_AUTO_MASK;
        uint64_t pid = 0;
        CliCapture cc = {};
        Capture *c = NULL;
        int o, r;

        /* without --pid: a supervised service, through the control socket */
        {
                bool by_pid = false, help = false;
                for (int k = 1; k < argc && !streq(argv[k], "--"); k++) {
                        if (streq(argv[k], "--pid") || strncmp(argv[k], "--pid=", 6) == 0)
                                by_pid = true;
                        if (streq(argv[k], "-h") || streq(argv[k], "--help"))
                                help = true;
                }
                if (!by_pid && !help && argc > 1)
                        return control_client_main(argc, argv);
        }
        optind = 1;
        while ((o = getopt_long(argc, argv, "+o:t:h", opts, NULL)) >= 0)
                switch (o) {
                case ARG_PID:
                        if (unit_parse_count_reason(optarg, INT32_MAX, &pid, reason) < 0 || pid == 0) {
                                fprintf(stderr, "%s capture: --pid: invalid process id '%s'\n", prog,
                                        optarg);
                                return 2;
                        }
                        break;
                case 'o':
                        free(out);
                        out = strdup(optarg);
                        break;
                case 't':
                        if (unit_parse_duration_reason(optarg, &timeout, reason) < 0 || timeout == 0) {
                                fprintf(stderr, "%s capture: --timeout: %s\n", prog, reason);
                                return 2;
                        }
                        break;
                case ARG_ITEMS: {
                        _cleanup_free_ char *list = strdup(optarg);
                        char *save = NULL;
                        if (!list)
                                return log_oom(), 1;
                        items = 0;
                        for (char *w = strtok_r(list, " ,", &save); w; w = strtok_r(NULL, " ,", &save)) {
                                CaptureItem i =
                                        streq(w, "auto") ? _CAPTURE_ITEM_MAX : capture_item_from_string(w);
                                if (i == _CAPTURE_ITEM_MAX)
                                        items |= CAPTURE_AUTO_MASK;
                                else if (i < 0) {
                                        fprintf(stderr, "%s capture: --items: unknown item '%s'\n", prog, w);
                                        return 2;
                                } else
                                        items |= 1u << i;
                        }
                        break;
                }
                case 'h':
                        help_capture(stdout);
                        return 0;
                default:
                        help_capture(stderr);
                        return 2;
                }
        if (pid == 0) {
                if (optind < argc) {
                        /* capture NAME: ask the supervisor */
                        char *cargv[] = { (char *) "capture", argv[optind], NULL };
                        if (optind + 1 < argc) {
                                help_capture(stderr);
                                return 2;
                        }
                        return control_client_main(2, cargv);
                }
                help_capture(stderr);
                return 2;
        }
        if (optind < argc) {
                fprintf(stderr, "%s capture: unexpected argument '%s'\n", prog, argv[optind]);
                return 2;
        }
        if (kill((pid_t) pid, 0) < 0 && errno == ESRCH) {
                fprintf(stderr, "%s capture: no process %" PRIu64 "\n", prog, pid);
                return 1;
        }
        if (!out) {
                cfg = calloc(1, sizeof *cfg);
                if (!cfg || config_apply_defaults(cfg) < 0 || !cfg->capture_dir) {
                        fprintf(stderr, "%s capture: no default capture_dir (set HOME, or use --out)\n",
                                prog);
                        return 1;
                }
                out = strdup(cfg->capture_dir);
        }
        if (!out)
                return log_oom(), 1;

        /* its cgroup, for the cgroup items */
        (void) cg_process_cgroup((pid_t) pid, &pcg);
        if (asprintf(&name, "pid-%" PRIu64, pid) < 0)
                return log_oom(), 1;

        r = sd_event_default(&e);
        if (r < 0)
                return log_error_errno(r, "sd_event: %m"), 1;
        CaptureSpec spec = {
                .service = name,
                .reason = "manual",
                .pid = (pid_t) pid,
                .cgroup = pcg.path,
                .memory_dir = pcg.memory_dir,
                .pids_dir = pcg.pids_dir,
                .memory_event_files = pcg.memory_event_files,
                .items = items,
                .timeout = timeout,
                .trigger = { .what = "cgwarden capture --pid",
                             .memory_current = UINT64_MAX,
                             .memory_max = UINT64_MAX,
                             .pids_current = UINT64_MAX,
                             .pids_max = UINT64_MAX,
                             .eta = USEC_INFINITY },
        };
        r = capture_start(e, out, &spec, cli_capture_done, &cc, &c);
        if (r < 0)
                return 1;
        while (!cc.done) {
                r = sd_event_run(e, UINT64_MAX);
                if (r < 0) {
                        log_error_errno(r, "event loop: %m");
                        break;
                }
        }
        capture_free(c);
        if (!cc.path)
                return 1;
        printf("%s\n", cc.path);
        free(cc.path);
        return cc.complete ? 0 : 1;
}

static int cmd_attach(int argc, char **argv) {
        enum { ARG_MAX_OUTPUT = 0x100 };
        static const struct option opts[] = {
                { "timeout", required_argument, NULL, 't' },
                { "max-output", required_argument, NULL, ARG_MAX_OUTPUT },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        char req[HOTSPOT_REQUEST_MAX_BYTES], reason[UNIT_REASON_MAX], size_buf[UNIT_SIZE_MAX];
        usec_t timeout_usec = 30 * USEC_PER_SEC;
        uint64_t max_output = UINT64_C(1) << 30, pid;
        HotspotResult res;
        const char *const *cmd_argv;
        size_t req_len;
        int o, r;

        optind = 1;
        while ((o = getopt_long(argc, argv, "+t:h", opts, NULL)) >= 0) {
                switch (o) {
                case 't':
                        if (unit_parse_duration_reason(optarg, &timeout_usec, reason) < 0 ||
                            timeout_usec == 0) {
                                fprintf(stderr, "%s attach: --timeout=%s: %s\n", prog, optarg,
                                        timeout_usec == 0 ? "must be positive" : reason);
                                return 2;
                        }
                        break;
                case ARG_MAX_OUTPUT:
                        if (unit_parse_size_reason(optarg, &max_output, reason) < 0) {
                                fprintf(stderr, "%s attach: --max-output=%s: %s\n", prog, optarg, reason);
                                return 2;
                        }
                        break;
                case 'h':
                        help_attach(stdout);
                        return 0;
                default:
                        help_attach(stderr);
                        return 2;
                }
        }
        if (argc - optind < 2) {
                fprintf(stderr, "%s attach: %s\n", prog,
                        optind < argc ? "no command given" : "no PID given");
                help_attach(stderr);
                return 2;
        }
        if (unit_parse_count(argv[optind], INT32_MAX, &pid) < 0 || pid == 0) {
                fprintf(stderr, "%s attach: '%s' is not a process id\n", prog, argv[optind]);
                return 2;
        }
        cmd_argv = (const char *const *) argv + optind + 1;
        r = hotspot_build_request(cmd_argv, req, sizeof(req), &req_len);
        if (r < 0) {
                fprintf(stderr, "%s attach: %s\n", prog,
                        r == -E2BIG
                                ? "the command is too long for the attach protocol (1024 bytes per argument)"
                                : "empty command");
                return 2;
        }

        fflush(stdout);
        r = hotspot_attach((pid_t) pid, cmd_argv, STDOUT_FILENO, timeout_usec,
                           (size_t) MIN(max_output, (uint64_t) SIZE_MAX), &res);
        if (r < 0) {
                fprintf(stderr, "%s attach: %s\n", prog, res.error[0] ? res.error : strerror(-r));
                return 1;
        }
        if (res.truncated) {
                fprintf(stderr, "%s attach: output truncated at %s (--max-output)\n", prog,
                        unit_format_size(size_buf, res.output_bytes));
                return 1;
        }
        if (res.jvm_status != 0) {
                fprintf(stderr, "%s attach: the JVM answered status %d\n", prog, res.jvm_status);
                return 1;
        }
        return 0;
}

static bool want_help(int argc, char **argv) {
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        return false;
                if (streq(argv[i], "--help") || streq(argv[i], "-h"))
                        return true;
        }
        return false;
}

static int print_errors(CfgErrors *errs) {
        for (size_t i = 0; i < errs->n; i++)
                fprintf(stderr, "%s\n", errs->lines[i]);
        return 2;
}

/* Evidence in a directory others may write can be tampered with. */
/* A watch's cgroup that does not exist yet is guarded when it appears:
 * worth a warning (a typo looks the same). */
static void check_watches(const char *file, const Config *c) {
        _cleanup_(cg_context_freep) CgContext *ctx = NULL;

        if (c->n_watches == 0 || cg_context_new_observer(&ctx, NULL) < 0)
                return;
        for (size_t i = 0; i < c->n_watches; i++) {
                const ServiceConfig *w = c->watches[i];
                _cleanup_free_ char *dir = NULL;

                if (!w->watch_cgroup)
                        continue;
                if (asprintf(&dir, "%s%s", cg_context_tree_root(ctx), w->watch_cgroup) < 0)
                        return;
                if (access(dir, F_OK) < 0)
                        fprintf(stderr,
                                "%s:%u: warning: watch '%s': cgroup %s does not exist now; it is guarded "
                                "when "
                                "it appears\n",
                                file, w->line, w->name, w->watch_cgroup);
        }
}

static void check_capture_dir(const char *file, const char *dir) {
        struct stat st;

        if (!dir || stat(dir, &st) < 0)
                return;
        if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
                fprintf(stderr,
                        "%s: warning: capture_dir %s is writable by everyone: its evidence could be "
                        "tampered with\n",
                        file, dir);
        else if (st.st_uid != geteuid())
                fprintf(stderr,
                        "%s: warning: capture_dir %s belongs to uid %u, not to the uid cgwarden runs as "
                        "(%u): its evidence could be tampered with\n",
                        file, dir, (unsigned) st.st_uid, (unsigned) geteuid());
}

static int cmd_check(int argc, char **argv) {
        _cleanup_(config_freep) Config *c = NULL;
        CfgErrors errs = {};
        bool syntax_only = false;
        int r;

        if (want_help(argc, argv)) {
                help_check(stdout);
                return 0;
        }
        if (argc == 3 && streq(argv[1], "--syntax-only")) {
                syntax_only = true;
                argv++, argc--;
        }
        if (argc != 2 || argv[1][0] == '-') {
                help_check(stderr);
                return 2;
        }
        r = cfg_load_file(argv[1], &c, &errs);
        if (r < 0) {
                if (errs.n == 0)
                        fprintf(stderr, "%s: %s\n", argv[1], strerror(-r));
                print_errors(&errs);
                cfg_errors_done(&errs);
                return 2;
        }
        cfg_errors_done(&errs);
        /* what would fail only at runtime */
        for (size_t i = 0; i < c->n_services && !syntax_only; i++)
                (void) service_config_check_runtime(c->services[i], argv[1], &errs);
        if (errs.n > 0) {
                print_errors(&errs);
                cfg_errors_done(&errs);
                return 2;
        }
        (void) config_apply_defaults(c);
        if (!syntax_only)
                check_capture_dir(argv[1], c->capture_dir);
        if (!syntax_only)
                check_watches(argv[1], c);
        if (c->n_watches > 0)
                printf("%s: OK, %zu service(s), %zu watch(es)\n", argv[1], c->n_services, c->n_watches);
        else
                printf("%s: OK, %zu service(s)\n", argv[1], c->n_services);
        return 0;
}

static int run_manager(Config *c, const char *path, bool exec_mode, bool guard_self) {
        Manager *m = NULL;
        int r;

        r = manager_new(c, path, exec_mode, guard_self, &m);
        if (r < 0)
                return 1;
        r = manager_run(m);
        manager_free(m);
        return r;
}

static int cmd_run(int argc, char **argv) {
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *path = DEFAULT_CONFIG;
        Config *c = NULL;
        CfgErrors errs = {};
        int o, r;

        optind = 1;
        while ((o = getopt_long(argc, argv, "+c:h", opts, NULL)) >= 0) {
                switch (o) {
                case 'c':
                        path = optarg;
                        break;
                case 'h':
                        help_run(stdout);
                        return 0;
                default:
                        help_run(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "%s run: unexpected argument '%s'\n", prog, argv[optind]);
                return 2;
        }
        r = cfg_load_file(path, &c, &errs);
        if (r < 0) {
                if (errs.n == 0)
                        fprintf(stderr, "%s: %s\n", path, strerror(-r));
                print_errors(&errs);
                cfg_errors_done(&errs);
                return 2;
        }
        cfg_errors_done(&errs);
        r = config_apply_defaults(c);
        if (r < 0) {
                config_free(c);
                log_error_errno(r, "Cannot determine default paths: %m");
                return 1;
        }
        return run_manager(c, path, false, false);
}

/* cgwarden exec as a container's entrypoint: forced with --guard-self, or
 * chosen when cgwarden is PID 1 and may not create cgroups below its own
 * (a read-only cgroupfs, no write permission, a cgroup namespace's root it
 * does not own: cg_context_own_delegated()). Logs the decision once.
 * Returns 1 for entrypoint mode, 0 for the usual exec, or -errno. */
static int entrypoint_mode(bool forced) {
        _cleanup_free_ char *err = NULL, *dir = NULL;
        CgContext *c = NULL;
        int r;

        if (!forced && getpid() != 1)
                return 0;
        r = cg_context_new_observer(&c, &err);
        if (r < 0) {
                if (!forced)
                        return 0; /* the usual exec says what is wrong */
                return log_error_errno(r, "--guard-self: cannot find cgwarden's own cgroup: %s",
                                       err ?: strerror(-r));
        }
        if (forced) {
                log_info("entrypoint mode (--guard-self): guarding cgwarden's own cgroup %s.",
                         strna(cg_context_own_path(c)));
                r = 1;
        } else {
                r = cg_context_own_delegated(c, &dir);
                if (r == -EROFS || r == -EACCES || r == -EPERM) {
                        log_info("entrypoint mode: PID 1 in cgroup %s, which is not delegated (%s: %s); "
                                 "guarding it.",
                                 strna(cg_context_own_path(c)), strna(dir), strerror(-r));
                        r = 1;
                } else if (r < 0) {
                        log_warning_errno(r,
                                          "PID 1 in cgroup %s: cannot tell whether it is delegated (%m); "
                                          "running the command in a cgroup below it.",
                                          strna(cg_context_own_path(c)));
                        r = 0;
                } else
                        log_info("PID 1 in cgroup %s, which is delegated: the command runs in a cgroup "
                                 "below it.",
                                 strna(cg_context_own_path(c)));
        }
        cg_context_free(c);
        return r;
}

static int cmd_exec(int argc, char **argv) {
        _cleanup_(service_config_freep) ServiceConfig *s = NULL;
        _cleanup_free_ char *name = NULL, *capture_dir = NULL, *raw = NULL, *termination_log = NULL;
        const char *profile = NULL, *limit_option = NULL;
        bool guard_self = false, restart_given = false, signal_group = false;
        ExitStatusSet remap_exit = {};
        Config *c = NULL;
        CfgErrors errs = {};
        int i, r;
        size_t rawlen = 0;

        s = service_config_new("exec");
        if (!s)
                return log_oom(), 1;

        /* --profile=: its keys are defaults, so it is applied before any
         * option, wherever it is given; the last one counts */
        for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0 && !streq(argv[i], "--"); i++)
                if (strncmp(argv[i], "--profile=", 10) == 0)
                        profile = argv[i] + 10;
        if (profile) {
                r = service_config_apply_profile(s, profile, "cgwarden exec: --profile", &errs);
                if (r < 0) {
                        if (r != -CGW_ERR_CONFIG)
                                log_oom();
                        print_errors(&errs);
                        cfg_errors_done(&errs);
                        return r == -CGW_ERR_CONFIG ? 2 : 1;
                }
        }

        for (i = 1; i < argc; i++) {
                const char *a = argv[i];
                _cleanup_free_ char *key = NULL, *err = NULL;
                const char *eq;

                if (streq(a, "--")) {
                        i++;
                        break;
                }
                if (strncmp(a, "--", 2) != 0)
                        break;
                if (streq(a, "--help")) {
                        help_exec(stdout);
                        return 0;
                }
                if (streq(a, "--guard-self")) {
                        guard_self = true;
                        continue;
                }
                if (streq(a, "--signal-group")) {
                        signal_group = true;
                        continue;
                }
                eq = strchr(a, '=');
                if (!eq) {
                        fprintf(stderr, "%s exec: option '%s' needs a value: %s=VALUE\n", prog, a, a);
                        return 2;
                }
                key = strndup(a + 2, (size_t) (eq - a - 2));
                if (!key)
                        return 1;
                for (char *p = key; *p; p++)
                        if (*p == '-')
                                *p = '_';
                if (streq(key, "name")) {
                        free(name);
                        name = strdup(eq + 1);
                        continue;
                }
                if (streq(key, "capture_dir")) {
                        free(capture_dir);
                        capture_dir = strdup(eq + 1);
                        continue;
                }
                if (streq(key, "termination_log")) {
                        free(termination_log);
                        termination_log = strdup(eq + 1);
                        continue;
                }
                if (streq(key, "log_dir")) {
                        setenv("CGWARDEN_EXEC_LOG_DIR", eq + 1, 1);
                        continue;
                }
                if (streq(key, "remap_exit")) {
                        ExitStatusSet more;
                        r = exit_status_set_parse(eq + 1, "--remap-exit", &more, &err);
                        if (r < 0) {
                                fprintf(stderr, "%s exec: %s\n", prog, err ?: strerror(-r));
                                return 2;
                        }
                        /* repeatable, as tini's -e */
                        for (size_t b = 0; b < sizeof more.codes; b++)
                                remap_exit.codes[b] |= more.codes[b];
                        remap_exit.signals |= more.signals;
                        remap_exit.set = remap_exit.set || more.set;
                        continue;
                }
                if (streq(key, "exec")) {
                        fprintf(stderr, "%s exec: give the command after --, not as --exec\n", prog);
                        return 2;
                }
                r = service_config_set(s, key, eq + 1, &err);
                if (r < 0) {
                        fprintf(stderr, "%s exec: --%s: %s\n", prog, a + 2, err ?: strerror(-r));
                        return 2;
                }
                /* the limits cgwarden would set: not in entrypoint mode */
                if (streq(key, "memory_max") || streq(key, "memory_high") || streq(key, "pids_max") ||
                    streq(key, "cpu_max"))
                        limit_option = limit_option ?: a;
                if (streq(key, "restart"))
                        restart_given = true;
        }
        if (i >= argc) {
                fprintf(stderr, "%s exec: no command given\n", prog);
                help_exec(stderr);
                return 2;
        }
        r = entrypoint_mode(guard_self);
        if (r < 0)
                return 1;
        guard_self = r > 0;
        if (guard_self) {
                if (limit_option) {
                        fprintf(stderr,
                                "%s exec: %s: in entrypoint mode the command runs in cgwarden's own "
                                "cgroup, whose limits are the container's: set them on the container "
                                "(cgwarden writes nothing to its cgroup)\n",
                                prog, limit_option);
                        return 2;
                }
                /* the orchestrator restarts the container */
                if (!restart_given)
                        s->restart = RESTART_NO;
        }

        /* the command as argv, no splitting: the shell already did it */
        strv_free(s->argv);
        s->argv = calloc((size_t) (argc - i + 1), sizeof(char *));
        if (!s->argv)
                return 1;
        for (int k = i; k < argc; k++) {
                s->argv[k - i] = strdup(argv[k]);
                if (!s->argv[k - i])
                        return 1;
                rawlen += strlen(argv[k]) + 1;
        }
        raw = calloc(rawlen + 1, 1);
        if (!raw)
                return 1;
        for (int k = i; k < argc; k++) {
                if (k > i)
                        strcat(raw, " ");
                strcat(raw, argv[k]);
        }
        free(s->exec_raw);
        s->exec_raw = TAKE_PTR(raw);

        if (!name) {
                const char *b = strrchr(argv[i], '/');
                name = strdup(b ? b + 1 : argv[i]);
        }
        if (!name)
                return 1;
        free(s->name);
        s->name = TAKE_PTR(name);
        if (service_config_validate(s, "cgwarden exec", &errs) < 0) {
                print_errors(&errs);
                cfg_errors_done(&errs);
                return 2;
        }
        cfg_errors_done(&errs);

        c = config_new();
        if (!c)
                return 1;
        c->services = calloc(1, sizeof(ServiceConfig *));
        if (!c->services) {
                config_free(c);
                return 1;
        }
        c->services[0] = TAKE_PTR(s);
        c->n_services = 1;
        c->capture_dir = TAKE_PTR(capture_dir);
        c->termination_log = TAKE_PTR(termination_log);
        c->signal_group = signal_group;
        c->remap_exit = remap_exit;
        r = config_apply_defaults(c);
        if (r < 0) {
                config_free(c);
                return 1;
        }
        return run_manager(c, NULL, true, guard_self);
}

int main(int argc, char **argv) {
        const char *cmd;

        log_setup();
        if (argc < 2) {
                help_main(stderr);
                return 2;
        }
        cmd = argv[1];
        if (streq(cmd, "--version") || streq(cmd, "version")) {
                printf("cgwarden %s\n", CGW_VERSION);
                return 0;
        }
        if (streq(cmd, "--help") || streq(cmd, "-h") || streq(cmd, "help")) {
                help_main(stdout);
                return 0;
        }
        if (streq(cmd, "run"))
                return cmd_run(argc - 1, argv + 1);
        if (streq(cmd, "exec"))
                return cmd_exec(argc - 1, argv + 1);
        if (streq(cmd, "check"))
                return cmd_check(argc - 1, argv + 1);
        if (streq(cmd, "attach"))
                return cmd_attach(argc - 1, argv + 1);
        if (streq(cmd, "capture"))
                return cmd_capture(argc - 1, argv + 1);
        if (streq(cmd, "report"))
                return report_main(argc - 1, argv + 1);
        if (streq(cmd, "import-jsw"))
                return jsw_import_main(argc - 1, argv + 1);
        if (streq(cmd, "status") || streq(cmd, "start") || streq(cmd, "stop") || streq(cmd, "restart") ||
            streq(cmd, "reload"))
                return control_client_main(argc - 1, argv + 1);
        fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
        help_main(stderr);
        return 2;
}
