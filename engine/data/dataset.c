/* dataset_load: from the config to encoded train/val/test splits. Reads IMDb or
 * generates the synthetic task, tokenizes every review once (in parallel),
 * carves a stratified validation split out of train, optionally subsamples
 * train, builds the vocabulary from the remaining training reviews only, and
 * encodes all three splits. The result is cached (data_cache.c) in the folder
 * the caller names. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/cache_dir.h"
#include "data/data_internal.h"
#include "data/own_data.h"
#include "data/wordpiece_data.h"
#include "kernels/tensor.h"

#define TEST_ORDER_SEED 0x7e57u /* test order is the same for every run */
#define DATA_CACHE_KEEP 8       /* data-*.bin files kept; older ones are removed */

const char *dataset_imdb_path(const Config *c, const DataPaths *paths, char *buf, size_t n) {
    const char *p = c->data_path && *c->data_path ? c->data_path : paths ? paths->imdb_path : NULL;
    snprintf(buf, n, "%s", p ? p : "");
    return buf;
}

typedef struct {
    const RawCorpus *rc;
    const TokCorpus *tc;
    const int32_t *map, *idx;
    const WordPiece *wp; /* encodes the raw text instead, when set */
    Split *s;
    int truncate;
    int32_t *unk; /* per row: tokens of the whole review that map to <UNK> */
    int base;     /* the rows of this pass start here */
} FillJob;

/* [CLS] pieces [SEP] of the review's text, its head or tail kept; the length
 * before truncation is not known, so full_lengths holds the kept one. */
static void fill_rows_wordpiece(FillJob *j, int begin, int end) {
    Split *s = j->s;
    int32_t unk = wordpiece_id(j->wp, "[UNK]");
    for (int i = begin; i < end; i++) {
        const RawDoc *doc = &j->rc->docs[j->idx[i]];
        int32_t *row = s->tokens + (size_t)i * s->T;
        int n = wordpiece_encode_kept(j->wp, doc->text, doc->len, s->T, j->truncate == TRUNC_TAIL, row), u = 0;
        if (n < 1) n = 0;
        memset(row + n, 0, sizeof *row * (size_t)(s->T - n));
        for (int k = 0; k < n; k++) u += row[k] == unk;
        s->lengths[i] = s->full_lengths[i] = n > 0 ? n : 1;
        s->labels[i] = doc->label;
        s->ratings[i] = doc->rating;
        j->unk[i] = u;
    }
}

static void fill_rows(void *ctx, int begin, int end) {
    FillJob *j = ctx;
    Split *s = j->s;
    begin += j->base, end += j->base;
    if (j->wp) {
        fill_rows_wordpiece(j, begin, end);
        return;
    }
    for (int i = begin; i < end; i++) {
        int d = j->idx[i], n = j->tc->len[d], u = 0;
        const int32_t *ids = j->tc->ids[d];
        s->full_lengths[i] = n;
        s->lengths[i] = encode_ids(ids, n, j->map, s->T, j->truncate, s->tokens + (size_t)i * s->T);
        s->labels[i] = j->rc->docs[d].label;
        s->ratings[i] = j->rc->docs[d].rating;
        for (int k = 0; k < n; k++) u += j->map[ids[k]] == TOK_UNK;
        j->unk[i] = u;
    }
}

/* Rows encoded between two progress reports. */
#define FILL_PASS 2048

/* Encodes the reviews idx[0..n); *tokens and *unk count them before truncation.
 * pg (may be NULL) is told the progress as `what`. */
static int fill_split(Split *s, const RawCorpus *rc, const TokCorpus *tc, const int32_t *map, const WordPiece *wp,
                      const int32_t *idx, int n, int T, int truncate, long *tokens, long *unk, const DataPaths *pg,
                      const char *what) {
    int32_t *row_unk = malloc(sizeof *row_unk * (size_t)(n + 1));
    if (!row_unk || split_alloc(s, n, T)) {
        free(row_unk);
        return -1;
    }
    FillJob job = {rc, tc, map, idx, wp, s, truncate, row_unk, 0};
    int tell = pg && pg->progress;
    if (tell) pg->progress(pg->progress_ctx, what, 0, n);
    for (job.base = 0; job.base < n; job.base += FILL_PASS) {
        parallel_for(n - job.base < FILL_PASS ? n - job.base : FILL_PASS, fill_rows, &job);
        if (tell) pg->progress(pg->progress_ctx, what, job.base + FILL_PASS < n ? job.base + FILL_PASS : n, n);
    }
    *tokens = *unk = 0;
    for (int i = 0; i < n; i++) *tokens += s->full_lengths[i], *unk += row_unk[i];
    free(row_unk);
    return 0;
}

/* Vocabulary and encoded splits from the sorted, tokenized reviews. */
static int build(const Config *c, const RawCorpus *rc, const TokCorpus *tc, const WordPiece *wp, Dataset *d, char *err,
                 size_t errlen, const DataPaths *pg) {
    int n = rc->n, rcode = -1;
    int32_t *labels = malloc(sizeof(int32_t) * (size_t)(n + 1));
    int32_t *all = malloc(sizeof(int32_t) * (size_t)(n + 1));
    int32_t *kept = malloc(sizeof(int32_t) * (size_t)(n + 1));
    int32_t *held = malloc(sizeof(int32_t) * (size_t)(n + 1));
    int64_t *counts = calloc((size_t)tc->words.n + 1, sizeof *counts);
    int32_t *map = malloc(sizeof(int32_t) * (size_t)(tc->words.n + 1));
    if (!labels || !all || !kept || !held || !counts || !map) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    int n_train = 0, n_test = 0, n_unsup = 0, n_held = 0, n_kept;
    for (int i = 0; i < n; i++) {
        labels[i] = rc->docs[i].label;
        if (rc->docs[i].split == RAW_TRAIN) all[n_train++] = i;
        if (rc->docs[i].split == RAW_VAL) held[n_held++] = i;
    }
    /* a validation file given (own data) is the validation split; else it is carved from train */
    if (n_held) {
        memcpy(kept, all, sizeof(int32_t) * (size_t)n_train);
        n_kept = n_train;
    } else {
        split_holdout(labels, all, n_train, c->data_val_fraction, (uint64_t)c->train_seed, held, &n_held, kept,
                      &n_kept);
    }
    n_kept = split_limit(labels, kept, n_kept, c->data_limit_train);
    for (int i = 0; i < n; i++)
        if (rc->docs[i].split == RAW_TEST) all[n_test++] = i;
    split_shuffle(all, n_test, TEST_ORDER_SEED);

    /* the vocabulary sees the training reviews only */
    for (int i = 0; i < n_kept; i++) {
        int doc = kept[i];
        for (int k = 0; k < tc->len[doc]; k++) counts[tc->ids[doc][k]]++;
    }
    long distinct = 0;
    for (int w = 0; w < tc->words.n; w++) distinct += counts[w] > 0;
    if (wp ? data_vocab_from_wordpiece(&d->vocab, wp)
           : vocab_build(&d->vocab, &tc->words, counts, c->data_vocab_size, c->data_min_freq)) {
        snprintf(err, errlen, "out of memory building the vocabulary");
        goto done;
    }
    for (int w = 0; w < tc->words.n && !wp; w++)
        map[w] = vocab_lookup(&d->vocab, word_table_word(&tc->words, w), tc->words.len[w]);

    int T = c->data_max_len;
    DatasetStats *st = &d->stats;
    long val_tokens, val_unk;
    if (fill_split(&d->train, rc, tc, map, wp, kept, n_kept, T, c->data_truncate, &st->train_tokens, &st->train_unk,
                   pg, "train") ||
        fill_split(&d->val, rc, tc, map, wp, held, n_held, T, c->data_truncate, &val_tokens, &val_unk, pg,
                   "validation") ||
        fill_split(&d->test, rc, tc, map, wp, all, n_test, T, c->data_truncate, &st->test_tokens, &st->test_unk, pg,
                   "test")) {
        snprintf(err, errlen, "out of memory encoding the splits");
        goto done;
    }
    for (int i = 0; i < n; i++)
        if (rc->docs[i].split == RAW_UNSUP) all[n_unsup++] = i;
    long unsup_tokens, unsup_unk;
    if (n_unsup && fill_split(&d->unsup, rc, tc, map, wp, all, n_unsup, T, c->data_truncate, &unsup_tokens, &unsup_unk,
                              pg, "unlabelled")) {
        snprintf(err, errlen, "out of memory encoding the unlabelled reviews");
        goto done;
    }
    st->n_unsup = rc->n_unsup;
    st->distinct_train_words = distinct;
    rcode = 0;
done:
    free(labels);
    free(all);
    free(kept);
    free(held);
    free(counts);
    free(map);
    return rcode;
}

typedef struct {
    RawCorpus *rc;
    const char *path;
    char err[512];
    int status;
} Reader;

static void *reader_main(void *arg) {
    Reader *r = arg;
    r->status = imdb_read(r->path, r->rc, r->err, sizeof r->err);
    raw_corpus_finish(r->rc);
    return NULL;
}

/* IMDb is read on its own thread (gzip keeps one core busy) while this one
 * tokenizes what has arrived; the synthetic task is generated, then tokenized. */
static int read_and_tokenize(const Config *c, const char *imdb, size_t block_bytes, RawCorpus *rc, TokCorpus *tc,
                             Dataset *d, char *err, size_t errlen) {
    memset(rc, 0, sizeof *rc);
    rc->keep_unsup = dataset_wants_unsup(c);
    rc->block_bytes = block_bytes;
    if (DATASET_IS_OWN(c->data_dataset)) {
        if (own_data_read(c, rc, d, err, errlen)) return -1;
        if (corpus_tokenize(rc, tc)) return snprintf(err, errlen, "out of memory while tokenizing %d texts", rc->n), -1;
        return 0;
    }
    if (!imdb) {
        if (synthetic_generate(c, rc) || corpus_tokenize(rc, tc))
            return snprintf(err, errlen, "out of memory generating the synthetic dataset"), -1;
        return 0;
    }
    CorpusStream stream;
    pthread_mutex_init(&stream.mu, NULL);
    pthread_cond_init(&stream.grew, NULL);
    stream.finished = 0;
    rc->stream = &stream;
    Reader r = {rc, imdb, "", 0};
    pthread_t tid;
    int threaded = pthread_create(&tid, NULL, reader_main, &r) == 0;
    if (!threaded) reader_main(&r);
    int tok = corpus_tokenize(rc, tc);
    if (threaded) pthread_join(tid, NULL);
    rc->stream = NULL;
    pthread_cond_destroy(&stream.grew);
    pthread_mutex_destroy(&stream.mu);
    if (r.status) return snprintf(err, errlen, "%s", r.err), -1;
    if (tok) return snprintf(err, errlen, "out of memory while tokenizing %d reviews", rc->n), -1;
    return 0;
}

static int check_settings(const Config *c, char *err, size_t errlen) {
    if (c->data_max_len < 1) return snprintf(err, errlen, "data.max_len must be at least 1"), -1;
    if (c->data_vocab_size < 3) return snprintf(err, errlen, "data.vocab_size must be at least 3"), -1;
    if (!(c->data_val_fraction > 0 && c->data_val_fraction < 1))
        return snprintf(err, errlen, "data.val_fraction must be between 0 and 1"), -1;
    if (c->data_limit_train < 0) return snprintf(err, errlen, "data.limit_train must not be negative"), -1;
    if (DATASET_IS_OWN(c->data_dataset)) return own_data_check(c, err, errlen);
    return 0;
}

/* What the data comes from, into source: the IMDb path, or the synthetic
 * task's settings. -1 with err when the IMDb data is not there. */
static int find_source(const Config *c, const DataPaths *paths, char *source, size_t n, char *err, size_t errlen) {
    if (c->data_dataset == DATASET_SYNTHETIC) {
        snprintf(source, n, "synthetic (seed %d, %d reviews per split)", c->train_seed, c->data_synthetic_size);
        return 0;
    }
    if (DATASET_IS_OWN(c->data_dataset)) {
        snprintf(source, n, "%s", c->data_train_file);
        return 0;
    }
    struct stat st;
    dataset_imdb_path(c, paths, source, n);
    if (*source && stat(source, &st) == 0) return 0;
    snprintf(err, errlen,
             "IMDb data not found at %s (%s): run `make data`, or point IMDB_TARBALL (or data.path) at "
             "aclImdb_v1.tar.gz or the aclImdb folder, or use data.dataset=synthetic",
             *source ? source : "\"\"", *source ? strerror(errno) : "no location given");
    return -1;
}

/* Reads (or generates), tokenizes, splits and encodes; imdb is NULL for the synthetic task. */
static int build_from_source(const Config *c, const char *imdb, size_t block_bytes, Dataset *d, char *err,
                             size_t errlen, const DataPaths *pg) {
    RawCorpus rc;
    TokCorpus tc;
    memset(&tc, 0, sizeof tc);
    int rcode = read_and_tokenize(c, imdb, block_bytes, &rc, &tc, d, err, errlen);
    if (rcode == 0 && corpus_sort(&rc, &tc)) {
        snprintf(err, errlen, "out of memory sorting the reviews");
        rcode = -1;
    }
    WordPiece *wp = NULL;
    if (rcode == 0 && data_uses_wordpiece(c) && !(wp = data_wordpiece_for(c, &rc, err, errlen))) rcode = -1;
    if (rcode == 0) rcode = build(c, &rc, &tc, wp, d, err, errlen, pg);
    wordpiece_free(wp);
    tok_corpus_free(&tc);
    raw_corpus_free(&rc);
    if (rcode) dataset_free(d);
    return rcode;
}

/* A cache that cannot be written only costs time, but the user is told why
 * (in d->stats.cache_unsaved). */
static void save_to_cache(const char *dir, const char *path, uint64_t key, Dataset *d) {
    DatasetStats *st = &d->stats;
    const char *problem = cache_dir_prepare(dir);
    if (problem)
        snprintf(st->cache_unsaved, sizeof st->cache_unsaved, "cannot use %s/: %s", dir, problem);
    else if (data_cache_save(path, key, d, st->cache_unsaved, sizeof st->cache_unsaved) == 0)
        cache_dir_prune(dir, "data-", DATA_CACHE_KEEP);
}

int dataset_load_blocks(const Config *c, const DataPaths *paths, size_t block_bytes, Dataset *d, char *err,
                        size_t errlen) {
    double t0 = now_seconds();
    memset(d, 0, sizeof *d);
    char source[sizeof d->stats.source];
    if (check_settings(c, err, errlen) || find_source(c, paths, source, sizeof source, err, errlen)) return -1;
    const char *imdb = c->data_dataset == DATASET_IMDB ? source : NULL;
    const char *cache_dir = data_cache_dir(c, paths);
    uint64_t key = 0;
    char cache_path[4200] = "", damaged[sizeof d->stats.cache_damaged] = "";
    if (cache_dir) {
        key = data_cache_key(c, imdb);
        cache_file_path(cache_dir, "data-", key, cache_path, sizeof cache_path);
        char why[400];
        int got = data_cache_load(cache_path, key, d, why, sizeof why);
        if (got == 0) {
            snprintf(d->stats.source, sizeof d->stats.source, "%s", source);
            d->stats.load_seconds = now_seconds() - t0;
            return 0;
        }
        /* bounded so the message fits stats.cache_damaged whatever the folder's name */
        if (got < 0) snprintf(damaged, sizeof damaged, "%.600s: %.380s; rebuilt", cache_path, why);
    }
    if (build_from_source(c, imdb, block_bytes, d, err, errlen, paths)) return -1;
    snprintf(d->stats.source, sizeof d->stats.source, "%s", source);
    snprintf(d->stats.cache_damaged, sizeof d->stats.cache_damaged, "%s", damaged);
    if (cache_dir) save_to_cache(cache_dir, cache_path, key, d);
    d->stats.load_seconds = now_seconds() - t0;
    return 0;
}

int dataset_load(const Config *c, const DataPaths *paths, Dataset *d, char *err, size_t errlen) {
    return dataset_load_blocks(c, paths, 0, d, err, errlen);
}
