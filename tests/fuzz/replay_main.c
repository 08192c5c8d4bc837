/* Replays inputs through a fuzz target without libFuzzer, so `make test`
 * (and the sanitizer build) re-checks the committed seed corpus and every
 * input that once crashed a reader. Built as build/tests/test_fuzz_<reader>:
 * with no arguments it replays tests/fuzz/corpus/<reader>/ and
 * tests/fuzz/regress/<reader>/ (from $SENTUI_TEST_ROOT, else the current
 * folder); with arguments it replays those files or folders. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return perror(path), -1;
    size_t cap = 4096, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0)
        if ((n += got) == cap) buf = realloc(buf, cap *= 2);
    fclose(f);
    if (!buf) return fprintf(stderr, "%s: out of memory\n", path), -1;
    /* An exact-size copy, so the sanitizers see a read one past the end. */
    uint8_t *exact = malloc(n ? n : 1);
    if (n) memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Replays every file of a folder (sorted, so failures are reproducible); the count, or -1. */
static int replay_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return perror(dir), -1;
    char **names = NULL;
    int n = 0, rc = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            names = realloc(names, sizeof *names * (size_t)(n + 1));
            names[n++] = strdup(e->d_name);
        }
    closedir(d);
    if (n) qsort(names, (size_t)n, sizeof *names, by_name);
    for (int i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (replay_file(path) != 0) rc = -1;
        free(names[i]);
    }
    free(names);
    return rc ? -1 : n;
}

static int replay_path(const char *path) {
    struct stat st;
    if (stat(path, &st) != 0) return perror(path), -1;
    return S_ISDIR(st.st_mode) ? replay_dir(path) : replay_file(path) == 0 ? 1 : -1;
}

int main(int argc, char **argv) {
    int total = 0;
    if (argc > 1) {
        for (int i = 1; i < argc; i++) {
            int k = replay_path(argv[i]);
            if (k < 0) return 1;
            total += k;
        }
        printf("replayed %d inputs\n", total);
        return 0;
    }
    const char *base = strrchr(argv[0], '/');
    base = base ? base + 1 : argv[0];
    if (strncmp(base, "test_fuzz_", 10) != 0) {
        fprintf(stderr, "usage: %s FILE-OR-FOLDER... (or run it as test_fuzz_<reader>)\n", argv[0]);
        return 2;
    }
    const char *reader = base + 10, *root = getenv("SENTUI_TEST_ROOT");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", root && root[0] ? root : ".", reader);
    int k = replay_dir(dir);
    if (k <= 0) {
        fprintf(stderr, "%s: no seed corpus replayed\n", dir);
        return 1;
    }
    total += k;
    snprintf(dir, sizeof dir, "%s/tests/fuzz/regress/%s", root && root[0] ? root : ".", reader);
    struct stat st;
    if (stat(dir, &st) == 0) {
        if ((k = replay_dir(dir)) < 0) return 1;
        total += k;
    }
    printf("%s: replayed %d inputs\n", reader, total);
    return 0;
}
