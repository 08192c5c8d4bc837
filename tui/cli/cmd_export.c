/* sentui export RUN DIR [--dir RUNS_DIR] */
#include <stdio.h>

#include "cli/cli_args.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "run/hf_export.h"
#include "run/run.h"

int cmd_export(int argc, char **argv) {
    static const char *const known[] = {"--dir", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known);
    const char *arg = NULL, *out = NULL;
    if (bad || !cli_positional(argc, argv, 0, &arg) || !cli_positional(argc, argv, 1, &out) ||
        cli_positional_count(argc, argv) > 2) {
        if (bad) fprintf(stderr, "sentui export: unknown option %s\n", bad);
        fprintf(stderr, "usage: sentui export RUN DIR [--dir RUNS_DIR]\n");
        return 2;
    }
    char dir[RUN_PATH_MAX], err[2048];
    if (cli_resolve_run(arg, cli_flag_value(argc, argv, "--dir"), dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui export: %s\n", err);
        return 2;
    }
    if (hf_export(dir, out, err, sizeof err) != 0) {
        fprintf(stderr, "sentui export: %s\n", err);
        return 1;
    }
    printf("%s: config.json, vocab.txt, model.safetensors\n", out);
    return 0;
}
