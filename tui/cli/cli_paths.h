/* Where the data lives for every command and the workbench: one place, so
 * `sentui train`, `data`, `eval`, `resume`, `bench` and the workbench agree.
 *
 * The IMDb data (used when a config's data.path is empty) is $IMDB_TARBALL,
 * else data/aclImdb_v1.tar.gz, relative to the working directory.
 *
 * Cached datasets and word vectors go to $SENTUI_CACHE_DIR when set; else,
 * in a sentui checkout (see cli_in_checkout), to .cache in it as they always
 * have; else where a user's caches go: $XDG_CACHE_HOME/sentui, or
 * ~/.cache/sentui. The environment is read here, never in the engine, which
 * takes these as DataPaths. */
#ifndef SENTUI_CLI_PATHS_H
#define SENTUI_CLI_PATHS_H

#include "data/data.h"

/* Its strings live as long as the environment is left unchanged. */
DataPaths cli_data_paths(void);

/* 1 when the working folder is the top of a sentui source tree: it holds
 * engine/config/config.h and tui/main.c. A file test rather than the path
 * the binary was built at, so a moved or freshly cloned checkout counts, and
 * an installed sentui run inside a checkout behaves as the checkout's would. */
int cli_in_checkout(void);

/* The configs folder the workbench lists: $SENTUI_CONFIGS_DIR, else configs/
 * in the working folder, else the installed PREFIX/share/sentui/configs next
 * to the running binary's PREFIX/bin, else "configs" (listed as missing). */
const char *cli_configs_dir(void);

#endif
