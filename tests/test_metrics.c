#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "config/config.h"
#include "run/metrics.h"

#define NEAR(a, b) assert_true(fabs((a) - (b)) < 1e-9)

/* Values worked out by hand (and matching scikit-learn's f1_score/precision_score). */
static void test_asymmetric(void **state) {
    (void)state;
    int32_t y[] = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    int32_t p[] = {0, 0, 0, 0, 1, 1, 1, 1, 1, 0};
    Metrics m;
    metrics_compute(&m, y, p, 10);
    assert_int_equal(m.confusion[0][0], 4);
    assert_int_equal(m.confusion[0][1], 2);
    assert_int_equal(m.confusion[1][0], 1);
    assert_int_equal(m.confusion[1][1], 3);
    assert_int_equal(m.n, 10);
    NEAR(m.accuracy, 0.7);
    NEAR(m.precision, 0.6);
    NEAR(m.recall, 0.75);
    NEAR(m.f1, 6.0 / 9.0);
    NEAR(m.f1_macro, (8.0 / 11.0 + 6.0 / 9.0) / 2);
    NEAR(m.f1_weighted, (8.0 / 11.0 * 6 + 6.0 / 9.0 * 4) / 10);
}

static void test_accumulates_in_parts(void **state) {
    (void)state;
    int32_t y[] = {1, 0, 1, 1, 0};
    int32_t p[] = {1, 1, 0, 1, 0};
    Metrics a, b;
    metrics_compute(&a, y, p, 5);
    metrics_clear(&b);
    metrics_add(&b, y, p, 2);
    metrics_add(&b, y + 2, p + 2, 3);
    metrics_finish(&b);
    assert_memory_equal(a.confusion, b.confusion, sizeof a.confusion);
    NEAR(a.f1_weighted, b.f1_weighted);
}

/* All predictions negative: precision and F1 of class 1 are 0, not NaN. */
static void test_degenerate(void **state) {
    (void)state;
    int32_t y[] = {1, 0, 0, 1};
    int32_t p[] = {0, 0, 0, 0};
    Metrics m;
    metrics_compute(&m, y, p, 4);
    NEAR(m.accuracy, 0.5);
    NEAR(m.precision, 0);
    NEAR(m.recall, 0);
    NEAR(m.f1, 0);
    NEAR(m.f1_macro, (2.0 / 3.0) / 2);
    Metrics e;
    metrics_compute(&e, y, p, 0);
    assert_int_equal(e.n, 0);
    NEAR(e.accuracy, 0);
    assert_false(isnan(e.f1_weighted));
}

static void test_perfect(void **state) {
    (void)state;
    int32_t y[] = {1, 0, 1, 0, 1};
    Metrics m;
    metrics_compute(&m, y, y, 5);
    NEAR(m.accuracy, 1);
    NEAR(m.f1, 1);
    NEAR(m.f1_macro, 1);
    NEAR(m.f1_weighted, 1);
}

static void test_metric_selection(void **state) {
    (void)state;
    Metrics m = {0};
    m.accuracy = 0.9, m.f1 = 0.8, m.f1_macro = 0.7, m.f1_weighted = 0.6, m.loss = 0.3;
    NEAR(metrics_get(&m, METRIC_ACCURACY), 0.9);
    NEAR(metrics_get(&m, METRIC_F1), 0.8);
    NEAR(metrics_get(&m, METRIC_F1_MACRO), 0.7);
    NEAR(metrics_get(&m, METRIC_F1_WEIGHTED), 0.6);
    NEAR(metrics_get(&m, METRIC_LOSS), 0.3);
    assert_true(metric_better(METRIC_ACCURACY, 0.9, 0.8));
    assert_false(metric_better(METRIC_ACCURACY, 0.8, 0.8));
    assert_true(metric_better(METRIC_LOSS, 0.2, 0.3));
    assert_false(metric_better(METRIC_LOSS, 0.4, 0.3));
    assert_string_equal(metric_name(METRIC_F1_MACRO), "f1_macro");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_asymmetric),   cmocka_unit_test(test_accumulates_in_parts),
        cmocka_unit_test(test_degenerate),   cmocka_unit_test(test_perfect),
        cmocka_unit_test(test_metric_selection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
