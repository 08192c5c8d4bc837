/* The parts the labelled-data readers share: the set being built
 * (labelled_set.c), the byte stream from a file or an archive member
 * (labelled_source.c), and small text checks (labelled_text.c). */
#ifndef SENTUI_DATA_LABELLED_INTERNAL_H
#define SENTUI_DATA_LABELLED_INTERNAL_H

#include <stddef.h>

#include "data/labelled_reader.h"

/* ---- where a row came from, formatted only when a message needs it ------- */

typedef struct {
    const char *file; /* "path" or "archive:member" */
    long line;        /* 0: the file as a whole (folders) */
} LabelledWhere;

/* "file:line" or "file" into buf; returns buf. */
char *labelled_where_format(const LabelledWhere *w, char *buf, size_t n);

/* ---- the set being built -------------------------------------------------- */

/* Starts *set empty; -1 when out of memory. */
int lb_begin(LabelledSet *set, char *err, size_t errlen);
/* Adds one example. A blank text is counted and skipped; the label must be
 * non-empty, without NUL bytes and at most LABELLED_MAX_LABEL bytes.
 * class_where names where a new class is first seen (NULL: at w). sort_name
 * orders folder examples (NULL for rows). 0 or -1 with err. */
int lb_add(LabelledSet *set, const char *text, size_t len, const char *label, size_t label_len,
           const LabelledWhere *w, const char *class_where, const char *sort_name, char *err, size_t errlen);
/* Sorts the classes (and, for folders, the examples), builds the public
 * arrays and refuses an empty set or a single class (unless allowed).
 * expect says what the source should hold, for the empty-set message. */
int lb_finish(LabelledSet *set, const char *source, int allow_single, const char *expect, char *err,
              size_t errlen);

/* ---- bytes from a plain file, a compressed file or an archive member ---- */

struct archive;

typedef struct {
    struct archive *a;
    int fd;
    const char *path;
    char *name; /* the current member as errors name it: "path" or "path:member" */
    const char *entry; /* the member's own path in the archive */
    int raw;           /* not an archive: the file itself or its decompression */
    int started;       /* the BOM check is done */
    int empty;         /* the file is empty: libarchive has no member to read */
    char *buf;
    size_t cap;
} LabelledSource;

int ls_open(LabelledSource *s, const char *path, char *err, size_t errlen);
/* The next regular file, skipping folders and hidden entries (".*",
 * __MACOSX/): 1 (s->name and s->entry set), 0 at the end, -1 with err. */
int ls_next_file(LabelledSource *s, char *err, size_t errlen);
/* The next bytes of the current file, a UTF-8 BOM at its start dropped:
 * their count (0 at its end, -1 with err), *data pointing into s->buf. */
long ls_read(LabelledSource *s, const char **data, char *err, size_t errlen);
/* For the single-file formats: moves to opt->member, or the first file. */
int ls_select(LabelledSource *s, const char *member, char *err, size_t errlen);
/* After the file was read: -1 with err when member was NULL and the archive
 * holds another file, since which one was meant is then a guess. */
int ls_check_alone(LabelledSource *s, const char *member, char *err, size_t errlen);
void ls_close(LabelledSource *s);

/* ---- text checks ---------------------------------------------------------- */

int labelled_utf8_valid(const char *s, size_t n);
/* Empty or only ASCII white space. */
int labelled_blank(const char *s, size_t n);
/* " (did you mean \"x\"?)" for the nearest of names, or " (there are: a, b, c)"
 * when none is near, into buf. */
void labelled_suggest(const char *want, const char *const *names, int n, char *buf, size_t buflen);

/* ---- a growing byte buffer ------------------------------------------------ */

typedef struct {
    char *p;
    size_t len, cap;
} LabelledBuf;

/* Appends n bytes (room doubles: appending is linear overall); -1 when out of memory. */
int lbuf_append(LabelledBuf *b, const char *s, size_t n);

/* ---- the format readers --------------------------------------------------- */

#define LABELLED_FOLDERS_EXPECT "a folder per label holding .txt files: <label>/<name>.txt"

int labelled_read_csv(LabelledSource *s, const LabelledOptions *opt, LabelledSet *set, char *err, size_t errlen);
int labelled_read_jsonl(LabelledSource *s, const LabelledOptions *opt, LabelledSet *set, char *err, size_t errlen);
int labelled_read_folder(const char *path, LabelledSet *set, char *err, size_t errlen);
int labelled_read_folder_archive(LabelledSource *s, const char *member, LabelledSet *set, char *err, size_t errlen);

#endif
