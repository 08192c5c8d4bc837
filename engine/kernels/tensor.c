#include "kernels/tensor.h"

#include "common/hash.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* xoshiro256** seeded through splitmix64: fast, tiny state, identical everywhere. */
static uint64_t splitmix64(uint64_t *x) {
    return hash_mix64(*x += HASH_GOLDEN);
}

void rng_seed(Rng *r, uint64_t seed) {
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(Rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float rng_uniform(Rng *r) { return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f); }

float rng_range(Rng *r, float lo, float hi) { return lo + (hi - lo) * rng_uniform(r); }

float rng_normal(Rng *r) {
    /* Box-Muller; the uniform is shifted away from 0 so log never sees 0. */
    double u1 = ((double)(rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    double u2 = (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return (float)(sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
}

uint32_t rng_below(Rng *r, uint32_t n) { return n ? (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32) : 0; }

void rng_shuffle_int(Rng *r, int32_t *a, int n) {
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(r, (uint32_t)i + 1);
        int32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}

void gemm(int trans_a, int trans_b, int M, int N, int K, float alpha, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) {
        /* BLAS leaves C untouched for K == 0 only when beta == 1; be explicit. */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(size_t)i * ldc + j];
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

/* ---- thread pool ---------------------------------------------------------- */

#define POOL_MAX 64

static struct {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    pthread_t tid[POOL_MAX];
    int started, nthreads;
    unsigned long generation;
    int pending;
    ParallelFn fn;
    void *ctx;
    int n;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 1, 0, 0, 0, 0, 0};

static int desired_threads = 0;

static void chunk(int n, int parts, int i, int *b, int *e) {
    *b = (int)((long)n * i / parts);
    *e = (int)((long)n * (i + 1) / parts);
}

static void *pool_worker(void *arg) {
    int id = (int)(intptr_t)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool.mu);
    for (;;) {
        while (pool.generation == seen) pthread_cond_wait(&pool.work, &pool.mu);
        seen = pool.generation;
        ParallelFn fn = pool.fn;
        void *ctx = pool.ctx;
        int n = pool.n, parts = pool.nthreads;
        pthread_mutex_unlock(&pool.mu);
        /* Workers beyond this region's thread count sit it out. */
        if (id < parts) {
            int b, e;
            chunk(n, parts, id, &b, &e);
            if (b < e) fn(ctx, b, e);
        }
        pthread_mutex_lock(&pool.mu);
        if (--pool.pending == 0) pthread_cond_signal(&pool.done);
    }
    return NULL;
}

/* Read once: sysconf opens a /sys file each time, and parallel_for asks often. */
static int online_cores(void) {
    static int cores;
    if (!cores) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        cores = n > 0 ? (int)n : 1;
    }
    return cores;
}

void compute_set_threads(int n) {
    if (n <= 0) n = online_cores();
    if (n > POOL_MAX) n = POOL_MAX;
    desired_threads = n;
    openblas_set_num_threads(n);
}

int compute_threads(void) { return desired_threads > 0 ? desired_threads : online_cores(); }

static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER;

void parallel_for(int n, ParallelFn fn, void *ctx) {
    int t = compute_threads();
    if (t > n) t = n;
    if (t <= 1) {
        if (n > 0) fn(ctx, 0, n);
        return;
    }
    /* One parallel region at a time; the calling thread takes chunk 0. */
    pthread_mutex_lock(&call_mu);
    pthread_mutex_lock(&pool.mu);
    while (pool.started < t - 1) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_create(&pool.tid[pool.started], &attr, pool_worker, (void *)(intptr_t)(pool.started + 1));
        pthread_attr_destroy(&attr);
        pool.started++;
    }
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.nthreads = t;
    pool.pending = pool.started;
    pool.generation++;
    pthread_cond_broadcast(&pool.work);
    pthread_mutex_unlock(&pool.mu);
    int b, e;
    chunk(n, t, 0, &b, &e);
    if (b < e) fn(ctx, b, e);
    pthread_mutex_lock(&pool.mu);
    while (pool.pending > 0) pthread_cond_wait(&pool.done, &pool.mu);
    pthread_mutex_unlock(&pool.mu);
    pthread_mutex_unlock(&call_mu);
}

double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}
