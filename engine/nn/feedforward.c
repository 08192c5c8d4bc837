/* Position-wise feed-forward (feedforward.h). ffn_forward_seq is the forward
 * that trains and evaluates: one sequence's rows on the calling thread, both
 * products on the small-GEMM kernel with bias, activation, dropout and the
 * residual in their epilogues. ffn_backward runs over the packed batch. */
#include "nn/feedforward.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nn/activations.h"
#include "nn/dropout.h"
#include "config/config.h"
#include "kernels/linear_rows.h"
#include "kernels/tensor.h"

/* The row loops use 8-float vectors (GCC/Clang vector extensions): at -O2
 * plain loops over a runtime length stay scalar. */
typedef float v8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define LD(p) ((v8)(*(const v8u *)(p)))
#define ST(p, v) (*(v8u *)(p) = (v))

typedef struct {
    int F, act;
    const float *mask, *pre, *hid_in;
    float *dhid, *dpre;
} FfnCtx;

size_t ffn_packed_floats(int E, int F) { return rows_packed_floats(E, F) + rows_packed_floats(F, E); }

void ffn_pack(const FfnParams *w, int E, int F, float *packed) {
    rows_pack(w->w1, F, E, packed);
    rows_pack(w->w2, E, F, packed + rows_packed_floats(E, F));
}

void ffn_forward_seq(int L, int E, int F, int act, const float *x, const FfnParams *w, const float *packed,
                     const float *mask_hid, const float *mask_out, const float *residual, float *pre, float *hid,
                     float *out) {
    const float *w1 = packed, *w2 = packed + rows_packed_floats(E, F);
    if (act == ACT_GELU) {
        size_t nF = (size_t)L * F;
        rows_apply(x, L, E, w1, F, (RowsEpilogue){.bias = w->b1}, pre);
        act_gelu_forward(pre, nF, hid);
        if (mask_hid)
            for (size_t i = 0; i < nF; i++) hid[i] *= mask_hid[i];
    } else {
        /* bias, ReLU and dropout while the block of rows is in cache */
        rows_apply(x, L, E, w1, F, (RowsEpilogue){.bias = w->b1, .relu = 1, .mask = mask_hid}, hid);
    }
    rows_apply(hid, L, F, w2, E, (RowsEpilogue){.bias = w->b2, .mask = mask_out, .residual = residual}, out);
}

/* Turns d(hid) into d(linear1 output) through the dropout and activation. */
static void ffn_dact_rows(void *p, int r0, int r1) {
    const FfnCtx *c = p;
    const int F = c->F;
    for (int r = r0; r < r1; r++) {
        float *g = c->dhid + (size_t)r * F;
        const float *mk = c->mask ? c->mask + (size_t)r * F : NULL;
        int i;
        if (mk) {
            for (i = 0; i + 8 <= F; i += 8) ST(g + i, LD(g + i) * LD(mk + i));
            for (; i < F; i++) g[i] *= mk[i];
        }
        if (c->act == ACT_GELU) {
            float *d = c->dpre + (size_t)r * F;
            memset(d, 0, (size_t)F * sizeof *d);
            act_gelu_backward(c->pre + (size_t)r * F, g, (size_t)F, d);
        } else {
            /* hid > 0 exactly where the unit was active and kept; dropped
             * units already have g = 0. */
            const float *h = c->hid_in + (size_t)r * F;
            const v8 zero = {0};
            for (i = 0; i + 8 <= F; i += 8) ST(g + i, (v8)((i8)LD(g + i) & (LD(h + i) > zero)));
            for (; i < F; i++) g[i] = h[i] > 0 ? g[i] : 0.0f;
        }
    }
}

void ffn_backward(const float *x, int N, int E, int F, int act, const FfnParams *w, const float *mask_hid,
                  const float *mask_out, const float *pre, const float *hid, float *dout, float *dhid, float *dpre,
                  float *dx, const FfnGrads *g) {
    if (mask_out) dropout_apply(dout, mask_out, (size_t)N * E);
    if (act == ACT_GELU) {
        rows_linear_t(dout, N, E, w->w2, F, (RowsEpilogue){0}, dhid);
        FfnCtx c = {.F = F, .act = act, .mask = mask_hid, .pre = pre, .hid_in = hid, .dhid = dhid, .dpre = dpre};
        if ((size_t)N * F < 16384)
            ffn_dact_rows(&c, 0, N);
        else
            parallel_for(N, ffn_dact_rows, &c);
    } else {
        /* through dropout and ReLU: hid > 0 exactly where the unit was active
         * and kept */
        rows_linear_t(dout, N, E, w->w2, F, (RowsEpilogue){.mask = mask_hid, .gate = hid}, dhid);
    }
    rows_weight_grad(dout, hid, N, E, F, g->w2, g->b2);
    const float *d1 = act == ACT_GELU ? dpre : dhid;
    if (dx) rows_linear_t(d1, N, F, w->w1, E, (RowsEpilogue){.accumulate = 1}, dx);
    rows_weight_grad(d1, x, N, F, E, g->w1, g->b1);
}
