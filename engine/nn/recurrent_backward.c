/* Backward of the stacked recurrent layers (recurrent.h): a sweep over time
 * against each direction's own order turns output gradients into
 * pre-activation gradients, then the weight gradients are big GEMMs over all
 * N rows. */
#include <string.h>

#include "nn/recurrent.h"
#include "nn/recurrent_internal.h"
#include "nn/dropout.h"
#include "kernels/gemm_small.h"
#include "kernels/vecmath.h"

/* ---- backward ------------------------------------------------------------------ */

/* Each kernel body is written once over a lane type: first whole vectors
 * (vf, VLANES floats), then the scalar tail with the same formulas. Rows that
 * start a sequence read a zero row as their previous state. */
#define VEC vf, vload, vstore, VLANES
#define SCALAR float, sload, sstore, 1
#define EXPAND(m, args) m args

#define RNN_BWD(V, LD, ST, STEP)                                                              \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V y = LD(g + k);                                                                      \
        ST(dG + k, (LD(dh + k) + LD(dout + k)) * (1.0f - y * y));                             \
    }

#define LSTM_BWD(V, LD, ST, STEP)                                                             \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V dhv = LD(dh + k) + LD(dout + k);                                                    \
        V i = LD(g + k), f = LD(g + H + k), u = LD(g + 2 * H + k), o = LD(g + 3 * H + k);     \
        V t = LD(tc + k);                                                                     \
        V dc = LD(dcr + k) + dhv * o * (1.0f - t * t);                                        \
        ST(dG + k, dc * u * i * (1.0f - i));                                                  \
        ST(dG + H + k, dc * LD(cp + k) * f * (1.0f - f));                                     \
        ST(dG + 2 * H + k, dc * i * (1.0f - u * u));                                          \
        ST(dG + 3 * H + k, dhv * t * o * (1.0f - o));                                         \
        ST(dcr + k, dc * f);                                                                  \
    }

/* dh keeps the direct path to h' (dh z); the W_hh path is added by the step product */
#define GRU_BWD(V, LD, ST, STEP)                                                              \
    for (; k + STEP <= H; k += STEP) {                                                        \
        V dhv = LD(dh + k) + LD(dout + k);                                                    \
        V r = LD(g + k), z = LD(g + H + k), n = LD(g + 2 * H + k);                            \
        V dn = dhv * (1.0f - z) * (1.0f - n * n);                                             \
        V dz = dhv * (LD(hp + k) - n) * z * (1.0f - z);                                       \
        V dr = dn * LD(hn + k) * r * (1.0f - r);                                              \
        ST(dG + k, dr);                                                                       \
        ST(dGh + k, dr);                                                                      \
        ST(dG + H + k, dz);                                                                   \
        ST(dGh + H + k, dz);                                                                  \
        ST(dG + 2 * H + k, dn);                                                               \
        ST(dGh + 2 * H + k, dn * r);                                                          \
        ST(dh + k, dhv * z);                                                                  \
    }

typedef struct BwdCtx {
    const Recurrent *r;
    const Layout *L;
    int l, d, P;
    const float *dout;
} BwdCtx;

static void bwd_sweep(void *vctx, int t0, int t1) {
    const BwdCtx *c = vctx;
    const Recurrent *r = c->r;
    const Layout *L = c->L;
    int H = r->hidden, GH = cell_gates(r->cell) * H, D = r->dirs * H, T = r->T, l = c->l, d = c->d, P = c->P;
    float *A = r->arena, *out = A + L->out[l] + (size_t)d * H;
    const float *zeros = A + L->zeros, *whp = A + L->hhpack;
    for (int tid = t0; tid < t1; tid++) {
        for (int j = tid; j < r->B; j += P) {
            memset(A + L->dh + (size_t)j * H, 0, (size_t)H * sizeof(float));
            memset(A + L->dc + (size_t)j * H, 0, (size_t)H * sizeof(float));
        }
        /* sweep in the reverse of the direction's own order */
        for (int i = 0; i < T; i++) {
            int t = d == 0 ? T - 1 - i : i;
            int nb = r->batch_sizes[t];
            if (nb <= tid) continue;
            size_t off = (size_t)r->offsets[t];
            int tp = d == 0 ? t - 1 : t + 1;
            int nprev = tp < 0 || tp >= T ? 0 : r->batch_sizes[tp] < nb ? r->batch_sizes[tp] : nb;
            size_t poff = nprev ? (size_t)r->offsets[tp] : 0;
            for (int j = tid; j < nb; j += P) {
                const float *g = A + L->gates[l][d] + (off + j) * GH, *dout = c->dout + (off + j) * D + (size_t)d * H;
                float *dG = A + L->dG + (off + j) * GH, *dh = A + L->dh + (size_t)j * H;
                int live = j < nprev, k = 0;
                if (r->cell == CELL_RNN) {
                    EXPAND(RNN_BWD, (VEC))
                    EXPAND(RNN_BWD, (SCALAR))
                } else if (r->cell == CELL_LSTM) {
                    const float *tc = A + L->tanhc[l][d] + (off + j) * H;
                    const float *cp = live ? A + L->cell[l][d] + (poff + j) * H : zeros;
                    float *dcr = A + L->dc + (size_t)j * H;
                    EXPAND(LSTM_BWD, (VEC))
                    EXPAND(LSTM_BWD, (SCALAR))
                } else {
                    const float *hn = A + L->cell[l][d] + (off + j) * H;
                    const float *hp = live ? out + (poff + j) * D : zeros;
                    float *dGh = A + L->dGh + (off + j) * GH;
                    EXPAND(GRU_BWD, (VEC))
                    EXPAND(GRU_BWD, (SCALAR))
                }
            }
            /* gradient reaching h' through W_hh; GRU adds to its direct path kept in dh */
            int rows = rows_of(nprev, tid, P);
            if (rows)
                gsm_rows(rows, H, GH, A + L->dGh + (off + tid) * GH, (size_t)P * GH, whp, A + L->dh + (size_t)tid * H,
                         (size_t)P * H, r->cell == CELL_GRU);
        }
    }
}

static void direction_backward(Recurrent *r, const Layout *L, int l, int d, const float *X, int in,
                               const float *dout, float *dX, float beta_dx, int param_grads) {
    int H = r->hidden, GH = cell_gates(r->cell) * H, D = r->dirs * H, T = r->T, N = r->N;
    const RecWeights *w = &r->w[l][d];
    float *A = r->arena, *out = A + L->out[l] + (size_t)d * H;
    float *dG = A + L->dG, *dGh = A + L->dGh;

    gsm_pack(GH, H, w->w_hh, (size_t)H, 1, A + L->hhpack);
    BwdCtx c = {.r = r, .L = L, .l = l, .d = d, .P = sweep_threads(r), .dout = dout};
    parallel_for(c.P, bwd_sweep, &c);

    if (param_grads) {
        float *ones = A + L->ones;
        /* rows [x | h' | 1] packed like the gates, h' zero where a sequence starts */
        int W = in + H + 1;
        float *xh = A + L->hp;
        for (int t = 0; t < T; t++) {
            int nb = r->batch_sizes[t];
            int tp = d == 0 ? t - 1 : t + 1;
            int nprev = tp < 0 || tp >= T ? 0 : r->batch_sizes[tp] < nb ? r->batch_sizes[tp] : nb;
            size_t off = (size_t)r->offsets[t];
            for (int j = 0; j < nb; j++) {
                float *dst = xh + (off + j) * W;
                memcpy(dst, X + (off + j) * in, (size_t)in * sizeof(float));
                if (j < nprev)
                    memcpy(dst + in, out + ((size_t)r->offsets[tp] + j) * D, (size_t)H * sizeof(float));
                else
                    memset(dst + in, 0, (size_t)H * sizeof(float));
                dst[in + H] = 1.0f;
            }
        }
        if (r->cell == CELL_GRU) {
            /* W_hn sees r * dn, W_in dn: two different left factors */
            gemm(1, 0, GH, in, N, 1.0f, dG, GH, X, in, 1.0f, w->dw_ih, in);
            gemm(1, 0, GH, H, N, 1.0f, dGh, GH, xh + in, W, 1.0f, w->dw_hh, H);
            gemm(1, 0, GH, 1, N, 1.0f, dG, GH, ones, 1, 1.0f, w->db_ih, 1);
            gemm(1, 0, GH, 1, N, 1.0f, dGh, GH, ones, 1, 1.0f, w->db_hh, 1);
        } else {
            /* one product [x | h' | 1]^T dG for both weight gradients and the
               bias gradient: dG, the big operand, is packed once, untransposed */
            float *dwt = A + L->dwt;
            gemm(1, 0, W, GH, N, 1.0f, xh, W, dG, GH, 0.0f, dwt, GH);
            for (int k = 0; k < in; k++)
                for (int g = 0; g < GH; g++) w->dw_ih[(size_t)g * in + k] += dwt[(size_t)k * GH + g];
            for (int k = 0; k < H; k++)
                for (int g = 0; g < GH; g++) w->dw_hh[(size_t)g * H + k] += dwt[(size_t)(in + k) * GH + g];
            /* both biases see the same pre-activation gradient */
            const float *db = dwt + (size_t)(in + H) * GH;
            for (int k = 0; k < GH; k++) w->db_ih[k] += db[k], w->db_hh[k] += db[k];
        }
    }
    if (dX) gemm(0, 0, N, in, GH, 1.0f, dG, GH, w->w_ih, in, beta_dx, dX, in);
}

void recurrent_backward(Recurrent *r, const float *x, const float *dout, float *dx, int param_grads) {
    if (!r->stored) return; /* misuse: nothing was kept to differentiate */
    Layout L;
    rec_layout(r, &L);
    int D = r->dirs * r->hidden;
    const float *dO = dout;
    for (int l = r->layers - 1; l >= 0; l--) {
        const float *X;
        int in;
        float *dX;
        float beta;
        if (l == 0) {
            X = x;
            in = r->input;
            dX = dx;
            beta = 1.0f;
        } else {
            X = r->train && use_dropout(r) ? r->arena + L.xin[l] : r->arena + L.out[l - 1];
            in = D;
            dX = r->arena + ((r->layers - 1 - l) % 2 == 0 ? L.bufA : L.bufB);
            beta = 0.0f;
        }
        for (int d = 0; d < r->dirs; d++) {
            direction_backward(r, &L, l, d, X, in, dO, dX, d == 0 ? beta : 1.0f, param_grads);
        }
        if (l > 0) {
            if (r->train && use_dropout(r)) dropout_apply(dX, r->arena + L.mask[l], (size_t)r->N * D);
            dO = dX;
        }
    }
}
