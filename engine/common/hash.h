/* The one 64-bit mixer: splitmix64's finaliser (Steele, Lea and Flood), a
 * bijection whose every output bit depends on every input bit. It seeds the
 * generator, derives per-epoch and per-step seeds and hashes cache keys.
 * Dropout masks use a 32-bit mixer of their own (kernels/mask_hash.h) because
 * they hash 8 lanes per vector instruction. */
#ifndef SENTUI_COMMON_HASH_H
#define SENTUI_COMMON_HASH_H

#include <stdint.h>

#define HASH_GOLDEN 0x9e3779b97f4a7c15ULL

static inline uint64_t hash_mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* A seed derived from two numbers (a run's seed and an epoch or a step). */
static inline uint64_t hash_pair(uint64_t a, uint64_t b) {
    return hash_mix64(a * HASH_GOLDEN + b + 0x632be59bd9b4e5d1ULL);
}

#endif
