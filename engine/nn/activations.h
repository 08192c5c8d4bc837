/* Elementwise non-linearities over arrays, written so the compiler vectorises
 * them (a polynomial exp instead of libm's expf, accurate to a few ulp).
 * Backward functions ADD into dx and take the forward output y where that is
 * all the derivative needs (tanh, sigmoid), else the input x. */
#ifndef SENTUI_NN_ACTIVATIONS_H
#define SENTUI_NN_ACTIVATIONS_H

#include <stddef.h>

/* y = f(x); y may alias x. */
void act_tanh_forward(const float *x, size_t n, float *y);
void act_sigmoid_forward(const float *x, size_t n, float *y);
void act_relu_forward(const float *x, size_t n, float *y);
/* Exact GELU, x * Phi(x) (PyTorch's nn.GELU default). */
void act_gelu_forward(const float *x, size_t n, float *y);

/* dx += dy * f'(x). */
void act_tanh_backward(const float *y, const float *dy, size_t n, float *dx);    /* 1 - y^2 */
void act_sigmoid_backward(const float *y, const float *dy, size_t n, float *dx); /* y (1 - y) */
void act_relu_backward(const float *x, const float *dy, size_t n, float *dx);
void act_gelu_backward(const float *x, const float *dy, size_t n, float *dx);

/* Scalar versions of the same approximations, for fused loops. */
float act_expf(float x);
float act_tanhf(float x);
float act_sigmoidf(float x);

#endif
