/* The Transformer classifier against PyTorch: tests/fixtures/transformer*.safetensors
 * hold weights, a padded batch, and PyTorch's logits, loss, every parameter
 * gradient and the parameters after one Adam step (written by
 * scripts/fixtures/transformer.py, references in float64). Post-norm ReLU,
 * pre-norm GELU, and the lab's unmasked variant. */
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
#include "nn/optim.h"
#include "run/safetensors.h"

static const char *const cases[] = {"transformer", "transformer_pre", "transformer_lab"};

#define RTOL 1e-4
#define ADAM_LR 1e-2f

static void fixture_path(char *buf, size_t n, const char *name) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    snprintf(buf, n, "%s/tests/fixtures/%s.safetensors", root && *root ? root : ".", name);
}


static void get_i32(const StFile *f, const char *name, int32_t *dst, size_t n) {
    const StTensor *t = st_find(f, name);
    if (!t || t->dtype != ST_I32 || t->nbytes != n * sizeof(int32_t)) {
        print_error("fixture tensor %s missing or not int32[%zu]\n", name, n);
        fail();
    }
    memcpy(dst, t->data, n * sizeof(int32_t));
}

static int meta_int(const StFile *f, const char *key) {
    char buf[64];
    const char *v = st_metadata(f, key, buf, sizeof buf);
    if (!v) {
        print_error("fixture metadata has no %s\n", key);
        fail();
    }
    return atoi(v);
}

static int meta_is(const StFile *f, const char *key, const char *want) {
    char buf[64];
    const char *v = st_metadata(f, key, buf, sizeof buf);
    return v && strcmp(v, want) == 0;
}

/* Floor for entries near zero, relative to the tensor's own scale. */
static double scale_of(const float *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
    return m;
}

static void check_case(const char *name) {
    char path[1024], err[256], buf[64];
    fixture_path(path, sizeof path, name);
    StFile f;
    memset(&f, 0, sizeof f);
    if (st_load(&f, path, err, sizeof err) != 0) {
        print_error("%s: %s\n", path, err);
        fail();
    }
    assert_string_equal(st_metadata(&f, "format", buf, sizeof buf), "sentui-fixture-1");
    const StTensor *tt = st_find(&f, "tokens");
    assert_non_null(tt);
    int B = (int)tt->shape[0], T = (int)tt->shape[1];

    Config cfg;
    config_defaults(&cfg);
    cfg.model_arch = ARCH_TRANSFORMER;
    cfg.model_embed_dim = meta_int(&f, "embed_dim");
    cfg.model_heads = meta_int(&f, "heads");
    cfg.model_ff_dim = meta_int(&f, "ff_dim");
    cfg.model_layers = meta_int(&f, "layers");
    cfg.model_activation = meta_is(&f, "activation", "gelu") ? ACT_GELU : ACT_RELU;
    cfg.model_norm = meta_is(&f, "norm", "pre") ? NORM_PRE : NORM_POST;
    cfg.model_position = POS_LEARNED;
    cfg.model_pooling = POOL_MEAN;
    cfg.model_lab_compat = meta_is(&f, "lab_compat", "true");
    cfg.model_dropout = 0;
    cfg.model_embed_dropout = 0;
    cfg.data_max_len = meta_int(&f, "max_len");
    Model *m = model_create(&cfg, meta_int(&f, "vocab_size"), B, T, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);

    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        float *w = fixture_f32(&f, v->name, v->size);
        memcpy(m->params.data + v->offset, w, v->size * sizeof(float));
        free(w);
    }
    int32_t *tok = malloc(sizeof(int32_t) * B * T), *len = malloc(sizeof(int32_t) * B), *lab = malloc(sizeof(int32_t) * B);
    get_i32(&f, "tokens", tok, (size_t)B * T);
    get_i32(&f, "lengths", len, (size_t)B);
    get_i32(&f, "labels", lab, (size_t)B);
    Batch b = {.tokens = tok, .lengths = len, .labels = lab, .B = B, .T = T};

    float loss = model_forward(m, &b, 1);
    float *ref = fixture_f32(&f, "logits", (size_t)B * NUM_CLASSES);
    assert_allclose(m->logits, ref, (size_t)B * NUM_CLASSES, RTOL, 1e-5, "logits");
    free(ref);
    ref = fixture_f32(&f, "loss", 1);
    assert_allclose(&loss, ref, 1, RTOL, 0, "loss");
    free(ref);

    params_zero_grad(&m->params);
    model_backward(m, &b);
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        char key[PARAM_NAME_MAX + 8], what[PARAM_NAME_MAX + 64];
        snprintf(key, sizeof key, "grad.%s", v->name);
        snprintf(what, sizeof what, "%s: %s", name, key);
        ref = fixture_f32(&f, key, v->size);
        assert_allclose(m->params.grad + v->offset, ref, v->size, RTOL, 1e-4 * scale_of(ref, v->size), what);
        free(ref);
    }

    cfg.train_optimizer = OPT_ADAM;
    Optimizer o;
    assert_int_equal(optim_init(&o, &m->params, &cfg), 0);
    /* The first Adam step moves each weight by about lr * sign(grad), so a
     * gradient that is zero in exact arithmetic (the key bias: softmax ignores
     * a constant added to every score) is rounding noise whose sign decides
     * the step. Such entries are held to the step bound instead. */
    float *grad = malloc(m->params.total * sizeof(float));
    memcpy(grad, m->params.grad, m->params.total * sizeof(float));
    optim_step(&o, ADAM_LR);
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        char key[PARAM_NAME_MAX + 8], what[PARAM_NAME_MAX + 64];
        snprintf(key, sizeof key, "adam.%s", v->name);
        snprintf(what, sizeof what, "%s: %s", name, key);
        ref = fixture_f32(&f, key, v->size);
        double gs = scale_of(grad + v->offset, v->size);
        for (size_t k = 0; k < v->size; k++) {
            const float *g = grad + v->offset + k;
            float got = m->params.data[v->offset + k];
            if (fabs(*g) > 1e-5 * gs)
                assert_allclose(&got, &ref[k], 1, RTOL, 1e-6, what);
            else if (!(fabsf(got - ref[k]) <= 2.0f * ADAM_LR + 1e-6f)) {
                print_error("%s[%zu]: %.8g vs %.8g moved more than one step\n", what, k, got, ref[k]);
                fail();
            }
        }
        free(ref);
    }
    free(grad);
    optim_free(&o);
    free(tok), free(len), free(lab);
    model_free(m);
    config_free(&cfg);
    st_free(&f);
}

static void test_transformer_post_relu(void **state) {
    (void)state;
    check_case(cases[0]);
}

static void test_transformer_pre_gelu(void **state) {
    (void)state;
    check_case(cases[1]);
}

static void test_transformer_lab(void **state) {
    (void)state;
    check_case(cases[2]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transformer_post_relu),
        cmocka_unit_test(test_transformer_pre_gelu),
        cmocka_unit_test(test_transformer_lab),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
