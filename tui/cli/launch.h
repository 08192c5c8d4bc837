/* Started by an MPI launcher (mpirun, srun): the process joins the job
 * (run/dist.h) before any command runs, and leaves it at exit. */
#ifndef SENTUI_LAUNCH_H
#define SENTUI_LAUNCH_H

#include <stdio.h>

/* 0 to go on; otherwise the exit status, with the reason said on stderr
 * (a build without MPI started as one of several ranks, a command other
 * than train, resume or sweep on several ranks, or MPI failing). */
int launch_start(int argc, char **argv);

/* Under several ranks, a line on what data parallelism cost (threads per
 * rank, gradient bytes and all-reduce time per step); nothing otherwise. */
void launch_report(FILE *out);

#endif
