#include "widgets/progress.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void progress_draw(Grid *g, Rect r, double frac, const char *text) {
    if (r.w < 1 || r.h < 1) return;
    if (!(frac > 0)) frac = 0;
    if (frac > 1) frac = 1;
    char pct[16];
    if (!text) snprintf(pct, sizeof pct, "%3.0f%%", 100 * frac), text = pct;
    int tw = utf8_columns(text);
    int bw = r.w - tw - 1;
    if (bw < 4) bw = r.w, tw = 0;
    int inner = bw - 2;
    grid_put(g, r.x, r.y, g->utf8 ? 0x2595 : '[', style(COL_BORDER, 0));
    grid_put(g, r.x + bw - 1, r.y, g->utf8 ? 0x258F : ']', style(COL_BORDER, 0));
    int eighths = (int)floor(frac * inner * 8 + 1e-9);
    Style bar = style(COL_ACCENT, ATTR_BOLD);
    for (int i = 0; i < inner; i++) {
        int e = eighths - i * 8;
        uint32_t ch;
        if (e >= 8) ch = g->utf8 ? 0x2588 : '#';
        else if (e <= 0) ch = g->utf8 ? ' ' : '.';
        else ch = g->utf8 ? (uint32_t)(0x2590 - e) : (e >= 4 ? '#' : '.');
        grid_put(g, r.x + 1 + i, r.y, ch, bar);
    }
    if (tw) grid_text(g, r.x + bw + 1, r.y, tw, text, style(COL_TEXT, ATTR_BOLD));
}
