/* Token embedding: a lookup of rows of a [vocab x E] table. The padding id's
 * row never receives gradient, so it stays what init made it (zero). */
#ifndef SENTUI_NN_EMBEDDING_H
#define SENTUI_NN_EMBEDDING_H

#include <stdint.h>

/* out[n*E + e] = W[tokens[n]*E + e] for n in [0, N). */
void embedding_forward(const float *W, int E, const int32_t *tokens, int N, float *out);

/* dW[tokens[n]] += dout[n] for every n whose token is not padding_idx
 * (padding_idx < 0: every token gets gradient). Deterministic for any thread
 * count: threads split the embedding columns, never the tokens. */
void embedding_backward(float *dW, int E, const int32_t *tokens, int N, const float *dout, int padding_idx);

#endif
