/* SPDX-License-Identifier: LGPL-2.1-or-later */

/* exec = ... is split into argv the way systemd splits ExecStart=
 * (extract_first_word() with EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE):
 *
 *   - words are separated by runs of space, tab, CR or LF;
 *   - "double" and 'single' quotes group, anywhere in a word
 *     (--opt="a b" gives --opt=a b), and are removed; "" is an empty word;
 *   - C escapes work outside and inside both kinds of quotes:
 *     \a \b \f \n \r \t \v \\ \" \' \s (space), \xHH, \NNN (octal),
 *     \uHHHH, \UHHHHHHHH (as UTF-8); NUL is refused;
 *   - "\ " (backslash space) is a literal space: systemd only knows \s,
 *     but shells taught everyone to write "\ ".
 *
 * Stricter than systemd, because our parsers never log and cannot warn:
 * an unknown escape is an error instead of being kept verbatim.
 * Not supported, on purpose: $VAR / ${VAR} expansion (passed literally:
 * there is no shell and the service's environment is not known here), %
 * specifiers (a literal % passes through), ";" command separators and
 * the @ - : + ! prefixes. */

#include <string.h>

#include "config/config.h"
#include "base/error-util.h"
#include "base/parse-util.h"

/* Decode the escape whose letter is at p (just after the backslash).
 * Appends to out, returns the number of input bytes consumed after the
 * backslash, or -EINVAL. Output is never longer than input, so the word
 * buffer sized from the input cannot overflow. */
static int unescape_one(const char *p, char *out, size_t *out_len) {
        uint32_t v = 0;
        int n;

        switch (*p) {
        case 'a':
                out[(*out_len)++] = '\a';
                return 1;
        case 'b':
                out[(*out_len)++] = '\b';
                return 1;
        case 'f':
                out[(*out_len)++] = '\f';
                return 1;
        case 'n':
                out[(*out_len)++] = '\n';
                return 1;
        case 'r':
                out[(*out_len)++] = '\r';
                return 1;
        case 't':
                out[(*out_len)++] = '\t';
                return 1;
        case 'v':
                out[(*out_len)++] = '\v';
                return 1;
        case '\\':
        case '"':
        case '\'':
                out[(*out_len)++] = *p;
                return 1;
        case 's':
        case ' ':
                out[(*out_len)++] = ' ';
                return 1;
        case 'x':
                for (int i = 1; i <= 2; i++) {
                        int h = unhexchar(p[i]);
                        if (h < 0)
                                return -EINVAL;
                        v = v << 4 | (uint32_t) h;
                }
                if (v == 0)
                        return -EINVAL;
                out[(*out_len)++] = (char) v;
                return 3;
        case 'u':
        case 'U':
                n = *p == 'u' ? 4 : 8;
                for (int i = 1; i <= n; i++) {
                        int h = unhexchar(p[i]);
                        if (h < 0)
                                return -EINVAL;
                        v = v << 4 | (uint32_t) h;
                }
                if (v == 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
                        return -EINVAL;
                *out_len += utf8_encode(out + *out_len, v);
                return n + 1;
        case '0' ... '7':
                for (int i = 0; i < 3; i++) {
                        if (p[i] < '0' || p[i] > '7')
                                return -EINVAL;
                        v = v << 3 | (uint32_t) (p[i] - '0');
                }
                if (v == 0 || v > 255)
                        return -EINVAL;
                out[(*out_len)++] = (char) v;
                return 3;
        default:
                return -EINVAL;
        }
}

static bool is_separator(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* How much of a bad escape to quote in the error: what that escape
 * would have consumed, and whole UTF-8 characters. */
static int escape_display_len(const char *p) {
        size_t want = 1;

        if (*p == 'x' || (*p >= '0' && *p <= '7'))
                want = 3;
        else if (*p == 'u')
                want = 5;
        else if (*p == 'U')
                want = 9;
        else if ((unsigned char) *p >= 0xc0)
                while (want < 4 && ((unsigned char) p[want] & 0xc0) == 0x80)
                        want++;
        return (int) strnlen(p, want);
}

int exec_split(const char *line, char ***ret_argv, char **ret_error) {
        _cleanup_strv_free_ char **argv = NULL;
        _cleanup_free_ char *word = NULL;
        size_t n_argv = 0;
        const char *p = line;

        if (!line)
                return error_setf(ret_error, -EINVAL, "empty command line");

        /* One buffer for every word: unescaping only ever shrinks. */
        word = malloc(strlen(line) + 1);
        if (!word)
                return -ENOMEM;

        for (;;) {
                size_t len = 0;
                char quote = 0, **a;

                while (is_separator(*p))
                        p++;
                if (!*p)
                        break;

                for (;;) {
                        char c = *p;

                        if (c == '\0') {
                                if (quote)
                                        return error_setf(ret_error, -EINVAL, "unterminated %s quote",
                                                          quote == '"' ? "double" : "single");
                                break;
                        }
                        if (!quote && is_separator(c))
                                break;
                        if (c == '\\') {
                                int r;

                                if (p[1] == '\0')
                                        return error_setf(ret_error, -EINVAL, "trailing backslash");
                                r = unescape_one(p + 1, word, &len);
                                if (r < 0)
                                        return error_setf(ret_error, -EINVAL,
                                                          "invalid escape sequence '\\%.*s'",
                                                          escape_display_len(p + 1), p + 1);
                                p += 1 + r;
                                continue;
                        }
                        if (quote && c == quote) {
                                quote = 0;
                                p++;
                                continue;
                        }
                        if (!quote && (c == '"' || c == '\'')) {
                                quote = c;
                                p++;
                                continue;
                        }
                        word[len++] = c;
                        p++;
                }

                a = reallocarray(argv, n_argv + 2, sizeof(char *));
                if (!a)
                        return -ENOMEM;
                argv = a;
                argv[n_argv] = strndup(word, len);
                if (!argv[n_argv])
                        return -ENOMEM;
                argv[++n_argv] = NULL;
        }

        if (n_argv == 0)
                return error_setf(ret_error, -EINVAL, "empty command line");

        *ret_argv = TAKE_PTR(argv);
        return 0;
}

/* Printable ASCII that needs no quotes: neither a separator, a quote, a
 * backslash, nor ';' (an INI inline comment after a blank). */
static bool is_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               strchr("_@%+=:,./-*?!~^[]{}()<>|&$#", c);
}

int exec_join(char *const *argv, char **ret) {
        size_t n = 1;
        char *buf, *p;

        if (!argv || !argv[0])
                return -EINVAL;
        for (char *const *a = argv; *a; a++)
                n += 4 * strlen(*a) + 3; /* a byte becomes at most \xHH */
        buf = p = malloc(n);
        if (!buf)
                return -ENOMEM;
        for (char *const *a = argv; *a; a++) {
                bool plain = **a != '\0' && **a != '#';

                for (const char *c = *a; *c && plain; c++)
                        plain = is_plain(*c);
                if (a != argv)
                        *p++ = ' ';
                if (plain) {
                        p = stpcpy(p, *a);
                        continue;
                }
                *p++ = '"';
                for (const unsigned char *c = (const unsigned char *) *a; *c; c++) {
                        if (*c == '\\' || *c == '"') {
                                *p++ = '\\';
                                *p++ = (char) *c;
                        } else if (*c < ' ' || *c == 0x7f || *c == ';')
                                p += sprintf(p, "\\x%02x", *c);
                        else
                                *p++ = (char) *c;
                }
                *p++ = '"';
        }
        *p = '\0';
        *ret = buf;
        return 0;
}
