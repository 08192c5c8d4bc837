/* Cached word2vec vectors for model.pretrain. Cache file <cache folder>/w2v-<key>.bin:
 * magic, vocabulary size, dimension, key, checksum, then vocab x dim floats
 * (host byte order: the cache is a local file); written to a temporary file
 * and renamed, and ignored (relearnt) when anything does not match. */
#include "models/pretrain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/cache_dir.h"
#include "data/data_internal.h"
#include "run/run.h"
#include "kernels/tensor.h"
#include "models/word2vec.h"
#include "common/safe_open.h"

#define W2V_FORMAT 1
#define W2V_KEEP 8 /* w2v-*.bin files kept in the cache */

static const char MAGIC[8] = {'S', 'N', 'T', 'U', 'W', '2', 'V', '1'};

typedef struct {
    char magic[8];
    uint32_t vocab_n, dim;
    uint64_t key, checksum;
} W2vHeader;

static uint64_t vectors_key(const Config *c, const DataPaths *paths, const Dataset *d, const W2vOptions *o) {
    char source[512];
    int synthetic = c->data_dataset == DATASET_SYNTHETIC;
    if (!synthetic) dataset_imdb_path(c, paths, source, sizeof source);
    uint64_t h = data_cache_key(c, synthetic ? NULL : source);
    int32_t v[6] = {W2V_FORMAT, o->dim, o->epochs, o->window, o->negatives, d->vocab.n};
    double f[2] = {o->sample, o->lr};
    h = data_checksum(h, v, sizeof v);
    h = data_checksum(h, f, sizeof f);
    if (o->shards > 1) { /* one shard keeps the key of the vectors from before shards */
        int64_t sh[2] = {o->shards, o->sync_words};
        h = data_checksum(h, sh, sizeof sh);
    }
    return data_checksum(h, &o->seed, sizeof o->seed);
}

static int load_vectors(const char *path, uint64_t key, int vocab_n, int dim, float *out) {
    FILE *f = safe_fopen_read(path, 0, NULL, 0);
    if (!f) return -1;
    W2vHeader h;
    size_t n = (size_t)vocab_n * dim;
    int ok = fread(&h, sizeof h, 1, f) == 1 && !memcmp(h.magic, MAGIC, 8) && h.key == key &&
             h.vocab_n == (uint32_t)vocab_n && h.dim == (uint32_t)dim && fread(out, sizeof(float), n, f) == n &&
             fgetc(f) == EOF && data_checksum(0, out, n * sizeof(float)) == h.checksum;
    fclose(f);
    return ok ? 0 : -1;
}

static int save_vectors(const char *dir, const char *path, uint64_t key, int vocab_n, int dim, const float *v) {
    size_t n = (size_t)vocab_n * dim;
    W2vHeader h = {.vocab_n = (uint32_t)vocab_n, .dim = (uint32_t)dim, .key = key};
    memcpy(h.magic, MAGIC, 8);
    h.checksum = data_checksum(0, v, n * sizeof(float));
    char *buf = malloc(sizeof h + n * sizeof(float)), err[64];
    if (!buf) return -1;
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, v, n * sizeof(float));
    cache_dir_prepare(dir); /* when it fails, so does the write */
    int rc = write_file_atomic(path, buf, sizeof h + n * sizeof(float), err, sizeof err);
    free(buf);
    if (rc == 0) cache_dir_prune(dir, "w2v-", W2V_KEEP);
    return rc;
}

static double spread(const float *x, size_t n) {
    double s = 0, s2 = 0;
    for (size_t i = 0; i < n; i++) s += x[i], s2 += (double)x[i] * x[i];
    double mean = n ? s / (double)n : 0;
    return n ? sqrt(fmax(s2 / (double)n - mean * mean, 0)) : 0;
}

int pretrain_embeddings(const Config *c, const DataPaths *paths, const Dataset *d, float *table,
                        PretrainProgress progress, void *ctx, PretrainInfo *info, char *err, size_t errlen) {
    memset(info, 0, sizeof *info);
    if (c->model_pretrain == PRETRAIN_NONE) return 0;
    const int V = d->vocab.n, E = c->model_embed_dim;
    double t0 = now_seconds();
    W2vOptions o = w2v_defaults(E, c->model_pretrain_epochs, c->model_pretrain_window, (uint64_t)c->train_seed);
    /* a setting rather than the thread count, so a seed gives the same vectors
     * (and the same accuracy) on any machine */
    o.shards = c->model_pretrain_shards;
    const char *cache_dir = data_cache_dir(c, paths);
    uint64_t key = vectors_key(c, paths, d, &o);
    char path[4200] = "";
    if (cache_dir) cache_file_path(cache_dir, "w2v-", key, path, sizeof path);
    float *vec = malloc(sizeof(float) * (size_t)V * E);
    if (!vec) return snprintf(err, errlen, "out of memory for %d word vectors", V), -1;
    const Split *corpus[2] = {&d->train, &d->unsup};
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < corpus[s]->n; i++) info->words += corpus[s]->lengths[i];
    if (cache_dir && load_vectors(path, key, V, E, vec) == 0) {
        info->cached = 1;
    } else {
        int rc = w2v_train(corpus, 2, V, &o, vec, progress, ctx);
        if (rc) {
            free(vec);
            if (rc > 0) return 1;
            return snprintf(err, errlen, "out of memory learning word vectors"), -1;
        }
        /* a cache that cannot be written only costs time next run */
        if (cache_dir) save_vectors(cache_dir, path, key, V, E, vec);
    }
    if (V > 2) {
        size_t rows = (size_t)(V - 2) * E;
        double want = spread(table + 2 * (size_t)E, rows), have = spread(vec + 2 * (size_t)E, rows);
        float scale = have > 0 ? (float)(want / have) : 1.0f;
        for (size_t i = 0; i < rows; i++) table[2 * (size_t)E + i] = vec[2 * (size_t)E + i] * scale;
    }
    free(vec);
    info->seconds = now_seconds() - t0;
    return 0;
}
