#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kernels/tensor.h"

typedef struct { int *hits; int n; } HitCtx;

static void mark(void *ctx, int b, int e) {
    HitCtx *h = ctx;
    for (int i = b; i < e; i++) {
        assert_true(i >= 0 && i < h->n);
        __atomic_add_fetch(&h->hits[i], 1, __ATOMIC_RELAXED);
    }
}

/* Every index exactly once, whatever the thread count, also after the pool
 * has grown past the count now asked for. */
static void test_parallel_for_covers_each_index_once(void **state) {
    (void)state;
    int counts[] = {4, 3, 2, 1, 6, 2};
    int sizes[] = {0, 1, 2, 3, 5, 17, 1000};
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        compute_set_threads(counts[c]);
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            int n = sizes[s];
            HitCtx h = {calloc((size_t)n + 1, sizeof(int)), n};
            parallel_for(n, mark, &h);
            for (int i = 0; i < n; i++) assert_int_equal(h.hits[i], 1);
            free(h.hits);
        }
    }
    compute_set_threads(0);
}

static void test_rng_is_reproducible_and_uniform(void **state) {
    (void)state;
    Rng a, b;
    rng_seed(&a, 42);
    rng_seed(&b, 42);
    double sum = 0;
    for (int i = 0; i < 10000; i++) {
        float x = rng_uniform(&a);
        assert_true(x == rng_uniform(&b));
        assert_true(x >= 0.0f && x < 1.0f);
        sum += x;
    }
    assert_true(sum / 10000 > 0.48 && sum / 10000 < 0.52);
    int32_t p[50];
    for (int i = 0; i < 50; i++) p[i] = i;
    rng_shuffle_int(&a, p, 50);
    int seen[50] = {0};
    for (int i = 0; i < 50; i++) seen[p[i]]++;
    for (int i = 0; i < 50; i++) assert_int_equal(seen[i], 1);
}

static void test_gemm_matches_naive_product(void **state) {
    (void)state;
    enum { M = 5, N = 7, K = 3 };
    float A[K * M], B[N * K], C[M * N], want[M * N];
    fill_uniform(A, K * M, 1, -1, 1);
    fill_uniform(B, N * K, 2, -1, 1);
    /* C = A^T B^T with A stored K x M and B stored N x K. */
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) s += (double)A[k * M + i] * B[j * K + k];
            want[i * N + j] = (float)(2.0 * s + 1.0);
            C[i * N + j] = 2.0f; /* beta 0.5 turns this into the +1 */
        }
    gemm(1, 1, M, N, K, 2.0f, A, M, B, K, 0.5f, C, N);
    assert_allclose(C, want, M * N, 1e-5, 1e-6, "gemm");
    /* K == 0 scales C by beta. */
    gemm(0, 0, M, N, 0, 1.0f, A, 1, B, N, 0.0f, C, N);
    for (int i = 0; i < M * N; i++) assert_true(C[i] == 0.0f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parallel_for_covers_each_index_once),
        cmocka_unit_test(test_rng_is_reproducible_and_uniform),
        cmocka_unit_test(test_gemm_matches_naive_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
