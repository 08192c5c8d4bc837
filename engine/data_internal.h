/* Pieces of the data pipeline shared between engine/data*.c files and their
 * tests; the rest of sentui sees only engine/data.h. The pipeline is
 *   read (imdb_reader.c or synthetic.c) -> RawCorpus, sorted (split, label, id)
 *   -> corpus_tokenize (corpus.c, parallel) -> words interned in a WordTable
 *   -> stratified validation split and limit (data_split.c)
 *   -> vocabulary from the training part (vocab.c) -> encoded Splits (dataset.c)
 *   -> cached as one binary file (data_cache.c). */
#ifndef SENTUI_DATA_INTERNAL_H
#define SENTUI_DATA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "data.h"

/* Bump whenever tokenizer, vocabulary, split or encoding rules change: cached
 * datasets built by older rules are then rebuilt instead of trusted. */
#define DATA_FORMAT_VERSION 1

enum { RAW_TRAIN = 0, RAW_TEST = 1 };

/* One review of the source: its text lives in RawCorpus.text at [off, off+len). */
typedef struct RawDoc {
    int32_t split, label, id, rating;
    size_t off;
    uint32_t len;
    uint32_t order; /* arrival order, the last tie-breaker of the sort */
} RawDoc;

typedef struct RawCorpus {
    char *text;
    size_t text_len, text_cap;
    RawDoc *docs;
    int n, cap;
    long n_unsup;
} RawCorpus;

/* Room for len more bytes of text; the pointer is valid until the next call. */
char *raw_corpus_reserve(RawCorpus *c, size_t len);
/* Adds a review whose len bytes were just written at raw_corpus_reserve()'s pointer. */
int raw_corpus_commit(RawCorpus *c, int split, int label, int id, int rating, size_t len);
int raw_corpus_add(RawCorpus *c, int split, int label, int id, int rating, const char *text, size_t len);
/* Deterministic order whatever order the source delivered: (split, label, id). */
void raw_corpus_sort(RawCorpus *c);
void raw_corpus_free(RawCorpus *c);

/* aclImdb folder (or its parent) or archive (.tar.gz, any libarchive format). */
int imdb_read(const char *path, RawCorpus *c, char *err, size_t errlen);
/* The generated task, from data.synthetic_size and train.seed. */
int synthetic_generate(const Config *cfg, RawCorpus *c);
/* The rule that labels a synthetic text: 1 when positive cue words outnumber
 * negative ones, 0 when negative ones do, -1 on a tie. */
int synthetic_rule(const char *text, size_t len);

static inline uint32_t data_hash32(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Interned words: id -> bytes (NUL-terminated), bytes -> id. */
typedef struct WordTable {
    char *bytes;
    size_t nbytes, capbytes;
    uint32_t *off, *len, *hash;
    int n, cap;
    int32_t *slots;
    uint32_t mask;
} WordTable;

int word_table_intern(WordTable *t, const char *w, size_t len);
static inline const char *word_table_word(const WordTable *t, int id) { return t->bytes + t->off[id]; }
void word_table_free(WordTable *t);

/* Every review as a sequence of WordTable ids (before truncation). */
typedef struct TokCorpus {
    WordTable words;
    int n;
    const int32_t **ids; /* ids[d][0 .. len[d]) */
    int32_t *len;
    int32_t **bufs;
    int nbufs;
} TokCorpus;

/* Tokenizes every review in parallel; the result does not depend on the thread count. */
int corpus_tokenize(const RawCorpus *rc, TokCorpus *tc);
void tok_corpus_free(TokCorpus *tc);

/* <PAD>, <UNK>, then the vocab_size-2 most frequent words with count >= min_freq,
 * ties broken by byte order of the word. counts[] is indexed by WordTable id. */
int vocab_build(Vocab *v, const WordTable *words, const int64_t *counts, int vocab_size, int min_freq);

/* Head or tail of ids[0..n) into out[0..max_len), padded with TOK_PAD; returns the
 * kept length (an empty sequence becomes one TOK_UNK). map (may be NULL) turns ids
 * into vocabulary ids. */
int encode_ids(const int32_t *ids, int n, const int32_t *map, int max_len, int truncate, int32_t *out);

/* Stratified, seeded hold-out: idx[0..n) are positions whose labels are labels[idx[i]].
 * Per label, the positions are shuffled and round(frac * count) of them go to held;
 * the others stay in kept. Both outputs are then shuffled so labels interleave.
 * held and kept must hold n entries each. */
void split_holdout(const int32_t *labels, const int32_t *idx, int n, double frac, uint64_t seed, int32_t *held,
                   int *n_held, int32_t *kept, int *n_kept);
/* Keeps at most limit of idx[0..n) with the label proportions preserved (largest
 * remainders), in place and in order; returns the new count. */
int split_limit(const int32_t *labels, int32_t *idx, int n, int limit);
void split_shuffle(int32_t *idx, int n, uint64_t seed);

/* Cache of a built Dataset, keyed by every data.* setting, train.seed, the
 * source file's size and mtime and DATA_FORMAT_VERSION. */
uint64_t data_cache_key(const Config *c, const char *source);
void data_cache_path(uint64_t key, char *buf, size_t n);
/* 0 on success; -1 when absent, stale, truncated or corrupt (d is left empty). */
int data_cache_load(const char *path, uint64_t key, Dataset *d);
int data_cache_save(const char *path, uint64_t key, const Dataset *d);
/* Checksum of a sequence of blocks: h = data_checksum(h, block, bytes) from h = 0. */
uint64_t data_checksum(uint64_t h, const void *p, size_t n);

#endif
