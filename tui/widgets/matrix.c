#include "widgets/matrix.h"

#include <stdio.h>
#include <string.h>

#include "widgets/heatmap.h"

/* One cell: shaded by the share of its true class; its count when it fits,
 * else the share as a percentage, else the shade alone. */
static void compact_cell(Grid *g, Rect cell, long c, double share, int diagonal) {
    int hot = heat_level(share) >= HEAT_LEVELS / 2;
    Style fill = {COL_TEXT, (uint8_t)(COL_HEAT0 + heat_level(share)), hot ? ATTR_BOLD : 0};
    if (g->color) grid_fill(g, cell, ' ', fill);
    else grid_fill(g, cell, heat_glyph(g, share * 0.6), style(COL_DIM, 0));
    Style txt = g->color ? fill : style(COL_TEXT, diagonal ? ATTR_BOLD : 0);
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", c);
    if ((int)strlen(buf) > cell.w) snprintf(buf, sizeof buf, "%.0f%%", 100.0 * share);
    if ((int)strlen(buf) > cell.w) snprintf(buf, sizeof buf, "%.0f", share >= 0.995 ? 99.0 : 100.0 * share);
    int w = (int)strlen(buf);
    if (w <= cell.w) grid_text(g, cell.x + cell.w - w, cell.y, w, buf, txt);
}

/* The numbers that stand for class names where there is no room for them:
 * "1 food  2 music ...", wrapped over the rows from y. */
static void draw_legend(Grid *g, Rect r, int y, int n, const char *const *labels) {
    int x = r.x;
    for (int i = 0; i < n && y < r.y + r.h; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%d %.20s", i + 1, labels ? labels[i] : "?");
        int w = utf8_columns(buf);
        if (x > r.x && x + w > r.x + r.w) x = r.x, y++;
        if (y >= r.y + r.h) break;
        grid_text(g, x, y, r.x + r.w - x, buf, style(COL_DIM, 0));
        x += w + 2;
    }
}

/* More than two classes: columns are numbered, rows give number and name
 * (abbreviated) when there is room, else only the number and a legend below;
 * one row per class. */
typedef struct Layout {
    int numw, labw, cw, named;
} Layout;

static Layout compact_layout(int n, int width, const char *const *labels) {
    Layout l = {n >= 10 ? 2 : 1, 0, 0, 0};
    int namew = 0;
    for (int i = 0; labels && i < n; i++) {
        int w = utf8_columns(labels[i]);
        if (w > namew) namew = w;
    }
    l.labw = l.numw + 2 + (namew < 12 ? namew : 12);
    if (l.labw > width / 3) l.labw = width / 3;
    l.named = labels && (width - l.labw) / n >= 3 && l.labw >= l.numw + 4;
    if (!l.named) l.labw = l.numw + 1;
    l.cw = (width - l.labw) / n;
    if (l.cw > 9) l.cw = 9;
    return l;
}

/* Rows of the legend at this width: entries as draw_legend packs them. */
static int legend_rows(int n, int width, const char *const *labels) {
    int rows = 1, x = 0;
    for (int i = 0; i < n; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%d %.20s", i + 1, labels ? labels[i] : "?");
        int w = utf8_columns(buf);
        if (x > 0 && x + w > width) x = 0, rows++;
        x += w + 2;
    }
    return rows;
}

int matrix_rows(int n, int width, const char *const *labels) {
    if (n <= 2) return 2 * n + 1;
    Layout l = compact_layout(n, width, labels);
    return 1 + n + (l.named ? 0 : legend_rows(n, width, labels));
}

static void draw_compact(Grid *g, Rect r, const long *counts, int n, const char *const *labels) {
    Layout l = compact_layout(n, r.w, labels);
    int numw = l.numw, labw = l.labw, cw = l.cw, named = l.named;
    if (cw < 2) {
        grid_text(g, r.x, r.y, r.w, "(too narrow for the matrix)", style(COL_DIM, 0));
        return;
    }
    char buf[64];
    for (int j = 0; j < n; j++) {
        /* too narrow for 10..: the last digit, as on a ruler */
        snprintf(buf, sizeof buf, "%d", cw - 1 < 2 ? (j + 1) % 10 : j + 1);
        int w = (int)strlen(buf);
        grid_text(g, r.x + labw + j * cw + (cw - 1 - w), r.y, w, buf, style(COL_HEADER, ATTR_BOLD));
    }
    if (labw > 10) grid_text(g, r.x, r.y, labw - 1, "true\\pred", style(COL_DIM, 0));
    for (int i = 0; i < n; i++) {
        long row = 0;
        for (int j = 0; j < n; j++) row += counts[i * n + j];
        int y = r.y + 1 + i;
        if (named) snprintf(buf, sizeof buf, "%*d %s", numw, i + 1, labels[i]);
        else snprintf(buf, sizeof buf, "%*d", numw, i + 1);
        grid_text(g, r.x, y, labw - 1, buf, style(COL_HEADER, ATTR_BOLD));
        for (int j = 0; j < n; j++) {
            long c = counts[i * n + j];
            compact_cell(g, rect(r.x + labw + j * cw, y, cw - 1, 1), c, row > 0 ? (double)c / row : 0, i == j);
        }
    }
    if (!named) draw_legend(g, r, r.y + 1 + n, n, labels);
}

void matrix_draw(Grid *g, Rect r, const long *counts, int n, const char *const *labels) {
    if (n > 2 && r.w >= 10 && r.h >= n + 1) {
        draw_compact(g, r, counts, n, labels);
        return;
    }
    if (n < 1 || r.w < 10 || r.h < n + 1) {
        if (r.w > 0 && r.h > 0) grid_text(g, r.x, r.y, r.w, "(too small)", style(COL_DIM, 0));
        return;
    }
    int labw = 0;
    for (int i = 0; i < n; i++) {
        int w = utf8_columns(labels[i]) + 6; /* "true " and a gap */
        if (w > labw) labw = w;
    }
    if (labw > r.w / 3) labw = r.w / 3;
    int cw = (r.w - labw) / n;
    if (cw > 18) cw = 18;
    /* Cell height: two rows (count, share) when there is room, else one. */
    int ch = r.h >= 1 + 2 * n ? 2 : 1;
    char buf[64];
    for (int j = 0; j < n; j++) {
        snprintf(buf, sizeof buf, "pred %s", labels[j]);
        int w = utf8_columns(buf);
        if (w > cw) w = cw;
        grid_text(g, r.x + labw + j * cw + (cw - w) / 2, r.y, w, buf, style(COL_HEADER, ATTR_BOLD));
    }
    for (int i = 0; i < n; i++) {
        long row = 0;
        for (int j = 0; j < n; j++) row += counts[i * n + j];
        int y = r.y + 1 + i * ch;
        snprintf(buf, sizeof buf, "true %s", labels[i]);
        grid_text(g, r.x, y, labw - 1, buf, style(COL_HEADER, ATTR_BOLD));
        for (int j = 0; j < n; j++) {
            long c = counts[i * n + j];
            double share = row > 0 ? (double)c / row : 0;
            int x = r.x + labw + j * cw;
            Rect cell = rect(x, y, cw - 1, ch);
            int hot = heat_level(share) >= HEAT_LEVELS / 2;
            Style fill = {COL_TEXT, (uint8_t)(COL_HEAT0 + heat_level(share)), hot ? ATTR_BOLD : 0};
            if (g->color) grid_fill(g, cell, ' ', fill);
            else grid_fill(g, cell, heat_glyph(g, share * 0.6), style(COL_DIM, 0));
            Style txt = g->color ? fill : style(COL_TEXT, i == j ? ATTR_BOLD : 0);
            if (ch == 2) snprintf(buf, sizeof buf, " %ld ", c);
            else snprintf(buf, sizeof buf, " %ld %.0f%% ", c, 100.0 * share);
            int w = (int)strlen(buf);
            if (w > cw - 1) w = cw - 1;
            grid_text(g, x + (cw - 1 - w) / 2, y, w, buf, txt);
            snprintf(buf, sizeof buf, " %.1f%% ", 100.0 * share);
            w = (int)strlen(buf);
            if (w > cw - 1) w = cw - 1;
            if (ch == 2) grid_text(g, x + (cw - 1 - w) / 2, y + 1, w, buf, txt);
        }
    }
}
