/* A distilbert encoder with DistilBertForMaskedLM's head (train.objective:
 * mlm): the encoder is the Transformer's (its forward stopped at the last
 * layer), the head is nn/mlm_head.c over the masked rows, taken in chunks
 * so that memory stays bounded whatever the batch. */
#ifndef SENTUI_MODELS_MLM_MODEL_H
#define SENTUI_MODELS_MLM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"
#include "nn/mlm_head.h"

/* Masked rows the head computes at once. */
#define MLM_CHUNK 512

typedef struct MlmState {
    size_t vt_w, vt_b, ln_w, ln_b, proj_b; /* offsets of the head's parameters */
    float eps;                             /* vocab_layer_norm's */
    float *buf;                            /* MLM_CHUNK rows: input, its gradient, the head's activations */
} MlmState;

/* The masked input of a batch and where the loss is taken: pos[k] = s * T + i. */
typedef struct MlmTargets {
    const int32_t *pos, *labels;
    int M;
} MlmTargets;

/* Declares vocab_transform, vocab_layer_norm and vocab_projector.bias
 * (vocab_projector.weight is the word embeddings) under Hugging Face's names. */
void mlm_declare(Model *m, MlmState *s, int E, int V);
int mlm_head_setup(Model *m, MlmState *s);
void mlm_head_release(MlmState *s);

/* The mean cross-entropy over the M masked tokens (0 when M is 0) and, in
 * *correct, how many were predicted right. With train, the head's gradients
 * (of the mean) are accumulated and d(encoder output) kept, so that
 * model_mlm_backward only runs the encoder's backward; without, nothing is
 * kept and no dropout is drawn. The model must be a distilbert built with
 * train.objective mlm. */
double model_mlm_forward(Model *m, const Batch *in, const MlmTargets *tg, int train, long *correct);
void model_mlm_backward(Model *m);

#endif
