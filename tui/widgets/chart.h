/* Line chart with axes, tick labels and a legend, for several series at once.
 * Resolution ladder: braille (2x4 dots a cell) when the grid takes UTF-8,
 * one marker character a cell otherwise. NaN and infinite values break the
 * line; empty series, one point and flat series still give a readable chart. */
#ifndef SENTUI_CHART_H
#define SENTUI_CHART_H

#include <stddef.h>
#include "common/units.h"
#include "widgets/grid.h"

typedef struct ChartSeries {
    const char *name;    /* legend entry; NULL keeps it out of the legend */
    const float *x;      /* NULL: the index is the x value */
    const float *y;
    int n;
    int color;           /* a Color role, usually COL_SERIES0 + i */
    int faint;           /* raw data drawn dim under its smoothed line */
    int points;          /* markers at each point (sparse evaluations) instead of a line */
    char marker;         /* ASCII marker; 0 picks one from the series colour */
    const char *tag;     /* short label written at the curve's last point, so
                            curves are told apart without colour; NULL: none */
} ChartSeries;

typedef struct ChartOpts {
    const char *title;
    const char *xlabel;
    int ascii;           /* force the ASCII rung even on a UTF-8 grid */
    double xmin, xmax, ymin, ymax; /* NaN: from the data */
    double cursor_x;     /* NaN: none; a vertical marker (the replay cursor) */
    int legend;          /* on the title row when it fits, else on rows below it */
} ChartOpts;

void chart_opts_default(ChartOpts *o);
void chart_draw(Grid *g, Rect r, const ChartSeries *s, int n, const ChartOpts *o);

/* Tick positions: a 1-2-5 step covering [lo, hi] with about `want` ticks. */
double chart_nice_step(double span, int want);
/* Tick label for v on an axis whose ticks are `step` apart ("0.25", "12k", "1e+30"). */
void chart_format_tick(double v, double step, char *buf, size_t n);

#endif
