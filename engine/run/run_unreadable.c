#include "run/run_unreadable.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A folder with none of a run's files is not a run (a note, a backup folder). */
static int has_run_files(const char *dir) {
    static const char *files[] = {"summary.json", "events.jsonl", "config.yaml"};
    char path[RUN_PATH_MAX + 32];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (access(path, F_OK) == 0) return 1;
    }
    return 0;
}

/* The loader's message starts with the folder path, which the listing shows
 * already: "DIR/summary.json: line 1: ..." reads "summary.json: line 1: ...". */
static void reason_without_path(char *reason, size_t n, const char *err, const char *dir) {
    size_t dl = strlen(dir);
    const char *r = err;
    if (!strncmp(err, dir, dl) && err[dl] == '/') r = err + dl + 1;
    else if (!strncmp(err, dir, dl) && !strncmp(err + dl, ": ", 2)) r = err + dl + 2;
    snprintf(reason, n, "%s", r);
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const RunUnreadable *)a)->run, ((const RunUnreadable *)b)->run);
}

static int by_string(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int run_list_unreadable(const char *runs_dir, const RunSummary *listed, int n_listed, RunUnreadable **out) {
    *out = NULL;
    /* Names of the listed runs, sorted for bsearch. */
    const char **names = malloc(((size_t)n_listed + 1) * sizeof *names);
    if (!names) return 0;
    for (int i = 0; i < n_listed; i++) names[i] = listed[i].run;
    qsort(names, (size_t)n_listed, sizeof *names, by_string);
    DIR *d = opendir(runs_dir);
    if (!d) {
        free(names);
        return 0;
    }
    RunUnreadable *list = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    char sub[RUN_PATH_MAX], err[512];
    while ((e = readdir(d))) {
        struct stat st;
        const char *name = e->d_name;
        if (name[0] == '.' || bsearch(&name, names, (size_t)n_listed, sizeof *names, by_string)) continue;
        if (snprintf(sub, sizeof sub, "%s/%s", runs_dir, e->d_name) >= (int)sizeof sub) continue;
        if (stat(sub, &st) != 0 || !S_ISDIR(st.st_mode) || !has_run_files(sub)) continue;
        RunSummary *s = malloc(sizeof *s);
        int bad = s && run_summary_load(sub, s, err, sizeof err) != 0;
        free(s);
        if (!bad) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            RunUnreadable *nl = realloc(list, (size_t)cap * sizeof *list);
            if (!nl) break;
            list = nl;
        }
        snprintf(list[n].dir, sizeof list[n].dir, "%s", sub);
        snprintf(list[n].run, sizeof list[n].run, "%s", e->d_name);
        reason_without_path(list[n].reason, sizeof list[n].reason, err, sub);
        n++;
    }
    closedir(d);
    free(names);
    if (n > 1) qsort(list, (size_t)n, sizeof *list, by_name);
    if (n == 0) free(list), list = NULL;
    *out = list;
    return n;
}
