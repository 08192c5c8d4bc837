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
#include "config/sweep_spec.h"
#include "run/sweep_state.h"

static int count_value(const SweepPlan *p, int key, const char *v) {
    int n = 0;
    for (int t = 0; t < p->n_trials; t++) n += !strcmp(sweep_plan_value(p, t, key), v);
    return n;
}

/* Two grid axes give their product, the last axis changing fastest, each
 * combination once. */
static void test_grid_expansion(void **state) {
    (void)state;
    SweepSpec s;
    sweep_spec_init(&s);
    ConfigErrors e = {0};
    assert_int_equal(sweep_spec_add_grid(&s, "train.lr=1e-3, 2e-3", &e), 0);
    assert_int_equal(sweep_spec_add_grid(&s, "model.dropout=0.1,0.2,0.3", &e), 0);
    SweepPlan p;
    assert_int_equal(sweep_spec_expand(&s, &p, &e), 0);
    assert_int_equal(e.n, 0);
    assert_int_equal(p.n_trials, 6);
    assert_int_equal(p.n_keys, 2);
    assert_string_equal(p.keys[0], "train.lr");
    assert_string_equal(sweep_plan_value(&p, 0, 0), "1e-3");
    assert_string_equal(sweep_plan_value(&p, 0, 1), "0.1");
    assert_string_equal(sweep_plan_value(&p, 1, 1), "0.2");
    assert_string_equal(sweep_plan_value(&p, 3, 0), "2e-3");
    assert_string_equal(sweep_plan_value(&p, 5, 1), "0.3");
    assert_int_equal(count_value(&p, 0, "1e-3"), 3);
    assert_int_equal(count_value(&p, 1, "0.2"), 2);
    for (int a = 0; a < 6; a++)
        for (int b = a + 1; b < 6; b++)
            assert_false(!strcmp(sweep_plan_value(&p, a, 0), sweep_plan_value(&p, b, 0)) &&
                         !strcmp(sweep_plan_value(&p, a, 1), sweep_plan_value(&p, b, 1)));
    sweep_plan_free(&p);
    sweep_spec_free(&s);
}

static SweepPlan random_plan(uint64_t seed, int n) {
    SweepSpec s;
    sweep_spec_init(&s);
    ConfigErrors e = {0};
    assert_int_equal(sweep_spec_add_range(&s, "train.lr=1e-5:1e-1:log", &e), 0);
    assert_int_equal(sweep_spec_add_range(&s, "model.embed_dim=4:64", &e), 0);
    assert_int_equal(sweep_spec_add_range(&s, "model.dropout=0:0.5", &e), 0);
    s.random = n;
    s.seed = seed;
    SweepPlan p;
    assert_int_equal(sweep_spec_expand(&s, &p, &e), 0);
    sweep_spec_free(&s);
    return p;
}

/* The same seed draws the same trials, another seed others; every draw is
 * inside its range, integers stay whole, and a log range spreads over its
 * decades instead of piling up in the top one as a uniform draw would. */
static void test_random_sampling(void **state) {
    (void)state;
    SweepPlan a = random_plan(7, 400), b = random_plan(7, 400), c = random_plan(8, 400);
    assert_int_equal(a.n_trials, 400);
    int same = 1, differ = 0, low_decades = 0, int_lo = 0, int_hi = 0;
    for (int t = 0; t < a.n_trials; t++) {
        for (int k = 0; k < 3; k++) {
            same &= !strcmp(sweep_plan_value(&a, t, k), sweep_plan_value(&b, t, k));
            differ |= !!strcmp(sweep_plan_value(&a, t, k), sweep_plan_value(&c, t, k));
        }
        double lr = strtod(sweep_plan_value(&a, t, 0), NULL);
        assert_true(lr >= 1e-5 && lr <= 1e-1);
        low_decades += lr < 1e-3;
        char *end;
        long dim = strtol(sweep_plan_value(&a, t, 1), &end, 10);
        assert_int_equal(*end, 0); /* whole */
        assert_true(dim >= 4 && dim <= 64);
        int_lo |= dim == 4, int_hi |= dim == 64;
        double p = strtod(sweep_plan_value(&a, t, 2), NULL);
        assert_true(p >= 0 && p <= 0.5);
    }
    assert_true(same);
    assert_true(differ);
    /* log-uniform over 4 decades: half below 1e-3 (uniform would give 1 %) */
    assert_in_range(low_decades, 140, 260);
    assert_true(int_lo && int_hi); /* both ends of an integer range are drawn */
    sweep_plan_free(&a);
    sweep_plan_free(&b);
    sweep_plan_free(&c);
}

/* A grid times a random count: every grid combination gets N draws. */
static void test_grid_times_random(void **state) {
    (void)state;
    SweepSpec s;
    sweep_spec_init(&s);
    ConfigErrors e = {0};
    assert_int_equal(sweep_spec_add_grid(&s, "model.arch=gru,lstm", &e), 0);
    assert_int_equal(sweep_spec_add_range(&s, "train.lr=1e-4:1e-2", &e), 0);
    s.random = 3;
    SweepPlan p;
    assert_int_equal(sweep_spec_expand(&s, &p, &e), 0);
    assert_int_equal(p.n_trials, 6);
    assert_int_equal(count_value(&p, 0, "gru"), 3);
    sweep_plan_free(&p);
    sweep_spec_free(&s);
}

static void expect_arg_error(int range, const char *arg, const char *needle) {
    SweepSpec s;
    sweep_spec_init(&s);
    ConfigErrors e = {0};
    int rc = range ? sweep_spec_add_range(&s, arg, &e) : sweep_spec_add_grid(&s, arg, &e);
    if (rc == 0 || e.n != 1 || !strstr(e.items[0].msg, needle))
        fail_msg("%s: rc %d, %d errors, first '%s'; wanted '%s'", arg, rc, e.n, e.n ? e.items[0].msg : "", needle);
    assert_int_equal(s.n_axes, 0);
    config_errors_free(&e);
    sweep_spec_free(&s);
}

static void test_argument_errors(void **state) {
    (void)state;
    expect_arg_error(0, "train.lrr=1e-3", "did you mean 'train.lr'?");
    expect_arg_error(0, "train=1", "is a section");
    expect_arg_error(0, "train.lr=", "the grid is empty");
    expect_arg_error(0, "train.lr=1e-3,,2e-3", "an empty value");
    expect_arg_error(0, "model.dropout=0.1,2", "out of range");
    expect_arg_error(0, "model.arch=gru,lstn", "lstm");
    expect_arg_error(0, "train.name=a,b", "cannot be swept");
    expect_arg_error(0, "no-equals", "expected key=v1,v2");
    expect_arg_error(1, "train.lr=1e-2:1e-4", "is empty");
    expect_arg_error(1, "train.lr=0:1:log", "above 0");
    expect_arg_error(1, "train.lr=1e-4:1e9", "out of range");
    expect_arg_error(1, "model.arch=1:2", "needs a number key");
    expect_arg_error(1, "train.lr=1e-4", "MIN:MAX");
    expect_arg_error(1, "model.layers=1.5:3", "integer");
}

static void expect_expand_error(SweepSpec *s, const char *needle) {
    SweepPlan p;
    ConfigErrors e = {0};
    assert_int_not_equal(sweep_spec_expand(s, &p, &e), 0);
    assert_int_equal(p.n_trials, 0);
    if (e.n != 1 || !strstr(e.items[0].msg, needle)) fail_msg("'%s'; wanted '%s'", e.n ? e.items[0].msg : "", needle);
    config_errors_free(&e);
}

static void test_spec_errors(void **state) {
    (void)state;
    SweepSpec s;
    sweep_spec_init(&s);
    ConfigErrors e = {0};
    expect_expand_error(&s, "nothing to sweep");
    assert_int_equal(sweep_spec_add_range(&s, "train.lr=1e-4:1e-2", &e), 0);
    expect_expand_error(&s, "--random N");
    assert_int_not_equal(sweep_spec_add_grid(&s, "train.lr=1,2", &e), 0); /* swept twice */
    assert_non_null(strstr(e.items[0].msg, "swept twice"));
    config_errors_free(&e);
    sweep_spec_free(&s);
    sweep_spec_init(&s);
    sweep_spec_add_grid(&s, "train.lr=1e-3", &e);
    s.random = 2;
    expect_expand_error(&s, "draws from ranges");
    sweep_spec_free(&s);
}

static char *write_tmp(const char *text) {
    static char path[64];
    snprintf(path, sizeof path, "/tmp/sentui-sweep-test-%d.yaml", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

/* A sweep file with each kind of problem: all of them reported, each at its
 * line and column. */
static void test_file_errors(void **state) {
    (void)state;
    const char *text = "config: base.yaml\n"
                       "grid:\n"
                       "  train.lr: [1e-3, 500]\n"
                       "  model.dropot: [0.1]\n"
                       "ranges:\n"
                       "  train.weight_decay: \"1:0\"\n"
                       "random: many\n"
                       "metrc: f1\n";
    char *path = write_tmp(text);
    SweepSpec s;
    sweep_spec_init(&s);
    ConfigErrors e = {0};
    assert_int_equal(sweep_spec_load_file(&s, path, &e), 5);
    const struct { int line, col; const char *needle; } want[] = {
        {3, 20, "train.lr: 500 is out of range"},
        {4, 3, "did you mean 'model.dropout'?"},
        {6, 23, "is empty"},
        {7, 9, "whole number"},
        {8, 1, "did you mean 'metric'?"},
    };
    for (int i = 0; i < 5; i++)
        if (e.items[i].line != want[i].line || e.items[i].col != want[i].col || !strstr(e.items[i].msg, want[i].needle))
            fail_msg("error %d: %d:%d %s", i, e.items[i].line, e.items[i].col, e.items[i].msg);
    /* the base config is taken from the sweep file's folder */
    assert_string_equal(s.config, "/tmp/base.yaml");
    config_errors_free(&e);
    sweep_spec_free(&s);
    sweep_spec_init(&s);
    write_tmp("config: b.yaml\ngrid: [\n");
    assert_int_equal(sweep_spec_load_file(&s, path, &e), 1);
    assert_non_null(strstr(e.items[0].msg, "invalid YAML"));
    assert_int_equal(e.items[0].line, 3);
    config_errors_free(&e);
    sweep_spec_free(&s);
    unlink(path);
}

/* A sweep folder written and read back: the plan, metric, name and each
 * trial's state survive; a trial file that is missing reads as pending. */
static void test_state_round_trip(void **state) {
    (void)state;
    char *root = make_temp_dir("sweep");
    assert_non_null(root);
    SweepSpec s;
    sweep_spec_init(&s);
    ConfigErrors e = {0};
    sweep_spec_add_grid(&s, "train.lr=1e-3,2e-3", &e);
    sweep_spec_add_grid(&s, "model.arch=gru,lstm", &e);
    Sweep sw = {0};
    assert_int_equal(sweep_spec_expand(&s, &sw.plan, &e), 0);
    snprintf(sw.name, sizeof sw.name, "round");
    snprintf(sw.command, sizeof sw.command, "sentui sweep x.yaml --grid ...");
    sw.metric = METRIC_F1_MACRO;
    sw.parallel = 3;
    Config base;
    config_defaults(&base);
    char err[2048];
    assert_int_equal(sweep_create(&sw, root, &base, "grid: {}\n", err, sizeof err), 0);
    assert_int_not_equal(sweep_create(&sw, root, &base, NULL, err, sizeof err), 0); /* exists */
    assert_non_null(strstr(err, "sentui sweep resume"));
    sw.trials[2].status = TRIAL_DONE;
    snprintf(sw.trials[2].run, sizeof sw.trials[2].run, "20260101-000000-gru-round-t03");
    sw.trials[1].status = TRIAL_FAILED;
    snprintf(sw.trials[1].reason, sizeof sw.trials[1].reason, "exit status 1");
    sw.trials[1].rank = 5;
    assert_int_equal(sweep_trial_save(&sw, 2, err, sizeof err), 0);
    assert_int_equal(sweep_trial_save(&sw, 1, err, sizeof err), 0);
    char path[1200];
    snprintf(path, sizeof path, "%s/trials/004.json", sw.dir);
    unlink(path);
    Sweep back;
    assert_int_equal(sweep_load(&back, sw.dir, err, sizeof err), 0);
    assert_string_equal(back.name, "round");
    assert_int_equal(back.metric, METRIC_F1_MACRO);
    assert_int_equal(back.parallel, 3);
    assert_int_equal(back.plan.n_trials, 4);
    assert_string_equal(back.plan.keys[1], "model.arch");
    for (int t = 0; t < 4; t++)
        for (int k = 0; k < 2; k++)
            assert_string_equal(sweep_plan_value(&back.plan, t, k), sweep_plan_value(&sw.plan, t, k));
    assert_int_equal(back.trials[0].status, TRIAL_PENDING);
    assert_int_equal(back.trials[1].status, TRIAL_FAILED);
    assert_string_equal(back.trials[1].reason, "exit status 1");
    assert_int_equal(back.trials[1].rank, 5);
    assert_int_equal(back.trials[2].status, TRIAL_DONE);
    assert_string_equal(back.trials[2].run, "20260101-000000-gru-round-t03");
    assert_int_equal(back.trials[3].status, TRIAL_PENDING);
    char name[64], dir[1100];
    sweep_trial_name(&back, 2, name, sizeof name);
    assert_string_equal(name, "round-t03");
    sweep_trial_dir(&back, 2, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/20260101-000000-gru-round-t03", root);
    assert_string_equal(dir, path);
    /* a damaged sweep.json is refused with the reason, not half read */
    snprintf(path, sizeof path, "%s/sweep.json", sw.dir);
    FILE *f = fopen(path, "w");
    fputs("{\"sweep\": \"round\", \"metric\": \"accuracy\", \"plan\": {\"keys\": [\"nope\"], \"trials\": []}}", f);
    fclose(f);
    Sweep bad;
    assert_int_not_equal(sweep_load(&bad, sw.dir, err, sizeof err), 0);
    assert_non_null(strstr(err, "not a sweep this sentui can read"));
    sweep_free(&back);
    sweep_free(&sw);
    sweep_spec_free(&s);
    config_free(&base);
    rm_rf(root);
    free(root);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_expansion),   cmocka_unit_test(test_random_sampling),
        cmocka_unit_test(test_grid_times_random), cmocka_unit_test(test_argument_errors),
        cmocka_unit_test(test_spec_errors),      cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_state_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
