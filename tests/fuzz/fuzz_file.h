/* For readers that only take a path: each fuzz input is written to a scratch
 * file in one private folder (in /dev/shm when there is one, so it stays in
 * memory), rewritten on every call and removed at exit. A real file rather
 * than a memfd's /proc/self/fd link, so readers that refuse links or
 * non-regular files still read it. */
#ifndef SENTUI_FUZZ_FILE_H
#define SENTUI_FUZZ_FILE_H

#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char fuzz_dir_path[512];

static int fuzz_remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    remove(path); /* keep going: remove what can be removed */
    return 0;
}

/* The whole folder, with the run folders some targets make inside it. */
static inline void fuzz_dir_remove(void) { nftw(fuzz_dir_path, fuzz_remove_one, 16, FTW_DEPTH | FTW_PHYS); }

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
