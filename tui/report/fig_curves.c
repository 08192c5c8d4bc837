/* Curves of several runs in one plot; see figures.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/figures.h"
#include "report/svg.h"

int fig_x_parse(const char *s) {
    if (!s) return -1;
    if (!strcmp(s, "step")) return FIG_X_STEP;
    if (!strcmp(s, "epoch")) return FIG_X_EPOCH;
    if (!strcmp(s, "wall")) return FIG_X_WALL;
    return -1;
}

/* y at x by linear interpolation over the points (xs ascending), extended
 * past the ends along the nearest segment (through the origin before one). */
static double interp(const double *xs, const double *ys, int n, double x) {
    if (n == 0) return NAN;
    if (n == 1) return xs[0] > 0 ? ys[0] * x / xs[0] : ys[0];
    int i = 1;
    while (i < n - 1 && xs[i] < x) i++;
    if (x < xs[0]) return xs[0] > 0 ? ys[0] * x / xs[0] : ys[0];
    double dx = xs[i] - xs[i - 1];
    return dx > 0 ? ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / dx : ys[i];
}

/* Wall-clock seconds at a step: from the evaluations' wall_seconds, else
 * (runs written before that field) from the steps' compute time. */
typedef struct WallMap {
    double *xs, *ys;
    int n;
} WallMap;

static void wall_map(const RunState *s, WallMap *w) {
    int cap = s->n_evals + s->n_steps + 1;
    w->xs = calloc((size_t)cap, sizeof *w->xs);
    w->ys = calloc((size_t)cap, sizeof *w->ys);
    w->n = 0;
    if (!w->xs || !w->ys) return;
    for (int i = 0; i < s->n_evals; i++)
        if (isfinite(s->evals[i].wall_seconds) && (w->n == 0 || s->evals[i].step > w->xs[w->n - 1]))
            w->xs[w->n] = s->evals[i].step, w->ys[w->n++] = s->evals[i].wall_seconds;
    if (w->n > 0) return;
    for (int i = 0; i < s->n_steps; i++)
        if (isfinite(s->steps[i].elapsed) && (w->n == 0 || s->steps[i].step > w->xs[w->n - 1]))
            w->xs[w->n] = s->steps[i].step, w->ys[w->n++] = s->steps[i].elapsed;
}

/* The points of one run's curve, at most max (a long run is thinned evenly). */
static int curve_points(const RunState *s, CompareMetric m, FigX xk, double *x, double *y, int max) {
    int len = m == CMP_TRAIN_LOSS ? s->n_steps : s->n_evals;
    if (len <= 0) return 0;
    float *raw = calloc((size_t)len, sizeof *raw), *sm = calloc((size_t)len, sizeof *sm);
    WallMap w = {0};
    if (xk == FIG_X_WALL) wall_map(s, &w);
    int n = 0;
    if (raw && sm) {
        for (int k = 0; k < len; k++) {
            const EvalPoint *e = &s->evals[k < s->n_evals ? k : 0];
            raw[k] = m == CMP_TRAIN_LOSS ? s->steps[k].loss
                     : m == CMP_VAL_ACC  ? e->accuracy
                     : m == CMP_VAL_F1   ? e->f1
                                         : e->loss;
        }
        if (m == CMP_TRAIN_LOSS) smooth_ema(raw, sm, len, len > 200 ? 0.98f : 0.9f);
        else
            for (int k = 0; k < len; k++) sm[k] = raw[k];
        int every = (len + max - 1) / max;
        for (int k = 0; k < len; k++) {
            if (k % every && k != len - 1) continue;
            int step = m == CMP_TRAIN_LOSS ? s->steps[k].step : s->evals[k].step;
            float epoch = m == CMP_TRAIN_LOSS ? s->steps[k].epoch : s->evals[k].epoch;
            double xv = xk == FIG_X_STEP ? step : xk == FIG_X_EPOCH ? epoch : interp(w.xs, w.ys, w.n, step);
            if (xk == FIG_X_WALL && m != CMP_TRAIN_LOSS && isfinite(s->evals[k].wall_seconds))
                xv = s->evals[k].wall_seconds;
            if (!isfinite(xv) || !isfinite(sm[k])) continue;
            x[n] = xv, y[n++] = sm[k];
        }
    }
    free(w.xs);
    free(w.ys);
    free(raw);
    free(sm);
    return n;
}

enum { CURVE_MAX = 800, PLOT_W = 640, PLOT_H = 300, LEFT = 70, TOP = 36, LEGEND_ROW = 20 };

static void draw_series(FILE *f, int i, const double *x, const double *y, int n, const SvgScale *sx, const SvgScale *sy) {
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"", svg_series_color(i));
    if (*svg_series_dash(i)) fprintf(f, " stroke-dasharray=\"%s\"", svg_series_dash(i));
    fputs(" points=\"", f);
    for (int k = 0; k < n; k++) fprintf(f, "%s%.1f,%.1f", k ? " " : "", svg_px(sx, x[k]), svg_px(sy, y[k]));
    fputs("\"/>\n", f);
    /* About ten marks a curve, offset per run so overlapping curves' marks do not coincide. */
    int every = n > 10 ? n / 10 : 1;
    for (int k = (i * every / 3) % every; k < n; k += every) svg_mark(f, i, svg_px(sx, x[k]), svg_px(sy, y[k]));
}

static void draw_legend(FILE *f, const CompareRun *runs, int n, double y0) {
    for (int i = 0; i < n; i++) {
        CompareRow row;
        compare_row(&runs[i], &row);
        double y = y0 + i * LEGEND_ROW;
        fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"", LEFT, y,
                LEFT + 36, y, svg_series_color(i));
        if (*svg_series_dash(i)) fprintf(f, " stroke-dasharray=\"%s\"", svg_series_dash(i));
        fputs("/>\n", f);
        svg_mark(f, i, LEFT + 18, y);
        char label[600];
        snprintf(label, sizeof label, "%s (%s)", row.name, row.arch && *row.arch ? row.arch : "?");
        svg_text(f, LEFT + 46, y + 4, "start", 12, 0, label, 90);
    }
}

void fig_curves(FILE *f, const CompareRun *runs, int n, CompareMetric m, const FigOpts *o) {
    double **xs = calloc((size_t)n + 1, sizeof *xs), **ys = calloc((size_t)n + 1, sizeof *ys);
    int *lens = calloc((size_t)n + 1, sizeof *lens);
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int i = 0; xs && ys && lens && i < n; i++) {
        xs[i] = calloc(CURVE_MAX + 1, sizeof **xs), ys[i] = calloc(CURVE_MAX + 1, sizeof **ys);
        if (!xs[i] || !ys[i]) continue;
        lens[i] = curve_points(&runs[i].rs, m, o->x, xs[i], ys[i], CURVE_MAX);
        for (int k = 0; k < lens[i]; k++) {
            xlo = fmin(xlo, xs[i][k]), xhi = fmax(xhi, xs[i][k]);
            ylo = fmin(ylo, ys[i][k]), yhi = fmax(yhi, ys[i][k]);
        }
    }
    if (o->x != FIG_X_WALL || !isfinite(xlo)) xlo = fmin(xlo, 0);
    int h = TOP + PLOT_H + 60 + n * LEGEND_ROW;
    svg_open(f, LEFT + PLOT_W + 24, h, o->standalone, compare_metric_name(m));
    svg_text(f, LEFT, 22, "start", 15, 0, compare_metric_name(m), 0);
    double xt[32], yt[32];
    int nxt = svg_nice_ticks(&xlo, &xhi, 8, xt, 32), nyt = svg_nice_ticks(&ylo, &yhi, 6, yt, 32);
    SvgScale sx = {xlo, xhi, LEFT, LEFT + PLOT_W}, sy = {ylo, yhi, TOP + PLOT_H, TOP};
    const char *xl = o->x == FIG_X_STEP ? "step" : o->x == FIG_X_EPOCH ? "epoch" : "wall-clock seconds";
    svg_axes(f, &sx, &sy, xt, nxt, yt, nyt, xl, m == CMP_VAL_ACC ? "accuracy" : m == CMP_VAL_F1 ? "F1" : "loss");
    int any = 0;
    for (int i = 0; lens && i < n; i++) {
        if (lens[i] > 0) draw_series(f, i, xs[i], ys[i], lens[i], &sx, &sy), any = 1;
    }
    if (!any) svg_text(f, LEFT + PLOT_W / 2.0, TOP + PLOT_H / 2.0, "middle", 13, 0, "no points yet", 0);
    draw_legend(f, runs, n, TOP + PLOT_H + 60);
    svg_close(f);
    for (int i = 0; xs && ys && i < n; i++) free(xs[i]), free(ys[i]);
    free(xs);
    free(ys);
    free(lens);
}
