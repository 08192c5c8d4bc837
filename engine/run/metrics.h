/* Classification metrics from a confusion matrix: accuracy, precision, recall
 * and F1 for the positive class (1), plus macro and support-weighted F1 over
 * both classes. A ratio whose denominator is zero counts as 0 (as scikit-learn
 * does), so an empty or one-sided split still gives finite numbers. */
#ifndef SENTUI_METRICS_H
#define SENTUI_METRICS_H

#include <stdint.h>

typedef struct Metrics {
    long confusion[2][2]; /* [true][pred]: {{tn, fp}, {fn, tp}} */
    long n;
    double accuracy;
    double precision, recall, f1; /* binary, class 1 */
    double f1_macro, f1_weighted;
    double loss;                  /* mean cross-entropy, filled by the caller (0 otherwise) */
} Metrics;

void metrics_clear(Metrics *m);
/* Adds n (label, prediction) pairs; labels and predictions outside {0,1} are ignored. */
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
