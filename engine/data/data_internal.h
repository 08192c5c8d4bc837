/* Pieces of the data pipeline shared between engine/data*.c files and their
 * tests; the rest of sentui sees only engine/data.h. The pipeline is
 *   read (imdb_reader.c or synthetic.c) -> RawCorpus, sorted (split, label, id)
 *   -> corpus_tokenize (corpus.c, parallel) -> words interned in a WordTable
 *   -> stratified validation split and limit (data_split.c)
 *   -> vocabulary from the training part (vocab.c) -> encoded Splits (dataset.c)
 *   -> cached as one binary file (data_cache.c) in the folder the caller
 *      names (cache_dir.c). */
#ifndef SENTUI_DATA_INTERNAL_H
#define SENTUI_DATA_INTERNAL_H

#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "data/data.h"

/* Bump whenever tokenizer, vocabulary, split or encoding rules change: cached
 * datasets built by older rules are then rebuilt instead of trusted. */
#define DATA_FORMAT_VERSION 5

/* Unlabelled reviews (train/unsup) are kept only when word2vec needs them. */
enum { RAW_TRAIN = 0, RAW_TEST = 1, RAW_UNSUP = 2, RAW_VAL = 3 }; /* RAW_VAL: own data given a validation file */

/* One review of the source; its text stays where raw_corpus_reserve put it. */
typedef struct RawDoc {
    int32_t split, label, id, rating;
    const char *text;
    uint32_t len;
    uint32_t order; /* arrival order, the last tie-breaker of the sort */
} RawDoc;

/* Lets one thread tokenize reviews while another is still reading them. */
typedef struct CorpusStream {
    pthread_mutex_t mu;
    pthread_cond_t grew;
    int finished;
} CorpusStream;

/* Reviews in arrival order. Text lives in fixed blocks that never move, so a
 * reader thread can add reviews while a tokenizer reads the earlier ones. */
typedef struct RawCorpus {
    char **blocks;
    int nblocks;
    size_t used, block_cap; /* in the last block */
    size_t text_bytes;
    RawDoc *docs;
    int n, cap;
    long n_unsup;
    int keep_unsup;       /* read train/unsup texts too (set before reading) */
    size_t block_bytes;   /* size of a text block; 0: RAW_CORPUS_BLOCK_BYTES */
    CorpusStream *stream; /* NULL unless read and tokenized concurrently */
} RawCorpus;

/* Size of a text block unless the corpus sets its own (tests make it small to
 * cross block boundaries often). */
#define RAW_CORPUS_BLOCK_BYTES ((size_t)4 << 20)

/* Room for len bytes of the next review's text, of which the first `written`
 * were already put at the previous pointer (they move along when a new block
 * is needed). Valid until the next raw_corpus_reserve. */
char *raw_corpus_reserve(RawCorpus *c, size_t len, size_t written);
/* Adds the review whose len bytes were just written at raw_corpus_reserve()'s pointer. */
int raw_corpus_commit(RawCorpus *c, int split, int label, int id, int rating, size_t len);
int raw_corpus_add(RawCorpus *c, int split, int label, int id, int rating, const char *text, size_t len);
/* Marks the end of reading (wakes a tokenizer waiting for more). */
void raw_corpus_finish(RawCorpus *c);
void raw_corpus_free(RawCorpus *c);

/* aclImdb folder (or its parent) or archive (.tar.gz, any libarchive format),
 * appended to c (zero-initialised by the caller, freed by the caller). */
int imdb_read(const char *path, RawCorpus *c, char *err, size_t errlen);
/* What identifies the data at path for the cache key: for an archive its size,
 * times and inode; for a folder every review file's name, size, times and inode
 * (only the names of the unlabelled ones unless with_unsup: they are only counted). */
uint64_t imdb_source_signature(const char *path, int with_unsup);
/* Every entry of one folder: name, size, times and inode (not the content). */
uint64_t folder_signature(const char *dir);
/* The generated task, from data.synthetic_size and train.seed. */
int synthetic_generate(const Config *cfg, RawCorpus *c);
/* The rule that labels a synthetic text: 1 when positive cue words outnumber
 * negative ones, 0 when negative ones do, -1 on a tie. */
int synthetic_rule(const char *text, size_t len);

/* First 8 bytes of a word, zero-padded: words never hold NUL, so for words of
 * up to 8 bytes equal keys mean equal words. Short words are read with two
 * overlapping loads instead of a byte loop. */
static inline uint64_t data_key8(const char *w, size_t n) {
    uint64_t k = 0;
    if (n >= 8) {
        memcpy(&k, w, 8);
    } else if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, w, 4);
        memcpy(&hi, w + n - 4, 4);
        k = lo | (uint64_t)hi << (8 * (n - 4));
    } else if (n >= 2) {
        uint16_t lo, hi;
        memcpy(&lo, w, 2);
        memcpy(&hi, w + n - 2, 2);
        k = lo | (uint64_t)hi << (8 * (n - 2));
    } else if (n == 1) {
        k = (unsigned char)w[0];
    }
    return k;
}

/* Hash of a word whose data_key8 is k: one multiply for the usual short word. */
static inline uint32_t data_hash_key(uint64_t k, const char *w, size_t n) {
    uint64_t h = (k ^ (uint64_t)n << 56) * 0x9e3779b97f4a7c15ull;
    for (size_t i = 8; i < n; i += 8) {
        size_t m = n - i < 8 ? n - i : 8;
        h = (h ^ (h >> 29) ^ data_key8(w + i, m)) * 0xff51afd7ed558ccdull;
    }
    return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t data_hash32(const char *w, size_t n) { return data_hash_key(data_key8(w, n), w, n); }

/* Interned words: id -> bytes (NUL-terminated), bytes -> id. A slot holds the
 * word's first 8 bytes, its hash and id + 1 (0: empty), so looking up a short
 * word touches one cache line. */
typedef struct WordSlot {
    uint64_t key;
    uint32_t hash, id1;
} WordSlot;

typedef struct WordTable {
    char *bytes;
    size_t nbytes, capbytes;
    uint32_t *off, *len;
    int n, cap;
    WordSlot *slots;
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

/* Tokenizes every review: while rc->stream is set, batch by batch as they
 * arrive, then the rest in parallel. Word ids depend on the chunking, but
 * nothing built from them does (vocabulary order is by count and bytes). */
int corpus_tokenize(RawCorpus *rc, TokCorpus *tc);
/* Sorts reviews (and their tokens when tc is not NULL) by (split, label, id),
 * whatever order the source delivered them in. */
int corpus_sort(RawCorpus *rc, TokCorpus *tc);
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

/* Whether the config needs the unlabelled reviews read and encoded: only
 * word2vec reads them, other runs skip their 50k texts. */
static inline int dataset_wants_unsup(const Config *c) {
    return c->model_pretrain != PRETRAIN_NONE || c->train_objective == OBJECTIVE_MLM;
}

/* dataset_load with text blocks of block_bytes (0: RAW_CORPUS_BLOCK_BYTES). */
int dataset_load_blocks(const Config *c, const DataPaths *paths, size_t block_bytes, Dataset *d, char *err,
                        size_t errlen);
/* Arrays of a split of n reviews of T tokens (contents undefined); -1 when out of memory. */
int split_alloc(Split *s, int n, int T);

/* The folder caches go to: paths->cache_dir when data.cache is on; NULL when
 * nothing is to be cached. */
static inline const char *data_cache_dir(const Config *c, const DataPaths *paths) {
    return c->data_cache && paths && paths->cache_dir && *paths->cache_dir ? paths->cache_dir : NULL;
}

/* Cache of a built Dataset, keyed by every data.* setting, train.seed, the
 * source's imdb_source_signature and DATA_FORMAT_VERSION. */
uint64_t data_cache_key(const Config *c, const char *source);
/* 0 on success; 1 when there is no such file; -1 when it is stale, truncated
 * or damaged, with the reason in why (may be NULL). d is left empty unless 0. */
int data_cache_load(const char *path, uint64_t key, Dataset *d, char *why, size_t whylen);
/* Writes the file (its folder must exist): 0 on success; -1 with the reason
 * in why (may be NULL). */
int data_cache_save(const char *path, uint64_t key, const Dataset *d, char *why, size_t whylen);
/* Checksum of a sequence of blocks: h = data_checksum(h, block, bytes) from h = 0. */
uint64_t data_checksum(uint64_t h, const void *p, size_t n);

#endif
