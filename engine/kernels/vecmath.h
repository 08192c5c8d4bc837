/* Inline vector math shared by the elementwise kernels of engine/nn: GCC/Clang
 * vector extensions, vectorised at every optimisation level (also -O1 under
 * the sanitizers); eight lanes with AVX, four with plain SSE. Every function
 * has a scalar twin with the same formula, for loop tails, so kernels can be
 * written once over a lane type (see recurrent_backward.c). */
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

#if defined(__AVX__) || defined(__SSE__)
#include <immintrin.h>
#endif

/* a * b + c, fused (one rounding) where the machine has FMA. ISO C mode does
 * not contract a * b + c by itself, so the instruction is asked for. */
#if defined(__FMA__) && defined(__AVX__)
static inline vf vfma(vf a, vf b, vf c) { return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c); }
#elif defined(__FMA__) && defined(__SSE__)
static inline vf vfma(vf a, vf b, vf c) { return (vf)_mm_fmadd_ps((__m128)a, (__m128)b, (__m128)c); }
#else
static inline vf vfma(vf a, vf b, vf c) { return a * b + c; }
#endif
/* the scalar twin rounds exactly like vfma, so tails match whole vectors */
#if defined(__FMA__)
static inline float sfma(float a, float b, float c) { return fmaf(a, b, c); }
#else
static inline float sfma(float a, float b, float c) { return a * b + c; }
#endif

/* tanh as a rational function, odd degree-13 over even degree-6 (the
 * approximation Eigen uses), on x clamped to +-7.9 where it reaches +-1: one
 * division and no exp, within 4e-7 of tanh everywhere, exact sign and tiny
 * inputs kept. */
#define TANH_CLAMP 7.90531110763549805f
#define TANH_P(F, x2)                                                            \
    F(F(F(F(F(F(-2.76076847742355e-16f, x2, 2.00018790482477e-13f), x2, -8.60467152213735e-11f), x2, \
            5.12229709037114e-08f), x2, 1.48572235717979e-05f), x2, 6.37261928875436e-04f), x2,      \
      4.89352455891786e-03f)
#define TANH_Q(F, x2) F(F(F(1.19825839466702e-06f, x2, 1.18534705686654e-04f), x2, 2.26843463243900e-03f), x2, 4.89352518554385e-03f)

static inline vf vtanh(vf x) {
    x = vmin(vmax(x, vsplat(-TANH_CLAMP)), vsplat(TANH_CLAMP));
    vf x2 = x * x;
#define VF_(a, b, c) vfma(vsplat(0.0f) + (a), (b), vsplat(0.0f) + (c))
    vf p = x * TANH_P(VF_, x2), q = TANH_Q(VF_, x2);
#undef VF_
    return p / q;
}

static inline float stanh(float x) {
    x = fminf(fmaxf(x, -TANH_CLAMP), TANH_CLAMP);
    float x2 = x * x;
#define SF_(a, b, c) sfma((a), (b), (c))
    float p = x * TANH_P(SF_, x2), q = TANH_Q(SF_, x2);
#undef SF_
    return p / q;
}

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

/* The first n (<= VLANES) lanes only, for the ragged end of a row; lanes past
 * n read as zero and are not written. */
static inline vf vload_n(const float *p, int n) {
    vf v = {0};
    if (n > 0 && n <= VLANES) memcpy(&v, p, (size_t)n * sizeof(float));
    return v;
}

static inline void vstore_n(float *p, vf v, int n) {
    if (n > 0 && n <= VLANES) memcpy(p, &v, (size_t)n * sizeof(float));
}


#endif
