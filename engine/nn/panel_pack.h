/* Fast packers into gemm_small's panel layout (see gsm_pack: panels of
 * GSM_PANEL_V * VLANES columns; within a panel, K rows of that many floats;
 * columns past N zero). gsm_pack handles any strides one element at a time;
 * these two cover the cases the Transformer packs on every call, with
 * contiguous reads. */
#ifndef SENTUI_NN_PANEL_PACK_H
#define SENTUI_NN_PANEL_PACK_H

#include <stddef.h>
#include <string.h>

#include "gemm_small.h"

#define PANEL_COLS (GSM_PANEL_V * VLANES)

/* B[k][n] = src[k * ld + n]: rows of B contiguous in src. */
static inline void panel_pack_rows(int K, int N, const float *src, size_t ld, float *dst) {
    for (int n0 = 0; n0 < N; n0 += PANEL_COLS) {
        int w = N - n0 < PANEL_COLS ? N - n0 : PANEL_COLS;
        for (int k = 0; k < K; k++, dst += PANEL_COLS) {
            const float *s = src + (size_t)k * ld + n0;
            if (w == PANEL_COLS) {
                memcpy(dst, s, PANEL_COLS * sizeof(float));
            } else {
                for (int q = 0; q < PANEL_COLS; q++) dst[q] = q < w ? s[q] : 0.0f;
            }
        }
    }
}

/* B[k][n] = src[n * ld + k]: columns of B contiguous in src (B = W^T for a
 * row-major W [N x K], or K^T for keys stored one per row). */
static inline void panel_pack_cols(int K, int N, const float *src, size_t ld, float *dst) {
    for (int n0 = 0; n0 < N; n0 += PANEL_COLS, dst += (size_t)K * PANEL_COLS) {
        int w = N - n0 < PANEL_COLS ? N - n0 : PANEL_COLS;
        for (int q = 0; q < w; q++) {
            const float *s = src + (size_t)(n0 + q) * ld;
            for (int k = 0; k < K; k++) dst[(size_t)k * PANEL_COLS + q] = s[k];
        }
        for (int q = w; q < PANEL_COLS; q++)
            for (int k = 0; k < K; k++) dst[(size_t)k * PANEL_COLS + q] = 0.0f;
    }
}

#endif
