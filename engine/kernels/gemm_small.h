/* Register-blocked products for the small per-timestep matrices of the
 * recurrent layers, where a BLAS call costs more in packing and threading than
 * in arithmetic: (live rows x H) times (H x gates) at every step. The weight
 * side is packed once per sweep into panels of PANEL_V vectors, so the inner
 * loop reads it contiguously; rows come as pointers, so a thread can own any
 * subset of a batch (e.g. every second row) and the previous-state rows of a
 * starting sequence can point at zeros.
 *
 * Every output element sums its products in k order with one fused
 * multiply-add each, whatever the tile shape, so results do not depend on how
 * rows are split between threads. */
#ifndef SENTUI_NN_GEMM_SMALL_H
#define SENTUI_NN_GEMM_SMALL_H

#include <stddef.h>

#include "kernels/vecmath.h"

/* Vectors per panel and rows per tile of gsm_rows: 6 x 2 accumulators fill the
 * register file while leaving room for the operands. */
#define GSM_PANEL_V 2
#define GSM_MR 6

/* Floats of a packed B [K x N] (N rounded up to whole panels). */
size_t gsm_packed_floats(int K, int N);

/* Packs B[k][n] = src[k * ld_k + n * ld_n] into panels of GSM_PANEL_V vectors,
 * columns past N zero. ld_n = 1 for a row-major [K x N] matrix, or ld_k = 1
 * for its transpose. */
void gsm_pack(int K, int N, const float *src, size_t ld_k, size_t ld_n, float *dst);

/* For each of the `rows` rows m: C_m[0, N) = (accumulate ? C_m : 0) + A_m B,
 * with A_m = a + m * lda ([K] each), C_m = c + m * ldc, B packed by gsm_pack. */
void gsm_rows(int rows, int N, int K, const float *a, size_t lda, const float *bp, float *c, size_t ldc,
              int accumulate);

#endif
