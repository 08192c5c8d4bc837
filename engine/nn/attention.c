/* Multi-head self-attention (attention.h). The forward that trains and
 * evaluates is mha_forward_seq: in-projection, per-head attention in blocks of
 * queries, out-projection with dropout and residual, all on the calling
 * thread for one sequence. mha_backward runs over the packed batch, one task
 * per (sequence, head) on the pool. */
#include "nn/attention.h"

#include <math.h>
#include <stdlib.h>

#include "nn/dropout.h"
#include "kernels/gemm_small.h"
#include "kernels/linear_rows.h"
#include "kernels/mask_hash.h"
#include "kernels/panel_pack.h"
#include "kernels/tensor.h"
#include "kernels/vexp8.h"

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
typedef uint32_t u8 __attribute__((vector_size(32)));
/* Unaligned view of 8 floats in a float buffer. */
typedef float f8u __attribute__((vector_size(32), aligned(4), may_alias));

static inline f8 load8(const float *p) { return *(const f8u *)p; }

static inline void store8(float *p, f8 v) { *(f8u *)p = v; }

static inline f8 splat(float x) { return splat8(x); }

/* The exponentials of a softmax of scale * x over one row, in place (scale >
 * 0, so the row's maximum scales with it); returns 1 / their sum. The
 * normalisation is left to the caller: the context rows are scaled instead
 * (dh floats a row, not len), and the maps only when they are kept. */
static float softmax_exp_row(float *x, int n, float scale) {
    float m = x[0];
    int j = 0;
    if (n >= 16) {
        /* two running maxima: the chain of dependent max steps is halved */
        f8 m0 = load8(x), m1 = load8(x + 8);
        for (j = 16; j + 16 <= n; j += 16) {
            m0 = max8(m0, load8(x + j));
            m1 = max8(m1, load8(x + j + 8));
        }
        m0 = max8(m0, m1);
        for (int k = 0; k < 8; k++) m = m0[k] > m ? m0[k] : m;
    }
    for (; j < n; j++) m = x[j] > m ? x[j] : m;
    const float xm = m;
    m *= scale;
    const f8 sv = splat(scale), mv = splat(-m);
    f8 acc = splat(0.0f);
    for (j = 0; j + 8 <= n; j += 8) {
        f8 e = exp8(fma8(load8(x + j), sv, mv));
        store8(x + j, e);
        acc += e;
    }
    float sum = 0;
    if (j < n) {
        /* The tail goes through the same exp so every element is computed alike. */
        float tail[8];
        for (int k = 0; k < 8; k++) tail[k] = j + k < n ? x[j + k] : xm;
        f8 e = exp8(fma8(load8(tail), sv, mv));
        for (int k = 0; j + k < n; k++) x[j + k] = e[k], sum += e[k];
    }
    for (int k = 0; k < 8; k++) sum += acc[k];
    return 1.0f / sum;
}

static void scale_row(float *x, int n, float s) {
    f8 sv = splat(s);
    int j = 0;
    for (; j + 8 <= n; j += 8) store8(x + j, load8(x + j) * sv);
    for (; j < n; j++) x[j] *= s;
}

/* Softmax backward of one row in place: g = scale * p * (g - <p, g>). */
static void softmax_row_backward(const float *p, float *g, int n, float scale) {
    f8 acc = splat(0.0f);
    int j = 0;
    for (; j + 8 <= n; j += 8) acc += load8(p + j) * load8(g + j);
    float r = 0;
    for (; j < n; j++) r += p[j] * g[j];
    for (int k = 0; k < 8; k++) r += acc[k];
    for (j = 0; j + 8 <= n; j += 8) store8(g + j, load8(p + j) * (load8(g + j) - r) * scale);
    for (; j < n; j++) g[j] = p[j] * (g[j] - r) * scale;
}

/* Counter-based mask: element idx of the probability buffer is kept when a
 * hash of (seed, idx) clears the threshold. */
static uint32_t drop_threshold(float p) { return (uint32_t)((double)p * 4294967296.0); }

/* y[i] = x[i] * mask(base + i) / (1 - p); y may alias x. */
static void drop_apply(float *y, const float *x, size_t n, size_t base, MhaDropout d) {
    uint32_t thr = drop_threshold(d.p);
    float scale = 1.0f / (1.0f - d.p);
    uint32_t b = (uint32_t)base;
    size_t i = 0;
    const u8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
    for (; i + 8 <= n; i += 8) {
        u8 h = mask_mix32x8((lane + (b + (uint32_t)i)) * 0x9e3779b9U + d.seed);
        i8 keep = (i8)(h >= thr);
        store8(y + i, (f8)((i8)(load8(x + i) * scale) & keep));
    }
    for (; i < n; i++) {
        uint32_t h = mask_mix32((b + (uint32_t)i) * 0x9e3779b9U + d.seed);
        y[i] = h >= thr ? x[i] * scale : 0.0f;
    }
}

typedef struct {
    const SeqPack *s;
    int E, H, dh;
    float scale;
    MhaDropout drop;
    const float *qkv, *probs, *dctx;
    float *dqkv;
    ParallelFn task;    /* runs tasks [t0, t1) */
    const int *bound;   /* [parts + 1]: first task of each part */
} MhaTask;

/* Queries per block: the block's scores (QBLOCK x len) stay in cache between
 * the two products and the softmax. A multiple of GSM_MR. */
enum { QBLOCK = 48 };

static void *scratch(size_t floats) {
    void *p = aligned_alloc(64, (floats * sizeof(float) + 63) & ~(size_t)63);
    if (!p) abort();
    return p;
}

/* One (sequence, head): K^T and V packed once into the small-GEMM panel
 * layout, then for each block of queries S = Q K^T, softmax, ctx = P V.
 * P: the head's [L x L] map (kept), or NULL to use sbuf [QBLOCK x L];
 * D: the dropped map when drop.p > 0; pb: P's index in the probability
 * buffer (dropout hash). */
static void attend_head(int L, int E, int dh, float scale, const float *Q, MhaDropout drop, float *P, float *D,
                        size_t pb, float *ctx, float *kt, float *vp, float *sbuf) {
    const size_t E3 = 3 * (size_t)E;
    float inv[QBLOCK];
    panel_pack_cols(dh, L, Q + E, E3, kt);
    panel_pack_rows(L, dh, Q + 2 * E, E3, vp);
    for (int i0 = 0; i0 < L; i0 += QBLOCK) {
        int n = L - i0 < QBLOCK ? L - i0 : QBLOCK;
        size_t b = (size_t)i0 * L;
        float *S = P ? P + b : sbuf;
        gsm_rows(n, L, dh, Q + (size_t)i0 * E3, E3, kt, S, (size_t)L, 0);
        for (int i = 0; i < n; i++) inv[i] = softmax_exp_row(S + (size_t)i * L, L, scale);
        const float *A = S;
        if (drop.p > 0) {
            drop_apply(D + b, S, (size_t)n * L, pb + b, drop);
            A = D + b;
        }
        /* ctx = (exp V) / sum */
        float *C = ctx + (size_t)i0 * E;
        gsm_rows(n, dh, L, A, (size_t)L, vp, C, (size_t)E, 0);
        for (int i = 0; i < n; i++) scale_row(C + (size_t)i * E, dh, inv[i]);
        if (P)
            for (int i = 0; i < n; i++) scale_row(S + (size_t)i * L, L, inv[i]);
    }
}

size_t mha_seq_scratch_floats(int L, int E, int H) {
    int dh = E / H;
    return gsm_packed_floats(dh, L) + gsm_packed_floats(L, dh) + (size_t)QBLOCK * L + 32;
}

void mha_attend_seq(int L, int E, int H, const float *qkv, MhaDropout drop, float *probs, float *dropped,
                    size_t pbase, float *ctx, float *scratch) {
    const int dh = E / H;
    float *kt = scratch, *vp = kt + gsm_packed_floats(dh, L), *sbuf = vp + gsm_packed_floats(L, dh);
    const float scale = 1.0f / sqrtf((float)dh);
    for (int h = 0; h < H; h++) {
        size_t hp = (size_t)h * L * L;
        attend_head(L, E, dh, scale, qkv + (size_t)h * dh, drop, probs ? probs + hp : NULL,
                    dropped ? dropped + hp : NULL, pbase + hp, ctx + (size_t)h * dh, kt, vp, sbuf);
    }
}

/* dst[d][i] = src[i * ld + d]: one head's [L x dh] slice transposed, and back. */
static void transpose_in(int L, int dh, const float *src, size_t ld, float *dst) {
    transpose(L, dh, src, ld, dst, (size_t)L);
}

static void transpose_out(int L, int dh, const float *src, float *dst, size_t ld) {
    transpose(dh, L, src, (size_t)L, dst, ld);
}

/* Backward of one (sequence, head), every product on the small-GEMM kernel
 * with its operands in cache. The products with a transposed [L x L] operand
 * (dV = A^T dC, dK = dS^T Q) are computed transposed, dV^T = dC^T A, so the
 * big operand is only packed, and the [dh x L] results are transposed back. */
static void mha_backward_task(void *p, int t0, int t1) {
    const MhaTask *c = p;
    const int E = c->E, dh = c->dh, E3 = 3 * E;
    int Lmax = 1;
    for (int t = t0; t < t1; t++) Lmax = c->s->len[t / c->H] > Lmax ? c->s->len[t / c->H] : Lmax;
    size_t LL = (size_t)Lmax * Lmax;
    float *G = scratch(LL), *A = c->drop.p > 0 ? scratch(LL) : NULL, *bp = scratch(gsm_packed_floats(Lmax, Lmax));
    float *vt = scratch(gsm_packed_floats(dh, Lmax)), *kp = scratch(gsm_packed_floats(Lmax, dh));
    float *dct = scratch((size_t)dh * Lmax), *qt = scratch((size_t)dh * Lmax), *outt = scratch((size_t)dh * Lmax);
    for (int t = t0; t < t1; t++) {
        int s = t / c->H, h = t % c->H, L = c->s->len[s], o = c->s->off[s];
        const float *Q = c->qkv + (size_t)o * E3 + (size_t)h * dh, *K = Q + E, *V = Q + 2 * E;
        float *dQ = c->dqkv + (size_t)o * E3 + (size_t)h * dh, *dK = dQ + E, *dV = dQ + 2 * E;
        const float *dC = c->dctx + (size_t)o * E + (size_t)h * dh;
        size_t po = c->s->poff[s] + (size_t)h * L * L, n = (size_t)L * L;
        const float *P = c->probs + po;
        /* dV^T = dC^T A, A the (dropped) probabilities that multiplied V. */
        const float *Pa = P;
        if (A) {
            drop_apply(A, P, n, po, c->drop);
            Pa = A;
        }
        panel_pack_rows(L, L, Pa, (size_t)L, bp);
        transpose_in(L, dh, dC, (size_t)E, dct);
        gsm_rows(dh, L, L, dct, (size_t)L, bp, outt, (size_t)L, 0);
        transpose_out(L, dh, outt, dV, (size_t)E3);
        /* dA = dC V^T, then through the dropout: kept where A != 0 (where
         * P itself is 0 the softmax backward zeroes the entry anyway). */
        panel_pack_cols(dh, L, V, (size_t)E3, vt);
        gsm_rows(L, L, dh, dC, (size_t)E, vt, G, (size_t)L, 0);
        if (A) {
            const f8 keep = splat(1.0f / (1.0f - c->drop.p)), zero = splat(0.0f);
            size_t i = 0;
            for (; i + 8 <= n; i += 8) {
                i8 k = load8(A + i) != zero;
                store8(G + i, (f8)((i8)(load8(G + i) * keep) & k));
            }
            for (; i < n; i++) G[i] = A[i] != 0.0f ? G[i] * keep[0] : 0.0f;
        }
        /* dS = scale * P * (dA - <P, dA>) per query row (scale of the scores folded in). */
        for (int i = 0; i < L; i++) softmax_row_backward(P + (size_t)i * L, G + (size_t)i * L, L, c->scale);
        panel_pack_rows(L, dh, K, (size_t)E3, kp);
        gsm_rows(L, dh, L, G, (size_t)L, kp, dQ, (size_t)E3, 0);
        /* dK^T = Q^T dS */
        panel_pack_rows(L, L, G, (size_t)L, bp);
        transpose_in(L, dh, Q, (size_t)E3, qt);
        gsm_rows(dh, L, L, qt, (size_t)L, bp, outt, (size_t)L, 0);
        transpose_out(L, dh, outt, dK, (size_t)E3);
    }
    free(G);
    free(A);
    free(bp);
    free(vt);
    free(kp);
    free(dct);
    free(qt);
    free(outt);
}

static void run_parts(void *p, int q0, int q1) {
    const MhaTask *c = p;
    c->task(p, c->bound[q0], c->bound[q1]);
}

/* One single-threaded task per (sequence, head) on our own pool, the tasks
 * split into contiguous parts of about equal work (len^2 each), so sequences
 * of mixed lengths still keep every thread busy. */
static void run_heads(MhaTask *c, ParallelFn fn) {
    const SeqPack *s = c->s;
    int ntasks = s->nseq * c->H;
    if (s->psize < 16384) { /* a few short sequences: threads would cost more than they save */
        fn(c, 0, ntasks);
        return;
    }
    int parts = compute_threads();
    if (parts > ntasks) parts = ntasks;
    int bound[parts + 1];
    double total = (double)s->psize, acc = 0;
    bound[0] = 0;
    int q = 1;
    for (int t = 0; t < ntasks && q < parts; t++) {
        double L = s->len[t / c->H];
        acc += L * L;
        if (acc >= total * q / parts) bound[q++] = t + 1;
    }
    while (q <= parts) bound[q++] = ntasks;
    c->task = fn;
    c->bound = bound;
    parallel_for(parts, run_parts, c);
}

size_t mha_packed_floats(int E) { return rows_packed_floats(E, 3 * E) + rows_packed_floats(E, E); }

void mha_pack(const MhaParams *w, int E, float *packed) {
    rows_pack(w->w_in, 3 * E, E, packed);
    rows_pack(w->w_out, E, E, packed + rows_packed_floats(E, 3 * E));
}

void mha_forward_seq(int L, int E, int H, const float *x, const MhaParams *w, const float *packed, MhaDropout drop,
                     const MhaSeqActs *a, const float *mask, const float *residual, float *out, float *scratch) {
    rows_apply(x, L, E, packed, 3 * E, (RowsEpilogue){.bias = w->b_in}, a->qkv);
    mha_attend_seq(L, E, H, a->qkv, drop, a->probs, a->dropped, a->pbase, a->ctx, scratch);
    rows_apply(a->ctx, L, E, packed + rows_packed_floats(E, 3 * E), E,
               (RowsEpilogue){.bias = w->b_out, .mask = mask, .residual = residual}, out);
}

void mha_backward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop,
                  const float *qkv, const float *probs, const float *ctx, const float *mask, float *dout, float *dctx,
                  float *dqkv, float *dx, const MhaGrads *g) {
    if (mask) dropout_apply(dout, mask, (size_t)s->rows * E);
    rows_linear_t(dout, s->rows, E, w->w_out, E, (RowsEpilogue){0}, dctx);
    rows_weight_grad(dout, ctx, s->rows, E, E, g->w_out, g->b_out);
    MhaTask c = {.s = s, .E = E, .H = H, .dh = E / H, .scale = 1.0f / sqrtf((float)(E / H)), .drop = drop,
                 .qkv = qkv, .probs = probs, .dctx = dctx, .dqkv = dqkv};
    run_heads(&c, mha_backward_task);
    if (dx) rows_linear_t(dqkv, s->rows, 3 * E, w->w_in, E, (RowsEpilogue){.accumulate = 1}, dx);
    rows_weight_grad(dqkv, x, s->rows, 3 * E, E, g->w_in, g->b_in);
}
