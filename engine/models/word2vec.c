/* Skip-gram with negative sampling, as in the original word2vec tool: for each
 * kept word, each context word within a randomly shrunk window predicts it
 * against `negatives` noise words; frequent words are subsampled.
 *
 * word2vec's threads update one shared table without locks (Hogwild), so its
 * vectors vary from run to run. Here the corpus is cut into a fixed schedule
 * instead: each round, every shard trains its own copy of the tables on its own
 * slice of the round's reviews, with its own random stream, and then the copies'
 * changes are merged into the shared tables row by row in shard order. What a
 * shard computes never depends on another shard's timing, so the vectors depend
 * on the seed and the shard count alone, however many threads run the shards.
 * A row takes the mean change of the shards that touched it: a rare word's row,
 * touched by one shard, keeps that shard's whole update (averaging whole copies
 * would halve it), while a frequent word's, changed by every shard from the same
 * stale start, does not take the sum of their steps (which overshoots: with 4
 * shards the topics of tests/test_word2vec.c blur). */
#include "models/word2vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/tensor.h"

enum { SIG_STEPS = 2048, PROGRESS_WORDS = 200000, MERGE_ROWS = 256 };
#define SIG_MAX 6.0f

W2vOptions w2v_defaults(int dim, int epochs, int window, uint64_t seed) {
    return (W2vOptions){.dim = dim, .epochs = epochs, .window = window, .negatives = 5, .sample = 1e-4, .lr = 0.025,
                        .seed = seed, .shards = 1, .sync_words = 1L << 17};
}

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define LD(p) ((v8)(*(const v8u *)(p)))
#define ST(p, v) (*(v8u *)(p) = (v))

/* Written with vector types: a float reduction is not vectorised by the
 * compiler without -ffast-math, and these two loops are nearly all the work. */
static inline float dot(const float *a, const float *b, int n) {
    v8 acc = {0};
    int i = 0;
    for (; i + 8 <= n; i += 8) acc += LD(a + i) * LD(b + i);
    float s = acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

static inline void axpy(float *y, float g, const float *x, int n) {
    v8 gv = {g, g, g, g, g, g, g, g};
    int i = 0;
    for (; i + 8 <= n; i += 8) ST(y + i, LD(y + i) + gv * LD(x + i));
    for (; i < n; i++) y[i] += g * x[i];
}

typedef struct {
    float sig[SIG_STEPS + 1], logsig[SIG_STEPS + 1];
} SigTable;

static void sig_table_init(SigTable *t) {
    for (int i = 0; i <= SIG_STEPS; i++) {
        double x = ((double)i / SIG_STEPS * 2 - 1) * SIG_MAX;
        t->sig[i] = (float)(1 / (1 + exp(-x)));
        t->logsig[i] = (float)-log1p(exp(-x));
    }
}

/* Gradient scale (label - sigmoid(f)) and the pair's loss -log p(label). */
static inline float pair_step(const SigTable *t, float f, int label, float *loss) {
    float z = label ? f : -f;
    if (z >= SIG_MAX) return 0.0f;
    if (z <= -SIG_MAX) {
        *loss -= z;
        return label ? 1.0f : -1.0f;
    }
    int k = (int)((z + SIG_MAX) * (SIG_STEPS / (2 * SIG_MAX)));
    *loss -= t->logsig[k];
    return (label ? 1.0f : -1.0f) * (1.0f - t->sig[k]);
}

/* Noise distribution counts^0.75 as Walker's alias table: one draw is one
 * random number and two loads from arrays of the vocabulary's size, which stay
 * in cache (word2vec's 1e8-entry lookup table costs a cache miss per draw). */
typedef struct {
    float *prob;   /* keep the slot's own word when u < prob */
    int32_t *alias;
    int n;
} Noise;

static int noise_init(Noise *z, const int64_t *counts, int vocab_n) {
    z->n = vocab_n;
    z->prob = malloc(sizeof(float) * (size_t)vocab_n);
    z->alias = malloc(sizeof(int32_t) * (size_t)vocab_n);
    double *p = malloc(sizeof(double) * (size_t)vocab_n);
    int32_t *small = malloc(sizeof(int32_t) * (size_t)vocab_n), *large = malloc(sizeof(int32_t) * (size_t)vocab_n);
    int rc = -1;
    if (!z->prob || !z->alias || !p || !small || !large) goto done;
    double norm = 0;
    for (int w = 0; w < vocab_n; w++) norm += pow((double)counts[w], 0.75);
    int ns = 0, nl = 0;
    for (int w = 0; w < vocab_n; w++) {
        p[w] = norm > 0 ? pow((double)counts[w], 0.75) / norm * vocab_n : 1;
        z->alias[w] = w;
        if (p[w] < 1) small[ns++] = w;
        else large[nl++] = w;
    }
    while (ns && nl) {
        int s = small[--ns], l = large[nl - 1];
        z->prob[s] = (float)p[s];
        z->alias[s] = l;
        p[l] -= 1 - p[s];
        if (p[l] < 1) {
            nl--;
            small[ns++] = l;
        }
    }
    while (nl) z->prob[large[--nl]] = 1;
    while (ns) z->prob[small[--ns]] = 1; /* rounding leftovers */
    rc = 0;
done:
    free(p);
    free(small);
    free(large);
    return rc;
}

static inline int noise_draw(const Noise *z, Rng *r) {
    uint64_t x = rng_next(r);
    int slot = (int)(((x >> 32) * (uint64_t)z->n) >> 32);
    float u = (float)(x & 0xffffff) * (1.0f / 16777216.0f);
    return u < z->prob[slot] ? slot : z->alias[slot];
}

/* One trainer: the sequential one, or one shard with its own copy of the tables. */
typedef struct {
    const W2vOptions *o;
    const SigTable *sig;
    const Noise *noise;
    const float *keep;
    float *in, *out, *grad;
    uint8_t *used_in, *used_out; /* rows changed since the last merge */
    int32_t *sent;
    int vocab_n;
    Rng rng;
    double lr_now, loss;
    long pairs;
} W2v;

static inline void prefetch_row(const float *row, int D) {
    for (int i = 0; i < D; i += 16) __builtin_prefetch(row + i, 1, 3);
}

enum { MAX_NEGATIVES = 64 };

/* One kept word `word` at sent[pos]: every context word in the window learns to predict it. */
static void train_word(W2v *w, const int32_t *sent, int n, int pos) {
    const int D = w->o->dim, K = w->o->negatives, reach = w->o->window - (int)rng_below(&w->rng, (uint32_t)w->o->window);
    const int word = sent[pos];
    int target[MAX_NEGATIVES + 1];
    target[0] = word;
    for (int c = pos - reach; c <= pos + reach; c++) {
        if (c < 0 || c >= n || c == pos) continue;
        float *l1 = w->in + (size_t)sent[c] * D;
        w->used_in[sent[c]] = 1;
        /* the rows are scattered over tens of megabytes: ask for them all
         * before the first one is needed */
        for (int k = 1; k <= K; k++) {
            target[k] = noise_draw(w->noise, &w->rng);
            prefetch_row(w->out + (size_t)target[k] * D, D);
        }
        float loss = 0;
        memset(w->grad, 0, sizeof(float) * (size_t)D);
        for (int k = 0; k <= K; k++) {
            if (k > 0 && target[k] == word) continue;
            float *l2 = w->out + (size_t)target[k] * D;
            w->used_out[target[k]] = 1;
            float g = pair_step(w->sig, dot(l1, l2, D), k == 0, &loss) * (float)w->lr_now;
            axpy(w->grad, g, l2, D);
            axpy(l2, g, l1, D);
        }
        axpy(l1, 1.0f, w->grad, D);
        w->loss += loss;
        w->pairs++;
    }
}

/* The learning rate once `done` of all_words corpus words have been read. */
static double lr_at(const W2vOptions *o, long done, long all_words) {
    return o->lr * fmax(1e-4, 1.0 - (double)done / (double)(all_words + 1));
}

/* One review: subsample its real words, then train on each kept one. */
static void train_doc(W2v *w, const int32_t *tok, int len, double lr) {
    int n = 0;
    for (int t = 0; t < len; t++) {
        int id = tok[t];
        if (id <= TOK_UNK || id >= w->vocab_n) continue;
        if (w->keep[id] < 1.0f && rng_uniform(&w->rng) > w->keep[id]) continue;
        w->sent[n++] = id;
    }
    w->lr_now = lr;
    for (int pos = 0; pos < n; pos++) train_word(w, w->sent, n, pos);
}

/* The reviews of all splits in order, with the real words before each. */
typedef struct {
    const int32_t **tok;
    int *len;
    long *before; /* [n + 1]: real words in reviews 0..i-1 */
    int n, longest;
} Docs;

static int64_t *count_words(const Split *const *splits, int nsplits, int vocab_n, Docs *d) {
    int64_t *counts = calloc((size_t)vocab_n, sizeof *counts);
    int n = 0;
    for (int s = 0; s < nsplits; s++) n += splits[s]->n;
    d->tok = malloc(sizeof *d->tok * (size_t)(n + 1));
    d->len = malloc(sizeof *d->len * (size_t)(n + 1));
    d->before = malloc(sizeof *d->before * (size_t)(n + 1));
    if (!counts || !d->tok || !d->len || !d->before) return free(counts), NULL;
    d->n = 0;
    d->longest = 1;
    d->before[0] = 0;
    for (int s = 0; s < nsplits; s++) {
        const Split *sp = splits[s];
        if (sp->T > d->longest) d->longest = sp->T;
        for (int i = 0; i < sp->n; i++, d->n++) {
            const int32_t *tok = sp->tokens + (size_t)i * sp->T;
            long words = 0;
            for (int t = 0; t < sp->lengths[i]; t++)
                if (tok[t] > TOK_UNK && tok[t] < vocab_n) counts[tok[t]]++, words++;
            d->tok[d->n] = tok;
            d->len[d->n] = sp->lengths[i];
            d->before[d->n + 1] = d->before[d->n] + words;
        }
    }
    return counts;
}

/* Everything the trainers share and only read, and the progress bookkeeping. */
typedef struct {
    const W2vOptions *o;
    Docs docs;
    SigTable sig;
    Noise noise;
    float *keep;
    int64_t *counts;
    long total, all_words, next_report, last_pairs;
    double last_loss;
    W2vProgress progress;
    void *ctx;
} W2vRun;

/* Calls progress every PROGRESS_WORDS words and at the end; 1 when asked to stop. */
static int report(W2vRun *r, long done, int last, double loss, long pairs) {
    if (done < r->next_report && !last) return 0;
    r->next_report = done + PROGRESS_WORDS;
    double mean = pairs > r->last_pairs ? (loss - r->last_loss) / (double)(pairs - r->last_pairs) : 0;
    r->last_loss = loss;
    r->last_pairs = pairs;
    return r->progress && r->progress(r->ctx, done, r->all_words, mean) ? 1 : 0;
}

static int train_sequential(W2vRun *r, W2v *w) {
    const int E = r->o->epochs;
    for (int e = 0; e < E; e++)
        for (int i = 0; i < r->docs.n; i++) {
            long done = e * r->total + r->docs.before[i + 1];
            train_doc(w, r->docs.tok[i], r->docs.len[i], lr_at(r->o, done, r->all_words));
            if (report(r, done, e == E - 1 && i == r->docs.n - 1, w->loss, w->pairs)) return 1;
        }
    return 0;
}

/* ---- shards --------------------------------------------------------------- */

typedef struct {
    W2vRun *r;
    W2v *sh;
    float *in, *out;  /* the merged tables */
    const int *bound; /* reviews of chunk k: bound[k] .. bound[k + 1] - 1 */
    int round, epoch;
} Round;

/* Chunk boundaries: every pass is cut into rounds of about sync_words words
 * per shard, each round into one chunk per shard; fixed by the corpus and the
 * options alone. Returns the chunk count per pass. */
static int *chunk_bounds(const W2vRun *r, int *chunks) {
    const int S = r->o->shards;
    long per_round = (long)S * (r->o->sync_words > 0 ? r->o->sync_words : 1);
    long rounds = (r->total + per_round - 1) / per_round;
    *chunks = S * (int)(rounds > 0 ? rounds : 1);
    int *bound = malloc(sizeof(int) * (size_t)(*chunks + 1));
    if (!bound) return NULL;
    int g = 0;
    for (int k = 0; k < *chunks; k++) {
        long start = (long)((double)r->total * k / *chunks);
        while (g < r->docs.n && r->docs.before[g] < start) g++;
        bound[k] = g;
    }
    bound[*chunks] = r->docs.n;
    return bound;
}

static void train_shards(void *p, int s0, int s1) {
    const Round *c = p;
    const W2vRun *r = c->r;
    for (int s = s0; s < s1; s++) {
        int k = c->round * r->o->shards + s;
        for (int i = c->bound[k]; i < c->bound[k + 1]; i++) {
            long done = c->epoch * r->total + r->docs.before[i + 1];
            train_doc(&c->sh[s], r->docs.tok[i], r->docs.len[i], lr_at(r->o, done, r->all_words));
        }
    }
}

/* Row v of one table: the merged row plus the mean change of the shards that
 * touched it, summed in shard order; every copy starts the next round from it. */
static void merge_row(float *base, W2v *sh, int S, int which, int v, int D) {
    int any = 0;
    for (int s = 0; s < S; s++) any += which ? sh[s].used_out[v] : sh[s].used_in[v];
    if (!any) return;
    size_t off = (size_t)v * D;
    float *b = base + off, scale = 1.0f / (float)any;
    for (int i = 0; i < D; i++) {
        float x = 0;
        for (int s = 0; s < S; s++) x += (which ? sh[s].out : sh[s].in)[off + i] - b[i];
        b[i] += x * scale;
    }
    for (int s = 0; s < S; s++) {
        memcpy((which ? sh[s].out : sh[s].in) + off, b, sizeof(float) * (size_t)D);
        if (which) sh[s].used_out[v] = 0;
        else sh[s].used_in[v] = 0;
    }
}

static void merge_rows(void *p, int b0, int b1) {
    const Round *c = p;
    const int V = c->sh[0].vocab_n, D = c->r->o->dim, S = c->r->o->shards;
    for (int v = b0 * MERGE_ROWS; v < b1 * MERGE_ROWS && v < V; v++) {
        merge_row(c->in, c->sh, S, 0, v, D);
        merge_row(c->out, c->sh, S, 1, v, D);
    }
}

static int train_sharded(W2vRun *r, W2v *sh, float *in, float *out) {
    const int S = r->o->shards, E = r->o->epochs, V = sh[0].vocab_n;
    if (r->docs.n == 0) return 0; /* nothing to read, nothing to report (as with one shard) */
    int chunks, rc = 0;
    int *bound = chunk_bounds(r, &chunks);
    if (!bound) return -1;
    Round c = {.r = r, .sh = sh, .in = in, .out = out, .bound = bound};
    for (int e = 0; e < E && !rc; e++)
        for (int round = 0; round < chunks / S && !rc; round++) {
            c.epoch = e;
            c.round = round;
            parallel_for(S, train_shards, &c);
            parallel_for((V + MERGE_ROWS - 1) / MERGE_ROWS, merge_rows, &c);
            double loss = 0;
            long pairs = 0;
            for (int s = 0; s < S; s++) loss += sh[s].loss, pairs += sh[s].pairs;
            long done = e * r->total + r->docs.before[bound[(round + 1) * S]];
            rc = report(r, done, e == E - 1 && round == chunks / S - 1, loss, pairs);
        }
    free(bound);
    return rc;
}

/* ---- setup ---------------------------------------------------------------- */

static void trainer_free(W2v *w, int own_tables) {
    if (own_tables) free(w->in), free(w->out);
    free(w->grad);
    free(w->used_in);
    free(w->used_out);
    free(w->sent);
}

/* A trainer over copies of in/out (or over in/out themselves when copy is 0). */
static int trainer_init(W2v *w, W2vRun *r, int vocab_n, float *in, float *out, int copy) {
    const size_t n = (size_t)vocab_n * r->o->dim;
    *w = (W2v){.o = r->o, .sig = &r->sig, .noise = &r->noise, .keep = r->keep, .vocab_n = vocab_n, .in = in, .out = out};
    if (copy) {
        w->in = malloc(sizeof(float) * n);
        w->out = malloc(sizeof(float) * n);
        if (w->in) memcpy(w->in, in, sizeof(float) * n);
        if (w->out) memcpy(w->out, out, sizeof(float) * n);
    }
    w->grad = malloc(sizeof(float) * (size_t)r->o->dim);
    w->used_in = calloc((size_t)vocab_n, 1);
    w->used_out = calloc((size_t)vocab_n, 1);
    w->sent = malloc(sizeof(int32_t) * (size_t)r->docs.longest);
    return w->in && w->out && w->grad && w->used_in && w->used_out && w->sent ? 0 : -1;
}

static int train_all(W2vRun *r, int vocab_n, float *vectors, float *out, Rng *rng) {
    const int S = r->o->shards;
    if (S == 1) {
        W2v w;
        int rc = trainer_init(&w, r, vocab_n, vectors, out, 0);
        w.rng = *rng; /* the one stream continues: one shard is the trainer sentui always had */
        if (!rc) rc = train_sequential(r, &w);
        trainer_free(&w, 0);
        return rc;
    }
    W2v *sh = calloc((size_t)S, sizeof *sh);
    int rc = sh ? 0 : -1;
    for (int s = 0; s < S && !rc; s++) {
        rc = trainer_init(&sh[s], r, vocab_n, vectors, out, 1);
        rng_seed(&sh[s].rng, rng_next(rng));
    }
    if (!rc) rc = train_sharded(r, sh, vectors, out);
    for (int s = 0; sh && s < S; s++) trainer_free(&sh[s], 1);
    free(sh);
    return rc;
}

int w2v_train(const Split *const *splits, int nsplits, int vocab_n, const W2vOptions *o, float *vectors,
              W2vProgress progress, void *ctx) {
    const int D = o->dim;
    if (D < 1 || o->negatives < 0 || o->negatives > MAX_NEGATIVES || o->window < 1 || o->epochs < 1 ||
        o->shards < 1 || o->shards > W2V_MAX_SHARDS)
        return -1;
    W2vRun r = {.o = o, .progress = progress, .ctx = ctx, .next_report = PROGRESS_WORDS};
    int rc = -1;
    r.counts = count_words(splits, nsplits, vocab_n, &r.docs);
    r.keep = malloc(sizeof(float) * (size_t)vocab_n);
    float *out = calloc((size_t)vocab_n * D, sizeof(float));
    if (!r.counts || !r.keep || !out || noise_init(&r.noise, r.counts, vocab_n)) goto done;
    r.total = r.docs.before[r.docs.n];
    r.all_words = r.total * o->epochs;

    sig_table_init(&r.sig);
    /* word2vec's subsampling: a word of frequency f is kept with probability
     * (sqrt(f / sample) + 1) * sample / f, so "the" and "a" stop dominating. */
    for (int v = 0; v < vocab_n; v++) {
        double f = r.total ? (double)r.counts[v] / (double)r.total : 0;
        r.keep[v] = f > 0 ? (float)fmin(1.0, (sqrt(f / o->sample) + 1) * o->sample / f) : 1.0f;
    }
    Rng rng;
    rng_seed(&rng, o->seed);
    for (size_t i = 0; i < (size_t)vocab_n * D; i++) vectors[i] = (rng_uniform(&rng) - 0.5f) / (float)D;
    rc = train_all(&r, vocab_n, vectors, out, &rng);
done:
    free(r.counts);
    free(r.keep);
    free(r.noise.prob);
    free(r.noise.alias);
    free(r.docs.tok);
    free(r.docs.len);
    free(r.docs.before);
    free(out);
    return rc;
}
