/* The raw reviews (text in fixed blocks plus a table of documents) and their
 * tokenization into interned word ids. Reading the IMDb archive is bound by
 * gzip on one core; while it runs, the calling thread tokenizes the reviews
 * already read, batch by batch, and what is left at the end is split across
 * the thread pool. Each batch interns into its own small table (cache
 * friendly); the tables are merged into one at the end. */
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "kernels/tensor.h"

char *raw_corpus_reserve(RawCorpus *c, size_t len, size_t written) {
    if (c->nblocks && c->used + len + 1 <= c->block_cap) return c->blocks[c->nblocks - 1] + c->used;
    size_t block = c->block_bytes ? c->block_bytes : RAW_CORPUS_BLOCK_BYTES;
    size_t cap = len + 1 > block ? len + 1 : block;
    char *b = malloc(cap);
    if (!b) return NULL;
    char **list = realloc(c->blocks, sizeof *list * (size_t)(c->nblocks + 1));
    if (!list) {
        free(b);
        return NULL;
    }
    if (written) memcpy(b, list[c->nblocks - 1] + c->used, written); /* the review started in the old block */
    c->blocks = list;
    c->blocks[c->nblocks++] = b;
    c->used = 0;
    c->block_cap = cap;
    return b;
}

int raw_corpus_commit(RawCorpus *c, int split, int label, int id, int rating, size_t len) {
    if (len > UINT32_MAX || !c->nblocks) return -1;
    int rc = 0;
    if (c->stream) pthread_mutex_lock(&c->stream->mu);
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 4096;
        RawDoc *d = realloc(c->docs, sizeof *d * (size_t)cap);
        if (d) {
            c->docs = d;
            c->cap = cap;
        } else {
            rc = -1;
        }
    }
    if (rc == 0) {
        char *text = c->blocks[c->nblocks - 1] + c->used;
        c->docs[c->n] = (RawDoc){split, label, id, rating, text, (uint32_t)len, (uint32_t)c->n};
        c->n++;
        c->used += len;
        c->text_bytes += len;
    }
    if (c->stream) {
        if ((c->n & 63) == 0) pthread_cond_signal(&c->stream->grew);
        pthread_mutex_unlock(&c->stream->mu);
    }
    return rc;
}

int raw_corpus_add(RawCorpus *c, int split, int label, int id, int rating, const char *text, size_t len) {
    char *dst = raw_corpus_reserve(c, len, 0);
    if (!dst) return -1;
    memcpy(dst, text, len);
    return raw_corpus_commit(c, split, label, id, rating, len);
}

void raw_corpus_finish(RawCorpus *c) {
    if (!c->stream) return;
    pthread_mutex_lock(&c->stream->mu);
    c->stream->finished = 1;
    pthread_cond_broadcast(&c->stream->grew);
    pthread_mutex_unlock(&c->stream->mu);
}

void raw_corpus_free(RawCorpus *c) {
    for (int b = 0; b < c->nblocks; b++) free(c->blocks[b]);
    free(c->blocks);
    free(c->docs);
    CorpusStream *s = c->stream;
    memset(c, 0, sizeof *c);
    c->stream = s;
}

typedef struct {
    int32_t split, label, id;
    uint32_t order;
    int32_t at;
} SortKey;

static int key_cmp(const void *pa, const void *pb) {
    const SortKey *a = pa, *b = pb;
    if (a->split != b->split) return a->split < b->split ? -1 : 1;
    if (a->label != b->label) return a->label < b->label ? -1 : 1;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

int corpus_sort(RawCorpus *rc, TokCorpus *tc) {
    int n = rc->n;
    SortKey *keys = malloc(sizeof *keys * (size_t)(n + 1));
    RawDoc *docs = malloc(sizeof *docs * (size_t)(n + 1));
    const int32_t **ids = tc ? malloc(sizeof *ids * (size_t)(n + 1)) : NULL;
    int32_t *len = tc ? malloc(sizeof *len * (size_t)(n + 1)) : NULL;
    if (!keys || !docs || (tc && (!ids || !len))) {
        free(keys), free(docs), free(ids), free(len);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const RawDoc *d = &rc->docs[i];
        keys[i] = (SortKey){d->split, d->label, d->id, d->order, i};
    }
    qsort(keys, (size_t)n, sizeof *keys, key_cmp);
    for (int i = 0; i < n; i++) {
        int from = keys[i].at;
        docs[i] = rc->docs[from];
        if (tc) ids[i] = tc->ids[from], len[i] = tc->len[from];
    }
    free(rc->docs);
    rc->docs = docs;
    rc->cap = n + 1;
    if (tc) {
        free(tc->ids);
        free(tc->len);
        tc->ids = ids;
        tc->len = len;
    }
    free(keys);
    return 0;
}

/* ---- tokenization --------------------------------------------------------- */

#define STREAM_BATCH 256 /* reviews tokenized at a time while reading goes on */

typedef struct {
    WordTable local;
    int32_t *buf;
    size_t n, cap;
    int d0, d1;
    int failed;
} Chunk;

typedef struct {
    const RawDoc *docs;
    TokCorpus *tc;
    Chunk *chunks;
    size_t *doc_off;
    int32_t **maps;
} TokJob;

static void emit_local(void *ctx, const char *w, size_t len) {
    Chunk *ch = ctx;
    if (ch->failed) return;
    int id = word_table_intern(&ch->local, w, len);
    if (id < 0) {
        ch->failed = 1;
        return;
    }
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 16384;
        int32_t *b = realloc(ch->buf, sizeof *b * cap);
        if (!b) {
            ch->failed = 1;
            return;
        }
        ch->buf = b;
        ch->cap = cap;
    }
    ch->buf[ch->n++] = id;
}

static void tokenize_chunk(Chunk *ch, const RawDoc *docs, TokCorpus *tc, size_t *doc_off) {
    for (int d = ch->d0; d < ch->d1; d++) {
        size_t before = ch->n;
        doc_off[d] = before;
        tokenize(docs[d - ch->d0].text, docs[d - ch->d0].len, emit_local, ch);
        tc->len[d] = (int32_t)(ch->n - before);
    }
}

static void tokenize_chunks(void *ctx, int begin, int end) {
    TokJob *job = ctx;
    for (int k = begin; k < end; k++) {
        Chunk *ch = &job->chunks[k];
        tokenize_chunk(ch, job->docs + ch->d0, job->tc, job->doc_off);
    }
}

static void remap_chunks(void *ctx, int begin, int end) {
    TokJob *job = ctx;
    for (int k = begin; k < end; k++) {
        Chunk *ch = &job->chunks[k];
        const int32_t *map = job->maps[k];
        for (size_t i = 0; i < ch->n; i++) ch->buf[i] = map[ch->buf[i]];
    }
}

typedef struct {
    Chunk *items;
    int n, cap;
} ChunkList;

static Chunk *chunk_new(ChunkList *l, int d0, int d1) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 256;
        Chunk *c = realloc(l->items, sizeof *c * (size_t)cap);
        if (!c) return NULL;
        l->items = c;
        l->cap = cap;
    }
    Chunk *c = &l->items[l->n++];
    memset(c, 0, sizeof *c);
    c->d0 = d0;
    c->d1 = d1;
    return c;
}

/* Grows the per-review arrays to hold n reviews. */
static int tc_reserve(TokCorpus *tc, size_t **doc_off, int n, int *cap) {
    if (n <= *cap) return 0;
    int c = *cap ? *cap : 4096;
    while (c < n) c *= 2;
    int32_t *len = realloc(tc->len, sizeof *len * (size_t)c);
    if (len) tc->len = len;
    size_t *off = realloc(*doc_off, sizeof *off * (size_t)c);
    if (off) *doc_off = off;
    if (!len || !off) return -1;
    *cap = c;
    return 0;
}

/* Tokenizes batches of reviews as the reader adds them; returns how many were done. */
static int tokenize_while_reading(RawCorpus *rc, TokCorpus *tc, ChunkList *chunks, size_t **doc_off, int *cap) {
    RawDoc batch[STREAM_BATCH];
    int next = 0;
    for (;;) {
        pthread_mutex_lock(&rc->stream->mu);
        while (!rc->stream->finished && rc->n - next < STREAM_BATCH) pthread_cond_wait(&rc->stream->grew, &rc->stream->mu);
        int finished = rc->stream->finished;
        if (!finished) memcpy(batch, rc->docs + next, sizeof batch); /* docs may move once unlocked */
        pthread_mutex_unlock(&rc->stream->mu);
        if (finished) return next;
        Chunk *ch = chunk_new(chunks, next, next + STREAM_BATCH);
        if (!ch || tc_reserve(tc, doc_off, next + STREAM_BATCH, cap)) return -1;
        tokenize_chunk(ch, batch, tc, *doc_off);
        if (ch->failed) return -1;
        next += STREAM_BATCH;
    }
}

int corpus_tokenize(RawCorpus *rc, TokCorpus *tc) {
    memset(tc, 0, sizeof *tc);
    ChunkList chunks = {0};
    size_t *doc_off = NULL;
    int cap = 0, done = 0, rcode = -1;
    int32_t **maps = NULL;
    if (rc->stream && (done = tokenize_while_reading(rc, tc, &chunks, &doc_off, &cap)) < 0) goto out;
    /* reading is over: the rest in fixed chunks across the pool */
    int n = rc->n, rest = n - done;
    int parts = (rest + STREAM_BATCH - 1) / STREAM_BATCH;
    if (parts < compute_threads()) parts = rest < compute_threads() ? rest : compute_threads();
    int first = chunks.n;
    for (int k = 0; k < parts; k++)
        if (!chunk_new(&chunks, done + (int)((long)rest * k / parts), done + (int)((long)rest * (k + 1) / parts)))
            goto out;
    if (tc_reserve(tc, &doc_off, n + 1, &cap)) goto out;
    TokJob job = {rc->docs, tc, chunks.items + first, doc_off, NULL};
    parallel_for(parts, tokenize_chunks, &job);

    /* one global table: merge the chunk tables in order, then renumber */
    maps = calloc((size_t)chunks.n + 1, sizeof *maps);
    tc->ids = calloc((size_t)n + 1, sizeof *tc->ids);
    tc->bufs = calloc((size_t)chunks.n + 1, sizeof *tc->bufs);
    if (!maps || !tc->ids || !tc->bufs) goto out;
    tc->n = n;
    for (int k = 0; k < chunks.n; k++) {
        Chunk *ch = &chunks.items[k];
        if (ch->failed) goto out;
        maps[k] = malloc(sizeof(int32_t) * (size_t)(ch->local.n + 1));
        if (!maps[k]) goto out;
        for (int w = 0; w < ch->local.n; w++) {
            int g = word_table_intern(&tc->words, word_table_word(&ch->local, w), ch->local.len[w]);
            if (g < 0) goto out;
            maps[k][w] = g;
        }
        word_table_free(&ch->local);
    }
    TokJob remap = {rc->docs, tc, chunks.items, doc_off, maps};
    parallel_for(chunks.n, remap_chunks, &remap);
    for (int k = 0; k < chunks.n; k++) {
        Chunk *ch = &chunks.items[k];
        for (int d = ch->d0; d < ch->d1; d++) tc->ids[d] = ch->buf ? ch->buf + doc_off[d] : NULL;
        tc->bufs[tc->nbufs++] = ch->buf;
        ch->buf = NULL;
    }
    rcode = 0;
out:
    for (int k = 0; k < chunks.n; k++) {
        word_table_free(&chunks.items[k].local);
        free(chunks.items[k].buf);
        if (maps) free(maps[k]);
    }
    free(maps);
    free(chunks.items);
    free(doc_off);
    if (rcode) tok_corpus_free(tc);
    return rcode;
}

void tok_corpus_free(TokCorpus *tc) {
    word_table_free(&tc->words);
    for (int k = 0; k < tc->nbufs; k++) free(tc->bufs[k]);
    free(tc->bufs);
    free(tc->ids);
    free(tc->len);
    memset(tc, 0, sizeof *tc);
}
