/* A sweep's results table: its trials ranked by the sweep's metric, their
 * swept values, best validation and test values, status and run folder, as
 * text, Markdown, CSV or JSON (`sentui sweep show`, the end of a sweep and
 * `sentui compare SWEEPDIR`). */
#ifndef SENTUI_SWEEP_SHOW_H
#define SENTUI_SWEEP_SHOW_H

#include <stdio.h>

#include "run/sweep_state.h"
#include "screens/compare.h"

/* Ranks sw's trials, prints the table and, in text, the best trial. */
void sweep_print_table(FILE *f, const Sweep *sw, CompareFormat fmt);
/* The run folders of sw's trials that have one, best first (paths malloc'd
 * into out, which holds plan.n_trials). Returns how many. */
int sweep_ranked_runs(const Sweep *sw, char **out);
/* The status word of a row: its state, "interrupted" for a running trial
 * whose process is gone. */
const char *sweep_row_status(const SweepRow *r);

#endif
