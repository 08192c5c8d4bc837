/* Pooling a sequence of vectors into one per sequence, over real tokens only:
 * last real token, first token (cls), mean, max, and learned attention pooling
 * (score_t = w . h_t + b, softmax over real tokens, sum of a_t h_t; w and b are
 * an nn.Linear(D, 1), "pool.weight" [1 x D] and "pool.bias" [1]).
 *
 * Layout: element (b, t, d) lives at h[b*sb + t*st + d], so one set of
 * functions serves batch-major [B x T x D] (sb = T*D, st = D) and time-major
 * [T x B x D] (sb = D, st = B*D) tensors; dh uses the same layout as h.
 *
 * lengths: true lengths per sequence; NULL means every sequence has T real
 * tokens (no masking). A length < 1 counts as 1, a length > T as T.
 * Backward functions ADD into dh and into parameter gradients. */
#ifndef SENTUI_NN_POOLING_H
#define SENTUI_NN_POOLING_H

#include <stddef.h>
#include <stdint.h>

/* out[b] = h[b, len_b - 1]. */
void pool_last_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths, float *out);
void pool_last_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                        float *dh);

/* Bidirectional recurrent states: the first D/2 features (forward direction)
 * at the last real token, the last D/2 (backward direction) at t = 0 -- the
 * final state of each direction, like PyTorch's h_n of a packed sequence. */
void pool_last_bidir_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                             float *out);
void pool_last_bidir_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                              float *dh);

/* out[b] = h[b, 0] (cls token). */
void pool_first_forward(const float *h, int B, int T, int D, size_t sb, size_t st, float *out);
void pool_first_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, float *dh);

/* out[b] = mean over t < len_b of h[b, t]. */
void pool_mean_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths, float *out);
void pool_mean_backward(const float *dout, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                        float *dh);

/* out[b, d] = max over t < len_b of h[b, t, d]; argmax [B x D] keeps the winning t. */
void pool_max_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths, float *out,
                      int32_t *argmax);
void pool_max_backward(const float *dout, const int32_t *argmax, int B, int T, int D, size_t sb, size_t st,
                       float *dh);

/* weights [B x T] receives the softmax (0 on padding); backward needs it and h. */
void pool_attention_forward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                            const float *w, const float *bias, float *weights, float *out);
void pool_attention_backward(const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                             const float *w, const float *weights, const float *dout, float *dh, float *dw,
                             float *dbias);

/* One entry point over kind (POOL_LAST, POOL_MEAN, POOL_MAX, POOL_ATTENTION,
 * POOL_CLS from config.h). Scratch: argmax [B x D] for max, weights [B x T]
 * for attention (NULL otherwise); w, bias, dw, dbias for attention only. */
void pooling_forward(int kind, const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                     const float *w, const float *bias, float *weights, int32_t *argmax, float *out);
void pooling_backward(int kind, const float *h, int B, int T, int D, size_t sb, size_t st, const int32_t *lengths,
                      const float *w, const float *weights, const int32_t *argmax, const float *dout, float *dh,
                      float *dw, float *dbias);

#endif
