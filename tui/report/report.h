/* The HTML report of one or more runs: one self-contained file (inline CSS
 * and SVG, no script, no network) with the curves, the confusion matrices,
 * the token heatmaps of the explained reviews, the results table and the
 * config keys that differ. `sentui report` and the workbench's report key
 * both write it through report_write_file. */
#ifndef SENTUI_REPORT_REPORT_H
#define SENTUI_REPORT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "report/figures.h"

/* Writes the page; returns the number of <svg> figures in it. */
int report_write(FILE *f, const CompareRun *runs, int n, FigX x);

/* Loads the run folders and writes the page to path (through a temporary
 * file renamed into place, so a failed write leaves no half page). Returns
 * the figure count, or -1 with err filled. A folder that is not a run is
 * an error. */
int report_write_file(const char *path, const char *const *dirs, int n, FigX x, char *err, size_t errlen);

#endif
