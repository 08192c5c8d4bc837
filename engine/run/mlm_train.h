/* A run with train.objective mlm: pretraining a new distilbert encoder on
 * the unlabelled reviews with the masked-language-model objective. It is a
 * run like any other (steps, evaluations, checkpoints, resume, events);
 * what differs is here:
 *   - the data: the unlabelled reviews alone, a held-out slice of them the
 *     validation split (data.val_fraction of them, at most MLM_VAL_MAX),
 *     the rest (data.limit_train of them when set) the training split; the
 *     labelled reviews, validation and test text are never read;
 *   - the step: each review masked afresh (run/mlm_batch.h, keyed by the
 *     seed, the step and the review), the loss the mean over masked tokens;
 *   - the evaluation: MLM loss and masked-token accuracy over the held-out
 *     reviews, masked the same way at every evaluation;
 *   - the output: every best checkpoint is also written as a Hugging Face
 *     folder, <run>/pretrained/, and at the end to train.export_dir. */
#ifndef SENTUI_RUN_MLM_TRAIN_H
#define SENTUI_RUN_MLM_TRAIN_H

#include <stddef.h>

#include "run/metrics.h"
#include "run/train_step.h"

#define MLM_VAL_MAX 2000
#define MLM_FOLDER "pretrained"

typedef struct Trainer Trainer;

/* Whether the trainer's config pretrains. */
int mlm_run(const Trainer *t);
/* After the dataset is loaded: the splits from the unlabelled reviews and the
 * masking buffers. 0, or -1 with err. */
int mlm_prepare(Trainer *t, char *err, size_t errlen);
void mlm_release(Trainer *t);
/* One optimizer step on batch b (a single process). */
StepStatus mlm_step(Trainer *t, const Batch *b, StepResult *out);
/* MLM loss and masked-token accuracy over the validation split, in m
 * (loss, accuracy; f1s are the accuracy); the count of masked tokens in *masked. */
void mlm_validate(Trainer *t, Metrics *m, long *masked);
/* The model as it is now into <run>/pretrained/ (and with final, from the
 * best checkpoint, into train.export_dir). 0, or -1 with t->reason set. */
int mlm_export(Trainer *t, int final);

#endif
