/* Heat painting for the explanation panel: a review's tokens coloured by
 * their weight, and a token-by-token attention matrix. With colour the weight
 * is the background; without colour it is spelt in shade characters
 * (░▒▓█, or " .:-=+*#%@" without UTF-8) so nothing depends on colour alone. */
#ifndef SENTUI_HEATMAP_H
#define SENTUI_HEATMAP_H

#include "widgets/grid.h"

/* Heat level 0..HEAT_LEVELS-1 of v in [0,1] (clamped, NaN is 0). */
int heat_level(double v);
/* Shade glyph of v in [0,1] for grids without colour. */
uint32_t heat_glyph(const Grid *g, double v);

/* Paints tokens wrapped over r, each by weight[i] / max weight. With colour a
 * token is one row; without colour each text row gets a shade row beneath.
 * Returns how many tokens fitted. */
int heatmap_tokens(Grid *g, Rect r, char *const *tokens, const float *weight, int n);

/* rows x cols matrix m (row-major) scaled by its largest value. With colour
 * and UTF-8 each cell shows two rows with the half block ▀ (foreground =
 * upper row, background = lower row); otherwise one shade character per
 * value. Larger matrices are averaged down to fit. row_labels may be NULL. */
void heatmap_matrix(Grid *g, Rect r, const float *m, int rows, int cols, char *const *row_labels);

#endif
