/* Checkpoints are safetensors files whose tensor names are the parameter
 * views' names (the PyTorch module paths), so Python's safetensors and
 * PyTorch load them as they are. last.safetensors also carries the optimizer
 * state as extra tensors "optim.m.<name>" / "optim.v.<name>" and, in the
 * metadata, everything else an exact resume needs.
 *
 * A checkpoint is input from strangers (run folders are shared), so every
 * number in it is checked before use: the safetensors structure (see
 * safetensors.h), each metadata field's syntax and range, finite weights, and
 * for a resume the position against the run's config (checkpoint_check_resume).
 * The "checksum" metadata field catches accidental damage: in format 2 it
 * covers the header (tensor table and every other metadata field, as sorted
 * compact JSON) and then the tensor bytes in file order; format 1 (older
 * sentui) covered the tensor bytes only and still loads. A file without a
 * sentui format (e.g. saved by PyTorch) gets the structural checks only. */
#ifndef SENTUI_CHECKPOINT_H
#define SENTUI_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"

#define CHECKPOINT_FORMAT "sentui-checkpoint-2"
#define CHECKPOINT_FORMAT_V1 "sentui-checkpoint-1"

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
    double wall_seconds;  /* wall-clock seconds so far, pauses and loading included, over all sessions */
    double tokens;        /* training tokens so far */
    uint64_t rng[4];      /* the model's dropout generator */
    char metric[32];      /* name of eval.metric, and its value at this checkpoint */
    double metric_value;
    int format;           /* 2, 1 (older sentui), 0 (not written by sentui) */
    int has_v;            /* optimizer state holds a second moment ("optim_state": "m,v") */
} CheckpointMeta;

/* What a resume of this run can hold: the metadata must describe a position
 * inside it. */
typedef struct CheckpointLimits {
    int epochs;                 /* train.epochs */
    long steps_per_epoch;
    double max_tokens_per_step; /* train.batch_size * the longest review */
    int metric;                 /* eval.metric (Metric) */
    int has_v;                  /* the optimizer keeps a second moment */
} CheckpointLimits;

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

/* Checks a resume position against the run: 0, or -1 with err naming the
 * metadata field and its allowed range. */
int checkpoint_check_resume(const CheckpointMeta *meta, const CheckpointLimits *lim, const char *path, char *err,
                            size_t errlen);

#endif
