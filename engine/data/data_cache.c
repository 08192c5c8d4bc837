/* The encoded dataset cached in one binary file, <cache folder>/data-<key>.bin,
 * so a second load skips reading, tokenizing and counting. This file only
 * computes keys and writes and reads such a file; dataset.c decides when, and
 * cache_dir.c looks after the folder. The key hashes every
 * data.* setting (except data.cache), train.seed, whether the unlabelled
 * reviews are kept, the source's path and signature (for a folder, every
 * review file's name, size and times), and DATA_FORMAT_VERSION. The file is
 *   header: magic, version, key, payload size, checksum, counts, stats
 *   payload: vocabulary words (NUL-terminated, padded to 8 bytes), own data's
 *            class names then its warnings (NUL-terminated, padded to 8 bytes;
 *            nothing for IMDb and the synthetic task), then per
 *            split train/val/test/unsup: tokens n*T, lengths, full_lengths, labels,
 *            ratings (int32, host byte order: the cache is a local file)
 * written to a temporary file, fsync'ed and renamed. The checksum covers the
 * header too (with its checksum field zero), and the header's counts are
 * checked against the payload. A file whose size, key, version, checksum or
 * counts do not match is ignored, rebuilt, and the reason given. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hash.h"
#include "data/data_internal.h"
#include "data/own_data.h"
#include "data/wordpiece_data.h"
#include "common/safe_open.h"

enum { DATA_SPLITS = 4 }; /* train, val, test, unsup */
#define MAX_CLASSES_CACHED 4096
static const char MAGIC[8] = {'S', 'N', 'T', 'U', 'D', 'A', 'T', 'A'};

typedef struct CacheHeader {
    char magic[8];
    uint32_t version, header_bytes;
    uint64_t key;
    uint64_t payload_bytes;
    uint64_t checksum;
    int32_t n[DATA_SPLITS], T, vocab_n;
    uint64_t vocab_bytes;
    int64_t n_unsup, train_tokens, train_unk, test_tokens, test_unk, distinct_train_words;
    int32_t n_classes, pad;
    uint64_t meta_bytes; /* class names and warnings */
} CacheHeader;

/* ---- hashing -------------------------------------------------------------- */

/* Four independent multiply-xor lanes over 8-byte words (fast enough to check
 * 50 MB in a few milliseconds), folded with the block length into h. */
uint64_t data_checksum(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    uint64_t lane[4] = {0x243f6a8885a308d3ull, 0x13198a2e03707344ull, 0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull};
    const uint64_t P = 0x100000001b3ull;
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++) {
            uint64_t w;
            memcpy(&w, b + i + 8 * k, 8);
            lane[k] = (lane[k] ^ w) * P;
        }
    for (; i < n; i++) lane[i & 3] = (lane[i & 3] ^ b[i]) * P;
    uint64_t x = hash_mix64(h ^ n);
    for (int k = 0; k < 4; k++) x = hash_mix64(x ^ lane[k]) + (uint64_t)k;
    return x;
}

static uint64_t mix_bytes(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}
static uint64_t mix_text(uint64_t h, const char *s) { return mix_bytes(h, s ? s : "", strlen(s ? s : "") + 1); }
static uint64_t mix_INT(uint64_t h, const int *v) { return mix_bytes(h, v, sizeof *v); }
static uint64_t mix_FLOAT(uint64_t h, const double *v) { return mix_bytes(h, v, sizeof *v); }
#define mix_BOOL mix_INT
#define mix_ENUM mix_INT
static uint64_t mix_STR(uint64_t h, char *const *v) { return mix_text(h, *v); }

uint64_t data_cache_key(const Config *c, const char *source) {
    uint64_t h = 0xcbf29ce484222325ull;
    uint32_t version = DATA_FORMAT_VERSION;
    h = mix_bytes(h, &version, sizeof version);
    /* every data.* key, so a key added to the schema is covered without edits here */
#define KEY_FIELD(sec, name, type, def, lo, hi, vals, archs, help)                      \
    if (!strcmp(#sec, "data") && strcmp(#name, "cache")) {                              \
        h = mix_text(h, #sec "." #name);                                                \
        h = mix_##type(h, &c->sec##_##name);                                            \
    }
    CONFIG_SCHEMA(KEY_FIELD)
#undef KEY_FIELD
    h = mix_text(h, "train.seed");
    h = mix_INT(h, &c->train_seed);
    int unsup = dataset_wants_unsup(c);
    h = mix_text(h, "unsup");
    h = mix_INT(h, &unsup);
    if (data_uses_wordpiece(c)) {
        /* the text is the model folder's WordPiece ids, not sentui's words */
        uint64_t sig = data_wordpiece_signature(c);
        h = mix_text(h, "tokenizer=wordpiece");
        h = mix_bytes(h, &sig, sizeof sig);
    }
    if (source) {
        h = mix_text(h, source);
        uint64_t sig = imdb_source_signature(source, unsup);
        h = mix_bytes(h, &sig, sizeof sig);
    }
    if (DATASET_IS_OWN(c->data_dataset)) {
        uint64_t sig = own_data_signature(c);
        h = mix_bytes(h, &sig, sizeof sig);
    }
    return hash_mix64(h);
}

/* ---- layout --------------------------------------------------------------- */

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

static Split *split_at(Dataset *d, int s) {
    Split *all[DATA_SPLITS] = {&d->train, &d->val, &d->test, &d->unsup};
    return all[s];
}

/* Each block of the payload in order: pointer to the array field and its size. */
typedef struct {
    int32_t **field;
    size_t bytes;
} Block;

static int blocks_of(Dataset *d, Block *b) {
    int m = 0;
    for (int s = 0; s < DATA_SPLITS; s++) {
        Split *sp = split_at(d, s);
        size_t n = (size_t)sp->n;
        b[m++] = (Block){&sp->tokens, n * (size_t)sp->T * 4};
        b[m++] = (Block){&sp->lengths, n * 4};
        b[m++] = (Block){&sp->full_lengths, n * 4};
        b[m++] = (Block){&sp->labels, n * 4};
        b[m++] = (Block){&sp->ratings, n * 4};
    }
    return m;
}

/* ---- load ----------------------------------------------------------------- */

static int read_all(FILE *f, void *p, size_t n) { return n == 0 || fread(p, 1, n, f) == n ? 0 : -1; }

/* Checksum of the header with its own checksum field zero: the first block. */
static uint64_t header_sum(const CacheHeader *h) {
    CacheHeader z = *h;
    z.checksum = 0;
    return data_checksum(0, &z, sizeof z);
}

static int64_t sum_lengths(const Split *s) {
    int64_t t = 0;
    for (int i = 0; i < s->n; i++) t += s->full_lengths[i];
    return t;
}

/* The payload's ids, lengths and the header's counts, once the checksum matched:
 * a wrong count would print nonsense, a wrong id index past the embedding table. */
static const char *check_contents(const CacheHeader *h, Dataset *d) {
    for (int s = 0; s < DATA_SPLITS; s++) {
        Split *sp = split_at(d, s);
        for (size_t i = 0; i < (size_t)sp->n * (size_t)sp->T; i++)
            if (sp->tokens[i] < 0 || sp->tokens[i] >= d->vocab.n) return "a token id outside the vocabulary";
        for (int i = 0; i < sp->n; i++)
            if (sp->lengths[i] < 1 || sp->lengths[i] > sp->T || sp->full_lengths[i] < 0) return "a review length out of range";
    }
    if (h->train_tokens != sum_lengths(&d->train) || h->test_tokens != sum_lengths(&d->test))
        return "token counts that do not match the reviews";
    if (h->train_unk < 0 || h->train_unk > h->train_tokens || h->test_unk < 0 || h->test_unk > h->test_tokens)
        return "<UNK> counts out of range";
    /* no bound from the vocabulary: a WordPiece one can hold more entries than the words seen */
    if (h->n_unsup < h->n[3] || h->distinct_train_words < 0) return "word or review counts out of range";
    return NULL;
}

static const char *check_header(const CacheHeader *h, uint64_t key, const struct stat *st) {
    if (memcmp(h->magic, MAGIC, 8)) return "not a sentui data cache";
    if (h->version != DATA_FORMAT_VERSION || h->header_bytes != sizeof *h) return "written by another version of sentui";
    if (h->key != key) return "made for other settings or data";
    for (int s = 0; s < DATA_SPLITS; s++)
        if (h->n[s] < 0) return "damaged (negative review count)";
    if (h->T < 1 || h->T > 1000000 || h->vocab_n < 2 || h->vocab_bytes > (uint64_t)st->st_size ||
        h->meta_bytes > (uint64_t)st->st_size || h->n_classes < 0 || h->n_classes > MAX_CLASSES_CACHED ||
        (h->n_classes > 0) != (h->meta_bytes > 0))
        return "damaged (sizes out of range)";
    /* sizes must add up to the file exactly before anything is allocated */
    uint64_t expect = pad8(h->vocab_bytes) + pad8(h->meta_bytes);
    for (int s = 0; s < DATA_SPLITS; s++) expect += (uint64_t)h->n[s] * ((uint64_t)h->T + 4) * 4;
    if (expect != h->payload_bytes || (uint64_t)st->st_size != sizeof *h + expect)
        return "truncated or damaged (its size does not match its header)";
    return NULL;
}

/* Own data's class names (n, each below the run's limit, labels 0..n-1 only)
 * and its warnings, from the meta block. */
static int read_meta(Dataset *d, char *meta, uint64_t bytes, int n) {
    meta[bytes] = 0;
    const char *p = meta, *end = meta + bytes;
    if (!(d->classes = calloc((size_t)n, sizeof *d->classes))) return -1;
    for (int i = 0; i < n; i++) {
        const char *z = memchr(p, 0, (size_t)(end - p));
        if (!z || !(d->classes[i] = strdup(p))) return -1;
        d->n_classes = i + 1;
        p = z + 1;
    }
    if (p >= end || !(d->warnings = strdup(p)) || p + strlen(p) + 1 != end) return -1;
    Split *all[3] = {&d->train, &d->val, &d->test};
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < all[s]->n; i++)
            if (all[s]->labels[i] < 0 || all[s]->labels[i] >= n) return -1;
    return 0;
}

int data_cache_load(const char *path, uint64_t key, Dataset *d, char *why, size_t whylen) {
    memset(d, 0, sizeof *d);
    char whybuf[512];
    if (!why) why = whybuf, whylen = sizeof whybuf;
    FILE *f = safe_fopen_read(path, 0, why, whylen);
    if (!f) return errno == ENOENT ? 1 : -1;
    char *vbytes = NULL, *meta = NULL;
    const char *bad = "truncated (cannot read its header)";
    struct stat st;
    CacheHeader h;
    if (fstat(fileno(f), &st) || read_all(f, &h, sizeof h)) goto fail;
    if ((bad = check_header(&h, key, &st))) goto fail;
    bad = "damaged (checksum mismatch)";
    uint64_t sum = header_sum(&h);
    vbytes = malloc(pad8(h.vocab_bytes) + 1);
    if (!vbytes || read_all(f, vbytes, pad8(h.vocab_bytes))) goto fail;
    sum = data_checksum(sum, vbytes, pad8(h.vocab_bytes));
    if (h.meta_bytes) {
        if (!(meta = malloc(pad8(h.meta_bytes) + 1)) || read_all(f, meta, pad8(h.meta_bytes))) goto fail;
        sum = data_checksum(sum, meta, pad8(h.meta_bytes));
    }
    for (int s = 0; s < DATA_SPLITS; s++) {
        Split *sp = split_at(d, s);
        sp->n = h.n[s];
        sp->T = h.T;
    }
    Block b[5 * DATA_SPLITS];
    int nb = blocks_of(d, b);
    for (int k = 0; k < nb; k++) {
        *b[k].field = malloc(b[k].bytes ? b[k].bytes : 4);
        if (!*b[k].field || read_all(f, *b[k].field, b[k].bytes)) goto fail;
        sum = data_checksum(sum, *b[k].field, b[k].bytes);
    }
    if (sum != h.checksum) goto fail;
    /* the vocabulary: vocab_n NUL-terminated words, ids in order */
    bad = "damaged (vocabulary)";
    vbytes[h.vocab_bytes] = 0;
    const char *w = vbytes, *end = vbytes + h.vocab_bytes;
    for (int i = 0; i < h.vocab_n; i++) {
        const char *z = memchr(w, 0, (size_t)(end - w));
        if (!z || vocab_add(&d->vocab, w, (size_t)(z - w)) != i) goto fail;
        w = z + 1;
    }
    if (w != end) goto fail;
    if ((bad = check_contents(&h, d))) goto fail;
    bad = "damaged (class names)";
    if (h.meta_bytes && read_meta(d, meta, h.meta_bytes, h.n_classes)) goto fail;
    free(meta);
    free(vbytes);
    fclose(f);
    d->stats.n_unsup = h.n_unsup;
    d->stats.train_tokens = h.train_tokens;
    d->stats.train_unk = h.train_unk;
    d->stats.test_tokens = h.test_tokens;
    d->stats.test_unk = h.test_unk;
    d->stats.distinct_train_words = h.distinct_train_words;
    d->stats.from_cache = 1;
    return 0;
fail:
    snprintf(why, whylen, "%s", bad);
    free(meta);
    free(vbytes);
    fclose(f);
    dataset_free(d);
    return -1;
}

/* ---- save ----------------------------------------------------------------- */

/* The class names and warnings back to back, NUL-terminated, zero-padded to 8. */
static char *meta_block(const Dataset *d, uint64_t *bytes) {
    const char *w = d->warnings ? d->warnings : "";
    size_t n = strlen(w) + 1;
    for (int i = 0; i < d->n_classes; i++) n += strlen(d->classes[i]) + 1;
    char *m = calloc(1, pad8(n) + 1), *p = m;
    if (!m) return NULL;
    for (int i = 0; i < d->n_classes; i++) p = stpcpy(p, d->classes[i]) + 1;
    strcpy(p, w);
    *bytes = n;
    return m;
}

int data_cache_save(const char *path, uint64_t key, const Dataset *dc, char *why, size_t whylen) {
    char whybuf[512];
    if (!why) why = whybuf, whylen = sizeof whybuf;
    Dataset *d = (Dataset *)dc; /* blocks_of hands out field pointers; nothing is written through them here */
    CacheHeader h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    h.version = DATA_FORMAT_VERSION;
    h.header_bytes = sizeof h;
    h.key = key;
    for (int s = 0; s < DATA_SPLITS; s++) h.n[s] = split_at(d, s)->n;
    h.T = d->train.T;
    h.vocab_n = d->vocab.n;
    for (int i = 0; i < d->vocab.n; i++) h.vocab_bytes += strlen(d->vocab.words[i]) + 1;
    h.n_unsup = d->stats.n_unsup;
    h.train_tokens = d->stats.train_tokens;
    h.train_unk = d->stats.train_unk;
    h.test_tokens = d->stats.test_tokens;
    h.test_unk = d->stats.test_unk;
    h.distinct_train_words = d->stats.distinct_train_words;
    for (int s = 0; s < DATA_SPLITS; s++)
        if (split_at(d, s)->n && split_at(d, s)->T != h.T) return snprintf(why, whylen, "splits of unequal lengths"), -1;

    h.n_classes = d->n_classes;
    char *meta = d->n_classes ? meta_block(d, &h.meta_bytes) : NULL;
    char *vbytes = calloc(1, pad8(h.vocab_bytes) + 1);
    if (!vbytes || (d->n_classes && !meta)) {
        free(meta);
        free(vbytes);
        return snprintf(why, whylen, "out of memory"), -1;
    }
    size_t at = 0;
    for (int i = 0; i < d->vocab.n; i++) {
        size_t len = strlen(d->vocab.words[i]) + 1;
        memcpy(vbytes + at, d->vocab.words[i], len);
        at += len;
    }
    Block b[5 * DATA_SPLITS];
    int nb = blocks_of(d, b);
    h.payload_bytes = pad8(h.vocab_bytes) + pad8(h.meta_bytes);
    h.checksum = 0;
    for (int k = 0; k < nb; k++) h.payload_bytes += b[k].bytes;
    h.checksum = data_checksum(header_sum(&h), vbytes, pad8(h.vocab_bytes));
    if (meta) h.checksum = data_checksum(h.checksum, meta, pad8(h.meta_bytes));
    for (int k = 0; k < nb; k++) h.checksum = data_checksum(h.checksum, *b[k].field, b[k].bytes);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = safe_fopen_write(tmp, "wb", why, whylen);
    if (!f) {
        free(meta);
        free(vbytes);
        return -1;
    }
    int bad = fwrite(&h, sizeof h, 1, f) != 1;
    bad |= fwrite(vbytes, 1, pad8(h.vocab_bytes), f) != pad8(h.vocab_bytes);
    bad |= meta && fwrite(meta, 1, pad8(h.meta_bytes), f) != pad8(h.meta_bytes);
    free(meta);
    for (int k = 0; k < nb && !bad; k++) bad |= b[k].bytes && fwrite(*b[k].field, 1, b[k].bytes, f) != b[k].bytes;
    free(vbytes);
    bad |= fflush(f) != 0;
    bad |= fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        snprintf(why, whylen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}
