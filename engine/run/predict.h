/* Using a finished (or stopped) run: its resolved config, vocabulary and best
 * checkpoint, for `sentui predict` and `sentui eval` and whichever screen
 * wants a label for a text. */
#ifndef SENTUI_PREDICT_H
#define SENTUI_PREDICT_H

#include <stddef.h>
#include <stdint.h>

#include "run/batcher.h"
#include "run/checkpoint.h"
#include "config/config.h"
#include "data/data.h"
#include "data/wordpiece.h"
#include "run/metrics.h"
#include "models/model.h"
#include "run/class_names.h"

typedef struct RunModel {
    Config cfg;
    Vocab vocab;
    WordPiece *wp;         /* the model folder's tokenizer when the model reads WordPiece ids, else NULL */
    Model *model;
    char checkpoint[1100]; /* the file the weights came from */
    CheckpointMeta meta;   /* its metadata (step, metric, ...) */
    Batcher batch;         /* input buffers of max_B texts of data.max_len tokens */
    int max_B;
    ClassNames classes;    /* the run's classes.txt (own data); none: negative, positive */
    int n_classes;
    /* Explanations of attention models: the weights are the attention each
     * token receives in attn_layer's attn_head (-1: mean over layers, over
     * heads; both -1 by default), and keep_attn keeps every map in
     * Prediction.attn (Try it; 72 maps of len^2 for DistilBERT, so not for
     * batches). Set after run_model_open. */
    int attn_layer, attn_head, keep_attn;
} RunModel;

/* Reads dir/config.yaml, dir/vocab.txt, dir/classes.txt if any, and the weights of
 * dir/checkpoint.safetensors (the best), or dir/last.safetensors when no best
 * exists yet. max_B: largest batch the caller will evaluate (0: the run's
 * eval.batch_size). */
int run_model_open(RunModel *r, const char *dir, int max_B, char *err, size_t errlen);
/* The model's attention layers and heads (0, 0 for models without attention). */
void run_model_attention_shape(const RunModel *r, int *layers, int *heads);
void run_model_close(RunModel *r);

typedef struct Prediction {
    int empty;          /* the text held no word: no label, no probability */
    int label;          /* the most probable class (binary: 0 negative, 1 positive); -1 when empty */
    float prob;         /* binary: probability of the positive class; more classes: of label's */
    float probs[MAX_CLASSES]; /* of every class (RunModel.n_classes of them) */
    int len;            /* tokens read (after truncation); 0 when empty */
    int32_t *tokens;    /* [len] ids */
    float *weight;      /* [len] per-token weight (model_explain), or NULL */
    char method[96];
    int layers, heads;  /* attention models */
    float *attn;        /* [layers][heads][len][len] with RunModel.keep_attn, else NULL */
} Prediction;

/* One text (NUL-terminated) with its per-token weights, for the Try screen and
 * single predictions. */
int run_model_predict(RunModel *r, const char *text, Prediction *p, char *err, size_t errlen);

/* n texts at once: text[i] holds len[i] bytes (NUL bytes break words like the
 * other control bytes). Texts go through the model in batches of up to
 * r->max_B sorted by length, each batch only as wide as its longest text, so
 * short texts do not pay for data.max_len steps; out[i] answers text[i].
 * With explain, every non-empty text also gets its per-token weights, at the
 * price of one more forward and backward pass of its own. */
int run_model_predict_batch(RunModel *r, const char *const *text, const size_t *len, int n, Prediction *out,
                            int explain, char *err, size_t errlen);
void prediction_free(Prediction *p);

/* Loads the dataset the run's config describes (paths as for dataset_load)
 * and checks it still encodes with the run's vocabulary. */
int run_model_dataset(RunModel *r, const DataPaths *paths, Dataset *d, char *err, size_t errlen);
/* Metrics (and mean loss) of the model over a split. */
void run_model_evaluate(RunModel *r, const Split *s, Metrics *m);

#endif
