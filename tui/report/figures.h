/* The report's figures, each one <svg>: curves of several runs overlaid, a
 * confusion matrix of any number of classes, and the token heatmap of an
 * explained review. The HTML report embeds them; `sentui plot` writes one
 * as a file of its own. */
#ifndef SENTUI_REPORT_FIGURES_H
#define SENTUI_REPORT_FIGURES_H

#include <stdio.h>

#include "screens/compare.h"

typedef enum { FIG_X_STEP, FIG_X_EPOCH, FIG_X_WALL } FigX;

typedef struct FigOpts {
    FigX x;
    int standalone; /* a file of its own: the XML declaration */
} FigOpts;

/* "step", "epoch" or "wall" -> FigX; -1 for anything else. */
int fig_x_parse(const char *s);

/* One metric (compare.h's CompareMetric) of every run against o->x; a legend
 * entry per run, told apart by dash and mark as well as colour. */
void fig_curves(FILE *f, const CompareRun *runs, int n, CompareMetric m, const FigOpts *o);

/* counts[t*k + p]: examples of true class t predicted as p; names[k]. Cells
 * are shaded by the share of their row (the recall of the true class). */
void fig_confusion(FILE *f, const long *counts, int k, const char *const *names, const char *title, const FigOpts *o);

/* The review's tokens shaded by the explanation's weight, one row for the
 * weight and, when the sample has attention, one per layer and head (the
 * attention each token receives, averaged over the positions attending). */
void fig_heatmap(FILE *f, const ExplainSample *x, const char *const *names, int k, const char *title,
                 const FigOpts *o);

/* The confusion matrix a report shows for a run: the test split's, else the
 * best validation's; NULL when the run has no evaluation. *split names it. */
const EvalPoint *fig_run_confusion(const CompareRun *c, const char **split);
/* The classes' names of a run, in label order; *k their count. */
const char *const *fig_class_names(const CompareRun *c, int *k);
/* The confusion matrix of one evaluation of run c, with the run's class
 * names; -1 (nothing written) when its size does not match them. */
int fig_confusion_eval(FILE *f, const CompareRun *c, const EvalPoint *e, const char *title, const FigOpts *o);
/* The last explained samples of a run, or NULL. */
const ExplainSet *fig_last_explain(const CompareRun *c);

#endif
