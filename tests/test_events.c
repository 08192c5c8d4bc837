/* The event schema (run/events.h): every event type written and decoded back
 * gives the same fields; the lines keep the exact format events.jsonl has
 * always had; malformed, truncated and hostile lines are rejected cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/events.h"

/* Formats ev, decodes the line into back (released by the caller). */
static char *round_trip(const Event *ev, Event *back) {
    char *line = event_format(ev);
    assert_non_null(line);
    assert_int_equal(event_decode(line, strlen(line), back), 0);
    assert_int_equal(back->type, ev->type);
    return line;
}

static void test_start_round_trip(void **state) {
    (void)state;
    for (int resumed = 0; resumed < 2; resumed++) {
        Event ev, back;
        event_init(&ev, EV_START);
        ev.start = (StartEvent){"20240101-000000-lstm", "lstm", 12345, 3, 10, 30, 640, 64, 100, 64, 50, 17, NULL, 0, 0, 0, 0, 0};
        if (resumed) EVENT_SET(&ev, start, resumed_from_step);
        char *line = round_trip(&ev, &back);
        assert_string_equal(back.start.run, "20240101-000000-lstm");
        assert_string_equal(back.start.arch, "lstm");
        assert_int_equal(back.start.params, 12345);
        assert_int_equal(back.start.epochs, 3);
        assert_int_equal(back.start.steps_per_epoch, 10);
        assert_int_equal(back.start.total_steps, 30);
        assert_int_equal(back.start.train_size, 640);
        assert_int_equal(back.start.val_size, 64);
        assert_int_equal(back.start.test_size, 100);
        assert_int_equal(back.start.batch_size, 64);
        assert_int_equal(back.start.max_len, 50);
        assert_int_equal(EVENT_HAS(&back, start, resumed_from_step), resumed);
        if (resumed) assert_int_equal(back.start.resumed_from_step, 17);
        else assert_null(strstr(line, "resumed_from_step"));
        free(line);
        event_release(&back);
    }
}

static void test_step_line_format(void **state) {
    (void)state;
    Event ev, back;
    event_init(&ev, EV_STEP);
    ev.step = (StepEvent){3, 0.375, (double)0.69314718f, (double)0.001f, 1.5, 1234.5, 2.0};
    char *line = round_trip(&ev, &back);
    /* The format events.jsonl has always had for a step (%.5g, %.7g, %.6g, %.3f). */
    assert_string_equal(line, "{\"type\":\"step\",\"step\":3,\"epoch\":0.375,\"loss\":0.6931472,\"lr\":0.001,"
                              "\"grad_norm\":1.5,\"tokens_per_s\":1234.5,\"elapsed\":2.000}");
    assert_int_equal(back.step.step, 3);
    assert_float_equal(back.step.epoch, 0.375, 1e-12);
    assert_float_equal(back.step.loss, 0.6931472, 1e-9);
    assert_float_equal(back.step.lr, 0.001, 1e-12);
    assert_float_equal(back.step.grad_norm, 1.5, 1e-12);
    assert_float_equal(back.step.tokens_per_s, 1234.5, 1e-12);
    assert_float_equal(back.step.elapsed, 2.0, 1e-12);
    free(line);
    event_release(&back);
}

static void test_eval_round_trip(void **state) {
    (void)state;
    Event ev, back;
    event_init(&ev, EV_EVAL);
    ev.eval = (EvalEvent){.step = 10, .epoch = 1, .split = "val", .loss = 0.5, .accuracy = 0.8125,
                          .precision = 0.7, .recall = NAN, .f1 = 0.79, .f1_macro = 0.78, .f1_weighted = 0.785,
                          .confusion = {2, {{20, 12}, {1, 31}}}, .best = 1, .wall_seconds = 12.5};
    char *line = round_trip(&ev, &back);
    /* Reals with 7 digits, always with a point; JSON has no NaN: written as 0. */
    assert_string_equal(line, "{\"type\":\"eval\",\"step\":10,\"epoch\":1.0,\"split\":\"val\",\"loss\":0.5,"
                              "\"accuracy\":0.8125,\"precision\":0.7,\"recall\":0.0,\"f1\":0.79,\"f1_macro\":0.78,"
                              "\"f1_weighted\":0.785,\"confusion\":[[20,12],[1,31]],\"best\":true,"
                              "\"wall_seconds\":12.5}");
    assert_int_equal(back.eval.step, 10);
    assert_string_equal(back.eval.split, "val");
    assert_float_equal(back.eval.accuracy, 0.8125, 1e-12);
    assert_float_equal(back.eval.recall, 0.0, 0);
    assert_int_equal(back.eval.confusion.c[0][1], 12);
    assert_int_equal(back.eval.confusion.c[1][1], 31);
    assert_true(back.eval.best);
    assert_true(EVENT_HAS(&back, eval, confusion));
    assert_float_equal(back.eval.wall_seconds, 12.5, 1e-12);
    free(line);
    event_release(&back);
}

static void test_explain_round_trip(void **state) {
    (void)state;
    char *words[] = {"a", "good", "film"};
    float weight[] = {0.25f, 0.5f, 0.25f}, attn[9];
    for (int i = 0; i < 9; i++) attn[i] = (float)i / 8;
    ExplainSample x[2] = {
        {.index = 4, .label = 1, .pred = 1, .prob = 0.875f, .len = 3, .tokens = words, .weight = weight, .layers = 1,
         .heads = 1, .attn = attn, .method = "attention"},
        {.index = 9, .label = 0, .pred = 1, .prob = 0.5f, .len = 2, .tokens = words, .weight = weight,
         .method = "saliency"},
    };
    Event ev, back;
    event_init(&ev, EV_EXPLAIN);
    ev.explain = (ExplainEvent){.step = 20, .samples = {2, x}};
    char *line = round_trip(&ev, &back);
    assert_int_equal(back.explain.step, 20);
    assert_int_equal(back.explain.samples.n, 2);
    const ExplainSample *y = back.explain.samples.v;
    assert_int_equal(y[0].index, 4);
    assert_int_equal(y[0].label, 1);
    assert_float_equal(y[0].prob, 0.875, 1e-6);
    assert_int_equal(y[0].len, 3);
    assert_string_equal(y[0].tokens[1], "good");
    assert_float_equal(y[0].weight[1], 0.5, 1e-6);
    assert_string_equal(y[0].method, "attention");
    assert_int_equal(y[0].layers, 1);
    assert_non_null(y[0].attn);
    assert_float_equal(y[0].attn[8], 1.0, 1e-4);
    assert_int_equal(y[1].len, 2);
    assert_null(y[1].attn);
    assert_int_equal(y[1].layers, 0);
    free(line);
    event_release(&back);
}

static void test_small_events_round_trip(void **state) {
    (void)state;
    Event ev, back;
    double metric = 0.75;
    event_init(&ev, EV_CHECKPOINT);
    ev.checkpoint = (CheckpointEvent){.step = 5, .file = "checkpoint.safetensors", .metric = metric};
    EVENT_SET(&ev, checkpoint, metric);
    char *line = round_trip(&ev, &back);
    assert_string_equal(line, "{\"type\":\"checkpoint\",\"step\":5,\"file\":\"checkpoint.safetensors\",\"metric\":0.75}");
    assert_true(EVENT_HAS(&back, checkpoint, metric));
    free(line);
    event_release(&back);

    event_init(&ev, EV_PRETRAIN);
    ev.pretrain = (PretrainEvent){.done = 100, .total = 100, .cached = 1, .seconds = 2.5, .final = 1};
    EVENT_SET(&ev, pretrain, cached);
    EVENT_SET(&ev, pretrain, seconds);
    EVENT_SET(&ev, pretrain, final);
    line = round_trip(&ev, &back);
    assert_string_equal(line, "{\"type\":\"pretrain\",\"done\":100,\"total\":100,\"cached\":true,\"seconds\":2.5,"
                              "\"final\":true}");
    assert_true(back.pretrain.final && back.pretrain.cached);
    assert_false(EVENT_HAS(&back, pretrain, loss));
    free(line);
    event_release(&back);

    event_init(&ev, EV_DONE);
    ev.done = (DoneEvent){.step = 30, .status = "stopped", .elapsed = 9.5, .wall_seconds = 10};
    line = round_trip(&ev, &back);
    assert_string_equal(back.done.status, "stopped");
    assert_float_equal(back.done.elapsed, 9.5, 0);
    free(line);
    event_release(&back);

    event_init(&ev, EV_FAILED);
    ev.failed = (FailedEvent){.step = 3, .reason = "loss \"became\" NaN\n"};
    line = round_trip(&ev, &back);
    assert_string_equal(back.failed.reason, "loss \"became\" NaN\n");
    free(line);
    event_release(&back);

    event_init(&ev, EV_STATE);
    ev.state = (StateEvent){.step = 12, .state = "paused"};
    line = round_trip(&ev, &back);
    assert_string_equal(line, "{\"type\":\"state\",\"step\":12,\"state\":\"paused\"}");
    free(line);
    event_release(&back);
}

static void test_malformed_lines(void **state) {
    (void)state;
    static const char *bad[] = {
        "",
        "not json",
        "[1,2,3]",
        "{\"step\":1}",                                   /* no type */
        "{\"type\":7}",                                   /* type not a string */
        "{\"type\":\"step\",\"loss\":0.5}",               /* no step */
        "{\"type\":\"step\",\"step\":\"3\"}",             /* step of another type */
        "{\"type\":\"step\",\"step\":1e300}",             /* a step no long holds */
        "{\"type\":\"eval\",\"step\":1,\"confusion\":[[1,2]]}",
        "{\"type\":\"eval\",\"step\":1,\"confusion\":[[1,2],[3,\"x\"]]}",
        "{\"type\":\"explain\",\"step\":1}",
        "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"tokens\":[\"a\"],\"weight\":[1,2]}]}",
        "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"tokens\":[\"a\"],\"layers\":1,\"heads\":1,\"attn\":[1,2]}]}",
        "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"tokens\":[\"a\"]},7]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        Event ev;
        if (event_decode(bad[i], strlen(bad[i]), &ev) != -1) fail_msg("accepted: %s", bad[i]);
        event_release(&ev);
    }
    /* Every truncation of a good line is refused, never half read. */
    Event ev;
    event_init(&ev, EV_EVAL);
    ev.eval = (EvalEvent){.step = 10, .split = "val", .confusion = {2, {{1, 2}, {3, 4}}}};
    char *line = event_format(&ev);
    for (size_t n = 0; n + 1 < strlen(line); n++) {
        Event back;
        if (event_decode(line, n, &back) != -1) fail_msg("accepted a torn line: %.*s", (int)n, line);
        event_release(&back);
    }
    free(line);
}

static void test_unknown_and_missing(void **state) {
    (void)state;
    Event ev;
    const char *later = "{\"type\":\"later_kind\",\"x\":1}\n";
    assert_int_equal(event_decode(later, strlen(later), &ev), 0);
    assert_int_equal(ev.type, EV_UNKNOWN);
    event_release(&ev);
    /* An older line without the newer fields reads; the missing ones are not in has. */
    const char *old = "{\"type\":\"eval\",\"step\":20,\"split\":\"val\",\"accuracy\":\"x\"}";
    assert_int_equal(event_decode(old, strlen(old), &ev), 0);
    assert_false(EVENT_HAS(&ev, eval, best));
    assert_false(EVENT_HAS(&ev, eval, confusion));
    assert_false(EVENT_HAS(&ev, eval, loss));
    assert_true(isnan(ev.eval.loss));
    assert_true(EVENT_HAS(&ev, eval, accuracy)); /* there, but not a number */
    assert_true(isnan(ev.eval.accuracy));
    assert_int_equal(ev.eval.confusion.c[1][1], 0);
    event_release(&ev);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_round_trip),   cmocka_unit_test(test_step_line_format),
        cmocka_unit_test(test_eval_round_trip),    cmocka_unit_test(test_explain_round_trip),
        cmocka_unit_test(test_small_events_round_trip), cmocka_unit_test(test_malformed_lines),
        cmocka_unit_test(test_unknown_and_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
