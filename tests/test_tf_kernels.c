/* The Transformer's own kernels against plain reference loops: the softmax's
 * vector exp against libm over its whole range, hashed dropout
 * masks (rate, values, any range filled alone, keys unrelated), the row-block
 * products with every epilogue (ragged sizes, one and two threads bitwise
 * equal), block transposes, one sequence's attention against a double
 * precision reference (also with scores far apart, where a naive exp would
 * underflow or overflow), and the whole model: the evaluation path (scratch,
 * no maps) gives the training path's logits bit for bit when dropout is off,
 * the logits do not depend on the thread count, and gradients repeat exactly
 * for a given thread count (OpenBLAS may split the weight-gradient sums by
 * thread count, so across counts they agree to rounding). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "models/model.h"
#include "nn/attention.h"
#include "kernels/linear_rows.h"
#include "kernels/mask_hash.h"
#include "kernels/panel_pack.h"
#include "kernels/vexp8.h"
#include "kernels/tensor.h"

/* ---- vector exp ---------------------------------------------------------------- */

static void test_exp8(void **state) {
    (void)state;
    double worst = 0;
    for (int i = 0; i < 200000; i++) {
        f8 x;
        for (int k = 0; k < 8; k++) x[k] = -87.0f + 175.0f * (float)(i * 8 + k) / (200000.0f * 8);
        f8 y = exp8(x);
        for (int k = 0; k < 8; k++) {
            double ref = exp((double)x[k]);
            assert_false(isnan(y[k]));
            worst = fmax(worst, fabs(y[k] - ref) / ref);
        }
    }
    if (!(worst < 4e-7)) print_error("exp8 worst relative error %g\n", worst);
    assert_true(worst < 4e-7);
    /* far below the range, and -inf: a tiny non-negative number, never NaN */
    f8 lo = {-88.0f, -100.0f, -1000.0f, -1e30f, -INFINITY, -87.3f, 0.0f, -0.0f};
    f8 y = exp8(lo);
    for (int k = 0; k < 6; k++) assert_true(y[k] >= 0.0f && y[k] < 1.2e-37f);
    assert_true(y[6] == 1.0f && y[7] == 1.0f);
}

/* ---- hashed dropout masks ------------------------------------------------------ */

static void test_mask_hash(void **state) {
    (void)state;
    const size_t n = 100003;
    const float p = 0.3f, keep = 1.0f / (1.0f - p);
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    mask_hash_fill(0x1234567890abcdefULL, p, 0, a, n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(a[i] == 0.0f || a[i] == keep);
        kept += a[i] != 0.0f;
    }
    /* binomial: sd = sqrt(n p (1-p)) ~ 145; allow 5 sd */
    double rate = (double)kept / n;
    assert_true(fabs(rate - (1.0 - p)) < 5 * sqrt(p * (1 - p) / n));
    /* any range filled on its own holds the same values (ragged pieces too) */
    size_t cuts[] = {0, 1, 7, 8, 9, 1000, 65536, 65541, n};
    for (size_t k = 0; k + 1 < sizeof cuts / sizeof *cuts; k++)
        mask_hash_fill(0x1234567890abcdefULL, p, cuts[k], b + cuts[k], cuts[k + 1] - cuts[k]);
    assert_memory_equal(a, b, n * sizeof *a);
    /* another key: agreement as for independent masks, p^2 + (1-p)^2 = 0.58 */
    mask_hash_fill(0x1234567890abcdeeULL, p, 0, c, n);
    size_t same = 0;
    for (size_t i = 0; i < n; i++) same += (a[i] != 0.0f) == (c[i] != 0.0f);
    assert_true(fabs((double)same / n - 0.58) < 0.01);
    /* and not a shifted copy of the first */
    for (size_t shift = 1; shift < 64; shift++) {
        size_t eq = 0;
        for (size_t i = 0; i + shift < 10000; i++) eq += (a[i + shift] != 0.0f) == (c[i] != 0.0f);
        assert_true(eq < 9000);
    }
    mask_hash_fill(5, 0.0f, 0, c, 100);
    for (int i = 0; i < 100; i++) assert_true(c[i] == 1.0f);
    mask_hash_fill(5, 1.0f, 0, c, 100);
    for (int i = 0; i < 100; i++) assert_true(c[i] == 0.0f);
    free(a);
    free(b);
    free(c);
}

/* ---- row-block products ------------------------------------------------------- */

/* reference: y = act((accumulate ? y : 0) + x op(W) + bias) * mask, gate, + residual */
static void ref_rows(const float *x, int N, int in, const float *W, int out, int transposed, RowsEpilogue ep,
                     float *y) {
    for (int r = 0; r < N; r++)
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int k = 0; k < in; k++)
                s += (double)x[(size_t)r * in + k] * (transposed ? W[(size_t)k * out + o] : W[(size_t)o * in + k]);
            size_t i = (size_t)r * out + o;
            float v = (float)s + (ep.accumulate ? y[i] : 0.0f);
            if (ep.bias) v += ep.bias[o];
            if (ep.relu) v = v > 0 ? v : 0;
            if (ep.mask) v *= ep.mask[i];
            if (ep.gate) v = ep.gate[i] > 0 ? v : 0;
            if (ep.residual) v += ep.residual[i];
            y[i] = v;
        }
}

static void check_rows(int N, int in, int out, int transposed, int variant) {
    size_t nx = (size_t)N * in, ny = (size_t)N * out, nw = (size_t)in * out;
    float *x = malloc(nx * 4), *W = malloc(nw * 4), *bias = malloc((size_t)out * 4), *mask = malloc(ny * 4);
    float *gate = malloc(ny * 4), *res = malloc(ny * 4), *y0 = malloc(ny * 4), *y1 = malloc(ny * 4),
          *y2 = malloc(ny * 4), *y3 = malloc(ny * 4);
    fill_uniform(x, nx, 1, -1, 1);
    fill_uniform(W, nw, 2, -0.5f, 0.5f);
    fill_uniform(bias, (size_t)out, 3, -1, 1);
    fill_uniform(gate, ny, 4, -1, 1);
    fill_uniform(res, ny, 5, -1, 1);
    mask_hash_fill(77, 0.25f, 0, mask, ny);
    fill_uniform(y0, ny, 6, -1, 1);
    RowsEpilogue ep = {0};
    if (variant == 1) ep = (RowsEpilogue){.bias = bias, .relu = 1, .mask = mask};
    if (variant == 2) ep = (RowsEpilogue){.mask = mask, .gate = gate};
    if (variant == 3) ep = (RowsEpilogue){.bias = bias, .mask = mask, .residual = res};
    if (variant == 4) ep = (RowsEpilogue){.accumulate = 1};
    memcpy(y1, y0, ny * 4);
    memcpy(y2, y0, ny * 4);
    memcpy(y3, y0, ny * 4);
    ref_rows(x, N, in, W, out, transposed, ep, y0);
    char what[64];
    snprintf(what, sizeof what, "rows %dx%dx%d t%d v%d", N, in, out, transposed, variant);
    if (transposed) {
        /* on the pool: the thread count changes nothing */
        compute_set_threads(1);
        rows_linear_t(x, N, in, W, out, ep, y1);
        compute_set_threads(2);
        rows_linear_t(x, N, in, W, out, ep, y2);
        assert_allclose(y1, y0, ny, 1e-5, 1e-5, what);
        assert_memory_equal(y1, y2, ny * 4);
    } else {
        /* packed once, on the calling thread, as the Transformer's forward runs it */
        float *packed = malloc(rows_packed_floats(in, out) * 4);
        rows_pack(W, out, in, packed);
        rows_apply(x, N, in, packed, out, ep, y3);
        assert_allclose(y3, y0, ny, 1e-5, 1e-5, what);
        free(packed);
    }
    free(x), free(W), free(bias), free(mask), free(gate), free(res), free(y0), free(y1), free(y2), free(y3);
}

static void test_rows_linear(void **state) {
    (void)state;
    for (int v = 0; v < 5; v++) {
        check_rows(13, 19, 21, 0, v);
        check_rows(13, 19, 21, 1, v);
        check_rows(1, 5, 3, 0, v);
    }
    check_rows(300, 128, 40, 0, 1); /* several row blocks on two threads */
    check_rows(300, 64, 50, 1, 3);
    compute_set_threads(0);
}

static void test_transpose(void **state) {
    (void)state;
    for (int R = 1; R <= 19; R += 3)
        for (int C = 1; C <= 21; C += 4) {
            float src[19 * 24], dst[24 * 19];
            fill_uniform(src, sizeof src / sizeof *src, (unsigned)(R * 31 + C), -1, 1);
            memset(dst, 0, sizeof dst);
            transpose(R, C, src, 24, dst, 19);
            for (int r = 0; r < R; r++)
                for (int c = 0; c < C; c++) assert_true(dst[c * 19 + r] == src[r * 24 + c]);
        }
}

/* ---- one sequence's attention ------------------------------------------------- */

static void ref_attention(int L, int E, int H, const float *qkv, float *ctx, float *probs) {
    int dh = E / H;
    double scale = 1.0 / sqrt((double)dh), *s = malloc((size_t)L * sizeof *s);
    for (int h = 0; h < H; h++)
        for (int i = 0; i < L; i++) {
            const float *q = qkv + (size_t)i * 3 * E + h * dh;
            double m = -INFINITY, sum = 0;
            for (int j = 0; j < L; j++) {
                const float *k = qkv + (size_t)j * 3 * E + E + h * dh;
                double d = 0;
                for (int e = 0; e < dh; e++) d += (double)q[e] * k[e];
                s[j] = d * scale;
                m = fmax(m, s[j]);
            }
            for (int j = 0; j < L; j++) sum += s[j] = exp(s[j] - m);
            for (int e = 0; e < dh; e++) {
                double c = 0;
                for (int j = 0; j < L; j++) c += s[j] / sum * qkv[(size_t)j * 3 * E + 2 * E + h * dh + e];
                ctx[(size_t)i * E + h * dh + e] = (float)c;
            }
            for (int j = 0; j < L; j++) probs[((size_t)h * L + i) * L + j] = (float)(s[j] / sum);
        }
    free(s);
}

static void check_attention(int L, int E, int H, float spread) {
    size_t nq = (size_t)L * 3 * E, nc = (size_t)L * E, np = (size_t)H * L * L;
    float *qkv = malloc(nq * 4), *c0 = malloc(nc * 4), *c1 = malloc(nc * 4), *c2 = malloc(nc * 4);
    float *p0 = malloc(np * 4), *p1 = malloc(np * 4);
    float *scr = aligned_alloc(64, (mha_seq_scratch_floats(L, E, H) * 4 + 63) & ~(size_t)63);
    fill_uniform(qkv, nq, (unsigned)L, -spread, spread);
    ref_attention(L, E, H, qkv, c0, p0);
    MhaDropout none = {0, 0};
    mha_attend_seq(L, E, H, qkv, none, p1, NULL, 0, c1, scr);
    mha_attend_seq(L, E, H, qkv, none, NULL, NULL, 0, c2, scr);
    char what[64];
    snprintf(what, sizeof what, "attention L=%d spread %g", L, spread);
    for (size_t i = 0; i < nc; i++) assert_false(isnan(c1[i]));
    assert_allclose(c1, c0, nc, 1e-4, 1e-5, what);
    assert_allclose(p1, p0, np, 1e-4, 1e-6, what);
    assert_memory_equal(c1, c2, nc * 4); /* kept maps or not, the same context */
    free(qkv), free(c0), free(c1), free(c2), free(p0), free(p1), free(scr);
}

static void test_attention_seq(void **state) {
    (void)state;
    check_attention(1, 16, 2, 1.0f);
    check_attention(13, 16, 2, 1.0f);
    check_attention(53, 32, 4, 1.0f);
    check_attention(70, 16, 1, 1.0f);
    /* scores hundreds apart: exp of the shifted scores spans 0 to 1 */
    check_attention(29, 16, 2, 12.0f);
}

/* ---- whole model --------------------------------------------------------------- */

static Config model_config(void) {
    Config c;
    config_defaults(&c);
    c.model_arch = ARCH_TRANSFORMER;
    c.model_embed_dim = 32;
    c.model_heads = 4;
    c.model_ff_dim = 48;
    c.model_layers = 2;
    c.model_pooling = POOL_MEAN;
    c.model_dropout = 0.0;
    c.data_max_len = 70;
    return c;
}

enum { MB = 9, MT = 70, MV = 60 };

static void make_batch(int32_t *tok, int32_t *len, int32_t *lab) {
    Rng r;
    rng_seed(&r, 11);
    for (int s = 0; s < MB; s++) {
        len[s] = 1 + (int)rng_below(&r, MT);
        lab[s] = s & 1;
        for (int t = 0; t < MT; t++) tok[s * MT + t] = t < len[s] ? 1 + (int32_t)rng_below(&r, MV - 1) : 0;
    }
}

static void run_model(const Config *c, int threads, int train, float *logits, float *grad, size_t *ngrad) {
    int32_t tok[MB * MT], len[MB], lab[MB];
    make_batch(tok, len, lab);
    compute_set_threads(threads);
    char err[256];
    Model *m = model_create(c, MV, MB, MT, err, sizeof err);
    assert_non_null(m);
    model_init(m, 5);
    rng_seed(&m->dropout_rng, 3);
    Batch b = {.tokens = tok, .lengths = len, .labels = lab, .B = MB, .T = MT};
    model_forward(m, &b, train);
    memcpy(logits, m->logits, MB * NUM_CLASSES * sizeof(float));
    if (train && grad) {
        params_zero_grad(&m->params);
        model_backward(m, &b);
        memcpy(grad, m->params.grad, m->params.total * sizeof(float));
        *ngrad = m->params.total;
    }
    model_free(m);
    compute_set_threads(0);
}

static void test_model_paths(void **state) {
    (void)state;
    for (int variant = 0; variant < 3; variant++) {
        Config c = model_config();
        if (variant == 1) c.model_norm = NORM_PRE, c.model_activation = ACT_GELU, c.model_pooling = POOL_ATTENTION;
        if (variant == 2) c.model_lab_compat = 1;
        float a[MB * 2], b[MB * 2];
        /* without dropout, evaluation computes exactly what training does */
        run_model(&c, 2, 1, a, NULL, NULL);
        run_model(&c, 2, 0, b, NULL, NULL);
        assert_memory_equal(a, b, sizeof a);
        /* with dropout: one thread or two, the same logits; the same
         * gradients run to run, and to rounding across thread counts */
        c.model_dropout = 0.2;
        size_t n1 = 0, n2 = 0, n3 = 0;
        float *g1 = malloc(200000 * sizeof(float)), *g2 = malloc(200000 * sizeof(float)),
              *g3 = malloc(200000 * sizeof(float));
        run_model(&c, 1, 1, a, g1, &n1);
        run_model(&c, 2, 1, b, g2, &n2);
        assert_true(n1 > 0 && n1 <= 200000 && n1 == n2);
        assert_memory_equal(a, b, sizeof a);
        assert_allclose(g1, g2, n1, 1e-3, 1e-6, "gradients, 1 vs 2 threads");
        run_model(&c, 2, 1, b, g3, &n3);
        assert_memory_equal(g2, g3, n2 * sizeof(float));
        free(g1);
        free(g2);
        free(g3);
        config_free(&c);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exp8),          cmocka_unit_test(test_mask_hash),     cmocka_unit_test(test_rows_linear),
        cmocka_unit_test(test_transpose),     cmocka_unit_test(test_attention_seq),
        cmocka_unit_test(test_model_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
