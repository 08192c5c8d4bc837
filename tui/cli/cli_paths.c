#include "cli/cli_paths.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_IMDB_PATH "data/aclImdb_v1.tar.gz"
#define CHECKOUT_CACHE_DIR ".cache"

static const char *env_or(const char *name, const char *fallback) {
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

static int is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_in_checkout(void) {
    return access("engine/config/config.h", F_OK) == 0 && access("tui/main.c", F_OK) == 0;
}

static const char *default_cache_dir(void) {
    static char buf[PATH_MAX];
    if (cli_in_checkout()) return CHECKOUT_CACHE_DIR;
    /* XDG says a relative $XDG_CACHE_HOME is invalid and to be ignored. */
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && xdg[0] == '/' && snprintf(buf, sizeof buf, "%s/sentui", xdg) < (int)sizeof buf) return buf;
    if (home && home[0] == '/' && snprintf(buf, sizeof buf, "%s/.cache/sentui", home) < (int)sizeof buf) return buf;
    return CHECKOUT_CACHE_DIR;
}

DataPaths cli_data_paths(void) {
    const char *cache = getenv("SENTUI_CACHE_DIR");
    return (DataPaths){.imdb_path = env_or("IMDB_TARBALL", DEFAULT_IMDB_PATH),
                       .cache_dir = cache && *cache ? cache : default_cache_dir()};
}

const char *cli_configs_dir(void) {
    static char buf[PATH_MAX];
    const char *env = getenv("SENTUI_CONFIGS_DIR");
    if (env && *env) return env;
    if (is_dir("configs")) return "configs";
    /* Installed: the binary is PREFIX/bin/sentui, the configs PREFIX/share/sentui/configs. */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) *slash = 0;
        if (snprintf(buf, sizeof buf, "%s/../share/sentui/configs", exe) < (int)sizeof buf && is_dir(buf))
            return buf;
    }
    return "configs";
}
