/* A sweep's results: its trials ranked by the sweep's metric as their run
 * folders' summaries record it, and the winner's config as best.yaml. */
#include "run/sweep_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double score_value(const RunScore *s, int metric) {
    switch (metric) {
    case METRIC_F1: return s->f1;
    case METRIC_F1_MACRO: return s->f1_macro;
    case METRIC_F1_WEIGHTED: return s->f1_weighted;
    case METRIC_LOSS: return s->loss;
    default: return s->accuracy;
    }
}

static void fill_row(const Sweep *sw, int t, SweepRow *r) {
    memset(r, 0, sizeof *r);
    const SweepTrial *tr = &sw->trials[t];
    r->trial = t;
    r->status = tr->status;
    snprintf(r->run, sizeof r->run, "%s", tr->run);
    r->interrupted = tr->status == TRIAL_RUNNING && !pid_alive(tr->pid);
    char dir[RUN_PATH_MAX], err[RUN_PATH_MAX + 64];
    sweep_trial_dir(sw, t, dir, sizeof dir);
    RunSummary s;
    if (!dir[0] || run_summary_load(dir, &s, err, sizeof err) != 0) return;
    if ((r->have_val = s.best.valid)) r->val = score_value(&s.best, sw->metric);
    if ((r->have_test = s.test.valid)) r->test = score_value(&s.test, sw->metric);
}

static int g_higher; /* qsort has no context argument */

/* Trials with a value first, best first; then the rest in trial order. */
static int by_rank(const void *pa, const void *pb) {
    const SweepRow *a = pa, *b = pb;
    if (a->have_val != b->have_val) return b->have_val - a->have_val;
    if (a->have_val && a->val != b->val) return (a->val > b->val) == g_higher ? -1 : 1;
    return a->trial - b->trial;
}

void sweep_rank(const Sweep *sw, SweepRow *rows) {
    for (int t = 0; t < sw->plan.n_trials; t++) fill_row(sw, t, &rows[t]);
    g_higher = sweep_metric_higher_better(sw->metric);
    qsort(rows, (size_t)sw->plan.n_trials, sizeof *rows, by_rank);
}

int sweep_write_best(const Sweep *sw, const SweepRow *rows, char *err, size_t errlen) {
    if (sw->plan.n_trials == 0 || !rows[0].have_val) return 1;
    char dir[RUN_PATH_MAX], path[RUN_PATH_MAX + 32];
    sweep_trial_dir(sw, rows[0].trial, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    Config best, base;
    ConfigSource run_src = {.file = path, .flags = CONFIG_NO_CHECKS};
    char base_path[RUN_PATH_MAX + 32];
    snprintf(base_path, sizeof base_path, "%s/base.yaml", sw->dir);
    ConfigSource base_src = {.file = base_path, .flags = CONFIG_NO_CHECKS};
    ConfigErrors errs = {0};
    int bad = config_read(&best, &run_src, &errs) | config_read(&base, &base_src, &errs);
    int rc = -1;
    if (bad) {
        snprintf(err, errlen, "%s", errs.n ? errs.items[0].msg : "cannot read the best trial's config");
    } else {
        /* The trial's own name and share of the cores were the sweep's doing, not the config's. */
        free(best.train_name);
        best.train_name = strdup(base.train_name ? base.train_name : "");
        best.train_threads = base.train_threads;
        char *yaml = config_to_yaml(&best);
        snprintf(path, sizeof path, "%s/best.yaml", sw->dir);
        rc = yaml ? write_file_atomic(path, yaml, strlen(yaml), err, errlen) : -1;
        free(yaml);
    }
    config_errors_free(&errs);
    config_free(&best);
    config_free(&base);
    return rc;
}
