#include "linear_rows.h"

#include <stddef.h>
#include <stdlib.h>

#include "gemm_small.h"
#include "panel_pack.h"
#include "tensor.h"
#include "vecmath.h"

/* Rows per block: the block's inputs (48 x 128-256 floats) stay in L1/L2
 * while every weight panel streams past them. A multiple of GSM_MR. */
enum { BLOCK_ROWS = 48 };

typedef struct {
    const float *x, *bp;
    float *y;
    int N, in, out;
    RowsEpilogue ep;
} RowsCtx;

static void epilogue_row(const RowsEpilogue *ep, float *y, const float *mask, const float *gate, int n) {
    const vf zero = {0};
    int i = 0;
    for (; i + VLANES <= n; i += VLANES) {
        vf v = vload(y + i);
        if (ep->bias) v += vload(ep->bias + i);
        if (ep->relu) v = vselect(v > zero, v, zero);
        if (mask) v *= vload(mask + i);
        if (gate) v = vselect(vload(gate + i) > zero, v, zero);
        vstore(y + i, v);
    }
    for (; i < n; i++) {
        float v = y[i];
        if (ep->bias) v += ep->bias[i];
        if (ep->relu) v = v > 0.0f ? v : 0.0f;
        if (mask) v *= mask[i];
        if (gate) v = gate[i] > 0.0f ? v : 0.0f;
        y[i] = v;
    }
}

static void rows_blocks(void *p, int b0, int b1) {
    const RowsCtx *c = p;
    const int has_ep = c->ep.bias || c->ep.relu || c->ep.mask || c->ep.gate;
    for (int b = b0; b < b1; b++) {
        int r0 = b * BLOCK_ROWS, n = c->N - r0 < BLOCK_ROWS ? c->N - r0 : BLOCK_ROWS;
        float *y = c->y + (size_t)r0 * c->out;
        gsm_rows(n, c->out, c->in, c->x + (size_t)r0 * c->in, (size_t)c->in, c->bp, y, (size_t)c->out,
                 c->ep.accumulate);
        if (has_ep)
            for (int r = 0; r < n; r++) {
                size_t o = (size_t)(r0 + r) * c->out;
                epilogue_row(&c->ep, c->y + o, c->ep.mask ? c->ep.mask + o : NULL, c->ep.gate ? c->ep.gate + o : NULL,
                             c->out);
            }
    }
}

static void run(const float *x, int N, int in, const float *W, int transposed, int out, RowsEpilogue ep, float *y) {
    if (N <= 0 || out <= 0) return;
    float *bp = aligned_alloc(64, (gsm_packed_floats(in, out) * sizeof(float) + 63) & ~(size_t)63);
    if (!bp) abort();
    if (transposed)
        panel_pack_cols(in, out, W, (size_t)in, bp);
    else
        panel_pack_rows(in, out, W, (size_t)out, bp);
    RowsCtx c = {x, bp, y, N, in, out, ep};
    int blocks = (N + BLOCK_ROWS - 1) / BLOCK_ROWS;
    /* Below a few hundred thousand multiply-adds a second thread costs more than it saves. */
    if ((double)N * in * out < 4e5)
        rows_blocks(&c, 0, blocks);
    else
        parallel_for(blocks, rows_blocks, &c);
    free(bp);
}

void rows_linear(const float *x, int N, int in, const float *W, int out, RowsEpilogue ep, float *y) {
    /* B[k][n] = W[n][k] */
    run(x, N, in, W, 1, out, ep, y);
}

void rows_linear_t(const float *x, int N, int in, const float *W, int out, RowsEpilogue ep, float *y) {
    /* B[k][n] = W[k][n] */
    run(x, N, in, W, 0, out, ep, y);
}
