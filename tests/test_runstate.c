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
#include "run/runstate.h"

static int apply(RunState *s, const char *line) { return runstate_apply_line(s, line, strlen(line)); }

static void test_start_step_eval(void **st) {
    (void)st;
    RunState s;
    runstate_init(&s);
    assert_int_equal(s.status, RUN_NEW);
    assert_int_equal(s.best_eval, -1);
    assert_int_equal(apply(&s, "{\"type\":\"start\",\"run\":\"r1\",\"arch\":\"lstm\",\"params\":12345,\"epochs\":3,"
                               "\"steps_per_epoch\":10,\"total_steps\":30,\"train_size\":640,\"val_size\":64,"
                               "\"test_size\":100,\"batch_size\":64,\"max_len\":50,\"resumed_from_step\":0}"),
                     0);
    assert_string_equal(s.run, "r1");
    assert_string_equal(s.arch, "lstm");
    assert_int_equal(s.params, 12345);
    assert_int_equal(s.total_steps, 30);
    assert_int_equal(s.status, RUN_RUNNING);
    assert_int_equal(apply(&s, "{\"type\":\"step\",\"step\":1,\"epoch\":0.1,\"loss\":0.69,\"lr\":0.001,"
                               "\"grad_norm\":1.5,\"tokens_per_s\":1000,\"elapsed\":0.5}\n"),
                     0);
    assert_int_equal(s.n_steps, 1);
    assert_float_equal(s.steps[0].loss, 0.69f, 1e-6);
    assert_float_equal(s.elapsed, 0.5, 1e-6);
    assert_int_equal(apply(&s, "{\"type\":\"eval\",\"step\":10,\"epoch\":1,\"split\":\"val\",\"loss\":0.5,"
                               "\"accuracy\":0.8,\"precision\":0.7,\"recall\":0.9,\"f1\":0.79,\"f1_macro\":0.78,"
                               "\"f1_weighted\":0.785,\"confusion\":[[20,12],[1,31]],\"best\":true}"),
                     0);
    assert_int_equal(s.n_evals, 1);
    assert_int_equal(s.best_eval, 0);
    assert_int_equal(s.evals[0].confusion.c[0][1], 12);
    assert_int_equal(s.evals[0].confusion.c[1][1], 31);
    assert_int_equal(apply(&s, "{\"type\":\"eval\",\"step\":20,\"epoch\":2,\"split\":\"val\",\"accuracy\":0.7,"
                               "\"best\":false}"),
                     0);
    assert_int_equal(s.best_eval, 0);
    assert_true(isnan(s.evals[1].loss));
    assert_int_equal(apply(&s, "{\"type\":\"eval\",\"step\":30,\"epoch\":3,\"split\":\"test\",\"accuracy\":0.75}"), 0);
    assert_int_equal(s.n_evals, 2);
    assert_true(s.has_test);
    assert_float_equal(s.test.accuracy, 0.75f, 1e-6);
    assert_int_equal(apply(&s, "{\"type\":\"state\",\"step\":12,\"state\":\"paused\"}"), 0);
    assert_int_equal(s.status, RUN_PAUSED);
    assert_int_equal(apply(&s, "{\"type\":\"done\",\"step\":30,\"status\":\"stopped\",\"elapsed\":9.5}"), 0);
    assert_int_equal(s.status, RUN_STOPPED);
    assert_float_equal(s.elapsed, 9.5, 1e-6);
    assert_string_equal(run_status_name(s.status), "stopped");
    runstate_free(&s);
}

static void test_malformed_lines_counted(void **st) {
    (void)st;
    RunState s;
    runstate_init(&s);
    assert_int_equal(apply(&s, "not json"), -1);
    assert_int_equal(apply(&s, "[1,2,3]"), -1);
    assert_int_equal(apply(&s, "{\"no_type\":1}"), -1);
    assert_int_equal(apply(&s, "{\"type\":\"step\"}"), -1);
    assert_int_equal(apply(&s, "{\"type\":\"eval\",\"step\":1,\"confusion\":[[1,2]]}"), -1);
    assert_int_equal(apply(&s, "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"tokens\":[\"a\"],\"weight\":[1,2]}]}"), -1);
    assert_int_equal(apply(&s, "{\"type\":\"state\",\"state\":\"dancing\"}"), -1);
    assert_int_equal(apply(&s, ""), -1);
    assert_int_equal(s.lines_bad, 8);
    assert_int_equal(s.lines_applied, 0);
    assert_int_equal(s.n_steps, 0);
    assert_int_equal(s.n_evals, 0);
    assert_int_equal(s.n_explains, 0);
    /* Unknown event kinds are for newer readers, not errors. */
    assert_int_equal(apply(&s, "{\"type\":\"checkpoint\",\"step\":3,\"file\":\"x\",\"metric\":0.5}"), 0);
    assert_int_equal(apply(&s, "{\"type\":\"future_kind\"}"), 0);
    assert_int_equal(s.lines_applied, 2);
    assert_int_equal(apply(&s, "{\"type\":\"failed\",\"step\":3,\"reason\":\"loss is NaN\"}"), 0);
    assert_int_equal(s.status, RUN_FAILED);
    assert_string_equal(s.reason, "loss is NaN");
    runstate_free(&s);
}

static void test_pretrain_progress(void **st) {
    (void)st;
    RunState s;
    runstate_init(&s);
    assert_int_equal(apply(&s, "{\"type\":\"pretrain\",\"done\":200,\"total\":800,\"loss\":2.5,\"elapsed\":3}"), 0);
    assert_int_equal(s.pretrain_done, 200);
    assert_int_equal(s.pretrain_total, 800);
    assert_true(fabs(s.pretrain_loss - 2.5) < 1e-9);
    assert_int_equal(s.pretrain_final, 0);
    assert_int_equal(apply(&s, "{\"type\":\"pretrain\",\"done\":800,\"total\":800,\"cached\":true,\"final\":true}"), 0);
    assert_int_equal(s.pretrain_final, 1);
    assert_int_equal(s.pretrain_cached, 1);
    /* without counts it is malformed */
    assert_int_equal(apply(&s, "{\"type\":\"pretrain\",\"loss\":1}"), -1);
    assert_int_equal(s.pretrain_done, 800);
    runstate_free(&s);
}

static void test_null_is_nan(void **st) {
    (void)st;
    RunState s;
    runstate_init(&s);
    assert_int_equal(apply(&s, "{\"type\":\"step\",\"step\":4,\"loss\":null}"), 0);
    assert_true(isnan(s.steps[0].loss));
    runstate_free(&s);
}

static void test_explain(void **st) {
    (void)st;
    RunState s;
    runstate_init(&s);
    assert_int_equal(apply(&s, "{\"type\":\"explain\",\"step\":10,\"samples\":["
                               "{\"index\":3,\"label\":1,\"pred\":1,\"prob\":0.9,\"tokens\":[\"good\",\"film\"],"
                               "\"weight\":[0.8,0.2],\"method\":\"attention, layer avg\",\"layers\":1,\"heads\":2,"
                               "\"attn\":[0.5,0.5,0.1,0.9, 1,0,0,1]},"
                               "{\"index\":7,\"label\":0,\"pred\":1,\"prob\":0.6,\"tokens\":[\"bad\"],\"weight\":[1],"
                               "\"method\":\"saliency\"}]}"),
                     0);
    assert_int_equal(s.n_explains, 1);
    ExplainSet *x = &s.explains[0];
    assert_int_equal(x->step, 10);
    assert_int_equal(x->n, 2);
    assert_int_equal(x->samples[0].len, 2);
    assert_string_equal(x->samples[0].tokens[1], "film");
    assert_float_equal(x->samples[0].weight[0], 0.8f, 1e-6);
    assert_non_null(x->samples[0].attn);
    assert_float_equal(x->samples[0].attn[3], 0.9f, 1e-6);
    assert_int_equal(x->samples[0].heads, 2);
    assert_string_equal(x->samples[0].method, "attention, layer avg");
    assert_null(x->samples[1].attn);
    assert_int_equal(x->samples[1].heads, 0);
    assert_int_equal(x->samples[1].pred, 1);
    /* attn of the wrong size is refused as a whole line */
    assert_int_equal(apply(&s, "{\"type\":\"explain\",\"step\":20,\"samples\":[{\"tokens\":[\"a\",\"b\"],"
                               "\"weight\":[0.5,0.5],\"layers\":1,\"heads\":1,\"attn\":[1,2,3]}]}"),
                     -1);
    assert_int_equal(s.n_explains, 1);
    runstate_free(&s);
}

static void test_resume_truncates_later_points(void **st) {
    (void)st;
    RunState s;
    runstate_init(&s);
    char line[256];
    for (int i = 1; i <= 30; i++) {
        snprintf(line, sizeof line, "{\"type\":\"step\",\"step\":%d,\"loss\":%g}", i, 1.0 / i);
        apply(&s, line);
    }
    apply(&s, "{\"type\":\"eval\",\"step\":10,\"accuracy\":0.6,\"best\":true}");
    apply(&s, "{\"type\":\"eval\",\"step\":20,\"accuracy\":0.7,\"best\":true}");
    apply(&s, "{\"type\":\"eval\",\"step\":30,\"accuracy\":0.8,\"best\":true}");
    assert_int_equal(s.best_eval, 2);
    apply(&s, "{\"type\":\"start\",\"run\":\"r\",\"resumed_from_step\":20}");
    assert_int_equal(s.n_steps, 20);
    assert_int_equal(s.steps[19].step, 20);
    assert_int_equal(s.n_evals, 2);
    assert_int_equal(s.best_eval, 1);
    runstate_free(&s);
}

static void test_best_without_flag_is_most_accurate(void **st) {
    (void)st;
    RunState s;
    runstate_init(&s);
    apply(&s, "{\"type\":\"eval\",\"step\":1,\"accuracy\":0.6}");
    apply(&s, "{\"type\":\"eval\",\"step\":2,\"accuracy\":0.9}");
    apply(&s, "{\"type\":\"eval\",\"step\":3,\"accuracy\":0.7}");
    assert_int_equal(s.best_eval, 1);
    runstate_free(&s);
}

static void test_load_file_ignores_torn_last_line(void **st) {
    (void)st;
    char *dir = make_temp_dir("runstate");
    assert_non_null(dir);
    char path[600];
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"type\":\"start\",\"run\":\"x\",\"arch\":\"rnn\"}\n", f);
    fputs("{\"type\":\"step\",\"step\":1,\"loss\":0.7}\n", f);
    fputs("garbage line\n", f);
    fputs("\n", f);
    fputs("{\"type\":\"step\",\"step\":2,\"loss\":0.6}\n", f);
    fputs("{\"type\":\"step\",\"step\":3,\"lo", f); /* killed mid-line */
    fclose(f);
    RunState s;
    runstate_init(&s);
    assert_int_equal(runstate_load_file(&s, path), 0);
    assert_int_equal(s.n_steps, 2);
    assert_int_equal(s.lines_bad, 1);
    assert_int_equal(s.lines_applied, 3);

    /* Tailing: the rest of the torn line arrives later and is applied then. */
    RunState t;
    runstate_init(&t);
    long off = runstate_follow_file(&t, path, 0);
    assert_true(off > 0);
    assert_int_equal(t.n_steps, 2);
    f = fopen(path, "a");
    fputs("ss\":0.5}\n{\"type\":\"step\",\"step\":4,\"loss\":0.4}\n", f);
    fclose(f);
    long off2 = runstate_follow_file(&t, path, off);
    assert_true(off2 > off);
    assert_int_equal(t.n_steps, 4);
    assert_float_equal(t.steps[2].loss, 0.5f, 1e-6);
    assert_int_equal(runstate_follow_file(&t, path, off2), off2);
    assert_int_equal(t.n_steps, 4);
    runstate_free(&t);
    runstate_free(&s);

    RunState u;
    runstate_init(&u);
    snprintf(path, sizeof path, "%s/missing.jsonl", dir);
    assert_int_equal(runstate_load_file(&u, path), -1);
    runstate_free(&u);
    rm_rf(dir);
    free(dir);
}

static void test_smooth_ema_bias_corrected(void **st) {
    (void)st;
    /* A constant series stays constant: no pull toward zero at the start. */
    float c[5] = {2, 2, 2, 2, 2}, out[5];
    smooth_ema(c, out, 5, 0.9f);
    float two[5] = {2, 2, 2, 2, 2};
    assert_allclose(out, two, 5, 1e-6, 1e-6, "constant");
    /* First output equals the first input. */
    float x[4] = {1, 3, NAN, 5};
    smooth_ema(x, out, 4, 0.5f);
    assert_float_equal(out[0], 1.0f, 1e-6);
    /* m2 = 0.5*0.5 + 0.5*3 = 1.75; corrected by 1-0.25 */
    assert_float_equal(out[1], 1.75f / 0.75f, 1e-5);
    assert_true(isnan(out[2]));
    /* m3 = 0.5*1.75 + 0.5*5 = 3.375; corrected by 1-0.125 */
    assert_float_equal(out[3], 3.375f / 0.875f, 1e-5);
    /* alpha 0 is the identity */
    smooth_ema(x, out, 4, 0.0f);
    assert_float_equal(out[1], 3.0f, 1e-6);
    assert_float_equal(out[3], 5.0f, 1e-6);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_step_eval),
        cmocka_unit_test(test_malformed_lines_counted),
        cmocka_unit_test(test_null_is_nan),
        cmocka_unit_test(test_pretrain_progress),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_resume_truncates_later_points),
        cmocka_unit_test(test_best_without_flag_is_most_accurate),
        cmocka_unit_test(test_load_file_ignores_torn_last_line),
        cmocka_unit_test(test_smooth_ema_bias_corrected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
