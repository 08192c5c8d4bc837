/* One optimisation step exactly as training takes it, for the trainer and for
 * `sentui bench`, which times the step a run takes rather than a copy of it. */
#ifndef SENTUI_TRAIN_STEP_H
#define SENTUI_TRAIN_STEP_H

#include "config/config.h"
#include "models/model.h"
#include "nn/optim.h"
#include "run/grad_exchange.h"

typedef enum { STEP_OK, STEP_BAD_LOSS, STEP_BAD_GRAD } StepStatus;

typedef struct StepResult {
    float loss, grad_norm, lr;
} StepResult;

/* The update with 0-based index step of total_steps on batch b: dropout masks
 * seeded from (train.seed, step), so a resumed run draws the same ones;
 * forward, backward, clipping at train.clip_norm, and the optimizer at the
 * learning rate of the schedule (lr_at). A loss or a gradient norm that is
 * not finite stops before the weights change (STEP_BAD_LOSS, STEP_BAD_GRAD). */
StepStatus train_step_run(Model *m, Optimizer *opt, const Config *cfg, const Batch *b, long step, long total_steps,
                          StepResult *out);

/* The same update over several processes (run/dist.h): b is this rank's
 * shard of a global batch of global_B reviews (b->B may be 0). The loss
 * reported is the global batch's mean; *gx keeps the exchange's
 * buffers between steps (run/grad_exchange.h). With one process it computes what
 * train_step_run does, up to the order of float additions. */
StepStatus train_step_run_shard(Model *m, Optimizer *opt, const Config *cfg, const Batch *b, int global_B, long step,
                                long total_steps, GradExchange **gx, StepResult *out);

#endif
