#include "run/cost.h"

#include <stdio.h>

double cost_eval_flops_per_token(const Model *m, int T) { return model_flops_per_token(m, T); }

double cost_train_flops_per_token(const Model *m, int T) { return 3.0 * model_flops_per_token(m, T); }

long cost_split_tokens(const Split *s, const int32_t *order, int n) {
    long t = 0;
    for (int i = 0; i < n; i++) {
        int len = s->lengths[order ? order[i] : i];
        t += len < s->T ? len : s->T;
    }
    return t;
}

void cost_format_flops(double flops, char *buf, int n) {
    static const char *const prefix[] = {"", "k", "M", "G", "T", "P", "E"};
    int p = 0;
    while (flops >= 1000 && p < 6) flops /= 1000, p++;
    snprintf(buf, (size_t)n, flops < 10 && p ? "%.1f %sFLOP" : "%.0f %sFLOP", flops, prefix[p]);
}
