/* The smallest SVG writer the figures need: escaped text, lines, axes with
 * ticks, and the palette of series styles that tell curves apart without
 * colour (a dash pattern and a mark each). Everything goes straight to a
 * FILE; nothing is built in memory. */
#ifndef SENTUI_REPORT_SVG_H
#define SENTUI_REPORT_SVG_H

#include <stdio.h>

/* Writes s as XML character data: & < > " ' escaped, control characters
 * dropped and invalid UTF-8 shown as U+FFFD, so whatever a run folder holds
 * stays text in the page and the file stays well-formed. At most max_chars
 * characters (0: all); a cut string ends with an ellipsis. */
void xml_text(FILE *f, const char *s, int max_chars);

/* <svg> with a viewBox, the font and a <title>; standalone adds the XML
 * declaration for a file of its own. */
void svg_open(FILE *f, int w, int h, int standalone, const char *title);
void svg_close(FILE *f);
/* Text at (x, y); anchor "start", "middle" or "end"; rotate in degrees about (x, y). */
void svg_text(FILE *f, double x, double y, const char *anchor, int size, double rotate, const char *s, int max_chars);

/* A linear map from data to pixels. */
typedef struct SvgScale {
    double lo, hi, px0, px1;
} SvgScale;
double svg_px(const SvgScale *s, double v);
/* Round tick positions covering [*lo, *hi] (widened to them); returns the count (at most max). */
int svg_nice_ticks(double *lo, double *hi, int want, double *ticks, int max);

/* The plot frame with ticks, tick labels and axis titles. */
void svg_axes(FILE *f, const SvgScale *x, const SvgScale *y, const double *xt, int nxt, const double *yt, int nyt,
              const char *xlabel, const char *ylabel);

/* Series styles: colour, dash pattern and mark, distinct for the first 24. */
#define SVG_SERIES_STYLES 24
const char *svg_series_color(int i);
const char *svg_series_dash(int i); /* "" for a solid line */
void svg_mark(FILE *f, int i, double x, double y);

/* A sequential colour (white to dark blue) for t in [0,1]: its lightness alone reads the value. */
void svg_heat_color(double t, char *buf, size_t n);

#endif
