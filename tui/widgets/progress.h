/* One-row progress bar with eighth-cell resolution in UTF-8 ('#' without). */
#ifndef SENTUI_PROGRESS_H
#define SENTUI_PROGRESS_H

#include "widgets/grid.h"

/* Draws the bar over the row r (frac clamped to [0,1], NaN as 0) followed by
 * text when it fits ("42%" when text is NULL). */
void progress_draw(Grid *g, Rect r, double frac, const char *text);

#endif
