/* Stacked recurrent layers (tanh RNN, LSTM, GRU) with PyTorch's equations,
 * gate order and parameter layout, optional bidirectional, dropout between
 * layers.
 *
 *   RNN : h = tanh(W_ih x + b_ih + W_hh h' + b_hh)
 *   LSTM: gates i, f, g, o (rows of W in that order); c = f c' + i g; h = o tanh(c)
 *   GRU : gates r, z, n; n = tanh(W_in x + b_in + r (W_hn h' + b_hn)); h = (1 - z) n + z h'
 *
 * Sequences are packed like PyTorch's PackedSequence: sorted by length,
 * longest first, time-major with only the live sequences of each step, so
 * step t owns rows [offsets[t], offsets[t] + batch_sizes[t]) of every [N x .]
 * buffer and row j of a step is the j-th longest sequence. N is the sum of
 * lengths. The reverse direction starts each sequence at its own last token.
 *
 * A sweep over time is one parallel region: each thread owns every P-th row
 * (a sequence stays on its thread from step to step, so no barrier per step)
 * and runs a register-blocked kernel (gemm_small.h, and a fused one for the
 * forward step: x W_ih^T + h' W_hh^T and the cell in one pass over weights
 * packed per sweep). Weight gradients are big GEMMs over all N rows after the
 * backward sweep. Each output element is computed the same way whatever the
 * thread count, so results do not depend on it.
 *
 * The caller provides the arena (recurrent_arena_floats) once; forward keeps
 * everything backward needs in it; nothing is allocated per step. Evaluation
 * can skip that storage (recurrent_forward_nograd): the same kernels, fed
 * per-row state buffers, so outputs are bit-identical. */
#ifndef SENTUI_NN_RECURRENT_H
#define SENTUI_NN_RECURRENT_H

#include <stddef.h>
#include <stdint.h>
#include "kernels/tensor.h"

typedef enum { CELL_RNN, CELL_LSTM, CELL_GRU } CellKind;

#define REC_MAX_LAYERS 16

/* Gates per cell: 1, 4, 3. */
int cell_gates(int cell);

/* One layer, one direction, in PyTorch's shapes (G = cell_gates):
 * w_ih [G*H x in], w_hh [G*H x H], b_ih [G*H], b_hh [G*H]; gradients alike. */
typedef struct RecWeights {
    const float *w_ih, *w_hh, *b_ih, *b_hh;
    float *dw_ih, *dw_hh, *db_ih, *db_hh;
} RecWeights;

typedef struct Recurrent {
    /* set by the caller */
    int cell, layers, dirs, input, hidden;
    float dropout;           /* on the outputs of every layer but the last, while training */
    int max_B, max_T;
    RecWeights w[REC_MAX_LAYERS][2];

    /* bound by recurrent_bind */
    float *arena;
    size_t arena_floats;
    /* last forward */
    int B, T, N, train;
    int stored; /* 0 after recurrent_forward_nograd: backward has nothing to work from */
    const int32_t *batch_sizes, *offsets;
} Recurrent;

/* Sorted lengths (non-increasing, each clamped to [1, T]) -> batch_sizes[T] and
 * offsets[T]; returns N. */
int rec_pack_plan(const int32_t *sorted_lengths, int B, int T, int32_t *batch_sizes, int32_t *offsets);

/* Arena size in floats for the configuration in r (cell .. max_T). */
size_t recurrent_arena_floats(const Recurrent *r);
void recurrent_bind(Recurrent *r, float *arena);

/* x: packed [N x input]. Output: recurrent_output(r), packed [N x dirs*H] (the
 * forward direction in columns [0, H), the reverse in [H, 2H)). x must stay
 * unchanged until backward. rng draws the between-layer dropout masks. */
void recurrent_forward(Recurrent *r, const float *x, int B, int T, const int32_t *batch_sizes,
                       const int32_t *offsets, int train, Rng *rng);
float *recurrent_output(const Recurrent *r);

/* Forward for evaluation: no dropout, and no gate or previous state kept, so
 * recurrent_backward must not follow (it then does nothing). Layers below the
 * last still write recurrent_output-style packed outputs (the next layer's
 * input). With final_only, the last layer writes no per-step output, only
 * recurrent_final(r): [B x dirs*H], row j = j-th longest sequence, the forward
 * direction's state after the row's last token in [0, H) and the reverse
 * direction's after its first token in [H, 2H). Without final_only the output
 * is recurrent_output(r), as after recurrent_forward. */
void recurrent_forward_nograd(Recurrent *r, const float *x, int B, int T, const int32_t *batch_sizes,
                              const int32_t *offsets, int final_only);
const float *recurrent_final(const Recurrent *r);

/* dout: gradient w.r.t. the output, packed [N x dirs*H] (read only).
 * dx += gradient w.r.t. x (dx may be NULL). Weight gradients are added into
 * the d* pointers of r->w unless param_grads is 0 (input saliency only). */
void recurrent_backward(Recurrent *r, const float *x, const float *dout, float *dx, int param_grads);

#endif
