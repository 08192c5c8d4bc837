/* What the Transformer classifier's files share: its parameters' offsets,
 * the activations a forward keeps, and the forward itself
 * (transformer_forward.c), which the model's forward, backward and explain
 * (transformer.c) build on. */
#ifndef SENTUI_MODELS_TRANSFORMER_INTERNAL_H
#define SENTUI_MODELS_TRANSFORMER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"
#include "nn/attention.h"
#include "nn/feedforward.h"

/* What a forward is for: training keeps every activation backward needs;
 * evaluation keeps none; explaining keeps the attention maps. */
enum { MODE_TRAIN, MODE_EVAL, MODE_KEEP_MAPS };

/* Offsets of one encoder layer's tensors in the parameter (and gradient) block. */
typedef struct LayerParams {
    size_t w_in, b_in, w_out, b_out, w1, b1, w2, b2, n1w, n1b, n2w, n2b;
} LayerParams;

/* What one layer keeps for backward ([rows x E] unless noted). */
typedef struct LayerActs {
    float *n1, *n2;             /* outputs of norm1 and norm2 */
    float *mean1, *rstd1, *mean2, *rstd2; /* [rows] */
    float *qkv;                 /* [rows x 3E] */
    float *probs;               /* [psize] attention maps */
    float *ctx;
    float *res1, *res2;         /* residual sums */
    float *pre, *hid;           /* [rows x F]; pre only for GELU */
    float *mask1, *mask2;       /* dropout after attention and after the feed-forward */
    float *maskff;              /* [rows x F] dropout inside the feed-forward */
    uint32_t attn_seed;
} LayerActs;

typedef struct Tf {
    int E, H, F, L, P, act, post, pooling, position, lab;
    float p_drop, p_emb;
    float eps;                  /* every LayerNorm's */
    /* Hugging Face's BERT family (distilbert.c): a LayerNorm over the
     * embeddings, no dropout after attention or inside the feed-forward,
     * and a pre_classifier + ReLU before the head's dropout and fc. */
    int hf;
    /* hf with BERT's additions (bert_names.c): row 0 of the token-type
     * embeddings added at every position (single sentences are all type 0),
     * dropout after attention as well, and the tanh pooler where DistilBERT
     * has pre_classifier + ReLU (the same offsets, pre_w and pre_b). */
    int bert;
    size_t typ;
    /* A masked-language-model encoder (mlm_model.c): the forward stops at
     * the last layer's output, which the MLM head reads row by row. */
    struct MlmState *mlm; /* models/mlm_model.h; NULL for a classifier */
    size_t emb, pos, pool_w, pool_b, fc_w, fc_b;
    size_t eln_w, eln_b, pre_w, pre_b; /* hf only */
    int classes;                /* rows of fc */
    LayerParams *lp;
    LayerActs *la;
    float *sinus;               /* [P x E] fixed table for sinusoidal positions */
    float *wpack;               /* every layer's weights packed for the per-sequence forward */
    size_t wpack_layer;         /* floats of one layer's packed weights */

    /* the batch, packed */
    SeqPack pack;
    int32_t *len, *off, *tok;
    size_t *poff;
    int B;                      /* sequences in the last forward */

    /* activations outside the layers */
    float *x0, *mask_e, *mask_s;        /* [rows x E] */
    const float *h;                     /* output of the last layer */
    float *pooled, *mask_h, *head_in;   /* [B x E] */
    float *pool_weights;                /* [rows] */
    float *emb_sum, *emb_mean, *emb_rstd; /* hf: [rows x E], [rows], [rows] before the embedding LayerNorm */
    float *pre_out;                     /* hf: [B x E] relu(pre_classifier(pooled)) */
    int32_t *argmax;                    /* [B x E] */

    /* gradient scratch, shared by every layer */
    float *g_out, *g_in, *g_t1, *g_t2, *g_t3; /* [rows x E] */
    float *g_qkv;                       /* [rows x 3E] */
    float *g_hid, *g_pre;               /* [rows x F] */
    float *dropped;                     /* [psize] the dropped attention maps of a forward */
    float *g_pooled;                    /* [B x E] */

    void *arena;
} Tf;

/* Dropout after attention: PyTorch's encoder and BERT have it, DistilBERT not. */
static inline int tf_drops_after_attention(const Tf *t) { return !t->hf || t->bert; }

static inline MhaParams mha_params(const Model *m, const LayerParams *p) {
    const float *d = m->params.data;
    return (MhaParams){d + p->w_in, d + p->b_in, d + p->w_out, d + p->b_out};
}

static inline FfnParams ffn_params(const Model *m, const LayerParams *p) {
    const float *d = m->params.data;
    return (FfnParams){d + p->w1, d + p->b1, d + p->w2, d + p->b2};
}

/* The forward of one batch (at most max_B sequences) in the given mode,
 * logits [B x NUM_CLASSES] into `logits`. */
void tf_run(Model *m, const Batch *b, int mode, float *logits);

/* What transformer.c and distilbert.c share: the activation arena for
 * (max_B, max_T) and its release, the forward in evaluation slices, the
 * backward and the attention maps. */
int tf_setup(Model *m);
void tf_destroy(Model *m);
void tf_forward(Model *m, const Batch *b, int train);
void tf_backward(Model *m, const Batch *b);
/* The encoder's backward from t->g_out, d(last layer's output) for every
 * packed row of the last training forward (clobbered). */
void tf_backward_rows(Model *m);
int tf_explain(Model *m, const int32_t *tokens, int len, Explanation *out);

#endif
