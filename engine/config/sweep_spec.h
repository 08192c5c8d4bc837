/* A hyperparameter sweep as the user states it (a SWEEP.yaml, or --grid and
 * --range on the command line) and the trials it expands to. Keys and values
 * are checked by the config schema's own rules, so a sweep cannot name a key
 * or a value a config would refuse; errors carry file:line:col like a
 * config's. The trials' state lives in run/sweep_state.h. */
#ifndef SENTUI_SWEEP_SPEC_H
#define SENTUI_SWEEP_SPEC_H

#include <stdint.h>

#include "config/config.h"

#define SWEEP_MAX_AXES 16
#define SWEEP_MAX_TRIALS 10000

/* One swept key: a list of values (grid), or a range sampled per trial. */
typedef struct SweepAxis {
    const ConfigKey *key;
    int range;      /* 0: grid values; 1: sampled from [lo, hi] */
    char **values;  /* grid values as text, n of them */
    int n;
    double lo, hi;
    int log;        /* range: log-uniform */
} SweepAxis;

typedef struct SweepSpec {
    char *config;   /* the base config file */
    char *name;     /* NULL: chosen from the config's name and the time */
    char **sets;    /* fixed "key=value" overrides for every trial */
    int n_sets;
    SweepAxis axes[SWEEP_MAX_AXES];
    int n_axes;
    int random;     /* trials drawn from the ranges (times the grid) */
    uint64_t seed;
    int metric;     /* Metric ranking the trials; -1: the config's eval.metric */
    int parallel;   /* trials side by side on one machine (0: not given) */
} SweepSpec;

/* The trials a spec expands to: values[t * n_keys + k] is trial t's text for
 * keys[k]. Also what a sweep folder stores, so a resumed sweep runs exactly
 * the trials it started with. */
typedef struct SweepPlan {
    int n_trials, n_keys;
    char **keys;
    char **values;
} SweepPlan;

void sweep_spec_init(SweepSpec *s);
void sweep_spec_free(SweepSpec *s);
/* Reads a SWEEP.yaml over s; a relative base config is taken from the
 * sweep file's folder. Returns the number of problems added to errs. */
int sweep_spec_load_file(SweepSpec *s, const char *path, ConfigErrors *errs);
/* "model.dropout=0.1,0.3" (--grid) and "train.lr=1e-4:1e-2:log" (--range). */
int sweep_spec_add_grid(SweepSpec *s, const char *arg, ConfigErrors *errs);
int sweep_spec_add_range(SweepSpec *s, const char *arg, ConfigErrors *errs);
/* A metric name (accuracy, f1, ..., loss) into s->metric; 0 or 1 (error added). */
int sweep_spec_set_metric(SweepSpec *s, const char *name, const char *src, int line, int col, ConfigErrors *errs);
/* The whole-spec checks (something to sweep, ranges with a trial count) and
 * the expansion: grid axes as their product, each combination with `random`
 * draws of the ranges from a generator seeded by s->seed, so the same spec
 * always gives the same trials. Returns the problems added (plan empty then). */
int sweep_spec_expand(const SweepSpec *s, SweepPlan *plan, ConfigErrors *errs);
/* One draw in [lo, hi]: uniform, or log-uniform (lo > 0); whole numbers for
 * integer keys. *state is the generator's state. Text goes to buf. */
void sweep_sample_text(const ConfigKey *k, double lo, double hi, int log, uint64_t *state, char *buf, size_t n);

void sweep_plan_free(SweepPlan *p);
const char *sweep_plan_value(const SweepPlan *p, int trial, int key);
/* Higher is better for every metric but loss. */
int sweep_metric_higher_better(int metric);

#endif
