/* Running a sweep's trials: each one a `sentui train` (or, for a trial cut
 * short, `sentui resume`) child process of the sweep. Processes rather than
 * threads: the compute threads and BLAS pool are per process, so trials side
 * by side each get their own share of the cores; a trial that fails or is
 * killed takes nothing else down; and every trial is exactly what `sentui
 * train` makes. A child dies with its sweep (it is sent SIGTERM, so it saves
 * its run, which `sentui sweep resume` then continues). */
#ifndef SENTUI_SWEEP_RUN_H
#define SENTUI_SWEEP_RUN_H

#include "run/sweep_state.h"

typedef struct SweepRunOpts {
    int parallel;   /* trials at once */
    int threads;    /* compute threads per trial; 0: the config's */
    int rank;       /* this process's MPI rank (0 alone) */
} SweepRunOpts;

/* Runs trials todo[0..n) of sw, at most o->parallel at once, printing each
 * trial's output prefixed with its number; records each trial's state as it
 * changes. Returns 0 when all finished, 1 when one failed, 130 when stopped
 * by Ctrl-C or SIGTERM (the trials saved; resume continues them). */
int sweep_run_trials(Sweep *sw, const int *todo, int n, const SweepRunOpts *o);

#endif
