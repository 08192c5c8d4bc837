/* Sequences to fixed-length rows: keep the head or the tail of a long review,
 * pad with TOK_PAD, remember the true length. */
#include <string.h>

#include "data/data_internal.h"

int encode_ids(const int32_t *ids, int n, const int32_t *map, int max_len, int truncate, int32_t *out) {
    if (max_len <= 0) return 0;
    int len = n < max_len ? n : max_len;
    int from = (truncate == TRUNC_TAIL) ? n - len : 0;
    for (int i = 0; i < len; i++) out[i] = map ? map[ids[from + i]] : ids[from + i];
    if (len == 0) out[len++] = TOK_UNK;
    memset(out + len, 0, sizeof *out * (size_t)(max_len - len));
    return len;
}

typedef struct {
    const Vocab *v;
    int32_t *out;
    int max_len, tail;
    long n; /* tokens seen */
} EncodeCtx;

static void emit_id(void *ctx, const char *w, size_t len) {
    EncodeCtx *e = ctx;
    if (!e->tail && e->n >= e->max_len) {
        e->n++;
        return;
    }
    /* the tail is kept in out[] as a ring: position n % max_len */
    e->out[e->n % e->max_len] = vocab_lookup(e->v, w, len);
    e->n++;
}

static void rotate_left(int32_t *a, int n, int k) {
    /* three reversals */
    for (int i = 0, j = k - 1; i < j; i++, j--) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; }
    for (int i = k, j = n - 1; i < j; i++, j--) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; }
    for (int i = 0, j = n - 1; i < j; i++, j--) { int32_t t = a[i]; a[i] = a[j]; a[j] = t; }
}

int encode_text(const Vocab *v, const char *text, size_t len, int max_len, int truncate, int32_t *out) {
    if (max_len <= 0) return 0;
    EncodeCtx e = {v, out, max_len, truncate == TRUNC_TAIL, 0};
    tokenize(text, len, emit_id, &e);
    int kept = e.n < max_len ? (int)e.n : max_len;
    if (e.tail && e.n > max_len) rotate_left(out, max_len, (int)(e.n % max_len));
    if (kept == 0) out[kept++] = TOK_UNK;
    memset(out + kept, 0, sizeof *out * (size_t)(max_len - kept));
    return kept;
}
