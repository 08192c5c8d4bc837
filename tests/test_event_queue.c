#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/event_queue.h"

static void expect_pop(EventQueue *q, const char *want) {
    char *got = evq_pop(q, 0);
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_fifo(void **state) {
    (void)state;
    EventQueue *q = evq_create(8);
    assert_int_equal(evq_push(q, "a", 1), 0);
    assert_int_equal(evq_push(q, "b", 0), 0);
    assert_int_equal(evq_push(q, "c", 1), 0);
    assert_int_equal(evq_length(q), 3);
    expect_pop(q, "a");
    expect_pop(q, "b");
    expect_pop(q, "c");
    assert_null(evq_pop(q, 0.01));
    evq_free(q);
}

/* A reader that falls behind sees the newest step lines. */
static void test_steps_coalesce(void **state) {
    (void)state;
    EventQueue *q = evq_create(4);
    char buf[32];
    for (int i = 0; i < 10; i++) {
        snprintf(buf, sizeof buf, "step %d", i);
        evq_push(q, buf, 1);
    }
    assert_int_equal(evq_length(q), 4);
    assert_int_equal(evq_dropped(q), 6);
    for (int i = 6; i < 10; i++) {
        snprintf(buf, sizeof buf, "step %d", i);
        expect_pop(q, buf);
    }
    evq_free(q);
}

/* Lines that must be kept push steps out first, then grow the queue. */
static void test_kept_lines_never_dropped(void **state) {
    (void)state;
    EventQueue *q = evq_create(4);
    char buf[32];
    evq_push(q, "step 0", 1);
    evq_push(q, "step 1", 1);
    for (int i = 0; i < 10; i++) {
        snprintf(buf, sizeof buf, "eval %d", i);
        assert_true(evq_push(q, buf, 0) >= 0);
    }
    /* A step arriving when only kept lines are queued is the one dropped. */
    assert_int_equal(evq_push(q, "step 2", 1), -1);
    assert_int_equal(evq_length(q), 10);
    for (int i = 0; i < 10; i++) {
        snprintf(buf, sizeof buf, "eval %d", i);
        expect_pop(q, buf);
    }
    assert_int_equal(evq_dropped(q), 3);
    evq_free(q);
}

typedef struct {
    EventQueue *q;
    int n;
} Producer;

static void *produce(void *arg) {
    Producer *p = arg;
    char buf[32];
    for (int i = 0; i < p->n; i++) {
        int keep = i % 100 == 0;
        snprintf(buf, sizeof buf, "%s %d", keep ? "eval" : "step", i);
        evq_push(p->q, buf, !keep);
    }
    evq_push(p->q, "done", 0);
    evq_close(p->q);
    return NULL;
}

static void test_threads(void **state) {
    (void)state;
    Producer p = {evq_create(16), 20000};
    pthread_t th;
    pthread_create(&th, NULL, produce, &p);
    int next_eval = 0, last_step = -1, got_done = 0;
    while (!evq_finished(p.q)) {
        char *line = evq_pop(p.q, 0.5);
        if (!line) continue;
        int v = -1;
        if (sscanf(line, "eval %d", &v) == 1) {
            assert_int_equal(v, next_eval);
            next_eval += 100;
        } else if (sscanf(line, "step %d", &v) == 1) {
            assert_true(v > last_step); /* order kept even when some are dropped */
            last_step = v;
        } else {
            assert_string_equal(line, "done");
            got_done = 1;
        }
        free(line);
    }
    pthread_join(th, NULL);
    assert_int_equal(next_eval, 20000);
    assert_true(got_done);
    assert_null(evq_pop(p.q, 0.1)); /* closed: returns at once */
    evq_free(p.q);
}

static void test_free_with_lines(void **state) {
    (void)state;
    EventQueue *q = evq_create(2);
    for (int i = 0; i < 5; i++) evq_push(q, "kept", 0);
    evq_free(q); /* no leak under ASan */
}

static void test_commands(void **state) {
    (void)state;
    CmdChannel *c = cmdch_create();
    assert_int_equal(cmdch_take(c, 0), TRAIN_CMD_NONE);
    assert_int_equal(cmdch_take(c, 0.02), TRAIN_CMD_NONE);
    cmdch_send(c, TRAIN_CMD_PAUSE);
    cmdch_send(c, TRAIN_CMD_SAVE);
    cmdch_send(c, TRAIN_CMD_STOP);
    assert_int_equal(cmdch_take(c, 0), TRAIN_CMD_PAUSE);
    assert_int_equal(cmdch_take(c, 1), TRAIN_CMD_SAVE);
    assert_int_equal(cmdch_take(c, 0), TRAIN_CMD_STOP);
    /* A flood of commands never loses the stop. */
    cmdch_send(c, TRAIN_CMD_STOP);
    for (int i = 0; i < 200; i++) cmdch_send(c, i % 2 ? TRAIN_CMD_PAUSE : TRAIN_CMD_RESUME);
    int stops = 0;
    for (TrainCmd k; (k = cmdch_take(c, 0)) != TRAIN_CMD_NONE;) stops += k == TRAIN_CMD_STOP;
    assert_int_equal(stops, 1);
    assert_string_equal(train_cmd_name(TRAIN_CMD_SAVE), "save");
    cmdch_free(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo),        cmocka_unit_test(test_steps_coalesce),
        cmocka_unit_test(test_kept_lines_never_dropped), cmocka_unit_test(test_threads),
        cmocka_unit_test(test_free_with_lines), cmocka_unit_test(test_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
