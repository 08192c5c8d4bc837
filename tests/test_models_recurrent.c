/* Whole-model checks of the RNN, LSTM and GRU classifiers: a gradient check
 * along one random direction through every parameter at once, padding
 * invariance, PyTorch's parameter counts for the lab configurations, the
 * lab-compatible mode, explanations, determinism, evaluation without stored
 * activations, and learning a small generated task. */
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
#include "models/model.h"
#include "nn/optim.h"
#include "kernels/tensor.h"

static const int archs[3] = {ARCH_RNN, ARCH_LSTM, ARCH_GRU};
static const char *arch_names[3] = {"rnn", "lstm", "gru"};

static Config make_cfg(int arch, int E, int H, int layers, int bidir, int pooling, float dropout) {
    Config c;
    config_defaults(&c);
    c.model_arch = arch;
    c.model_embed_dim = E;
    c.model_hidden_dim = H;
    c.model_layers = layers;
    c.model_bidirectional = bidir;
    c.model_pooling = pooling;
    c.model_dropout = dropout;
    c.model_embed_dropout = dropout;
    return c;
}

static Model *make_model(const Config *c, int V, int B, int T, uint64_t seed) {
    char err[256] = "";
    Model *m = model_create(c, V, B, T, err, sizeof err);
    if (!m) fprintf(stderr, "model_create: %s\n", err);
    assert_non_null(m);
    model_init(m, seed);
    return m;
}

/* Random tokens 1..V-1 up to each length, padding after. */
static void random_batch(int32_t *tok, int32_t *len, int32_t *lab, int B, int T, int V, const int32_t *lengths,
                         unsigned seed) {
    Rng r;
    rng_seed(&r, seed);
    for (int b = 0; b < B; b++) {
        len[b] = lengths[b];
        lab[b] = (int32_t)rng_below(&r, 2);
        for (int t = 0; t < T; t++) tok[b * T + t] = t < len[b] ? 1 + (int32_t)rng_below(&r, (uint32_t)V - 1) : 0;
    }
}

/* ---- gradient along a random direction (kann's check) --------------------------- */

typedef struct {
    Model *m;
    const Batch *b;
    uint64_t dseed;
} LossCtx;

static double loss_at(LossCtx *c) {
    rng_seed(&c->m->dropout_rng, c->dseed); /* the same dropout masks every time */
    return model_forward(c->m, c->b, 1);
}

static void direction_check(int arch, int layers, int bidir, int pooling, float dropout, int lab) {
    enum { V = 23, E = 6, H = 5, B = 5, T = 7 };
    Config cfg = make_cfg(arch, E, H, layers, bidir, pooling, dropout);
    cfg.model_lab_compat = lab;
    Model *m = make_model(&cfg, V, B, T, 3);
    int32_t tok[B * T], len[B], lab_[B];
    static const int32_t lengths[B] = {3, 7, 1, 5, 5};
    random_batch(tok, len, lab_, B, T, V, lengths, 11);
    Batch b = {tok, len, lab_, B, T};
    LossCtx c = {m, &b, 99};
    Params *p = &m->params;
    params_zero_grad(p);
    loss_at(&c);
    model_backward(m, &b);

    /* direction: uniform in [-1, 1) on every parameter except the padding row */
    float *dir = calloc(p->total, sizeof(float));
    fill_uniform(dir, p->total, 1234, -1, 1);
    const ParamView *emb = params_find(p, "embedding.weight");
    memset(dir + emb->offset, 0, (size_t)E * sizeof(float));
    double gd = 0;
    for (size_t i = 0; i < p->total; i++) gd += (double)p->grad[i] * dir[i];
    assert_true(fabs(gd) > 1e-6); /* the check has something to see */
    float *w0 = malloc(p->total * sizeof(float));
    memcpy(w0, p->data, p->total * sizeof(float));
    double eps = 1e-3;
    for (size_t i = 0; i < p->total; i++) p->data[i] = w0[i] + (float)eps * dir[i];
    double lp = loss_at(&c);
    for (size_t i = 0; i < p->total; i++) p->data[i] = w0[i] - (float)eps * dir[i];
    double lm = loss_at(&c);
    memcpy(p->data, w0, p->total * sizeof(float));
    double num = (lp - lm) / (2 * eps);
    double rel = fabs(num - gd) / fmax(1e-4, fabs(num) + fabs(gd));
    if (rel > 1e-2) {
        print_error("%s layers %d bidir %d pooling %d dropout %.1f lab %d: g.d %.8g vs numeric %.8g (rel %.3g)\n",
                    arch_names[arch], layers, bidir, pooling, dropout, lab, gd, num, rel);
        fail();
    }
    /* the padding row never moves */
    for (int e = 0; e < E; e++) assert_true(p->grad[emb->offset + e] == 0.0f);
    free(dir), free(w0);
    model_free(m);
    config_free(&cfg);
}

static void test_direction_gradients(void **state) {
    (void)state;
    for (int a = 0; a < 3; a++) {
        direction_check(archs[a], 1, 0, POOL_LAST, 0.0f, 0);
        direction_check(archs[a], 2, 1, POOL_LAST, 0.3f, 0);
        direction_check(archs[a], 1, 1, POOL_MEAN, 0.0f, 0);
        direction_check(archs[a], 2, 0, POOL_MAX, 0.2f, 0);
        direction_check(archs[a], 1, 1, POOL_ATTENTION, 0.0f, 0);
        direction_check(archs[a], 2, 1, POOL_ATTENTION, 0.3f, 0);
        direction_check(archs[a], 1, 0, POOL_CLS, 0.0f, 0);
        direction_check(archs[a], 1, 0, POOL_LAST, 0.0f, 1);
        direction_check(archs[a], 2, 1, POOL_MEAN, 0.1f, 1);
    }
}

/* ---- padding ------------------------------------------------------------------------ */

static void forward_padded(Model *m, const int32_t *tok, const int32_t *len, int B, int T, int T2, float *logits) {
    int32_t *t2 = calloc((size_t)B * T2, sizeof(int32_t));
    for (int b = 0; b < B; b++) memcpy(t2 + b * T2, tok + b * T, (size_t)T * sizeof(int32_t));
    Batch b2 = {t2, len, NULL, B, T2};
    model_forward(m, &b2, 0);
    memcpy(logits, m->logits, (size_t)B * NUM_CLASSES * sizeof(float));
    free(t2);
}

static void test_padding_invariance(void **state) {
    (void)state;
    enum { V = 30, B = 4, T = 6, T2 = 11 };
    static const int32_t lengths[B] = {2, 6, 4, 1};
    int pools[] = {POOL_LAST, POOL_MEAN, POOL_MAX, POOL_ATTENTION, POOL_CLS};
    for (int a = 0; a < 3; a++)
        for (int k = 0; k < 5; k++)
            for (int bi = 0; bi < 2; bi++) {
                Config cfg = make_cfg(archs[a], 8, 7, 2, bi, pools[k], 0.1f);
                Model *m = make_model(&cfg, V, B, T2, 5);
                int32_t tok[B * T], len[B], lab[B];
                random_batch(tok, len, lab, B, T, V, lengths, 7);
                float a1[B * NUM_CLASSES], a2[B * NUM_CLASSES];
                forward_padded(m, tok, len, B, T, T, a1);
                forward_padded(m, tok, len, B, T, T2, a2);
                assert_allclose(a2, a1, B * NUM_CLASSES, 1e-6, 1e-7, "logits with extra padding");
                model_free(m);
                /* the lab's mode reads the state after the padding: padding matters */
                cfg.model_lab_compat = 1;
                m = make_model(&cfg, V, B, T2, 5);
                forward_padded(m, tok, len, B, T, T, a1);
                forward_padded(m, tok, len, B, T, T2, a2);
                double diff = 0;
                for (int i = 0; i < B * NUM_CLASSES; i++) diff += fabs(a1[i] - a2[i]);
                if (!(pools[k] == POOL_CLS && !bi)) assert_true(diff > 1e-4); /* a forward state at t = 0 cannot see padding */
                model_free(m);
                config_free(&cfg);
            }
}

/* One sequence alone gives the logits it gets inside a batch (sorting and
 * packing are invisible to the caller). */
static void test_batch_order_invisible(void **state) {
    (void)state;
    enum { V = 30, B = 5, T = 8 };
    static const int32_t lengths[B] = {3, 8, 1, 8, 5};
    for (int a = 0; a < 3; a++) {
        Config cfg = make_cfg(archs[a], 8, 7, 2, 1, POOL_ATTENTION, 0.0f);
        Model *m = make_model(&cfg, V, B, T, 5);
        int32_t tok[B * T], len[B], lab[B];
        random_batch(tok, len, lab, B, T, V, lengths, 8);
        Batch b = {tok, len, NULL, B, T};
        model_forward(m, &b, 0);
        float all[B * NUM_CLASSES];
        memcpy(all, m->logits, sizeof all);
        for (int i = 0; i < B; i++) {
            Batch one = {tok + i * T, len + i, NULL, 1, T};
            model_forward(m, &one, 0);
            assert_allclose(m->logits, all + i * NUM_CLASSES, NUM_CLASSES, 1e-5, 1e-6, "sequence alone vs in batch");
        }
        model_free(m);
        config_free(&cfg);
    }
}

/* ---- parameter names and counts ---------------------------------------------------- */

static void test_parameter_counts_match_pytorch(void **state) {
    (void)state;
    /* sum(p.numel()) of nn.Embedding(10000, 100, padding_idx=0), nn.RNN/LSTM/GRU(100, 128,
       layers, bidirectional), [nn.Linear(D, 1)], nn.Linear(D, 2), from PyTorch 1.13 */
    static const size_t lab[3] = {1029698, 1118018, 1088578};
    static const size_t bi2attn[3] = {1158467, 1631555, 1473859};
    for (int a = 0; a < 3; a++) {
        Config cfg = make_cfg(archs[a], 100, 128, 1, 0, POOL_LAST, 0.0f);
        Model *m = make_model(&cfg, 10000, 2, 4, 1);
        assert_int_equal(model_param_count(m), lab[a]);
        model_free(m);
        config_free(&cfg);
        cfg = make_cfg(archs[a], 100, 128, 2, 1, POOL_ATTENTION, 0.0f);
        m = make_model(&cfg, 10000, 2, 4, 1);
        assert_int_equal(model_param_count(m), bi2attn[a]);
        int G = archs[a] == ARCH_LSTM ? 4 : archs[a] == ARCH_GRU ? 3 : 1;
        const ParamView *v = params_find(&m->params, "rnn.weight_ih_l1_reverse");
        assert_non_null(v);
        assert_int_equal(v->shape[0], G * 128);
        assert_int_equal(v->shape[1], 256);
        assert_non_null(params_find(&m->params, "rnn.bias_hh_l0"));
        assert_non_null(params_find(&m->params, "pool.weight"));
        v = params_find(&m->params, "fc.weight");
        assert_int_equal(v->shape[0], NUM_CLASSES);
        assert_int_equal(v->shape[1], 256);
        assert_true(params_find(&m->params, "fc.bias")->no_decay);
        model_free(m);
        config_free(&cfg);
    }
}

static void test_init_follows_pytorch(void **state) {
    (void)state;
    Config cfg = make_cfg(ARCH_LSTM, 50, 64, 1, 0, POOL_LAST, 0.0f);
    Model *m = make_model(&cfg, 2000, 2, 4, 1);
    Params *p = &m->params;
    const float *emb = params_data(p, "embedding.weight");
    for (int e = 0; e < 50; e++) assert_true(emb[e] == 0.0f);
    double s = 0, s2 = 0;
    size_t n = 1999 * 50;
    for (size_t i = 50; i < 2000 * 50; i++) s += emb[i], s2 += (double)emb[i] * emb[i];
    assert_true(fabs(s / n) < 0.02 && fabs(s2 / n - 1.0) < 0.03); /* N(0, 1) */
    const float *w = params_data(p, "rnn.weight_hh_l0");
    float k = 1.0f / 8.0f, mx = 0;
    for (int i = 0; i < 256 * 64; i++) mx = fmaxf(mx, fabsf(w[i]));
    assert_true(mx <= k && mx > 0.95f * k);
    const float *fc = params_data(p, "fc.weight");
    mx = 0;
    for (int i = 0; i < 2 * 64; i++) mx = fmaxf(mx, fabsf(fc[i]));
    assert_true(mx <= k && mx > 0.5f * k);
    model_free(m);
    config_free(&cfg);
}

/* ---- determinism ---------------------------------------------------------------------- */

static void run_step(int arch, int threads, float *grad_out, size_t *n) {
    enum { V = 50, B = 16, T = 40 };
    compute_set_threads(threads);
    Config cfg = make_cfg(arch, 32, 64, 2, 1, POOL_LAST, 0.2f);
    Model *m = make_model(&cfg, V, B, T, 9);
    int32_t tok[B * T], len[B], lab[B], lengths[B];
    for (int i = 0; i < B; i++) lengths[i] = 1 + (i * 13) % T;
    random_batch(tok, len, lab, B, T, V, lengths, 3);
    Batch b = {tok, len, lab, B, T};
    params_zero_grad(&m->params);
    rng_seed(&m->dropout_rng, 5);
    model_forward(m, &b, 1);
    model_backward(m, &b);
    *n = m->params.total;
    memcpy(grad_out, m->params.grad, *n * sizeof(float));
    model_free(m);
    config_free(&cfg);
}

static void test_deterministic_for_fixed_threads(void **state) {
    (void)state;
    size_t n1, n2;
    float *g1 = malloc(200000 * sizeof(float)), *g2 = malloc(200000 * sizeof(float));
    for (int a = 0; a < 3; a++)
        for (int th = 1; th <= 2; th++) {
            run_step(archs[a], th, g1, &n1);
            run_step(archs[a], th, g2, &n2);
            assert_int_equal(n1, n2);
            assert_memory_equal(g1, g2, n1 * sizeof(float));
        }
    compute_set_threads(0);
    free(g1), free(g2);
}

/* ---- learning ------------------------------------------------------------------------- */

/* Label: does token 5 come before token 6? Both occur once at random places
 * among noise tokens 7..V-1, in sequences of 4..T tokens. */
static void order_task(int32_t *tok, int32_t *len, int32_t *lab, int n, int T, int V, Rng *r) {
    for (int i = 0; i < n; i++) {
        int L = 4 + (int)rng_below(r, (uint32_t)(T - 3));
        len[i] = L;
        for (int t = 0; t < T; t++) tok[i * T + t] = t < L ? 7 + (int32_t)rng_below(r, (uint32_t)V - 7) : 0;
        int p5 = (int)rng_below(r, (uint32_t)L), p6;
        do p6 = (int)rng_below(r, (uint32_t)L);
        while (p6 == p5);
        tok[i * T + p5] = 5;
        tok[i * T + p6] = 6;
        lab[i] = p5 < p6;
    }
}

static double accuracy(Model *m, const int32_t *tok, const int32_t *len, const int32_t *lab, int n, int T, int B) {
    int ok = 0;
    for (int i = 0; i < n; i += B) {
        int nb = n - i < B ? n - i : B;
        Batch b = {tok + (size_t)i * T, len + i, NULL, nb, T};
        model_forward(m, &b, 0);
        for (int j = 0; j < nb; j++) ok += (m->probs[j * 2 + 1] > 0.5f) == lab[i + j];
    }
    return (double)ok / n;
}

static void test_learns_order_task(void **state) {
    (void)state;
    enum { V = 16, T = 10, B = 32, NTRAIN = 4096, NTEST = 1024 };
    int32_t *tok = malloc(sizeof(int32_t) * (NTRAIN + NTEST) * T), *len = malloc(sizeof(int32_t) * (NTRAIN + NTEST)),
            *lab = malloc(sizeof(int32_t) * (NTRAIN + NTEST));
    Rng data;
    rng_seed(&data, 2024);
    order_task(tok, len, lab, NTRAIN + NTEST, T, V, &data);
    for (int a = 0; a < 3; a++) {
        Config cfg = make_cfg(archs[a], 16, 32, 1, 0, POOL_LAST, 0.0f);
        cfg.train_lr = 1e-2;
        cfg.train_clip_norm = 1.0;
        Model *m = make_model(&cfg, V, B, T, 1);
        Optimizer opt;
        assert_int_equal(optim_init(&opt, &m->params, &cfg), 0);
        double acc = 0;
        for (int epoch = 0; epoch < 12 && acc <= 0.97; epoch++) {
            for (int i = 0; i + B <= NTRAIN; i += B) {
                Batch b = {tok + (size_t)i * T, len + i, lab + i, B, T};
                params_zero_grad(&m->params);
                model_forward(m, &b, 1);
                model_backward(m, &b);
                grad_clip_norm(&m->params, (float)cfg.train_clip_norm);
                optim_step(&opt, (float)cfg.train_lr);
            }
            acc = accuracy(m, tok + (size_t)NTRAIN * T, len + NTRAIN, lab + NTRAIN, NTEST, T, B);
        }
        if (acc <= 0.95) {
            print_error("%s reached only %.3f on the order task\n", arch_names[a], acc);
            fail();
        }
        /* a trained model's saliency concentrates on the two tokens that decide the label */
        double share = 0, uniform = 0;
        for (int i = 0; i < 50; i++) {
            const int32_t *s = tok + (size_t)(NTRAIN + i) * T;
            Explanation ex;
            assert_int_equal(model_explain(m, s, len[NTRAIN + i], &ex), 0);
            uniform += 2.0 / ex.len;
            double w56 = 0;
            for (int t = 0; t < ex.len; t++) if (s[t] == 5 || s[t] == 6) w56 += ex.token_weight[t];
            share += w56;
            explanation_free(&ex);
        }
        if (share < 1.5 * uniform) {
            print_error("%s: deciding tokens get %.3f of the saliency, uniform would give %.3f\n", arch_names[a],
                        share / 50, uniform / 50);
            fail();
        }
        optim_free(&opt);
        model_free(m);
        config_free(&cfg);
    }
    free(tok), free(len), free(lab);
}

/* ---- explanations ----------------------------------------------------------------------- */

static void test_explain(void **state) {
    (void)state;
    enum { V = 30, T = 12 };
    int32_t tok[7] = {3, 9, 4, 22, 5, 5, 17};
    for (int a = 0; a < 3; a++)
        for (int attn = 0; attn < 2; attn++) {
            Config cfg = make_cfg(archs[a], 8, 6, 1, attn, attn ? POOL_ATTENTION : POOL_LAST, 0.3f);
            Model *m = make_model(&cfg, V, 4, T, 2);
            Explanation ex;
            params_zero_grad(&m->params);
            assert_int_equal(model_explain(m, tok, 7, &ex), 0);
            assert_int_equal(ex.len, 7);
            double s = 0;
            for (int t = 0; t < 7; t++) {
                assert_true(ex.token_weight[t] >= 0);
                s += ex.token_weight[t];
            }
            assert_true(fabs(s - 1) < 1e-5);
            assert_true(fabs(ex.prob[0] + ex.prob[1] - 1) < 1e-5);
            assert_true(strstr(ex.method, "saliency") != NULL);
            if (attn) {
                assert_non_null(ex.pool_weight);
                double ps = 0;
                for (int t = 0; t < 7; t++) ps += ex.pool_weight[t];
                assert_true(fabs(ps - 1) < 1e-5);
            } else {
                assert_null(ex.pool_weight);
            }
            /* probabilities agree with a plain forward; explaining leaves no gradient behind */
            int32_t len = 7;
            Batch b = {tok, &len, NULL, 1, 7};
            model_forward(m, &b, 0);
            assert_true(fabsf(m->probs[1] - ex.prob[1]) < 1e-5f);
            for (size_t i = 0; i < m->params.total; i++) assert_true(m->params.grad[i] == 0.0f);
            explanation_free(&ex);
            model_free(m);
            config_free(&cfg);
        }
}

/* In the lab's mode a review is classified after padding to max_len; the
 * explanation describes that same prediction. */
static void test_explain_lab_compat(void **state) {
    (void)state;
    enum { V = 30, T = 12 };
    int32_t tok[T] = {3, 9, 4, 22, 5, 5, 17};
    Config cfg = make_cfg(ARCH_LSTM, 8, 6, 1, 0, POOL_LAST, 0.0f);
    cfg.model_lab_compat = 1;
    Model *m = make_model(&cfg, V, 4, T, 2);
    Explanation ex;
    assert_int_equal(model_explain(m, tok, 7, &ex), 0);
    assert_int_equal(ex.len, 7);
    int32_t len = 7;
    Batch b = {tok, &len, NULL, 1, T};
    model_forward(m, &b, 0);
    assert_true(fabsf(m->probs[1] - ex.prob[1]) < 1e-5f);
    double s = 0;
    for (int t = 0; t < 7; t++) s += ex.token_weight[t];
    assert_true(fabs(s - 1) < 1e-5);
    explanation_free(&ex);
    model_free(m);
    config_free(&cfg);
}

/* Evaluation (train == 0) runs a sweep that keeps no gates or previous
 * states; training keeps them all. Without dropout both compute the same
 * function, so the logits must agree to the bit, for every cell, direction
 * count, depth, pooling and the lab's mode, with one thread and with rows
 * interleaved over two. */
static void test_eval_without_storage_matches_stored(void **state) {
    (void)state;
    enum { V = 29, E = 6, H = 11, B = 7, T = 9 };
    static const int32_t lengths[B] = {4, 9, 1, 6, 9, 2, 6};
    static const int pools[] = {POOL_LAST, POOL_MAX, POOL_MEAN, POOL_ATTENTION, POOL_CLS};
    int32_t tok[B * T], len[B], lab_[B];
    random_batch(tok, len, lab_, B, T, V, lengths, 5);
    Batch b = {tok, len, NULL, B, T};
    float stored[B * NUM_CLASSES];
    for (int threads = 1; threads <= 2; threads++) {
        compute_set_threads(threads);
        for (int a = 0; a < 3; a++)
            for (int bidir = 0; bidir < 2; bidir++)
                for (int layers = 1; layers <= 2; layers++)
                    for (size_t p = 0; p < sizeof pools / sizeof pools[0]; p++)
                        for (int lab = 0; lab < 2; lab++) {
                            Config cfg = make_cfg(archs[a], E, H, layers, bidir, pools[p], 0.0f);
                            cfg.model_lab_compat = lab;
                            Model *m = make_model(&cfg, V, B, T, 17 + a);
                            model_forward(m, &b, 1);
                            memcpy(stored, m->logits, sizeof stored);
                            model_forward(m, &b, 0);
                            for (int i = 0; i < B * NUM_CLASSES; i++)
                                if (m->logits[i] != stored[i]) {
                                    print_error("%s bidir %d layers %d pooling %d lab %d threads %d: logit %d is %.9g "
                                                "without storage, %.9g with\n",
                                                arch_names[a], bidir, layers, pools[p], lab, threads, i,
                                                m->logits[i], stored[i]);
                                    fail();
                                }
                            /* an unstored forward leaves nothing behind that a stored one reads */
                            model_forward(m, &b, 1);
                            assert_memory_equal(m->logits, stored, sizeof stored);
                            model_free(m);
                            config_free(&cfg);
                        }
    }
    compute_set_threads(0);
}

static void test_bad_tokens_do_not_crash(void **state) {
    (void)state;
    Config cfg = make_cfg(ARCH_GRU, 4, 4, 1, 0, POOL_LAST, 0.0f);
    Model *m = make_model(&cfg, 10, 2, 3, 1);
    int32_t tok[6] = {1, -4, 99, 2, 0, 0}, len[2] = {3, 0};
    Batch b = {tok, len, NULL, 2, 3};
    model_forward(m, &b, 0);
    assert_true(isfinite(m->logits[0]) && isfinite(m->logits[3]));
    model_free(m);
    config_free(&cfg);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direction_gradients),
        cmocka_unit_test(test_padding_invariance),
        cmocka_unit_test(test_batch_order_invisible),
        cmocka_unit_test(test_parameter_counts_match_pytorch),
        cmocka_unit_test(test_init_follows_pytorch),
        cmocka_unit_test(test_deterministic_for_fixed_threads),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_explain_lab_compat),
        cmocka_unit_test(test_eval_without_storage_matches_stored),
        cmocka_unit_test(test_bad_tokens_do_not_crash),
        cmocka_unit_test(test_learns_order_task),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
