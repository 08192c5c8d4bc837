/* GELU over arrays, the one activation the engine computes on its own pass:
 * the feed-forward's GELU runs it on each sequence's hidden rows
 * (ffn_forward_seq) and its backward over the batch. ReLU is fused into the
 * product epilogues (linear_rows.h) and tanh and the gates into the recurrent
 * cell (vecmath.h), where they train. */
#include "nn/activations.h"

#include <math.h>

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

void act_gelu_forward(const float *x, size_t n, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * INV_SQRT2));
}

void act_gelu_backward(const float *x, const float *dy, size_t n, float *dx) {
    for (size_t i = 0; i < n; i++) {
        float cdf = 0.5f * (1.0f + erff(x[i] * INV_SQRT2));
        float pdf = INV_SQRT_2PI * expf(-0.5f * x[i] * x[i]);
        dx[i] += dy[i] * (cdf + x[i] * pdf);
    }
}
