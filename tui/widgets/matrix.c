#include "widgets/matrix.h"

#include <stdio.h>
#include <string.h>

#include "widgets/heatmap.h"

void matrix_draw(Grid *g, Rect r, const long *counts, int n, const char *const *labels) {
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
