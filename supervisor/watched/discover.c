/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <search.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/log.h"
#include "base/macro.h"
#include "base/path-glob.h"
#include "watched/discover.h"

#define SETTLE (50 * USEC_PER_MSEC)
#define RESCAN_DELAY (1 * USEC_PER_SEC)
/* a bound on the directories watched (each an inotify watch) */
#define DIRS_MAX 200000

typedef struct Dir {
        int wd;
        char *path; /* from the hierarchy's root: "/", "/system.slice" */
} Dir;

/* A watched cgroup's file whose IN_MODIFY tells that a process may have
 * joined (watched_join_paths()), in the rule's inotify instance */
typedef struct Join {
        int wd;
        Watched *w;
} Join;

typedef struct Match {
        char *path;
        Watched *w; /* NULL: not guarded (yet, or an inner match) */
        int join_wd[2]; /* -1: none */
        usec_t found_at; /* CLOCK_MONOTONIC */
        bool seen; /* in the walk after an overflow */
} Match;

struct WatchRule {
        const WatchedContext *ctx;
        ServiceConfig *cfg;
        const char *pattern; /* cfg's cgroup= or match= */
        bool deep; /* the pattern has "**": matches may be below matches */
        char *root; /* the hierarchy's directory */
        int ifd;
        sd_event_source *io, *settle_timer, *rescan_timer;
        Dir *dirs; /* sorted by wd */
        size_t n_dirs;
        Join *joins; /* sorted by wd */
        size_t n_joins;
        Match *m; /* sorted by path_cmp(): a cgroup's descendants follow it */
        size_t n_m;
        Watched **dying; /* gone, their captures still running */
        size_t n_dying;
        size_t n_guarded; /* the m[].w that are set */
        void *names; /* tsearch() tree of the names of every Watched above: unique in the rule */
        bool walking_all; /* the walk after an overflow: look into every directory again */
        UnitCtl *unit; /* unit=: systemd, asked for the path, restarts and stops */
        char *unit_path; /* the unit's cgroup, the pattern */
        bool warned_full;
};

/* Order paths so that '/' sorts before any other byte: a path's
 * descendants then come right after it. */
static int path_cmp(const char *a, const char *b) {
        for (;; a++, b++) {
                unsigned ca = *a == '/' ? 1u : (unsigned char) *a, cb = *b == '/' ? 1u : (unsigned char) *b;
                if (ca != cb)
                        return ca < cb ? -1 : 1;
                if (!ca)
                        return 0;
        }
}

static bool is_below(const char *path, const char *dir) {
        size_t n = strlen(dir);
        if (streq(dir, "/"))
                return path[0] == '/' && path[1] != 0;
        return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static char *child_path(const char *dir, const char *name) {
        char *p;
        if (asprintf(&p, "%s/%s", streq(dir, "/") ? "" : dir, name) < 0)
                return NULL;
        return p;
}

/* ---- matches ---- */

/* Index of path, or of where it would go (*found false). */
static size_t match_find(const WatchRule *r, const char *path, bool *found) {
        size_t lo = 0, hi = r->n_m;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = path_cmp(r->m[mid].path, path);
                if (c == 0) {
                        *found = true;
                        return mid;
                }
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void match_add(WatchRule *r, const char *path) {
        bool found;
        size_t i = match_find(r, path, &found);
        Match *t;
        char *p;

        if (found) {
                r->m[i].seen = true;
                return;
        }
        p = strdup(path);
        t = p ? reallocarray(r->m, r->n_m + 1, sizeof *t) : NULL;
        if (!t) {
                free(p);
                log_oom();
                return;
        }
        r->m = t;
        memmove(r->m + i + 1, r->m + i, (r->n_m - i) * sizeof *t);
        r->m[i] = (Match){
                .path = p, .found_at = now_usec(CLOCK_MONOTONIC), .seen = true, .join_wd = { -1, -1 }
        };
        r->n_m++;
}

/* ---- joins ---- */

static size_t join_find(const WatchRule *r, int wd, bool *found) {
        size_t lo = 0, hi = r->n_joins;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (r->joins[mid].wd == wd) {
                        *found = true;
                        return mid;
                }
                if (r->joins[mid].wd < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void join_forget(WatchRule *r, int wd) {
        bool found;
        size_t i = join_find(r, wd, &found);

        if (!found)
                return;
        memmove(r->joins + i, r->joins + i + 1, (r->n_joins - i - 1) * sizeof *r->joins);
        r->n_joins--;
}

/* m's cgroup no longer guarded: its watches go */
static void unjoin(WatchRule *r, Match *m) {
        for (size_t k = 0; k < ELEMENTSOF(m->join_wd); k++)
                if (m->join_wd[k] >= 0) {
                        bool found;
                        (void) join_find(r, m->join_wd[k], &found);
                        if (found) /* not yet removed by the kernel (IN_IGNORED) */
                                (void) inotify_rm_watch(r->ifd, m->join_wd[k]);
                        join_forget(r, m->join_wd[k]);
                        m->join_wd[k] = -1;
                }
}

/* Watch the files that tell of a process joining m's cgroup: all or none
 * (then the guard polls an empty cgroup). The inotify instance is the
 * rule's: sd-event's would hold an fd per file until its loop turns. */
static void join(WatchRule *r, Match *m) {
        char *paths[3] = {};
        bool ok = watched_join_paths(m->w, paths) >= 0;

        for (size_t k = 0; ok && k < ELEMENTSOF(m->join_wd) && paths[k]; k++) {
                int wd = inotify_add_watch(r->ifd, paths[k], IN_MODIFY);
                bool found;
                size_t i;
                Join *t;

                if (wd < 0) {
                        ok = false;
                        break;
                }
                m->join_wd[k] = wd;
                i = join_find(r, wd, &found);
                if (found) {
                        r->joins[i].w = m->w;
                        continue;
                }
                t = reallocarray(r->joins, r->n_joins + 1, sizeof *t);
                if (!t) {
                        ok = false;
                        break;
                }
                r->joins = t;
                memmove(r->joins + i + 1, r->joins + i, (r->n_joins - i) * sizeof *t);
                r->joins[i] = (Join){ .wd = wd, .w = m->w };
                r->n_joins++;
        }
        ok = ok && paths[0];
        if (!ok)
                unjoin(r, m);
        watched_set_join_notified(m->w, ok);
        free(paths[0]);
        free(paths[1]);
}

static int name_cmp(const void *a, const void *b) {
        return strcmp(a, b);
}

static void rule_free_watched(WatchRule *r, Watched *w) {
        if (!w)
                return;
        (void) tdelete(watched_name(w), &r->names, name_cmp);
        watched_free(w);
}

/* Stop guarding: at once, or when its capture ends (gone: the cgroup was
 * removed). The caller clears its m[].w. */
static void release(WatchRule *r, Watched *w, bool gone) {
        Watched **t;

        if (!w)
                return;
        r->n_guarded--;
        if (gone)
                watched_set_gone(w);
        if (!watched_capturing(w)) {
                rule_free_watched(r, w);
                return;
        }
        watched_set_gone(w);
        t = reallocarray(r->dying, r->n_dying + 1, sizeof *t);
        if (!t) {
                rule_free_watched(r, w); /* the capture ends with what it has */
                return;
        }
        r->dying = t;
        r->dying[r->n_dying++] = w;
}

static void match_remove_at(WatchRule *r, size_t i) {
        unjoin(r, &r->m[i]);
        release(r, r->m[i].w, true);
        free(r->m[i].path);
        memmove(r->m + i, r->m + i + 1, (r->n_m - i - 1) * sizeof *r->m);
        r->n_m--;
}

/* path and everything below it is gone. */
static void match_remove_tree(WatchRule *r, const char *path) {
        bool found;
        size_t i = match_find(r, path, &found);

        if (found)
                match_remove_at(r, i);
        while (i < r->n_m && is_below(r->m[i].path, path))
                match_remove_at(r, i);
}

static bool name_taken(const WatchRule *r, const char *name) {
        return tfind(name, &r->names, name_cmp) != NULL;
}

static void guard_match(WatchRule *r, Match *m) {
        char name[80], base[80];
        WatchedKind kind;
        int k;

        kind = watched_name_from_path(r->cfg->name, m->path, base, sizeof base);
        if (r->cfg->watch_cgroup || r->unit)
                snprintf(base, sizeof base, "%s", r->cfg->name);
        snprintf(name, sizeof name, "%s", base);
        for (unsigned n = 2; name_taken(r, name) && n < 1000; n++)
                snprintf(name, sizeof name, "%.58s-%u", base, n);
        k = watched_new(r->ctx, r->cfg, name, m->path, r->unit ? WATCHED_UNIT : kind, &m->w);
        if (k >= 0 && !tsearch(watched_name(m->w), &r->names, name_cmp)) {
                watched_free(m->w);
                k = log_oom();
        }
        if (k >= 0) {
                r->n_guarded++;
                if (r->unit)
                        watched_set_unit(m->w, r->unit);
                join(r, m);
        }
        if (k < 0) {
                m->w = NULL;
                if (k != -ENOENT)
                        log_warning_errno(k, "Watch '%s': cannot guard %s: %m", r->cfg->name, m->path);
        }
}

/* Guard the deepest matches that have settled, drop the inner ones. */
static void reconcile(WatchRule *r) {
        usec_t now = now_usec(CLOCK_MONOTONIC), next = USEC_INFINITY;
        bool changed = false;

        for (size_t i = 0; i < r->n_m; i++) {
                Match *m = &r->m[i];
                bool inner = i + 1 < r->n_m && is_below(r->m[i + 1].path, m->path);

                if (inner) {
                        if (m->w) {
                                log_info("Watch '%s': %s has matching cgroups below it: guarding those.",
                                         r->cfg->name, m->path);
                                unjoin(r, m);
                                release(r, m->w, false);
                                m->w = NULL;
                                changed = true;
                        }
                        continue;
                }
                if (m->w)
                        continue;
                if (now < m->found_at + SETTLE) {
                        next = MIN(next, m->found_at + SETTLE);
                        continue;
                }
                /* tried once: a cgroup that could not be opened waits for
                 * the next event */
                m->found_at = USEC_INFINITY - SETTLE;
                guard_match(r, m);
                changed = changed || m->w;
        }
        if (next != USEC_INFINITY && r->settle_timer) {
                (void) sd_event_source_set_time(r->settle_timer, next);
                (void) sd_event_source_set_enabled(r->settle_timer, SD_EVENT_ONESHOT);
        }
        if (changed && r->ctx->changed)
                r->ctx->changed(r->ctx->userdata);
}

/* ---- directories ---- */

static size_t dir_find(const WatchRule *r, int wd, bool *found) {
        size_t lo = 0, hi = r->n_dirs;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (r->dirs[mid].wd == wd) {
                        *found = true;
                        return mid;
                }
                if (r->dirs[mid].wd < wd)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        *found = false;
        return lo;
}

static void dir_forget(WatchRule *r, int wd) {
        bool found;
        size_t i = dir_find(r, wd, &found);

        if (!found)
                return;
        free(r->dirs[i].path);
        memmove(r->dirs + i, r->dirs + i + 1, (r->n_dirs - i - 1) * sizeof *r->dirs);
        r->n_dirs--;
}

static void visit(WatchRule *r, const char *path);

/* Watch a directory and look at what is in it already. */
static void add_dir(WatchRule *r, const char *path) {
        _cleanup_free_ char *abs = NULL;
        DIR *d;
        struct dirent *de;
        bool found;
        size_t i;
        int wd;

        if (r->n_dirs >= DIRS_MAX) {
                if (!r->warned_full)
                        log_warning("Watch '%s': %d directories watched: not looking below %s.",
                                    r->cfg->name, DIRS_MAX, path);
                r->warned_full = true;
                return;
        }
        if (asprintf(&abs, "%s%s", r->root, streq(path, "/") ? "" : path) < 0)
                return (void) log_oom();
        wd = inotify_add_watch(r->ifd, abs,
                               IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR |
                                       IN_EXCL_UNLINK);
        if (wd < 0) {
                if (errno != ENOENT && errno != ENOTDIR)
                        log_warning_errno(errno, "Watch '%s': cannot watch %s: %m", r->cfg->name, abs);
                return;
        }
        i = dir_find(r, wd, &found);
        if (found) {
                if (!r->walking_all)
                        return; /* watched and walked already */
        } else {
                Dir *t = reallocarray(r->dirs, r->n_dirs + 1, sizeof *t);
                char *p = strdup(path);
                if (!t || !p) {
                        free(p);
                        if (t)
                                r->dirs = t;
                        (void) inotify_rm_watch(r->ifd, wd);
                        return (void) log_oom();
                }
                r->dirs = t;
                memmove(r->dirs + i + 1, r->dirs + i, (r->n_dirs - i) * sizeof *t);
                r->dirs[i] = (Dir){ .wd = wd, .path = p };
                r->n_dirs++;
        }
        /* after the watch: a directory created meanwhile is seen twice at
         * worst (visit is idempotent), never missed */
        d = opendir(abs);
        if (!d)
                return;
        while ((de = readdir(d))) {
                _cleanup_free_ char *child = NULL;
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                child = child_path(path, de->d_name);
                if (child)
                        visit(r, child);
        }
        closedir(d);
}

static void visit(WatchRule *r, const char *path) {
        PathGlobResult m = path_glob_match(r->pattern, path);

        if (m == PATH_GLOB_NO)
                return;
        if (m == PATH_GLOB_MATCH)
                match_add(r, path);
        if (m == PATH_GLOB_BELOW || r->deep)
                add_dir(r, path);
}

/* Walk the whole tree again (after the event queue overflowed): new
 * cgroups are added, those not found any more dropped. */
static void walk_all(WatchRule *r) {
        for (size_t i = 0; i < r->n_m; i++)
                r->m[i].seen = false;
        r->walking_all = true;
        visit(r, "/");
        r->walking_all = false;
        for (size_t i = 0; i < r->n_m;)
                if (!r->m[i].seen)
                        match_remove_at(r, i);
                else
                        i++;
}

static int on_rescan(sd_event_source *s, uint64_t usec, void *userdata) {
        WatchRule *r = userdata;

        log_info("Watch '%s': walking the cgroup tree again after an inotify queue overflow.", r->cfg->name);
        walk_all(r);
        reconcile(r);
        /* a process that joined may have been among the events lost */
        for (size_t i = 0; i < r->n_m; i++)
                if (r->m[i].w)
                        watched_joined(r->m[i].w);
        return 0;
}

static int on_settle(sd_event_source *s, uint64_t usec, void *userdata) {
        reconcile(userdata);
        return 0;
}

static int on_inotify(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        WatchRule *r = userdata;
        union {
                struct inotify_event ev;
                char buf[16384];
        } u;
        bool any = false;

        for (unsigned rounds = 0; rounds < 64; rounds++) {
                ssize_t n = read(fd, u.buf, sizeof u.buf);
                if (n <= 0)
                        break;
                for (char *p = u.buf; p < u.buf + n;) {
                        struct inotify_event *ev = (struct inotify_event *) p;
                        bool found;
                        size_t i;

                        p += sizeof *ev + ev->len;
                        if (ev->mask & IN_Q_OVERFLOW) {
                                (void) sd_event_source_set_time_relative(r->rescan_timer, RESCAN_DELAY);
                                (void) sd_event_source_set_enabled(r->rescan_timer, SD_EVENT_ONESHOT);
                                continue;
                        }
                        i = join_find(r, ev->wd, &found);
                        if (found) {
                                if (ev->mask & IN_IGNORED)
                                        join_forget(r, ev->wd);
                                else
                                        watched_joined(r->joins[i].w);
                                continue;
                        }
                        if (ev->mask & IN_IGNORED) {
                                dir_forget(r, ev->wd);
                                continue;
                        }
                        if (!(ev->mask & IN_ISDIR) || ev->len == 0)
                                continue;
                        i = dir_find(r, ev->wd, &found);
                        if (!found)
                                continue;
                        {
                                _cleanup_free_ char *child = child_path(r->dirs[i].path, ev->name);
                                if (!child)
                                        continue;
                                if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                                        visit(r, child);
                                else
                                        match_remove_tree(r, child);
                                any = true;
                        }
                }
        }
        if (any)
                reconcile(r);
        return 0;
}

/* ---- life ---- */

int watch_rule_new(const WatchedContext *ctx, ServiceConfig *section, WatchRule **ret) {
        WatchRule *r;
        int k;

        r = calloc(1, sizeof *r);
        if (!r) {
                service_config_free(section);
                return log_oom();
        }
        r->ctx = ctx;
        r->cfg = section;
        r->ifd = -EBADF;
        if (section->watch_unit) {
                _cleanup_free_ char *err = NULL;
                k = unit_ctl_new(ctx->event, section->watch_unit, &r->unit, &r->unit_path, &err);
                if (k < 0) {
                        log_error("Watch '%s': %s", section->name, err ?: strerror(-k));
                        goto fail;
                }
                log_info("Watch '%s': unit %s has cgroup %s.", section->name, section->watch_unit,
                         r->unit_path);
        }
        r->pattern = section->watch_cgroup ?: section->watch_match ?: r->unit_path;
        if (!r->pattern) {
                k = log_error_errno(EINVAL, "Watch '%s': no cgroup=, unit= or match=.", section->name);
                goto fail;
        }
        r->deep = section->watch_match && strstr(section->watch_match, "**");
        r->root = strdup(cg_context_tree_root(ctx->cg));
        if (!r->root) {
                k = log_oom();
                goto fail;
        }
        r->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (r->ifd < 0) {
                k = log_error_errno(errno, "Watch '%s': inotify: %m", section->name);
                goto fail;
        }
        k = sd_event_add_io(ctx->event, &r->io, r->ifd, EPOLLIN, on_inotify, r);
        if (k >= 0)
                k = sd_event_add_time(ctx->event, &r->settle_timer, CLOCK_MONOTONIC, 0, 10 * USEC_PER_MSEC,
                                      on_settle, r);
        if (k >= 0)
                k = sd_event_add_time(ctx->event, &r->rescan_timer, CLOCK_MONOTONIC, 0, 100 * USEC_PER_MSEC,
                                      on_rescan, r);
        if (k < 0) {
                log_error_errno(k, "Watch '%s': cannot add event sources: %m", section->name);
                goto fail;
        }
        (void) sd_event_source_set_enabled(r->settle_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(r->rescan_timer, SD_EVENT_OFF);
        (void) sd_event_source_set_description(r->io, "watch-discovery");

        visit(r, "/");
        {
                char t[PATH_MAX];
                log_info("Watch '%s': %s: %zu cgroup(s) found, %zu director%s watched.", section->name,
                         watch_config_target(section, t, sizeof t), r->n_m, r->n_dirs,
                         r->n_dirs == 1 ? "y" : "ies");
        }
        /* what exists already has settled */
        for (size_t i = 0; i < r->n_m; i++)
                r->m[i].found_at = 0;
        reconcile(r);
        *ret = r;
        return 0;
fail:
        watch_rule_free(r);
        return k;
}

WatchRule *watch_rule_free(WatchRule *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_m; i++) {
                rule_free_watched(r, r->m[i].w);
                free(r->m[i].path);
        }
        free(r->m);
        for (size_t i = 0; i < r->n_dying; i++)
                rule_free_watched(r, r->dying[i]);
        free(r->dying);
        for (size_t i = 0; i < r->n_dirs; i++)
                free(r->dirs[i].path);
        free(r->dirs);
        free(r->joins);
        sd_event_source_disable_unref(r->io);
        sd_event_source_disable_unref(r->settle_timer);
        sd_event_source_disable_unref(r->rescan_timer);
        safe_close(r->ifd);
        free(r->root);
        unit_ctl_free(r->unit);
        free(r->unit_path);
        service_config_free(r->cfg);
        free(r);
        return NULL;
}

const ServiceConfig *watch_rule_section(const WatchRule *r) {
        return r->cfg;
}

const char *watch_rule_unit(const WatchRule *r) {
        return r->unit ? r->cfg->watch_unit : NULL;
}

const char *watch_rule_unit_path(const WatchRule *r) {
        return r->unit ? r->unit_path : NULL;
}

int watch_rule_request(WatchRule *r, WatchedRequest req) {
        if (!r->unit)
                return -EOPNOTSUPP;
        log_info("Watch '%s': %s of %s asked through the control socket.", r->cfg->name,
                 req == WATCHED_START  ? "start"
                 : req == WATCHED_STOP ? "stop"
                                       : "restart",
                 r->cfg->watch_unit);
        return req == WATCHED_START  ? unit_ctl_start(r->unit)
               : req == WATCHED_STOP ? unit_ctl_stop(r->unit)
                                     : unit_ctl_restart(r->unit);
}

size_t watch_rule_count(const WatchRule *r) {
        return r->n_guarded + r->n_dying;
}

Watched *watch_rule_next(const WatchRule *r, size_t *pos) {
        for (; *pos < r->n_m; (*pos)++)
                if (r->m[*pos].w)
                        return r->m[(*pos)++].w;
        if (*pos - r->n_m < r->n_dying) {
                Watched *w = r->dying[*pos - r->n_m];
                (*pos)++;
                return w;
        }
        return NULL;
}

void watch_rule_reap(WatchRule *r) {
        for (size_t i = 0; i < r->n_dying;)
                if (!watched_capturing(r->dying[i])) {
                        rule_free_watched(r, r->dying[i]);
                        memmove(r->dying + i, r->dying + i + 1, (r->n_dying - i - 1) * sizeof *r->dying);
                        r->n_dying--;
                } else
                        i++;
}
