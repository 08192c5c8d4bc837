/* The RNN, LSTM and GRU classifiers against PyTorch: tests/fixtures/<case>.safetensors
 * hold weights, a padded batch, and PyTorch's logits, loss, every parameter
 * gradient and the parameters after one Adam step (written by
 * scripts/fixtures/recurrent.py). Same weights in, same numbers out. */
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

typedef struct Case {
    const char *file;
    int arch, layers, bidir, lab;
} Case;

static const Case cases[] = {
    {"rnn", ARCH_RNN, 1, 0, 0},
    {"lstm", ARCH_LSTM, 2, 1, 0},
    {"gru", ARCH_GRU, 2, 1, 0},
    {"lstm_lab", ARCH_LSTM, 1, 0, 1},
};

#define RTOL 1e-4

static void fixture_path(char *buf, size_t n, const char *name) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    snprintf(buf, n, "%s/tests/fixtures/%s.safetensors", root && *root ? root : ".", name);
}

static const StTensor *need(const StFile *f, const char *name) {
    const StTensor *t = st_find(f, name);
    if (!t) {
        print_error("fixture has no tensor %s\n", name);
        fail();
    }
    return t;
}


/* absolute floor relative to the tensor's scale, for entries near zero */
static double scale_of(const float *x, size_t n) {
    double m = 0;
    for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
    return m;
}

static void check_case(const Case *c) {
    char path[1024], err[256], buf[64];
    fixture_path(path, sizeof path, c->file);
    StFile f;
    memset(&f, 0, sizeof f);
    if (st_load(&f, path, err, sizeof err) != 0) {
        print_error("%s: %s\n", path, err);
        fail();
    }
    assert_string_equal(st_metadata(&f, "format", buf, sizeof buf), "sentui-fixture-1");
    const StTensor *tt = need(&f, "tokens");
    assert_int_equal(tt->dtype, ST_I32);
    int B = (int)tt->shape[0], T = (int)tt->shape[1];
    int32_t *tok = malloc(sizeof(int32_t) * B * T), *len = malloc(sizeof(int32_t) * B), *lab = malloc(sizeof(int32_t) * B);
    memcpy(tok, tt->data, sizeof(int32_t) * B * T);
    memcpy(len, need(&f, "lengths")->data, sizeof(int32_t) * B);
    memcpy(lab, need(&f, "labels")->data, sizeof(int32_t) * B);
    const StTensor *emb = need(&f, "embedding.weight");

    Config cfg;
    config_defaults(&cfg);
    cfg.model_arch = c->arch;
    cfg.model_embed_dim = (int)emb->shape[1];
    cfg.model_hidden_dim = atoi(st_metadata(&f, "hidden_dim", buf, sizeof buf));
    cfg.model_layers = c->layers;
    cfg.model_bidirectional = c->bidir;
    cfg.model_pooling = POOL_LAST;
    cfg.model_lab_compat = c->lab;
    cfg.model_dropout = 0;
    cfg.model_embed_dropout = 0;
    cfg.train_optimizer = OPT_ADAM;
    cfg.train_lr = 1e-2;
    Model *m = model_create(&cfg, (int)emb->shape[0], B, T, err, sizeof err);
    assert_non_null(m);
    Params *p = &m->params;
    int seen = 0;
    for (int i = 0; i < f.n; i++)
        if (!strchr(f.tensors[i].name, '.') || strncmp(f.tensors[i].name, "grad.", 5) == 0 ||
            strncmp(f.tensors[i].name, "adam.", 5) == 0)
            continue;
        else
            seen++;
    assert_int_equal(seen, p->n); /* same parameter set as PyTorch, name for name */
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        if (st_get_f32(&f, v->name, p->data + v->offset, v->size, err, sizeof err) != 0) {
            print_error("%s: %s\n", c->file, err);
            fail();
        }
    }

    Batch b = {tok, len, lab, B, T};
    params_zero_grad(p);
    float loss = model_forward(m, &b, 1);
    model_backward(m, &b);
    float *want_logits = fixture_f32(&f, "logits", (size_t)B * NUM_CLASSES), *want_loss = fixture_f32(&f, "loss", 1);
    char what[256];
    snprintf(what, sizeof what, "%s logits", c->file);
    assert_allclose(m->logits, want_logits, (size_t)B * NUM_CLASSES, RTOL, 1e-6, what);
    snprintf(what, sizeof what, "%s loss", c->file);
    assert_allclose(&loss, want_loss, 1, RTOL, 1e-7, what);
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        char name[160];
        snprintf(name, sizeof name, "grad.%s", v->name);
        float *g = fixture_f32(&f, name, v->size);
        snprintf(what, sizeof what, "%s %s", c->file, name);
        assert_allclose(p->grad + v->offset, g, v->size, RTOL, 1e-6 * scale_of(g, v->size) + 1e-9, what);
        free(g);
    }

    Optimizer o;
    assert_int_equal(optim_init(&o, p, &cfg), 0);
    optim_step(&o, (float)cfg.train_lr);
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        char name[160];
        snprintf(name, sizeof name, "adam.%s", v->name);
        float *w = fixture_f32(&f, name, v->size);
        snprintf(what, sizeof what, "%s %s", c->file, name);
        assert_allclose(p->data + v->offset, w, v->size, RTOL, 1e-6, what);
        free(w);
    }
    optim_free(&o);
    free(want_logits), free(want_loss), free(tok), free(len), free(lab);
    model_free(m);
    config_free(&cfg);
    st_free(&f);
}

static void test_rnn(void **state) { (void)state; check_case(&cases[0]); }
static void test_lstm_bidirectional_two_layers(void **state) { (void)state; check_case(&cases[1]); }
static void test_gru_bidirectional_two_layers(void **state) { (void)state; check_case(&cases[2]); }
static void test_lstm_lab_compat(void **state) { (void)state; check_case(&cases[3]); }

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rnn),
        cmocka_unit_test(test_lstm_bidirectional_two_layers),
        cmocka_unit_test(test_gru_bidirectional_two_layers),
        cmocka_unit_test(test_lstm_lab_compat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
