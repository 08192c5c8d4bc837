/* Widgets drawn into a plain grid and inspected cell by cell: no terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/chart.h"
#include "widgets/grid.h"
#include "widgets/heatmap.h"
#include "widgets/matrix.h"
#include "widgets/progress.h"
#include "widgets/table.h"

static int row_has(const Grid *g, int y, const char *needle) {
    char buf[4096];
    return strstr(grid_row(g, y, buf, sizeof buf), needle) != NULL;
}

static int grid_has(const Grid *g, const char *needle) { return grid_find(g, needle, NULL, NULL); }

static int count_where(const Grid *g, Rect r, int (*pred)(const Cell *)) {
    int k = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            const Cell *c = grid_cell(g, x, y);
            if (c && pred(c)) k++;
        }
    return k;
}

static int is_braille(const Cell *c) { return c->ch > 0x2800 && c->ch <= 0x28FF; }
static int is_non_ascii(const Cell *c) { return c->ch > 127; }
static int is_not_blank(const Cell *c) { return c->ch != ' ' || c->bg != COL_DEFAULT; }

/* SENTUI_TEST_DUMP=1 prints every drawn grid, to see what a failing check saw. */
static void dump_on_failure(const Grid *g) {
    if (getenv("SENTUI_TEST_DUMP")) grid_dump_file(g, stderr);
}

/* ---------- grid ---------- */

/* What an invalid sequence costs on screen: a broken one one byte, a
 * well-formed one with a forbidden value (overlong, surrogate) one '?' for the
 * whole sequence, an unused lead byte (0xf5-0xff) one byte like 0xc0. */
static void test_utf8_decode_invalid(void **state) {
    (void)state;
    uint32_t cp = 0;
    assert_int_equal(utf8_decode("\xc3\xa9", 2, &cp), 2);
    assert_int_equal(cp, 0xe9);
    assert_int_equal(utf8_decode("\xc3(", 2, &cp), 1);
    assert_int_equal(cp, '?');
    assert_int_equal(utf8_decode("\xe0\x80\x80", 3, &cp), 3); /* overlong */
    assert_int_equal(cp, '?');
    assert_int_equal(utf8_decode("\xed\xa0\x80", 3, &cp), 3); /* surrogate */
    assert_int_equal(cp, '?');
    assert_int_equal(utf8_decode("\xf4\x90\x80\x80", 4, &cp), 4); /* beyond U+10FFFF */
    assert_int_equal(cp, '?');
    assert_int_equal(utf8_decode("\xf8\x80\x80", 3, &cp), 1);
    assert_int_equal(cp, '?');
    assert_int_equal(utf8_decode("\xc0\x80", 2, &cp), 1);
    assert_int_equal(cp, '?');
    assert_int_equal(utf8_decode("\xe2\x82", 2, &cp), 1); /* cut short */
    assert_int_equal(cp, '?');
}

static void test_grid_text_clips_and_sanitises(void **st) {
    (void)st;
    Grid g;
    assert_int_equal(grid_init(&g, 10, 3, 1, 1), 0);
    assert_int_equal(grid_text(&g, 0, 0, 5, "abcdefgh", style(COL_TEXT, 0)), 5);
    assert_true(row_has(&g, 0, "abcde"));
    assert_false(row_has(&g, 0, "f"));
    grid_text(&g, 8, 1, 10, "xyz", style(COL_TEXT, 0)); /* runs off the right edge */
    assert_int_equal(grid_cell(&g, 9, 1)->ch, 'y');
    grid_text(&g, 0, 2, 10, "a\x01\xff\xe2\x96\x88z", style(COL_TEXT, 0));
    assert_int_equal(grid_cell(&g, 1, 2)->ch, '?');
    assert_int_equal(grid_cell(&g, 2, 2)->ch, '?');
    assert_int_equal(grid_cell(&g, 3, 2)->ch, 0x2588);
    assert_int_equal(grid_cell(&g, 4, 2)->ch, 'z');
    grid_put(&g, -1, 0, 'x', style(0, 0));
    grid_put(&g, 10, 0, 'x', style(0, 0));
    grid_put(&g, 0, 3, 'x', style(0, 0));
    char *d = grid_dump(&g);
    assert_string_equal(d, "abcde\n        xy\na??\xe2\x96\x88z\n");
    free(d);
    grid_free(&g);

    Grid a;
    grid_init(&a, 6, 1, 0, 0);
    grid_text(&a, 0, 0, 6, "h\xc3\xa9llo", style(COL_TEXT, 0));
    assert_true(row_has(&a, 0, "h?llo"));
    assert_int_equal(utf8_columns("h\xc3\xa9llo"), 5);
    int x = -1, y = -1;
    assert_true(grid_find(&a, "llo", &x, &y));
    assert_int_equal(x, 2);
    assert_int_equal(y, 0);
    grid_free(&a);
}

static void test_grid_box_ascii_and_utf8(void **st) {
    (void)st;
    Grid g;
    grid_init(&g, 12, 4, 1, 1);
    Rect in = grid_box(&g, rect(0, 0, 12, 4), "Loss", style(COL_BORDER, 0));
    assert_int_equal(in.x, 1);
    assert_int_equal(in.w, 10);
    assert_int_equal(in.h, 2);
    assert_int_equal(grid_cell(&g, 0, 0)->ch, 0x250C);
    assert_true(row_has(&g, 0, "Loss"));
    grid_free(&g);
    grid_init(&g, 12, 4, 0, 0);
    grid_box(&g, rect(0, 0, 12, 4), "Loss", style(COL_BORDER, 0));
    assert_int_equal(count_where(&g, rect(0, 0, 12, 4), is_non_ascii), 0);
    assert_int_equal(grid_cell(&g, 0, 0)->ch, '+');
    assert_int_equal(grid_cell(&g, 0, 1)->ch, '|');
    grid_free(&g);
}

/* ---------- formatting ---------- */

static void test_tick_and_number_formats(void **st) {
    (void)st;
    char b[32];
    chart_format_tick(0.25, 0.05, b, sizeof b);
    assert_string_equal(b, "0.25");
    chart_format_tick(0.4, 0.2, b, sizeof b);
    assert_string_equal(b, "0.4");
    chart_format_tick(-1e-17, 0.2, b, sizeof b);
    assert_string_equal(b, "0.0");
    chart_format_tick(300, 100, b, sizeof b);
    assert_string_equal(b, "300");
    chart_format_tick(12000, 2000, b, sizeof b);
    assert_string_equal(b, "12k");
    chart_format_tick(0, 5000, b, sizeof b);
    assert_string_equal(b, "0");
    chart_format_tick(2.5e6, 5e5, b, sizeof b);
    assert_string_equal(b, "2.5M");
    chart_format_tick(1e30, 1e29, b, sizeof b);
    assert_string_equal(b, "1.0e+30");
    chart_format_tick(3e-5, 1e-5, b, sizeof b);
    assert_string_equal(b, "3.0e-05");
    assert_true(chart_nice_step(1.0, 5) == 0.2);
    assert_true(chart_nice_step(1000, 4) == 200 || chart_nice_step(1000, 4) == 250 ||
                chart_nice_step(1000, 4) == 500);
    assert_true(chart_nice_step(0, 4) == 1.0);
    format_si(1234, b, sizeof b);
    assert_string_equal(b, "1.23k");
    format_si(52000, b, sizeof b);
    assert_string_equal(b, "52.0k");
    format_si(1.5e6, b, sizeof b);
    assert_string_equal(b, "1.50M");
    format_si(42, b, sizeof b);
    assert_string_equal(b, "42");
    format_si(NAN, b, sizeof b);
    assert_string_equal(b, "-");
    format_duration(3725, b, sizeof b);
    assert_string_equal(b, "1h02m");
    format_duration(185, b, sizeof b);
    assert_string_equal(b, "3m05s");
    format_duration(9.4, b, sizeof b);
    assert_string_equal(b, "9s");
}

/* ---------- chart ---------- */

static void ramp(float *x, float *y, int n, float y0, float y1) {
    for (int i = 0; i < n; i++) x[i] = (float)i, y[i] = y0 + (y1 - y0) * (float)i / (float)(n - 1);
}

static void test_chart_scaling_and_axis_labels(void **st) {
    (void)st;
    float x[101], y[101];
    ramp(x, y, 101, 0, 1);
    x[100] = 100;
    Grid g;
    grid_init(&g, 50, 14, 1, 1);
    ChartSeries s = {.name = "train", .x = x, .y = y, .n = 101, .color = COL_SERIES0};
    ChartOpts o;
    chart_opts_default(&o);
    o.title = "Loss";
    o.xlabel = "step";
    chart_draw(&g, rect(0, 0, 50, 14), &s, 1, &o);
    dump_on_failure(&g);
    assert_true(row_has(&g, 0, "Loss"));
    assert_true(row_has(&g, 0, "train"));
    /* y range snapped to ticks: 1.0 on the top plot row, 0.0 on the bottom one */
    assert_true(row_has(&g, 1, "1.0"));
    assert_true(row_has(&g, 11, "0.0"));
    /* x labels under the axis, the first at 0 and the last at 100 */
    assert_true(row_has(&g, 13, "0"));
    assert_true(row_has(&g, 13, "100"));
    assert_true(row_has(&g, 13, "step"));
    int px = -1, py = -1;
    assert_true(grid_find(&g, "100", &px, &py));
    assert_true(px >= 44);
    /* an increasing line: dots at the bottom-left and the top-right of the plot */
    int lab = 5; /* margin as wide as "step", then the axis */
    assert_true(is_braille(grid_cell(&g, lab, 11)));
    assert_true(is_braille(grid_cell(&g, 49, 1)));
    assert_false(is_braille(grid_cell(&g, 49, 11)));
    assert_false(is_braille(grid_cell(&g, lab, 1)));
    assert_int_equal(grid_cell(&g, 49, 1)->fg, COL_SERIES0);
    assert_int_equal(grid_cell(&g, 49, 1)->attr & ATTR_BOLD, ATTR_BOLD);
    grid_free(&g);
}

static void test_chart_raw_faint_under_smoothed_bold(void **st) {
    (void)st;
    float x[60], raw[60], sm[60];
    for (int i = 0; i < 60; i++) x[i] = (float)i, raw[i] = (i % 2 ? 1.0f : 0.0f);
    for (int i = 0; i < 60; i++) sm[i] = 0.5f;
    ChartSeries s[2] = {{.x = x, .y = raw, .n = 60, .color = COL_SERIES0, .faint = 1},
                        {.name = "train", .x = x, .y = sm, .n = 60, .color = COL_SERIES0}};
    Grid g;
    grid_init(&g, 40, 12, 1, 1);
    chart_draw(&g, rect(0, 0, 40, 12), s, 2, NULL);
    dump_on_failure(&g);
    int faint = 0, bold = 0;
    for (int yy = 0; yy < 12; yy++)
        for (int xx = 0; xx < 40; xx++) {
            const Cell *c = grid_cell(&g, xx, yy);
            if (!is_braille(c)) continue;
            if (c->attr & ATTR_DIM) faint++;
            if (c->attr & ATTR_BOLD) bold++;
        }
    assert_true(faint > 0);
    assert_true(bold > 0);
    grid_free(&g);
}

static void test_chart_nan_breaks_line(void **st) {
    (void)st;
    float y[9] = {1, 2, 3, NAN, INFINITY, -INFINITY, 3, 2, 1};
    ChartSeries s = {.name = "loss", .y = y, .n = 9, .color = COL_SERIES1};
    Grid g;
    grid_init(&g, 40, 12, 1, 1);
    chart_draw(&g, rect(0, 0, 40, 12), &s, 1, NULL);
    dump_on_failure(&g);
    assert_false(grid_has(&g, "nan"));
    assert_false(grid_has(&g, "inf"));
    assert_false(grid_has(&g, "no data"));
    /* the gap at index 3..5 leaves the middle columns of the plot empty */
    int mid = 0;
    for (int yy = 1; yy < 10; yy++)
        if (is_braille(grid_cell(&g, 22, yy))) mid++;
    assert_int_equal(mid, 0);
    assert_true(count_where(&g, rect(0, 0, 40, 12), is_braille) > 5);
    grid_free(&g);

    float all_nan[3] = {NAN, NAN, NAN};
    ChartSeries n = {.name = "loss", .y = all_nan, .n = 3, .color = COL_SERIES0};
    grid_init(&g, 40, 12, 1, 1);
    chart_draw(&g, rect(0, 0, 40, 12), &n, 1, NULL);
    assert_true(grid_has(&g, "no data yet"));
    grid_free(&g);
}

static void test_chart_empty_and_one_point(void **st) {
    (void)st;
    Grid g;
    grid_init(&g, 40, 12, 1, 1);
    ChartSeries e = {.name = "val", .y = NULL, .n = 0, .color = COL_SERIES0};
    chart_draw(&g, rect(0, 0, 40, 12), &e, 1, NULL);
    chart_draw(&g, rect(0, 0, 40, 12), NULL, 0, NULL);
    dump_on_failure(&g);
    assert_true(grid_has(&g, "no data yet"));
    assert_int_equal(count_where(&g, rect(0, 0, 40, 12), is_braille), 0);
    grid_free(&g);

    float x1 = 5, y1 = 0.75f;
    ChartSeries one = {.name = "val", .x = &x1, .y = &y1, .n = 1, .color = COL_SERIES2, .points = 1};
    grid_init(&g, 40, 12, 1, 1);
    chart_draw(&g, rect(0, 0, 40, 12), &one, 1, NULL);
    dump_on_failure(&g);
    assert_false(grid_has(&g, "no data"));
    assert_true(count_where(&g, rect(0, 0, 40, 12), is_braille) >= 1);
    /* the lone point sits near the middle of the plot, both ways */
    int found = 0;
    for (int yy = 3; yy < 9; yy++)
        for (int xx = 15; xx < 30; xx++)
            if (is_braille(grid_cell(&g, xx, yy))) found = 1;
    assert_true(found);
    assert_true(grid_has(&g, "5"));
    grid_free(&g);
}

static void test_chart_huge_values(void **st) {
    (void)st;
    float y[4] = {1e30f, -1e30f, FLT_MAX, 2e30f};
    ChartSeries s = {.name = "big", .y = y, .n = 4, .color = COL_SERIES0};
    Grid g;
    grid_init(&g, 60, 14, 1, 1);
    chart_draw(&g, rect(0, 0, 60, 14), &s, 1, NULL);
    dump_on_failure(&g);
    assert_true(grid_has(&g, "e+38") || grid_has(&g, "e+37"));
    assert_false(grid_has(&g, "nan"));
    assert_false(grid_has(&g, "inf"));
    assert_true(count_where(&g, rect(0, 0, 60, 14), is_braille) > 0);
    grid_free(&g);

    float t[3] = {52000, 61000, 75000};
    ChartSeries k = {.name = "tok/s", .y = t, .n = 3, .color = COL_SERIES0};
    grid_init(&g, 60, 14, 1, 1);
    chart_draw(&g, rect(0, 0, 60, 14), &k, 1, NULL);
    dump_on_failure(&g);
    assert_true(grid_has(&g, "k"));
    assert_true(grid_has(&g, "80k") || grid_has(&g, "75k") || grid_has(&g, "76k"));
    grid_free(&g);
}

static void test_chart_narrow_widths_stay_inside(void **st) {
    (void)st;
    float y[50];
    for (int i = 0; i < 50; i++) y[i] = sinf((float)i / 5);
    ChartSeries s[2] = {{.name = "a long series name", .y = y, .n = 50, .color = COL_SERIES0},
                        {.name = "b", .y = y, .n = 50, .color = COL_SERIES1, .points = 1}};
    for (int utf = 0; utf < 2; utf++)
        for (int w = 0; w <= 14; w++)
            for (int h = 0; h <= 8; h++) {
                Grid g;
                grid_init(&g, 20, 12, utf, utf);
                ChartOpts o;
                chart_opts_default(&o);
                o.title = "A title longer than the chart";
                o.xlabel = "step";
                o.cursor_x = 25;
                chart_draw(&g, rect(2, 2, w, h), s, 2, &o);
                /* nothing outside the rectangle */
                int outside = count_where(&g, rect(0, 0, 20, 12), is_not_blank) -
                              count_where(&g, rect(2, 2, w, h), is_not_blank);
                if (outside) dump_on_failure(&g);
                assert_int_equal(outside, 0);
                if (w >= 6 && h >= 3) assert_true(count_where(&g, rect(2, 2, w, h), is_not_blank) > 0);
                grid_free(&g);
            }
}

/* Five long names do not fit beside the title: the legend takes rows below
 * it rather than leaving series out, and each curve's tag marks its end. */
static void test_chart_legend_names_every_series(void **st) {
    (void)st;
    static const char *names[5] = {"1 run-alpha-rnn", "2 run-beta-lstm", "3 run-gamma-gru", "4 run-delta-tf",
                                   "5 run-epsilon-bag"};
    static const char *tags[5] = {"1", "2", "3", "4", "5"};
    float x[20], y[5][20];
    ChartSeries s[5];
    for (int k = 0; k < 5; k++) {
        ramp(x, y[k], 20, 0.1f * (float)k, 0.9f - 0.2f * (float)k);
        s[k] = (ChartSeries){.name = names[k], .x = x, .y = y[k], .n = 20, .color = COL_SERIES0 + k, .tag = tags[k]};
    }
    for (int utf = 0; utf < 2; utf++) {
        Grid g;
        grid_init(&g, 60, 16, utf, 0);
        ChartOpts o;
        chart_opts_default(&o);
        o.title = "validation accuracy";
        chart_draw(&g, rect(0, 0, 60, 16), s, 5, &o);
        dump_on_failure(&g);
        for (int k = 0; k < 5; k++) assert_true(grid_has(&g, names[k]));
        assert_true(row_has(&g, 0, "validation accuracy"));
        /* the tags: each digit once in the plot, beside its curve's end (the right edge) */
        for (int k = 0; k < 5; k++) {
            int found = 0;
            for (int row = 3; row < 14; row++) {
                char buf[512];
                const char *line = grid_row(&g, row, buf, sizeof buf);
                /* past the y axis: its tick labels are digits too */
                const char *a = strstr(line, utf ? "\u2502" : "|"), *b = strstr(line, utf ? "\u2524" : "+");
                const char *plot = a && (!b || a < b) ? a : b;
                if (plot && strstr(plot + 1, tags[k])) found++;
            }
            assert_int_equal(found, 1);
        }
        grid_free(&g);
    }
}

static void test_chart_ascii_fallback(void **st) {
    (void)st;
    float x[30], a[30], b[30];
    ramp(x, a, 30, 0, 1);
    ramp(x, b, 30, 1, 0);
    ChartSeries s[2] = {{.name = "train", .x = x, .y = a, .n = 30, .color = COL_SERIES0},
                        {.name = "val", .x = x, .y = b, .n = 30, .color = COL_SERIES1}};
    Grid g;
    grid_init(&g, 40, 12, 0, 0);
    ChartOpts o;
    chart_opts_default(&o);
    o.title = "acc";
    chart_draw(&g, rect(0, 0, 40, 12), s, 2, &o);
    dump_on_failure(&g);
    assert_int_equal(count_where(&g, rect(0, 0, 40, 12), is_non_ascii), 0);
    /* each series keeps its own marker, shown in the legend too */
    assert_true(grid_has(&g, "* train"));
    assert_true(grid_has(&g, "+ val"));
    int stars = 0, plus = 0;
    for (int yy = 1; yy < 10; yy++)
        for (int xx = 5; xx < 40; xx++) {
            uint32_t c = grid_cell(&g, xx, yy)->ch;
            stars += c == '*', plus += c == '+';
        }
    assert_true(stars > 10);
    assert_true(plus > 10);
    assert_true(grid_has(&g, "1.0"));
    /* forcing ASCII on a UTF-8 grid gives the same rung */
    Grid u;
    grid_init(&u, 40, 12, 1, 1);
    o.ascii = 1;
    chart_draw(&u, rect(0, 0, 40, 12), s, 2, &o);
    assert_int_equal(count_where(&u, rect(5, 1, 35, 9), is_braille), 0);
    grid_free(&u);
    grid_free(&g);
}

static void test_chart_cursor_marks_column(void **st) {
    (void)st;
    float x[11], y[11];
    ramp(x, y, 11, 0, 1);
    ChartSeries s = {.name = "v", .x = x, .y = y, .n = 11, .color = COL_SERIES0};
    Grid g;
    grid_init(&g, 40, 12, 1, 1);
    ChartOpts o;
    chart_opts_default(&o);
    o.cursor_x = 5;
    chart_draw(&g, rect(0, 0, 40, 12), &s, 1, &o);
    dump_on_failure(&g);
    int marks = 0;
    for (int yy = 0; yy < 12; yy++)
        for (int xx = 0; xx < 40; xx++)
            if (grid_cell(&g, xx, yy)->ch == 0x250A) marks++;
    assert_true(marks >= 5);
    grid_free(&g);
}

/* ---------- heatmaps ---------- */

static void test_heat_levels_and_glyphs(void **st) {
    (void)st;
    Grid u, a;
    grid_init(&u, 1, 1, 1, 0);
    grid_init(&a, 1, 1, 0, 0);
    assert_int_equal(heat_level(0), 0);
    assert_int_equal(heat_level(NAN), 0);
    assert_int_equal(heat_level(-3), 0);
    assert_int_equal(heat_level(1), HEAT_LEVELS - 1);
    assert_int_equal(heat_level(7), HEAT_LEVELS - 1);
    assert_true(heat_level(0.3) < heat_level(0.8));
    assert_int_equal(heat_glyph(&u, 1.0), 0x2588);
    assert_int_equal(heat_glyph(&u, 0.0), ' ');
    assert_int_equal(heat_glyph(&u, 0.5), 0x2592);
    assert_int_equal(heat_glyph(&a, 1.0), '@');
    assert_int_equal(heat_glyph(&a, 0.0), ' ');
    assert_int_equal(heat_glyph(&a, 0.5), '+');
    grid_free(&u);
    grid_free(&a);
}

static void test_heatmap_tokens_colour_and_shades(void **st) {
    (void)st;
    char *tok[5] = {"this", "movie", "was", "great", "fun"};
    float w[5] = {0.0f, 0.1f, 0.05f, 0.8f, 0.4f};
    Grid g;
    grid_init(&g, 30, 4, 1, 1);
    assert_int_equal(heatmap_tokens(&g, rect(0, 0, 30, 4), tok, w, 5), 5);
    dump_on_failure(&g);
    assert_true(row_has(&g, 0, "this movie was great fun"));
    int x = 0, y = 0;
    assert_true(grid_find(&g, "great", &x, &y));
    assert_int_equal(grid_cell(&g, x, y)->bg, COL_HEAT0 + HEAT_LEVELS - 1);
    assert_true(grid_find(&g, "this", &x, &y));
    assert_int_equal(grid_cell(&g, x, y)->bg, COL_HEAT0);
    assert_true(grid_find(&g, "fun", &x, &y));
    assert_int_equal(grid_cell(&g, x, y)->bg, COL_HEAT0 + heat_level(0.5));
    grid_free(&g);

    /* no colour: a shade row under each text row, full block under the top token */
    grid_init(&g, 30, 4, 1, 0);
    heatmap_tokens(&g, rect(0, 0, 30, 4), tok, w, 5);
    dump_on_failure(&g);
    assert_true(grid_find(&g, "great", &x, &y));
    assert_int_equal(grid_cell(&g, x, y + 1)->ch, 0x2588);
    assert_int_equal(grid_cell(&g, 0, 1)->ch, ' ');
    grid_free(&g);

    grid_init(&g, 30, 4, 0, 0);
    heatmap_tokens(&g, rect(0, 0, 30, 4), tok, w, 5);
    assert_true(grid_find(&g, "great", &x, &y));
    assert_int_equal(grid_cell(&g, x, y + 1)->ch, '@');
    assert_int_equal(count_where(&g, rect(0, 0, 30, 4), is_non_ascii), 0);
    grid_free(&g);

    /* wrapping: a narrow panel puts later tokens on later rows and reports what fitted */
    grid_init(&g, 12, 2, 1, 1);
    assert_int_equal(heatmap_tokens(&g, rect(0, 0, 12, 2), tok, w, 5), 4);
    assert_true(row_has(&g, 0, "this movie"));
    assert_true(row_has(&g, 1, "was great"));
    grid_free(&g);
}

static void identity(float *m, int n) {
    for (int i = 0; i < n * n; i++) m[i] = (i / n == i % n) ? 1.0f : 0.0f;
}

static void test_heatmap_matrix_half_block_and_shades(void **st) {
    (void)st;
    float m[16];
    identity(m, 4);
    Grid g;
    grid_init(&g, 10, 4, 1, 1);
    heatmap_matrix(&g, rect(0, 0, 4, 2), m, 4, 4, NULL);
    /* 4 rows in 2 text rows: upper half = row 0, lower half = row 1 */
    const Cell *c = grid_cell(&g, 0, 0);
    assert_int_equal(c->ch, 0x2580);
    assert_int_equal(c->fg, COL_HEAT0 + HEAT_LEVELS - 1);
    assert_int_equal(c->bg, COL_HEAT0);
    c = grid_cell(&g, 1, 0);
    assert_int_equal(c->fg, COL_HEAT0);
    assert_int_equal(c->bg, COL_HEAT0 + HEAT_LEVELS - 1);
    assert_int_equal(grid_cell(&g, 0, 2)->ch, ' '); /* only two text rows used */
    grid_free(&g);

    grid_init(&g, 10, 4, 1, 0);
    heatmap_matrix(&g, rect(0, 0, 4, 4), m, 4, 4, NULL);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) assert_int_equal(grid_cell(&g, j, i)->ch, i == j ? 0x2588 : ' ');
    grid_free(&g);

    grid_init(&g, 10, 4, 0, 0);
    heatmap_matrix(&g, rect(0, 0, 10, 4), m, 4, 4, NULL);
    assert_int_equal(grid_cell(&g, 2, 2)->ch, '@');
    assert_int_equal(grid_cell(&g, 3, 2)->ch, ' ');
    grid_free(&g);

    /* a small map is magnified: 2x2 into 8x4 cells gives 2x2 blocks */
    float m2[4];
    identity(m2, 2);
    grid_init(&g, 8, 4, 1, 0);
    heatmap_matrix(&g, rect(0, 0, 8, 4), m2, 2, 2, NULL);
    dump_on_failure(&g);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 4; x++) assert_int_equal(grid_cell(&g, x, y)->ch, (x / 2 == y / 2) ? 0x2588 : ' ');
    assert_int_equal(grid_cell(&g, 4, 0)->ch, ' ');
    grid_free(&g);

    /* a 100x100 map averaged into 10x10 cells keeps its diagonal */
    float *big = malloc(100 * 100 * sizeof *big);
    identity(big, 100);
    grid_init(&g, 10, 10, 1, 0);
    heatmap_matrix(&g, rect(0, 0, 10, 10), big, 100, 100, NULL);
    dump_on_failure(&g);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(grid_cell(&g, i, i)->ch, 0x2588);
        assert_int_equal(grid_cell(&g, (i + 5) % 10, i)->ch, ' ');
    }
    free(big);
    grid_free(&g);

    /* labels on the left */
    char *lab[3] = {"good", "bad", "film"};
    float m3[9];
    identity(m3, 3);
    grid_init(&g, 20, 3, 0, 0);
    heatmap_matrix(&g, rect(0, 0, 20, 3), m3, 3, 3, lab);
    assert_true(row_has(&g, 0, "good"));
    assert_true(row_has(&g, 2, "film"));
    assert_int_equal(grid_cell(&g, 8, 0)->ch, '@');
    grid_free(&g);
}

/* ---------- confusion matrix ---------- */

static void test_confusion_matrix(void **st) {
    (void)st;
    long c[4] = {40, 10, 5, 45};
    const char *labels[2] = {"neg", "pos"};
    Grid g;
    grid_init(&g, 40, 6, 1, 1);
    matrix_draw(&g, rect(0, 0, 40, 6), c, 2, labels);
    dump_on_failure(&g);
    assert_true(row_has(&g, 0, "pred neg"));
    assert_true(row_has(&g, 0, "pred pos"));
    assert_true(grid_has(&g, "true neg"));
    assert_true(grid_has(&g, "true pos"));
    assert_true(grid_has(&g, "80.0%"));
    assert_true(grid_has(&g, "20.0%"));
    assert_true(grid_has(&g, "90.0%"));
    int x, y;
    assert_true(grid_find(&g, "45", &x, &y));
    assert_int_equal(grid_cell(&g, x, y)->bg, COL_HEAT0 + heat_level(0.9));
    assert_true(grid_find(&g, " 5 ", &x, &y));
    assert_int_equal(grid_cell(&g, x + 1, y)->bg, COL_HEAT0 + heat_level(0.1));
    grid_free(&g);

    grid_init(&g, 40, 6, 0, 0);
    matrix_draw(&g, rect(0, 0, 40, 6), c, 2, labels);
    assert_int_equal(count_where(&g, rect(0, 0, 40, 6), is_non_ascii), 0);
    assert_true(grid_has(&g, "90.0%"));
    grid_free(&g);

    /* an empty matrix (before the first evaluation) shows zeros, not NaN */
    long z[4] = {0, 0, 0, 0};
    grid_init(&g, 40, 3, 1, 1);
    matrix_draw(&g, rect(0, 0, 40, 3), z, 2, labels);
    assert_false(grid_has(&g, "nan"));
    assert_true(grid_has(&g, "0%"));
    grid_free(&g);
}

/* ---------- table ---------- */

static const TableCol cols[3] = {{"run", 10, 0}, {"acc", 8, 1}, {"status", 0, 0}};

static void test_table_sort_select_scroll(void **st) {
    (void)st;
    Table t;
    table_init(&t, cols, 3);
    table_sort(&t, 1, 1); /* an empty table sorts and selects nothing */
    assert_int_equal(table_selected(&t), -1);
    const char *names[5] = {"a", "b", "c", "d", "e"};
    double acc[5] = {0.5, 0.9, NAN, 0.7, 0.6};
    for (int i = 0; i < 5; i++) {
        int r = table_add_row(&t);
        assert_int_equal(r, i);
        char b[16];
        snprintf(b, sizeof b, "%.2f", acc[i]);
        table_set(&t, r, 0, names[i], NAN);
        table_set(&t, r, 1, isnan(acc[i]) ? "-" : b, acc[i]);
        table_set(&t, r, 2, i == 3 ? "running" : "finished", NAN);
    }
    table_move(&t, 3); /* select "d" */
    assert_int_equal(table_selected(&t), 3);
    table_sort(&t, 1, 1);
    assert_int_equal(t.order[0], 1);
    assert_int_equal(t.order[1], 3);
    assert_int_equal(t.order[2], 4);
    assert_int_equal(t.order[3], 0);
    assert_int_equal(t.order[4], 2); /* missing value last */
    assert_int_equal(table_selected(&t), 3); /* selection follows its row */
    table_sort(&t, 1, 0);
    assert_int_equal(t.order[0], 0);
    assert_int_equal(t.order[4], 2); /* still last ascending */
    table_sort(&t, 0, 1);
    assert_int_equal(t.order[0], 4);

    Grid g;
    grid_init(&g, 30, 3, 1, 1);
    table_select_row(&t, 0); /* "a", last when sorted by name descending */
    table_draw(&g, rect(0, 0, 30, 3), &t, 1);
    dump_on_failure(&g);
    assert_true(row_has(&g, 0, "run\u25BC"));
    assert_true(row_has(&g, 2, "a"));  /* scrolled so the selection shows */
    assert_true(row_has(&g, 0, "5/5"));
    assert_int_equal(grid_cell(&g, 0, 2)->attr & ATTR_REVERSE, ATTR_REVERSE);
    /* right-aligned numbers end at the column edge */
    assert_int_equal(grid_cell(&g, 16, 2)->ch, '0');
    table_move(&t, -100);
    assert_int_equal(t.sel, 0);
    table_move(&t, 100);
    assert_int_equal(t.sel, 4);
    table_free(&t);
    grid_free(&g);
}

/* ---------- progress ---------- */

static void test_progress(void **st) {
    (void)st;
    Grid g;
    grid_init(&g, 30, 1, 1, 1);
    progress_draw(&g, rect(0, 0, 30, 1), 0.5, NULL);
    dump_on_failure(&g);
    assert_true(row_has(&g, 0, "50%"));
    /* 30 - " 50%"(4) - 1 gap = 25 bar cells, 23 inside: 11.5 full */
    for (int i = 1; i <= 11; i++) assert_int_equal(grid_cell(&g, i, 0)->ch, 0x2588);
    assert_int_equal(grid_cell(&g, 12, 0)->ch, 0x258C);
    assert_int_equal(grid_cell(&g, 13, 0)->ch, ' ');
    grid_clear(&g);
    progress_draw(&g, rect(0, 0, 30, 1), 0.5 / 18.0, "epoch 1/5"); /* half a cell of 18 */
    assert_int_equal(grid_cell(&g, 1, 0)->ch, 0x258C);
    assert_true(row_has(&g, 0, "epoch 1/5"));
    grid_clear(&g);
    progress_draw(&g, rect(0, 0, 30, 1), NAN, NULL);
    assert_true(row_has(&g, 0, "0%"));
    grid_free(&g);
    grid_init(&g, 12, 1, 0, 0);
    progress_draw(&g, rect(0, 0, 12, 1), 2.0, NULL);
    assert_int_equal(count_where(&g, rect(0, 0, 12, 1), is_non_ascii), 0);
    assert_true(row_has(&g, 0, "[#####] 100%"));
    grid_free(&g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_decode_invalid),
        cmocka_unit_test(test_grid_text_clips_and_sanitises),
        cmocka_unit_test(test_grid_box_ascii_and_utf8),
        cmocka_unit_test(test_tick_and_number_formats),
        cmocka_unit_test(test_chart_scaling_and_axis_labels),
        cmocka_unit_test(test_chart_raw_faint_under_smoothed_bold),
        cmocka_unit_test(test_chart_nan_breaks_line),
        cmocka_unit_test(test_chart_empty_and_one_point),
        cmocka_unit_test(test_chart_huge_values),
        cmocka_unit_test(test_chart_narrow_widths_stay_inside),
        cmocka_unit_test(test_chart_legend_names_every_series),
        cmocka_unit_test(test_chart_ascii_fallback),
        cmocka_unit_test(test_chart_cursor_marks_column),
        cmocka_unit_test(test_heat_levels_and_glyphs),
        cmocka_unit_test(test_heatmap_tokens_colour_and_shades),
        cmocka_unit_test(test_heatmap_matrix_half_block_and_shades),
        cmocka_unit_test(test_confusion_matrix),
        cmocka_unit_test(test_table_sort_select_scroll),
        cmocka_unit_test(test_progress),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
