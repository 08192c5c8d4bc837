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
 * mask, mean over all positions), as in the lab's notebook. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "nn/activations.h"
#include "nn/attention.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/feedforward.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "kernels/mask_hash.h"
#include "nn/pooling.h"
#include "nn/position.h"

enum { MODE_TRAIN, MODE_EVAL, MODE_KEEP_MAPS };

/* Offsets of one encoder layer's tensors in the parameter (and gradient) block. */
typedef struct LayerParams {
    size_t w_in, b_in, w_out, b_out, w1, b1, w2, b2, n1w, n1b, n2w, n2b;
} LayerParams;

/* What one layer keeps for backward ([rows x E] unless noted). */
typedef struct LayerActs {
    float *n1, *n2;             /* outputs of norm1 and norm2 */
    float *mean1, *rstd1, *mean2, *rstd2; /* [rows] */
    float *qkv;                 /* [rows x 3E] */
    float *probs;               /* [psize] attention maps */
    float *ctx;
    float *res1, *res2;         /* residual sums */
    float *pre, *hid;           /* [rows x F]; pre only for GELU */
    float *mask1, *mask2;       /* dropout after attention and after the feed-forward */
    float *maskff;              /* [rows x F] dropout inside the feed-forward */
    uint32_t attn_seed;
} LayerActs;

typedef struct Tf {
    int E, H, F, L, P, act, post, pooling, position, lab;
    float p_drop, p_emb;
    size_t emb, pos, pool_w, pool_b, fc_w, fc_b;
    LayerParams *lp;
    LayerActs *la;
    float *sinus;               /* [P x E] fixed table for sinusoidal positions */
    float *wpack;               /* every layer's weights packed for the per-sequence forward */
    size_t wpack_layer;         /* floats of one layer's packed weights */

    /* the batch, packed */
    SeqPack pack;
    int32_t *len, *off, *tok;
    size_t *poff;
    int B;                      /* sequences in the last forward */

    /* activations outside the layers */
    float *x0, *mask_e, *mask_s;        /* [rows x E] */
    const float *h;                     /* output of the last layer */
    float *pooled, *mask_h, *head_in;   /* [B x E] */
    float *pool_weights;                /* [rows] */
    int32_t *argmax;                    /* [B x E] */

    /* gradient scratch, shared by every layer */
    float *g_out, *g_in, *g_t1, *g_t2, *g_t3, *tmp; /* [rows x E] */
    float *g_qkv;                       /* [rows x 3E] */
    float *g_hid, *g_pre;               /* [rows x F] */
    float *dropped;                     /* [psize] the dropped attention maps of a forward */
    float *g_pooled;                    /* [B x E] */

    void *arena;
} Tf;

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
    t->fc_w = add(m, "fc.weight", 2, NUM_CLASSES, E, 0);
    t->fc_b = add(m, "fc.bias", 1, NUM_CLASSES, 0, 1);
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
    t->tmp = TAKE_F(c, R * E);
    t->g_qkv = TAKE_F(c, R * 3 * E);
    t->g_hid = TAKE_F(c, R * F);
    t->g_pre = t->act == ACT_GELU ? TAKE_F(c, R * F) : NULL;
    t->dropped = TAKE_F(c, PS);
}

static int tf_setup(Model *m) {
    Tf *t = m->impl;
    Carve c = {0};
    carve_all(t, &c, m->max_B, m->max_T);
    /* Pages are not touched here: only what a batch uses becomes resident. */
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

static void tf_destroy(Model *m) {
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
    fill_uniform_rng(rng, d + t->fc_w, NUM_CLASSES * E, bE);
    fill_uniform_rng(rng, d + t->fc_b, NUM_CLASSES, bE);
}

/* ---- forward ------------------------------------------------------------- */

static MhaParams mha_params(const Model *m, const LayerParams *p) {
    const float *d = m->params.data;
    return (MhaParams){d + p->w_in, d + p->b_in, d + p->w_out, d + p->b_out};
}

static FfnParams ffn_params(const Model *m, const LayerParams *p) {
    const float *d = m->params.data;
    return (FfnParams){d + p->w1, d + p->b1, d + p->w2, d + p->b2};
}

/* Dropout masks come from a counter hash keyed by a draw of the model's
 * generator (mask_hash.h): filled in fixed chunks by any number of threads,
 * or one sequence's rows at a time inside the forward, always the same. */
static void draw_mask(Model *m, float p, float *mask, size_t n) {
    dropout_mask_keyed(rng_next(&m->dropout_rng), p, mask, n);
}

/* Keys of one layer's dropout: attention maps, after attention, inside and
 * after the feed-forward. */
typedef struct LayerKeys {
    MhaDropout attn;
    uint64_t k1, kff, k2;
} LayerKeys;

/* ---- forward, one sequence at a time ----------------------------------------
 * Every layer of one sequence runs on one thread, from the first layer to
 * the pooled vector: the sequence's activations (a few hundred KB) stay in that
 * core's cache from one product to the next, and the whole forward is one
 * parallel region. Training writes the activations backward needs into the
 * arena at the sequence's rows; evaluation keeps them in per-thread scratch,
 * reused by every layer and sequence. */

/* Layer l's weights packed for the per-sequence forward: the attention's,
 * then the feed-forward's. */
static const float *packed_attn(const Tf *t, int l) { return t->wpack + (size_t)l * t->wpack_layer; }

static const float *packed_ffn(const Tf *t, int l) { return packed_attn(t, l) + mha_packed_floats(t->E); }

static void pack_weights(const Model *m, Tf *t) {
    for (int l = 0; l < t->L; l++) {
        MhaParams mp = mha_params(m, &t->lp[l]);
        FfnParams fp = ffn_params(m, &t->lp[l]);
        mha_pack(&mp, t->E, (float *)packed_attn(t, l));
        ffn_pack(&fp, t->E, t->F, (float *)packed_ffn(t, l));
    }
}

/* One layer's buffers for one sequence ([L x ...] rows). */
typedef struct SeqLayer {
    float *n1, *n2, *mean1, *rstd1, *mean2, *rstd2, *res1, *res2, *pre, *hid;
    MhaSeqActs attn;
    const float *mask1, *mask2, *maskff; /* NULL without dropout */
} SeqLayer;

typedef struct FwdCtx {
    const Model *m;
    Tf *t;
    int mode;
    const int *bound; /* [parts + 1] first sequence of each part */
    const LayerKeys *keys; /* [L] */
} FwdCtx;

/* One encoder layer of one sequence; returns its output (n2 for post-norm,
 * res2 for pre-norm). */
static const float *layer_seq(const Model *m, const Tf *t, int l, int L, const float *x, const SeqLayer *b,
                              MhaDropout md, float *attn_scratch) {
    const float *d = m->params.data;
    const LayerParams *p = &t->lp[l];
    const MhaParams mp = mha_params(m, p);
    const FfnParams fp = ffn_params(m, p);
    const int E = t->E;
    const float *attn_in = x;
    if (!t->post) {
        layernorm_forward(x, L, E, d + p->n1w, d + p->n1b, LAYERNORM_EPS, b->n1, b->mean1, b->rstd1);
        attn_in = b->n1;
    }
    mha_forward_seq(L, E, t->H, attn_in, &mp, packed_attn(t, l), md, &b->attn, b->mask1, x, b->res1, attn_scratch);
    const float *ff_in, *res_base;
    if (t->post) {
        layernorm_forward(b->res1, L, E, d + p->n1w, d + p->n1b, LAYERNORM_EPS, b->n1, b->mean1, b->rstd1);
        ff_in = res_base = b->n1;
    } else {
        layernorm_forward(b->res1, L, E, d + p->n2w, d + p->n2b, LAYERNORM_EPS, b->n2, b->mean2, b->rstd2);
        ff_in = b->n2;
        res_base = b->res1;
    }
    ffn_forward_seq(L, E, t->F, t->act, ff_in, &fp, packed_ffn(t, l), b->maskff, b->mask2, res_base, b->pre, b->hid,
                    b->res2);
    if (!t->post) return b->res2;
    layernorm_forward(b->res2, L, E, d + p->n2w, d + p->n2b, LAYERNORM_EPS, b->n2, b->mean2, b->rstd2);
    return b->n2;
}

static SeqLayer seq_layer_arena(const Tf *t, int l, int s, int keep_maps, int drop) {
    const LayerActs *a = &t->la[l];
    size_t o = (size_t)t->off[s], E = (size_t)t->E, F = (size_t)t->F;
    SeqLayer b = {
        .n1 = a->n1 + o * E, .n2 = a->n2 + o * E, .mean1 = a->mean1 + o, .rstd1 = a->rstd1 + o,
        .mean2 = a->mean2 + o, .rstd2 = a->rstd2 + o, .res1 = a->res1 + o * E, .res2 = a->res2 + o * E,
        .pre = a->pre ? a->pre + o * F : NULL, .hid = a->hid + o * F,
        .attn = {.qkv = a->qkv + o * 3 * E, .probs = keep_maps ? a->probs + t->poff[s] : NULL,
                 .dropped = drop ? t->dropped + t->poff[s] : NULL, .ctx = a->ctx + o * E, .pbase = t->poff[s]},
        .mask1 = drop ? a->mask1 + o * E : NULL, .mask2 = drop ? a->mask2 + o * E : NULL,
        .maskff = drop ? a->maskff + o * F : NULL};
    return b;
}

static void forward_part(void *p, int q0, int q1) {
    const FwdCtx *c = p;
    Tf *t = c->t;
    const float *d = c->m->params.data;
    const int E = t->E, F = t->F, train = c->mode == MODE_TRAIN;
    for (int q = q0; q < q1; q++) {
        int s0 = c->bound[q], s1 = c->bound[q + 1], Lmax = 1;
        for (int s = s0; s < s1; s++) Lmax = t->len[s] > Lmax ? t->len[s] : Lmax;
        size_t R = (size_t)Lmax, attn = mha_seq_scratch_floats(Lmax, E, t->H);
        /* evaluation: one set of row buffers, shared by every layer */
        size_t local = train ? 0 : R * (5 * (size_t)E + 3 * (size_t)E + 2 * (size_t)F) + 4 * R;
        float *scr = aligned_alloc(64, ((attn + local) * sizeof(float) + 63) & ~(size_t)63);
        if (!scr) abort();
        float *attn_scratch = scr, *u = scr + attn;
        SeqLayer ev = {0};
        if (!train) {
            ev.n1 = u, u += R * E;
            ev.n2 = u, u += R * E;
            ev.attn.ctx = u, u += R * E;
            ev.res1 = u, u += R * E;
            ev.res2 = u, u += R * E;
            ev.attn.qkv = u, u += R * 3 * E;
            ev.pre = u, u += R * F;
            ev.hid = u, u += R * F;
            ev.mean1 = u, u += R;
            ev.rstd1 = u, u += R;
            ev.mean2 = u, u += R;
            ev.rstd2 = u;
        }
        for (int s = s0; s < s1; s++) {
            int L = t->len[s], o = t->off[s];
            const float *x = t->x0 + (size_t)o * E;
            for (int l = 0; l < t->L; l++) {
                SeqLayer b;
                if (train) {
                    int drop = c->keys[l].attn.p > 0;
                    b = seq_layer_arena(t, l, s, 1, drop);
                    if (drop) {
                        /* this sequence's rows of the masks, while they are about to be read */
                        const LayerActs *a = &t->la[l];
                        size_t nE = (size_t)L * E, nF = (size_t)L * F, oE = (size_t)o * E, oF = (size_t)o * F;
                        mask_hash_fill(c->keys[l].k1, t->p_drop, oE, a->mask1 + oE, nE);
                        mask_hash_fill(c->keys[l].kff, t->p_drop, oF, a->maskff + oF, nF);
                        mask_hash_fill(c->keys[l].k2, t->p_drop, oE, a->mask2 + oE, nE);
                    }
                } else {
                    b = ev;
                    b.attn.probs = c->mode == MODE_KEEP_MAPS ? t->la[l].probs + t->poff[s] : NULL;
                    b.attn.pbase = t->poff[s];
                }
                x = layer_seq(c->m, t, l, L, x, &b, c->keys[l].attn, attn_scratch);
            }
            const float *w = t->pooling == POOL_ATTENTION ? d + t->pool_w : NULL;
            const float *pb = t->pooling == POOL_ATTENTION ? d + t->pool_b : NULL;
            pooling_forward(t->pooling, x, 1, L, E, (size_t)L * E, (size_t)E, &t->len[s], w, pb, t->pool_weights + o,
                            t->argmax + (size_t)s * E, t->pooled + (size_t)s * E);
        }
        free(scr);
    }
}

/* Splits the sequences into contiguous parts of about equal work (rows and
 * attention pairs), one per thread. */
static int split_parts(const Tf *t, int B, int *bound) {
    int parts = compute_threads();
    if (parts > B) parts = B;
    if (parts < 1) parts = 1;
    const double E = t->E, F = t->F;
    double total = 0;
    for (int s = 0; s < B; s++) total += t->len[s] * (4 * E * E + 2 * E * F + 2.0 * t->len[s] * E);
    bound[0] = 0;
    double acc = 0;
    int q = 1;
    for (int s = 0; s < B && q < parts; s++) {
        acc += t->len[s] * (4 * E * E + 2 * E * F + 2.0 * t->len[s] * E);
        if (acc >= total * q / parts) bound[q++] = s + 1;
    }
    while (q < parts) bound[q++] = B;
    bound[parts] = B;
    return parts;
}

static void tf_run(Model *m, const Batch *b, int mode, float *logits) {
    Tf *t = m->impl;
    const float *d = m->params.data;
    const int E = t->E, B = b->B, T = b->T < m->max_T ? b->T : m->max_T;
    const int train = mode == MODE_TRAIN;
    for (int s = 0; s < B; s++) {
        int L = b->lengths && !t->lab ? b->lengths[s] : T;
        t->len[s] = L < 1 ? 1 : L > T ? T : L;
    }
    int rows = seqpack_build(&t->pack, B, t->len, t->off, t->poff, t->H);
    for (int s = 0; s < B; s++)
        memcpy(t->tok + t->off[s], b->tokens + (size_t)s * b->T, (size_t)t->len[s] * sizeof(int32_t));
    t->B = B;

    const size_t nE = (size_t)rows * E;
    embedding_forward(d + t->emb, E, t->tok, rows, t->x0);
    if (train && t->p_emb > 0) {
        draw_mask(m, t->p_emb, t->mask_e, nE);
        dropout_apply(t->x0, t->mask_e, nE);
    }
    if (t->position == POS_LEARNED) position_add_forward(d + t->pos, E, B, t->off, t->len, t->x0);
    if (t->position == POS_SINUSOIDAL) position_add_forward(t->sinus, E, B, t->off, t->len, t->x0);
    const int drop = train && t->p_drop > 0;
    if (drop) {
        draw_mask(m, t->p_drop, t->mask_s, nE);
        dropout_apply(t->x0, t->mask_s, nE);
    }

    /* Every dropout key of the layers, in layer order, before the parallel
     * region. */
    LayerKeys keys[t->L];
    for (int l = 0; l < t->L; l++) {
        LayerKeys *k = &keys[l];
        k->attn = (MhaDropout){drop ? t->p_drop : 0.0f, drop ? (uint32_t)rng_next(&m->dropout_rng) : 0u};
        t->la[l].attn_seed = k->attn.seed;
        k->k1 = drop ? rng_next(&m->dropout_rng) : 0;
        k->kff = drop ? rng_next(&m->dropout_rng) : 0;
        k->k2 = drop ? rng_next(&m->dropout_rng) : 0;
    }
    pack_weights(m, t);
    int bound[B + 1];
    FwdCtx c = {m, t, mode, bound, keys};
    int parts = split_parts(t, B, bound);
    parallel_for(parts, forward_part, &c);
    t->h = train ? (t->post ? t->la[t->L - 1].n2 : t->la[t->L - 1].res2) : NULL;

    const float *head = t->pooled;
    if (drop) {
        draw_mask(m, t->p_drop, t->mask_h, (size_t)B * E);
        dropout_forward(t->pooled, t->mask_h, (size_t)B * E, t->head_in);
        head = t->head_in;
    }
    linear_forward(head, B, E, d + t->fc_w, d + t->fc_b, NUM_CLASSES, logits);
}

/* Evaluation runs in slices of EVAL_SLICE reviews: the GEMMs stay large,
 * and a big evaluation batch touches no more memory than a training batch. */
enum { EVAL_SLICE = 64 };

static void tf_forward(Model *m, const Batch *b, int train) {
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
        tf_run(m, &part, MODE_EVAL, m->logits + (size_t)s0 * NUM_CLASSES);
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
    const float *m1 = drop ? a->mask1 : NULL, *m2 = drop ? a->mask2 : NULL, *mff = drop ? a->maskff : NULL;

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

static void tf_backward(Model *m, const Batch *b) {
    (void)b;
    Tf *t = m->impl;
    const float *d = m->params.data;
    float *g = m->params.grad;
    const int E = t->E, B = t->B, rows = t->pack.rows;
    const size_t nE = (size_t)rows * E;
    int drop = t->p_drop > 0;

    zero(t->g_pooled, (size_t)B * E);
    linear_backward(drop ? t->head_in : t->pooled, B, E, d + t->fc_w, NUM_CLASSES, m->dlogits, t->g_pooled,
                    g + t->fc_w, g + t->fc_b);
    if (drop) dropout_apply(t->g_pooled, t->mask_h, (size_t)B * E);
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
    if (t->position == POS_LEARNED) position_add_backward(dout, E, B, t->off, t->len, g + t->pos);
    if (t->p_emb > 0) dropout_apply(dout, t->mask_e, nE);
    embedding_backward(g + t->emb, E, t->tok, rows, dout, 0);
}

/* ---- explain ------------------------------------------------------------- */

static int tf_explain(Model *m, const int32_t *tokens, int len, Explanation *out) {
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
    const float *z = m->logits;
    float mx = z[0] > z[1] ? z[0] : z[1];
    double e0 = exp((double)z[0] - mx), e1 = exp((double)z[1] - mx);
    out->prob[0] = (float)(e0 / (e0 + e1));
    out->prob[1] = (float)(e1 / (e0 + e1));
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
