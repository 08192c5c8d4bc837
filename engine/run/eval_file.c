#include "run/eval_file.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/own_data.h"

#define CHUNK 4096 /* texts predicted at once: bounds the memory of a large file */

/* What the --labels list renames name to, or name itself; -1 when the list
 * is malformed. */
static int renamed(const char *labels, const char *name, char *out, size_t n) {
    snprintf(out, n, "%s", name);
    for (const char *p = labels; p && *p;) {
        size_t len = strcspn(p, ","), eq = strcspn(p, "=");
        if (eq >= len || eq == 0 || eq + 1 == len) return -1;
        if (eq == strlen(name) && !strncmp(p, name, eq)) snprintf(out, n, "%.*s", (int)(len - eq - 1), p + eq + 1);
        p += len + (p[len] == ',');
    }
    return 0;
}

/* map[c] = the run's class of the file's class c. */
static int map_classes(const RunModel *r, const LabelledSet *set, const char *labels, int *map, char *err,
                       size_t errlen) {
    for (int c = 0; c < set->n_classes; c++) {
        char name[LABELLED_MAX_LABEL + 1];
        if (renamed(labels, set->classes[c], name, sizeof name))
            return snprintf(err, errlen, "--labels: expected FROM=TO pairs separated by commas, got \"%s\"", labels), -1;
        map[c] = -1;
        for (int k = 0; k < r->n_classes; k++)
            if (!strcmp(class_name(&r->classes, k), name)) map[c] = k;
        if (map[c] >= 0) continue;
        char known[512] = "";
        for (int k = 0; k < r->n_classes; k++) {
            size_t used = strlen(known);
            snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", class_name(&r->classes, k));
        }
        return snprintf(err, errlen, "%s: label \"%.200s\" is not one of the run's classes (%s); map it with --labels %.100s=CLASS",
                        set->class_where[c], name, known, set->classes[c]), -1;
    }
    return 0;
}

/* Predicts examples [from, to) and adds them to out. */
static int score_chunk(RunModel *r, const LabelledSet *set, const int *map, size_t from, size_t to,
                       EvalFileResult *out, double *loss, char *err, size_t errlen) {
    int n = (int)(to - from);
    const char **text = malloc(sizeof *text * (size_t)n);
    size_t *len = malloc(sizeof *len * (size_t)n);
    Prediction *p = calloc((size_t)n, sizeof *p);
    int rc = -1;
    if (!text || !len || !p) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    for (int i = 0; i < n; i++) text[i] = set->examples[from + i].text, len[i] = set->examples[from + i].len;
    if (run_model_predict_batch(r, text, len, n, p, 0, err, errlen)) goto done;
    for (int i = 0; i < n; i++) {
        if (p[i].empty) {
            out->no_words++;
            continue;
        }
        int32_t y = map[set->examples[from + i].label], pred = p[i].label;
        metrics_add(&out->m, &y, &pred, 1);
        double q = p[i].probs[y];
        *loss += -log(q > 1e-12 ? q : 1e-12);
    }
    rc = 0;
done:
    for (int i = 0; p && i < n; i++) prediction_free(&p[i]);
    free(text);
    free(len);
    free(p);
    return rc;
}

int eval_file(RunModel *r, const Config *cfg, const char *path, const char *labels, EvalFileResult *out, char *err,
              size_t errlen) {
    memset(out, 0, sizeof *out);
    metrics_clear_classes(&out->m, r->n_classes);
    LabelledOptions o;
    LabelledSet set;
    if (own_data_file_options(cfg, &o, err, errlen)) return -1;
    if (labelled_read(path, &o, &set, err, errlen)) return -1;
    int *map = malloc(sizeof *map * (size_t)set.n_classes);
    int rc = !map ? (snprintf(err, errlen, "out of memory"), -1) : map_classes(r, &set, labels, map, err, errlen);
    double loss = 0;
    for (size_t at = 0; rc == 0 && at < set.n; at += CHUNK)
        rc = score_chunk(r, &set, map, at, at + CHUNK < set.n ? at + CHUNK : set.n, out, &loss, err, errlen);
    if (rc == 0) {
        metrics_finish(&out->m);
        out->m.loss = out->m.n ? loss / (double)out->m.n : 0;
        out->examples = (long)set.n;
        labelled_warnings(&set, path, out->warnings, sizeof out->warnings);
    }
    free(map);
    labelled_free(&set);
    return rc;
}
