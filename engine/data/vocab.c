/* The vocabulary: id <-> word with an open-addressing hash, built from training
 * counts in a fixed order (frequency, then bytes) so the same data always gives
 * the same ids, and saved as vocab.txt (line number = id). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"
#include "common/safe_open.h"

static const char *const PAD_WORD = "<PAD>", *const UNK_WORD = "<UNK>";

static int32_t *find_slot(const Vocab *v, const char *word, size_t len) {
    uint32_t mask = v->nslots - 1, i = data_hash32(word, len) & mask;
    for (;; i = (i + 1) & mask) {
        int32_t id = v->slots[i];
        if (id < 0) return &v->slots[i];
        if (strnlen(v->words[id], len + 1) == len && !memcmp(v->words[id], word, len)) return &v->slots[i];
    }
}

static int find_id(const Vocab *v, const char *word, size_t len) {
    return v->slots ? *find_slot(v, word, len) : -1;
}

int vocab_lookup(const Vocab *v, const char *word, size_t len) {
    int id = find_id(v, word, len);
    return id >= 0 ? id : TOK_UNK;
}

static int rehash(Vocab *v, uint32_t nslots) {
    int32_t *slots = malloc(sizeof *slots * nslots);
    if (!slots) return -1;
    memset(slots, 0xff, sizeof *slots * nslots);
    free(v->slots);
    v->slots = slots;
    v->nslots = nslots;
    for (int id = 0; id < v->n; id++) *find_slot(v, v->words[id], strlen(v->words[id])) = id;
    return 0;
}

int vocab_add(Vocab *v, const char *word, size_t len) {
    if (!v->slots || (uint32_t)(v->n + 1) * 2 > v->nslots) {
        if (rehash(v, v->slots ? v->nslots * 2 : 64)) return -1;
    }
    int32_t *slot = find_slot(v, word, len);
    if (*slot >= 0) return *slot;
    /* words[] grows by doubling whenever n reaches a power of two */
    if (v->n == 0 || (v->n & (v->n - 1)) == 0) {
        char **w = realloc(v->words, sizeof *w * (size_t)(v->n ? v->n * 2 : 2));
        if (!w) return -1;
        v->words = w;
    }
    char *copy = malloc(len + 1);
    if (!copy) return -1;
    memcpy(copy, word, len);
    copy[len] = 0;
    v->words[v->n] = copy;
    *slot = v->n;
    return v->n++;
}

void vocab_free(Vocab *v) {
    for (int i = 0; i < v->n; i++) free(v->words[i]);
    free(v->words);
    free(v->slots);
    memset(v, 0, sizeof *v);
}

typedef struct {
    int64_t count;
    const char *word;
    uint32_t len;
} Candidate;

static int candidate_cmp(const void *pa, const void *pb) {
    const Candidate *a = pa, *b = pb;
    if (a->count != b->count) return a->count > b->count ? -1 : 1;
    return strcmp(a->word, b->word);
}

int vocab_build(Vocab *v, const WordTable *words, const int64_t *counts, int vocab_size, int min_freq) {
    memset(v, 0, sizeof *v);
    if (vocab_add(v, PAD_WORD, 5) != TOK_PAD || vocab_add(v, UNK_WORD, 5) != TOK_UNK) goto fail;
    Candidate *cand = malloc(sizeof *cand * (size_t)(words->n + 1));
    if (!cand) goto fail;
    int nc = 0;
    for (int id = 0; id < words->n; id++)
        if (counts[id] > 0 && counts[id] >= min_freq)
            cand[nc++] = (Candidate){counts[id], word_table_word(words, id), words->len[id]};
    qsort(cand, (size_t)nc, sizeof *cand, candidate_cmp);
    int keep = vocab_size - 2 < nc ? vocab_size - 2 : nc;
    for (int i = 0; i < keep; i++)
        if (vocab_add(v, cand[i].word, cand[i].len) < 0) {
            free(cand);
            goto fail;
        }
    free(cand);
    return 0;
fail:
    vocab_free(v);
    return -1;
}

int vocab_save(const Vocab *v, const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = safe_fopen_write(tmp, "wb", NULL, 0);
    if (!f) return -1;
    for (int i = 0; i < v->n; i++) fprintf(f, "%s\n", v->words[i]);
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        remove(tmp);
        return -1;
    }
    return 0;
}

int vocab_load(Vocab *v, const char *path, char *err, size_t errlen) {
    memset(v, 0, sizeof *v);
    char why[512];
    FILE *f = safe_fopen_read(path, SAFE_IN_FOLDER, why, sizeof why);
    if (!f) {
        snprintf(err, errlen, "cannot open vocabulary %s", why);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int lineno = 0;
    while ((got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        if (len && line[len - 1] == '\n') len--;
        if (len && line[len - 1] == '\r') len--;
        if (len == 0) {
            snprintf(err, errlen, "%s:%d: empty line (every line must hold the word whose id is the line number - 1)",
                     path, lineno);
            goto fail;
        }
        if (memchr(line, 0, len)) {
            snprintf(err, errlen, "%s:%d: the line holds a NUL byte", path, lineno);
            goto fail;
        }
        const char *expect = lineno == 1 ? PAD_WORD : lineno == 2 ? UNK_WORD : NULL;
        if (expect && (len != strlen(expect) || memcmp(line, expect, len))) {
            snprintf(err, errlen, "%s:%d: expected %s, found '%.*s'", path, lineno, expect, (int)(len > 40 ? 40 : len),
                     line);
            goto fail;
        }
        int dup = find_id(v, line, len);
        if (dup >= 0) {
            snprintf(err, errlen, "%s:%d: '%.*s' duplicates line %d", path, lineno, (int)(len > 40 ? 40 : len), line,
                     dup + 1);
            goto fail;
        }
        if (vocab_add(v, line, len) != lineno - 1) {
            snprintf(err, errlen, "%s:%d: out of memory", path, lineno);
            goto fail;
        }
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read vocabulary %s: %s", path, strerror(errno));
        goto fail;
    }
    if (lineno == 0) {
        snprintf(err, errlen, "vocabulary %s is empty", path);
        goto fail;
    }
    if (lineno < 2) {
        snprintf(err, errlen, "vocabulary %s has %d line; it needs at least <PAD> and <UNK>", path, lineno);
        goto fail;
    }
    free(line);
    fclose(f);
    return 0;
fail:
    free(line);
    fclose(f);
    vocab_free(v);
    return -1;
}
