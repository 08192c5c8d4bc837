/* Fully connected layer on BLAS (linear.h): the classifier head of every
 * model, over B pooled vectors; the Transformer's position-wise layers run on
 * kernels/linear_rows.h instead. */
#include "nn/linear.h"

#include <string.h>

#include "kernels/tensor.h"

void linear_forward(const float *x, int N, int in, const float *W, const float *b, int out, float *y) {
    if (b) {
        for (int n = 0; n < N; n++) memcpy(y + (size_t)n * out, b, (size_t)out * sizeof(float));
    }
    gemm(0, 1, N, out, in, 1.0f, x, in, W, in, b ? 1.0f : 0.0f, y, out);
}

void linear_backward(const float *x, int N, int in, const float *W, int out, const float *dy, float *dx, float *dW,
                     float *db) {
    if (dx) gemm(0, 0, N, in, out, 1.0f, dy, out, W, in, 1.0f, dx, in);
    if (dW) gemm(1, 0, out, in, N, 1.0f, dy, out, x, in, 1.0f, dW, in);
    if (db) {
        for (int n = 0; n < N; n++) {
            const float *r = dy + (size_t)n * out;
            for (int o = 0; o < out; o++) db[o] += r[o];
        }
    }
}
