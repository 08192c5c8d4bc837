/* Inverted dropout: kept units are scaled by 1/(1-p) while training so that
 * evaluation is the identity. The mask is drawn once per forward and kept for
 * backward; it holds 0 or 1/(1-p) per element. */
#ifndef SENTUI_NN_DROPOUT_H
#define SENTUI_NN_DROPOUT_H

#include <stddef.h>
#include <stdint.h>
#include "kernels/tensor.h"

/* Draws mask[0..n) from rng: 0 with probability p, else 1/(1-p). p <= 0 fills 1. */
void dropout_mask(Rng *rng, float p, float *mask, size_t n);

/* The whole mask keyed `key` (mask_hash.h): the same values as filling any
 * of its ranges with mask_hash_fill, on the pool when it is large. */
void dropout_mask_keyed(uint64_t key, float p, float *mask, size_t n);

/* y = x * mask (y may alias x). */
void dropout_forward(const float *x, const float *mask, size_t n, float *y);

/* x *= mask in place: forward in place, or backward in place on a gradient buffer. */
void dropout_apply(float *x, const float *mask, size_t n);

#endif
