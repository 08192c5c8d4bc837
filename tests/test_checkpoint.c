#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "run/checkpoint.h"
#include "run/checkpoint_internal.h"
#include "run/safetensors.h"
#include "run/metrics.h"
#include "run/run.h"

/* A model is only its parameter block here: checkpoints never look further. */
static Model *fake_model(int arch, int hidden, int extra) {
    Model *m = calloc(1, sizeof *m);
    m->arch = arch;
    params_add(&m->params, "embedding.weight", 2, (int[]){10, 4}, 1);
    params_add(&m->params, "rnn.weight_ih_l0", 2, (int[]){4 * hidden, 4}, 0);
    params_add(&m->params, "rnn.bias_ih_l0", 1, (int[]){4 * hidden}, 1);
    if (extra) params_add(&m->params, "norm.weight", 1, (int[]){4}, 1);
    params_add(&m->params, "fc.weight", 2, (int[]){2, hidden}, 0);
    assert_int_equal(params_alloc(&m->params), 0);
    return m;
}

static void free_fake(Model *m) {
    params_free(&m->params);
    free(m);
}

/* Compares two blocks laid out like m's parameters, view by view (the
 * alignment gaps between views are not saved). */
static void assert_views_equal(const Model *m, const float *a, const float *b) {
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        assert_memory_equal(a + v->offset, b + v->offset, v->size * sizeof(float));
    }
}

static CheckpointMeta sample_meta(void) {
    CheckpointMeta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.arch, sizeof meta.arch, "lstm");
    snprintf(meta.metric, sizeof meta.metric, "accuracy");
    meta.step = 1234;
    meta.epoch = 3;
    meta.epoch_pos = 17;
    meta.config_hash = 0xfedcba9876543210ULL;
    meta.optim_step = 1234;
    meta.has_best = 1;
    meta.best_value = 0.8765432109876;
    meta.best_step = 1000;
    meta.bad_evals = 2;
    meta.elapsed = 61.25;
    meta.tokens = 123456789;
    meta.rng[0] = 1, meta.rng[1] = 0xffffffffffffffffULL, meta.rng[2] = 3, meta.rng[3] = 0x8000000000000000ULL;
    meta.metric_value = 0.5;
    return meta;
}

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", test_tmp, name); }

static void test_round_trip(void **state) {
    (void)state;
    Model *a = fake_model(ARCH_LSTM, 2, 0), *b = fake_model(ARCH_LSTM, 2, 0);
    size_t total = a->params.total;
    float *m = calloc(total, sizeof *m), *v = calloc(total, sizeof *v);
    float *m2 = calloc(total, sizeof *m2), *v2 = calloc(total, sizeof *v2);
    fill_uniform(a->params.data, total, 1, -1, 1);
    fill_uniform(m, total, 2, -1, 1);
    fill_uniform(v, total, 3, 0, 1);
    CheckpointMeta meta = sample_meta(), got;
    char path[600], err[1024];
    path_of(path, sizeof path, "last.safetensors");
    assert_int_equal(checkpoint_save(path, a, &meta, m, v, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, b, &got, m2, v2, err, sizeof err), 0);
    assert_views_equal(a, a->params.data, b->params.data);
    assert_views_equal(a, m, m2);
    assert_views_equal(a, v, v2);
    assert_string_equal(got.arch, "lstm");
    assert_string_equal(got.metric, "accuracy");
    assert_int_equal(got.step, 1234);
    assert_int_equal(got.epoch, 3);
    assert_int_equal(got.epoch_pos, 17);
    assert_true(got.config_hash == meta.config_hash);
    assert_int_equal(got.optim_step, 1234);
    assert_int_equal(got.has_best, 1);
    assert_true(got.best_value == meta.best_value); /* exact: %.17g */
    assert_int_equal(got.best_step, 1000);
    assert_int_equal(got.bad_evals, 2);
    assert_true(got.elapsed == 61.25);
    assert_true(got.tokens == 123456789);
    assert_memory_equal(got.rng, meta.rng, sizeof meta.rng);
    /* Parameters alone load from a file that also holds optimizer state. */
    Model *c = fake_model(ARCH_LSTM, 2, 0);
    assert_int_equal(checkpoint_load(path, c, NULL, NULL, NULL, err, sizeof err), 0);
    assert_views_equal(a, a->params.data, c->params.data);
    assert_int_equal(checkpoint_read_meta(path, &got, err, sizeof err), 0);
    assert_int_equal(got.step, 1234);
    /* A best checkpoint (parameters only) cannot restore an optimizer. */
    path_of(path, sizeof path, "checkpoint.safetensors");
    assert_int_equal(checkpoint_save(path, a, &meta, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, c, NULL, m2, v2, err, sizeof err), -1);
    assert_non_null(strstr(err, "no optimizer state"));
    free(m), free(v), free(m2), free(v2);
    free_fake(a), free_fake(b), free_fake(c);
}

static void copy_truncated(const char *from, const char *to, long keep, long flip_at) {
    size_t n;
    char *data = read_file_all(from, &n);
    assert_non_null(data);
    if (flip_at >= 0) data[flip_at] ^= 0x10;
    FILE *f = fopen(to, "wb");
    fwrite(data, 1, keep >= 0 ? (size_t)keep : n, f);
    fclose(f);
    free(data);
}

static void test_truncated_and_corrupt(void **state) {
    (void)state;
    Model *a = fake_model(ARCH_LSTM, 2, 0), *b = fake_model(ARCH_LSTM, 2, 0);
    fill_uniform(a->params.data, a->params.total, 4, -1, 1);
    fill_uniform(b->params.data, b->params.total, 5, -1, 1);
    float *before = malloc(b->params.total * sizeof(float));
    memcpy(before, b->params.data, b->params.total * sizeof(float));
    CheckpointMeta meta = sample_meta();
    char good[600], bad[600], err[1024];
    path_of(good, sizeof good, "good.safetensors");
    path_of(bad, sizeof bad, "bad.safetensors");
    assert_int_equal(checkpoint_save(good, a, &meta, NULL, NULL, err, sizeof err), 0);
    size_t size;
    free(read_file_all(good, &size));

    copy_truncated(good, bad, (long)size - 10, -1);
    assert_int_equal(checkpoint_load(bad, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    copy_truncated(good, bad, 5, -1);
    assert_int_equal(checkpoint_load(bad, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    copy_truncated(good, bad, 0, -1);
    assert_int_equal(checkpoint_load(bad, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad.safetensors"));
    /* A flipped bit in the data: the header is fine, the checksum is not. */
    copy_truncated(good, bad, -1, (long)size - 3);
    assert_int_equal(checkpoint_load(bad, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "checksum"));
    /* A broken header. */
    copy_truncated(good, bad, -1, 12);
    assert_int_equal(checkpoint_load(bad, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "bad.safetensors"));
    path_of(bad, sizeof bad, "absent.safetensors");
    assert_int_equal(checkpoint_load(bad, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "absent.safetensors"));
    /* Never half-read: the model kept its values through every failure. */
    assert_memory_equal(before, b->params.data, b->params.total * sizeof(float));
    free(before);
    free_fake(a), free_fake(b);
}

static void test_mismatch(void **state) {
    (void)state;
    Model *a = fake_model(ARCH_LSTM, 2, 0);
    CheckpointMeta meta = sample_meta();
    char path[600], err[1024];
    path_of(path, sizeof path, "small.safetensors");
    assert_int_equal(checkpoint_save(path, a, &meta, NULL, NULL, err, sizeof err), 0);

    Model *wide = fake_model(ARCH_LSTM, 3, 0);
    assert_int_equal(checkpoint_load(path, wide, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "3 problems"));
    assert_non_null(strstr(err, "'rnn.weight_ih_l0' is [8, 4] in the file, the model expects [12, 4]"));
    assert_non_null(strstr(err, "'fc.weight' is [2, 2] in the file, the model expects [2, 3]"));

    Model *more = fake_model(ARCH_LSTM, 2, 1);
    assert_int_equal(checkpoint_load(path, more, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "missing tensor 'norm.weight'"));

    Model *more_saved = fake_model(ARCH_LSTM, 2, 1);
    path_of(path, sizeof path, "more.safetensors");
    assert_int_equal(checkpoint_save(path, more_saved, &meta, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, a, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "unexpected tensor 'norm.weight'"));

    Model *gru = fake_model(ARCH_GRU, 2, 0);
    path_of(path, sizeof path, "small.safetensors");
    assert_int_equal(checkpoint_load(path, gru, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "checkpoint of a lstm model, but the run's model is gru"));
    free_fake(a), free_fake(wide), free_fake(more), free_fake(more_saved), free_fake(gru);
}

/* Weights that are NaN or infinite (or a negative second moment) are refused,
 * naming the tensor, before the model is touched. */
static void test_non_finite_refused(void **state) {
    (void)state;
    Model *a = fake_model(ARCH_LSTM, 2, 0), *b = fake_model(ARCH_LSTM, 2, 0);
    size_t total = a->params.total;
    float *m = calloc(total, sizeof *m), *v = calloc(total, sizeof *v);
    fill_uniform(a->params.data, total, 6, -1, 1);
    CheckpointMeta meta = sample_meta();
    char path[600], err[1024];
    path_of(path, sizeof path, "nan.safetensors");
    float *fc = params_data(&a->params, "fc.weight");
    fc[1] = NAN;
    assert_int_equal(checkpoint_save(path, a, &meta, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor 'fc.weight' holds NaN at index 1 of 4"));
    fc[1] = -INFINITY;
    assert_int_equal(checkpoint_save(path, a, &meta, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, b, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor 'fc.weight' holds an infinite value"));
    fc[1] = 0.5f;
    m[params_find(&a->params, "rnn.bias_ih_l0")->offset + 2] = INFINITY;
    assert_int_equal(checkpoint_save(path, a, &meta, m, v, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, b, NULL, m, v, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor 'optim.m.rnn.bias_ih_l0' holds an infinite value"));
    memset(m, 0, total * sizeof *m);
    v[params_find(&a->params, "embedding.weight")->offset] = -1;
    assert_int_equal(checkpoint_save(path, a, &meta, m, v, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, b, NULL, m, v, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor 'optim.v.embedding.weight' holds a negative value"));
    free(m), free(v);
    free_fake(a), free_fake(b);
}

/* Replaces the first `from` in the file by `to` (same length). */
static void patch_file(const char *path, const char *from, const char *to) {
    size_t n;
    char *data = read_file_all(path, &n);
    assert_non_null(data);
    char *at = memmem(data, n, from, strlen(from));
    if (!at) fail_msg("'%s' not in %s", from, path);
    assert_int_equal(strlen(from), strlen(to));
    memcpy(at, to, strlen(to));
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
    free(data);
}

/* The checksum covers the metadata and the tensor table, not only the data. */
static void test_checksum_covers_header(void **state) {
    (void)state;
    Model *a = fake_model(ARCH_LSTM, 2, 0), *b = fake_model(ARCH_LSTM, 2, 0);
    size_t total = a->params.total;
    float *m = calloc(total, sizeof *m), *v = calloc(total, sizeof *v);
    CheckpointMeta meta = sample_meta();
    char path[600], err[1024];
    path_of(path, sizeof path, "hdr.safetensors");
    const char *edits[][2] = {
        {"\"epoch_pos\":\"17\"", "\"epoch_pos\":\"-1\""},
        {"\"step\":\"1234\"", "\"step\":\"9234\""},
        {"\"best_value\":\"0.87", "\"best_value\":\"0.97"},
        {"\"shape\":[2,2]", "\"shape\":[4,1]"},
        {"rnn.bias_ih_l0", "rnn.bias_hh_l0"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        assert_int_equal(checkpoint_save(path, a, &meta, m, v, err, sizeof err), 0);
        patch_file(path, edits[i][0], edits[i][1]);
        assert_int_equal(checkpoint_load(path, b, NULL, m, v, err, sizeof err), -1);
        if (!strstr(err, "does not match its checksum")) fail_msg("edit %zu: %s", i, err);
    }
    free(m), free(v);
    free_fake(a), free_fake(b);
}

/* A file of format 1 (older sentui: checksum over the tensor data only)
 * still loads, and its checksum still catches damaged data. */
static void test_format1_loads(void **state) {
    (void)state;
    Model *a = fake_model(ARCH_LSTM, 2, 0), *b = fake_model(ARCH_LSTM, 2, 0);
    fill_uniform(a->params.data, a->params.total, 7, -1, 1);
    StFile f = {0};
    uint64_t sum = CKPT_FNV_SEED;
    for (int i = 0; i < a->params.n; i++) {
        const ParamView *v = &a->params.views[i];
        int64_t shape[PARAM_MAX_DIMS];
        for (int d = 0; d < v->ndim; d++) shape[d] = v->shape[d];
        st_add(&f, v->name, ST_F32, v->ndim, shape, a->params.data + v->offset);
        sum = ckpt_fnv_update(sum, a->params.data + v->offset, v->size * sizeof(float));
    }
    char md[512], path[600], err[1024];
    snprintf(md, sizeof md,
             "{\"format\":\"sentui-checkpoint-1\",\"arch\":\"lstm\",\"step\":\"40\",\"epoch\":\"1\",\"epoch_pos\":\"0\","
             "\"config_hash\":\"00000000000000ff\",\"metric\":\"accuracy\",\"metric_value\":\"0.75\",\"elapsed\":\"1.5\","
             "\"tokens\":\"100\",\"checksum\":\"fnv1a64:%016llx\"}",
             (unsigned long long)sum);
    path_of(path, sizeof path, "v1.safetensors");
    assert_int_equal(st_save(&f, path, md, err, sizeof err), 0);
    st_free(&f);
    CheckpointMeta got;
    assert_int_equal(checkpoint_load(path, b, &got, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(got.format, 1);
    assert_int_equal(got.step, 40);
    assert_views_equal(a, a->params.data, b->params.data);
    size_t n;
    free(read_file_all(path, &n));
    copy_truncated(path, path, -1, (long)n - 2);
    assert_int_equal(checkpoint_load(path, b, &got, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "tensor data does not match its checksum"));
    free_fake(a), free_fake(b);
}

/* Writes a format-2 file whose metadata field key is value, checksum valid. */
static void save_with_field(const char *path, Model *a, float *m, float *v, const char *key, const char *value) {
    CheckpointMeta meta = sample_meta();
    char err[1024];
    assert_int_equal(checkpoint_save(path, a, &meta, m, v, err, sizeof err), 0);
    StFile f;
    assert_int_equal(st_load(&f, path, err, sizeof err), 0);
    json_t *md = json_loads(f.metadata_json, 0, NULL);
    if (value) json_object_set_new(md, key, json_string(value));
    else json_object_del(md, key);
    char *text = json_dumps(md, JSON_COMPACT);
    uint64_t sum;
    assert_int_equal(ckpt_checksum(&f, text, &sum), 0);
    char sumtext[32];
    snprintf(sumtext, sizeof sumtext, "fnv1a64:%016llx", (unsigned long long)sum);
    json_object_set_new(md, "checksum", json_string(sumtext));
    free(text);
    text = json_dumps(md, JSON_COMPACT);
    json_decref(md);
    StFile out = {0};
    for (int i = 0; i < f.n; i++) {
        const StTensor *t = &f.tensors[i];
        st_add(&out, t->name, ST_F32, t->ndim, t->shape, t->data);
    }
    char tmpname[700];
    snprintf(tmpname, sizeof tmpname, "%s.new", path);
    assert_int_equal(st_save(&out, tmpname, text, err, sizeof err), 0);
    st_free(&out);
    st_free(&f);
    free(text);
    assert_int_equal(rename(tmpname, path), 0);
}

/* Each metadata field is parsed strictly; an error names it and its range. */
static void test_metadata_fields_strict(void **state) {
    (void)state;
    Model *a = fake_model(ARCH_LSTM, 2, 0), *b = fake_model(ARCH_LSTM, 2, 0);
    size_t total = a->params.total;
    float *m = calloc(total, sizeof *m), *v = calloc(total, sizeof *v);
    char path[600], err[1024];
    path_of(path, sizeof path, "md.safetensors");
    static const char *cases[][3] = {
        {"epoch_pos", "-1", "metadata 'epoch_pos' is '-1', expected an integer from 0 to"},
        {"epoch_pos", "-100000", "metadata 'epoch_pos' is '-100000'"},
        {"epoch", "-3", "metadata 'epoch' is '-3', expected an integer from 0 to"},
        {"step", "12abc", "metadata 'step' is '12abc'"},
        {"step", " 12", "metadata 'step' is ' 12'"},
        {"step", "99999999999999999999999", "metadata 'step'"},
        {"step", NULL, "metadata 'step' is missing"},
        {"best", "2", "metadata 'best' is '2', expected an integer from 0 to 1"},
        {"bad_evals", "-1", "metadata 'bad_evals'"},
        {"elapsed", "nan", "metadata 'elapsed' is 'nan', expected a number"},
        {"tokens", "-5", "metadata 'tokens'"},
        {"best_value", "inf", "metadata 'best_value'"},
        {"rng", "xyz", "metadata 'rng' is 'xyz', expected 64 hex digits"},
        {"config_hash", "12", "metadata 'config_hash'"},
        {"arch", "\x1b]0;pwned\x07", "metadata 'arch' is '?]0;pwned?'"},
        {"metric", "acc uracy", "metadata 'metric'"},
        {"optim_state", "q", "metadata 'optim_state' is 'q', expected m or m,v"},
        {"format", "sentui-checkpoint-9", "unknown checkpoint format 'sentui-checkpoint-9'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        save_with_field(path, a, m, v, cases[i][0], cases[i][1]);
        err[0] = 0;
        assert_int_equal(checkpoint_load(path, b, NULL, m, v, err, sizeof err), -1);
        if (!strstr(err, cases[i][2])) fail_msg("%s=%s: '%s'", cases[i][0], cases[i][1] ? cases[i][1] : "(none)", err);
        for (const char *c = err; *c; c++) assert_true((unsigned char)*c >= 0x20 && *c != 0x7f);
    }
    /* A file from elsewhere (no sentui format) loads for predict, never for resume. */
    save_with_field(path, a, m, v, "format", NULL);
    assert_int_equal(checkpoint_load(path, b, NULL, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, b, NULL, m, v, err, sizeof err), -1);
    assert_non_null(strstr(err, "was not written by sentui"));
    free(m), free(v);
    free_fake(a), free_fake(b);
}

/* The resume position against the run: every bound, and the fields agree. */
static void test_check_resume(void **state) {
    (void)state;
    CheckpointLimits lim = {5, 100, 64.0 * 200, METRIC_ACCURACY, 1};
    CheckpointMeta good = sample_meta();
    good.epoch = 3, good.epoch_pos = 17, good.step = 317, good.optim_step = 317, good.best_step = 300;
    good.tokens = 317 * 1000.0, good.has_v = 1;
    char err[512];
    assert_int_equal(checkpoint_check_resume(&good, &lim, "last.safetensors", err, sizeof err), 0);
    CheckpointMeta end = good;
    end.epoch = 5, end.epoch_pos = 0, end.step = end.optim_step = 500;
    assert_int_equal(checkpoint_check_resume(&end, &lim, "last.safetensors", err, sizeof err), 0);
    struct {
        CheckpointMeta m;
        const char *want;
    } bad[12];
    int n = 0;
    for (int i = 0; i < 12; i++) bad[i].m = good;
    bad[n].m.epoch = 6, bad[n++].want = "metadata 'epoch' is 6, expected 0 to 5 (train.epochs)";
    bad[n].m.epoch_pos = 101, bad[n++].want = "metadata 'epoch_pos' is 101, expected 0 to 100";
    bad[n].m.epoch = 5, bad[n].m.epoch_pos = 1, bad[n++].want = "metadata 'epoch_pos' is 1, expected 0 to 0";
    bad[n].m.step = 318;
    bad[n++].want = "metadata 'step' is 318, but epoch 3, batch 17 of 100 batches per epoch is step 317";
    bad[n].m.optim_step = 316, bad[n++].want = "metadata 'optim_step' is 316, expected 317 to 317";
    bad[n].m.best_step = 400, bad[n++].want = "metadata 'best_step' is 400, expected 0 to 317";
    bad[n].m.bad_evals = 1000, bad[n++].want = "metadata 'bad_evals' is 1000, expected 0 to 321";
    bad[n].m.best_value = 1.5, bad[n++].want = "metadata 'best_value' is 1.5, expected 0 to 1";
    bad[n].m.tokens = 1e12, bad[n++].want = "metadata 'tokens' is 1000000000000, expected 0 to 4057600";
    bad[n].m.elapsed = 1e12, bad[n++].want = "metadata 'elapsed'";
    snprintf(bad[n].m.metric, sizeof bad[n].m.metric, "loss");
    bad[n++].want = "metadata 'metric' is 'loss', but this run's eval.metric is accuracy";
    bad[n].m.has_v = 0, bad[n++].want = "metadata 'optim_state' is 'm', but this run's optimizer keeps m,v";
    for (int i = 0; i < n; i++) {
        err[0] = 0;
        assert_int_equal(checkpoint_check_resume(&bad[i].m, &lim, "last.safetensors", err, sizeof err), -1);
        if (!strstr(err, bad[i].want)) fail_msg("case %d: '%s', expected '%s'", i, err, bad[i].want);
    }
}

/* A file with far more data than the model can need is refused before it is
 * read, with its size. */
static void test_oversized_refused(void **state) {
    (void)state;
    Model *wide = fake_model(ARCH_LSTM, 200, 0), *small = fake_model(ARCH_LSTM, 2, 0);
    CheckpointMeta meta = sample_meta();
    char path[600], err[1024];
    path_of(path, sizeof path, "wide.safetensors");
    assert_int_equal(checkpoint_save(path, wide, &meta, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(checkpoint_load(path, small, NULL, NULL, NULL, err, sizeof err), -1);
    assert_non_null(strstr(err, "holds 17.8 kB of tensor data, more than the 1.0 kB this model can need"));
    free_fake(wide), free_fake(small);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_truncated_and_corrupt),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_non_finite_refused),
        cmocka_unit_test(test_checksum_covers_header),
        cmocka_unit_test(test_format1_loads),
        cmocka_unit_test(test_metadata_fields_strict),
        cmocka_unit_test(test_check_resume),
        cmocka_unit_test(test_oversized_refused),
    };
    return cmocka_run_group_tests(tests, test_tmp_setup, test_tmp_teardown);
}
