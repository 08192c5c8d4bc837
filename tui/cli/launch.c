/* Joining an MPI job from the launcher's environment: the engine never reads
 * the environment, so the size of the job and the watchdog's timeout are
 * resolved here and handed to run/dist.h. */
#include "cli/launch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/tensor.h"
#include "run/dist.h"

/* Seconds a rank waits for the others in one exchange before it ends the
 * job: long enough for rank 0 to write a large checkpoint. */
#define RANK_TIMEOUT_DEFAULT 120.0

/* The job's size as Open MPI, PMI (Slurm's srun) or PMIx announce it; 1 when
 * no launcher started this process, 0 when one did without saying the size. */
static long launcher_size(void) {
    static const char *vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v) return strtol(v, NULL, 10);
    }
    return getenv("PMIX_RANK") ? 0 : 1;
}

static void leave_job(void) { dist_finalize(); }

int launch_start(int argc, char **argv) {
    long size = launcher_size();
    if (size == 1) return 0;
    const char *cmd = argc > 1 ? argv[1] : "";
    /* A sweep shares its trials out between the ranks (each trial on one rank). */
    int sweep = !strcmp(cmd, "sweep") && !(argc > 2 && !strcmp(argv[2], "show"));
    if (size > 1 && strcmp(cmd, "train") && strcmp(cmd, "resume") && !sweep) {
        /* Anything else would run once per rank, side by side, each the whole command. */
        fprintf(stderr,
                "sentui: only `train`, `resume` and `sweep` run on several ranks; run `sentui %s` without mpirun\n",
                cmd[0] ? cmd : "(the workbench)");
        return 2;
    }
    if (!dist_available()) {
        if (size == 0) return 0;
        fprintf(stderr,
                "sentui: started as one of %ld processes, but this sentui was built without MPI: every process "
                "would train the whole run alone. Install Open MPI (libopenmpi-dev, openmpi-bin) and rebuild, "
                "or run sentui without mpirun.\n",
                size);
        return 2;
    }
    char err[256];
    if (dist_init(1, err, sizeof err) != 0) {
        fprintf(stderr, "sentui: %s\n", err);
        return 1;
    }
    atexit(leave_job);
    /* One voice: the other ranks' output would repeat rank 0's. Errors still reach stderr. */
    if (dist_rank() > 0 && !freopen("/dev/null", "w", stdout)) return 1;
    const char *tv = getenv("SENTUI_RANK_TIMEOUT");
    double timeout = tv && *tv ? strtod(tv, NULL) : RANK_TIMEOUT_DEFAULT;
    dist_watchdog_start(timeout);
    return 0;
}

void launch_report(FILE *out) {
    if (dist_size() < 2) return;
    DistStats st = dist_stats();
    double per = st.reduces ? st.reduce_seconds / (double)st.reduces : 0;
    fprintf(out,
            "data-parallel: %d ranks x %d threads; gradient all-reduce %.1f kB per step, %.3f ms per step "
            "over %ld steps; %.2f s in all exchanges\n",
            dist_size(), compute_threads(), (double)st.reduce_bytes / 1e3, per * 1e3, st.reduces, st.comm_seconds);
}
