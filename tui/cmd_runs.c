/* `sentui runs`: one line per run from its summary.json alone, so the
 * listing stays instant with thousands of runs. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cli_runs.h"
#include "commands.h"
#include "run.h"

static void score(char *b, size_t n, const RunScore *s, int f1) {
    double v = f1 ? s->f1 : s->accuracy;
    if (s->valid && isfinite(v)) snprintf(b, n, "%.4f", v);
    else snprintf(b, n, "-");
}

int cmd_runs(int argc, char **argv) {
    const char *dir = NULL;
    int json = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
        else if (!strncmp(argv[i], "--dir=", 6)) dir = argv[i] + 6;
        else if (!strcmp(argv[i], "--json")) json = 1;
        else {
            fprintf(stderr, "usage: sentui runs [--dir DIR] [--json]\n");
            return 2;
        }
    }
    dir = cli_runs_dir(dir);
    RunSummary *runs = NULL;
    char err[512];
    int n = run_list(dir, &runs, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "sentui runs: %s\n", err);
        return 1;
    }
    if (json) {
        printf("[\n");
        for (int i = 0; i < n; i++) {
            const RunSummary *s = &runs[i];
            printf("  {\"run\": \"%s\", \"dir\": \"%s\", \"arch\": \"%s\", \"status\": \"%s\", \"params\": %ld, "
                   "\"epochs\": %d, \"train_seconds\": %.3f}%s\n",
                   s->run, s->dir, s->arch, run_status_text(s->status), s->params, s->epochs, s->train_seconds,
                   i + 1 < n ? "," : "");
        }
        printf("]\n");
        free(runs);
        return 0;
    }
    if (n == 0) {
        printf("no runs in %s (train one with: sentui train CONFIG)\n", dir);
        free(runs);
        return 0;
    }
    /* The id column fits the longest name, so the table stays aligned. */
    int idw = 2;
    for (int i = 0; i < n; i++)
        if ((int)strlen(runs[i].run) > idw) idw = (int)strlen(runs[i].run);
    printf("%-*s %-11s %8s %6s %8s %7s %8s %7s %9s  %s\n", idw, "id", "arch", "params", "epochs", "val acc", "val F1",
           "test acc", "test F1", "time", "status");
    for (int i = 0; i < n; i++) {
        const RunSummary *s = &runs[i];
        char p[32], va[16], vf[16], ta[16], tf[16], t[32];
        format_si((double)s->params, p, sizeof p);
        score(va, sizeof va, &s->best, 0);
        score(vf, sizeof vf, &s->best, 1);
        score(ta, sizeof ta, &s->test, 0);
        score(tf, sizeof tf, &s->test, 1);
        format_duration(s->train_seconds, t, sizeof t);
        printf("%-*s %-11s %8s %6d %8s %7s %8s %7s %9s  %s\n", idw, s->run, s->arch, p, s->epochs, va, vf, ta, tf, t,
               run_status_text(s->status));
    }
    free(runs);
    return 0;
}
