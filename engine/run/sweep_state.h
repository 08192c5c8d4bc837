/* A sweep folder: the state of a hyperparameter sweep, next to the run
 * folders of its trials, written so that a sweep killed at any moment can be
 * resumed with only its unfinished trials.
 *
 *   <runs_dir>/sweep-<name>/
 *     sweep.json      the spec as given (command line) and as expanded: the
 *                     swept keys and each trial's values, the metric
 *     spec.yaml       the sweep file, when the sweep came from one
 *     base.yaml       the resolved base config every trial starts from
 *     trials/NNN.json each trial's status, run folder name and process
 *     best.yaml       the best trial's config, once one has finished
 *
 * Every file is written atomically (write_file_atomic). Each trial file has
 * one writer (the process running the trial's rank), so ranks of an MPI job
 * sharing the runs folder never write the same file. A trial is a normal run
 * folder in <runs_dir> whose train.name is "<name>-tNN": the sweep and the
 * trial it belongs to are in its folder name and summary. */
#ifndef SENTUI_SWEEP_STATE_H
#define SENTUI_SWEEP_STATE_H

#include <stddef.h>

#include "config/config.h"
#include "config/sweep_spec.h"
#include "run/run.h"

typedef enum { TRIAL_PENDING, TRIAL_RUNNING, TRIAL_DONE, TRIAL_FAILED } TrialStatus;

typedef struct SweepTrial {
    TrialStatus status;
    char run[256];      /* its run folder's name in the runs folder; "" before it has one */
    long pid;           /* the sweep process running it */
    int rank;           /* that process's MPI rank */
    char reason[256];   /* why it failed */
} SweepTrial;

typedef struct Sweep {
    char dir[RUN_PATH_MAX];
    char name[128];
    char created[32];
    char command[2048]; /* the command line that started it */
    int metric;         /* Metric ranking the trials */
    int parallel;       /* trials side by side per process (1: one after another) */
    SweepPlan plan;
    SweepTrial *trials; /* plan.n_trials of them */
} Sweep;

const char *sweep_status_text(TrialStatus st);
/* 1 when dir holds a sweep.json. */
int sweep_is_dir(const char *dir);
/* "lr-dropout" -> 0; -1 with err when it cannot be a folder name. */
int sweep_check_name(const char *name, char *err, size_t errlen);
/* Creates <runs_dir>/sweep-<sw->name> from sw (name, command, metric,
 * parallel, plan filled by the caller): base.yaml from base, spec.yaml from
 * spec_text when not NULL, sweep.json and every trial pending. An existing
 * folder is an error (resume it instead). Fills sw->dir and sw->trials. */
int sweep_create(Sweep *sw, const char *runs_dir, const Config *base, const char *spec_text, char *err, size_t errlen);
/* The sweep folders in runs_dir (holding a sweep.json), oldest first:
 * their paths, malloc'd, in *out (free each and the array). Returns how many. */
int sweep_list(const char *runs_dir, char ***out);
/* Reads sweep.json and every trial's state. */
int sweep_load(Sweep *sw, const char *dir, char *err, size_t errlen);
void sweep_free(Sweep *sw);
/* Writes trials/NNN.json for trial t from sw->trials[t]. */
int sweep_trial_save(const Sweep *sw, int t, char *err, size_t errlen);
/* The runs folder the trials are in (the sweep folder's parent). */
void sweep_runs_dir(const Sweep *sw, char *out, size_t n);
/* "<name>-t03": the trial's train.name. */
void sweep_trial_name(const Sweep *sw, int t, char *out, size_t n);
/* The path of the trial's run folder ("" when it has none yet). */
void sweep_trial_dir(const Sweep *sw, int t, char *out, size_t n);

/* One line of the results table. */
typedef struct SweepRow {
    int trial;
    TrialStatus status;
    int interrupted;    /* "running" but its process is gone */
    char run[256];
    int have_val, have_test;
    double val, test;   /* the sweep's metric: best validation, and test */
} SweepRow;

/* The trials ranked by the metric's best validation value (best first);
 * trials without one follow in trial order. rows holds plan.n_trials. */
void sweep_rank(const Sweep *sw, SweepRow *rows);
/* Writes best.yaml, the config of rows[0] (when it has a value) as its run
 * folder recorded it, with the base config's name and threads. 1 when there
 * is no best trial yet, -1 on error. */
int sweep_write_best(const Sweep *sw, const SweepRow *rows, char *err, size_t errlen);

#endif
