/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* base/parse-util.h: the character classes and the line scanner. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/parse-util.h"

static void test_classes(void **state) {
        assert_true(is_blank(' '));
        assert_true(is_blank('\t'));
        assert_false(is_blank('\n'));
        assert_false(is_blank('\r'));
        assert_false(is_blank('\0'));
        assert_false(is_blank('x'));

        for (char c = '0'; c <= '9'; c++)
                assert_true(is_digit(c));
        assert_false(is_digit('/'));
        assert_false(is_digit(':'));
        assert_false(is_digit(' '));
        /* ASCII only: a byte of UTF-8 is not a digit whatever the locale */
        assert_false(is_digit((char) 0xb2));
}

static void test_unhexchar(void **state) {
        static const char digits[] = "0123456789abcdef";

        for (int i = 0; i < 16; i++) {
                assert_int_equal(unhexchar(digits[i]), i);
                assert_int_equal(unhexchar((char) (digits[i] >= 'a' ? digits[i] - 'a' + 'A' : digits[i])),
                                 i);
        }
        assert_int_equal(unhexchar('g'), -EINVAL);
        assert_int_equal(unhexchar('G'), -EINVAL);
        assert_int_equal(unhexchar('/'), -EINVAL);
        assert_int_equal(unhexchar(':'), -EINVAL);
        assert_int_equal(unhexchar('@'), -EINVAL);
        assert_int_equal(unhexchar('`'), -EINVAL);
        assert_int_equal(unhexchar('x'), -EINVAL);
        assert_int_equal(unhexchar('\0'), -EINVAL);
}

/* The lines of buf[0..n) joined by '|'. */
static void lines(const char *buf, size_t n, char *out, size_t out_size) {
        const char *line;
        size_t len, pos = 0, k = 0;
        bool first = true;

        out[0] = '\0';
        while (next_line(buf, n, &pos, &line, &len)) {
                assert_true(k + len + 2 <= out_size);
                if (!first)
                        out[k++] = '|';
                first = false;
                memcpy(out + k, line, len);
                k += len;
                out[k] = '\0';
        }
        /* past the end, it stays at the end */
        assert_false(next_line(buf, n, &pos, &line, &len));
}

static void test_next_line(void **state) {
        char out[128];

        lines("a\nbc\n", 5, out, sizeof(out));
        assert_string_equal(out, "a|bc");
        /* a last line without '\n' counts */
        lines("a\nbc", 4, out, sizeof(out));
        assert_string_equal(out, "a|bc");
        /* empty lines are lines; '\r' is kept */
        lines("\n\nx\r\n", 5, out, sizeof(out));
        assert_string_equal(out, "||x\r");
        /* n bounds the buffer, NUL or not */
        lines("one\ntwo\nthree", 6, out, sizeof(out));
        assert_string_equal(out, "one|tw");
        lines("a\0b\nc", 5, out, sizeof(out));
        assert_int_equal(memcmp(out, "a\0b|c", 5), 0);
        lines("", 0, out, sizeof(out));
        assert_string_equal(out, "");
        lines(NULL, 0, out, sizeof(out));
        assert_string_equal(out, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_classes),
                cmocka_unit_test(test_unhexchar),
                cmocka_unit_test(test_next_line),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
