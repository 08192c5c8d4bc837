/* `sentui report RUN... -o FILE`: the HTML report of the runs (report/report.h),
 * and `sentui plot RUN... --svg FILE`: one of its figures as a file of its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "report/report.h"

static const char usage[] = "usage: sentui report RUN... [-o FILE] [--x step|epoch|wall] [--dir DIR]\n"
                            "  one self-contained HTML file (default report.html): curves, confusion matrices,\n"
                            "  token heatmaps of the explained reviews, results table, config differences\n";

/* Resolves every RUN argument; returns how many, or -1 after saying which one failed. */
static int resolve_runs(int argc, char **argv, const char *cmd, char (*paths)[RUN_PATH_MAX], const char **dirs) {
    const char *dir = cli_flag_value(argc, argv, "--dir"), *arg;
    char err[512];
    int n = 0;
    for (; cli_positional(argc, argv, n, &arg); n++) {
        if (cli_resolve_run(arg, dir, paths[n], RUN_PATH_MAX, err, sizeof err)) {
            fprintf(stderr, "sentui %s: %s\n", cmd, err);
            return -1;
        }
        dirs[n] = paths[n];
    }
    return n;
}

int cmd_report(int argc, char **argv) {
    static const char *const known[] = {"-o", "--output", "--x", "--dir", "--help", "-h", NULL};
    if (cli_has_flag(argc, argv, "--help") || cli_has_flag(argc, argv, "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    const char *bad = cli_unknown_flag(argc, argv, known);
    const char *out = cli_flag_value(argc, argv, "-o");
    if (!out) out = cli_flag_value(argc, argv, "--output");
    const char *xs = cli_flag_value(argc, argv, "--x");
    int x = xs ? fig_x_parse(xs) : FIG_X_STEP, n = cli_positional_count(argc, argv);
    if (bad || n == 0 || x < 0 || (cli_has_flag(argc, argv, "-o") && !out) || (out && !*out)) {
        if (bad) fprintf(stderr, "sentui report: unknown option '%s'\n", bad);
        else if (x < 0) fprintf(stderr, "sentui report: --x takes step, epoch or wall, not '%s'\n", xs);
        fputs(usage, stderr);
        return 2;
    }
    char (*paths)[RUN_PATH_MAX] = calloc((size_t)n, sizeof *paths);
    const char **dirs = calloc((size_t)n, sizeof *dirs);
    int rc = 1;
    if (paths && dirs && resolve_runs(argc, argv, "report", paths, dirs) == n) {
        char err[1024];
        int figs = report_write_file(out ? out : "report.html", dirs, n, (FigX)x, err, sizeof err);
        if (figs < 0) fprintf(stderr, "sentui report: %s\n", err);
        else printf("wrote %s (%d run%s, %d figures)\n", out ? out : "report.html", n, n == 1 ? "" : "s", figs), rc = 0;
    }
    free(paths);
    free(dirs);
    return rc;
}

static const char plot_usage[] =
    "usage: sentui plot RUN... --svg FILE [--what curves|confusion|heatmap] [--dir DIR]\n"
    "  curves:    [--metric val-acc|val-f1|val-loss|train-loss] [--x step|epoch|wall], runs overlaid\n"
    "  confusion: the first RUN's test confusion matrix (else its best validation one)\n"
    "  heatmap:   [--sample N] the first RUN's N-th explained review of its last evaluation (1: the first)\n";

static int plot_metric(const char *s) {
    static const char *const names[CMP_METRICS] = {"val-acc", "val-f1", "val-loss", "train-loss"};
    for (int m = 0; m < CMP_METRICS; m++)
        if (s && !strcmp(s, names[m])) return m;
    return s ? -1 : CMP_VAL_ACC;
}

/* Draws the figure of one kind; returns 0, or 1 after saying why there is none. */
static int plot_figure(FILE *f, const CompareRun *runs, int n, const char *what, int metric, FigX x, int sample) {
    FigOpts o = {.x = x, .standalone = 1};
    if (!strcmp(what, "curves")) {
        fig_curves(f, runs, n, (CompareMetric)metric, &o);
        return 0;
    }
    CompareRow r;
    compare_row(&runs[0], &r);
    int k;
    const char *const *names = fig_class_names(&runs[0], &k);
    char title[512];
    if (!strcmp(what, "confusion")) {
        const char *split;
        const EvalPoint *e = fig_run_confusion(&runs[0], &split);
        if (!e) return fprintf(stderr, "sentui plot: %s has no evaluation yet\n", runs[0].dir), 1;
        snprintf(title, sizeof title, "%s: %s split", r.name, split);
        if (fig_confusion_eval(f, &runs[0], e, title, &o) != 0)
            return fprintf(stderr, "sentui plot: %s: the confusion matrix does not match the run's classes\n", runs[0].dir), 1;
        return 0;
    }
    const ExplainSet *set = fig_last_explain(&runs[0]);
    if (!set) return fprintf(stderr, "sentui plot: %s has no explained reviews\n", runs[0].dir), 1;
    if (sample > set->n)
        return fprintf(stderr, "sentui plot: --sample %d: the run explains %d reviews\n", sample, set->n), 1;
    snprintf(title, sizeof title, "review %d, step %d", set->samples[sample - 1].index, set->step);
    fig_heatmap(f, &set->samples[sample - 1], names, k, title, &o);
    return 0;
}

/* Writes the figure to a temporary file renamed over path once complete. */
static int plot_write(const char *path, const char *const *dirs, int n, const char *what, int metric, FigX x,
                      int sample) {
    CompareRun *runs = calloc((size_t)n, sizeof *runs);
    char err[1024], tmp[4200];
    int ok = 0, rc = 1;
    for (; runs && ok < n; ok++)
        if (compare_load(&runs[ok], dirs[ok], err, sizeof err)) {
            fprintf(stderr, "sentui plot: %s\n", err);
            compare_run_free(&runs[ok]);
            goto out;
        }
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "sentui plot: cannot write %s: %s\n", path, strerror(errno));
        goto out;
    }
    rc = plot_figure(f, runs, n, what, metric, x, sample);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || (rc == 0 && rename(tmp, path) != 0)) {
        fprintf(stderr, "sentui plot: cannot write %s: %s\n", path, strerror(errno ? errno : EIO));
        rc = 1;
    }
    if (rc) unlink(tmp);
    else printf("wrote %s\n", path);
out:
    for (int i = 0; i < ok; i++) compare_run_free(&runs[i]);
    free(runs);
    return rc;
}

int cmd_plot(int argc, char **argv) {
    static const char *const known[] = {"--svg", "--what", "--metric", "--x", "--sample", "--dir", "--help", "-h", NULL};
    if (cli_has_flag(argc, argv, "--help") || cli_has_flag(argc, argv, "-h")) {
        fputs(plot_usage, stdout);
        return 0;
    }
    const char *bad = cli_unknown_flag(argc, argv, known), *svg = cli_flag_value(argc, argv, "--svg");
    const char *what = cli_flag_value(argc, argv, "--what"), *xs = cli_flag_value(argc, argv, "--x");
    const char *ss = cli_flag_value(argc, argv, "--sample");
    int metric = plot_metric(cli_flag_value(argc, argv, "--metric")), x = xs ? fig_x_parse(xs) : FIG_X_STEP;
    int n = cli_positional_count(argc, argv), sample = ss ? atoi(ss) : 1;
    if (!what) what = "curves";
    const char *why = bad ? "unknown option" : !svg || !*svg ? "--svg FILE is needed" : n == 0 ? "no RUN given"
                    : strcmp(what, "curves") && strcmp(what, "confusion") && strcmp(what, "heatmap")
                        ? "--what takes curves, confusion or heatmap"
                    : metric < 0 ? "--metric takes val-acc, val-f1, val-loss or train-loss"
                    : x < 0      ? "--x takes step, epoch or wall"
                    : sample < 1 ? "--sample takes a number from 1"
                                 : NULL;
    if (why) {
        fprintf(stderr, "sentui plot: %s%s%s\n%s", why, bad ? " " : "", bad ? bad : "", plot_usage);
        return 2;
    }
    char (*paths)[RUN_PATH_MAX] = calloc((size_t)n, sizeof *paths);
    const char **dirs = calloc((size_t)n, sizeof *dirs);
    int rc = 1;
    if (paths && dirs && resolve_runs(argc, argv, "plot", paths, dirs) == n)
        rc = plot_write(svg, dirs, n, what, metric, (FigX)x, sample);
    free(paths);
    free(dirs);
    return rc;
}
