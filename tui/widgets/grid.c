#include "widgets/grid.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"

int grid_init(Grid *g, int w, int h, int utf8, int color) {
    memset(g, 0, sizeof *g);
    g->utf8 = utf8;
    g->color = color;
    return grid_resize(g, w, h);
}

int grid_resize(Grid *g, int w, int h) {
    if (w < 1) w = 1;
    if (h < 1) h = 1;
    Cell *c = calloc((size_t)w * (size_t)h, sizeof *c);
    if (!c) return -1;
    free(g->cells);
    g->cells = c;
    g->w = w;
    g->h = h;
    grid_clear(g);
    return 0;
}

void grid_free(Grid *g) {
    free(g->cells);
    g->cells = NULL;
    g->w = g->h = 0;
}

void grid_clear(Grid *g) {
    for (int i = 0; i < g->w * g->h; i++) g->cells[i] = (Cell){' ', COL_DEFAULT, COL_DEFAULT, 0};
}

Cell *grid_at(Grid *g, int x, int y) {
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) return NULL;
    return &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

const Cell *grid_cell(const Grid *g, int x, int y) {
    if (x < 0 || y < 0 || x >= g->w || y >= g->h) return NULL;
    return &g->cells[(size_t)y * (size_t)g->w + (size_t)x];
}

void grid_put(Grid *g, int x, int y, uint32_t ch, Style s) {
    Cell *c = grid_at(g, x, y);
    if (!c) return;
    /* C1 controls too: U+009B is a CSI to some terminals. */
    if (ch < 32 || (ch >= 127 && ch < 160) || (ch > 127 && !g->utf8)) ch = '?';
    *c = (Cell){ch, s.fg, s.bg, s.attr};
}

int utf8_encode(uint32_t cp, char out[5]) {
    int n;
    if (cp < 0x80) out[0] = (char)cp, n = 1;
    else if (cp < 0x800) out[0] = (char)(0xC0 | (cp >> 6)), out[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        out[0] = (char)(0xE0 | (cp >> 12)), out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
        out[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else
        out[0] = (char)(0xF0 | (cp >> 18)), out[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    out[n] = 0;
    return n;
}

int utf8_decode(const char *s, size_t n, uint32_t *cp) {
    const unsigned char *u = (const unsigned char *)s;
    if (n == 0) return *cp = '?', 1;
    if (u[0] < 0x80) return *cp = u[0], 1;
    int len = utf8_decode_multibyte(u, n, cp);
    if (len) return len;
    *cp = '?';
    return utf8_claimed_length(u, n);
}

/* Terminals give these two columns; the grid keeps one glyph per cell. */
static int is_wide(uint32_t c) {
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1FAFF) || c >= 0x20000;
}

static int is_combining(uint32_t c) {
    return (c >= 0x300 && c <= 0x36F) || (c >= 0x200B && c <= 0x200F) || c == 0xFEFF;
}

int utf8_columns(const char *s) {
    int cols = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += (size_t)utf8_decode(s + i, n - i, &cp);
        if (!is_combining(cp)) cols++;
    }
    return cols;
}

int grid_text(Grid *g, int x, int y, int maxw, const char *s, Style st) {
    if (!s) return 0;
    int used = 0;
    size_t n = strlen(s);
    for (size_t i = 0; i < n && used < maxw;) {
        uint32_t cp;
        i += (size_t)utf8_decode(s + i, n - i, &cp);
        if (is_combining(cp)) continue;
        if (is_wide(cp)) cp = '?';
        grid_put(g, x + used, y, cp, st);
        used++;
    }
    return used;
}

int grid_textf(Grid *g, int x, int y, int maxw, Style st, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return grid_text(g, x, y, maxw, buf, st);
}

int grid_text_right(Grid *g, int xend, int y, int maxw, const char *s, Style st) {
    int w = utf8_columns(s);
    if (w > maxw) w = maxw;
    return grid_text(g, xend - w, y, w, s, st);
}

void grid_fill(Grid *g, Rect r, uint32_t ch, Style st) {
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) grid_put(g, x, y, ch, st);
}

void grid_paint(Grid *g, Rect r, Style st) {
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++) {
            Cell *c = grid_at(g, x, y);
            if (c) c->fg = st.fg, c->bg = st.bg, c->attr = st.attr;
        }
}

void grid_hline(Grid *g, int x, int y, int w, Style st) {
    for (int i = 0; i < w; i++) grid_put(g, x + i, y, g->utf8 ? 0x2500 : '-', st);
}

void grid_vline(Grid *g, int x, int y, int h, Style st) {
    for (int i = 0; i < h; i++) grid_put(g, x, y + i, g->utf8 ? 0x2502 : '|', st);
}

Rect grid_box(Grid *g, Rect r, const char *title, Style st) {
    if (r.w < 2 || r.h < 2) return rect(r.x, r.y, 0, 0);
    grid_hline(g, r.x + 1, r.y, r.w - 2, st);
    grid_hline(g, r.x + 1, r.y + r.h - 1, r.w - 2, st);
    grid_vline(g, r.x, r.y + 1, r.h - 2, st);
    grid_vline(g, r.x + r.w - 1, r.y + 1, r.h - 2, st);
    int u = g->utf8;
    grid_put(g, r.x, r.y, u ? 0x250C : '+', st);
    grid_put(g, r.x + r.w - 1, r.y, u ? 0x2510 : '+', st);
    grid_put(g, r.x, r.y + r.h - 1, u ? 0x2514 : '+', st);
    grid_put(g, r.x + r.w - 1, r.y + r.h - 1, u ? 0x2518 : '+', st);
    if (title && *title && r.w > 6) {
        grid_put(g, r.x + 1, r.y, ' ', st);
        int n = grid_text(g, r.x + 2, r.y, r.w - 5, title, style(COL_TITLE, ATTR_BOLD));
        grid_put(g, r.x + 2 + n, r.y, ' ', st);
    }
    return rect(r.x + 1, r.y + 1, r.w - 2, r.h - 2);
}

char *grid_row(const Grid *g, int y, char *buf, size_t n) {
    size_t k = 0, last = 0;
    if (n == 0) return buf;
    for (int x = 0; x < g->w; x++) {
        const Cell *c = grid_cell(g, x, y);
        char enc[5];
        int m = utf8_encode(c ? c->ch : ' ', enc);
        if (k + (size_t)m + 1 > n) break;
        memcpy(buf + k, enc, (size_t)m);
        k += (size_t)m;
        if (c && c->ch != ' ') last = k;
    }
    buf[last] = 0;
    return buf;
}

char *grid_dump(const Grid *g) {
    size_t rowcap = (size_t)g->w * 4 + 1, cap = rowcap * (size_t)g->h + 1, len = 0;
    char *out = malloc(cap), *row = malloc(rowcap);
    if (!out || !row) {
        free(out);
        free(row);
        return NULL;
    }
    for (int y = 0; y < g->h; y++) {
        grid_row(g, y, row, rowcap);
        size_t m = strlen(row);
        memcpy(out + len, row, m);
        len += m;
        out[len++] = '\n';
    }
    out[len] = 0;
    free(row);
    return out;
}

void grid_dump_file(const Grid *g, FILE *f) {
    char *s = grid_dump(g);
    if (s) fputs(s, f);
    free(s);
}

int grid_find(const Grid *g, const char *needle, int *px, int *py) {
    size_t rowcap = (size_t)g->w * 4 + 1;
    char *row = malloc(rowcap);
    if (!row) return 0;
    int found = 0;
    for (int y = 0; y < g->h && !found; y++) {
        grid_row(g, y, row, rowcap);
        char *p = strstr(row, needle);
        if (p) {
            int x = 0;
            for (char *q = row; q < p;) {
                uint32_t cp;
                q += utf8_decode(q, (size_t)(p - q), &cp);
                x++;
            }
            if (px) *px = x;
            if (py) *py = y;
            found = 1;
        }
    }
    free(row);
    return found;
}

Rect rect_inset(Rect r, int n) {
    Rect o = {r.x + n, r.y + n, r.w - 2 * n, r.h - 2 * n};
    if (o.w < 0) o.w = 0;
    if (o.h < 0) o.h = 0;
    return o;
}

void rect_split_cols(Rect r, int w, int gap, Rect *left, Rect *right) {
    if (w > r.w) w = r.w;
    if (w < 0) w = 0;
    int rw = r.w - w - gap;
    if (rw < 0) rw = 0;
    if (left) *left = rect(r.x, r.y, w, r.h);
    if (right) *right = rect(r.x + w + gap, r.y, rw, r.h);
}

void rect_split_rows(Rect r, int h, int gap, Rect *top, Rect *bottom) {
    if (h > r.h) h = r.h;
    if (h < 0) h = 0;
    int bh = r.h - h - gap;
    if (bh < 0) bh = 0;
    if (top) *top = rect(r.x, r.y, r.w, h);
    if (bottom) *bottom = rect(r.x, r.y + h + gap, r.w, bh);
}
