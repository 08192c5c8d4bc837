/* Whole-model tests of the Transformer and bag-of-n-grams classifiers: a
 * gradient check along one random direction through every parameter at once,
 * padding invariance (and its absence in lab mode), the parameter count of
 * the lab configuration against PyTorch's, learning a small generated task,
 * and the shape and normalisation of explanations. */
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

static Config tiny_config(int arch) {
    Config c;
    config_defaults(&c);
    c.model_arch = arch;
    c.model_embed_dim = 16;
    c.model_heads = 2;
    c.model_ff_dim = 32;
    c.model_layers = 2;
    c.model_pooling = POOL_MEAN;
    c.model_dropout = 0.1;
    c.model_bigram_buckets = 97;
    c.data_max_len = 12;
    return c;
}

static Model *make(const Config *c, int vocab, int B, int T) {
    char err[256] = "";
    Model *m = model_create(c, vocab, B, T, err, sizeof err);
    if (!m) print_error("model_create: %s\n", err);
    assert_non_null(m);
    model_init(m, 3);
    return m;
}

/* ---- one random direction (kann) -------------------------------------------- */

static float loss_at(Model *m, const Batch *b) {
    rng_seed(&m->dropout_rng, 99);
    return model_forward(m, b, 1);
}

static void direction_check(const Config *c, const char *what) {
    static const int32_t tokens[4 * 8] = {5,  9, 2, 0, 0, 0, 0, 0, 3, 4, 12, 13, 6, 7, 8, 19,
                                          11, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3,  4,  5, 0, 0, 0};
    static const int32_t lengths[4] = {3, 8, 1, 5}, labels[4] = {1, 0, 1, 0};
    Batch b = {.tokens = tokens, .lengths = lengths, .labels = labels, .B = 4, .T = 8};
    Model *m = make(c, 20, 4, 8);
    size_t n = m->params.total;
    float *dir = calloc(n, sizeof *dir), *theta = malloc(n * sizeof *theta);
    fill_uniform(dir, n, 17, -1, 1);
    /* The padding row never gets a gradient (padding_idx), even in lab mode
     * where padding is read: keep it out of the direction. */
    const ParamView *emb = params_find(&m->params, "embedding.weight");
    memset(dir + emb->offset, 0, (size_t)emb->shape[1] * sizeof *dir);
    memcpy(theta, m->params.data, n * sizeof *theta);
    loss_at(m, &b);
    params_zero_grad(&m->params);
    model_backward(m, &b);
    double gd = 0, dn = 0;
    for (size_t i = 0; i < n; i++) gd += (double)m->params.grad[i] * dir[i], dn += (double)dir[i] * dir[i];
    const float eps = 5e-4f; /* small enough that ReLU kinks rarely straddle it */
    for (size_t i = 0; i < n; i++) m->params.data[i] = theta[i] + eps * dir[i];
    double lp = loss_at(m, &b);
    for (size_t i = 0; i < n; i++) m->params.data[i] = theta[i] - eps * dir[i];
    double lm = loss_at(m, &b);
    double num = (lp - lm) / (2.0 * eps), rel = fabs(num - gd) / fmax(1e-6, fabs(num) + fabs(gd));
    if (!(rel < 1e-2)) {
        print_error("%s: directional derivative numeric %.8g analytic %.8g (rel %.3g, |d| %.3g)\n", what, num, gd, rel,
                    sqrt(dn));
        fail();
    }
    free(dir);
    free(theta);
    model_free(m);
}

static void test_direction_transformer(void **state) {
    (void)state;
    Config c = tiny_config(ARCH_TRANSFORMER);
    direction_check(&c, "transformer post relu");
    c.model_norm = NORM_PRE;
    c.model_activation = ACT_GELU;
    c.model_pooling = POOL_ATTENTION;
    direction_check(&c, "transformer pre gelu attention-pool");
    c.model_lab_compat = 1;
    c.model_pooling = POOL_MEAN;
    direction_check(&c, "transformer lab");
    config_free(&c);
}

static void test_direction_bag(void **state) {
    (void)state;
    Config c = tiny_config(ARCH_BAG);
    direction_check(&c, "bag with bigrams");
    c.model_bigrams = 0;
    direction_check(&c, "bag unigrams");
    config_free(&c);
}

/* ---- padding ------------------------------------------------------------------ */

/* The same three reviews padded to 7 and to 12 tokens. With junk, the
 * positions past each review's length hold ids that a mask must ignore. */
static void padded_logits(Model *m, int T, int junk, float *out) {
    static const int32_t rev[3][7] = {{4, 8, 15, 16, 0, 0, 0}, {23, 42, 4, 8, 15, 16, 23}, {7, 0, 0, 0, 0, 0, 0}};
    static const int32_t lengths[3] = {4, 7, 1};
    int32_t tok[3 * 12];
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < T; t++) tok[s * T + t] = t < lengths[s] ? rev[s][t] : junk ? 30 + t : 0;
    Batch b = {.tokens = tok, .lengths = lengths, .B = 3, .T = T};
    model_forward(m, &b, 0);
    memcpy(out, m->logits, 3 * NUM_CLASSES * sizeof(float));
}

static float max_diff(const float *a, const float *b, int n) {
    float d = 0;
    for (int i = 0; i < n; i++) d = fmaxf(d, fabsf(a[i] - b[i]));
    return d;
}

static void check_padding(int arch, int pooling) {
    Config c = tiny_config(arch);
    c.model_pooling = pooling;
    Model *m = make(&c, 50, 3, 12);
    float a[6], b[6];
    padded_logits(m, 7, 0, a);
    padded_logits(m, 12, 1, b);
    assert_allclose(b, a, 6, 1e-5, 1e-6, "logits with extra padding");
    model_free(m);
    c.model_lab_compat = 1;
    m = make(&c, 50, 3, 12);
    padded_logits(m, 7, 0, a);
    padded_logits(m, 12, 0, b);
    /* The lab model reads the padding: more of it changes its answer. */
    assert_true(max_diff(a, b, 6) > 1e-4f);
    model_free(m);
    config_free(&c);
}

static void test_padding_invariance(void **state) {
    (void)state;
    check_padding(ARCH_TRANSFORMER, POOL_MEAN);
    check_padding(ARCH_TRANSFORMER, POOL_ATTENTION);
    check_padding(ARCH_TRANSFORMER, POOL_MAX);
    check_padding(ARCH_BAG, POOL_MEAN);
}

/* Evaluation reuses one layer's buffers and runs big batches in slices; it
 * must compute what training does (without dropout). */
static void test_eval_matches_train(void **state) {
    (void)state;
    for (int norm = 0; norm < 2; norm++) {
        Config c = tiny_config(ARCH_TRANSFORMER);
        c.model_dropout = 0;
        c.model_norm = norm;
        c.model_layers = 3;
        Model *m = make(&c, 50, 3, 12);
        float a[6], b[6];
        static const int32_t tok[3 * 5] = {4, 8, 15, 16, 0, 23, 42, 4, 8, 15, 7, 0, 0, 0, 0};
        static const int32_t lengths[3] = {4, 5, 1};
        Batch bt = {.tokens = tok, .lengths = lengths, .B = 3, .T = 5};
        model_forward(m, &bt, 1);
        memcpy(a, m->logits, sizeof a);
        model_forward(m, &bt, 0);
        memcpy(b, m->logits, sizeof b);
        assert_allclose(b, a, 6, 0, 0, "eval vs train logits");
        model_free(m);

        enum { BIG = 70 };
        m = make(&c, 50, BIG, 6);
        int32_t tk[BIG * 6], ln[BIG];
        float lt[BIG * 2];
        for (int i = 0; i < BIG; i++) {
            ln[i] = 1 + i % 6;
            for (int t = 0; t < 6; t++) tk[i * 6 + t] = t < ln[i] ? 2 + (i * 7 + t * 3) % 40 : 0;
        }
        Batch big = {.tokens = tk, .lengths = ln, .B = BIG, .T = 6};
        model_forward(m, &big, 1);
        memcpy(lt, m->logits, sizeof lt);
        model_forward(m, &big, 0);
        assert_allclose(m->logits, lt, BIG * 2, 1e-5, 1e-6, "sliced eval vs train logits");
        model_free(m);
        config_free(&c);
    }
}

/* ---- parameter counts ------------------------------------------------------------- */

static void test_param_counts(void **state) {
    (void)state;
    /* The lab's Transformer: vocab 10000, E 128, 4 heads, ff 256, 2 layers,
     * learned positions over 200 tokens, fc to 2 classes. PyTorch 1.13 counts
     * 1570818 for nn.Embedding(10000,128,padding_idx=0) + nn.Embedding(200,128)
     * + nn.TransformerEncoder(nn.TransformerEncoderLayer(128,4,256), 2) + nn.Linear(128,2). */
    Config c;
    config_defaults(&c);
    c.model_arch = ARCH_TRANSFORMER;
    c.model_embed_dim = 128;
    c.model_heads = 4;
    c.model_ff_dim = 256;
    c.model_layers = 2;
    c.model_pooling = POOL_MEAN;
    c.data_max_len = 200;
    char err[256] = "";
    Model *m = model_create(&c, 10000, 1, 200, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(model_param_count(m), 1570818);
    model_free(m);
    /* nn.Embedding(10000,64) + nn.Embedding(200000,64) + nn.Linear(64,2). */
    c.model_arch = ARCH_BAG;
    c.model_embed_dim = 64;
    c.model_bigram_buckets = 200000;
    m = model_create(&c, 10000, 1, 200, err, sizeof err);
    assert_non_null(m);
    assert_int_equal(model_param_count(m), 13440130);
    model_free(m);
    /* heads must divide the width */
    c.model_arch = ARCH_TRANSFORMER;
    c.model_heads = 3;
    m = model_create(&c, 10000, 1, 200, err, sizeof err);
    assert_null(m);
    assert_non_null(strstr(err, "heads"));
    config_free(&c);
}

/* ---- learning a generated task ----------------------------------------------------- */

/* Reviews of 4..16 filler words (ids 8..23) with one or three sentiment words
 * (2..4 positive, 5..7 negative) at random places; the label is the majority. */
enum { TASK_VOCAB = 24, TASK_T = 16 };

static void make_task(int n, uint64_t seed, int32_t *tok, int32_t *len, int32_t *lab) {
    Rng r;
    rng_seed(&r, seed);
    memset(tok, 0, (size_t)n * TASK_T * sizeof *tok);
    for (int i = 0; i < n; i++) {
        int L = 4 + (int)rng_below(&r, TASK_T - 3), k = rng_below(&r, 2) ? 3 : 1, np = 0;
        int32_t *t = tok + (size_t)i * TASK_T, where[TASK_T];
        for (int j = 0; j < L; j++) t[j] = 8 + (int32_t)rng_below(&r, 16), where[j] = j;
        rng_shuffle_int(&r, where, L);
        for (int j = 0; j < k; j++) {
            int p = (int)rng_below(&r, 2);
            np += p;
            t[where[j]] = p ? 2 + (int32_t)rng_below(&r, 3) : 5 + (int32_t)rng_below(&r, 3);
        }
        len[i] = L;
        lab[i] = 2 * np > k;
    }
}

static double accuracy(Model *m, int n, const int32_t *tok, const int32_t *len, const int32_t *lab) {
    int right = 0;
    for (int i = 0; i < n; i += 64) {
        int B = n - i < 64 ? n - i : 64;
        Batch b = {.tokens = tok + (size_t)i * TASK_T, .lengths = len + i, .B = B, .T = TASK_T};
        model_forward(m, &b, 0);
        for (int j = 0; j < B; j++) right += (m->probs[j * 2 + 1] > 0.5f) == (lab[i + j] == 1);
    }
    return (double)right / n;
}

static void learn(Config *c, int epochs, float lr, const char *what) {
    enum { NTRAIN = 1024, NTEST = 512, BS = 32 };
    int32_t *tok = malloc(sizeof(int32_t) * (NTRAIN + NTEST) * TASK_T);
    int32_t len[NTRAIN + NTEST], lab[NTRAIN + NTEST], order[NTRAIN];
    make_task(NTRAIN + NTEST, 2024, tok, len, lab);
    c->data_max_len = TASK_T;
    Model *m = make(c, TASK_VOCAB, 64, TASK_T);
    c->train_optimizer = OPT_ADAM;
    Optimizer o;
    assert_int_equal(optim_init(&o, &m->params, c), 0);
    Rng r;
    rng_seed(&r, 1);
    int32_t btok[BS * TASK_T], blen[BS], blab[BS];
    for (int i = 0; i < NTRAIN; i++) order[i] = i;
    for (int e = 0; e < epochs; e++) {
        rng_shuffle_int(&r, order, NTRAIN);
        for (int i = 0; i + BS <= NTRAIN; i += BS) {
            for (int j = 0; j < BS; j++) {
                int k = order[i + j];
                memcpy(btok + j * TASK_T, tok + (size_t)k * TASK_T, sizeof(int32_t) * TASK_T);
                blen[j] = len[k], blab[j] = lab[k];
            }
            Batch b = {.tokens = btok, .lengths = blen, .labels = blab, .B = BS, .T = TASK_T};
            model_forward(m, &b, 1);
            params_zero_grad(&m->params);
            model_backward(m, &b);
            optim_step(&o, lr);
        }
    }
    double acc = accuracy(m, NTEST, tok + (size_t)NTRAIN * TASK_T, len + NTRAIN, lab + NTRAIN);
    if (!(acc > 0.95)) {
        print_error("%s: held-out accuracy %.3f after %d epochs\n", what, acc, epochs);
        fail();
    }
    optim_free(&o);
    model_free(m);
    free(tok);
}

static void test_learns_transformer(void **state) {
    (void)state;
    Config c = tiny_config(ARCH_TRANSFORMER);
    c.model_layers = 1;
    learn(&c, 12, 3e-3f, "transformer");
    config_free(&c);
}

static void test_learns_bag(void **state) {
    (void)state;
    Config c = tiny_config(ARCH_BAG);
    learn(&c, 12, 1e-2f, "bag");
    config_free(&c);
}

/* ---- explanations --------------------------------------------------------------------- */

static void check_sum_one(const float *w, int n, const char *what) {
    double s = 0;
    for (int i = 0; i < n; i++) {
        assert_true(w[i] >= 0 && isfinite(w[i]));
        s += w[i];
    }
    if (fabs(s - 1) > 1e-5) {
        print_error("%s sums to %.8g\n", what, s);
        fail();
    }
}

static void test_explain(void **state) {
    (void)state;
    static const int32_t review[5] = {4, 9, 2, 17, 3};
    for (int lab = 0; lab < 2; lab++) {
        Config c = tiny_config(ARCH_TRANSFORMER);
        c.model_heads = 4;
        c.model_lab_compat = lab;
        Model *m = make(&c, 20, 2, 12);
        Explanation e;
        assert_int_equal(model_explain(m, review, 5, &e), 0);
        assert_int_equal(e.len, 5);
        assert_int_equal(e.layers, 2);
        assert_int_equal(e.heads, 4);
        assert_non_null(e.attn);
        assert_null(e.pool_weight);
        for (int k = 0; k < 2 * 4; k++)
            for (int i = 0; i < 5; i++) {
                double s = 0;
                for (int j = 0; j < 5; j++) s += e.attn[(size_t)k * 25 + i * 5 + j];
                /* Without padding each query's map is a distribution over the
                 * review; the lab model also attends to padding. */
                if (!lab) assert_true(fabs(s - 1) < 1e-5);
                if (lab) assert_true(s > 0 && s < 1);
            }
        check_sum_one(e.token_weight, 5, "token_weight");
        assert_non_null(strstr(e.method, "2 layers x 4 heads"));
        /* The explained probability is the model's for the same review. */
        int32_t len = 5, tok[12] = {0};
        memcpy(tok, review, sizeof review);
        Batch b = {.tokens = tok, .lengths = &len, .B = 1, .T = lab ? 12 : 5};
        model_forward(m, &b, 0);
        assert_allclose(e.prob, m->probs, 2, 1e-5, 1e-6, "explained probability");
        explanation_free(&e);
        model_free(m);
        config_free(&c);
    }
    Config c = tiny_config(ARCH_TRANSFORMER);
    c.model_pooling = POOL_ATTENTION;
    Model *m = make(&c, 20, 2, 12);
    Explanation e;
    assert_int_equal(model_explain(m, review, 5, &e), 0);
    assert_non_null(e.pool_weight);
    check_sum_one(e.pool_weight, 5, "pool_weight");
    explanation_free(&e);
    model_free(m);
    config_free(&c);

    c = tiny_config(ARCH_BAG);
    m = make(&c, 20, 2, 12);
    assert_int_equal(model_explain(m, review, 5, &e), 0);
    assert_int_equal(e.len, 5);
    assert_null(e.attn);
    check_sum_one(e.token_weight, 5, "bag token_weight");
    assert_true(strlen(e.method) > 0);
    assert_true(fabsf(e.prob[0] + e.prob[1] - 1) < 1e-6f);
    explanation_free(&e);
    model_free(m);
    config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direction_transformer),
        cmocka_unit_test(test_direction_bag),
        cmocka_unit_test(test_padding_invariance),
        cmocka_unit_test(test_eval_matches_train),
        cmocka_unit_test(test_param_counts),
        cmocka_unit_test(test_learns_transformer),
        cmocka_unit_test(test_learns_bag),
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
