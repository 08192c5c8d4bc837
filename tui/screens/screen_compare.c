/* Compare: the runs' curves overlaid in one chart, the side-by-side table
 * and the config keys that differ. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screens/app.h"
#include "widgets/chart.h"
#include "screens/compare.h"
#include "widgets/table.h"

struct Compare {
    CompareRun *runs;
    int n;
    int metric;
    int limited; /* some run scored part of its splits (eval.limit): the table's title says what "*" means */
    Table table;
};

enum { CC_RUN, CC_ARCH, CC_PARAMS, CC_VACC, CC_TACC, CC_WF1, CC_MF1, CC_TIME, CC_TOK, CC_NCOLS };
static const TableCol cmp_cols[CC_NCOLS] = {
    {"run", 30, 0},       {"arch", 12, 0},    {"params", 8, 1}, {"best val acc", 13, 1}, {"test acc", 9, 1},
    {"weighted F1", 12, 1}, {"macro F1", 9, 1}, {"time", 8, 1},   {"tok/s", 0, 1},
};

static void compare_free(App *a) {
    struct Compare *c = a->cmp;
    if (!c) return;
    for (int i = 0; i < c->n; i++) compare_run_free(&c->runs[i]);
    free(c->runs);
    table_free(&c->table);
    free(c);
    a->cmp = NULL;
}

static void cell(Table *t, int r, int col, double v, const char *fmt) {
    char b[64];
    if (isfinite(v)) snprintf(b, sizeof b, fmt, v);
    else snprintf(b, sizeof b, "-");
    table_set(t, r, col, b, v);
}

int compare_open(App *a, char **dirs, int n) {
    compare_free(a);
    struct Compare *c = calloc(1, sizeof *c);
    if (!c) return -1;
    c->runs = calloc((size_t)n + 1, sizeof *c->runs);
    if (!c->runs) {
        free(c);
        return -1;
    }
    char err[512];
    for (int i = 0; i < n; i++) {
        if (compare_load(&c->runs[c->n], dirs[i], err, sizeof err)) {
            compare_run_free(&c->runs[c->n]);
            app_message(a, 1, "%s", err);
            continue;
        }
        c->n++;
    }
    table_init(&c->table, cmp_cols, CC_NCOLS);
    c->limited = compare_any_limited(c->runs, c->n);
    for (int i = 0; i < c->n; i++) {
        CompareRow row;
        compare_row(&c->runs[i], &row);
        int r = table_add_row(&c->table);
        table_set(&c->table, r, CC_RUN, row.name, NAN);
        table_set(&c->table, r, CC_ARCH, row.arch, NAN);
        char b[32];
        format_si((double)row.params, b, sizeof b);
        table_set(&c->table, r, CC_PARAMS, b, (double)row.params);
        const char *score = compare_score_format(&row);
        cell(&c->table, r, CC_VACC, row.val_acc, score);
        cell(&c->table, r, CC_TACC, row.test_acc, score);
        cell(&c->table, r, CC_WF1, row.test_f1_weighted, score);
        cell(&c->table, r, CC_MF1, row.test_f1_macro, score);
        format_duration(row.seconds, b, sizeof b);
        table_set(&c->table, r, CC_TIME, b, row.seconds);
        format_si(row.tokens_per_s, b, sizeof b);
        table_set(&c->table, r, CC_TOK, b, row.tokens_per_s);
        table_set_color(&c->table, r, COL_SERIES0 + i % SERIES_COLORS);
    }
    a->cmp = c;
    app_push(a, SCR_COMPARE);
    return 0;
}

static void compare_draw(App *a, Grid *g, Rect body) {
    struct Compare *c = a->cmp;
    if (!c) return;
    Rect chart_r, rest, table_r, diff_r;
    rect_split_rows(body, body.h * 11 / 20, 0, &chart_r, &rest);
    rect_split_rows(rest, c->n + 3 < rest.h - 3 ? c->n + 3 : rest.h - 3, 0, &table_r, &diff_r);
    char title[96];
    snprintf(title, sizeof title, "%d runs: %s (m: next metric)", c->n, compare_metric_name(c->metric));
    Rect in = grid_box(g, chart_r, title, style(COL_BORDER, 0));
    compare_chart(g, in, c->runs, c->n, c->metric);
    Rect tin = grid_box(g, table_r,
                        c->limited ? "Side by side (o sort; * eval.limit: first reviews of the splits only)"
                                                           : "Side by side (o sort)",
                        style(COL_BORDER, 0));
    table_draw(g, tin, &c->table, 1);
    Rect din = grid_box(g, diff_r, "Config", style(COL_BORDER, 0));
    compare_draw_diff(g, din, c->runs, c->n);
}

static int compare_action(App *a, int act) {
    struct Compare *c = a->cmp;
    if (!c) return -1;
    switch (act) {
    case ACT_METRIC: c->metric = (c->metric + 1) % CMP_METRICS; return F_REDRAW;
    case ACT_UP: table_move(&c->table, -1); return F_REDRAW;
    case ACT_DOWN: table_move(&c->table, 1); return F_REDRAW;
    case ACT_SORT:
        table_sort(&c->table, (c->table.sort_col + 1) % CC_NCOLS, c->table.sort_col + 1 >= CC_PARAMS);
        return F_REDRAW;
    case ACT_SORT_REV:
        table_sort(&c->table, c->table.sort_col < 0 ? 0 : c->table.sort_col, !c->table.sort_desc);
        return F_REDRAW;
    case ACT_REPORT: {
        const char **dirs = calloc((size_t)c->n + 1, sizeof *dirs);
        for (int i = 0; dirs && i < c->n; i++) dirs[i] = c->runs[i].dir;
        app_write_report(a, dirs, dirs ? c->n : 0);
        free(dirs);
        return F_REDRAW;
    }
    default: return -1;
    }
}

const ScreenOps screen_compare = {"Compare", compare_draw, compare_action, NULL, NULL, compare_free};
