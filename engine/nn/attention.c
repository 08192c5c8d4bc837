#include "attention.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>

#include "gemm_small.h"
#include "linear.h"
#include "linear_rows.h"
#include "panel_pack.h"
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

/* The softmax and the dropout hash run on 8-float vectors (GCC/Clang vector
 * extensions: AVX when enabled, pairs of SSE registers otherwise); libm's
 * expf would be a call per element and the loops do not auto-vectorise
 * without -ffast-math. */
typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef uint32_t u8 __attribute__((vector_size(32)));
/* Unaligned view of 8 floats in a float buffer. */
typedef float f8u __attribute__((vector_size(32), aligned(4), may_alias));

static inline f8 load8(const float *p) { return *(const f8u *)p; }

static inline void store8(float *p, f8 v) { *(f8u *)p = v; }

static inline f8 splat(float x) { return (f8){x, x, x, x, x, x, x, x}; }

/* exp with Cephes' range reduction and degree-6 polynomial (about 1 ulp).
 * Rounding to the nearest integer uses the 1.5 * 2^23 trick, whose bit
 * pattern also carries that integer for the exponent. Inputs below -87.3
 * (and -inf) are clamped: their exp is ~1e-38, far below what a softmax
 * row can resolve. */
static inline f8 exp8(f8 x) {
    const f8 lo = splat(-87.3f), magic = splat(12582912.0f);
    i8 small = x < lo;
    x = (f8)(((i8)x & ~small) | ((i8)lo & small));
    f8 t = x * 1.44269504088896341f + magic;
    f8 n = t - magic;
    f8 r = x - n * 0.693359375f + n * 2.12194440e-4f;
    f8 p = splat(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    i8 e = ((i8)t - (i8)magic + 127) << 23;
    return p * (f8)e;
}

/* Softmax of scale * x over one row, in place (scale > 0, so the row's
 * maximum scales with it). */
static void softmax_row(float *x, int n, float scale) {
    float m = x[0];
    int j = 0;
    if (n >= 8) {
        f8 mv = load8(x);
        for (j = 8; j + 8 <= n; j += 8) {
            f8 v = load8(x + j);
            i8 gt = v > mv;
            mv = (f8)(((i8)v & gt) | ((i8)mv & ~gt));
        }
        for (int k = 0; k < 8; k++) m = mv[k] > m ? mv[k] : m;
    }
    for (; j < n; j++) m = x[j] > m ? x[j] : m;
    m *= scale;
    f8 acc = splat(0.0f);
    for (j = 0; j + 8 <= n; j += 8) {
        f8 e = exp8(load8(x + j) * scale - m);
        store8(x + j, e);
        acc += e;
    }
    float sum = 0;
    if (j < n) {
        /* The tail goes through the same exp so every element is computed alike. */
        float tail[8];
        for (int k = 0; k < 8; k++) tail[k] = j + k < n ? x[j + k] * scale - m : 0.0f;
        f8 e = exp8(load8(tail));
        for (int k = 0; j + k < n; k++) x[j + k] = e[k], sum += e[k];
    }
    for (int k = 0; k < 8; k++) sum += acc[k];
    float inv = 1.0f / sum;
    f8 iv = splat(inv);
    for (j = 0; j + 8 <= n; j += 8) store8(x + j, load8(x + j) * iv);
    for (; j < n; j++) x[j] *= inv;
}

/* Softmax backward of one row in place: g = p * (g - <p, g>). */
static void softmax_row_backward(const float *p, float *g, int n) {
    f8 acc = splat(0.0f);
    int j = 0;
    for (; j + 8 <= n; j += 8) acc += load8(p + j) * load8(g + j);
    float r = 0;
    for (; j < n; j++) r += p[j] * g[j];
    for (int k = 0; k < 8; k++) r += acc[k];
    for (j = 0; j + 8 <= n; j += 8) store8(g + j, load8(p + j) * (load8(g + j) - r));
    for (; j < n; j++) g[j] = p[j] * (g[j] - r);
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

static inline u8 mix32x8(u8 x) {
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
    uint32_t b = (uint32_t)base;
    size_t i = 0;
    const u8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
    for (; i + 8 <= n; i += 8) {
        u8 h = mix32x8((lane + (b + (uint32_t)i)) * 0x9e3779b9U + d.seed);
        i8 keep = (i8)(h >= thr);
        store8(y + i, (f8)((i8)(load8(x + i) * scale) & keep));
    }
    for (; i < n; i++) {
        uint32_t h = mix32((b + (uint32_t)i) * 0x9e3779b9U + d.seed);
        y[i] = h >= thr ? x[i] * scale : 0.0f;
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

/* Queries per block: the block's scores (QBLOCK x len) stay in cache between
 * the two products and the softmax. A multiple of GSM_MR. */
enum { QBLOCK = 48 };

static void *scratch(size_t floats) {
    void *p = aligned_alloc(64, (floats * sizeof(float) + 63) & ~(size_t)63);
    if (!p) abort();
    return p;
}

/* Per (sequence, head): K^T and V packed once into the small-GEMM panel
 * layout, then for each block of queries S = Q K^T, softmax, ctx = P V. */
static void mha_forward_task(void *p, int t0, int t1) {
    const MhaTask *c = p;
    const int E = c->E, dh = c->dh, E3 = 3 * E;
    int Lmax = 1;
    for (int t = t0; t < t1; t++) Lmax = c->s->len[t / c->H] > Lmax ? c->s->len[t / c->H] : Lmax;
    float *kt = scratch(gsm_packed_floats(dh, Lmax)), *vp = scratch(gsm_packed_floats(Lmax, dh));
    float *sbuf = c->probs ? NULL : scratch((size_t)QBLOCK * Lmax);
    for (int t = t0; t < t1; t++) {
        int s = t / c->H, h = t % c->H, L = c->s->len[s], o = c->s->off[s];
        const float *Q = c->qkv + (size_t)o * E3 + (size_t)h * dh, *K = Q + E, *V = Q + 2 * E;
        size_t po = c->probs ? c->s->poff[s] + (size_t)h * L * L : 0;
        panel_pack_cols(dh, L, K, (size_t)E3, kt);
        panel_pack_rows(L, dh, V, (size_t)E3, vp);
        for (int i0 = 0; i0 < L; i0 += QBLOCK) {
            int n = L - i0 < QBLOCK ? L - i0 : QBLOCK;
            size_t pb = po + (size_t)i0 * L;
            float *S = c->probs ? c->probs + pb : sbuf;
            gsm_rows(n, L, dh, Q + (size_t)i0 * E3, (size_t)E3, kt, S, (size_t)L, 0);
            for (int i = 0; i < n; i++) softmax_row(S + (size_t)i * L, L, c->scale);
            const float *A = S;
            if (c->drop.p > 0) {
                drop_apply(c->dropped + pb, S, (size_t)n * L, pb, c->drop);
                A = c->dropped + pb;
            }
            gsm_rows(n, dh, L, A, (size_t)L, vp, c->ctx + (size_t)(o + i0) * E + (size_t)h * dh, (size_t)E, 0);
        }
    }
    free(kt);
    free(vp);
    free(sbuf);
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
        for (int i = 0; i < L; i++) softmax_row_backward(P + (size_t)i * L, G + (size_t)i * L, L);
        gemm(0, 0, L, dh, L, c->scale, G, L, K, E3, 0.0f, dQ, E3);
        gemm(1, 0, L, dh, L, c->scale, G, L, Q, E3, 0.0f, dK, E3);
    }
}

/* The per-head products are small (len x len x dh): one single-threaded GEMM
 * per (sequence, head) on our own pool beats OpenBLAS splitting each one. */
static void run_heads(const SeqPack *s, int ntasks, ParallelFn fn, void *ctx) {
    if (s->psize < 16384) { /* a few short sequences: threads would cost more than they save */
        fn(ctx, 0, ntasks);
        return;
    }
    int blas_threads = openblas_get_num_threads();
    if (blas_threads > 1) openblas_set_num_threads(1);
    parallel_for(ntasks, fn, ctx);
    if (blas_threads > 1) openblas_set_num_threads(blas_threads);
}

void mha_forward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop, float *qkv,
                 float *probs, float *dropped, float *ctx, float *out) {
    rows_linear(x, s->rows, E, w->w_in, 3 * E, (RowsEpilogue){.bias = w->b_in}, qkv);
    MhaTask c = {.s = s, .E = E, .H = H, .dh = E / H, .scale = 1.0f / sqrtf((float)(E / H)), .drop = drop,
                 .qkv = qkv, .probs = probs, .dropped = dropped, .ctx = ctx};
    run_heads(s, s->nseq * H, mha_forward_task, &c);
    rows_linear(ctx, s->rows, E, w->w_out, E, (RowsEpilogue){.bias = w->b_out}, out);
}

void mha_backward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop,
                  const float *qkv, const float *probs, const float *ctx, const float *dout, float *dctx, float *dqkv,
                  float *dscores, float *dx, const MhaGrads *g) {
    rows_linear_t(dout, s->rows, E, w->w_out, E, (RowsEpilogue){0}, dctx);
    linear_backward(ctx, s->rows, E, w->w_out, E, dout, NULL, g->w_out, g->b_out);
    MhaTask c = {.s = s, .E = E, .H = H, .dh = E / H, .scale = 1.0f / sqrtf((float)(E / H)), .drop = drop,
                 .qkv = qkv, .probs_in = probs, .dctx = dctx, .dqkv = dqkv, .dscores = dscores};
    run_heads(s, s->nseq * H, mha_backward_task, &c);
    if (dx) rows_linear_t(dqkv, s->rows, 3 * E, w->w_in, E, (RowsEpilogue){.accumulate = 1}, dx);
    linear_backward(x, s->rows, E, w->w_in, 3 * E, dqkv, NULL, g->w_in, g->b_in);
}
