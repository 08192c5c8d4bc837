/* Masked-language-model pretraining against PyTorch and by itself:
 *   - tests/fixtures/hf/distilbert_mlm_ref.safetensors (scripts/fixtures/hf_bert.py)
 *     holds a tiny DistilBertForMaskedLM, a masked batch and what PyTorch
 *     computes: the loss over the masked tokens, every gradient (the word
 *     embeddings' the total of the encoder's and the tied projector's) and
 *     one AdamW step;
 *   - central differences of the MLM head alone (nn/mlm_head.c);
 *   - the masking's statistics, its specials and its determinism. */
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
#include "models/mlm_model.h"
#include "models/model.h"
#include "nn/mlm_head.h"
#include "nn/optim.h"
#include "run/mlm_batch.h"
#include "run/safetensors.h"

#define RTOL 1e-4
#define LR 1e-3f
#define NB 5
#define NT 12
#define NV 40

static void load_ref(StFile *f) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    char path[1024], err[256];
    snprintf(path, sizeof path, "%s/tests/fixtures/hf/distilbert_mlm_ref.safetensors", root && *root ? root : ".");
    memset(f, 0, sizeof *f);
    if (st_load(f, path, err, sizeof err) != 0) {
        print_error("%s: %s\n", path, err);
        fail();
    }
}

static void mlm_config(Config *cfg) {
    config_defaults(cfg);
    cfg->model_arch = ARCH_DISTILBERT;
    cfg->train_objective = OBJECTIVE_MLM;
    cfg->model_embed_dim = 16;
    cfg->model_heads = 2;
    cfg->model_ff_dim = 40;
    cfg->model_layers = 2;
    cfg->model_dropout = 0;
    cfg->data_max_len = NT;
    cfg->train_optimizer = OPT_ADAMW;
    cfg->train_weight_decay = 0.01;
}

static Model *mlm_model(void) {
    Config cfg;
    mlm_config(&cfg);
    char err[512] = "";
    Model *m = model_create(&cfg, NV, NB, NT, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);
    model_init(m, 5);
    config_free(&cfg);
    return m;
}

/* The masked batch of the fixture as positions and labels. */
static int targets(const StFile *f, int32_t *tok, int32_t *len, int32_t *pos, int32_t *lab) {
    int32_t y[NB * NT];
    fixture_i32(f, "input_ids", tok, NB * NT);
    fixture_i32(f, "lengths", len, NB);
    fixture_i32(f, "mlm_labels", y, NB * NT);
    int M = 0;
    for (int i = 0; i < NB * NT; i++)
        if (y[i] >= 0) pos[M] = i, lab[M++] = y[i];
    return M;
}

static void check_adamw(Model *m, const StFile *f) {
    Config cfg;
    mlm_config(&cfg);
    Optimizer o;
    assert_int_equal(optim_init(&o, &m->params, &cfg), 0);
    fixture_check_adamw_step(&m->params, &o, f, LR, RTOL);
    optim_free(&o);
    config_free(&cfg);
}

static void test_matches_pytorch(void **state) {
    (void)state;
    Model *m = mlm_model();
    StFile f;
    load_ref(&f);
    /* the same parameter set as Hugging Face's module, under its names */
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        char key[PARAM_NAME_MAX + 8];
        snprintf(key, sizeof key, "w.%s", v->name);
        float *w = fixture_f32(&f, key, v->size);
        memcpy(m->params.data + v->offset, w, v->size * sizeof(float));
        free(w);
    }
    int32_t tok[NB * NT], len[NB], pos[NB * NT], lab[NB * NT];
    int M = targets(&f, tok, len, pos, lab);
    assert_true(M > 3);
    Batch b = {.tokens = tok, .lengths = len, .B = NB, .T = NT};
    MlmTargets tg = {pos, lab, M};
    params_zero_grad(&m->params);
    float loss = (float)model_mlm_forward(m, &b, &tg, 1, NULL);
    model_mlm_backward(m);
    float *ref = fixture_f32(&f, "loss", 1);
    assert_allclose(&loss, ref, 1, RTOL, 0, "loss");
    free(ref);
    fixture_check_grads(&m->params, &f, RTOL);
    /* evaluation gives the same loss and keeps no gradient */
    long correct = -1;
    float again = (float)model_mlm_forward(m, &b, &tg, 0, &correct);
    assert_allclose(&again, &loss, 1, 1e-6, 0, "evaluation loss");
    assert_true(correct >= 0 && correct <= M);
    check_adamw(m, &f);
    st_free(&f);
    model_free(m);
}

/* A batch where nothing was masked (short reviews, a low rate): loss 0,
 * no gradient, nothing that is not finite. */
static void test_nothing_masked(void **state) {
    (void)state;
    Model *m = mlm_model();
    int32_t tok[NB * NT] = {0}, len[NB];
    for (int s = 0; s < NB; s++) len[s] = 2, tok[s * NT] = 3, tok[s * NT + 1] = 4;
    Batch b = {.tokens = tok, .lengths = len, .B = NB, .T = NT};
    MlmTargets tg = {NULL, NULL, 0};
    params_zero_grad(&m->params);
    long correct = -1;
    assert_true(model_mlm_forward(m, &b, &tg, 1, &correct) == 0.0);
    assert_int_equal(correct, 0);
    model_mlm_backward(m);
    for (size_t i = 0; i < m->params.total; i++) assert_true(m->params.grad[i] == 0.0f);
    model_free(m);
}

/* ---- the head by central differences ------------------------------------------ */

enum { HM = 6, HE = 8, HV = 11 };

typedef struct HeadCase {
    float *w; /* vt_w, vt_b, ln_w, ln_b, emb, proj_b back to back */
    float *x;
    int32_t labels[HM];
    float *buf;
} HeadCase;

static MlmHeadParams head_params(const HeadCase *c) {
    const float *w = c->w;
    return (MlmHeadParams){w, w + HE * HE, w + HE * HE + HE, w + HE * HE + 2 * HE, w + HE * HE + 3 * HE,
                           w + HE * HE + 3 * HE + HV * HE};
}

static double head_loss(void *ctx) {
    HeadCase *c = ctx;
    MlmHeadParams p = head_params(c);
    MlmHeadActs a = mlm_head_acts(c->buf, HM, HE, HV);
    return mlm_head_forward(HM, HE, HV, 1e-12f, &p, c->x, c->labels, &a, NULL);
}

static void test_head_gradients(void **state) {
    (void)state;
    const size_t nw = HE * HE + 3 * HE + HV * HE + HV;
    HeadCase c = {malloc(nw * sizeof(float)), malloc(HM * HE * sizeof(float)), {0}, NULL};
    c.buf = malloc(mlm_head_floats(HM, HE, HV) * sizeof(float));
    fill_uniform(c.w, nw, 3, -0.6f, 0.6f);
    fill_uniform(c.x, HM * HE, 4, -1.5f, 1.5f);
    for (int i = 0; i < HM; i++) c.labels[i] = (i * 7 + 2) % HV;
    float *gw = calloc(nw, sizeof(float)), *gx = calloc(HM * HE, sizeof(float));
    MlmHeadParams p = head_params(&c);
    MlmHeadActs a = mlm_head_acts(c.buf, HM, HE, HV);
    mlm_head_forward(HM, HE, HV, 1e-12f, &p, c.x, c.labels, &a, NULL);
    MlmHeadGrads g = {gw, gw + HE * HE, gw + HE * HE + HE, gw + HE * HE + 2 * HE, gw + HE * HE + 3 * HE,
                      gw + HE * HE + 3 * HE + HV * HE};
    mlm_head_backward(HM, HE, HV, &p, c.x, c.labels, 1.0f, &a, gx, &g);
    gradcheck(head_loss, &c, c.x, gx, HM * HE, 48, 1e-2, 1e-2, "mlm head input");
    gradcheck(head_loss, &c, c.w, gw, nw, 200, 1e-2, 1e-2, "mlm head parameters");
    free(c.w), free(c.x), free(c.buf), free(gw), free(gx);
}

/* ---- masking ------------------------------------------------------------------ */

static const MlmIds IDS = {.pad = 0, .unk = 100, .cls = 101, .sep = 102, .mask = 103, .first_plain = 104, .V = 1000};

enum { MB = 64, MT = 128 };

static void make_batch(int32_t *tok, int32_t *len) {
    for (int s = 0; s < MB; s++) {
        len[s] = 20 + (s * 37) % (MT - 20);
        for (int i = 0; i < MT; i++) {
            int32_t *t = &tok[s * MT + i];
            *t = i >= len[s] ? 0 : i == 0 ? 101 : i == len[s] - 1 ? 102 : 104 + (s * 31 + i * 17) % 896;
            if (i == 5 && i < len[s] - 1) *t = 100; /* an [UNK] in every review */
        }
    }
}

static void test_masking(void **state) {
    (void)state;
    static int32_t tok[MB * MT], out[MB * MT], pos[MB * MT], lab[MB * MT], again[MB * MT];
    int32_t len[MB];
    make_batch(tok, len);
    Batch b = {.tokens = tok, .lengths = len, .B = MB, .T = MT};
    long plain = 0, chosen = 0, masked = 0, random = 0, kept = 0;
    for (int rep = 0; rep < 20; rep++) {
        uint64_t keys[MB];
        for (int s = 0; s < MB; s++) keys[s] = (uint64_t)rep * 1000 + (uint64_t)s;
        MlmBatch mb = {.pos = pos, .labels = lab};
        mlm_mask(&b, &IDS, 0.15f, keys, out, &mb);
        for (int s = 0; s < MB; s++)
            for (int i = 0; i < len[s]; i++) plain += !mlm_is_special(&IDS, tok[s * MT + i]);
        for (int k = 0; k < mb.M; k++) {
            int32_t was = tok[pos[k]], now = out[pos[k]];
            assert_int_equal(lab[k], was);
            assert_false(mlm_is_special(&IDS, was)); /* [CLS] [SEP] [PAD] [UNK] never chosen */
            assert_true(pos[k] % MT < len[pos[k] / MT]);
            masked += now == IDS.mask;
            kept += now == was;
            random += now != was && now != IDS.mask;
            assert_true(now == IDS.mask || (now >= IDS.first_plain && now < IDS.V));
        }
        chosen += mb.M;
        /* what is not chosen is left as it was */
        int k = 0;
        for (int i = 0; i < MB * MT; i++) {
            if (k < mb.M && pos[k] == i) {
                k++;
                continue;
            }
            assert_int_equal(out[i], tok[i]);
        }
        /* the same keys give the same masking */
        MlmBatch mb2 = {.pos = pos, .labels = lab};
        mlm_mask(&b, &IDS, 0.15f, keys, again, &mb2);
        assert_int_equal(mb2.M, mb.M);
        assert_memory_equal(again, out, sizeof out);
    }
    double share = (double)chosen / plain;
    assert_true(plain > 50000);
    assert_true(fabs(share - 0.15) < 0.01);
    assert_true(fabs((double)masked / chosen - 0.8) < 0.02);
    /* a random token can be the same one: kept is 10 % plus a little */
    assert_true(fabs((double)random / chosen - 0.1) < 0.015);
    assert_true(fabs((double)kept / chosen - 0.1) < 0.015);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_pytorch),
        cmocka_unit_test(test_nothing_masked),
        cmocka_unit_test(test_head_gradients),
        cmocka_unit_test(test_masking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
