/* Trains small runs on the generated task through trainer_start, in process:
 * every architecture learns it, the run folder holds what it should, a run
 * stopped mid-epoch and resumed ends exactly where an uninterrupted one does,
 * and pause/save commands are honoured. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "run/checkpoint.h"
#include "data/data.h"
#include "models/model.h"
#include "config/config.h"
#include "run/run.h"
#include "run/train.h"

/* configs/synthetic/<arch>.yaml, shrunk, writing under test_tmp/<sub>. */
static void load_config(Config *c, const char *arch, const char *sub) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    char path[1024], kv[1200];
    snprintf(path, sizeof path, "%s/configs/synthetic/%s.yaml", root ? root : ".", arch);
    ConfigErrors e = {0};
    config_defaults(c);
    if (config_load_file(c, path, &e) != 0) {
        config_errors_print(&e, stderr);
        fail_msg("cannot load %s", path);
    }
    config_errors_free(&e);
    snprintf(kv, sizeof kv, "train.runs_dir=%s/%s", test_tmp, sub);
    config_set_or_fail(c, kv);
    config_set_or_fail(c, "data.cache=false");
    config_set_or_fail(c, "train.threads=1");
    config_set_or_fail(c, "eval.explain_samples=2");
}

typedef struct Seen {
    int start, step, eval_val, eval_test, explain, checkpoint, done, failed, paused, running;
    long last_step, resumed_from;
    double last_loss, best_val_acc, test_acc;
    double first_wall, last_wall; /* wall_seconds of the first and last eval event */
    long stop_after; /* send STOP once this step is seen (0: never) */
    long pause_at;   /* pause, save, resume at this step */
    Trainer *t;
    char done_status[32];
} Seen;

static void on_line(void *ctx, const char *line) {
    Seen *s = ctx;
    json_error_t je;
    json_t *o = json_loads(line, 0, &je);
    if (!o) fail_msg("bad event line: %s (%s)", line, je.text);
    const char *type = json_string_value(json_object_get(o, "type"));
    assert_non_null(type);
    if (!strcmp(type, "start")) {
        s->start++;
        json_t *r = json_object_get(o, "resumed_from_step");
        s->resumed_from = r ? (long)json_integer_value(r) : -1;
    } else if (!strcmp(type, "step")) {
        s->step++;
        long step = (long)json_integer_value(json_object_get(o, "step"));
        assert_true(step > s->last_step); /* queue may coalesce, never reorder */
        s->last_step = step;
        s->last_loss = json_number_value(json_object_get(o, "loss"));
        if (s->stop_after && step >= s->stop_after) {
            trainer_command(s->t, TRAIN_CMD_STOP);
            s->stop_after = 0;
        }
        if (s->pause_at && step >= s->pause_at) {
            trainer_command(s->t, TRAIN_CMD_PAUSE);
            trainer_command(s->t, TRAIN_CMD_SAVE);
            trainer_command(s->t, TRAIN_CMD_RESUME);
            s->pause_at = 0;
        }
    } else if (!strcmp(type, "eval")) {
        const char *split = json_string_value(json_object_get(o, "split"));
        double acc = json_number_value(json_object_get(o, "accuracy"));
        json_t *cm = json_object_get(o, "confusion");
        assert_int_equal(json_array_size(cm), 2);
        /* Time to accuracy: wall clock never runs backwards, across resumes too. */
        json_t *w = json_object_get(o, "wall_seconds");
        assert_true(json_is_number(w));
        double wall = json_number_value(w);
        assert_true(isfinite(wall) && wall >= s->last_wall);
        if (s->eval_val + s->eval_test == 0) s->first_wall = wall;
        s->last_wall = wall;
        if (!strcmp(split, "test")) {
            s->eval_test++;
            s->test_acc = acc;
        } else {
            s->eval_val++;
            if (acc > s->best_val_acc) s->best_val_acc = acc;
        }
    } else if (!strcmp(type, "explain")) {
        s->explain++;
        json_t *samples = json_object_get(o, "samples");
        assert_true(json_array_size(samples) >= 1);
        json_t *first = json_array_get(samples, 0);
        assert_int_equal(json_array_size(json_object_get(first, "tokens")),
                         json_array_size(json_object_get(first, "weight")));
    } else if (!strcmp(type, "checkpoint")) {
        s->checkpoint++;
    } else if (!strcmp(type, "state")) {
        const char *st = json_string_value(json_object_get(o, "state"));
        if (!strcmp(st, "paused")) s->paused++;
        else s->running++;
    } else if (!strcmp(type, "done")) {
        s->done++;
        snprintf(s->done_status, sizeof s->done_status, "%s", json_string_value(json_object_get(o, "status")));
    } else if (!strcmp(type, "failed")) {
        s->failed++;
    }
    json_decref(o);
}

/* Runs a trainer to its end, collecting what it published. */
static int follow(Trainer *t, Seen *s, char *dir, size_t n) {
    s->t = t;
    snprintf(dir, n, "%s", trainer_run_dir(t));
    while (trainer_poll(t, 0.2, on_line, s) >= 0) {
    }
    int st = trainer_join(t);
    trainer_free(t);
    return st;
}

static int count_lines(const char *path, const char *type) {
    char *text = read_file_all(path, NULL);
    assert_non_null(text);
    char needle[64];
    snprintf(needle, sizeof needle, "{\"type\":\"%s\"", type);
    int n = 0;
    for (char *p = text; (p = strstr(p, needle)); p++) n++;
    free(text);
    return n;
}

static void file_exists(const char *dir, const char *name) {
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (access(path, F_OK) != 0) fail_msg("missing %s", path);
}

/* The shipped synthetic configs keep 32 tokens, which cuts cues off long
 * reviews; the task is learnable past 95% once most of each review is read. */
static void learns(const char *arch, const char *const *sets) {
    Config c;
    load_config(&c, arch, arch);
    config_set_or_fail(&c, "data.max_len=96");
    config_set_or_fail(&c, "data.synthetic_size=4000");
    config_set_or_fail(&c, "data.val_fraction=0.2"); /* 800 validation reviews: a steadier figure */
    config_set_or_fail(&c, "train.lr=6e-3");
    for (; *sets; sets++) config_set_or_fail(&c, *sets);
    char err[2048], dir[1100];
    Trainer *t = trainer_start(&c, NULL, NULL, err, sizeof err);
    if (!t) fail_msg("trainer_start(%s): %s", arch, err);
    Seen s = {0};
    s.last_step = -1;
    int st = follow(t, &s, dir, sizeof dir);
    assert_int_equal(st, TRAIN_FINISHED);
    print_message("%s: best val accuracy %.4f, test %.4f, %d steps\n", arch, s.best_val_acc, s.test_acc, s.step);
    assert_true(s.best_val_acc > 0.95);
    assert_true(s.test_acc > 0.9);
    assert_int_equal(s.start, 1);
    assert_int_equal(s.eval_val, c.train_epochs);
    assert_int_equal(s.eval_test, 1);
    assert_int_equal(s.explain, c.train_epochs);
    assert_int_equal(s.done, 1);
    assert_string_equal(s.done_status, "finished");
    assert_int_equal(s.failed, 0);

    const char *files[] = {"config.yaml", "vocab.txt", "events.jsonl", "summary.json", "checkpoint.safetensors",
                           "last.safetensors"};
    for (int i = 0; i < 6; i++) file_exists(dir, files[i]);
    char path[1200];
    snprintf(path, sizeof path, "%s/lock", dir);
    assert_int_not_equal(access(path, F_OK), 0); /* released at the end */
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    assert_int_equal(count_lines(path, "start"), 1);
    assert_true(count_lines(path, "step") == (int)s.last_step); /* every step is logged */
    assert_int_equal(count_lines(path, "eval"), c.train_epochs + 1);
    assert_int_equal(count_lines(path, "done"), 1);

    RunSummary sum;
    assert_int_equal(run_summary_load(dir, &sum, err, sizeof err), 0);
    assert_int_equal(sum.status, RUN_FINISHED);
    assert_string_equal(sum.arch, arch);
    assert_true(sum.best.valid && sum.test.valid);
    assert_true(fabs(sum.best.accuracy - s.best_val_acc) < 1e-6);
    assert_true(fabs(sum.test.accuracy - s.test_acc) < 1e-6);
    assert_int_equal(sum.step, s.last_step);
    assert_true(sum.params > 0);
    assert_true(sum.tokens_per_s > 0);
    config_free(&c);
}

static void test_learns_rnn(void **state) {
    (void)state;
    learns("rnn", (const char *const[]){"train.epochs=6", "model.pooling=mean", NULL});
}
static void test_learns_lstm(void **state) {
    (void)state;
    learns("lstm", (const char *const[]){"train.epochs=5", NULL});
}
static void test_learns_gru(void **state) {
    (void)state;
    learns("gru", (const char *const[]){"train.epochs=4", NULL});
}
static void test_learns_transformer(void **state) {
    (void)state;
    learns("transformer",
           (const char *const[]){"train.epochs=3", "model.layers=1", "train.lr=1e-2", "data.max_len=128", NULL});
}
static void test_learns_bag(void **state) {
    (void)state;
    learns("bag", (const char *const[]){"train.epochs=8", "model.bigram_buckets=4096", NULL});
}

/* Stop mid-epoch, resume: the last loss equals the uninterrupted run's. */
static void test_resume_matches(void **state) {
    (void)state;
    Config c;
    load_config(&c, "gru", "resume");
    config_set_or_fail(&c, "train.epochs=2");
    config_set_or_fail(&c, "eval.every_steps=25");
    config_set_or_fail(&c, "eval.test=false");
    char err[2048], dir_a[1100], dir_b[1100];

    Trainer *t = trainer_start(&c, NULL, NULL, err, sizeof err);
    assert_non_null(t);
    Seen a = {0};
    a.last_step = -1;
    assert_int_equal(follow(t, &a, dir_a, sizeof dir_a), TRAIN_FINISHED);

    t = trainer_start(&c, NULL, NULL, err, sizeof err);
    assert_non_null(t);
    Seen b = {0};
    b.last_step = -1;
    b.stop_after = 30;
    assert_int_equal(follow(t, &b, dir_b, sizeof dir_b), TRAIN_STOPPED);
    assert_string_not_equal(dir_a, dir_b);
    assert_true(b.last_step >= 30 && b.last_step < a.last_step);
    assert_string_equal(b.done_status, "stopped");
    RunSummary sum;
    assert_int_equal(run_summary_load(dir_b, &sum, err, sizeof err), 0);
    assert_int_equal(sum.status, RUN_STOPPED);
    long stopped_at = b.last_step;

    t = trainer_start(NULL, NULL, dir_b, err, sizeof err);
    if (!t) fail_msg("resume: %s", err);
    Seen r = {0};
    r.last_step = -1;
    assert_int_equal(follow(t, &r, dir_b, sizeof dir_b), TRAIN_FINISHED);
    assert_int_equal(r.resumed_from, stopped_at);
    assert_true(b.last_wall > 0 && r.first_wall >= b.last_wall);
    assert_int_equal(r.last_step, a.last_step);
    print_message("uninterrupted loss %.9g, resumed %.9g (stopped at %ld)\n", a.last_loss, r.last_loss, stopped_at);
    assert_true(a.last_loss == r.last_loss);
    assert_true(fabs(a.best_val_acc - fmax(b.best_val_acc, r.best_val_acc)) < 1e-9);

    char path[1200];
    snprintf(path, sizeof path, "%s/events.jsonl", dir_b);
    assert_int_equal(count_lines(path, "start"), 2);
    assert_int_equal(count_lines(path, "done"), 2);
    assert_int_equal(run_summary_load(dir_b, &sum, err, sizeof err), 0);
    assert_int_equal(sum.status, RUN_FINISHED);

    /* A finished run has nothing left to resume. */
    assert_null(trainer_start(NULL, NULL, dir_b, err, sizeof err));
    assert_non_null(strstr(err, "already finished"));
    config_free(&c);
}

static void test_pause_save_and_stop(void **state) {
    (void)state;
    Config c;
    load_config(&c, "bag", "pause");
    config_set_or_fail(&c, "train.epochs=1");
    char err[2048], dir[1100];
    Trainer *t = trainer_start(&c, NULL, NULL, err, sizeof err);
    assert_non_null(t);
    Seen s = {0};
    s.last_step = -1;
    s.pause_at = 3;
    assert_int_equal(follow(t, &s, dir, sizeof dir), TRAIN_FINISHED);
    assert_int_equal(s.paused, 1);
    assert_int_equal(s.running, 1);
    assert_true(s.checkpoint >= 3); /* start, save command, epoch end, best */

    /* trainer_free on a running trainer stops it cleanly. */
    t = trainer_start(&c, NULL, NULL, err, sizeof err);
    assert_non_null(t);
    snprintf(dir, sizeof dir, "%s", trainer_run_dir(t));
    trainer_free(t);
    RunSummary sum;
    assert_int_equal(run_summary_load(dir, &sum, err, sizeof err), 0);
    assert_true(sum.status == RUN_STOPPED || sum.status == RUN_FINISHED);
    config_free(&c);
}

/* Weights at the edge of float range (as a diverging run would have) make the
 * next step's loss NaN: the step fails with a clear reason, and the saved
 * state is left as it was. (NaN weights themselves are refused at load.) */
static void test_nan_fails_cleanly(void **state) {
    (void)state;
    Config c;
    load_config(&c, "bag", "nan");
    config_set_or_fail(&c, "model.bigram_buckets=512");
    char err[2048], dir[1100], path[1200];
    Trainer *t = trainer_start(&c, NULL, NULL, err, sizeof err);
    assert_non_null(t);
    Seen s = {0};
    s.last_step = -1;
    s.stop_after = 3;
    assert_int_equal(follow(t, &s, dir, sizeof dir), TRAIN_STOPPED);

    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    Vocab v = {0};
    assert_int_equal(vocab_load(&v, path, err, sizeof err), 0);
    Model *m = model_create(&c, v.n, 4, c.data_max_len, err, sizeof err);
    assert_non_null(m);
    size_t total = m->params.total;
    float *om = calloc(total, sizeof *om), *ov = calloc(total, sizeof *ov);
    CheckpointMeta meta;
    snprintf(path, sizeof path, "%s/last.safetensors", dir);
    assert_int_equal(checkpoint_load(path, m, &meta, om, ov, err, sizeof err), 0);
    for (size_t i = 0; i < total; i++) m->params.data[i] = (i % 2 ? 1 : -1) * 3e38f;
    assert_int_equal(checkpoint_save(path, m, &meta, om, ov, err, sizeof err), 0);
    size_t before_n, after_n;
    char *before = read_file_all(path, &before_n);

    t = trainer_start(NULL, NULL, dir, err, sizeof err);
    assert_non_null(t);
    Seen r = {0};
    r.last_step = -1;
    assert_int_equal(follow(t, &r, dir, sizeof dir), TRAIN_FAILED);
    assert_int_equal(r.failed, 1);
    assert_int_equal(r.done, 0);
    RunSummary sum;
    assert_int_equal(run_summary_load(dir, &sum, err, sizeof err), 0);
    assert_int_equal(sum.status, RUN_FAILED);
    print_message("reason: %s\n", sum.reason);
    assert_non_null(strstr(sum.reason, "NaN"));
    char at[32];
    snprintf(at, sizeof at, "step %ld ", s.last_step + 1);
    assert_non_null(strstr(sum.reason, at));
    char *after = read_file_all(path, &after_n);
    assert_int_equal(before_n, after_n);
    assert_memory_equal(before, after, before_n);
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    assert_int_equal(count_lines(path, "failed"), 1);
    free(before), free(after), free(om), free(ov);
    model_free(m);
    vocab_free(&v);
    config_free(&c);
}

static void test_bad_start(void **state) {
    (void)state;
    Config c;
    load_config(&c, "lstm", "bad");
    char err[2048];
    assert_null(trainer_start(NULL, NULL, NULL, err, sizeof err));
    char missing[1100];
    snprintf(missing, sizeof missing, "%s/no-such-run", test_tmp);
    assert_null(trainer_start(NULL, NULL, missing, err, sizeof err));
    assert_true(strlen(err) > 0);
    config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learns_rnn),        cmocka_unit_test(test_learns_lstm),
        cmocka_unit_test(test_learns_gru),        cmocka_unit_test(test_learns_transformer),
        cmocka_unit_test(test_learns_bag),        cmocka_unit_test(test_resume_matches),
        cmocka_unit_test(test_pause_save_and_stop), cmocka_unit_test(test_nan_fails_cleanly),
        cmocka_unit_test(test_bad_start),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
