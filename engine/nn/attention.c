#include "attention.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#include "linear.h"
#include "tensor.h"

int seqpack_build(SeqPack *s, int nseq, const int32_t *len, int32_t *off, size_t *poff, int H) {
    int rows = 0;
    size_t p = 0;
    for (int i = 0; i < nseq; i++) {
        off[i] = rows;
        poff[i] = p;
        rows += len[i];
        p += (size_t)H * len[i] * len[i];
    }
    s->nseq = nseq;
    s->rows = rows;
    s->off = off;
    s->len = len;
    s->poff = poff;
    s->psize = p;
    return rows;
}

/* exp for the softmax: Cephes' range reduction and degree-6 polynomial
 * (about 1 ulp), written branch-free so row loops vectorise; libm's expf is
 * a call per element. Inputs are <= 0 here (the row maximum is subtracted). */
static inline float exp_poly(float x) {
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.3f ? 88.3f : x;
    float n = rintf(x * 1.44269504088896341f);
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/* Eight partial sums keep the reductions vectorisable without -ffast-math. */
static void softmax_row(float *x, int n) {
    float mx[8], m = x[0];
    for (int k = 0; k < 8; k++) mx[k] = x[0];
    int j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) mx[k] = x[j + k] > mx[k] ? x[j + k] : mx[k];
    for (; j < n; j++) m = x[j] > m ? x[j] : m;
    for (int k = 0; k < 8; k++) m = mx[k] > m ? mx[k] : m;
    float acc[8] = {0};
    j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) {
            float e = exp_poly(x[j + k] - m);
            x[j + k] = e;
            acc[k] += e;
        }
    float sum = 0;
    for (; j < n; j++) {
        x[j] = exp_poly(x[j] - m);
        sum += x[j];
    }
    for (int k = 0; k < 8; k++) sum += acc[k];
    float inv = 1.0f / sum;
    for (j = 0; j < n; j++) x[j] *= inv;
}

static float dot_row(const float *a, const float *b, int n) {
    float acc[8] = {0}, s = 0;
    int j = 0;
    for (; j + 8 <= n; j += 8)
        for (int k = 0; k < 8; k++) acc[k] += a[j + k] * b[j + k];
    for (; j < n; j++) s += a[j] * b[j];
    for (int k = 0; k < 8; k++) s += acc[k];
    return s;
}

/* Counter-based mask: element idx of the probability buffer is kept when a
 * hash of (seed, idx) clears the threshold (Wellons' lowbias32 mixer). */
static inline uint32_t mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static uint32_t drop_threshold(float p) { return (uint32_t)((double)p * 4294967296.0); }

/* y[i] = x[i] * mask(base + i) / (1 - p); y may alias x. */
static void drop_apply(float *y, const float *x, size_t n, size_t base, MhaDropout d) {
    uint32_t thr = drop_threshold(d.p);
    float scale = 1.0f / (1.0f - d.p);
    uint32_t b = (uint32_t)base, m = (uint32_t)n;
    for (uint32_t i = 0; i < m; i++) {
        uint32_t h = mix32((b + i) * 0x9e3779b9U + d.seed);
        y[i] = x[i] * (h >= thr ? scale : 0.0f);
    }
}

typedef struct {
    const SeqPack *s;
    int E, H, dh;
    float scale;
    MhaDropout drop;
    const float *qkv, *probs_in, *dctx;
    float *probs, *dropped, *ctx, *dqkv, *dscores;
} MhaTask;

static void mha_forward_task(void *p, int t0, int t1) {
    const MhaTask *c = p;
    const int E = c->E, dh = c->dh, E3 = 3 * E;
    for (int t = t0; t < t1; t++) {
        int s = t / c->H, h = t % c->H, L = c->s->len[s], o = c->s->off[s];
        const float *Q = c->qkv + (size_t)o * E3 + (size_t)h * dh, *K = Q + E, *V = Q + 2 * E;
        size_t po = c->s->poff[s] + (size_t)h * L * L;
        float *P = c->probs + po;
        gemm(0, 1, L, L, dh, c->scale, Q, E3, K, E3, 0.0f, P, L);
        for (int i = 0; i < L; i++) softmax_row(P + (size_t)i * L, L);
        const float *A = P;
        if (c->drop.p > 0) {
            drop_apply(c->dropped + po, P, (size_t)L * L, po, c->drop);
            A = c->dropped + po;
        }
        gemm(0, 0, L, dh, L, 1.0f, A, L, V, E3, 0.0f, c->ctx + (size_t)o * E + (size_t)h * dh, E);
    }
}

static void mha_backward_task(void *p, int t0, int t1) {
    const MhaTask *c = p;
    const int E = c->E, dh = c->dh, E3 = 3 * E;
    for (int t = t0; t < t1; t++) {
        int s = t / c->H, h = t % c->H, L = c->s->len[s], o = c->s->off[s];
        const float *Q = c->qkv + (size_t)o * E3 + (size_t)h * dh, *K = Q + E, *V = Q + 2 * E;
        float *dQ = c->dqkv + (size_t)o * E3 + (size_t)h * dh, *dK = dQ + E, *dV = dQ + 2 * E;
        const float *dC = c->dctx + (size_t)o * E + (size_t)h * dh;
        size_t po = c->s->poff[s] + (size_t)h * L * L;
        const float *P = c->probs_in + po;
        float *G = c->dscores + po;
        /* dV = A^T dC with A the (dropped) probabilities that multiplied V. */
        if (c->drop.p > 0) {
            drop_apply(G, P, (size_t)L * L, po, c->drop);
            gemm(1, 0, L, dh, L, 1.0f, G, L, dC, E, 0.0f, dV, E3);
        } else {
            gemm(1, 0, L, dh, L, 1.0f, P, L, dC, E, 0.0f, dV, E3);
        }
        gemm(0, 1, L, L, dh, 1.0f, dC, E, V, E3, 0.0f, G, L);
        if (c->drop.p > 0) drop_apply(G, G, (size_t)L * L, po, c->drop);
        /* Softmax backward per query row: dS = P * (dP - <P, dP>). */
        for (int i = 0; i < L; i++) {
            const float *pr = P + (size_t)i * L;
            float *gr = G + (size_t)i * L;
            float r = dot_row(pr, gr, L);
            for (int j = 0; j < L; j++) gr[j] = pr[j] * (gr[j] - r);
        }
        gemm(0, 0, L, dh, L, c->scale, G, L, K, E3, 0.0f, dQ, E3);
        gemm(1, 0, L, dh, L, c->scale, G, L, Q, E3, 0.0f, dK, E3);
    }
}

/* The per-head products are small (len x len x dh): one single-threaded GEMM
 * per (sequence, head) on our own pool beats OpenBLAS splitting each one. */
static void run_heads(int ntasks, ParallelFn fn, void *ctx) {
    int threads = compute_threads();
    if (threads > 1) openblas_set_num_threads(1);
    parallel_for(ntasks, fn, ctx);
    if (threads > 1) openblas_set_num_threads(threads);
}

void mha_forward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop, float *qkv,
                 float *probs, float *dropped, float *ctx, float *out) {
    linear_forward(x, s->rows, E, w->w_in, w->b_in, 3 * E, qkv);
    MhaTask c = {.s = s, .E = E, .H = H, .dh = E / H, .scale = 1.0f / sqrtf((float)(E / H)), .drop = drop,
                 .qkv = qkv, .probs = probs, .dropped = dropped, .ctx = ctx};
    run_heads(s->nseq * H, mha_forward_task, &c);
    linear_forward(ctx, s->rows, E, w->w_out, w->b_out, E, out);
}

void mha_backward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop,
                  const float *qkv, const float *probs, const float *ctx, const float *dout, float *dctx, float *dqkv,
                  float *dscores, float *dx, const MhaGrads *g) {
    gemm(0, 0, s->rows, E, E, 1.0f, dout, E, w->w_out, E, 0.0f, dctx, E);
    linear_backward(ctx, s->rows, E, w->w_out, E, dout, NULL, g->w_out, g->b_out);
    MhaTask c = {.s = s, .E = E, .H = H, .dh = E / H, .scale = 1.0f / sqrtf((float)(E / H)), .drop = drop,
                 .qkv = qkv, .probs_in = probs, .dctx = dctx, .dqkv = dqkv, .dscores = dscores};
    run_heads(s->nseq * H, mha_backward_task, &c);
    linear_backward(x, s->rows, E, w->w_in, 3 * E, dqkv, dx, g->w_in, g->b_in);
}
