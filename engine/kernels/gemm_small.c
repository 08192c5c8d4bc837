#include "kernels/gemm_small.h"

#define PANEL_W (GSM_PANEL_V * VLANES)

size_t gsm_packed_floats(int K, int N) {
    size_t panels = ((size_t)N + PANEL_W - 1) / PANEL_W;
    return panels * (size_t)K * PANEL_W;
}

void gsm_pack(int K, int N, const float *src, size_t ld_k, size_t ld_n, float *dst) {
    int panels = (N + PANEL_W - 1) / PANEL_W;
    for (int p = 0; p < panels; p++)
        for (int k = 0; k < K; k++)
            for (int q = 0; q < PANEL_W; q++) {
                int n = p * PANEL_W + q;
                *dst++ = n < N ? src[(size_t)k * ld_k + (size_t)n * ld_n] : 0.0f;
            }
}

/* One tile: MR rows by one panel; `width` valid columns (the last panel may be
 * ragged). MR is a constant at every call site, so the accumulators stay in
 * registers. */
static inline __attribute__((always_inline)) void tile(int MR, int K, const float *a, size_t lda, const float *bp,
                                                        float *c, size_t ldc, int width, int accumulate) {
    vf acc[GSM_MR][GSM_PANEL_V];
#pragma GCC unroll 8
    for (int m = 0; m < MR; m++)
#pragma GCC unroll 4
        for (int v = 0; v < GSM_PANEL_V; v++) acc[m][v] = (vf){0};
    for (int k = 0; k < K; k++) {
        vf b[GSM_PANEL_V];
#pragma GCC unroll 4
        for (int v = 0; v < GSM_PANEL_V; v++) b[v] = vload(bp + (size_t)k * PANEL_W + v * VLANES);
#pragma GCC unroll 8
        for (int m = 0; m < MR; m++) {
            vf x = vsplat(a[(size_t)m * lda + k]);
#pragma GCC unroll 4
            for (int v = 0; v < GSM_PANEL_V; v++) acc[m][v] = vfma(x, b[v], acc[m][v]);
        }
    }
#pragma GCC unroll 8
    for (int m = 0; m < MR; m++) {
        float *cm = c + (size_t)m * ldc;
#pragma GCC unroll 4
        for (int v = 0; v < GSM_PANEL_V; v++) {
            int n = width - v * VLANES;
            if (n <= 0) break;
            if (n >= VLANES) {
                vstore(cm + v * VLANES, accumulate ? vload(cm + v * VLANES) + acc[m][v] : acc[m][v]);
            } else {
                vf old = accumulate ? vload_n(cm + v * VLANES, n) : (vf){0};
                vstore_n(cm + v * VLANES, old + acc[m][v], n);
            }
        }
    }
}

void gsm_rows(int rows, int N, int K, const float *a, size_t lda, const float *bp, float *c, size_t ldc,
              int accumulate) {
    int panels = (N + PANEL_W - 1) / PANEL_W;
    for (int p = 0; p < panels; p++) {
        const float *b = bp + (size_t)p * K * PANEL_W;
        int width = N - p * PANEL_W < PANEL_W ? N - p * PANEL_W : PANEL_W;
        float *cp = c + (size_t)p * PANEL_W;
        for (int m0 = 0; m0 < rows; m0 += GSM_MR) {
            const float *am = a + (size_t)m0 * lda;
            float *cm = cp + (size_t)m0 * ldc;
            switch (rows - m0 < GSM_MR ? rows - m0 : GSM_MR) {
            case 1: tile(1, K, am, lda, b, cm, ldc, width, accumulate); break;
            case 2: tile(2, K, am, lda, b, cm, ldc, width, accumulate); break;
            case 3: tile(3, K, am, lda, b, cm, ldc, width, accumulate); break;
            case 4: tile(4, K, am, lda, b, cm, ldc, width, accumulate); break;
            case 5: tile(5, K, am, lda, b, cm, ldc, width, accumulate); break;
            default: tile(6, K, am, lda, b, cm, ldc, width, accumulate); break;
            }
        }
    }
}
