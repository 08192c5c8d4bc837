#include "data/wordpiece_learn.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "data/wordpiece.h"

/* ---- a table of byte strings with counts ------------------------------------ */

typedef struct Entry {
    char *s; /* NULL: empty slot */
    uint32_t n, hash;
    int chars;
    long count;
} Entry;

typedef struct Table {
    Entry *e;
    size_t cap, used;
    int oom;
} Table;

static Entry *table_find(Table *t, const char *s, size_t n, uint32_t h) {
    for (size_t i = h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        Entry *e = &t->e[i];
        if (!e->s || (e->hash == h && e->n == n && !memcmp(e->s, s, n))) return e;
    }
}

static int table_grow(Table *t) {
    size_t cap = t->cap ? t->cap * 2 : 1024;
    Entry *old = t->e, *e = calloc(cap, sizeof *e);
    if (!e) return -1;
    size_t old_cap = t->cap;
    t->e = e, t->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].s) *table_find(t, old[i].s, old[i].n, old[i].hash) = old[i];
    free(old);
    return 0;
}

static void table_add(Table *t, const char *s, size_t n, int chars, long count) {
    if (t->oom || ((t->used + 1) * 2 > t->cap && table_grow(t))) {
        t->oom = 1;
        return;
    }
    uint32_t h = data_hash32(s, n);
    Entry *e = table_find(t, s, n, h);
    if (!e->s) {
        if (!(e->s = malloc(n + 1))) {
            t->oom = 1;
            return;
        }
        memcpy(e->s, s, n);
        e->s[n] = 0;
        e->n = (uint32_t)n, e->hash = h, e->chars = chars;
        t->used++;
    }
    e->count += count;
}

static int table_has(Table *t, const char *s, size_t n) {
    return t->cap && table_find(t, s, n, data_hash32(s, n))->s != NULL;
}

static void table_free(Table *t) {
    for (size_t i = 0; i < t->cap; i++) free(t->e[i].s);
    free(t->e);
    memset(t, 0, sizeof *t);
}

/* The entries by score (count, or count x (chars - 1) with weigh), then bytes. */
static long score(const Entry *e, int weigh) { return weigh ? e->count * (e->chars - 1) : e->count; }

static int cmp_entry(const void *a, const void *b, void *weigh) {
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)b;
    long sx = score(x, *(int *)weigh), sy = score(y, *(int *)weigh);
    if (sx != sy) return sx > sy ? -1 : 1;
    return strcmp(x->s, y->s);
}

static Entry **sorted(const Table *t, int weigh) {
    Entry **v = malloc((t->used + 1) * sizeof *v);
    if (!v) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->e[i].s) v[k++] = &t->e[i];
    qsort_r(v, k, sizeof *v, cmp_entry, &weigh);
    return v;
}

/* ---- the vocabulary being written --------------------------------------------- */

typedef struct Out {
    char *buf;
    size_t len, cap;
    int n, max;
    Table seen;
    int oom;
} Out;

/* Adds a token unless it is there already or the vocabulary is full. */
static void out_add(Out *o, const char *s, size_t n) {
    if (o->n >= o->max || n == 0 || n > WORDPIECE_MAX_TOKEN_BYTES || table_has(&o->seen, s, n)) return;
    if (o->len + n + 2 > o->cap) {
        size_t cap = (o->cap + n + 2) * 2;
        char *b = realloc(o->buf, cap);
        if (!b) {
            o->oom = 1;
            return;
        }
        o->buf = b, o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->buf[o->len + n] = '\n';
    o->len += n + 1;
    o->buf[o->len] = 0;
    o->n++;
    table_add(&o->seen, s, n, 0, 1);
}

static void out_addz(Out *o, const char *s) { out_add(o, s, strlen(s)); }

/* ---- learning ------------------------------------------------------------------ */

static void count_word(void *ctx, const char *bytes, size_t n, int chars) {
    if (chars <= WORDPIECE_MAX_WORD_CHARS) table_add(ctx, bytes, n, chars, 1);
}

static size_t utf8_len(unsigned char b) { return b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1; }

/* Every character of every word: as a word start, and as "##" continuation. */
static void count_chars(const Table *words, Table *chars) {
    char piece[8];
    for (size_t i = 0; i < words->cap; i++) {
        const Entry *w = &words->e[i];
        for (size_t at = 0; w->s && at < w->n;) {
            size_t k = utf8_len((unsigned char)w->s[at]);
            if (at + k > w->n) break;
            size_t p = 0;
            if (at > 0) piece[p++] = '#', piece[p++] = '#';
            memcpy(piece + p, w->s + at, k);
            table_add(chars, piece, p + k, 1, w->count);
            at += k;
        }
    }
}

/* Prefixes and "##" suffixes (2..12 characters, not the whole word) of a word left out. */
static void count_pieces(const Entry *w, Table *pieces) {
    size_t cut[WORDPIECE_MAX_WORD_CHARS + 2];
    int c = 0;
    for (size_t at = 0; at < w->n && c <= WORDPIECE_MAX_WORD_CHARS; at += utf8_len((unsigned char)w->s[at])) cut[c++] = at;
    cut[c] = w->n;
    char buf[WORDPIECE_MAX_TOKEN_BYTES + 3];
    for (int k = 2; k < c && k <= 12; k++) {
        table_add(pieces, w->s, cut[k], k, w->count);
        size_t from = cut[c - k], n = w->n - from;
        if (n + 2 > sizeof buf) continue;
        buf[0] = buf[1] = '#';
        memcpy(buf + 2, w->s + from, n);
        table_add(pieces, buf, n + 2, k, w->count);
    }
}

static void add_specials(Out *o) {
    char name[32];
    out_addz(o, "[PAD]");
    for (int i = 0; i < 99; i++) snprintf(name, sizeof name, "[unused%d]", i), out_addz(o, name);
    out_addz(o, "[UNK]");
    out_addz(o, "[CLS]");
    out_addz(o, "[SEP]");
    out_addz(o, "[MASK]");
}

/* Characters, words, then pieces, into o. */
static int fill(Out *o, Table *words) {
    Table chars = {0}, pieces = {0};
    count_chars(words, &chars);
    Entry **c = sorted(&chars, 0), **w = sorted(words, 0);
    int rc = -1;
    if (!c || !w || chars.oom) goto done;
    size_t nc = chars.used, room = (size_t)(o->max - o->n);
    if (nc > room / 4) nc = room / 4; /* the most frequent characters; the rest are [UNK] */
    for (size_t i = 0; i < nc; i++) out_add(o, c[i]->s, c[i]->n);
    int word_room = o->n + (o->max - o->n) * 4 / 5;
    size_t i = 0;
    for (; i < words->used && o->n < word_room && w[i]->count >= 2; i++) out_add(o, w[i]->s, w[i]->n);
    for (; i < words->used; i++) count_pieces(w[i], &pieces);
    Entry **p = pieces.oom ? NULL : sorted(&pieces, 1);
    if (!p) goto done;
    for (size_t k = 0; k < pieces.used && o->n < o->max && p[k]->count >= 2; k++) out_add(o, p[k]->s, p[k]->n);
    /* room left over (a small text): the remaining words */
    for (size_t k = 0; k < words->used && o->n < o->max; k++) out_add(o, w[k]->s, w[k]->n);
    free(p);
    rc = o->oom ? -1 : 0;
done:
    free(c);
    free(w);
    table_free(&chars);
    table_free(&pieces);
    return rc;
}

char *wordpiece_learn(const char *const *texts, const size_t *lens, int n, int vocab_size, int lowercase, size_t *len,
                      char *err, size_t errlen) {
    if (vocab_size < 200) return snprintf(err, errlen, "a learnt WordPiece vocabulary needs at least 200 entries"), NULL;
    WordPiece *basic = wordpiece_basic(lowercase);
    Table words = {0};
    Out o = {.max = vocab_size};
    if (!basic) return snprintf(err, errlen, "out of memory"), NULL;
    for (int i = 0; i < n; i++) wordpiece_words(basic, texts[i], lens[i], count_word, &words);
    wordpiece_free(basic);
    add_specials(&o);
    int rc = words.oom ? -1 : fill(&o, &words);
    table_free(&words);
    table_free(&o.seen);
    if (rc || o.oom) {
        free(o.buf);
        snprintf(err, errlen, "out of memory learning the WordPiece vocabulary");
        return NULL;
    }
    *len = o.len;
    return o.buf;
}
