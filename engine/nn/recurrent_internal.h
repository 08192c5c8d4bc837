/* What the recurrent forward (recurrent.c) and backward
 * (recurrent_backward.c) share: the arena layout and how a sweep's rows are
 * dealt to threads. */
#ifndef SENTUI_NN_RECURRENT_INTERNAL_H
#define SENTUI_NN_RECURRENT_INTERNAL_H

#include "nn/recurrent.h"

typedef struct Layout {
    size_t out[REC_MAX_LAYERS];       /* [N x D] layer outputs */
    size_t xin[REC_MAX_LAYERS];       /* [N x D] dropped inputs of layer l > 0 */
    size_t mask[REC_MAX_LAYERS];      /* [N x D] their dropout masks */
    size_t gates[REC_MAX_LAYERS][2];  /* [N x GH] gate activations */
    size_t cell[REC_MAX_LAYERS][2];   /* LSTM c [N x H]; GRU W_hn h' + b_hn [N x H] */
    size_t tanhc[REC_MAX_LAYERS][2];  /* LSTM tanh(c) [N x H] */
    size_t wpack;                     /* [W_ih | W_hh] of one direction, packed in unit blocks */
    size_t bpad;                      /* [4 x hp] biases folded for the step kernel */
    size_t hhpack;                    /* W_hh packed for dh' = dG W_hh */
    size_t dG, dGh;                   /* [N x GH] pre-activation gradients (ih and hh side) */
    size_t hp;                        /* [N x (in + H + 1)]: x | previous state | 1, packed, for dW */
    size_t dwt;                       /* [(in + H + 1) x GH] dW^T | db of one direction */
    size_t dh, dc;                    /* [B x H] gradients carried across steps */
    /* evaluation without backward (recurrent_forward_nograd): one row per
       sequence, states alternating between two buffers from step to step */
    size_t ng_gates;                  /* [B x GH] gates of the current step */
    size_t ng_c[2];                   /* LSTM c [B x H] */
    size_t ng_aux;                    /* LSTM tanh(c), GRU W_hn h' + b_hn [B x H] */
    size_t ng_h[2];                   /* [B x D] states when only the final one is kept */
    size_t ng_final;                  /* [B x D] final state per direction */
    size_t bufA, bufB;                /* [N x D] gradients between layers */
    size_t ones;                      /* [N] for bias gradients as a GEMM */
    size_t zeros;                     /* [max(GH, hp)] */
    size_t total;
} Layout;

/* Offsets of every buffer in the arena for the configuration in r. */
void rec_layout(const Recurrent *r, Layout *L);

static inline int use_dropout(const Recurrent *r) { return r->dropout > 0.0f && r->layers > 1; }

/* Threads sharing a sweep: each owns the rows j = tid, tid + P, ... of every
 * step. A sequence keeps its row from step to step, so a thread only ever
 * reads states it wrote itself and the whole sweep needs no barrier;
 * interleaving keeps the threads even when lengths differ. */
static inline int sweep_threads(const Recurrent *r) {
    int P = compute_threads();
    return P > r->B ? (r->B > 0 ? r->B : 1) : P;
}

static inline int rows_of(int nb, int tid, int P) { return nb > tid ? (nb - tid + P - 1) / P : 0; }

#endif
