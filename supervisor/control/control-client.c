/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "config/config.h"
#include "control/control-client.h"
#include "control/control.h"
#include "base/log.h"
#include "base/units.h"

static void help(FILE *f, const char *cmd) {
        fprintf(f, "Usage: cgwarden status [NAME] [--json]\n"
                   "       cgwarden capture NAME\n"
                   "       cgwarden start|restart NAME\n"
                   "       cgwarden stop NAME [--wait[=SECONDS]]\n"
                   "       cgwarden reload\n\n"
                   "Talk to the running supervisor through its control socket, found in the\n"
                   "state_dir of -c FILE, or --state-dir DIR, else the default state_dir.\n\n"
                   "  -c, --config=FILE      the supervisor's configuration\n"
                   "      --state-dir=DIR    where its control socket is\n"
                   "      --json             status: the JSON reply, for scripts\n"
                   "      --wait[=SECONDS]   stop: return when the service has stopped (or\n"
                   "                         failed), at most SECONDS (default 90); exit 1\n"
                   "                         if it has not by then\n"
                   "  -h, --help             this text\n\n"
                   "Exit status: 0 success, 1 no supervisor, an error reply or an incomplete\n"
                   "capture, 2 usage error.\n");
        (void) cmd;
}

static char *state_dir_of(const char *config, const char *state_dir) {
        _cleanup_(config_freep) Config *c = NULL;
        CfgErrors errs = {};
        char *r = NULL;

        if (state_dir)
                return strdup(state_dir);
        if (config) {
                if (cfg_load_file(config, &c, &errs) < 0) {
                        for (size_t i = 0; i < errs.n; i++)
                                fprintf(stderr, "%s\n", errs.lines[i]);
                        cfg_errors_done(&errs);
                        return NULL;
                }
                cfg_errors_done(&errs);
        } else {
                c = calloc(1, sizeof *c);
                if (!c)
                        return NULL;
        }
        if (config_apply_defaults_for_file(c, config) < 0 && !c->state_dir)
                return NULL;
        if (c->state_dir)
                r = strdup(c->state_dir);
        return r;
}

/* Send one request, read the one-line reply. */
static int request(const char *dir, json_object *req, json_object **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        const char *t;
        size_t len = 0, cap = 0;

        if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, CONTROL_SOCKET_NAME) >=
            (int) sizeof sa.sun_path) {
                fprintf(stderr, "cgwarden: state_dir path too long: %s\n", dir);
                return -ENAMETOOLONG;
        }
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *) &sa, sizeof sa) < 0) {
                int r = -errno;
                if (r == -ENOENT || r == -ECONNREFUSED)
                        fprintf(stderr, "cgwarden: no supervisor running (no control socket at %s)\n",
                                sa.sun_path);
                else
                        fprintf(stderr, "cgwarden: cannot connect to %s: %s\n", sa.sun_path, strerror(-r));
                return r;
        }
        t = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
        /* no SIGPIPE: a supervisor that closed on us is an error message */
        if (send(fd, t, strlen(t), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
                int r = -errno;
                fprintf(stderr, "cgwarden: writing the request to %s: %s%s\n", sa.sun_path, strerror(-r),
                        r == -EPIPE || r == -ECONNRESET ? " (the supervisor closed the connection: too many "
                                                          "clients?)"
                                                        : "");
                return r;
        }
        for (;;) {
                ssize_t n;
                if (len + 4096 + 1 > cap) {
                        char *p = realloc(buf, cap = (cap ? cap * 2 : 8192));
                        if (!p)
                                return -ENOMEM;
                        buf = p;
                }
                n = read(fd, buf + len, cap - len - 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        fprintf(stderr, "cgwarden: reading the reply: %s\n", strerror(errno));
                        return -errno;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = 0;
        *ret = json_tokener_parse(buf);
        if (!*ret) {
                fprintf(stderr, "cgwarden: the supervisor's reply is not JSON\n");
                return -EBADMSG;
        }
        return 0;
}

static const char *get_s(json_object *o, const char *k) {
        json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

static bool get_u(json_object *o, const char *k, uint64_t *ret) {
        json_object *v;
        if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
                return false;
        *ret = json_object_get_uint64(v);
        return true;
}

static double get_d(json_object *o, const char *k, double dflt) {
        json_object *v;
        if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
                return dflt;
        return json_object_get_double(v);
}

static const char *fmt_size(char b[static UNIT_SIZE_MAX], json_object *o, const char *k) {
        uint64_t v;
        if (!get_u(o, k, &v))
                return "-";
        return unit_format_size(b, v);
}

static void print_table(json_object *services) {
        size_t n = json_object_array_length(services);

        printf("%-16s %-9s %7s %8s %4s %-14s %9s %9s %9s %9s %11s %9s %8s  %s\n", "SERVICE", "STATE", "PID",
               "UPTIME", "RST", "OOM KILLS", "MEMORY", "HIGH", "MAX", "LIMIT", "PIDS", "GROWTH/h", "ETA",
               "LAST EVENT / CAPTURE");
        for (size_t i = 0; i < n; i++) {
                json_object *s = json_object_array_get_idx(services, i);
                char m1[UNIT_SIZE_MAX], m2[UNIT_SIZE_MAX], m3[UNIT_SIZE_MAX], m4[UNIT_SIZE_MAX],
                        g[UNIT_SIZE_MAX], up[UNIT_SIZE_MAX], eta[UNIT_SIZE_MAX], pids[32], pid[16],
                        state[24], kills[48], ago[UNIT_SIZE_MAX];
                uint64_t pc = 0, pm = 0, p = 0, rst = 0, nk = 0;
                double growth = get_d(s, "growth_bytes_per_s", 0), etas = get_d(s, "eta_s", -1);
                const char *ev = get_s(s, "last_event"), *cap = get_s(s, "last_capture");
                json_object *th;

                snprintf(pid, sizeof pid, "%s", get_u(s, "pid", &p) ? "" : "-");
                if (pid[0] == 0)
                        snprintf(pid, sizeof pid, "%" PRIu64, p);
                snprintf(state, sizeof state, "%s%s", get_s(s, "state") ?: "?",
                         json_object_object_get_ex(s, "throttled", &th) && json_object_get_boolean(th)
                                 ? "+thr"
                                 : "");
                (void) get_u(s, "restarts", &rst);
                if (get_u(s, "pids_current", &pc) && get_u(s, "pids_max", &pm))
                        snprintf(pids, sizeof pids, "%" PRIu64 "/%" PRIu64, pc, pm);
                else if (get_u(s, "pids_current", &pc))
                        snprintf(pids, sizeof pids, "%" PRIu64 "/max", pc);
                else
                        snprintf(pids, sizeof pids, "-");
                if (growth > 0)
                        unit_format_size(g, (uint64_t) (growth * 3600));
                else
                        snprintf(g, sizeof g, "-");
                if (etas >= 0)
                        unit_format_duration_short(eta, (usec_t) (etas * USEC_PER_SEC));
                else
                        snprintf(eta, sizeof eta, "-");
                if (p > 0)
                        unit_format_duration_short(up, (usec_t) (get_d(s, "uptime_s", 0) * USEC_PER_SEC));
                else
                        snprintf(up, sizeof up, "-");
                /* the kill count and how long ago the last one was */
                if (get_u(s, "oom_kills", &nk) && nk > 0) {
                        usec_t a = (usec_t) get_d(s, "last_oom_kill_s", 0) * USEC_PER_SEC;
                        snprintf(kills, sizeof kills, "%" PRIu64 ", %s ago", nk,
                                 a > 0 ? unit_format_duration_short(ago, a) : "<1s");
                } else
                        snprintf(kills, sizeof kills, "-");
                printf("%-16s %-9s %7s %8s %4" PRIu64 " %-14s %9s %9s %9s %9s %11s %9s %8s  %s%s%s\n",
                       get_s(s, "name") ?: "?", state, pid, up, rst, kills,
                       fmt_size(m1, s, "memory_current"), fmt_size(m2, s, "memory_high"),
                       fmt_size(m3, s, "memory_max"), fmt_size(m4, s, "memory_effective_limit"), pids, g,
                       eta, ev ?: "-", cap ? "  " : "", cap ?: "");
        }
}

/* stop --wait: ask for the service's state until it is stopped or
 * failed, or the time is up. Returns the exit status. */
static int wait_stopped(const char *dir, const char *name, usec_t wait) {
        usec_t until = now_usec(CLOCK_MONOTONIC) + wait;
        const char *state = "unknown";

        for (;;) {
                _cleanup_(json_object_putp) json_object *req = json_object_new_object(), *reply = NULL;
                json_object *services = NULL, *s;

                json_object_object_add(req, "command", json_object_new_string("status"));
                json_object_object_add(req, "service", json_object_new_string(name));
                if (request(dir, req, &reply) < 0)
                        return 1;
                if (json_object_object_get_ex(reply, "services", &services) &&
                    json_object_is_type(services, json_type_array) &&
                    json_object_array_length(services) == 1 && (s = json_object_array_get_idx(services, 0)))
                        state = get_s(s, "state") ?: "unknown";
                else {
                        /* removed by a reload meanwhile: stopped for good */
                        printf("%s: removed\n", name);
                        return 0;
                }
                /* a watched unit stopped through systemd: its cgroup
                 * is empty, or gone (inactive) */
                if (streq(state, "stopped") || streq(state, "failed") || streq(state, "empty") ||
                    streq(state, "gone") || streq(state, "inactive")) {
                        printf("%s: %s\n", name, state);
                        return 0;
                }
                if (now_usec(CLOCK_MONOTONIC) >= until) {
                        fprintf(stderr, "cgwarden stop: '%s' is still %s after the wait\n", name, state);
                        return 1;
                }
                (void) usleep(50 * 1000);
        }
}

int control_client_main(int argc, char **argv) {
        enum { ARG_STATE_DIR = 0x100, ARG_JSON, ARG_WAIT };
        static const struct option opts[] = {
                { "config", required_argument, NULL, 'c' },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "json", no_argument, NULL, ARG_JSON },
                { "wait", optional_argument, NULL, ARG_WAIT },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        _cleanup_(json_object_putp) json_object *req = NULL, *reply = NULL;
        _cleanup_free_ char *dir = NULL;
        const char *cmd = argv[0], *config = NULL, *state_dir = NULL, *name = NULL, *err;
        bool json = false;
        usec_t wait = 0;
        json_object *v;
        int o, r;

        optind = 1;
        while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) >= 0)
                switch (o) {
                case 'c':
                        config = optarg;
                        break;
                case ARG_STATE_DIR:
                        state_dir = optarg;
                        break;
                case ARG_JSON:
                        json = true;
                        break;
                case ARG_WAIT:
                        wait = 90 * USEC_PER_SEC;
                        if (optarg && (unit_parse_duration(optarg, &wait) < 0 || wait == 0)) {
                                fprintf(stderr, "cgwarden %s: --wait=%s: not a duration\n", cmd, optarg);
                                return 2;
                        }
                        break;
                case 'h':
                        help(stdout, cmd);
                        return 0;
                default:
                        help(stderr, cmd);
                        return 2;
                }
        if (optind < argc)
                name = argv[optind++];
        if (optind < argc || (json && !streq(cmd, "status")) || (wait > 0 && !streq(cmd, "stop")) ||
            (streq(cmd, "reload") && name) || (!streq(cmd, "status") && !streq(cmd, "reload") && !name)) {
                help(stderr, cmd);
                return 2;
        }
        dir = state_dir_of(config, state_dir);
        if (!dir) {
                fprintf(stderr, "cgwarden %s: no state_dir (give -c FILE or --state-dir DIR)\n", cmd);
                return 1;
        }
        req = json_object_new_object();
        json_object_object_add(req, "command", json_object_new_string(cmd));
        if (name)
                json_object_object_add(req, "service", json_object_new_string(name));
        r = request(dir, req, &reply);
        if (r < 0)
                return 1;
        if (!json_object_object_get_ex(reply, "ok", &v) || !json_object_get_boolean(v)) {
                err = get_s(reply, "error");
                fprintf(stderr, "cgwarden %s: %s\n", cmd, err ?: "failed");
                return 1;
        }
        if (streq(cmd, "status")) {
                json_object *services = NULL;
                (void) json_object_object_get_ex(reply, "services", &services);
                if (json)
                        printf("%s\n",
                               json_object_to_json_string_ext(
                                       services, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
                else if (services)
                        print_table(services);
                return 0;
        }
        if (streq(cmd, "capture")) {
                bool complete =
                        json_object_object_get_ex(reply, "complete", &v) && json_object_get_boolean(v);
                printf("%s\n", get_s(reply, "capture") ?: "");
                if (!complete)
                        fprintf(stderr, "cgwarden capture: incomplete, see manifest.json\n");
                return complete ? 0 : 1;
        }
        if (wait > 0)
                return wait_stopped(dir, name, wait);
        if (get_s(reply, "job"))
                printf("%s: %s asked of %s (now %s)\n", name, cmd, get_s(reply, "job"),
                       get_s(reply, "state") ?: "?");
        else if (get_s(reply, "state"))
                printf("%s: %s\n", name, get_s(reply, "state"));
        return 0;
}
