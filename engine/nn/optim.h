/* Optimizers over the contiguous parameter block: SGD with momentum, Adam
 * (L2 weight decay folded into the gradient, as torch.optim.Adam does) and
 * AdamW (decoupled decay, as torch.optim.AdamW). Views marked no_decay get no
 * weight decay. The state (m, v, step) has the layout of the parameter block,
 * so checkpoints store it with the same names as the parameters. */
#ifndef SENTUI_OPTIM_H
#define SENTUI_OPTIM_H

#include "config/config.h"
#include "nn/params.h"

typedef struct Optimizer {
    int kind;              /* OPT_SGD, OPT_ADAM, OPT_ADAMW */
    float momentum, beta1, beta2, eps, weight_decay;
    Params *params;
    float *m;              /* sgd: momentum buffer; adam: first moment. [params->total] */
    float *v;              /* adam: second moment; NULL for sgd */
    long step;             /* updates taken so far */
    float *view_lr;        /* per view: share of the step's lr (train.layer_lr_decay); NULL: all 1 */
} Optimizer;

/* Reads train.optimizer, momentum, beta1, beta2, eps, weight_decay, layer_lr_decay. Zeroed state.
 * Returns 0, or -1 when out of memory. */
int optim_init(Optimizer *o, Params *p, const Config *cfg);
void optim_free(Optimizer *o);
/* Zeroes m, v and step. */
void optim_reset(Optimizer *o);

/* One update of p->data from p->grad with learning rate lr; step += 1. */
void optim_step(Optimizer *o, float lr);

/* L2 norm of the whole gradient block (summed in double, in a fixed order). */
float grad_global_norm(const Params *p);
/* Scales the gradients by max_norm / (norm + 1e-6) when the norm exceeds
 * max_norm (torch.nn.utils.clip_grad_norm_); returns the norm before clipping.
 * max_norm <= 0 only measures. */
float grad_clip_norm(Params *p, float max_norm);

/* Learning rate for the update with 0-based index step out of total_steps:
 * linear warm-up over train.warmup steps (>= 1) or that share of total_steps
 * (< 1), reaching train.lr at the last warm-up step, then train.schedule:
 * constant, linear decay toward 0, or cosine decay toward 0 at total_steps. */
double lr_at(const Config *cfg, long step, long total_steps);

#endif
