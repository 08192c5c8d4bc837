/* RNN, LSTM and GRU classifiers: embedding -> embedding dropout -> recurrent
 * stack -> pooling -> dropout -> linear head. Parameter names and
 * initialisation are PyTorch's for the equivalent module
 *   embedding = nn.Embedding(V, E, padding_idx=0)
 *   rnn       = nn.RNN / nn.LSTM / nn.GRU(E, H, layers, batch_first=True,
 *                                         dropout=p, bidirectional=...)
 *   pool      = nn.Linear(D, 1)            (attention pooling only)
 *   fc        = nn.Linear(D, n_classes)  with D = H * directions,
 * so checkpoints load in PyTorch and parameter counts agree.
 *
 * Inside, a batch is sorted by length (longest first) and packed, so finished
 * sequences leave the per-step GEMM; logits go back to the caller's order.
 * With model.lab_compat every sequence runs all T steps and the state after
 * the padding is read, as the lab's notebook did. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data.h"
#include "models/model.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/recurrent.h"

typedef struct RnnModel {
    int cell, V, E, H, L, dirs, D, pooling, lab;
    float p_embed, p_out;
    Recurrent rec;
    float *emb, *demb, *fc_w, *fc_b, *dfc_w, *dfc_b, *pool_w, *pool_b, *dpool_w, *dpool_b;

    /* arena, sized once for (max_B, max_T) */
    void *arena;
    int32_t *perm, *rawlen, *len, *bs, *off, *ptok, *argmax;
    float *x, *emask, *dx, *dout, *pad, *dpad, *pooled, *pmask, *feat, *dfeat, *attn, *lg, *dlg, *pscratch;
    /* last forward */
    int B, T, N, train;
} RnnModel;

static const char *cell_name(int cell) { return cell == CELL_LSTM ? "lstm" : cell == CELL_GRU ? "gru" : "rnn"; }

static int build(Model *m, char *err, size_t errlen) {
    const Config *c = &m->cfg;
    if (m->vocab_size < 2) {
        snprintf(err, errlen, "vocabulary of %d words is too small for a recurrent model", m->vocab_size);
        return -1;
    }
    if (c->model_layers < 1 || c->model_layers > REC_MAX_LAYERS) {
        snprintf(err, errlen, "model.layers is %d; recurrent models take 1 to %d layers", c->model_layers,
                 REC_MAX_LAYERS);
        return -1;
    }
    if (m->max_B < 1 || m->max_T < 1) {
        snprintf(err, errlen, "batch size and max_len must be at least 1");
        return -1;
    }
    RnnModel *r = calloc(1, sizeof *r);
    if (!r) return -1;
    m->impl = r;
    r->cell = m->arch == ARCH_LSTM ? CELL_LSTM : m->arch == ARCH_GRU ? CELL_GRU : CELL_RNN;
    r->V = m->vocab_size;
    r->E = c->model_embed_dim;
    r->H = c->model_hidden_dim;
    r->L = c->model_layers;
    r->dirs = c->model_bidirectional ? 2 : 1;
    r->D = r->dirs * r->H;
    r->pooling = c->model_pooling;
    r->lab = c->model_lab_compat;
    r->p_embed = (float)c->model_embed_dropout;
    r->p_out = (float)c->model_dropout;

    Params *p = &m->params;
    int G = cell_gates(r->cell), GH = G * r->H;
    params_add(p, "embedding.weight", 2, (int[]){r->V, r->E}, 0);
    for (int l = 0; l < r->L; l++)
        for (int d = 0; d < r->dirs; d++) {
            const char *sfx = d ? "_reverse" : "";
            char name[PARAM_NAME_MAX];
            int in = l == 0 ? r->E : r->D;
            snprintf(name, sizeof name, "rnn.weight_ih_l%d%s", l, sfx);
            params_add(p, name, 2, (int[]){GH, in}, 0);
            snprintf(name, sizeof name, "rnn.weight_hh_l%d%s", l, sfx);
            params_add(p, name, 2, (int[]){GH, r->H}, 0);
            snprintf(name, sizeof name, "rnn.bias_ih_l%d%s", l, sfx);
            params_add(p, name, 1, (int[]){GH}, 1);
            snprintf(name, sizeof name, "rnn.bias_hh_l%d%s", l, sfx);
            params_add(p, name, 1, (int[]){GH}, 1);
        }
    if (r->pooling == POOL_ATTENTION) {
        params_add(p, "pool.weight", 2, (int[]){1, r->D}, 0);
        params_add(p, "pool.bias", 1, (int[]){1}, 1);
    }
    params_add(p, "fc.weight", 2, (int[]){m->n_classes, r->D}, 0);
    params_add(p, "fc.bias", 1, (int[]){m->n_classes}, 1);
    return 0;
}

/* Carves one aligned block into the arena buffers; with base NULL only measures. */
static size_t carve_all(RnnModel *r, int B, int T, char *base) {
    size_t at = 0, N = (size_t)B * T, D = r->D, E = r->E;
#define TAKE(ptr, count, type)                                                      \
    do {                                                                            \
        if (base) r->ptr = (type *)(void *)(base + at);                             \
        at += (((size_t)(count) * sizeof(type)) + 63) & ~(size_t)63;                \
    } while (0)
    TAKE(perm, B, int32_t);
    TAKE(rawlen, B, int32_t);
    TAKE(len, B, int32_t);
    TAKE(bs, T, int32_t);
    TAKE(off, T, int32_t);
    TAKE(ptok, N, int32_t);
    TAKE(argmax, (size_t)B * D, int32_t);
    TAKE(x, N * E, float);
    TAKE(emask, r->p_embed > 0 ? N * E : 0, float);
    TAKE(dx, N * E, float);
    TAKE(dout, N * D, float);
    int unpack = r->pooling == POOL_MEAN || r->pooling == POOL_MAX || r->pooling == POOL_ATTENTION;
    TAKE(pad, unpack ? N * D : 0, float);
    TAKE(dpad, unpack ? N * D : 0, float);
    TAKE(pooled, (size_t)B * D, float);
    TAKE(pmask, (size_t)B * D, float);
    TAKE(feat, (size_t)B * D, float);
    TAKE(dfeat, (size_t)B * D, float);
    TAKE(attn, (size_t)B * T, float);
    TAKE(lg, (size_t)B * MAX_CLASSES, float);
    TAKE(dlg, (size_t)B * MAX_CLASSES, float);
    TAKE(pscratch, D + 1, float);
    size_t rec_bytes = recurrent_arena_floats(&r->rec) * sizeof(float);
    if (base) recurrent_bind(&r->rec, (float *)(void *)(base + at));
    at += rec_bytes;
#undef TAKE
    return at;
}

static int setup(Model *m) {
    RnnModel *r = m->impl;
    Params *p = &m->params;
    r->emb = params_data(p, "embedding.weight");
    r->demb = params_grad(p, "embedding.weight");
    r->fc_w = params_data(p, "fc.weight");
    r->fc_b = params_data(p, "fc.bias");
    r->dfc_w = params_grad(p, "fc.weight");
    r->dfc_b = params_grad(p, "fc.bias");
    if (r->pooling == POOL_ATTENTION) {
        r->pool_w = params_data(p, "pool.weight");
        r->pool_b = params_data(p, "pool.bias");
        r->dpool_w = params_grad(p, "pool.weight");
        r->dpool_b = params_grad(p, "pool.bias");
    }
    Recurrent *rec = &r->rec;
    rec->cell = r->cell;
    rec->layers = r->L;
    rec->dirs = r->dirs;
    rec->input = r->E;
    rec->hidden = r->H;
    rec->dropout = (float)m->cfg.model_dropout;
    rec->max_B = m->max_B;
    rec->max_T = m->max_T;
    for (int l = 0; l < r->L; l++)
        for (int d = 0; d < r->dirs; d++) {
            const char *sfx = d ? "_reverse" : "";
            char a[PARAM_NAME_MAX], b[PARAM_NAME_MAX], c[PARAM_NAME_MAX], e[PARAM_NAME_MAX];
            snprintf(a, sizeof a, "rnn.weight_ih_l%d%s", l, sfx);
            snprintf(b, sizeof b, "rnn.weight_hh_l%d%s", l, sfx);
            snprintf(c, sizeof c, "rnn.bias_ih_l%d%s", l, sfx);
            snprintf(e, sizeof e, "rnn.bias_hh_l%d%s", l, sfx);
            RecWeights *w = &rec->w[l][d];
            w->w_ih = params_data(p, a), w->dw_ih = params_grad(p, a);
            w->w_hh = params_data(p, b), w->dw_hh = params_grad(p, b);
            w->b_ih = params_data(p, c), w->db_ih = params_grad(p, c);
            w->b_hh = params_data(p, e), w->db_hh = params_grad(p, e);
        }
    size_t bytes = carve_all(r, m->max_B, m->max_T, NULL);
    /* not cleared: every buffer is written before it is read, and pages a
       smaller batch never touches (e.g. backward buffers at evaluation batch
       size) then never become resident */
    r->arena = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    if (!r->arena) return -1;
    carve_all(r, m->max_B, m->max_T, r->arena);
    return 0;
}

static void init(Model *m, Rng *rng) {
    RnnModel *r = m->impl;
    Params *p = &m->params;
    for (size_t i = 0; i < (size_t)r->V * r->E; i++) r->emb[i] = rng_normal(rng);
    memset(r->emb, 0, (size_t)r->E * sizeof(float)); /* padding row */
    float k = 1.0f / sqrtf((float)r->H);
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        if (strncmp(v->name, "rnn.", 4) != 0) continue;
        float *w = p->data + v->offset;
        for (size_t j = 0; j < v->size; j++) w[j] = rng_range(rng, -k, k);
    }
    float kd = 1.0f / sqrtf((float)r->D); /* nn.Linear: kaiming-uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in)) */
    if (r->pooling == POOL_ATTENTION) {
        for (int j = 0; j < r->D; j++) r->pool_w[j] = rng_range(rng, -kd, kd);
        r->pool_b[0] = rng_range(rng, -kd, kd);
    }
    for (int j = 0; j < m->n_classes * r->D; j++) r->fc_w[j] = rng_range(rng, -kd, kd);
    for (int j = 0; j < m->n_classes; j++) r->fc_b[j] = rng_range(rng, -kd, kd);
}

/* Longest first, ties in batch order: a stable counting sort by length. Fills
 * perm (sorted position -> batch row) and len (sorted lengths, in [1, T]). */
static void sort_by_length(RnnModel *r, const Batch *b, int B, int T) {
    for (int i = 0; i < B; i++) {
        int n = r->lab || !b->lengths ? T : b->lengths[i];
        r->rawlen[i] = n < 1 ? 1 : n > T ? T : n;
    }
    int j = 0;
    for (int n = T; n >= 1; n--)
        for (int i = 0; i < B; i++)
            if (r->rawlen[i] == n) r->perm[j++] = i;
    for (int i = 0; i < B; i++) r->len[i] = r->rawlen[r->perm[i]];
}

/* With keep, stores what backward needs (training, explanations); without,
 * the recurrent sweep keeps only the current states, and for last-state
 * pooling only the final one per direction. The logits are the same. */
static void forward_impl(Model *m, const Batch *b, int train, int keep) {
    RnnModel *r = m->impl;
    int B = b->B < m->max_B ? b->B : m->max_B, T = b->T < m->max_T ? b->T : m->max_T;
    int E = r->E, D = r->D;
    r->B = B, r->T = T, r->train = train;
    sort_by_length(r, b, B, T);
    int N = r->N = rec_pack_plan(r->len, B, T, r->bs, r->off);
    for (int t = 0; t < T; t++)
        for (int j = 0; j < r->bs[t]; j++) {
            int tok = b->tokens[(size_t)r->perm[j] * b->T + t];
            r->ptok[r->off[t] + j] = tok >= 0 && tok < r->V ? tok : TOK_UNK; /* out-of-range ids read as unknown */
        }
    embedding_forward(r->emb, E, r->ptok, N, r->x);
    if (train && r->p_embed > 0) {
        dropout_mask(&m->dropout_rng, r->p_embed, r->emask, (size_t)N * E);
        dropout_apply(r->x, r->emask, (size_t)N * E);
    }
    int final_only = !keep && r->pooling == POOL_LAST;
    if (keep)
        recurrent_forward(&r->rec, r->x, B, T, r->bs, r->off, train, &m->dropout_rng);
    else
        recurrent_forward_nograd(&r->rec, r->x, B, T, r->bs, r->off, final_only);
    const float *h = recurrent_output(&r->rec);

    if (final_only) {
        memcpy(r->pooled, recurrent_final(&r->rec), (size_t)B * D * sizeof(float));
    } else if (r->pooling == POOL_LAST || r->pooling == POOL_CLS) {
        for (int j = 0; j < B; j++) {
            const float *last = h + ((size_t)r->off[r->pooling == POOL_CLS ? 0 : r->len[j] - 1] + j) * D;
            float *o = r->pooled + (size_t)j * D;
            memcpy(o, last, (size_t)r->H * sizeof(float));
            /* the reverse direction's final state is at its first token */
            const float *rev = r->dirs == 2 ? h + (size_t)j * D : last;
            if (r->dirs == 2) memcpy(o + r->H, rev + r->H, (size_t)r->H * sizeof(float));
        }
    } else {
        /* unpack to time-major [T x B x D] with zero padding */
        memset(r->pad, 0, (size_t)T * B * D * sizeof(float));
        for (int t = 0; t < T; t++)
            memcpy(r->pad + (size_t)t * B * D, h + (size_t)r->off[t] * D, (size_t)r->bs[t] * D * sizeof(float));
        pooling_forward(r->pooling, r->pad, B, T, D, (size_t)D, (size_t)B * D, r->len, r->pool_w, r->pool_b, r->attn,
                        r->argmax, r->pooled);
    }
    if (train && r->p_out > 0) {
        dropout_mask(&m->dropout_rng, r->p_out, r->pmask, (size_t)B * D);
        dropout_forward(r->pooled, r->pmask, (size_t)B * D, r->feat);
    } else {
        memcpy(r->feat, r->pooled, (size_t)B * D * sizeof(float));
    }
    linear_forward(r->feat, B, D, r->fc_w, r->fc_b, m->n_classes, r->lg);
    for (int j = 0; j < B; j++)
        memcpy(m->logits + (size_t)r->perm[j] * m->n_classes, r->lg + (size_t)j * m->n_classes, m->n_classes * sizeof(float));
}

static void forward(Model *m, const Batch *b, int train) { forward_impl(m, b, train, train != 0); }

/* dlogits in sorted order are in r->dlg; fills r->dx with the gradient w.r.t.
 * the (dropped) embeddings and, when param_grads, adds every parameter's. */
static void backward_sorted(Model *m, int param_grads) {
    RnnModel *r = m->impl;
    int B = r->B, T = r->T, N = r->N, D = r->D, E = r->E;
    memset(r->dfeat, 0, (size_t)B * D * sizeof(float));
    linear_backward(r->feat, B, D, r->fc_w, m->n_classes, r->dlg, r->dfeat, param_grads ? r->dfc_w : NULL,
                    param_grads ? r->dfc_b : NULL);
    if (r->train && r->p_out > 0) dropout_apply(r->dfeat, r->pmask, (size_t)B * D);

    memset(r->dout, 0, (size_t)N * D * sizeof(float));
    if (r->pooling == POOL_LAST || r->pooling == POOL_CLS) {
        for (int j = 0; j < B; j++) {
            float *dl = r->dout + ((size_t)r->off[r->pooling == POOL_CLS ? 0 : r->len[j] - 1] + j) * D;
            const float *g = r->dfeat + (size_t)j * D;
            for (int k = 0; k < r->H; k++) dl[k] += g[k];
            if (r->dirs == 2) {
                float *dr = r->dout + (size_t)j * D;
                for (int k = r->H; k < D; k++) dr[k] += g[k];
            }
        }
    } else {
        memset(r->dpad, 0, (size_t)T * B * D * sizeof(float));
        /* attention-pooling parameter gradients land in scratch when not wanted */
        float *dpw = r->dpool_w, *dpb = r->dpool_b;
        if (!param_grads && r->pooling == POOL_ATTENTION) dpw = r->pscratch, dpb = r->pscratch + D;
        pooling_backward(r->pooling, r->pad, B, T, D, (size_t)D, (size_t)B * D, r->len, r->pool_w, r->attn, r->argmax,
                         r->dfeat, r->dpad, dpw, dpb);
        for (int t = 0; t < T; t++)
            memcpy(r->dout + (size_t)r->off[t] * D, r->dpad + (size_t)t * B * D, (size_t)r->bs[t] * D * sizeof(float));
    }
    memset(r->dx, 0, (size_t)N * E * sizeof(float));
    recurrent_backward(&r->rec, r->x, r->dout, r->dx, param_grads);
}

static void backward(Model *m, const Batch *b) {
    (void)b;
    RnnModel *r = m->impl;
    for (int j = 0; j < r->B; j++)
        memcpy(r->dlg + (size_t)j * m->n_classes, m->dlogits + (size_t)r->perm[j] * m->n_classes, m->n_classes * sizeof(float));
    backward_sorted(m, 1);
    if (r->train && r->p_embed > 0) dropout_apply(r->dx, r->emask, (size_t)r->N * r->E);
    embedding_backward(r->demb, r->E, r->ptok, r->N, r->dx, TOK_PAD);
}

static int explain(Model *m, const int32_t *tokens, int len, Explanation *out) {
    RnnModel *r = m->impl;
    if (len < 1) len = 1;
    if (len > m->max_T) len = m->max_T;
    float keep_logits[MAX_CLASSES];
    memcpy(keep_logits, m->logits, (size_t)m->n_classes * sizeof(float));
    int32_t L = len;
    /* the lab's mode predicts from the state after padding to max_len: explain that prediction */
    int T = r->lab ? m->max_T : len;
    int32_t *padded = calloc((size_t)T, sizeof(int32_t));
    if (!padded) return -1;
    memcpy(padded, tokens, (size_t)len * sizeof(int32_t));
    Batch b = {.tokens = padded, .lengths = &L, .labels = NULL, .B = 1, .T = T};
    forward_impl(m, &b, 0, 1); /* backward follows */
    free(padded);
    const float *z = r->lg;
    int pred = 0;
    for (int c = 1; c < m->n_classes; c++)
        if (z[c] > z[pred]) pred = c;
    double mx = z[pred], sum = 0;
    for (int c = 0; c < m->n_classes; c++) sum += exp(z[c] - mx);
    for (int c = 0; c < m->n_classes; c++) out->prob[c] = (float)(exp(z[c] - mx) / sum);

    for (int c = 0; c < m->n_classes; c++) r->dlg[c] = c == pred ? 1.0f : 0.0f;
    backward_sorted(m, 0);
    out->len = len;
    out->layers = out->heads = 0;
    out->token_weight = calloc((size_t)len, sizeof(float));
    if (!out->token_weight) return -1;
    /* B = 1: packed row t is token t */
    double total = 0;
    for (int t = 0; t < len; t++) {
        const float *g = r->dx + (size_t)t * r->E, *x = r->x + (size_t)t * r->E;
        double s = 0;
        for (int e = 0; e < r->E; e++) s += (double)g[e] * x[e];
        out->token_weight[t] = (float)fabs(s);
        total += fabs(s);
    }
    for (int t = 0; t < len; t++) out->token_weight[t] = total > 0 ? (float)(out->token_weight[t] / total) : 1.0f / len;
    if (r->pooling == POOL_ATTENTION) {
        out->pool_weight = malloc((size_t)len * sizeof(float));
        if (!out->pool_weight) return -1;
        memcpy(out->pool_weight, r->attn, (size_t)len * sizeof(float));
    }
    snprintf(out->method, sizeof out->method, "saliency: |gradient x embedding| for the predicted class (%s)",
             cell_name(r->cell));
    memcpy(m->logits, keep_logits, (size_t)m->n_classes * sizeof(float));
    return 0;
}

static void destroy(Model *m) {
    RnnModel *r = m->impl;
    if (!r) return;
    free(r->arena);
    free(r);
    m->impl = NULL;
}

const ModelOps rnn_ops = {build, setup, init, forward, backward, explain, destroy};
