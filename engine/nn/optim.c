#include "nn/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/vecmath.h"
#include "kernels/tensor.h"
#include "nn/layer_lr.h"

/* Work is split into a fixed number of slices, independent of the thread
 * count, so sums come out identical however many threads run them. */
#define SLICES 64

int optim_init(Optimizer *o, Params *p, const Config *cfg) {
    memset(o, 0, sizeof *o);
    o->kind = cfg->train_optimizer;
    o->momentum = (float)cfg->train_momentum;
    o->beta1 = (float)cfg->train_beta1;
    o->beta2 = (float)cfg->train_beta2;
    o->eps = (float)cfg->train_eps;
    o->weight_decay = (float)cfg->train_weight_decay;
    o->params = p;
    size_t n = p->total ? p->total : 1;
    o->m = calloc(n, sizeof(float));
    if (o->kind != OPT_SGD) o->v = calloc(n, sizeof(float));
    if (cfg->train_layer_lr_decay < 1.0) {
        o->view_lr = malloc((size_t)(p->n ? p->n : 1) * sizeof *o->view_lr);
        if (o->view_lr) layer_lr_scales(p, cfg->train_layer_lr_decay, o->view_lr);
    }
    if (!o->m || (o->kind != OPT_SGD && !o->v) || (cfg->train_layer_lr_decay < 1.0 && !o->view_lr)) {
        optim_free(o);
        return -1;
    }
    return 0;
}

void optim_free(Optimizer *o) {
    free(o->m);
    free(o->v);
    free(o->view_lr);
    o->m = o->v = NULL;
    o->view_lr = NULL;
}

void optim_reset(Optimizer *o) {
    size_t n = o->params->total;
    if (o->m) memset(o->m, 0, n * sizeof(float));
    if (o->v) memset(o->v, 0, n * sizeof(float));
    o->step = 0;
}

typedef struct {
    Optimizer *o;
    float lr, bc1, bc2_sqrt;
} StepCtx;

/* Written once over a lane type: whole vectors, then the scalar tail. */
#define SGD_BODY(V, LD, ST, SQRT, STEP)                                         \
    for (; i + STEP <= e; i += STEP) {                                          \
        V gi = LD(g + i) + wd * LD(w + i);                                      \
        V mi = mu * LD(m + i) + gi;                                             \
        ST(m + i, mi);                                                          \
        ST(w + i, LD(w + i) - lr * (mu > 0 ? mi : gi));                         \
    }

#define ADAM_BODY(V, LD, ST, SQRT, STEP)                                        \
    for (; i + STEP <= e; i += STEP) {                                          \
        V wi = LD(w + i);                                                       \
        V gi = LD(g + i) + l2 * wi;                                             \
        V mi = b1 * LD(m + i) + (1.0f - b1) * gi;                               \
        V vi = b2 * LD(v + i) + (1.0f - b2) * gi * gi;                          \
        ST(m + i, mi);                                                          \
        ST(v + i, vi);                                                          \
        ST(w + i, wi * shrink - step_size * mi / (SQRT(vi) * inv_bc2 + eps));   \
    }

#define VEC vf, vload, vstore, vsqrt, VLANES
#define SCALAR float, sload, sstore, sqrtf, 1
#define EXPAND(m, args) m args

static void update_range(const StepCtx *c, size_t b, size_t e, float wd, float lr) {
    Optimizer *o = c->o;
    float *w = o->params->data, *g = o->params->grad, *m = o->m, *v = o->v;
    size_t i = b;
    if (o->kind == OPT_SGD) {
        float mu = o->momentum;
        EXPAND(SGD_BODY, (VEC))
        EXPAND(SGD_BODY, (SCALAR))
    } else {
        float b1 = o->beta1, b2 = o->beta2, eps = o->eps, step_size = lr / c->bc1, inv_bc2 = 1.0f / c->bc2_sqrt;
        float l2 = o->kind == OPT_ADAM ? wd : 0.0f, shrink = o->kind == OPT_ADAMW ? 1.0f - lr * wd : 1.0f;
        EXPAND(ADAM_BODY, (VEC))
        EXPAND(ADAM_BODY, (SCALAR))
    }
}

static void step_slices(void *ctx, int s0, int s1) {
    const StepCtx *c = ctx;
    const Params *p = c->o->params;
    size_t total = p->total;
    size_t b = total * (size_t)s0 / SLICES, e = total * (size_t)s1 / SLICES;
    /* walk the views overlapping [b, e): weight decay is per view */
    for (int k = 0; k < p->n && b < e; k++) {
        const ParamView *v = &p->views[k];
        size_t vb = v->offset, ve = v->offset + v->size;
        if (ve <= b || vb >= e) continue;
        size_t lo = vb > b ? vb : b, hi = ve < e ? ve : e;
        float lr = c->o->view_lr ? c->lr * c->o->view_lr[k] : c->lr;
        update_range(c, lo, hi, v->no_decay ? 0.0f : c->o->weight_decay, lr);
    }
}

void optim_step(Optimizer *o, float lr) {
    o->step++;
    StepCtx c = {o, lr, 1.0f, 1.0f};
    if (o->kind != OPT_SGD) {
        c.bc1 = (float)(1.0 - pow((double)o->beta1, (double)o->step));
        c.bc2_sqrt = (float)sqrt(1.0 - pow((double)o->beta2, (double)o->step));
    }
    if (o->params->total < 32768)
        step_slices(&c, 0, SLICES);
    else
        parallel_for(SLICES, step_slices, &c);
}

typedef struct {
    const float *g;
    size_t total;
    double part[SLICES];
    float scale;
} NormCtx;

static void norm_slices(void *ctx, int s0, int s1) {
    NormCtx *c = ctx;
    for (int s = s0; s < s1; s++) {
        size_t b = c->total * (size_t)s / SLICES, e = c->total * (size_t)(s + 1) / SLICES;
        double acc = 0;
        for (size_t i = b; i < e; i++) acc += (double)c->g[i] * c->g[i];
        c->part[s] = acc;
    }
}

static void scale_slices(void *ctx, int s0, int s1) {
    NormCtx *c = ctx;
    float *g = (float *)c->g;
    size_t b = c->total * (size_t)s0 / SLICES, e = c->total * (size_t)s1 / SLICES;
    for (size_t i = b; i < e; i++) g[i] *= c->scale;
}

float grad_global_norm(const Params *p) {
    NormCtx c = {.g = p->grad, .total = p->total};
    if (p->total < 32768)
        norm_slices(&c, 0, SLICES);
    else
        parallel_for(SLICES, norm_slices, &c);
    double s = 0;
    for (int i = 0; i < SLICES; i++) s += c.part[i];
    return (float)sqrt(s);
}

float grad_clip_norm(Params *p, float max_norm) {
    float norm = grad_global_norm(p);
    if (max_norm > 0 && norm > max_norm) {
        NormCtx c = {.g = p->grad, .total = p->total, .scale = max_norm / (norm + 1e-6f)};
        if (p->total < 32768)
            scale_slices(&c, 0, SLICES);
        else
            parallel_for(SLICES, scale_slices, &c);
    }
    return norm;
}

double lr_at(const Config *cfg, long step, long total_steps) {
    double peak = cfg->train_lr, w = cfg->train_warmup;
    long warm = w >= 1.0 ? (long)w : (long)floor(w * (double)total_steps);
    if (step < 0) step = 0;
    if (warm > 0 && step < warm) return peak * (double)(step + 1) / (double)warm;
    if (cfg->train_schedule == SCHED_CONSTANT) return peak;
    long span = total_steps - warm;
    if (span <= 0) return peak;
    double progress = (double)(step - warm) / (double)span;
    if (progress > 1.0) progress = 1.0;
    if (cfg->train_schedule == SCHED_LINEAR) return peak * (1.0 - progress);
    return peak * 0.5 * (1.0 + cos(3.14159265358979323846 * progress));
}
