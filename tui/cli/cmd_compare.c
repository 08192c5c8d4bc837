/* `sentui compare RUN...`: the comparison table (text, Markdown, CSV or
 * JSON), the config keys that differ, and the curves as text charts drawn by
 * the same chart widget as the workbench. A sweep folder stands for its
 * trials, after its ranked table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_runs.h"
#include "cli/confusion_print.h"
#include "cli/sweep_show.h"
#include "cli/text_safe.h"
#include "cli/commands.h"
#include "report/figures.h"
#include "screens/compare.h"
#include "term.h"

/* Just past the last occurrence of flag (0 when absent): of several format
 * flags, the last one given wins. */
static int last_given(int argc, char **argv, const char *flag) {
    int it = 0, last = 0;
    const char *value;
    while (cli_flag_next(argc, argv, flag, &it, &value)) last = it;
    return last;
}

static CompareFormat format_given(int argc, char **argv) {
    int md = last_given(argc, argv, "--markdown"), csv = last_given(argc, argv, "--csv"),
        json = last_given(argc, argv, "--json");
    if (md > csv && md > json) return CMP_MARKDOWN;
    if (csv > json) return CMP_CSV;
    return json ? CMP_JSON : CMP_TEXT;
}

/* The option that is not one, or NULL; --dir needs its value and --width
 * takes it only attached (--width=N). */
static const char *bad_option(int argc, char **argv) {
    static const char *const known[] = {"--markdown", "--csv", "--json", "--ascii", "--no-charts",
                                        "--dir", "--width", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known);
    if (bad) return bad;
    if (cli_has_flag(argc, argv, "--dir") && !cli_flag_value(argc, argv, "--dir")) return "--dir";
    if (cli_has_flag(argc, argv, "--width") && !cli_flag_value(argc, argv, "--width")) return "--width";
    return NULL;
}

/* Each run's confusion matrix (its test split's, else its best validation
 * one) with its own class names, so runs with N classes compare as well as
 * binary ones. */
static void print_confusions(const CompareRun *runs, int n) {
    printf("\nconfusion matrices\n");
    for (int i = 0; i < n; i++) {
        CompareRow r;
        compare_row(&runs[i], &r);
        char name[sizeof r.name * 4];
        text_safe(name, sizeof name, r.name, 0);
        const char *split;
        const EvalPoint *e = fig_run_confusion(&runs[i], &split);
        if (!e) {
            printf("  %s: no evaluation yet\n", name);
            continue;
        }
        ClassNames names = {0};
        int have = class_names_load(&names, runs[i].dir) == 1;
        printf("  %s (%s split)\n", name, split);
        confusion_print(stdout, &e->confusion, have ? &names : NULL, 4);
        class_names_free(&names);
    }
}

/* The RUN arguments with each sweep folder among them replaced by its
 * trials' run folders, best first; in text and Markdown the sweep's ranked
 * table comes first (CSV and JSON stay one document of runs). */
static char **expand_sweeps(const char **args, int n, CompareFormat fmt, int *n_out) {
    int cap = n, k = 0;
    char **out = calloc((size_t)cap + 1, sizeof *out);
    for (int i = 0; out && i < n; i++) {
        Sweep sw;
        char err[2 * RUN_PATH_MAX];
        if (!sweep_is_dir(args[i]) || sweep_load(&sw, args[i], err, sizeof err) != 0) {
            out[k++] = strdup(args[i]);
            continue;
        }
        char **grown = realloc(out, ((size_t)cap + (size_t)sw.plan.n_trials + 1) * sizeof *out);
        if (grown) {
            out = grown;
            cap += sw.plan.n_trials;
            if (fmt == CMP_TEXT || fmt == CMP_MARKDOWN) {
                printf("sweep %s\n", sw.name);
                sweep_print_table(stdout, &sw, fmt);
                printf("\n");
            }
            k += sweep_ranked_runs(&sw, out + k);
        }
        sweep_free(&sw);
    }
    *n_out = k;
    return out;
}

int cmd_compare(int argc, char **argv) {
    const char *bad = bad_option(argc, argv);
    if (bad) {
        fprintf(stderr, "sentui compare: unknown option '%s'\n", bad);
        return 2;
    }
    CompareFormat fmt = format_given(argc, argv);
    const char *dir = cli_flag_value(argc, argv, "--dir");
    const char *width_text = cli_flag_value(argc, argv, "--width");
    int ascii = cli_has_flag(argc, argv, "--ascii"), charts = !cli_has_flag(argc, argv, "--no-charts");
    int width = width_text ? atoi(width_text) : 100;
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!args) return 1;
    int n = 0;
    while (cli_positional(argc, argv, n, &args[n])) n++;
    if (n == 0) {
        fprintf(stderr, "usage: sentui compare RUN... [--markdown|--csv|--json] [--dir DIR] [--ascii] [--no-charts]\n");
        free(args);
        return 2;
    }
    if (width < 40) width = 40;
    if (width > 400) width = 400;
    int n_paths = 0;
    char **paths = expand_sweeps(args, n, fmt, &n_paths);
    CompareRun *runs = calloc((size_t)n_paths + 1, sizeof *runs);
    int ok = 0, rc = 0;
    char err[512], path[RUN_PATH_MAX];
    for (int i = 0; runs && paths && i < n_paths; i++) {
        if (cli_resolve_run(paths[i], dir, path, sizeof path, err, sizeof err) ||
            compare_load(&runs[ok], path, err, sizeof err)) {
            fprintf(stderr, "sentui compare: %s\n", err);
            rc = 1;
            continue;
        }
        ok++;
    }
    for (int i = 0; paths && i < n_paths; i++) free(paths[i]);
    free(paths);
    if (ok > 0) {
        compare_print_table(stdout, runs, ok, fmt);
        if (fmt == CMP_TEXT) {
            printf("\n");
            compare_print_diff(stdout, runs, ok);
            print_confusions(runs, ok);
        }
        if (fmt == CMP_TEXT && charts) {
            TermCaps caps = term_detect();
            Grid g;
            for (int m = 0; m < CMP_METRICS; m++) {
                if (grid_init(&g, width, 16, caps.utf8 && !ascii, 0)) break;
                compare_chart(&g, rect(0, 0, width, 16), runs, ok, (CompareMetric)m);
                printf("\n");
                grid_dump_file(&g, stdout);
                grid_free(&g);
            }
        }
    }
    for (int i = 0; i < ok; i++) compare_run_free(&runs[i]);
    free(runs);
    free(args);
    return rc;
}
