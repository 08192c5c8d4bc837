/* exp on 8 floats for the attention softmax (GCC/Clang vector extensions;
 * one AVX register when enabled, two SSE halves otherwise). Cephes' range
 * reduction and degree-6 polynomial, about 1 ulp over the whole range, with
 * fused multiply-adds where the machine has them (ISO C mode does not
 * contract a * b + c by itself). Inputs below -87.3 (and -inf) are clamped:
 * their exp is ~1e-38, far below what a softmax row can resolve; the callers
 * only pass x <= 0 (scores minus their row maximum). */
#ifndef SENTUI_NN_VEXP8_H
#define SENTUI_NN_VEXP8_H

#include <stdint.h>

#if defined(__AVX__)
#include <immintrin.h>
#endif

typedef float f8 __attribute__((vector_size(32)));
typedef int32_t i8 __attribute__((vector_size(32)));

static inline f8 splat8(float x) { return (f8){x, x, x, x, x, x, x, x}; }

static inline f8 fma8(f8 a, f8 b, f8 c) {
#if defined(__FMA__) && defined(__AVX__)
    return (f8)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
    return a * b + c;
#endif
}

static inline f8 max8(f8 a, f8 b) {
#if defined(__AVX__)
    return (f8)_mm256_max_ps((__m256)a, (__m256)b);
#else
    i8 gt = a > b;
    return (f8)(((i8)a & gt) | ((i8)b & ~gt));
#endif
}

static inline f8 exp8(f8 x) {
    const f8 magic = splat8(12582912.0f); /* 1.5 * 2^23: adding it rounds to an integer */
    x = max8(x, splat8(-87.3f));
    f8 t = fma8(x, splat8(1.44269504088896341f), magic);
    f8 n = t - magic;
    f8 r = fma8(n, splat8(-0.693359375f), x);
    r = fma8(n, splat8(2.12194440e-4f), r);
    f8 p = splat8(1.9875691500e-4f);
    p = fma8(p, r, splat8(1.3981999507e-3f));
    p = fma8(p, r, splat8(8.3334519073e-3f));
    p = fma8(p, r, splat8(4.1665795894e-2f));
    p = fma8(p, r, splat8(1.6666665459e-1f));
    p = fma8(p, r, splat8(5.0000001201e-1f));
    p = fma8(p, r * r, r) + 1.0f;
    /* t's low mantissa bits hold n: 2^n assembled in the exponent field */
    i8 e = ((i8)t - (i8)magic + 127) << 23;
    return p * (f8)e;
}

#endif
