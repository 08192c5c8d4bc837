#include "kernels/linear_rows.h"

#include <cblas.h>
#include <stddef.h>
#include <stdlib.h>

#include "kernels/gemm_small.h"
#include "kernels/panel_pack.h"
#include "kernels/tensor.h"
#include "kernels/vecmath.h"

/* Rows per block: the block's inputs (48 x 128-256 floats) stay in L1/L2
 * while every weight panel streams past them. A multiple of GSM_MR. */
enum { BLOCK_ROWS = 48 };

typedef struct {
    const float *x, *bp;
    float *y;
    int N, in, out;
    RowsEpilogue ep;
} RowsCtx;

static void epilogue_row(const RowsEpilogue *ep, float *y, const float *mask, const float *gate, const float *res,
                         int n) {
    const vf zero = {0};
    int i = 0;
    for (; i + VLANES <= n; i += VLANES) {
        vf v = vload(y + i);
        if (ep->bias) v += vload(ep->bias + i);
        if (ep->relu) v = vselect(v > zero, v, zero);
        if (mask) v *= vload(mask + i);
        if (gate) v = vselect(vload(gate + i) > zero, v, zero);
        if (res) v = vload(res + i) + v;
        vstore(y + i, v);
    }
    for (; i < n; i++) {
        float v = y[i];
        if (ep->bias) v += ep->bias[i];
        if (ep->relu) v = v > 0.0f ? v : 0.0f;
        if (mask) v *= mask[i];
        if (gate) v = gate[i] > 0.0f ? v : 0.0f;
        if (res) v = res[i] + v;
        y[i] = v;
    }
}

static void block(const RowsCtx *c, int r0, int n) {
    const int has_ep = c->ep.bias || c->ep.relu || c->ep.mask || c->ep.gate || c->ep.residual;
    gsm_rows(n, c->out, c->in, c->x + (size_t)r0 * c->in, (size_t)c->in, c->bp, c->y + (size_t)r0 * c->out,
             (size_t)c->out, c->ep.accumulate);
    if (has_ep)
        for (int r = 0; r < n; r++) {
            size_t o = (size_t)(r0 + r) * c->out;
            epilogue_row(&c->ep, c->y + o, c->ep.mask ? c->ep.mask + o : NULL, c->ep.gate ? c->ep.gate + o : NULL,
                         c->ep.residual ? c->ep.residual + o : NULL, c->out);
        }
}

static void rows_blocks(void *p, int b0, int b1) {
    const RowsCtx *c = p;
    for (int b = b0; b < b1; b++) {
        int r0 = b * BLOCK_ROWS, n = c->N - r0 < BLOCK_ROWS ? c->N - r0 : BLOCK_ROWS;
        block(c, r0, n);
    }
}

void rows_linear_t(const float *x, int N, int in, const float *W, int out, RowsEpilogue ep, float *y) {
    if (N <= 0 || out <= 0) return;
    float *bp = aligned_alloc(64, (gsm_packed_floats(in, out) * sizeof(float) + 63) & ~(size_t)63);
    if (!bp) abort();
    panel_pack_rows(in, out, W, (size_t)out, bp); /* B[k][n] = W[k][n] */
    RowsCtx c = {x, bp, y, N, in, out, ep};
    int blocks = (N + BLOCK_ROWS - 1) / BLOCK_ROWS;
    /* Below a few hundred thousand multiply-adds a second thread costs more than it saves. */
    if ((double)N * in * out < 4e5)
        rows_blocks(&c, 0, blocks);
    else
        parallel_for(blocks, rows_blocks, &c);
    free(bp);
}

size_t rows_packed_floats(int in, int out) { return gsm_packed_floats(in, out); }

void rows_pack(const float *W, int out, int in, float *packed) { panel_pack_cols(in, out, W, (size_t)in, packed); }

void rows_apply(const float *x, int N, int in, const float *packed, int out, RowsEpilogue ep, float *y) {
    RowsCtx c = {x, packed, y, N, in, out, ep};
    for (int r0 = 0; r0 < N; r0 += BLOCK_ROWS) block(&c, r0, N - r0 < BLOCK_ROWS ? N - r0 : BLOCK_ROWS);
}


typedef struct {
    const float *dy, *x;
    float *dW, *db;
    int N, out, in, parts;
} GradCtx;

static void grad_parts(void *p, int q0, int q1) {
    const GradCtx *c = p;
    for (int q = q0; q < q1; q++) {
        int o0 = (int)((long)c->out * q / c->parts), o1 = (int)((long)c->out * (q + 1) / c->parts), n = o1 - o0;
        if (n <= 0) continue;
        gemm(1, 0, n, c->in, c->N, 1.0f, c->dy + o0, c->out, c->x, c->in, 1.0f, c->dW + (size_t)o0 * c->in, c->in);
        if (c->db)
            for (int r = 0; r < c->N; r++) {
                const float *row = c->dy + (size_t)r * c->out + o0;
                float *db = c->db + o0;
                for (int o = 0; o < n; o++) db[o] += row[o];
            }
    }
}

void rows_weight_grad(const float *dy, const float *x, int N, int out, int in, float *dW, float *db) {
    if (N <= 0 || out <= 0) return;
    int parts = (double)N * in * out < 4e5 ? 1 : compute_threads();
    if (parts > out / 8) parts = out / 8 > 0 ? out / 8 : 1;
    GradCtx c = {dy, x, dW, db, N, out, in, parts};
    if (parts == 1) {
        grad_parts(&c, 0, 1);
        return;
    }
    int blas_threads = openblas_get_num_threads();
    if (blas_threads > 1) openblas_set_num_threads(1);
    parallel_for(parts, grad_parts, &c);
    if (blas_threads > 1) openblas_set_num_threads(blas_threads);
}
