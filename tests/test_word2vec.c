/* word2vec: words that share contexts end up close (as close with shards as
 * without), the vectors depend on the seed and shard count alone whatever the
 * threads' timing, a stop request is honoured, and model.pretrain's cache is used
 * when valid and relearnt when not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data/data.h"
#include "models/pretrain.h"
#include "kernels/tensor.h"
#include "models/word2vec.h"

enum { GROUP = 10, VOCAB = 2 + 2 * GROUP, DOCS = 300, LEN = 40, DIM = 16 };

/* Two topics: a review draws all its words from one group of ten (ids 2-11 or
 * 12-21), with some <UNK> and padding the trainer must skip. */
static void make_split(Split *s, int n, uint64_t seed) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->T = LEN + 8;
    s->tokens = calloc((size_t)n * s->T, sizeof *s->tokens);
    s->lengths = calloc((size_t)n, sizeof *s->lengths);
    s->full_lengths = calloc((size_t)n, sizeof *s->full_lengths);
    s->labels = calloc((size_t)n, sizeof *s->labels);
    s->ratings = calloc((size_t)n, sizeof *s->ratings);
    Rng r;
    rng_seed(&r, seed);
    for (int i = 0; i < n; i++) {
        int base = 2 + (i % 2) * GROUP;
        for (int t = 0; t < LEN; t++)
            s->tokens[(size_t)i * s->T + t] = t % 13 == 5 ? TOK_UNK : base + (int)rng_below(&r, GROUP);
        s->lengths[i] = s->full_lengths[i] = LEN;
        s->labels[i] = -1;
    }
}

static double cosine(const float *a, const float *b) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < DIM; i++) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return ab / sqrt(aa * bb + 1e-30);
}

static W2vOptions small_options(uint64_t seed) {
    W2vOptions o = w2v_defaults(DIM, 4, 3, seed);
    o.sample = 0.5; /* 20 equally frequent words: no subsampling */
    return o;
}

/* Mean cosine within a topic minus across topics; *misplaced counts the words
 * whose nearest neighbour is in the other topic. */
static double topic_margin(const float *v, int *misplaced) {
    *misplaced = 0;
    for (int a = 2; a < VOCAB; a++) {
        int best = -1;
        double best_c = -2;
        for (int b = 2; b < VOCAB; b++) {
            double c = b == a ? -2 : cosine(v + a * DIM, v + b * DIM);
            if (c > best_c) best_c = c, best = b;
        }
        *misplaced += (a - 2) / GROUP != (best - 2) / GROUP;
    }
    double same = 0, other = 0;
    int n_same = 0, n_other = 0;
    for (int a = 2; a < VOCAB; a++)
        for (int b = a + 1; b < VOCAB; b++) {
            double c = cosine(v + a * DIM, v + b * DIM);
            if ((a - 2) / GROUP == (b - 2) / GROUP) same += c, n_same++;
            else other += c, n_other++;
        }
    return same / n_same - other / n_other;
}

static void test_topics_separate(void **state) {
    (void)state;
    Split s;
    make_split(&s, DOCS, 3);
    const Split *corpus[1] = {&s};
    W2vOptions o = small_options(11);
    float *v = malloc(sizeof(float) * VOCAB * DIM);
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, v, NULL, NULL), 0);
    int misplaced;
    double margin = topic_margin(v, &misplaced);
    if (!(margin > 0.5)) fail_msg("mean cosine within a topic exceeds that across topics by %.3f only", margin);
    assert_int_equal(misplaced, 0);
    free(v);
    split_free(&s);
}

typedef struct {
    int calls;
    long last_done, total;
    double first_loss, last_loss;
    int stop_after;
} Progress;

static int on_progress(void *ctx, long done, long total, double loss) {
    Progress *p = ctx;
    assert_true(done > p->last_done && done <= total);
    if (!p->calls) p->first_loss = loss;
    p->last_loss = loss;
    p->calls++;
    p->last_done = done;
    p->total = total;
    return p->stop_after && p->calls >= p->stop_after;
}

static void test_deterministic_and_stoppable(void **state) {
    (void)state;
    Split big;
    make_split(&big, 8000, 5); /* enough words for several progress reports */
    const Split *corpus[1] = {&big};
    W2vOptions o = small_options(21);
    o.epochs = 2;
    float *a = malloc(sizeof(float) * VOCAB * DIM), *b = malloc(sizeof(float) * VOCAB * DIM);
    Progress p = {0};
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, a, on_progress, &p), 0);
    assert_true(p.calls >= 3);
    assert_int_equal(p.last_done, p.total); /* the last report is the end */
    assert_int_equal(p.total, 2L * 8000 * (LEN - 3)); /* <UNK> at t = 5, 18, 31 is not a word */
    assert_true(p.last_loss < p.first_loss);          /* it learns */
    /* same seed, same vectors, whatever the compute thread count */
    compute_set_threads(1);
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, NULL, NULL), 0);
    compute_set_threads(0);
    assert_memory_equal(a, b, sizeof(float) * VOCAB * DIM);
    o.seed = 22;
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, NULL, NULL), 0);
    assert_true(memcmp(a, b, sizeof(float) * VOCAB * DIM) != 0);
    /* a stop request ends it early */
    Progress q = {.stop_after = 2};
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, on_progress, &q), 1);
    assert_int_equal(q.calls, 2);
    free(a);
    free(b);
    split_free(&big);
}

/* Shards learn from stale copies between merges: the topics must come out as
 * clearly as from one sequential trainer, merging every 2000 words or only
 * once a pass (the whole pass is 11k words). */
static void test_shards_learn_as_well(void **state) {
    (void)state;
    Split s;
    make_split(&s, DOCS, 3);
    const Split *corpus[1] = {&s};
    float *v = malloc(sizeof(float) * VOCAB * DIM);
    double base = 0;
    for (uint64_t seed = 11; seed < 14; seed++) {
        W2vOptions o = small_options(seed);
        int misplaced;
        assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, v, NULL, NULL), 0);
        base += topic_margin(v, &misplaced) / 3;
    }
    const long syncs[] = {2000, 1L << 17};
    for (int shards = 2; shards <= 4; shards += 2)
        for (int k = 0; k < 2; k++) {
            double margin = 0;
            for (uint64_t seed = 11; seed < 14; seed++) {
                W2vOptions o = small_options(seed);
                o.shards = shards;
                o.sync_words = syncs[k];
                int misplaced;
                assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, v, NULL, NULL), 0);
                margin += topic_margin(v, &misplaced) / 3;
                assert_int_equal(misplaced, 0);
            }
            print_message("shards %d, merge every %ld words: topic margin %.3f (one trainer %.3f)\n", shards,
                          syncs[k], margin, base);
            if (!(margin > 0.95 * base))
                fail_msg("%d shards merging every %ld words: margin %.3f, one trainer %.3f", shards, syncs[k], margin,
                         base);
        }
    free(v);
    split_free(&s);
}

/* Shards run on the compute threads at once; were they to touch shared rows
 * while training, thread timing would change the result now and then. Many
 * merges (one per 500 words a shard) and repeated runs give a race its chance. */
static void test_shards_deterministic(void **state) {
    (void)state;
    Split big;
    make_split(&big, 3000, 5);
    const Split *corpus[1] = {&big};
    const size_t bytes = sizeof(float) * VOCAB * DIM;
    float *a = malloc(bytes), *b = malloc(bytes);
    for (int shards = 2; shards <= 3; shards++) {
        W2vOptions o = small_options(21);
        o.shards = shards;
        o.sync_words = 500;
        compute_set_threads(1);
        assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, a, NULL, NULL), 0);
        for (int threads = 2; threads <= 3; threads++) {
            compute_set_threads(threads);
            for (int rep = 0; rep < 4; rep++) {
                assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, NULL, NULL), 0);
                if (memcmp(a, b, bytes)) fail_msg("%d shards on %d threads: run %d differs", shards, threads, rep);
            }
        }
        o.shards = 1; /* and the shard count is part of what the vectors depend on */
        assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, NULL, NULL), 0);
        assert_true(memcmp(a, b, bytes) != 0);
    }
    compute_set_threads(0);
    split_free(&big);
    /* progress and stopping work the same with shards */
    make_split(&big, 8000, 5);
    W2vOptions o = small_options(21);
    o.epochs = 2;
    o.shards = 2;
    o.sync_words = 20000;
    Progress p = {0};
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, a, on_progress, &p), 0);
    assert_true(p.calls >= 3);
    assert_int_equal(p.last_done, p.total);
    assert_true(p.last_loss < p.first_loss);
    Progress q = {.stop_after = 2};
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, on_progress, &q), 1);
    assert_int_equal(q.calls, 2);
    /* an empty corpus: the random start, and no progress to report */
    Split none;
    make_split(&none, 0, 1);
    const Split *empty[1] = {&none};
    for (o.shards = 1; o.shards <= 2; o.shards++) {
        Progress z = {0};
        assert_int_equal(w2v_train(empty, 1, VOCAB, &o, b, on_progress, &z), 0);
        assert_int_equal(z.calls, 0);
    }
    split_free(&none);
    /* bad shard counts are refused */
    o.shards = 0;
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, NULL, NULL), -1);
    o.shards = W2V_MAX_SHARDS + 1;
    assert_int_equal(w2v_train(corpus, 1, VOCAB, &o, b, NULL, NULL), -1);
    free(a);
    free(b);
    split_free(&big);
}

static double spread(const float *x, size_t n) {
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) s += x[i], s2 += (double)x[i] * x[i];
    return sqrt(s2 / n - (s / n) * (s / n));
}

static void pretrain_into(const Config *c, const DataPaths *paths, const Dataset *d, float *table, const float *init,
                          PretrainInfo *info) {
    char err[256] = "";
    memcpy(table, init, sizeof(float) * VOCAB * DIM);
    if (pretrain_embeddings(c, paths, d, table, NULL, NULL, info, err, sizeof err) != 0) fail_msg("%s", err);
}

static void test_pretrain_cache_and_scale(void **state) {
    (void)state;
    char *dir = make_temp_dir("sentui-w2v"), cache[600];
    snprintf(cache, sizeof cache, "%s/vectors", dir); /* made on first use */
    DataPaths paths = {.cache_dir = cache};

    Config c;
    config_defaults(&c);
    c.data_dataset = DATASET_SYNTHETIC;
    c.model_embed_dim = DIM;
    c.model_pretrain = PRETRAIN_WORD2VEC;
    c.model_pretrain_epochs = 2;
    c.model_pretrain_window = 3;
    c.data_cache = 1;
    Dataset d;
    memset(&d, 0, sizeof d);
    for (int w = 0; w < VOCAB; w++) {
        char word[16];
        snprintf(word, sizeof word, "w%d", w);
        vocab_add(&d.vocab, word, strlen(word));
    }
    make_split(&d.train, DOCS, 1);
    make_split(&d.unsup, DOCS, 2);
    make_split(&d.val, 50, 9); /* never read: held-out text stays out of the vectors */

    float init[VOCAB * DIM], t1[VOCAB * DIM], t2[VOCAB * DIM];
    fill_uniform(init, VOCAB * DIM, 5, -1.5f, 1.5f);
    PretrainInfo info;
    pretrain_into(&c, &paths, &d, t1, init, &info);
    assert_int_equal(info.cached, 0);
    assert_int_equal(info.words, 2L * DOCS * LEN);
    /* <PAD> and <UNK> keep their rows; the others take the table's spread */
    assert_memory_equal(t1, init, sizeof(float) * 2 * DIM);
    assert_true(fabs(spread(t1 + 2 * DIM, (VOCAB - 2) * DIM) / spread(init + 2 * DIM, (VOCAB - 2) * DIM) - 1) < 1e-3);
    assert_true(memcmp(t1 + 2 * DIM, init + 2 * DIM, sizeof(float) * (VOCAB - 2) * DIM) != 0);

    /* the second run reads the cache and gets the same table */
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_int_equal(info.cached, 1);
    assert_memory_equal(t1, t2, sizeof t1);

    /* no cache folder given: learnt again, nothing cached */
    pretrain_into(&c, NULL, &d, t2, init, &info);
    assert_int_equal(info.cached, 0);
    assert_memory_equal(t1, t2, sizeof t1);

    /* validation text is not part of the corpus: changing it changes nothing */
    for (int i = 0; i < d.val.n * d.val.T; i++) d.val.tokens[i] = d.val.tokens[i] ? 3 : 0;
    c.data_cache = 0;
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_int_equal(info.cached, 0);
    assert_memory_equal(t1, t2, sizeof t1);
    c.data_cache = 1;

    /* a corrupt cache file is relearnt, to the same vectors */
    char path[700] = "", ls_cmd[700];
    snprintf(ls_cmd, sizeof ls_cmd, "ls '%s'/w2v-*.bin", cache);
    FILE *ls = popen(ls_cmd, "r");
    assert_non_null(ls);
    assert_non_null(fgets(path, sizeof path, ls));
    pclose(ls);
    path[strcspn(path, "\n")] = 0;
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 100, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_int_equal(info.cached, 0);
    assert_memory_equal(t1, t2, sizeof t1);
    assert_int_equal(truncate(path, 40), 0);
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_int_equal(info.cached, 0);
    assert_memory_equal(t1, t2, sizeof t1);

    /* shards: other vectors, cached under their own key, whatever the thread count */
    c.model_pretrain_shards = 2;
    float t3[VOCAB * DIM];
    compute_set_threads(2);
    pretrain_into(&c, &paths, &d, t3, init, &info);
    assert_int_equal(info.cached, 0);
    assert_true(memcmp(t1, t3, sizeof t1) != 0);
    compute_set_threads(1);
    pretrain_into(&c, NULL, &d, t2, init, &info);
    assert_int_equal(info.cached, 0);
    assert_memory_equal(t2, t3, sizeof t3);
    compute_set_threads(0);
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_int_equal(info.cached, 1);
    assert_memory_equal(t2, t3, sizeof t3);
    c.model_pretrain_shards = 1;
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_int_equal(info.cached, 1); /* one shard: the vectors and key of before */
    assert_memory_equal(t1, t2, sizeof t1);

    /* other settings, other vectors */
    c.model_pretrain_window = 2;
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_int_equal(info.cached, 0);
    assert_true(memcmp(t1, t2, sizeof t1) != 0);

    /* no pretraining: the table is left alone */
    c.model_pretrain = PRETRAIN_NONE;
    pretrain_into(&c, &paths, &d, t2, init, &info);
    assert_memory_equal(t2, init, sizeof init);

    dataset_free(&d);
    config_free(&c);
    rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_topics_separate),
        cmocka_unit_test(test_deterministic_and_stoppable),
        cmocka_unit_test(test_shards_learn_as_well),
        cmocka_unit_test(test_shards_deterministic),
        cmocka_unit_test(test_pretrain_cache_and_scale),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
