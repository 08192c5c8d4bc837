/* Dropout masks from a counter-based hash: element i of a mask keyed k is
 * kept when hash(k, i) clears the threshold. Any range of a mask can be
 * filled on its own (one sequence's rows while they are in cache, or chunks
 * on any number of threads) and always holds the same values, and filling is
 * a few vector instructions per 8 elements instead of a generator call per
 * two. Values are 0 or 1/(1-p), as dropout_mask draws them. */
#ifndef SENTUI_NN_MASK_HASH_H
#define SENTUI_NN_MASK_HASH_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t mask_u32x8 __attribute__((vector_size(32)));

/* Wellons' lowbias32 mixer, the hash behind every dropout mask: scalar and
 * for 8 lanes at once (the two must agree lane for lane). */
static inline uint32_t mask_mix32(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

static inline mask_u32x8 mask_mix32x8(mask_u32x8 x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

/* mask[j] = value of element base + j of the mask keyed `key`, j < n.
 * p <= 0 fills 1; p >= 1 fills 0. Indices are taken modulo 2^32. */
void mask_hash_fill(uint64_t key, float p, size_t base, float *mask, size_t n);

#endif
