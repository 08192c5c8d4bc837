/* Finite-difference checks of the Transformer blocks, through the same fused
 * forwards the model trains with: layer norm, multi-head attention one
 * sequence at a time over packed sequences of different lengths (with and
 * without attention dropout, with the layer's output dropout and residual),
 * the feed-forward with ReLU and GELU (with and without its dropouts and
 * residual), position embeddings, and whole encoder layers (post- and
 * pre-norm) through every parameter of a small model. Dropout masks are held
 * fixed (attention's is a hash of its seed), so with dropout on the gradient
 * must still match the forward that used the mask. Each block's output is reduced to a scalar with
 * fixed random weights R, so the analytic gradient is backward(dy = R).
 *
 * Bound: central differences with h = 1e-2 on float forwards (the loss is
 * summed in double), error |num - ana| / max(1e-3, |num| + |ana|) <= 2e-2.
 * Typical entries agree to 1e-3; the worst seen (about 1e-2) are gradients
 * near 1e-4, where float rounding of the forward dominates. Functions with
 * kinks (ReLU, max pooling) use gradcheck_kinks below. */
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
#include "nn/attention.h"
#include "nn/feedforward.h"
#include "nn/layernorm.h"
#include "nn/position.h"

#define H_STEP 1e-2
#define TOL 2e-2

static double dotd(const float *a, const float *b, size_t n) {
    double s = 0;
    for (size_t i = 0; i < n; i++) s += (double)a[i] * b[i];
    return s;
}

/* gradcheck for functions with kinks (ReLU, max): where the central
 * difference straddles a kink, the analytic gradient must match one of the
 * one-sided differences (the side without the kink) to 3x the bound. At most
 * a few entries may take that path, so a wrong gradient cannot hide there. */
static void gradcheck_kinks(ScalarFn f, void *ctx, float *x, const float *g, size_t n, const char *what) {
    size_t kinks = 0;
    for (size_t i = 0; i < n; i++) {
        float orig = x[i];
        double f0 = f(ctx);
        x[i] = orig + (float)H_STEP;
        double fp = f(ctx), hp = (double)x[i] - orig;
        x[i] = orig - (float)H_STEP;
        double fm = f(ctx), hm = (double)orig - x[i];
        x[i] = orig;
        double ana = g[i], c = (fp - fm) / (hp + hm), r = (fp - f0) / hp, l = (f0 - fm) / hm;
#define REL(v) (fabs((v) - ana) / fmax(1e-3, fabs(v) + fabs(ana)))
        if (REL(c) <= TOL) continue;
        kinks++;
        if (fmin(REL(r), REL(l)) > 3 * TOL) {
            print_error("%s: gradient mismatch at [%zu]: numeric %.8g (left %.8g right %.8g) analytic %.8g\n", what, i,
                        c, l, r, ana);
            fail();
        }
#undef REL
    }
    f(ctx);
    if (kinks > 2 + n / 5) {
        print_error("%s: %zu of %zu entries only match one-sided\n", what, kinks, n);
        fail();
    }
}

static float *falloc(size_t n) {
    float *p = calloc(n ? n : 1, sizeof(float));
    assert_non_null(p);
    return p;
}

/* ---- layer norm ------------------------------------------------------------ */

typedef struct {
    int N, D;
    float *x, *w, *b, *y, *mean, *rstd, *R;
} LnCase;

static double ln_loss(void *p) {
    LnCase *c = p;
    layernorm_forward(c->x, c->N, c->D, c->w, c->b, LAYERNORM_EPS, c->y, c->mean, c->rstd);
    return dotd(c->y, c->R, (size_t)c->N * c->D);
}

static void test_layernorm(void **state) {
    (void)state;
    LnCase c = {.N = 5, .D = 7};
    size_t n = (size_t)c.N * c.D;
    c.x = falloc(n), c.y = falloc(n), c.R = falloc(n);
    c.w = falloc(c.D), c.b = falloc(c.D), c.mean = falloc(c.N), c.rstd = falloc(c.N);
    fill_uniform(c.x, n, 1, -2, 2);
    fill_uniform(c.w, c.D, 2, 0.5f, 1.5f);
    fill_uniform(c.b, c.D, 3, -0.5f, 0.5f);
    fill_uniform(c.R, n, 4, -1, 1);
    float *dx = falloc(n), *dw = falloc(c.D), *db = falloc(c.D);
    ln_loss(&c);
    /* Normalised rows: mean 0, variance 1 before the affine part. */
    for (int r = 0; r < c.N; r++) {
        double s = 0, s2 = 0;
        for (int i = 0; i < c.D; i++) {
            double v = (c.y[r * c.D + i] - c.b[i]) / c.w[i];
            s += v, s2 += v * v;
        }
        assert_true(fabs(s / c.D) < 1e-5);
        assert_true(fabs(s2 / c.D - 1) < 1e-3);
    }
    layernorm_backward(c.x, c.N, c.D, c.w, c.mean, c.rstd, c.R, dx, dw, db);
    gradcheck(ln_loss, &c, c.x, dx, n, 0, H_STEP, TOL, "layernorm dx");
    gradcheck(ln_loss, &c, c.w, dw, c.D, 0, H_STEP, TOL, "layernorm dw");
    gradcheck(ln_loss, &c, c.b, db, c.D, 0, H_STEP, TOL, "layernorm db");
    /* A large row (rows far from zero) still normalises. */
    for (int i = 0; i < c.D; i++) c.x[i] = 1000.0f + (float)i;
    ln_loss(&c);
    assert_true(c.rstd[0] > 0.4f && c.rstd[0] < 0.6f);
    free(c.x), free(c.y), free(c.R), free(c.w), free(c.b), free(c.mean), free(c.rstd), free(dx), free(dw), free(db);
}

/* ---- attention ------------------------------------------------------------- */

typedef struct {
    SeqPack s;
    int32_t len[3], off[3];
    size_t poff[3];
    int E, H;
    float *x, *w_in, *b_in, *w_out, *b_out, *packed, *scratch;
    float *qkv, *probs, *dropped, *ctx, *out, *R;
    float *mask; /* [rows x E] dropout after the out-projection, or NULL */
    int residual; /* out = x + ..., as in a post-norm layer */
    MhaDropout drop;
} AttnCase;

/* The model's forward: weights packed, then one sequence at a time. */
static double attn_loss(void *p) {
    AttnCase *c = p;
    MhaParams w = {c->w_in, c->b_in, c->w_out, c->b_out};
    mha_pack(&w, c->E, c->packed);
    for (int s = 0; s < c->s.nseq; s++) {
        size_t o = (size_t)c->off[s] * c->E;
        MhaSeqActs a = {c->qkv + 3 * o, c->probs + c->poff[s], c->drop.p > 0 ? c->dropped + c->poff[s] : NULL,
                        c->ctx + o, c->poff[s]};
        mha_forward_seq(c->len[s], c->E, c->H, c->x + o, &w, c->packed, c->drop, &a, c->mask ? c->mask + o : NULL,
                        c->residual ? c->x + o : NULL, c->out + o, c->scratch);
    }
    return dotd(c->out, c->R, (size_t)c->s.rows * c->E);
}

static void attn_setup(AttnCase *c, const int32_t *len, int nseq, int E, int H) {
    memset(c, 0, sizeof *c);
    memcpy(c->len, len, (size_t)nseq * sizeof *len);
    c->E = E, c->H = H;
    seqpack_build(&c->s, nseq, c->len, c->off, c->poff, H);
    size_t R = (size_t)c->s.rows;
    int Lmax = 1;
    for (int s = 0; s < nseq; s++) Lmax = len[s] > Lmax ? len[s] : Lmax;
    c->x = falloc(R * E), c->w_in = falloc(3 * E * E), c->b_in = falloc(3 * E);
    c->w_out = falloc(E * E), c->b_out = falloc(E), c->packed = falloc(mha_packed_floats(E));
    c->scratch = aligned_alloc(64, (mha_seq_scratch_floats(Lmax, E, H) * sizeof(float) + 63) & ~(size_t)63);
    assert_non_null(c->scratch);
    c->qkv = falloc(R * 3 * E), c->probs = falloc(c->s.psize), c->dropped = falloc(c->s.psize);
    c->ctx = falloc(R * E), c->out = falloc(R * E), c->R = falloc(R * E);
    fill_uniform(c->x, R * E, 11, -1, 1);
    fill_uniform(c->w_in, 3 * E * E, 12, -0.6f, 0.6f);
    fill_uniform(c->b_in, 3 * E, 13, -0.2f, 0.2f);
    fill_uniform(c->w_out, E * E, 14, -0.5f, 0.5f);
    fill_uniform(c->b_out, E, 15, -0.2f, 0.2f);
    fill_uniform(c->R, R * E, 16, -1, 1);
}

static void attn_free(AttnCase *c) {
    free(c->x), free(c->w_in), free(c->b_in), free(c->w_out), free(c->b_out), free(c->packed), free(c->scratch);
    free(c->qkv), free(c->probs), free(c->dropped), free(c->ctx), free(c->out), free(c->R), free(c->mask);
}

/* Textbook attention in double with an explicit key-padding mask over a
 * padded [nseq x T] layout: what the packed implementation must equal. */
static void attn_reference(const AttnCase *c, int T, double *out) {
    const int E = c->E, H = c->H, dh = E / H;
    for (int s = 0; s < c->s.nseq; s++) {
        int L = c->len[s];
        double *q = calloc((size_t)T * 3 * E, sizeof *q), *ctx = calloc((size_t)T * E, sizeof *ctx);
        for (int t = 0; t < T; t++) {
            /* Padded rows get arbitrary input; the mask must make it irrelevant. */
            for (int o = 0; o < 3 * E; o++) {
                double v = c->b_in[o];
                for (int i = 0; i < E; i++) {
                    double xi = t < L ? c->x[(size_t)(c->off[s] + t) * E + i] : 7.0 * (i + 1);
                    v += (double)c->w_in[(size_t)o * E + i] * xi;
                }
                q[(size_t)t * 3 * E + o] = v;
            }
        }
        for (int h = 0; h < H; h++)
            for (int i = 0; i < L; i++) {
                double sc[64], mx = -1e300, sum = 0;
                for (int j = 0; j < T; j++) {
                    double d = 0;
                    for (int k = 0; k < dh; k++)
                        d += q[(size_t)i * 3 * E + h * dh + k] * q[(size_t)j * 3 * E + E + h * dh + k];
                    sc[j] = j < L ? d / sqrt((double)dh) : -INFINITY;
                    if (sc[j] > mx) mx = sc[j];
                }
                for (int j = 0; j < T; j++) sum += (sc[j] = exp(sc[j] - mx));
                for (int k = 0; k < dh; k++) {
                    double v = 0;
                    for (int j = 0; j < T; j++) v += sc[j] / sum * q[(size_t)j * 3 * E + 2 * E + h * dh + k];
                    ctx[(size_t)i * E + h * dh + k] = v;
                }
            }
        for (int i = 0; i < L; i++)
            for (int o = 0; o < E; o++) {
                double v = c->b_out[o];
                for (int k = 0; k < E; k++) v += (double)c->w_out[(size_t)o * E + k] * ctx[(size_t)i * E + k];
                out[(size_t)(c->off[s] + i) * E + o] = v;
            }
        free(q);
        free(ctx);
    }
}

/* The output dropout (a fixed mask) and residual of the layer around the attention. */
static void attn_add_out_dropout(AttnCase *c) {
    size_t n = (size_t)c->s.rows * c->E;
    c->mask = falloc(n);
    fill_uniform(c->mask, n, 17, 0, 1);
    for (size_t i = 0; i < n; i++) c->mask[i] = c->mask[i] < 0.3f ? 0.0f : 1.0f / 0.7f;
    c->residual = 1;
}

static void check_attention_reference(const AttnCase *c) {
    size_t R = (size_t)c->s.rows, E = (size_t)c->E;
    double *ref = calloc(R * E, sizeof *ref);
    attn_reference(c, 6, ref);
    float *reff = falloc(R * E);
    for (size_t i = 0; i < R * E; i++) reff[i] = (float)ref[i];
    assert_allclose(c->out, reff, R * E, 1e-5, 1e-5, "attention vs masked reference");
    free(ref);
    free(reff);
    /* Every map row is a distribution over the sequence's own keys. */
    for (int s = 0; s < c->s.nseq; s++)
        for (int h = 0; h < c->H; h++)
            for (int i = 0; i < c->len[s]; i++) {
                double sum = 0;
                for (int j = 0; j < c->len[s]; j++)
                    sum += c->probs[c->poff[s] + (size_t)h * c->len[s] * c->len[s] + i * c->len[s] + j];
                assert_true(fabs(sum - 1) < 1e-5);
            }
}

static void check_attention(float p, int out_dropout) {
    static const int32_t len[3] = {5, 1, 3};
    AttnCase c;
    attn_setup(&c, len, 3, 8, 2);
    c.drop = (MhaDropout){p, 12345u};
    if (out_dropout) attn_add_out_dropout(&c);
    size_t R = (size_t)c.s.rows, E = (size_t)c.E;
    attn_loss(&c);
    if (p == 0 && !out_dropout) {
        check_attention_reference(&c);
    } else if (p > 0) {
        /* Some probabilities are dropped, the rest scaled by 1/(1-p). */
        size_t zeros = 0;
        for (size_t i = 0; i < c.s.psize; i++) zeros += c.dropped[i] == 0.0f;
        assert_true(zeros > 0 && zeros < c.s.psize);
    }
    float *dx = falloc(R * E), *dout = falloc(R * E), *dctx = falloc(R * E), *dqkv = falloc(R * 3 * E);
    float *gwi = falloc(3 * E * E), *gbi = falloc(3 * E), *gwo = falloc(E * E), *gbo = falloc(E);
    MhaParams w = {c.w_in, c.b_in, c.w_out, c.b_out};
    MhaGrads g = {gwi, gbi, gwo, gbo};
    memcpy(dout, c.R, R * E * sizeof(float));
    if (c.residual) memcpy(dx, c.R, R * E * sizeof(float)); /* the residual's share is the caller's */
    mha_backward(&c.s, c.E, c.H, c.x, &w, c.drop, c.qkv, c.probs, c.ctx, c.mask, dout, dctx, dqkv, dx, &g);
    gradcheck(attn_loss, &c, c.x, dx, R * E, 0, H_STEP, TOL, "attention dx");
    gradcheck(attn_loss, &c, c.w_in, gwi, 3 * E * E, 0, H_STEP, TOL, "attention in_proj_weight");
    gradcheck(attn_loss, &c, c.b_in, gbi, 3 * E, 0, H_STEP, TOL, "attention in_proj_bias");
    gradcheck(attn_loss, &c, c.w_out, gwo, E * E, 0, H_STEP, TOL, "attention out_proj.weight");
    gradcheck(attn_loss, &c, c.b_out, gbo, E, 0, H_STEP, TOL, "attention out_proj.bias");
    free(dx), free(dout), free(dctx), free(dqkv), free(gwi), free(gbi), free(gwo), free(gbo);
    attn_free(&c);
}

static void test_attention(void **state) {
    (void)state;
    check_attention(0.0f, 0);
}

static void test_attention_dropout(void **state) {
    (void)state;
    check_attention(0.3f, 0);
    check_attention(0.0f, 1);
    check_attention(0.3f, 1);
}

/* The keys of one sequence never leak into another: changing sequence 0's
 * input leaves sequence 2's output unchanged. */
static void test_attention_isolation(void **state) {
    (void)state;
    static const int32_t len[3] = {4, 2, 3};
    AttnCase c;
    attn_setup(&c, len, 3, 8, 4);
    attn_loss(&c);
    size_t E = (size_t)c.E, o2 = (size_t)c.off[2] * E, n2 = (size_t)len[2] * E;
    float *before = falloc(n2);
    memcpy(before, c.out + o2, n2 * sizeof(float));
    for (size_t i = 0; i < (size_t)len[0] * E; i++) c.x[i] += 3.0f;
    attn_loss(&c);
    assert_allclose(c.out + o2, before, n2, 0, 0, "sequence 2 after changing sequence 0");
    free(before);
    attn_free(&c);
}

/* ---- feed-forward -------------------------------------------------------------- */

typedef struct {
    int N, E, F, act;
    float *x, *w1, *b1, *w2, *b2, *packed, *mask, *mask_out, *pre, *hid, *out, *R;
    int residual; /* out = x + ..., as in a post-norm layer */
} FfCase;

static double ff_loss(void *p) {
    FfCase *c = p;
    FfnParams w = {c->w1, c->b1, c->w2, c->b2};
    ffn_pack(&w, c->E, c->F, c->packed);
    ffn_forward_seq(c->N, c->E, c->F, c->act, c->x, &w, c->packed, c->mask, c->mask_out, c->residual ? c->x : NULL,
                    c->pre, c->hid, c->out);
    return dotd(c->out, c->R, (size_t)c->N * c->E);
}

/* Fixed dropout masks: 0 or 1/(1-p). */
static float *ff_mask(size_t n, unsigned seed) {
    float *m = falloc(n);
    fill_uniform(m, n, seed, 0, 1);
    for (size_t i = 0; i < n; i++) m[i] = m[i] < 0.3f ? 0.0f : 1.0f / 0.7f;
    return m;
}

static void check_ffn_grads(FfCase *c) {
    size_t nE = (size_t)c->N * c->E, nF = (size_t)c->N * c->F;
    float *dx = falloc(nE), *dout = falloc(nE), *dhid = falloc(nF), *dpre = falloc(nF);
    float *g1 = falloc(nF), *gb1 = falloc(c->F), *g2 = falloc(nF), *gb2 = falloc(c->E);
    FfnParams w = {c->w1, c->b1, c->w2, c->b2};
    FfnGrads g = {g1, gb1, g2, gb2};
    memcpy(dout, c->R, nE * sizeof(float));
    if (c->residual) memcpy(dx, c->R, nE * sizeof(float)); /* the residual's share is the caller's */
    ffn_backward(c->x, c->N, c->E, c->F, c->act, &w, c->mask, c->mask_out, c->pre, c->hid, dout, dhid, dpre, dx, &g);
    char what[64];
    snprintf(what, sizeof what, "ffn %s%s dx", c->act == ACT_RELU ? "relu" : "gelu", c->mask ? " dropout" : "");
    struct {
        float *x, *g;
        size_t n;
        const char *name;
    } checks[] = {{c->x, dx, nE, what},
                  {c->w1, g1, nF, "ffn linear1.weight"},
                  {c->b1, gb1, (size_t)c->F, "ffn linear1.bias"},
                  {c->w2, g2, nF, "ffn linear2.weight"},
                  {c->b2, gb2, (size_t)c->E, "ffn linear2.bias"}};
    for (int k = 0; k < 5; k++) {
        if (c->act == ACT_RELU)
            gradcheck_kinks(ff_loss, c, checks[k].x, checks[k].g, checks[k].n, checks[k].name);
        else
            gradcheck(ff_loss, c, checks[k].x, checks[k].g, checks[k].n, 0, H_STEP, TOL, checks[k].name);
    }
    free(dx), free(dout), free(dhid), free(dpre), free(g1), free(gb1), free(g2), free(gb2);
}

/* with_mask: dropout inside and after the feed-forward, and the residual. */
static void check_ffn(int act, int with_mask) {
    FfCase c = {.N = 5, .E = 4, .F = 6, .act = act};
    size_t nE = (size_t)c.N * c.E, nF = (size_t)c.N * c.F;
    c.x = falloc(nE), c.w1 = falloc(nF), c.b1 = falloc(c.F), c.w2 = falloc(nF), c.b2 = falloc(c.E);
    c.packed = falloc(ffn_packed_floats(c.E, c.F));
    c.pre = falloc(nF), c.hid = falloc(nF), c.out = falloc(nE), c.R = falloc(nE);
    fill_uniform(c.x, nE, 21, -1, 1);
    fill_uniform(c.w1, (size_t)c.F * c.E, 22, -0.8f, 0.8f);
    fill_uniform(c.b1, c.F, 23, -0.3f, 0.3f);
    fill_uniform(c.w2, (size_t)c.E * c.F, 24, -0.6f, 0.6f);
    fill_uniform(c.b2, c.E, 25, -0.3f, 0.3f);
    fill_uniform(c.R, nE, 26, -1, 1);
    if (with_mask) {
        c.mask = ff_mask(nF, 27);
        c.mask_out = ff_mask(nE, 28);
        c.residual = 1;
    }
    ff_loss(&c);
    /* Spot-check one hidden unit and one output against the formula. */
    double a = c.b1[2];
    for (int i = 0; i < c.E; i++) a += (double)c.w1[2 * c.E + i] * c.x[1 * c.E + i];
    double f = act == ACT_RELU ? (a > 0 ? a : 0) : 0.5 * a * (1 + erf(a / sqrt(2.0)));
    if (c.mask) f *= c.mask[1 * c.F + 2];
    assert_true(fabs(f - c.hid[1 * c.F + 2]) < 1e-5);
    double o = c.b2[3];
    for (int k = 0; k < c.F; k++) o += (double)c.w2[3 * c.F + k] * c.hid[2 * c.F + k];
    if (c.mask_out) o = c.x[2 * c.E + 3] + o * c.mask_out[2 * c.E + 3];
    assert_true(fabs(o - c.out[2 * c.E + 3]) < 1e-5);
    check_ffn_grads(&c);
    free(c.x), free(c.w1), free(c.b1), free(c.w2), free(c.b2), free(c.packed), free(c.pre), free(c.hid), free(c.out);
    free(c.R), free(c.mask), free(c.mask_out);
}

static void test_ffn_relu(void **state) {
    (void)state;
    check_ffn(ACT_RELU, 0);
    check_ffn(ACT_RELU, 1);
}

static void test_ffn_gelu(void **state) {
    (void)state;
    check_ffn(ACT_GELU, 0);
    check_ffn(ACT_GELU, 1);
}

/* ---- positions ----------------------------------------------------------------- */

typedef struct {
    int E, nseq;
    int32_t off[2], len[2];
    float *P, *x0, *x, *R;
    size_t n;
} PosCase;

static double pos_loss(void *p) {
    PosCase *c = p;
    memcpy(c->x, c->x0, c->n * sizeof(float));
    position_add_forward(c->P, c->E, c->nseq, c->off, c->len, c->x);
    return dotd(c->x, c->R, c->n);
}

static void test_positions(void **state) {
    (void)state;
    PosCase c = {.E = 6, .nseq = 2, .off = {0, 4}, .len = {4, 2}};
    c.n = (size_t)6 * c.E;
    c.P = falloc((size_t)5 * c.E), c.x0 = falloc(c.n), c.x = falloc(c.n), c.R = falloc(c.n);
    fill_uniform(c.P, (size_t)5 * c.E, 31, -1, 1);
    fill_uniform(c.x0, c.n, 32, -1, 1);
    fill_uniform(c.R, c.n, 33, -1, 1);
    pos_loss(&c);
    /* Row 5 is the second token of sequence 1: position 1. */
    assert_true(fabsf(c.x[5 * c.E + 3] - (c.x0[5 * c.E + 3] + c.P[1 * c.E + 3])) < 1e-6f);
    float *dP = falloc((size_t)5 * c.E);
    position_add_backward(c.R, c.E, c.nseq, c.off, c.len, dP);
    gradcheck(pos_loss, &c, c.P, dP, (size_t)5 * c.E, 0, H_STEP, TOL, "learned position");
    /* Position 4 is never used: no gradient. */
    for (int e = 0; e < c.E; e++) assert_true(dP[4 * c.E + e] == 0.0f);

    float S[3 * 6];
    position_sinusoidal(S, 3, 6);
    for (int i = 0; i < 6; i += 2) {
        assert_true(fabsf(S[i]) < 1e-7f);
        assert_true(fabsf(S[i + 1] - 1) < 1e-7f);
    }
    assert_true(fabsf(S[2 * 6 + 0] - sinf(2.0f)) < 1e-6f);
    assert_true(fabsf(S[2 * 6 + 3] - (float)cos(2.0 / pow(10000.0, 2.0 / 6))) < 1e-6f);
    free(c.P), free(c.x0), free(c.x), free(c.R), free(dP);
}

/* ---- whole encoder layers through the model -------------------------------------- */

typedef struct {
    Model *m;
    Batch b;
    float *R;
} ModelCase;

/* sum(logits * R) with the same dropout masks at every call. */
static double model_loss(void *p) {
    ModelCase *c = p;
    rng_seed(&c->m->dropout_rng, 77);
    c->m->ops->forward(c->m, &c->b, 1);
    return dotd(c->m->logits, c->R, (size_t)c->b.B * NUM_CLASSES);
}

static void check_model(int norm, int act, int pooling, int layers, float dropout, int lab, int position) {
    Config cfg;
    config_defaults(&cfg);
    cfg.model_arch = ARCH_TRANSFORMER;
    cfg.model_embed_dim = 8;
    cfg.model_heads = 2;
    cfg.model_ff_dim = 12;
    cfg.model_layers = layers;
    cfg.model_norm = norm;
    cfg.model_activation = act;
    cfg.model_pooling = pooling;
    cfg.model_position = position;
    cfg.model_dropout = dropout;
    cfg.model_embed_dropout = dropout > 0 ? 0.1 : 0;
    cfg.model_lab_compat = lab;
    cfg.data_max_len = 6;
    char err[256] = "";
    Model *m = model_create(&cfg, 11, 3, 6, err, sizeof err);
    assert_non_null(m);
    model_init(m, 5);
    static const int32_t tokens[3 * 6] = {3, 5, 0, 0, 0, 0, 2, 7, 9, 4, 1, 10, 8, 0, 0, 0, 0, 0};
    static const int32_t lengths[3] = {2, 6, 1};
    ModelCase c = {.m = m, .b = {.tokens = tokens, .lengths = lengths, .B = 3, .T = 6}};
    c.R = falloc(3 * NUM_CLASSES);
    fill_uniform(c.R, 3 * NUM_CLASSES, 41, -1, 1);
    model_loss(&c);
    memcpy(m->dlogits, c.R, 3 * NUM_CLASSES * sizeof(float));
    params_zero_grad(&m->params);
    m->ops->backward(m, &c.b);
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        char what[160];
        snprintf(what, sizeof what, "%s (norm %d act %d pool %d layers %d drop %.1f lab %d)", v->name, norm, act,
                 pooling, layers, dropout, lab);
        /* In lab mode padding tokens are real inputs, yet the padding row gets
         * no gradient by definition (as with PyTorch's padding_idx): skip it. */
        size_t skip = lab && strcmp(v->name, "embedding.weight") == 0 ? (size_t)v->shape[1] : 0;
        float *x = m->params.data + v->offset + skip, *gr = m->params.grad + v->offset + skip;
        if (act == ACT_RELU || pooling == POOL_MAX)
            gradcheck_kinks(model_loss, &c, x, gr, v->size - skip, what);
        else
            gradcheck(model_loss, &c, x, gr, v->size - skip, 0, H_STEP, TOL, what);
    }
    /* The padding row gets no gradient. */
    for (int e = 0; e < 8; e++) assert_true(params_grad(&m->params, "embedding.weight")[e] == 0.0f);
    free(c.R);
    model_free(m);
    config_free(&cfg);
}

static void test_encoder_post(void **state) {
    (void)state;
    check_model(NORM_POST, ACT_GELU, POOL_MEAN, 1, 0.0f, 0, POS_LEARNED);
    check_model(NORM_POST, ACT_GELU, POOL_MEAN, 2, 0.3f, 0, POS_LEARNED);
}

static void test_encoder_pre(void **state) {
    (void)state;
    check_model(NORM_PRE, ACT_GELU, POOL_MEAN, 1, 0.0f, 0, POS_SINUSOIDAL);
    check_model(NORM_PRE, ACT_GELU, POOL_MEAN, 2, 0.3f, 0, POS_LEARNED);
}

static void test_encoder_relu(void **state) {
    (void)state;
    check_model(NORM_POST, ACT_RELU, POOL_MEAN, 1, 0.0f, 0, POS_LEARNED);
    check_model(NORM_PRE, ACT_RELU, POOL_MEAN, 1, 0.0f, 0, POS_NONE);
}

static void test_encoder_poolings(void **state) {
    (void)state;
    check_model(NORM_POST, ACT_GELU, POOL_ATTENTION, 1, 0.0f, 0, POS_LEARNED);
    check_model(NORM_PRE, ACT_GELU, POOL_CLS, 1, 0.0f, 0, POS_LEARNED);
    check_model(NORM_POST, ACT_GELU, POOL_MAX, 1, 0.0f, 0, POS_LEARNED);
    check_model(NORM_PRE, ACT_GELU, POOL_LAST, 1, 0.0f, 0, POS_LEARNED);
}

static void test_encoder_lab(void **state) {
    (void)state;
    check_model(NORM_POST, ACT_GELU, POOL_MEAN, 2, 0.0f, 1, POS_LEARNED);
    check_model(NORM_PRE, ACT_GELU, POOL_MEAN, 1, 0.2f, 1, POS_SINUSOIDAL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layernorm),
        cmocka_unit_test(test_attention),
        cmocka_unit_test(test_attention_dropout),
        cmocka_unit_test(test_attention_isolation),
        cmocka_unit_test(test_ffn_relu),
        cmocka_unit_test(test_ffn_gelu),
        cmocka_unit_test(test_positions),
        cmocka_unit_test(test_encoder_post),
        cmocka_unit_test(test_encoder_pre),
        cmocka_unit_test(test_encoder_relu),
        cmocka_unit_test(test_encoder_poolings),
        cmocka_unit_test(test_encoder_lab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
