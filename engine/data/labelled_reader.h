/* Reads the user's own labelled text, for training a classifier on N classes:
 * CSV or TSV (RFC 4180 quoting), JSON Lines, or a folder per label
 * (DIR/<label>/<name>.txt, aclImdb's layout generalised). Every source may also be
 * compressed (.gz, .bz2, .xz...) or inside an archive (.tar.gz, .zip),
 * read in a stream through libarchive: nothing is unpacked to disk.
 *
 * The result is a list of examples (the text's bytes as given, and a class)
 * and the class names. Classes are sorted byte-wise by name, not numbered in
 * the order they are first seen, so the same data gives the same class ids
 * whatever order its rows come in. Folder examples come sorted by (label,
 * file name), so their order does not depend on readdir or on the archive.
 *
 * Labels are kept byte for byte as given (no trimming, no case folding).
 * Texts empty or only white space are skipped; texts not valid UTF-8 are
 * kept (the tokenizer treats invalid bytes as word breaks). Both are counted
 * for labelled_warnings.
 *
 * Errors name where they are, as "file:line: message" (CSV/TSV: the line
 * where the record starts; JSONL: the line; folders: "file: message"). Inside
 * an archive the file is "archive:member". Nothing here exits or aborts. */
#ifndef SENTUI_DATA_LABELLED_READER_H
#define SENTUI_DATA_LABELLED_READER_H

#include <stddef.h>

typedef enum { LABELLED_CSV, LABELLED_TSV, LABELLED_JSONL, LABELLED_FOLDERS } LabelledFormat;

/* No field (a text, a label, a header name) may be longer than this. */
#define LABELLED_MAX_FIELD (16u << 20)
/* A JSON line may be longer than its text field: escapes take room. */
#define LABELLED_MAX_JSON_LINE (64u << 20)
/* A label longer than this is refused: it is almost surely a text column. */
#define LABELLED_MAX_LABEL 1024

typedef struct {
    LabelledFormat format;
    /* CSV/TSV: header names, which make the first row the header; JSONL: the
     * object's field names (both required). Unused for folders. */
    const char *text_column;
    const char *label_column;
    /* CSV/TSV when the names are NULL: 1-based column numbers, and whether
     * the first row is a header to skip. */
    int text_index, label_index;
    int has_header;
    /* Inside an archive: the member to read (CSV/TSV/JSONL), or the folder
     * that holds the label folders (folders). NULL: the archive's only file;
     * for folders, every .txt in the archive, labelled by its parent folder.
     * Unused for plain files and folders (name the path itself). */
    const char *member;
    /* Validation and test files may hold a single class; a training set may not. */
    int allow_single_class;
} LabelledOptions;

typedef struct {
    const char *text; /* NUL-terminated too; len does not count the NUL */
    size_t len;
    int label; /* index into LabelledSet.classes */
} LabelledExample;

typedef struct LabelledBuild LabelledBuild;

typedef struct {
    LabelledExample *examples;
    size_t n;
    char **classes; /* sorted byte-wise */
    int n_classes;
    size_t *class_counts;
    char **class_where; /* where each class first appears ("file:line", or its folder) */
    /* Warnings: counted, with where the first one is (NULL when none). */
    size_t n_empty; /* texts empty or only white space: skipped */
    char *first_empty;
    size_t n_bad_utf8; /* texts not valid UTF-8: kept */
    char *first_bad_utf8;
    char *bytes; /* every text, back to back */
    LabelledBuild *build; /* only while reading */
} LabelledSet;

/* Reads path (a file, an archive, or for folders also a folder) into *set,
 * which is zeroed first. 0, or -1 with one line in err and *set freed.
 * Errors: a row lacking a column or with an empty label, an unterminated
 * quote, a JSON line that does not parse or lacks a field, a field over
 * LABELLED_MAX_FIELD, a column not in the header, no examples, one class. */
int labelled_read(const char *path, const LabelledOptions *opt, LabelledSet *set, char *err, size_t errlen);
void labelled_free(LabelledSet *set);

/* The class's index, or -1 (binary search: classes are sorted). A validation
 * or test example's class in the training set's numbering is
 * labelled_class_index(train, other->classes[e->label]). */
int labelled_class_index(const LabelledSet *set, const char *name);

/* 0 when every class of other (a validation or test set) is a class of
 * train; otherwise -1 and err names the first such label (by class order)
 * and where it first appears. */
int labelled_check_classes(const LabelledSet *train, const LabelledSet *other, char *err, size_t errlen);

/* The warnings, one line each ending in '\n' ("" when none), into buf;
 * returns how many. source names the data in the lines (the path read). */
int labelled_warnings(const LabelledSet *set, const char *source, char *buf, size_t buflen);

#endif
