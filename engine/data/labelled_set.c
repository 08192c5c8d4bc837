/* The labelled set being built: texts back to back in one buffer, classes
 * found through a hash table (a misnamed label column can make one class per
 * row, which must not turn quadratic), then sorted by name at the end so the
 * class ids do not depend on row order. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "data/labelled_internal.h"

typedef struct {
    size_t off, len;  /* the text in bytes */
    size_t name;      /* folders: the sort name in names */
    int cls;          /* class in first-seen order */
} Pending;

struct LabelledBuild {
    Pending *rows;
    size_t n, cap;
    LabelledBuf bytes, names;
    char **classes;   /* first-seen order */
    char **where;
    size_t n_classes, class_cap;
    int *table;       /* open addressing: class id + 1, 0 empty */
    size_t table_cap; /* a power of two, at least twice n_classes */
    int sorted_rows;  /* examples carry sort names */
};

int lb_begin(LabelledSet *set, char *err, size_t errlen) {
    memset(set, 0, sizeof *set);
    set->build = calloc(1, sizeof *set->build);
    if (!set->build) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static uint64_t name_hash(const char *s, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return hash_mix64(h);
}

static int table_grow(LabelledBuild *b) {
    size_t cap = b->table_cap ? b->table_cap * 2 : 64;
    int *t = calloc(cap, sizeof *t);
    if (!t) return -1;
    for (size_t c = 0; c < b->n_classes; c++) {
        size_t i = name_hash(b->classes[c], strlen(b->classes[c])) & (cap - 1);
        while (t[i]) i = (i + 1) & (cap - 1);
        t[i] = (int)c + 1;
    }
    free(b->table);
    b->table = t, b->table_cap = cap;
    return 0;
}

/* A new class's name and where it is first seen; -1 when out of memory. */
static int class_append(LabelledBuild *b, const char *label, size_t n, const char *where) {
    if (b->n_classes == b->class_cap) {
        size_t cap = b->class_cap ? b->class_cap * 2 : 16;
        char **c = realloc(b->classes, cap * sizeof *c);
        if (c) b->classes = c;
        char **w = c ? realloc(b->where, cap * sizeof *w) : NULL;
        if (!w) return -1;
        b->where = w, b->class_cap = cap;
    }
    char *name = malloc(n + 1), *at = strdup(where);
    if (!name || !at) {
        free(name), free(at);
        return -1;
    }
    memcpy(name, label, n);
    name[n] = 0;
    b->classes[b->n_classes] = name;
    b->where[b->n_classes++] = at;
    return 0;
}

/* The class id of label, added when new; -1 when out of memory. */
static int class_id(LabelledBuild *b, const char *label, size_t n, const char *where) {
    if ((b->n_classes + 1) * 2 > b->table_cap && table_grow(b)) return -1;
    size_t i = name_hash(label, n) & (b->table_cap - 1);
    for (; b->table[i]; i = (i + 1) & (b->table_cap - 1)) {
        const char *c = b->classes[b->table[i] - 1];
        if (!strncmp(c, label, n) && c[n] == 0) return b->table[i] - 1;
    }
    if (b->n_classes >= 0x7fffffff - 1 || class_append(b, label, n, where)) return -1;
    b->table[i] = (int)b->n_classes;
    return (int)b->n_classes - 1;
}

static int check_label(const char *label, size_t n, const char *where, char *err, size_t errlen) {
    if (n == 0)
        snprintf(err, errlen, "%s: empty label", where);
    else if (n > LABELLED_MAX_LABEL)
        snprintf(err, errlen, "%s: a label of %zu bytes (at most %d); is the label column the text column?", where, n,
                 LABELLED_MAX_LABEL);
    else if (memchr(label, 0, n))
        snprintf(err, errlen, "%s: the label holds a NUL byte", where);
    else
        return 0;
    return -1;
}

static int note_first(char **first, const LabelledWhere *w) {
    if (*first) return 0;
    char buf[4200];
    *first = strdup(labelled_where_format(w, buf, sizeof buf));
    return *first ? 0 : -1;
}

static int add_row(LabelledBuild *b, const char *text, size_t len, int cls, const char *sort_name) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        Pending *r = realloc(b->rows, cap * sizeof *r);
        if (!r) return -1;
        b->rows = r, b->cap = cap;
    }
    Pending *r = &b->rows[b->n];
    r->off = b->bytes.len, r->len = len, r->cls = cls, r->name = b->names.len;
    static const char nul = 0;
    if (lbuf_append(&b->bytes, text, len) || lbuf_append(&b->bytes, &nul, 1)) return -1;
    if (sort_name) {
        b->sorted_rows = 1;
        if (lbuf_append(&b->names, sort_name, strlen(sort_name) + 1)) return -1;
    }
    b->n++;
    return 0;
}

int lb_add(LabelledSet *set, const char *text, size_t len, const char *label, size_t label_len,
           const LabelledWhere *w, const char *class_where, const char *sort_name, char *err, size_t errlen) {
    LabelledBuild *b = set->build;
    char where[4200];
    labelled_where_format(w, where, sizeof where);
    if (labelled_blank(text, len)) {
        set->n_empty++;
        if (note_first(&set->first_empty, w)) goto oom;
        return 0;
    }
    if (check_label(label, label_len, where, err, errlen)) return -1;
    if (len > LABELLED_MAX_FIELD) {
        snprintf(err, errlen, "%s: a text of %zu bytes (at most %u MB)", where, len, LABELLED_MAX_FIELD >> 20);
        return -1;
    }
    if (!labelled_utf8_valid(text, len)) {
        set->n_bad_utf8++;
        if (note_first(&set->first_bad_utf8, w)) goto oom;
    }
    int cls = class_id(b, label, label_len, class_where ? class_where : where);
    if (cls < 0 || add_row(b, text, len, cls, sort_name)) goto oom;
    return 0;
oom:
    snprintf(err, errlen, "%s: out of memory", where);
    return -1;
}

/* ---- finishing ------------------------------------------------------------ */

typedef struct {
    const char *name;
    int id;
} ClassRef;

static int class_ref_cmp(const void *a, const void *b) {
    return strcmp(((const ClassRef *)a)->name, ((const ClassRef *)b)->name);
}

typedef struct {
    const int *rank;
    const char *names;
} RowOrder;

/* Folder examples: by class, then by file name. */
static int row_cmp(const void *a, const void *b, void *ctx) {
    const RowOrder *o = ctx;
    const Pending *x = a, *y = b;
    if (o->rank[x->cls] != o->rank[y->cls]) return o->rank[x->cls] < o->rank[y->cls] ? -1 : 1;
    return strcmp(o->names + x->name, o->names + y->name);
}

static void build_free(LabelledBuild *b) {
    if (!b) return;
    for (size_t c = 0; c < b->n_classes; c++) free(b->classes[c]), free(b->where[c]);
    free(b->classes), free(b->where), free(b->table), free(b->rows), free(b->names.p), free(b->bytes.p);
    free(b);
}

/* Moves the classes, sorted by name, into set; rank maps first-seen ids to sorted ones. */
static int sort_classes(LabelledSet *set, int *rank) {
    LabelledBuild *b = set->build;
    int n = (int)b->n_classes;
    ClassRef *refs = malloc((size_t)n * sizeof *refs);
    set->classes = malloc((size_t)n * sizeof *set->classes);
    set->class_where = malloc((size_t)n * sizeof *set->class_where);
    set->class_counts = calloc((size_t)n, sizeof *set->class_counts);
    if (!refs || !set->classes || !set->class_where || !set->class_counts) {
        free(refs);
        return -1;
    }
    for (int c = 0; c < n; c++) refs[c] = (ClassRef){b->classes[c], c};
    qsort(refs, (size_t)n, sizeof *refs, class_ref_cmp);
    for (int r = 0; r < n; r++) {
        rank[refs[r].id] = r;
        set->classes[r] = b->classes[refs[r].id];
        set->class_where[r] = b->where[refs[r].id];
    }
    set->n_classes = n;
    b->n_classes = 0; /* now owned by set */
    free(refs);
    return 0;
}

static int build_examples(LabelledSet *set, const int *rank) {
    LabelledBuild *b = set->build;
    if (b->sorted_rows) {
        RowOrder o = {rank, b->names.p};
        qsort_r(b->rows, b->n, sizeof *b->rows, row_cmp, &o);
    }
    set->examples = malloc(b->n * sizeof *set->examples);
    if (!set->examples) return -1;
    set->bytes = b->bytes.p;
    b->bytes.p = NULL;
    for (size_t i = 0; i < b->n; i++) {
        int cls = rank[b->rows[i].cls];
        set->examples[i] = (LabelledExample){set->bytes + b->rows[i].off, b->rows[i].len, cls};
        set->class_counts[cls]++;
    }
    set->n = b->n;
    return 0;
}

int lb_finish(LabelledSet *set, const char *source, int allow_single, const char *expect, char *err,
              size_t errlen) {
    LabelledBuild *b = set->build;
    if (b->n == 0) {
        if (set->n_empty)
            snprintf(err, errlen, "%s: no examples (%zu empty texts skipped)", source, set->n_empty);
        else
            snprintf(err, errlen, "%s: no examples (expected %s)", source, expect);
        return -1;
    }
    if (b->n_classes < 2 && !allow_single) {
        snprintf(err, errlen, "%s: every example has the label \"%.100s\"; a classifier needs at least two classes",
                 source, b->classes[0]);
        return -1;
    }
    int *rank = malloc(b->n_classes * sizeof *rank);
    int rc = rank && !sort_classes(set, rank) && !build_examples(set, rank) ? 0 : -1;
    free(rank);
    if (rc) {
        snprintf(err, errlen, "%s: out of memory", source);
        return -1;
    }
    build_free(b);
    set->build = NULL;
    return 0;
}

void labelled_free(LabelledSet *set) {
    if (!set) return;
    build_free(set->build);
    for (int c = 0; c < set->n_classes; c++) free(set->classes[c]), free(set->class_where[c]);
    free(set->classes), free(set->class_where), free(set->class_counts), free(set->examples), free(set->bytes);
    free(set->first_empty), free(set->first_bad_utf8);
    memset(set, 0, sizeof *set);
}

/* ---- questions about a finished set --------------------------------------- */

int labelled_class_index(const LabelledSet *set, const char *name) {
    int lo = 0, hi = set->n_classes - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2, c = strcmp(set->classes[mid], name);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return -1;
}

int labelled_check_classes(const LabelledSet *train, const LabelledSet *other, char *err, size_t errlen) {
    for (int c = 0; c < other->n_classes; c++) {
        if (labelled_class_index(train, other->classes[c]) >= 0) continue;
        snprintf(err, errlen, "%s: the label \"%.100s\" is not among the training set's %d classes", other->class_where[c],
                 other->classes[c], train->n_classes);
        return -1;
    }
    return 0;
}

int labelled_warnings(const LabelledSet *set, const char *source, char *buf, size_t buflen) {
    int n = 0;
    size_t u = 0;
    if (buflen) buf[0] = 0;
    if (set->n_empty && u < buflen) {
        snprintf(buf + u, buflen - u, "%s: %zu empty text%s skipped (the first at %s)\n", source, set->n_empty,
                 set->n_empty == 1 ? "" : "s", set->first_empty);
        u += strlen(buf + u), n++;
    }
    if (set->n_bad_utf8 && u < buflen) {
        snprintf(buf + u, buflen - u,
                 "%s: %zu text%s not valid UTF-8, kept (invalid bytes separate words; the first at %s)\n", source,
                 set->n_bad_utf8, set->n_bad_utf8 == 1 ? " is" : "s are", set->first_bad_utf8);
        n++;
    }
    return n;
}
