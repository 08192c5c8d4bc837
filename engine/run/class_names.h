/* Class names as a run keeps them: in class order (sorted byte-wise by the
 * data reader), joined one per line in the start event's "classes" field and
 * in the run folder's classes.txt. A binary sentiment run has none saved and
 * its classes are negative (0) and positive (1). */
#ifndef SENTUI_CLASS_NAMES_H
#define SENTUI_CLASS_NAMES_H

#include <stddef.h>

typedef struct ClassNames {
    char **names;
    int n;
} ClassNames;

/* Splits text at '\n' (a trailing newline ends the last name) into c.
 * 0, or -1 when out of memory or when it holds fewer than 2 or more than
 * MAX_CLASSES names. */
int class_names_parse(ClassNames *c, const char *text);
/* The names joined with '\n' (malloc'd; NULL when out of memory). */
char *class_names_join(char *const *names, int n);
/* classes.txt of the run folder into c: 1 read, 0 not there (a binary run),
 * -1 unreadable or malformed. */
int class_names_load(ClassNames *c, const char *run_dir);
/* Writes classes.txt into the run folder; 0 or -1. */
int class_names_save(char *const *names, int n, const char *run_dir);
void class_names_free(ClassNames *c);
/* Name of class i: c's when it has one, else negative/positive. */
const char *class_name(const ClassNames *c, int i);

/* The most labels class_labels_match compares (a dataset's MAX_CLASSES). */
#define CLASS_LABELS_MAX 32

/* Which of a checkpoint's n_labels labels (id2label, by id) is each of the
 * data's n classes (NULL: negative, positive): rows[i] is the label id of
 * class i. Names match case-insensitively, with the usual spellings of
 * sentiment taken as one (NEG, neg, Negative, negative; pos...; neu...).
 * Labels all named LABEL_k (nobody named them) are taken in order, and only
 * when there are as many as classes. 0, with what was reordered or dropped
 * (a label the data lacks) in note ("" when the head is used as it is); -1
 * with both sets named in err. */
int class_labels_match(char *const *classes, int n, const char *const *labels, int n_labels, int *rows, char *note,
                       size_t notelen, char *err, size_t errlen);

#endif
