/* Bytes for the labelled-data readers, all through libarchive: a plain file
 * is read by its "raw" format, so a CSV, a .csv.gz, a .zip holding the CSV or
 * a .tar.gz holding a folder tree take the same path. Only the archive formats
 * a dataset comes in are enabled: with all of them, libarchive's mtree reader
 * can claim a text file that merely looks like a file listing. */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/safe_open.h"
#include "data/labelled_internal.h"

enum { BLOCK = 1 << 16 };

int ls_open(LabelledSource *s, const char *path, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    s->path = path;
    s->fd = -1;
    s->buf = malloc(BLOCK);
    s->cap = BLOCK;
    s->a = archive_read_new();
    if (!s->buf || !s->a) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    /* The usual compressions only: some of libarchive's others run an
     * outside program (lrzip, lzop...) when a file merely starts like one. */
    archive_read_support_filter_gzip(s->a);
    archive_read_support_filter_bzip2(s->a);
    archive_read_support_filter_xz(s->a);
    archive_read_support_filter_zstd(s->a);
    archive_read_support_format_tar(s->a);
    archive_read_support_format_zip(s->a);
    archive_read_support_format_7zip(s->a);
    archive_read_support_format_cpio(s->a);
    archive_read_support_format_raw(s->a);
    archive_read_support_format_empty(s->a);
    /* opened here, not by libarchive: a FIFO in its place must not block */
    s->fd = safe_open_read(path, 0, err, errlen);
    if (s->fd < 0) return -1;
    if (archive_read_open_fd(s->a, s->fd, BLOCK) != ARCHIVE_OK) {
        const char *why = archive_error_string(s->a);
        snprintf(err, errlen, "%s: cannot read (%s)", path, why ? why : "unknown format");
        return -1;
    }
    return 0;
}

static int hidden(const char *p) {
    if (!strncmp(p, "__MACOSX/", 9) || strstr(p, "/__MACOSX/")) return 1;
    const char *base = strrchr(p, '/');
    base = base ? base + 1 : p;
    return base[0] == '.';
}

static int set_name(LabelledSource *s, const char *entry) {
    free(s->name);
    size_t n = strlen(s->path) + strlen(entry) + 2;
    s->name = malloc(n);
    if (!s->name) return -1;
    if (s->raw)
        snprintf(s->name, n, "%s", s->path);
    else
        snprintf(s->name, n, "%s:%s", s->path, entry);
    return 0;
}

int ls_next_file(LabelledSource *s, char *err, size_t errlen) {
    struct archive_entry *e;
    for (;;) {
        int r = archive_read_next_header(s->a, &e);
        if (r == ARCHIVE_EOF) return 0;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            const char *why = archive_error_string(s->a);
            snprintf(err, errlen, "%s: damaged or unreadable (%s)", s->path, why ? why : "read error");
            return -1;
        }
        s->raw = archive_format(s->a) == ARCHIVE_FORMAT_RAW;
        const char *p = archive_entry_pathname(e);
        if (!s->raw && (!p || archive_entry_filetype(e) != AE_IFREG || hidden(p))) continue;
        if (!p) p = "data";
        /* "./a/b" and "a/b" are the same member */
        while (p[0] == '.' && p[1] == '/') p += 2;
        s->entry = p;
        s->started = 0;
        if (set_name(s, p)) {
            snprintf(err, errlen, "%s: out of memory", s->path);
            return -1;
        }
        return 1;
    }
}

static long failed(LabelledSource *s, char *err, size_t errlen) {
    const char *why = archive_error_string(s->a);
    snprintf(err, errlen, "%s: damaged or truncated (%s)", s->name, why ? why : "read error");
    return -1;
}

/* Whatever the archive has next, up to a block. */
static long read_some(LabelledSource *s, char *err, size_t errlen) {
    la_ssize_t k = archive_read_data(s->a, s->buf, s->cap);
    return k < 0 ? failed(s, err, errlen) : (long)k;
}

long ls_read(LabelledSource *s, const char **data, char *err, size_t errlen) {
    *data = s->buf;
    if (s->empty) return 0;
    if (s->started) return read_some(s, err, errlen);
    s->started = 1;
    /* three bytes at least, to see a BOM whole */
    size_t got = 0;
    while (got < 3) {
        la_ssize_t k = archive_read_data(s->a, s->buf + got, 3 - got);
        if (k < 0) return failed(s, err, errlen);
        if (k == 0) break;
        got += (size_t)k;
    }
    if (got == 3 && !memcmp(s->buf, "\xEF\xBB\xBF", 3)) return read_some(s, err, errlen);
    return (long)got;
}

int ls_select(LabelledSource *s, const char *member, char *err, size_t errlen) {
    for (;;) {
        int r = ls_next_file(s, err, errlen);
        if (r < 0) return -1;
        if (r == 0 && archive_format(s->a) == ARCHIVE_FORMAT_EMPTY) {
            /* an empty file: read as a file with no bytes */
            s->raw = s->empty = 1;
            s->entry = "";
            if (!set_name(s, "")) return 0;
            snprintf(err, errlen, "%s: out of memory", s->path);
            return -1;
        }
        if (r == 0) {
            if (member)
                snprintf(err, errlen, "%s: no file \"%s\" in the archive", s->path, member);
            else
                snprintf(err, errlen, "%s: no file in the archive", s->path);
            return -1;
        }
        if (!member || s->raw || !strcmp(s->entry, member)) return 0;
    }
}

int ls_check_alone(LabelledSource *s, const char *member, char *err, size_t errlen) {
    if (member || s->raw) return 0;
    char first[1024];
    snprintf(first, sizeof first, "%s", s->entry);
    int r = ls_next_file(s, err, errlen);
    if (r <= 0) return r;
    snprintf(err, errlen, "%s: the archive holds more than one file (\"%s\", \"%s\"...); name the one to read",
             s->path, first, s->entry);
    return -1;
}

void ls_close(LabelledSource *s) {
    if (s->a) archive_read_free(s->a);
    if (s->fd >= 0) close(s->fd);
    free(s->buf);
    free(s->name);
    memset(s, 0, sizeof *s);
    s->fd = -1;
}
