#include "run/metrics.h"

#include <string.h>

#include "config/config.h"

void metrics_clear(Metrics *m) { metrics_clear_classes(m, 2); }

void metrics_clear_classes(Metrics *m, int n_classes) {
    memset(m, 0, sizeof *m);
    m->n_classes = n_classes < 2 ? 2 : n_classes > MAX_CLASSES ? MAX_CLASSES : n_classes;
}

void metrics_add(Metrics *m, const int32_t *labels, const int32_t *preds, int n) {
    int k = m->n_classes < 2 ? 2 : m->n_classes;
    for (int i = 0; i < n; i++) {
        int y = labels[i], p = preds[i];
        if (y < 0 || y >= k || p < 0 || p >= k) continue;
        m->confusion[y][p]++;
    }
}

static double ratio(double a, double b) { return b > 0 ? a / b : 0.0; }

/* Precision, recall, F1 and support of every class, from the confusion matrix. */
static void per_class(Metrics *m, int k) {
    for (int c = 0; c < k; c++) {
        double tp = (double)m->confusion[c][c], predicted = 0, actual = 0;
        for (int o = 0; o < k; o++) predicted += (double)m->confusion[o][c], actual += (double)m->confusion[c][o];
        m->class_precision[c] = ratio(tp, predicted);
        m->class_recall[c] = ratio(tp, actual);
        m->class_f1[c] = ratio(2 * tp, predicted + actual);
        m->class_support[c] = (long)actual;
    }
}

void metrics_finish(Metrics *m) {
    int k = m->n_classes < 2 ? 2 : m->n_classes;
    m->n_classes = k;
    double n = 0, right = 0, macro = 0, weighted = 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++) n += (double)m->confusion[i][j], right += i == j ? (double)m->confusion[i][j] : 0;
    per_class(m, k);
    m->n = (long)n;
    m->accuracy = ratio(right, n);
    /* summed in class order, which for two classes is the order these sums always had */
    for (int c = 0; c < k; c++) macro += m->class_f1[c], weighted += m->class_f1[c] * (double)m->class_support[c];
    m->f1_macro = macro / k;
    m->f1_weighted = ratio(weighted, n);
    if (k == 2) {
        m->precision = m->class_precision[1];
        m->recall = m->class_recall[1];
        m->f1 = m->class_f1[1];
        return;
    }
    double p = 0, r = 0;
    for (int c = 0; c < k; c++) p += m->class_precision[c], r += m->class_recall[c];
    m->precision = p / k;
    m->recall = r / k;
    m->f1 = m->f1_macro;
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
