/* The batcher (run/batcher.h): an epoch's order is a permutation of the
 * training split cut into batches, fixed by (seed, epoch) alone; the
 * evaluation loop gives the metrics the loop it replaced gave, on a small
 * model over the generated task; the vocabulary comparison. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "run/batcher.h"

/* n reviews of random lengths 1..T (tokens are the review's index). */
static Split make_split(int n, int T, unsigned seed) {
    Split s;
    memset(&s, 0, sizeof s);
    s.n = n;
    s.T = T;
    s.tokens = calloc((size_t)n * T, sizeof *s.tokens);
    s.lengths = calloc((size_t)n, sizeof *s.lengths);
    s.labels = calloc((size_t)n, sizeof *s.labels);
    assert_true(s.tokens && s.lengths && s.labels);
    for (int i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        s.lengths[i] = 1 + (int)((seed >> 8) % (unsigned)T);
        s.labels[i] = i % 2;
        for (int t = 0; t < s.lengths[i]; t++) s.tokens[(size_t)i * T + t] = i;
    }
    return s;
}

static void free_split(Split *s) {
    free(s->tokens);
    free(s->lengths);
    free(s->labels);
}

static void check_permutation(const EpochOrder *o) {
    char *seen = calloc((size_t)o->n, 1);
    assert_non_null(seen);
    for (int i = 0; i < o->n; i++) {
        assert_true(o->order[i] >= 0 && o->order[i] < o->n);
        assert_false(seen[o->order[i]]);
        seen[o->order[i]] = 1;
    }
    free(seen);
    assert_int_equal(o->batch_start[0], 0);
    assert_int_equal(o->batch_start[o->n_batches], o->n);
    for (int k = 0; k < o->n_batches; k++) {
        int size = o->batch_start[k + 1] - o->batch_start[k];
        assert_true(size >= 1 && size <= o->batch_size);
    }
}

static void test_epoch_order(void **state) {
    (void)state;
    Split s = make_split(1000, 40, 7);
    EpochOrder a, b;
    /* 1000 reviews of 16: full batches, and a chunk of BUCKET_BATCHES cut short at the end. */
    assert_int_equal(epoch_order_init(&a, s.n, 16), 0);
    assert_int_equal(epoch_order_init(&b, s.n, 16), 0);
    assert_int_equal(a.n_batches, 63);
    epoch_order_make(&a, &s, 42, 3);
    check_permutation(&a);
    epoch_order_make(&b, &s, 42, 3);
    assert_memory_equal(a.order, b.order, (size_t)s.n * sizeof *a.order);
    assert_memory_equal(a.batch_start, b.batch_start, ((size_t)a.n_batches + 1) * sizeof *a.batch_start);
    epoch_order_make(&b, &s, 42, 4);
    check_permutation(&b);
    assert_true(memcmp(a.order, b.order, (size_t)s.n * sizeof *a.order) != 0);
    epoch_order_make(&b, &s, 43, 3);
    assert_true(memcmp(a.order, b.order, (size_t)s.n * sizeof *a.order) != 0);
    /* Inside a batch, reviews come from one length bucket: sorted by length. */
    for (int k = 0; k < a.n_batches; k++)
        for (int i = a.batch_start[k] + 1; i < a.batch_start[k + 1]; i++)
            assert_true(s.lengths[a.order[i - 1]] <= s.lengths[a.order[i]]);
    epoch_order_free(&a);
    epoch_order_free(&b);
    free_split(&s);
}

static void test_gather(void **state) {
    (void)state;
    Split s = make_split(50, 30, 11);
    Batcher b;
    assert_int_equal(batcher_init(&b, 8, 30, 0), 0);
    int32_t idx[3] = {4, 17, 33};
    Batch x = batcher_gather(&b, &s, idx, 3);
    int longest = 0;
    for (int i = 0; i < 3; i++)
        if (s.lengths[idx[i]] > longest) longest = s.lengths[idx[i]];
    assert_int_equal(x.B, 3);
    assert_int_equal(x.T, longest); /* cut to the longest review */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(x.lengths[i], s.lengths[idx[i]]);
        assert_int_equal(x.labels[i], s.labels[idx[i]]);
        assert_int_equal(x.tokens[(size_t)i * x.T], idx[i]);
    }
    batcher_free(&b);
    assert_int_equal(batcher_init(&b, 8, 30, 1), 0);
    x = batcher_gather(&b, &s, idx, 3);
    assert_int_equal(x.T, 30); /* model.lab_compat: the split's whole width */
    batcher_free(&b);
    free_split(&s);
}

/* The evaluation loop as the trainer and `eval` each wrote it before the batcher. */
static void reference_evaluate(Model *m, const Split *s, const int32_t *order, int bs, int lab_compat, Metrics *out) {
    int32_t *tok = malloc((size_t)bs * s->T * sizeof *tok), *len = malloc((size_t)bs * sizeof *len),
            *lab = malloc((size_t)bs * sizeof *lab), *pred = malloc((size_t)bs * sizeof *pred);
    metrics_clear(out);
    double loss = 0;
    for (int at = 0; at < s->n; at += bs) {
        int B = s->n - at < bs ? s->n - at : bs, T = 1;
        for (int i = 0; i < B; i++)
            if (s->lengths[order[at + i]] > T) T = s->lengths[order[at + i]];
        if (T > s->T || lab_compat) T = s->T;
        for (int i = 0; i < B; i++) {
            int k = order[at + i];
            memcpy(tok + (size_t)i * T, s->tokens + (size_t)k * s->T, (size_t)T * sizeof *tok);
            len[i] = s->lengths[k] < T ? s->lengths[k] : T;
            lab[i] = s->labels[k];
        }
        Batch b = {tok, len, lab, B, T};
        loss += (double)model_forward(m, &b, 0) * B;
        for (int i = 0; i < B; i++) pred[i] = m->probs[i * NUM_CLASSES + 1] > m->probs[i * NUM_CLASSES];
        metrics_add(out, lab, pred, B);
    }
    metrics_finish(out);
    out->loss = s->n ? loss / s->n : 0;
    free(tok);
    free(len);
    free(lab);
    free(pred);
}

static void eval_matches_(const char *arch, int lab_compat) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    char path[1024], err[512] = "";
    snprintf(path, sizeof path, "%s/configs/synthetic/%s.yaml", root ? root : ".", arch);
    Config c;
    ConfigErrors e = {0};
    config_defaults(&c);
    if (config_load_file(&c, path, &e) != 0) fail_msg("cannot load %s", path);
    config_errors_free(&e);
    config_set_or_fail(&c, "data.cache=false");
    config_set_or_fail(&c, "data.synthetic_size=300");
    config_set_or_fail(&c, "data.max_len=40");
    if (lab_compat) config_set_or_fail(&c, "model.lab_compat=true");
    Dataset d;
    if (dataset_load(&c, NULL, &d, err, sizeof err) != 0) fail_msg("dataset: %s", err);
    int bs = 32;
    Model *m = model_create(&c, d.vocab.n, bs, d.val.T, err, sizeof err);
    if (!m) fail_msg("model: %s", err);
    model_init(m, 5);
    Batcher b;
    assert_int_equal(batcher_init(&b, bs, d.val.T, c.model_lab_compat), 0);
    int32_t *order = batcher_sorted_order(&d.val);
    assert_non_null(order);
    Metrics got, want;
    batcher_evaluate(&b, m, &d.val, order, d.val.n, bs, &got);
    reference_evaluate(m, &d.val, order, bs, c.model_lab_compat, &want);
    assert_memory_equal(got.confusion, want.confusion, sizeof got.confusion);
    assert_int_equal(got.n, want.n);
    assert_true(got.accuracy == want.accuracy && got.f1 == want.f1 && got.f1_macro == want.f1_macro);
    assert_true(got.loss == want.loss);
    assert_true(got.n == d.val.n && isfinite(got.loss) && got.loss > 0);
    free(order);
    batcher_free(&b);
    model_free(m);
    dataset_free(&d);
    config_free(&c);
}

static void test_eval_matches_lstm(void **state) {
    (void)state;
    eval_matches_("lstm", 0);
}

static void test_eval_matches_transformer_lab(void **state) {
    (void)state;
    eval_matches_("transformer", 1);
}

static void test_vocab_same(void **state) {
    (void)state;
    char *w1[] = {"<PAD>", "<UNK>", "good"}, *w2[] = {"<PAD>", "<UNK>", "bad"};
    Vocab a = {.words = w1, .n = 3}, b = {.words = w1, .n = 3}, c = {.words = w2, .n = 3}, d = {.words = w1, .n = 2};
    assert_true(vocab_same(&a, &b));
    assert_false(vocab_same(&a, &c));
    assert_false(vocab_same(&a, &d));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_order),       cmocka_unit_test(test_gather),
        cmocka_unit_test(test_eval_matches_lstm), cmocka_unit_test(test_eval_matches_transformer_lab),
        cmocka_unit_test(test_vocab_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
