/* The collectives of data-parallel training: Open MPI when built with
 * SENTUI_MPI, single-process stand-ins otherwise (see dist.h). */
#include "run/dist.h"

#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef SENTUI_MPI
#include <mpi.h>
#endif

static int g_rank = 0, g_size = 1, g_local = 1;
static DistStats g_stats;

static double mono_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int dist_rank(void) { return g_rank; }
int dist_size(void) { return g_size; }
int dist_local_size(void) { return g_local; }
DistStats dist_stats(void) { return g_stats; }

int dist_default_threads(void) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    int cores = online > 0 ? (int)online : 1;
    cpu_set_t set;
    /* Bound by the launcher to fewer cores than the machine has: those are this rank's. */
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int bound = CPU_COUNT(&set);
        if (bound > 0 && bound < cores) return g_local > 1 && bound * g_local > cores ? 1 : bound;
    }
    int per = cores / (g_local > 0 ? g_local : 1);
    return per > 0 ? per : 1;
}

/* ---- the watchdog ----------------------------------------------------------- */

static atomic_long wait_since_ms; /* 0: not inside a collective */
static atomic_long note_step;
static atomic_int watch_on;
static double watch_timeout;
static pthread_t watch_thread;
static int watch_started;

static long now_ms(void) { return (long)(mono_seconds() * 1000.0); }

static inline void comm_enter(void) { atomic_store(&wait_since_ms, now_ms() | 1); }

static inline void comm_leave(double t0) {
    atomic_store(&wait_since_ms, 0);
    g_stats.comm_seconds += mono_seconds() - t0;
}

void dist_watchdog_note_step(long step) { atomic_store(&note_step, step); }

static void *watchdog(void *arg) {
    (void)arg;
    while (atomic_load(&watch_on)) {
        struct timespec nap = {0, 200 * 1000 * 1000};
        nanosleep(&nap, NULL);
        long since = atomic_load(&wait_since_ms);
        if (!since || (double)(now_ms() - since) / 1000.0 < watch_timeout) continue;
        fprintf(stderr,
                "sentui: rank %d of %d waited %.0f s for the other ranks at step %ld: a rank died or hangs. "
                "Ending the job; the run folder keeps its last checkpoint (sentui resume RUN).\n",
                g_rank, g_size, watch_timeout, atomic_load(&note_step) + 1);
        fflush(stderr);
#ifdef SENTUI_MPI
        MPI_Abort(MPI_COMM_WORLD, 3);
#endif
        _exit(3);
    }
    return NULL;
}

void dist_watchdog_start(double timeout_s) {
    if (timeout_s <= 0 || g_size < 2 || watch_started) return;
    watch_timeout = timeout_s;
    atomic_store(&watch_on, 1);
    watch_started = pthread_create(&watch_thread, NULL, watchdog, NULL) == 0;
}

void dist_watchdog_stop(void) {
    if (!watch_started) return;
    atomic_store(&watch_on, 0);
    pthread_join(watch_thread, NULL);
    watch_started = 0;
}

/* ---- MPI or its stand-ins --------------------------------------------------- */

#ifdef SENTUI_MPI

static int g_started = 0;

int dist_available(void) { return 1; }

int dist_init(int launched, char *err, size_t errlen) {
    if (!launched || g_started) return 0;
    int provided = 0;
    /* The trainer calls collectives from its worker thread and the watchdog may abort from its own. */
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI could not start");
        return -1;
    }
    g_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    MPI_Comm node;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &g_local);
        MPI_Comm_free(&node);
    }
    if (provided < MPI_THREAD_SERIALIZED && g_size > 1) {
        snprintf(err, errlen, "this MPI library cannot be called from the training thread (thread level %d)",
                 provided);
        return -1;
    }
    return 0;
}

void dist_finalize(void) {
    dist_watchdog_stop();
    if (g_started) MPI_Finalize();
    g_started = 0;
}

void dist_allreduce_sum(float *buf, size_t n) {
    if (g_size < 2) return;
    double t0 = mono_seconds();
    comm_enter();
    for (size_t off = 0; off < n;) {
        int c = n - off > (size_t)INT_MAX ? INT_MAX : (int)(n - off);
        MPI_Allreduce(MPI_IN_PLACE, buf + off, c, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        off += (size_t)c;
    }
    comm_leave(t0);
}

void dist_count_exchange(double seconds, size_t bytes) {
    g_stats.reduces++;
    g_stats.reduce_seconds += seconds;
    g_stats.reduce_bytes = bytes;
}

void dist_allreduce_sum_f64(double *buf, size_t n) {
    if (g_size < 2) return;
    double t0 = mono_seconds();
    comm_enter();
    MPI_Allreduce(MPI_IN_PLACE, buf, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    comm_leave(t0);
}

void dist_allreduce_or_u8(unsigned char *buf, size_t n) {
    if (g_size < 2) return;
    double t0 = mono_seconds();
    comm_enter();
    for (size_t off = 0; off < n;) {
        int c = n - off > (size_t)INT_MAX ? INT_MAX : (int)(n - off);
        MPI_Allreduce(MPI_IN_PLACE, buf + off, c, MPI_UNSIGNED_CHAR, MPI_BOR, MPI_COMM_WORLD);
        off += (size_t)c;
    }
    comm_leave(t0);
}

int dist_any(int flag) {
    if (g_size < 2) return flag != 0;
    int v = flag != 0;
    double t0 = mono_seconds();
    comm_enter();
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    comm_leave(t0);
    return v;
}

void dist_broadcast(void *buf, size_t bytes, int root) {
    if (g_size < 2) return;
    double t0 = mono_seconds();
    comm_enter();
    for (size_t off = 0; off < bytes;) {
        int c = bytes - off > (size_t)INT_MAX ? INT_MAX : (int)(bytes - off);
        MPI_Bcast((char *)buf + off, c, MPI_BYTE, root, MPI_COMM_WORLD);
        off += (size_t)c;
    }
    comm_leave(t0);
}

void dist_barrier(void) {
    if (g_size < 2) return;
    double t0 = mono_seconds();
    comm_enter();
    MPI_Barrier(MPI_COMM_WORLD);
    comm_leave(t0);
}

void dist_barrier_idle(void) {
    if (g_size < 2) return;
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    for (int done = 0;;) {
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done) break;
        struct timespec nap = {0, 100 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
}

#else

int dist_available(void) { return 0; }

int dist_init(int launched, char *err, size_t errlen) {
    (void)launched, (void)err, (void)errlen;
    return 0;
}

void dist_finalize(void) {}
void dist_allreduce_sum(float *buf, size_t n) { (void)buf, (void)n; }
void dist_allreduce_sum_f64(double *buf, size_t n) { (void)buf, (void)n; }
void dist_allreduce_or_u8(unsigned char *buf, size_t n) { (void)buf, (void)n; }
void dist_count_exchange(double seconds, size_t bytes) { (void)seconds, (void)bytes; }
int dist_any(int flag) { return flag != 0; }
void dist_broadcast(void *buf, size_t bytes, int root) { (void)buf, (void)bytes, (void)root; }
void dist_barrier(void) {}
void dist_barrier_idle(void) {}

#endif
