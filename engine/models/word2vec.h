/* Word vectors learnt without labels: skip-gram with negative sampling
 * (Mikolov et al., 2013), the method of the original word2vec tool. sentui uses
 * them to start a classifier's embedding table from what 75k reviews say about
 * each word instead of from noise (model.pretrain: word2vec). */
#ifndef SENTUI_WORD2VEC_H
#define SENTUI_WORD2VEC_H

#include <stdint.h>
#include "data/data.h"

typedef struct W2vOptions {
    int dim;          /* vector size */
    int epochs;       /* passes over the corpus */
    int window;       /* context of up to this many words each side (shrunk at random per word, as word2vec does) */
    int negatives;    /* noise words per (word, context) pair, drawn from counts^0.75 (at most 64) */
    double sample;    /* frequent-word subsampling threshold (word2vec's -sample) */
    double lr;        /* starting learning rate, decayed linearly to lr * 1e-4 */
    uint64_t seed;
    int shards;       /* trainers side by side, each on its own slice of every round (1: one sequential pass) */
    long sync_words;  /* words per shard between merges (with shards > 1) */
} W2vOptions;

enum { W2V_MAX_SHARDS = 64 };

/* word2vec's defaults for skip-gram, with a threshold suited to a corpus of ~20M words;
 * one shard. */
W2vOptions w2v_defaults(int dim, int epochs, int window, uint64_t seed);

/* Called every so often with words processed so far (of total) and the mean
 * loss of the last stretch; a non-zero return stops training. */
typedef int (*W2vProgress)(void *ctx, long done, long total, double loss);

/* Trains on the real tokens (<PAD> and <UNK> are skipped) of every review in
 * splits[0..nsplits) and writes the input vectors of all vocab_n words into
 * out[vocab_n x dim] (rows of words never seen keep their small random start).
 * The shards run on the compute threads (parallel_for), but the vectors depend
 * on the seed and o->shards alone: the same on any machine and thread count.
 * Returns 0, 1 when progress asked to stop, -1 out of memory or bad options. */
int w2v_train(const Split *const *splits, int nsplits, int vocab_n, const W2vOptions *o, float *out,
              W2vProgress progress, void *ctx);

#endif
