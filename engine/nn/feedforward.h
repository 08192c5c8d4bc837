/* Position-wise feed-forward of a Transformer encoder layer, as PyTorch's
 * nn.TransformerEncoderLayer computes it: linear2(dropout(act(linear1(x)))),
 * linear1 [F x E], linear2 [E x F], act ReLU or exact (erf) GELU. The bias
 * add, activation and dropout run as one pass over the hidden rows. */
#ifndef SENTUI_NN_FEEDFORWARD_H
#define SENTUI_NN_FEEDFORWARD_H

typedef struct FfnParams {
    const float *w1, *b1; /* [F x E], [F] */
    const float *w2, *b2; /* [E x F], [E] */
} FfnParams;

typedef struct FfnGrads {
    float *w1, *b1, *w2, *b2; /* accumulated (+=) */
} FfnGrads;

/* out[N x E] from x[N x E]. act: ACT_RELU or ACT_GELU (config.h).
 * mask [N x F]: dropout mask (0 or 1/(1-p)) or NULL for none.
 * Keeps for backward: hid [N x F] (activation after dropout) and, for GELU
 * only, pre [N x F] (linear1 output; may be NULL for ReLU). */
void ffn_forward(const float *x, int N, int E, int F, int act, const FfnParams *w, const float *mask, float *pre,
                 float *hid, float *out);

/* dx[N x E] += d/dx (dx may be NULL); parameter gradients += into g.
 * Scratch: dhid [N x F], and dpre [N x F] for GELU (NULL for ReLU). */
void ffn_backward(const float *x, int N, int E, int F, int act, const FfnParams *w, const float *mask, const float *pre,
                  const float *hid, const float *dout, float *dhid, float *dpre, float *dx, const FfnGrads *g);

#endif
