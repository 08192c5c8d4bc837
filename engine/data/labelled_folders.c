/* A folder per label: DIR/<label>/<name>.txt, one example per file (the
 * layout of aclImdb's train/pos and train/neg, with any labels). From a real
 * folder or from an archive holding the tree. Hidden entries (".*") and
 * files not ending in ".txt" are ignored; the examples are sorted by (label,
 * file name) afterwards, so neither readdir's order nor the archive's
 * matters. A UTF-8 BOM at a file's start (Windows editors write one) is
 * dropped. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safe_open.h"
#include "data/labelled_internal.h"


static int is_txt(const char *name) {
    size_t n = strlen(name);
    return name[0] != '.' && n > 4 && !strcmp(name + n - 4, ".txt");
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int visible(const struct dirent *d) { return d->d_name[0] != '.'; }

static const char *skip_bom(const char *s, size_t *n) {
    if (*n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        *n -= 3;
        return s + 3;
    }
    return s;
}

/* The whole file into b, refusing more than the field limit. */
static int slurp(const char *file, LabelledBuf *b, char *err, size_t errlen) {
    int fd = safe_open_read(file, 0, err, errlen);
    if (fd < 0) return -1;
    b->len = 0;
    char chunk[1 << 16];
    for (;;) {
        ssize_t k = read(fd, chunk, sizeof chunk);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) snprintf(err, errlen, "%s: %s", file, strerror(errno));
        else if (b->len + (size_t)k > LABELLED_MAX_FIELD)
            snprintf(err, errlen, "%s: longer than %u MB", file, LABELLED_MAX_FIELD >> 20);
        else if (lbuf_append(b, chunk, (size_t)k))
            snprintf(err, errlen, "%s: out of memory", file);
        else if (k == 0)
            break;
        else
            continue;
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* One label folder's files, sorted by name; a stray file beside the label
 * folders is ignored. */
static int read_label_folder(const char *dir, const char *label, LabelledSet *set, LabelledBuf *b, char *err,
                             size_t errlen) {
    struct dirent **list;
    int n = scandir(dir, &list, visible, by_name);
    if (n < 0) return 0;
    char *where = NULL;
    int rc = asprintf(&where, "%s/", dir) < 0 ? -1 : 0;
    for (int i = 0; i < n && !rc; i++) {
        char *file;
        struct stat st;
        if (!is_txt(list[i]->d_name)) continue;
        if (asprintf(&file, "%s/%s", dir, list[i]->d_name) < 0) {
            snprintf(err, errlen, "%s: out of memory", dir);
            rc = -1;
            break;
        }
        if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = slurp(file, b, err, errlen);
            size_t len = b->len;
            const char *text = skip_bom(b->p ? b->p : "", &len);
            LabelledWhere w = {file, 0};
            if (!rc) rc = lb_add(set, text, len, label, strlen(label), &w, where, list[i]->d_name, err, errlen);
        }
        free(file);
    }
    if (!where) snprintf(err, errlen, "%s: out of memory", dir);
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
    free(where);
    return rc;
}

int labelled_read_folder(const char *path, LabelledSet *set, char *err, size_t errlen) {
    struct dirent **list;
    int n = scandir(path, &list, visible, by_name);
    if (n < 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    LabelledBuf b = {NULL, 0, 0};
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
        char *dir;
        if (asprintf(&dir, "%s/%s", path, list[i]->d_name) < 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
            break;
        }
        rc = read_label_folder(dir, list[i]->d_name, set, &b, err, errlen);
        free(dir);
    }
    for (int i = 0; i < n; i++) free(list[i]);
    free(list);
    free(b.p);
    return rc;
}

/* ---- the same tree inside an archive ------------------------------------- */

/* Splits an entry "<...>/<label>/<name>.txt" (under member/ when given, then
 * exactly "<label>/<name>.txt") into its label and name; 0 when it is not one. */
static int entry_label(const char *entry, const char *member, char *label, size_t n, const char **name) {
    if (member && member[0]) {
        size_t m = strlen(member);
        while (m && member[m - 1] == '/') m--;
        if (strncmp(entry, member, m) || entry[m] != '/') return 0;
        entry += m + 1;
        if (strchr(entry, '/') != strrchr(entry, '/')) return 0;
    }
    const char *slash = strrchr(entry, '/');
    if (!slash || !is_txt(slash + 1)) return 0;
    const char *start = slash;
    while (start > entry && start[-1] != '/') start--;
    if (start == slash || (size_t)(slash - start) >= n) return 0;
    memcpy(label, start, (size_t)(slash - start));
    label[slash - start] = 0;
    *name = slash + 1;
    return 1;
}

static int read_member(LabelledSource *s, LabelledBuf *b, char *err, size_t errlen) {
    b->len = 0;
    for (;;) {
        const char *data;
        long k = ls_read(s, &data, err, errlen);
        if (k < 0) return -1;
        if (k == 0) return 0;
        if (b->len + (size_t)k > LABELLED_MAX_FIELD) {
            snprintf(err, errlen, "%s: longer than %u MB", s->name, LABELLED_MAX_FIELD >> 20);
            return -1;
        }
        if (lbuf_append(b, data, (size_t)k)) {
            snprintf(err, errlen, "%s: out of memory", s->name);
            return -1;
        }
    }
}

static int not_an_archive(const LabelledSource *s, char *err, size_t errlen) {
    snprintf(err, errlen, "%s: not a folder or an archive (expected %s)", s->path, LABELLED_FOLDERS_EXPECT);
    return -1;
}

int labelled_read_folder_archive(LabelledSource *s, const char *member, LabelledSet *set, char *err,
                                 size_t errlen) {
    LabelledBuf b = {NULL, 0, 0};
    int rc = 0, r;
    while (!rc && (r = ls_next_file(s, err, errlen)) != 0) {
        char label[LABELLED_MAX_LABEL + 1], folder[4400];
        const char *name;
        if (r < 0 || s->raw) {
            rc = r < 0 ? -1 : not_an_archive(s, err, errlen);
            break;
        }
        if (!entry_label(s->entry, member, label, sizeof label, &name)) continue;
        /* the label's folder as the archive names it: where the class is first seen */
        snprintf(folder, sizeof folder, "%s:%.*s", s->path, (int)(name - s->entry), s->entry);
        LabelledWhere w = {s->name, 0};
        /* (ls_read has dropped a BOM already.) Sorted by the whole path: two
         * trees in one archive may share a label. */
        rc = read_member(s, &b, err, errlen);
        if (!rc) rc = lb_add(set, b.p ? b.p : "", b.len, label, strlen(label), &w, folder, s->entry, err, errlen);
    }
    free(b.p);
    return rc;
}
