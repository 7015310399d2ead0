/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <regex.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "cgw-config.h"
#include "config/config.h"
#include "base/units.h"

#define CONFIG_DIR FIXTURE_DIR "/config"
#define PROFILE_FIXTURES FIXTURE_DIR "/profiles"
/* the stock profiles, from the source tree */
#define STOCK_PROFILES FIXTURE_DIR "/../../policies/profiles"
#define K (UINT64_C(1) << 10)
#define M (UINT64_C(1) << 20)
#define G (UINT64_C(1) << 30)
#define SEC USEC_PER_SEC
#define MSEC USEC_PER_MSEC
#define MINUTE USEC_PER_MINUTE
#define HOUR USEC_PER_HOUR

static void *mfree_test(void *p) {
        free(p);
        return NULL;
}

static char *read_file(const char *path, size_t *ret_size) {
        _cleanup_fclose_ FILE *f = fopen(path, "re");
        char *buf;
        long n;

        if (!f)
                fail_msg("cannot open %s: %m", path);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        assert_true(n >= 0);
        rewind(f);
        buf = malloc((size_t) n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
        buf[n] = '\0';
        *ret_size = (size_t) n;
        return buf;
}

/* Load a config from a string; errors are compared by the caller. */
static int load(const char *text, Config **ret, CfgErrors *errs) {
        return cfg_load_buf("t.ini", text, strlen(text), ret, errs);
}

/* Exactly these error lines, in order. */
static void check_errors(const CfgErrors *errs, const char *const *want) {
        size_t n = 0;

        for (; want[n]; n++) {
                if (n >= errs->n)
                        fail_msg("missing error '%s'", want[n]);
                if (strcmp(errs->lines[n], want[n]) != 0)
                        fail_msg("error %zu is '%s', want '%s'", n, errs->lines[n], want[n]);
        }
        if (errs->n != n)
                fail_msg("unexpected extra error '%s'", errs->lines[n]);
}

static void expect_errors_flags(const char *text, CfgLoadFlags flags, const char *const *want) {
        CfgErrors errs = {};
        Config *c = NULL;

        assert_int_equal(cfg_load_buf_full("t.ini", text, strlen(text), flags, &c, &errs), -CGW_ERR_CONFIG);
        assert_null(c);
        check_errors(&errs, want);
        cfg_errors_done(&errs);
}

/* The config must fail with exactly these error lines, in order. */
static void expect_errors(const char *text, const char *const *want) {
        expect_errors_flags(text, 0, want);
}

#define ERRORS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static Config *load_flags_ok(const char *text, CfgLoadFlags flags) {
        CfgErrors errs = {};
        Config *c = NULL;
        int r;

        r = cfg_load_buf_full("t.ini", text, strlen(text), flags, &c, &errs);
        if (r != 0)
                fail_msg("load failed (%d): %s", r, errs.n > 0 ? errs.lines[0] : "no message");
        assert_int_equal(errs.n, 0);
        return c;
}

static Config *load_ok(const char *text) {
        return load_flags_ok(text, 0);
}

static bool action_list_is(const ActionList *l, int n, ...) {
        va_list ap;
        bool ok = l->n == n;

        va_start(ap, n);
        for (int i = 0; i < n; i++)
                if (l->a[i] != va_arg(ap, int))
                        ok = false;
        va_end(ap);
        return ok;
}

static void assert_strv(char **l, const char *const *want) {
        size_t n = 0;

        for (; want[n]; n++) {
                assert_non_null(l);
                assert_non_null(l[n]);
                assert_string_equal(l[n], want[n]);
        }
        assert_null(l ? l[n] : NULL);
}
#define STRV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_full(void **state) {
        _cleanup_(config_freep) Config *c = NULL;
        CfgErrors errs = {};
        const LogTrigger *lt;
        ServiceConfig *s;

        assert_int_equal(cfg_load_file(CONFIG_DIR "/full.ini", &c, &errs), 0);
        assert_int_equal(errs.n, 0);
        assert_string_equal(c->path, CONFIG_DIR "/full.ini");

        assert_string_equal(c->capture_dir, "/srv/cgwarden/captures");
        assert_string_equal(c->state_dir, "/run/cgw-test");
        assert_string_equal(c->log_dir, "/srv/cgwarden/log");
        assert_string_equal(c->cgroup_root, "/cgwarden.slice/test");
        assert_string_equal(c->control_group, "cgwarden");
        assert_string_equal(c->metrics_file, "/run/cgw-test/metrics.prom");
        assert_true(c->metrics_interval == 30 * SEC);
        assert_string_equal(c->metrics_listen, "127.0.0.1:9187");
        assert_int_equal(c->capture_budget.n, 2);
        assert_int_equal(c->capture_budget.l[0].max, 20);
        assert_true(c->capture_budget.l[1].bytes && c->capture_budget.l[1].max == 5 * G);

        assert_int_equal(c->n_services, 2);
        s = c->services[0];
        assert_string_equal(s->name, "push");
        assert_int_equal(s->line, 15);
        assert_strv(s->argv, STRV("/usr/bin/java", "-Xmx2g", "-XX:NativeMemoryTracking=summary",
                                  "-Dname=push gateway", "-XX:+UnlockDiagnosticVMOptions",
                                  "-XX:+PrintNMTStatistics", "-Djava.io.tmpdir=/srv/push/tmp",
                                  "-Dlogback.configurationFile=/srv/push/conf/logback.xml", "-jar",
                                  "/srv/push/push.jar", "--spring.profiles.active=prod"));
        assert_true(strlen(s->exec_raw) > 200); /* longer than inih's line buffer */
        assert_true(strncmp(s->exec_raw, "/usr/bin/java -Xmx2g", 20) == 0);
        assert_true(strcmp(s->exec_raw + strlen(s->exec_raw) - 30, "--spring.profiles.active=prod") != 0);
        assert_string_equal(s->working_dir, "/srv/push");
        assert_string_equal(s->user, "push");
        assert_string_equal(s->group, "push");
        assert_strv(s->supplementary_groups, STRV("adm", "systemd-journal"));
        /* LANG given twice: the later one replaces the first, at the end */
        assert_strv(s->environment, STRV("JAVA_HOME=/usr/lib/jvm/java-17", "LANG=en_US.UTF-8", "EMPTY="));
        assert_int_equal(s->umask, 027);
        assert_int_equal(s->memory_max.kind, LIMIT_ABSOLUTE);
        assert_true(s->memory_max.value == 5 * G);
        assert_int_equal(s->memory_high.kind, LIMIT_ABSOLUTE);
        assert_true(s->memory_high.value == 9 * G / 2);
        assert_int_equal(s->pids_max.kind, LIMIT_ABSOLUTE);
        assert_int_equal(s->pids_max.value, 4000);
        assert_int_equal(s->cpu_max.kind, LIMIT_PERCENT);
        assert_int_equal(s->cpu_max.value, 25000);
        assert_int_equal(s->capture_at.kind, LIMIT_PERCENT);
        assert_int_equal(s->capture_at.value, 8000);
        assert_true(s->capture_lead == 45 * SEC);
        assert_int_equal(s->pids_capture_at.kind, LIMIT_ABSOLUTE);
        assert_int_equal(s->pids_capture_at.value, 3500);
        assert_false(s->capture_auto);
        assert_int_equal(s->capture_mask, (1u << CAPTURE_NMT) | (1u << CAPTURE_THREADS) |
                                                  (1u << CAPTURE_PMAP) | (1u << CAPTURE_CLASS_HISTOGRAM));
        assert_int_equal(s->capture_keep, 20);
        assert_true(s->capture_max_bytes == 2 * G);
        assert_int_equal(s->capture_budget.n, 2);
        assert_int_equal(s->capture_budget.l[0].max, 3);
        assert_true(s->capture_budget.l[0].window == HOUR);
        assert_true(s->capture_budget.l[1].bytes && s->capture_budget.l[1].max == 2 * G);
        assert_true(s->capture_timeout == 40 * SEC);
        assert_true(s->capture_reserve == 128 * M);
        assert_int_equal(s->pids_capture_reserve, 32);
        assert_true(s->nmt_baseline_after == 10 * MINUTE);
        assert_string_equal(s->jvm_options, "-XX:NativeMemoryTracking=detail");

        assert_true(action_list_is(&s->on_event[EVENT_PRE_OOM], 2, ACTION_CAPTURE, ACTION_THROTTLE));
        assert_true(action_list_is(&s->on_event[EVENT_OOM_KILL], 1, ACTION_RESTART));
        assert_true(action_list_is(&s->on_event[EVENT_PIDS_LIMIT], 2, ACTION_CAPTURE, ACTION_NOTIFY));
        assert_true(action_list_is(&s->on_event[EVENT_PIDS_MAX], 1, ACTION_KILL));
        assert_true(action_list_is(&s->on_event[EVENT_LEAK_TREND], 1, ACTION_NOTIFY));
        assert_true(action_list_is(&s->on_event[EVENT_LOG_TRIGGER], 2, ACTION_CAPTURE, ACTION_RESTART));
        assert_true(action_list_is(&s->on_event[EVENT_HANG], 0)); /* none */
        assert_true(action_list_is(&s->on_event[EVENT_HEAP_LEAK], 2, ACTION_CAPTURE, ACTION_NOTIFY));
        assert_true(action_list_is(&s->on_event[EVENT_GC_OVERHEAD], 0));
        assert_int_equal(s->gc_overhead_bp, 4000);
        assert_true(s->gc_overhead_window == 2 * 60 * SEC);
        for (int e = 0; e < _EVENT_TYPE_MAX; e++)
                assert_int_equal(s->on_event[e].set, 1);

        assert_int_equal(s->restart, RESTART_ALWAYS);
        assert_true(s->restart_delay == 2 * SEC);
        assert_true(s->restart_delay_max == 2 * MINUTE);
        assert_true(s->restart_reset_after == 5 * MINUTE);
        assert_int_equal(s->start_limit_burst, 3);
        assert_true(s->start_limit_interval == HOUR);
        assert_int_equal(s->stop_signal, SIGINT);
        assert_true(s->stop_timeout == MINUTE);
        assert_true(s->log_max_size == 50 * M);
        assert_int_equal(s->log_keep, 3);
        assert_string_equal(s->syscall_filter, "~@mount @reboot");
        assert_true(s->syscall_filter_kill);
        assert_true(s->no_new_privileges);
        assert_string_equal(s->memory_pressure, "full 100ms/2s");
        assert_true(s->psi_full);
        assert_true(s->psi_stall_usec == 100 * MSEC);
        assert_true(s->psi_window_usec == 2 * SEC);
        assert_true(s->sample_interval == 500 * MSEC);
        assert_true(s->leak_window == 2 * HOUR);
        assert_true(s->leak_min_slope == 4 * M);
        assert_true(s->oom_pause_max == 10 * SEC);
        assert_true(s->action_cooldown == 2 * MINUTE);
        assert_int_equal(s->throttle_cpu_bp, 5000);
        assert_int_equal(s->throttle_release_at.kind, LIMIT_ABSOLUTE);
        assert_true(s->throttle_release_at.value == 3 * G);
        assert_true(action_list_is(&s->throttle_then, 2, ACTION_RESTART, ACTION_NOTIFY));
        assert_true(s->throttle_max == 15 * MINUTE);
        assert_strv(s->notify_exec, STRV("/usr/local/bin/page-oncall", "--service", "push", "memory event"));
        assert_strv(s->capture_upload, STRV("rclone", "copyto", "${CGWARDEN_CAPTURE_TARBALL}",
                                            "remote:evidence/${CGWARDEN_OBJECT}"));
        assert_true(s->capture_upload_timeout == 2 * MINUTE);
        assert_int_equal(s->capture_upload_retries, 3);
        assert_true(s->capture_upload_backoff == 30 * SEC);

        assert_true(s->success_exit_status.set);
        assert_true(exit_status_set_test(&s->success_exit_status, 0, 0));
        assert_true(exit_status_set_test(&s->success_exit_status, 143, 0));
        assert_false(exit_status_set_test(&s->success_exit_status, 1, 0));
        assert_true(exit_status_set_test(&s->success_exit_status, 0, SIGTERM));
        assert_false(exit_status_set_test(&s->success_exit_status, 0, SIGKILL));
        assert_true(s->restart_prevent_exit_status.set);
        assert_true(exit_status_set_test(&s->restart_prevent_exit_status, 78, 0));
        assert_true(exit_status_set_test(&s->restart_prevent_exit_status, 0, SIGABRT));
        assert_false(exit_status_set_test(&s->restart_prevent_exit_status, 0, 0));

        /* profile = jvm (the stock one): its triggers first, then the service's */
        assert_true(s->n_log_triggers > 2);
        lt = s->log_triggers + s->n_log_triggers - 2;
        assert_string_equal(s->log_triggers[0].regex_src, "unable to create (new )?native thread");
        assert_string_equal(lt[0].regex_src, "OutOfMemoryError: unable to create new native thread");
        assert_int_equal(lt[0].actions.set, 1);
        assert_true(action_list_is(&lt[0].actions, 2, ACTION_CAPTURE, ACTION_RESTART));
        assert_string_equal(lt[1].regex_src, "java\\.lang\\.OutOfMemoryError");
        assert_int_equal(lt[1].actions.set, 0); /* uses on_log_trigger */

        assert_int_equal(s->ready, READY_NOTIFY);
        assert_true(s->start_timeout == 3 * MINUTE);
        assert_true(s->watchdog == 30 * SEC);
        assert_string_equal(s->profile, "jvm");

        /* indented header and key are ordinary lines, not continuations */
        s = c->services[1];
        assert_string_equal(s->name, "minimal.v2");
        assert_int_equal(s->line, 89);
        assert_strv(s->argv, STRV("/bin/sleep", "infinity"));
}

static void assert_defaults(const ServiceConfig *s) {
        assert_null(s->working_dir);
        assert_null(s->user);
        assert_null(s->group);
        assert_null(s->supplementary_groups);
        assert_null(s->environment);
        assert_int_equal(s->umask, -1);
        assert_int_equal(s->memory_max.kind, LIMIT_UNSET);
        assert_int_equal(s->memory_high.kind, LIMIT_PERCENT);
        assert_int_equal(s->memory_high.value, 9000);
        assert_int_equal(s->pids_max.kind, LIMIT_UNSET);
        assert_int_equal(s->cpu_max.kind, LIMIT_UNSET);
        assert_int_equal(s->capture_at.kind, LIMIT_PERCENT);
        assert_int_equal(s->capture_at.value, 8500);
        assert_true(s->capture_lead == 30 * SEC);
        assert_int_equal(s->pids_capture_at.kind, LIMIT_PERCENT);
        assert_int_equal(s->pids_capture_at.value, 9000);
        assert_true(s->capture_auto);
        assert_int_equal(s->capture_mask, CAPTURE_AUTO_MASK);
        assert_int_equal(s->capture_keep, 10);
        assert_true(s->capture_max_bytes == G);
        assert_int_equal(s->capture_budget.n, 0);
        assert_true(s->capture_timeout == 20 * SEC);
        assert_true(s->capture_reserve == 64 * M);
        assert_int_equal(s->pids_capture_reserve, 16);
        assert_true(s->nmt_baseline_after == 5 * MINUTE);
        assert_string_equal(s->jvm_options, "auto");

        assert_true(action_list_is(&s->on_event[EVENT_PRE_OOM], 1, ACTION_CAPTURE));
        assert_true(action_list_is(&s->on_event[EVENT_OOM_KILL], 2, ACTION_CAPTURE, ACTION_RESTART));
        assert_true(action_list_is(&s->on_event[EVENT_PIDS_LIMIT], 1, ACTION_CAPTURE));
        assert_true(action_list_is(&s->on_event[EVENT_PIDS_MAX], 1, ACTION_CAPTURE));
        assert_true(action_list_is(&s->on_event[EVENT_LEAK_TREND], 2, ACTION_CAPTURE, ACTION_NOTIFY));
        assert_true(action_list_is(&s->on_event[EVENT_LOG_TRIGGER], 1, ACTION_CAPTURE));
        assert_true(action_list_is(&s->on_event[EVENT_HANG], 2, ACTION_CAPTURE, ACTION_RESTART));
        for (int e = 0; e < _EVENT_TYPE_MAX; e++)
                assert_int_equal(s->on_event[e].set, 0);

        assert_int_equal(s->restart, RESTART_ON_FAILURE);
        assert_true(s->restart_delay == SEC);
        assert_true(s->restart_delay_max == 60 * SEC);
        assert_true(s->restart_reset_after == 60 * SEC);
        assert_int_equal(s->start_limit_burst, 5);
        assert_true(s->start_limit_interval == 10 * MINUTE);
        assert_int_equal(s->stop_signal, SIGTERM);
        assert_true(s->stop_timeout == 30 * SEC);
        assert_true(s->log_max_size == 10 * M);
        assert_int_equal(s->log_keep, 5);
        assert_null(s->syscall_filter);
        assert_false(s->syscall_filter_kill);
        assert_false(s->no_new_privileges);
        assert_string_equal(s->memory_pressure, "some 150ms/1s");
        assert_false(s->psi_full);
        assert_true(s->psi_stall_usec == 150 * MSEC);
        assert_true(s->psi_window_usec == SEC);
        assert_true(s->sample_interval == SEC);
        assert_true(s->leak_window == HOUR);
        assert_true(s->leak_min_slope == M);
        assert_true(s->oom_pause_max == 30 * SEC);
        assert_true(s->action_cooldown == 60 * SEC);
        assert_int_equal(s->throttle_cpu_bp, 0);
        assert_int_equal(s->throttle_release_at.kind, LIMIT_PERCENT);
        assert_int_equal(s->throttle_release_at.value, 7000);
        assert_true(action_list_is(&s->throttle_then, 1, ACTION_RESTART));
        assert_true(s->throttle_max == 10 * MINUTE);
        assert_null(s->notify_exec);
        assert_null(s->capture_upload);
        assert_true(s->capture_upload_timeout == 10 * MINUTE);
        assert_int_equal(s->capture_upload_retries, 5);
        assert_true(s->capture_upload_backoff == 10 * SEC);
        assert_false(s->success_exit_status.set);
        assert_false(s->restart_prevent_exit_status.set);
        assert_int_equal(s->n_log_triggers, 0);
        assert_int_equal(s->ready, READY_EXEC);
        assert_true(s->start_timeout == 90 * SEC);
        assert_true(s->watchdog == 0);
        assert_null(s->profile);
}

static void test_defaults(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *fresh = service_config_new("app");
        _cleanup_(config_freep) Config *c = NULL;
        CfgErrors errs = {};

        assert_non_null(fresh);
        assert_defaults(fresh);

        assert_int_equal(cfg_load_file(CONFIG_DIR "/minimal.ini", &c, &errs), 0);
        assert_int_equal(c->n_services, 1);
        assert_defaults(c->services[0]);
        assert_strv(c->services[0]->argv, STRV("/bin/sleep", "1000"));
        assert_string_equal(c->services[0]->exec_raw, "/bin/sleep 1000");
        assert_null(c->capture_dir);
        assert_true(c->metrics_interval == 15 * SEC);
        assert_int_equal(c->capture_budget.n, 0);

        /* A parsed minimal service equals a fresh one with the same exec. */
        assert_int_equal(service_config_set(fresh, "exec", "/bin/sleep   1000", NULL), 0);
        assert_true(service_config_equal(fresh, c->services[0]));
}

static void test_default_paths(void **state) {
        _cleanup_(config_freep) Config *root = config_new(), *user = config_new(), *set = config_new(),
                                       *noenv = config_new();

        assert_int_equal(config_apply_defaults_for_uid(root, 0), 0);
        assert_string_equal(root->capture_dir, "/var/lib/cgwarden/captures");
        assert_string_equal(root->state_dir, "/run/cgwarden");
        assert_string_equal(root->log_dir, "/var/log/cgwarden");
        assert_string_equal(root->cgroup_root, "auto");

        setenv("HOME", "/home/u", 1);
        unsetenv("XDG_STATE_HOME");
        setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
        assert_int_equal(config_apply_defaults_for_uid(user, 1000), 0);
        assert_string_equal(user->capture_dir, "/home/u/.local/state/cgwarden/captures");
        assert_string_equal(user->state_dir, "/run/user/1000/cgwarden");
        assert_string_equal(user->log_dir, "/home/u/.local/state/cgwarden/log");
        assert_string_equal(user->cgroup_root, "auto");

        /* XDG_STATE_HOME wins over HOME; values already set are kept. */
        setenv("XDG_STATE_HOME", "/xdg/state", 1);
        set->log_dir = strdup("/mine");
        assert_int_equal(config_apply_defaults_for_uid(set, 1000), 0);
        assert_string_equal(set->capture_dir, "/xdg/state/cgwarden/captures");
        assert_string_equal(set->log_dir, "/mine");

        /* Relative XDG values are ignored (XDG spec); missing runtime dir
         * is -ENXIO, with the other defaults still filled in. */
        setenv("XDG_STATE_HOME", "relative", 1);
        unsetenv("XDG_RUNTIME_DIR");
        assert_int_equal(config_apply_defaults_for_uid(noenv, 1000), -ENXIO);
        assert_string_equal(noenv->capture_dir, "/home/u/.local/state/cgwarden/captures");
        assert_null(noenv->state_dir);
        unsetenv("XDG_STATE_HOME");
}

/* Every broken-*.ini fixture produces exactly its .expected lines. */
static void test_broken_fixtures(void **state) {
        DIR *d = opendir(CONFIG_DIR);
        struct dirent *de;
        unsigned n_fixtures = 0;

        assert_non_null(d);
        while ((de = readdir(d))) {
                _cleanup_free_ char *ini = NULL, *exp = NULL, *exp_path = NULL, *base = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                CfgErrors errs = {};
                size_t ini_size, exp_size, line = 0;
                char *p, *nl;
                size_t len = strlen(de->d_name);

                if (strncmp(de->d_name, "broken-", 7) != 0 || len < 5 ||
                    strcmp(de->d_name + len - 4, ".ini") != 0)
                        continue;
                n_fixtures++;

                assert_true(asprintf(&p, CONFIG_DIR "/%s", de->d_name) > 0);
                ini = read_file(p, &ini_size);
                free(p);
                base = strndup(de->d_name, len - 4);
                assert_true(asprintf(&exp_path, CONFIG_DIR "/%s.expected", base) > 0);
                exp = read_file(exp_path, &exp_size);

                assert_int_equal(cfg_load_buf(de->d_name, ini, ini_size, &c, &errs), -CGW_ERR_CONFIG);
                assert_null(c);
                for (p = exp; *p; p = nl + 1, line++) {
                        nl = strchr(p, '\n');
                        assert_non_null(nl);
                        *nl = '\0';
                        if (line >= errs.n)
                                fail_msg("%s: missing error '%s'", de->d_name, p);
                        if (strcmp(errs.lines[line], p) != 0)
                                fail_msg("%s: error %zu is\n  '%s', want\n  '%s'", de->d_name, line,
                                         errs.lines[line], p);
                }
                if (errs.n != line)
                        fail_msg("%s: unexpected extra error '%s'", de->d_name, errs.lines[line]);
                cfg_errors_done(&errs);
        }
        closedir(d);
        assert_true(n_fixtures >= 5);
}

static void test_valid_fixtures(void **state) {
        static const char *const files[] = { "full.ini", "minimal.ini", "crlf-bom.ini" };

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_(config_freep) Config *c = NULL;
                CfgErrors errs = {};

                assert_true(asprintf(&path, CONFIG_DIR "/%s", files[i]) > 0);
                if (cfg_load_file(path, &c, &errs) != 0)
                        fail_msg("%s: %s", files[i], errs.n > 0 ? errs.lines[0] : "?");
        }
}

static void test_crlf_bom(void **state) {
        _cleanup_(config_freep) Config *c = NULL;
        CfgErrors errs = {};

        assert_int_equal(cfg_load_file(CONFIG_DIR "/crlf-bom.ini", &c, &errs), 0);
        assert_int_equal(c->n_services, 1);
        assert_string_equal(c->services[0]->name, "crlf");
        assert_strv(c->services[0]->argv, STRV("/bin/true"));
        assert_true(c->services[0]->memory_max.value == G);
}

static void test_structure_errors(void **state) {
        expect_errors("memory_max = 1G\n[service:a]\nexec=/bin/true\n",
                      ERRORS("t.ini:1: key 'memory_max' outside of any section"));
        expect_errors("[service:a]\n\n\n", ERRORS("t.ini:1: service 'a': missing exec="));
        expect_errors(
                "[service:a]\nexec=/bin/true\n[service:b]\nexec=/bin/true\n[service:a]\nexec=/bin/true\n",
                ERRORS("t.ini:5: duplicate section [service:a], first at line 1"));
        expect_errors("[service:a]\nexec=/bin/true\nfoo = 1\n",
                      ERRORS("t.ini:3: unknown key 'foo' in [service:a]"));
        expect_errors("[foo]\nbar = 1\n", ERRORS("t.ini:1: unknown section [foo]"));
        expect_errors("[service:a]\nexec=/bin/true\nuser=a\nuser=b\n",
                      ERRORS("t.ini:4: duplicate key 'user' in [service:a], first set at line 3"));
        expect_errors("[service:a]\nexec=/bin/true\nexec=/bin/false\n",
                      ERRORS("t.ini:3: duplicate key 'exec' in [service:a], first set at line 2"));
        expect_errors("[service:a]\nexec=/bin/true\n  junk\n",
                      ERRORS("t.ini:3: expected 'key = value', '[section]' or a comment"));
        expect_errors("[service:a]\nexec=/bin/true\nkey ; = v\n",
                      ERRORS("t.ini:3: expected 'key = value', '[section]' or a comment"));
        /* the header line gets missing-exec; the later value error keeps its own line */
        expect_errors("\n[service:a]\nmemory_max = 1X\n",
                      ERRORS("t.ini:2: service 'a': missing exec=",
                             "t.ini:3: invalid size '1X' for memory_max: unknown unit 'X'"));
        /* a 65-character service name */
        expect_errors("[service:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
                      ERRORS("t.ini:1: invalid service name "
                             "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa': "
                             "use 1-64 of A-Z a-z 0-9 _ . -, not starting with '.'"));
}

static void test_nul_in_buffer(void **state) {
        static const char text[] = "[service:a]\nexec=/bin/true\nuser=a\0b\n";
        CfgErrors errs = {};
        Config *c = NULL;

        /* cfg_load_buf takes a length: a NUL inside is data, and an error */
        assert_int_equal(cfg_load_buf("t.ini", text, sizeof(text) - 1, &c, &errs), -CGW_ERR_CONFIG);
        assert_int_equal(errs.n, 1);
        assert_string_equal(errs.lines[0], "t.ini:3: line contains a NUL byte");
        cfg_errors_done(&errs);
}

static void test_errors_collected_in_order(void **state) {
        /* value errors and cross-key errors from several sections, sorted */
        expect_errors("[service:a]\n"
                      "exec = /bin/true\n"
                      "memory_max = 1G\n"
                      "memory_high = 2G\n"
                      "[service:b]\n"
                      "stop_timeout = forever\n"
                      "[supervisor]\n"
                      "state_dir = run\n",
                      ERRORS("t.ini:1: service 'a': memory_high (2G) is above memory_max (1G)",
                             "t.ini:5: service 'b': missing exec=",
                             "t.ini:6: invalid duration 'forever' for stop_timeout: expected a number",
                             "t.ini:8: invalid path 'run' for state_dir: must be absolute"));
}

static void test_cross_key(void **state) {
        _cleanup_(config_freep) Config *c = NULL;

        /* a percentage with no memory_max is resolved later: fine */
        c = load_ok("[service:a]\nexec=/bin/true\nmemory_high = 80%\ncapture_at = 50%\nmemory_max = none\n");
        assert_int_equal(c->services[0]->memory_max.kind, LIMIT_NONE);
        c = config_free(c);

        /* equal values are allowed */
        c = load_ok("[service:a]\nexec=/bin/true\nmemory_max = 1G\nmemory_high = 1024M\nrestart_delay = 5s\n"
                    "restart_delay_max = 5s\n");
        c = config_free(c);

        expect_errors("[service:a]\nexec=/bin/true\nmemory_max = 1G\nmemory_high = 1025M\n",
                      ERRORS("t.ini:1: service 'a': memory_high (1025M) is above memory_max (1G)"));
        expect_errors(
                "[service:a]\nexec=/bin/true\nrestart_delay = 5s\nrestart_delay_max = 4s\n",
                ERRORS("t.ini:1: service 'a': restart_delay_max (4s) is shorter than restart_delay (5s)"));
        /* no cross-key checks on a section with a rejected value */
        expect_errors("[service:a]\nexec=/bin/true\nrestart_delay = 5m\nrestart_delay_max = 500ms\n",
                      ERRORS("t.ini:3: invalid duration '5m' for restart_delay: unknown unit 'm'"));
        /* an exec= line that was rejected is not also "missing" */
        expect_errors("[service:a]\nexec = \"x\n",
                      ERRORS("t.ini:2: invalid command line '\"x' for exec: unterminated double quote"));
}

static void test_long_lines(void **state) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *text = NULL, *arg = NULL;
        CfgErrors errs = {};
        const size_t n = 5000;

        arg = malloc(n + 1);
        assert_non_null(arg);
        memset(arg, 'x', n);
        arg[n] = '\0';

        /* Longer than inih's buffer: value intact, inline comment cut,
         * following lines keep their numbers. */
        assert_true(asprintf(&text, "[service:a]\nexec = /bin/echo %s  ; a comment\nmemory_max = 1G\n",
                             arg) > 0);
        c = load_ok(text);
        assert_strv(c->services[0]->argv, STRV("/bin/echo", arg));
        assert_true(c->services[0]->memory_max.value == G);
        c = config_free(c);
        text = mfree_test(text);

        /* An error on a long line and after it: both with their lines. */
        assert_true(asprintf(&text, "[service:a]\nexec = /bin/true\nworking_dir = %s\n\nuser = a b\n", arg) >
                    0);
        assert_int_equal(load(text, &c, &errs), -CGW_ERR_CONFIG);
        assert_int_equal(errs.n, 2);
        assert_true(strncmp(errs.lines[0], "t.ini:3: invalid path 'xxx", 26) == 0);
        assert_string_equal(errs.lines[1], "t.ini:5: invalid name 'a b' for user");
        cfg_errors_done(&errs);
        text = mfree_test(text);

        /* A long line and the same content short must parse the same. */
        for (size_t len = 180; len < 230; len++) {
                _cleanup_(config_freep) Config *c2 = NULL;

                arg[len] = '\0';
                assert_true(asprintf(&text,
                                     "[service:a]\nexec = /bin/echo %s ; c;x\nenvironment = A=%s;b ; x\n",
                                     arg, arg) > 0);
                c2 = load_ok(text);
                assert_string_equal(c2->services[0]->argv[1], arg);
                assert_true(strncmp(c2->services[0]->environment[0] + 2 + len, ";b", 3) == 0);
                arg[len] = 'x';
                text = mfree_test(text);
        }
}

static void test_continuation_disabled(void **state) {
        _cleanup_(config_freep) Config *c = NULL;

        /* inih would take indented lines as more values of the previous
         * key; here they are ordinary lines. */
        c = load_ok("[service:a]\n"
                    "exec = /bin/true\n"
                    "environment = A=1\n"
                    "    environment = B=2\n"
                    "\t[service:b]\n"
                    "\texec = /bin/false\n");
        assert_int_equal(c->n_services, 2);
        assert_strv(c->services[0]->environment, STRV("A=1", "B=2"));
        assert_strv(c->services[1]->argv, STRV("/bin/false"));
}

static void test_inline_comments(void **state) {
        _cleanup_(config_freep) Config *c = NULL;

        c = load_ok("[service:a] ; comment\n"
                    "# comment\n"
                    "; comment\n"
                    "exec = /bin/echo a;b ; comment\n"
                    "environment : X=1\n"
                    "log_trigger = a#b\n");
        assert_strv(c->services[0]->argv, STRV("/bin/echo", "a;b"));
        assert_strv(c->services[0]->environment, STRV("X=1"));
        assert_string_equal(c->services[0]->log_triggers[0].regex_src, "a#b");
}

static void test_service_config_set(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *s = service_config_new("x");
        char *err = NULL;

        assert_int_equal(service_config_set(s, "nope", "1", &err), -ENOENT);
        assert_string_equal(err, "unknown key 'nope'");
        err = mfree_test(err);

        assert_int_equal(service_config_set(s, "memory_max", "12Q", &err), -EINVAL);
        assert_string_equal(err, "invalid size '12Q' for memory_max: unknown unit 'Q'");
        err = mfree_test(err);
        assert_int_equal(s->memory_max.kind, LIMIT_UNSET); /* untouched */

        /* scalars: later wins (CLI semantics); repeatables accumulate */
        assert_int_equal(service_config_set(s, "memory_max", "1G", NULL), 0);
        assert_int_equal(service_config_set(s, "memory_max", "2G", NULL), 0);
        assert_true(s->memory_max.value == 2 * G);
        assert_int_equal(service_config_set(s, "environment", "A=1", NULL), 0);
        assert_int_equal(service_config_set(s, "environment", "B=2", NULL), 0);
        assert_int_equal(service_config_set(s, "environment", "A=3", NULL), 0);
        assert_strv(s->environment, STRV("B=2", "A=3"));
        assert_int_equal(service_config_set(s, "environment", "", NULL), 0);
        assert_null(s->environment);

        assert_int_equal(service_config_set(s, "log_trigger", "a => capture", NULL), 0);
        assert_int_equal(service_config_set(s, "log_trigger", "x=>y => notify", NULL), 0);
        assert_int_equal(s->n_log_triggers, 2);
        assert_string_equal(s->log_triggers[1].regex_src, "x=>y");
        assert_true(action_list_is(&s->log_triggers[1].actions, 1, ACTION_NOTIFY));
        assert_int_equal(service_config_set(s, "log_trigger", "", NULL), 0);
        assert_int_equal(s->n_log_triggers, 0);

        assert_int_equal(service_config_set(s, "log_trigger", "a[b", &err), -EINVAL);
        assert_string_equal(
                err, "invalid regular expression 'a[b' for log_trigger: Unmatched [, [^, [:, [., or [=");
        err = mfree_test(err);

        /* patterns that would take regcomp() gigabytes or overflow its stack */
        assert_int_equal(service_config_set(s, "log_trigger", "a{1,32767}", &err), -EINVAL);
        assert_string_equal(err, "invalid regular expression 'a{1,32767}' for log_trigger: too complex: "
                                 "repetition count above 255");
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "log_trigger", "(a{1,255}){1,255}", &err), -EINVAL);
        assert_string_equal(err,
                            "invalid regular expression '(a{1,255}){1,255}' for log_trigger: too complex: "
                            "repetitions expand to more than 10000 elements");
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "log_trigger", "ice:++++*+++++++++a]", &err), -EINVAL);
        assert_string_equal(err,
                            "invalid regular expression 'ice:++++*+++++++++a]' for log_trigger: adjacent "
                            "repetition operators (lazy '*?' or possessive '++' are not POSIX ERE)");
        err = mfree_test(err);
        assert_int_equal(
                service_config_set(s, "log_trigger", "((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+", &err),
                -EINVAL);
        assert_non_null(strstr(err, "more than 10000"));
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "log_trigger", "((a|b){1,50}c){1,100}", &err), -EINVAL);
        err = mfree_test(err);
        {
                char deep[200] = "";

                for (int i = 0; i < 65; i++)
                        strcat(deep, "(");
                strcat(deep, "a");
                for (int i = 0; i < 65; i++)
                        strcat(deep, ")");
                assert_int_equal(service_config_set(s, "log_trigger", deep, &err), -EINVAL);
                assert_non_null(strstr(err, "too complex: groups nested deeper than 64"));
                err = mfree_test(err);
                deep[0] = ' ';
                deep[130] = '\0';
                assert_int_equal(service_config_set(s, "log_trigger", deep, NULL), 0);
        }
        assert_int_equal(service_config_set(s, "log_trigger", "(a{1,100}){1,100} => notify", NULL), 0);
        assert_int_equal(service_config_set(s, "log_trigger", "[[:alpha:]]{3,} a\\{9999\\}x{3}", NULL), 0);
        while (s->n_log_triggers < 256)
                assert_int_equal(service_config_set(s, "log_trigger", "x", NULL), 0);
        assert_int_equal(service_config_set(s, "log_trigger", "x", &err), -EINVAL);
        assert_string_equal(err, "too many log_trigger lines (at most 256 per service)");
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "log_trigger", "", NULL), 0);

        assert_int_equal(service_config_set(s, "syscall_filter", "~@mount not_a_syscall", &err), -EINVAL);
        assert_non_null(err);
        assert_true(strncmp(err,
                            "invalid syscall filter '~@mount not_a_syscall' for syscall_filter: ", 66) == 0);
        assert_non_null(strstr(err, "not_a_syscall"));
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "syscall_filter", "@basic-io", NULL), 0);
        assert_string_equal(s->syscall_filter, "@basic-io");
        assert_int_equal(service_config_set(s, "syscall_filter", "", NULL), 0);
        assert_null(s->syscall_filter);

        assert_int_equal(service_config_set(s, "start_limit", "none", NULL), 0);
        assert_int_equal(s->start_limit_burst, 0);
        assert_int_equal(service_config_set(s, "start_limit", "0", NULL), 0);
        assert_int_equal(s->start_limit_burst, 0);
        assert_int_equal(service_config_set(s, "start_limit", "7/30s", NULL), 0);
        assert_int_equal(s->start_limit_burst, 7);
        assert_true(s->start_limit_interval == 30 * SEC);
        assert_int_equal(service_config_set(s, "start_limit", "7/0", &err), -EINVAL);
        err = mfree_test(err);

        assert_int_equal(service_config_set(s, "watchdog", "none", NULL), 0);
        assert_true(s->watchdog == 0);
        assert_int_equal(service_config_set(s, "memory_pressure", "none", NULL), 0);
        assert_true(s->psi_stall_usec == 0 && s->psi_window_usec == 0);
        assert_int_equal(service_config_set(s, "memory_pressure", "some 500ms/500ms", NULL), 0);
        assert_int_equal(service_config_set(s, "memory_pressure", "full 1s/10s", NULL), 0);
        assert_int_equal(service_config_set(s, "leak_min_slope", "512K", NULL), 0);
        assert_true(s->leak_min_slope == 512 * K);
        assert_int_equal(service_config_set(s, "capture", "none", NULL), 0);
        assert_int_equal(s->capture_mask, 0);
        assert_false(s->capture_auto);
        assert_int_equal(service_config_set(s, "capture", "auto", NULL), 0);
        assert_int_equal(s->capture_mask, CAPTURE_AUTO_MASK);
        assert_int_equal(service_config_set(s, "capture", "auto heap", &err), -EINVAL);
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "throttle_cpu", "none", NULL), 0);
        assert_int_equal(s->throttle_cpu_bp, 0);
        assert_int_equal(service_config_set(s, "success_exit_status", "", NULL), 0);
        assert_false(s->success_exit_status.set);
        assert_int_equal(service_config_set(s, "pids_max", "none", NULL), 0);
        assert_int_equal(s->pids_max.kind, LIMIT_NONE);
        assert_int_equal(service_config_set(s, "pids_max", "0", &err), -EINVAL);
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "memory_high", "none", NULL), 0);
        assert_int_equal(s->memory_high.kind, LIMIT_NONE);
        assert_int_equal(service_config_set(s, "exec", "", &err), -EINVAL);
        err = mfree_test(err);
        assert_int_equal(service_config_set(s, "umask", "0077", NULL), 0);
        assert_int_equal(s->umask, 077);
        assert_int_equal(service_config_set(s, "stop_signal", "9", NULL), 0);
        assert_int_equal(s->stop_signal, SIGKILL);
        assert_int_equal(service_config_set(s, "notify_exec", "", NULL), 0);
        assert_null(s->notify_exec);
        assert_int_equal(service_config_set(s, "capture_budget", "3/1h, 2G/1d", NULL), 0);
        assert_int_equal(s->capture_budget.n, 2);
        assert_int_equal(service_config_set(s, "capture_budget", "3 per hour", &err), -EINVAL);
        assert_non_null(strstr(err, "capture_budget"));
        err = mfree_test(err);
        assert_int_equal(s->capture_budget.n, 2); /* unchanged */
        assert_int_equal(service_config_set(s, "capture_budget", "none", NULL), 0);
        assert_int_equal(s->capture_budget.n, 0);
}

/* Ranges of exit codes: an imported wrapper.conf's on_exit needs them. */
static void test_exit_ranges(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *s = service_config_new("x");
        char *err = NULL;

        assert_int_equal(
                service_config_set(s, "restart_prevent_exit_status", "0 2-142 144-255 SIGKILL", NULL), 0);
        assert_true(exit_status_set_test(&s->restart_prevent_exit_status, 0, 0));
        assert_false(exit_status_set_test(&s->restart_prevent_exit_status, 1, 0));
        assert_true(exit_status_set_test(&s->restart_prevent_exit_status, 2, 0));
        assert_true(exit_status_set_test(&s->restart_prevent_exit_status, 142, 0));
        assert_false(exit_status_set_test(&s->restart_prevent_exit_status, 143, 0));
        assert_true(exit_status_set_test(&s->restart_prevent_exit_status, 255, 0));
        assert_true(exit_status_set_test(&s->restart_prevent_exit_status, 0, SIGKILL));
        assert_false(exit_status_set_test(&s->restart_prevent_exit_status, 0, SIGSEGV));
        assert_int_equal(service_config_set(s, "success_exit_status", "0-255", NULL), 0);
        for (int c = 0; c < 256; c++)
                assert_true(exit_status_set_test(&s->success_exit_status, c, 0));
        assert_int_equal(service_config_set(s, "success_exit_status", "7-7", NULL), 0);
        assert_true(exit_status_set_test(&s->success_exit_status, 7, 0));
        assert_false(exit_status_set_test(&s->success_exit_status, 6, 0));

        for (const char *const *bad = STRV("5-3", "1-", "1-256", "256", "1--2", "1-x"); *bad; bad++) {
                assert_int_equal(service_config_set(s, "success_exit_status", *bad, &err), -EINVAL);
                assert_non_null(strstr(err, "expected 0..255, a range like 1-255, or a signal name"));
                err = mfree_test(err);
        }
}

static void test_jvm_options_env(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *s = service_config_new("x");
        char *err = NULL;

        assert_int_equal(s->jvm_options_env, JVM_OPTIONS_ENV_AUTO);
        assert_int_equal(service_config_set(s, "jvm_options_env", "JAVA_TOOL_OPTIONS", NULL), 0);
        assert_int_equal(s->jvm_options_env, JVM_OPTIONS_ENV_TOOL);
        assert_int_equal(service_config_set(s, "jvm_options_env", "JDK_JAVA_OPTIONS", NULL), 0);
        assert_int_equal(s->jvm_options_env, JVM_OPTIONS_ENV_JDK);
        assert_int_equal(service_config_set(s, "jvm_options_env", "java_tool_options", &err), -EINVAL);
        assert_string_equal(err, "invalid value 'java_tool_options' for jvm_options_env: expected auto, "
                                 "JDK_JAVA_OPTIONS or JAVA_TOOL_OPTIONS");
        err = mfree_test(err);
        expect_errors(
                "[watch:w]\ncgroup = /x\njvm_options_env = auto\n",
                ERRORS("t.ini:3: key 'jvm_options_env' is about launching a service: [watch:w] guards a "
                       "cgroup cgwarden did not start"));
}

static void test_supervisor_keys(void **state) {
        _cleanup_(config_freep) Config *c = NULL;

        c = load_ok("[supervisor]\ncgroup_root = auto\nmetrics_listen = [::1]:9100\n");
        assert_string_equal(c->cgroup_root, "auto");
        assert_string_equal(c->metrics_listen, "[::1]:9100");
        c = config_free(c);
        c = load_ok("[supervisor]\nmetrics_listen = localhost:1\n");
        c = config_free(c);

        expect_errors("[supervisor]\nmetrics_listen = ::1:9100\n",
                      ERRORS("t.ini:2: invalid address '::1:9100' for metrics_listen: expected HOST:PORT "
                             "(IPv6 as [ADDR]:PORT)"));
        expect_errors("[supervisor]\nmetrics_listen = host:0\n",
                      ERRORS("t.ini:2: invalid address 'host:0' for metrics_listen: expected HOST:PORT "
                             "(IPv6 as [ADDR]:PORT)"));
        expect_errors("[supervisor]\nmetrics_listen = host:65536\n",
                      ERRORS("t.ini:2: invalid address 'host:65536' for metrics_listen: expected HOST:PORT "
                             "(IPv6 as [ADDR]:PORT)"));
        expect_errors("[supervisor]\nexec = /bin/true\n",
                      ERRORS("t.ini:2: unknown key 'exec' in [supervisor]"));
}

static void test_equal(void **state) {
        _cleanup_(config_freep) Config *a = NULL, *b = NULL;
        _cleanup_free_ char *text = NULL;
        size_t n;
        CfgErrors errs = {};
        static const char *const changes[][2] = {
                { "memory_max      = 5G", "memory_max      = 6G" },
                { "on_hang         = none", "on_hang         = capture" },
                { "environment     = EMPTY=", "environment     = EMPTY=x" },
                { "log_trigger     = java\\.lang\\.OutOfMemoryError", "log_trigger     = java" },
                { "memory_pressure = full 100ms/2s", "memory_pressure = full 100ms/3s" },
                { "restart_prevent_exit_status = 78 SIGABRT", "restart_prevent_exit_status = 78" },
                { "jvm_options     = -XX:NativeMemoryTracking=detail",
                  "jvm_options     = -XX:NativeMemoryTracking=detail\njvm_options_env = JAVA_TOOL_OPTIONS" },
                { "throttle_then   = restart notify", "throttle_then   = notify restart" },
                { "profile         = jvm", "profile         = generic" },
        };

        text = read_file(CONFIG_DIR "/full.ini", &n);
        assert_int_equal(cfg_load_buf("a.ini", text, n, &a, &errs), 0);
        assert_int_equal(cfg_load_buf("b.ini", text, n, &b, &errs), 0);
        for (size_t i = 0; i < a->n_services; i++) {
                assert_true(service_config_equal(a->services[i], a->services[i]));
                assert_true(service_config_equal(a->services[i], b->services[i]));
        }
        assert_false(service_config_equal(a->services[0], a->services[1]));
        assert_false(service_config_equal(a->services[0], NULL));

        /* Re-quoting exec, or moving the section, is no change. */
        b->services[0]->line = 1;
        free(b->services[0]->exec_raw);
        b->services[0]->exec_raw = strdup("other spelling");
        assert_true(service_config_equal(a->services[0], b->services[0]));

        for (size_t i = 0; i < ELEMENTSOF(changes); i++) {
                _cleanup_(config_freep) Config *m = NULL;
                _cleanup_free_ char *t = strdup(text);
                char *p = strstr(t, changes[i][0]);
                _cleanup_free_ char *u = NULL;

                assert_non_null(p);
                assert_true(asprintf(&u, "%.*s%s%s", (int) (p - t), t, changes[i][1],
                                     p + strlen(changes[i][0])) > 0);
                if (cfg_load_buf("m.ini", u, strlen(u), &m, &errs) != 0)
                        fail_msg("change %zu: %s", i, errs.n ? errs.lines[0] : "?");
                if (service_config_equal(a->services[0], m->services[0]))
                        fail_msg("change '%s' not detected", changes[i][1]);
                assert_true(service_config_equal(a->services[1], m->services[1]));
        }
}

static void test_limit_resolve(void **state) {
        Limit unset = { LIMIT_UNSET }, none = { LIMIT_NONE }, abs = { LIMIT_ABSOLUTE, 123 },
              pct = { LIMIT_PERCENT, 9000 };

        assert_true(limit_resolve(&unset, 1000, 0) == UINT64_MAX);
        assert_true(limit_resolve(&unset, 1000, 5000) == 500);
        assert_true(limit_resolve(&unset, UINT64_MAX, 5000) == UINT64_MAX);
        assert_true(limit_resolve(&none, 1000, 5000) == UINT64_MAX);
        assert_true(limit_resolve(&abs, 1000, 5000) == 123);
        assert_true(limit_resolve(&pct, 1000, 0) == 900);
        assert_true(limit_resolve(&pct, UINT64_MAX, 0) == UINT64_MAX);
        assert_true(limit_resolve(&pct, UINT64_MAX - 1, 0) ==
                    (uint64_t) ((unsigned __int128) (UINT64_MAX - 1) * 9 / 10));
        assert_true(limit_resolve(NULL, 1000, 0) == UINT64_MAX);
}

static void test_tables(void **state) {
        const char *const *keys = service_config_keys();
        size_t n = 0;

        for (int i = 0; i < _RESTART_MODE_MAX; i++)
                assert_int_equal(restart_mode_from_string(restart_mode_to_string(i)), i);
        for (int i = 0; i < _ACTION_TYPE_MAX; i++)
                assert_int_equal(action_type_from_string(action_type_to_string(i)), i);
        for (int i = 0; i < _EVENT_TYPE_MAX; i++)
                assert_int_equal(event_type_from_string(event_type_to_string(i)), i);
        for (int i = 0; i < _CAPTURE_ITEM_MAX; i++)
                assert_int_equal(capture_item_from_string(capture_item_to_string(i)), i);
        for (int i = 0; i < _READY_MODE_MAX; i++)
                assert_int_equal(ready_mode_from_string(ready_mode_to_string(i)), i);
        for (int i = 0; i < _JVM_OPTIONS_ENV_MAX; i++)
                assert_int_equal(jvm_options_env_from_string(jvm_options_env_to_string(i)), i);
        for (int i = 0; i < _HEAP_DUMP_MODE_MAX; i++)
                assert_int_equal(heap_dump_mode_from_string(heap_dump_mode_to_string(i)), i);
        assert_int_equal(restart_mode_from_string("bogus"), _RESTART_MODE_INVALID);
        assert_int_equal(action_type_from_string(NULL), _ACTION_TYPE_INVALID);
        assert_null(restart_mode_to_string(_RESTART_MODE_MAX));
        assert_null(action_type_to_string(-1));
        assert_string_equal(event_type_to_string(EVENT_PRE_OOM), "pre-oom");

        for (; keys[n]; n++)
                assert_true(service_config_key_known(keys[n]));
        assert_int_equal(n, 71);
        assert_false(service_config_key_known("capture_dir")); /* [supervisor] only */
        assert_false(service_config_key_known("argv"));
        assert_false(service_config_key_known(NULL));
}

static void test_file_errors(void **state) {
        CfgErrors errs = {};
        Config *c = NULL;

        assert_int_equal(cfg_load_file(CONFIG_DIR "/does-not-exist.ini", &c, &errs), -ENOENT);
        assert_null(c);
        assert_int_equal(errs.n, 1);
        assert_string_equal(errs.lines[0], CONFIG_DIR
                            "/does-not-exist.ini: cannot read config file: No such file or directory");
        cfg_errors_done(&errs);

        assert_int_equal(cfg_load_file(CONFIG_DIR, &c, &errs), -EISDIR);
        assert_int_equal(errs.n, 1);
        cfg_errors_done(&errs);
        cfg_errors_done(&errs); /* idempotent */
        cfg_errors_done(NULL);

        /* an empty file is a valid config without services */
        assert_int_equal(cfg_load_buf("empty.ini", "", 0, &c, &errs), 0);
        assert_int_equal(c->n_services, 0);
        c = config_free(c);
        assert_null(config_free(NULL));
        assert_null(service_config_free(NULL));
}

/* ---- profiles ---- */

static void set_profile_dir(const char *dir) {
        if (dir)
                assert_int_equal(setenv("CGWARDEN_PROFILE_DIR", dir, 1), 0);
        else
                assert_int_equal(unsetenv("CGWARDEN_PROFILE_DIR"), 0);
}

/* Before each test: the stock profiles, as for a build-tree run. */
static int reset_profile_dir(void **state) {
        set_profile_dir(STOCK_PROFILES);
        return 0;
}

/* What tests/fixtures/profiles/custom.ini sets. */
static void assert_custom_profile_keys(const ServiceConfig *s) {
        assert_int_equal(s->restart, RESTART_ALWAYS);
        assert_false(s->capture_auto);
        assert_int_equal(s->capture_mask, 1u << CAPTURE_THREADS);
        assert_true(s->stop_timeout == 5 * SEC);
        assert_true(s->restart_delay_max == 10 * SEC);
        assert_true(action_list_is(&s->on_event[EVENT_PRE_OOM], 2, ACTION_CAPTURE, ACTION_NOTIFY));
        /* the profile's, not the user's: it does not override restart = no */
        assert_int_equal(s->on_event[EVENT_PRE_OOM].set, ACTION_LIST_PROFILE);
}

static void test_profile_applied(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *fresh = service_config_new("a");
        _cleanup_(config_freep) Config *c = NULL, *pure = NULL;
        static const char text[] = "[service:a]\nexec = /bin/true\nprofile = custom\n";
        CfgErrors errs = {};
        ServiceConfig *s;

        set_profile_dir(PROFILE_FIXTURES);
        c = load_flags_ok(text, CFG_LOAD_PROFILES);
        assert_int_equal(c->n_services, 1);
        s = c->services[0];
        assert_string_equal(s->name, "a");
        assert_int_equal(s->line, 1);
        assert_strv(s->argv, STRV("/bin/true"));
        assert_string_equal(s->profile, "custom");
        assert_custom_profile_keys(s);
        assert_strv(s->environment, STRV("FROM=profile", "SHARED=profile"));
        assert_int_equal(s->n_log_triggers, 1);
        assert_string_equal(s->log_triggers[0].regex_src, "profile-trigger");
        /* keys the profile does not set keep the built-in defaults */
        assert_true(s->restart_delay == SEC);
        assert_int_equal(s->memory_high.kind, LIMIT_PERCENT);
        assert_int_equal(s->memory_high.value, 9000);
        assert_string_equal(s->jvm_options, "auto");
        assert_true(action_list_is(&s->on_event[EVENT_OOM_KILL], 2, ACTION_CAPTURE, ACTION_RESTART));

        /* the same as applying it by hand (cgwarden exec --profile=) */
        assert_non_null(fresh);
        assert_int_equal(service_config_apply_profile(fresh, "custom", "cgwarden exec", &errs), 0);
        assert_int_equal(errs.n, 0);
        assert_int_equal(service_config_set(fresh, "exec", "/bin/true", NULL), 0);
        assert_true(service_config_equal(fresh, s));

        /* cfg_load_buf() reads no file: profile= is kept, not applied */
        pure = load_ok(text);
        assert_string_equal(pure->services[0]->profile, "custom");
        assert_int_equal(pure->services[0]->restart, RESTART_ON_FAILURE);
        assert_null(pure->services[0]->environment);
        assert_false(service_config_equal(pure->services[0], s));
}

static void test_profile_override(void **state) {
        /* the same keys, profile= first and last */
        static const char *const texts[] = {
                "[service:a]\nprofile = custom\nexec = /bin/true\nrestart = no\ncapture = auto\n"
                "environment = SHARED=service\nenvironment = OWN=1\nlog_trigger = own\n",
                "[service:a]\nexec = /bin/true\nrestart = no\ncapture = auto\nenvironment = SHARED=service\n"
                "environment = OWN=1\nlog_trigger = own\nprofile = custom\n",
        };
        _cleanup_(config_freep) Config *first = NULL, *last = NULL, *cleared = NULL, *three = NULL;
        ServiceConfig *s;

        set_profile_dir(PROFILE_FIXTURES);
        first = load_flags_ok(texts[0], CFG_LOAD_PROFILES);
        last = load_flags_ok(texts[1], CFG_LOAD_PROFILES);
        assert_true(service_config_equal(first->services[0], last->services[0]));
        for (int i = 0; i < 2; i++) {
                s = (i == 0 ? first : last)->services[0];
                assert_int_equal(s->restart, RESTART_NO); /* the service's */
                assert_true(s->capture_auto);
                assert_int_equal(s->capture_mask, CAPTURE_AUTO_MASK);
                assert_true(s->stop_timeout == 5 * SEC); /* the profile's */
                /* repeatable keys: the profile's entries, then the service's, which win */
                assert_strv(s->environment, STRV("FROM=profile", "SHARED=service", "OWN=1"));
                assert_int_equal(s->n_log_triggers, 2);
                assert_string_equal(s->log_triggers[0].regex_src, "profile-trigger");
                assert_string_equal(s->log_triggers[1].regex_src, "own");
        }

        /* an empty repeatable key clears the profile's entries too */
        cleared = load_flags_ok("[service:a]\nexec = /bin/true\nprofile = custom\nenvironment =\n"
                                "log_trigger =\nlog_trigger = mine\n",
                                CFG_LOAD_PROFILES);
        s = cleared->services[0];
        assert_null(s->environment);
        assert_int_equal(s->n_log_triggers, 1);
        assert_string_equal(s->log_triggers[0].regex_src, "mine");

        /* one profile, read once, for two services; the one between has none */
        three = load_flags_ok("[service:a]\nexec = /bin/true\nprofile = custom\n"
                              "[service:b]\nexec = /bin/true\n"
                              "[service:c]\nrestart = no\nprofile = custom\nexec = /bin/true\n",
                              CFG_LOAD_PROFILES);
        assert_int_equal(three->n_services, 3);
        assert_int_equal(three->services[0]->restart, RESTART_ALWAYS);
        assert_string_equal(three->services[1]->name, "b");
        assert_int_equal(three->services[1]->restart, RESTART_ON_FAILURE);
        assert_null(three->services[1]->profile);
        assert_string_equal(three->services[2]->name, "c");
        assert_int_equal(three->services[2]->line, 6);
        assert_int_equal(three->services[2]->restart, RESTART_NO);
        assert_true(three->services[2]->stop_timeout == 5 * SEC);

        /* cross-key checks judge the result: restart_delay_max 10s comes from the profile */
        expect_errors_flags("[service:a]\nexec = /bin/true\nprofile = custom\nrestart_delay = 20s\n",
                            CFG_LOAD_PROFILES,
                            ERRORS("t.ini:1: service 'a': restart_delay_max (10s) is shorter than "
                                   "restart_delay (20s)"));
}

/* 256 log_trigger lines are allowed per service, the profile's included. */
static void test_profile_trigger_limit(void **state) {
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        FILE *f;

        set_profile_dir(PROFILE_FIXTURES);
        f = open_memstream(&text, &len);
        assert_non_null(f);
        fprintf(f, "[service:a]\nexec = /bin/true\nprofile = custom\n");
        for (int i = 0; i < 256; i++)
                fprintf(f, "log_trigger = t%d\n", i);
        assert_int_equal(fclose(f), 0);

        /* alone the service's 256 are fine */
        config_free(load_ok(text));
        /* the service's 256th (line 259) is the 257th with the profile's */
        expect_errors_flags(
                text, CFG_LOAD_PROFILES,
                ERRORS("t.ini:259: service 'a': with profile 'custom': too many log_trigger lines "
                       "(at most 256 per service)"));
}

static void test_profile_unknown(void **state) {
        static const char text[] = "[service:a]\nexec = /bin/true\nprofile = python\n";

        set_profile_dir(PROFILE_FIXTURES);
        expect_errors_flags(
                text, CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': unknown profile 'python': no python.ini in " PROFILE_FIXTURES
                       " (CGWARDEN_PROFILE_DIR)"));
        /* the stock profiles are not searched when the variable is set */
        expect_errors_flags(
                "[service:a]\nexec = /bin/true\nprofile = jvm\n", CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': unknown profile 'jvm': no jvm.ini in " PROFILE_FIXTURES
                       " (CGWARDEN_PROFILE_DIR)"));

        /* unset or empty: the build-time directory */
        set_profile_dir(NULL);
        assert_string_equal(cfg_profile_dir(), CGW_PROFILE_DIR);
        expect_errors_flags(
                text, CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': unknown profile 'python': no python.ini in " CGW_PROFILE_DIR));
        set_profile_dir("");
        assert_string_equal(cfg_profile_dir(), CGW_PROFILE_DIR);

        set_profile_dir("relative/profiles");
        expect_errors_flags(
                text, CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': cannot look up profile 'python': CGWARDEN_PROFILE_DIR "
                       "(relative/profiles) is not an absolute path"));

        /* the rest of the section is still checked, in line order */
        set_profile_dir(PROFILE_FIXTURES);
        expect_errors_flags(
                "[service:a]\nprofile = python\nrestart = sometimes\n", CFG_LOAD_PROFILES,
                ERRORS("t.ini:1: service 'a': missing exec=",
                       "t.ini:2: service 'a': unknown profile 'python': no python.ini in " PROFILE_FIXTURES
                       " (CGWARDEN_PROFILE_DIR)",
                       "t.ini:3: invalid value 'sometimes' for restart: expected no, on-failure or "
                       "always"));

        /* the syntax is checked without reading anything */
        static const char *const bad[] = {
                "../python", "jvm.ini", "profiles/jvm",
                "",          "a b",     "x123456789x123456789x123456789x123456789x123456789x123456789x1234"
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *t = NULL, *want = NULL;
                CfgErrors errs = {};
                Config *c = NULL;

                assert_true(asprintf(&t, "[service:a]\nexec = /bin/true\nprofile = %s\n", bad[i]) > 0);
                assert_true(
                        asprintf(&want,
                                 "t.ini:3: invalid value '%s' for profile: expected a profile name (1-64 of "
                                 "A-Z "
                                 "a-z 0-9 _ -, e.g. jvm or generic) or an absolute path to a profile file",
                                 bad[i]) > 0);
                assert_int_equal(load(t, &c, &errs), -CGW_ERR_CONFIG);
                check_errors(&errs, ERRORS(want));
                cfg_errors_done(&errs);
        }
}

#define BROKEN PROFILE_FIXTURES "/broken.ini"
#define BROKEN_ERRORS                                                                                  \
        BROKEN ":3: key 'memory_max' outside of any section",                                          \
                BROKEN ":5: key 'exec' cannot be set in a profile, only in a service section",         \
                BROKEN ":6: invalid value 'sometimes' for restart: expected no, on-failure or always", \
                BROKEN ":7: unknown key 'foo' in [profile]",                                           \
                BROKEN ":9: duplicate key 'capture' in [profile], first set at line 8",                \
                BROKEN ":10: unknown section [service:x]: a profile file has one [profile] section",   \
                BROKEN ":12: duplicate section [profile], first at line 4"

static void test_profile_errors(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *s = service_config_new("exec");
        CfgErrors errs = {};

        /* listed under the first service that names the profile, after the
         * line that names it; a later service points back to them */
        set_profile_dir(PROFILE_FIXTURES);
        expect_errors_flags(
                "[service:a]\nexec = /bin/true\nprofile = broken\n"
                "[service:b]\nexec = /bin/true\nprofile = broken\nrestart = sometimes\n",
                CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': profile 'broken' (" BROKEN ") has errors:", BROKEN_ERRORS,
                       "t.ini:6: service 'b': profile 'broken' (" BROKEN ") has errors (listed above)",
                       "t.ini:7: invalid value 'sometimes' for restart: expected no, on-failure or "
                       "always"));
        /* by path */
        expect_errors_flags("[service:a]\nexec = /bin/true\nprofile = " BROKEN "\n", CFG_LOAD_PROFILES,
                            ERRORS("t.ini:3: service 'a': profile " BROKEN " has errors:", BROKEN_ERRORS));
        /* for cgwarden exec --profile= */
        assert_non_null(s);
        assert_int_equal(service_config_apply_profile(s, "broken", "cgwarden exec", &errs), -CGW_ERR_CONFIG);
        check_errors(&errs,
                     ERRORS("cgwarden exec: profile 'broken' (" BROKEN ") has errors:", BROKEN_ERRORS));
        cfg_errors_done(&errs);
}

static void test_profile_absolute(void **state) {
        _cleanup_(config_freep) Config *c = NULL;

        /* a path does not depend on the profile directory */
        set_profile_dir("/nonexistent");
        c = load_flags_ok("[service:a]\nexec = /bin/true\nprofile = " PROFILE_FIXTURES "/custom.ini\n",
                          CFG_LOAD_PROFILES);
        assert_string_equal(c->services[0]->profile, PROFILE_FIXTURES "/custom.ini");
        assert_custom_profile_keys(c->services[0]);

        expect_errors_flags(
                "[service:a]\nexec = /bin/true\nprofile = /nonexistent/p.ini\n", CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': cannot read profile /nonexistent/p.ini: No such file "
                       "or directory"));
        expect_errors_flags(
                "[service:a]\nexec = /bin/true\nprofile = " PROFILE_FIXTURES "\n", CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': cannot read profile " PROFILE_FIXTURES ": Is a directory"));
        /* not a FIFO or a device: the daemon reads profiles on reload */
        expect_errors_flags(
                "[service:a]\nexec = /bin/true\nprofile = /dev/null\n", CFG_LOAD_PROFILES,
                ERRORS("t.ini:3: service 'a': cannot read profile /dev/null: not a regular file"));
}

static void assert_regex_matches(const char *re, const char *line, bool want) {
        regex_t r;

        assert_int_equal(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
        if ((regexec(&r, line, 0, NULL, 0) == 0) != want)
                fail_msg("/%s/ %s '%s'", re, want ? "does not match" : "matches", line);
        regfree(&r);
}

/* policies/profiles/: both load without errors and set what they say. */
static void test_stock_profiles(void **state) {
        _cleanup_(config_freep) Config *c = NULL;
        const ServiceConfig *j, *g;
        const uint32_t jvm_items = (1u << CAPTURE_NMT) | (1u << CAPTURE_THREADS) | (1u << CAPTURE_HEAP) |
                                   (1u << CAPTURE_PERFDATA);

        set_profile_dir(STOCK_PROFILES);
        c = load_flags_ok("[service:j]\nexec = /usr/bin/java -jar app.jar\nprofile = jvm\n"
                          "[service:g]\nexec = /usr/bin/python3 app.py\nprofile = generic\n",
                          CFG_LOAD_PROFILES);
        j = c->services[0];
        g = c->services[1];

        /* auto: the class histogram when the heap grew */
        assert_true(j->capture_auto);
        assert_int_equal(j->capture_mask, CAPTURE_AUTO_MASK);
        assert_string_equal(j->jvm_options, "auto");
        assert_true(j->nmt_baseline_after == 5 * MINUTE);
        assert_true(j->capture_reserve == 64 * M);
        assert_int_equal(j->capture_at.kind, LIMIT_PERCENT);
        assert_int_equal(j->capture_at.value, 8500);
        assert_int_equal(j->memory_high.kind, LIMIT_PERCENT);
        assert_int_equal(j->memory_high.value, 9000);
        assert_true(action_list_is(&j->on_event[EVENT_PRE_OOM], 2, ACTION_CAPTURE, ACTION_RESTART));
        assert_true(action_list_is(&j->on_event[EVENT_OOM_KILL], 2, ACTION_CAPTURE, ACTION_RESTART));
        assert_true(action_list_is(&j->on_event[EVENT_PIDS_LIMIT], 1, ACTION_CAPTURE));
        assert_true(exit_status_set_test(&j->success_exit_status, 143, 0));
        assert_false(exit_status_set_test(&j->success_exit_status, 1, 0));
        assert_int_equal(j->n_log_triggers, 2);
        assert_string_equal(j->log_triggers[0].regex_src, "unable to create (new )?native thread");
        assert_true(action_list_is(&j->log_triggers[0].actions, 1, ACTION_CAPTURE));
        assert_string_equal(j->log_triggers[1].regex_src, "java\\.lang\\.OutOfMemoryError");
        assert_true(action_list_is(&j->log_triggers[1].actions, 2, ACTION_CAPTURE, ACTION_RESTART));

        /* the triggers against what JVMs print (JDK 8, JDK 11+, heap, direct) */
        assert_regex_matches(j->log_triggers[0].regex_src,
                             "Exception in thread \"main\" java.lang.OutOfMemoryError: unable to create new "
                             "native thread",
                             true);
        assert_regex_matches(
                j->log_triggers[0].regex_src,
                "java.lang.OutOfMemoryError: unable to create native thread: possibly out of memory "
                "or process/resource limits reached",
                true);
        assert_regex_matches(j->log_triggers[0].regex_src, "java.lang.OutOfMemoryError: Java heap space",
                             false);
        assert_regex_matches(
                j->log_triggers[1].regex_src,
                "Exception in thread \"nioEventLoopGroup-3-1\" java.lang.OutOfMemoryError: Direct "
                "buffer memory",
                true);
        assert_regex_matches(j->log_triggers[1].regex_src, "INFO java.lang.Thread started", false);

        assert_false(g->capture_auto);
        assert_int_equal(g->capture_mask & jvm_items, 0);
        assert_int_equal(g->capture_mask, CAPTURE_AUTO_MASK & ~jvm_items);
        assert_string_equal(g->jvm_options, "none");
        assert_true(action_list_is(&g->on_event[EVENT_PRE_OOM], 1, ACTION_CAPTURE));
        assert_true(action_list_is(&g->on_event[EVENT_OOM_KILL], 2, ACTION_CAPTURE, ACTION_RESTART));
        assert_int_equal(g->n_log_triggers, 0);
        assert_false(g->success_exit_status.set);

        /* and by path, through the exec entry point */
        static const char *const paths[] = { STOCK_PROFILES "/jvm.ini", STOCK_PROFILES "/generic.ini" };
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                _cleanup_(service_config_freep) ServiceConfig *s = service_config_new("exec");
                CfgErrors errs = {};

                assert_int_equal(service_config_apply_profile(s, paths[i], "cgwarden exec", &errs), 0);
                assert_int_equal(errs.n, 0);
                assert_true(service_config_equal(s, i == 0 ? j : g) == false); /* name, exec differ */
                assert_string_equal(s->profile, paths[i]);
        }
}

/* service_config_apply_profile(): what `cgwarden exec --profile=` uses. */
static void test_profile_exec(void **state) {
        _cleanup_(service_config_freep) ServiceConfig *s = service_config_new("exec");
        _cleanup_(service_config_freep) ServiceConfig *u = service_config_new("exec");
        _cleanup_(service_config_freep) ServiceConfig *v = service_config_new("exec");
        CfgErrors errs = {};

        set_profile_dir(PROFILE_FIXTURES);
        assert_int_equal(service_config_apply_profile(s, "custom", "cgwarden exec", &errs), 0);
        assert_int_equal(service_config_set(s, "restart", "no", NULL), 0);
        assert_int_equal(service_config_set(s, "environment", "SHARED=cli", NULL), 0);
        assert_int_equal(s->restart, RESTART_NO);
        assert_true(s->stop_timeout == 5 * SEC);
        assert_strv(s->environment, STRV("FROM=profile", "SHARED=cli"));
        assert_string_equal(s->profile, "custom");

        assert_int_equal(service_config_apply_profile(u, "nope", "cgwarden exec", &errs), -CGW_ERR_CONFIG);
        assert_int_equal(service_config_apply_profile(v, "../custom", "cgwarden exec", &errs),
                         -CGW_ERR_CONFIG);
        check_errors(&errs,
                     ERRORS("cgwarden exec: unknown profile 'nope': no nope.ini in " PROFILE_FIXTURES
                            " (CGWARDEN_PROFILE_DIR)",
                            "cgwarden exec: invalid value '../custom' for profile: expected a profile name "
                            "(1-64 of A-Z a-z 0-9 _ -, e.g. jvm or generic) or an absolute path to a "
                            "profile file"));
        cfg_errors_done(&errs);
        assert_int_equal(service_config_apply_profile(NULL, "custom", "x", NULL), -EINVAL);
}

static void test_errors_add(void **state) {
        CfgErrors errs = {};

        cfg_errors_add(&errs, "f.ini", 3, "bad %s", "thing");
        cfg_errors_add(&errs, "f.ini", 0, "unreadable");
        cfg_errors_add(NULL, "f.ini", 1, "ignored");
        assert_int_equal(errs.n, 2);
        assert_string_equal(errs.lines[0], "f.ini:3: bad thing");
        assert_string_equal(errs.lines[1], "f.ini: unreadable");
        assert_null(errs.lines[2]);
        cfg_errors_done(&errs);
        assert_int_equal(errs.n, 0);
}

/* Every test starts with CGWARDEN_PROFILE_DIR at the stock profiles
 * (full.ini says profile = jvm). */
#define TEST(f) cmocka_unit_test_setup(f, reset_profile_dir)

static void test_watch(void **state) {
        _cleanup_(config_freep) Config *c =
                load_ok("[service:a]\nexec=/bin/true\n"
                        "[watch:ctr]\nmatch = /system.slice/docker-*.scope\n"
                        "capture_at = 80%\njvm_match = -jar app\\.jar\n"

                        "[watch:thr]\ncgroup = /x/y\nmay_write = yes\n"
                        "on_pre_oom = throttle\nidle_sample_interval = 2s\n"
                        "[watch:u]\nunit = leaky.service\n"
                        "on_pre_oom = capture restart\non_oom_kill = capture stop\n"
                        "heap_dump = on-heap-growth\n");
        ServiceConfig *w;

        assert_int_equal(c->n_services, 1);
        assert_int_equal(c->n_watches, 3);
        w = c->watches[0];
        assert_int_equal(w->kind, SERVICE_KIND_WATCH);
        assert_string_equal(w->name, "ctr");
        assert_string_equal(w->watch_match, "/system.slice/docker-*.scope");
        assert_string_equal(w->jvm_match, "-jar app\\.jar");
        assert_true(w->capture_at.kind == LIMIT_PERCENT && w->capture_at.value == 8000);
        /* no restart by default: whoever started it restarts it */
        assert_true(action_list_is(&w->on_event[EVENT_OOM_KILL], 1, ACTION_CAPTURE));
        assert_null(w->argv);
        assert_true(w->idle_sample_interval == 5 * SEC);
        assert_true(c->watches[1]->may_write);
        assert_true(c->watches[1]->idle_sample_interval == 2 * SEC);
        /* a unit's watch may restart and stop it: systemd does it */
        w = c->watches[2];
        assert_string_equal(w->watch_unit, "leaky.service");
        assert_true(action_list_is(&w->on_event[EVENT_PRE_OOM], 2, ACTION_CAPTURE, ACTION_RESTART));
        assert_true(action_list_is(&w->on_event[EVENT_OOM_KILL], 2, ACTION_CAPTURE, ACTION_STOP));
        assert_int_equal(w->heap_dump, HEAP_DUMP_ON_HEAP_GROWTH);
        assert_int_equal(c->watches[0]->heap_dump, HEAP_DUMP_NO);
        assert_int_equal(c->services[0]->kind, SERVICE_KIND_SERVICE);
}

static void test_watch_errors(void **state) {
        expect_errors("[watch:w]\ncgroup=/a\nexec=/bin/true\nmemory_max=1G\n",
                      ERRORS("t.ini:3: key 'exec' is about launching a service: [watch:w] guards a cgroup "
                             "cgwarden did not start",
                             "t.ini:4: key 'memory_max' is about launching a service: [watch:w] guards a "
                             "cgroup cgwarden did not start"));
        expect_errors("[service:a]\nexec=/bin/true\nmatch=/a/*\nidle_sample_interval=10s\n",
                      ERRORS("t.ini:3: key 'match' belongs in a [watch:NAME] section",
                             "t.ini:4: key 'idle_sample_interval' belongs in a [watch:NAME] section"));
        expect_errors("[watch:w]\ncapture_at=80%\n",
                      ERRORS("t.ini:1: watch 'w': needs one of cgroup=, unit= or match="));
        expect_errors("[watch:w]\ncgroup=/a\nmatch=/b/*\n",
                      ERRORS("t.ini:1: watch 'w': cgroup=, unit= and match= exclude each other: use one"));
        expect_errors("[watch:w]\nmatch=/b/*\non_oom_kill=capture restart\n",
                      ERRORS("t.ini:1: watch 'w': on_oom_kill = restart: cgwarden can restart only a "
                             "systemd unit (unit=); a cgroup or container is restarted by whoever started "
                             "it (kill and capture work)"));
        expect_errors("[watch:w]\ncgroup=/a\non_pre_oom=throttle\n",
                      ERRORS("t.ini:1: watch 'w': on_pre_oom = throttle changes the cgroup's soft memory "
                             "limit and CPU quota: set may_write = yes to allow it"));
        expect_errors("[watch:w]\ncgroup=/a/*\n",
                      ERRORS("t.ini:2: invalid cgroup path '/a/*' for cgroup: it has glob characters (use "
                             "match=)"));
        expect_errors("[watch:w]\nmatch=/a//b\n",
                      ERRORS("t.ini:2: invalid pattern '/a//b' for match: has an empty component ('//' or "
                             "a trailing '/')"));
        expect_errors("[watch:w]\nunit=foo.service\non_pre_oom=capture throttle\n",
                      ERRORS("t.ini:1: watch 'w': on_pre_oom = throttle changes the cgroup's soft memory "
                             "limit and CPU quota: set may_write = yes to allow it"));
        expect_errors(
                "[watch:w]\nunit=foo.service\nheap_dump=yes\n",
                ERRORS("t.ini:3: invalid value 'yes' for heap_dump: expected no, on-heap-growth or always"));
        expect_errors("[watch:w]\nunit=foo.timer\n",
                      ERRORS("t.ini:2: invalid unit 'foo.timer' for unit: a systemd unit name ending in "
                             ".service or .scope"));
        expect_errors("[service:a]\nexec=/bin/true\n[watch:a]\ncgroup=/a\n",
                      ERRORS("t.ini:3: duplicate section [watch:a], first at line 1 (services and watches "
                             "share their names)"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                TEST(test_watch),
                TEST(test_watch_errors),
                TEST(test_full),
                TEST(test_defaults),
                TEST(test_default_paths),
                TEST(test_broken_fixtures),
                TEST(test_valid_fixtures),
                TEST(test_crlf_bom),
                TEST(test_structure_errors),
                TEST(test_nul_in_buffer),
                TEST(test_errors_collected_in_order),
                TEST(test_cross_key),
                TEST(test_long_lines),
                TEST(test_continuation_disabled),
                TEST(test_inline_comments),
                TEST(test_service_config_set),
                TEST(test_exit_ranges),
                TEST(test_jvm_options_env),
                TEST(test_supervisor_keys),
                TEST(test_equal),
                TEST(test_limit_resolve),
                TEST(test_tables),
                TEST(test_file_errors),
                TEST(test_errors_add),
                TEST(test_profile_applied),
                TEST(test_profile_override),
                TEST(test_profile_trigger_limit),
                TEST(test_profile_unknown),
                TEST(test_profile_errors),
                TEST(test_profile_absolute),
                TEST(test_stock_profiles),
                TEST(test_profile_exec),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
