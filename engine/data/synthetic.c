/* A generated sentiment task whose label a simple rule decides, so tests and
 * demos can train without IMDb. Each review is text (sentences, capitals,
 * commas, <br /> tags, a contraction now and then) made of Zipf-distributed
 * neutral words and a few cue words; the label is whether positive cues
 * outnumber negative ones. Cues are spread over the whole review, one in each
 * stretch of about twelve words, so the last cue sits near the end: a recurrent
 * model reading the state at the true last token learns the task, while one
 * that reads past the padding has to carry it through the pad steps. Lengths
 * are log-normal (median ~40 words, a tail past 300), so truncation at
 * data.max_len matters. The text goes through the same tokenizer, vocabulary
 * and encoding as IMDb. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/data_internal.h"
#include "kernels/tensor.h"

static const char *const POSITIVE[] = {"good",      "great",     "excellent", "wonderful", "superb",  "brilliant",
                                       "loved",     "enjoyable", "beautiful", "fantastic", "perfect", "moving"};
static const char *const NEGATIVE[] = {"bad",  "awful", "terrible", "boring", "worst",    "dull",
                                       "poor", "hated", "waste",    "mess",   "horrible", "stupid"};
#define N_CUES 12

static const char *const COMMON[] = {"the",   "a",     "and",   "of",    "to",     "is",    "it",    "this",
                                     "in",    "that",  "was",   "movie", "film",   "with",  "for",   "as",
                                     "but",   "on",    "his",   "story", "plot",   "scene", "actor", "one",
                                     "don't", "there", "about", "from",  "camera", "music", "ending"};
#define N_COMMON ((int)(sizeof COMMON / sizeof *COMMON))

static const char *const SYLLABLES[] = {"ka", "lo", "mi", "ren", "ta", "vo", "si", "dur", "pe",
                                        "nu", "gal", "fi", "ber", "zo", "hu", "ly", "cam", "tre"};
#define N_SYL 18
#define N_NEUTRAL (N_COMMON + N_SYL * N_SYL)

/* Neutral word of rank k: common words first, then two-syllable inventions. */
static void neutral_word(int k, char *buf, size_t n) {
    if (k < N_COMMON)
        snprintf(buf, n, "%s", COMMON[k]);
    else
        snprintf(buf, n, "%s%s", SYLLABLES[(k - N_COMMON) % N_SYL], SYLLABLES[(k - N_COMMON) / N_SYL]);
}

typedef struct {
    double cdf[N_NEUTRAL];
} Zipf;

static void zipf_init(Zipf *z) {
    double s = 0;
    for (int k = 0; k < N_NEUTRAL; k++) z->cdf[k] = (s += 1.0 / (k + 1));
    for (int k = 0; k < N_NEUTRAL; k++) z->cdf[k] /= s;
}

static int zipf_draw(const Zipf *z, Rng *r) {
    double u = rng_uniform(r);
    int lo = 0, hi = N_NEUTRAL - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (z->cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct {
    int pos, neg;
} CueCount;

static void count_cue(void *ctx, const char *w, size_t len) {
    CueCount *c = ctx;
    for (int k = 0; k < N_CUES; k++) {
        if (strlen(POSITIVE[k]) == len && !memcmp(POSITIVE[k], w, len)) c->pos++;
        if (strlen(NEGATIVE[k]) == len && !memcmp(NEGATIVE[k], w, len)) c->neg++;
    }
}

int synthetic_rule(const char *text, size_t len) {
    CueCount c = {0, 0};
    tokenize(text, len, count_cue, &c);
    return c.pos > c.neg ? 1 : c.neg > c.pos ? 0 : -1;
}

#define MAX_WORDS 1000

/* One review with the given label; appended to the corpus. */
static int generate_review(RawCorpus *c, const Zipf *z, Rng *r, int split, int id, int label) {
    int L = 5 + (int)(35.0 * exp(0.9 * rng_normal(r)));
    if (L > MAX_WORDS) L = MAX_WORDS;
    int k = 1 + L / 12;
    /* cue j sits in stretch j of the review; polarity agrees with the label 80% of the time */
    int cue_at[MAX_WORDS / 12 + 2], cue_pol[MAX_WORDS / 12 + 2], agree = 0;
    for (int j = 0; j < k; j++) {
        int from = j * L / k, to = (j + 1) * L / k; /* k <= L: every stretch holds a word */
        cue_at[j] = from + (int)rng_below(r, (uint32_t)(to - from));
        cue_pol[j] = rng_uniform(r) < 0.8f ? label : 1 - label;
        agree += cue_pol[j] == label;
    }
    while (agree * 2 <= k) { /* the rule must give the intended label */
        int j = (int)rng_below(r, (uint32_t)k);
        if (cue_pol[j] != label) cue_pol[j] = label, agree++;
    }
    char *dst = raw_corpus_reserve(c, (size_t)L * 32 + 64, 0);
    if (!dst) return -1;
    size_t n = 0;
    int next_cue = 0, sentence_left = 0, sentences = 0;
    for (int i = 0; i < L; i++) {
        char word[32];
        if (next_cue < k && cue_at[next_cue] == i) {
            snprintf(word, sizeof word, "%s", (cue_pol[next_cue] ? POSITIVE : NEGATIVE)[rng_below(r, N_CUES)]);
            next_cue++;
        } else {
            neutral_word(zipf_draw(z, r), word, sizeof word);
        }
        if (sentence_left == 0) {
            if (i > 0) {
                n += (size_t)sprintf(dst + n, ".");
                if (++sentences % 4 == 0 && rng_uniform(r) < 0.5f) n += (size_t)sprintf(dst + n, "<br /><br />");
            }
            sentence_left = 6 + (int)rng_below(r, 11);
            if (word[0] >= 'a' && word[0] <= 'z') word[0] = (char)(word[0] - 32);
        } else if (rng_uniform(r) < 0.06f) {
            n += (size_t)sprintf(dst + n, ",");
        }
        sentence_left--;
        n += (size_t)sprintf(dst + n, "%s%s", i ? " " : "", word);
    }
    n += (size_t)sprintf(dst + n, ".");
    return raw_corpus_commit(c, split, label, id, 0, n);
}

int synthetic_generate(const Config *cfg, RawCorpus *c) {
    Zipf z;
    zipf_init(&z);
    int per_split = cfg->data_synthetic_size > 0 ? cfg->data_synthetic_size : 1;
    for (int split = RAW_TRAIN; split <= RAW_TEST; split++) {
        Rng r;
        rng_seed(&r, (uint64_t)cfg->train_seed * 0x9e3779b97f4a7c15ull + 0x5eed0000u + (uint64_t)split);
        for (int i = 0; i < per_split; i++)
            if (generate_review(c, &z, &r, split, i, i % 2)) return -1;
    }
    return 0;
}
