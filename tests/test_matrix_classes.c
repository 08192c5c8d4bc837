/* The confusion matrix of more than two classes: legible at 5 classes in the
 * dashboard's panel of an 80-column terminal (names, counts), usable at 20 in
 * a 120-column one (numbers, shades and a legend). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/grid.h"
#include "widgets/heatmap.h"
#include "widgets/matrix.h"

static int row_has(const Grid *g, int y, const char *needle) {
    char buf[4096];
    return strstr(grid_row(g, y, buf, sizeof buf), needle) != NULL;
}

static void dump(const Grid *g) {
    if (getenv("SENTUI_TEST_DUMP")) grid_dump_file(g, stderr);
}

static void test_five_classes_in_80_columns(void **st) {
    (void)st;
    const char *labels[5] = {"food", "music", "politics", "science", "sports"};
    long c[25] = {0};
    for (int i = 0; i < 5; i++) c[i * 5 + i] = 100 + i;
    c[0 * 5 + 4] = 7;
    /* the panel's inside at 80x24: 34 columns */
    assert_int_equal(matrix_rows(5, 34, labels), 6);
    Grid g;
    grid_init(&g, 34, 6, 1, 1);
    matrix_draw(&g, rect(0, 0, 34, 6), c, 5, labels);
    dump(&g);
    assert_true(row_has(&g, 0, "1") && row_has(&g, 0, "5"));
    assert_true(row_has(&g, 1, "1 food"));
    assert_true(row_has(&g, 3, "3 politic")); /* abbreviated or whole, never gone */
    assert_true(row_has(&g, 5, "5 sports"));
    assert_true(row_has(&g, 1, "100") && row_has(&g, 1, "7"));
    assert_true(row_has(&g, 5, "104"));
    int x, y;
    assert_true(grid_find(&g, "104", &x, &y));
    assert_int_equal(grid_cell(&g, x, y)->bg, COL_HEAT0 + heat_level(1.0));
    grid_free(&g);
}

static void test_twenty_classes_in_120_columns(void **st) {
    (void)st;
    const char *labels[20];
    char names[20][24];
    for (int i = 0; i < 20; i++) snprintf(names[i], sizeof names[i], "class-%02d", i), labels[i] = names[i];
    long c[400] = {0};
    for (int i = 0; i < 20; i++) c[i * 20 + i] = 50;
    int rows = matrix_rows(20, 52, labels);
    assert_true(rows > 21 && rows <= 30); /* a row each, the header, a legend */
    Grid g;
    grid_init(&g, 52, rows, 1, 0);
    matrix_draw(&g, rect(0, 0, 52, rows), c, 20, labels);
    dump(&g);
    assert_true(row_has(&g, 0, "8 9 0 1 2")); /* column numbers as on a ruler */
    assert_true(row_has(&g, 20, "20"));
    assert_true(grid_find(&g, "1 class-00", NULL, NULL));
    assert_true(grid_find(&g, "20 class-19", NULL, NULL));
    assert_false(grid_find(&g, "too", NULL, NULL));
    grid_free(&g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_classes_in_80_columns),
        cmocka_unit_test(test_twenty_classes_in_120_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
