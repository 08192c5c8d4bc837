/* labelled_read: checks the options, opens the source and hands it to the
 * reader of its format, then finishes the set (classes sorted, at least one
 * example, two classes unless allowed). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "data/labelled_internal.h"

static const char *const FORMAT_NAMES[] = {"csv", "tsv", "jsonl", "folders"};

static int check_options(const char *path, const LabelledOptions *o, char *err, size_t errlen) {
    if ((unsigned)o->format > LABELLED_FOLDERS) {
        snprintf(err, errlen, "%s: unknown format %d", path, (int)o->format);
        return -1;
    }
    if (o->format == LABELLED_FOLDERS) return 0;
    const char *f = FORMAT_NAMES[o->format];
    if (o->format == LABELLED_JSONL && (!o->text_column || !o->label_column)) {
        snprintf(err, errlen, "%s: jsonl needs the names of the text and label fields", path);
        return -1;
    }
    if (!o->text_column != !o->label_column) {
        snprintf(err, errlen, "%s: name both the text and the label column, or give both as numbers", path);
        return -1;
    }
    if (!o->text_column && (o->text_index < 1 || o->label_index < 1)) {
        snprintf(err, errlen, "%s: %s needs the text and label columns, by header name or by number from 1", path, f);
        return -1;
    }
    if (!o->text_column && o->text_index == o->label_index) {
        snprintf(err, errlen, "%s: the text and label columns are both column %d", path, o->text_index);
        return -1;
    }
    if (o->text_column && !strcmp(o->text_column, o->label_column)) {
        snprintf(err, errlen, "%s: the text and label columns are both \"%s\"", path, o->text_column);
        return -1;
    }
    return 0;
}

static int read_source(const char *path, const LabelledOptions *opt, LabelledSet *set, char *err, size_t errlen) {
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        if (opt->format == LABELLED_FOLDERS) return labelled_read_folder(path, set, err, errlen);
        snprintf(err, errlen, "%s: a folder; the %s format reads a file", path, FORMAT_NAMES[opt->format]);
        return -1;
    }
    LabelledSource s;
    int rc = ls_open(&s, path, err, errlen);
    if (!rc) switch (opt->format) {
        case LABELLED_FOLDERS: rc = labelled_read_folder_archive(&s, opt->member, set, err, errlen); break;
        case LABELLED_JSONL: rc = labelled_read_jsonl(&s, opt, set, err, errlen); break;
        default: rc = labelled_read_csv(&s, opt, set, err, errlen); break;
        }
    ls_close(&s);
    return rc;
}

int labelled_read(const char *path, const LabelledOptions *opt, LabelledSet *set, char *err, size_t errlen) {
    memset(set, 0, sizeof *set);
    if (check_options(path, opt, err, errlen) || lb_begin(set, err, errlen)) return -1;
    static const char *const expect[] = {"a header and rows", "a header and rows", "one JSON object per line",
                                         LABELLED_FOLDERS_EXPECT};
    const char *hint = opt->format == LABELLED_CSV || opt->format == LABELLED_TSV
                           ? (opt->text_column || opt->has_header ? "a header and rows" : "rows")
                           : expect[opt->format];
    if (read_source(path, opt, set, err, errlen) || lb_finish(set, path, opt->allow_single_class, hint, err, errlen)) {
        labelled_free(set);
        return -1;
    }
    return 0;
}
