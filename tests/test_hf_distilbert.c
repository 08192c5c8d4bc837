/* A Hugging Face DistilBERT folder against PyTorch: tests/fixtures/hf/distilbert
 * is a tiny DistilBertForSequenceClassification checkpoint (config.json,
 * vocab.txt, model.safetensors) and distilbert_ref.safetensors what PyTorch
 * computes for a padded batch: logits, loss, every gradient and the
 * parameters after one AdamW step with the Trainer's groups (written by
 * scripts/fixtures/hf_bert.py). Then the folders sentui must refuse, each
 * with a message that says what is wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config/config.h"
#include "models/model.h"
#include "nn/optim.h"
#include "run/safetensors.h"

#define RTOL 1e-4
#define LR 1e-3f
#define NB 5
#define NT 12
#define NV 40

static void fixture(char *buf, size_t n, const char *name) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    snprintf(buf, n, "%s/tests/fixtures/hf/%s", root && *root ? root : ".", name);
}


static void load_ref(StFile *f) {
    char path[1024], err[256];
    fixture(path, sizeof path, "distilbert_ref.safetensors");
    memset(f, 0, sizeof *f);
    if (st_load(f, path, err, sizeof err) != 0) {
        print_error("%s: %s\n", path, err);
        fail();
    }
}

static void config_for(Config *cfg, const char *dir) {
    config_defaults(cfg);
    cfg->model_arch = ARCH_DISTILBERT;
    free(cfg->model_init);
    cfg->model_init = strdup(dir);
    cfg->model_dropout = 0;
    cfg->data_max_len = NT;
    cfg->train_optimizer = OPT_ADAMW;
    cfg->train_weight_decay = 0.01;
}

/* A model of the folder dir, or NULL with its message in err. */
static Model *open_folder(const char *dir, int maxT, char *err, size_t errlen) {
    Config cfg;
    config_for(&cfg, dir);
    err[0] = 0;
    Model *m = model_create(&cfg, NV, NB, maxT, err, errlen);
    if (m) model_init(m, 7);
    config_free(&cfg);
    return m;
}

static void compare_logits(Model *m, const StFile *f, double rtol, double atol, float *loss_out) {
    int32_t tok[NB * NT], len[NB], lab[NB];
    fixture_i32(f, "input_ids", tok, NB * NT);
    fixture_i32(f, "lengths", len, NB);
    fixture_i32(f, "labels", lab, NB);
    Batch b = {.tokens = tok, .lengths = len, .labels = lab, .B = NB, .T = NT};
    float loss = model_forward(m, &b, 1);
    float *ref = fixture_f32(f, "logits", NB * NUM_CLASSES);
    assert_allclose(m->logits, ref, NB * NUM_CLASSES, rtol, atol, "logits");
    free(ref);
    ref = fixture_f32(f, "loss", 1);
    assert_allclose(&loss, ref, 1, rtol, 0, "loss");
    free(ref);
    if (loss_out) *loss_out = loss;
    params_zero_grad(&m->params);
    model_backward(m, &b);
}

static void check_step(Model *m, const StFile *f) {
    Config cfg;
    config_for(&cfg, "");
    Optimizer o;
    assert_int_equal(optim_init(&o, &m->params, &cfg), 0);
    fixture_check_adamw_step(&m->params, &o, f, LR, RTOL);
    optim_free(&o);
    config_free(&cfg);
}

static void test_matches_pytorch(void **state) {
    (void)state;
    char dir[1024], err[512];
    fixture(dir, sizeof dir, "distilbert");
    Model *m = open_folder(dir, NT, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);
    assert_string_equal(distilbert_note(m), "classification head from the checkpoint");
    StFile f;
    load_ref(&f);
    compare_logits(m, &f, RTOL, 1e-5, NULL);
    /* The key biases' gradient is zero in exact arithmetic (softmax ignores
     * a constant added to every score): float32 rounding against a float64
     * zero, so entries are also held to a floor from the largest gradient. */
    fixture_check_grads(&m->params, &f, RTOL);
    check_step(m, &f);
    st_free(&f);
    model_free(m);
}

/* With dropout on, backward must follow the masks the forward drew (none
 * after attention or inside the feed-forward, as Hugging Face): central
 * differences of the loss, with the same masks, against the gradient of
 * each tensor's largest entry. */
static float loss_with(Model *m, const Batch *b, Rng masks) {
    m->dropout_rng = masks;
    return model_forward(m, b, 1);
}

static void test_dropout_gradients(void **state) {
    (void)state;
    char dir[1024], err[512];
    fixture(dir, sizeof dir, "distilbert");
    Config cfg;
    config_for(&cfg, dir);
    cfg.model_dropout = 0.3;
    Model *m = model_create(&cfg, NV, NB, NT, err, sizeof err);
    config_free(&cfg);
    assert_non_null(m);
    model_init(m, 3);
    StFile f;
    load_ref(&f);
    int32_t tok[NB * NT], len[NB], lab[NB];
    fixture_i32(&f, "input_ids", tok, NB * NT);
    fixture_i32(&f, "lengths", len, NB);
    fixture_i32(&f, "labels", lab, NB);
    st_free(&f);
    Batch b = {.tokens = tok, .lengths = len, .labels = lab, .B = NB, .T = NT};
    Rng masks = m->dropout_rng;
    loss_with(m, &b, masks);
    params_zero_grad(&m->params);
    model_backward(m, &b);
    int checked = 0;
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        size_t at = 0;
        for (size_t k = 1; k < v->size; k++)
            if (fabsf(m->params.grad[v->offset + k]) > fabsf(m->params.grad[v->offset + at])) at = k;
        float g = m->params.grad[v->offset + at], *w = m->params.data + v->offset + at, w0 = *w, h = 2e-3f;
        if (fabsf(g) < 1e-3f) continue; /* too small to tell from float32 rounding */
        *w = w0 + h;
        double up = loss_with(m, &b, masks);
        *w = w0 - h;
        double down = loss_with(m, &b, masks);
        *w = w0;
        float num = (float)((up - down) / (2 * h));
        assert_allclose(&g, &num, 1, 5e-2, 1e-3, v->name);
        checked++;
    }
    assert_true(checked > m->params.n / 2);
    model_free(m);
}

/* ---- folders made from the fixture ----------------------------------------- */

static char tmpdir[256];

static char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)sz + 1);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    buf[sz] = 0;
    fclose(f);
    *n = (size_t)sz;
    return buf;
}

static void spit(const char *name, const char *data, size_t n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* A fresh copy of the fixture folder in tmpdir; in config.json the first
 * `from` becomes `to` (NULL: unchanged). */
static void copy_folder(const char *from, const char *to) {
    const char *names[] = {"config.json", "vocab.txt", "model.safetensors"};
    for (int i = 0; i < 3; i++) {
        char src[1024];
        size_t n;
        fixture(src, sizeof src, "distilbert/");
        strncat(src, names[i], sizeof src - strlen(src) - 1);
        char *data = slurp(src, &n);
        char *at = i == 0 && from ? strstr(data, from) : NULL;
        if (at) {
            size_t head = (size_t)(at - data), tail = n - head - strlen(from);
            char *edited = malloc(n + strlen(to) + 1);
            memcpy(edited, data, head);
            memcpy(edited + head, to, strlen(to));
            memcpy(edited + head + strlen(to), at + strlen(from), tail);
            spit(names[i], edited, head + strlen(to) + tail);
            free(edited);
        } else {
            assert_true(i != 0 || !from);
            spit(names[i], data, n);
        }
        free(data);
    }
}

static void remove_file(const char *name) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    unlink(path);
}

/* The folder in tmpdir is refused with a message containing every needle. */
static void expect_refusal(int maxT, const char *n1, const char *n2, const char *n3) {
    char err[512];
    Model *m = open_folder(tmpdir, maxT, err, sizeof err);
    if (m) print_error("loaded, expected a refusal naming %s\n", n1);
    assert_null(m);
    const char *needles[] = {n1, n2, n3};
    for (int i = 0; i < 3; i++)
        if (needles[i] && !strstr(err, needles[i])) {
            print_error("\"%s\" does not mention \"%s\"\n", err, needles[i]);
            fail();
        }
}

static int setup_tmp(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sentui-hf-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state) {
    (void)state;
    const char *names[] = {"config.json", "vocab.txt", "model.safetensors", "pytorch_model.bin"};
    for (int i = 0; i < 4; i++) remove_file(names[i]);
    return rmdir(tmpdir);
}

static void test_missing_folder_and_files(void **state) {
    (void)state;
    char err[512];
    assert_null(open_folder("/nonexistent/distilbert-base-uncased", NT, err, sizeof err));
    assert_non_null(strstr(err, "config.json, vocab.txt and model.safetensors in /nonexistent/distilbert-base-uncased/"));
    copy_folder(NULL, NULL);
    remove_file("vocab.txt");
    expect_refusal(NT, "vocab.txt is missing", NULL, NULL);
}

static void test_pickle_refused(void **state) {
    (void)state;
    copy_folder(NULL, NULL);
    remove_file("model.safetensors");
    spit("pytorch_model.bin", "PK\3\4", 4);
    expect_refusal(NT, "pytorch_model.bin", "pickle executes code", NULL);
}

static void test_unsupported_model_type(void **state) {
    (void)state;
    copy_folder("\"model_type\": \"distilbert\"", "\"model_type\": \"roberta\"");
    expect_refusal(NT, "model_type \"roberta\" is not supported", NULL, NULL);
}

static void test_shape_disagrees(void **state) {
    (void)state;
    copy_folder("\"hidden_dim\": 40", "\"hidden_dim\": 48");
    expect_refusal(NT, "distilbert.transformer.layer.0.ffn.lin1.weight", "[40, 16]", "[48, 16]");
}

static void test_vocab_disagrees(void **state) {
    (void)state;
    copy_folder(NULL, NULL);
    size_t n;
    char path[1024];
    fixture(path, sizeof path, "distilbert/vocab.txt");
    char *v = slurp(path, &n);
    spit("vocab.txt", v, n - strlen("so\n"));
    free(v);
    expect_refusal(NT, "vocab.txt has 39 entries", "vocab_size 40", NULL);
}

static void test_max_len_above_positions(void **state) {
    (void)state;
    copy_folder(NULL, NULL);
    expect_refusal(NT + 1, "data.max_len (13)", "max_position_embeddings (12", NULL);
}

static void test_truncated_file(void **state) {
    (void)state;
    copy_folder(NULL, NULL);
    char path[1024];
    size_t n;
    fixture(path, sizeof path, "distilbert/model.safetensors");
    char *data = slurp(path, &n);
    spit("model.safetensors", data, n - 100);
    free(data);
    expect_refusal(NT, "truncated", NULL, NULL);
}

/* BF16 weights widen to float32; a checkpoint without a head but with an
 * MLM head loads with a new head and a note. */
static void test_bf16_and_mlm_head(void **state) {
    (void)state;
    char path[1024], err[512];
    copy_folder(NULL, NULL);
    fixture(path, sizeof path, "distilbert_bf16.safetensors");
    size_t n;
    char *data = slurp(path, &n);
    spit("model.safetensors", data, n);
    free(data);
    Model *m = open_folder(tmpdir, NT, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);
    StFile f;
    load_ref(&f);
    compare_logits(m, &f, 5e-2, 1e-2, NULL);
    model_free(m);

    /* the same weights without pre_classifier/classifier, plus an MLM head */
    StFile out = {0}, w32 = {0};
    float proj[NV * 16] = {0};
    fixture(path, sizeof path, "distilbert/model.safetensors");
    assert_int_equal(st_load(&w32, path, err, sizeof err), 0);
    for (int i = 0; i < w32.n; i++) {
        const StTensor *t = &w32.tensors[i];
        if (!strncmp(t->name, "distilbert.", 11)) st_add(&out, t->name, ST_F32, t->ndim, t->shape, t->data);
    }
    int64_t shape[2] = {NV, 16};
    st_add(&out, "vocab_projector.weight", ST_F32, 2, shape, proj);
    snprintf(path, sizeof path, "%s/model.safetensors", tmpdir);
    assert_int_equal(st_save(&out, path, NULL, err, sizeof err), 0);
    st_free(&out);
    st_free(&w32);
    m = open_folder(tmpdir, NT, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);
    assert_non_null(strstr(distilbert_note(m), "new classification head"));
    assert_non_null(strstr(distilbert_note(m), "vocab_projector"));
    const float *w = params_data(&m->params, "classifier.weight");
    assert_true(w[0] != 0 && fabsf(w[0]) < 1.0f);
    model_free(m);
    st_free(&f);
}

/* A head stored positive-first is reordered: same probabilities, classes swapped. */
static void test_labels_reordered(void **state) {
    (void)state;
    char err[512];
    copy_folder("\"0\": \"NEGATIVE\",\n    \"1\": \"POSITIVE\"", "\"0\": \"POSITIVE\",\n    \"1\": \"NEGATIVE\"");
    Model *m = open_folder(tmpdir, NT, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);
    assert_non_null(strstr(distilbert_note(m), "reordered"));
    StFile f;
    load_ref(&f);
    int32_t tok[NB * NT], len[NB];
    fixture_i32(&f, "input_ids", tok, NB * NT);
    fixture_i32(&f, "lengths", len, NB);
    Batch b = {.tokens = tok, .lengths = len, .labels = NULL, .B = NB, .T = NT};
    model_forward(m, &b, 0);
    float *ref = fixture_f32(&f, "logits", NB * NUM_CLASSES);
    for (int i = 0; i < NB; i++) {
        float swapped[2] = {ref[2 * i + 1], ref[2 * i]};
        assert_allclose(m->logits + 2 * i, swapped, 2, RTOL, 1e-5, "reordered logits");
    }
    free(ref);
    st_free(&f);
    model_free(m);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_pytorch),
        cmocka_unit_test(test_dropout_gradients),
        cmocka_unit_test_setup_teardown(test_missing_folder_and_files, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_pickle_refused, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_unsupported_model_type, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_shape_disagrees, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_vocab_disagrees, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_max_len_above_positions, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_truncated_file, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_bf16_and_mlm_head, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_labels_reordered, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
