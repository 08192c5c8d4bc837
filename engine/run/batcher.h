/* Batches of a split, as training, evaluation (`eval`, validation and test
 * during training) and `sentui bench` all take them: the order of the
 * training examples in an epoch, the copy of a batch into the model's input
 * buffers, and the evaluation loop. One place, so the batches a benchmark
 * times and the metrics `eval` prints are those of a training run. */
#ifndef SENTUI_BATCHER_H
#define SENTUI_BATCHER_H

#include <stdint.h>

#include "data/data.h"
#include "models/model.h"
#include "run/metrics.h"

/* Batches sorted by length inside each chunk of this many batches: less
 * padding to compute over, while the chunk's batch order stays shuffled. */
#define BUCKET_BATCHES 32

/* The padded input buffers of up to max_B reviews of max_T tokens. */
typedef struct Batcher {
    int32_t *tok, *len, *lab, *pred;
    int max_B, max_T;
    int full_width; /* model.lab_compat: every batch as wide as its split */
} Batcher;

int batcher_init(Batcher *b, int max_B, int max_T, int full_width);
void batcher_free(Batcher *b);
/* Copies reviews idx[0..B) of s into the buffers, cut to the longest (B <= max_B). */
Batch batcher_gather(Batcher *b, const Split *s, const int32_t *idx, int B);
/* Metrics and mean loss of m over reviews order[0..n) of s, batch_size at a time. */
void batcher_evaluate(Batcher *b, Model *m, const Split *s, const int32_t *order, int n, int batch_size,
                      Metrics *out);
/* Indices of s sorted by length (ties by index, the same on every machine);
 * evaluation does not depend on the order, and similar lengths pad less.
 * malloc'd, NULL when out of memory. */
int32_t *batcher_sorted_order(const Split *s);

/* The training order of one epoch: batch k is order[batch_start[k] ..
 * batch_start[k+1]). */
typedef struct EpochOrder {
    int32_t *order;
    int *batch_start;
    int n, batch_size, n_batches;
} EpochOrder;

int epoch_order_init(EpochOrder *o, int n, int batch_size);
/* Depends only on (seed, epoch): shuffle, sort inside chunks of
 * BUCKET_BATCHES batches by length, cut into batches and shuffle the batches
 * of each chunk. A resumed run rebuilds the same order. */
void epoch_order_make(EpochOrder *o, const Split *s, uint64_t seed, int epoch);
void epoch_order_free(EpochOrder *o);

/* Whether two vocabularies give every word the same id: a split encoded with
 * one can only be fed to a model trained with the other when they do. */
int vocab_same(const Vocab *a, const Vocab *b);

#endif
