/* The line reader under sentui predict: lengths that keep NUL bytes, CRLF and
 * a last line without a newline, and "not ready" instead of blocking while a
 * writer has not finished its line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/line_reader.h"

static void put(int fd, const char *bytes, size_t n) { assert_int_equal(write(fd, bytes, n), (ssize_t)n); }

static void expect_line(LineReader *lr, int wait, const char *want, size_t want_len) {
    const char *line;
    size_t len;
    assert_int_equal(line_reader_next(lr, wait, &line, &len), LINE_OK);
    assert_int_equal(len, want_len);
    assert_memory_equal(line, want, want_len);
}

static void test_lines_from_a_pipe(void **state) {
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    LineReader lr;
    line_reader_init(&lr, fd[0]);
    put(fd[1], "ab\0c\n\nde", 8);
    expect_line(&lr, 0, "ab\0c", 4);
    expect_line(&lr, 0, "", 0);
    const char *line;
    size_t len;
    /* "de" waits for the rest of its line: not ready, and nothing lost */
    assert_int_equal(line_reader_next(&lr, 0, &line, &len), LINE_NOT_READY);
    put(fd[1], "f\r\nlast", 7);
    expect_line(&lr, 0, "def", 3);
    close(fd[1]);
    expect_line(&lr, 1, "last", 4);
    assert_int_equal(line_reader_next(&lr, 1, &line, &len), LINE_END);
    assert_int_equal(line_reader_next(&lr, 0, &line, &len), LINE_END);
    line_reader_free(&lr);
    close(fd[0]);
}

/* A line longer than the reader's first buffer arrives whole. */
static void test_long_line(void **state) {
    (void)state;
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    static char big[200000];
    memset(big, 'x', sizeof big);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        put(fd[1], big, sizeof big);
        put(fd[1], "\n", 1);
        _exit(0);
    }
    close(fd[1]);
    LineReader lr;
    line_reader_init(&lr, fd[0]);
    expect_line(&lr, 1, big, sizeof big);
    const char *line;
    size_t len;
    assert_int_equal(line_reader_next(&lr, 1, &line, &len), LINE_END);
    line_reader_free(&lr);
    close(fd[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_from_a_pipe),
        cmocka_unit_test(test_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
