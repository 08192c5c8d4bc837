/* The raw reviews (one text arena plus a table of documents) and their
 * tokenization into interned word ids, in parallel over fixed chunks of reviews
 * so the outcome is the same for any number of threads. */
#include <stdlib.h>
#include <string.h>

#include "data_internal.h"
#include "tensor.h"

char *raw_corpus_reserve(RawCorpus *c, size_t len) {
    if (c->text_len + len + 1 > c->text_cap) {
        size_t cap = c->text_cap ? c->text_cap : (1u << 20);
        while (cap < c->text_len + len + 1) cap *= 2;
        char *t = realloc(c->text, cap);
        if (!t) return NULL;
        c->text = t;
        c->text_cap = cap;
    }
    return c->text + c->text_len;
}

int raw_corpus_commit(RawCorpus *c, int split, int label, int id, int rating, size_t len) {
    if (len > UINT32_MAX) return -1;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 1024;
        RawDoc *d = realloc(c->docs, sizeof *d * (size_t)cap);
        if (!d) return -1;
        c->docs = d;
        c->cap = cap;
    }
    c->docs[c->n] = (RawDoc){split, label, id, rating, c->text_len, (uint32_t)len, (uint32_t)c->n};
    c->n++;
    c->text_len += len;
    return 0;
}

int raw_corpus_add(RawCorpus *c, int split, int label, int id, int rating, const char *text, size_t len) {
    char *dst = raw_corpus_reserve(c, len);
    if (!dst) return -1;
    memcpy(dst, text, len);
    return raw_corpus_commit(c, split, label, id, rating, len);
}

static int doc_cmp(const void *pa, const void *pb) {
    const RawDoc *a = pa, *b = pb;
    if (a->split != b->split) return a->split < b->split ? -1 : 1;
    if (a->label != b->label) return a->label < b->label ? -1 : 1;
    if (a->id != b->id) return a->id < b->id ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

void raw_corpus_sort(RawCorpus *c) {
    if (c->n > 1) qsort(c->docs, (size_t)c->n, sizeof *c->docs, doc_cmp);
}

void raw_corpus_free(RawCorpus *c) {
    free(c->text);
    free(c->docs);
    memset(c, 0, sizeof *c);
}

/* ---- parallel tokenization ------------------------------------------------ */

/* Fixed count, independent of threads: each chunk interns into its own table. */
#define TOK_CHUNKS 64

typedef struct {
    WordTable local;
    int32_t *buf;
    size_t n, cap;
    int d0, d1;
    int failed;
} Chunk;

typedef struct {
    const RawCorpus *rc;
    TokCorpus *tc;
    Chunk *chunks;
    size_t *doc_off;
    WordTable *global;
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
        size_t cap = ch->cap ? ch->cap * 2 : 65536;
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

static void tokenize_chunks(void *ctx, int begin, int end) {
    TokJob *job = ctx;
    for (int k = begin; k < end; k++) {
        Chunk *ch = &job->chunks[k];
        for (int d = ch->d0; d < ch->d1; d++) {
            const RawDoc *doc = &job->rc->docs[d];
            size_t before = ch->n;
            job->doc_off[d] = before;
            tokenize(job->rc->text + doc->off, doc->len, emit_local, ch);
            job->tc->len[d] = (int32_t)(ch->n - before);
        }
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

int corpus_tokenize(const RawCorpus *rc, TokCorpus *tc) {
    memset(tc, 0, sizeof *tc);
    int n = rc->n, nch = n < TOK_CHUNKS ? (n > 0 ? n : 1) : TOK_CHUNKS;
    TokJob job = {rc, tc, calloc((size_t)nch, sizeof(Chunk)), malloc(sizeof(size_t) * (size_t)(n + 1)), &tc->words,
                  calloc((size_t)nch, sizeof(int32_t *))};
    tc->n = n;
    tc->len = calloc((size_t)n + 1, sizeof *tc->len);
    tc->ids = calloc((size_t)n + 1, sizeof *tc->ids);
    int rc_ = -1;
    if (!job.chunks || !job.doc_off || !job.maps || !tc->len || !tc->ids) goto done;
    for (int k = 0; k < nch; k++) {
        job.chunks[k].d0 = (int)((long)n * k / nch);
        job.chunks[k].d1 = (int)((long)n * (k + 1) / nch);
    }
    parallel_for(nch, tokenize_chunks, &job);
    /* merge the chunk tables in chunk order into one global table */
    for (int k = 0; k < nch; k++) {
        Chunk *ch = &job.chunks[k];
        if (ch->failed) goto done;
        job.maps[k] = malloc(sizeof(int32_t) * (size_t)(ch->local.n + 1));
        if (!job.maps[k]) goto done;
        for (int w = 0; w < ch->local.n; w++) {
            int g = word_table_intern(&tc->words, word_table_word(&ch->local, w), ch->local.len[w]);
            if (g < 0) goto done;
            job.maps[k][w] = g;
        }
        word_table_free(&ch->local);
    }
    parallel_for(nch, remap_chunks, &job);
    tc->bufs = malloc(sizeof *tc->bufs * (size_t)nch);
    if (!tc->bufs) goto done;
    for (int k = 0; k < nch; k++) {
        Chunk *ch = &job.chunks[k];
        tc->bufs[tc->nbufs++] = ch->buf;
        for (int d = ch->d0; d < ch->d1; d++) tc->ids[d] = ch->buf ? ch->buf + job.doc_off[d] : NULL;
        ch->buf = NULL;
    }
    rc_ = 0;
done:
    if (job.chunks)
        for (int k = 0; k < nch; k++) {
            word_table_free(&job.chunks[k].local);
            free(job.chunks[k].buf);
        }
    if (job.maps)
        for (int k = 0; k < nch; k++) free(job.maps[k]);
    free(job.maps);
    free(job.chunks);
    free(job.doc_off);
    if (rc_) tok_corpus_free(tc);
    return rc_;
}

void tok_corpus_free(TokCorpus *tc) {
    word_table_free(&tc->words);
    for (int k = 0; k < tc->nbufs; k++) free(tc->bufs[k]);
    free(tc->bufs);
    free(tc->ids);
    free(tc->len);
    memset(tc, 0, sizeof *tc);
}
