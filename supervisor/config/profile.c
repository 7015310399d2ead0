/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* Profiles: a file with one [profile] section of service keys, named by
 * a service's profile= (a name looked up in cfg_profile_dir(), or an
 * absolute path). Each is read and parsed once per load and applied
 * under the service's own keys: built-in defaults < the profile's keys <
 * the service's keys. */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgw-config.h"
#include "config/config-internal.h"
#include "base/error-util.h"
#include "base/fs-util.h"

/* A profile file, read and parsed once per load however many services
 * name it. Usable when failure is NULL and errors is empty. */
typedef struct Profile {
        char *spec; /* as written after profile= */
        char *path; /* the file looked at; NULL when the name could not be looked up */
        char *failure; /* why it could not be read (unknown name, I/O error) */
        CfgErrors errors; /* "PROFILE_FILE:LINE: message" */
        Assignment *assignments;
        size_t n_assignments;
        bool reported; /* errors already listed under an earlier service */
} Profile;

Profile *profile_free(Profile *prof) {
        if (!prof)
                return NULL;
        free(prof->spec);
        free(prof->path);
        free(prof->failure);
        cfg_errors_done(&prof->errors);
        assignments_free(prof->assignments, prof->n_assignments);
        free(prof);
        return NULL;
}

static void profile_freep(Profile **prof) {
        *prof = profile_free(*prof);
}

/* Set each assignment on s, in order. Returns 0, -ENOMEM, or -EINVAL with
 * the message in *ret_error and the assignment in *ret_failed. */
static int assignments_apply(ServiceConfig *s, const Assignment *a, size_t n, const Assignment **ret_failed,
                             char **ret_error) {
        for (size_t i = 0; i < n; i++) {
                /* a profile serves services and watches: each takes the
                 * keys that apply to it */
                if ((s->kind == SERVICE_KIND_WATCH && (a[i].key->flags & LAUNCH_ONLY)) ||
                    (s->kind == SERVICE_KIND_SERVICE && (a[i].key->flags & WATCH_ONLY)))
                        continue;
                int r = a[i].key->parse(s, a[i].key, a[i].value, ret_error);

                if (r < 0) {
                        *ret_failed = &a[i];
                        return r;
                }
        }
        return 0;
}

/* The action lists a profile set are the profile's, not the user's: the
 * policy engine lets only the user's own override restart = no. */
static void mark_profile_lists(ServiceConfig *s) {
        for (size_t e = 0; e < _EVENT_TYPE_MAX; e++)
                if (s->on_event[e].set)
                        s->on_event[e].set = ACTION_LIST_PROFILE;
        if (s->throttle_then.set)
                s->throttle_then.set = ACTION_LIST_PROFILE;
        for (size_t i = 0; i < s->n_log_triggers; i++)
                if (s->log_triggers[i].actions.set)
                        s->log_triggers[i].actions.set = ACTION_LIST_PROFILE;
}

static const char *profile_dir(bool *ret_from_env) {
        const char *d = secure_getenv("CGWARDEN_PROFILE_DIR");

        *ret_from_env = !isempty(d);
        return isempty(d) ? CGW_PROFILE_DIR : d;
}

const char *cfg_profile_dir(void) {
        bool from_env;

        return profile_dir(&from_env);
}

/* Find, read and parse a profile (spec: a name or an absolute path, as
 * checked by profile_spec_valid()). Returns 0 with *ret, whose failure
 * or errors say whether it can be used, or -ENOMEM. */
static int profile_load(const char *spec, Profile **ret) {
        _cleanup_(profile_freep) Profile *prof = NULL;
        _cleanup_(parser_done) CfgParser p = {};
        _cleanup_free_ char *buf = NULL;
        const char *dir = NULL;
        bool from_env = false;
        size_t n;
        int r;

        prof = calloc(1, sizeof(Profile));
        if (!prof)
                return -ENOMEM;
        prof->spec = strdup(spec);
        if (!prof->spec)
                return -ENOMEM;

        if (spec[0] == '/')
                prof->path = strdup(spec);
        else {
                dir = profile_dir(&from_env);
                if (dir[0] != '/') {
                        r = error_setf(&prof->failure, 0,
                                       "cannot look up profile '%s': CGWARDEN_PROFILE_DIR (%s) is not an "
                                       "absolute path",
                                       spec, dir);
                        goto finish;
                }
                if (asprintf(&prof->path, "%s/%s.ini", dir, spec) < 0)
                        prof->path = NULL;
        }
        if (!prof->path)
                return -ENOMEM;

        /* Only a regular file, and a FIFO does not block the open: the
         * daemon reads profiles on reload (unlike the config file, which
         * may be /dev/stdin for `check`). */
        r = read_full_file_at(AT_FDCWD, prof->path, CFG_FILE_MAX_BYTES, READ_FULL_FILE_REGULAR, &buf, &n);
        if (r == -ENOMEM)
                return r;
        if (r == -ENOENT && dir) {
                r = error_setf(&prof->failure, 0, "unknown profile '%s': no %s.ini in %s%s", spec, spec, dir,
                               from_env ? " (CGWARDEN_PROFILE_DIR)" : "");
                goto finish;
        }
        if (r < 0) {
                const char *why = r == -EBADFD ? "not a regular file" : strerror(-r);

                if (dir)
                        r = error_setf(&prof->failure, 0, "cannot read profile '%s' (%s): %s", spec,
                                       prof->path, why);
                else
                        r = error_setf(&prof->failure, 0, "cannot read profile %s: %s", spec, why);
                goto finish;
        }

        p = (CfgParser){
                .path = prof->path,
                .buf = buf,
                .size = n,
                .section = SECTION_NONE,
                .profile_mode = true,
        };
        p.scratch = service_config_new("profile");
        if (!p.scratch)
                return -ENOMEM;
        r = parser_run(&p);
        if (r < 0)
                return r;
        for (size_t i = 0; i < p.n_errors; i++)
                cfg_errors_push(&prof->errors, TAKE_PTR(p.errors[i].text));
        if (prof->errors.n != p.n_errors)
                return -ENOMEM;
        prof->assignments = TAKE_PTR(p.assignments);
        prof->n_assignments = p.n_assignments;
        p.n_assignments = 0;

finish:
        if (r < 0)
                return r;
        *ret = TAKE_PTR(prof);
        return 0;
}

/* The profile named by spec, loaded on first use. NULL (and p->oom) when
 * out of memory. */
static Profile *parser_get_profile(CfgParser *p, const char *spec) {
        Profile *prof = NULL, **t;

        for (size_t i = 0; i < p->n_profiles; i++)
                if (streq(p->profiles[i]->spec, spec))
                        return p->profiles[i];

        t = reallocarray(p->profiles, p->n_profiles + 1, sizeof(Profile *));
        if (t)
                p->profiles = t;
        if (!t || profile_load(spec, &prof) < 0) {
                p->oom = true;
                return NULL;
        }
        p->profiles[p->n_profiles++] = prof;
        return prof;
}

/* Apply the current service's profile: a fresh service gets the
 * profile's keys, then the section's own keys replayed in file order, so
 * that the service's keys win whatever their order and its repeatable
 * keys (environment, log_trigger) come after the profile's. The result
 * replaces the service parsed so far. Profile problems are reported at
 * the profile= line: one line saying which profile, then the profile
 * file's own "FILE:LINE: message" lines (once per load). Returns 0 when
 * the service may be judged, -EINVAL (reported) or -ENOMEM if not. */
int parser_apply_profile(CfgParser *p) {
        ServiceConfig *s = p->service, *merged;
        unsigned line = p->service_seen[service_key_index("profile")];
        _cleanup_free_ char *err = NULL;
        const Assignment *failed = NULL;
        Profile *prof;
        int r;

        prof = parser_get_profile(p, s->profile);
        if (!prof)
                return -ENOMEM;
        if (prof->failure) {
                parser_error(p, line, "service '%s': %s", s->name, prof->failure);
                return -EINVAL;
        }
        if (prof->errors.n > 0) {
                if (prof->spec[0] == '/')
                        parser_error(p, line, "service '%s': profile %s has errors%s", s->name, prof->path,
                                     prof->reported ? " (listed above)" : ":");
                else
                        parser_error(p, line, "service '%s': profile '%s' (%s) has errors%s", s->name,
                                     prof->spec, prof->path, prof->reported ? " (listed above)" : ":");
                for (size_t i = 0; !prof->reported && i < prof->errors.n; i++)
                        parser_push(p, line, strdup(prof->errors.lines[i]));
                prof->reported = true;
                return -EINVAL;
        }
        if (p->section_had_errors)
                return -EINVAL;

        merged = s->kind == SERVICE_KIND_WATCH ? watch_config_new(s->name) : service_config_new(s->name);
        if (!merged) {
                p->oom = true;
                return -ENOMEM;
        }
        merged->line = s->line;

        /* The profile's keys were checked on a fresh service like this one. */
        r = assignments_apply(merged, prof->assignments, prof->n_assignments, &failed, &err);
        if (r == -EINVAL)
                parser_push(p, line, format_error(prof->path, failed->line, "%s", err));
        else if (r >= 0) {
                mark_profile_lists(merged);
                /* Each key was accepted alone; together with the profile's
                 * one can still fail (too many log_trigger lines). */
                r = assignments_apply(merged, p->assignments, p->n_assignments, &failed, &err);
                if (r == -EINVAL)
                        parser_error(p, failed->line, "service '%s': with profile '%s': %s", s->name,
                                     prof->spec, err);
        }
        if (r < 0) {
                if (r == -ENOMEM)
                        p->oom = true;
                service_config_free(merged);
                return r;
        }

        for (size_t i = 0; i < p->config->n_services; i++)
                if (p->config->services[i] == s)
                        p->config->services[i] = merged;
        for (size_t i = 0; i < p->config->n_watches; i++)
                if (p->config->watches[i] == s)
                        p->config->watches[i] = merged;
        service_config_free(s);
        p->service = merged;
        return 0;
}

int service_config_apply_profile(ServiceConfig *s, const char *profile, const char *origin,
                                 CfgErrors *errs) {
        _cleanup_(profile_freep) Profile *prof = NULL;
        _cleanup_free_ char *err = NULL;
        const Assignment *failed = NULL;
        int r;

        if (!s || !profile)
                return -EINVAL;

        r = service_config_set(s, "profile", profile, &err);
        if (r == -EINVAL) {
                cfg_errors_add(errs, origin, 0, "%s", err);
                return -CGW_ERR_CONFIG;
        }
        if (r < 0)
                return r;

        r = profile_load(profile, &prof);
        if (r < 0)
                return r;
        if (prof->failure) {
                cfg_errors_add(errs, origin, 0, "%s", prof->failure);
                return -CGW_ERR_CONFIG;
        }
        if (prof->errors.n > 0) {
                if (profile[0] == '/')
                        cfg_errors_add(errs, origin, 0, "profile %s has errors:", prof->path);
                else
                        cfg_errors_add(errs, origin, 0, "profile '%s' (%s) has errors:", profile,
                                       prof->path);
                for (size_t i = 0; i < prof->errors.n; i++)
                        cfg_errors_push(errs, TAKE_PTR(prof->errors.lines[i]));
                return -CGW_ERR_CONFIG;
        }

        r = assignments_apply(s, prof->assignments, prof->n_assignments, &failed, &err);
        if (r == -EINVAL) {
                cfg_errors_add(errs, prof->path, failed->line, "%s", err);
                return -CGW_ERR_CONFIG;
        }
        if (r >= 0)
                mark_profile_lists(s);
        return r;
}
