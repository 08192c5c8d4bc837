/* Token embedding lookup and its scatter-add backward (embedding.h), the
 * input of the recurrent and Transformer models, over the packed tokens. */
#include "nn/embedding.h"

#include <string.h>

#include "kernels/tensor.h"

void embedding_forward(const float *W, int E, const int32_t *tokens, int N, float *out) {
    for (int n = 0; n < N; n++) memcpy(out + (size_t)n * E, W + (size_t)tokens[n] * E, (size_t)E * sizeof(float));
}

typedef struct {
    float *dW;
    int E, N, padding_idx;
    const int32_t *tokens;
    const float *dout;
} EmbBack;

/* Each thread owns a band of columns, so two tokens with the same id never race
 * and the summation order (token order) is the same for any thread count. */
static void emb_back_cols(void *ctx, int c0, int c1) {
    EmbBack *a = ctx;
    for (int n = 0; n < a->N; n++) {
        int tok = a->tokens[n];
        if (tok == a->padding_idx) continue;
        float *dst = a->dW + (size_t)tok * a->E;
        const float *src = a->dout + (size_t)n * a->E;
        for (int e = c0; e < c1; e++) dst[e] += src[e];
    }
}

void embedding_backward(float *dW, int E, const int32_t *tokens, int N, const float *dout, int padding_idx) {
    EmbBack a = {dW, E, N, padding_idx, tokens, dout};
    if ((long)N * E < 65536 || E < 32) {
        emb_back_cols(&a, 0, E);
        return;
    }
    parallel_for(E, emb_back_cols, &a);
}
