/* Run folders that run_list leaves out because their summary.json cannot be
 * read (damaged, cut short, not JSON, missing beside a run's other files).
 * Listings show them as unreadable with the reason, so a run never vanishes
 * silently from `sentui runs`. */
#ifndef SENTUI_RUN_UNREADABLE_H
#define SENTUI_RUN_UNREADABLE_H

#include "run/run.h"

typedef struct RunUnreadable {
    char dir[RUN_PATH_MAX];
    char run[256]; /* folder name */
    char reason[512];
} RunUnreadable;

/* Folders under runs_dir holding a run's files (summary.json, events.jsonl or
 * config.yaml) whose summary.json does not load, sorted by name. `listed`
 * (n_listed runs, as run_list returned them) are skipped without reading, so
 * only the folders left out are read twice. Returns the count with the list
 * (malloc'd) in *out; 0 when there are none or runs_dir cannot be read
 * (run_list reports that). */
int run_list_unreadable(const char *runs_dir, const RunSummary *listed, int n_listed, RunUnreadable **out);

#endif
