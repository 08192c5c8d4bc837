#include "nn/feedforward.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nn/activations.h"
#include "config.h"
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
    const float *b1, *mask, *pre, *hid_in;
    float *pre_out, *hid, *dhid, *dpre;
} FfnCtx;

static void ffn_act_rows(void *p, int r0, int r1) {
    const FfnCtx *c = p;
    const int F = c->F;
    for (int r = r0; r < r1; r++) {
        float *h = c->hid + (size_t)r * F;
        const float *mk = c->mask ? c->mask + (size_t)r * F : NULL;
        const float *b = c->b1;
        int i;
        if (c->act == ACT_GELU) {
            float *a = c->pre_out + (size_t)r * F;
            if (b) {
                for (i = 0; i + 8 <= F; i += 8) ST(a + i, LD(a + i) + LD(b + i));
                for (; i < F; i++) a[i] += b[i];
            }
            act_gelu_forward(a, (size_t)F, h);
            if (mk) {
                for (i = 0; i + 8 <= F; i += 8) ST(h + i, LD(h + i) * LD(mk + i));
                for (; i < F; i++) h[i] *= mk[i];
            }
        } else {
            /* linear1 wrote straight into hid: bias, ReLU and dropout in place. */
            const v8 zero = {0};
            for (i = 0; i + 8 <= F; i += 8) {
                v8 v = LD(h + i) + LD(b + i);
                v = (v8)((i8)v & (v > zero)); /* ReLU: keep the lanes above zero */
                ST(h + i, mk ? v * LD(mk + i) : v);
            }
            for (; i < F; i++) {
                float v = h[i] + b[i];
                h[i] = (v > 0 ? v : 0) * (mk ? mk[i] : 1.0f);
            }
        }
    }
}

void ffn_forward(const float *x, int N, int E, int F, int act, const FfnParams *w, const float *mask, float *pre,
                 float *hid, float *out) {
    if (act == ACT_GELU) {
        rows_linear(x, N, E, w->w1, F, (RowsEpilogue){.bias = w->b1}, pre);
        FfnCtx c = {.F = F, .act = act, .b1 = NULL, .mask = mask, .pre_out = pre, .hid = hid};
        if ((size_t)N * F < 16384)
            ffn_act_rows(&c, 0, N);
        else
            parallel_for(N, ffn_act_rows, &c);
    } else {
        /* bias, ReLU and dropout while the block of rows is in cache */
        rows_linear(x, N, E, w->w1, F, (RowsEpilogue){.bias = w->b1, .relu = 1, .mask = mask}, hid);
    }
    rows_linear(hid, N, F, w->w2, E, (RowsEpilogue){.bias = w->b2}, out);
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

void ffn_backward(const float *x, int N, int E, int F, int act, const FfnParams *w, const float *mask, const float *pre,
                  const float *hid, const float *dout, float *dhid, float *dpre, float *dx, const FfnGrads *g) {
    if (act == ACT_GELU) {
        rows_linear_t(dout, N, E, w->w2, F, (RowsEpilogue){0}, dhid);
        FfnCtx c = {.F = F, .act = act, .mask = mask, .pre = pre, .hid_in = hid, .dhid = dhid, .dpre = dpre};
        if ((size_t)N * F < 16384)
            ffn_dact_rows(&c, 0, N);
        else
            parallel_for(N, ffn_dact_rows, &c);
    } else {
        /* through dropout and ReLU: hid > 0 exactly where the unit was active
         * and kept */
        rows_linear_t(dout, N, E, w->w2, F, (RowsEpilogue){.mask = mask, .gate = hid}, dhid);
    }
    rows_weight_grad(dout, hid, N, E, F, g->w2, g->b2);
    const float *d1 = act == ACT_GELU ? dpre : dhid;
    if (dx) rows_linear_t(d1, N, F, w->w1, E, (RowsEpilogue){.accumulate = 1}, dx);
    rows_weight_grad(d1, x, N, F, E, g->w1, g->b1);
}
