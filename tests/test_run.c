#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "run/run.h"

static void put(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static long dead_pid(void) {
    pid_t p = fork();
    if (p == 0) _exit(0);
    waitpid(p, NULL, 0);
    return (long)p;
}

static void test_atomic_write(void **state) {
    (void)state;
    char dir[512], path[600], err[256];
    snprintf(dir, sizeof dir, "%s/atomic", test_tmp);
    assert_int_equal(make_dirs(dir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/f.txt", dir);
    assert_int_equal(write_file_atomic(path, "first", 5, err, sizeof err), 0);
    assert_int_equal(write_file_atomic(path, "second!", 7, err, sizeof err), 0);
    size_t n;
    char *text = read_file_all(path, &n);
    assert_non_null(text);
    assert_int_equal(n, 7);
    assert_string_equal(text, "second!");
    free(text);
    assert_int_equal(count_entries(dir), 1); /* no temporary file left behind */
    snprintf(path, sizeof path, "%s/missing/f.txt", dir);
    assert_int_equal(write_file_atomic(path, "x", 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing/f.txt"));
}

static void test_create_dir_unique(void **state) {
    (void)state;
    Config c;
    config_defaults(&c);
    char root[512], a[RUN_PATH_MAX], b[RUN_PATH_MAX], err[256];
    snprintf(root, sizeof root, "%s/runs-create/nested", test_tmp);
    free(c.train_runs_dir);
    c.train_runs_dir = strdup(root);
    free(c.train_name);
    c.train_name = strdup("my run/1");
    c.model_arch = ARCH_GRU;
    assert_int_equal(run_create_dir(&c, a, sizeof a, err, sizeof err), 0);
    assert_int_equal(run_create_dir(&c, b, sizeof b, err, sizeof err), 0);
    assert_string_not_equal(a, b);
    const char *base = a + strlen(root) + 1;
    /* yyyymmdd-HHMMSS-gru-my-run-1 */
    assert_int_equal(strlen(base), 15 + strlen("-gru-my-run-1"));
    assert_true(base[8] == '-');
    assert_string_equal(base + 15, "-gru-my-run-1");
    struct stat st;
    assert_int_equal(stat(b, &st), 0);
    config_free(&c);
}

static RunSummary sample_summary(const char *run, const char *started) {
    RunSummary s;
    memset(&s, 0, sizeof s);
    snprintf(s.run, sizeof s.run, "%s", run);
    snprintf(s.arch, sizeof s.arch, "lstm");
    snprintf(s.name, sizeof s.name, "baseline");
    snprintf(s.dataset, sizeof s.dataset, "synthetic");
    snprintf(s.started, sizeof s.started, "%s", started);
    s.status = RUN_FINISHED;
    s.params = 123456;
    s.epochs = 5;
    s.epoch = 2.5;
    s.step = 700;
    s.total_steps = 1400;
    s.best = (RunScore){1, 350, 1.0, 0.875, 0.86, 0.87, 0.871, 0.31};
    s.train_seconds = 12.5;
    s.tokens_per_s = 45000;
    s.pid = 42;
    return s;
}

static void make_run(const char *dir, const RunSummary *s) {
    char err[256];
    assert_int_equal(make_dirs(dir, err, sizeof err), 0);
    assert_int_equal(run_summary_save(dir, s, err, sizeof err), 0);
}

static void test_summary_round_trip(void **state) {
    (void)state;
    char dir[512], err[256];
    snprintf(dir, sizeof dir, "%s/rt/20240101-000000-lstm", test_tmp);
    RunSummary s = sample_summary("20240101-000000-lstm", "2024-01-01T00:00:00Z");
    snprintf(s.reason, sizeof s.reason, "early stop");
    make_run(dir, &s);
    RunSummary r;
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_string_equal(r.run, s.run);
    assert_string_equal(r.arch, "lstm");
    assert_string_equal(r.name, "baseline");
    assert_string_equal(r.dataset, "synthetic");
    assert_string_equal(r.reason, "early stop");
    assert_string_equal(r.started, s.started);
    assert_int_equal(strlen(r.updated), 20);
    assert_int_equal(r.status, RUN_FINISHED);
    assert_int_equal(r.params, 123456);
    assert_int_equal(r.epochs, 5);
    assert_true(r.epoch == 2.5);
    assert_int_equal(r.step, 700);
    assert_int_equal(r.total_steps, 1400);
    assert_true(r.best.valid);
    assert_int_equal(r.best.step, 350);
    assert_true(r.best.accuracy == 0.875);
    assert_true(r.best.f1_weighted == 0.871);
    assert_false(r.test.valid); /* written as null */
    assert_true(r.train_seconds == 12.5);
    assert_int_equal(r.pid, 42);
    assert_string_equal(r.dir, dir);

    put(strcat(dir, "/summary.json"), "{\"run\": ");
    dir[strlen(dir) - strlen("/summary.json")] = 0;
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "summary.json"));
    snprintf(dir, sizeof dir, "%s/rt/none", test_tmp);
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "no summary.json"));
}

static void test_crashed_detection(void **state) {
    (void)state;
    char dir[512], err[256], lock[600];
    snprintf(dir, sizeof dir, "%s/crash/run", test_tmp);
    RunSummary s = sample_summary("run", "2024-01-01T00:00:00Z"), r;
    s.status = RUN_RUNNING;
    make_run(dir, &s);
    /* Running and holding the lock ourselves: running. */
    assert_int_equal(run_lock(dir, err, sizeof err), 0);
    assert_int_equal(run_lock_pid(dir), (long)getpid());
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_int_equal(r.status, RUN_RUNNING);
    /* The writer died: crashed. */
    snprintf(lock, sizeof lock, "%s/lock", dir);
    char text[32];
    snprintf(text, sizeof text, "%ld\n", dead_pid());
    put(lock, text);
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_int_equal(r.status, RUN_CRASHED);
    /* No lock at all: crashed as well. */
    unlink(lock);
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_int_equal(r.status, RUN_CRASHED);
    /* A finished run needs no lock. */
    s.status = RUN_FINISHED;
    make_run(dir, &s);
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_int_equal(r.status, RUN_FINISHED);
}

static void test_lock(void **state) {
    (void)state;
    char dir[512], err[256], lock[600], text[32];
    snprintf(dir, sizeof dir, "%s/lock/run", test_tmp);
    assert_int_equal(make_dirs(dir, err, sizeof err), 0);
    snprintf(lock, sizeof lock, "%s/lock", dir);
    /* Held by a live process (our parent): refused, naming the pid. */
    snprintf(text, sizeof text, "%ld\n", (long)getppid());
    put(lock, text);
    assert_int_equal(run_lock(dir, err, sizeof err), -1);
    snprintf(text, sizeof text, "%ld", (long)getppid());
    assert_non_null(strstr(err, text));
    /* Left by a dead process: taken over. */
    snprintf(text, sizeof text, "%ld\n", dead_pid());
    put(lock, text);
    assert_int_equal(run_lock(dir, err, sizeof err), 0);
    assert_int_equal(run_lock_pid(dir), (long)getpid());
    assert_int_equal(run_lock(dir, err, sizeof err), 0); /* re-entrant for its holder */
    run_unlock(dir);
    assert_int_equal(run_lock_pid(dir), 0);
    assert_int_equal(count_entries(dir), 0);
}

static void host_name(char *out, size_t n) {
    assert_int_equal(gethostname(out, n), 0);
    out[n - 1] = 0;
}

/* The pid in a lock is alive, but it started after the lock was written: it
 * is an unrelated process that got the pid of a writer that died. */
static void test_lock_pid_reused(void **state) {
    (void)state;
    char dir[512], err[512], lock[600], text[400], host[256];
    snprintf(dir, sizeof dir, "%s/reused/run", test_tmp);
    RunSummary s = sample_summary("run", "2024-01-01T00:00:00Z"), r;
    s.status = RUN_RUNNING;
    make_run(dir, &s);
    snprintf(lock, sizeof lock, "%s/lock", dir);
    host_name(host, sizeof host);
    snprintf(text, sizeof text, "%ld\nhost %s\nstart 1\n", (long)getppid(), host);
    put(lock, text);
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_int_equal(r.status, RUN_CRASHED);
    assert_int_equal(run_lock(dir, err, sizeof err), 0);
    assert_int_equal(run_lock_pid(dir), (long)getpid());
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_int_equal(r.status, RUN_RUNNING);
    run_unlock(dir);
    assert_int_equal(run_lock_pid(dir), 0);
}

/* A lock written on another machine cannot be checked: refused, saying which file to delete. */
static void test_lock_other_host(void **state) {
    (void)state;
    char dir[512], err[1024], lock[600], text[400];
    snprintf(dir, sizeof dir, "%s/remote/run", test_tmp);
    RunSummary s = sample_summary("run", "2024-01-01T00:00:00Z"), r;
    s.status = RUN_RUNNING;
    make_run(dir, &s);
    snprintf(lock, sizeof lock, "%s/lock", dir);
    snprintf(text, sizeof text, "%ld\nhost other-machine.invalid\nstart 5\n", dead_pid());
    put(lock, text);
    assert_int_equal(run_lock(dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "other-machine.invalid"));
    assert_non_null(strstr(err, lock));
    assert_true(access(lock, F_OK) == 0);
    assert_int_equal(run_summary_load(dir, &r, err, sizeof err), 0);
    assert_int_equal(r.status, RUN_RUNNING);
}

/* A save cut short (a second Ctrl-C during a large checkpoint) leaves
 * NAME.tmp.PID behind; the next writer of the run removes those of dead processes. */
static void test_stale_tmp_cleaned(void **state) {
    (void)state;
    char dir[512], err[256], path[700];
    snprintf(dir, sizeof dir, "%s/tmpfiles/run", test_tmp);
    assert_int_equal(make_dirs(dir, err, sizeof err), 0);
    long dead = dead_pid(), live = (long)getppid();
    const char *dead_names[] = {"last.safetensors.tmp.%ld", "summary.json.tmp.%ld.3", ".lock.%ld"};
    const char *kept_names[] = {"last.safetensors.tmp.%ld", "notes.tmp.%ldx"};
    for (int i = 0; i < 3; i++) {
        char name[128];
        snprintf(name, sizeof name, dead_names[i], dead);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        put(path, "partial");
    }
    for (int i = 0; i < 2; i++) {
        char name[128];
        snprintf(name, sizeof name, kept_names[i], live);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        put(path, "someone else's");
    }
    snprintf(path, sizeof path, "%s/checkpoint.safetensors", dir);
    put(path, "kept");
    assert_int_equal(run_lock(dir, err, sizeof err), 0);
    /* lock, the two files of the live process and the checkpoint */
    assert_int_equal(count_entries(dir), 4);
    snprintf(path, sizeof path, "%s/.lock.%ld", dir, dead);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/last.safetensors.tmp.%ld", dir, dead);
    assert_int_equal(access(path, F_OK), -1);
    snprintf(path, sizeof path, "%s/last.safetensors.tmp.%ld", dir, live);
    assert_int_equal(access(path, F_OK), 0);
    run_unlock(dir);
}

static void test_events_log(void **state) {
    (void)state;
    char dir[512], err[256], path[600];
    snprintf(dir, sizeof dir, "%s/events", test_tmp);
    assert_int_equal(make_dirs(dir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    RunLog log;
    long torn = -1;
    assert_int_equal(run_log_open(&log, dir, &torn, err, sizeof err), 0);
    assert_int_equal(torn, 0);
    assert_int_equal(run_log_write(&log, "{\"type\":\"start\"}"), 0);
    assert_int_equal(run_log_write(&log, "{\"type\":\"step\",\"step\":1}"), 0);
    assert_int_equal(run_log_sync(&log), 0);
    run_log_close(&log);
    /* A process killed mid-line leaves a torn line: it is cut before appending. */
    FILE *f = fopen(path, "a");
    fputs("{\"type\":\"step\",\"st", f);
    fclose(f);
    assert_int_equal(run_log_open(&log, dir, &torn, err, sizeof err), 0);
    assert_int_equal(torn, (long)strlen("{\"type\":\"step\",\"st"));
    assert_int_equal(run_log_write(&log, "{\"type\":\"done\"}"), 0);
    run_log_close(&log);
    char *text = read_file_all(path, NULL);
    assert_string_equal(text, "{\"type\":\"start\"}\n{\"type\":\"step\",\"step\":1}\n{\"type\":\"done\"}\n");
    free(text);
    /* No newline at all: everything is torn. */
    put(path, "{\"type\":");
    assert_int_equal(events_repair_tail(path), 8);
    text = read_file_all(path, NULL);
    assert_string_equal(text, "");
    free(text);
    snprintf(path, sizeof path, "%s/absent.jsonl", dir);
    assert_int_equal(events_repair_tail(path), 0);
}

static void test_list_and_resolve(void **state) {
    (void)state;
    char root[512], dir[700], out[RUN_PATH_MAX], err[512];
    snprintf(root, sizeof root, "%s/list", test_tmp);
    RunSummary *list = NULL;
    assert_int_equal(run_list(root, &list, err, sizeof err), 0); /* missing: empty */
    assert_null(list);
    const char *names[] = {"20240301-000000-lstm", "20240101-000000-rnn", "20240201-000000-transformer-big",
                           "20240201-000000-transformer-small"};
    const char *started[] = {"2024-03-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z",
                             "2024-02-01T00:00:00Z"};
    for (int i = 0; i < 4; i++) {
        snprintf(dir, sizeof dir, "%s/%s", root, names[i]);
        RunSummary s = sample_summary(names[i], started[i]);
        make_run(dir, &s);
    }
    snprintf(dir, sizeof dir, "%s/not-a-run", root);
    assert_int_equal(make_dirs(dir, err, sizeof err), 0);
    int n = run_list(root, &list, err, sizeof err);
    assert_int_equal(n, 4);
    assert_string_equal(list[0].run, "20240101-000000-rnn");
    assert_string_equal(list[1].run, "20240201-000000-transformer-big");
    assert_string_equal(list[2].run, "20240201-000000-transformer-small");
    assert_string_equal(list[3].run, "20240301-000000-lstm");
    free(list);

    snprintf(dir, sizeof dir, "%s/20240101-000000-rnn", root);
    assert_int_equal(run_resolve(dir, root, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, dir);
    strcat(dir, "/");
    assert_int_equal(run_resolve(dir, root, out, sizeof out, err, sizeof err), 0);
    dir[strlen(dir) - 1] = 0;
    assert_string_equal(out, dir);
    assert_int_equal(run_resolve("20240101-000000-rnn", root, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, dir);
    assert_int_equal(run_resolve("202401", root, out, sizeof out, err, sizeof err), 0);
    assert_string_equal(out, dir);
    assert_int_equal(run_resolve("last", root, out, sizeof out, err, sizeof err), 0);
    snprintf(dir, sizeof dir, "%s/20240301-000000-lstm", root);
    assert_string_equal(out, dir);
    assert_int_equal(run_resolve("20240201", root, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "matches 2 runs"));
    assert_int_equal(run_resolve("2025", root, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "no run '2025'"));
    assert_int_equal(run_resolve("not-a-run", root, out, sizeof out, err, sizeof err), -1);
    snprintf(dir, sizeof dir, "%s/empty", test_tmp);
    assert_int_equal(make_dirs(dir, err, sizeof err), 0);
    assert_int_equal(run_resolve("last", dir, out, sizeof out, err, sizeof err), -1);
    assert_non_null(strstr(err, "no runs"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atomic_write),     cmocka_unit_test(test_create_dir_unique),
        cmocka_unit_test(test_summary_round_trip), cmocka_unit_test(test_crashed_detection),
        cmocka_unit_test(test_lock),             cmocka_unit_test(test_events_log),
        cmocka_unit_test(test_list_and_resolve), cmocka_unit_test(test_lock_pid_reused),
        cmocka_unit_test(test_lock_other_host),  cmocka_unit_test(test_stale_tmp_cleaned),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
