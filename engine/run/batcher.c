#include "run/batcher.h"

#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "kernels/tensor.h"

int batcher_init(Batcher *b, int max_B, int max_T, int full_width) {
    memset(b, 0, sizeof *b);
    b->max_B = max_B;
    b->max_T = max_T;
    b->full_width = full_width;
    b->tok = malloc((size_t)max_B * max_T * sizeof *b->tok);
    b->len = malloc((size_t)max_B * sizeof *b->len);
    b->lab = malloc((size_t)max_B * sizeof *b->lab);
    b->pred = malloc((size_t)max_B * sizeof *b->pred);
    if (b->tok && b->len && b->lab && b->pred) return 0;
    batcher_free(b);
    return -1;
}

void batcher_free(Batcher *b) {
    free(b->tok);
    free(b->len);
    free(b->lab);
    free(b->pred);
    memset(b, 0, sizeof *b);
}

Batch batcher_gather(Batcher *b, const Split *s, const int32_t *idx, int B) {
    int T = 1;
    for (int i = 0; i < B; i++)
        if (s->lengths[idx[i]] > T) T = s->lengths[idx[i]];
    if (T > s->T) T = s->T;
    /* The lab's setup reads the state after the padding: keep the full width. */
    if (b->full_width) T = s->T;
    for (int i = 0; i < B; i++) {
        memcpy(b->tok + (size_t)i * T, s->tokens + (size_t)idx[i] * s->T, (size_t)T * sizeof *b->tok);
        b->len[i] = s->lengths[idx[i]] < T ? s->lengths[idx[i]] : T;
        b->lab[i] = s->labels[idx[i]];
    }
    return (Batch){b->tok, b->len, b->lab, B, T};
}

void batcher_evaluate(Batcher *b, Model *m, const Split *s, const int32_t *order, int n, int batch_size,
                      Metrics *out) {
    metrics_clear_classes(out, m->n_classes);
    double loss = 0;
    int bs = batch_size < b->max_B ? batch_size : b->max_B;
    for (int at = 0; at < n; at += bs) {
        int B = n - at < bs ? n - at : bs;
        Batch batch = batcher_gather(b, s, order + at, B);
        loss += (double)model_forward(m, &batch, 0) * B;
        for (int i = 0; i < B; i++) {
            b->pred[i] = model_argmax(m, i);
        }
        metrics_add(out, b->lab, b->pred, B);
    }
    metrics_finish(out);
    out->loss = n ? loss / n : 0;
}

static int by_length(const void *a, const void *b, void *ctx) {
    const int32_t *len = ctx;
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    if (len[i] != len[j]) return len[i] < len[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Ties keep index order, so the result is the same on every machine. */
static void sort_by_length(const Split *s, int32_t *idx, int n) {
    qsort_r(idx, (size_t)n, sizeof *idx, by_length, s->lengths);
}

int32_t *batcher_sorted_order(const Split *s) {
    int32_t *o = malloc(((size_t)s->n + 1) * sizeof *o);
    if (!o) return NULL;
    for (int i = 0; i < s->n; i++) o[i] = i;
    sort_by_length(s, o, s->n);
    return o;
}

int epoch_order_init(EpochOrder *o, int n, int batch_size) {
    memset(o, 0, sizeof *o);
    o->n = n;
    o->batch_size = batch_size;
    o->n_batches = (n + batch_size - 1) / batch_size;
    o->order = malloc(((size_t)n + 1) * sizeof *o->order);
    o->batch_start = malloc(((size_t)o->n_batches + 1) * sizeof *o->batch_start);
    if (o->order && o->batch_start) return 0;
    epoch_order_free(o);
    return -1;
}

void epoch_order_free(EpochOrder *o) {
    free(o->order);
    free(o->batch_start);
    memset(o, 0, sizeof *o);
}

void epoch_order_make(EpochOrder *o, const Split *s, uint64_t seed, int epoch) {
    int n = o->n, bs = o->batch_size;
    Rng rng;
    rng_seed(&rng, hash_pair(seed, 0x0e9c0000ULL + (uint64_t)epoch));
    for (int i = 0; i < n; i++) o->order[i] = i;
    rng_shuffle_int(&rng, o->order, n);
    int chunk = bs * BUCKET_BATCHES, b = 0;
    int32_t *tmp = malloc((size_t)chunk * sizeof *tmp);
    int32_t perm[BUCKET_BATCHES];
    for (int c0 = 0; c0 < n; c0 += chunk) {
        int cn = n - c0 < chunk ? n - c0 : chunk;
        sort_by_length(s, o->order + c0, cn);
        int nb = (cn + bs - 1) / bs;
        for (int k = 0; k < nb; k++) perm[k] = k;
        rng_shuffle_int(&rng, perm, nb);
        memcpy(tmp, o->order + c0, (size_t)cn * sizeof *tmp);
        int at = c0;
        for (int k = 0; k < nb; k++) {
            int from = perm[k] * bs, cnt = cn - from < bs ? cn - from : bs;
            memcpy(o->order + at, tmp + from, (size_t)cnt * sizeof *tmp);
            o->batch_start[b++] = at;
            at += cnt;
        }
    }
    o->batch_start[b] = n;
    free(tmp);
}

int vocab_same(const Vocab *a, const Vocab *b) {
    int same = a->n == b->n;
    for (int i = 0; same && i < a->n; i++) same = !strcmp(a->words[i], b->words[i]);
    return same;
}
