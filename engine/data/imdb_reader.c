/* Reads the aclImdb layout (train/pos, train/neg, test/pos, test/neg with files
 * named <id>_<rating>.txt, plus train/unsup which is only counted) from the
 * folder or straight from the archive with libarchive, streaming: nothing is
 * unpacked to disk. The order reviews arrive in does not matter; the caller
 * sorts them. */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/data_internal.h"
#include "common/safe_open.h"

enum { KIND_NONE, KIND_LABELLED, KIND_UNSUP };

static const char *const SPLIT_NAMES[2] = {"train", "test"};
static const char *const LABEL_NAMES[2] = {"neg", "pos"};

/* "<id>_<rating>.txt" -> id, rating; 0 when the name has another shape. */
static int parse_file_name(const char *name, size_t n, int *id, int *rating) {
    if (n < 7 || memcmp(name + n - 4, ".txt", 4)) return 0;
    long a = 0, b = 0;
    size_t i = 0;
    if (name[i] < '0' || name[i] > '9') return 0;
    for (; i < n && name[i] >= '0' && name[i] <= '9'; i++)
        if ((a = a * 10 + (name[i] - '0')) > 2000000000L) return 0;
    if (i >= n || name[i++] != '_' || i >= n || name[i] < '0' || name[i] > '9') return 0;
    for (; i < n && name[i] >= '0' && name[i] <= '9'; i++)
        if ((b = b * 10 + (name[i] - '0')) > 1000) return 0;
    if (i != n - 4) return 0;
    *id = (int)a;
    *rating = (int)b;
    return 1;
}

static int component_is(const char *s, size_t n, const char *word) { return strlen(word) == n && !memcmp(s, word, n); }

/* Classifies a path ".../<split>/<label>/<id>_<rating>.txt" by its last three components. */
static int classify(const char *path, int *split, int *label, int *id, int *rating) {
    const char *c[3];
    size_t len[3];
    const char *end = path + strlen(path);
    for (int k = 2; k >= 0; k--) {
        const char *s = end;
        while (s > path && s[-1] != '/') s--;
        c[k] = s;
        len[k] = (size_t)(end - s);
        if (k > 0) {
            if (s == path) return KIND_NONE;
            end = s - 1;
        }
    }
    if (!parse_file_name(c[2], len[2], id, rating)) return KIND_NONE;
    int sp = component_is(c[0], len[0], "train") ? RAW_TRAIN : component_is(c[0], len[0], "test") ? RAW_TEST : -1;
    if (sp < 0) return KIND_NONE;
    if (component_is(c[1], len[1], "unsup")) return sp == RAW_TRAIN ? KIND_UNSUP : KIND_NONE;
    int lab = component_is(c[1], len[1], "pos") ? 1 : component_is(c[1], len[1], "neg") ? 0 : -1;
    if (lab < 0) return KIND_NONE;
    *split = sp;
    *label = lab;
    return KIND_LABELLED;
}

/* Names the labelled folders that delivered nothing; 0 when all four did. */
static int check_layout(const char *path, const RawCorpus *c, char *err, size_t errlen) {
    int count[2][2] = {{0, 0}, {0, 0}};
    for (int i = 0; i < c->n; i++)
        if (c->docs[i].split != RAW_UNSUP) count[c->docs[i].split][c->docs[i].label]++;
    char missing[128] = "";
    for (int s = 0; s < 2; s++)
        for (int l = 0; l < 2; l++)
            if (!count[s][l]) {
                size_t u = strlen(missing);
                snprintf(missing + u, sizeof missing - u, "%s%s/%s", u ? ", " : "", SPLIT_NAMES[s], LABEL_NAMES[l]);
            }
    if (!missing[0]) return 0;
    snprintf(err, errlen,
             "%s: no reviews in %s (expected the aclImdb layout: aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt)",
             path, missing);
    return -1;
}

/* ---- archive -------------------------------------------------------------- */

/* Reads the data of entry e (named name) as the next review's text; *got_out: its length. */
static int read_entry_text(struct archive *a, const char *path, const char *name, struct archive_entry *e,
                           RawCorpus *c, size_t *got_out, char *err, size_t errlen) {
    /* the header gives the size; without one, read until the data ends */
    int sized = archive_entry_size_is_set(e) && archive_entry_size(e) >= 0;
    size_t want = sized ? (size_t)archive_entry_size(e) : 4096, got = 0;
    /* Room grows with the data really read: a header claiming a petabyte costs nothing. */
    size_t room = want < (1u << 20) ? want : (1u << 20);
    if (!raw_corpus_reserve(c, room, 0)) {
        snprintf(err, errlen, "%s: out of memory reading %s", path, name);
        return -1;
    }
    while (!sized || got < want) {
        if (got == room) room = sized && want - room < room ? want : room * 2;
        char *dst = raw_corpus_reserve(c, room, got);
        if (!dst) {
            snprintf(err, errlen, "%s: out of memory reading %s", path, name);
            return -1;
        }
        la_ssize_t k = archive_read_data(a, dst + got, room - got);
        if (k < 0) {
            snprintf(err, errlen, "%s: damaged or truncated archive at %s (%s)", path, name, archive_error_string(a));
            return -1;
        }
        if (k == 0) break;
        got += (size_t)k;
    }
    if (sized && got < want) {
        snprintf(err, errlen, "%s: truncated archive: %s ends after %zu of %zu bytes", path, name, got, want);
        return -1;
    }
    *got_out = got;
    return 0;
}

/* Why reading stopped before the end: nothing recognised at all is not an
 * archive; otherwise it broke on the way. */
static void archive_failure(struct archive *a, const char *path, long entries, char *err, size_t errlen) {
    const char *why = archive_error_string(a);
    if (entries == 0 && archive_format(a) == 0 && archive_filter_count(a) <= 1)
        snprintf(err, errlen, "%s: not a readable archive (%s); expected aclImdb_v1.tar.gz or the aclImdb folder", path,
                 why ? why : "unknown format");
    else
        snprintf(err, errlen, "%s: damaged or truncated archive after %ld entries (%s)", path, entries,
                 why ? why : "read error");
}

static int read_archive(const char *path, RawCorpus *c, char *err, size_t errlen) {
    struct archive *a = archive_read_new();
    if (!a) {
        snprintf(err, errlen, "%s: cannot start libarchive", path);
        return -1;
    }
    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    int rc = -1;
    long entries = 0;
    struct archive_entry *e;
    /* opened here, not by libarchive: a FIFO in its place must not block */
    int fd = safe_open_read(path, 0, err, errlen);
    if (fd < 0) {
        archive_read_free(a);
        return -1;
    }
    int r = archive_read_open_fd(a, fd, 1 << 20);
    while (r == ARCHIVE_OK && ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        r = ARCHIVE_OK;
        entries++;
        if (archive_entry_filetype(e) != AE_IFREG) continue;
        int split, label, id, rating;
        const char *name = archive_entry_pathname(e);
        int kind = name ? classify(name, &split, &label, &id, &rating) : KIND_NONE;
        if (kind == KIND_UNSUP) {
            c->n_unsup++;
            split = RAW_UNSUP, label = -1, rating = 0;
        }
        /* the next header skips the data */
        if (kind == KIND_NONE || (kind == KIND_UNSUP && !c->keep_unsup)) continue;
        size_t got;
        if (read_entry_text(a, path, name, e, c, &got, err, errlen)) goto done;
        if (raw_corpus_commit(c, split, label, id, rating, got)) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto done;
        }
    }
    if (r != ARCHIVE_EOF) {
        archive_failure(a, path, entries, err, errlen);
        goto done;
    }
    rc = check_layout(path, c, err, errlen);
done:
    archive_read_free(a);
    close(fd);
    return rc;
}

/* ---- folder --------------------------------------------------------------- */

static int read_file_into(RawCorpus *c, const char *file, size_t *len, char *err, size_t errlen) {
    int fd = safe_open_read(file, 0, err, errlen);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) || st.st_size < 0) {
        snprintf(err, errlen, "cannot read %s: %s", file, strerror(errno));
        close(fd);
        return -1;
    }
    size_t want = (size_t)st.st_size, got = 0;
    char *dst = raw_corpus_reserve(c, want, 0);
    while (dst && got < want) {
        ssize_t k = read(fd, dst + got, want - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    *len = got;
    if (!dst) snprintf(err, errlen, "%s: out of memory", file);
    return dst ? 0 : -1;
}

static int read_folder_split(const char *root, int split, const char *label_dir, RawCorpus *c, char *err,
                             size_t errlen) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s/%s", root, SPLIT_NAMES[split], label_dir);
    DIR *d = opendir(dir);
    if (!d) {
        if (!strcmp(label_dir, "unsup")) return 0;
        snprintf(err, errlen, "%s: missing %s/%s (expected the aclImdb layout: {train,test}/{pos,neg}/<id>_<rating>.txt)",
                 root, SPLIT_NAMES[split], label_dir);
        return -1;
    }
    int unsup = !strcmp(label_dir, "unsup"), label = !strcmp(label_dir, "pos");
    struct dirent *ent;
    while ((ent = readdir(d))) {
        int id, rating;
        if (!parse_file_name(ent->d_name, strlen(ent->d_name), &id, &rating)) continue;
        if (unsup) {
            c->n_unsup++;
            if (!c->keep_unsup) continue;
        }
        char file[8192];
        snprintf(file, sizeof file, "%s/%s", dir, ent->d_name);
        size_t len;
        if (read_file_into(c, file, &len, err, errlen)) {
            closedir(d);
            return -1;
        }
        if (raw_corpus_commit(c, unsup ? RAW_UNSUP : split, unsup ? -1 : label, id, unsup ? 0 : rating, len)) {
            snprintf(err, errlen, "%s: out of memory", file);
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    return 0;
}

/* The aclImdb folder itself, or the aclImdb folder inside path, into base. */
static void folder_root(const char *path, char *base, size_t n) {
    char probe[4096];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/train", path);
    if (stat(probe, &st) != 0) {
        snprintf(probe, sizeof probe, "%s/aclImdb/train", path);
        if (stat(probe, &st) == 0) {
            snprintf(base, n, "%s/aclImdb", path);
            return;
        }
    }
    snprintf(base, n, "%s", path);
}

static int read_folder(const char *path, RawCorpus *c, char *err, size_t errlen) {
    char base[4096];
    folder_root(path, base, sizeof base);
    static const char *const dirs[] = {"neg", "pos"};
    for (int s = 0; s < 2; s++)
        for (int l = 0; l < 2; l++)
            if (read_folder_split(base, s, dirs[l], c, err, errlen)) return -1;
    if (read_folder_split(base, RAW_TRAIN, "unsup", c, err, errlen)) return -1;
    return check_layout(base, c, err, errlen);
}

int imdb_read(const char *path, RawCorpus *c, char *err, size_t errlen) {
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return S_ISDIR(st.st_mode) ? read_folder(path, c, err, errlen) : read_archive(path, c, err, errlen);
}

/* ---- signature ------------------------------------------------------------ */

static uint64_t sig_mix(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t sig_final(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static uint64_t sig_stat(uint64_t h, const struct stat *st) {
    int64_t v[7] = {(int64_t)st->st_mode,         (int64_t)st->st_size,         (int64_t)st->st_mtim.tv_sec,
                    (int64_t)st->st_mtim.tv_nsec, (int64_t)st->st_ctim.tv_sec, (int64_t)st->st_ctim.tv_nsec,
                    (int64_t)st->st_ino};
    return sig_mix(h, v, sizeof v);
}

/* Every entry of one layout folder: name, size, times and inode, summed so the
 * order readdir gives does not matter. A review added, removed, renamed or
 * edited in place changes it; content is not read (100k stats take ~0.15 s).
 * names_only skips the stats (the unlabelled reviews, when only counted). */
static uint64_t sig_folder(const char *dir, int names_only) {
    uint64_t sum = 0, count = 0;
    DIR *d = opendir(dir);
    if (!d) return 0x6d697373696e67ull; /* "missing" */
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, "..")) continue;
        struct stat st;
        uint64_t e = sig_mix(0xcbf29ce484222325ull, ent->d_name, strlen(ent->d_name) + 1);
        if (!names_only && fstatat(dirfd(d), ent->d_name, &st, 0) == 0) e = sig_stat(e, &st);
        sum += sig_final(e);
        count++;
    }
    closedir(d);
    return sig_final(sum ^ sig_final(count));
}

uint64_t folder_signature(const char *dir) { return sig_folder(dir, 0); }

uint64_t imdb_source_signature(const char *path, int with_unsup) {
    struct stat st;
    uint64_t h = 0xcbf29ce484222325ull;
    if (stat(path, &st) != 0) return h;
    h = sig_stat(h, &st);
    if (!S_ISDIR(st.st_mode)) return h; /* an archive: its size, times and inode */
    char base[4096], dir[4200];
    folder_root(path, base, sizeof base);
    static const char *const dirs[] = {"train/neg", "train/pos", "train/unsup", "test/neg", "test/pos"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(dir, sizeof dir, "%s/%s", base, dirs[i]);
        uint64_t f = sig_folder(dir, !with_unsup && strstr(dirs[i], "unsup"));
        h = sig_mix(h, &f, sizeof f);
    }
    return h;
}
