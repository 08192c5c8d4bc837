#include "data/own_data.h"

#include "data/data_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "models/model.h"

static const char *const FILE_KEYS[3] = {"data.train_file", "data.val_file", "data.test_file"};

static void fill_options(const Config *c, int which, LabelledOptions *o);

static const char *file_of(const Config *c, int which) {
    const char *f = which == 0 ? c->data_train_file : which == 1 ? c->data_val_file : c->data_test_file;
    return f ? f : "";
}

/* A 1-based column number, or 0 when s is a name. */
static int column_number(const char *s) {
    if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 6) return 0;
    return atoi(s);
}

static int check_columns(const Config *c, char *err, size_t errlen) {
    if (!DATASET_IS_OWN(c->data_dataset))
        return snprintf(err, errlen, "data.dataset must be csv, tsv, jsonl or folders to read labelled files"), -1;
    if (c->data_dataset == DATASET_FOLDERS) return 0;
    const char *tc = c->data_text_column ? c->data_text_column : "", *lc = c->data_label_column ? c->data_label_column : "";
    if (!*tc || !*lc) return snprintf(err, errlen, "data.text_column and data.label_column must not be empty"), -1;
    if (c->data_dataset == DATASET_JSONL) return 0;
    int tn = column_number(tc), ln = column_number(lc);
    if ((tn > 0) != (ln > 0))
        return snprintf(err, errlen,
                        "data.text_column (%s) and data.label_column (%s) must both be header names or both "
                        "column numbers", tc, lc), -1;
    if (tn > 0 && tn == ln) return snprintf(err, errlen, "data.text_column and data.label_column are both column %d", tn), -1;
    if (tn == 0 && !strcmp(tc, lc))
        return snprintf(err, errlen, "data.text_column and data.label_column both name \"%s\"", tc), -1;
    return 0;
}

int own_data_check(const Config *c, char *err, size_t errlen) {
    const char *kind = c->data_dataset == DATASET_CSV ? "csv" : c->data_dataset == DATASET_TSV ? "tsv"
                       : c->data_dataset == DATASET_JSONL ? "jsonl" : "folders";
    if (DATASET_IS_OWN(c->data_dataset) && !*file_of(c, 0))
        return snprintf(err, errlen, "data.dataset=%s needs data.train_file: the labelled training %s", kind,
                        c->data_dataset == DATASET_FOLDERS ? "folder (one folder per label)" : "file"), -1;
    return check_columns(c, err, errlen);
}

int own_data_guess_format(const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return DATASET_FOLDERS;
    char name[1024];
    snprintf(name, sizeof name, "%s", path);
    static const char *const packed[] = {".gz", ".bz2", ".xz", ".zst"};
    for (size_t i = 0; i < sizeof packed / sizeof *packed; i++) {
        size_t n = strlen(name), k = strlen(packed[i]);
        if (n > k && !strcmp(name + n - k, packed[i])) name[n - k] = 0;
    }
    const char *dot = strrchr(name, '.');
    if (!dot) return -1;
    if (!strcasecmp(dot, ".csv")) return DATASET_CSV;
    if (!strcasecmp(dot, ".tsv") || !strcasecmp(dot, ".tab")) return DATASET_TSV;
    if (!strcasecmp(dot, ".jsonl") || !strcasecmp(dot, ".ndjson")) return DATASET_JSONL;
    return -1;
}

int own_data_file_options(const Config *c, LabelledOptions *o, char *err, size_t errlen) {
    if (check_columns(c, err, errlen)) return -1;
    fill_options(c, 2, o);
    return 0;
}

int own_data_options(const Config *c, int which, LabelledOptions *o, char *err, size_t errlen) {
    if (own_data_check(c, err, errlen)) return -1;
    fill_options(c, which, o);
    return 0;
}

static void fill_options(const Config *c, int which, LabelledOptions *o) {
    memset(o, 0, sizeof *o);
    static const LabelledFormat formats[] = {LABELLED_CSV, LABELLED_TSV, LABELLED_JSONL, LABELLED_FOLDERS};
    o->format = formats[c->data_dataset - DATASET_CSV];
    int tn = column_number(c->data_text_column), ln = column_number(c->data_label_column);
    if (o->format == LABELLED_JSONL || tn == 0) {
        o->text_column = c->data_text_column;
        o->label_column = c->data_label_column;
    } else {
        o->text_index = tn;
        o->label_index = ln;
        o->has_header = c->data_header;
    }
    o->member = c->data_member && *c->data_member ? c->data_member : NULL;
    o->allow_single_class = which != 0;
}

/* The training set's class names checked for what a run can keep. */
static int check_classes(const LabelledSet *s, const char *path, char *err, size_t errlen) {
    if (s->n_classes > MAX_CLASSES)
        return snprintf(err, errlen, "%s: %d classes; sentui trains classifiers of up to %d", path, s->n_classes,
                        MAX_CLASSES), -1;
    for (int i = 0; i < s->n_classes; i++)
        if (strchr(s->classes[i], '\n'))
            return snprintf(err, errlen, "%s: a label holds a line break (%s)", path, s->class_where[i]), -1;
    return 0;
}

static void add_warnings(Dataset *d, const LabelledSet *s, const char *path) {
    char buf[2048];
    if (labelled_warnings(s, path, buf, sizeof buf) <= 0) return;
    size_t had = d->warnings ? strlen(d->warnings) : 0, add = strlen(buf);
    char *w = realloc(d->warnings, had + add + 1);
    if (!w) return;
    memcpy(w + had, buf, add + 1);
    d->warnings = w;
}

/* Adds set's examples to rc as split, relabelled into train's numbering. */
static int add_examples(RawCorpus *rc, const LabelledSet *train, const LabelledSet *set, int split) {
    for (size_t i = 0; i < set->n; i++) {
        const LabelledExample *e = &set->examples[i];
        int label = set == train ? e->label : labelled_class_index(train, set->classes[e->label]);
        if (raw_corpus_add(rc, split, label, (int)i, 0, e->text, e->len)) return -1;
    }
    return 0;
}

static int take_classes(Dataset *d, LabelledSet *train) {
    d->classes = calloc((size_t)train->n_classes, sizeof *d->classes);
    if (!d->classes) return -1;
    for (int i = 0; i < train->n_classes; i++) {
        d->classes[i] = strdup(train->classes[i]);
        if (!d->classes[i]) return -1;
        d->n_classes = i + 1;
    }
    return 0;
}

int own_data_read(const Config *c, RawCorpus *rc, Dataset *d, char *err, size_t errlen) {
    LabelledSet sets[3];
    memset(sets, 0, sizeof sets);
    int rcode = -1;
    static const int splits[3] = {RAW_TRAIN, RAW_VAL, RAW_TEST};
    for (int k = 0; k < 3; k++) {
        const char *path = file_of(c, k);
        if (!*path) continue;
        LabelledOptions o;
        char why[1024];
        if (own_data_options(c, k, &o, err, errlen)) goto done;
        if (labelled_read(path, &o, &sets[k], why, sizeof why)) {
            snprintf(err, errlen, "%s: %s", FILE_KEYS[k], why);
            goto done;
        }
        if (k == 0 ? check_classes(&sets[0], path, err, errlen) : labelled_check_classes(&sets[0], &sets[k], err, errlen))
            goto done;
        add_warnings(d, &sets[k], path);
    }
    for (int k = 0; k < 3; k++)
        if (sets[k].n && add_examples(rc, &sets[0], &sets[k], splits[k])) {
            snprintf(err, errlen, "out of memory holding the texts");
            goto done;
        }
    if (take_classes(d, &sets[0])) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    rcode = 0;
done:
    for (int k = 0; k < 3; k++) labelled_free(&sets[k]);
    return rcode;
}

/* A folder of label folders: its own stat and every label folder's files. */
static uint64_t folders_signature(const char *path, uint64_t h) {
    DIR *d = opendir(path);
    if (!d) return h;
    uint64_t sum = 0;
    struct dirent *ent;
    char sub[4200];
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.') continue;
        snprintf(sub, sizeof sub, "%s/%s", path, ent->d_name);
        uint64_t s = imdb_source_signature(sub, 0);
        for (const char *p = ent->d_name; *p; p++) s = (s ^ (unsigned char)*p) * 0x100000001b3ull;
        struct stat st;
        if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) s ^= folder_signature(sub);
        sum += s * 0x9e3779b97f4a7c15ull;
    }
    closedir(d);
    return h ^ sum;
}

uint64_t own_data_signature(const Config *c) {
    uint64_t h = 0x6f776e64617461ull; /* "owndata" */
    for (int k = 0; k < 3; k++) {
        const char *path = file_of(c, k);
        if (!*path) continue;
        struct stat st;
        uint64_t s = imdb_source_signature(path, 0);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) s = folders_signature(path, s);
        h = (h ^ s) * 0x100000001b3ull + (uint64_t)k;
    }
    return h;
}
