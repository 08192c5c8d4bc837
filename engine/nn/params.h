/* All parameters of a model live in one contiguous block and all gradients in
 * another of the same layout; named views serve the optimizer (one loop over
 * the block), checkpoints (one table walk) and the parameter count. */
#ifndef SENTUI_PARAMS_H
#define SENTUI_PARAMS_H

#include <stddef.h>

#define PARAM_NAME_MAX 96
#define PARAM_MAX_DIMS 4

typedef struct ParamView {
    char name[PARAM_NAME_MAX]; /* PyTorch-style module path, e.g. "rnn.weight_ih_l0" */
    int ndim;
    int shape[PARAM_MAX_DIMS];
    size_t offset;             /* in floats, into data and grad */
    size_t size;
    int no_decay;              /* biases, norms, embeddings of padding: no weight decay */
} ParamView;

typedef struct Params {
    ParamView *views;
    int n, cap;
    size_t total;
    float *data, *grad;
} Params;

/* Declare a tensor before params_alloc; returns its offset. */
size_t params_add(Params *p, const char *name, int ndim, const int *shape, int no_decay);
/* Allocates zeroed data and grad blocks. */
int params_alloc(Params *p);
void params_free(Params *p);
const ParamView *params_find(const Params *p, const char *name);
float *params_data(Params *p, const char *name);
float *params_grad(Params *p, const char *name);
void params_zero_grad(Params *p);

#endif
