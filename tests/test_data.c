/* The data pipeline: vocabulary, encoding, splits, the synthetic task, the
 * cache, and reading aclImdb from a folder or from a small .tar.gz the test
 * writes itself with libarchive (the real IMDb archive is never needed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "cli/cli_paths.h"
#include "data/cache_dir.h"
#include "data/data.h"
#include "data/data_internal.h"
#include "kernels/tensor.h"

/* ---- helpers -------------------------------------------------------------- */

static char path_buf[1] = "";

static Config synthetic_config(int size, int max_len) {
    Config c;
    memset(&c, 0, sizeof c);
    c.data_dataset = DATASET_SYNTHETIC;
    c.data_path = path_buf;
    c.data_max_len = max_len;
    c.data_truncate = TRUNC_HEAD;
    c.data_vocab_size = 1000;
    c.data_min_freq = 1;
    c.data_val_fraction = 0.1;
    c.data_limit_train = 0;
    c.data_synthetic_size = size;
    c.data_cache = 0;
    c.train_seed = 7;
    return c;
}

static void assert_splits_equal(const Split *a, const Split *b) {
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->T, b->T);
    assert_memory_equal(a->tokens, b->tokens, sizeof(int32_t) * (size_t)a->n * (size_t)a->T);
    assert_memory_equal(a->lengths, b->lengths, sizeof(int32_t) * (size_t)a->n);
    assert_memory_equal(a->full_lengths, b->full_lengths, sizeof(int32_t) * (size_t)a->n);
    assert_memory_equal(a->labels, b->labels, sizeof(int32_t) * (size_t)a->n);
    assert_memory_equal(a->ratings, b->ratings, sizeof(int32_t) * (size_t)a->n);
}

static void assert_datasets_equal(const Dataset *a, const Dataset *b) {
    assert_int_equal(a->vocab.n, b->vocab.n);
    for (int i = 0; i < a->vocab.n; i++) assert_string_equal(a->vocab.words[i], b->vocab.words[i]);
    assert_splits_equal(&a->train, &b->train);
    assert_splits_equal(&a->val, &b->val);
    assert_splits_equal(&a->test, &b->test);
    assert_int_equal(a->stats.train_tokens, b->stats.train_tokens);
    assert_int_equal(a->stats.train_unk, b->stats.train_unk);
    assert_int_equal(a->stats.test_tokens, b->stats.test_tokens);
    assert_int_equal(a->stats.test_unk, b->stats.test_unk);
    assert_int_equal(a->stats.n_unsup, b->stats.n_unsup);
    assert_int_equal(a->stats.distinct_train_words, b->stats.distinct_train_words);
}

static int count_label(const Split *s, int label) {
    int n = 0;
    for (int i = 0; i < s->n; i++) n += s->labels[i] == label;
    return n;
}

static void write_text(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---- vocabulary ----------------------------------------------------------- */

static void test_vocab_add_lookup(void **state) {
    (void)state;
    Vocab v;
    memset(&v, 0, sizeof v);
    assert_int_equal(vocab_lookup(&v, "x", 1), TOK_UNK);
    assert_int_equal(vocab_add(&v, "<PAD>", 5), 0);
    assert_int_equal(vocab_add(&v, "<UNK>", 5), 1);
    char w[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(w, sizeof w, "w%d", i);
        assert_int_equal(vocab_add(&v, w, strlen(w)), i + 2);
    }
    assert_int_equal(vocab_add(&v, "w17", 3), 19); /* adding again returns the id */
    assert_int_equal(v.n, 5002);
    for (int i = 0; i < 5000; i += 97) {
        snprintf(w, sizeof w, "w%d", i);
        assert_int_equal(vocab_lookup(&v, w, strlen(w)), i + 2);
        assert_string_equal(v.words[i + 2], w);
    }
    assert_int_equal(vocab_lookup(&v, "w5000", 5), TOK_UNK);
    assert_int_equal(vocab_lookup(&v, "w1", 1), TOK_UNK); /* a prefix is another word */
    vocab_free(&v);
}

static void test_vocab_build_order_and_ties(void **state) {
    (void)state;
    const char *words[] = {"pear", "apple", "fig", "kiwi", "date", "lime", "plum"};
    int64_t counts[] = {5, 5, 9, 1, 5, 2, 0};
    WordTable t;
    memset(&t, 0, sizeof t);
    for (int i = 0; i < 7; i++) assert_int_equal(word_table_intern(&t, words[i], strlen(words[i])), i);
    assert_int_equal(word_table_intern(&t, "fig", 3), 2);

    Vocab v;
    assert_int_equal(vocab_build(&v, &t, counts, 100, 1), 0);
    const char *want[] = {"<PAD>", "<UNK>", "fig", "apple", "date", "pear", "lime", "kiwi"};
    assert_int_equal(v.n, 8); /* "plum" never occurs */
    for (int i = 0; i < 8; i++) assert_string_equal(v.words[i], want[i]);
    vocab_free(&v);

    /* vocab_size counts <PAD> and <UNK>; the cut falls inside the tie, alphabetically */
    assert_int_equal(vocab_build(&v, &t, counts, 4, 1), 0);
    assert_int_equal(v.n, 4);
    assert_string_equal(v.words[2], "fig");
    assert_string_equal(v.words[3], "apple");
    assert_int_equal(vocab_lookup(&v, "pear", 4), TOK_UNK);
    vocab_free(&v);

    assert_int_equal(vocab_build(&v, &t, counts, 100, 3), 0);
    assert_int_equal(v.n, 6); /* fig, apple, date, pear */
    assert_int_equal(vocab_lookup(&v, "lime", 4), TOK_UNK);
    vocab_free(&v);
    word_table_free(&t);
}

static void test_vocab_save_load(void **state) {
    (void)state;
    char *dir = make_temp_dir("sentui-vocab");
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    Vocab v;
    memset(&v, 0, sizeof v);
    const char *w[] = {"<PAD>", "<UNK>", "the", "café", "film"};
    for (int i = 0; i < 5; i++) vocab_add(&v, w[i], strlen(w[i]));
    assert_int_equal(vocab_save(&v, path), 0);
    Vocab u;
    assert_int_equal(vocab_load(&u, path, err, sizeof err), 0);
    assert_int_equal(u.n, 5);
    for (int i = 0; i < 5; i++) {
        assert_string_equal(u.words[i], w[i]);
        assert_int_equal(vocab_lookup(&u, w[i], strlen(w[i])), i);
    }
    vocab_free(&u);
    vocab_free(&v);

    /* a file without the final newline and with CRLF line ends still reads */
    write_text(path, "<PAD>\r\n<UNK>\r\nfilm");
    assert_int_equal(vocab_load(&u, path, err, sizeof err), 0);
    assert_int_equal(u.n, 3);
    assert_string_equal(u.words[2], "film");
    vocab_free(&u);

    struct {
        const char *text, *msg;
    } bad[] = {
        {"", "is empty"},
        {"<PAD>\n<UNK>\nfilm\n\nplot\n", ":4: empty line"},
        {"<PAD>\n<UNK>\nfilm\nplot\nfilm\n", ":5: 'film' duplicates line 3"},
        {"<PAD>\n<UNK>\n<UNK>\n", ":3: '<UNK>' duplicates line 2"},
        {"the\n<UNK>\n", ":1: expected <PAD>"},
        {"<PAD>\n", "at least <PAD> and <UNK>"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        write_text(path, bad[i].text);
        err[0] = 0;
        assert_int_equal(vocab_load(&u, path, err, sizeof err), -1);
        if (!strstr(err, bad[i].msg)) fail_msg("case %zu: '%s' does not say '%s'", i, err, bad[i].msg);
        assert_int_equal(u.n, 0);
    }
    snprintf(path, sizeof path, "%s/missing.txt", dir);
    assert_int_equal(vocab_load(&u, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot open vocabulary"));
    assert_non_null(strstr(err, "missing.txt"));
    rm_rf(dir);
    free(dir);
}

/* ---- encoding ------------------------------------------------------------- */

static void test_encode_head_tail(void **state) {
    (void)state;
    Vocab v;
    memset(&v, 0, sizeof v);
    const char *w[] = {"<PAD>", "<UNK>", "a", "b", "c", "d", "e"};
    for (int i = 0; i < 7; i++) vocab_add(&v, w[i], strlen(w[i]));
    int32_t out[8];
    const char *text = "A b, c! d e zzz";
    int32_t head[] = {2, 3, 4, 5, 0, 0, 0, 0};
    assert_int_equal(encode_text(&v, text, strlen(text), 4, TRUNC_HEAD, out), 4);
    assert_memory_equal(out, head, sizeof(int32_t) * 4);
    int32_t tail[] = {4, 5, 6, 1};
    assert_int_equal(encode_text(&v, text, strlen(text), 4, TRUNC_TAIL, out), 4);
    assert_memory_equal(out, tail, sizeof tail);
    /* tail with a token count that is a multiple of max_len, and a short text */
    assert_int_equal(encode_text(&v, "a b c d e a b c", 15, 4, TRUNC_TAIL, out), 4);
    int32_t tail2[] = {6, 2, 3, 4};
    assert_memory_equal(out, tail2, sizeof tail2);
    for (int trunc = TRUNC_HEAD; trunc <= TRUNC_TAIL; trunc++) {
        for (int i = 0; i < 8; i++) out[i] = 99;
        assert_int_equal(encode_text(&v, "b c", 3, 8, trunc, out), 2);
        int32_t want[] = {3, 4, 0, 0, 0, 0, 0, 0};
        assert_memory_equal(out, want, sizeof want);
    }
    /* nothing alphabetic: one <UNK> keeps every sequence at least one step long */
    assert_int_equal(encode_text(&v, "10/10 !!", 8, 8, TRUNC_HEAD, out), 1);
    int32_t unk[] = {1, 0, 0, 0, 0, 0, 0, 0};
    assert_memory_equal(out, unk, sizeof unk);

    int32_t ids[] = {10, 11, 12, 13, 14}, map[20];
    for (int i = 0; i < 20; i++) map[i] = i + 100;
    assert_int_equal(encode_ids(ids, 5, map, 3, TRUNC_TAIL, out), 3);
    assert_int_equal(out[0], 112);
    assert_int_equal(out[2], 114);
    assert_int_equal(encode_ids(ids, 5, NULL, 3, TRUNC_HEAD, out), 3);
    assert_int_equal(out[0], 10);
    assert_int_equal(encode_ids(ids, 0, NULL, 3, TRUNC_HEAD, out), 1);
    assert_int_equal(out[0], TOK_UNK);
    vocab_free(&v);
}

/* ---- splits --------------------------------------------------------------- */

static void test_stratified_holdout(void **state) {
    (void)state;
    enum { N = 1000 };
    int32_t labels[N], idx[N], held[N], kept[N], held2[N], kept2[N];
    for (int i = 0; i < N; i++) labels[i] = i < 300 ? 1 : 0, idx[i] = i;
    int nh, nk, nh2, nk2;
    split_holdout(labels, idx, N, 0.1, 42, held, &nh, kept, &nk);
    assert_int_equal(nh, 100);
    assert_int_equal(nk, 900);
    int pos = 0;
    for (int i = 0; i < nh; i++) pos += labels[held[i]];
    assert_int_equal(pos, 30); /* 10% of each label */
    /* every index exactly once */
    char seen[N] = {0};
    for (int i = 0; i < nh; i++) seen[held[i]]++;
    for (int i = 0; i < nk; i++) seen[kept[i]]++;
    for (int i = 0; i < N; i++) assert_int_equal(seen[i], 1);
    /* labels interleave: the first 100 kept are not all one label */
    pos = 0;
    for (int i = 0; i < 100; i++) pos += labels[kept[i]];
    assert_true(pos > 10 && pos < 60);

    split_holdout(labels, idx, N, 0.1, 42, held2, &nh2, kept2, &nk2);
    assert_memory_equal(held, held2, sizeof(int32_t) * (size_t)nh);
    assert_memory_equal(kept, kept2, sizeof(int32_t) * (size_t)nk);
    split_holdout(labels, idx, N, 0.1, 43, held2, &nh2, kept2, &nk2);
    assert_int_equal(nh2, 100);
    assert_true(memcmp(held, held2, sizeof(int32_t) * (size_t)nh) != 0);

    /* limit keeps label shares: 900 kept (630 neg / 270 pos) -> 100 = 70 + 30 */
    int m = split_limit(labels, kept, nk, 100);
    assert_int_equal(m, 100);
    pos = 0;
    for (int i = 0; i < m; i++) pos += labels[kept[i]];
    assert_int_equal(pos, 30);
    assert_int_equal(split_limit(labels, kept, m, 0), m);
    assert_int_equal(split_limit(labels, kept, m, 1000), m);
    /* odd limits still add up exactly */
    assert_int_equal(split_limit(labels, kept, m, 7), 7);
}

/* ---- synthetic task ------------------------------------------------------- */

static int same_texts(const RawCorpus *a, const RawCorpus *b) {
    if (a->n != b->n) return 0;
    for (int i = 0; i < a->n; i++)
        if (a->docs[i].len != b->docs[i].len || memcmp(a->docs[i].text, b->docs[i].text, a->docs[i].len)) return 0;
    return 1;
}

static void test_synthetic_rule_and_determinism(void **state) {
    (void)state;
    Config c = synthetic_config(300, 64);
    RawCorpus a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(synthetic_generate(&c, &a), 0);
    assert_int_equal(synthetic_generate(&c, &b), 0);
    assert_int_equal(a.n, 600);
    assert_true(same_texts(&a, &b));
    int labels[2][2] = {{0, 0}, {0, 0}}, long_ones = 0, short_ones = 0;
    for (int i = 0; i < a.n; i++) {
        const RawDoc *d = &a.docs[i];
        assert_int_equal(synthetic_rule(d->text, d->len), d->label);
        labels[d->split][d->label]++;
        long_ones += d->len > 64 * 8;
        short_ones += d->len < 64 * 4;
    }
    assert_int_equal(labels[0][0], 150);
    assert_int_equal(labels[0][1], 150);
    assert_int_equal(labels[1][0], 150);
    assert_true(long_ones > 10);  /* some exceed max_len, so truncation is exercised */
    assert_true(short_ones > 100);
    raw_corpus_free(&b);
    c.train_seed = 8;
    assert_int_equal(synthetic_generate(&c, &b), 0);
    assert_false(same_texts(&a, &b));
    raw_corpus_free(&a);
    raw_corpus_free(&b);
    assert_int_equal(synthetic_rule("Great but bad and awful.", 24), 0);
    assert_int_equal(synthetic_rule("GREAT, superb; bad", 18), 1);
    assert_int_equal(synthetic_rule("good bad", 8), -1);
}

static void test_dataset_synthetic(void **state) {
    (void)state;
    Config c = synthetic_config(400, 32);
    Dataset d, e;
    char err[512];
    assert_int_equal(dataset_load(&c, NULL, &d, err, sizeof err), 0);
    assert_int_equal(d.train.n, 360);
    assert_int_equal(d.val.n, 40);
    assert_int_equal(d.test.n, 400);
    assert_int_equal(count_label(&d.val, 1), 20);
    assert_int_equal(count_label(&d.train, 1), 180);
    assert_int_equal(d.train.T, 32);
    assert_string_equal(d.vocab.words[0], "<PAD>");
    assert_string_equal(d.vocab.words[1], "<UNK>");
    assert_int_equal(d.stats.from_cache, 0);
    assert_non_null(strstr(d.stats.source, "synthetic"));
    int truncated = 0;
    long tokens = 0;
    for (int i = 0; i < d.train.n; i++) {
        int len = d.train.lengths[i], full = d.train.full_lengths[i];
        assert_true(len >= 1 && len <= 32);
        assert_int_equal(len, full < 32 ? (full ? full : 1) : 32);
        truncated += full > 32;
        tokens += full;
        const int32_t *row = d.train.tokens + (size_t)i * 32;
        for (int t = 0; t < 32; t++) {
            if (t < len)
                assert_true(row[t] >= 1 && row[t] < d.vocab.n);
            else
                assert_int_equal(row[t], TOK_PAD);
        }
    }
    assert_true(truncated > 50);
    assert_int_equal(tokens, d.stats.train_tokens);
    assert_int_equal(d.stats.train_unk, 0); /* the vocabulary holds every train word */

    /* the same data whatever the number of threads */
    compute_set_threads(1);
    assert_int_equal(dataset_load(&c, NULL, &e, err, sizeof err), 0);
    compute_set_threads(0);
    assert_datasets_equal(&d, &e);
    dataset_free(&e);

    /* tail truncation keeps the end of each review */
    c.data_truncate = TRUNC_TAIL;
    assert_int_equal(dataset_load(&c, NULL, &e, err, sizeof err), 0);
    assert_int_equal(e.train.n, d.train.n);
    for (int i = 0; i < d.train.n; i++) {
        assert_int_equal(e.train.lengths[i], d.train.lengths[i]);
        if (d.train.full_lengths[i] <= 32)
            assert_memory_equal(e.train.tokens + i * 32, d.train.tokens + i * 32, 32 * sizeof(int32_t));
    }
    dataset_free(&e);

    /* limit_train: a stratified subsample; vocabulary from those reviews only */
    c.data_truncate = TRUNC_HEAD;
    c.data_limit_train = 101;
    assert_int_equal(dataset_load(&c, NULL, &e, err, sizeof err), 0);
    assert_int_equal(e.train.n, 101);
    assert_true(abs(count_label(&e.train, 1) - 50) <= 1);
    assert_int_equal(e.val.n, 40);
    /* validation is carved out before the limit: the same reviews */
    assert_memory_equal(e.val.full_lengths, d.val.full_lengths, sizeof(int32_t) * 40);
    assert_memory_equal(e.val.labels, d.val.labels, sizeof(int32_t) * 40);
    assert_true(e.vocab.n <= d.vocab.n);
    dataset_free(&e);

    /* a small vocabulary maps the rest to <UNK>, counted in the stats */
    c.data_limit_train = 0;
    c.data_vocab_size = 20;
    assert_int_equal(dataset_load(&c, NULL, &e, err, sizeof err), 0);
    assert_int_equal(e.vocab.n, 20);
    assert_true(e.stats.train_unk > 0 && e.stats.train_unk < e.stats.train_tokens);
    assert_true(e.stats.test_unk > 0);
    dataset_free(&e);
    dataset_free(&d);
}

/* ---- cache ---------------------------------------------------------------- */

static long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) ? -1 : (long)st.st_size;
}

static void test_cache(void **state) {
    (void)state;
    char *dir = make_temp_dir("sentui-cache");
    char cache[600], err[512], path[700];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    DataPaths paths = {.cache_dir = cache};
    Config c = synthetic_config(200, 24);
    c.data_cache = 1;
    Dataset a, b;
    assert_int_equal(dataset_load(&c, &paths, &a, err, sizeof err), 0);
    assert_int_equal(a.stats.from_cache, 0);
    cache_file_path(cache, "data-", data_cache_key(&c, NULL), path, sizeof path);
    assert_true(file_size(path) > 0);

    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 1);
    assert_datasets_equal(&a, &b);
    assert_string_equal(a.stats.source, b.stats.source);
    dataset_free(&b);

    /* any data.* setting or the seed changes the key; data.cache does not */
    Config k = c;
    k.data_max_len = 25;
    assert_true(data_cache_key(&k, NULL) != data_cache_key(&c, NULL));
    k = c;
    k.train_seed = 8;
    assert_true(data_cache_key(&k, NULL) != data_cache_key(&c, NULL));
    k = c;
    k.data_val_fraction = 0.2;
    assert_true(data_cache_key(&k, NULL) != data_cache_key(&c, NULL));
    k = c;
    k.data_cache = 0;
    assert_true(data_cache_key(&k, NULL) == data_cache_key(&c, NULL));
    k = c;
    k.model_arch = ARCH_TRANSFORMER;
    assert_true(data_cache_key(&k, NULL) == data_cache_key(&c, NULL));
    /* keeping the unlabelled reviews is a different dataset */
    k = c;
    k.model_pretrain = PRETRAIN_WORD2VEC;
    assert_true(data_cache_key(&k, NULL) != data_cache_key(&c, NULL));

    /* a setting change is not served the old data */
    k = c;
    k.data_vocab_size = 30;
    assert_int_equal(dataset_load(&k, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 0);
    assert_int_equal(b.vocab.n, 30);
    dataset_free(&b);

    /* a stale file under the current name (another key inside) is rebuilt */
    char other[700];
    cache_file_path(cache, "data-", data_cache_key(&k, NULL), other, sizeof other);
    assert_int_equal(rename(other, path), 0);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 0);
    assert_datasets_equal(&a, &b);
    dataset_free(&b);

    /* corrupt bytes anywhere: rebuilt, and the rebuilt file serves the next load */
    long size = file_size(path);
    /* 96..111: the header's token counts, which the checksum once left out */
    long spots[] = {3, 40, 100, 108, 150, size / 2, size - 1};
    for (size_t s = 0; s < sizeof spots / sizeof *spots; s++) {
        FILE *f = fopen(path, "r+b");
        assert_non_null(f);
        fseek(f, spots[s], SEEK_SET);
        int ch = fgetc(f);
        fseek(f, spots[s], SEEK_SET);
        fputc(ch ^ 0x5a, f);
        fclose(f);
        assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
        assert_int_equal(b.stats.from_cache, 0);
        assert_non_null(strstr(b.stats.cache_damaged, "rebuilt")); /* and says so */
        assert_string_equal(b.stats.cache_unsaved, "");
        assert_datasets_equal(&a, &b);
        dataset_free(&b);
        assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
        assert_int_equal(b.stats.from_cache, 1);
        assert_string_equal(b.stats.cache_damaged, "");
        dataset_free(&b);
    }
    /* truncated, empty */
    long cuts[] = {size - 4, size / 3, 10, 0};
    for (size_t s = 0; s < sizeof cuts / sizeof *cuts; s++) {
        assert_int_equal(truncate(path, cuts[s]), 0);
        assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
        assert_int_equal(b.stats.from_cache, 0);
        assert_datasets_equal(&a, &b);
        dataset_free(&b);
        assert_int_equal(file_size(path), size);
    }
    /* data_cache_load alone refuses a wrong key; a missing file is not damage */
    assert_int_equal(data_cache_load(path, data_cache_key(&c, NULL) ^ 1, &b, NULL, 0), -1);
    assert_int_equal(data_cache_load(path, data_cache_key(&c, NULL), &b, NULL, 0), 0);
    dataset_free(&b);
    char none[700];
    snprintf(none, sizeof none, "%s/data-none.bin", cache);
    assert_int_equal(data_cache_load(none, 1, &b, NULL, 0), 1);

    /* the cache folder is a file: built, and the reason it is not cached is kept */
    rm_rf(cache);
    FILE *blocker = fopen(cache, "w");
    assert_non_null(blocker);
    fclose(blocker);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 0);
    assert_non_null(strstr(b.stats.cache_unsaved, "not a folder"));
    dataset_free(&b);
    unlink(cache);

    dataset_free(&a);
    rm_rf(dir);
    free(dir);
}

/* ---- aclImdb from an archive or a folder ---------------------------------- */

typedef struct {
    const char *name, *text;
} Entry;

/* Deliberately out of order, with extra files the reader must ignore. */
static const Entry IMDB[] = {
    {"aclImdb/README", "not a review"},
    {"aclImdb/test/pos/3_8.txt", "A wonderful film, truly great.<br /><br />Loved it."},
    {"aclImdb/train/neg/10_2.txt", "Awful. I didn't like it at all; 1/10."},
    {"aclImdb/train/pos/2_9.txt", "Great acting and a great story."},
    {"aclImdb/train/unsup/0_0.txt", "unlabelled text"},
    {"aclImdb/train/pos/1_10.txt", "Simply great: the best film of the year."},
    {"aclImdb/train/neg/4_1.txt", "Boring and bad. The worst film."},
    {"aclImdb/test/neg/1_3.txt", "Bad film, bad story, don't watch."},
    {"aclImdb/train/unsup/1_0.txt", "more unlabelled text"},
    {"aclImdb/train/pos/7_7.txt", "Good fun, a great cast."},
    {"aclImdb/train/neg/5_4.txt", "Not good: a bad script and dull scenes."},
    {"aclImdb/test/neg/0_2.txt", "Terrible."},
    {"aclImdb/train/neg/6_3.txt", ""},
    {"aclImdb/test/pos/0_10.txt", "Great great great!"},
    {"aclImdb/train/urls_pos.txt", "http://example.com"},
    {"aclImdb/imdb.vocab", "the\nand\n"},
};
#define N_IMDB ((int)(sizeof IMDB / sizeof *IMDB))

static void write_archive(const char *path, const Entry *entries, int n, const char *skip) {
    struct archive *a = archive_write_new();
    archive_write_add_filter_gzip(a);
    archive_write_set_format_pax_restricted(a);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (int i = 0; i < n; i++) {
        if (skip && strstr(entries[i].name, skip)) continue;
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, entries[i].name);
        archive_entry_set_size(e, (la_int64_t)strlen(entries[i].text));
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, entries[i].text, strlen(entries[i].text)),
                         (la_ssize_t)strlen(entries[i].text));
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static void write_folder(const char *root, const Entry *entries, int n) {
    for (int i = 0; i < n; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", root, entries[i].name);
        for (char *s = p + 1; (s = strchr(s, '/')); s++) { /* mkdir -p of the folders */
            *s = 0;
            mkdir(p, 0777);
            *s = '/';
        }
        write_text(p, entries[i].text);
    }
}

static Config imdb_config(char *path) {
    Config c = synthetic_config(0, 16);
    c.data_dataset = DATASET_IMDB;
    c.data_path = path;
    c.data_val_fraction = 0.34; /* 3 of each train label -> 1 each */
    return c;
}

static void check_imdb(const Dataset *d) {
    assert_int_equal(d->train.n + d->val.n, 7);
    assert_int_equal(d->val.n, 2);
    assert_int_equal(count_label(&d->val, 1), 1);
    assert_int_equal(d->test.n, 4);
    assert_int_equal(count_label(&d->test, 1), 2);
    assert_int_equal(d->stats.n_unsup, 2);
    /* every test row is the encoding of one of the test reviews, with its rating */
    for (int i = 0; i < d->test.n; i++) {
        int found = 0;
        for (int k = 0; k < N_IMDB && !found; k++) {
            const char *name = IMDB[k].name;
            if (strncmp(name, "aclImdb/test/", 13)) continue;
            int32_t row[16];
            int len = encode_text(&d->vocab, IMDB[k].text, strlen(IMDB[k].text), 16, TRUNC_HEAD, row);
            int rating = atoi(strchr(name, '_') + 1), label = strstr(name, "/pos/") != NULL;
            found = len == d->test.lengths[i] && !memcmp(row, d->test.tokens + i * 16, sizeof row) &&
                    rating == d->test.ratings[i] && label == d->test.labels[i];
        }
        if (!found) fail_msg("test row %d matches no test review", i);
    }
    /* the empty review: nothing before truncation, one <UNK> after */
    int empty = 0;
    for (int s = 0; s < 2; s++) {
        const Split *sp = s ? &d->val : &d->train;
        for (int i = 0; i < sp->n; i++)
            if (sp->full_lengths[i] == 0) {
                empty++;
                assert_int_equal(sp->lengths[i], 1);
                assert_int_equal(sp->tokens[i * 16], TOK_UNK);
                assert_int_equal(sp->tokens[i * 16 + 1], TOK_PAD);
                assert_int_equal(sp->ratings[i], 3);
            }
    }
    assert_int_equal(empty, 1);
    /* test words outside the training vocabulary count as <UNK> */
    assert_int_equal(vocab_lookup(&d->vocab, "wonderful", 9), TOK_UNK);
    assert_true(d->stats.test_unk > 0);
    assert_true(vocab_lookup(&d->vocab, "great", 5) > 1 || vocab_lookup(&d->vocab, "bad", 3) > 1);
}

static void test_imdb_archive_and_folder(void **state) {
    (void)state;
    char *dir = make_temp_dir("sentui-imdb");
    char tgz[512], folder[512], err[512];
    snprintf(tgz, sizeof tgz, "%s/aclImdb_v1.tar.gz", dir);
    snprintf(folder, sizeof folder, "%s/unpacked", dir);
    write_archive(tgz, IMDB, N_IMDB, NULL);
    write_folder(folder, IMDB, N_IMDB);

    Config c = imdb_config(tgz);
    Dataset a, b;
    if (dataset_load(&c, NULL, &a, err, sizeof err)) fail_msg("%s", err);
    assert_string_equal(a.stats.source, tgz);
    check_imdb(&a);
    assert_int_equal(a.unsup.n, 0);

    /* word2vec pretraining brings the unlabelled reviews along, from both
     * readers, encoded with the training vocabulary; the rest is unchanged */
    for (int k = 0; k < 2; k++) {
        Config cu = imdb_config(k ? folder : tgz);
        cu.model_pretrain = PRETRAIN_WORD2VEC;
        Dataset u;
        if (dataset_load(&cu, NULL, &u, err, sizeof err)) fail_msg("%s", err);
        check_imdb(&u);
        assert_int_equal(u.unsup.n, 2);
        assert_int_equal(u.unsup.T, 16);
        assert_int_equal(u.vocab.n, a.vocab.n);
        assert_memory_equal(u.train.tokens, a.train.tokens, sizeof(int32_t) * 16 * (size_t)a.train.n);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(u.unsup.labels[i], -1);
            assert_int_equal(u.unsup.lengths[i], 2 + i); /* "unlabelled text", "more unlabelled text" */
        }
        dataset_free(&u);
    }

    /* the folder holding aclImdb/ and aclImdb/ itself give the same dataset */
    c = imdb_config(folder);
    if (dataset_load(&c, NULL, &b, err, sizeof err)) fail_msg("%s", err);
    assert_datasets_equal(&a, &b);
    dataset_free(&b);
    char inner[600];
    snprintf(inner, sizeof inner, "%s/aclImdb", folder);
    c = imdb_config(inner);
    if (dataset_load(&c, NULL, &b, err, sizeof err)) fail_msg("%s", err);
    assert_datasets_equal(&a, &b);
    dataset_free(&b);

    /* sorted by (split, label, id): the raw order does not depend on the archive order */
    RawCorpus rc;
    memset(&rc, 0, sizeof rc);
    assert_int_equal(imdb_read(tgz, &rc, err, sizeof err), 0);
    assert_int_equal(corpus_sort(&rc, NULL), 0);
    assert_int_equal(rc.n, 11);
    for (int i = 1; i < rc.n; i++) {
        const RawDoc *p = &rc.docs[i - 1], *q = &rc.docs[i];
        assert_true(p->split < q->split || (p->split == q->split && (p->label < q->label ||
                                                                     (p->label == q->label && p->id < q->id))));
    }
    assert_int_equal(rc.docs[0].id, 4); /* train/neg: 4, 5, 6, 10 */
    assert_int_equal(rc.docs[0].rating, 1);
    assert_int_equal(rc.docs[2].id, 6);
    assert_int_equal(rc.docs[2].len, 0);
    assert_int_equal(rc.docs[3].id, 10);
    raw_corpus_free(&rc);
    dataset_free(&a);
    rm_rf(dir);
    free(dir);
}

typedef struct {
    RawCorpus *dst;
    const RawCorpus *src;
} Feeder;

/* Adds the reviews in two bursts, so the tokenizer works on batches meanwhile. */
static void *feed(void *arg) {
    Feeder *f = arg;
    for (int i = 0; i < f->src->n; i++) {
        const RawDoc *d = &f->src->docs[i];
        if (raw_corpus_add(f->dst, d->split, d->label, d->id, d->rating, d->text, d->len)) return NULL;
        if (i == 700) usleep(100 * 1000);
    }
    raw_corpus_finish(f->dst);
    return NULL;
}

static void test_tokenize_streamed(void **state) {
    (void)state;
    Config syn = synthetic_config(500, 48);
    RawCorpus src, dst;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    assert_int_equal(synthetic_generate(&syn, &src), 0);
    TokCorpus whole, streamed;
    assert_int_equal(corpus_tokenize(&src, &whole), 0);
    CorpusStream stream;
    pthread_mutex_init(&stream.mu, NULL);
    pthread_cond_init(&stream.grew, NULL);
    stream.finished = 0;
    dst.stream = &stream;
    Feeder f = {&dst, &src};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, feed, &f), 0);
    assert_int_equal(corpus_tokenize(&dst, &streamed), 0);
    pthread_join(tid, NULL);
    assert_int_equal(streamed.n, whole.n);
    assert_int_equal(streamed.words.n, whole.words.n);
    for (int d = 0; d < whole.n; d++) {
        assert_int_equal(streamed.len[d], whole.len[d]);
        for (int k = 0; k < whole.len[d]; k++)
            assert_string_equal(word_table_word(&streamed.words, streamed.ids[d][k]),
                                word_table_word(&whole.words, whole.ids[d][k]));
    }
    tok_corpus_free(&whole);
    tok_corpus_free(&streamed);
    dst.stream = NULL;
    raw_corpus_free(&dst);
    raw_corpus_free(&src);
    pthread_cond_destroy(&stream.grew);
    pthread_mutex_destroy(&stream.mu);
}

/* Reading an archive while tokenizing (several batches, one thread or all)
 * gives exactly the dataset built from the same reviews in memory. */
static void test_imdb_streaming_matches_memory(void **state) {
    (void)state;
    Config syn = synthetic_config(600, 48); /* 1200 reviews: several batches of 256 */
    syn.data_vocab_size = 200;
    RawCorpus rc;
    memset(&rc, 0, sizeof rc);
    assert_int_equal(synthetic_generate(&syn, &rc), 0);
    Entry *entries = calloc((size_t)rc.n, sizeof *entries);
    assert_non_null(entries);
    for (int i = 0; i < rc.n; i++) {
        int k = (int)((long)i * 7919 % rc.n); /* scrambled archive order */
        const RawDoc *d = &rc.docs[k];
        char name[128];
        snprintf(name, sizeof name, "aclImdb/%s/%s/%d_0.txt", d->split ? "test" : "train", d->label ? "pos" : "neg",
                 d->id);
        entries[i].name = strdup(name);
        entries[i].text = strndup(d->text, d->len);
    }
    char *dir = make_temp_dir("sentui-imdb-stream");
    char tgz[512], err[512];
    snprintf(tgz, sizeof tgz, "%s/big.tar.gz", dir);
    write_archive(tgz, entries, rc.n, NULL);

    Dataset mem, arc;
    assert_int_equal(dataset_load(&syn, NULL, &mem, err, sizeof err), 0);
    Config c = syn;
    c.data_dataset = DATASET_IMDB;
    c.data_path = tgz;
    for (int threads = 1; threads >= 0; threads--) { /* one thread, then every core */
        compute_set_threads(threads);
        /* small text blocks: reviews often start near the end of one */
        if (dataset_load_blocks(&c, NULL, 1000, &arc, err, sizeof err)) fail_msg("%s", err);
        assert_datasets_equal(&mem, &arc);
        dataset_free(&arc);
    }
    dataset_free(&mem);
    for (int i = 0; i < rc.n; i++) free((char *)entries[i].name), free((char *)entries[i].text);
    free(entries);
    raw_corpus_free(&rc);
    rm_rf(dir);
    free(dir);
}

/* The key covers the source file: a newer archive is not served old data. */
static void test_imdb_cache_follows_source(void **state) {
    (void)state;
    char *dir = make_temp_dir("sentui-imdb-cache");
    char cache[600], tgz[512], err[512];
    snprintf(cache, sizeof cache, "%s/cache", dir);
    DataPaths paths = {.cache_dir = cache};
    snprintf(tgz, sizeof tgz, "%s/a.tar.gz", dir);
    write_archive(tgz, IMDB, N_IMDB, NULL);
    Config c = imdb_config(tgz);
    c.data_cache = 1;
    Dataset a, b;
    if (dataset_load(&c, &paths, &a, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(a.stats.from_cache, 0);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 1);
    assert_string_equal(b.stats.source, tgz);
    assert_datasets_equal(&a, &b);
    dataset_free(&b);
    /* rewritten with one review less and an older mtime: a different file all the same */
    write_archive(tgz, IMDB, N_IMDB, "test/pos/3_8");
    struct timespec when[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, tgz, when, 0), 0);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 0);
    assert_int_equal(b.test.n, a.test.n - 1);
    dataset_free(&b);
    dataset_free(&a);

    /* a folder: a review added under train/pos (the top folder untouched), or
     * one edited in place with its size and mtime kept, is not served old data */
    char folder[600], review[700];
    snprintf(folder, sizeof folder, "%s/data", dir); /* holds aclImdb/ */
    write_folder(folder, IMDB, N_IMDB);
    c = imdb_config(folder);
    c.data_cache = 1;
    assert_int_equal(dataset_load(&c, &paths, &a, err, sizeof err), 0);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 1);
    dataset_free(&b);
    snprintf(review, sizeof review, "%s/aclImdb/train/pos/77_9.txt", folder);
    write_text(review, "A late and great addition.");
    assert_int_equal(utimensat(AT_FDCWD, review, when, 0), 0);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 0);
    assert_int_equal(b.train.n + b.val.n, a.train.n + a.val.n + 1);
    dataset_free(&b);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 1);
    dataset_free(&b);
    write_text(review, "A late and grand addition."); /* same size, same mtime below */
    assert_int_equal(utimensat(AT_FDCWD, review, when, 0), 0);
    assert_int_equal(dataset_load(&c, &paths, &b, err, sizeof err), 0);
    assert_int_equal(b.stats.from_cache, 0);
    dataset_free(&b);
    dataset_free(&a);

    /* old cache files are pruned: at most eight stay */
    Config s = synthetic_config(20, 8);
    s.data_cache = 1;
    for (int i = 0; i < 11; i++) {
        s.data_max_len = 8 + i;
        assert_int_equal(dataset_load(&s, &paths, &a, err, sizeof err), 0);
        dataset_free(&a);
    }
    int files = 0;
    DIR *d = opendir(cache);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));) files += !strncmp(e->d_name, "data-", 5);
    closedir(d);
    assert_int_equal(files, 8);
    s.data_max_len = 18; /* the newest is still there */
    assert_int_equal(dataset_load(&s, &paths, &a, err, sizeof err), 0);
    assert_int_equal(a.stats.from_cache, 1);
    dataset_free(&a);
    rm_rf(dir);
    free(dir);
}

static void test_imdb_errors(void **state) {
    (void)state;
    char *dir = make_temp_dir("sentui-imdb-bad");
    char p[512], err[512];
    Dataset d;
    Config c;

    /* missing split */
    snprintf(p, sizeof p, "%s/no-test-neg.tar.gz", dir);
    write_archive(p, IMDB, N_IMDB, "test/neg");
    c = imdb_config(p);
    assert_int_equal(dataset_load(&c, NULL, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "no reviews in test/neg"));
    assert_null(strstr(err, "train/pos"));

    /* not an archive */
    snprintf(p, sizeof p, "%s/notes.tar.gz", dir);
    write_text(p, "these are not the reviews you are looking for\n");
    c = imdb_config(p);
    assert_int_equal(dataset_load(&c, NULL, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a readable archive"));

    /* truncated archive: the libarchive error comes through */
    char full[512];
    snprintf(full, sizeof full, "%s/full.tar.gz", dir);
    write_archive(full, IMDB, N_IMDB, NULL);
    long size = file_size(full);
    snprintf(p, sizeof p, "%s/cut.tar.gz", dir);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "head -c %ld '%s' > '%s'", size / 2, full, p);
    assert_int_equal(system(cmd), 0);
    c = imdb_config(p);
    assert_int_equal(dataset_load(&c, NULL, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));

    /* a folder without the layout names what is missing */
    c = imdb_config(dir);
    assert_int_equal(dataset_load(&c, NULL, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing train/neg"));

    /* nothing there: say how to get the data */
    snprintf(p, sizeof p, "%s/absent.tar.gz", dir);
    c = imdb_config(p);
    assert_int_equal(dataset_load(&c, NULL, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "absent.tar.gz"));
    assert_non_null(strstr(err, "make data"));
    assert_non_null(strstr(err, "IMDB_TARBALL"));
    rm_rf(dir);
    free(dir);
}

/* Sets or removes an environment variable back to saved (NULL: unset), then frees saved. */
static void restore_env(const char *name, char *saved) {
    if (saved)
        setenv(name, saved, 1);
    else
        unsetenv(name);
    free(saved);
}

static char *save_env(const char *name) { return getenv(name) ? strdup(getenv(name)) : NULL; }

static void test_imdb_path(void **state) {
    (void)state;
    char buf[512], given[] = "/some/where.tar.gz";
    Config c = imdb_config(path_buf);
    DataPaths paths = {.imdb_path = "/fallback/imdb.tgz"};
    assert_string_equal(dataset_imdb_path(&c, &paths, buf, sizeof buf), "/fallback/imdb.tgz");
    assert_string_equal(dataset_imdb_path(&c, NULL, buf, sizeof buf), "");
    c.data_path = NULL;
    assert_string_equal(dataset_imdb_path(&c, &paths, buf, sizeof buf), "/fallback/imdb.tgz");
    c.data_path = given;
    assert_string_equal(dataset_imdb_path(&c, &paths, buf, sizeof buf), given);

    /* sentui's one resolver: $IMDB_TARBALL, else data/aclImdb_v1.tar.gz;
     * $SENTUI_CACHE_DIR, else .cache (an empty variable counts as unset) */
    char *imdb = save_env("IMDB_TARBALL"), *cache = save_env("SENTUI_CACHE_DIR");
    unsetenv("IMDB_TARBALL");
    unsetenv("SENTUI_CACHE_DIR");
    DataPaths p = cli_data_paths();
    assert_string_equal(p.imdb_path, "data/aclImdb_v1.tar.gz");
    assert_string_equal(p.cache_dir, ".cache");
    setenv("IMDB_TARBALL", "/env/imdb.tgz", 1);
    setenv("SENTUI_CACHE_DIR", "/env/cache", 1);
    p = cli_data_paths();
    assert_string_equal(p.imdb_path, "/env/imdb.tgz");
    assert_string_equal(p.cache_dir, "/env/cache");
    setenv("IMDB_TARBALL", "", 1);
    setenv("SENTUI_CACHE_DIR", "", 1);
    p = cli_data_paths();
    assert_string_equal(p.imdb_path, "data/aclImdb_v1.tar.gz");
    assert_string_equal(p.cache_dir, ".cache");
    restore_env("IMDB_TARBALL", imdb);
    restore_env("SENTUI_CACHE_DIR", cache);
}

static int folder_entries(const char *path) {
    DIR *d = opendir(path);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* The engine's locations are its arguments: with data.path empty the IMDb
 * data is DataPaths' imdb_path (never $IMDB_TARBALL), and the cache goes to
 * the folder given (none: nothing is cached), not to the working directory. */
static void test_paths_given(void **state) {
    (void)state;
    char *dir = make_temp_dir("sentui-paths");
    char folder[600], cache[600], work[600], cwd[4096], err[1024], path[700];
    snprintf(folder, sizeof folder, "%s/imdb", dir);
    snprintf(cache, sizeof cache, "%s/cache", dir);
    snprintf(work, sizeof work, "%s/work", dir);
    write_folder(folder, IMDB, N_IMDB);
    assert_int_equal(mkdir(work, 0777), 0);
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(work), 0);
    char *saved = save_env("IMDB_TARBALL");
    Config c = imdb_config(path_buf); /* data.path empty */
    c.data_cache = 1;
    Dataset d;

    /* the environment names good data, but no location was given */
    setenv("IMDB_TARBALL", folder, 1);
    assert_int_equal(dataset_load(&c, NULL, &d, err, sizeof err), -1);
    assert_non_null(strstr(err, "IMDb data not found"));
    DataPaths paths = {.imdb_path = folder, .cache_dir = NULL};
    assert_int_equal(dataset_load(&c, &paths, &d, err, sizeof err), 0); /* no cache folder: none written */
    dataset_free(&d);

    /* and the other way round: the argument is read, the environment is not */
    setenv("IMDB_TARBALL", "/nonexistent/aclImdb_v1.tar.gz", 1);
    paths.cache_dir = cache;
    if (dataset_load(&c, &paths, &d, err, sizeof err)) fail_msg("%s", err);
    assert_string_equal(d.stats.source, folder);
    assert_int_equal(d.stats.from_cache, 0);
    assert_string_equal(d.stats.cache_unsaved, "");
    check_imdb(&d);
    dataset_free(&d);
    cache_file_path(cache, "data-", data_cache_key(&c, folder), path, sizeof path);
    assert_true(file_size(path) > 0);
    assert_int_equal(folder_entries(cache), 1);
    if (dataset_load(&c, &paths, &d, err, sizeof err)) fail_msg("%s", err);
    assert_int_equal(d.stats.from_cache, 1);
    dataset_free(&d);

    assert_int_equal(folder_entries("."), 0); /* nothing in the working directory */
    restore_env("IMDB_TARBALL", saved);
    assert_int_equal(chdir(cwd), 0);
    rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vocab_add_lookup),
        cmocka_unit_test(test_vocab_build_order_and_ties),
        cmocka_unit_test(test_vocab_save_load),
        cmocka_unit_test(test_encode_head_tail),
        cmocka_unit_test(test_stratified_holdout),
        cmocka_unit_test(test_synthetic_rule_and_determinism),
        cmocka_unit_test(test_dataset_synthetic),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_imdb_archive_and_folder),
        cmocka_unit_test(test_tokenize_streamed),
        cmocka_unit_test(test_imdb_streaming_matches_memory),
        cmocka_unit_test(test_imdb_cache_follows_source),
        cmocka_unit_test(test_imdb_errors),
        cmocka_unit_test(test_imdb_path),
        cmocka_unit_test(test_paths_given),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
