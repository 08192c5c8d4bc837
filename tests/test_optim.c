/* Optimizer steps against values worked out by hand (and confirmed with
 * torch.optim 1.13 for the same parameters, gradients and settings), global
 * norm clipping, learning-rate schedules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "nn/layer_lr.h"
#include "nn/optim.h"
#include "nn/params.h"
#include "kernels/tensor.h"

/* "w" [3] takes weight decay, "b" [2] is no_decay (its view starts 16-aligned,
 * so the block has a gap the optimizer must leave alone). */
static void make_params(Params *p) {
    memset(p, 0, sizeof *p);
    params_add(p, "w", 1, (int[]){3}, 0);
    params_add(p, "b", 1, (int[]){2}, 1);
    assert_int_equal(params_alloc(p), 0);
    float w[3] = {1.0f, -2.0f, 0.5f}, b[2] = {0.3f, -0.7f};
    memcpy(params_data(p, "w"), w, sizeof w);
    memcpy(params_data(p, "b"), b, sizeof b);
}

static void two_steps(int kind, double wd, float *w_out, float *b_out) {
    Config cfg;
    config_defaults(&cfg);
    cfg.train_optimizer = kind;
    cfg.train_weight_decay = wd;
    cfg.train_momentum = 0.9;
    cfg.train_beta1 = 0.9;
    cfg.train_beta2 = 0.999;
    cfg.train_eps = 1e-8;
    Params p;
    make_params(&p);
    Optimizer o;
    assert_int_equal(optim_init(&o, &p, &cfg), 0);
    static const float gw[2][3] = {{0.5f, -0.1f, 0.0f}, {0.2f, 0.3f, -0.4f}};
    static const float gb[2][2] = {{0.2f, 1.5f}, {-0.1f, 0.05f}};
    p.grad[3] = 42.0f; /* in the alignment gap: must never reach data */
    for (int s = 0; s < 2; s++) {
        memcpy(params_grad(&p, "w"), gw[s], sizeof gw[s]);
        memcpy(params_grad(&p, "b"), gb[s], sizeof gb[s]);
        optim_step(&o, 0.1f);
    }
    assert_int_equal(o.step, 2);
    assert_true(p.data[3] == 0.0f);
    memcpy(w_out, params_data(&p, "w"), 3 * sizeof(float));
    memcpy(b_out, params_data(&p, "b"), 2 * sizeof(float));
    optim_free(&o);
    params_free(&p);
    config_free(&cfg);
}

static void test_sgd_momentum(void **state) {
    (void)state;
    float w[3], b[2];
    /* w0: buf = 0.5, w = 1 - 0.1*0.5 = 0.95; buf = 0.9*0.5 + 0.2 = 0.65, w = 0.95 - 0.065 = 0.885 */
    two_steps(OPT_SGD, 0.0, w, b);
    assert_allclose(w, ((float[]){0.885f, -2.011f, 0.54f}), 3, 1e-6, 1e-7, "sgd w");
    assert_allclose(b, ((float[]){0.272f, -0.99f}), 2, 1e-6, 1e-7, "sgd b");
    /* L2: g += 0.1 w on "w" only: buf = 0.6, w = 0.94; g = 0.2 + 0.094, buf = 0.834, w = 0.8566 */
    two_steps(OPT_SGD, 0.1, w, b);
    assert_allclose(w, ((float[]){0.8566f, -1.9533f, 0.52555f}), 3, 1e-6, 1e-7, "sgd+wd w");
    assert_allclose(b, ((float[]){0.272f, -0.99f}), 2, 1e-6, 1e-7, "sgd+wd b (no decay)");
}

static void test_adam(void **state) {
    (void)state;
    float w[3], b[2];
    /* w0, step 1: mhat = g, vhat = g^2, w = 1 - 0.1 = 0.9.
       step 2: m = 0.065, v = 2.8975e-4, mhat = 0.065/0.19, vhat = 2.8975e-4/0.001999,
       w = 0.9 - 0.1 * 0.342105 / 0.380719 = 0.810142 */
    two_steps(OPT_ADAM, 0.0, w, b);
    assert_allclose(w, ((float[]){0.810142517f, -1.9494189f, 0.574413657f}), 3, 1e-5, 1e-7, "adam w");
    assert_allclose(b, ((float[]){0.173366308f, -0.86944896f}), 2, 1e-5, 1e-7, "adam b");
    two_steps(OPT_ADAM, 0.1, w, b);
    assert_allclose(w, ((float[]){0.807281494f, -1.86272204f, 0.464493543f}), 3, 1e-5, 1e-7, "adam+L2 w");
    assert_allclose(b, ((float[]){0.173366308f, -0.86944896f}), 2, 1e-5, 1e-7, "adam+L2 b (no decay)");
}

static void test_adamw(void **state) {
    (void)state;
    float w[3], b[2];
    two_steps(OPT_ADAMW, 0.0, w, b);
    assert_allclose(w, ((float[]){0.810142517f, -1.9494189f, 0.574413657f}), 3, 1e-5, 1e-7, "adamw w");
    /* decoupled: w *= 1 - lr*wd before each update: (1*0.99 - 0.1)*0.99 - 0.089858 = 0.791243 */
    two_steps(OPT_ADAMW, 0.1, w, b);
    assert_allclose(w, ((float[]){0.79124254f, -1.9106189f, 0.564463735f}), 3, 1e-5, 1e-7, "adamw+wd w");
    assert_allclose(b, ((float[]){0.173366308f, -0.86944896f}), 2, 1e-5, 1e-7, "adamw+wd b (no decay)");
}

static void test_reset(void **state) {
    (void)state;
    Config cfg;
    config_defaults(&cfg);
    Params p;
    make_params(&p);
    Optimizer o;
    assert_int_equal(optim_init(&o, &p, &cfg), 0);
    params_grad(&p, "w")[0] = 1.0f;
    optim_step(&o, 0.01f);
    assert_true(o.m[params_find(&p, "w")->offset] != 0.0f && o.v[0] != 0.0f);
    optim_reset(&o);
    assert_int_equal(o.step, 0);
    for (size_t i = 0; i < p.total; i++) assert_true(o.m[i] == 0.0f && o.v[i] == 0.0f);
    optim_free(&o);
    params_free(&p);
    config_free(&cfg);
}

static void test_clip(void **state) {
    (void)state;
    Params p;
    make_params(&p);
    float *gw = params_grad(&p, "w"), *gb = params_grad(&p, "b");
    gw[0] = 3.0f, gw[2] = -4.0f, gb[1] = 12.0f; /* norm 13 */
    assert_true(fabsf(grad_global_norm(&p) - 13.0f) < 1e-5f);
    assert_true(fabsf(grad_clip_norm(&p, 20.0f) - 13.0f) < 1e-5f);
    assert_true(gw[0] == 3.0f); /* under the bound: untouched */
    float norm = grad_clip_norm(&p, 1.0f);
    assert_true(fabsf(norm - 13.0f) < 1e-5f);
    assert_true(fabsf(gw[0] - 3.0f / 13.0f) < 1e-6f && fabsf(gb[1] - 12.0f / 13.0f) < 1e-6f);
    assert_true(fabsf(grad_global_norm(&p) - 1.0f) < 1e-5f);
    assert_true(fabsf(grad_clip_norm(&p, 0.0f) - 1.0f) < 1e-5f); /* 0: measure only */
    params_free(&p);
}

/* Large blocks are updated by several threads; the result must not depend on how many. */
static void test_threads_agree(void **state) {
    (void)state;
    Config cfg;
    config_defaults(&cfg);
    cfg.train_optimizer = OPT_ADAMW;
    cfg.train_weight_decay = 0.01;
    float *res[2];
    float norms[2];
    size_t totals[2];
    for (int k = 0; k < 2; k++) {
        compute_set_threads(k + 1);
        Params p;
        memset(&p, 0, sizeof p);
        params_add(&p, "a", 2, (int[]){300, 301}, 0);
        params_add(&p, "c", 1, (int[]){777}, 1);
        assert_int_equal(params_alloc(&p), 0);
        fill_uniform(p.data, p.total, 1, -1, 1);
        fill_uniform(p.grad, p.total, 2, -1, 1);
        Optimizer o;
        assert_int_equal(optim_init(&o, &p, &cfg), 0);
        norms[k] = grad_clip_norm(&p, 10.0f);
        optim_step(&o, 1e-3f);
        totals[k] = p.total;
        res[k] = malloc(p.total * sizeof(float));
        memcpy(res[k], p.data, p.total * sizeof(float));
        optim_free(&o);
        params_free(&p);
    }
    compute_set_threads(0);
    assert_true(norms[0] == norms[1]);
    assert_int_equal(totals[0], totals[1]);
    assert_memory_equal(res[0], res[1], totals[0] * sizeof(float));
    free(res[0]), free(res[1]);
    config_free(&cfg);
}

static void test_schedules(void **state) {
    (void)state;
    Config c;
    config_defaults(&c);
    c.train_lr = 1.0;
    c.train_warmup = 10;
    c.train_schedule = SCHED_CONSTANT;
    assert_true(fabs(lr_at(&c, 0, 110) - 0.1) < 1e-12);
    assert_true(fabs(lr_at(&c, 4, 110) - 0.5) < 1e-12);
    assert_true(fabs(lr_at(&c, 9, 110) - 1.0) < 1e-12);
    assert_true(fabs(lr_at(&c, 50, 110) - 1.0) < 1e-12);
    c.train_schedule = SCHED_LINEAR;
    assert_true(fabs(lr_at(&c, 10, 110) - 1.0) < 1e-12);
    assert_true(fabs(lr_at(&c, 60, 110) - 0.5) < 1e-12);
    assert_true(fabs(lr_at(&c, 109, 110) - 0.01) < 1e-12);
    assert_true(fabs(lr_at(&c, 110, 110)) < 1e-12);
    assert_true(fabs(lr_at(&c, 500, 110)) < 1e-12);
    c.train_schedule = SCHED_COSINE;
    assert_true(fabs(lr_at(&c, 10, 110) - 1.0) < 1e-12);
    assert_true(fabs(lr_at(&c, 60, 110) - 0.5) < 1e-12);
    assert_true(fabs(lr_at(&c, 35, 110) - 0.5 * (1 + cos(M_PI * 0.25))) < 1e-12);
    assert_true(fabs(lr_at(&c, 110, 110)) < 1e-12);
    /* warm-up as a share of all steps */
    c.train_warmup = 0.1;
    c.train_schedule = SCHED_LINEAR;
    assert_true(fabs(lr_at(&c, 0, 200) - 0.05) < 1e-12);
    assert_true(fabs(lr_at(&c, 19, 200) - 1.0) < 1e-12);
    assert_true(fabs(lr_at(&c, 110, 200) - 0.5) < 1e-12);
    /* no warm-up */
    c.train_warmup = 0;
    assert_true(fabs(lr_at(&c, 0, 100) - 1.0) < 1e-12);
    assert_true(fabs(lr_at(&c, 50, 100) - 0.5) < 1e-12);
    config_free(&c);
}

/* Depth from Hugging Face's names: the head at the full rate, each layer down
 * one more factor, the embeddings below the bottom layer. */
static void test_layer_lr_scales(void **state) {
    (void)state;
    Params p;
    memset(&p, 0, sizeof p);
    const char *names[] = {"distilbert.embeddings.word_embeddings.weight", "distilbert.transformer.layer.0.ffn.lin1.weight",
                           "distilbert.transformer.layer.1.attention.q_lin.bias", "bert.encoder.layer.1.output.dense.weight",
                           "bert.pooler.dense.weight", "pre_classifier.weight", "classifier.bias", "vocab_layer_norm.weight"};
    const int n = (int)(sizeof names / sizeof *names);
    for (int i = 0; i < n; i++) params_add(&p, names[i], 1, (int[]){2}, 0);
    float s[8];
    layer_lr_scales(&p, 0.5, s);
    assert_allclose(s, ((float[]){0.125f, 0.25f, 0.5f, 0.5f, 1, 1, 1, 1}), n, 0, 0, "scales");
    layer_lr_scales(&p, 1.0, s);
    for (int i = 0; i < n; i++) assert_true(s[i] == 1.0f);
    params_free(&p);
}

/* train.layer_lr_decay reaches the update: AdamW's first step moves each
 * weight by lr (sign of g), so a view two layers down moves by lr * decay^2,
 * and its decoupled decay shrinks with the same rate. */
static void test_layer_lr_step(void **state) {
    (void)state;
    Config cfg;
    config_defaults(&cfg);
    cfg.train_optimizer = OPT_ADAMW;
    cfg.train_weight_decay = 0.1;
    cfg.train_layer_lr_decay = 0.5;
    Params p;
    memset(&p, 0, sizeof p);
    params_add(&p, "enc.layer.0.w", 1, (int[]){2}, 0);
    params_add(&p, "enc.layer.1.w", 1, (int[]){2}, 0);
    params_add(&p, "classifier.weight", 1, (int[]){2}, 0);
    assert_int_equal(params_alloc(&p), 0);
    for (int i = 0; i < p.n; i++)
        for (int j = 0; j < 2; j++) {
            p.data[p.views[i].offset + j] = 1.0f;
            p.grad[p.views[i].offset + j] = j ? -2.0f : 3.0f;
        }
    Optimizer o;
    assert_int_equal(optim_init(&o, &p, &cfg), 0);
    optim_step(&o, 0.1f);
    const float want[3] = {0.25f, 0.5f, 1.0f};
    for (int i = 0; i < 3; i++) {
        float lr = 0.1f * want[i], *w = p.data + p.views[i].offset;
        float got[2] = {w[0], w[1]}, exp[2] = {(1 - lr * 0.1f) - lr, (1 - lr * 0.1f) + lr};
        assert_allclose(got, exp, 2, 1e-5, 1e-7, p.views[i].name);
    }
    optim_free(&o);
    params_free(&p);
    config_free(&cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_momentum), cmocka_unit_test(test_adam),          cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_reset),        cmocka_unit_test(test_clip),          cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_schedules),    cmocka_unit_test(test_layer_lr_scales), cmocka_unit_test(test_layer_lr_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
