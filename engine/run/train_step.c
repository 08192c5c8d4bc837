#include "run/train_step.h"

#include <math.h>

#include "common/hash.h"
#include "kernels/tensor.h"
#include "run/dist.h"
#include "run/grad_exchange.h"

StepStatus train_step_run(Model *m, Optimizer *opt, const Config *cfg, const Batch *b, long step, long total_steps,
                          StepResult *out) {
    rng_seed(&m->dropout_rng, hash_pair((uint64_t)cfg->train_seed ^ 0xd809e7ULL, (uint64_t)step));
    params_zero_grad(&m->params);
    out->loss = model_forward(m, b, 1);
    out->grad_norm = out->lr = 0;
    if (!isfinite(out->loss)) return STEP_BAD_LOSS;
    model_backward(m, b);
    out->grad_norm = grad_clip_norm(&m->params, (float)cfg->train_clip_norm);
    if (!isfinite(out->grad_norm)) return STEP_BAD_GRAD;
    out->lr = (float)lr_at(cfg, step, total_steps);
    optim_step(opt, out->lr);
    return STEP_OK;
}

/* Each rank's mean loss and gradient weighted by its share of the global
 * batch and summed over the ranks: the mean over the whole batch, as one
 * process computes it. Both come back identical on every rank, so clipping
 * and the optimizer step agree without further messages. */
StepStatus train_step_run_shard(Model *m, Optimizer *opt, const Config *cfg, const Batch *b, int global_B, long step,
                                long total_steps, GradExchange **gx, StepResult *out) {
    uint64_t seed = hash_pair((uint64_t)cfg->train_seed ^ 0xd809e7ULL, (uint64_t)step);
    /* Other ranks draw their own dropout masks; rank 0 draws the single-process ones. */
    if (dist_rank() > 0) seed = hash_pair(seed, (uint64_t)dist_rank());
    rng_seed(&m->dropout_rng, seed);
    params_zero_grad(&m->params);
    double share = global_B > 0 ? (double)b->B / global_B : 0;
    float loss = b->B > 0 ? model_forward(m, b, 1) : 0;
    double agree[2] = {isfinite(loss) ? share * loss : 0, isfinite(loss) ? 0 : 1};
    dist_allreduce_sum_f64(agree, 2);
    out->loss = agree[1] > 0 ? NAN : (float)agree[0];
    out->grad_norm = out->lr = 0;
    if (agree[1] > 0) return STEP_BAD_LOSS;
    if (b->B > 0) {
        model_backward(m, b);
        float *g = m->params.grad, w = (float)share;
        for (size_t i = 0; i < m->params.total; i++) g[i] *= w;
    }
    grad_exchange_sum(gx, &m->params);
    out->grad_norm = grad_clip_norm(&m->params, (float)cfg->train_clip_norm);
    if (!isfinite(out->grad_norm)) return STEP_BAD_GRAD;
    out->lr = (float)lr_at(cfg, step, total_steps);
    optim_step(opt, out->lr);
    return STEP_OK;
}
