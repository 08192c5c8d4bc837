/* The arithmetic data-parallel training rests on, checked in one process for
 * every architecture: the share-weighted sum of the shards' mean losses and
 * gradients (the cut the trainer makes for 3 ranks) is the whole batch's
 * mean loss and gradient; and the shard step, given the whole batch on a
 * single process, updates the weights exactly as the ordinary step does. */
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
#include "kernels/tensor.h"
#include "models/model.h"
#include "nn/optim.h"
#include "run/dist.h"
#include "run/train_step.h"

enum { V = 40, B = 10, T = 24 };
/* The architectures built from the config alone; distilbert needs a Hugging
 * Face folder, and its step is the same train_step code over the same block. */
#define SELF_CONTAINED_ARCHS ARCH_DISTILBERT

static Config make_cfg(int arch) {
    Config c;
    config_defaults(&c);
    c.model_arch = arch;
    c.model_embed_dim = 16;
    c.model_hidden_dim = 12;
    c.model_heads = 2;
    c.model_ff_dim = 24;
    c.model_bigram_buckets = 500;
    c.model_bidirectional = 1;
    c.model_dropout = 0;
    c.model_embed_dropout = 0;
    c.train_clip_norm = 1.0;
    return c;
}

static Model *make_model(const Config *c) {
    char err[256] = "";
    Model *m = model_create(c, V, B, T, err, sizeof err);
    if (!m) fprintf(stderr, "model_create: %s\n", err);
    assert_non_null(m);
    model_init(m, 11);
    return m;
}

/* Lengths 1..T in no order, so shards pad to different widths. */
static void make_batch(int32_t *tok, int32_t *len, int32_t *lab) {
    Rng r;
    rng_seed(&r, 7);
    for (int b = 0; b < B; b++) {
        len[b] = 1 + (b * 7) % T;
        lab[b] = b % 3 == 0;
        for (int t = 0; t < T; t++) tok[b * T + t] = t < len[b] ? 1 + (int32_t)rng_below(&r, V - 1) : 0;
    }
}

static void test_shards_sum_to_the_batch(void **state) {
    (void)state;
    int32_t tok[B * T], len[B], lab[B];
    make_batch(tok, len, lab);
    for (int arch = 0; arch < SELF_CONTAINED_ARCHS; arch++) {
        Config c = make_cfg(arch);
        Model *m = make_model(&c);
        size_t n = m->params.total;
        Batch whole = {tok, len, lab, B, T};
        params_zero_grad(&m->params);
        double full_loss = model_forward(m, &whole, 1);
        model_backward(m, &whole);
        float *full = malloc(n * sizeof *full), *sum = calloc(n, sizeof *sum);
        memcpy(full, m->params.grad, n * sizeof *full);
        double loss = 0;
        const int ranks = 3;
        for (int r = 0; r < ranks; r++) {
            int lo = B * r / ranks, hi = B * (r + 1) / ranks;
            Batch part = {tok + lo * T, len + lo, lab + lo, hi - lo, T};
            double share = (double)(hi - lo) / B;
            params_zero_grad(&m->params);
            loss += share * model_forward(m, &part, 1);
            model_backward(m, &part);
            for (size_t i = 0; i < n; i++) sum[i] += (float)share * m->params.grad[i];
        }
        assert_true(fabs(loss - full_loss) <= 1e-5 * fabs(full_loss));
        assert_allclose(sum, full, n, 1e-4, 1e-6, "shard gradients");
        free(full), free(sum);
        model_free(m);
        config_free(&c);
    }
}

static void test_single_process_shard_step_is_the_step(void **state) {
    (void)state;
    assert_int_equal(dist_size(), 1);
    int32_t tok[B * T], len[B], lab[B];
    make_batch(tok, len, lab);
    for (int arch = 0; arch < SELF_CONTAINED_ARCHS; arch++) {
        Config c = make_cfg(arch);
        Model *a = make_model(&c), *b = make_model(&c);
        Optimizer oa, ob;
        assert_int_equal(optim_init(&oa, &a->params, &c), 0);
        assert_int_equal(optim_init(&ob, &b->params, &c), 0);
        Batch whole = {tok, len, lab, B, T};
        for (long step = 0; step < 3; step++) {
            StepResult ra, rb;
            assert_int_equal(train_step_run(a, &oa, &c, &whole, step, 10, &ra), STEP_OK);
            assert_int_equal(train_step_run_shard(b, &ob, &c, &whole, B, step, 10, NULL, &rb), STEP_OK);
            assert_true(ra.loss == rb.loss && ra.grad_norm == rb.grad_norm && ra.lr == rb.lr);
        }
        assert_memory_equal(a->params.data, b->params.data, a->params.total * sizeof(float));
        optim_free(&oa), optim_free(&ob);
        model_free(a), model_free(b);
        config_free(&c);
    }
}

int main(void) {
    compute_set_threads(1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shards_sum_to_the_batch),
        cmocka_unit_test(test_single_process_shard_step_is_the_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
