/* sentui eval RUN [--split test|val] [--dir RUNS_DIR]: the run's own split;
 * with --data FILE [--labels a=b,...] [--set data.k=v]... [--json], any labelled file. */
#include <stdio.h>
#include <string.h>

#include "run/checkpoint.h"
#include "cli/cli_args.h"
#include "cli/cli_paths.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "run/predict.h"
#include "run/run.h"
#include "cli/text_safe.h"
#include "cli/eval_data.h"

int cmd_eval(int argc, char **argv) {
    static const char *const known[] = {"--split", "--dir", "--data", "--labels", "--set", "--json", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known);
    const char *arg = NULL, *split = cli_flag_value(argc, argv, "--split");
    if (!split) split = "test";
    if (bad || !cli_positional(argc, argv, 0, &arg) || cli_positional_count(argc, argv) > 1 ||
        (strcmp(split, "test") && strcmp(split, "val"))) {
        if (bad) fprintf(stderr, "sentui eval: unknown option %s\n", bad);
        else if (arg && strcmp(split, "test") && strcmp(split, "val"))
            fprintf(stderr, "sentui eval: --split must be test or val, not '%s'\n", split);
        fprintf(stderr, "usage: sentui eval RUN [--split test|val] [--dir RUNS_DIR]\n"
                        "       sentui eval RUN --data FILE [--labels FROM=TO,...] [--set data.KEY=VALUE]... [--json]\n");
        return 2;
    }
    const char *runs_dir = cli_flag_value(argc, argv, "--dir");
    char dir[RUN_PATH_MAX], err[2048];
    if (cli_resolve_run(arg, runs_dir, dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui eval: %s\n", err);
        return 2;
    }
    RunModel r;
    if (run_model_open(&r, dir, 0, err, sizeof err) != 0) {
        fprintf(stderr, "sentui eval: %s\n", err);
        return 1;
    }
    const char *data = cli_flag_value(argc, argv, "--data");
    if (data) {
        int rc = eval_data_run(&r, dir, data, argc, argv);
        run_model_close(&r);
        return rc;
    }
    Dataset d;
    DataPaths paths = cli_data_paths();
    if (run_model_dataset(&r, &paths, &d, err, sizeof err) != 0) {
        fprintf(stderr, "sentui eval: %s\n", err);
        run_model_close(&r);
        return 1;
    }
    const Split *s = !strcmp(split, "val") ? &d.val : &d.test;
    if (s->n == 0) {
        fprintf(stderr, "sentui eval: the %s split is empty\n", split);
        dataset_free(&d);
        run_model_close(&r);
        return 1;
    }
    Metrics m;
    run_model_evaluate(&r, s, &m);
    /* The folder may have been downloaded: its name is shown with visible escapes. */
    char safe[4 * sizeof r.checkpoint + 1];
    printf("run: %s\n", text_safe(safe, sizeof safe, dir, 0));
    printf("checkpoint: %s (step %ld)\n", text_safe(safe, sizeof safe, r.checkpoint, 0), r.meta.step);
    printf("%s split: %ld reviews\n", split, m.n);
    printf("  accuracy     %.4f\n  precision    %.4f\n  recall       %.4f\n  f1           %.4f\n"
           "  f1_macro     %.4f\n  f1_weighted  %.4f\n  loss         %.4f\n",
           m.accuracy, m.precision, m.recall, m.f1, m.f1_macro, m.f1_weighted, m.loss);
    if (r.n_classes == 2 && !r.classes.n) {
        printf("  confusion    pred neg  pred pos\n");
        printf("    true neg   %8ld  %8ld\n", m.confusion[0][0], m.confusion[0][1]);
        printf("    true pos   %8ld  %8ld\n", m.confusion[1][0], m.confusion[1][1]);
    } else {
        eval_print_classes(&r, &m);
    }
    dataset_free(&d);
    run_model_close(&r);
    return 0;
}
