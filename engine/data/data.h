/* The dataset a run trains on: IMDb read straight from the aclImdb folder or
 * .tar.gz (libarchive, streaming), or a generated task whose label a simple
 * rule decides. Splits hold encoded, padded token ids plus true lengths. */
#ifndef SENTUI_DATA_H
#define SENTUI_DATA_H

#include <stddef.h>
#include <stdint.h>
#include "config/config.h"

#define TOK_PAD 0
#define TOK_UNK 1

typedef struct Vocab {
    char **words;       /* words[id]; words[0] = "<PAD>", words[1] = "<UNK>" */
    int n;
    /* open-addressing hash: word -> id */
    int32_t *slots;
    uint32_t nslots;
} Vocab;

typedef struct Split {
    int n, T;           /* reviews, padded length (= data.max_len) */
    int32_t *tokens;    /* n x T, TOK_PAD after the true length */
    int32_t *lengths;   /* true (possibly truncated) length, >= 1 */
    int32_t *full_lengths; /* length before truncation */
    int32_t *labels;    /* 0 = negative, 1 = positive; own data: index into Dataset.classes */
    int32_t *ratings;   /* star rating from the file name (1-10), 0 when unknown */
} Split;

typedef struct DatasetStats {
    double load_seconds;
    int from_cache;
    long n_unsup;        /* unlabelled reviews seen (IMDb train/unsup) */
    long train_tokens;   /* tokens in train before truncation */
    long train_unk;      /* of which mapped to <UNK> */
    long test_tokens, test_unk;
    long distinct_train_words;
    char source[512];    /* path read */
    char cache_damaged[1024]; /* why an existing cache file was not used (it was rebuilt), else "" */
    char cache_unsaved[1024]; /* why the built dataset could not be cached, else "" */
} DatasetStats;

typedef struct Dataset {
    Vocab vocab;
    Split train, val, test;
    Split unsup;        /* unlabelled reviews (labels -1); empty unless model.pretrain needs them */
    /* Own data (data.dataset csv, tsv, jsonl, folders): the class names sorted
     * byte-wise, and the reader's warnings, one line each ("" when none).
     * IMDb and the synthetic task: n_classes 0 (negative and positive). */
    char **classes;
    int n_classes;
    char *warnings;
    DatasetStats stats;
} Dataset;

/* Tokenizer (the lab's preprocessing): see engine/tokenize.c for the exact rules.
 * Calls emit(ctx, word, len) for each lower-cased alphabetic token. */
typedef void (*TokenFn)(void *ctx, const char *word, size_t len);
void tokenize(const char *text, size_t len, TokenFn emit, void *ctx);

int vocab_lookup(const Vocab *v, const char *word, size_t len); /* TOK_UNK if absent */
int vocab_add(Vocab *v, const char *word, size_t len);          /* returns id */
int vocab_save(const Vocab *v, const char *path);
int vocab_load(Vocab *v, const char *path, char *err, size_t errlen);
void vocab_free(Vocab *v);

/* Encode a text with the vocabulary: ids into out[max_len], returns true length
 * (>= 1: an empty text becomes one <UNK>). truncate is TRUNC_HEAD or TRUNC_TAIL. */
int encode_text(const Vocab *v, const char *text, size_t len, int max_len, int truncate, int32_t *out);

/* Where the data lives on disk, given by the caller: the engine reads no
 * environment and assumes no working directory. The strings must outlive
 * whatever keeps the DataPaths (a Trainer keeps it for its run). */
typedef struct DataPaths {
    const char *imdb_path; /* aclImdb folder or .tar.gz when data.path is empty (NULL: none) */
    const char *cache_dir; /* folder of cached datasets and word vectors (NULL or "": nothing cached) */
    /* Called on the loading thread while a split is encoded (the slow part of
     * a WordPiece dataset): what ("train", "validation", "test", "unlabelled"),
     * done of total reviews, from 0 to total. NULL: not told. */
    void (*progress)(void *ctx, const char *what, long done, long total);
    void *progress_ctx;
} DataPaths;

/* Where the IMDb data is: data.path, else paths->imdb_path ("" when neither is
 * set; paths may be NULL). */
const char *dataset_imdb_path(const Config *c, const DataPaths *paths, char *buf, size_t n);

/* Loads the dataset the config describes: from paths->cache_dir when
 * data.cache is on and it holds the same data, else built and then cached
 * there. paths may be NULL (no IMDb location besides data.path, no cache). */
int dataset_load(const Config *c, const DataPaths *paths, Dataset *d, char *err, size_t errlen);
void dataset_free(Dataset *d);
void split_free(Split *s);

#endif
