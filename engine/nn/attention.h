/* Multi-head self-attention, equivalent to PyTorch's nn.MultiheadAttention
 * (batch_first) with a key-padding mask: one fused in-projection
 * in_proj_weight [3E x E] / in_proj_bias [3E] producing Q, K, V, per-head
 * scaled dot products (scale 1/sqrt(E/H)), softmax, dropout on the attention
 * probabilities while training, and out_proj [E x E] + bias.
 *
 * What trains and evaluates: mha_forward_seq, one sequence at a time on the
 * calling thread (the Transformer runs every layer of a sequence on one
 * thread), with the dropout and residual after out_proj fused into its
 * epilogue; and mha_backward over the whole packed batch.
 *
 * Padding is never computed: sequences are packed back to back, so sequence s
 * owns rows off[s] .. off[s]+len[s]-1 of every [rows x ...] buffer, and a
 * query only ever sees the keys of its own sequence. That is exactly the
 * key-padding mask, and padded query rows cost nothing. */
#ifndef SENTUI_NN_ATTENTION_H
#define SENTUI_NN_ATTENTION_H

#include <stddef.h>
#include <stdint.h>

typedef struct SeqPack {
    int nseq;
    int rows;              /* sum of len */
    const int32_t *off;    /* [nseq] first row of each sequence */
    const int32_t *len;    /* [nseq] rows of each sequence, >= 1 */
    const size_t *poff;    /* [nseq] where each sequence's H maps start in the probability buffer */
    size_t psize;          /* H * sum len^2: floats of one probability buffer */
} SeqPack;

/* Fills off/poff from len and returns rows; poff uses H heads. */
int seqpack_build(SeqPack *s, int nseq, const int32_t *len, int32_t *off, size_t *poff, int H);

typedef struct MhaParams {
    const float *w_in, *b_in;   /* [3E x E], [3E] */
    const float *w_out, *b_out; /* [E x E], [E] */
} MhaParams;

typedef struct MhaGrads {
    float *w_in, *b_in, *w_out, *b_out; /* accumulated (+=) */
} MhaGrads;

/* Attention probability dropout: p and a seed; the mask is a hash of (seed,
 * position in the probability buffer), so backward regenerates it instead of
 * storing it and every thread count draws the same mask. */
typedef struct MhaDropout {
    float p;
    uint32_t seed;
} MhaDropout;

/* The in- and out-projection weights packed for mha_forward_seq
 * (rows_pack), once per forward: mha_packed_floats(E) floats. */
size_t mha_packed_floats(int E);
void mha_pack(const MhaParams *w, int E, float *packed);

/* What mha_forward_seq keeps of one sequence for backward, at the sequence's
 * rows of the batch's buffers: qkv [L x 3E], ctx [L x E], probs its H maps
 * [H x L x L] (softmax before dropout; row = query, also what a heatmap
 * shows) or NULL when nothing will read them (evaluation); dropped: as many
 * floats of scratch when drop.p > 0; pbase: where the maps start in the
 * batch's probability buffer (poff[s]), which keys the dropout mask so that
 * mha_backward regenerates the same one. */
typedef struct MhaSeqActs {
    float *qkv, *probs, *dropped, *ctx;
    size_t pbase;
} MhaSeqActs;

/* out[L x E] = residual + mask * (attention(x) W_out^T + b_out) for one
 * sequence x[L x E] on the calling thread; mask (dropout, 0 or 1/(1-p)) and
 * residual [L x E] may be NULL. packed: from mha_pack. scratch: at least
 * mha_seq_scratch_floats(L, E, H) floats, 32-byte aligned. */
void mha_forward_seq(int L, int E, int H, const float *x, const MhaParams *w, const float *packed, MhaDropout drop,
                     const MhaSeqActs *a, const float *mask, const float *residual, float *out, float *scratch);

/* The attention core of mha_forward_seq: qkv [L x 3E] (the sequence's
 * in-projection) -> ctx [L x E] (row stride E); probs, dropped and pbase as
 * in MhaSeqActs. */
size_t mha_seq_scratch_floats(int L, int E, int H);
void mha_attend_seq(int L, int E, int H, const float *qkv, MhaDropout drop, float *probs, float *dropped,
                    size_t pbase, float *ctx, float *scratch);

/* Backward of mha_forward_seq over every sequence of the pack. dout:
 * d(out) [rows x E], multiplied in place by mask (the forward's dropout
 * mask, or NULL); the residual's share of the gradient (dout itself) is the
 * caller's. dx[rows x E] += d/dx (dx may be NULL), parameter gradients +=
 * into g. x, qkv, probs (kept, not NULL) and ctx are what the forward saw and
 * kept. Scratch: dctx [rows x E], dqkv [rows x 3E]. */
void mha_backward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop,
                  const float *qkv, const float *probs, const float *ctx, const float *mask, float *dout, float *dctx,
                  float *dqkv, float *dx, const MhaGrads *g);

#endif
