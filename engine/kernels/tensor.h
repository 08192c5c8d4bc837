/* Shared numeric plumbing: a seeded PRNG of our own (so a seed means the same
 * curve on every machine), one GEMM wrapper over cblas_sgemm, and a small
 * persistent thread pool for the loops that are not GEMMs. */
#ifndef SENTUI_TENSOR_H
#define SENTUI_TENSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct Rng { uint64_t s[4]; } Rng;

void rng_seed(Rng *r, uint64_t seed);
uint64_t rng_next(Rng *r);
/* Uniform in [0, 1). */
float rng_uniform(Rng *r);
/* Uniform in [lo, hi). */
float rng_range(Rng *r, float lo, float hi);
float rng_normal(Rng *r);
/* Uniform integer in [0, n). */
uint32_t rng_below(Rng *r, uint32_t n);
void rng_shuffle_int(Rng *r, int32_t *a, int n);

/* Row-major C = alpha * op(A) op(B) + beta * C, op(X) = X or X^T.
 * A is MxK after op, B is KxN after op. */
void gemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc);

/* Threads used by BLAS and by parallel_for; 0 means all online cores. */
void compute_set_threads(int n);
int compute_threads(void);

/* Runs fn(ctx, begin, end) over [0, n) split into contiguous chunks across the
 * pool. Chunks are fixed by (n, threads), so results are reproducible. */
typedef void (*ParallelFn)(void *ctx, int begin, int end);
void parallel_for(int n, ParallelFn fn, void *ctx);

double now_seconds(void);

#endif
