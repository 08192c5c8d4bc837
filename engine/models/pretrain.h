/* model.pretrain: the embedding table of a new run starts from word2vec
 * vectors learnt on the training split and the unlabelled reviews (never on
 * validation or test text). The vectors are cached next to the dataset cache
 * (paths->cache_dir, when data.cache is on), keyed by everything they depend
 * on, so the runs of a sweep share them. */
#ifndef SENTUI_PRETRAIN_H
#define SENTUI_PRETRAIN_H

#include "config/config.h"
#include "data/data.h"

typedef struct PretrainInfo {
    int cached;      /* vectors came from the cache folder */
    double seconds;  /* spent learning or loading them */
    double loss;     /* mean pair loss of the last stretch (0 when cached) */
    long words;      /* corpus words per pass */
} PretrainInfo;

/* Progress of the word2vec passes; a non-zero return stops (pretrain_embeddings returns 1). */
typedef int (*PretrainProgress)(void *ctx, long done, long total, double loss);

/* Overwrites rows 2.. of table[vocab x embed_dim] (<PAD> and <UNK> keep their
 * values) with the vectors, rescaled to the spread of the table's current
 * values so the layers above see inputs of the size they were initialised for.
 * paths: as dataset_load was given (it names the data in the cache key).
 * Returns 0 (also when the config asks for no pretraining), 1 when stopped,
 * -1 with a message in err. */
int pretrain_embeddings(const Config *c, const DataPaths *paths, const Dataset *d, float *table,
                        PretrainProgress progress, void *ctx, PretrainInfo *info, char *err, size_t errlen);

#endif
