#include "widgets/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void table_init(Table *t, const TableCol *cols, int ncols) {
    memset(t, 0, sizeof *t);
    t->cols = cols;
    t->ncols = ncols;
    t->sort_col = -1;
}

void table_clear(Table *t) {
    for (int i = 0; i < t->nrows * t->ncols; i++) free(t->text[i]);
    t->nrows = 0;
}

void table_free(Table *t) {
    table_clear(t);
    free(t->text);
    free(t->key);
    free(t->color);
    free(t->order);
    memset(t, 0, sizeof *t);
}

int table_add_row(Table *t) {
    if (t->nrows == t->cap) {
        int nc = t->cap ? t->cap * 2 : 16;
        char **text = realloc(t->text, (size_t)nc * (size_t)t->ncols * sizeof *text);
        if (!text) return -1;
        t->text = text;
        double *key = realloc(t->key, (size_t)nc * (size_t)t->ncols * sizeof *key);
        if (!key) return -1;
        t->key = key;
        uint8_t *color = realloc(t->color, (size_t)nc);
        if (!color) return -1;
        t->color = color;
        int *order = realloc(t->order, (size_t)nc * sizeof *order);
        if (!order) return -1;
        t->order = order;
        t->cap = nc;
    }
    int r = t->nrows++;
    for (int c = 0; c < t->ncols; c++) t->text[r * t->ncols + c] = NULL, t->key[r * t->ncols + c] = NAN;
    t->color[r] = 0;
    t->order[r] = r;
    return r;
}

void table_set(Table *t, int row, int col, const char *text, double key) {
    if (row < 0 || row >= t->nrows || col < 0 || col >= t->ncols) return;
    char **slot = &t->text[row * t->ncols + col];
    free(*slot);
    *slot = strdup(text ? text : "");
    t->key[row * t->ncols + col] = key;
}

void table_set_color(Table *t, int row, int color) {
    if (row >= 0 && row < t->nrows) t->color[row] = (uint8_t)color;
}

static const Table *sort_table;

static int cmp_rows(const void *pa, const void *pb) {
    const Table *t = sort_table;
    int a = *(const int *)pa, b = *(const int *)pb, c = t->sort_col;
    double ka = t->key[a * t->ncols + c], kb = t->key[b * t->ncols + c];
    int r;
    if (!isnan(ka) || !isnan(kb)) {
        /* Missing numbers go last whatever the direction. */
        if (isnan(ka)) return 1;
        if (isnan(kb)) return -1;
        r = ka < kb ? -1 : ka > kb;
    } else {
        const char *sa = t->text[a * t->ncols + c], *sb = t->text[b * t->ncols + c];
        r = strcmp(sa ? sa : "", sb ? sb : "");
    }
    if (t->sort_desc) r = -r;
    return r ? r : (a > b) - (a < b); /* stable: ties keep insertion order */
}

void table_sort(Table *t, int col, int desc) {
    if (col < 0 || col >= t->ncols) return;
    int keep = table_selected(t);
    t->sort_col = col;
    t->sort_desc = desc;
    for (int i = 0; i < t->nrows; i++) t->order[i] = i;
    sort_table = t;
    if (t->nrows > 1) qsort(t->order, (size_t)t->nrows, sizeof *t->order, cmp_rows);
    sort_table = NULL;
    if (keep >= 0) table_select_row(t, keep);
}

void table_move(Table *t, int delta) {
    t->sel += delta;
    if (t->sel >= t->nrows) t->sel = t->nrows - 1;
    if (t->sel < 0) t->sel = 0;
}

int table_selected(const Table *t) {
    if (t->nrows == 0) return -1;
    int s = t->sel < 0 ? 0 : t->sel >= t->nrows ? t->nrows - 1 : t->sel;
    return t->order[s];
}

void table_select_row(Table *t, int row) {
    for (int i = 0; i < t->nrows; i++)
        if (t->order[i] == row) t->sel = i;
}

void table_draw(Grid *g, Rect r, Table *t, int focused) {
    if (r.w < 1 || r.h < 1) return;
    int x = r.x;
    for (int c = 0; c < t->ncols && x < r.x + r.w; c++) {
        int w = t->cols[c].width ? t->cols[c].width : r.x + r.w - x;
        if (x + w > r.x + r.w) w = r.x + r.w - x;
        char title[64];
        const char *arrow = c == t->sort_col ? (t->sort_desc ? (g->utf8 ? "\u25BC" : "v") : (g->utf8 ? "\u25B2" : "^")) : "";
        snprintf(title, sizeof title, "%s%s", t->cols[c].title, arrow);
        Style hs = style(COL_HEADER, ATTR_BOLD | (c == t->sort_col ? ATTR_UNDERLINE : 0));
        if (t->cols[c].right) grid_text_right(g, x + w - 1, r.y, w - 1, title, hs);
        else grid_text(g, x, r.y, w - 1, title, hs);
        x += w;
    }
    int body = r.h - 1;
    if (body < 1) return;
    if (t->sel >= t->nrows) t->sel = t->nrows - 1;
    if (t->sel < 0) t->sel = 0;
    if (t->sel < t->top) t->top = t->sel;
    if (t->sel >= t->top + body) t->top = t->sel - body + 1;
    if (t->top > t->nrows - body) t->top = t->nrows - body;
    if (t->top < 0) t->top = 0;
    for (int i = 0; i < body && t->top + i < t->nrows; i++) {
        int pos = t->top + i, row = t->order[pos], y = r.y + 1 + i;
        int selected = pos == t->sel;
        Style st = style(t->color[row] ? t->color[row] : COL_TEXT, 0);
        if (selected) {
            st = (Style){COL_SELECT, COL_DEFAULT, (uint8_t)(focused ? ATTR_REVERSE | ATTR_BOLD : ATTR_BOLD)};
            grid_fill(g, rect(r.x, y, r.w, 1), ' ', st);
        }
        x = r.x;
        for (int c = 0; c < t->ncols && x < r.x + r.w; c++) {
            int w = t->cols[c].width ? t->cols[c].width : r.x + r.w - x;
            if (x + w > r.x + r.w) w = r.x + r.w - x;
            const char *s = t->text[row * t->ncols + c];
            if (s) {
                if (t->cols[c].right) grid_text_right(g, x + w - 1, y, w - 1, s, st);
                else grid_text(g, x, y, w - 1, s, st);
            }
            x += w;
        }
    }
    if (t->nrows > body) {
        char more[32];
        snprintf(more, sizeof more, " %d/%d ", t->sel + 1, t->nrows);
        grid_text_right(g, r.x + r.w, r.y, r.w, more, style(COL_DIM, 0));
    }
}
