/* The RUN argument of the command line -> a run folder. */
#include "run/run.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safe_open.h"

/* ---- resolving ------------------------------------------------------------ */

static int is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int looks_like_run(const char *p) {
    char f[RUN_PATH_MAX + 320];
    static const char *files[] = {"summary.json", "events.jsonl", "config.yaml"};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s/%s", p, files[i]);
        if (access(f, F_OK) == 0) return 1;
    }
    return 0;
}

static int resolve_arg(const char *arg, const char *runs_dir, char *out, size_t n, char *err, size_t errlen) {
    if (!arg || !*arg) {
        snprintf(err, errlen, "no run given");
        return -1;
    }
    if (!runs_dir || !*runs_dir) runs_dir = "runs";
    char path[RUN_PATH_MAX];
    size_t alen = strlen(arg);
    /* Accept "runs/x/" as well as "runs/x". */
    snprintf(path, sizeof path, "%s", arg);
    while (alen > 1 && path[alen - 1] == '/') path[--alen] = 0;
    if (is_dir(path) && looks_like_run(path)) {
        snprintf(out, n, "%s", path);
        return 0;
    }
    if (!strcmp(path, "last")) {
        RunSummary *list;
        int k = run_list(runs_dir, &list, err, errlen);
        if (k < 0) return -1;
        if (k == 0) {
            snprintf(err, errlen, "no runs in %s", runs_dir);
            return -1;
        }
        snprintf(out, n, "%s", list[k - 1].dir);
        free(list);
        return 0;
    }
    if (!strchr(path, '/')) {
        char full[RUN_PATH_MAX + 256];
        snprintf(full, sizeof full, "%s/%s", runs_dir, path);
        if (is_dir(full) && looks_like_run(full)) {
            snprintf(out, n, "%s", full);
            return 0;
        }
        DIR *d = opendir(runs_dir);
        if (d) {
            struct dirent *e;
            int matches = 0;
            char first[256] = "", second[256] = "";
            while ((e = readdir(d))) {
                if (e->d_name[0] == '.' || strncmp(e->d_name, path, alen) != 0) continue;
                snprintf(full, sizeof full, "%s/%s", runs_dir, e->d_name);
                if (!is_dir(full) || !looks_like_run(full)) continue;
                if (matches == 0) snprintf(first, sizeof first, "%s", e->d_name);
                else if (matches == 1) snprintf(second, sizeof second, "%s", e->d_name);
                matches++;
            }
            closedir(d);
            if (matches == 1) {
                snprintf(out, n, "%s/%s", runs_dir, first);
                return 0;
            }
            if (matches > 1) {
                snprintf(err, errlen, "'%s' matches %d runs in %s (%s, %s%s); give more of the name", path,
                         matches, runs_dir, first, second, matches > 2 ? ", ..." : "");
                return -1;
            }
        }
    }
    if (is_dir(path))
        snprintf(err, errlen, "%s is not a run folder (no summary.json, events.jsonl or config.yaml)", path);
    else
        snprintf(err, errlen, "no run '%s' (not a folder, and no run in %s starts with it)", path, runs_dir);
    return -1;
}

/* A downloaded run folder may hold links out of it (events.jsonl -> ~/.bashrc)
 * or FIFOs: say so before any command reads or appends to them. */
static int run_check_files(const char *dir, char *err, size_t errlen) {
    static const char *const files[] = {"config.yaml",     "events.jsonl", "summary.json", "vocab.txt",
                                        "checkpoint.safetensors", "last.safetensors", "lock"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[RUN_PATH_MAX + 32], why[RUN_PATH_MAX + 128];
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        int fd = safe_open_read(path, SAFE_IN_FOLDER, why, sizeof why);
        if (fd >= 0) {
            close(fd);
        } else if (errno == EINVAL || errno == EISDIR || errno == ELOOP) { /* other errors: the reader says */
            snprintf(err, errlen, "%s (replace it with the file itself)", why);
            return -1;
        }
    }
    return 0;
}

int run_resolve(const char *arg, const char *runs_dir, char *out, size_t n, char *err, size_t errlen) {
    if (resolve_arg(arg, runs_dir, out, n, err, errlen) != 0) return -1;
    return run_check_files(out, err, errlen);
}
