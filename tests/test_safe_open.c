/* safe_open: FIFOs, devices and folders refused at once (not blocked on),
 * links out of a folder refused for reading and never written through,
 * pipes the shell hands over accepted; and the config reader's depth bound.
 * alarm() turns a hang into a failure instead of a stuck suite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "run/run.h"
#include "common/safe_open.h"

/* A fresh folder (test_tmp) per test, and the alarm around it. */
static int setup(void **state) {
    alarm(20);
    return test_tmp_setup(state);
}

static int teardown(void **state) {
    alarm(0);
    return test_tmp_teardown(state);
}

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static char *slurp(const char *path) {
    static char buf[256];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void test_regular_file_opens_blocking(void **state) {
    (void)state;
    char p[512], err[512];
    snprintf(p, sizeof p, "%s/a.txt", test_tmp);
    put(p, "hello\n");
    int fd = safe_open_read(p, SAFE_IN_FOLDER, err, sizeof err);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    char b[8] = {0};
    assert_int_equal(read(fd, b, 5), 5);
    assert_string_equal(b, "hello");
    close(fd);
}

static void test_fifo_folder_device_refused(void **state) {
    (void)state;
    char p[512], err[512];
    snprintf(p, sizeof p, "%s/fifo", test_tmp);
    assert_int_equal(mkfifo(p, 0600), 0);
    /* nobody writes to it: a plain open() would block here forever */
    assert_int_equal(safe_open_read(p, 0, err, sizeof err), -1);
    assert_int_equal(errno, EINVAL);
    assert_non_null(strstr(err, "named pipe, not a regular file"));
    assert_null(safe_fopen_read(p, SAFE_HANDED_OVER, err, sizeof err)); /* a named FIFO is not handed over */
    /* nobody reads it: opening for writing fails at once too */
    assert_int_equal(safe_open_write(p, O_WRONLY | O_APPEND, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "named pipe"));
    assert_int_equal(safe_open_read(test_tmp, 0, err, sizeof err), -1);
    assert_int_equal(errno, EISDIR);
    assert_non_null(strstr(err, "a folder"));
    assert_int_equal(safe_open_read("/dev/zero", 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "character device"));
    snprintf(p, sizeof p, "%s/none", test_tmp);
    assert_int_equal(safe_open_read(p, 0, err, sizeof err), -1);
    assert_int_equal(errno, ENOENT);
}

static void test_handed_over_pipe_is_read(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], "model:\n  arch: gru\n", 19), 19);
    close(fds[1]);
    char p[64], err[256];
    snprintf(p, sizeof p, "/dev/fd/%d", fds[0]);
    Config c;
    config_defaults(&c);
    ConfigErrors errs = {0};
    assert_int_equal(config_load_file(&c, p, &errs), 0);
    assert_int_equal(c.model_arch, ARCH_GRU);
    config_free(&c);
    close(fds[0]);
    /* without SAFE_HANDED_OVER the same pipe is refused */
    assert_int_equal(pipe(fds), 0);
    snprintf(p, sizeof p, "/dev/fd/%d", fds[0]);
    assert_int_equal(safe_open_read(p, 0, err, sizeof err), -1);
    close(fds[0]);
    close(fds[1]);
}

static void test_links_out_of_the_folder(void **state) {
    (void)state;
    char run[512], outside[512], link[600], inside[600], err[1024];
    snprintf(run, sizeof run, "%s/run", test_tmp);
    snprintf(outside, sizeof outside, "%s/bashrc", test_tmp);
    assert_int_equal(mkdir(run, 0755), 0);
    put(outside, "precious\n");
    snprintf(link, sizeof link, "%s/events.jsonl", run);
    assert_int_equal(symlink(outside, link), 0);
    /* read: refused, naming the target */
    assert_int_equal(safe_open_read(link, SAFE_IN_FOLDER, err, sizeof err), -1);
    assert_non_null(strstr(err, "outside its folder"));
    assert_non_null(strstr(err, outside));
    /* write: never through the link, whatever the flags */
    assert_int_equal(safe_open_write(link, O_WRONLY | O_APPEND | O_CREAT, 0644, err, sizeof err), -1);
    assert_non_null(strstr(err, "symbolic link"));
    RunLog log;
    long torn = 0;
    assert_int_not_equal(run_log_open(&log, run, &torn, err, sizeof err), 0);
    assert_null(log.f);
    assert_int_equal(events_repair_tail(link), -1);
    assert_string_equal(slurp(outside), "precious\n");
    /* a link that stays inside the folder reads fine */
    snprintf(inside, sizeof inside, "%s/vocab.txt", run);
    put(inside, "<PAD>\n");
    snprintf(link, sizeof link, "%s/vocab-link.txt", run);
    assert_int_equal(symlink("vocab.txt", link), 0);
    int fd = safe_open_read(link, SAFE_IN_FOLDER, err, sizeof err);
    assert_true(fd >= 0);
    close(fd);
}

static void test_atomic_write_replaces_a_link(void **state) {
    (void)state;
    char run[512], outside[512], link[600], err[512];
    snprintf(run, sizeof run, "%s/run2", test_tmp);
    snprintf(outside, sizeof outside, "%s/target", test_tmp);
    assert_int_equal(mkdir(run, 0755), 0);
    put(outside, "keep\n");
    snprintf(link, sizeof link, "%s/summary.json", run);
    assert_int_equal(symlink(outside, link), 0);
    assert_int_equal(write_file_atomic(link, "{}\n", 3, err, sizeof err), 0);
    assert_string_equal(slurp(outside), "keep\n");
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISREG(st.st_mode));
}

static char *nested(int depth) {
    char *s = malloc((size_t)depth + 16);
    strcpy(s, "model: ");
    memset(s + 7, '[', (size_t)depth);
    strcpy(s + 7 + depth, "\n");
    return s;
}

static void test_config_depth_is_bounded(void **state) {
    (void)state;
    Config c;
    ConfigErrors errs = {0};
    /* 100k levels: one error at the 65th level (the top mapping is the first), at once */
    char *deep = nested(100000);
    config_defaults(&c);
    assert_int_equal(config_load_string(&c, deep, "deep.yaml", &errs), 1);
    assert_int_equal(errs.items[0].line, 1);
    assert_int_equal(errs.items[0].col, 7 + 64);
    assert_non_null(strstr(errs.items[0].msg, "nested deeper than 64 levels"));
    config_errors_free(&errs);
    config_free(&c);
    free(deep);
    /* 63 levels under model: only the ordinary errors (unclosed flow, wrong type) */
    char *ok = nested(63);
    config_defaults(&c);
    config_load_string(&c, ok, "ok.yaml", &errs);
    for (int i = 0; i < errs.n; i++) assert_null(strstr(errs.items[i].msg, "nested deeper"));
    config_errors_free(&errs);
    config_free(&c);
    free(ok);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_regular_file_opens_blocking, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_folder_device_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_handed_over_pipe_is_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_out_of_the_folder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_write_replaces_a_link, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_depth_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
