#include "run/train_step.h"

#include <math.h>

#include "common/hash.h"
#include "kernels/tensor.h"

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
