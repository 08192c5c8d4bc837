/* The masked-language-model head of Hugging Face's DistilBertForMaskedLM,
 * computed for the masked rows only:
 *   vocab_transform (E -> E) -> GELU (erf) -> vocab_layer_norm
 *   -> vocab_projector (its weight the word embeddings [V x E], its own bias)
 *   -> cross-entropy against the original token.
 * The projection is one [M x E] x [E x V] product over the M masked rows,
 * not over every row of the batch. */
#ifndef SENTUI_NN_MLM_HEAD_H
#define SENTUI_NN_MLM_HEAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct MlmHeadParams {
    const float *vt_w, *vt_b; /* vocab_transform [E x E], [E] */
    const float *ln_w, *ln_b; /* vocab_layer_norm [E], [E] */
    const float *emb;         /* word embeddings [V x E], tied to vocab_projector.weight */
    const float *proj_b;      /* vocab_projector.bias [V] */
} MlmHeadParams;

typedef struct MlmHeadGrads {
    float *vt_w, *vt_b, *ln_w, *ln_b, *emb, *proj_b; /* accumulated into */
} MlmHeadGrads;

/* What a forward keeps for backward, for up to M rows. */
typedef struct MlmHeadActs {
    float *pre, *act, *ln;  /* [M x E]: transform, GELU, LayerNorm outputs */
    float *mean, *rstd;     /* [M] */
    float *ce;              /* [2M]: each row's cross-entropy, then whether it was predicted right */
    float *probs;           /* [M x V]: softmax; backward turns it into d(logits) */
    float *g1, *g2;         /* [M x E] gradient scratch */
} MlmHeadActs;

/* Floats MlmHeadActs needs for M rows (mlm_head_acts carves them from buf). */
size_t mlm_head_floats(int M, int E, int V);
MlmHeadActs mlm_head_acts(float *buf, int M, int E, int V);

/* x [M x E]: the encoder's output at the masked positions; labels [M]: the
 * original tokens. Returns the summed cross-entropy over the M rows; *correct
 * (when not NULL) receives how many rows' most probable token is the label. */
double mlm_head_forward(int M, int E, int V, float eps, const MlmHeadParams *p, const float *x, const int32_t *labels,
                        MlmHeadActs *a, long *correct);

/* Backward of scale * (the summed cross-entropy): dx [M x E] += d/dx, and
 * every parameter's gradient accumulated into g (the word embeddings' from
 * the projection, so that with the encoder's own it is the tied total). */
void mlm_head_backward(int M, int E, int V, const MlmHeadParams *p, const float *x, const int32_t *labels, float scale,
                       MlmHeadActs *a, float *dx, MlmHeadGrads *g);

#endif
