#include "widgets/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void chart_opts_default(ChartOpts *o) {
    memset(o, 0, sizeof *o);
    o->xmin = o->xmax = o->ymin = o->ymax = NAN;
    o->cursor_x = NAN;
    o->legend = 1;
}

double chart_nice_step(double span, int want) {
    if (!(span > 0) || !isfinite(span)) return 1.0;
    if (want < 1) want = 1;
    double raw = span / want, p = pow(10.0, floor(log10(raw))), f = raw / p;
    double nice = f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10;
    return nice * p;
}

void chart_format_tick(double v, double step, char *buf, size_t n) {
    double s = fabs(step), a = fabs(v);
    if (a < s * 1e-6) v = 0, a = 0; /* no "-0.00" */

    double big = fmax(a, s);
    if (big >= 1e15 || (s < 1e-4 && s > 0)) {
        snprintf(buf, n, "%.1e", v);
        return;
    }
    static const char suffix[] = " kMGT";
    int k = 0;
    double scale = 1;
    while (big / scale >= 1e3 && k < 4) scale *= 1e3, k++;
    int dec = (int)ceil(-log10(s / scale) - 1e-9);
    if (dec < 0) dec = 0;
    if (dec > 6) dec = 6;
    if (k && v != 0) snprintf(buf, n, "%.*f%c", dec, v / scale, suffix[k]);
    else snprintf(buf, n, "%.*f", dec, v / scale); /* "0", not "0k" */
}

/* The dot canvas: braille cells (2x4 dots) or one character per cell. */
typedef struct Canvas {
    int cw, ch;          /* cells */
    int dw, dh;          /* dots */
    int braille;
    uint8_t *bits;       /* braille dot masks */
    char *mark;          /* ASCII markers */
    uint8_t *color, *attr;
} Canvas;

static const uint8_t braille_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

static void canvas_dot(Canvas *c, int x, int y, int color, int attr, char mark) {
    if (x < 0 || y < 0 || x >= c->dw || y >= c->dh) return;
    int cx = c->braille ? x / 2 : x, cy = c->braille ? y / 4 : y, i = cy * c->cw + cx;
    if (c->braille) c->bits[i] |= braille_bit[y % 4][x % 2];
    else if (!(c->mark[i] && attr == ATTR_DIM && c->attr[i] != ATTR_DIM)) c->mark[i] = mark;
    /* A faint dot never hides the colour of a bold line already there. */
    if (attr == ATTR_DIM && c->color[i] && c->attr[i] != ATTR_DIM) return;
    c->color[i] = (uint8_t)color;
    c->attr[i] = (uint8_t)attr;
}

static void canvas_line(Canvas *c, int x0, int y0, int x1, int y1, int color, int attr, char mark) {
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
    for (int guard = 0; guard < 100000; guard++) {
        canvas_dot(c, x0, y0, color, attr, mark);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) err += dy, x0 += sx;
        if (e2 <= dx) err += dx, y0 += sy;
    }
}

static const char series_marks[] = "*+ox#@%&";

static char series_mark(const ChartSeries *s) {
    if (s->faint) return '.';
    if (s->marker) return s->marker;
    int i = s->color - COL_SERIES0;
    if (i < 0) i = 0;
    return series_marks[i % (int)(sizeof series_marks - 1)];
}

/* Tick indices k (value k*step) inside [lo, hi], never more than a screenful. */
static void tick_span(double lo, double hi, double step, double *ka, double *kb) {
    *ka = ceil(lo / step - 1e-9);
    *kb = floor(hi / step + 1e-9);
    if (*kb - *ka > 200) *kb = *ka + 200;
    if (!(fabs(*ka) < 1e15)) *kb = *ka - 1; /* k++ would stall: no ticks */
}

static float sx_at(const ChartSeries *s, int i) { return s->x ? s->x[i] : (float)i; }

/* Data ranges over finite points only. */
static int data_range(const ChartSeries *s, int n, const ChartOpts *o, double *x0, double *x1, double *y0,
                      double *y1) {
    double ax = INFINITY, bx = -INFINITY, ay = INFINITY, by = -INFINITY;
    int any = 0;
    for (int k = 0; k < n; k++)
        for (int i = 0; i < s[k].n; i++) {
            double x = sx_at(&s[k], i), y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y)) continue;
            if (isfinite(o->xmin) && x < o->xmin) continue;
            if (isfinite(o->xmax) && x > o->xmax) continue;
            any = 1;
            ax = fmin(ax, x), bx = fmax(bx, x), ay = fmin(ay, y), by = fmax(by, y);
        }
    if (isfinite(o->xmin)) ax = o->xmin;
    if (isfinite(o->xmax)) bx = o->xmax;
    if (isfinite(o->ymin)) ay = o->ymin;
    if (isfinite(o->ymax)) by = o->ymax;
    if (!any && !(isfinite(ax) && isfinite(bx))) ax = 0, bx = 1;
    if (!any && !(isfinite(ay) && isfinite(by))) ay = 0, by = 1;
    /* A single value still needs a span to be drawn in the middle of. */
    if (!(bx > ax)) {
        double d = fabs(ax) > 0 ? fabs(ax) * 0.5 : 1;
        ax -= d, bx += d;
    }
    if (!(by > ay)) {
        double d = fabs(ay) > 0 ? fabs(ay) * 0.1 : 1;
        ay -= d, by += d;
    }
    *x0 = ax, *x1 = bx, *y0 = ay, *y1 = by;
    return any;
}

static int legend_entry_width(const ChartSeries *s) {
    return s->name ? utf8_columns(s->name) + 3 : 0;
}

/* One entry at x, cut at column xend (a long name in a narrow chart). */
static void legend_entry(Grid *g, int x, int xend, int y, const ChartSeries *s, int braille) {
    int w = legend_entry_width(s);
    Style st = style((uint8_t)s->color, ATTR_BOLD);
    uint32_t glyph = braille ? (s->points ? 0x2022 : 0x2501) : (uint32_t)series_mark(s);
    if (x < xend) grid_put(g, x, y, glyph, st);
    if (x + 1 < xend) grid_put(g, x + 1, y, braille && !s->points ? 0x2501 : ' ', st);
    int tw = xend - (x + 2) < w - 3 ? xend - (x + 2) : w - 3;
    if (tw > 0) grid_text(g, x + 2, y, tw, s->name, style(COL_TEXT, 0));
}

/* The legend: right-aligned on the title row (r.y) when every entry fits
 * after the title, else flowing over rows below it, so no series goes
 * unnamed. Draws only when draw is set; returns the rows it takes below the
 * title row (at most max_rows; entries beyond them are left out). */
static int draw_legend(Grid *g, Rect r, int title_w, const ChartSeries *s, int n, int braille, int max_rows,
                       int draw) {
    int total = 0;
    for (int k = 0; k < n; k++) total += legend_entry_width(&s[k]);
    if (title_w + 2 + total <= r.w) {
        for (int k = 0, x = r.x + r.w - total; draw && k < n; x += legend_entry_width(&s[k]), k++)
            if (s[k].name) legend_entry(g, x, r.x + r.w, r.y, &s[k], braille);
        return 0;
    }
    int x = r.x, row = 1;
    for (int k = 0; k < n; k++) {
        int w = legend_entry_width(&s[k]);
        if (!w) continue;
        if (x > r.x && x + w - 1 > r.x + r.w) x = r.x, row++;
        if (row > max_rows) return max_rows;
        if (draw) legend_entry(g, x, r.x + r.w, r.y + row, &s[k], braille);
        x += w;
    }
    return row;
}

/* The plot area of one chart and how data values map onto its dots. */
typedef struct Plot {
    int braille;
    int ax, labw;            /* y axis column and the width of its labels */
    int px, py, pw, ph;      /* plot area, in cells */
    double x0, x1, y0, y1;   /* data range shown */
    double xs, ys;           /* dots per data unit */
    double ystep, ka, kb;    /* y ticks: k * ystep for k in [ka, kb] */
} Plot;

/* The y tick step, with the range snapped out to whole ticks (unless fixed
 * by the options) so the top and bottom are labelled. */
static void y_ticks(Plot *p, const ChartOpts *opts) {
    p->ystep = chart_nice_step(p->y1 - p->y0, p->ph >= 9 ? p->ph / 3 : p->ph >= 4 ? 2 : 1);
    if (!isfinite(opts->ymin)) p->y0 = floor(p->y0 / p->ystep + 1e-9) * p->ystep;
    if (!isfinite(opts->ymax)) p->y1 = ceil(p->y1 / p->ystep - 1e-9) * p->ystep;
    if (!(p->y1 > p->y0)) p->y1 = p->y0 + p->ystep;
    tick_span(p->y0, p->y1, p->ystep, &p->ka, &p->kb);
}

/* Width of the left margin: the widest y tick label, or the x label when it
 * is wider and fits; none when the chart is too narrow for labels. */
static int label_width(const Plot *p, Rect r, const ChartOpts *opts, int label_row) {
    char lab[32];
    int labw = 0;
    for (double k = p->ka; k <= p->kb; k++) {
        chart_format_tick(k * p->ystep, p->ystep, lab, sizeof lab);
        int w = (int)strlen(lab);
        if (w > labw) labw = w;
    }
    int xlw = opts->xlabel && label_row ? (int)strlen(opts->xlabel) : 0;
    if (xlw > labw && xlw + 1 + 8 <= r.w) labw = xlw;
    if (labw + 1 + 4 > r.w) labw = 0;
    return labw;
}

static int canvas_alloc(Canvas *c, const Plot *p) {
    *c = (Canvas){.cw = p->pw, .ch = p->ph, .braille = p->braille};
    c->dw = p->braille ? p->pw * 2 : p->pw;
    c->dh = p->braille ? p->ph * 4 : p->ph;
    size_t cells = (size_t)p->pw * (size_t)p->ph;
    c->bits = calloc(cells, 1);
    c->mark = calloc(cells, 1);
    c->color = calloc(cells, 1);
    c->attr = calloc(cells, 1);
    return c->bits && c->mark && c->color && c->attr ? 0 : -1;
}

static void canvas_free(Canvas *c) {
    free(c->bits);
    free(c->mark);
    free(c->color);
    free(c->attr);
}

/* One series as a line (broken at non-finite values) or as markers. */
static void plot_series(Canvas *c, const Plot *p, const ChartSeries *q) {
    int attr = q->faint ? ATTR_DIM : ATTR_BOLD;
    char mark = series_mark(q);
    int have = 0, lx = 0, ly = 0;
    for (int i = 0; i < q->n; i++) {
        double xv = sx_at(q, i), yv = q->y[i];
        if (!isfinite(xv) || !isfinite(yv) || xv < p->x0 || xv > p->x1) {
            have = 0;
            continue;
        }
        double fx = (xv - p->x0) * p->xs, fy = (p->y1 - yv) * p->ys;
        /* Keep far-off values from overflowing int; they clip anyway. */
        fx = fmax(-1e6, fmin(1e6, fx)), fy = fmax(-1e6, fmin(1e6, fy));
        int dx = (int)lround(fx), dy = (int)lround(fy);
        if (q->points) {
            canvas_dot(c, dx, dy, q->color, attr, p->braille ? mark : 'o');
            if (p->braille) {
                canvas_dot(c, dx + 1, dy, q->color, attr, mark);
                canvas_dot(c, dx, dy + 1, q->color, attr, mark);
                canvas_dot(c, dx + 1, dy + 1, q->color, attr, mark);
            }
        } else if (have) {
            canvas_line(c, lx, ly, dx, dy, q->color, attr, mark);
        } else {
            canvas_dot(c, dx, dy, q->color, attr, mark);
        }
        have = 1, lx = dx, ly = dy;
    }
}

/* A series' tag just right of its last point in view (left of it at the
 * right edge), in its colour; moved up or down a row when another tag took
 * that place, as curves often end together. */
static void draw_tag(Grid *g, const Plot *p, const ChartSeries *q, unsigned char *taken) {
    for (int i = q->n - 1; i >= 0; i--) {
        double xv = sx_at(q, i), yv = q->y[i];
        if (!isfinite(xv) || !isfinite(yv) || xv < p->x0 || xv > p->x1 || yv < p->y0 || yv > p->y1) continue;
        int col = (int)lround((xv - p->x0) * p->xs) / (p->braille ? 2 : 1);
        int row = (int)lround((p->y1 - yv) * p->ys) / (p->braille ? 4 : 1);
        int w = utf8_columns(q->tag);
        int x = col + 1 + w <= p->pw ? col + 1 : col - w;
        if (x < 0 || row < 0 || row >= p->ph) return;
        for (int d = 0; d < 2 * p->ph; d++) {
            int r = row + (d % 2 ? (d + 1) / 2 : -(d / 2));
            if (r < 0 || r >= p->ph || taken[r * p->pw + x]) continue;
            for (int k = 0; k < w && x + k < p->pw; k++) taken[r * p->pw + x + k] = 1;
            grid_text(g, p->px + x, p->py + r, w, q->tag, style((uint8_t)q->color, ATTR_BOLD | ATTR_REVERSE));
            return;
        }
        return;
    }
}

/* The canvas onto the grid, then the replay cursor: a dotted column
 * through the cells the data left empty. */
static void canvas_blit(Grid *g, const Canvas *c, const Plot *p, double cursor_x) {
    int braille = p->braille, pw = p->pw;
    for (int yy = 0; yy < p->ph; yy++)
        for (int xx = 0; xx < pw; xx++) {
            int i = yy * pw + xx;
            Style st = style(c->color[i] ? c->color[i] : COL_DEFAULT, c->attr[i]);
            if (braille && c->bits[i]) grid_put(g, p->px + xx, p->py + yy, 0x2800u + c->bits[i], st);
            else if (!braille && c->mark[i]) grid_put(g, p->px + xx, p->py + yy, (uint32_t)(unsigned char)c->mark[i], st);
        }
    if (isfinite(cursor_x) && cursor_x >= p->x0 && cursor_x <= p->x1) {
        int cx = (int)lround((cursor_x - p->x0) * p->xs) / (braille ? 2 : 1);
        for (int yy = 0; yy < p->ph; yy++)
            if (!(braille ? c->bits[yy * pw + cx] : c->mark[yy * pw + cx]))
                grid_put(g, p->px + cx, p->py + yy, braille ? 0x250A : ':', style(COL_ACCENT, 0));
    }
}

/* Y axis with its ticks and labels. */
static void draw_y_axis(Grid *g, const Plot *p, int dh) {
    Style axis = style(COL_AXIS, 0), label = style(COL_DIM, 0);
    char lab[32];
    grid_vline(g, p->ax, p->py, p->ph, axis);
    for (double k = p->ka; k <= p->kb; k++) {
        double t = k * p->ystep;
        int row = p->py + (int)lround((p->y1 - t) / (p->y1 - p->y0) * (dh - 1)) / (p->braille ? 4 : 1);
        if (row < p->py || row >= p->py + p->ph) continue;
        grid_put(g, p->ax, row, p->braille ? 0x2524 : '+', axis);
        if (p->labw) {
            chart_format_tick(t, p->ystep, lab, sizeof lab);
            grid_text_right(g, p->ax, row, p->labw, lab, label);
        }
    }
}

/* X axis, ticks and labels; labels that would touch are skipped. */
static void draw_x_axis(Grid *g, const Plot *p, Rect r, const ChartOpts *opts, int label_row) {
    Style axis = style(COL_AXIS, 0), label = style(COL_DIM, 0);
    char lab[32];
    int arow = p->py + p->ph, px = p->px, pw = p->pw;
    grid_hline(g, px, arow, pw, axis);
    grid_put(g, p->ax, arow, p->braille ? 0x2514 : '+', axis);
    double xstep = chart_nice_step(p->x1 - p->x0, pw >= 24 ? pw / 12 : 2);
    int next_free = px;
    if (label_row && opts->xlabel && p->labw >= (int)strlen(opts->xlabel))
        grid_text_right(g, p->ax, arow + 1, p->labw, opts->xlabel, label);
    double xa, xb;
    tick_span(p->x0, p->x1, xstep, &xa, &xb);
    for (double k = xa; k <= xb; k++) {
        double t = k * xstep;
        int col = px + (int)lround((t - p->x0) * p->xs) / (p->braille ? 2 : 1);
        if (col < px || col >= px + pw) continue;
        grid_put(g, col, arow, p->braille ? 0x252C : '+', axis);
        if (!label_row) continue;
        chart_format_tick(t, xstep, lab, sizeof lab);
        int w = (int)strlen(lab), lx = col - w / 2;
        if (lx < px) lx = px;
        if (lx + w > r.x + r.w) lx = r.x + r.w - w;
        if (lx < next_free) continue;
        grid_text(g, lx, arow + 1, w, lab, label);
        next_free = lx + w + 1;
    }
}

void chart_draw(Grid *g, Rect r, const ChartSeries *s, int n, const ChartOpts *opts) {
    ChartOpts def;
    if (!opts) chart_opts_default(&def), opts = &def;
    if (r.w <= 0 || r.h <= 0) return;
    Plot p = {.braille = g->utf8 && !opts->ascii};
    Style label = style(COL_DIM, 0);

    int title_row = r.h >= 6 && ((opts->title && *opts->title) || opts->legend);
    int axis_row = r.h >= 3, label_row = r.h >= 4, legend_rows = 0;
    p.ph = r.h - title_row - axis_row - label_row;
    if (title_row) {
        int tw = opts->title ? grid_text(g, r.x, r.y, r.w, opts->title, style(COL_TITLE, ATTR_BOLD)) : 0;
        /* Rows under the title go to the legend while the plot keeps 3. */
        if (opts->legend) legend_rows = draw_legend(g, r, tw, s, n, p.braille, p.ph - 3 > 0 ? p.ph - 3 : 0, 1);
        p.ph -= legend_rows;
    }
    if (p.ph < 1 || r.w < 6) {
        grid_text(g, r.x, r.y + title_row, r.w, "(chart too small)", label);
        return;
    }

    int any = data_range(s, n, opts, &p.x0, &p.x1, &p.y0, &p.y1);
    y_ticks(&p, opts);
    p.labw = label_width(&p, r, opts, label_row);
    p.ax = r.x + p.labw;
    p.px = p.ax + 1, p.pw = r.x + r.w - p.px;
    p.py = r.y + title_row + legend_rows;
    if (p.pw < 2) {
        grid_text(g, r.x, p.py, r.w, "(chart too small)", label);
        return;
    }

    Canvas c;
    if (canvas_alloc(&c, &p) == 0) {
        p.xs = (c.dw - 1) / (p.x1 - p.x0), p.ys = (c.dh - 1) / (p.y1 - p.y0);
        /* Faint series first so the bold lines end on top. */
        for (int pass = 0; pass < 2; pass++)
            for (int k = 0; k < n; k++)
                if ((pass == 0) == (s[k].faint != 0)) plot_series(&c, &p, &s[k]);
        canvas_blit(g, &c, &p, opts->cursor_x);
        unsigned char *taken = calloc((size_t)p.pw * (size_t)p.ph, 1);
        for (int k = 0; taken && k < n; k++)
            if (s[k].tag && !s[k].faint) draw_tag(g, &p, &s[k], taken);
        free(taken);
        draw_y_axis(g, &p, c.dh);
        if (axis_row) draw_x_axis(g, &p, r, opts, label_row);
        if (!any) {
            const char *msg = "no data yet";
            int w = (int)strlen(msg);
            grid_text(g, p.px + (p.pw - w) / 2 > p.px ? p.px + (p.pw - w) / 2 : p.px, p.py + p.ph / 2, p.pw, msg,
                      label);
        }
    }
    canvas_free(&c);
}
