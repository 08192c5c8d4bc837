#include "layernorm.h"

#include <math.h>
#include <stddef.h>

#include "tensor.h"

typedef struct {
    const float *x, *w, *b, *dy, *mean, *rstd;
    float *y, *mean_out, *rstd_out, *dx, *dw, *db;
    int N, D;
    float eps;
} LnCtx;

static void ln_forward_rows(void *p, int r0, int r1) {
    const LnCtx *c = p;
    const int D = c->D;
    for (int r = r0; r < r1; r++) {
        const float *x = c->x + (size_t)r * D;
        float *y = c->y + (size_t)r * D;
        /* Two passes: the mean is subtracted before squaring, so the variance
         * does not cancel catastrophically for rows far from zero. */
        float s = 0;
        for (int i = 0; i < D; i++) s += x[i];
        float mu = s / (float)D, v = 0;
        for (int i = 0; i < D; i++) {
            float d = x[i] - mu;
            v += d * d;
        }
        float rs = 1.0f / sqrtf(v / (float)D + c->eps);
        for (int i = 0; i < D; i++) y[i] = (x[i] - mu) * rs * c->w[i] + c->b[i];
        c->mean_out[r] = mu;
        c->rstd_out[r] = rs;
    }
}

void layernorm_forward(const float *x, int N, int D, const float *w, const float *b, float eps, float *y, float *mean,
                       float *rstd) {
    LnCtx c = {.x = x, .w = w, .b = b, .y = y, .mean_out = mean, .rstd_out = rstd, .N = N, .D = D, .eps = eps};
    if ((size_t)N * D < 16384)
        ln_forward_rows(&c, 0, N);
    else
        parallel_for(N, ln_forward_rows, &c);
}

/* dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w. */
static void ln_backward_rows(void *p, int r0, int r1) {
    const LnCtx *c = p;
    const int D = c->D;
    for (int r = r0; r < r1; r++) {
        const float *x = c->x + (size_t)r * D, *dy = c->dy + (size_t)r * D;
        float *dx = c->dx + (size_t)r * D;
        float mu = c->mean[r], rs = c->rstd[r];
        float sg = 0, sgx = 0;
        for (int i = 0; i < D; i++) {
            float g = dy[i] * c->w[i];
            sg += g;
            sgx += g * (x[i] - mu) * rs;
        }
        sg /= (float)D;
        sgx /= (float)D;
        for (int i = 0; i < D; i++) {
            float xh = (x[i] - mu) * rs;
            dx[i] += rs * (dy[i] * c->w[i] - sg - xh * sgx);
        }
    }
}

static void ln_backward_cols(void *p, int c0, int c1) {
    const LnCtx *c = p;
    const int D = c->D;
    for (int r = 0; r < c->N; r++) {
        const float *x = c->x + (size_t)r * D, *dy = c->dy + (size_t)r * D;
        float mu = c->mean[r], rs = c->rstd[r];
        if (c->dw)
            for (int i = c0; i < c1; i++) c->dw[i] += dy[i] * (x[i] - mu) * rs;
        if (c->db)
            for (int i = c0; i < c1; i++) c->db[i] += dy[i];
    }
}

void layernorm_backward(const float *x, int N, int D, const float *w, const float *mean, const float *rstd,
                        const float *dy, float *dx, float *dw, float *db) {
    LnCtx c = {.x = x, .w = w, .dy = dy, .mean = mean, .rstd = rstd, .dx = dx, .dw = dw, .db = db, .N = N, .D = D};
    int small = (size_t)N * D < 16384;
    if (dx) {
        if (small)
            ln_backward_rows(&c, 0, N);
        else
            parallel_for(N, ln_backward_rows, &c);
    }
    if (dw || db) {
        /* Each thread owns a contiguous range of columns and walks every row,
         * so the sums never depend on how rows were split. */
        if (small || D < 32)
            ln_backward_cols(&c, 0, D);
        else
            parallel_for(D, ln_backward_cols, &c);
    }
}
