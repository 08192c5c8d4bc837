/* The dashboard's panels: run info, progress, loss and accuracy curves up to
 * the cursor, the confusion matrix and the explanations of the last
 * evaluation before it. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screens/dash.h"
#include "widgets/chart.h"
#include "widgets/matrix.h"
#include "widgets/progress.h"
#include "kernels/tensor.h"
#include "run/cost.h"

static float *scratch(struct Dash *d, int n) {
    if (n > d->tmp_cap) {
        float *p = realloc(d->tmp, (size_t)n * sizeof *p);
        if (!p) return NULL;
        d->tmp = p;
        d->tmp_cap = n;
    }
    return d->tmp;
}

static const char *source_name(Source s) {
    return s == SRC_LIVE ? "LIVE" : s == SRC_WATCH ? "WATCH" : s == SRC_REPLAY ? "REPLAY" : "";
}

static void draw_info(App *a, Grid *g, Rect r, View *v) {
    const RunState *s = &v->rs;
    char buf[256], p[32];
    RunStatus st = s->status;
    if (v->src == SRC_WATCH && v->file_status == RUN_CRASHED && st == RUN_RUNNING) st = RUN_CRASHED;
    int x = r.x;
    Style tag = {v->src == SRC_LIVE ? COL_GOOD : COL_ACCENT, COL_DEFAULT, ATTR_REVERSE | ATTR_BOLD};
    snprintf(buf, sizeof buf, " %s ", source_name(v->src));
    x += grid_text(g, x, r.y, r.w, buf, tag) + 1;
    const char *name = s->run[0] ? s->run : strrchr(v->dir, '/') ? strrchr(v->dir, '/') + 1 : v->dir;
    x += grid_text(g, x, r.y, r.w - (x - r.x), name, style(COL_TITLE, ATTR_BOLD)) + 2;
    format_si((double)s->params, p, sizeof p);
    snprintf(buf, sizeof buf, "%s  %s params", s->arch[0] ? s->arch : "?", p);
    x += grid_text(g, x, r.y, r.w - (x - r.x), buf, style(COL_TEXT, 0)) + 2;
    int bad = st == RUN_FAILED || st == RUN_CRASHED;
    Style ss = style(bad ? COL_BAD : st == RUN_RUNNING ? COL_GOOD : st == RUN_PAUSED ? COL_WARN : COL_TEXT, ATTR_BOLD);
    x += grid_text(g, x, r.y, r.w - (x - r.x), run_status_name(st), ss) + 2;
    if (s->reason[0]) x += grid_text(g, x, r.y, r.w - (x - r.x), s->reason, style(COL_BAD, 0)) + 2;
    if (s->eval_limit > 0) {
        /* never to be mistaken for whole-split figures */
        snprintf(buf, sizeof buf, "eval: first %ld reviews", s->eval_limit);
        x += grid_text(g, x, r.y, r.w - (x - r.x), buf, style(COL_WARN, ATTR_BOLD)) + 2;
    }
    /* Replay state on the right. */
    if (v->src == SRC_REPLAY || !v->follow) {
        char sp[16];
        if (v->speed > 0) snprintf(sp, sizeof sp, "%gx", v->speed);
        else snprintf(sp, sizeof sp, "instant");
        const char *play = v->playing ? (g->utf8 ? "\u25B6 playing" : "> playing") : (g->utf8 ? "\u2016 paused" : "|| paused");
        int ne = dash_evals_upto(s, dash_cursor_step(v));
        if (v->follow) snprintf(buf, sizeof buf, "%s  %s  cursor: end  eval %d/%d", sp, play, ne, s->n_evals);
        else snprintf(buf, sizeof buf, "%s  %s  cursor: step %d  eval %d/%d", sp, play, v->cursor, ne, s->n_evals);
        grid_text_right(g, r.x + r.w, r.y, r.w - (x - r.x), buf, style(COL_ACCENT, 0));
    }
    (void)a;
}

/* While the live run scores validation or test reviews: that phase's bar
 * and ETA instead of the steps'. 1 when drawn. */
static int draw_phase(Grid *g, Rect r, const View *v) {
    const RunState *s = &v->rs;
    if (!v->follow || s->status != RUN_RUNNING || s->phase_final || s->phase_total <= 0 || !strcmp(s->phase, "epoch"))
        return 0;
    char text[256], el[32], eta[32] = "-", fl[32];
    double frac = (double)s->phase_done / (double)s->phase_total;
    format_duration(s->phase_elapsed, el, sizeof el);
    if (s->phase_done > 0)
        format_duration(s->phase_elapsed / (double)s->phase_done * (double)(s->phase_total - s->phase_done), eta,
                        sizeof eta);
    cost_format_flops(s->phase_flops, fl, sizeof fl);
    snprintf(text, sizeof text, "scoring %s  %ld/%ld reviews  %s elapsed  ETA %s  (about %s)",
             !strcmp(s->phase, "val") ? "validation" : s->phase, s->phase_done, s->phase_total, el, eta, fl);
    progress_draw(g, r, frac, text);
    return 1;
}

static void draw_progress(Grid *g, Rect r, const View *v) {
    const RunState *s = &v->rs;
    int n = dash_steps_upto(s, dash_cursor_step(v));
    const StepPoint *last = n ? &s->steps[n - 1] : NULL;
    int step = last ? last->step : 0;
    double frac = s->total_steps > 0 ? (double)step / s->total_steps : 0;
    if (s->status == RUN_FINISHED && v->follow) frac = 1;
    char eta[32] = "-", tok[32] = "-", text[256];
    if (last && n >= 2 && s->total_steps > step && (s->status == RUN_RUNNING || !v->follow)) {
        const StepPoint *first = &s->steps[n > 50 ? n - 50 : 0];
        double dt = last->elapsed - first->elapsed, ds = last->step - first->step;
        if (dt > 0 && ds > 0) format_duration((s->total_steps - step) * dt / ds, eta, sizeof eta);
    }
    if (last) format_si(last->tokens_per_s, tok, sizeof tok);
    double epoch = last && isfinite(last->epoch) ? last->epoch : 0;
    char el[32];
    format_duration(last ? last->elapsed : s->elapsed, el, sizeof el);
    if (!last && s->pretrain_total > 0 && !s->pretrain_final && s->status == RUN_RUNNING) {
        /* word2vec runs before the first step: show its pass instead of an idle bar */
        format_duration(s->pretrain_elapsed, el, sizeof el);
        snprintf(text, sizeof text, "learning word vectors (word2vec) %.0f%%  loss %.3f  %s elapsed",
                 100.0 * s->pretrain_done / s->pretrain_total, s->pretrain_loss, el);
        progress_draw(g, r, (double)s->pretrain_done / s->pretrain_total, text);
        return;
    }
    if (draw_phase(g, r, v)) return;
    snprintf(text, sizeof text, "epoch %.2f/%d  step %d/%d  %s elapsed  ETA %s  %s tok/s", epoch, s->epochs, step,
             s->total_steps, el, eta, tok);
    if (s->epochs == 0 && !last) {
        snprintf(text, sizeof text, "no training (train.epochs 0): the initial weights evaluated  %s elapsed", el);
    } else if (!last && s->phase_flops > 0 && !strcmp(s->phase, "epoch")) {
        /* nothing trained yet: the work ahead */
        char fl[32];
        cost_format_flops(s->phase_flops, fl, sizeof fl);
        snprintf(text, sizeof text, "epoch 1/%d: %ld steps, about %s to train  %s elapsed", s->epochs,
                 s->phase_total, fl, el);
    }
    progress_draw(g, r, frac, text);
}

static void draw_loss(App *a, Grid *g, Rect r, View *v) {
    struct Dash *d = a->dash;
    const RunState *s = &v->rs;
    int cur = dash_cursor_step(v), n = dash_steps_upto(s, cur), ne = dash_evals_upto(s, cur);
    /* x, raw, smoothed for steps; x, loss for evals: one scratch block. */
    float *buf = scratch(d, 3 * n + 2 * ne + 1);
    if (!buf) return;
    float *x = buf, *raw = buf + n, *sm = buf + 2 * n, *ex = buf + 3 * n, *ey = buf + 3 * n + ne;
    for (int i = 0; i < n; i++) x[i] = (float)s->steps[i].step, raw[i] = s->steps[i].loss;
    smooth_ema(raw, sm, n, n > 200 ? 0.98f : n > 50 ? 0.9f : 0.6f);
    for (int i = 0; i < ne; i++) ex[i] = (float)s->evals[i].step, ey[i] = s->evals[i].loss;
    ChartSeries ser[3] = {
        {.x = x, .y = raw, .n = n, .color = COL_SERIES0, .faint = 1},
        {.name = "train (smoothed)", .x = x, .y = sm, .n = n, .color = COL_SERIES0},
        {.name = "val", .x = ex, .y = ey, .n = ne, .color = COL_SERIES1, .points = 1, .marker = 'o'},
    };
    ChartOpts o;
    chart_opts_default(&o);
    o.title = "Loss";
    o.xlabel = "step";
    o.xmin = 0;
    /* A replay keeps the whole run's axis, so the curve grows across it. */
    if (v->src == SRC_REPLAY && s->n_steps) o.xmax = s->steps[s->n_steps - 1].step;
    if (!v->follow) o.cursor_x = v->cursor;
    chart_draw(g, r, ser, 3, &o);
}

static void draw_accuracy(App *a, Grid *g, Rect r, View *v) {
    struct Dash *d = a->dash;
    const RunState *s = &v->rs;
    int ne = dash_evals_upto(s, dash_cursor_step(v));
    float *buf = scratch(d, 4 * ne + 2);
    if (!buf) return;
    float *x = buf, *acc = buf + ne, *f1 = buf + 2 * ne, *f1m = buf + 3 * ne;
    for (int i = 0; i < ne; i++) {
        x[i] = (float)s->evals[i].step;
        acc[i] = s->evals[i].accuracy;
        f1[i] = s->evals[i].f1;
        f1m[i] = s->evals[i].f1_macro;
    }
    float tx = ne ? x[ne - 1] : 0, ty = s->test.accuracy;
    int show_test = s->has_test && v->follow;
    ChartSeries ser[4] = {
        {.name = "acc", .x = x, .y = acc, .n = ne, .color = COL_SERIES2},
        {.name = "F1", .x = x, .y = f1, .n = ne, .color = COL_SERIES3},
        {.name = "macro F1", .x = x, .y = f1m, .n = ne, .color = COL_SERIES4, .faint = 1},
        {.name = "test", .x = &tx, .y = &ty, .n = show_test, .color = COL_SERIES5, .points = 1, .marker = 'T'},
    };
    ChartOpts o;
    chart_opts_default(&o);
    o.title = "Validation";
    o.xlabel = "step";
    o.xmin = 0;
    /* Both charts share the step axis, so their columns line up. */
    int n = v->src == SRC_REPLAY ? s->n_steps : dash_steps_upto(s, dash_cursor_step(v));
    if (n > 0) o.xmax = s->steps[n - 1].step;
    if (!v->follow) o.cursor_x = v->cursor;
    chart_draw(g, r, ser, show_test ? 4 : 3, &o);
}

static void draw_confusion(Grid *g, Rect r, const View *v) {
    const RunState *s = &v->rs;
    int ne = dash_evals_upto(s, dash_cursor_step(v));
    Rect in = grid_box(g, r, "Confusion matrix (validation)", style(COL_BORDER, 0));
    if (in.w <= 0 || in.h <= 0) return;
    static const char *const binary[2] = {"neg", "pos"};
    const char *const *labels = s->n_classes >= 2 ? (const char *const *)s->classes : binary;
    int n = s->n_classes >= 2 ? s->n_classes : 2;
    if (!ne) {
        long z[MAX_CLASSES * MAX_CLASSES] = {0};
        matrix_draw(g, rect(in.x, in.y, in.w, in.h - 1), z, n, labels);
        grid_text(g, in.x, in.y + in.h - 1, in.w, "waiting for the first evaluation", style(COL_DIM, 0));
        return;
    }
    const EvalPoint *e = &s->evals[ne - 1];
    /* an old or hand-written log may hold a matrix of another size than its classes */
    if (e->confusion.n != n) labels = NULL, n = e->confusion.n;
    long c[MAX_CLASSES * MAX_CLASSES];
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) c[i * n + j] = e->confusion.c[i][j];
    matrix_draw(g, rect(in.x, in.y, in.w, in.h - 1), c, n, labels);
    char buf[160];
    snprintf(buf, sizeof buf, "step %d  epoch %.2f  acc %.4f  F1 %.4f%s", e->step, e->epoch, e->accuracy, e->f1,
             e->best ? "  best" : "");
    grid_text(g, in.x, in.y + in.h - 1, in.w, buf, style(COL_TEXT, ATTR_BOLD));
}

void dash_draw(App *a, Grid *g, Rect body) {
    struct Dash *d = a->dash;
    if (!d || !d->cur) {
        grid_text(g, body.x + 2, body.y + 1, body.w - 4, "no run open", style(COL_DIM, 0));
        return;
    }
    View *v = d->cur;
    draw_info(a, g, rect(body.x + 1, body.y, body.w - 2, 1), v);
    draw_progress(g, rect(body.x + 1, body.y + 1, body.w - 2, 1), v);
    Rect main = rect(body.x, body.y + 3, body.w, body.h - 3), left, right;
    rect_split_cols(main, main.w * 11 / 20, 1, &left, &right);
    Rect top, bottom;
    rect_split_rows(rect(left.x + 1, left.y, left.w - 1, left.h), left.h / 2, 1, &top, &bottom);
    draw_loss(a, g, top, v);
    draw_accuracy(a, g, bottom, v);
    Rect cm, ex;
    /* more classes: a row each, a header, a status line, the box */
    int nc = v->rs.n_classes, cmh = 8;
    if (nc > 2) cmh = matrix_rows(nc, right.w - 2, (const char *const *)v->rs.classes) + 3;
    if (cmh > right.h - 6) cmh = right.h - 6 > 8 ? right.h - 6 : 8;
    rect_split_rows(right, cmh, 0, &cm, &ex);
    draw_confusion(g, cm, v);
    dash_draw_explain(a, g, ex, v);
}
