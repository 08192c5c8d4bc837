/* A plain grid of cells that every widget and screen draws into. Only
 * tui/term.c copies it to curses, so all drawing can be checked in tests and
 * dumped as text (`--dump`) without a terminal.
 *
 * Colours are semantic roles; term.c maps them to the terminal's palette, or
 * to attributes when there is no colour. */
#ifndef SENTUI_GRID_H
#define SENTUI_GRID_H

#include <stdint.h>
#include <stdio.h>

#define HEAT_LEVELS 8
#define SERIES_COLORS 6

typedef enum {
    COL_DEFAULT = 0,
    COL_TEXT,
    COL_DIM,
    COL_TITLE,
    COL_BORDER,
    COL_AXIS,
    COL_KEY,      /* key names in the help line */
    COL_HEADER,   /* table headers, bars */
    COL_SELECT,   /* selected row */
    COL_GOOD,
    COL_BAD,
    COL_WARN,
    COL_ACCENT,
    COL_SERIES0,  /* SERIES_COLORS of them */
    COL_SERIES1,
    COL_SERIES2,
    COL_SERIES3,
    COL_SERIES4,
    COL_SERIES5,
    COL_HEAT0,    /* HEAT_LEVELS of them, cold to hot */
    COL_COUNT = COL_HEAT0 + HEAT_LEVELS,
} Color;

enum { ATTR_BOLD = 1, ATTR_DIM = 2, ATTR_REVERSE = 4, ATTR_UNDERLINE = 8 };

typedef struct Style { uint8_t fg, bg, attr; } Style;
typedef struct Cell { uint32_t ch; uint8_t fg, bg, attr; } Cell;
typedef struct Rect { int x, y, w, h; } Rect;

typedef struct Grid {
    int w, h;
    Cell *cells;
    int utf8;   /* glyphs beyond ASCII may be used */
    int color;  /* colours are shown (else widgets shade with characters) */
} Grid;

static inline Style style(uint8_t fg, uint8_t attr) { return (Style){fg, COL_DEFAULT, attr}; }
static inline Rect rect(int x, int y, int w, int h) { return (Rect){x, y, w, h}; }

int grid_init(Grid *g, int w, int h, int utf8, int color);
int grid_resize(Grid *g, int w, int h);
void grid_free(Grid *g);
void grid_clear(Grid *g);
Cell *grid_at(Grid *g, int x, int y);           /* NULL outside */
const Cell *grid_cell(const Grid *g, int x, int y);
void grid_put(Grid *g, int x, int y, uint32_t ch, Style s);
/* UTF-8 text clipped to maxw columns; returns columns used. Control bytes and
 * invalid UTF-8 become '?', and so does anything beyond ASCII without UTF-8. */
int grid_text(Grid *g, int x, int y, int maxw, const char *s, Style st);
int grid_textf(Grid *g, int x, int y, int maxw, Style st, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Right-aligned so that the text ends just before column xend. */
int grid_text_right(Grid *g, int xend, int y, int maxw, const char *s, Style st);
void grid_fill(Grid *g, Rect r, uint32_t ch, Style st);
/* Sets colours and attributes of existing cells (selection bars, highlights). */
void grid_paint(Grid *g, Rect r, Style st);
void grid_hline(Grid *g, int x, int y, int w, Style st);
void grid_vline(Grid *g, int x, int y, int h, Style st);
/* Frame with a title in the top border; returns the inner rectangle. */
Rect grid_box(Grid *g, Rect r, const char *title, Style st);

/* Text of the whole grid, one line per row, trailing blanks trimmed (malloc'd). */
char *grid_dump(const Grid *g);
void grid_dump_file(const Grid *g, FILE *f);
/* One row as UTF-8 into buf (trailing blanks trimmed). */
char *grid_row(const Grid *g, int y, char *buf, size_t n);
/* First position of needle in the rows (row by row); 1 when found. */
int grid_find(const Grid *g, const char *needle, int *x, int *y);

/* UTF-8 helpers shared by the widgets. */
int utf8_encode(uint32_t cp, char out[5]);
/* Decodes one codepoint from s (at most n bytes); returns bytes used (>= 1), cp = '?' on bad input:
 * a well-formed sequence with a value not allowed is one '?', a broken one costs one byte. */
int utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Columns a UTF-8 string takes in the grid. */
int utf8_columns(const char *s);

Rect rect_inset(Rect r, int n);
/* Splits r into a left part w columns wide and the rest (gap columns between). */
void rect_split_cols(Rect r, int w, int gap, Rect *left, Rect *right);
void rect_split_rows(Rect r, int h, int gap, Rect *top, Rect *bottom);

#endif
