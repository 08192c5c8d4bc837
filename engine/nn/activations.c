#include "nn/activations.h"

#include "kernels/vecmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

float act_expf(float x) { return sexp(x); }
float act_tanhf(float x) { return stanh(x); }
float act_sigmoidf(float x) { return ssigmoid(x); }

void act_tanh_forward(const float *x, size_t n, float *y) {
    size_t i = 0;
    for (; i + VLANES <= n; i += VLANES) vstore(y + i, vtanh(vload(x + i)));
    for (; i < n; i++) y[i] = stanh(x[i]);
}

void act_sigmoid_forward(const float *x, size_t n, float *y) {
    size_t i = 0;
    for (; i + VLANES <= n; i += VLANES) vstore(y + i, vsigmoid(vload(x + i)));
    for (; i < n; i++) y[i] = ssigmoid(x[i]);
}

void act_relu_forward(const float *x, size_t n, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

void act_gelu_forward(const float *x, size_t n, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * INV_SQRT2));
}

void act_tanh_backward(const float *y, const float *dy, size_t n, float *dx) {
    for (size_t i = 0; i < n; i++) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
}

void act_sigmoid_backward(const float *y, const float *dy, size_t n, float *dx) {
    for (size_t i = 0; i < n; i++) dx[i] += dy[i] * y[i] * (1.0f - y[i]);
}

void act_relu_backward(const float *x, const float *dy, size_t n, float *dx) {
    for (size_t i = 0; i < n; i++) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}

void act_gelu_backward(const float *x, const float *dy, size_t n, float *dx) {
    for (size_t i = 0; i < n; i++) {
        float cdf = 0.5f * (1.0f + erff(x[i] * INV_SQRT2));
        float pdf = INV_SQRT_2PI * expf(-0.5f * x[i] * x[i]);
        dx[i] += dy[i] * (cdf + x[i] * pdf);
    }
}
