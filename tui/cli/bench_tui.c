/* `sentui bench --tui CONFIG`: what watching costs. The same training runs
 * twice, once drained by a bare loop (headless) and once by the workbench's
 * dashboard ticking, rendering every panel and turning the screen into text
 * at 20 frames/s, and the training throughput of the two is compared. */
#include <dirent.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "screens/app.h"
#include "cli/bench_tui.h"
#include "cli/cli_paths.h"
#include "run/runstate.h"
#include "kernels/tensor.h"
#include "run/train.h"

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *temp_runs_dir(void) {
    char tmpl[256];
    const char *base = getenv("TMPDIR");
    snprintf(tmpl, sizeof tmpl, "%s/sentui-bench-tui-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(tmpl) ? strdup(tmpl) : NULL;
}

static void ignore_line(void *ctx, const char *line) {
    (void)ctx;
    (void)line;
}

/* Training tokens/s of a finished run: tokens of all steps over the time they took. */
static double run_tokens_per_s(const char *runs_dir) {
    DIR *d = opendir(runs_dir);
    if (!d) return 0;
    char path[4200] = "";
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') snprintf(path, sizeof path, "%s/%s/events.jsonl", runs_dir, e->d_name);
    closedir(d);
    RunState s;
    runstate_init(&s);
    double tps = 0;
    if (runstate_load_file(&s, path) == 0 && s.n_steps > 1) {
        /* Median of the per-step figures: robust to the evaluation pauses. */
        int n = s.n_steps;
        double *v = malloc(sizeof(double) * (size_t)n);
        for (int i = 0; i < n; i++) v[i] = s.steps[i].tokens_per_s;
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
                double t = v[j];
                v[j] = v[j - 1];
                v[j - 1] = t;
            }
        tps = v[n / 2];
        free(v);
    }
    runstate_free(&s);
    return tps;
}

static int headless_run(const Config *cfg) {
    char err[512] = "";
    DataPaths paths = cli_data_paths();
    Trainer *t = trainer_start(cfg, &paths, NULL, err, sizeof err);
    if (!t) {
        fprintf(stderr, "sentui bench: %s\n", err);
        return -1;
    }
    while (trainer_poll(t, 0.05, ignore_line, NULL) >= 0) {
    }
    trainer_join(t);
    trainer_free(t);
    return 0;
}

static int dashboard_run(const Config *cfg, long *frames) {
    App a;
    if (app_init(&a, 160, 50, 1, 1, cfg->train_runs_dir, "configs") != 0) return -1;
    a.headless = 1;
    if (dash_start_training(&a, cfg) != 0) {
        app_free(&a);
        return -1;
    }
    FILE *sink = fopen("/dev/null", "w");
    struct timespec frame = {0, 50 * 1000 * 1000};
    do {
        app_tick(&a, now_seconds());
        app_render(&a);
        grid_dump_file(&a.grid, sink);
        (*frames)++;
        nanosleep(&frame, NULL);
    } while (dash_live(&a));
    fclose(sink);
    app_free(&a);
    return 0;
}

int bench_tui_overhead(const Config *base, int json) {
    double tps[2][3] = {{0}};
    int reps = 3;
    long frames = 0;
    /* Alternate the two modes so drifting machine load hits both alike. */
    for (int r = 0; r < reps; r++)
        for (int mode = 0; mode < 2; mode++) {
            char *dir = temp_runs_dir();
            if (!dir) return 1;
            Config c;
            config_copy(&c, base);
            free(c.train_runs_dir);
            c.train_runs_dir = strdup(dir);
            c.eval_test = 0;
            int rc = mode ? dashboard_run(&c, &frames) : headless_run(&c);
            tps[mode][r] = rc == 0 ? run_tokens_per_s(dir) : 0;
            config_free(&c);
            nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
            free(dir);
            if (rc != 0) return 1;
        }
    double h = 0, u = 0;
    for (int r = 0; r < reps; r++) h += tps[0][r] / reps, u += tps[1][r] / reps;
    double cost = h > 0 ? 100.0 * (h - u) / h : NAN;
    if (json)
        printf("{\"bench\":\"tui_overhead\",\"headless_tokens_per_s\":%.0f,\"dashboard_tokens_per_s\":%.0f,"
               "\"cost_percent\":%.2f,\"frames\":%ld}\n",
               h, u, cost, frames);
    else {
        printf("training throughput, headless:            %10.0f tokens/s  (runs: %.0f %.0f %.0f)\n", h, tps[0][0],
               tps[0][1], tps[0][2]);
        printf("training throughput, dashboard at 20 fps: %10.0f tokens/s  (runs: %.0f %.0f %.0f)\n", u, tps[1][0],
               tps[1][1], tps[1][2]);
        printf("cost of watching:                         %9.1f%%  (%ld frames rendered)\n", cost, frames);
    }
    return 0;
}
