#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "checkpoint.h"
#include "run.h"

static char *tmp;

static int setup(void **state) {
    (void)state;
    tmp = make_temp_dir("sentui-ckpt");
    return tmp ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    rm_rf(tmp);
    free(tmp);
    return 0;
}

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

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", tmp, name); }

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

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_truncated_and_corrupt),
        cmocka_unit_test(test_mismatch),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
