/* Exact GELU, x * Phi(x) (PyTorch's nn.GELU default), over arrays. The
 * other activations are fused where they are used: ReLU in the product
 * epilogues (kernels/linear_rows.h), tanh and the gate sigmoid in the
 * recurrent cell (kernels/vecmath.h). */
#ifndef SENTUI_NN_ACTIVATIONS_H
#define SENTUI_NN_ACTIVATIONS_H

#include <stddef.h>

/* y = gelu(x); y may alias x. */
void act_gelu_forward(const float *x, size_t n, float *y);

/* dx += dy * gelu'(x). */
void act_gelu_backward(const float *x, const float *dy, size_t n, float *dx);

#endif
