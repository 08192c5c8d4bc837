#include "run/mlm_batch.h"

#include <string.h>

#include "common/hash.h"
#include "kernels/tensor.h"

int mlm_is_special(const MlmIds *ids, int32_t token) {
    return token == ids->pad || token == ids->unk || token == ids->cls || token == ids->sep || token == ids->mask ||
           token < ids->first_plain;
}

void mlm_mask(const Batch *b, const MlmIds *ids, float p, const uint64_t *keys, int32_t *tokens, MlmBatch *out) {
    const int T = b->T;
    memcpy(tokens, b->tokens, (size_t)b->B * T * sizeof(int32_t));
    out->in = *b;
    out->in.tokens = tokens;
    out->in.labels = NULL;
    out->M = 0;
    int plain = ids->V - ids->first_plain;
    for (int s = 0; s < b->B; s++) {
        Rng r;
        rng_seed(&r, hash_pair(keys[s], 0x6d6c6dULL));
        int L = b->lengths ? b->lengths[s] : T;
        L = L < 1 ? 1 : L > T ? T : L;
        for (int i = 0; i < L; i++) {
            int32_t *t = &tokens[(size_t)s * T + i];
            /* the draws are made for every position, so one token's fate
             * does not shift the others' */
            float u = rng_uniform(&r), v = rng_uniform(&r);
            uint32_t w = rng_below(&r, plain > 0 ? (uint32_t)plain : 1u);
            if (mlm_is_special(ids, *t) || u >= p) continue;
            out->pos[out->M] = s * T + i;
            out->labels[out->M] = *t;
            out->M++;
            if (v < 0.8f)
                *t = ids->mask;
            else if (v < 0.9f && plain > 0)
                *t = ids->first_plain + (int32_t)w;
        }
    }
}
