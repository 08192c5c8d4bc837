/* sentui resume RUN [--dir RUNS_DIR] */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_args.h"
#include "cli/cli_paths.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "run/run.h"
#include "cli/text_safe.h"
#include "run/train.h"
#include "cli/train_cli.h"

/* A damaged summary.json would stop the resume with a parser message: rebuild
 * it from the event log under the run's lock, keeping the damaged file. The
 * lock stays taken for trainer_start, which takes it again as its holder. */
static int repair_summary(const char *dir) {
    RunSummary s;
    char err[1024], why[1024], path[RUN_PATH_MAX + 32], kept[RUN_PATH_MAX + 48];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    if (access(path, F_OK) != 0 || run_summary_load(dir, &s, why, sizeof why) == 0) return 0;
    /* The parser's message quotes the file: keep its control bytes off the terminal. */
    for (char *c = why; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
    size_t plen = strlen(path);
    const char *reason = !strncmp(why, path, plen) && !strncmp(why + plen, ": ", 2) ? why + plen + 2 : why;
    if (run_lock(dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui resume: %s\n", err);
        return -1;
    }
    snprintf(kept, sizeof kept, "%s/summary.json.damaged", dir);
    err[0] = 0;
    int rc = run_summary_rebuild(dir, &s, err, sizeof err);
    if (rc == 0 && rename(path, kept) != 0) {
        snprintf(err, sizeof err, "cannot rename it: %s", strerror(errno));
        rc = -1;
    }
    if (rc == 0 && run_summary_save(dir, &s, err, sizeof err) != 0) {
        rename(kept, path); /* put the damaged file back rather than leave none */
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr,
                "sentui resume: %s is damaged (%s) and could not be rebuilt from events.jsonl (%s); "
                "restore summary.json from a copy of the run\n",
                path, reason, err);
        run_unlock(dir);
        return -1;
    }
    fprintf(stderr, "note: %s was damaged (%s): rebuilt it from events.jsonl; the damaged file is kept as %s\n",
            path, reason, kept);
    return 0;
}

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
    if (cli_resolve_run(arg, runs_dir, dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui resume: %s\n", err);
        return 2;
    }
    if (repair_summary(dir) != 0) return 1;
    DataPaths paths = cli_data_paths();
    paths.progress = train_cli_data_progress;
    Trainer *t = trainer_start(NULL, &paths, dir, err, sizeof err);
    if (!t) {
        run_unlock(dir); /* a lock repair_summary took; a no-op when it is not ours */
        fprintf(stderr, "sentui resume: %s\n", err);
        return 1;
    }
    char safe[4 * RUN_PATH_MAX + 1];
    printf("run: %s\n", text_safe(safe, sizeof safe, trainer_run_dir(t), 0));
    if (trainer_notes(t)[0]) fprintf(stderr, "note: %s\n", trainer_notes(t));
    fflush(stdout);
    return train_cli_follow(t);
}
