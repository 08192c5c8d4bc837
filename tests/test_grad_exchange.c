/* The row-sparse gradient exchange of data-parallel training, checked in one
 * process: two ranks' gradients, each packed over the union of their touched
 * rows, summed packed and unpacked, must equal their dense sum exactly, as
 * one all-reduce over the whole block would give it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/params.h"
#include "run/grad_exchange.h"

enum { ROWS = 300, COLS = 8 };

static void build(Params *p) {
    memset(p, 0, sizeof *p);
    int emb[2] = {ROWS, COLS}, w[2] = {4, 4}, b[1] = {5};
    params_add(p, "embedding.weight", 2, emb, 0);
    params_add(p, "fc.weight", 2, w, 0);
    params_add(p, "fc.bias", 1, b, 1);
    assert_int_equal(params_alloc(p), 0);
}

/* Dense tensors filled; the embedding touched only on rows r with r % every == phase. */
static void fill(Params *p, int every, int phase, float scale) {
    for (size_t i = 0; i < p->total; i++) p->grad[i] = scale * (float)((i * 7919) % 97 + 1);
    const ParamView *v = params_find(p, "embedding.weight");
    for (int r = 0; r < ROWS; r++)
        if (r % every != phase) memset(p->grad + v->offset + (size_t)r * COLS, 0, COLS * sizeof(float));
}

static void test_which_tensors_go_sparse(void **state) {
    (void)state;
    Params p;
    build(&p);
    assert_true(grad_row_sparse(params_find(&p, "embedding.weight")));
    assert_false(grad_row_sparse(params_find(&p, "fc.weight")));
    assert_false(grad_row_sparse(params_find(&p, "fc.bias")));
    assert_int_equal(grad_mark_rows(&p, NULL), ROWS);
    params_free(&p);
}

static void test_marks_exactly_the_touched_rows(void **state) {
    (void)state;
    Params p;
    build(&p);
    fill(&p, 3, 1, 1.0f);
    float *g = params_grad(&p, "embedding.weight");
    g[6 * COLS + 5] = NAN; /* row 6 untouched but not finite: the others must see it */
    unsigned char rows[ROWS];
    grad_mark_rows(&p, rows);
    for (int r = 0; r < ROWS; r++) assert_int_equal(rows[r], r % 3 == 1 || r == 6);
    params_free(&p);
}

static void test_union_sum_equals_dense_sum(void **state) {
    (void)state;
    Params a, b;
    build(&a);
    build(&b);
    fill(&a, 4, 0, 1.0f);  /* rows 0, 4, 8, ... */
    fill(&b, 6, 0, -0.5f); /* rows 0, 6, 12, ...: overlapping in 0, 12, 24, ... */
    float *dense = malloc(a.total * sizeof *dense);
    for (size_t i = 0; i < a.total; i++) dense[i] = a.grad[i] + b.grad[i];

    unsigned char ra[ROWS], rb[ROWS];
    grad_mark_rows(&a, ra);
    grad_mark_rows(&b, rb);
    for (int r = 0; r < ROWS; r++) ra[r] |= rb[r], rb[r] = ra[r]; /* the OR all-reduce */
    float *pa = malloc(a.total * sizeof *pa), *pb = malloc(b.total * sizeof *pb);
    size_t na = grad_pack(&a, ra, pa), nb = grad_pack(&b, rb, pb);
    assert_int_equal(na, nb);
    size_t union_rows = 0;
    for (int r = 0; r < ROWS; r++) union_rows += ra[r];
    assert_int_equal(union_rows, ROWS / 4 + ROWS / 6 - ROWS / 12);
    assert_int_equal(na, a.total - (size_t)(ROWS - union_rows) * COLS);
    for (size_t i = 0; i < na; i++) pa[i] += pb[i]; /* the sum all-reduce */
    grad_unpack(&a, ra, pa);
    assert_memory_equal(a.grad, dense, a.total * sizeof *dense);

    free(pa), free(pb), free(dense);
    params_free(&a), params_free(&b);
}

static void test_one_process_leaves_the_gradient(void **state) {
    (void)state;
    Params p;
    build(&p);
    fill(&p, 2, 0, 1.0f);
    float *before = malloc(p.total * sizeof *before);
    memcpy(before, p.grad, p.total * sizeof *before);
    GradExchange *x = NULL;
    assert_int_equal(grad_exchange_sum(&x, &p), 0);
    assert_memory_equal(p.grad, before, p.total * sizeof *before);
    grad_exchange_free(x);
    free(before);
    params_free(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_which_tensors_go_sparse),
        cmocka_unit_test(test_marks_exactly_the_touched_rows),
        cmocka_unit_test(test_union_sum_equals_dense_sum),
        cmocka_unit_test(test_one_process_leaves_the_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
