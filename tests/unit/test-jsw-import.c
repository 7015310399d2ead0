/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* import-jsw (jsw/jsw-import.h): every wrapper.conf key it knows, read
 * back through cgwarden's own config parser, and the verdict on each
 * line. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"
#include "jsw-fixture.h"
#include "jsw/jsw-import.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SEC ((usec_t) 1000000)

typedef struct R {
        JswConf *c;
        JswImport imp;
        Config *cfg;
        ServiceConfig *s;
} R;

static void r_done(R *r) {
        jsw_import_done(&r->imp);
        r->c = jsw_conf_free(r->c);
        r->cfg = config_free(r->cfg);
}

static void run_named(R *r, const MemFile *files, const char *name, const char *text) {
        JswReader reader = mem_reader(files);
        JswImportOptions o = {
                .name = name,
                .conf_path = JSW_CONF,
                .base_dir = JSW_BASE,
                .builtins = jsw_test_builtins,
                .envp = jsw_test_env,
        };
        CfgErrors errs = {};

        r_done(r);
        assert_int_equal(jsw_conf_parse_buf(JSW_CONF, text, strlen(text), &reader, &r->c), 0);
        assert_int_equal(jsw_import(r->c, &o, &r->imp), 0);
        /* one verdict a line */
        assert_int_equal(r->imp.n_entries, r->c->n_lines);
        if (cfg_load_buf("out.ini", r->imp.ini, strlen(r->imp.ini), &r->cfg, &errs) != 0) {
                for (size_t i = 0; i < errs.n; i++)
                        print_error("%s\n", errs.lines[i]);
                print_error("%s", r->imp.ini);
                fail_msg("the imported configuration does not load");
        }
        assert_int_equal(r->cfg->n_services, 1);
        r->s = r->cfg->services[0];
}

static void run(R *r, const char *text) {
        run_named(r, NULL, "app", text);
}

static const JswReportEntry *entry(const R *r, unsigned line) {
        for (size_t i = 0; i < r->imp.n_entries; i++)
                if (r->imp.entries[i].line->line == line &&
                    strcmp(r->imp.entries[i].line->file, JSW_CONF) == 0)
                        return &r->imp.entries[i];
        fail_msg("no report for line %u", line);
        return NULL;
}

static void expect(const R *r, unsigned line, JswVerdict v, const char *text_part) {
        const JswReportEntry *e = entry(r, line);

        if (e->verdict != v || (text_part && !strstr(e->text, text_part)))
                fail_msg("line %u: %s: %s; want %s with '%s'", line, jsw_verdict_to_string(e->verdict),
                         e->text, jsw_verdict_to_string(v), text_part ? text_part : "");
}

static void assert_argv(char **argv, const char *const *want) {
        size_t n = 0;

        for (; want[n]; n++) {
                if (!argv[n])
                        fail_msg("argv too short at %zu (want '%s')", n, want[n]);
                if (strcmp(argv[n], want[n]) != 0)
                        fail_msg("argv[%zu] is '%s', want '%s'", n, argv[n], want[n]);
        }
        if (argv[n])
                fail_msg("argv too long: '%s'", argv[n]);
}

static bool has_env(const ServiceConfig *s, const char *assignment) {
        for (char **e = s->environment; e && *e; e++)
                if (strcmp(*e, assignment) == 0)
                        return true;
        return false;
}

/* Shape 1: a WrapperSimpleApp service with a classpath and JVM options. */
static void test_simple_app(void **state) {
        R r = {};

        run(&r, "wrapper.java.command=%JAVA_HOME%/bin/java\n" /* 1 */
                "wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperSimpleApp\n" /* 2 */
                "wrapper.java.classpath.1=../lib/wrapper.jar\n" /* 3 */
                "wrapper.java.classpath.2=../lib/app.jar\n" /* 4 */
                "wrapper.java.classpath.3=../lib/*.jar\n" /* 5 */
                "wrapper.java.library.path.1=../lib\n" /* 6 */
                "wrapper.java.library.path.2=../lib/native\n" /* 7 */
                "wrapper.java.additional.1=-server\n" /* 8 */
                "wrapper.java.additional.2=-Dapp.name=\"My App\"\n" /* 9 */
                "wrapper.java.additional.2.stripquotes=TRUE\n" /* 10 */
                "wrapper.java.additional.3=-Dkeep=\"q\"\n" /* 11 */
                "wrapper.java.additional.4=notanoption\n" /* 12 */
                "wrapper.java.additional.5=\n" /* 13 */
                "wrapper.java.additional.6=-XX:+UseG1GC\n" /* 14 */
                "wrapper.java.additional.8=-Dafter=gap\n" /* 15 */
                "wrapper.java.initmemory=256\n" /* 16 */
                "wrapper.java.maxmemory=1024\n" /* 17 */
                "wrapper.app.parameter.1=com.example.Main\n" /* 18 */
                "wrapper.app.parameter.2=--name\n" /* 19 */
                "wrapper.app.parameter.3=\"a \\\"b\\\" c\"\n" /* 20 */
                "wrapper.app.parameter.3.stripquotes=TRUE\n" /* 21 */
                "wrapper.java.umask=0027\n" /* 22 */
                "wrapper.working.dir=..\n"); /* 23 */
        assert_argv(r.s->argv, ARGV("/usr/lib/jvm/java-17-openjdk-amd64/bin/java", "-server",
                                    "-Dapp.name=My App", "-Dkeep=\"q\"", "-XX:+UseG1GC", "-Xms256m",
                                    "-Xmx1024m", "-Djava.library.path=../lib:../lib/native", "-classpath",
                                    "../lib/wrapper.jar:../lib/app.jar:../lib/*", "com.example.Main",
                                    "--name", "a \"b\" c"));
        assert_string_equal(r.s->working_dir, "/srv/app");
        assert_int_equal(r.s->umask, 027);
        assert_string_equal(r.s->profile, "jvm");
        /* the heap 1G + direct buffers (the heap's size) + 256M */
        assert_int_equal(r.s->memory_max.kind, LIMIT_ABSOLUTE);
        assert_true(r.s->memory_max.value == UINT64_C(2304) << 20);
        assert_true(r.s->pids_max.value == 4096);

        expect(&r, 1, JSW_APPROXIMATED, "import-jsw's environment");
        expect(&r, 2, JSW_MAPPED, "main class directly");
        expect(&r, 5, JSW_APPROXIMATED, "kept as ../lib/*");
        expect(&r, 10, JSW_MAPPED, NULL);
        expect(&r, 12, JSW_IGNORED, "starts with '-'");
        expect(&r, 13, JSW_IGNORED, "empty");
        expect(&r, 15, JSW_IGNORED, "after a gap");
        expect(&r, 16, JSW_MAPPED, "-Xms256m");
        expect(&r, 18, JSW_MAPPED, "the main class");
        expect(&r, 22, JSW_MAPPED, "umask");
        expect(&r, 23, JSW_MAPPED, "working_dir");
        assert_int_equal(r.imp.count[JSW_UNSUPPORTED], 0);
        /* every key's comment names its line */
        assert_non_null(strstr(r.imp.ini, "; " JSW_CONF ":17: wrapper.java.maxmemory=1024\n"));
        r_done(&r);
}

static void test_defaults(void **state) {
        R r = {};

        /* nothing but a main class: JSW's defaults */
        run(&r, "wrapper.java.mainclass=com.example.Main\n");
        assert_argv(r.s->argv,
                    ARGV("java", "-Djava.library.path=./", "-classpath", "./", "com.example.Main"));
        assert_string_equal(r.s->working_dir, JSW_BASE);
        /* on_exit.default=SHUTDOWN: only a crash restarts */
        assert_int_equal(r.s->restart, RESTART_ALWAYS);
        for (int c = 0; c < 256; c++)
                assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, c, 0));
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 0, SIGKILL));
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 0, SIGSEGV));
        assert_true(r.s->restart_delay == 5 * SEC);
        assert_true(r.s->restart_delay_max == 5 * SEC);
        assert_int_equal(r.s->start_limit_burst, 5);
        assert_true(r.s->start_limit_interval == 5 * 305 * SEC);
        assert_true(r.s->restart_reset_after == 300 * SEC);
        assert_true(r.s->stop_timeout == 45 * SEC);
        /* no -Xmx: no limit derived */
        assert_int_equal(r.s->memory_max.kind, LIMIT_UNSET);
        assert_non_null(strstr(r.imp.ini, "; cgwarden: memory_max = ..."));
        /* JSW's ping is always there: said in the file */
        assert_non_null(strstr(r.imp.ini, "; ready = notify\n; watchdog = 30s\n"));
        assert_null(r.cfg->log_dir);
        expect(&r, 1, JSW_MAPPED, "the application's own main class");
        r_done(&r);

        run(&r, "");
        assert_argv(r.s->argv, ARGV("java", "-Djava.library.path=./", "-classpath", "./", "Main"));
        r_done(&r);

        /* a relative java command: against the working directory */
        run(&r, "wrapper.java.command=../jre/bin/java\nwrapper.working.dir=../run\n");
        assert_string_equal(r.s->argv[0], "/srv/app/jre/bin/java");
        assert_string_equal(r.s->working_dir, "/srv/app/run");
        expect(&r, 1, JSW_MAPPED, "relative to the working directory: /srv/app/jre/bin/java");
        r_done(&r);
}

/* Shape 2: a WrapperJarApp with output filters and exit codes. */
static void test_jar_app_filters_exits(void **state) {
        R r = {};

        run(&r, "wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperJarApp\n" /* 1 */
                "wrapper.java.classpath.1=../lib/wrapper.jar\n" /* 2 */
                "wrapper.java.additional.1=-Xmx512m\n" /* 3 */
                "wrapper.java.additional.2=-XX:MaxDirectMemorySize=128m\n" /* 4 */
                "wrapper.app.parameter.1=../lib/app.jar\n" /* 5 */
                "wrapper.app.parameter.2=serve\n" /* 6 */
                "wrapper.on_exit.default=SHUTDOWN\n" /* 7 */
                "wrapper.on_exit.3=RESTART\n" /* 8 */
                "wrapper.on_exit.4=PAUSE\n" /* 9 */
                "wrapper.on_exit.300=RESTART\n" /* 10 */
                "wrapper.on_exit.5=BOUNCE\n" /* 11 */
                "wrapper.filter.trigger.1=Deadlock detected\n" /* 12 */
                "wrapper.filter.action.1=DUMP\n" /* 13 */
                "wrapper.filter.trigger.2=Exception in thread \"*\" java.lang.OutOfMemoryError\n" /* 14 */
                "wrapper.filter.allow_wildcards.2=TRUE\n" /* 15 */
                "wrapper.filter.action.2=DUMP,RESTART\n" /* 16 */
                "wrapper.filter.trigger.3=FATAL; shutting down (a+b)?\n" /* 17 */
                "wrapper.filter.action.3=SHUTDOWN\n" /* 18 */
                "wrapper.filter.message.3=Fatal error\n" /* 19 */
                "wrapper.filter.trigger.4=\\u0020padded\\u0020\n" /* 20 */
                "wrapper.filter.trigger.5=[Loaded java.lang.OutOfMemoryError\n" /* 21 */
                "wrapper.filter.action.5=NONE\n" /* 22 */
                "wrapper.filter.trigger.6=gc please\n" /* 23 */
                "wrapper.filter.action.6=GC\n" /* 24 */
                "wrapper.filter.trigger.8=after the gap\n"); /* 25 */
        assert_argv(r.s->argv,
                    ARGV("java", "-Xmx512m", "-XX:MaxDirectMemorySize=128m", "-Djava.library.path=./",
                         "-classpath", "../lib/wrapper.jar", "-jar", "../lib/app.jar", "serve"));
        expect(&r, 1, JSW_MAPPED, "-jar");
        expect(&r, 5, JSW_MAPPED, "-jar JAR");
        /* the heap 512M + 128M direct + 256M */
        assert_true(r.s->memory_max.value == UINT64_C(896) << 20);

        /* exits: 3 and 4 (PAUSE) restart, the rest stops, 300 is no code */
        assert_int_equal(r.s->restart, RESTART_ALWAYS);
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 3, 0));
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 4, 0));
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 0, 0));
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 1, 0));
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 5, 0));
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 143, 0));
        expect(&r, 7, JSW_MAPPED, "restart");
        expect(&r, 9, JSW_APPROXIMATED, "PAUSE");
        expect(&r, 10, JSW_IGNORED, "0 to 255");
        expect(&r, 11, JSW_UNSUPPORTED, "RESTART, SHUTDOWN or PAUSE");

        /* filters: a substring, a wildcard pattern, escaped; first
         * match wins in JSW: NONE can only be approximated */
        assert_int_equal(r.s->n_log_triggers, 4);
        assert_string_equal(r.s->log_triggers[0].regex_src, "Deadlock detected");
        assert_int_equal(r.s->log_triggers[0].actions.n, 1);
        assert_int_equal(r.s->log_triggers[0].actions.a[0], ACTION_CAPTURE);
        assert_string_equal(r.s->log_triggers[1].regex_src,
                            "Exception in thread \".*\" java\\.lang\\.OutOfMemoryError");
        assert_int_equal(r.s->log_triggers[1].actions.n, 2);
        assert_int_equal(r.s->log_triggers[1].actions.a[1], ACTION_RESTART);
        assert_string_equal(r.s->log_triggers[2].regex_src, "FATAL[;] shutting down \\(a\\+b\\)\\?");
        assert_int_equal(r.s->log_triggers[2].actions.a[1], ACTION_STOP);
        /* no action given: RESTART; blanks at the ends kept */
        assert_string_equal(r.s->log_triggers[3].regex_src, "[ ]padded[ ]");
        assert_int_equal(r.s->log_triggers[3].actions.a[1], ACTION_RESTART);
        expect(&r, 12, JSW_MAPPED, "log_trigger");
        expect(&r, 16, JSW_MAPPED, "capture restart");
        expect(&r, 19, JSW_IGNORED, "cgwarden logs its own line");
        expect(&r, 22, JSW_APPROXIMATED, "first filter that matches");
        expect(&r, 24, JSW_UNSUPPORTED, "GC: no such cgwarden action");
        expect(&r, 25, JSW_IGNORED, "after a gap");
        r_done(&r);

        /* -jar ignores -classpath: said when it held more than wrapper.jar */
        run(&r, "wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperJarApp\n"
                "wrapper.java.classpath.1=../lib/wrapper.jar\n"
                "wrapper.java.classpath.2=../lib/dep.jar\n"
                "wrapper.app.parameter.1=../lib/app.jar\n");
        assert_non_null(
                strstr(r.imp.ini, "; -jar: the JVM ignores -classpath ../lib/wrapper.jar:../lib/dep.jar"));
        r_done(&r);

        run(&r, "wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperJarApp\n");
        expect(&r, 1, JSW_UNSUPPORTED, "wrapper.app.parameter.1");
        r_done(&r);
}

static void test_start_stop_app(void **state) {
        R r = {};

        run(&r, "wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperStartStopApp\n" /* 1 */
                "wrapper.app.parameter.1=org.apache.catalina.startup.Bootstrap\n" /* 2 */
                "wrapper.app.parameter.2=1\n" /* 3 */
                "wrapper.app.parameter.3=start\n" /* 4 */
                "wrapper.app.parameter.4=org.apache.catalina.startup.Bootstrap\n" /* 5 */
                "wrapper.app.parameter.5=TRUE\n" /* 6 */
                "wrapper.app.parameter.6=1\n" /* 7 */
                "wrapper.app.parameter.7=stop\n"); /* 8 */
        assert_argv(r.s->argv, ARGV("java", "-Djava.library.path=./", "-classpath", "./",
                                    "org.apache.catalina.startup.Bootstrap", "start"));
        expect(&r, 1, JSW_APPROXIMATED, "stop class is not run");
        expect(&r, 2, JSW_MAPPED, "start class");
        expect(&r, 4, JSW_MAPPED, NULL);
        expect(&r, 5, JSW_APPROXIMATED, "the stop class");
        expect(&r, 8, JSW_APPROXIMATED, "its arguments");
        r_done(&r);

        run(&r, "wrapper.java.mainclass=org.tanukisoftware.wrapper.WrapperStartStopApp\n"
                "wrapper.app.parameter.1=Start\n"
                "wrapper.app.parameter.2=5\n");
        expect(&r, 1, JSW_UNSUPPORTED, "START_CLASS N ARG");
        r_done(&r);
}

/* Shape 3: includes and set. variables. */
static void test_includes_and_vars(void **state) {
        static const MemFile files[] = {
                { "/srv/app/conf/common.conf", "set.APP_HOME=/srv/app\n"
                                               "wrapper.java.classpath.1=%APP_HOME%/lib/app.jar\n"
                                               "wrapper.java.additional.1=-Dapp.home=%APP_HOME%\n"
                                               "wrapper.restart.delay=2\n" },
                { "/srv/app/conf/local.conf",
                  "wrapper.restart.delay=7\n#include /srv/app/conf/local.conf\n" },
                {},
        };
        R r = {};

        run_named(&r, files, NULL,
                  "#include ../conf/common.conf\n" /* 1 */
                  "set.LOG_DIR=%APP_HOME%/logs\n" /* 2 */
                  "set.default.APP_ENV=dev\n" /* 3 */
                  "set.default.REGION=eu\n" /* 4 */
                  "wrapper.java.mainclass=com.example.Main\n" /* 5 */
                  "wrapper.app.parameter.1=--env=%APP_ENV%\n" /* 6 */
                  "wrapper.app.parameter.2=%UNDEFINED_VAR%\n" /* 7 */
                  "wrapper.logfile=%LOG_DIR%/wrapper.log\n" /* 8 */
                  "#include.required local.conf\n" /* 9 */
                  "#include /nonexistent/optional.conf\n" /* 10 */
                  "wrapper.ntservice.name=my app!\n"); /* 11 */
        assert_argv(r.s->argv,
                    ARGV("java", "-Dapp.home=/srv/app", "-Djava.library.path=./", "-classpath",
                         "/srv/app/lib/app.jar", "com.example.Main", "--env=prod", "%UNDEFINED_VAR%"));
        assert_true(has_env(r.s, "APP_HOME=/srv/app"));
        assert_true(has_env(r.s, "LOG_DIR=/srv/app/logs"));
        assert_true(has_env(r.s, "APP_ENV=prod"));
        assert_true(has_env(r.s, "REGION=eu"));
        assert_string_equal(r.cfg->log_dir, "/srv/app/logs");
        /* the last restart.delay read counts: local.conf's */
        assert_true(r.s->restart_delay == 7 * SEC);
        assert_string_equal(r.s->name, "my_app_");

        expect(&r, 1, JSW_MAPPED, "read: /srv/app/conf/common.conf");
        expect(&r, 3, JSW_APPROXIMATED, "import-jsw's environment has APP_ENV");
        expect(&r, 4, JSW_MAPPED, "environment");
        expect(&r, 6, JSW_APPROXIMATED, "import-jsw's environment");
        expect(&r, 7, JSW_UNSUPPORTED, "%UNDEFINED_VAR% has no value here");
        expect(&r, 8, JSW_APPROXIMATED, "log_dir");
        expect(&r, 9, JSW_APPROXIMATED, "next to the including file");
        expect(&r, 10, JSW_IGNORED, "JSW skips it too");
        expect(&r, 11, JSW_MAPPED, "[service:NAME]");
        /* an include loop, and the line set again later */
        for (size_t i = 0; i < r.imp.n_entries; i++) {
                const JswReportEntry *e = &r.imp.entries[i];
                if (strcmp(e->line->file, "/srv/app/conf/common.conf") == 0 && e->line->line == 4)
                        assert_non_null(strstr(e->text, "set again at /srv/app/conf/local.conf:1"));
                if (strcmp(e->line->file, "/srv/app/conf/local.conf") == 0 && e->line->line == 2)
                        assert_non_null(strstr(e->text, "a loop"));
        }
        assert_true(r.imp.count[JSW_UNSUPPORTED] == 1);
        r_done(&r);
}

static void test_lifecycle(void **state) {
        R r = {};

        run(&r, "wrapper.restart.delay=10\n" /* 1 */
                "wrapper.max_failed_invocations=3\n" /* 2 */
                "wrapper.successful_invocation_time=60\n" /* 3 */
                "wrapper.shutdown.timeout=20\n" /* 4 */
                "wrapper.jvm_exit.timeout=5\n" /* 5 */
                "wrapper.startup.timeout=120\n" /* 6 */
                "wrapper.ping.timeout=0\n" /* 7 */
                "wrapper.ping.interval=5\n" /* 8 */
                "wrapper.on_exit.default=RESTART\n" /* 9 */
                "wrapper.on_exit.0=SHUTDOWN\n"); /* 10 */
        assert_true(r.s->restart_delay == 10 * SEC);
        assert_true(r.s->restart_delay_max == 10 * SEC);
        assert_int_equal(r.s->start_limit_burst, 3);
        assert_true(r.s->start_limit_interval == 3 * 70 * SEC);
        assert_true(r.s->restart_reset_after == 60 * SEC);
        assert_true(r.s->stop_timeout == 25 * SEC);
        assert_true(r.s->start_timeout == 120 * SEC);
        assert_int_equal(r.s->restart, RESTART_ALWAYS);
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 0, 0));
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 143, 0));
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 1, 0));
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 142, 0));
        assert_null(strstr(r.imp.ini, "watchdog"));
        expect(&r, 1, JSW_MAPPED, "restart_delay");
        expect(&r, 2, JSW_APPROXIMATED, "start_limit");
        expect(&r, 4, JSW_APPROXIMATED, "stop_timeout");
        expect(&r, 6, JSW_APPROXIMATED, "ready = notify");
        expect(&r, 7, JSW_IGNORED, "no ping");
        expect(&r, 8, JSW_IGNORED, "ping");
        assert_int_equal(r.imp.count[JSW_UNSUPPORTED], 0);
        r_done(&r);

        run(&r, "wrapper.ping.timeout=90\nwrapper.ping.interval=10\nwrapper.shutdown.timeout=0\n"
                "wrapper.on_exit.143=RESTART\nwrapper.restart.delay=soon\n");
        expect(&r, 1, JSW_UNSUPPORTED, "ready = notify and watchdog = 90s");
        expect(&r, 2, JSW_UNSUPPORTED, "ping");
        expect(&r, 5, JSW_UNSUPPORTED, "not a number");
        assert_non_null(strstr(r.imp.ini, "; ready = notify\n; watchdog = 90s\n"));
        assert_true(r.s->stop_timeout == 24 * 3600 * SEC);
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 143, 0));
        assert_true(r.s->restart_delay == 5 * SEC);
        r_done(&r);

        run(&r, "wrapper.disable_restarts=TRUE\nwrapper.on_exit.default=RESTART\n");
        assert_int_equal(r.s->restart, RESTART_NO);
        expect(&r, 1, JSW_MAPPED, "restart");
        expect(&r, 2, JSW_IGNORED, "restarts are disabled");
        r_done(&r);

        run(&r, "wrapper.disable_restarts.automatic=TRUE\n");
        assert_int_equal(r.s->restart, RESTART_NO);
        expect(&r, 1, JSW_MAPPED, "cgwarden restart NAME");
        r_done(&r);
}

static void test_logs(void **state) {
        R r = {};

        run(&r,
            "wrapper.logfile=../logs/wrapper.log\nwrapper.logfile.maxsize=512k\nwrapper.logfile.maxfiles=0\n"
            "wrapper.logfile.rollmode=SIZE_OR_JVM\nwrapper.logfile.loglevel=INFO\n");
        assert_string_equal(r.cfg->log_dir, "/srv/app/logs");
        assert_true(r.s->log_max_size == 512 * 1024);
        assert_int_equal(r.s->log_keep, 1000);
        expect(&r, 1, JSW_APPROXIMATED, "<log_dir>/app.log");
        expect(&r, 2, JSW_MAPPED, "log_max_size");
        expect(&r, 3, JSW_APPROXIMATED, "1000");
        expect(&r, 4, JSW_APPROXIMATED, "by size only");
        expect(&r, 5, JSW_IGNORED, NULL);
        r_done(&r);

        run(&r, "wrapper.logfile.maxsize=0\nwrapper.logfile.maxfiles=3\n");
        assert_true(r.s->log_max_size == UINT64_C(1) << 40);
        assert_int_equal(r.s->log_keep, 3);
        expect(&r, 1, JSW_APPROXIMATED, "always rolls");
        r_done(&r);

        run(&r,
            "wrapper.logfile.rollmode=DATE\nwrapper.logfile.maxsize=10m\nwrapper.logfile.maxsize.bad=1\n");
        assert_true(r.s->log_max_size == UINT64_C(1) << 40);
        expect(&r, 1, JSW_APPROXIMATED, "by date");
        expect(&r, 2, JSW_IGNORED, "rolls by size");
        r_done(&r);

        run(&r, "wrapper.logfile.maxsize=ten\n");
        expect(&r, 1, JSW_UNSUPPORTED, "not a size");
        r_done(&r);
}

static void test_library_path_and_classpath(void **state) {
        R r = {};

        run(&r, "wrapper.java.library.path=/opt/old\nwrapper.java.library.path.1=/opt/new\n"
                "wrapper.java.library.path.append_system_path=TRUE\n"
                "wrapper.java.classpath.1=/nowhere/foo-*.jar\nwrapper.java.classpath.2=\n"
                "wrapper.java.classpath.3=lib/\n");
        assert_argv(r.s->argv,
                    ARGV("java", "-Djava.library.path=/opt/old:/opt/native", "-classpath", "lib/", "Main"));
        expect(&r, 2, JSW_IGNORED, "numbered");
        expect(&r, 3, JSW_APPROXIMATED, "LD_LIBRARY_PATH");
        expect(&r, 4, JSW_IGNORED, "matches no file");
        expect(&r, 5, JSW_IGNORED, "empty");
        r_done(&r);

        /* maxmemory below initmemory is raised to it, as JSW does */
        run(&r,
            "wrapper.java.initmemory=512\nwrapper.java.maxmemory=128\nwrapper.java.maxmemory.percent=50\n");
        assert_argv(r.s->argv, ARGV("java", "-Xms512m", "-Xmx512m", "-Djava.library.path=./", "-classpath",
                                    "./", "Main"));
        expect(&r, 3, JSW_UNSUPPORTED, "MaxRAMPercentage");
        r_done(&r);
}

static void test_yajsw(void **state) {
        R r = {};

        run(&r, "wrapper.java.mainclass=org.rzo.yajsw.app.WrapperJVMMain\n" /* 1 */
                "wrapper.java.app.mainclass=com.example.Main\n" /* 2 */
                "wrapper.app.env.FOO=bar\n" /* 3 */
                "wrapper.app.account=svc\\\\appuser\n" /* 4 */
                "wrapper.app.password=secret\n" /* 5 */
                "wrapper.on_signal.default=SHUTDOWN\n" /* 6 */
                "wrapper.on_signal.11=RESTART\n" /* 7 */
                "wrapper.filter.script.0=scripts/trayMessage.gv\n"); /* 8 */
        assert_argv(r.s->argv,
                    ARGV("java", "-Djava.library.path=./", "-classpath", "./", "com.example.Main"));
        assert_true(has_env(r.s, "FOO=bar"));
        assert_string_equal(r.s->user, "appuser");
        assert_string_equal(r.s->group, "svc");
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 0, SIGKILL));
        assert_true(exit_status_set_test(&r.s->restart_prevent_exit_status, 0, SIGTERM));
        assert_false(exit_status_set_test(&r.s->restart_prevent_exit_status, 0, SIGSEGV));
        expect(&r, 1, JSW_IGNORED, "YAJSW's own");
        expect(&r, 5, JSW_IGNORED, "(hidden)");
        assert_null(strstr(r.imp.ini, "secret"));
        expect(&r, 8, JSW_UNSUPPORTED, "notify_exec");
        r_done(&r);

        run(&r, "wrapper.java.app.jar=/srv/app/app.jar\n");
        assert_argv(r.s->argv,
                    ARGV("java", "-Djava.library.path=./", "-classpath", "./", "-jar", "/srv/app/app.jar"));
        r_done(&r);
}

static void test_other_keys(void **state) {
        R r = {};

        run(&r, "wrapper.ntservice.name=svc\n" /* 1 */
                "wrapper.daemon.run_level_dir=/etc/rcX.d\n" /* 2 */
                "wrapper.pidfile=/run/app.pid\n" /* 3 */
                "wrapper.java.command.loglevel=INFO\n" /* 4 */
                "wrapper.console.loglevel=INFO\n" /* 5 */
                "wrapper.request_thread_dump_on_failed_jvm_exit=TRUE\n" /* 6 */
                "wrapper.check.deadlock=TRUE\n" /* 7 */
                "wrapper.unknown.thing=1\n" /* 8 */
                "app.custom=1\n" /* 9 */
                "wrapper.ignore_sequence_gaps=TRUE\n" /* 10 */
                "wrapper.java.additional.1=-Da\n" /* 11 */
                "wrapper.java.additional.5=-De\n" /* 12 */
                "#include.debug\n" /* 13 */
                "oops\n"); /* 14 */
        assert_string_equal(r.s->name, "app"); /* --name wins */
        assert_argv(r.s->argv,
                    ARGV("java", "-Da", "-De", "-Djava.library.path=./", "-classpath", "./", "Main"));
        expect(&r, 1, JSW_IGNORED, "Windows service");
        expect(&r, 2, JSW_IGNORED, "systemd");
        expect(&r, 3, JSW_IGNORED, "pid");
        expect(&r, 4, JSW_IGNORED, NULL);
        expect(&r, 5, JSW_IGNORED, NULL);
        expect(&r, 6, JSW_UNSUPPORTED, "cgwarden capture NAME");
        expect(&r, 7, JSW_UNSUPPORTED, "deadlock");
        expect(&r, 8, JSW_UNSUPPORTED, "does not know");
        expect(&r, 9, JSW_IGNORED, "not a Wrapper property");
        expect(&r, 10, JSW_MAPPED, NULL);
        expect(&r, 12, JSW_MAPPED, NULL);
        expect(&r, 13, JSW_IGNORED, "directive");
        expect(&r, 14, JSW_IGNORED, "no '='");
        r_done(&r);

        /* a name from wrapper.ntservice.name, else the application's directory */
        run_named(&r, NULL, NULL, "wrapper.ntservice.name=billing\n");
        assert_string_equal(r.s->name, "billing");
        r_done(&r);
        run_named(&r, NULL, NULL, "");
        assert_string_equal(r.s->name, "app");
        r_done(&r);
}

static void test_values_cgwarden_refuses(void **state) {
        R r = {};
        char *line;

        /* a value the key's parser refuses is written commented out */
        run(&r, "wrapper.java.umask=999\nset.BAD=a ;b\nwrapper.app.account=bad user\n"
                "wrapper.working.dir=/srv/a ;b\nwrapper.logfile=/var/log/\\u0001x/wrapper.log\n");
        expect(&r, 1, JSW_UNSUPPORTED, "umask = 999 is not valid in cgwarden");
        expect(&r, 2, JSW_UNSUPPORTED, "INI comment");
        expect(&r, 3, JSW_UNSUPPORTED, "not valid in cgwarden");
        assert_non_null(strstr(r.imp.ini, "; umask = 999\n"));
        assert_int_equal(r.s->umask, -1);
        /* what the INI reader would cut or split: not written */
        expect(&r, 4, JSW_UNSUPPORTED, "a ';' after a blank starts a comment");
        expect(&r, 5, JSW_UNSUPPORTED, "control character");
        assert_non_null(strstr(r.imp.ini, "; log_dir = /var/log/?x\n"));
        assert_null(r.cfg->log_dir);
        assert_null(r.s->working_dir);
        line = jsw_report_line(&r.imp.entries[0]);
        assert_non_null(line);
        {
                const char *want =
                        JSW_CONF ":1: unsupported: wrapper.java.umask=999: umask = 999 is not valid";
                assert_true(strncmp(line, want, strlen(want)) == 0);
        }
        free(line);
        r_done(&r);

        /* "user = ;x": the ';' follows the blank after '=' */
        run(&r, "wrapper.app.account=;x\n");
        expect(&r, 1, JSW_UNSUPPORTED, "starts a comment");
        assert_null(r.s->user);
        r_done(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_simple_app),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_jar_app_filters_exits),
                cmocka_unit_test(test_start_stop_app),
                cmocka_unit_test(test_includes_and_vars),
                cmocka_unit_test(test_lifecycle),
                cmocka_unit_test(test_logs),
                cmocka_unit_test(test_library_path_and_classpath),
                cmocka_unit_test(test_yajsw),
                cmocka_unit_test(test_other_keys),
                cmocka_unit_test(test_values_cgwarden_refuses),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
