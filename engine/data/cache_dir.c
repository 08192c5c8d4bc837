#include "data/cache_dir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_FILES = 64, NAME_MAX_BYTES = 64 };

void cache_file_path(const char *dir, const char *prefix, uint64_t key, char *buf, size_t n) {
    snprintf(buf, n, "%s/%s%016llx.bin", dir, prefix, (unsigned long long)key);
}

/* The folders above dir, as `mkdir -p` would: the default cache outside a
 * checkout ($XDG_CACHE_HOME/sentui or ~/.cache/sentui) may be the first
 * thing to live under ~/.cache. Failures surface at the mkdir of dir itself. */
static void make_parents(const char *dir) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) return;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(path, 0777);
        *p = '/';
    }
}

const char *cache_dir_prepare(const char *dir) {
    struct stat st;
    make_parents(dir);
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) return strerror(errno);
    if (stat(dir, &st) != 0) return strerror(errno);
    return S_ISDIR(st.st_mode) ? NULL : "it exists and is not a folder";
}

typedef struct {
    int64_t t; /* mtime in ns */
    char name[NAME_MAX_BYTES];
} CacheFile;

static int entry_cmp(const void *a, const void *b) {
    const CacheFile *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return strcmp(x->name, y->name);
}

void cache_dir_prune(const char *dir, const char *prefix, int keep) {
    size_t plen = strlen(prefix);
    DIR *d = opendir(dir);
    if (!d) return;
    CacheFile e[MAX_FILES];
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < MAX_FILES) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, prefix, plen) || len < plen + 4 || len >= NAME_MAX_BYTES ||
            strcmp(de->d_name + len - 4, ".bin"))
            continue;
        struct stat st;
        memcpy(e[n].name, de->d_name, len + 1);
        if (fstatat(dirfd(d), e[n].name, &st, 0)) continue;
        e[n].t = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
        n++;
    }
    if (n > keep) {
        qsort(e, (size_t)n, sizeof *e, entry_cmp);
        for (int i = 0; i < n - keep; i++) unlinkat(dirfd(d), e[i].name, 0);
    }
    closedir(d);
}
