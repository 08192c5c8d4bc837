/* Data-parallel training across processes: the few collective operations the
 * trainer needs, on Open MPI when sentui is built with it (SENTUI_MPI), and
 * single-process stand-ins otherwise (rank 0 of 1; every call a no-op), so
 * the trainer has one code path. Rank 0 owns the run; see README "More
 * machines". */
#ifndef SENTUI_DIST_H
#define SENTUI_DIST_H

#include <stddef.h>

/* Whether this build can run on several processes. */
int dist_available(void);
/* launched: the caller found an MPI launcher's environment (mpirun, srun);
 * without it MPI is not started and the process is rank 0 of 1. Returns 0, or
 * -1 with err filled. */
int dist_init(int launched, char *err, size_t errlen);
void dist_finalize(void);
int dist_rank(void);
int dist_size(void);
/* Ranks sharing this machine (1 when single-process). */
int dist_local_size(void);
/* Compute threads a rank should use by default: the cores it is bound to,
 * or the machine's cores split between the ranks on it. */
int dist_default_threads(void);

/* Collectives: every rank must call them in the same order. Sum in place. */
void dist_allreduce_sum(float *buf, size_t n);
/* Same, for doubles (losses and counts that must add exactly). */
void dist_allreduce_sum_f64(double *buf, size_t n);
/* Bitwise OR of n bytes in place. */
void dist_allreduce_or_u8(unsigned char *buf, size_t n);
/* 1 on every rank when flag is non-zero on any. */
int dist_any(int flag);
void dist_broadcast(void *buf, size_t bytes, int root);
void dist_barrier(void);
/* A barrier for ranks that finish their own work at different times (the
 * trials of a sweep, each run single-process by one rank): it waits without
 * spinning a core, which the ranks still working need, and without the
 * watchdog, since a peer may rightly take hours. */
void dist_barrier_idle(void);

/* The cost of data parallelism so far, printed at the end of `sentui train`:
 * the gradient exchanges (how many, their seconds, the bytes the last summed;
 * counted by the exchange with dist_count_exchange) and the seconds of every
 * collective together. */
typedef struct DistStats {
    long reduces;
    double reduce_seconds;
    size_t reduce_bytes;
    double comm_seconds;
} DistStats;
DistStats dist_stats(void);
void dist_count_exchange(double seconds, size_t bytes);

/* A rank that waits in a collective longer than timeout_s (a peer died or
 * hangs) prints which step it was at and ends the whole job, instead of
 * waiting forever. timeout_s <= 0 or a single process: no watchdog. */
void dist_watchdog_start(double timeout_s);
/* The step the watchdog names in its message. */
void dist_watchdog_note_step(long step);
void dist_watchdog_stop(void);

#endif
