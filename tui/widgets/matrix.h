/* Confusion matrix: counts and the share of each true class, shaded by that
 * share (background with colour, shade characters without). */
#ifndef SENTUI_MATRIX_H
#define SENTUI_MATRIX_H

#include "widgets/grid.h"

/* counts is n x n, [true][pred]; labels names the n classes. */
void matrix_draw(Grid *g, Rect r, const long *counts, int n, const char *const *labels);

#endif
