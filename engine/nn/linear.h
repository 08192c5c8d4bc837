/* Fully connected layer with PyTorch's layout: W is [out x in], y = x W^T + b. */
#ifndef SENTUI_NN_LINEAR_H
#define SENTUI_NN_LINEAR_H

/* y[N x out] = x[N x in] W^T + b (b may be NULL). */
void linear_forward(const float *x, int N, int in, const float *W, const float *b, int out, float *y);

/* dx[N x in] += dy W (dx may be NULL); dW[out x in] += dy^T x; db[out] += sum_n dy[n]
 * (db may be NULL). */
void linear_backward(const float *x, int N, int in, const float *W, int out, const float *dy, float *dx, float *dW,
                     float *db);

#endif
