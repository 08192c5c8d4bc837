/* Training on the user's own labelled files: a generated 5-class TSV is read
 * through data.dataset=tsv, cached with its class names, and learnt past 95 %
 * test accuracy; the run keeps its classes; bad settings and a label seen only
 * in the test file are clear errors; metrics and events handle N classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config/config.h"
#include "data/data.h"
#include "run/class_names.h"
#include "run/events.h"
#include "run/metrics.h"
#include "run/run.h"
#include "run/runstate.h"
#include "run/train.h"

static const char *const TOPICS[5] = {"food", "music", "politics", "science", "sports"};
static const char *const MARKERS[5] = {"noodles", "guitar", "election", "molecule", "football"};
static const char *const FILLER[12] = {"the", "a", "of", "and", "to", "in", "was", "for", "on", "with", "day", "people"};

/* rows texts of filler words with one marker word deciding the class; extra
 * (if not NULL) is one more row's label, for the unknown-label test. */
static void write_tsv(const char *path, int rows, unsigned seed, const char *extra) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "text\tlabel\n");
    for (int i = 0; i < rows; i++) {
        seed = seed * 1103515245u + 12345u;
        int cls = (int)((seed >> 16) % 5), n = 5 + (int)((seed >> 8) % 10), at = (int)((seed >> 4) % (unsigned)n);
        for (int w = 0; w < n; w++) {
            seed = seed * 1103515245u + 12345u;
            fprintf(f, "%s%s", w ? " " : "", w == at ? MARKERS[cls] : FILLER[(seed >> 16) % 12]);
        }
        fprintf(f, "\t%s\n", TOPICS[cls]);
    }
    if (extra) fprintf(f, "a row of another kind\t%s\n", extra);
    fclose(f);
}

static void own_config(Config *c, const char *train, const char *test) {
    char kv[1200];
    config_defaults(c);
    config_set_or_fail(c, "data.dataset=tsv");
    snprintf(kv, sizeof kv, "data.train_file=%s", train);
    config_set_or_fail(c, kv);
    if (test) {
        snprintf(kv, sizeof kv, "data.test_file=%s", test);
        config_set_or_fail(c, kv);
    }
    snprintf(kv, sizeof kv, "train.runs_dir=%s/runs", test_tmp);
    config_set_or_fail(c, kv);
    config_set_or_fail(c, "data.max_len=24");
    config_set_or_fail(c, "data.vocab_size=200");
    config_set_or_fail(c, "data.cache=false");
    config_set_or_fail(c, "model.arch=bag");
    config_set_or_fail(c, "model.embed_dim=16");
    config_set_or_fail(c, "model.bigrams=false");
    config_set_or_fail(c, "train.epochs=4");
    config_set_or_fail(c, "train.batch_size=32");
    config_set_or_fail(c, "train.lr=5e-3");
    config_set_or_fail(c, "train.threads=1");
    config_set_or_fail(c, "eval.explain_samples=1");
}

static void paths_in_tmp(char *train, char *test, size_t n) {
    snprintf(train, n, "%s/train.tsv", test_tmp);
    snprintf(test, n, "%s/test.tsv", test_tmp);
}

static void test_five_classes_learnt(void **state) {
    (void)state;
    char train[1024], test[1024], err[2048];
    paths_in_tmp(train, test, sizeof train);
    write_tsv(train, 2000, 1, NULL);
    write_tsv(test, 500, 2, NULL);
    Config c;
    own_config(&c, train, test);
    Trainer *t = trainer_start(&c, NULL, NULL, err, sizeof err);
    if (!t) fail_msg("trainer_start: %s", err);
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", trainer_run_dir(t));
    while (trainer_poll(t, 0.2, NULL, NULL) >= 0) {
    }
    assert_int_equal(trainer_join(t), TRAIN_FINISHED);
    trainer_free(t);
    config_free(&c);

    ClassNames names;
    assert_int_equal(class_names_load(&names, dir), 1);
    assert_int_equal(names.n, 5);
    for (int i = 0; i < 5; i++) assert_string_equal(names.names[i], TOPICS[i]);
    class_names_free(&names);

    char path[1200];
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    RunState rs;
    runstate_init(&rs);
    assert_int_equal(runstate_load_file(&rs, path), 0);
    assert_int_equal(rs.n_classes, 5);
    assert_string_equal(rs.classes[2], "politics");
    assert_true(rs.has_test);
    assert_int_equal(rs.test.confusion.n, 5);
    long total = 0;
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) total += rs.test.confusion.c[i][j];
    assert_int_equal(total, 500);
    print_message("5 classes: test accuracy %.4f\n", rs.test.accuracy);
    assert_true(rs.test.accuracy > 0.95);
    runstate_free(&rs);
}

static void test_load_and_cache(void **state) {
    (void)state;
    char train[1024], test[1024], val[1024], cache[1024], err[1024];
    paths_in_tmp(train, test, sizeof train);
    snprintf(val, sizeof val, "%s/val.tsv", test_tmp);
    snprintf(cache, sizeof cache, "%s/cache", test_tmp);
    write_tsv(train, 300, 3, NULL);
    write_tsv(test, 50, 4, NULL);
    FILE *f = fopen(val, "w");
    fprintf(f, "text\tlabel\nthe guitar\tmusic\n \tfood\nthe noodles\tfood\n");
    fclose(f);
    Config c;
    own_config(&c, train, test);
    char kv[1200];
    snprintf(kv, sizeof kv, "data.val_file=%s", val);
    config_set_or_fail(&c, kv);
    config_set_or_fail(&c, "data.cache=true");
    DataPaths paths = {.cache_dir = cache};
    for (int pass = 0; pass < 2; pass++) {
        Dataset d;
        if (dataset_load(&c, &paths, &d, err, sizeof err)) fail_msg("dataset_load: %s", err);
        assert_int_equal(d.stats.from_cache, pass);
        assert_int_equal(d.n_classes, 5);
        assert_string_equal(d.classes[4], "sports");
        assert_int_equal(d.train.n, 300);
        assert_int_equal(d.val.n, 2); /* the validation file, not carved from train; its empty text skipped */
        assert_int_equal(d.test.n, 50);
        assert_non_null(strstr(d.warnings, "empty"));
        for (int i = 0; i < d.train.n; i++) assert_true(d.train.labels[i] >= 0 && d.train.labels[i] < 5);
        dataset_free(&d);
    }
    config_free(&c);
}

static void expect_error(const Config *c, const char *needle) {
    Dataset d;
    char err[1024] = "";
    assert_int_equal(dataset_load(c, NULL, &d, err, sizeof err), -1);
    if (!strstr(err, needle)) fail_msg("expected \"%s\" in: %s", needle, err);
}

static void test_errors(void **state) {
    (void)state;
    char train[1024], test[1024];
    paths_in_tmp(train, test, sizeof train);
    write_tsv(train, 100, 5, NULL);
    write_tsv(test, 20, 6, "weather");
    Config c;
    own_config(&c, train, test);
    expect_error(&c, "test.tsv:22");        /* the label seen only in test, where it is */
    expect_error(&c, "weather");
    config_set_or_fail(&c, "data.test_file=");
    config_set_or_fail(&c, "data.text_column=2");
    expect_error(&c, "both be header names or both column numbers");
    config_set_or_fail(&c, "data.text_column=sentence");
    expect_error(&c, "sentence");           /* a column the header lacks */
    config_set_or_fail(&c, "data.train_file=");
    config_set_or_fail(&c, "data.dataset=csv");
    expect_error(&c, "data.dataset=csv needs data.train_file");
    config_free(&c);
}

static void test_metrics_three_classes(void **state) {
    (void)state;
    Metrics m;
    metrics_clear_classes(&m, 3);
    /* true: 0 0 1 1 2 2 2 ; pred: 0 1 1 1 2 0 2 */
    int32_t y[] = {0, 0, 1, 1, 2, 2, 2}, p[] = {0, 1, 1, 1, 2, 0, 2};
    metrics_add(&m, y, p, 7);
    metrics_finish(&m);
    assert_int_equal(m.n, 7);
    assert_float_equal(m.accuracy, 5.0 / 7, 1e-12);
    assert_float_equal(m.class_precision[0], 0.5, 1e-12);
    assert_float_equal(m.class_recall[0], 0.5, 1e-12);
    assert_float_equal(m.class_precision[1], 2.0 / 3, 1e-12);
    assert_float_equal(m.class_recall[2], 2.0 / 3, 1e-12);
    double f0 = 0.5, f1 = 0.8, f2 = 0.8;
    assert_float_equal(m.f1_macro, (f0 + f1 + f2) / 3, 1e-12);
    assert_float_equal(m.f1_weighted, (f0 * 2 + f1 * 2 + f2 * 3) / 7, 1e-12);
    assert_float_equal(m.f1, m.f1_macro, 1e-12);
}

static void test_events_n_by_n(void **state) {
    (void)state;
    Event ev, back;
    event_init(&ev, EV_EVAL);
    ev.eval.split = "val";
    ev.eval.confusion.n = 3;
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) ev.eval.confusion.c[i][j] = 10 * i + j;
    char *line = event_format(&ev);
    assert_non_null(strstr(line, "\"confusion\":[[0,1,2],[10,11,12],[20,21,22]]"));
    assert_int_equal(event_decode(line, strlen(line), &back), 0);
    assert_int_equal(back.eval.confusion.n, 3);
    assert_int_equal(back.eval.confusion.c[2][1], 21);
    event_release(&back);
    free(line);
    const char *old = "{\"type\":\"eval\",\"step\":3,\"split\":\"val\",\"confusion\":[[5,1],[2,7]]}";
    assert_int_equal(event_decode(old, strlen(old), &back), 0);
    assert_int_equal(back.eval.confusion.n, 2);
    assert_int_equal(back.eval.confusion.c[1][1], 7);
    event_release(&back);
    const char *ragged = "{\"type\":\"eval\",\"step\":3,\"confusion\":[[5,1,0],[2,7,0]]}";
    assert_int_equal(event_decode(ragged, strlen(ragged), &back), -1);
    event_release(&back);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_five_classes_learnt, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_load_and_cache, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_errors, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test(test_metrics_three_classes),
        cmocka_unit_test(test_events_n_by_n),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
