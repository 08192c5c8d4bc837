/* Position-wise feed-forward of a Transformer encoder layer, as PyTorch's
 * nn.TransformerEncoderLayer computes it: linear2(dropout(act(linear1(x)))),
 * linear1 [F x E], linear2 [E x F], act ReLU or exact (erf) GELU. The bias
 * add, activation and dropout run as one pass over the hidden rows, and the
 * layer's dropout and residual after linear2 in the same way. */
#ifndef SENTUI_NN_FEEDFORWARD_H
#define SENTUI_NN_FEEDFORWARD_H

#include <stddef.h>

typedef struct FfnParams {
    const float *w1, *b1; /* [F x E], [F] */
    const float *w2, *b2; /* [E x F], [E] */
} FfnParams;

typedef struct FfnGrads {
    float *w1, *b1, *w2, *b2; /* accumulated (+=) */
} FfnGrads;

/* The weights packed for ffn_forward_seq (rows_pack), once per forward:
 * ffn_packed_floats(E, F) floats. */
size_t ffn_packed_floats(int E, int F);
void ffn_pack(const FfnParams *w, int E, int F, float *packed);

/* out[L x E] = residual + mask_out * linear2(mask_hid * act(linear1(x))) for
 * the L rows x[L x E] on the calling thread. act: ACT_RELU or ACT_GELU
 * (config.h). mask_hid [L x F], mask_out [L x E]: dropout masks (0 or
 * 1/(1-p)) or NULL; residual [L x E] or NULL. packed: from ffn_pack. Keeps
 * for backward: hid [L x F] (activation after dropout) and, for GELU only,
 * pre [L x F] (linear1 output; may be NULL for ReLU). */
void ffn_forward_seq(int L, int E, int F, int act, const float *x, const FfnParams *w, const float *packed,
                     const float *mask_hid, const float *mask_out, const float *residual, float *pre, float *hid,
                     float *out);

/* Backward of ffn_forward_seq over N rows (any number of sequences). dout:
 * d(out) [N x E], multiplied in place by mask_out; the residual's share (dout
 * itself) is the caller's. dx[N x E] += d/dx (dx may be NULL); parameter
 * gradients += into g. Scratch: dhid [N x F], and dpre [N x F] for GELU (NULL
 * for ReLU). */
void ffn_backward(const float *x, int N, int E, int F, int act, const FfnParams *w, const float *mask_hid,
                  const float *mask_out, const float *pre, const float *hid, float *dout, float *dhid, float *dpre,
                  float *dx, const FfnGrads *g);

#endif
