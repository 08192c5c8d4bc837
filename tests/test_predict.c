/* Predictions from a run folder: texts predicted in length-sorted batches get
 * the same label, probability and token weights as each text predicted alone,
 * in the order given; NUL bytes break words like other control bytes; a text
 * without words is reported empty, never labelled. The runs are small ones
 * trained on the generated task for every architecture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "run/predict.h"
#include "run/train.h"

static void ignore_line(void *ctx, const char *line) { (void)ctx, (void)line; }

/* A one-epoch run of configs/synthetic/<arch>.yaml; its folder goes to dir. */
static void train_small(const char *arch, const char *extra, char *dir, size_t n) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    char path[1024], kv[1200], err[2048];
    snprintf(path, sizeof path, "%s/configs/synthetic/%s.yaml", root ? root : ".", arch);
    Config c;
    ConfigErrors e = {0};
    config_defaults(&c);
    if (config_load_file(&c, path, &e) != 0) {
        config_errors_print(&e, stderr);
        fail_msg("cannot load %s", path);
    }
    config_errors_free(&e);
    snprintf(kv, sizeof kv, "train.runs_dir=%s/%s", test_tmp, arch);
    config_set_or_fail(&c, kv);
    config_set_or_fail(&c, "data.cache=false");
    config_set_or_fail(&c, "train.threads=1");
    config_set_or_fail(&c, "train.epochs=1");
    config_set_or_fail(&c, "data.synthetic_size=300");
    config_set_or_fail(&c, "data.max_len=40");
    config_set_or_fail(&c, "eval.test=false");
    config_set_or_fail(&c, "eval.explain_samples=0");
    if (extra) config_set_or_fail(&c, extra);
    Trainer *t = trainer_start(&c, NULL, NULL, err, sizeof err);
    if (!t) fail_msg("trainer_start(%s): %s", arch, err);
    snprintf(dir, n, "%s", trainer_run_dir(t));
    while (trainer_poll(t, 0.2, ignore_line, NULL) >= 0) {
    }
    assert_int_equal(trainer_join(t), TRAIN_FINISHED);
    trainer_free(t);
    config_free(&c);
}

#define N_TEXTS 61

/* Texts of 0 to past max_len words (scale times 0..52) drawn from the run's
 * vocabulary, with unknown words, an empty text and a blank one among them. */
static void make_texts(const Vocab *v, int scale, char **text, size_t *len) {
    unsigned s = 12345;
    for (int i = 0; i < N_TEXTS; i++) {
        int words = (i * 7) % 53 * scale;
        size_t cap = (size_t)words * 40 + 16, n = 0;
        text[i] = malloc(cap);
        assert_non_null(text[i]);
        for (int w = 0; w < words; w++) {
            s = s * 1103515245u + 12345u;
            int id = 2 + (int)((s >> 8) % (unsigned)(v->n - 2));
            const char *word = w % 11 == 5 ? "zzqxunknown" : v->words[id];
            n += (size_t)snprintf(text[i] + n, cap - n, "%s%s", w ? " " : "", word);
        }
        text[i][n] = 0;
        len[i] = n;
    }
    snprintf(text[3], 16, " \t  ");
    len[3] = strlen(text[3]);
}

/* max_B texts per batch at most; scale > 1 makes texts long enough that
 * batches are cut by their token count instead. */
static void batched_equals_alone_(const char *arch, const char *extra, int max_B, int scale) {
    char dir[1100], err[2048];
    train_small(arch, extra, dir, sizeof dir);
    RunModel batched, alone;
    if (run_model_open(&batched, dir, max_B, err, sizeof err) != 0) fail_msg("%s", err);
    if (run_model_open(&alone, dir, 1, err, sizeof err) != 0) fail_msg("%s", err);
    char *text[N_TEXTS];
    size_t len[N_TEXTS];
    make_texts(&batched.vocab, scale, text, len);
    Prediction p[N_TEXTS];
    for (int explain = 0; explain <= 1; explain++) {
        assert_int_equal(run_model_predict_batch(&batched, (const char *const *)text, len, N_TEXTS, p, explain, err,
                                                 sizeof err),
                         0);
        for (int i = 0; i < N_TEXTS; i++) {
            Prediction one;
            assert_int_equal(run_model_predict(&alone, text[i], &one, err, sizeof err), 0);
            assert_int_equal(p[i].empty, one.empty);
            assert_int_equal(p[i].empty, len[i] == 0 || i == 3);
            assert_int_equal(p[i].len, one.len);
            assert_int_equal(p[i].label, one.label);
            if (fabsf(p[i].prob - one.prob) > 1e-6f)
                fail_msg("%s text %d: batched %.9f, alone %.9f", arch, i, (double)p[i].prob, (double)one.prob);
            if (p[i].len) assert_memory_equal(p[i].tokens, one.tokens, (size_t)one.len * sizeof *one.tokens);
            if (explain && one.weight) {
                assert_non_null(p[i].weight);
                assert_allclose(p[i].weight, one.weight, (size_t)one.len, 1e-4, 1e-6, "token weights");
            } else {
                assert_null(p[i].weight);
            }
            prediction_free(&one);
            prediction_free(&p[i]);
        }
    }
    for (int i = 0; i < N_TEXTS; i++) free(text[i]);
    run_model_close(&batched);
    run_model_close(&alone);
}

/* 4 texts per batch: the 61 texts span many batches of mixed lengths. */
static void batched_equals_alone(const char *arch, const char *extra) { batched_equals_alone_(arch, extra, 4, 1); }

static void test_lstm(void **state) {
    (void)state;
    batched_equals_alone("lstm", NULL);
}
static void test_gru(void **state) {
    (void)state;
    batched_equals_alone("gru", "model.pooling=max");
}
static void test_rnn(void **state) {
    (void)state;
    batched_equals_alone("rnn", "model.pooling=attention");
}
static void test_lab_compat(void **state) {
    (void)state;
    batched_equals_alone("rnn", "model.lab_compat=true");
}
static void test_transformer(void **state) {
    (void)state;
    batched_equals_alone("transformer", NULL);
}
static void test_bag(void **state) {
    (void)state;
    batched_equals_alone("bag", NULL);
}

/* Texts of up to 1,600 words: at most 32,768 tokens go in one batch of 64. */
static void test_long_texts(void **state) {
    (void)state;
    batched_equals_alone_("gru", "data.max_len=1500", 64, 30);
}

/* A NUL byte inside a text separates words like a space; the bytes after it
 * are read, not dropped. A text of separators only is empty. */
static void test_nul_and_empty(void **state) {
    (void)state;
    char dir[1100], err[2048];
    train_small("lstm", "train.name=nul", dir, sizeof dir);
    RunModel r;
    if (run_model_open(&r, dir, 8, err, sizeof err) != 0) fail_msg("%s", err);
    const char *w1 = r.vocab.words[5], *w2 = r.vocab.words[9];
    char with_nul[128], with_space[128];
    int n = snprintf(with_nul, sizeof with_nul, "%s%c%s", w1, 0, w2);
    snprintf(with_space, sizeof with_space, "%s %s", w1, w2);
    const char *text[] = {with_nul, with_space, "", "\0\0\t\0", "\x01\x1f \x7f"};
    size_t len[] = {(size_t)n, strlen(with_space), 0, 4, 4};
    Prediction p[5];
    assert_int_equal(run_model_predict_batch(&r, text, len, 5, p, 0, err, sizeof err), 0);
    assert_int_equal(p[0].len, 2);
    assert_int_equal(p[0].tokens[1], 9);
    assert_int_equal(p[0].len, p[1].len);
    assert_memory_equal(p[0].tokens, p[1].tokens, 2 * sizeof *p[0].tokens);
    assert_true(p[0].prob == p[1].prob);
    for (int i = 2; i < 5; i++) {
        assert_true(p[i].empty);
        assert_int_equal(p[i].len, 0);
        assert_int_equal(p[i].label, -1);
    }
    for (int i = 0; i < 5; i++) prediction_free(&p[i]);
    run_model_close(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lstm),        cmocka_unit_test(test_gru), cmocka_unit_test(test_rnn),
        cmocka_unit_test(test_lab_compat),  cmocka_unit_test(test_transformer), cmocka_unit_test(test_bag),
        cmocka_unit_test(test_long_texts),  cmocka_unit_test(test_nul_and_empty),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
