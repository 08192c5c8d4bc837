#include "nn/dropout.h"

void dropout_mask(Rng *rng, float p, float *mask, size_t n) {
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    float keep = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
    /* Two 32-bit draws per 64-bit output: drop when u < p. */
    uint32_t thresh = p >= 1.0f ? UINT32_MAX : (uint32_t)((double)p * 4294967296.0);
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        uint64_t r = rng_next(rng);
        mask[i] = (uint32_t)r < thresh ? 0.0f : keep;
        mask[i + 1] = (uint32_t)(r >> 32) < thresh ? 0.0f : keep;
    }
    if (i < n) mask[i] = (uint32_t)rng_next(rng) < thresh ? 0.0f : keep;
}

void dropout_forward(const float *x, const float *mask, size_t n, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] * mask[i];
}

void dropout_backward(const float *dy, const float *mask, size_t n, float *dx) {
    for (size_t i = 0; i < n; i++) dx[i] += dy[i] * mask[i];
}

void dropout_apply(float *x, const float *mask, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] *= mask[i];
}
