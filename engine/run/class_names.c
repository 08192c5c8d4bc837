#include "run/class_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/model.h"

int class_names_parse(ClassNames *c, const char *text) {
    memset(c, 0, sizeof *c);
    if (!text || !*text) return -1;
    int n = 1;
    for (const char *p = text; *p; p++) n += *p == '\n' && p[1];
    if (n < 2 || n > MAX_CLASSES || !(c->names = calloc((size_t)n, sizeof *c->names))) return -1;
    const char *p = text;
    for (int i = 0; i < n; i++) {
        size_t len = strcspn(p, "\n");
        if (!(c->names[c->n++] = strndup(p, len))) {
            class_names_free(c);
            return -1;
        }
        p += len + (p[len] == '\n');
    }
    return 0;
}

char *class_names_join(char *const *names, int n) {
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(names[i]) + 1;
    char *out = malloc(len), *p = out;
    if (!out) return NULL;
    for (int i = 0; i < n; i++) p += sprintf(p, i ? "\n%s" : "%s", names[i]);
    *p = 0;
    return out;
}

int class_names_load(ClassNames *c, const char *run_dir) {
    memset(c, 0, sizeof *c);
    char path[4200];
    snprintf(path, sizeof path, "%s/classes.txt", run_dir);
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char *buf = malloc(1 << 20);
    size_t got = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    if (!buf) return -1;
    buf[got] = 0;
    int rc = class_names_parse(c, buf) == 0 ? 1 : -1;
    free(buf);
    return rc;
}

int class_names_save(char *const *names, int n, const char *run_dir) {
    char path[4200];
    snprintf(path, sizeof path, "%s/classes.txt", run_dir);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", names[i]);
    return fclose(f) == 0 ? 0 : -1;
}

void class_names_free(ClassNames *c) {
    for (int i = 0; c->names && i < c->n; i++) free(c->names[i]);
    free(c->names);
    memset(c, 0, sizeof *c);
}

const char *class_name(const ClassNames *c, int i) {
    if (c && i >= 0 && i < c->n) return c->names[i];
    return i == 0 ? "negative" : i == 1 ? "positive" : "?";
}
