#include "widgets/heatmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int heat_level(double v) {
    if (!(v > 0)) return 0;
    if (v >= 1) return HEAT_LEVELS - 1;
    int l = (int)(v * HEAT_LEVELS);
    return l >= HEAT_LEVELS ? HEAT_LEVELS - 1 : l;
}

uint32_t heat_glyph(const Grid *g, double v) {
    static const uint32_t shades[] = {' ', 0x2591, 0x2592, 0x2593, 0x2588};
    static const char ramp[] = " .:-=+*#%@";
    if (!(v > 0)) v = 0;
    if (v > 1) v = 1;
    if (g->utf8) return shades[(int)lround(v * 4)];
    return (uint32_t)ramp[(int)lround(v * 9)];
}

static float max_of(const float *w, int n) {
    float m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(w[i]) && w[i] > m) m = w[i];
    return m;
}

int heatmap_tokens(Grid *g, Rect r, char *const *tokens, const float *weight, int n) {
    if (r.w < 1 || r.h < 1) return 0;
    float mx = max_of(weight, n);
    int rows_per_line = g->color ? 1 : 2;
    int x = 0, line = 0, shown = 0;
    for (int i = 0; i < n; i++) {
        const char *t = tokens[i] ? tokens[i] : "?";
        int w = utf8_columns(t);
        if (w > r.w) w = r.w;
        if (x > 0 && x + 1 + w > r.w) x = 0, line++;
        if ((line + 1) * rows_per_line > r.h) break;
        if (x > 0) x++;
        double v = mx > 0 && isfinite(weight[i]) ? weight[i] / mx : 0;
        int y = r.y + line * rows_per_line;
        if (g->color) {
            Style st = {COL_TEXT, (uint8_t)(COL_HEAT0 + heat_level(v)), heat_level(v) >= HEAT_LEVELS / 2 ? ATTR_BOLD : 0};
            grid_text(g, r.x + x, y, w, t, st);
        } else {
            grid_text(g, r.x + x, y, w, t, style(COL_TEXT, v >= 0.5 ? ATTR_BOLD : 0));
            uint32_t sh = heat_glyph(g, v);
            for (int k = 0; k < w; k++) grid_put(g, r.x + x + k, y + 1, sh, style(COL_TEXT, 0));
        }
        x += w;
        shown++;
    }
    return shown;
}

/* Mean of the block of m that maps onto display cell (i, j). */
static float block_mean(const float *m, int rows, int cols, int i, int j, int drows, int dcols) {
    int r0 = (int)((long)i * rows / drows), r1 = (int)((long)(i + 1) * rows / drows);
    int c0 = (int)((long)j * cols / dcols), c1 = (int)((long)(j + 1) * cols / dcols);
    if (r1 <= r0) r1 = r0 + 1;
    if (c1 <= c0) c1 = c0 + 1;
    double s = 0;
    int k = 0;
    for (int a = r0; a < r1 && a < rows; a++)
        for (int b = c0; b < c1 && b < cols; b++)
            if (isfinite(m[(size_t)a * cols + b])) s += m[(size_t)a * cols + b], k++;
    return k ? (float)(s / k) : 0.0f;
}

void heatmap_matrix(Grid *g, Rect r, const float *m, int rows, int cols, char *const *row_labels) {
    if (r.w < 2 || r.h < 1 || rows < 1 || cols < 1 || !m) return;
    int half = g->color && g->utf8;
    int per_cell = half ? 2 : 1;
    int labw = row_labels ? 8 : 0;
    if (labw && r.w - labw < 8) labw = 0;
    /* Small maps are magnified (up to 4x) so a short review's map stays readable. */
    int fx = (r.w - labw) / cols, fy = r.h * per_cell / rows, f = fx < fy ? fx : fy;
    if (f > 4) f = 4;
    if (f < 1) f = 1;
    int dcols = cols * f < r.w - labw ? cols * f : r.w - labw;
    int drows = rows * f < r.h * per_cell ? rows * f : r.h * per_cell;
    float *d = malloc((size_t)drows * (size_t)dcols * sizeof *d);
    if (!d) return;
    for (int i = 0; i < drows; i++)
        for (int j = 0; j < dcols; j++) d[i * dcols + j] = block_mean(m, rows, cols, i, j, drows, dcols);
    float mx = max_of(d, drows * dcols);
    for (int y = 0; y * per_cell < drows; y++) {
        int i = y * per_cell;
        if (labw) {
            /* Each source row is labelled once, on its first display row. */
            int src = (int)((long)i * rows / drows), prev = y > 0 ? (int)((long)(i - per_cell) * rows / drows) : -1;
            if (src != prev)
                grid_text(g, r.x, r.y + y, labw - 1, row_labels[src] ? row_labels[src] : "", style(COL_DIM, 0));
        }
        for (int j = 0; j < dcols; j++) {
            double a = mx > 0 ? d[i * dcols + j] / mx : 0;
            if (half) {
                double b = i + 1 < drows && mx > 0 ? d[(i + 1) * dcols + j] / mx : 0;
                Style st = {(uint8_t)(COL_HEAT0 + heat_level(a)), (uint8_t)(COL_HEAT0 + heat_level(b)), 0};
                grid_put(g, r.x + labw + j, r.y + y, 0x2580, st);
            } else if (g->color) {
                Style st = {COL_TEXT, (uint8_t)(COL_HEAT0 + heat_level(a)), 0};
                grid_put(g, r.x + labw + j, r.y + y, ' ', st);
            } else {
                grid_put(g, r.x + labw + j, r.y + y, heat_glyph(g, a), style(COL_TEXT, 0));
            }
        }
    }
    free(d);
}
