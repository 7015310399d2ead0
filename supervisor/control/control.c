/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control/control.h"
#include "control/request.h"
#include "base/fs-util.h"
#include "base/json-util.h"
#include "service/status.h"
#include "base/log.h"
#include "service/service.h"
#include "watched/discover.h"
#include "watched/watched.h"

typedef struct Client Client;

struct Client {
        Control *control;
        int fd;
        sd_event_source *io, *timer;
        char *in;
        size_t in_len;
        char *out;
        size_t out_len, out_off;
        uid_t uid; /* the peer's (SO_PEERCRED) */
        const void *waiting_capture; /* a capture request waits for this service or watched cgroup */
        bool draining; /* replied: reading until the client closes */
        Client *prev, *next;
};

struct Control {
        sd_event *event;
        const ControlOps *ops;
        void *userdata;
        char *control_group;
        int fd;
        char *path;
        sd_event_source *io;
        gid_t gid; /* control_group, or (gid_t) -1 */
        Client *clients;
        size_t n_clients;
};

static json_object *jstr(const char *v) {
        return json_string_or_null(v, true);
}

json_object *control_service_json(const Service *s) {
        ServiceStatus st;

        service_get_status(s, &st);
        return control_status_json(&st);
}

json_object *control_status_json(const ServiceStatus *sp) {
        json_object *o = json_object_new_object(), *caps = json_object_new_object();
        const ServiceStatus st = *sp;

        json_object_object_add(o, "name", json_object_new_string(st.name));
        json_object_object_add(o, "kind", json_object_new_string(st.kind));
        json_object_object_add(o, "cgroup", jstr(st.cgroup));
        json_object_object_add(o, "state", json_object_new_string(st.state));
        json_object_object_add(o, "throttled", json_object_new_boolean(st.throttled));
        json_object_object_add(o, "pid", st.pid > 0 ? json_object_new_int(st.pid) : json_object_new_null());
        json_object_object_add(o, "uptime_s", json_object_new_double((double) st.uptime / USEC_PER_SEC));
        json_object_object_add(o, "restarts", json_object_new_uint64(st.restarts));
        json_object_object_add(o, "memory_current", json_size_or_null(st.memory_current));
        json_object_object_add(o, "memory_high", json_size_or_null(st.memory_high));
        json_object_object_add(o, "memory_max", json_size_or_null(st.memory_max));
        json_object_object_add(o, "memory_effective_limit", json_size_or_null(st.memory_effective));
        json_object_object_add(o, "memory_effective_source", jstr(st.memory_effective_source));
        json_object_object_add(o, "pids_current", json_size_or_null(st.pids_current));
        json_object_object_add(o, "pids_max", json_size_or_null(st.pids_max));
        json_object_object_add(o, "growth_bytes_per_s", json_object_new_double(st.growth_bps));
        json_object_object_add(o, "eta_s",
                               st.eta_s < 0 ? json_object_new_null() : json_object_new_double(st.eta_s));
        json_object_object_add(o, "oom_kills", json_object_new_uint64(st.oom_kills));
        json_object_object_add(o, "jvm_max_heap", json_size_or_null(st.jvm_max_heap));
        json_object_object_add(o, "jvm_max_direct", json_size_or_null(st.jvm_max_direct));
        json_object_object_add(o, "jvm_finding", jstr(st.jvm_finding));
        json_object_object_add(o, "jvm_heap_used", json_size_or_null(st.jvm_heap_used));
        json_object_object_add(o, "jvm_heap_committed", json_size_or_null(st.jvm_heap_committed));
        json_object_object_add(o, "jvm_old_used", json_size_or_null(st.jvm_old_used));
        json_object_object_add(o, "jvm_old_committed", json_size_or_null(st.jvm_old_committed));
        json_object_object_add(o, "jvm_metaspace_used", json_size_or_null(st.jvm_metaspace_used));
        json_object_object_add(o, "jvm_gc_count", json_size_or_null(st.jvm_gc_count));
        json_object_object_add(
                o, "jvm_gc_s",
                st.jvm_gc_time_usec == UINT64_MAX
                        ? json_object_new_null()
                        : json_object_new_double((double) st.jvm_gc_time_usec / USEC_PER_SEC));
        json_object_object_add(o, "jvm_threads", json_size_or_null(st.jvm_threads));
        json_object_object_add(o, "last_oom_kill_s",
                               st.oom_kills > 0
                                       ? json_object_new_double((double) st.last_oom_kill_age / USEC_PER_SEC)
                                       : json_object_new_null());
        for (size_t i = 0; i <= _EVENT_TYPE_MAX; i++)
                json_object_object_add(caps,
                                       i < _EVENT_TYPE_MAX ? event_type_to_string((EventType) i) : "manual",
                                       json_object_new_uint64(st.captures[i]));
        json_object_object_add(o, "captures", caps);
        json_object_object_add(o, "captures_dropped", json_object_new_uint64(st.captures_dropped));
        json_object_object_add(o, "heap_dumps_dropped", json_object_new_uint64(st.heap_dumps_dropped));
        {
                json_object *obs = json_object_new_object();
                for (size_t i = 0; i < _EVENT_TYPE_MAX; i++)
                        json_object_object_add(obs, event_type_to_string((EventType) i),
                                               json_object_new_uint64(st.observations[i]));
                json_object_object_add(o, "observations", obs);
        }
        json_object_object_add(o, "throttled_s", json_object_new_double(st.throttled_s));
        json_object_object_add(o, "last_event", jstr(st.last_event));
        json_object_object_add(o, "last_event_age_s",
                               st.last_event[0]
                                       ? json_object_new_double((double) st.last_event_age / USEC_PER_SEC)
                                       : json_object_new_null());
        json_object_object_add(o, "last_capture", jstr(st.last_capture));
        json_object_object_add(o, "last_incident",
                               st.incident[0] ? jstr(st.incident) : json_object_new_null());
        json_object_object_add(o, "uploads", json_object_new_uint64(st.uploads));
        json_object_object_add(o, "upload_failures", json_object_new_uint64(st.upload_failures));
        json_object_object_add(o, "uploads_pending", json_object_new_uint64(st.uploads_pending));
        json_object_object_add(o, "status_text", jstr(st.status_text));
        return o;
}

/* ---- clients ---- */

static void client_free(Client *cl) {
        Control *c;

        if (!cl)
                return;
        c = cl->control;
        if (cl->prev)
                cl->prev->next = cl->next;
        else
                c->clients = cl->next;
        if (cl->next)
                cl->next->prev = cl->prev;
        c->n_clients--;
        sd_event_source_disable_unref(cl->io);
        sd_event_source_disable_unref(cl->timer);
        safe_close(cl->fd);
        free(cl->in);
        free(cl->out);
        free(cl);
}

static int on_client_io(sd_event_source *src, int fd, uint32_t revents, void *userdata);
static void client_drain(Client *cl);

static size_t clients_of(const Control *c, uid_t uid) {
        size_t n = 0;

        for (const Client *cl = c->clients; cl; cl = cl->next)
                n += cl->uid == uid;
        return n;
}

/* Queue the reply (one line) and switch the client to writing. */
static void client_reply(Client *cl, json_object *reply) {
        const char *t = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
        size_t n = strlen(t);

        free(cl->out);
        cl->out = malloc(n + 2);
        if (!cl->out) {
                client_free(cl);
                return;
        }
        memcpy(cl->out, t, n);
        cl->out[n] = '\n';
        cl->out[n + 1] = 0;
        cl->out_len = n + 1;
        cl->out_off = 0;
        (void) sd_event_source_set_io_events(cl->io, EPOLLOUT);
        (void) sd_event_source_set_enabled(cl->io, SD_EVENT_ON);
        /* the request is in: now the time to read the reply */
        (void) sd_event_source_set_time_relative(cl->timer, CONTROL_CLIENT_TIMEOUT_USEC);
        (void) sd_event_source_set_enabled(cl->timer, SD_EVENT_ONESHOT);
}

static void client_error(Client *cl, const char *fmt, ...) _printf_(2, 3);
static void client_error(Client *cl, const char *fmt, ...) {
        _cleanup_(json_object_putp) json_object *r = json_object_new_object();
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        json_object_object_add(r, "ok", json_object_new_boolean(false));
        json_object_object_add(r, "error", json_object_new_string(msg));
        client_reply(cl, r);
}

static Service *find_service(Control *c, const char *name) {
        Service *s;

        for (size_t i = 0; name && (s = c->ops->service_at(c->userdata, i)); i++)
                if (streq(s->cfg->name, name))
                        return s;
        return NULL;
}

/* The next watched cgroup of every [watch:] section; *rule and *pos 0 at
 * first */
static Watched *next_watched(Control *c, size_t *rule, size_t *pos) {
        WatchRule *r;
        Watched *w;

        for (; c->ops->rule_at && (r = c->ops->rule_at(c->userdata, *rule)); (*rule)++, *pos = 0)
                if ((w = watch_rule_next(r, pos)))
                        return w;
        return NULL;
}

static Watched *find_watched(Control *c, const char *name) {
        size_t rule = 0, pos = 0;
        Watched *w;

        while (name && (w = next_watched(c, &rule, &pos)))
                if (streq(watched_name(w), name))
                        return w;
        return NULL;
}

/* A [watch:NAME] section with unit= by its name: a unit is known to
 * systemd (and can be started) also while no cgroup of it exists */
static WatchRule *find_unit_rule(Control *c, const char *name) {
        WatchRule *r;

        for (size_t i = 0; name && c->ops->rule_at && (r = c->ops->rule_at(c->userdata, i)); i++)
                if (watch_rule_unit(r) && streq(watch_rule_section(r)->name, name))
                        return r;
        return NULL;
}

/* The status of a watched unit that has no cgroup now */
static json_object *inactive_unit_json(const WatchRule *r) {
        ServiceStatus st;

        status_init(&st, watch_rule_section(r)->name);
        snprintf(st.state, sizeof st.state, "%s", "inactive");
        snprintf(st.kind, sizeof st.kind, "%s", watched_kind_to_string(WATCHED_UNIT));
        snprintf(st.cgroup, sizeof st.cgroup, "%.255s", watch_rule_unit_path(r));
        return control_status_json(&st);
}

static WatchedRequest watched_request_of(ControlCommand c) {
        return c == CONTROL_START ? WATCHED_START : c == CONTROL_STOP ? WATCHED_STOP : WATCHED_RESTART;
}

/* start, stop, restart of a watched unit: asked of systemd. state: the
 * watched cgroup's now, "inactive" without one */
static void handle_unit_request(Client *cl, WatchRule *r, ControlCommand cmd, const char *state) {
        _cleanup_(json_object_putp) json_object *reply = NULL;
        int k;

        k = watch_rule_request(r, watched_request_of(cmd));
        if (k < 0) {
                client_error(cl, "cannot ask systemd for the %s of '%s': %s", control_command_to_string(cmd),
                             watch_rule_section(r)->name, strerror(-k));
                return;
        }
        /* the job runs in systemd: the state is today's; `stop --wait`
         * asks again until the unit's cgroup is empty or gone */
        reply = json_object_new_object();
        json_object_object_add(reply, "ok", json_object_new_boolean(true));
        json_object_object_add(reply, "state", json_object_new_string(state));
        json_object_object_add(reply, "job", json_object_new_string("systemd"));
        client_reply(cl, reply);
}

/* A capture requested by a client finished: answer the clients waiting
 * for it (a service or a watched cgroup). path dies with the capture. */
static void capture_done(Control *c, const void *s, const char *path, bool complete) {
        for (Client *cl = c->clients, *next; cl; cl = next) {
                next = cl->next;
                if (cl->waiting_capture != s)
                        continue;
                cl->waiting_capture = NULL;
                _cleanup_(json_object_putp) json_object *r = json_object_new_object();
                json_object_object_add(r, "ok", json_object_new_boolean(path != NULL));
                if (path) {
                        json_object_object_add(r, "capture", json_object_new_string(path));
                        json_object_object_add(r, "complete", json_object_new_boolean(complete));
                } else
                        json_object_object_add(r, "error",
                                               json_object_new_string("the capture failed to start"));
                client_reply(cl, r);
        }
}

static void on_capture_done(void *userdata, Service *s, const char *path, bool complete) {
        capture_done(userdata, s, path, complete);
}

static void on_watched_capture_done(void *userdata, Watched *w, const char *path, bool complete) {
        capture_done(userdata, w, path, complete);
}

/* The answer to a capture request comes when it ends: no reading meanwhile. */
static void client_wait_capture(Client *cl, const void *target, usec_t timeout) {
        cl->waiting_capture = target;
        (void) sd_event_source_set_enabled(cl->io, SD_EVENT_OFF);
        (void) sd_event_source_set_time_relative(cl->timer, timeout + 5 * USEC_PER_SEC);
}

/* A watched cgroup: status and capture; cgwarden does not start or stop it. */
static void handle_watched(Client *cl, ControlCommand cmd, Watched *w) {
        const char *name = watched_name(w);
        char what[128];
        int k;

        if (cmd != CONTROL_CAPTURE) {
                WatchRule *r = find_unit_rule(cl->control, name);
                ServiceStatus st;

                if (!r) {
                        client_error(cl, "'%s' is a watched %s (%s): cgwarden does not %s it", name,
                                     watched_kind_to_string(watched_kind(w)), watched_path(w),
                                     control_command_to_string(cmd));
                        return;
                }
                watched_get_status(w, &st);
                handle_unit_request(cl, r, cmd, st.state);
                return;
        }
        snprintf(what, sizeof what, "cgwarden capture %s", name);
        k = watched_capture(w, what, on_watched_capture_done, cl->control);
        if (k == -ESRCH) {
                client_error(cl, "watched cgroup '%s' has no process", name);
                return;
        }
        if (k == -EBUSY) {
                client_error(cl, "a capture of '%s' is running already", name);
                return;
        }
        if (k < 0) {
                client_error(cl, "cannot start a capture of '%s': %s", name, strerror(-k));
                return;
        }
        client_wait_capture(cl, w, watched_section(w)->capture_timeout);
}

static void handle(Client *cl, const ControlRequest *req) {
        Control *c = cl->control;
        _cleanup_(json_object_putp) json_object *r = json_object_new_object();
        const char *cmd = control_command_to_string(req->command);
        Service *s = NULL;
        Watched *w = NULL;

        if (req->has_service) {
                s = find_service(c, req->service);
                w = s ? NULL : find_watched(c, req->service);
                if (!s && !w) {
                        WatchRule *u = find_unit_rule(c, req->service);
                        if (!u) {
                                client_error(cl, "no service '%.64s'", req->service);
                                return;
                        }
                        if (req->command == CONTROL_STATUS) {
                                json_object *arr = json_object_new_array();
                                json_object_array_add(arr, inactive_unit_json(u));
                                json_object_object_add(r, "ok", json_object_new_boolean(true));
                                json_object_object_add(r, "services", arr);
                                client_reply(cl, r);
                        } else if (req->command == CONTROL_CAPTURE)
                                client_error(cl, "watched unit '%s' has no cgroup now (inactive)",
                                             req->service);
                        else
                                handle_unit_request(cl, u, req->command, "inactive");
                        return;
                }
        }
        json_object_object_add(r, "ok", json_object_new_boolean(true));
        if (req->command == CONTROL_STATUS) {
                json_object *arr = json_object_new_array();
                Service *x;
                Watched *y;
                WatchRule *u;
                for (size_t i = 0; !w && (x = c->ops->service_at(c->userdata, i)); i++)
                        if (!s || x == s)
                                json_object_array_add(arr, control_service_json(x));
                for (size_t rule = 0, pos = 0; !s && (y = next_watched(c, &rule, &pos));)
                        if (!w || y == w) {
                                ServiceStatus st;
                                watched_get_status(y, &st);
                                json_object_array_add(arr, control_status_json(&st));
                        }
                /* and the watched units that have no cgroup now */
                for (size_t i = 0; !s && !w && c->ops->rule_at && (u = c->ops->rule_at(c->userdata, i)); i++)
                        if (watch_rule_unit(u) && watch_rule_count(u) == 0)
                                json_object_array_add(arr, inactive_unit_json(u));
                json_object_object_add(r, "services", arr);
                client_reply(cl, r);
                return;
        }
        if (req->command == CONTROL_RELOAD) {
                if (c->ops->reload(c->userdata) == -ENOENT) {
                        client_error(cl, "no configuration file to reload (exec mode)");
                        return;
                }
                client_reply(cl, r);
                return;
        }
        /* capture, start, stop, restart: the parser saw "service" */
        if (w) {
                handle_watched(cl, req->command, w);
                return;
        }
        assert(s);
        if (req->command == CONTROL_CAPTURE) {
                char what[128];
                int k;
                snprintf(what, sizeof what, "cgwarden capture %s", s->cfg->name);
                if (s->main_pid <= 0) {
                        client_error(cl, "service '%s' is not running", s->cfg->name);
                        return;
                }
                k = service_capture(s, what, on_capture_done, c);
                if (k == -EBUSY) {
                        client_error(cl, "a capture of '%s' is running already", s->cfg->name);
                        return;
                }
                if (k < 0) {
                        client_error(cl, "cannot start a capture of '%s': %s", s->cfg->name, strerror(-k));
                        return;
                }
                client_wait_capture(cl, s, s->cfg->capture_timeout);
                return;
        }
        log_info("Control: %s '%s'.", cmd, s->cfg->name);
        (void) service_request(s, req->command == CONTROL_START  ? SVC_EV_START
                                  : req->command == CONTROL_STOP ? SVC_EV_STOP
                                                                 : SVC_EV_RESTART);
        json_object_object_add(r, "state", json_object_new_string(svc_state_to_string(s->state)));
        client_reply(cl, r);
}

static void client_read(Client *cl) {
        char buf[4096];
        ssize_t n;
        char *nl;

        n = read(cl->fd, buf, sizeof buf);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0) {
                /* EOF before a newline: a request without one is fine */
                if (n == 0 && cl->in_len > 0)
                        goto parse;
                client_free(cl);
                return;
        }
        if (cl->in_len + (size_t) n > CONTROL_REQUEST_MAX) {
                client_error(cl, "request larger than %d bytes", CONTROL_REQUEST_MAX);
                return;
        }
        {
                char *p = realloc(cl->in, cl->in_len + (size_t) n + 1);
                if (!p) {
                        client_free(cl);
                        return;
                }
                cl->in = p;
        }
        memcpy(cl->in + cl->in_len, buf, (size_t) n);
        cl->in_len += (size_t) n;
        cl->in[cl->in_len] = 0;
        nl = memchr(cl->in, '\n', cl->in_len);
        if (!nl)
                return;
        *nl = 0;
        cl->in_len = (size_t) (nl - cl->in);
parse : {
        ControlRequest req;
        char err[256];

        if (control_request_parse(cl->in, cl->in_len, &req, err, sizeof err) < 0) {
                client_error(cl, "%s", err);
                return;
        }
        handle(cl, &req);
}
}

static void client_write(Client *cl) {
        while (cl->out_off < cl->out_len) {
                /* a client that went away is no reason to die of SIGPIPE */
                ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off, MSG_NOSIGNAL);
                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                return;
                        client_free(cl);
                        return;
                }
                cl->out_off += (size_t) n;
        }
        /* one request, one reply: then read what the client may still be
         * sending (an oversized request) until it closes, so the reply is
         * not lost to a reset; the client's deadline bounds it */
        (void) shutdown(cl->fd, SHUT_WR);
        cl->draining = true;
        (void) sd_event_source_set_io_events(cl->io, EPOLLIN);
}

static void client_drain(Client *cl) {
        char buf[4096];
        ssize_t n = read(cl->fd, buf, sizeof buf);

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n <= 0)
                client_free(cl);
}

static int on_client_io(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Client *cl = userdata;

        if (cl->draining)
                client_drain(cl);
        else if (cl->out)
                client_write(cl);
        else if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                client_read(cl);
        return 0;
}

static int on_client_timeout(sd_event_source *src, uint64_t usec, void *userdata) {
        Client *cl = userdata;

        log_debug("Control: a client timed out.");
        client_free(cl);
        return 0;
}

/* root, or a member of control_group (primary or supplementary group of
 * the peer process, from /proc/PID/status) */
static bool authorised(Control *c, const struct ucred *cr) {
        char path[64], line[4096];
        bool ok = false;
        FILE *f;

        if (cr->uid == 0)
                return true;
        if (c->gid == (gid_t) -1)
                return false;
        if (cr->gid == c->gid)
                return true;
        snprintf(path, sizeof path, "/proc/%d/status", (int) cr->pid);
        f = fopen(path, "re");
        if (!f)
                return false;
        while (!ok && fgets(line, sizeof line, f)) {
                char *p, *save = NULL;
                if (strncmp(line, "Groups:", 7) != 0)
                        continue;
                for (p = strtok_r(line + 7, " \t\n", &save); p; p = strtok_r(NULL, " \t\n", &save))
                        if ((gid_t) strtoul(p, NULL, 10) == c->gid)
                                ok = true;
        }
        fclose(f);
        return ok;
}

static int on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata) {
        Control *c = userdata;
        struct ucred cr;
        socklen_t len = sizeof cr;
        Client *cl;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
                cr = (struct ucred){ .pid = 0, .uid = (uid_t) -1, .gid = (gid_t) -1 };
        if (c->n_clients >= CONTROL_CLIENTS_MAX || clients_of(c, cr.uid) >= CONTROL_CLIENTS_PER_UID) {
                static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";
                (void) send(cfd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                close(cfd);
                return 0;
        }
        cl = calloc(1, sizeof *cl);
        if (!cl) {
                close(cfd);
                return 0;
        }
        cl->control = c;
        cl->fd = cfd;
        cl->uid = cr.uid;
        cl->next = c->clients;
        if (c->clients)
                c->clients->prev = cl;
        c->clients = cl;
        c->n_clients++;
        r = sd_event_add_io(c->event, &cl->io, cfd, EPOLLIN, on_client_io, cl);
        if (r >= 0)
                r = sd_event_add_time_relative(c->event, &cl->timer, CLOCK_MONOTONIC,
                                               CONTROL_REQUEST_TIMEOUT_USEC, 10 * USEC_PER_MSEC,
                                               on_client_timeout, cl);
        if (r < 0) {
                client_free(cl);
                return 0;
        }
        if (cr.uid == (uid_t) -1 || !authorised(c, &cr)) {
                log_warning("Control: refused a client (pid %d, uid %u): not root%s%s.", (int) cr.pid,
                            (unsigned) cr.uid, c->gid != (gid_t) -1 ? " nor in control_group " : "",
                            c->gid != (gid_t) -1 ? c->control_group : "");
                client_error(cl, "permission denied: the control socket is for root%s%s",
                             c->gid != (gid_t) -1 ? " and members of group " : "",
                             c->gid != (gid_t) -1 ? c->control_group : "");
        }
        return 0;
}

int control_new(sd_event *event, const char *dir, const char *control_group, const ControlOps *ops,
                void *userdata, Control **ret) {
        _cleanup_(control_freep) Control *c = NULL;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int r;

        if (!dir)
                return 0;
        c = calloc(1, sizeof *c);
        if (!c)
                return log_oom();
        c->event = event;
        c->ops = ops;
        c->userdata = userdata;
        c->fd = -EBADF;
        c->gid = (gid_t) -1;
        if (control_group) {
                struct group *g = getgrnam(control_group);
                if (!g)
                        return log_error_errno(-ENOENT, "control_group '%s': no such group.", control_group);
                c->gid = g->gr_gid;
                c->control_group = strdup(control_group);
                if (!c->control_group)
                        return log_oom();
        }
        r = mkdir_p(dir, 0755);
        if (r < 0)
                return log_error_errno(r, "Cannot create state_dir %s: %m", dir);
        if (asprintf(&c->path, "%s/%s", dir, CONTROL_SOCKET_NAME) < 0)
                return log_oom();
        if (strlen(c->path) >= sizeof sa.sun_path)
                return log_error_errno(-ENAMETOOLONG, "Control socket path too long: %s", c->path);
        strcpy(sa.sun_path, c->path);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0)
                return log_error_errno(errno, "Control socket: %m");
        /* a socket left by a cgwarden that died: replace it; a live one: refuse */
        {
                int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
                if (probe >= 0 && connect(probe, (struct sockaddr *) &sa, sizeof sa) >= 0) {
                        close(probe);
                        return log_error_errno(-EADDRINUSE,
                                               "Another cgwarden listens on %s: use another state_dir.",
                                               c->path);
                }
                safe_close(probe);
                (void) unlink(c->path);
        }
        if (bind(c->fd, (struct sockaddr *) &sa, sizeof sa) < 0)
                return log_error_errno(errno, "Cannot bind the control socket %s: %m", c->path);
        if (chmod(c->path, c->gid != (gid_t) -1 ? 0660 : 0600) < 0 ||
            (c->gid != (gid_t) -1 && chown(c->path, 0, c->gid) < 0))
                return log_error_errno(errno, "Cannot set the control socket's mode: %m");
        if (listen(c->fd, 64) < 0)
                return log_error_errno(errno, "Cannot listen on %s: %m", c->path);
        r = sd_event_add_io(event, &c->io, c->fd, EPOLLIN, on_accept, c);
        if (r < 0)
                return log_error_errno(r, "Control socket: %m");
        (void) sd_event_source_set_description(c->io, "control");
        log_info("Control socket: %s.", c->path);
        *ret = TAKE_PTR(c);
        return 0;
}

Control *control_free(Control *c) {
        if (!c)
                return NULL;
        while (c->clients)
                client_free(c->clients);
        sd_event_source_disable_unref(c->io);
        if (c->fd >= 0 && c->path)
                (void) unlink(c->path);
        safe_close(c->fd);
        free(c->path);
        free(c->control_group);
        free(c);
        return NULL;
}
