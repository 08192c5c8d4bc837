/* Pooling over real tokens (pooling.h), the one path for training and
 * evaluation: the recurrent models pool a batch at once, the Transformer one
 * sequence at a time inside its forward. */
#include "nn/pooling.h"

#include <math.h>
#include <string.h>

#include "config/config.h"

static inline int seq_len(const int32_t *lengths, int b, int T) {
    if (!lengths) return T;
    int n = lengths[b];
    return n < 1 ? 1 : n > T ? T : n;
}

#define AT(h, b, t) ((h) + (size_t)(b) * sb + (size_t)(t) * st)

void pool_last_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths, float *out) {
    for (int b = 0; b < B; b++)
        memcpy(out + (size_t)b * D, AT(h, b, seq_len(lengths, b, T) - 1), (size_t)D * sizeof(float));
}

void pool_last_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                        float *dh) {
    for (int b = 0; b < B; b++) {
        float *d = AT(dh, b, seq_len(lengths, b, T) - 1);
        const float *g = dout + (size_t)b * D;
        for (int i = 0; i < D; i++) d[i] += g[i];
    }
}

void pool_last_bidir_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                             float *out) {
    int half = D / 2;
    for (int b = 0; b < B; b++) {
        memcpy(out + (size_t)b * D, AT(h, b, seq_len(lengths, b, T) - 1), (size_t)half * sizeof(float));
        memcpy(out + (size_t)b * D + half, AT(h, b, 0) + half, (size_t)(D - half) * sizeof(float));
    }
}

void pool_last_bidir_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                              float *dh) {
    int half = D / 2;
    for (int b = 0; b < B; b++) {
        const float *g = dout + (size_t)b * D;
        float *d = AT(dh, b, seq_len(lengths, b, T) - 1);
        for (int i = 0; i < half; i++) d[i] += g[i];
        d = AT(dh, b, 0);
        for (int i = half; i < D; i++) d[i] += g[i];
    }
}

void pool_first_forward(const float *h, int B, int T, int D, size_t sb, size_t st, float *out) {
    (void)T;
    for (int b = 0; b < B; b++) memcpy(out + (size_t)b * D, AT(h, b, 0), (size_t)D * sizeof(float));
}

void pool_first_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, float *dh) {
    (void)T;
    for (int b = 0; b < B; b++) {
        float *d = AT(dh, b, 0);
        const float *g = dout + (size_t)b * D;
        for (int i = 0; i < D; i++) d[i] += g[i];
    }
}

void pool_mean_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths, float *out) {
    for (int b = 0; b < B; b++) {
        int n = seq_len(lengths, b, T);
        float *o = out + (size_t)b * D;
        memset(o, 0, (size_t)D * sizeof(float));
        for (int t = 0; t < n; t++) {
            const float *x = AT(h, b, t);
            for (int i = 0; i < D; i++) o[i] += x[i];
        }
        float inv = 1.0f / (float)n;
        for (int i = 0; i < D; i++) o[i] *= inv;
    }
}

void pool_mean_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                        float *dh) {
    for (int b = 0; b < B; b++) {
        int n = seq_len(lengths, b, T);
        float inv = 1.0f / (float)n;
        const float *g = dout + (size_t)b * D;
        for (int t = 0; t < n; t++) {
            float *d = AT(dh, b, t);
            for (int i = 0; i < D; i++) d[i] += g[i] * inv;
        }
    }
}

void pool_max_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths, float *out,
                      int32_t *argmax) {
    for (int b = 0; b < B; b++) {
        int n = seq_len(lengths, b, T);
        float *o = out + (size_t)b * D;
        int32_t *am = argmax + (size_t)b * D;
        memcpy(o, AT(h, b, 0), (size_t)D * sizeof(float));
        for (int i = 0; i < D; i++) am[i] = 0;
        for (int t = 1; t < n; t++) {
            const float *x = AT(h, b, t);
            for (int i = 0; i < D; i++)
                if (x[i] > o[i]) o[i] = x[i], am[i] = t;
        }
    }
}

void pool_max_backward(const float *dout, const int32_t *argmax, int B, int T, int D, size_t sb, size_t st,
                       float *dh) {
    (void)T;
    for (int b = 0; b < B; b++) {
        const float *g = dout + (size_t)b * D;
        const int32_t *am = argmax + (size_t)b * D;
        for (int i = 0; i < D; i++) AT(dh, b, am[i])[i] += g[i];
    }
}

void pool_attention_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                            const float *w, const float *bias, float *weights, float *out) {
    for (int b = 0; b < B; b++) {
        int n = seq_len(lengths, b, T);
        float *a = weights + (size_t)b * T;
        float mx = -INFINITY;
        for (int t = 0; t < n; t++) {
            const float *x = AT(h, b, t);
            float s = bias[0];
            for (int i = 0; i < D; i++) s += w[i] * x[i];
            a[t] = s;
            if (s > mx) mx = s;
        }
        double sum = 0;
        for (int t = 0; t < n; t++) {
            a[t] = expf(a[t] - mx);
            sum += a[t];
        }
        float inv = (float)(1.0 / sum);
        for (int t = 0; t < n; t++) a[t] *= inv;
        for (int t = n; t < T; t++) a[t] = 0.0f;
        float *o = out + (size_t)b * D;
        memset(o, 0, (size_t)D * sizeof(float));
        for (int t = 0; t < n; t++) {
            const float *x = AT(h, b, t);
            for (int i = 0; i < D; i++) o[i] += a[t] * x[i];
        }
    }
}

void pool_attention_backward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                             const float *w, const float *weights, const float *dout, float *dh, float *dw,
                             float *dbias) {
    for (int b = 0; b < B; b++) {
        int n = seq_len(lengths, b, T);
        const float *a = weights + (size_t)b * T;
        const float *g = dout + (size_t)b * D;
        /* da_t = g . h_t; ds_t = a_t (da_t - sum_u a_u da_u) */
        double dot = 0;
        for (int t = 0; t < n; t++) {
            const float *x = AT(h, b, t);
            float da = 0;
            for (int i = 0; i < D; i++) da += g[i] * x[i];
            dot += (double)a[t] * da;
        }
        for (int t = 0; t < n; t++) {
            const float *x = AT(h, b, t);
            float *d = AT(dh, b, t);
            float da = 0;
            for (int i = 0; i < D; i++) da += g[i] * x[i];
            float ds = a[t] * (da - (float)dot);
            for (int i = 0; i < D; i++) {
                d[i] += a[t] * g[i] + ds * w[i];
                dw[i] += ds * x[i];
            }
            dbias[0] += ds;
        }
    }
}

void pooling_forward(int kind, const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                     const float *w, const float *bias, float *weights, int32_t *argmax, float *out) {
    switch (kind) {
    case POOL_MEAN: pool_mean_forward(h, B, T, D, sb, st, lengths, out); break;
    case POOL_MAX: pool_max_forward(h, B, T, D, sb, st, lengths, out, argmax); break;
    case POOL_ATTENTION: pool_attention_forward(h, B, T, D, sb, st, lengths, w, bias, weights, out); break;
    case POOL_CLS: pool_first_forward(h, B, T, D, sb, st, out); break;
    case POOL_LAST:
    default: pool_last_forward(h, B, T, D, sb, st, lengths, out); break;
    }
}

void pooling_backward(int kind, const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                      const float *w, const float *weights, const int32_t *argmax, const float *dout, float *dh,
                      float *dw, float *dbias) {
    switch (kind) {
    case POOL_MEAN: pool_mean_backward(dout, B, T, D, sb, st, lengths, dh); break;
    case POOL_MAX: pool_max_backward(dout, argmax, B, T, D, sb, st, dh); break;
    case POOL_ATTENTION: pool_attention_backward(h, B, T, D, sb, st, lengths, w, weights, dout, dh, dw, dbias); break;
    case POOL_CLS: pool_first_backward(dout, B, T, D, sb, st, dh); break;
    case POOL_LAST:
    default: pool_last_backward(dout, B, T, D, sb, st, lengths, dh); break;
    }
}
