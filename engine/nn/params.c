#include "nn/params.h"

#include <stdlib.h>
#include <string.h>

size_t params_add(Params *p, const char *name, int ndim, const int *shape, int no_decay) {
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->views = realloc(p->views, (size_t)p->cap * sizeof *p->views);
    }
    ParamView *v = &p->views[p->n++];
    memset(v, 0, sizeof *v);
    strncpy(v->name, name, PARAM_NAME_MAX - 1);
    v->ndim = ndim;
    v->size = 1;
    for (int i = 0; i < ndim && i < PARAM_MAX_DIMS; i++) {
        v->shape[i] = shape[i];
        v->size *= (size_t)shape[i];
    }
    /* Keep every tensor 16-float aligned so vector loops start on a boundary. */
    p->total = (p->total + 15) & ~(size_t)15;
    v->offset = p->total;
    v->no_decay = no_decay;
    p->total += v->size;
    return v->offset;
}

int params_alloc(Params *p) {
    size_t n = p->total ? p->total : 1;
    p->data = aligned_alloc(64, ((n * sizeof(float)) + 63) & ~(size_t)63);
    p->grad = aligned_alloc(64, ((n * sizeof(float)) + 63) & ~(size_t)63);
    if (!p->data || !p->grad) return -1;
    memset(p->data, 0, n * sizeof(float));
    memset(p->grad, 0, n * sizeof(float));
    return 0;
}

void params_free(Params *p) {
    free(p->views);
    free(p->data);
    free(p->grad);
    memset(p, 0, sizeof *p);
}

const ParamView *params_find(const Params *p, const char *name) {
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->views[i].name, name) == 0) return &p->views[i];
    return NULL;
}

float *params_data(Params *p, const char *name) {
    const ParamView *v = params_find(p, name);
    return v ? p->data + v->offset : NULL;
}

float *params_grad(Params *p, const char *name) {
    const ParamView *v = params_find(p, name);
    return v ? p->grad + v->offset : NULL;
}

void params_zero_grad(Params *p) {
    if (p->grad) memset(p->grad, 0, p->total * sizeof(float));
}
