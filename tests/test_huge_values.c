/* Values no real run has (a corrupt summary, an overflowed count, a model
 * bigger than the machine) still print as something a person can read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "widgets/chart.h"
#include "config/config.h"
#include "models/model.h"
#include "common/units.h"

static void test_si_and_durations(void **state) {
    (void)state;
    char b[64];
    format_si(-9223372036854775808.0, b, sizeof b);
    assert_string_equal(b, "-9.2e+18");
    format_si(1.5e21, b, sizeof b);
    assert_string_equal(b, "1.5e+21");
    format_si(2.5e15, b, sizeof b);
    assert_string_equal(b, "2.50P");
    format_duration(9223372036854775808.0, b, sizeof b);
    assert_string_equal(b, "2.9e+11y");
    format_duration(1e300, b, sizeof b);
    assert_string_equal(b, "3.2e+292y");
    format_duration(3.5e8, b, sizeof b);
    assert_string_equal(b, "97222h13m");
    format_duration(INFINITY, b, sizeof b);
    assert_string_equal(b, "-");
}

static void test_units(void **state) {
    (void)state;
    char b[64];
    format_bytes(512, b, sizeof b);
    assert_string_equal(b, "512 bytes");
    format_bytes(3221225472.0, b, sizeof b);
    assert_string_equal(b, "3.2 GB");
    format_bytes(1e30, b, sizeof b);
    assert_string_equal(b, "1e+12 EB");
    format_bytes(-1, b, sizeof b);
    assert_string_equal(b, "?");
    format_si(8.2e9, b, sizeof b);
    assert_string_equal(b, "8.20G");
    format_si(999.96, b, sizeof b);
    assert_string_equal(b, "1.00k");
}

/* A model that cannot fit says how much memory it needs, before trying. */
static void test_model_too_big_says_how_much(void **state) {
    (void)state;
    Config c;
    config_defaults(&c);
    ConfigErrors e = {0};
    assert_int_equal(config_set(&c, "model.arch=bag", &e), 0);
    config_errors_free(&e);
    c.model_embed_dim = 1 << 20; /* past the config's range on purpose: 2M x 1M floats */
    c.model_bigrams = 0;
    char err[512] = "";
    Model *m = model_create(&c, 2000000, 4, 16, err, sizeof err);
    assert_null(m);
    assert_non_null(strstr(err, "cannot build the model: this machine has "));
    assert_non_null(strstr(err, "(2.10T parameters: 16.8 TB for weights and gradients, 33.6 TB to train"));
    config_free(&c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_si_and_durations),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_model_too_big_says_how_much),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
