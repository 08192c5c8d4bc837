#include "run/grad_exchange.h"

#include <stdlib.h>
#include <string.h>

#include "kernels/tensor.h"
#include "run/dist.h"

/* Below this many rows a tensor goes whole: the byte per row and the scan
 * would cost about what skipping its untouched rows saves. */
enum { SPARSE_MIN_ROWS = 256 };

struct GradExchange {
    unsigned char *rows;
    size_t nrows;
    float *pack;
};

int grad_row_sparse(const ParamView *v) { return v->ndim == 2 && v->shape[0] >= SPARSE_MIN_ROWS; }

static int row_touched(const float *g, size_t cols) {
    for (size_t j = 0; j < cols; j++)
        if (g[j] != 0) return 1; /* NaN counts too: it must reach the others' norm */
    return 0;
}

size_t grad_mark_rows(const Params *p, unsigned char *rows) {
    size_t k = 0;
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        if (!grad_row_sparse(v)) continue;
        size_t cols = v->size / (size_t)v->shape[0];
        for (int r = 0; r < v->shape[0]; r++, k++)
            if (rows) rows[k] = (unsigned char)row_touched(p->grad + v->offset + (size_t)r * cols, cols);
    }
    return k;
}

/* Both directions walk the same layout; to_pack picks the copy's direction. */
static size_t walk(Params *p, const unsigned char *rows, float *buf, int to_pack) {
    size_t n = 0, k = 0;
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        float *g = p->grad + v->offset;
        if (!grad_row_sparse(v)) {
            if (to_pack) memcpy(buf + n, g, v->size * sizeof *g);
            else memcpy(g, buf + n, v->size * sizeof *g);
            n += v->size;
            continue;
        }
        size_t cols = v->size / (size_t)v->shape[0];
        for (int r = 0; r < v->shape[0]; r++, k++) {
            if (!rows[k]) continue;
            float *row = g + (size_t)r * cols;
            if (to_pack) memcpy(buf + n, row, cols * sizeof *row);
            else memcpy(row, buf + n, cols * sizeof *row);
            n += cols;
        }
    }
    return n;
}

size_t grad_pack(const Params *p, const unsigned char *rows, float *out) {
    return walk((Params *)p, rows, out, 1);
}

void grad_unpack(Params *p, const unsigned char *rows, const float *in) { walk(p, rows, (float *)in, 0); }

static GradExchange *exchange_new(const Params *p) {
    GradExchange *x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->nrows = grad_mark_rows(p, NULL);
    x->rows = malloc(x->nrows ? x->nrows : 1);
    x->pack = malloc(p->total * sizeof *x->pack);
    if (!x->rows || !x->pack) {
        grad_exchange_free(x);
        return NULL;
    }
    return x;
}

int grad_exchange_sum(GradExchange **xp, Params *p) {
    if (dist_size() < 2) return 0;
    if (xp && !*xp) *xp = exchange_new(p);
    GradExchange *x = xp ? *xp : NULL;
    double t0 = now_seconds();
    if (!x || !x->nrows) {
        dist_allreduce_sum(p->grad, p->total);
        dist_count_exchange(now_seconds() - t0, p->total * sizeof *p->grad);
        return x || !xp ? 0 : -1;
    }
    grad_mark_rows(p, x->rows);
    dist_allreduce_or_u8(x->rows, x->nrows);
    size_t n = grad_pack(p, x->rows, x->pack);
    dist_allreduce_sum(x->pack, n);
    grad_unpack(p, x->rows, x->pack);
    /* The scan and the copies count: they are the price of sending less. */
    dist_count_exchange(now_seconds() - t0, n * sizeof *x->pack + x->nrows);
    return 0;
}

void grad_exchange_free(GradExchange *x) {
    if (!x) return;
    free(x->rows);
    free(x->pack);
    free(x);
}
