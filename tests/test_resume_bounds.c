/* A crafted last.safetensors (valid checksum, hostile numbers) must never
 * reach the training loop: `resume` refuses it with the field and its range,
 * and a good one still resumes. The files are written by sentui's own
 * checkpoint writer from a real stopped run, then given bad metadata. */
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

#include "check.h"
#include "run/checkpoint.h"
#include "config/config.h"
#include "data/data.h"
#include "models/model.h"
#include "run/run.h"
#include "run/train.h"

static void load_config(Config *c) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    char path[1024], kv[1200];
    snprintf(path, sizeof path, "%s/configs/synthetic/bag.yaml", root ? root : ".");
    ConfigErrors e = {0};
    config_defaults(c);
    if (config_load_file(c, path, &e) != 0) fail_msg("cannot load %s", path);
    config_errors_free(&e);
    snprintf(kv, sizeof kv, "train.runs_dir=%s", test_tmp);
    config_set_or_fail(c, kv);
    config_set_or_fail(c, "data.cache=false");
    config_set_or_fail(c, "train.threads=1");
    config_set_or_fail(c, "eval.explain_samples=2");
    config_set_or_fail(c, "model.bigram_buckets=512");
}

typedef struct {
    Trainer *t;
    long steps_per_epoch, stop_after;
} Follow;

static void on_line(void *ctx, const char *line) {
    Follow *f = ctx;
    json_t *o = json_loads(line, 0, NULL);
    const char *type = json_string_value(json_object_get(o, "type"));
    if (type && !strcmp(type, "start"))
        f->steps_per_epoch = (long)json_integer_value(json_object_get(o, "steps_per_epoch"));
    if (type && !strcmp(type, "step") && f->stop_after &&
        json_integer_value(json_object_get(o, "step")) >= f->stop_after) {
        trainer_command(f->t, TRAIN_CMD_STOP);
        f->stop_after = 0;
    }
    json_decref(o);
}

static int follow(Follow *f) {
    while (trainer_poll(f->t, 0.2, on_line, f) >= 0) {
    }
    return trainer_join(f->t);
}

/* The stopped run's model and optimizer state, to write variants of. */
typedef struct {
    char dir[1100], path[1200];
    Model *m;
    float *om, *ov;
    CheckpointMeta meta;
    long spe;
} Saved;

static void stopped_run(Saved *s, Config *c) {
    char err[2048];
    Follow f = {0};
    f.stop_after = 3;
    f.t = trainer_start(c, NULL, NULL, err, sizeof err);
    assert_non_null(f.t);
    snprintf(s->dir, sizeof s->dir, "%s", trainer_run_dir(f.t));
    assert_int_equal(follow(&f), TRAIN_STOPPED);
    trainer_free(f.t);
    s->spe = f.steps_per_epoch;
    snprintf(s->path, sizeof s->path, "%s/vocab.txt", s->dir);
    Vocab v = {0};
    assert_int_equal(vocab_load(&v, s->path, err, sizeof err), 0);
    s->m = model_create(c, v.n, 4, c->data_max_len, err, sizeof err);
    vocab_free(&v);
    assert_non_null(s->m);
    size_t total = s->m->params.total;
    s->om = calloc(total, sizeof *s->om);
    s->ov = calloc(total, sizeof *s->ov);
    snprintf(s->path, sizeof s->path, "%s/last.safetensors", s->dir);
    assert_int_equal(checkpoint_load(s->path, s->m, &s->meta, s->om, s->ov, err, sizeof err), 0);
    assert_true(s->meta.step >= 3 && s->spe > 3);
}

static void expect_refused(Saved *s, const CheckpointMeta *meta, const char *want) {
    char err[2048];
    assert_int_equal(checkpoint_save(s->path, s->m, meta, s->om, s->ov, err, sizeof err), 0);
    Trainer *t = trainer_start(NULL, NULL, s->dir, err, sizeof err);
    if (t) {
        trainer_free(t);
        fail_msg("resume accepted epoch %d, epoch_pos %ld, step %ld (expected: %s)", meta->epoch, meta->epoch_pos,
                 meta->step, want);
    }
    if (!strstr(err, want)) fail_msg("error '%s', expected '%s'", err, want);
}

static void test_hostile_positions_refused(void **state) {
    (void)state;
    Config c;
    load_config(&c);
    Saved s;
    stopped_run(&s, &c);
    CheckpointMeta m;
    m = s.meta, m.epoch_pos = -1;
    expect_refused(&s, &m, "metadata 'epoch_pos' is '-1', expected an integer from 0 to");
    m = s.meta, m.epoch_pos = -100000;
    expect_refused(&s, &m, "metadata 'epoch_pos' is '-100000'");
    m = s.meta, m.epoch = -3;
    expect_refused(&s, &m, "metadata 'epoch' is '-3'");
    m = s.meta, m.epoch = c.train_epochs + 1, m.step = m.optim_step = (long)m.epoch * s.spe;
    expect_refused(&s, &m, "metadata 'epoch' is");
    m = s.meta, m.epoch_pos = s.spe + 1, m.step = m.optim_step = s.spe + 1;
    expect_refused(&s, &m, "metadata 'epoch_pos' is");
    m = s.meta, m.step = m.optim_step = s.meta.step + 5;
    expect_refused(&s, &m, "metadata 'step' is");
    m = s.meta, m.optim_step = 0;
    expect_refused(&s, &m, "metadata 'optim_step' is 0");
    m = s.meta, m.best_step = 1000000;
    expect_refused(&s, &m, "metadata 'best_step' is 1000000");
    m = s.meta, m.tokens = 1e15;
    expect_refused(&s, &m, "metadata 'tokens' is");
    /* NaN weights are refused by name, before any training. */
    float keep = s.m->params.data[0];
    s.m->params.data[0] = NAN;
    expect_refused(&s, &s.meta, "tensor 'embedding.weight' holds NaN");
    s.m->params.data[0] = keep;

    /* The genuine state still resumes and finishes. */
    char err[2048];
    assert_int_equal(checkpoint_save(s.path, s.m, &s.meta, s.om, s.ov, err, sizeof err), 0);
    Follow f = {0};
    f.t = trainer_start(NULL, NULL, s.dir, err, sizeof err);
    if (!f.t) fail_msg("%s", err);
    assert_int_equal(follow(&f), TRAIN_FINISHED);
    trainer_free(f.t);
    free(s.om), free(s.ov);
    model_free(s.m);
    config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_positions_refused),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
