#include "run/metrics.h"

#include <string.h>

#include "config/config.h"

void metrics_clear(Metrics *m) { memset(m, 0, sizeof *m); }

void metrics_add(Metrics *m, const int32_t *labels, const int32_t *preds, int n) {
    for (int i = 0; i < n; i++) {
        int y = labels[i], p = preds[i];
        if (y < 0 || y > 1 || p < 0 || p > 1) continue;
        m->confusion[y][p]++;
    }
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

/* F1 of class c, from the confusion matrix. */
static double class_f1(const long cm[2][2], int c) {
    double tp = (double)cm[c][c];
    double fp = (double)cm[1 - c][c];
    double fn = (double)cm[c][1 - c];
    return ratio(2 * tp, 2 * tp + fp + fn);
}

void metrics_finish(Metrics *m) {
    const long(*cm)[2] = m->confusion;
    double tn = (double)cm[0][0], fp = (double)cm[0][1], fn = (double)cm[1][0], tp = (double)cm[1][1];
    double n = tn + fp + fn + tp;
    m->n = (long)n;
    m->accuracy = ratio(tn + tp, n);
    m->precision = ratio(tp, tp + fp);
    m->recall = ratio(tp, tp + fn);
    m->f1 = class_f1(cm, 1);
    double f0 = class_f1(cm, 0);
    m->f1_macro = (f0 + m->f1) / 2;
    double support0 = tn + fp, support1 = fn + tp;
    m->f1_weighted = ratio(f0 * support0 + m->f1 * support1, n);
}

void metrics_compute(Metrics *m, const int32_t *labels, const int32_t *preds, int n) {
    metrics_clear(m);
    metrics_add(m, labels, preds, n);
    metrics_finish(m);
}

double metrics_get(const Metrics *m, int metric) {
    switch (metric) {
    case METRIC_F1: return m->f1;
    case METRIC_F1_MACRO: return m->f1_macro;
    case METRIC_F1_WEIGHTED: return m->f1_weighted;
    case METRIC_LOSS: return m->loss;
    case METRIC_ACCURACY:
    default: return m->accuracy;
    }
}

int metric_better(int metric, double a, double b) { return metric == METRIC_LOSS ? a < b : a > b; }

const char *metric_name(int metric) {
    static const char *names[] = {"accuracy", "f1", "f1_macro", "f1_weighted", "loss"};
    return metric >= 0 && metric <= METRIC_LOSS ? names[metric] : "accuracy";
}
