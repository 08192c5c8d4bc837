/* Several runs side by side: the metrics table (text, Markdown, CSV, JSON),
 * their curves overlaid in one chart, and the config keys that differ. Used
 * by `sentui compare` and by the Compare screen. */
#ifndef SENTUI_COMPARE_H
#define SENTUI_COMPARE_H

#include <stdio.h>

#include "config/config.h"
#include "widgets/grid.h"
#include "run/run.h"
#include "run/runstate.h"

typedef struct CompareRun {
    char dir[RUN_PATH_MAX];
    RunSummary sum;
    int has_sum;
    RunState rs;
    Config cfg;
    int has_cfg;
} CompareRun;

typedef enum { CMP_VAL_ACC, CMP_VAL_F1, CMP_VAL_LOSS, CMP_TRAIN_LOSS, CMP_METRICS } CompareMetric;
typedef enum { CMP_TEXT, CMP_MARKDOWN, CMP_CSV, CMP_JSON } CompareFormat;

/* Reads a run's summary, events and config; -1 with err when none of them can be read. */
int compare_load(CompareRun *c, const char *dir, char *err, size_t errlen);
void compare_run_free(CompareRun *c);
const char *compare_metric_name(CompareMetric m);
/* Curves of one metric for every run against epochs. */
void compare_chart(Grid *g, Rect r, const CompareRun *runs, int n, CompareMetric m);
void compare_print_table(FILE *f, const CompareRun *runs, int n, CompareFormat fmt);
/* Keys whose values differ between the runs, one line each into g (from row r.y); returns lines used. */
int compare_draw_diff(Grid *g, Rect r, const CompareRun *runs, int n);
void compare_print_diff(FILE *f, const CompareRun *runs, int n);

/* Figures of a run for tables, from its summary or else its events. */
typedef struct CompareRow {
    const char *name, *arch, *status;
    long params;
    int epochs;
    double val_acc, val_f1, test_acc, test_f1, test_f1_weighted, test_f1_macro, seconds, tokens_per_s;
    long eval_limit; /* eval.limit: scores of the first N validation and test reviews only; 0: whole splits */
} CompareRow;
void compare_row(const CompareRun *c, CompareRow *r);
/* Whether any run scored part of its splits, the format of a row's scores
 * ("%.4f", with "*" when limited), and the footnote for that "*". */
int compare_any_limited(const CompareRun *runs, int n);
const char *compare_score_format(const CompareRow *r);
extern const char compare_limit_note[];

#endif
