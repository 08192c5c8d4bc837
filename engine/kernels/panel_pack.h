/* Fast packers into gemm_small's panel layout (see gsm_pack: panels of
 * GSM_PANEL_V * VLANES columns; within a panel, K rows of that many floats;
 * columns past N zero). gsm_pack handles any strides one element at a time;
 * these cover the cases the Transformer packs on every call, with contiguous
 * reads, and an 8 x 8 block transpose for the transposed ones. */
#ifndef SENTUI_NN_PANEL_PACK_H
#define SENTUI_NN_PANEL_PACK_H

#include <stddef.h>
#include <string.h>

#include "kernels/gemm_small.h"

#define PANEL_COLS (GSM_PANEL_V * VLANES)

#ifdef __AVX__
#include <immintrin.h>
#endif

/* dst[c * ldd + r] = src[r * lds + c] for an 8 x 8 block: eight row loads
 * in flight at once instead of one strided scalar load per element. */
static inline void transpose8x8(const float *src, size_t lds, float *dst, size_t ldd) {
#ifdef __AVX__
    __m256 r0 = _mm256_loadu_ps(src), r1 = _mm256_loadu_ps(src + lds), r2 = _mm256_loadu_ps(src + 2 * lds),
           r3 = _mm256_loadu_ps(src + 3 * lds), r4 = _mm256_loadu_ps(src + 4 * lds),
           r5 = _mm256_loadu_ps(src + 5 * lds), r6 = _mm256_loadu_ps(src + 6 * lds),
           r7 = _mm256_loadu_ps(src + 7 * lds);
    __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
           t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
           t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
           u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
           u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
           u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    _mm256_storeu_ps(dst, _mm256_permute2f128_ps(u0, u4, 0x20));
    _mm256_storeu_ps(dst + ldd, _mm256_permute2f128_ps(u1, u5, 0x20));
    _mm256_storeu_ps(dst + 2 * ldd, _mm256_permute2f128_ps(u2, u6, 0x20));
    _mm256_storeu_ps(dst + 3 * ldd, _mm256_permute2f128_ps(u3, u7, 0x20));
    _mm256_storeu_ps(dst + 4 * ldd, _mm256_permute2f128_ps(u0, u4, 0x31));
    _mm256_storeu_ps(dst + 5 * ldd, _mm256_permute2f128_ps(u1, u5, 0x31));
    _mm256_storeu_ps(dst + 6 * ldd, _mm256_permute2f128_ps(u2, u6, 0x31));
    _mm256_storeu_ps(dst + 7 * ldd, _mm256_permute2f128_ps(u3, u7, 0x31));
#else
    for (int r = 0; r < 8; r++)
        for (int c = 0; c < 8; c++) dst[(size_t)c * ldd + r] = src[(size_t)r * lds + c];
#endif
}

/* dst[c * ldd + r] = src[r * lds + c] for r < R, c < C. */
static inline void transpose(int R, int C, const float *src, size_t lds, float *dst, size_t ldd) {
    int r8 = R & ~7, c8 = C & ~7;
    for (int r = 0; r < r8; r += 8)
        for (int c = 0; c < c8; c += 8) transpose8x8(src + (size_t)r * lds + c, lds, dst + (size_t)c * ldd + r, ldd);
    for (int r = 0; r < R; r++)
        for (int c = r < r8 ? c8 : 0; c < C; c++) dst[(size_t)c * ldd + r] = src[(size_t)r * lds + c];
}

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
        /* the panel is the transpose of w source rows of K floats */
        transpose(w, K, src + (size_t)n0 * ld, ld, dst, PANEL_COLS);
        for (int k = 0; k < K; k++)
            for (int q = w; q < PANEL_COLS; q++) dst[(size_t)k * PANEL_COLS + q] = 0.0f;
    }
}

#endif
