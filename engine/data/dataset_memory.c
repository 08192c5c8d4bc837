/* The arrays of a Dataset's splits, allocated by the builder (dataset.c) and
 * the cache reader (data_cache.c) alike, and released here for both. */
#include <stdlib.h>
#include <string.h>

#include "data/data_internal.h"

int split_alloc(Split *s, int n, int T) {
    memset(s, 0, sizeof *s);
    s->n = n;
    s->T = T;
    size_t m = (size_t)(n > 0 ? n : 1);
    s->tokens = malloc(sizeof *s->tokens * m * (size_t)T);
    s->lengths = malloc(sizeof(int32_t) * m);
    s->full_lengths = malloc(sizeof(int32_t) * m);
    s->labels = malloc(sizeof(int32_t) * m);
    s->ratings = malloc(sizeof(int32_t) * m);
    return s->tokens && s->lengths && s->full_lengths && s->labels && s->ratings ? 0 : -1;
}

void split_free(Split *s) {
    free(s->tokens);
    free(s->lengths);
    free(s->full_lengths);
    free(s->labels);
    free(s->ratings);
    memset(s, 0, sizeof *s);
}

void dataset_free(Dataset *d) {
    vocab_free(&d->vocab);
    split_free(&d->train);
    split_free(&d->val);
    split_free(&d->test);
    split_free(&d->unsup);
    for (int i = 0; i < d->n_classes; i++) free(d->classes[i]);
    free(d->classes);
    free(d->warnings);
    d->classes = NULL;
    d->n_classes = 0;
    d->warnings = NULL;
}
