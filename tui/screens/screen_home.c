/* Home: the architectures with their config files on the left, the runs
 * table on the right. The table is built from each run's summary.json only,
 * so it opens at once however many runs there are; curves load when a run is
 * opened. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screens/app.h"
#include "widgets/chart.h"
#include "run/run_unreadable.h"
#include "run/sweep_state.h"
#include "widgets/table.h"

typedef struct ConfigItem {
    int arch;
    char path[RUN_PATH_MAX]; /* "" = the built-in defaults for arch */
    char label[96];
    char note[160];
} ConfigItem;

struct Home {
    ConfigItem *items;
    int n_items, sel_item, top_item;
    RunSummary *runs;
    int n_runs;
    int n_sweeps;            /* sweep folders in the runs folder */
    char *marked;            /* per run */
    Table table;
    int focus;               /* 0 configs, 1 runs */
    double next_refresh;
};

enum { RC_LIVE, RC_RUN, RC_ARCH, RC_STATUS, RC_VACC, RC_VF1, RC_TACC, RC_TF1, RC_TIME, RC_NCOLS };
static const TableCol run_cols[RC_NCOLS] = {
    {"", 2, 0},       {"run", 31, 0},     {"arch", 12, 0},   {"status", 9, 0}, {"val acc", 8, 1},
    {"val F1", 7, 1}, {"test acc", 9, 1}, {"test F1", 8, 1}, {"time", 0, 1},
};

static struct Home *home_get(App *a) {
    if (!a->home) {
        a->home = calloc(1, sizeof *a->home);
        if (!a->home) return NULL;
        table_init(&a->home->table, run_cols, RC_NCOLS);
        table_sort(&a->home->table, RC_RUN, 1);
    }
    return a->home;
}

static void home_free(App *a) {
    struct Home *h = a->home;
    if (!h) return;
    free(h->items);
    free(h->runs);
    free(h->marked);
    table_free(&h->table);
    free(h);
    a->home = NULL;
}

/* Within an architecture: the configs at the top of the folder (the tuned
 * ones, and the user's own) first, then each subfolder's (lab/, synthetic/)
 * by name, then the built-in defaults; the same order for every arch,
 * whatever the file names. */
static int cmp_items(const void *pa, const void *pb) {
    const ConfigItem *x = pa, *y = pb;
    if (x->arch != y->arch) return x->arch - y->arch;
    if (!x->path[0] != !y->path[0]) return x->path[0] ? -1 : 1; /* defaults after the files */
    int xsub = strchr(x->label, '/') != NULL, ysub = strchr(y->label, '/') != NULL;
    if (xsub != ysub) return xsub - ysub;
    return strcmp(x->label, y->label);
}

static void load_configs(App *a, struct Home *h) {
    free(h->items);
    h->items = NULL;
    h->n_items = 0;
    glob_t gl;
    memset(&gl, 0, sizeof gl);
    char pat[RUN_PATH_MAX + 32];
    snprintf(pat, sizeof pat, "%s/*.yaml", a->configs_dir);
    int rc = glob(pat, 0, NULL, &gl);
    snprintf(pat, sizeof pat, "%s/*/*.yaml", a->configs_dir);
    rc = glob(pat, rc == 0 ? GLOB_APPEND : 0, NULL, &gl);
    (void)rc;
    h->items = calloc(gl.gl_pathc + ARCH_COUNT + 1, sizeof *h->items);
    if (!h->items) {
        globfree(&gl);
        return;
    }
    int has_arch[ARCH_COUNT] = {0};
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        Config c;
        ConfigErrors errs = {0};
        ConfigItem *it = &h->items[h->n_items];
        /* The list notes what stops a file from being read; the cross-field
         * checks are reported when a run is started from it (start_from_item). */
        int bad = config_read(&c, &(ConfigSource){.file = gl.gl_pathv[i], .flags = CONFIG_NO_CHECKS}, &errs);
        it->arch = c.model_arch;
        snprintf(it->path, sizeof it->path, "%s", gl.gl_pathv[i]);
        const char *rel = gl.gl_pathv[i] + strlen(a->configs_dir);
        while (*rel == '/') rel++;
        snprintf(it->label, sizeof it->label, "%s", rel);
        char ds[32];
        if (bad) snprintf(it->note, sizeof it->note, "%d error%s: %s", errs.n, errs.n > 1 ? "s" : "", errs.n ? errs.items[0].msg : "");
        else
            snprintf(it->note, sizeof it->note, "%s, embed %d, hidden %d, %d epochs, lr %g",
                     config_enum_name(DATASET_VALUES, c.data_dataset, ds, sizeof ds), c.model_embed_dim,
                     c.model_hidden_dim, c.train_epochs, c.train_lr);
        if (it->arch >= 0 && it->arch < ARCH_COUNT) has_arch[it->arch] = 1;
        config_errors_free(&errs);
        config_free(&c);
        h->n_items++;
    }
    globfree(&gl);
    for (int arch = 0; arch < ARCH_COUNT; arch++) {
        if (has_arch[arch]) continue;
        ConfigItem *it = &h->items[h->n_items++];
        it->arch = arch;
        snprintf(it->label, sizeof it->label, "(defaults)");
        snprintf(it->note, sizeof it->note, "built-in defaults; n trains them, Enter edits and saves a config");
    }
    qsort(h->items, (size_t)h->n_items, sizeof *h->items, cmp_items);
    if (h->sel_item >= h->n_items) h->sel_item = h->n_items - 1;
    if (h->sel_item < 0) h->sel_item = 0;
}

/* limited: scored with eval.limit, on part of the splits ('*') */
static void fmt_score(double v, int valid, char *buf, size_t n, int limited) {
    if (valid && isfinite(v)) snprintf(buf, n, "%.4f%s", v, limited ? "*" : "");
    else snprintf(buf, n, "-");
}

static void load_runs(App *a, struct Home *h) {
    char keep[256] = "";
    int sel = table_selected(&h->table);
    if (sel >= 0 && sel < h->n_runs) snprintf(keep, sizeof keep, "%s", h->runs[sel].run);
    char *old_marks = h->marked;
    RunSummary *old = h->runs;
    int old_n = h->n_runs;
    char err[256];
    RunSummary *list = NULL;
    int n = run_list(a->runs_dir, &list, err, sizeof err);
    if (n < 0) {
        app_message(a, 1, "%s", err);
        n = 0;
    }
    h->runs = list;
    h->n_runs = n;
    /* A sweep's trials are runs like any other; the sweeps themselves are one key away. */
    char **sweeps = NULL;
    h->n_sweeps = sweep_list(a->runs_dir, &sweeps);
    for (int i = 0; i < h->n_sweeps; i++) free(sweeps[i]);
    free(sweeps);
    h->marked = calloc((size_t)n + 1, 1);
    for (int i = 0; i < n && old_marks; i++)
        for (int j = 0; j < old_n; j++)
            if (old_marks[j] && !strcmp(old[j].run, list[i].run)) h->marked[i] = 1;
    free(old_marks);
    free(old);
    Table *t = &h->table;
    table_clear(t);
    for (int i = 0; i < n; i++) {
        const RunSummary *s = &list[i];
        int r = table_add_row(t);
        int live = s->status == RUN_RUNNING || s->status == RUN_PAUSED;
        char b[64];
        snprintf(b, sizeof b, "%s%s", h->marked[i] ? "+" : "", live ? (a->utf8 ? "\u25CF" : "*") : "");
        table_set(t, r, RC_LIVE, b, live);
        table_set(t, r, RC_RUN, s->run, NAN);
        table_set(t, r, RC_ARCH, s->arch, NAN);
        table_set(t, r, RC_STATUS, run_status_name(s->status), NAN);
        fmt_score(s->best.accuracy, s->best.valid, b, sizeof b, s->eval_limit > 0);
        table_set(t, r, RC_VACC, b, s->best.valid ? s->best.accuracy : NAN);
        fmt_score(s->best.f1, s->best.valid, b, sizeof b, s->eval_limit > 0);
        table_set(t, r, RC_VF1, b, s->best.valid ? s->best.f1 : NAN);
        fmt_score(s->test.accuracy, s->test.valid, b, sizeof b, s->eval_limit > 0);
        table_set(t, r, RC_TACC, b, s->test.valid ? s->test.accuracy : NAN);
        fmt_score(s->test.f1, s->test.valid, b, sizeof b, s->eval_limit > 0);
        table_set(t, r, RC_TF1, b, s->test.valid ? s->test.f1 : NAN);
        format_duration(s->train_seconds, b, sizeof b);
        table_set(t, r, RC_TIME, b, s->train_seconds);
        int color = s->status == RUN_FAILED || s->status == RUN_CRASHED ? COL_BAD : live ? COL_GOOD : 0;
        table_set_color(t, r, color);
    }
    table_sort(t, t->sort_col, t->sort_desc);
    for (int i = 0; i < n; i++)
        if (keep[0] && !strcmp(list[i].run, keep)) table_select_row(t, i);
}

static void home_reload(App *a) {
    struct Home *h = home_get(a);
    if (!h) return;
    load_configs(a, h);
    load_runs(a, h);
    h->next_refresh = a->now + 2;
    /* The table shows loadable runs only; say that others were left out. */
    RunUnreadable *bad = NULL;
    int nbad = run_list_unreadable(a->runs_dir, h->runs, h->n_runs, &bad);
    free(bad);
    if (nbad > 0)
        app_message(a, 1, "%d run folder%s left out: summary.json unreadable (sentui runs says why)", nbad,
                    nbad == 1 ? "" : "s");
}

int home_open(App *a) {
    home_reload(a);
    a->screen = SCR_HOME;
    a->depth = 0;
    return 0;
}

static int home_tick(App *a, double now) {
    struct Home *h = a->home;
    if (h && a->configs_changed) { /* the editor saved a config: list it */
        a->configs_changed = 0;
        home_reload(a);
        return F_REDRAW;
    }
    if (!h || now < h->next_refresh) return 0;
    h->next_refresh = now + 2;
    load_runs(a, h);
    return F_REDRAW;
}

static void draw_configs(Grid *g, Rect r, struct Home *h) {
    Rect in = grid_box(g, r, "Architectures & configs", style(h->focus == 0 ? COL_ACCENT : COL_BORDER, 0));
    int y = in.y, last_arch = -1;
    /* Rows: an arch header before each group, then its configs. */
    int rows = 0, sel_row = 0;
    for (int i = 0; i < h->n_items; i++) {
        if (h->items[i].arch != last_arch) rows++, last_arch = h->items[i].arch;
        if (i == h->sel_item) sel_row = rows;
        rows++;
    }
    if (sel_row < h->top_item) h->top_item = sel_row > 0 ? sel_row - 1 : 0;
    if (sel_row >= h->top_item + in.h) h->top_item = sel_row - in.h + 1;
    last_arch = -1;
    int row = 0;
    for (int i = 0; i < h->n_items; i++) {
        const ConfigItem *it = &h->items[i];
        if (it->arch != last_arch) {
            last_arch = it->arch;
            if (row++ >= h->top_item && y < in.y + in.h)
                grid_text(g, in.x, y++, in.w, arch_label(it->arch), style(COL_TITLE, ATTR_BOLD));
        }
        if (row++ < h->top_item || y >= in.y + in.h) continue;
        int sel = i == h->sel_item;
        Style st = sel ? (Style){COL_SELECT, COL_DEFAULT, (uint8_t)(h->focus == 0 ? ATTR_REVERSE | ATTR_BOLD : ATTR_BOLD)}
                       : style(it->path[0] ? COL_TEXT : COL_DIM, 0);
        if (sel) grid_fill(g, rect(in.x, y, in.w, 1), ' ', st);
        grid_text(g, in.x + 2, y, in.w - 2, it->label, st);
        y++;
    }
}

static void draw_details(Grid *g, Rect r, struct Home *h) {
    Rect in = grid_box(g, r, "Selected", style(COL_BORDER, 0));
    if (in.h <= 0) return;
    char buf[512];
    if (h->focus == 0 && h->n_items) {
        const ConfigItem *it = &h->items[h->sel_item];
        snprintf(buf, sizeof buf, "%s  %s", arch_label(it->arch), it->path[0] ? it->path : "(built-in defaults)");
        grid_text(g, in.x, in.y, in.w, buf, style(COL_TITLE, ATTR_BOLD));
        grid_text(g, in.x, in.y + 1, in.w, it->note, style(COL_TEXT, 0));
        grid_text(g, in.x, in.y + 2, in.w, "Enter edit  n train it  i learn how it works", style(COL_DIM, 0));
        return;
    }
    int sel = table_selected(&h->table);
    if (sel < 0) {
        grid_text(g, in.x, in.y, in.w, "no runs yet: pick a config and press n", style(COL_DIM, 0));
        return;
    }
    const RunSummary *s = &h->runs[sel];
    char p[32], t[32], tok[32];
    format_si((double)s->params, p, sizeof p);
    format_duration(s->train_seconds, t, sizeof t);
    format_si(s->tokens_per_s, tok, sizeof tok);
    snprintf(buf, sizeof buf, "%s  %s  %s", s->run, s->arch, run_status_name(s->status));
    grid_text(g, in.x, in.y, in.w, buf, style(COL_TITLE, ATTR_BOLD));
    snprintf(buf, sizeof buf, "started %s  epoch %.2f/%d  step %ld/%ld  %s params  %s  %s tok/s  dataset %s",
             s->started, s->epoch, s->epochs, s->step, s->total_steps, p, t, tok, s->dataset[0] ? s->dataset : "-");
    grid_text(g, in.x, in.y + 1, in.w, buf, style(COL_TEXT, 0));
    if (s->reason[0]) grid_text(g, in.x, in.y + 2, in.w, s->reason, style(COL_BAD, 0));
    else grid_text(g, in.x, in.y + 2, in.w, "Enter replay  W watch  t try it  Space mark  c compare  E report", style(COL_DIM, 0));
}

static void home_draw(App *a, Grid *g, Rect body) {
    struct Home *h = home_get(a);
    if (!h) return;
    Rect left, right, top, details;
    rect_split_rows(body, body.h - 5, 0, &top, &details);
    rect_split_cols(top, 30, 0, &left, &right);
    draw_configs(g, left, h);
    char title[RUN_PATH_MAX + 64];
    int nm = 0;
    for (int i = 0; i < h->n_runs; i++) nm += h->marked[i];
    char sweeps[48] = "";
    if (h->n_sweeps) snprintf(sweeps, sizeof sweeps, "; %d sweep%s: S", h->n_sweeps, h->n_sweeps == 1 ? "" : "s");
    if (nm) snprintf(title, sizeof title, "Runs in %s (%d marked%s)", a->runs_dir, nm, sweeps);
    else if (h->n_sweeps) snprintf(title, sizeof title, "Runs in %s (%s)", a->runs_dir, sweeps + 2);
    else snprintf(title, sizeof title, "Runs in %s", a->runs_dir);
    Rect in = grid_box(g, right, title, style(h->focus == 1 ? COL_ACCENT : COL_BORDER, 0));
    if (h->n_runs == 0) {
        table_draw(g, in, &h->table, h->focus == 1);
        grid_text(g, in.x + 1, in.y + 2, in.w - 2, "No runs yet. Select a config and press n to train one.",
                  style(COL_DIM, 0));
    } else {
        table_draw(g, in, &h->table, h->focus == 1);
    }
    draw_details(g, details, h);
}

static void start_from_item(App *a, const ConfigItem *it) {
    Config c;
    ConfigErrors errs = {0};
    /* An entry without a file is the defaults of one architecture. */
    char arch[64], set[80];
    snprintf(set, sizeof set, "model.arch=%s", config_enum_name(ARCH_VALUES, it->arch, arch, sizeof arch));
    const char *sets[] = {set};
    ConfigSource src = {.file = it->path[0] ? it->path : NULL, .sets = sets, .n_sets = it->path[0] ? 0 : 1};
    int bad = config_read(&c, &src, &errs);
    if (bad) app_message(a, 1, "%s: %s", it->path[0] ? it->path : "defaults", errs.n ? errs.items[0].msg : "invalid");
    else dash_start_training(a, &c);
    config_errors_free(&errs);
    config_free(&c);
}

/* Up, down, page, first, last: in the config list or the runs table, whichever has focus. */
static int move_action(App *a, struct Home *h, int act) {
    int page = a->grid.h > 12 ? a->grid.h - 12 : 5;
    int delta = act == ACT_UP ? -1 : act == ACT_DOWN ? 1 : act == ACT_PGUP ? -page : act == ACT_PGDN ? page
                : act == ACT_TOP ? -1000000 : 1000000;
    if (h->focus == 0) {
        h->sel_item += delta;
        if (h->sel_item >= h->n_items) h->sel_item = h->n_items - 1;
        if (h->sel_item < 0) h->sel_item = 0;
    } else {
        table_move(&h->table, delta);
    }
    return F_REDRAW;
}

/* Enter: the selected config in the editor, or the selected run in the
 * dashboard (followed as it grows when another process still writes it). */
static int open_action(App *a, struct Home *h) {
    if (h->focus == 0) {
        if (h->n_items) editor_open(a, h->items[h->sel_item].path, h->items[h->sel_item].arch);
        return F_REDRAW;
    }
    int sel = table_selected(&h->table);
    if (sel >= 0) {
        const RunSummary *s = &h->runs[sel];
        int other_writer = s->status == RUN_RUNNING || s->status == RUN_PAUSED;
        dash_open_run(a, s->dir, other_writer, 0);
    }
    return F_REDRAW;
}

/* Sorting and marking the runs table. */
static int table_action(App *a, struct Home *h, int act) {
    Table *t = &h->table;
    if (act == ACT_SORT) {
        table_sort(t, (t->sort_col + 1) % RC_NCOLS, t->sort_col + 1 >= RC_VACC);
        h->focus = 1;
        app_message(a, 0, "runs sorted by %s", run_cols[t->sort_col].title[0] ? run_cols[t->sort_col].title : "live");
    } else if (act == ACT_SORT_REV) {
        table_sort(t, t->sort_col < 0 ? RC_RUN : t->sort_col, !t->sort_desc);
    } else { /* ACT_MARK */
        int sel = table_selected(t);
        if (sel < 0) return F_REDRAW;
        h->marked[sel] = !h->marked[sel];
        h->focus = 1;
        load_runs(a, h);
        table_move(t, 1);
    }
    return F_REDRAW;
}

/* The marked runs, or every run when none is marked. */
static int compare_action(App *a, struct Home *h) {
    char **dirs = calloc((size_t)h->n_runs + 1, sizeof *dirs);
    int n = 0;
    for (int i = 0; dirs && i < h->n_runs; i++)
        if (h->marked[i]) dirs[n++] = h->runs[i].dir;
    for (int i = 0; dirs && n == 0 && i < h->n_runs; i++) dirs[i] = h->runs[i].dir;
    if (n == 0) n = h->n_runs;
    if (n == 0) app_message(a, 1, "no runs to compare");
    else compare_open(a, dirs, n);
    free(dirs);
    return F_REDRAW;
}

/* The marked runs, else the selected one. */
static int report_action(App *a, struct Home *h) {
    const char **dirs = calloc((size_t)h->n_runs + 1, sizeof *dirs);
    int n = 0, sel = table_selected(&h->table);
    for (int i = 0; dirs && i < h->n_runs; i++)
        if (h->marked[i]) dirs[n++] = h->runs[i].dir;
    if (dirs && n == 0 && sel >= 0) dirs[n++] = h->runs[sel].dir;
    app_write_report(a, dirs, n);
    free(dirs);
    return F_REDRAW;
}

static int learn_action(App *a, struct Home *h) {
    Table *t = &h->table;
    Config c;
    /* The learn screen takes what it can from the file (its architecture
     * and sizes); a config with errors is still worth explaining. */
    const char *path = h->focus == 0 && h->n_items ? h->items[h->sel_item].path : "";
    config_read(&c, &(ConfigSource){.file = path[0] ? path : NULL, .flags = CONFIG_NO_CHECKS}, NULL);
    if (h->focus == 0 && h->n_items) {
        c.model_arch = h->items[h->sel_item].arch;
    } else if (table_selected(t) >= 0) {
        int arch = arch_from_name(h->runs[table_selected(t)].arch);
        if (arch >= 0) c.model_arch = arch;
    }
    learn_open(a, &c);
    config_free(&c);
    return F_REDRAW;
}

static int home_action(App *a, int act) {
    struct Home *h = home_get(a);
    if (!h) return -1;
    int sel = table_selected(&h->table);
    switch (act) {
    case ACT_UP:
    case ACT_DOWN:
    case ACT_PGUP:
    case ACT_PGDN:
    case ACT_TOP:
    case ACT_BOTTOM: return move_action(a, h, act);
    case ACT_FOCUS:
        h->focus = !h->focus;
        return F_REDRAW;
    case ACT_OPEN: return open_action(a, h);
    case ACT_WATCH:
        if (sel >= 0) dash_open_run(a, h->runs[sel].dir, 1, 0);
        return F_REDRAW;
    case ACT_SWEEPS: sweep_screen_open(a); return F_REDRAW;
    case ACT_NEW_RUN:
        if (h->n_items) start_from_item(a, &h->items[h->sel_item]);
        return F_REDRAW;
    case ACT_SORT:
    case ACT_SORT_REV:
    case ACT_MARK: return table_action(a, h, act);
    case ACT_COMPARE: return compare_action(a, h);
    case ACT_REPORT: return report_action(a, h);
    case ACT_TRY:
        if (sel < 0) app_message(a, 1, "select a run first (Tab to the runs table)");
        else try_open(a, h->runs[sel].dir);
        return F_REDRAW;
    case ACT_LEARN: return learn_action(a, h);
    case ACT_RELOAD:
        home_reload(a);
        app_message(a, 0, "reloaded");
        return F_REDRAW;
    default:
        return -1;
    }
}

const ScreenOps screen_home = {"Home", home_draw, home_action, NULL, home_tick, home_free};
