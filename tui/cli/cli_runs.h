/* Where the commands and the workbench look for runs, and how a RUN argument
 * becomes a run folder: one place, so `sentui runs`, `predict last`,
 * `resume`, `replay` and the workbench always agree.
 *
 * The runs folder is --dir when given, else $SENTUI_RUNS_DIR, else "runs".
 * The environment is read here, never in the engine, which takes paths. */
#ifndef SENTUI_CLI_RUNS_H
#define SENTUI_CLI_RUNS_H

#include <stddef.h>

/* The runs folder for a command whose --dir value is dir_flag (NULL or ""
 * when absent). */
const char *cli_runs_dir(const char *dir_flag);

/* RUN argument -> run folder (a path, a folder name in the runs folder, a
 * unique prefix of one, or "last"), with the runs folder chosen as above.
 * Returns 0, or -1 with err filled. */
int cli_resolve_run(const char *arg, const char *dir_flag, char *out, size_t n, char *err, size_t errlen);

#endif
