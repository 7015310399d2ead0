/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The wrapper.conf reader (jsw/jsw-conf.h): the properties syntax (line
 * continuations, '=' and ':', \uXXXX, JSW's comments and "##"), includes
 * (relative ones, missing, required, a loop, too deep), set.VAR and
 * %VAR%, duplicate keys kept in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "jsw-fixture.h"

static JswConf *parse(const MemFile *files, const char *text) {
        JswReader r = mem_reader(files);
        JswConf *c = NULL;

        assert_int_equal(jsw_conf_parse_buf(JSW_CONF, text, strlen(text), &r, &c), 0);
        assert_non_null(c);
        return c;
}

/* the n-th line (0-based) of kind PROPERTY */
static const JswLine *prop_n(const JswConf *c, size_t n) {
        for (size_t i = 0; i < c->n_lines; i++)
                if (c->lines[i].kind == JSW_LINE_PROPERTY && n-- == 0)
                        return &c->lines[i];
        fail_msg("no property %zu", n);
        return NULL;
}

static void assert_prop(const JswLine *l, const char *key, const char *value, unsigned line) {
        assert_int_equal(l->kind, JSW_LINE_PROPERTY);
        assert_string_equal(l->key, key);
        assert_string_equal(l->value, value);
        assert_int_equal(l->line, line);
}

static void test_syntax(void **state) {
        _cleanup_(jsw_conf_freep) JswConf *c = NULL;

        c = parse(NULL, "\xef\xbb\xbf# a comment\n"
                        "! also a comment\n"
                        "wrapper.java.command=java\n"
                        "   wrapper.java.mainclass = Main   \n"
                        "wrapper.working.dir: ..\n"
                        "wrapper.java.additional.1 -Dno=separator\n"
                        "wrapper.java.additional.2=-Da=1 \\\n"
                        "      -Db=2\\\n"
                        "-Dc=3\n"
                        "wrapper.app.parameter.1=C:\\dir\\\\\n"
                        "wrapper.app.parameter.2=caf\\u00e9 \\u20ac \\uZZZZ \\u0000\n"
                        "wrapper.app.parameter.3=\"a # b\" # comment\n"
                        "wrapper.app.parameter.4=x ## y\n"
                        "wrapper.app.parameter.5=-Dq=\\\"quoted\\\"\n"
                        "key.with=equals=and:colons\r\n"
                        "empty=\n"
                        "\t\n"
                        "lonely\n");
        assert_prop(prop_n(c, 0), "wrapper.java.command", "java", 3);
        assert_prop(prop_n(c, 1), "wrapper.java.mainclass", "Main", 4);
        assert_prop(prop_n(c, 2), "wrapper.working.dir", "..", 5);
        /* a continued line is one, numbered by its first physical line */
        assert_prop(prop_n(c, 3), "wrapper.java.additional.2", "-Da=1 -Db=2-Dc=3", 7);
        /* an even number of trailing backslashes does not continue; other
         * backslashes stay as written (JSW) */
        assert_prop(prop_n(c, 4), "wrapper.app.parameter.1", "C:\\dir\\\\", 10);
        assert_prop(prop_n(c, 5), "wrapper.app.parameter.2", "caf\xc3\xa9 \xe2\x82\xac \\uZZZZ \\u0000", 11);
        /* '#' outside quotes is a comment, "##" a '#' */
        assert_prop(prop_n(c, 6), "wrapper.app.parameter.3", "\"a # b\"", 12);
        assert_prop(prop_n(c, 7), "wrapper.app.parameter.4", "x # y", 13);
        assert_prop(prop_n(c, 8), "wrapper.app.parameter.5", "-Dq=\\\"quoted\\\"", 14);
        assert_prop(prop_n(c, 9), "key.with", "equals=and:colons", 15);
        assert_prop(prop_n(c, 10), "empty", "", 16);

        /* no separator: kept as malformed, JSW skips it */
        assert_int_equal(c->n_lines, 13);
        assert_int_equal(c->lines[3].kind, JSW_LINE_MALFORMED);
        assert_string_equal(c->lines[3].key, "wrapper.java.additional.1 -Dno=separator");
        assert_int_equal(c->lines[3].line, 6);
        assert_int_equal(c->lines[12].kind, JSW_LINE_MALFORMED);
        assert_string_equal(c->lines[12].key, "lonely");
        assert_int_equal(c->lines[12].line, 18);
        assert_false(c->fatal);
}

static void test_continuation_at_eof(void **state) {
        _cleanup_(jsw_conf_freep) JswConf *c = parse(NULL, "a=1\\");

        /* nothing follows: the backslash is dropped, the line kept */
        assert_prop(prop_n(c, 0), "a", "1", 1);
        c = jsw_conf_free(c);
        c = parse(NULL, "a=1\\\n");
        assert_prop(prop_n(c, 0), "a", "1", 1);
}

static void test_duplicates(void **state) {
        _cleanup_(jsw_conf_freep) JswConf *c = NULL;

        c = parse(NULL, "wrapper.restart.delay=3\nwrapper.restart.delay=4\nWRAPPER.RESTART.DELAY=5\n");
        /* all kept, in order: the importer takes the last one (jsw_import) */
        assert_int_equal(c->n_lines, 3);
        assert_prop(&c->lines[0], "wrapper.restart.delay", "3", 1);
        assert_prop(&c->lines[2], "WRAPPER.RESTART.DELAY", "5", 3);
}

static void test_directives(void **state) {
        _cleanup_(jsw_conf_freep) JswConf *c = NULL;

        c = parse(NULL, "#encoding=UTF-8\n#include.debug\n#properties.debug\n#variables.expand=FALSE\n"
                        "#includex nothing\n# include nothing\n");
        assert_int_equal(c->n_lines, 4);
        for (size_t i = 0; i < 4; i++)
                assert_int_equal(c->lines[i].kind, JSW_LINE_DIRECTIVE);
        assert_string_equal(c->lines[0].key, "#encoding=UTF-8");
}

static void test_includes(void **state) {
        static const MemFile files[] = {
                /* relative: against JSW's working directory (base_dir) */
                { "/srv/app/conf/common.conf",
                  "wrapper.java.additional.1=-Dcommon=1\nset.LOGS=/var/log/app\n" },
                { "/srv/app/conf/site.conf",
                  "wrapper.java.additional.2=-Dsite=%APP_ENV%\n#include site.conf\n" },
                { "/etc/app/extra.conf", "#include /etc/app/extra.conf\nwrapper.logfile=%LOGS%/w.log\n" },
                {},
        };
        _cleanup_(jsw_conf_freep) JswConf *c = NULL;

        c = parse(files, "set.ETC=/etc/app\n"
                         "#include ../conf/common.conf\n"
                         "#include.required site.conf\n"
                         "#include %ETC%/extra.conf\n"
                         "#include /nope/missing.conf\n"
                         "wrapper.java.additional.3=-Dlast=1\n");
        assert_false(c->fatal);
        /* set.ETC, include, common's 2, include (site.conf, beside the
         * conf), site's 2, include (extra), extra's 2, missing, last */
        assert_int_equal(c->n_lines, 12);
        assert_int_equal(c->lines[1].kind, JSW_LINE_INCLUDE);
        assert_string_equal(c->lines[1].include_path, "/srv/app/conf/common.conf");
        assert_int_equal(c->lines[1].include_result, 0);
        assert_false(c->lines[1].include_beside);
        assert_prop(&c->lines[2], "wrapper.java.additional.1", "-Dcommon=1", 1);
        assert_string_equal(c->lines[2].file, "/srv/app/conf/common.conf");
        assert_int_equal(c->lines[2].depth, 1);

        /* not in base_dir: found next to the including file */
        assert_true(c->lines[4].include_required);
        assert_string_equal(c->lines[4].include_path, "/srv/app/conf/site.conf");
        assert_int_equal(c->lines[4].include_result, 0);
        assert_true(c->lines[4].include_beside);
        assert_prop(&c->lines[5], "wrapper.java.additional.2", "-Dsite=%APP_ENV%", 1);
        /* site.conf includes itself: a loop, skipped */
        assert_int_equal(c->lines[6].kind, JSW_LINE_INCLUDE);
        assert_int_equal(c->lines[6].include_result, -ELOOP);

        /* %ETC% is expanded, from a set. read before it */
        assert_string_equal(c->lines[7].include_path, "/etc/app/extra.conf");
        assert_int_equal(c->lines[7].include_result, 0);
        assert_int_equal(c->lines[8].include_result, -ELOOP);
        assert_prop(&c->lines[9], "wrapper.logfile", "%LOGS%/w.log", 2);

        assert_int_equal(c->lines[10].include_result, -ENOENT);
        assert_false(c->lines[10].include_required);
        assert_prop(&c->lines[11], "wrapper.java.additional.3", "-Dlast=1", 6);
        assert_int_equal(c->n_files, 4);
}

static void test_include_required_missing(void **state) {
        _cleanup_(jsw_conf_freep) JswConf *c = parse(NULL, "#include.required /nope.conf\na=1\n");

        assert_true(c->fatal);
        assert_int_equal(c->lines[0].include_result, -ENOENT);
        assert_int_equal(c->n_lines, 2);
}

static void test_include_depth(void **state) {
        /* a.conf includes b.conf includes a.conf... under different names:
         * no loop by name, so the depth bound (10) ends it */
        static const MemFile files[] = {
                { "/d/1.conf", "#include /d/2.conf\nk1=1\n" },
                { "/d/2.conf", "#include /d/3.conf\nk2=1\n" },
                { "/d/3.conf", "#include /d/4.conf\nk3=1\n" },
                { "/d/4.conf", "#include /d/5.conf\nk4=1\n" },
                { "/d/5.conf", "#include /d/6.conf\nk5=1\n" },
                { "/d/6.conf", "#include /d/7.conf\nk6=1\n" },
                { "/d/7.conf", "#include /d/8.conf\nk7=1\n" },
                { "/d/8.conf", "#include /d/9.conf\nk8=1\n" },
                { "/d/9.conf", "#include /d/10.conf\nk9=1\n" },
                { "/d/10.conf", "#include /d/11.conf\nk10=1\n" },
                { "/d/11.conf", "k11=1\n" },
                {},
        };
        _cleanup_(jsw_conf_freep) JswConf *c = parse(files, "#include /d/1.conf\n");
        size_t n_props = 0;

        for (size_t i = 0; i < c->n_lines; i++) {
                if (c->lines[i].kind == JSW_LINE_PROPERTY)
                        n_props++;
                if (c->lines[i].kind == JSW_LINE_INCLUDE && c->lines[i].include_result == -EMLINK)
                        assert_string_equal(c->lines[i].include_path, "/d/11.conf");
        }
        /* depth 1 to 10 are read: k1..k10 */
        assert_int_equal(n_props, 10);
}

static void test_too_big(void **state) {
        /* each level includes the next four times: 4^9 copies of the last */
#define LEVEL(n, next)                                                                                   \
        {                                                                                                \
                "/d/" #n ".conf", "#include /d/" #next ".conf\n#include /d/" #next                       \
                                  ".conf\n#include /d/" #next ".conf\n#include /d/" #next ".conf\nk=1\n" \
        }
        static const MemFile files[] = {
                LEVEL(1, 2), LEVEL(2, 3), LEVEL(3, 4), LEVEL(4, 5),  LEVEL(5, 6),
                LEVEL(6, 7), LEVEL(7, 8), LEVEL(8, 9), LEVEL(9, 10), { "/d/10.conf", "k=10\n" },
                {},
        };
#undef LEVEL
        _cleanup_(jsw_conf_freep) JswConf *c = parse(files, "#include /d/1.conf\n");
        _cleanup_free_ char *v = NULL;
        char text[4096] = "set.A0=xxxxxxxxxxxxxxxx\n";

        assert_true(c->too_big);
        assert_int_equal(c->n_lines, JSW_LINES_MAX);
        c = jsw_conf_free(c);

        /* a value that doubles at each set. is cut off at 64K, kept as written */
        for (int i = 1; i < 20; i++)
                snprintf(text + strlen(text), sizeof text - strlen(text), "set.A%d=%%A%d%%%%A%d%%\n", i,
                         i - 1, i - 1);
        c = parse(NULL, text);
        assert_false(c->too_big);
        assert_int_equal(c->n_vars, 20);
        assert_int_equal(strlen(c->vars[12].value), 16u << 12);
        assert_string_equal(c->vars[13].value, "%A12%%A12%");
        assert_int_equal(jsw_expand(c, NULL, NULL, "%A12%%A12%", &v, NULL, NULL), -E2BIG);
}

static void test_vars(void **state) {
        _cleanup_(jsw_conf_freep) JswConf *c = NULL;
        _cleanup_free_ char *x = NULL, *unresolved = NULL;
        bool from_env = false;
        char src = 0;

        c = parse(NULL, "set.A=one\n"
                        "set.B=%A%-two\n"
                        "set.A=uno\n"
                        "set.default.APP_ENV=dev\n"
                        "set.default.NEW=fresh\n"
                        "set.=nothing\n");
        /* B was expanded when it was read: with the first A */
        assert_string_equal(jsw_lookup(c, jsw_test_builtins, jsw_test_env, "B", &src), "one-two");
        assert_int_equal(src, 'c');
        /* the last definition counts */
        assert_string_equal(jsw_lookup(c, jsw_test_builtins, jsw_test_env, "A", NULL), "uno");
        /* set.default. keeps a value the environment has */
        assert_string_equal(jsw_lookup(c, jsw_test_builtins, jsw_test_env, "APP_ENV", &src), "prod");
        assert_int_equal(src, 'e');
        assert_string_equal(jsw_lookup(c, jsw_test_builtins, jsw_test_env, "NEW", NULL), "fresh");
        assert_string_equal(jsw_lookup(c, jsw_test_builtins, jsw_test_env, "WRAPPER_OS", &src), "linux");
        assert_int_equal(src, 'b');
        assert_null(jsw_lookup(c, jsw_test_builtins, jsw_test_env, "NOPE", &src));
        assert_int_equal(c->n_vars, 4);

        assert_int_equal(jsw_expand(c, jsw_test_builtins, jsw_test_env, "%A%/%B%:%WRAPPER_OS%", &x,
                                    &unresolved, &from_env),
                         0);
        assert_string_equal(x, "uno/one-two:linux");
        assert_null(unresolved);
        assert_false(from_env);
        x = mfree(x);
        assert_int_equal(jsw_expand(c, jsw_test_builtins, jsw_test_env,
                                    "%JAVA_HOME%/bin/java %NOPE% 100% %% %a b%", &x, &unresolved, &from_env),
                         0);
        assert_string_equal(x, "/usr/lib/jvm/java-17-openjdk-amd64/bin/java %NOPE% 100% %% %a b%");
        assert_string_equal(unresolved, "NOPE");
        assert_true(from_env);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_syntax),        cmocka_unit_test(test_continuation_at_eof),
                cmocka_unit_test(test_duplicates),    cmocka_unit_test(test_directives),
                cmocka_unit_test(test_includes),      cmocka_unit_test(test_include_required_missing),
                cmocka_unit_test(test_include_depth), cmocka_unit_test(test_too_big),
                cmocka_unit_test(test_vars),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
