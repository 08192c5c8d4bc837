/* Skip-gram with negative sampling, as in the original word2vec tool: for each
 * kept word, each context word within a randomly shrunk window predicts it
 * against `negatives` noise words; frequent words are subsampled. One thread,
 * so the vectors depend on the seed alone (the Hogwild updates of word2vec's
 * threads would make them vary from run to run). */
#include "models/word2vec.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/tensor.h"

enum { SIG_STEPS = 2048, PROGRESS_WORDS = 200000 };
#define SIG_MAX 6.0f

W2vOptions w2v_defaults(int dim, int epochs, int window, uint64_t seed) {
    return (W2vOptions){.dim = dim, .epochs = epochs, .window = window, .negatives = 5, .sample = 1e-4, .lr = 0.025,
                        .seed = seed};
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

typedef struct {
    const W2vOptions *o;
    SigTable sig;
    float *in, *out, *grad;
    Noise noise;
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
        /* the rows are scattered over tens of megabytes: ask for them all
         * before the first one is needed */
        for (int k = 1; k <= K; k++) {
            target[k] = noise_draw(&w->noise, &w->rng);
            prefetch_row(w->out + (size_t)target[k] * D, D);
        }
        float loss = 0;
        memset(w->grad, 0, sizeof(float) * (size_t)D);
        for (int k = 0; k <= K; k++) {
            if (k > 0 && target[k] == word) continue;
            float *l2 = w->out + (size_t)target[k] * D;
            float g = pair_step(&w->sig, dot(l1, l2, D), k == 0, &loss) * (float)w->lr_now;
            axpy(w->grad, g, l2, D);
            axpy(l2, g, l1, D);
        }
        axpy(l1, 1.0f, w->grad, D);
        w->loss += loss;
        w->pairs++;
    }
}

static int64_t *count_words(const Split *const *splits, int nsplits, int vocab_n, long *total, int *longest) {
    int64_t *counts = calloc((size_t)vocab_n, sizeof *counts);
    if (!counts) return NULL;
    *total = 0;
    *longest = 1;
    for (int s = 0; s < nsplits; s++) {
        const Split *sp = splits[s];
        if (sp->T > *longest) *longest = sp->T;
        for (int i = 0; i < sp->n; i++)
            for (int t = 0; t < sp->lengths[i]; t++) {
                int id = sp->tokens[(size_t)i * sp->T + t];
                if (id > TOK_UNK && id < vocab_n) counts[id]++, (*total)++;
            }
    }
    return counts;
}

int w2v_train(const Split *const *splits, int nsplits, int vocab_n, const W2vOptions *o, float *vectors,
              W2vProgress progress, void *ctx) {
    const int D = o->dim;
    if (D < 1 || o->negatives < 0 || o->negatives > MAX_NEGATIVES || o->window < 1 || o->epochs < 1) return -1;
    long total = 0;
    int longest = 1, rc = -1;
    int64_t *counts = count_words(splits, nsplits, vocab_n, &total, &longest);
    W2v w = {.o = o, .in = vectors};
    float *keep = malloc(sizeof(float) * (size_t)vocab_n);
    int32_t *sent = malloc(sizeof(int32_t) * (size_t)longest);
    w.out = calloc((size_t)vocab_n * D, sizeof(float));
    w.grad = malloc(sizeof(float) * (size_t)D);
    if (!counts || !keep || !sent || !w.out || !w.grad || noise_init(&w.noise, counts, vocab_n)) goto done;

    sig_table_init(&w.sig);
    /* word2vec's subsampling: a word of frequency f is kept with probability
     * (sqrt(f / sample) + 1) * sample / f, so "the" and "a" stop dominating. */
    for (int v = 0; v < vocab_n; v++) {
        double f = total ? (double)counts[v] / (double)total : 0;
        keep[v] = f > 0 ? (float)fmin(1.0, (sqrt(f / o->sample) + 1) * o->sample / f) : 1.0f;
    }
    rng_seed(&w.rng, o->seed);
    for (size_t i = 0; i < (size_t)vocab_n * D; i++) vectors[i] = (rng_uniform(&w.rng) - 0.5f) / (float)D;

    long done_words = 0, all_words = total * o->epochs, next_report = PROGRESS_WORDS;
    double last_loss = 0;
    long last_pairs = 0;
    rc = 0;
    for (int e = 0; e < o->epochs && rc == 0; e++)
        for (int s = 0; s < nsplits && rc == 0; s++) {
            const Split *sp = splits[s];
            for (int i = 0; i < sp->n && rc == 0; i++) {
                const int32_t *tok = sp->tokens + (size_t)i * sp->T;
                int n = 0;
                for (int t = 0; t < sp->lengths[i]; t++) {
                    int id = tok[t];
                    if (id <= TOK_UNK || id >= vocab_n) continue;
                    done_words++;
                    if (keep[id] < 1.0f && rng_uniform(&w.rng) > keep[id]) continue;
                    sent[n++] = id;
                }
                w.lr_now = o->lr * fmax(1e-4, 1.0 - (double)done_words / (double)(all_words + 1));
                for (int pos = 0; pos < n; pos++) train_word(&w, sent, n, pos);
                if (done_words >= next_report || (e == o->epochs - 1 && s == nsplits - 1 && i == sp->n - 1)) {
                    next_report = done_words + PROGRESS_WORDS;
                    double mean = w.pairs > last_pairs ? (w.loss - last_loss) / (double)(w.pairs - last_pairs) : 0;
                    last_loss = w.loss;
                    last_pairs = w.pairs;
                    if (progress && progress(ctx, done_words, all_words, mean)) rc = 1;
                }
            }
        }
done:
    free(counts);
    free(keep);
    free(w.noise.prob);
    free(w.noise.alias);
    free(sent);
    free(w.out);
    free(w.grad);
    return rc;
}
