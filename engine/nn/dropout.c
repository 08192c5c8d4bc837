/* Inverted dropout (dropout.h): masks drawn from the generator (recurrent
 * and bag models) or from the counter hash (the Transformer), and the
 * elementwise products every model's forward and backward share. */
#include "nn/dropout.h"

#include "kernels/mask_hash.h"

void dropout_mask(Rng *rng, float p, float *mask, size_t n) {
    if (p <= 0.0f) {
        for (size_t i = 0; i < n; i++) mask[i] = 1.0f;
        return;
    }
    float keep = p >= 1.0f ? 0.0f : 1.0f / (1.0f - p);
    /* Two 32-bit draws per 64-bit output: drop when u < p. */
    uint32_t thresh = p >= 1.0f ? UINT32_MAX : (uint32_t)((double)p * 4294967296.0);
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        uint64_t r = rng_next(rng);
        mask[i] = (uint32_t)r < thresh ? 0.0f : keep;
        mask[i + 1] = (uint32_t)(r >> 32) < thresh ? 0.0f : keep;
    }
    if (i < n) mask[i] = (uint32_t)rng_next(rng) < thresh ? 0.0f : keep;
}

void dropout_forward(const float *x, const float *mask, size_t n, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = x[i] * mask[i];
}

void dropout_apply(float *x, const float *mask, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] *= mask[i];
}

/* Keyed masks are filled in fixed chunks, so the values do not depend on
 * how many threads took them. */
enum { MASK_CHUNK = 1 << 16 };

typedef struct {
    uint64_t key;
    float p, *mask;
    size_t n;
} MaskCtx;

static void mask_chunks(void *ctx, int c0, int c1) {
    const MaskCtx *c = ctx;
    for (int i = c0; i < c1; i++) {
        size_t b = (size_t)i * MASK_CHUNK, e = b + MASK_CHUNK < c->n ? b + MASK_CHUNK : c->n;
        mask_hash_fill(c->key, c->p, b, c->mask + b, e - b);
    }
}

void dropout_mask_keyed(uint64_t key, float p, float *mask, size_t n) {
    MaskCtx c = {key, p, mask, n};
    int chunks = (int)((n + MASK_CHUNK - 1) / MASK_CHUNK);
    if (chunks < 2)
        mask_chunks(&c, 0, chunks);
    else
        parallel_for(chunks, mask_chunks, &c);
}
