/* Checkpoints are safetensors files whose tensor names are the parameter
 * views' names (the PyTorch module paths), so Python's safetensors and
 * PyTorch load them as they are. last.safetensors also carries the optimizer
 * state as extra tensors "optim.m.<name>" / "optim.v.<name>" and, in the
 * metadata, everything else an exact resume needs. A checksum of the tensor
 * bytes in the metadata catches corruption that leaves the header intact. */
#ifndef SENTUI_CHECKPOINT_H
#define SENTUI_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define CHECKPOINT_FORMAT "sentui-checkpoint-1"

typedef struct CheckpointMeta {
    char arch[32];        /* "lstm" */
    long step;            /* optimizer steps done */
    int epoch;            /* epoch in progress (0-based) */
    long epoch_pos;       /* batches of that epoch already done */
    uint64_t config_hash; /* config_hash_keys(cfg, "model.") */
    /* Resume state (last.safetensors; zero in checkpoint.safetensors). */
    long optim_step;      /* the optimizer's own step count (bias correction) */
    int has_best;
    double best_value;    /* eval.metric of the best evaluation so far */
    long best_step;
    int bad_evals;        /* evaluations since the best (early stopping) */
    double elapsed;       /* training seconds so far, over all sessions */
    double tokens;        /* training tokens so far */
    uint64_t rng[4];      /* the model's dropout generator */
    char metric[32];      /* name of eval.metric, and its value at this checkpoint */
    double metric_value;
} CheckpointMeta;

/* Writes the model's parameters (and opt_m / opt_v when not NULL: arrays laid
 * out like the parameter block) atomically. */
int checkpoint_save(const char *path, const Model *m, const CheckpointMeta *meta, const float *opt_m,
                    const float *opt_v, char *err, size_t errlen);

/* Checks every name, dtype and shape against the model, then copies the
 * parameters (and the optimizer state into opt_m / opt_v when not NULL; the
 * file must then hold it). On any error the model is left untouched and err
 * says what is wrong (missing, unexpected or mis-shaped tensors are listed). */
int checkpoint_load(const char *path, Model *m, CheckpointMeta *meta, float *opt_m, float *opt_v, char *err,
                    size_t errlen);

/* Reads only the metadata (and checks the file is whole). */
int checkpoint_read_meta(const char *path, CheckpointMeta *meta, char *err, size_t errlen);

#endif
