/* Classification metrics from a confusion matrix: accuracy, per-class
 * precision, recall and F1, macro and support-weighted F1 over the classes,
 * and (binary) precision, recall and F1 of the positive class (1); with more
 * than two classes those three are the macro averages. A ratio whose denominator is zero counts as 0 (as scikit-learn
 * does), so an empty or one-sided split still gives finite numbers. */
#ifndef SENTUI_METRICS_H
#define SENTUI_METRICS_H

#include <stdint.h>

#include "models/model.h"

typedef struct Metrics {
    long confusion[MAX_CLASSES][MAX_CLASSES]; /* [true][pred]; binary: {{tn, fp}, {fn, tp}} */
    int n_classes;                             /* 2 after metrics_clear */
    long n;
    double class_precision[MAX_CLASSES], class_recall[MAX_CLASSES], class_f1[MAX_CLASSES];
    long class_support[MAX_CLASSES];
    double accuracy;
    double precision, recall, f1; /* binary, class 1 */
    double f1_macro, f1_weighted;
    double loss;                  /* mean cross-entropy, filled by the caller (0 otherwise) */
} Metrics;

void metrics_clear(Metrics *m);
/* Clears for n_classes classes (2..MAX_CLASSES). */
void metrics_clear_classes(Metrics *m, int n_classes);
/* Adds n (label, prediction) pairs; labels and predictions outside
 * 0..n_classes-1 are ignored. */
void metrics_add(Metrics *m, const int32_t *labels, const int32_t *preds, int n);
/* Recomputes every ratio from m->confusion. */
void metrics_finish(Metrics *m);
/* metrics_clear + metrics_add + metrics_finish. */
void metrics_compute(Metrics *m, const int32_t *labels, const int32_t *preds, int n);

/* Value of one METRIC_* (config.h) and whether a beats b (loss: lower is better). */
double metrics_get(const Metrics *m, int metric);
int metric_better(int metric, double a, double b);
const char *metric_name(int metric);

#endif
