/* A Hugging Face BERT folder against PyTorch: tests/fixtures/hf/bert is a
 * tiny BertForSequenceClassification checkpoint and bert_ref.safetensors what
 * PyTorch computes for a padded batch: logits, loss, every gradient and the
 * parameters after one AdamW step with the Trainer's groups; bert3 is the
 * same encoder under a 3-label head (positive, neutral, negative) with
 * PyTorch's logits for it (written by scripts/fixtures/hf_bert.py). Then the
 * rules that match a checkpoint's labels to the data's classes, folders
 * without a pooler or with pretraining heads, and tokenizer_config.json's
 * do_lower_case. */
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
#include "data/wordpiece.h"
#include "data/wordpiece_data.h"
#include "models/model.h"
#include "nn/optim.h"
#include "run/class_names.h"
#include "run/safetensors.h"

#define RTOL 1e-4
#define LR 1e-3f
#define NB 5
#define NT 12
#define NV 40
#define NE 16

static void fixture(char *buf, size_t n, const char *name) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    snprintf(buf, n, "%s/tests/fixtures/hf/%s", root && *root ? root : ".", name);
}

static void load_ref(StFile *f) {
    char path[1024], err[256];
    fixture(path, sizeof path, "bert_ref.safetensors");
    memset(f, 0, sizeof *f);
    if (st_load(f, path, err, sizeof err) != 0) {
        print_error("%s: %s\n", path, err);
        fail();
    }
}

static void config_for(Config *cfg, const char *dir, double dropout) {
    config_defaults(cfg);
    cfg->model_arch = ARCH_DISTILBERT;
    free(cfg->model_init);
    cfg->model_init = strdup(dir);
    cfg->model_dropout = dropout;
    cfg->data_max_len = NT;
    cfg->train_optimizer = OPT_ADAMW;
    cfg->train_weight_decay = 0.01;
}

/* A model of the folder dir for data with these classes (NULL: negative,
 * positive), or NULL with its message in err. */
static Model *open_named(const char *dir, char *const *classes, int n, double dropout, char *err, size_t errlen) {
    Config cfg;
    config_for(&cfg, dir, dropout);
    err[0] = 0;
    Model *m = model_create_named(&cfg, NV, classes ? n : 2, classes, NB, NT, err, errlen);
    if (m) model_init(m, 7);
    config_free(&cfg);
    return m;
}

static Model *open_fixture(const char *name, char *const *classes, int n, double dropout) {
    char dir[1024], err[768];
    fixture(dir, sizeof dir, name);
    Model *m = open_named(dir, classes, n, dropout, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);
    return m;
}

typedef struct RefBatch {
    int32_t tok[NB * NT], len[NB], lab[NB];
    Batch b;
} RefBatch;

static void ref_batch(const StFile *f, RefBatch *r) {
    fixture_i32(f, "input_ids", r->tok, NB * NT);
    fixture_i32(f, "lengths", r->len, NB);
    fixture_i32(f, "labels", r->lab, NB);
    r->b = (Batch){.tokens = r->tok, .lengths = r->len, .labels = r->lab, .B = NB, .T = NT};
}

static void check_step(Model *m, const StFile *f) {
    Config cfg;
    config_for(&cfg, "", 0);
    Optimizer o;
    assert_int_equal(optim_init(&o, &m->params, &cfg), 0);
    fixture_check_adamw_step(&m->params, &o, f, LR, RTOL);
    optim_free(&o);
    config_free(&cfg);
}

static void test_matches_pytorch(void **state) {
    (void)state;
    Model *m = open_fixture("bert", NULL, 2, 0);
    assert_string_equal(distilbert_note(m), "classification head from the checkpoint");
    StFile f;
    load_ref(&f);
    RefBatch r;
    ref_batch(&f, &r);
    float loss = model_forward(m, &r.b, 1);
    float *ref = fixture_f32(&f, "logits", NB * 2);
    assert_allclose(m->logits, ref, NB * 2, RTOL, 1e-5, "logits");
    free(ref);
    ref = fixture_f32(&f, "loss", 1);
    assert_allclose(&loss, ref, 1, RTOL, 0, "loss");
    free(ref);
    params_zero_grad(&m->params);
    model_backward(m, &r.b);
    fixture_check_grads(&m->params, &f, RTOL);
    /* single sentences: only token type 0's row is used, so only it learns */
    const float *gt = m->params.grad + params_find(&m->params, "bert.embeddings.token_type_embeddings.weight")->offset;
    assert_true(max_abs(gt, NE) > 0 && max_abs(gt + NE, NE) == 0);
    check_step(m, &f);
    st_free(&f);
    model_free(m);
}

/* With dropout on (after attention too, as BERT has it), backward follows
 * the masks the forward drew: central differences of the loss, with the
 * same masks, against the gradient of each tensor's largest entry. */
static float loss_with(Model *m, const Batch *b, Rng masks) {
    m->dropout_rng = masks;
    return model_forward(m, b, 1);
}

static void test_dropout_gradients(void **state) {
    (void)state;
    Model *m = open_fixture("bert", NULL, 2, 0.3);
    StFile f;
    load_ref(&f);
    RefBatch r;
    ref_batch(&f, &r);
    st_free(&f);
    Rng masks = m->dropout_rng;
    loss_with(m, &r.b, masks);
    params_zero_grad(&m->params);
    model_backward(m, &r.b);
    int checked = 0;
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        size_t at = 0;
        for (size_t k = 1; k < v->size; k++)
            if (fabsf(m->params.grad[v->offset + k]) > fabsf(m->params.grad[v->offset + at])) at = k;
        float g = m->params.grad[v->offset + at], *w = m->params.data + v->offset + at, w0 = *w, h = 2e-3f;
        if (fabsf(g) < 1e-3f) continue; /* too small to tell from float32 rounding */
        *w = w0 + h;
        double up = loss_with(m, &r.b, masks);
        *w = w0 - h;
        double down = loss_with(m, &r.b, masks);
        *w = w0;
        float num = (float)((up - down) / (2 * h));
        assert_allclose(&g, &num, 1, 5e-2, 1e-3, v->name);
        checked++;
    }
    assert_true(checked > m->params.n / 2);
    model_free(m);
}

/* bert3's head (positive, neutral, negative) on data with the classes
 * `classes`: sentui's logits are PyTorch's columns `cols`, so the kept
 * classes' probabilities are PyTorch's renormalised over them. */
static void check_head3(char *const *classes, int n, const int *cols, const char *note) {
    Model *m = open_fixture("bert3", classes, n, 0);
    if (!strstr(distilbert_note(m), note)) {
        print_error("note \"%s\" lacks \"%s\"\n", distilbert_note(m), note);
        fail();
    }
    StFile f;
    load_ref(&f);
    RefBatch r;
    ref_batch(&f, &r);
    r.b.labels = NULL;
    model_forward(m, &r.b, 0);
    float *ref = fixture_f32(&f, "logits3", NB * 3);
    for (int i = 0; i < NB; i++) {
        float want[3], p_want[3], p_got[3];
        for (int c = 0; c < n; c++) want[c] = ref[3 * i + cols[c]];
        assert_allclose(m->logits + n * i, want, (size_t)n, RTOL, 1e-5, "matched logits");
        model_softmax_row(want, n, p_want);
        model_softmax_row(m->logits + n * i, n, p_got);
        assert_allclose(p_got, p_want, (size_t)n, RTOL, 1e-6, "kept classes' probabilities");
    }
    free(ref);
    st_free(&f);
    model_free(m);
}

static void test_three_label_head(void **state) {
    (void)state;
    check_head3(NULL, 2, (const int[]){2, 0},
                "classification head from the checkpoint (its labels reordered: negative, positive; neutral not in "
                "the data, dropped)");
    char *imdb[] = {"neg", "pos"};
    check_head3(imdb, 2, (const int[]){2, 0}, "neutral not in the data, dropped");
    char *three[] = {"Negative", "Neutral", "Positive"};
    check_head3(three, 3, (const int[]){2, 1, 0}, "its labels reordered: Negative, Neutral, Positive)");
}

static void test_unmatched_classes_refused(void **state) {
    (void)state;
    char dir[1024], err[768];
    fixture(dir, sizeof dir, "bert");
    char *topics[] = {"books", "films"};
    assert_null(open_named(dir, topics, 2, 0, err, sizeof err));
    assert_non_null(strstr(err, "config.json: the checkpoint's labels (NEGATIVE, POSITIVE) do not name the data's "
                                "class \"books\" (classes: books, films)"));
    char *three[] = {"negative", "neutral", "positive"};
    assert_null(open_named(dir, three, 3, 0, err, sizeof err));
    assert_non_null(strstr(err, "do not name the data's class \"neutral\""));
}

/* ---- the matching rules ------------------------------------------------------ */

static int match(char *const *classes, int n, const char *const *labels, int n_labels, int *rows, char *note) {
    char err[512];
    int rc = class_labels_match(classes, n, labels, n_labels, rows, note, 512, err, sizeof err);
    if (rc) memcpy(note, err, sizeof err);
    return rc;
}

static void test_label_rules(void **state) {
    (void)state;
    int rows[4];
    char note[512];
    /* exact and case-insensitive names, as they are */
    assert_int_equal(match(NULL, 2, (const char *[]){"NEGATIVE", "POSITIVE"}, 2, rows, note), 0);
    assert_true(rows[0] == 0 && rows[1] == 1 && !note[0]);
    /* the usual spellings of sentiment are one */
    char *imdb[] = {"neg", "pos"};
    assert_int_equal(match(imdb, 2, (const char *[]){"Positive", "negative"}, 2, rows, note), 0);
    assert_true(rows[0] == 1 && rows[1] == 0);
    assert_string_equal(note, "its labels reordered: neg, pos");
    /* a label the data lacks is dropped with a note */
    assert_int_equal(match(NULL, 2, (const char *[]){"negative", "neutral", "positive"}, 3, rows, note), 0);
    assert_true(rows[0] == 0 && rows[1] == 2);
    assert_string_equal(note, "neutral not in the data, dropped");
    /* unnamed labels are taken in order when the counts agree, never otherwise */
    assert_int_equal(match(imdb, 2, (const char *[]){"LABEL_0", "label_1"}, 2, rows, note), 0);
    assert_true(rows[0] == 0 && rows[1] == 1 && !note[0]);
    assert_int_equal(match(imdb, 2, (const char *[]){"LABEL_0", "LABEL_1", "LABEL_2"}, 3, rows, note), -1);
    assert_non_null(strstr(note, "(LABEL_0, LABEL_1, LABEL_2) cannot be matched to the data's classes (neg, pos)"));
    /* names that do not match are refused naming both sets */
    char *topics[] = {"books", "films", "music"};
    assert_int_equal(match(topics, 3, (const char *[]){"Books", "FILMS", "games"}, 3, rows, note), -1);
    assert_string_equal(note, "the checkpoint's labels (Books, FILMS, games) do not name the data's class \"music\" "
                              "(classes: books, films, music)");
    /* two labels that say the same are ambiguous */
    assert_int_equal(match(NULL, 2, (const char *[]){"NEG", "negative", "positive"}, 3, rows, note), -1);
    assert_non_null(strstr(note, "name the data's class \"negative\" twice"));
}

/* ---- folders made from the fixture ----------------------------------------- */

static char tmpdir[256];

static void copy_file(const char *from_fixture, const char *name) {
    char src[1024], dst[512];
    fixture(src, sizeof src, from_fixture);
    snprintf(dst, sizeof dst, "%s/%s", tmpdir, name);
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
    assert_true(in && out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
}

static void write_text(const char *name, const char *text) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup_tmp(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sentui-bert-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state) {
    (void)state;
    const char *names[] = {"config.json", "vocab.txt", "model.safetensors", "tokenizer_config.json"};
    for (int i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", tmpdir, names[i]);
        unlink(path);
    }
    return rmdir(tmpdir);
}

/* A bare BertModel's names (no "bert."), no pooler and no classifier, and
 * BERT's pretraining heads: loads with a new pooler and head, and a note. */
static void test_bare_model_with_pretraining_heads(void **state) {
    (void)state;
    char path[1024], err[768];
    copy_file("bert/config.json", "config.json");
    copy_file("bert/vocab.txt", "vocab.txt");
    StFile in = {0}, out = {0};
    fixture(path, sizeof path, "bert/model.safetensors");
    assert_int_equal(st_load(&in, path, err, sizeof err), 0);
    for (int i = 0; i < in.n; i++) {
        const StTensor *t = &in.tensors[i];
        if (!strncmp(t->name, "bert.", 5) && !strstr(t->name, "pooler"))
            st_add(&out, t->name + 5, ST_F32, t->ndim, t->shape, t->data);
    }
    float zeros[NV * NE] = {0};
    st_add(&out, "cls.predictions.bias", ST_F32, 1, (int64_t[]){NV}, zeros);
    st_add(&out, "cls.seq_relationship.weight", ST_F32, 2, (int64_t[]){2, NE}, zeros);
    snprintf(path, sizeof path, "%s/model.safetensors", tmpdir);
    assert_int_equal(st_save(&out, path, NULL, err, sizeof err), 0);
    st_free(&out);
    Model *m = open_named(tmpdir, NULL, 2, 0, err, sizeof err);
    if (!m) print_error("%s\n", err);
    assert_non_null(m);
    assert_string_equal(distilbert_note(m), "new classification head; a new pooler; the pretraining heads "
                                            "(cls.predictions, cls.seq_relationship) are not used");
    /* the encoder is the checkpoint's; pooler and head are N(0, 0.2), zero biases */
    const StTensor *q = st_find(&in, "bert.encoder.layer.1.attention.self.key.weight");
    assert_memory_equal(params_data(&m->params, "bert.encoder.layer.1.attention.self.key.weight"), q->data, q->nbytes);
    const float *pw = params_data(&m->params, "bert.pooler.dense.weight");
    const float *pb = params_data(&m->params, "bert.pooler.dense.bias");
    double sq = 0;
    for (int k = 0; k < NE * NE; k++) sq += (double)pw[k] * pw[k];
    assert_true(fabs(sqrt(sq / (NE * NE)) - 0.2) < 0.05 && pb[0] == 0);
    assert_true(params_data(&m->params, "classifier.weight")[0] != 0);
    model_free(m);
    st_free(&in);
}

static void test_config_refusals(void **state) {
    (void)state;
    char err[768];
    copy_file("bert/vocab.txt", "vocab.txt");
    copy_file("bert/model.safetensors", "model.safetensors");
    write_text("config.json", "{\"model_type\": \"bert\", \"vocab_size\": 40, \"hidden_size\": 16, "
                              "\"num_attention_heads\": 2, \"intermediate_size\": 40, \"num_hidden_layers\": 2, "
                              "\"max_position_embeddings\": 12, \"hidden_act\": \"relu\"}");
    assert_null(open_named(tmpdir, NULL, 2, 0, err, sizeof err));
    assert_non_null(strstr(err, "hidden_act must be \"gelu\""));
    write_text("config.json", "{\"model_type\": \"bert\", \"vocab_size\": 40, \"hidden_size\": 16, "
                              "\"num_attention_heads\": 2, \"intermediate_size\": 40, \"num_hidden_layers\": 2, "
                              "\"max_position_embeddings\": 12, \"type_vocab_size\": 3}");
    assert_null(open_named(tmpdir, NULL, 2, 0, err, sizeof err));
    assert_non_null(strstr(err, "bert.embeddings.token_type_embeddings.weight has shape [2, 16] but config.json "
                                "implies [3, 16]"));
}

/* tokenizer_config.json's do_lower_case decides the lower-casing: the
 * fixture's vocabulary has "the" but not "The". */
static void test_do_lower_case(void **state) {
    (void)state;
    copy_file("bert/config.json", "config.json");
    copy_file("bert/vocab.txt", "vocab.txt");
    copy_file("bert/model.safetensors", "model.safetensors");
    const char *settings[] = {NULL, "{\"do_lower_case\": true}", "{\"do_lower_case\": false}"};
    const int32_t want[3][4] = {{3, 6, 8, 4}, {3, 6, 8, 4}, {3, 2, 8, 4}};
    uint64_t sig[3];
    for (int i = 0; i < 3; i++) {
        if (settings[i]) write_text("tokenizer_config.json", settings[i]);
        Config cfg;
        config_for(&cfg, tmpdir, 0);
        char err[512];
        WordPiece *wp = data_wordpiece_open(&cfg, err, sizeof err);
        assert_non_null(wp);
        int32_t ids[8];
        assert_int_equal(wordpiece_encode(wp, "The film", 8, 8, ids, NULL, NULL), 4);
        assert_memory_equal(ids, want[i], sizeof want[i]);
        sig[i] = data_wordpiece_signature(&cfg);
        wordpiece_free(wp);
        config_free(&cfg);
    }
    /* the dataset cache is keyed by the casing */
    assert_true(sig[0] == sig[1] && sig[1] != sig[2]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_pytorch),
        cmocka_unit_test(test_dropout_gradients),
        cmocka_unit_test(test_three_label_head),
        cmocka_unit_test(test_unmatched_classes_refused),
        cmocka_unit_test(test_label_rules),
        cmocka_unit_test_setup_teardown(test_bare_model_with_pretraining_heads, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_config_refusals, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(test_do_lower_case, setup_tmp, teardown_tmp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
