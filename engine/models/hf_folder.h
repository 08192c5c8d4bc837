/* A Hugging Face model folder as sentui reads it: config.json (jansson),
 * vocab.txt and model.safetensors. A pytorch_model.bin is never opened:
 * unpickling it would run whatever code it carries. Tensors stored as F16
 * or BF16 are widened to float32 on load; every value must be finite. */
#ifndef SENTUI_MODELS_HF_FOLDER_H
#define SENTUI_MODELS_HF_FOLDER_H

#include <stddef.h>

#include "run/safetensors.h"

#define HF_MAX_LABELS 32
#define HF_LABEL_MAX 64

/* The keys of config.json sentui uses, under DistilBERT's names (BERT's
 * hidden_size, num_attention_heads, intermediate_size and num_hidden_layers
 * are read into dim, n_heads, hidden_dim and n_layers). */
typedef struct HfConfig {
    char model_type[32];
    int bert;                                      /* model_type bert (else distilbert) */
    int vocab_size, dim, n_heads, hidden_dim, n_layers, max_position_embeddings, pad_token_id;
    int type_vocab_size;                           /* BERT's token types; 2 when absent */
    int num_labels;                                /* entries of id2label; 2 when absent */
    char labels[HF_MAX_LABELS][HF_LABEL_MAX];      /* id2label, by id */
    float layer_norm_eps;                          /* 1e-12 (DistilBERT's fixed value) unless given */
    float initializer_range;
} HfConfig;

/* Checks that dir holds config.json, vocab.txt and model.safetensors (a
 * message naming what is missing and where it goes otherwise), then reads
 * config.json. Refuses a model_type other than distilbert or bert by name. */
int hf_read_config(const char *dir, HfConfig *c, char *err, size_t errlen);

/* Entries of vocab.txt (non-empty lines), or -1 with a reason in err. */
long hf_vocab_entries(const char *dir, char *err, size_t errlen);

/* n values of t (F32, F16 or BF16) as float32 into dst. Returns the index of
 * the first value that is not finite, or -1 when all are. */
long hf_tensor_to_f32(const StTensor *t, float *dst, size_t n);

/* "dir/name" into buf. */
void hf_path(char *buf, size_t n, const char *dir, const char *name);

#endif
