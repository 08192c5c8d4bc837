#include "cli/cli_paths.h"

#include <stdlib.h>

#define DEFAULT_IMDB_PATH "data/aclImdb_v1.tar.gz"
#define DEFAULT_CACHE_DIR ".cache"

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

DataPaths cli_data_paths(void) {
    return (DataPaths){.imdb_path = env_or("IMDB_TARBALL", DEFAULT_IMDB_PATH),
                       .cache_dir = env_or("SENTUI_CACHE_DIR", DEFAULT_CACHE_DIR)};
}
