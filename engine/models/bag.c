/* fastText-style bag of n-grams: the average of the word embeddings of the
 * real tokens and (model.bigrams) of hashed word-bigram embeddings, then
 * dropout and a linear head "fc". The average runs over unigrams and bigrams
 * together, as fastText does. A step touches only the rows of the words and
 * bigrams in the batch, so forward and backward cost O(tokens x E). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"
#include "nn/dropout.h"
#include "nn/linear.h"

typedef struct Bag {
    int E, bigrams, lab;
    uint32_t buckets;
    float p_drop;
    size_t emb, big, fc_w, fc_b;
    int B, rows, brows;
    int32_t *len, *off, *boff, *tok, *bid; /* packed unigram ids [rows], bigram buckets [brows] */
    float *inv_count;                      /* [B] 1 / (unigrams + bigrams) */
    float *pooled, *mask, *head_in, *g_pooled; /* [B x E] */
    void *arena;
} Bag;

/* Stable bucket of the ordered pair (a, b): checkpoints depend on it. */
static inline int32_t bigram_bucket(int32_t a, int32_t b, uint32_t buckets) {
    uint64_t h = (uint64_t)(uint32_t)a * 0x9e3779b97f4a7c15ULL ^ ((uint64_t)(uint32_t)b + 0x632be59bd9b4e019ULL);
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return (int32_t)(h % buckets);
}

static int bag_build(Model *m, char *err, size_t errlen) {
    const Config *c = &m->cfg;
    if (m->vocab_size < 2 || m->max_B < 1 || m->max_T < 1) {
        snprintf(err, errlen, "bag model needs a vocabulary of at least 2 and a batch of at least 1x1");
        return -1;
    }
    Bag *g = calloc(1, sizeof *g);
    if (!g) return -1;
    m->impl = g;
    g->E = c->model_embed_dim;
    g->bigrams = c->model_bigrams;
    g->buckets = (uint32_t)c->model_bigram_buckets;
    g->lab = c->model_lab_compat;
    g->p_drop = (float)c->model_dropout;
    int s[2] = {m->vocab_size, g->E};
    g->emb = params_add(&m->params, "embedding.weight", 2, s, 0);
    if (g->bigrams) {
        int sb[2] = {(int)g->buckets, g->E};
        g->big = params_add(&m->params, "bigram_embedding.weight", 2, sb, 0);
    }
    int sf[2] = {m->n_classes, g->E}, sfb[1] = {m->n_classes};
    g->fc_w = params_add(&m->params, "fc.weight", 2, sf, 0);
    g->fc_b = params_add(&m->params, "fc.bias", 1, sfb, 1);
    return 0;
}

static int bag_setup(Model *m) {
    Bag *g = m->impl;
    size_t B = (size_t)m->max_B, R = B * m->max_T, E = (size_t)g->E;
    size_t ints = 3 * B + 2 * R, floats = B + 4 * B * E;
    g->arena = malloc(ints * sizeof(int32_t) + floats * sizeof(float));
    if (!g->arena) return -1;
    int32_t *ip = g->arena;
    g->len = ip, ip += B;
    g->off = ip, ip += B;
    g->boff = ip, ip += B;
    g->tok = ip, ip += R;
    g->bid = ip, ip += R;
    float *fp = (float *)ip;
    g->inv_count = fp, fp += B;
    g->pooled = fp, fp += B * E;
    g->mask = fp, fp += B * E;
    g->head_in = fp, fp += B * E;
    g->g_pooled = fp;
    return 0;
}

static void bag_destroy(Model *m) {
    Bag *g = m->impl;
    if (!g) return;
    free(g->arena);
    free(g);
    m->impl = NULL;
}

static void bag_init(Model *m, Rng *rng) {
    Bag *g = m->impl;
    float *d = m->params.data;
    size_t E = (size_t)g->E;
    /* PyTorch defaults: nn.Embedding N(0, 1) (padding row zero), nn.Linear U(+-1/sqrt(in)). */
    for (size_t i = 0; i < (size_t)m->vocab_size * E; i++) d[g->emb + i] = rng_normal(rng);
    memset(d + g->emb, 0, E * sizeof(float));
    if (g->bigrams)
        for (size_t i = 0; i < (size_t)g->buckets * E; i++) d[g->big + i] = rng_normal(rng);
    float bound = 1.0f / sqrtf((float)E);
    for (size_t i = 0; i < (size_t)m->n_classes * E; i++) d[g->fc_w + i] = rng_range(rng, -bound, bound);
    for (size_t i = 0; i < (size_t)m->n_classes; i++) d[g->fc_b + i] = rng_range(rng, -bound, bound);
}

/* Rows are summed 8 floats at a time (vector extensions: at -O2 a plain loop
 * over a runtime length stays scalar). */
typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define LD(p) ((v8)(*(const v8u *)(p)))
#define ST(p, v) (*(v8u *)(p) = (v))

/* out[0..E) += row[0..E) */
static inline void add_row(float *out, const float *row, int E) {
    int e = 0;
    for (; e + 8 <= E; e += 8) ST(out + e, LD(out + e) + LD(row + e));
    for (; e < E; e++) out[e] += row[e];
}

typedef struct {
    const Model *m;
    Bag *g;
} BagCtx;

static void bag_sum_seqs(void *p, int s0, int s1) {
    const BagCtx *c = p;
    Bag *g = c->g;
    const float *d = c->m->params.data;
    const int E = g->E;
    for (int s = s0; s < s1; s++) {
        float *out = g->pooled + (size_t)s * E;
        memset(out, 0, (size_t)E * sizeof(float));
        const int32_t *tok = g->tok + g->off[s];
        for (int t = 0; t < g->len[s]; t++) add_row(out, d + g->emb + (size_t)tok[t] * E, E);
        if (g->bigrams) {
            const int32_t *bid = g->bid + g->boff[s];
            for (int t = 0; t + 1 < g->len[s]; t++) add_row(out, d + g->big + (size_t)bid[t] * E, E);
        }
        for (int e = 0; e < E; e++) out[e] *= g->inv_count[s];
    }
}

static void bag_forward(Model *m, const Batch *b, int train) {
    Bag *g = m->impl;
    const float *d = m->params.data;
    const int E = g->E, B = b->B, T = b->T < m->max_T ? b->T : m->max_T;
    int rows = 0, brows = 0;
    for (int s = 0; s < B; s++) {
        int L = b->lengths && !g->lab ? b->lengths[s] : T;
        L = L < 1 ? 1 : L > T ? T : L;
        g->len[s] = L;
        g->off[s] = rows;
        g->boff[s] = brows;
        const int32_t *src = b->tokens + (size_t)s * b->T;
        memcpy(g->tok + rows, src, (size_t)L * sizeof(int32_t));
        if (g->bigrams)
            for (int t = 0; t + 1 < L; t++) g->bid[brows + t] = bigram_bucket(src[t], src[t + 1], g->buckets);
        rows += L;
        brows += g->bigrams ? L - 1 : 0;
        g->inv_count[s] = 1.0f / (float)(L + (g->bigrams ? L - 1 : 0));
    }
    g->B = B;
    g->rows = rows;
    g->brows = brows;
    BagCtx c = {m, g};
    if ((size_t)rows * E < 16384)
        bag_sum_seqs(&c, 0, B);
    else
        parallel_for(B, bag_sum_seqs, &c);
    const float *head = g->pooled;
    if (train && g->p_drop > 0) {
        dropout_mask(&m->dropout_rng, g->p_drop, g->mask, (size_t)B * E);
        dropout_forward(g->pooled, g->mask, (size_t)B * E, g->head_in);
        head = g->head_in;
    }
    linear_forward(head, B, E, d + g->fc_w, d + g->fc_b, m->n_classes, m->logits);
}

/* Every token of sequence s receives the same gradient row
 * d(pooled_s) / count_s (already scaled in g_pooled). Threads own bands of
 * 8-float columns and walk every token, so rows shared by many tokens never
 * race and the sums keep one order for any thread count. Padding (id 0)
 * gets no gradient. */
typedef struct {
    const Bag *g;
    float *demb, *dbig;
} ScatterCtx;

static void scatter_cols(void *p, int k0, int k1) {
    const ScatterCtx *c = p;
    const Bag *g = c->g;
    const int E = g->E, e0 = k0 * 8, e1 = k1 * 8 < E ? k1 * 8 : E;
    for (int s = 0; s < g->B; s++) {
        const float *src = g->g_pooled + (size_t)s * E + e0;
        const int32_t *tok = g->tok + g->off[s];
        for (int t = 0; t < g->len[s]; t++)
            if (tok[t] != 0) add_row(c->demb + (size_t)tok[t] * E + e0, src, e1 - e0);
        if (!c->dbig) continue;
        const int32_t *bid = g->bid + g->boff[s];
        for (int t = 0; t + 1 < g->len[s]; t++) add_row(c->dbig + (size_t)bid[t] * E + e0, src, e1 - e0);
    }
}

static void bag_backward(Model *m, const Batch *b) {
    (void)b;
    Bag *g = m->impl;
    const float *d = m->params.data;
    float *gr = m->params.grad;
    const int E = g->E, B = g->B;
    int drop = g->p_drop > 0;
    memset(g->g_pooled, 0, (size_t)B * E * sizeof(float));
    linear_backward(drop ? g->head_in : g->pooled, B, E, d + g->fc_w, m->n_classes, m->dlogits, g->g_pooled,
                    gr + g->fc_w, gr + g->fc_b);
    for (int s = 0; s < B; s++)
        for (int e = 0; e < E; e++)
            g->g_pooled[(size_t)s * E + e] *= (drop ? g->mask[(size_t)s * E + e] : 1.0f) * g->inv_count[s];
    ScatterCtx c = {g, gr + g->emb, g->bigrams ? gr + g->big : NULL};
    int bands = (E + 7) / 8;
    if ((size_t)g->rows * E < 16384)
        scatter_cols(&c, 0, bands);
    else
        parallel_for(bands, scatter_cols, &c);
}

static int bag_explain(Model *m, const int32_t *tokens, int len, Explanation *out) {
    Bag *g = m->impl;
    if (len < 1 || !tokens) return -1;
    if (len > m->max_T) len = m->max_T;
    int T = g->lab ? m->max_T : len;
    int32_t *tok = calloc((size_t)T, sizeof *tok);
    if (!tok) return -1;
    memcpy(tok, tokens, (size_t)len * sizeof *tok);
    int32_t L32 = len;
    Batch b = {.tokens = tok, .lengths = &L32, .B = 1, .T = T};
    bag_forward(m, &b, 0);
    free(tok);

    const float *z = m->logits, *d = m->params.data;
    int pred = model_softmax_row(z, m->n_classes, out->prob);
    out->len = len;
    out->token_weight = calloc((size_t)len, sizeof(float));
    if (!out->token_weight) return -1;
    /* Signed share of the predicted logit per position: the word's own term
     * plus half of each bigram it belongs to; the heat is its magnitude. */
    const int E = g->E;
    const float *w = d + g->fc_w + (size_t)pred * E;
    double *c = calloc((size_t)len, sizeof *c);
    if (!c) return -1;
    for (int t = 0; t < len; t++) {
        const float *row = d + g->emb + (size_t)g->tok[t] * E;
        double s = 0;
        for (int e = 0; e < E; e++) s += (double)w[e] * row[e];
        c[t] += s * g->inv_count[0];
    }
    if (g->bigrams)
        for (int t = 0; t + 1 < len; t++) {
            const float *row = d + g->big + (size_t)g->bid[t] * E;
            double s = 0;
            for (int e = 0; e < E; e++) s += (double)w[e] * row[e];
            c[t] += 0.5 * s * g->inv_count[0];
            c[t + 1] += 0.5 * s * g->inv_count[0];
        }
    double sum = 0;
    for (int t = 0; t < len; t++) sum += fabs(c[t]);
    for (int t = 0; t < len; t++) out->token_weight[t] = sum > 0 ? (float)(fabs(c[t]) / sum) : 1.0f / len;
    free(c);
    snprintf(out->method, sizeof out->method, "|share of the predicted logit| per word%s",
             g->bigrams ? " (with half of each bigram)" : "");
    return 0;
}

const ModelOps bag_ops = {
    .build = bag_build,
    .setup = bag_setup,
    .init = bag_init,
    .forward = bag_forward,
    .backward = bag_backward,
    .explain = bag_explain,
    .destroy = bag_destroy,
};
