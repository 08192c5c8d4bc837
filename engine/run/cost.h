/* The work a phase costs, estimated from the model's shapes before it
 * starts, so that a long phase (a DistilBERT epoch, scoring 25k test
 * reviews) says what it will cost up front. Training a token costs about
 * three forward passes' worth (the backward pass computes the gradients of
 * both the inputs and the weights of every product): DistilBERT at 256
 * tokens is 3 x 89.6 = 269 MFLOP a token. */
#ifndef SENTUI_COST_H
#define SENTUI_COST_H

#include <stdint.h>

#include "data/data.h"
#include "models/model.h"

/* Forward FLOPs per token at sequence length T (evaluation). */
double cost_eval_flops_per_token(const Model *m, int T);
/* Forward and backward FLOPs per token at sequence length T (training). */
double cost_train_flops_per_token(const Model *m, int T);
/* Tokens the model reads for reviews order[0..n) of s (each cut to s->T);
 * all n reviews from 0 when order is NULL. */
long cost_split_tokens(const Split *s, const int32_t *order, int n);
/* "270 MFLOP", "1.2 PFLOP": FLOPs with an SI prefix. */
void cost_format_flops(double flops, char *buf, int n);

#endif
