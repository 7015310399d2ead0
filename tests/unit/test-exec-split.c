/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "config/config.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const struct {
        const char *line;
        const char *const *argv;
} ok[] = {
        { "/bin/true", ARGV("/bin/true") },
        { "  /bin/echo   a\tb  ", ARGV("/bin/echo", "a", "b") },
        { "/usr/bin/java -Xmx2g -XX:NativeMemoryTracking=summary -jar push.jar",
          ARGV("/usr/bin/java", "-Xmx2g", "-XX:NativeMemoryTracking=summary", "-jar", "push.jar") },
        /* quotes group and are removed, also mid-word */
        { "/bin/echo \"a b\" 'c d'", ARGV("/bin/echo", "a b", "c d") },
        { "/bin/echo --opt=\"a b\"x", ARGV("/bin/echo", "--opt=a bx") },
        { "/bin/echo a\"b\"'c'", ARGV("/bin/echo", "abc") },
        { "/bin/echo \"\" ''", ARGV("/bin/echo", "", "") },
        { "/bin/echo \"it's\" 'say \"hi\"'", ARGV("/bin/echo", "it's", "say \"hi\"") },
        /* escapes, outside and inside both kinds of quotes */
        { "/bin/echo a\\ b", ARGV("/bin/echo", "a b") },
        { "/bin/echo a\\sb", ARGV("/bin/echo", "a b") },
        { "/bin/echo \\\"x\\\" \\'y\\' \\\\", ARGV("/bin/echo", "\"x\"", "'y'", "\\") },
        { "/bin/echo \"a\\\"b\" 'a\\'b'", ARGV("/bin/echo", "a\"b", "a'b") },
        { "/bin/echo 'tab\\there'", ARGV("/bin/echo", "tab\there") },
        { "/bin/echo \\a\\b\\f\\n\\r\\t\\v", ARGV("/bin/echo", "\a\b\f\n\r\t\v") },
        { "/bin/echo \\x41\\x7e \\101 \\177", ARGV("/bin/echo", "A~", "A", "\177") },
        { "/bin/echo \\u00e9 \\U0001F600", ARGV("/bin/echo", "\xc3\xa9", "\xf0\x9f\x98\x80") },
        /* no expansion: $VAR and % stay literal */
        { "/bin/echo $HOME ${USER} 100% %n", ARGV("/bin/echo", "$HOME", "${USER}", "100%", "%n") },
        /* shell syntax is just text */
        { "/bin/echo a|b >c ;", ARGV("/bin/echo", "a|b", ">c", ";") },
        { "relative-cmd", ARGV("relative-cmd") },
};

static const struct {
        const char *line;
        const char *error;
} bad[] = {
        { "", "empty command line" },
        { "   \t ", "empty command line" },
        { "/bin/echo \"abc", "unterminated double quote" },
        { "/bin/echo 'abc", "unterminated single quote" },
        { "/bin/echo \"a'", "unterminated double quote" },
        { "/bin/echo abc\\", "trailing backslash" },
        { "/bin/echo \"abc\\", "trailing backslash" },
        { "/bin/echo \\d", "invalid escape sequence '\\d'" },
        { "/bin/echo \\x4", "invalid escape sequence '\\x4'" },
        { "/bin/echo \\xZZ", "invalid escape sequence '\\xZZ'" },
        { "/bin/echo \\x00", "invalid escape sequence '\\x00'" },
        { "/bin/echo \\000", "invalid escape sequence '\\000'" },
        { "/bin/echo \\400", "invalid escape sequence '\\400'" },
        { "/bin/echo \\08", "invalid escape sequence '\\08'" },
        { "/bin/echo \\uD800", "invalid escape sequence '\\uD800'" },
        { "/bin/echo \\U00110000", "invalid escape sequence '\\U00110000'" },
        { "/bin/echo \\u0000", "invalid escape sequence '\\u0000'" },
        { "/bin/echo \\\xc3\xa9", "invalid escape sequence '\\\xc3\xa9'" },
};

static void test_split_ok(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                char **argv = NULL, *err = NULL;
                size_t n = 0;

                if (exec_split(ok[i].line, &argv, &err) != 0)
                        fail_msg("'%s' rejected: %s", ok[i].line, err);
                assert_null(err);
                for (; ok[i].argv[n]; n++) {
                        if (!argv[n])
                                fail_msg("'%s': argv too short", ok[i].line);
                        if (strcmp(argv[n], ok[i].argv[n]) != 0)
                                fail_msg("'%s': argv[%zu] is '%s', want '%s'", ok[i].line, n, argv[n],
                                         ok[i].argv[n]);
                }
                if (argv[n])
                        fail_msg("'%s': argv too long: '%s'", ok[i].line, argv[n]);
                strv_free(argv);
        }
}

static void test_split_bad(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char **argv = (char **) 0x1, *err = NULL;

                if (exec_split(bad[i].line, &argv, &err) != -EINVAL)
                        fail_msg("'%s' accepted", bad[i].line);
                assert_ptr_equal(argv, (char **) 0x1); /* untouched on failure */
                assert_non_null(err);
                if (strcmp(err, bad[i].error) != 0)
                        fail_msg("'%s': error '%s', want '%s'", bad[i].line, err, bad[i].error);
                free(err);
        }
}

static void test_split_null_error(void **state) {
        char **argv = NULL;

        /* ret_error is optional */
        assert_int_equal(exec_split("\"x", &argv, NULL), -EINVAL);
        assert_null(argv);
        assert_int_equal(exec_split(NULL, &argv, NULL), -EINVAL);
}

static void test_join(void **state) {
        const struct {
                const char *const *argv;
                const char *line;
        } cases[] = {
                { ARGV("java", "-Xmx1g", "-classpath", "../lib/a.jar:../lib/*", "com.example.Main"),
                  "java -Xmx1g -classpath ../lib/a.jar:../lib/* com.example.Main" },
                { ARGV("/bin/echo", "a b", "", "say \"hi\"", "back\\slash"),
                  "/bin/echo \"a b\" \"\" \"say \\\"hi\\\"\" \"back\\\\slash\"" },
                /* ';' would start an INI comment after a blank; control characters */
                { ARGV("/bin/echo", "a ;b", "tab\there", "#x", "it's"),
                  "/bin/echo \"a \\x3bb\" \"tab\\x09here\" \"#x\" \"it's\"" },
                { ARGV("/bin/echo", "$HOME", "100%", "-Dapp.name=My App"),
                  "/bin/echo $HOME 100% \"-Dapp.name=My App\"" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *line = NULL;
                _cleanup_strv_free_ char **back = NULL;

                assert_int_equal(exec_join((char *const *) cases[i].argv, &line), 0);
                assert_string_equal(line, cases[i].line);
                assert_int_equal(exec_split(line, &back, NULL), 0);
                for (size_t k = 0; cases[i].argv[k]; k++)
                        assert_string_equal(back[k], cases[i].argv[k]);
                assert_int_equal(strv_length(back), strv_length((char *const *) cases[i].argv));
        }
        assert_int_equal(exec_join(NULL, NULL), -EINVAL);
        assert_int_equal(exec_join((char *[]){ NULL }, NULL), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_join),
                cmocka_unit_test(test_split_ok),
                cmocka_unit_test(test_split_bad),
                cmocka_unit_test(test_split_null_error),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
