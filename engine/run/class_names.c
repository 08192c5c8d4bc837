#include "run/class_names.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "models/model.h"

enum { HF_NAME_CMP = 128 };

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

/* ---- a checkpoint's labels against the data's classes ---------------------- */

/* The name as compared: lower-case, with the usual sentiment spellings
 * brought to one (NEG, Negative -> negative). */
static void canonical(const char *name, char *out, size_t n) {
    size_t k = 0;
    for (; name[k] && k + 1 < n; k++) out[k] = (char)tolower((unsigned char)name[k]);
    out[k] = 0;
    static const char *const alias[][2] = {{"neg", "negative"}, {"pos", "positive"}, {"neu", "neutral"}};
    for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
        if (!strcmp(out, alias[i][0])) snprintf(out, n, "%s", alias[i][1]);
}

/* LABEL_k, Hugging Face's name for a label nobody named. */
static int generic(const char *name) {
    if (strncasecmp(name, "label_", 6) || !isdigit((unsigned char)name[6])) return 0;
    for (const char *p = name + 6; *p; p++)
        if (!isdigit((unsigned char)*p)) return 0;
    return 1;
}

static void list(char *out, size_t n, const char *const *names, int count) {
    size_t u = 0;
    out[0] = 0;
    for (int i = 0; i < count && u < n; i++) u += (size_t)snprintf(out + u, n - u, "%s%s", i ? ", " : "", names[i]);
}

/* What was reordered or dropped, for the note. */
static void describe(const char *const *classes, int n, const char *const *labels, int n_labels, const int *rows,
                     char *note, size_t notelen) {
    int moved = 0, used[CLASS_LABELS_MAX] = {0}, n_dropped = 0;
    const char *dropped[CLASS_LABELS_MAX];
    /* in the labels' own order, less those dropped, is no reordering */
    for (int i = 0; i < n; i++) moved |= i > 0 && rows[i] < rows[i - 1], used[rows[i]] = 1;
    for (int j = 0; j < n_labels; j++)
        if (!used[j]) dropped[n_dropped++] = labels[j];
    char names[512], extra[512];
    list(names, sizeof names, classes, n);
    list(extra, sizeof extra, dropped, n_dropped);
    snprintf(note, notelen, "%s%s%s%s%s", moved ? "its labels reordered: " : "", moved ? names : "",
             moved && n_dropped ? "; " : "", extra, n_dropped ? " not in the data, dropped" : "");
}

int class_labels_match(char *const *classes_in, int n, const char *const *labels, int n_labels, int *rows, char *note,
                       size_t notelen, char *err, size_t errlen) {
    const char *const binary[] = {"negative", "positive"};
    const char *const *classes = classes_in ? (const char *const *)classes_in : binary;
    if (!classes_in) n = 2;
    char have[1024], want[1024];
    list(have, sizeof have, labels, n_labels);
    list(want, sizeof want, classes, n);
    int all_generic = n_labels > 0;
    for (int j = 0; j < n_labels; j++) all_generic &= generic(labels[j]);
    if (n_labels > CLASS_LABELS_MAX || n > CLASS_LABELS_MAX || (all_generic && n_labels != n)) {
        snprintf(err, errlen, "the checkpoint's labels (%s) cannot be matched to the data's classes (%s)%s", have, want,
                 all_generic ? ": unnamed labels are taken in order only when there are as many" : "");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        rows[i] = all_generic ? i : -1;
        char c[HF_NAME_CMP], l[HF_NAME_CMP];
        canonical(classes[i], c, sizeof c);
        for (int j = 0; j < n_labels && !all_generic; j++) {
            canonical(labels[j], l, sizeof l);
            if (strcmp(c, l)) continue;
            if (rows[i] >= 0) {
                snprintf(err, errlen, "the checkpoint's labels (%s) name the data's class \"%s\" twice", have,
                         classes[i]);
                return -1;
            }
            rows[i] = j;
        }
        if (rows[i] < 0) {
            snprintf(err, errlen, "the checkpoint's labels (%s) do not name the data's class \"%s\" (classes: %s)", have,
                     classes[i], want);
            return -1;
        }
    }
    describe(classes, n, labels, n_labels, rows, note, notelen);
    return 0;
}
