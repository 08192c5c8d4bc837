/* sentui resume RUN [--dir RUNS_DIR] */
#include <stdio.h>
#include <string.h>

#include "cli_args.h"
#include "commands.h"
#include "run.h"
#include "text_safe.h"
#include "train.h"
#include "train_cli.h"

int cmd_resume(int argc, char **argv) {
    static const char *const known[] = {"--dir", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known);
    const char *arg = NULL;
    if (bad || !cli_positional(argc, argv, 0, &arg) || cli_positional_count(argc, argv) > 1) {
        if (bad) fprintf(stderr, "sentui resume: unknown option %s\n", bad);
        fprintf(stderr, "usage: sentui resume RUN [--dir RUNS_DIR]\n");
        return 2;
    }
    const char *runs_dir = cli_flag_value(argc, argv, "--dir");
    char dir[RUN_PATH_MAX], err[2048];
    if (run_resolve(arg, runs_dir ? runs_dir : "runs", dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui resume: %s\n", err);
        return 2;
    }
    Trainer *t = trainer_start(NULL, dir, err, sizeof err);
    if (!t) {
        fprintf(stderr, "sentui resume: %s\n", err);
        return 1;
    }
    char safe[4 * RUN_PATH_MAX + 1];
    printf("run: %s\n", text_safe(safe, sizeof safe, trainer_run_dir(t), 0));
    if (trainer_notes(t)[0]) fprintf(stderr, "note: %s\n", trainer_notes(t));
    fflush(stdout);
    return train_cli_follow(t);
}
