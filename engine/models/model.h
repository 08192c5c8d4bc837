/* A classifier is an embedding, an encoder (rnn, lstm, gru, transformer or a
 * bag of n-grams), a pooling and a linear head over n_classes classes (two
 * unless the data has more). Each
 * architecture provides a ModelOps table; model.c owns what is common (the
 * parameter block, the loss, the activation arena, dispatch). */
#ifndef SENTUI_MODEL_H
#define SENTUI_MODEL_H

#include <stdint.h>
#include "config/config.h"
#include "nn/params.h"
#include "kernels/tensor.h"

/* Binary sentiment has two classes (0 negative, 1 positive); a run on the
 * user's own data has between 2 and MAX_CLASSES, numbered by sorted name. */
#define NUM_CLASSES 2
#define MAX_CLASSES 32

/* A batch of B sequences padded with 0 to T tokens (row-major B x T). */
typedef struct Batch {
    const int32_t *tokens;
    const int32_t *lengths; /* true lengths, 1..T (0 is treated as 1) */
    const int32_t *labels;  /* 0/1, or NULL when unknown */
    int B, T;
} Batch;

/* Per-token weights for one review, for the heatmap panel. */
typedef struct Explanation {
    int len;              /* tokens explained */
    int layers, heads;    /* transformer: attention maps; recurrent: 0 */
    float *attn;          /* [layers][heads][len][len], row = query; NULL if none */
    float *token_weight;  /* [len]: average attention received (transformer),
                             |grad x input| saliency (recurrent), normalised to sum 1 */
    float *pool_weight;   /* [len] attention-pooling weights, or NULL */
    float prob[MAX_CLASSES];
    char method[96];      /* how token_weight was computed, shown under the heatmap */
} Explanation;

typedef struct Model Model;

typedef struct ModelOps {
    /* Declares parameters (params_add) and sizes impl; called once. */
    int (*build)(Model *m, char *err, size_t errlen);
    /* After params_alloc: resolve pointers, allocate the activation arena for (max_B, max_T). */
    int (*setup)(Model *m);
    /* PyTorch-default initialisation for the same modules. */
    void (*init)(Model *m, Rng *rng);
    /* Fills m->logits [B x NUM_CLASSES]; keeps what backward needs when train != 0. */
    void (*forward)(Model *m, const Batch *b, int train);
    /* Reads m->dlogits, accumulates into m->params.grad. */
    void (*backward)(Model *m, const Batch *b);
    /* Optional; fill attention maps (allocate with malloc). */
    int (*explain)(Model *m, const int32_t *tokens, int len, Explanation *out);
    void (*destroy)(Model *m);
} ModelOps;

struct Model {
    const ModelOps *ops;
    Config cfg;           /* deep copy */
    int arch;
    int vocab_size;
    int n_classes;        /* 2..MAX_CLASSES */
    char *const *class_names; /* their names while build runs (NULL: negative, positive) */
    int max_B, max_T;
    Params params;
    float *logits;        /* [max_B x n_classes] */
    float *dlogits;
    float *probs;
    Rng dropout_rng;      /* reseeded per step from (seed, step) so resume reproduces */
    void *impl;
};

Model *model_create(const Config *cfg, int vocab_size, int max_B, int max_T, char *err, size_t errlen);
/* The same with a head over n_classes (2..MAX_CLASSES) classes. */
Model *model_create_classes(const Config *cfg, int vocab_size, int n_classes, int max_B, int max_T, char *err,
                            size_t errlen);
/* The same naming the classes (NULL: negative, positive), for a model whose
 * checkpoint brings a head with labels of its own (model.init). */
Model *model_create_named(const Config *cfg, int vocab_size, int n_classes, char *const *names, int max_B, int max_T,
                          char *err, size_t errlen);
/* Softmax of one row of n logits into prob; returns the most probable class
 * (the lowest on a tie). */
int model_softmax_row(const float *z, int n, float *prob);
/* The machine's physical memory in bytes (INFINITY when unknown): what a
 * model's weights or activation arena is refused beyond, before allocating,
 * since an overcommitted allocation would only fail later, page by page. */
double model_machine_memory(void);
/* The most probable class of row i of the last forward (the lowest on a tie). */
int model_argmax(const Model *m, int i);
void model_free(Model *m);
void model_init(Model *m, uint64_t seed);
/* Forward pass; when b->labels is set returns the mean cross-entropy, else 0.
 * Probabilities land in m->probs. */
float model_forward(Model *m, const Batch *b, int train);
/* Backward of the mean cross-entropy of the last forward (which must have had labels
 * and train != 0). Adds into the gradient block (call params_zero_grad first). */
void model_backward(Model *m, const Batch *b);
/* Per-token weights for one sequence (gradient x input saliency for recurrent models). */
int model_explain(Model *m, const int32_t *tokens, int len, Explanation *out);
void explanation_free(Explanation *e);
size_t model_param_count(const Model *m);
/* Forward FLOPs per token for one sequence of length T, for GFLOP/s figures. */
double model_flops_per_token(const Model *m, int T);

/* Registered by engine/models/ *.c */
extern const ModelOps rnn_ops;         /* rnn, lstm, gru share one file family */
extern const ModelOps transformer_ops;
extern const ModelOps bag_ops;
extern const ModelOps distilbert_ops;  /* a Hugging Face DistilBERT folder (model.init) */
/* What a distilbert model took from its folder, one line ("" for other models). */
const char *distilbert_note(const Model *m);

#endif
