/* Layer normalisation (layernorm.h). The forward runs on the calling thread
 * (the Transformer calls it per sequence inside its parallel forward); the
 * backward runs over the packed batch on the pool. */
#include "nn/layernorm.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "kernels/tensor.h"

/* Rows are processed 8 floats at a time with GCC/Clang vector extensions
 * (AVX when enabled, SSE pairs otherwise): at -O2 the compiler leaves plain
 * loops over a runtime length scalar. */
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define LD(p) ((v8)(*(const v8u *)(p)))
#define ST(p, v) (*(v8u *)(p) = (v))

static float hsum(v8 a) { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); }

typedef struct {
    const float *x, *w, *b, *dy, *mean, *rstd;
    float *y, *mean_out, *rstd_out, *dx, *dw, *db;
    int N, D;
    float eps;
} LnCtx;

static void ln_forward_rows(void *p, int r0, int r1) {
    const LnCtx *c = p;
    const int D = c->D;
    const float *w = c->w, *b = c->b;
    for (int r = r0; r < r1; r++) {
        const float *x = c->x + (size_t)r * D;
        float *y = c->y + (size_t)r * D;
        /* Two passes: the mean is subtracted before squaring, so the variance
         * does not cancel catastrophically for rows far from zero. */
        v8 acc = {0};
        float s = 0;
        int i = 0;
        for (; i + 8 <= D; i += 8) acc += LD(x + i);
        for (; i < D; i++) s += x[i];
        float mu = (s + hsum(acc)) / (float)D, v = 0;
        v8 vacc = {0};
        for (i = 0; i + 8 <= D; i += 8) {
            v8 d = LD(x + i) - mu;
            vacc += d * d;
        }
        for (; i < D; i++) v += (x[i] - mu) * (x[i] - mu);
        float rs = 1.0f / sqrtf((v + hsum(vacc)) / (float)D + c->eps);
        for (i = 0; i + 8 <= D; i += 8) ST(y + i, (LD(x + i) - mu) * rs * LD(w + i) + LD(b + i));
        for (; i < D; i++) y[i] = (x[i] - mu) * rs * w[i] + b[i];
        c->mean_out[r] = mu;
        c->rstd_out[r] = rs;
    }
}

void layernorm_forward(const float *x, int N, int D, const float *w, const float *b, float eps, float *y, float *mean,
                       float *rstd) {
    LnCtx c = {.x = x, .w = w, .b = b, .y = y, .mean_out = mean, .rstd_out = rstd, .N = N, .D = D, .eps = eps};
    ln_forward_rows(&c, 0, N);
}

/* dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w. */
static void ln_backward_rows(void *p, int r0, int r1) {
    const LnCtx *c = p;
    const int D = c->D;
    const float *w = c->w;
    for (int r = r0; r < r1; r++) {
        const float *x = c->x + (size_t)r * D, *dy = c->dy + (size_t)r * D;
        float *dx = c->dx + (size_t)r * D;
        const float mu = c->mean[r], rs = c->rstd[r];
        v8 ag = {0}, agx = {0};
        float sg = 0, sgx = 0;
        int i = 0;
        for (; i + 8 <= D; i += 8) {
            v8 g = LD(dy + i) * LD(w + i);
            ag += g;
            agx += g * ((LD(x + i) - mu) * rs);
        }
        for (; i < D; i++) {
            float g = dy[i] * w[i];
            sg += g;
            sgx += g * (x[i] - mu) * rs;
        }
        sg = (sg + hsum(ag)) / (float)D;
        sgx = (sgx + hsum(agx)) / (float)D;
        for (i = 0; i + 8 <= D; i += 8)
            ST(dx + i, LD(dx + i) + rs * (LD(dy + i) * LD(w + i) - sg - (LD(x + i) - mu) * rs * sgx));
        for (; i < D; i++) dx[i] += rs * (dy[i] * w[i] - sg - (x[i] - mu) * rs * sgx);
    }
}

/* Rows per chunk of the weight gradients: each chunk sums its rows' terms in
 * row order, and the chunk sums are added in chunk order, so the result does
 * not depend on how many threads took the chunks. One pass over x and dy
 * serves dx and the weight gradients. */
enum { LN_CHUNK = 64 };

typedef struct {
    LnCtx ln;
    float *part; /* [chunks x 2D]: dw sums, then db sums */
} LnBwdCtx;

static void ln_backward_chunks(void *p, int c0, int c1) {
    const LnBwdCtx *b = p;
    const LnCtx *c = &b->ln;
    const int D = c->D;
    for (int ch = c0; ch < c1; ch++) {
        int r0 = ch * LN_CHUNK, r1 = r0 + LN_CHUNK < c->N ? r0 + LN_CHUNK : c->N;
        if (c->dx) ln_backward_rows((void *)c, r0, r1);
        if (!b->part) continue;
        float *pw = b->part + (size_t)ch * 2 * D, *pb = pw + D;
        for (int i = 0; i < 2 * D; i++) pw[i] = 0.0f;
        for (int r = r0; r < r1; r++) {
            const float *x = c->x + (size_t)r * D, *dy = c->dy + (size_t)r * D;
            const float mu = c->mean[r], rs = c->rstd[r];
            int i = 0;
            for (; i + 8 <= D; i += 8) {
                ST(pw + i, LD(pw + i) + LD(dy + i) * ((LD(x + i) - mu) * rs));
                ST(pb + i, LD(pb + i) + LD(dy + i));
            }
            for (; i < D; i++) {
                pw[i] += dy[i] * ((x[i] - mu) * rs);
                pb[i] += dy[i];
            }
        }
    }
}

void layernorm_backward(const float *x, int N, int D, const float *w, const float *mean, const float *rstd,
                        const float *dy, float *dx, float *dw, float *db) {
    if (N <= 0) return;
    int chunks = (N + LN_CHUNK - 1) / LN_CHUNK;
    LnBwdCtx b = {{.x = x, .w = w, .dy = dy, .mean = mean, .rstd = rstd, .dx = dx, .N = N, .D = D}, NULL};
    if (dw || db) {
        b.part = malloc((size_t)chunks * 2 * D * sizeof(float));
        if (!b.part) abort();
    }
    if ((size_t)N * D < 16384)
        ln_backward_chunks(&b, 0, chunks);
    else
        parallel_for(chunks, ln_backward_chunks, &b);
    if (b.part) {
        for (int ch = 0; ch < chunks; ch++) {
            const float *pw = b.part + (size_t)ch * 2 * D, *pb = pw + D;
            if (dw)
                for (int i = 0; i < D; i++) dw[i] += pw[i];
            if (db)
                for (int i = 0; i < D; i++) db[i] += pb[i];
        }
        free(b.part);
    }
}
