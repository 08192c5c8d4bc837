/* Layer normalisation over the last dimension (PyTorch's nn.LayerNorm with
 * elementwise affine): y = (x - mean) / sqrt(var + eps) * w + b, with the
 * biased variance. The per-row mean and 1/std are kept for backward. */
#ifndef SENTUI_NN_LAYERNORM_H
#define SENTUI_NN_LAYERNORM_H

#define LAYERNORM_EPS 1e-5f

/* y[N x D] from x[N x D] on the calling thread (callers run it inside
 * their own parallel region, a sequence at a time); mean[N] and rstd[N]
 * receive the row statistics. y may not alias x. */
void layernorm_forward(const float *x, int N, int D, const float *w, const float *b, float eps, float *y, float *mean,
                       float *rstd);

/* dx[N x D] += d/dx, dw[D] += d/dw, db[D] += d/db (dx, dw, db may be NULL).
 * Deterministic for any thread count: dx is per row, and dw/db add up
 * fixed chunks of rows in a fixed order. */
void layernorm_backward(const float *x, int N, int D, const float *w, const float *mean, const float *rstd,
                        const float *dy, float *dx, float *dw, float *db);

#endif
