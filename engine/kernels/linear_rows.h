/* Position-wise products over the rows of a packed batch (every token of it):
 * y[N x out] = x[N x in] op(W) on the register-blocked kernel of gemm_small,
 * with the bias, ReLU and dropout mask applied while a block of rows is still
 * in cache. With K of 128-256 and thousands of rows, OpenBLAS spends a large
 * share of its time packing and pre-scaling C; here the weight is packed once
 * per call, threads own fixed blocks of rows, and each block runs through all
 * the weight panels. Every output sums its products in k order, so results do
 * not depend on the thread count. */
#ifndef SENTUI_NN_LINEAR_ROWS_H
#define SENTUI_NN_LINEAR_ROWS_H

#include <stddef.h>

/* What is done to each output row after the product (all optional). */
typedef struct RowsEpilogue {
    const float *bias; /* [out], added */
    int relu;          /* max(0, .) after the bias */
    const float *mask; /* [N x out] multiplier after the ReLU (dropout), or NULL */
    const float *gate; /* [N x out]: outputs where gate <= 0 become 0 (ReLU backward), or NULL */
    int accumulate;    /* add into y instead of overwriting it (before bias/ReLU/mask) */
    const float *residual; /* [N x out] added last (y = residual + masked output), or NULL */
} RowsEpilogue;

/* y = x W (+ epilogue), W [in x out] row-major (d(input) of a layer whose
 * weight is W [out' x in'] = [in x out]: dy W). */
void rows_linear_t(const float *x, int N, int in, const float *W, int out, RowsEpilogue ep, float *y);

/* Weight gradient of a layer y = x W^T + b over N rows: dW[out x in] += dy^T x,
 * db[out] += the column sums of dy (db may be NULL). Each thread of the pool
 * owns a band of dW's rows and runs one single-threaded BLAS product for it
 * (K = N is long, where BLAS does well), so BLAS's own threads never spin
 * next to ours. */
void rows_weight_grad(const float *dy, const float *x, int N, int out, int in, float *dW, float *db);

/* A layer's forward, y = x W^T (+ epilogue) with W [out x in] in PyTorch's
 * layout, on the calling thread with the weight packed beforehand
 * (rows_pack), for callers that already run inside a parallel region (one
 * sequence at a time). */
size_t rows_packed_floats(int in, int out);
void rows_pack(const float *W, int out, int in, float *packed);
void rows_apply(const float *x, int N, int in, const float *packed, int out, RowsEpilogue ep, float *y);

#endif
