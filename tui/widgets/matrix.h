/* Confusion matrix: counts and the share of each true class, shaded by that
 * share (background with colour, shade characters without). */
#ifndef SENTUI_MATRIX_H
#define SENTUI_MATRIX_H

#include "widgets/grid.h"

/* counts is n x n, [true][pred]; labels names the n classes (NULL with more
 * than two: numbers only). More than two classes are drawn one row each with
 * numbered columns, names abbreviated, and a legend when names do not fit. */
/* Rows matrix_draw would use for n classes at this width (with its legend). */
int matrix_rows(int n, int width, const char *const *labels);
void matrix_draw(Grid *g, Rect r, const long *counts, int n, const char *const *labels);

#endif
