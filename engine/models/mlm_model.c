#include "models/mlm_model.h"

#include <stdlib.h>
#include <string.h>

#include "models/transformer_internal.h"

static size_t add(Model *m, const char *name, int ndim, int d0, int d1, int no_decay) {
    int shape[2] = {d0, d1};
    return params_add(&m->params, name, ndim, shape, no_decay);
}

void mlm_declare(Model *m, MlmState *s, int E, int V) {
    s->vt_w = add(m, "vocab_transform.weight", 2, E, E, 0);
    s->vt_b = add(m, "vocab_transform.bias", 1, E, 0, 1);
    s->ln_w = add(m, "vocab_layer_norm.weight", 1, E, 0, 1);
    s->ln_b = add(m, "vocab_layer_norm.bias", 1, E, 0, 1);
    s->proj_b = add(m, "vocab_projector.bias", 1, V, 0, 1);
}

static size_t chunk_floats(int E, int V) { return 2 * (size_t)MLM_CHUNK * E + mlm_head_floats(MLM_CHUNK, E, V); }

int mlm_head_setup(Model *m, MlmState *s) {
    const Tf *t = m->impl;
    s->buf = malloc(chunk_floats(t->E, m->vocab_size) * sizeof(float));
    return s->buf ? 0 : -1;
}

void mlm_head_release(MlmState *s) {
    free(s->buf);
    s->buf = NULL;
}

static MlmHeadParams head_params(const Model *m, const MlmState *s, const Tf *t) {
    const float *d = m->params.data;
    return (MlmHeadParams){d + s->vt_w, d + s->vt_b, d + s->ln_w, d + s->ln_b, d + t->emb, d + s->proj_b};
}

static MlmHeadGrads head_grads(const Model *m, const MlmState *s, const Tf *t) {
    float *g = m->params.grad;
    return (MlmHeadGrads){g + s->vt_w, g + s->vt_b, g + s->ln_w, g + s->ln_b, g + t->emb, g + s->proj_b};
}

/* The packed row of batch position pos (s * T + i). */
static size_t row_of(const Tf *t, int T, int32_t pos) { return (size_t)t->off[pos / T] + (size_t)(pos % T); }

double model_mlm_forward(Model *m, const Batch *in, const MlmTargets *tg, int train, long *correct) {
    Tf *t = m->impl;
    MlmState *s = t->mlm;
    float p_drop = t->p_drop, p_emb = t->p_emb;
    if (!train) t->p_drop = t->p_emb = 0; /* the training forward keeps the last layer; no dropout drawn */
    tf_run(m, in, MODE_TRAIN, m->logits);
    t->p_drop = p_drop, t->p_emb = p_emb;
    const int E = t->E, V = m->vocab_size, M = tg->M;
    MlmHeadParams hp = head_params(m, s, t);
    MlmHeadGrads hg = head_grads(m, s, t);
    float *x = s->buf, *dx = x + (size_t)MLM_CHUNK * E;
    MlmHeadActs a = mlm_head_acts(dx + (size_t)MLM_CHUNK * E, MLM_CHUNK, E, V);
    if (train) memset(t->g_out, 0, (size_t)t->pack.rows * E * sizeof(float));
    double loss = 0;
    long hits = 0;
    for (int k0 = 0; k0 < M; k0 += MLM_CHUNK) {
        int n = M - k0 < MLM_CHUNK ? M - k0 : MLM_CHUNK;
        for (int k = 0; k < n; k++)
            memcpy(x + (size_t)k * E, t->h + row_of(t, in->T, tg->pos[k0 + k]) * E, (size_t)E * sizeof(float));
        long c;
        loss += mlm_head_forward(n, E, V, s->eps, &hp, x, tg->labels + k0, &a, &c);
        hits += c;
        if (!train) continue;
        memset(dx, 0, (size_t)n * E * sizeof(float));
        mlm_head_backward(n, E, V, &hp, x, tg->labels + k0, 1.0f / (float)M, &a, dx, &hg);
        for (int k = 0; k < n; k++) {
            float *g = t->g_out + row_of(t, in->T, tg->pos[k0 + k]) * E;
            for (int e = 0; e < E; e++) g[e] += dx[(size_t)k * E + e];
        }
    }
    if (correct) *correct = hits;
    return M > 0 ? loss / M : 0;
}

void model_mlm_backward(Model *m) { tf_backward_rows(m); }
