/* Sweeps: one sweep of the runs folder at a time (Tab: the next), its trials
 * ranked by the sweep's metric with their swept values; Enter opens a trial
 * in the dashboard, c overlays every trial's curves in Compare. The table
 * refreshes while the sweep runs. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/sweep_state.h"
#include "screens/app.h"
#include "widgets/table.h"

enum { FIXED_COLS = 6, MAX_COLS = SWEEP_MAX_AXES + FIXED_COLS };

struct SweepScreen {
    char **dirs;
    int n_dirs, cur;
    Sweep sw;
    int loaded;
    SweepRow *rows;
    Table table;
    TableCol cols[MAX_COLS];
    char titles[MAX_COLS][48];
    double next_refresh;
};

static void free_sweep(struct SweepScreen *s) {
    if (s->loaded) sweep_free(&s->sw);
    s->loaded = 0;
    free(s->rows);
    s->rows = NULL;
    table_free(&s->table);
}

static void sweep_screen_free(App *a) {
    struct SweepScreen *s = a->sweep;
    if (!s) return;
    free_sweep(s);
    for (int i = 0; i < s->n_dirs; i++) free(s->dirs[i]);
    free(s->dirs);
    free(s);
    a->sweep = NULL;
}

static void set_columns(struct SweepScreen *s) {
    const Sweep *sw = &s->sw;
    char metric[32];
    config_enum_name(METRIC_VALUES, sw->metric, metric, sizeof metric);
    int c = 0;
    s->cols[c++] = (TableCol){"#", 3, 1};
    s->cols[c++] = (TableCol){"trial", 6, 0};
    for (int k = 0; k < sw->plan.n_keys && k < SWEEP_MAX_AXES; k++) {
        snprintf(s->titles[c], sizeof s->titles[c], "%s", sw->plan.keys[k]);
        int w = (int)strlen(s->titles[c]) + 1;
        s->cols[c] = (TableCol){s->titles[c], w < 10 ? 10 : w, 0};
        c++;
    }
    snprintf(s->titles[c], sizeof s->titles[c], "val %s", metric);
    s->cols[c] = (TableCol){s->titles[c], (int)strlen(s->titles[c]) + 2, 1}, c++;
    snprintf(s->titles[c], sizeof s->titles[c], "test %s", metric);
    s->cols[c] = (TableCol){s->titles[c], (int)strlen(s->titles[c]) + 2, 1}, c++;
    s->cols[c++] = (TableCol){"status", 12, 0};
    s->cols[c++] = (TableCol){"run", 0, 0};
    table_init(&s->table, s->cols, c);
}

static void score_cell(Table *t, int r, int col, int have, double v) {
    char b[32];
    snprintf(b, sizeof b, have ? "%.4f" : "-", v);
    table_set(t, r, col, b, have ? v : NAN);
}

/* (Re)reads the current sweep's state and its trials' summaries, keeping the selection. */
static int load_current(App *a, struct SweepScreen *s) {
    int keep = s->loaded && s->rows ? table_selected(&s->table) : -1;
    int keep_trial = keep >= 0 ? s->rows[keep].trial : -1;
    free_sweep(s);
    char err[2 * RUN_PATH_MAX];
    if (sweep_load(&s->sw, s->dirs[s->cur], err, sizeof err) != 0) {
        app_message(a, 1, "%s", err);
        return -1;
    }
    s->loaded = 1;
    s->rows = calloc((size_t)s->sw.plan.n_trials + 1, sizeof *s->rows);
    if (!s->rows) return -1;
    sweep_rank(&s->sw, s->rows);
    set_columns(s);
    for (int i = 0; i < s->sw.plan.n_trials; i++) {
        const SweepRow *row = &s->rows[i];
        int r = table_add_row(&s->table), c = 0;
        char b[64];
        snprintf(b, sizeof b, "%d", i + 1);
        table_set(&s->table, r, c++, b, i + 1);
        snprintf(b, sizeof b, "t%d", row->trial + 1);
        table_set(&s->table, r, c++, b, row->trial + 1);
        for (int k = 0; k < s->sw.plan.n_keys && k < SWEEP_MAX_AXES; k++) {
            const char *v = sweep_plan_value(&s->sw.plan, row->trial, k);
            table_set(&s->table, r, c++, v, NAN);
        }
        score_cell(&s->table, r, c++, row->have_val, row->val);
        score_cell(&s->table, r, c++, row->have_test, row->test);
        table_set(&s->table, r, c++, row->interrupted ? "interrupted" : sweep_status_text(row->status), NAN);
        table_set(&s->table, r, c++, row->run[0] ? row->run : "-", NAN);
        int color = row->status == TRIAL_FAILED    ? COL_BAD
                    : row->status == TRIAL_RUNNING && !row->interrupted ? COL_GOOD
                    : i == 0 && row->have_val      ? COL_ACCENT
                                                   : 0;
        table_set_color(&s->table, r, color);
        if (row->trial == keep_trial) table_select_row(&s->table, r);
    }
    s->next_refresh = a->now + 2;
    return 0;
}

int sweep_screen_open(App *a) {
    sweep_screen_free(a);
    struct SweepScreen *s = calloc(1, sizeof *s);
    if (!s) return -1;
    s->n_dirs = sweep_list(a->runs_dir, &s->dirs);
    if (s->n_dirs == 0) {
        free(s);
        app_message(a, 1, "no sweeps in %s yet (sentui sweep CONFIG --grid KEY=V1,V2 starts one)", a->runs_dir);
        return -1;
    }
    s->cur = s->n_dirs - 1;
    a->sweep = s;
    if (load_current(a, s) != 0) {
        sweep_screen_free(a);
        return -1;
    }
    app_push(a, SCR_SWEEP);
    return 0;
}

static void sweep_draw(App *a, Grid *g, Rect body) {
    struct SweepScreen *s = a->sweep;
    if (!s || !s->loaded) return;
    const Sweep *sw = &s->sw;
    int count[4] = {0};
    for (int t = 0; t < sw->plan.n_trials; t++) count[sw->trials[t].status]++;
    Rect head, rest;
    rect_split_rows(body, 4, 0, &head, &rest);
    char title[256], metric[32];
    snprintf(title, sizeof title, "Sweep %s (%d of %d; Tab: next)", sw->name, s->cur + 1, s->n_dirs);
    Rect in = grid_box(g, head, title, style(COL_BORDER, 0));
    config_enum_name(METRIC_VALUES, sw->metric, metric, sizeof metric);
    grid_textf(g, in.x, in.y, in.w, style(0, 0), "%d trials: %d done, %d running, %d pending, %d failed; ranked by val %s",
               sw->plan.n_trials, count[TRIAL_DONE], count[TRIAL_RUNNING], count[TRIAL_PENDING], count[TRIAL_FAILED],
               metric);
    grid_text(g, in.x, in.y + 1, in.w, sw->command, style(COL_DIM, 0));
    Rect tin = grid_box(g, rest, "Trials, best first (Enter: open, c: curves)", style(COL_ACCENT, 0));
    table_draw(g, tin, &s->table, 1);
}

/* Every trial with a run folder, best first, overlaid in Compare. */
static void open_curves(App *a, struct SweepScreen *s) {
    char **dirs = calloc((size_t)s->sw.plan.n_trials + 1, sizeof *dirs);
    int n = 0;
    for (int i = 0; dirs && i < s->sw.plan.n_trials; i++) {
        char dir[RUN_PATH_MAX];
        sweep_trial_dir(&s->sw, s->rows[i].trial, dir, sizeof dir);
        if (dir[0] && (dirs[n] = strdup(dir))) n++;
    }
    if (n == 0) app_message(a, 1, "no trial of this sweep has a run folder yet");
    else compare_open(a, dirs, n);
    for (int i = 0; i < n; i++) free(dirs[i]);
    free(dirs);
}

static int sweep_action(App *a, int act) {
    struct SweepScreen *s = a->sweep;
    if (!s || !s->loaded) return -1;
    int sel = table_selected(&s->table);
    switch (act) {
    case ACT_UP: table_move(&s->table, -1); return F_REDRAW;
    case ACT_DOWN: table_move(&s->table, 1); return F_REDRAW;
    case ACT_PGUP: table_move(&s->table, -10); return F_REDRAW;
    case ACT_PGDN: table_move(&s->table, 10); return F_REDRAW;
    case ACT_TOP: table_move(&s->table, -s->table.nrows); return F_REDRAW;
    case ACT_BOTTOM: table_move(&s->table, s->table.nrows); return F_REDRAW;
    case ACT_RELOAD: load_current(a, s); return F_REDRAW;
    case ACT_NEXT_SWEEP:
        s->cur = (s->cur + 1) % s->n_dirs;
        load_current(a, s);
        return F_REDRAW;
    case ACT_SWEEP_CURVES: open_curves(a, s); return F_REDRAW;
    case ACT_OPEN: {
        char dir[RUN_PATH_MAX];
        if (sel >= 0) sweep_trial_dir(&s->sw, s->rows[sel].trial, dir, sizeof dir);
        if (sel < 0 || !dir[0]) app_message(a, 1, "this trial has not started yet");
        else dash_open_run(a, dir, s->rows[sel].status == TRIAL_RUNNING && !s->rows[sel].interrupted, 0);
        return F_REDRAW;
    }
    default: return -1;
    }
}

static int sweep_tick(App *a, double now) {
    struct SweepScreen *s = a->sweep;
    if (!s || !s->loaded || now < s->next_refresh) return F_NONE;
    return load_current(a, s) == 0 ? F_REDRAW : F_NONE;
}

const ScreenOps screen_sweep = {"Sweeps", sweep_draw, sweep_action, NULL, sweep_tick, sweep_screen_free};
