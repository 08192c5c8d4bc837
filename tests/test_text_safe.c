/* The sanitizer for untrusted text, the stderr filter built on it, and the
 * CSV and JSON writers of the CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli_out.h"
#include "cli/text_safe.h"

static void expect_safe(const char *in, int flags, const char *want) {
    char out[256];
    assert_string_equal(text_safe(out, sizeof out, in, flags), want);
    assert_int_equal(text_safe_size(in, flags), strlen(want) + 1);
}

static void test_controls_become_visible(void **state) {
    (void)state;
    expect_safe("\x1b]0;pwned\x07", 0, "\\x1b]0;pwned\\x07");
    expect_safe("a\x1b[2Jb\x7f", 0, "a\\x1b[2Jb\\x7f");
    expect_safe("line\nnext\tcol\r", 0, "line\\x0anext\\x09col\\x0d");
    expect_safe("line\nnext\tcol\r", TEXT_SAFE_LINES, "line\nnext\tcol\\x0d");
    expect_safe(NULL, 0, "");
}

static void test_utf8_kept_c1_and_invalid_escaped(void **state) {
    (void)state;
    expect_safe("café 日本 \xf0\x9f\x98\x80", 0, "café 日本 \xf0\x9f\x98\x80");
    expect_safe("a\xc2\x9b" "31m", 0, "a\\xc2\\x9b31m");      /* U+009B, CSI */
    expect_safe("\x9b" "31m", 0, "\\x9b31m");                 /* a raw 8-bit CSI */
    expect_safe("\xff\xc0\x80", 0, "\\xff\\xc0\\x80");        /* never UTF-8, overlong NUL */
    expect_safe("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");        /* a surrogate */
    expect_safe("x\xe6\x97", 0, "x\\xe6\\x97");               /* cut-off character */
}

static void test_cut_at_whole_pieces(void **state) {
    (void)state;
    char out[6];
    assert_string_equal(text_safe(out, sizeof out, "ab\x1b" "cd", 0), "ab");   /* "\x1b" does not fit */
    assert_string_equal(text_safe(out, sizeof out, "abc日本", 0), "abc");     /* nor 3 bytes of 日 */
    assert_string_equal(text_safe(out, 1, "abc", 0), "");
}

/* fd 2 goes to a file while the filter is on; returns what reached it. */
static char *capture_stderr(void (*write_fn)(void)) {
    char path[] = "/tmp/sentui-stderr-XXXXXX";
    int fd = mkstemp(path), saved_fd = dup(2);
    FILE *saved = stderr;
    assert_true(fd >= 0 && saved_fd >= 0);
    dup2(fd, 2);
    assert_int_equal(text_safe_guard_stderr(), 0);
    write_fn();
    fclose(stderr);
    stderr = saved;
    dup2(saved_fd, 2);
    close(saved_fd);
    char *text = calloc(1, 4096);
    assert_non_null(text);
    ssize_t n = pread(fd, text, 4095, 0);
    assert_true(n >= 0);
    close(fd);
    unlink(path);
    return text;
}

static void write_hostile(void) {
    fprintf(stderr, "sentui eval: bad format '%s'\n", "\x1b]0;x\x07");
    /* A character a byte at a time still passes whole. */
    for (const char *p = "日\xc2\x9b"; *p; p++) fputc(*p, stderr);
    fputs("\tend\n", stderr);
}

static void test_stderr_filter(void **state) {
    (void)state;
    char *text = capture_stderr(write_hostile);
    assert_string_equal(text, "sentui eval: bad format '\\x1b]0;x\\x07'\n日\\xc2\\x9b\tend\n");
    free(text);
}

static char *csv_of(const char *field) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cli_csv_field(f, field, 0);
    cli_csv_field(f, "x", 1);
    fclose(f);
    return buf;
}

static void test_csv_quoting(void **state) {
    (void)state;
    const char *cases[][2] = {{"plain", "plain,x\n"},
                              {"a,b", "\"a,b\",x\n"},
                              {"say \"hi\"", "\"say \"\"hi\"\"\",x\n"},
                              {"two\nlines\x1b", "two\\x0alines\\x1b,x\n"},
                              {"", ",x\n"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *got = csv_of(cases[i][0]);
        assert_string_equal(got, cases[i][1]);
        free(got);
    }
}

static void test_json_rows(void **state) {
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    json_t *rows = json_array();
    json_array_append_new(rows, json_pack("{s:o, s:o, s:o}", "dir", cli_json_text("we\"ird\\runs"), "bad",
                                          cli_json_text("\xff\x1b"), "acc", cli_json_real(0.0 / 0.0)));
    json_array_append_new(rows, json_pack("{s:o}", "acc", cli_json_real(0.875)));
    assert_int_equal(cli_json_print_rows(f, rows, 6), 0);
    fclose(f);
    assert_string_equal(buf, "[\n"
                             "  {\"dir\": \"we\\\"ird\\\\runs\", \"bad\": \"\\\\xff\\\\x1b\", \"acc\": null},\n"
                             "  {\"acc\": 0.875}\n"
                             "]\n");
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_controls_become_visible), cmocka_unit_test(test_utf8_kept_c1_and_invalid_escaped),
        cmocka_unit_test(test_cut_at_whole_pieces),     cmocka_unit_test(test_stderr_filter),
        cmocka_unit_test(test_csv_quoting),             cmocka_unit_test(test_json_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
