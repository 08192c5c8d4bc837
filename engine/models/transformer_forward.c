/* The Transformer classifier's forward over one batch: embedding, positions
 * and dropout over the packed tokens, then every encoder layer of a sequence
 * on one thread (the blocks' fused per-sequence forwards: layernorm_forward,
 * mha_forward_seq, ffn_forward_seq), pooling, and the head. This is the
 * forward that trains, evaluates and explains. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "models/transformer_internal.h"
#include "nn/dropout.h"
#include "nn/embedding.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/position.h"
#include "kernels/mask_hash.h"

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
static float *packed_attn(const Tf *t, int l) { return t->wpack + (size_t)l * t->wpack_layer; }

static float *packed_ffn(const Tf *t, int l) { return packed_attn(t, l) + mha_packed_floats(t->E); }

static void pack_weights(const Model *m, Tf *t) {
    for (int l = 0; l < t->L; l++) {
        MhaParams mp = mha_params(m, &t->lp[l]);
        FfnParams fp = ffn_params(m, &t->lp[l]);
        mha_pack(&mp, t->E, packed_attn(t, l));
        ffn_pack(&fp, t->E, t->F, packed_ffn(t, l));
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
        layernorm_forward(x, L, E, d + p->n1w, d + p->n1b, t->eps, b->n1, b->mean1, b->rstd1);
        attn_in = b->n1;
    }
    mha_forward_seq(L, E, t->H, attn_in, &mp, packed_attn(t, l), md, &b->attn, b->mask1, x, b->res1, attn_scratch);
    const float *ff_in, *res_base;
    if (t->post) {
        layernorm_forward(b->res1, L, E, d + p->n1w, d + p->n1b, t->eps, b->n1, b->mean1, b->rstd1);
        ff_in = res_base = b->n1;
    } else {
        layernorm_forward(b->res1, L, E, d + p->n2w, d + p->n2b, t->eps, b->n2, b->mean2, b->rstd2);
        ff_in = b->n2;
        res_base = b->res1;
    }
    ffn_forward_seq(L, E, t->F, t->act, ff_in, &fp, packed_ffn(t, l), b->maskff, b->mask2, res_base, b->pre, b->hid,
                    b->res2);
    if (!t->post) return b->res2;
    layernorm_forward(b->res2, L, E, d + p->n2w, d + p->n2b, t->eps, b->n2, b->mean2, b->rstd2);
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
        .mask1 = drop && tf_drops_after_attention(t) ? a->mask1 + o * E : NULL, .mask2 = drop ? a->mask2 + o * E : NULL,
        .maskff = drop && !t->hf ? a->maskff + o * F : NULL};
    return b;
}

/* Evaluation's row buffers for sequences of up to R rows, carved from u
 * (seq_scratch_floats floats): one set, reused by every layer. */
static size_t seq_scratch_floats(size_t R, size_t E, size_t F) { return R * (8 * E + 2 * F) + 4 * R; }

static SeqLayer seq_layer_scratch(float *u, size_t R, size_t E, size_t F) {
    SeqLayer b = {0};
    b.n1 = u, u += R * E;
    b.n2 = u, u += R * E;
    b.attn.ctx = u, u += R * E;
    b.res1 = u, u += R * E;
    b.res2 = u, u += R * E;
    b.attn.qkv = u, u += R * 3 * E;
    b.pre = u, u += R * F;
    b.hid = u, u += R * F;
    b.mean1 = u, u += R;
    b.rstd1 = u, u += R;
    b.mean2 = u, u += R;
    b.rstd2 = u;
    return b;
}

/* Sequence s's rows of layer l's dropout masks, while they are about to be read. */
static void fill_seq_masks(const Tf *t, int l, int s, const LayerKeys *k) {
    const LayerActs *a = &t->la[l];
    size_t nE = (size_t)t->len[s] * t->E, nF = (size_t)t->len[s] * t->F;
    size_t oE = (size_t)t->off[s] * t->E, oF = (size_t)t->off[s] * t->F;
    mask_hash_fill(k->k1, t->p_drop, oE, a->mask1 + oE, nE);
    mask_hash_fill(k->kff, t->p_drop, oF, a->maskff + oF, nF);
    mask_hash_fill(k->k2, t->p_drop, oE, a->mask2 + oE, nE);
}

/* Every layer of sequence s, then its pooling. */
static void forward_seq(const FwdCtx *c, int s, const SeqLayer *ev, float *attn_scratch) {
    Tf *t = c->t;
    const float *d = c->m->params.data;
    const int E = t->E, L = t->len[s], o = t->off[s];
    const float *x = t->x0 + (size_t)o * E;
    for (int l = 0; l < t->L; l++) {
        SeqLayer b;
        if (c->mode == MODE_TRAIN) {
            int drop = c->keys[l].attn.p > 0;
            b = seq_layer_arena(t, l, s, 1, drop);
            if (drop) fill_seq_masks(t, l, s, &c->keys[l]);
        } else {
            b = *ev;
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

/* One part of the batch on one thread, with its own scratch. */
static void forward_part(void *p, int q0, int q1) {
    const FwdCtx *c = p;
    const Tf *t = c->t;
    const int train = c->mode == MODE_TRAIN;
    for (int q = q0; q < q1; q++) {
        int s0 = c->bound[q], s1 = c->bound[q + 1], Lmax = 1;
        for (int s = s0; s < s1; s++) Lmax = t->len[s] > Lmax ? t->len[s] : Lmax;
        size_t R = (size_t)Lmax, attn = mha_seq_scratch_floats(Lmax, t->E, t->H);
        size_t local = train ? 0 : seq_scratch_floats(R, (size_t)t->E, (size_t)t->F);
        float *scr = aligned_alloc(64, ((attn + local) * sizeof(float) + 63) & ~(size_t)63);
        if (!scr) abort();
        SeqLayer ev = {0};
        if (!train) ev = seq_layer_scratch(scr + attn, R, (size_t)t->E, (size_t)t->F);
        for (int s = s0; s < s1; s++) forward_seq(c, s, &ev, scr);
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

void tf_run(Model *m, const Batch *b, int mode, float *logits) {
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
    if (t->bert)
        for (size_t r = 0; r < (size_t)rows; r++)
            for (int k = 0; k < E; k++) t->x0[r * E + k] += d[t->typ + k];
    if (t->hf) {
        memcpy(t->emb_sum, t->x0, nE * sizeof(float));
        layernorm_forward(t->emb_sum, rows, E, d + t->eln_w, d + t->eln_b, t->eps, t->x0, t->emb_mean, t->emb_rstd);
    }
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
    if (t->mlm) return; /* no classification head: the MLM head reads t->h */

    const float *head = t->pooled;
    if (t->hf) {
        /* pre_classifier and ReLU (BERT: the pooler's dense and tanh) before the head's dropout */
        linear_forward(t->pooled, B, E, d + t->pre_w, d + t->pre_b, E, t->pre_out);
        for (size_t i = 0; i < (size_t)B * E; i++)
            t->pre_out[i] = t->bert ? tanhf(t->pre_out[i]) : t->pre_out[i] > 0 ? t->pre_out[i] : 0;
        head = t->pre_out;
    }
    if (drop) {
        draw_mask(m, t->p_drop, t->mask_h, (size_t)B * E);
        dropout_forward(head, t->mask_h, (size_t)B * E, t->head_in);
        head = t->head_in;
    }
    linear_forward(head, B, E, d + t->fc_w, d + t->fc_b, m->n_classes, logits);
}

