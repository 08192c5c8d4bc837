/* The gradient's sum over the ranks of a data-parallel step. An embedding's
 * gradient is row-sparse: a batch of 64 reviews touches a few thousand of
 * its 30,000 rows, yet it is most of the gradient block (15 of 16 MB in the
 * tuned recurrent configs). Only the rows some rank touched travel: the ranks
 * first agree on that union with a bitwise OR of one byte per row, then sum
 * one packed buffer of the dense tensors and the union's rows. The result is
 * the dense all-reduce's: rows no rank touched are zero on every rank. */
#ifndef SENTUI_RUN_GRAD_EXCHANGE_H
#define SENTUI_RUN_GRAD_EXCHANGE_H

#include <stddef.h>

#include "nn/params.h"

typedef struct GradExchange GradExchange;

/* Sums p->grad over the ranks in place. *x keeps the buffers from step to
 * step: start with NULL, release with grad_exchange_free; x NULL sends
 * the block whole. Returns 0, or -1
 * when the buffers cannot be had (the dense all-reduce is used then). */
int grad_exchange_sum(GradExchange **x, Params *p);
void grad_exchange_free(GradExchange *x);

/* The pieces, for tests: whether a tensor is sent row-sparse, the rows of
 * the sparse tensors whose gradient is not all zero (one byte each, in view
 * order; returns how many bytes), and the packing of the dense tensors plus
 * the marked rows into out (returns floats written) and back. */
int grad_row_sparse(const ParamView *v);
size_t grad_mark_rows(const Params *p, unsigned char *rows);
size_t grad_pack(const Params *p, const unsigned char *rows, float *out);
void grad_unpack(Params *p, const unsigned char *rows, const float *in);

#endif
