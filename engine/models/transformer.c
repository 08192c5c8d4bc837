/* Transformer encoder classifier, equivalent to PyTorch's
 *   embedding (padding 0) + position -> dropout
 *   -> nn.TransformerEncoder(nn.TransformerEncoderLayer(E, heads, ff, dropout,
 *        activation, batch_first=True, norm_first=(norm == pre)), layers)
 *      with src_key_padding_mask
 *   -> pooling over real tokens -> dropout -> fc
 * with the same parameter names, so checkpoints load into the PyTorch module.
 *
 * Padding is skipped rather than masked: the real tokens of the batch are
 * packed back to back (SeqPack), every position-wise GEMM runs over
 * sum(lengths) rows instead of B*T, and attention only ever sees its own
 * sequence's keys. lab_compat turns that off (every sequence is T long: no
 * mask, mean over all positions), as in the lab's notebook.
 *
 * This file builds the model and composes its backward from the blocks'
 * (layernorm, mha and ffn backwards over the packed batch); the forward that
 * trains is in transformer_forward.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/transformer_internal.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/position.h"

/* ---- build -------------------------------------------------------------- */

static size_t add(Model *m, const char *name, int ndim, int d0, int d1, int no_decay) {
    int shape[2] = {d0, d1};
    return params_add(&m->params, name, ndim, shape, no_decay);
}

static int tf_build(Model *m, char *err, size_t errlen) {
    const Config *c = &m->cfg;
    int E = c->model_embed_dim, H = c->model_heads;
    if (H < 1 || E % H != 0) {
        snprintf(err, errlen, "model.heads (%d) must divide model.embed_dim (%d)", H, E);
        return -1;
    }
    if (m->vocab_size < 2 || m->max_B < 1 || m->max_T < 1) {
        snprintf(err, errlen, "transformer needs a vocabulary of at least 2 and a batch of at least 1x1");
        return -1;
    }
    Tf *t = calloc(1, sizeof *t);
    if (!t) return -1;
    m->impl = t;
    t->E = E;
    t->H = H;
    t->F = c->model_ff_dim;
    t->L = c->model_layers;
    t->act = c->model_activation;
    t->post = c->model_norm != NORM_PRE;
    t->pooling = c->model_pooling;
    t->position = c->model_position;
    t->lab = c->model_lab_compat;
    t->p_drop = (float)c->model_dropout;
    t->p_emb = (float)c->model_embed_dropout;
    t->eps = LAYERNORM_EPS;
    t->P = c->data_max_len > m->max_T ? c->data_max_len : m->max_T;
    if (t->position == POS_LEARNED && m->max_T > c->data_max_len) {
        snprintf(err, errlen, "learned positions cover data.max_len = %d tokens, but sequences of %d were requested",
                 c->data_max_len, m->max_T);
        return -1;
    }
    t->lp = calloc((size_t)t->L, sizeof *t->lp);
    t->la = calloc((size_t)t->L, sizeof *t->la);
    if (!t->lp || !t->la) return -1;

    t->emb = add(m, "embedding.weight", 2, m->vocab_size, E, 0);
    if (t->position == POS_LEARNED) t->pos = add(m, "pos_embedding.weight", 2, t->P, E, 0);
    char name[PARAM_NAME_MAX];
    for (int l = 0; l < t->L; l++) {
        LayerParams *p = &t->lp[l];
#define LAYER(field, suffix, ndim, d0, d1, nd)                                  \
    snprintf(name, sizeof name, "encoder.layers.%d.%s", l, suffix);          \
    p->field = add(m, name, ndim, d0, d1, nd)
        LAYER(w_in, "self_attn.in_proj_weight", 2, 3 * E, E, 0);
        LAYER(b_in, "self_attn.in_proj_bias", 1, 3 * E, 0, 1);
        LAYER(w_out, "self_attn.out_proj.weight", 2, E, E, 0);
        LAYER(b_out, "self_attn.out_proj.bias", 1, E, 0, 1);
        LAYER(w1, "linear1.weight", 2, t->F, E, 0);
        LAYER(b1, "linear1.bias", 1, t->F, 0, 1);
        LAYER(w2, "linear2.weight", 2, E, t->F, 0);
        LAYER(b2, "linear2.bias", 1, E, 0, 1);
        LAYER(n1w, "norm1.weight", 1, E, 0, 1);
        LAYER(n1b, "norm1.bias", 1, E, 0, 1);
        LAYER(n2w, "norm2.weight", 1, E, 0, 1);
        LAYER(n2b, "norm2.bias", 1, E, 0, 1);
#undef LAYER
    }
    if (t->pooling == POOL_ATTENTION) {
        t->pool_w = add(m, "pool.weight", 2, 1, E, 0);
        t->pool_b = add(m, "pool.bias", 1, 1, 0, 1);
    }
    t->fc_w = add(m, "fc.weight", 2, m->n_classes, E, 0);
    t->fc_b = add(m, "fc.bias", 1, m->n_classes, 0, 1);
    return 0;
}

/* ---- activation arena ----------------------------------------------------- */

typedef struct Carve {
    char *base;
    size_t used;
} Carve;

static void *take(Carve *c, size_t bytes) {
    void *p = c->base ? c->base + c->used : NULL;
    c->used += (bytes + 63) & ~(size_t)63;
    return p;
}
#define TAKE_F(c, n) ((float *)take((c), (size_t)(n) * sizeof(float)))

/* Lays out every buffer; with c->base == NULL it only measures. Training
 * keeps every layer's activations; evaluation reuses layer 0's, so a large
 * evaluation batch touches only a fraction of the arena. */
static void carve_all(Tf *t, Carve *c, int maxB, int maxT) {
    size_t R = (size_t)maxB * maxT, E = (size_t)t->E, F = (size_t)t->F;
    size_t PS = (size_t)maxB * t->H * maxT * maxT;
    t->len = take(c, (size_t)maxB * sizeof(int32_t));
    t->off = take(c, (size_t)maxB * sizeof(int32_t));
    t->poff = take(c, (size_t)maxB * sizeof(size_t));
    t->tok = take(c, R * sizeof(int32_t));
    t->argmax = take(c, (size_t)maxB * E * sizeof(int32_t));
    t->x0 = TAKE_F(c, R * E);
    t->mask_e = TAKE_F(c, R * E);
    t->mask_s = TAKE_F(c, R * E);
    t->pooled = TAKE_F(c, maxB * E);
    t->mask_h = TAKE_F(c, maxB * E);
    t->head_in = TAKE_F(c, maxB * E);
    t->g_pooled = TAKE_F(c, maxB * E);
    t->pool_weights = TAKE_F(c, R);
    if (t->hf) {
        t->emb_sum = TAKE_F(c, R * E);
        t->emb_mean = TAKE_F(c, R);
        t->emb_rstd = TAKE_F(c, R);
        t->pre_out = TAKE_F(c, maxB * E);
    }
    for (int l = 0; l < t->L; l++) {
        LayerActs *a = &t->la[l];
        a->n1 = TAKE_F(c, R * E);
        a->n2 = TAKE_F(c, R * E);
        a->mean1 = TAKE_F(c, R);
        a->rstd1 = TAKE_F(c, R);
        a->mean2 = TAKE_F(c, R);
        a->rstd2 = TAKE_F(c, R);
        a->qkv = TAKE_F(c, R * 3 * E);
        a->probs = TAKE_F(c, PS);
        a->ctx = TAKE_F(c, R * E);
        a->res1 = TAKE_F(c, R * E);
        a->res2 = TAKE_F(c, R * E);
        a->pre = t->act == ACT_GELU ? TAKE_F(c, R * F) : NULL;
        a->hid = TAKE_F(c, R * F);
        a->mask1 = TAKE_F(c, R * E);
        a->mask2 = TAKE_F(c, R * E);
        a->maskff = TAKE_F(c, R * F);
    }
    t->g_out = TAKE_F(c, R * E);
    t->g_in = TAKE_F(c, R * E);
    t->g_t1 = TAKE_F(c, R * E);
    t->g_t2 = TAKE_F(c, R * E);
    t->g_t3 = TAKE_F(c, R * E);
    t->g_qkv = TAKE_F(c, R * 3 * E);
    t->g_hid = TAKE_F(c, R * F);
    t->g_pre = t->act == ACT_GELU ? TAKE_F(c, R * F) : NULL;
    t->dropped = TAKE_F(c, PS);
}

int tf_setup(Model *m) {
    Tf *t = m->impl;
    Carve c = {0};
    carve_all(t, &c, m->max_B, m->max_T);
    /* Pages are not touched here: only what a batch uses becomes resident.
     * An arena beyond the machine's memory could never be filled: refused. */
    if ((double)c.used > model_machine_memory()) return -1;
    t->arena = aligned_alloc(64, c.used);
    if (!t->arena) return -1;
    c.base = t->arena;
    c.used = 0;
    carve_all(t, &c, m->max_B, m->max_T);
    t->wpack_layer = mha_packed_floats(t->E) + ffn_packed_floats(t->E, t->F);
    t->wpack = aligned_alloc(64, (t->wpack_layer * t->L * sizeof(float) + 63) & ~(size_t)63);
    if (!t->wpack) return -1;
    if (t->position == POS_SINUSOIDAL) {
        t->sinus = malloc((size_t)t->P * t->E * sizeof(float));
        if (!t->sinus) return -1;
        position_sinusoidal(t->sinus, t->P, t->E);
    }
    return 0;
}

void tf_destroy(Model *m) {
    Tf *t = m->impl;
    if (!t) return;
    free(t->arena);
    free(t->sinus);
    free(t->wpack);
    free(t->lp);
    free(t->la);
    free(t);
    m->impl = NULL;
}

/* ---- init (PyTorch's defaults for the same modules) ------------------------ */

static void fill_uniform_rng(Rng *r, float *x, size_t n, float bound) {
    for (size_t i = 0; i < n; i++) x[i] = rng_range(r, -bound, bound);
}

static void fill_normal_rng(Rng *r, float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = rng_normal(r);
}

static void fill_const(float *x, size_t n, float v) {
    for (size_t i = 0; i < n; i++) x[i] = v;
}

static void tf_init(Model *m, Rng *rng) {
    Tf *t = m->impl;
    float *d = m->params.data;
    size_t E = (size_t)t->E, F = (size_t)t->F;
    /* nn.Embedding: N(0, 1), padding row zero. */
    fill_normal_rng(rng, d + t->emb, (size_t)m->vocab_size * E);
    memset(d + t->emb, 0, E * sizeof(float));
    if (t->position == POS_LEARNED) fill_normal_rng(rng, d + t->pos, (size_t)t->P * E);
    float bE = 1.0f / sqrtf((float)E), bF = 1.0f / sqrtf((float)F);
    for (int l = 0; l < t->L; l++) {
        const LayerParams *p = &t->lp[l];
        /* MultiheadAttention._reset_parameters: xavier_uniform_ on the
         * [3E x E] in-projection, zero biases; out_proj keeps Linear's
         * kaiming-uniform weight. */
        fill_uniform_rng(rng, d + p->w_in, 3 * E * E, sqrtf(6.0f / (float)(E + 3 * E)));
        fill_const(d + p->b_in, 3 * E, 0);
        fill_uniform_rng(rng, d + p->w_out, E * E, bE);
        fill_const(d + p->b_out, E, 0);
        /* nn.Linear: weight and bias U(-1/sqrt(in), 1/sqrt(in)). */
        fill_uniform_rng(rng, d + p->w1, F * E, bE);
        fill_uniform_rng(rng, d + p->b1, F, bE);
        fill_uniform_rng(rng, d + p->w2, E * F, bF);
        fill_uniform_rng(rng, d + p->b2, E, bF);
        fill_const(d + p->n1w, E, 1);
        fill_const(d + p->n1b, E, 0);
        fill_const(d + p->n2w, E, 1);
        fill_const(d + p->n2b, E, 0);
    }
    if (t->pooling == POOL_ATTENTION) {
        fill_uniform_rng(rng, d + t->pool_w, E, bE);
        fill_uniform_rng(rng, d + t->pool_b, 1, bE);
    }
    fill_uniform_rng(rng, d + t->fc_w, m->n_classes * E, bE);
    fill_uniform_rng(rng, d + t->fc_b, m->n_classes, bE);
}

/* ---- forward ------------------------------------------------------------- */

/* Evaluation runs in slices of EVAL_SLICE reviews: the GEMMs stay large,
 * and a big evaluation batch touches no more memory than a training batch. */
enum { EVAL_SLICE = 64 };

void tf_forward(Model *m, const Batch *b, int train) {
    if (train || b->B <= EVAL_SLICE) {
        tf_run(m, b, train ? MODE_TRAIN : MODE_EVAL, m->logits);
        return;
    }
    for (int s0 = 0; s0 < b->B; s0 += EVAL_SLICE) {
        Batch part = *b;
        part.tokens = b->tokens + (size_t)s0 * b->T;
        part.lengths = b->lengths ? b->lengths + s0 : NULL;
        part.labels = b->labels ? b->labels + s0 : NULL;
        part.B = b->B - s0 < EVAL_SLICE ? b->B - s0 : EVAL_SLICE;
        tf_run(m, &part, MODE_EVAL, m->logits + (size_t)s0 * m->n_classes);
    }
}

/* ---- backward ------------------------------------------------------------ */

static void zero(float *x, size_t n) { memset(x, 0, n * sizeof(float)); }

/* dx is d(layer input): overwritten. dout is d(layer output): clobbered. */
static void layer_backward(Model *m, Tf *t, int l, const float *x, float *dout, float *dx) {
    const LayerParams *p = &t->lp[l];
    const LayerActs *a = &t->la[l];
    const float *d = m->params.data;
    float *g = m->params.grad;
    const int rows = t->pack.rows, E = t->E, F = t->F;
    const size_t nE = (size_t)rows * E;
    int drop = t->p_drop > 0;
    MhaDropout md = {drop ? t->p_drop : 0.0f, a->attn_seed};
    MhaParams mp = mha_params(m, p);
    FfnParams fp = ffn_params(m, p);
    MhaGrads mg = {g + p->w_in, g + p->b_in, g + p->w_out, g + p->b_out};
    FfnGrads fg = {g + p->w1, g + p->b1, g + p->w2, g + p->b2};
    float *t1 = t->g_t1, *t2 = t->g_t2, *t3 = t->g_t3;
    /* the masks the forward drew, NULL when it drew none */
    const float *m2 = drop ? a->mask2 : NULL;
    const float *m1 = drop && tf_drops_after_attention(t) ? a->mask1 : NULL, *mff = drop && !t->hf ? a->maskff : NULL;

    if (t->post) {
        /* out = norm2(n1 + drop(ff(n1))), n1 = norm1(x + drop(attn(x))) */
        zero(t1, nE);
        layernorm_backward(a->res2, rows, E, d + p->n2w, a->mean2, a->rstd2, dout, t1, g + p->n2w, g + p->n2b);
        memcpy(t2, t1, nE * sizeof(float));
        ffn_backward(a->n1, rows, E, F, t->act, &fp, mff, m2, a->pre, a->hid, t2, t->g_hid, t->g_pre, t1, &fg);
        zero(t2, nE);
        layernorm_backward(a->res1, rows, E, d + p->n1w, a->mean1, a->rstd1, t1, t2, g + p->n1w, g + p->n1b);
        memcpy(dx, t2, nE * sizeof(float));
        mha_backward(&t->pack, E, t->H, x, &mp, md, a->qkv, a->probs, a->ctx, m1, t2, t1, t->g_qkv, dx, &mg);
    } else {
        /* res1 = x + drop(attn(norm1(x))), out = res1 + drop(ff(norm2(res1))) */
        memcpy(t1, dout, nE * sizeof(float));
        zero(t3, nE);
        ffn_backward(a->n2, rows, E, F, t->act, &fp, mff, m2, a->pre, a->hid, dout, t->g_hid, t->g_pre, t3, &fg);
        layernorm_backward(a->res1, rows, E, d + p->n2w, a->mean2, a->rstd2, t3, t1, g + p->n2w, g + p->n2b);
        memcpy(dx, t1, nE * sizeof(float));
        zero(t3, nE);
        mha_backward(&t->pack, E, t->H, a->n1, &mp, md, a->qkv, a->probs, a->ctx, m1, t1, t2, t->g_qkv, t3, &mg);
        layernorm_backward(x, rows, E, d + p->n1w, a->mean1, a->rstd1, t3, dx, g + p->n1w, g + p->n1b);
    }
}

/* Through relu(pre_classifier(pooled)) (BERT: tanh(pooler.dense(pooled))):
 * g_pooled holds d(pre_out) on entry and d(pooled) on return. */
static void head_pre_backward(Model *m, Tf *t) {
    const size_t n = (size_t)t->B * t->E;
    float *g = m->params.grad;
    for (size_t i = 0; i < n; i++)
        if (t->bert)
            t->g_pooled[i] *= 1 - t->pre_out[i] * t->pre_out[i];
        else if (t->pre_out[i] <= 0)
            t->g_pooled[i] = 0;
    memcpy(t->g_t1, t->g_pooled, n * sizeof(float));
    zero(t->g_pooled, n);
    linear_backward(t->pooled, t->B, t->E, m->params.data + t->pre_w, t->E, t->g_t1, t->g_pooled, g + t->pre_w,
                    g + t->pre_b);
}

void tf_backward(Model *m, const Batch *b) {
    (void)b;
    Tf *t = m->impl;
    const float *d = m->params.data;
    float *g = m->params.grad;
    const int E = t->E, B = t->B, rows = t->pack.rows;
    const size_t nE = (size_t)rows * E;
    int drop = t->p_drop > 0;

    zero(t->g_pooled, (size_t)B * E);
    const float *head = drop ? t->head_in : t->hf ? t->pre_out : t->pooled;
    linear_backward(head, B, E, d + t->fc_w, m->n_classes, m->dlogits, t->g_pooled, g + t->fc_w, g + t->fc_b);
    if (drop) dropout_apply(t->g_pooled, t->mask_h, (size_t)B * E);
    if (t->hf) head_pre_backward(m, t);
    float *dh = t->g_out;
    zero(dh, nE);
    for (int s = 0; s < B; s++) {
        int L = t->len[s], o = t->off[s];
        int att = t->pooling == POOL_ATTENTION;
        pooling_backward(t->pooling, t->h + (size_t)o * E, 1, L, E, (size_t)L * E, (size_t)E, &t->len[s],
                         att ? d + t->pool_w : NULL, t->pool_weights + o, t->argmax + (size_t)s * E,
                         t->g_pooled + (size_t)s * E, dh + (size_t)o * E, att ? g + t->pool_w : NULL,
                         att ? g + t->pool_b : NULL);
    }
    tf_backward_rows(m);
}

void tf_backward_rows(Model *m) {
    Tf *t = m->impl;
    const float *d = m->params.data;
    float *g = m->params.grad;
    const int E = t->E, B = t->B, rows = t->pack.rows;
    const size_t nE = (size_t)rows * E;
    int drop = t->p_drop > 0;
    float *dout = t->g_out, *dx = t->g_in;
    for (int l = t->L - 1; l >= 0; l--) {
        const float *x = l == 0 ? t->x0 : (t->post ? t->la[l - 1].n2 : t->la[l - 1].res2);
        layer_backward(m, t, l, x, dout, dx);
        float *sw = dout;
        dout = dx;
        dx = sw;
    }
    /* dout now holds d(x0). */
    if (drop) dropout_apply(dout, t->mask_s, nE);
    if (t->hf) {
        zero(dx, nE);
        layernorm_backward(t->emb_sum, rows, E, d + t->eln_w, t->emb_mean, t->emb_rstd, dout, dx, g + t->eln_w,
                           g + t->eln_b);
        dout = dx;
    }
    if (t->position == POS_LEARNED) position_add_backward(dout, E, B, t->off, t->len, g + t->pos);
    if (t->bert) /* every position added token type 0's row */
        for (size_t r = 0; r < (size_t)rows; r++)
            for (int k = 0; k < E; k++) g[t->typ + k] += dout[r * E + k];
    if (t->p_emb > 0) dropout_apply(dout, t->mask_e, nE);
    embedding_backward(g + t->emb, E, t->tok, rows, dout, 0);
}

/* ---- explain ------------------------------------------------------------- */

int tf_explain(Model *m, const int32_t *tokens, int len, Explanation *out) {
    Tf *t = m->impl;
    if (len < 1 || !tokens) return -1;
    if (len > m->max_T) len = m->max_T;
    /* The lab model always saw max_T positions; show the real tokens' block. */
    int T = t->lab ? m->max_T : len;
    int32_t *tok = calloc((size_t)T, sizeof *tok);
    if (!tok) return -1;
    memcpy(tok, tokens, (size_t)len * sizeof *tok);
    int32_t L32 = len;
    Batch b = {.tokens = tok, .lengths = &L32, .labels = NULL, .B = 1, .T = T};
    tf_run(m, &b, MODE_KEEP_MAPS, m->logits);
    free(tok);

    const int H = t->H, NL = t->L;
    out->len = len;
    out->layers = NL;
    out->heads = H;
    out->attn = malloc((size_t)NL * H * len * len * sizeof(float));
    out->token_weight = calloc((size_t)len, sizeof(float));
    if (!out->attn || !out->token_weight) {
        explanation_free(out);
        return -1;
    }
    int Lp = t->len[0];
    for (int l = 0; l < NL; l++)
        for (int h = 0; h < H; h++) {
            const float *P = t->la[l].probs + t->poff[0] + (size_t)h * Lp * Lp;
            float *A = out->attn + ((size_t)l * H + h) * len * len;
            for (int i = 0; i < len; i++)
                for (int j = 0; j < len; j++) {
                    A[(size_t)i * len + j] = P[(size_t)i * Lp + j];
                    out->token_weight[j] += P[(size_t)i * Lp + j];
                }
        }
    double sum = 0;
    for (int j = 0; j < len; j++) sum += out->token_weight[j];
    for (int j = 0; j < len; j++) out->token_weight[j] = sum > 0 ? (float)(out->token_weight[j] / sum) : 1.0f / len;
    if (t->pooling == POOL_ATTENTION) {
        out->pool_weight = malloc((size_t)len * sizeof(float));
        if (out->pool_weight) memcpy(out->pool_weight, t->pool_weights, (size_t)len * sizeof(float));
    }
    model_softmax_row(m->logits, m->n_classes, out->prob);
    snprintf(out->method, sizeof out->method, "attention received, mean over %d layer%s x %d head%s", NL,
             NL == 1 ? "" : "s", H, H == 1 ? "" : "s");
    return 0;
}

const ModelOps transformer_ops = {
    .build = tf_build,
    .setup = tf_setup,
    .init = tf_init,
    .forward = tf_forward,
    .backward = tf_backward,
    .explain = tf_explain,
    .destroy = tf_destroy,
};
