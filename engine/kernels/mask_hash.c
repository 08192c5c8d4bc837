#include "kernels/mask_hash.h"

typedef mask_u32x8 u32v;
typedef int32_t i32v __attribute__((vector_size(32)));
typedef float f32v __attribute__((vector_size(32)));

/* Two rounds of the mixer with the key's halves folded in before each:
 * masks with different keys are unrelated, not shifted copies. */
void mask_hash_fill(uint64_t key, float p, size_t base, float *mask, size_t n) {
    if (p <= 0.0f || p >= 1.0f) {
        float v = p <= 0.0f ? 1.0f : 0.0f;
        for (size_t i = 0; i < n; i++) mask[i] = v;
        return;
    }
    const uint32_t k1 = (uint32_t)key, k2 = (uint32_t)(key >> 32);
    const uint32_t thr = (uint32_t)((double)p * 4294967296.0);
    const float keep = 1.0f / (1.0f - p);
    const uint32_t b = (uint32_t)base;
    const u32v lane = {0, 1, 2, 3, 4, 5, 6, 7};
    const f32v kv = {keep, keep, keep, keep, keep, keep, keep, keep};
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        u32v h = mask_mix32x8(mask_mix32x8(lane + (b + (uint32_t)i) + k1) ^ k2);
        i32v kept = (i32v)(h >= thr);
        f32v v = (f32v)(kept & (i32v)kv);
        __builtin_memcpy(mask + i, &v, sizeof v);
    }
    for (; i < n; i++) {
        uint32_t h = mask_mix32(mask_mix32(b + (uint32_t)i + k1) ^ k2);
        mask[i] = h >= thr ? keep : 0.0f;
    }
}
