/* Rebuilding a run's summary.json from its event log, for a run whose summary
 * was damaged: events.jsonl holds every figure the summary keeps (the summary
 * exists so that listing runs never reads whole logs). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "run/run.h"

/* "20240501-120000-lstm-..." -> "2024-05-01T12:00:00Z"; "" when the folder
 * name does not start with a time stamp. */
static void started_from_name(const char *run, char *out, size_t n) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(run, "%Y%m%d-%H%M%S", &tm);
    if (!end || (*end && *end != '-')) {
        out[0] = 0;
        return;
    }
    strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void score_from(RunScore *d, const EvalPoint *e) {
    d->valid = 1;
    d->step = e->step;
    d->epoch = e->epoch;
    d->accuracy = e->accuracy;
    d->f1 = e->f1;
    d->f1_macro = e->f1_macro;
    d->f1_weighted = e->f1_weighted;
    d->loss = e->loss;
}

/* Name and dataset come from the run's config. */
static void fill_from_config(const char *dir, RunSummary *s) {
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    Config c;
    ConfigErrors errs = {0};
    /* Lenient: a run written before a cross-field check existed still has
     * its name and dataset to show. */
    if (config_read(&c, &(ConfigSource){.file = path, .flags = CONFIG_NO_CHECKS}, &errs) == 0) {
        snprintf(s->name, sizeof s->name, "%s", c.train_name ? c.train_name : "");
        config_enum_name(DATASET_VALUES, c.data_dataset, s->dataset, sizeof s->dataset);
    }
    config_errors_free(&errs);
    config_free(&c);
}

int run_summary_rebuild(const char *dir, RunSummary *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    RunState st;
    runstate_init(&st);
    if (runstate_load_file(&st, path) != 0) {
        snprintf(err, errlen, "cannot read %s", path);
        return -1;
    }
    if (!st.arch[0]) {
        snprintf(err, errlen, "%s has no start event", path);
        runstate_free(&st);
        return -1;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    const char *base = strrchr(dir, '/');
    snprintf(s->run, sizeof s->run, "%s", base && base[1] ? base + 1 : dir);
    snprintf(s->arch, sizeof s->arch, "%s", st.arch);
    snprintf(s->reason, sizeof s->reason, "%s", st.reason);
    s->status = st.status;
    s->params = st.params;
    s->epochs = st.epochs;
    s->total_steps = st.total_steps;
    s->eval_limit = st.eval_limit;
    if (st.n_steps > 0) {
        const StepPoint *last = &st.steps[st.n_steps - 1];
        s->step = last->step;
        s->epoch = last->epoch;
        s->tokens_per_s = last->tokens_per_s;
    }
    if (st.best_eval >= 0) score_from(&s->best, &st.evals[st.best_eval]);
    if (st.has_test) score_from(&s->test, &st.test);
    s->train_seconds = st.elapsed;
    started_from_name(s->run, s->started, sizeof s->started);
    runstate_free(&st);
    fill_from_config(dir, s);
    return 0;
}
