#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "safe_open.h"

/* A header bigger than this is not a checkpoint we wrote or can trust. */
#define ST_MAX_HEADER (100u << 20)

static const char *dtype_name(StDtype d) {
    switch (d) {
    case ST_F32: return "F32";
    case ST_I32: return "I32";
    case ST_I64: return "I64";
    case ST_F64: return "F64";
    }
    return "?";
}

static int dtype_parse(const char *s, StDtype *d, size_t *elem) {
    if (!strcmp(s, "F32")) return *d = ST_F32, *elem = 4, 0;
    if (!strcmp(s, "I32")) return *d = ST_I32, *elem = 4, 0;
    if (!strcmp(s, "I64")) return *d = ST_I64, *elem = 8, 0;
    if (!strcmp(s, "F64")) return *d = ST_F64, *elem = 8, 0;
    return -1;
}

static size_t dtype_size(StDtype d) { return d == ST_I64 || d == ST_F64 ? 8 : 4; }

static StTensor *push(StFile *f) {
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->tensors = realloc(f->tensors, (size_t)f->cap * sizeof *f->tensors);
    }
    StTensor *t = &f->tensors[f->n++];
    memset(t, 0, sizeof *t);
    return t;
}

static int fail(char *err, size_t n, const char *path, const char *fmt, const char *detail) {
    char msg[256];
    snprintf(msg, sizeof msg, fmt, detail);
    snprintf(err, n, "%s: %s", path, msg);
    return -1;
}

static int parse_header(StFile *f, const char *path, json_t *root, const char *data, size_t data_size, char *err,
                        size_t errlen) {
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (!strcmp(key, "__metadata__")) {
            if (!json_is_object(val)) return fail(err, errlen, path, "corrupt header: %s is not an object", key);
            f->metadata_json = json_dumps(val, JSON_COMPACT);
            continue;
        }
        json_t *dt = json_object_get(val, "dtype"), *shape = json_object_get(val, "shape"),
               *offs = json_object_get(val, "data_offsets");
        if (!json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs) || json_array_size(offs) != 2)
            return fail(err, errlen, path, "corrupt header: tensor '%s' lacks dtype, shape or data_offsets", key);
        if (strlen(key) >= sizeof f->tensors[0].name)
            return fail(err, errlen, path, "corrupt header: tensor name too long: %.60s", key);
        StTensor *t = push(f);
        strcpy(t->name, key);
        size_t elem;
        if (dtype_parse(json_string_value(dt), &t->dtype, &elem) != 0)
            return fail(err, errlen, path, "unsupported dtype %s", json_string_value(dt));
        t->ndim = (int)json_array_size(shape);
        if (t->ndim > 8) return fail(err, errlen, path, "corrupt header: tensor '%s' has more than 8 dims", key);
        size_t count = 1;
        for (int i = 0; i < t->ndim; i++) {
            json_t *d = json_array_get(shape, (size_t)i);
            if (!json_is_integer(d) || json_integer_value(d) < 0)
                return fail(err, errlen, path, "corrupt header: bad shape of '%s'", key);
            t->shape[i] = json_integer_value(d);
            if (t->shape[i] && count > SIZE_MAX / (size_t)t->shape[i])
                return fail(err, errlen, path, "corrupt header: shape of '%s' overflows", key);
            count *= (size_t)t->shape[i];
        }
        json_t *b = json_array_get(offs, 0), *e = json_array_get(offs, 1);
        if (!json_is_integer(b) || !json_is_integer(e) || json_integer_value(b) < 0 ||
            json_integer_value(e) < json_integer_value(b))
            return fail(err, errlen, path, "corrupt header: bad data_offsets of '%s'", key);
        size_t begin = (size_t)json_integer_value(b), end = (size_t)json_integer_value(e);
        if (end > data_size)
            return fail(err, errlen, path, "truncated: data of '%s' ends past the end of the file", key);
        if (end - begin != count * elem)
            return fail(err, errlen, path, "corrupt header: size of '%s' does not match its shape", key);
        t->nbytes = end - begin;
        t->data = data + begin;
    }
    return 0;
}

int st_load(StFile *f, const char *path, char *err, size_t errlen) {
    memset(f, 0, sizeof *f);
    FILE *fp = safe_fopen_read(path, SAFE_IN_FOLDER, NULL, 0);
    if (!fp) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fclose(fp);
        return fail(err, errlen, path, "%s", "not a regular file");
    }
    size_t size = (size_t)sb.st_size;
    if (size < 8) {
        fclose(fp);
        return fail(err, errlen, path, "truncated: %s", "shorter than the 8-byte header length");
    }
    f->buffer = malloc(size);
    f->buffer_size = size;
    if (!f->buffer || fread(f->buffer, 1, size, fp) != size) {
        fclose(fp);
        st_free(f);
        return fail(err, errlen, path, "%s", "cannot read the file");
    }
    fclose(fp);
    const unsigned char *p = f->buffer;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | p[i];
    if (hlen > ST_MAX_HEADER || hlen > size - 8) {
        st_free(f);
        return fail(err, errlen, path, "%s", hlen > ST_MAX_HEADER ? "corrupt: not a safetensors file (header length)"
                                                                  : "truncated: header runs past the end of the file");
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)p + 8, (size_t)hlen, 0, &jerr);
    if (!root || !json_is_object(root)) {
        json_decref(root);
        st_free(f);
        return fail(err, errlen, path, "corrupt header: %s", jerr.text[0] ? jerr.text : "not a JSON object");
    }
    int rc = parse_header(f, path, root, (const char *)p + 8 + hlen, size - 8 - (size_t)hlen, err, errlen);
    json_decref(root);
    if (rc != 0) st_free(f);
    return rc;
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
    StTensor *t = push(f);
    snprintf(t->name, sizeof t->name, "%s", name);
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

int st_save(const StFile *f, const char *path, const char *metadata_json, char *err, size_t errlen) {
    json_t *root = json_object();
    if (metadata_json) {
        json_t *m = json_loads(metadata_json, 0, NULL);
        if (json_is_object(m)) json_object_set_new(root, "__metadata__", m);
        else json_decref(m);
    }
    size_t off = 0;
    for (int i = 0; i < f->n; i++) {
        const StTensor *t = &f->tensors[i];
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++) json_array_append_new(shape, json_integer(t->shape[d]));
        json_t *e = json_object();
        json_object_set_new(e, "dtype", json_string(dtype_name(t->dtype)));
        json_object_set_new(e, "shape", shape);
        json_object_set_new(e, "data_offsets", json_pack("[II]", (json_int_t)off, (json_int_t)(off + t->nbytes)));
        json_object_set_new(root, t->name, e);
        off += t->nbytes;
    }
    char *hdr = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
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
