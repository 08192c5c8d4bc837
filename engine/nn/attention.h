/* Multi-head self-attention, equivalent to PyTorch's nn.MultiheadAttention
 * (batch_first) with a key-padding mask: one fused in-projection
 * in_proj_weight [3E x E] / in_proj_bias [3E] producing Q, K, V, per-head
 * scaled dot products (scale 1/sqrt(E/H)), softmax, dropout on the attention
 * probabilities while training, and out_proj [E x E] + bias.
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

/* out[rows x E] from x[rows x E]. Keeps qkv [rows x 3E], probs [psize]
 * (softmax before dropout; row = query, also what a heatmap shows) and
 * ctx [rows x E] for backward. dropped [psize] is scratch, used only when
 * drop.p > 0. probs may be NULL when nothing will read the maps (evaluation,
 * drop.p == 0): the scores then live only in a small per-thread block. */
void mha_forward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop, float *qkv,
                 float *probs, float *dropped, float *ctx, float *out);

/* The attention of one sequence on the calling thread (for callers already
 * inside a parallel region): qkv [L x 3E] (this sequence's rows of the
 * in-projection) -> ctx [L x E] (row stride E). probs: the sequence's H maps
 * [H x L x L] to keep, or NULL; dropped: as many floats of scratch when
 * drop.p > 0; pbase: where probs starts in the batch's probability buffer
 * (poff[s]), so the dropout mask matches mha_backward's. scratch: at least
 * mha_seq_scratch_floats(L, E, H) floats, 32-byte aligned. */
size_t mha_seq_scratch_floats(int L, int E, int H);
void mha_attend_seq(int L, int E, int H, const float *qkv, MhaDropout drop, float *probs, float *dropped,
                    size_t pbase, float *ctx, float *scratch);

/* dx[rows x E] += d/dx (dx may be NULL), parameter gradients += into g.
 * Scratch: dctx [rows x E], dqkv [rows x 3E]. dscores is no longer used (each
 * thread keeps one head's score gradients in its own cache-sized buffer) and
 * may be NULL. */
void mha_backward(const SeqPack *s, int E, int H, const float *x, const MhaParams *w, MhaDropout drop,
                  const float *qkv, const float *probs, const float *ctx, const float *dout, float *dctx, float *dqkv,
                  float *dscores, float *dx, const MhaGrads *g);

#endif
