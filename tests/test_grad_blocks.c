/* Finite-difference gradient checks for every block of the recurrent half of
 * the engine and for each parameter and input it has. The scalar under test is
 * a fixed random projection of the block's output, L = sum_i R_i y_i,
 * accumulated in double, so dL/dy = R. Central differences with step H_STEP
 * in float; the bound is a relative error of GRAD_TOL (see gradcheck()). */
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
#include "nn/activations.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/recurrent.h"
#include "kernels/tensor.h"
#include "kernels/vecmath.h"

#define H_STEP 1e-2
#define GRAD_TOL 1e-2
/* Recurrences stack many float roundings: the loss carries noise near 1e-6
 * relative, so the stacks use a wider step and bound (the gradients converge
 * to the analytic ones as the step grows, which noise would not do). */
#define REC_H_STEP 2e-2
#define REC_TOL 2e-2
#define CHECKS 60

static float *randv(size_t n, unsigned seed, float lo, float hi) {
    float *x = malloc((n ? n : 1) * sizeof(float));
    fill_uniform(x, n, seed, lo, hi);
    return x;
}

static float *zerov(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static double project(const float *y, const float *R, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)y[i] * R[i];
    return s;
}

/* ---- activations ------------------------------------------------------------- */

/* The recurrent cell's tanh (kernels/vecmath.h), whole vectors and the
 * scalar twin for loop tails, against libm over the range that matters. */
static void test_activation_accuracy(void **state) {
    (void)state;
    double worst = 0;
    enum { N = 20000 };
    for (int i = 0; i < N; i += VLANES) {
        float x[VLANES], y[VLANES];
        for (int k = 0; k < VLANES; k++) x[k] = -20.0f + 40.0f * (float)(i + k) / (N - 1);
        vstore(y, vtanh(vload(x)));
        for (int k = 0; k < VLANES; k++) {
            double t = tanh((double)x[k]);
            worst = fmax(worst, fabs(y[k] - t) / fmax(fabs(t), 1e-30));
            assert_true(fabsf(stanh(x[k]) - y[k]) <= 1e-7f * fabsf(y[k]) + 1e-30f);
        }
    }
    assert_true(worst < 1e-6); /* a few ulp */
    float tiny[VLANES], ty[VLANES];
    for (int k = 0; k < VLANES; k++) tiny[k] = (k & 1 ? -1e-20f : 1e-20f) * (float)(k + 1);
    vstore(ty, vtanh(vload(tiny)));
    for (int k = 0; k < VLANES; k++) assert_true(fabsf(ty[k] - tiny[k]) <= 1e-6f * fabsf(tiny[k]));
}

typedef struct {
    const float *x, *R;
    float *y;
    size_t n;
} ActCtx;

static double gelu_loss(void *p) {
    ActCtx *c = p;
    act_gelu_forward(c->x, c->n, c->y);
    return project(c->y, c->R, c->n);
}

static void test_activation_grads(void **state) {
    (void)state;
    size_t n = 37;
    float *x = randv(n, 14, -3, 3), *R = randv(n, 12, -1, 1), *y = zerov(n), *dx = zerov(n);
    ActCtx c = {x, R, y, n};
    gelu_loss(&c);
    act_gelu_backward(x, R, n, dx);
    gradcheck(gelu_loss, &c, x, dx, n, CHECKS, 1e-3, GRAD_TOL, "gelu");
    free(x), free(R), free(y), free(dx);
}

/* ---- embedding ------------------------------------------------------------------ */

typedef struct {
    const float *W, *R;
    const int32_t *tok;
    float *y;
    int E, N;
} EmbCtx;

static double emb_loss(void *p) {
    EmbCtx *c = p;
    embedding_forward(c->W, c->E, c->tok, c->N, c->y);
    return project(c->y, c->R, (size_t)c->N * c->E);
}

static void test_embedding(void **state) {
    (void)state;
    enum { V = 7, E = 5, N = 9 };
    int32_t tok[N] = {3, 0, 6, 3, 1, 0, 2, 3, 5};
    float *W = randv(V * E, 1, -1, 1), *R = randv(N * E, 2, -1, 1), *y = zerov(N * E), *dW = zerov(V * E);
    EmbCtx c = {W, R, tok, y, E, N};
    emb_loss(&c);
    assert_memory_equal(y + 2 * E, W + 6 * E, E * sizeof(float));
    embedding_backward(dW, E, tok, N, R, 0);
    for (int e = 0; e < E; e++) assert_true(dW[e] == 0.0f); /* padding row gets nothing */
    gradcheck(emb_loss, &c, W + E, dW + E, (V - 1) * E, 1000, H_STEP, GRAD_TOL, "embedding.weight (non-padding rows)");
    memset(dW, 0, V * E * sizeof(float));
    embedding_backward(dW, E, tok, N, R, -1);
    gradcheck(emb_loss, &c, W, dW, V * E, 1000, H_STEP, GRAD_TOL, "embedding.weight (no padding id)");
    free(W), free(R), free(y), free(dW);
}

static void test_embedding_backward_threads_agree(void **state) {
    (void)state;
    /* big enough to take the threaded path */
    enum { V = 50, E = 64, N = 2048 };
    int32_t *tok = malloc(N * sizeof(int32_t));
    for (int i = 0; i < N; i++) tok[i] = (i * 7919) % V;
    float *dout = randv((size_t)N * E, 3, -1, 1), *a = zerov(V * E), *b = zerov(V * E);
    compute_set_threads(1);
    embedding_backward(a, E, tok, N, dout, 0);
    compute_set_threads(2);
    embedding_backward(b, E, tok, N, dout, 0);
    assert_memory_equal(a, b, V * E * sizeof(float));
    compute_set_threads(0);
    free(tok), free(dout), free(a), free(b);
}

/* ---- linear ----------------------------------------------------------------------- */

typedef struct {
    const float *x, *W, *b, *R;
    float *y;
    int N, in, out;
} LinCtx;

static double lin_loss(void *p) {
    LinCtx *c = p;
    linear_forward(c->x, c->N, c->in, c->W, c->b, c->out, c->y);
    return project(c->y, c->R, (size_t)c->N * c->out);
}

static void test_linear(void **state) {
    (void)state;
    enum { N = 4, IN = 6, OUT = 3 };
    float *x = randv(N * IN, 1, -1, 1), *W = randv(OUT * IN, 2, -1, 1), *b = randv(OUT, 3, -1, 1);
    float *R = randv(N * OUT, 4, -1, 1), *y = zerov(N * OUT);
    float *dx = zerov(N * IN), *dW = zerov(OUT * IN), *db = zerov(OUT);
    LinCtx c = {x, W, b, R, y, N, IN, OUT};
    lin_loss(&c);
    /* y = x W^T + b by hand for one entry */
    double ref = b[2];
    for (int i = 0; i < IN; i++) ref += (double)x[1 * IN + i] * W[2 * IN + i];
    assert_true(fabs(y[1 * OUT + 2] - ref) < 1e-5);
    linear_backward(x, N, IN, W, OUT, R, dx, dW, db);
    gradcheck(lin_loss, &c, x, dx, N * IN, CHECKS, H_STEP, GRAD_TOL, "linear input");
    gradcheck(lin_loss, &c, (float *)W, dW, OUT * IN, CHECKS, H_STEP, GRAD_TOL, "linear weight");
    gradcheck(lin_loss, &c, (float *)b, db, OUT, CHECKS, H_STEP, GRAD_TOL, "linear bias");
    /* backward adds */
    float keep = dW[5];
    linear_backward(x, N, IN, W, OUT, R, dx, dW, db);
    assert_true(fabsf(dW[5] - 2 * keep) <= 1e-5f * fabsf(keep) + 1e-7f);
    free(x), free(W), free(b), free(R), free(y), free(dx), free(dW), free(db);
}

/* ---- dropout ---------------------------------------------------------------------- */

typedef struct {
    const float *x, *mask, *R;
    float *y;
    size_t n;
} DropCtx;

static double drop_loss(void *p) {
    DropCtx *c = p;
    dropout_forward(c->x, c->mask, c->n, c->y);
    return project(c->y, c->R, c->n);
}

static void test_dropout(void **state) {
    (void)state;
    size_t n = 41;
    Rng rng;
    rng_seed(&rng, 9);
    float *x = randv(n, 1, -1, 1), *R = randv(n, 2, -1, 1), *y = zerov(n), *dx = zerov(n), *mask = zerov(n);
    dropout_mask(&rng, 0.25f, mask, n);
    DropCtx c = {x, mask, R, y, n};
    drop_loss(&c);
    /* backward is the same product, in place on the gradient */
    memcpy(dx, R, n * sizeof(float));
    dropout_apply(dx, mask, n);
    gradcheck(drop_loss, &c, x, dx, n, 100, H_STEP, GRAD_TOL, "dropout input (fixed mask)");

    /* statistics: share dropped close to p, kept ones scaled by 1/(1-p) */
    size_t big = 200000, dropped = 0;
    float *m = zerov(big);
    dropout_mask(&rng, 0.3f, m, big);
    for (size_t i = 0; i < big; i++) {
        if (m[i] == 0.0f) dropped++;
        else assert_true(fabsf(m[i] - 1.0f / 0.7f) < 1e-6f);
    }
    assert_true(fabs((double)dropped / big - 0.3) < 0.005);
    dropout_mask(&rng, 0.0f, m, 10);
    for (int i = 0; i < 10; i++) assert_true(m[i] == 1.0f);
    free(m), free(x), free(R), free(y), free(dx), free(mask);
}

/* ---- pooling ---------------------------------------------------------------------- */

typedef struct {
    int kind, B, T, D, bidir_last;
    size_t sb, st;
    const int32_t *len;
    const float *h, *w, *bias, *R;
    float *out, *weights;
    int32_t *argmax;
} PoolCtx;

static double pool_loss(void *p) {
    PoolCtx *c = p;
    if (c->bidir_last)
        pool_last_bidir_forward(c->h, c->B, c->T, c->D, c->sb, c->st, c->len, c->out);
    else
        pooling_forward(c->kind, c->h, c->B, c->T, c->D, c->sb, c->st, c->len, c->w, c->bias, c->weights, c->argmax,
                        c->out);
    return project(c->out, c->R, (size_t)c->B * c->D);
}

static void check_pool(int kind, int bidir_last, int time_major, const int32_t *len) {
    enum { B = 3, T = 5, D = 4 };
    size_t n = (size_t)B * T * D;
    float *h = randv(n, 5 + kind, -1, 1), *R = randv(B * D, 6, -1, 1), *w = randv(D, 7, -1, 1), *bias = randv(1, 8, -1, 1);
    float *out = zerov(B * D), *weights = zerov(B * T), *dh = zerov(n), *dw = zerov(D), *db = zerov(1);
    int32_t argmax[B * D];
    PoolCtx c = {kind, B, T, D, bidir_last, time_major ? D : (size_t)T * D, time_major ? (size_t)B * D : D, len,
                 h, w, bias, R, out, weights, argmax};
    pool_loss(&c);
    if (bidir_last)
        pool_last_bidir_backward(R, B, T, D, c.sb, c.st, len, dh);
    else
        pooling_backward(kind, h, B, T, D, c.sb, c.st, len, w, weights, argmax, R, dh, dw, db);
    char what[96];
    snprintf(what, sizeof what, "pooling %d%s %s input", kind, bidir_last ? " bidir" : "", time_major ? "time-major" : "batch-major");
    gradcheck(pool_loss, &c, h, dh, n, 1000, kind == POOL_MAX ? 1e-3 : H_STEP, GRAD_TOL, what);
    /* padding positions never receive gradient and never change the output */
    if (len) {
        for (int b = 0; b < B; b++)
            for (int t = len[b]; t < T; t++)
                for (int d = 0; d < D; d++) assert_true(dh[b * c.sb + t * c.st + d] == 0.0f);
    }
    if (kind == POOL_ATTENTION && !bidir_last) {
        gradcheck(pool_loss, &c, w, dw, D, 100, H_STEP, GRAD_TOL, "pool.weight");
        gradcheck(pool_loss, &c, bias, db, 1, 100, H_STEP, GRAD_TOL, "pool.bias");
        /* weights sum to 1 over real tokens */
        for (int b = 0; b < B; b++) {
            double s = 0;
            for (int t = 0; t < T; t++) s += weights[b * T + t];
            assert_true(fabs(s - 1.0) < 1e-5);
        }
    }
    free(h), free(R), free(w), free(bias), free(out), free(weights), free(dh), free(dw), free(db);
}

static void test_pooling(void **state) {
    (void)state;
    static const int32_t len[3] = {5, 2, 3};
    int kinds[] = {POOL_LAST, POOL_MEAN, POOL_MAX, POOL_ATTENTION, POOL_CLS};
    for (int k = 0; k < 5; k++)
        for (int tm = 0; tm < 2; tm++) {
            check_pool(kinds[k], 0, tm, len);
            check_pool(kinds[k], 0, tm, NULL);
        }
    check_pool(POOL_LAST, 1, 0, len);
    check_pool(POOL_LAST, 1, 1, len);
}

static void test_pooling_values(void **state) {
    (void)state;
    /* batch-major B=1, T=3, D=2 with length 2: padding must not count */
    float h[6] = {1, -2, 3, 4, 100, 100};
    int32_t len[1] = {2};
    float out[2];
    int32_t am[2];
    pool_mean_forward(h, 1, 3, 2, 6, 2, len, out);
    assert_true(out[0] == 2.0f && out[1] == 1.0f);
    pool_max_forward(h, 1, 3, 2, 6, 2, len, out, am);
    assert_true(out[0] == 3.0f && out[1] == 4.0f && am[0] == 1);
    pool_last_forward(h, 1, 3, 2, 6, 2, len, out);
    assert_true(out[0] == 3.0f && out[1] == 4.0f);
    pool_last_forward(h, 1, 3, 2, 6, 2, NULL, out);
    assert_true(out[0] == 100.0f);
}

/* ---- recurrent -------------------------------------------------------------------- */

typedef struct {
    Recurrent r;
    float *arena, *P, *dP, *x, *dx, *R;
    int32_t bs[16], off[16];
    int B, T, N, D, train;
    uint64_t seed;
} RecCtx;

static double rec_loss(void *p) {
    RecCtx *c = p;
    Rng rng;
    rng_seed(&rng, c->seed); /* same dropout masks on every evaluation */
    recurrent_forward(&c->r, c->x, c->B, c->T, c->bs, c->off, c->train, &rng);
    return project(recurrent_output(&c->r), c->R, (size_t)c->N * c->D);
}

static void check_recurrent(int cell, int layers, int dirs, float dropout, const int32_t *sorted_len, int B, int T) {
    RecCtx c;
    memset(&c, 0, sizeof c);
    int in = 3, H = 4, G = cell_gates(cell), D = dirs * H;
    c.r.cell = cell, c.r.layers = layers, c.r.dirs = dirs, c.r.input = in, c.r.hidden = H;
    c.r.dropout = dropout, c.r.max_B = B, c.r.max_T = T;
    c.B = B, c.T = T, c.D = D, c.train = 1, c.seed = 77;
    c.N = rec_pack_plan(sorted_len, B, T, c.bs, c.off);
    size_t np = 0;
    for (int l = 0; l < layers; l++) np += (size_t)dirs * ((size_t)G * H * ((l ? D : in) + H + 2));
    c.P = randv(np, 100 + cell, -0.5f, 0.5f);
    c.dP = zerov(np);
    size_t at = 0;
    for (int l = 0; l < layers; l++)
        for (int d = 0; d < dirs; d++) {
            int il = l ? D : in;
            RecWeights *w = &c.r.w[l][d];
            w->w_ih = c.P + at, w->dw_ih = c.dP + at, at += (size_t)G * H * il;
            w->w_hh = c.P + at, w->dw_hh = c.dP + at, at += (size_t)G * H * H;
            w->b_ih = c.P + at, w->db_ih = c.dP + at, at += (size_t)G * H;
            w->b_hh = c.P + at, w->db_hh = c.dP + at, at += (size_t)G * H;
        }
    c.arena = zerov(recurrent_arena_floats(&c.r));
    recurrent_bind(&c.r, c.arena);
    c.x = randv((size_t)c.N * in, 200, -1, 1);
    c.dx = zerov((size_t)c.N * in);
    c.R = randv((size_t)c.N * D, 300, -1, 1);
    rec_loss(&c);
    recurrent_backward(&c.r, c.x, c.R, c.dx, 1);
    char what[128];
    const char *cn[] = {"rnn", "lstm", "gru"};
    snprintf(what, sizeof what, "%s L%d dirs%d p%.1f input", cn[cell], layers, dirs, dropout);
    gradcheck(rec_loss, &c, c.x, c.dx, (size_t)c.N * in, 200, REC_H_STEP, REC_TOL, what);
    for (int l = 0; l < layers; l++)
        for (int d = 0; d < dirs; d++) {
            int il = l ? D : in;
            RecWeights *w = &c.r.w[l][d];
            struct { const char *name; const float *p; float *g; size_t n; } t[4] = {
                {"weight_ih", w->w_ih, w->dw_ih, (size_t)G * H * il},
                {"weight_hh", w->w_hh, w->dw_hh, (size_t)G * H * H},
                {"bias_ih", w->b_ih, w->db_ih, (size_t)G * H},
                {"bias_hh", w->b_hh, w->db_hh, (size_t)G * H},
            };
            for (int k = 0; k < 4; k++) {
                snprintf(what, sizeof what, "%s L%d dirs%d p%.1f %s_l%d%s", cn[cell], layers, dirs, dropout, t[k].name, l,
                         d ? "_reverse" : "");
                gradcheck(rec_loss, &c, (float *)t[k].p, t[k].g, t[k].n, 100, REC_H_STEP, REC_TOL, what);
            }
        }
    /* backward with param_grads = 0 gives the same input gradient and leaves weights alone */
    float *dx2 = zerov((size_t)c.N * in), *dP2 = malloc(np * sizeof(float));
    memcpy(dP2, c.dP, np * sizeof(float));
    rec_loss(&c);
    recurrent_backward(&c.r, c.x, c.R, dx2, 0);
    assert_allclose(dx2, c.dx, (size_t)c.N * in, 1e-5, 1e-6, "input gradient without parameter gradients");
    assert_memory_equal(dP2, c.dP, np * sizeof(float));
    free(dx2), free(dP2);
    free(c.P), free(c.dP), free(c.arena), free(c.x), free(c.dx), free(c.R);
}

static void test_recurrent_cells(void **state) {
    (void)state;
    static const int32_t varied[4] = {6, 4, 4, 1};
    static const int32_t full[3] = {5, 5, 5};
    for (int cell = CELL_RNN; cell <= CELL_GRU; cell++) {
        check_recurrent(cell, 1, 1, 0.0f, varied, 4, 6);
        check_recurrent(cell, 1, 1, 0.0f, full, 3, 5);
        check_recurrent(cell, 1, 2, 0.0f, varied, 4, 6);
        check_recurrent(cell, 2, 1, 0.0f, varied, 4, 6);
        check_recurrent(cell, 2, 2, 0.3f, varied, 4, 6);
        check_recurrent(cell, 3, 2, 0.0f, varied, 4, 7); /* T beyond the longest sequence */
    }
}

/* The state of each sequence depends only on its own tokens: running one
 * sequence alone gives the same outputs as inside a packed batch, in both
 * directions (the reverse one starts at the sequence's own last token). */
static void test_recurrent_packing_matches_single(void **state) {
    (void)state;
    for (int cell = CELL_RNN; cell <= CELL_GRU; cell++) {
        enum { B = 3, T = 6, IN = 3, H = 5 };
        int32_t len[B] = {6, 4, 2};
        Recurrent r = {.cell = cell, .layers = 2, .dirs = 2, .input = IN, .hidden = H, .max_B = B, .max_T = T};
        int G = cell_gates(cell), D = 2 * H;
        size_t np = 0;
        for (int l = 0; l < 2; l++) np += 2 * ((size_t)G * H * ((l ? D : IN) + H + 2));
        float *P = randv(np, 5, -0.7f, 0.7f);
        size_t at = 0;
        for (int l = 0; l < 2; l++)
            for (int d = 0; d < 2; d++) {
                int il = l ? D : IN;
                RecWeights *w = &r.w[l][d];
                w->w_ih = P + at, at += (size_t)G * H * il;
                w->w_hh = P + at, at += (size_t)G * H * H;
                w->b_ih = P + at, at += (size_t)G * H;
                w->b_hh = P + at, at += (size_t)G * H;
            }
        float *arena = zerov(recurrent_arena_floats(&r));
        recurrent_bind(&r, arena);
        int32_t bs[T], off[T];
        int N = rec_pack_plan(len, B, T, bs, off);
        float *seq = randv((size_t)B * T * IN, 9, -1, 1); /* batch-major source */
        float *x = zerov((size_t)N * IN);
        for (int t = 0; t < T; t++)
            for (int j = 0; j < bs[t]; j++) memcpy(x + ((size_t)off[t] + j) * IN, seq + ((size_t)j * T + t) * IN, IN * sizeof(float));
        recurrent_forward(&r, x, B, T, bs, off, 0, NULL);
        float *all = malloc((size_t)N * D * sizeof(float));
        memcpy(all, recurrent_output(&r), (size_t)N * D * sizeof(float));
        for (int j = 0; j < B; j++) {
            int32_t l1[1] = {len[j]}, bs1[T], off1[T];
            rec_pack_plan(l1, 1, len[j], bs1, off1);
            recurrent_forward(&r, seq + (size_t)j * T * IN, 1, len[j], bs1, off1, 0, NULL);
            const float *o = recurrent_output(&r);
            for (int t = 0; t < len[j]; t++)
                assert_allclose(o + (size_t)t * D, all + ((size_t)off[t] + j) * D, D, 1e-5, 1e-6, "sequence alone vs in batch");
        }
        free(P), free(arena), free(seq), free(x), free(all);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_activation_accuracy),
        cmocka_unit_test(test_activation_grads),
        cmocka_unit_test(test_embedding),
        cmocka_unit_test(test_embedding_backward_threads_agree),
        cmocka_unit_test(test_linear),
        cmocka_unit_test(test_dropout),
        cmocka_unit_test(test_pooling),
        cmocka_unit_test(test_pooling_values),
        cmocka_unit_test(test_recurrent_cells),
        cmocka_unit_test(test_recurrent_packing_matches_single),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
