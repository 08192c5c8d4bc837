/* sentui train CONFIG [--set k=v]... */
#include <stdio.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_paths.h"
#include "cli/commands.h"
#include "config/config.h"
#include "run/train.h"
#include "cli/train_cli.h"

int cmd_train(int argc, char **argv) {
    static const char *const known[] = {"--set", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known);
    const char *file = NULL;
    if (bad || !cli_positional(argc, argv, 0, &file) || cli_positional_count(argc, argv) > 1) {
        if (bad) fprintf(stderr, "sentui train: unknown option %s\n", bad);
        fprintf(stderr, "usage: sentui train CONFIG [--set key=value]...\n");
        return 2;
    }
    Config cfg;
    if (cli_load_config(&cfg, file, argc, argv) != 0) return 2;
    char err[2048];
    DataPaths paths = cli_data_paths();
    paths.progress = train_cli_data_progress;
    Trainer *t = trainer_start(&cfg, &paths, NULL, err, sizeof err);
    config_free(&cfg);
    if (!t) {
        fprintf(stderr, "sentui train: %s\n", err);
        return 1;
    }
    printf("run: %s\n", trainer_run_dir(t));
    /* the trainer's notes (the data reader's warnings, where the model's head
       came from), one per line */
    for (const char *n = trainer_notes(t); *n;) {
        size_t len = strcspn(n, "\n");
        fprintf(stderr, "note: %.*s\n", (int)len, n);
        n += len + (n[len] == '\n');
    }
    fflush(stdout);
    return train_cli_follow(t);
}
