#include "cli/cli_runs.h"

#include <stdlib.h>

#include "run/run.h"

const char *cli_runs_dir(const char *dir_flag) {
    if (dir_flag && *dir_flag) return dir_flag;
    const char *env = getenv("SENTUI_RUNS_DIR");
    return env && *env ? env : "runs";
}

int cli_resolve_run(const char *arg, const char *dir_flag, char *out, size_t n, char *err, size_t errlen) {
    return run_resolve(arg, cli_runs_dir(dir_flag), out, n, err, errlen);
}
