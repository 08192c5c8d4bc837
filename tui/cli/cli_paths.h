/* Where the data lives for every command and the workbench: one place, so
 * `sentui train`, `data`, `eval`, `resume`, `bench` and the workbench agree.
 *
 * The IMDb data (used when a config's data.path is empty) is $IMDB_TARBALL,
 * else data/aclImdb_v1.tar.gz; cached datasets and word vectors go to
 * $SENTUI_CACHE_DIR, else .cache (both relative to the working directory
 * when relative). The environment is read here, never in the engine, which
 * takes these as DataPaths. */
#ifndef SENTUI_CLI_PATHS_H
#define SENTUI_CLI_PATHS_H

#include "data/data.h"

/* Its strings live as long as the environment is left unchanged. */
DataPaths cli_data_paths(void);

#endif
