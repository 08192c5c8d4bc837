/* Learned and sinusoidal position embeddings of the Transformer
 * (position.h), added to the packed token embeddings before the first layer. */
#include "nn/position.h"

#include <math.h>
#include <stddef.h>

#include "kernels/tensor.h"

void position_sinusoidal(float *P, int T, int E) {
    for (int t = 0; t < T; t++)
        for (int i = 0; i < E; i += 2) {
            double freq = exp(-(double)i * log(10000.0) / (double)E);
            P[(size_t)t * E + i] = (float)sin(t * freq);
            if (i + 1 < E) P[(size_t)t * E + i + 1] = (float)cos(t * freq);
        }
}

typedef struct {
    const float *src;
    float *dst;
    int E, nseq;
    const int32_t *off, *len;
} PosCtx;

static void pos_fwd_seqs(void *p, int s0, int s1) {
    const PosCtx *c = p;
    for (int s = s0; s < s1; s++) {
        float *x = c->dst + (size_t)c->off[s] * c->E;
        for (int t = 0; t < c->len[s]; t++)
            for (int e = 0; e < c->E; e++) x[(size_t)t * c->E + e] += c->src[(size_t)t * c->E + e];
    }
}

void position_add_forward(const float *P, int E, int nseq, const int32_t *off, const int32_t *len, float *x) {
    PosCtx c = {.src = P, .dst = x, .E = E, .nseq = nseq, .off = off, .len = len};
    if (nseq < 2 || (size_t)(off[nseq - 1] + len[nseq - 1]) * E < 16384)
        pos_fwd_seqs(&c, 0, nseq);
    else
        parallel_for(nseq, pos_fwd_seqs, &c);
}

static void pos_bwd_cols(void *p, int e0, int e1) {
    const PosCtx *c = p;
    for (int s = 0; s < c->nseq; s++) {
        const float *g = c->src + (size_t)c->off[s] * c->E;
        for (int t = 0; t < c->len[s]; t++)
            for (int e = e0; e < e1; e++) c->dst[(size_t)t * c->E + e] += g[(size_t)t * c->E + e];
    }
}

void position_add_backward(const float *dx, int E, int nseq, const int32_t *off, const int32_t *len, float *dP) {
    PosCtx c = {.src = dx, .dst = dP, .E = E, .nseq = nseq, .off = off, .len = len};
    if (E >= 32 && nseq > 0 && (size_t)(off[nseq - 1] + len[nseq - 1]) * E >= 16384)
        parallel_for(E, pos_bwd_cols, &c);
    else
        pos_bwd_cols(&c, 0, E);
}
