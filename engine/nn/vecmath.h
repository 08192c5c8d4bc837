/* Inline vector math shared by the elementwise kernels of engine/nn: GCC/Clang
 * vector extensions, vectorised at every optimisation level (also -O1 under
 * the sanitizers); eight lanes with AVX, four with plain SSE. Every function
 * has a scalar twin with the same formula, for loop tails, so kernels can be
 * written once over a lane type (see recurrent.c). */
#ifndef SENTUI_NN_VECMATH_H
#define SENTUI_NN_VECMATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#ifdef __AVX__
#define VLANES 8
#else
#define VLANES 4
#endif
typedef float vf __attribute__((vector_size(VLANES * 4)));
typedef int32_t vi __attribute__((vector_size(VLANES * 4)));

/* x - 0 keeps the sign of -0.0f, which x + 0 would lose */
static inline vf vsplat(float x) { return x - (vf){0}; }

static inline vf vload(const float *p) {
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }

/* mask lanes are all-ones or zero, as produced by comparisons */
static inline vf vselect(vi mask, vf a, vf b) { return (vf)((mask & (vi)a) | (~mask & (vi)b)); }

static inline vf vmin(vf a, vf b) { return vselect(a < b, a, b); }
static inline vf vmax(vf a, vf b) { return vselect(a > b, a, b); }

/* Cephes expf: x = n ln2 + r with |r| <= ln2/2, degree-6 polynomial for e^r,
 * 2^n assembled in the exponent bits. Inputs are clamped so 2^n stays normal. */
#define EXP_HI 88.3762626647949f
#define EXP_LO -87.3365478515625f
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define ROUND_MAGIC 12582912.0f /* 1.5 * 2^23: adding it rounds to an integer */

static inline vf vexp(vf x) {
    x = vmin(vmax(x, vsplat(EXP_LO)), vsplat(EXP_HI));
    vf n = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
    vf r = x - n * LN2_HI - n * LN2_LO;
    vf p = vsplat(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    vf y = p * r * r + r + 1.0f;
    vi e = (__builtin_convertvector(n, vi) + 127) << 23;
    return y * (vf)e;
}

static inline float sexp(float x) {
    x = fminf(fmaxf(x, EXP_LO), EXP_HI);
    float n = (x * LOG2E + ROUND_MAGIC) - ROUND_MAGIC;
    float r = x - n * LN2_HI - n * LN2_LO;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    int32_t e = ((int32_t)n + 127) << 23;
    float s;
    memcpy(&s, &e, sizeof s);
    return y * s;
}

/* tanh: Cephes' odd polynomial near zero (where 1 - 2/(e^2x + 1) would
 * cancel), the exp form elsewhere; sign restored from x. */
static inline vf vtanh(vf x) {
    vi sign = (vi)x & (vi)vsplat(-0.0f);
    vf a = (vf)((vi)x & ~sign);
    vf z = x * x;
    vf p = vsplat(-5.70498872745e-3f);
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    vf small = p * z * x + x;
    vf big = 1.0f - 2.0f / (vexp(a + a) + 1.0f);
    big = (vf)((vi)big | sign);
    return vselect(a < 0.625f, small, big);
}

static inline float stanh(float x) {
    float a = fabsf(x);
    if (a < 0.625f) {
        float z = x * x;
        float p = -5.70498872745e-3f;
        p = p * z + 2.06390887954e-2f;
        p = p * z - 5.37397155531e-2f;
        p = p * z + 1.33314422036e-1f;
        p = p * z - 3.33332819422e-1f;
        return p * z * x + x;
    }
    float y = 1.0f - 2.0f / (sexp(a + a) + 1.0f);
    return copysignf(y, x);
}

static inline vf vsigmoid(vf x) { return 1.0f / (1.0f + vexp(-x)); }
static inline float ssigmoid(float x) { return 1.0f / (1.0f + sexp(-x)); }

#if defined(__AVX__)
#include <immintrin.h>
static inline vf vsqrt(vf x) { return (vf)_mm256_sqrt_ps((__m256)x); }
#elif defined(__SSE__)
#include <immintrin.h>
static inline vf vsqrt(vf x) { return (vf)_mm_sqrt_ps((__m128)x); }
#else
static inline vf vsqrt(vf x) {
    for (int i = 0; i < VLANES; i++) x[i] = sqrtf(x[i]);
    return x;
}
#endif

static inline float sload(const float *p) { return *p; }
static inline void sstore(float *p, float v) { *p = v; }

#endif
