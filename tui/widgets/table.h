/* A table of text cells with sortable columns, a selected row and scrolling.
 * Each cell may carry a number that sorting uses instead of its text. */
#ifndef SENTUI_TABLE_H
#define SENTUI_TABLE_H

#include "widgets/grid.h"

typedef struct TableCol {
    const char *title;
    int width;        /* columns; the last column takes what is left when 0 */
    int right;        /* right-aligned (numbers) */
} TableCol;

typedef struct Table {
    const TableCol *cols;
    int ncols;
    int nrows, cap;
    char **text;      /* nrows x ncols */
    double *key;      /* nrows x ncols; NaN sorts by text (and last) */
    uint8_t *color;   /* per row, Color role (0: default) */
    int *order;       /* display position -> row */
    int sort_col, sort_desc;
    int sel;          /* display position of the selection */
    int top;          /* first display position shown */
} Table;

void table_init(Table *t, const TableCol *cols, int ncols);
void table_free(Table *t);
void table_clear(Table *t);
int table_add_row(Table *t);  /* returns the row index, -1 when out of memory */
void table_set(Table *t, int row, int col, const char *text, double key);
void table_set_color(Table *t, int row, int color);
/* Sorts by col (keeping the selected row selected); stable. */
void table_sort(Table *t, int col, int desc);
/* Moves the selection by delta rows (clamped). */
void table_move(Table *t, int delta);
/* Row index of the selection, -1 when empty. */
int table_selected(const Table *t);
void table_select_row(Table *t, int row);
/* Draws the header and as many rows as fit, scrolling to keep the selection visible. */
void table_draw(Grid *g, Rect r, Table *t, int focused);

#endif
