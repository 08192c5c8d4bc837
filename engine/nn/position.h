/* Position embeddings added to the token embeddings of packed sequences
 * (sequence s owns rows off[s] .. off[s]+len[s]-1; its row t gets position t).
 * Learned: a [max_len x E] table ("pos_embedding.weight", nn.Embedding
 * initialised N(0,1)). Sinusoidal: the fixed table of "Attention is all you
 * need", PE[t, 2i] = sin(t / 10000^(2i/E)), PE[t, 2i+1] = cos(same). */
#ifndef SENTUI_NN_POSITION_H
#define SENTUI_NN_POSITION_H

#include <stdint.h>

/* Fills P [T x E] with the sinusoidal table. */
void position_sinusoidal(float *P, int T, int E);

/* x[row of (s, t)] += P[t] for every real row. */
void position_add_forward(const float *P, int E, int nseq, const int32_t *off, const int32_t *len, float *x);

/* dP[t] += dx[row of (s, t)]. Deterministic: threads split columns. */
void position_add_backward(const float *dx, int E, int nseq, const int32_t *off, const int32_t *len, float *dP);

#endif
