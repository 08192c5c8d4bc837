/* For readers that only take a path: each fuzz input is written to a scratch
 * file in one private folder (in /dev/shm when there is one, so it stays in
 * memory), rewritten on every call and removed at exit. A real file rather
 * than a memfd's /proc/self/fd link, so readers that refuse links or
 * non-regular files still read it. */
#ifndef SENTUI_FUZZ_FILE_H
#define SENTUI_FUZZ_FILE_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir_path[512];

static inline void fuzz_dir_remove(void) {
    DIR *d = opendir(fuzz_dir_path);
    if (!d) return;
    struct dirent *e;
    char p[1024];
    while ((e = readdir(d)))
        if (e->d_name[0] != '.' || (e->d_name[1] && (e->d_name[1] != '.' || e->d_name[2]))) {
            snprintf(p, sizeof p, "%s/%s", fuzz_dir_path, e->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(fuzz_dir_path);
}

/* The scratch folder, made on first use; aborts when none can be made. */
static inline const char *fuzz_dir(void) {
    if (fuzz_dir_path[0]) return fuzz_dir_path;
    /* TMPDIR first: libFuzzer ends without running atexit, so scripts/fuzz.sh
     * points TMPDIR at a folder it removes afterwards. */
    const char *tmp = getenv("TMPDIR");
    const char *bases[] = {tmp && tmp[0] ? tmp : "/dev/shm", "/dev/shm", "/tmp"};
    for (int i = 0; i < 3; i++) {
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/sentui-fuzz-XXXXXX", bases[i]);
        if (mkdtemp(fuzz_dir_path)) {
            atexit(fuzz_dir_remove);
            return fuzz_dir_path;
        }
    }
    perror("sentui fuzz: cannot make a scratch folder");
    abort();
}

/* Writes data to <scratch>/name and returns its path (static buffer). */
static inline const char *fuzz_write(const char *name, const uint8_t *data, size_t size) {
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        abort();
    }
    while (size) {
        ssize_t w = write(fd, data, size);
        if (w <= 0) {
            perror(path);
            abort();
        }
        data += w, size -= (size_t)w;
    }
    close(fd);
    return path;
}

/* The input as a NUL-terminated string (malloc'd), for readers of text. */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    if (size) memcpy(s, data, size);
    s[size] = 0;
    return s;
}

#endif
