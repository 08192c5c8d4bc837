#include "run/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/safe_open.h"

#include "common/units.h"

static const char *dtype_name(StDtype d) {
    switch (d) {
    case ST_F32: return "F32";
    case ST_I32: return "I32";
    case ST_I64: return "I64";
    case ST_F64: return "F64";
    case ST_F16: return "F16";
    case ST_BF16: return "BF16";
    }
    return "?";
}

static int dtype_parse(const char *s, StDtype *d, size_t *elem) {
    if (!strcmp(s, "F32")) return *d = ST_F32, *elem = 4, 0;
    if (!strcmp(s, "I32")) return *d = ST_I32, *elem = 4, 0;
    if (!strcmp(s, "I64")) return *d = ST_I64, *elem = 8, 0;
    if (!strcmp(s, "F64")) return *d = ST_F64, *elem = 8, 0;
    if (!strcmp(s, "F16")) return *d = ST_F16, *elem = 2, 0;
    if (!strcmp(s, "BF16")) return *d = ST_BF16, *elem = 2, 0;
    return -1;
}

static size_t dtype_size(StDtype d) {
    return d == ST_I64 || d == ST_F64 ? 8 : d == ST_F16 || d == ST_BF16 ? 2 : 4;
}

static StTensor *push(StFile *f) {
    if (f->n == f->cap) {
        int cap = f->cap ? f->cap * 2 : 16;
        StTensor *grown = realloc(f->tensors, (size_t)cap * sizeof *grown);
        if (!grown) abort(); /* a header's tensor table is small; running out here is fatal anyway */
        f->tensors = grown;
        f->cap = cap;
    }
    StTensor *t = &f->tensors[f->n++];
    memset(t, 0, sizeof *t);
    return t;
}

static int fail(char *err, size_t n, const char *path, const char *fmt, const char *detail) {
    char msg[320];
    snprintf(msg, sizeof msg, fmt, detail);
    snprintf(err, n, "%s: %s", path, msg);
    return -1;
}

const char *st_printable(const char *s, char *buf, size_t n) {
    size_t i = 0;
    for (; *s && i + 4 < n; s++) buf[i++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    if (*s) buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
    buf[i] = 0;
    return buf;
}

static int fail_name(char *err, size_t n, const char *path, const char *fmt, const char *name) {
    char clean[80];
    return fail(err, n, path, fmt, st_printable(name, clean, sizeof clean));
}

static int valid_name(const char *s) {
    if (!*s || strlen(s) >= sizeof ((StTensor *)0)->name) return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
    return 1;
}

/* safetensors metadata is a flat map of strings. */
static int parse_metadata(StFile *f, const char *path, json_t *val, char *err, size_t errlen) {
    if (!json_is_object(val)) return fail(err, errlen, path, "corrupt header: %s is not an object", "__metadata__");
    const char *k;
    json_t *v;
    json_object_foreach(val, k, v) {
        if (!json_is_string(v)) return fail_name(err, errlen, path, "corrupt header: metadata '%s' is not a string", k);
    }
    f->metadata_json = json_dumps(val, JSON_COMPACT);
    return f->metadata_json ? 0 : fail(err, errlen, path, "%s", "out of memory");
}

static int parse_tensor(StFile *f, const char *path, const char *key, json_t *val, char *err, size_t errlen) {
    if (!valid_name(key))
        return fail_name(err, errlen, path, "corrupt header: bad tensor name '%s' (empty, too long or control bytes)",
                         key);
    json_t *dt = json_object_get(val, "dtype"), *shape = json_object_get(val, "shape"),
           *offs = json_object_get(val, "data_offsets");
    if (!json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs) || json_array_size(offs) != 2)
        return fail_name(err, errlen, path, "corrupt header: tensor '%s' lacks dtype, shape or data_offsets", key);
    StTensor *t = push(f);
    strcpy(t->name, key);
    size_t elem;
    if (dtype_parse(json_string_value(dt), &t->dtype, &elem) != 0)
        return fail_name(err, errlen, path, "unsupported dtype %s", json_string_value(dt));
    if (json_array_size(shape) > 8)
        return fail_name(err, errlen, path, "corrupt header: tensor '%s' has more than 8 dims", key);
    t->ndim = (int)json_array_size(shape);
    uint64_t count = 1;
    for (int i = 0; i < t->ndim; i++) {
        json_t *d = json_array_get(shape, (size_t)i);
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return fail_name(err, errlen, path, "corrupt header: bad shape of '%s'", key);
        t->shape[i] = json_integer_value(d);
        if (t->shape[i] && count > (UINT64_MAX / 8) / (uint64_t)t->shape[i])
            return fail_name(err, errlen, path, "corrupt header: shape of '%s' overflows", key);
        count *= (uint64_t)t->shape[i];
    }
    json_t *b = json_array_get(offs, 0), *e = json_array_get(offs, 1);
    if (!json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 ||
        json_integer_value(e) < json_integer_value(b))
        return fail_name(err, errlen, path, "corrupt header: bad data_offsets of '%s'", key);
    uint64_t begin = (uint64_t)json_integer_value(b), end = (uint64_t)json_integer_value(e);
    if (end - begin != count * elem)
        return fail_name(err, errlen, path, "corrupt header: size of '%s' does not match its shape", key);
    if (end > SIZE_MAX) return fail_name(err, errlen, path, "corrupt header: data of '%s' is too big", key);
    t->begin = (size_t)begin;
    t->nbytes = (size_t)(end - begin);
    return 0;
}

static int by_offset(const void *a, const void *b) {
    const StTensor *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return (x->nbytes > y->nbytes) - (x->nbytes < y->nbytes);
}

/* As Python's safetensors: byte ranges in offset order must follow each other
 * with no gap and no overlap, and end exactly at the end of the file. */
static int check_layout(StFile *f, const char *path, uint64_t data_size, char *err, size_t errlen) {
    if (f->n > 1) qsort(f->tensors, (size_t)f->n, sizeof *f->tensors, by_offset);
    uint64_t at = 0;
    for (int i = 0; i < f->n; i++) {
        const StTensor *t = &f->tensors[i];
        if (t->begin < at)
            return fail_name(err, errlen, path, "corrupt header: the data of '%s' overlaps another tensor", t->name);
        if (t->begin > at)
            return fail_name(err, errlen, path, "corrupt header: unused bytes before the data of '%s'", t->name);
        if (t->nbytes > data_size - at)
            return fail_name(err, errlen, path, "truncated: data of '%s' ends past the end of the file", t->name);
        at += t->nbytes;
    }
    if (at != data_size) {
        char n[64];
        format_bytes((double)(data_size - at), n, sizeof n);
        return fail(err, errlen, path, "corrupt: %s after the last tensor's data", n);
    }
    return 0;
}

static int parse_header(StFile *f, const char *path, json_t *root, uint64_t data_size, char *err, size_t errlen) {
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        int rc = !strcmp(key, "__metadata__") ? parse_metadata(f, path, val, err, errlen)
                                               : parse_tensor(f, path, key, val, err, errlen);
        if (rc != 0) return rc;
    }
    return check_layout(f, path, data_size, err, errlen);
}

static int read_exact(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Reads and checks the header only; *hlen_out is its length. */
static int load_header(StFile *f, int fd, const char *path, uint64_t size, uint64_t *hlen_out, char *err,
                       size_t errlen) {
    unsigned char len8[8];
    if (size < 8) return fail(err, errlen, path, "truncated: %s", "shorter than the 8-byte header length");
    if (read_exact(fd, len8, 8) != 0) return fail(err, errlen, path, "cannot read: %s", strerror(errno));
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | len8[i];
    if (hlen > ST_MAX_HEADER)
        return fail(err, errlen, path, "%s", "corrupt: not a safetensors file (header length over 100 MB)");
    if (hlen > size - 8) return fail(err, errlen, path, "%s", "truncated: header runs past the end of the file");
    char *hdr = malloc(hlen ? hlen : 1);
    if (!hdr) return fail(err, errlen, path, "%s", "out of memory for the header");
    if (read_exact(fd, hdr, hlen) != 0) {
        free(hdr);
        return fail(err, errlen, path, "cannot read: %s", strerror(errno));
    }
    json_error_t jerr;
    json_t *root = json_loadb(hdr, hlen, JSON_REJECT_DUPLICATES, &jerr);
    free(hdr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        char clean[160];
        return fail(err, errlen, path, "corrupt header: %s",
                    jerr.text[0] && !root ? st_printable(jerr.text, clean, sizeof clean) : "not a JSON object");
    }
    int rc = parse_header(f, path, root, size - 8 - hlen, err, errlen);
    json_decref(root);
    *hlen_out = hlen;
    return rc;
}

int st_load_limited(StFile *f, const char *path, uint64_t max_data, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    /* Regular files only, opened without blocking: a FIFO in place of the file must not hang us. */
    int fd = safe_open_read(path, SAFE_IN_FOLDER, err, errlen);
    if (fd < 0) return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return fail(err, errlen, path, "%s", "not a regular file");
    }
    uint64_t size = (uint64_t)sb.st_size, hlen = 0;
    int rc = load_header(f, fd, path, size, &hlen, err, errlen);
    char have[64], most[64];
    if (rc == 0 && size - 8 - hlen > max_data) {
        format_bytes((double)(size - 8 - hlen), have, sizeof have);
        format_bytes((double)max_data, most, sizeof most);
        snprintf(err, errlen, "%s: holds %s of tensor data, more than the %s this model can need", path, have,
                 most);
        rc = -1;
    }
    if (rc == 0 && (size > SIZE_MAX || !(f->buffer = malloc((size_t)size)))) {
        format_bytes((double)size, have, sizeof have);
        snprintf(err, errlen, "%s: the file is %s, more than the memory available to read it", path, have);
        rc = -1;
    }
    if (rc == 0) {
        f->buffer_size = (size_t)size;
        if (lseek(fd, 0, SEEK_SET) != 0 || read_exact(fd, f->buffer, f->buffer_size) != 0)
            rc = fail(err, errlen, path, "%s", "cannot read the file (did it change while being read?)");
    }
    close(fd);
    if (rc != 0) {
        st_free(f);
        return -1;
    }
    const char *data = (const char *)f->buffer + 8 + hlen;
    for (int i = 0; i < f->n; i++) f->tensors[i].data = data + f->tensors[i].begin;
    return 0;
}

int st_load(StFile *f, const char *path, char *err, size_t errlen) {
    return st_load_limited(f, path, UINT64_MAX, err, errlen);
}

const StTensor *st_find(const StFile *f, const char *name) {
    for (int i = 0; i < f->n; i++)
        if (!strcmp(f->tensors[i].name, name)) return &f->tensors[i];
    return NULL;
}

int st_get_f32(const StFile *f, const char *name, float *dst, size_t n, char *err, size_t errlen) {
    const StTensor *t = st_find(f, name);
    if (!t) return snprintf(err, errlen, "tensor '%s' is missing", name), -1;
    if (t->dtype != ST_F32) return snprintf(err, errlen, "tensor '%s' is %s, expected F32", name, dtype_name(t->dtype)), -1;
    if (t->nbytes != n * sizeof(float))
        return snprintf(err, errlen, "tensor '%s' has %zu values, expected %zu", name, t->nbytes / sizeof(float), n), -1;
    memcpy(dst, t->data, t->nbytes);
    return 0;
}

const char *st_metadata(const StFile *f, const char *key, char *buf, size_t n) {
    if (!f->metadata_json) return NULL;
    json_t *m = json_loads(f->metadata_json, 0, NULL);
    json_t *v = m ? json_object_get(m, key) : NULL;
    const char *out = NULL;
    if (json_is_string(v)) {
        snprintf(buf, n, "%s", json_string_value(v));
        out = buf;
    }
    json_decref(m);
    return out;
}

void st_add(StFile *f, const char *name, StDtype dtype, int ndim, const int64_t *shape, const void *data) {
    size_t begin = f->n ? f->tensors[f->n - 1].begin + f->tensors[f->n - 1].nbytes : 0;
    StTensor *t = push(f);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->begin = begin;
    t->dtype = dtype;
    t->ndim = ndim;
    size_t count = 1;
    for (int i = 0; i < ndim && i < 8; i++) t->shape[i] = shape[i], count *= (size_t)shape[i];
    t->nbytes = count * dtype_size(dtype);
    t->data = data;
}

static int write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* After a rename the new name is durable only once its directory is synced. */
static void fsync_parent_dir(const char *path) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = 0;
    else strcpy(dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

char *st_header_json(const StFile *f, const char *metadata_json, size_t flags) {
    json_t *root = json_object();
    if (metadata_json) {
        json_t *m = json_loads(metadata_json, 0, NULL);
        if (json_is_object(m)) json_object_set_new(root, "__metadata__", m);
        else json_decref(m);
    }
    for (int i = 0; i < f->n; i++) {
        const StTensor *t = &f->tensors[i];
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++) json_array_append_new(shape, json_integer(t->shape[d]));
        json_t *e = json_object();
        json_object_set_new(e, "dtype", json_string(dtype_name(t->dtype)));
        json_object_set_new(e, "shape", shape);
        json_object_set_new(e, "data_offsets",
                            json_pack("[II]", (json_int_t)t->begin, (json_int_t)(t->begin + t->nbytes)));
        json_object_set_new(root, t->name, e);
    }
    char *text = json_dumps(root, JSON_COMPACT | flags);
    json_decref(root);
    return text;
}

int st_save(const StFile *f, const char *path, const char *metadata_json, char *err, size_t errlen) {
    char *hdr = st_header_json(f, metadata_json, JSON_PRESERVE_ORDER);
    if (!hdr) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t hlen = strlen(hdr), padded = (hlen + 7) & ~(size_t)7; /* 8-byte alignment of data, as the format advises */
    unsigned char len8[8];
    for (int i = 0; i < 8; i++) len8[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    int fd = safe_open_write(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644, NULL, 0);
    if (fd < 0) {
        free(hdr);
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        return -1;
    }
    int rc = write_all(fd, len8, 8) | write_all(fd, hdr, hlen) | write_all(fd, "        ", padded - hlen);
    for (int i = 0; i < f->n && rc == 0; i++) rc = write_all(fd, f->tensors[i].data, f->tensors[i].nbytes);
    free(hdr);
    if (rc == 0 && fsync(fd) != 0) rc = -1;
    if (close(fd) != 0) rc = -1;
    if (rc == 0 && rename(tmp, path) != 0) rc = -1;
    if (rc == 0) fsync_parent_dir(path);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        unlink(tmp);
    }
    return rc;
}

void st_free(StFile *f) {
    free(f->tensors);
    free(f->metadata_json);
    free(f->buffer);
    memset(f, 0, sizeof *f);
}
