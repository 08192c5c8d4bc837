/* summary.json of a run folder, read alone and through the listing that
 * `sentui runs` and the workbench's home screen use. */
#include <stdint.h>
#include <stdlib.h>

#include "run/run.h"
#include "fuzz_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char runs[1024], dir[1100], err[1024];
    snprintf(runs, sizeof runs, "%s/runs", fuzz_dir());
    snprintf(dir, sizeof dir, "%s/20240101-000000-lstm", runs);
    static int made;
    if (!made) made = make_dirs(dir, err, sizeof err) == 0;
    if (!made) abort();
    fuzz_write("runs/20240101-000000-lstm/summary.json", data, size);
    RunSummary s;
    run_summary_load(dir, &s, err, sizeof err);
    RunSummary *list = NULL;
    if (run_list(runs, &list, err, sizeof err) > 0) free(list);
    return 0;
}
