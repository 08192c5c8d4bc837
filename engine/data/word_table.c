/* Interning of the corpus's words: every distinct token gets a dense id, so the
 * tokenized corpus is an int array and the vocabulary is built by counting ids. */
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

static int grow_slots(WordTable *t) {
    uint32_t nslots = t->slots ? (t->mask + 1) * 2 : 1024;
    WordSlot *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -1;
    if (t->slots)
        for (uint32_t k = 0; k <= t->mask; k++) {
            if (!t->slots[k].id1) continue;
            uint32_t i = t->slots[k].hash & (nslots - 1);
            while (slots[i].id1) i = (i + 1) & (nslots - 1);
            slots[i] = t->slots[k];
        }
    free(t->slots);
    t->slots = slots;
    t->mask = nslots - 1;
    return 0;
}

static int grow_entries(WordTable *t) {
    int cap = t->cap ? t->cap * 2 : 512;
    uint32_t *off = realloc(t->off, sizeof *off * (size_t)cap);
    if (!off) return -1;
    t->off = off;
    uint32_t *len = realloc(t->len, sizeof *len * (size_t)cap);
    if (!len) return -1;
    t->len = len;
    t->cap = cap;
    return 0;
}

int word_table_intern(WordTable *t, const char *w, size_t len) {
    if (!t->slots || (uint32_t)t->n * 2 >= t->mask + 1) {
        if (grow_slots(t)) return -1;
    }
    uint64_t key = data_key8(w, len);
    uint32_t h = data_hash_key(key, w, len);
    uint32_t i = h & t->mask;
    for (const WordSlot *s; (s = &t->slots[i])->id1; i = (i + 1) & t->mask) {
        if (s->hash != h || s->key != key) continue;
        int id = (int)s->id1 - 1;
        if (t->len[id] == len && (len <= 8 || !memcmp(t->bytes + t->off[id] + 8, w + 8, len - 8))) return id;
    }
    if (t->n == t->cap && grow_entries(t)) return -1;
    if (t->nbytes + len + 1 > t->capbytes) {
        size_t cap = t->capbytes ? t->capbytes * 2 : 16384;
        while (cap < t->nbytes + len + 1) cap *= 2;
        char *b = realloc(t->bytes, cap);
        if (!b) return -1;
        t->bytes = b;
        t->capbytes = cap;
    }
    int id = t->n++;
    t->off[id] = (uint32_t)t->nbytes;
    t->len[id] = (uint32_t)len;
    memcpy(t->bytes + t->nbytes, w, len);
    t->bytes[t->nbytes + len] = 0;
    t->nbytes += len + 1;
    t->slots[i] = (WordSlot){key, h, (uint32_t)id + 1};
    return id;
}

void word_table_free(WordTable *t) {
    free(t->bytes);
    free(t->off);
    free(t->len);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
