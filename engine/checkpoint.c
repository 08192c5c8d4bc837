#include "checkpoint.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safetensors.h"

#define OPT_M_PREFIX "optim.m."
#define OPT_V_PREFIX "optim.v."

/* FNV-1a over 8-byte words (bytes for the tail): cheap enough for every save,
 * and any flipped bit in the tensor data changes it. */
static uint64_t fnv_update(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
    }
    for (; i < n; i++) h = (h ^ p[i]) * 0x100000001b3ULL;
    return h;
}

static void set_str(json_t *o, const char *k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_str(json_t *o, const char *k, const char *fmt, ...) {
    char buf[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    json_object_set_new(o, k, json_string(buf));
}

int checkpoint_save(const char *path, const Model *m, const CheckpointMeta *meta, const float *opt_m,
                    const float *opt_v, char *err, size_t errlen) {
    const Params *p = &m->params;
    StFile f = {0};
    char (*names)[PARAM_NAME_MAX + 16] = calloc((size_t)p->n * 2 + 1, sizeof *names);
    if (!names) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    uint64_t sum = 0xcbf29ce484222325ULL;
    const float *blocks[3] = {p->data, opt_m, opt_v};
    const char *prefixes[3] = {"", OPT_M_PREFIX, OPT_V_PREFIX};
    int k = 0;
    for (int b = 0; b < 3; b++) {
        if (!blocks[b]) continue;
        for (int i = 0; i < p->n; i++) {
            const ParamView *v = &p->views[i];
            int64_t shape[PARAM_MAX_DIMS];
            for (int d = 0; d < v->ndim; d++) shape[d] = v->shape[d];
            const char *name = v->name;
            if (b > 0) {
                snprintf(names[k], sizeof names[k], "%s%s", prefixes[b], v->name);
                name = names[k++];
            }
            st_add(&f, name, ST_F32, v->ndim, shape, blocks[b] + v->offset);
            sum = fnv_update(sum, blocks[b] + v->offset, v->size * sizeof(float));
        }
    }
    json_t *md = json_object();
    set_str(md, "format", "%s", CHECKPOINT_FORMAT);
    set_str(md, "arch", "%s", meta->arch);
    set_str(md, "step", "%ld", meta->step);
    set_str(md, "epoch", "%d", meta->epoch);
    set_str(md, "epoch_pos", "%ld", meta->epoch_pos);
    set_str(md, "config_hash", "%016" PRIx64, meta->config_hash);
    set_str(md, "metric", "%s", meta->metric);
    set_str(md, "metric_value", "%.17g", meta->metric_value);
    set_str(md, "elapsed", "%.17g", meta->elapsed);
    set_str(md, "tokens", "%.17g", meta->tokens);
    if (opt_m) {
        set_str(md, "optim_step", "%ld", meta->optim_step);
        set_str(md, "optim_state", "%s%s", "m", opt_v ? ",v" : "");
        set_str(md, "best", "%d", meta->has_best);
        set_str(md, "best_value", "%.17g", meta->best_value);
        set_str(md, "best_step", "%ld", meta->best_step);
        set_str(md, "bad_evals", "%d", meta->bad_evals);
        set_str(md, "rng", "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64, meta->rng[0], meta->rng[1],
                meta->rng[2], meta->rng[3]);
    }
    set_str(md, "checksum", "fnv1a64:%016" PRIx64, sum);
    char *mdtext = json_dumps(md, JSON_COMPACT);
    json_decref(md);
    int r = st_save(&f, path, mdtext, err, errlen);
    free(mdtext);
    f.buffer = NULL;
    st_free(&f);
    free(names);
    return r;
}

static long md_long(const StFile *f, const char *key, long def) {
    char buf[128];
    const char *s = st_metadata(f, key, buf, sizeof buf);
    return s ? strtol(s, NULL, 10) : def;
}

static double md_double(const StFile *f, const char *key) {
    char buf[128];
    const char *s = st_metadata(f, key, buf, sizeof buf);
    return s ? strtod(s, NULL) : 0;
}

static uint64_t md_hex(const char *s, int digits) {
    char part[17];
    snprintf(part, sizeof part, "%.*s", digits, s);
    return strtoull(part, NULL, 16);
}

/* Fills meta from the file's metadata; checks format and checksum. */
static int read_meta(const StFile *f, const char *path, CheckpointMeta *meta, char *err, size_t errlen) {
    memset(meta, 0, sizeof *meta);
    char buf[160];
    const char *format = st_metadata(f, "format", buf, sizeof buf);
    if (format && strcmp(format, CHECKPOINT_FORMAT) != 0) {
        snprintf(err, errlen, "%s: unknown checkpoint format '%s' (expected %s)", path, format, CHECKPOINT_FORMAT);
        return -1;
    }
    const char *sumtext = st_metadata(f, "checksum", buf, sizeof buf);
    if (sumtext && !strncmp(sumtext, "fnv1a64:", 8)) {
        uint64_t want = md_hex(sumtext + 8, 16), got = 0xcbf29ce484222325ULL;
        /* Same order as written: parameters, then optim.m.*, then optim.v.* */
        for (int pass = 0; pass < 3; pass++)
            for (int i = 0; i < f->n; i++) {
                const StTensor *t = &f->tensors[i];
                int is_m = !strncmp(t->name, OPT_M_PREFIX, strlen(OPT_M_PREFIX));
                int is_v = !strncmp(t->name, OPT_V_PREFIX, strlen(OPT_V_PREFIX));
                if ((pass == 0 && !is_m && !is_v) || (pass == 1 && is_m) || (pass == 2 && is_v))
                    got = fnv_update(got, t->data, t->nbytes);
            }
        if (got != want) {
            snprintf(err, errlen, "%s: corrupt: the tensor data does not match its checksum", path);
            return -1;
        }
    }
    const char *arch = st_metadata(f, "arch", buf, sizeof buf);
    snprintf(meta->arch, sizeof meta->arch, "%s", arch ? arch : "");
    meta->step = md_long(f, "step", 0);
    meta->epoch = (int)md_long(f, "epoch", 0);
    meta->epoch_pos = md_long(f, "epoch_pos", 0);
    const char *h = st_metadata(f, "config_hash", buf, sizeof buf);
    meta->config_hash = h ? md_hex(h, 16) : 0;
    const char *metric = st_metadata(f, "metric", buf, sizeof buf);
    snprintf(meta->metric, sizeof meta->metric, "%s", metric ? metric : "");
    meta->metric_value = md_double(f, "metric_value");
    meta->elapsed = md_double(f, "elapsed");
    meta->tokens = md_double(f, "tokens");
    meta->optim_step = md_long(f, "optim_step", 0);
    meta->has_best = (int)md_long(f, "best", 0);
    meta->best_value = md_double(f, "best_value");
    meta->best_step = md_long(f, "best_step", 0);
    meta->bad_evals = (int)md_long(f, "bad_evals", 0);
    const char *rng = st_metadata(f, "rng", buf, sizeof buf);
    if (rng && strlen(rng) == 64)
        for (int i = 0; i < 4; i++) meta->rng[i] = md_hex(rng + 16 * i, 16);
    return 0;
}

int checkpoint_read_meta(const char *path, CheckpointMeta *meta, char *err, size_t errlen) {
    StFile f;
    if (st_load(&f, path, err, errlen) != 0) return -1;
    int r = read_meta(&f, path, meta, err, errlen);
    st_free(&f);
    return r;
}

static void shape_text(char *buf, size_t n, int ndim, const int64_t *shape) {
    size_t used = (size_t)snprintf(buf, n, "[");
    for (int d = 0; d < ndim && used < n; d++)
        used += (size_t)snprintf(buf + used, n - used, "%s%lld", d ? ", " : "", (long long)shape[d]);
    if (used < n) snprintf(buf + used, n - used, "]");
}

/* Appends one problem to the list in err (keeps the first few). */
static void problem(char *err, size_t errlen, int *count, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void problem(char *err, size_t errlen, int *count, const char *fmt, ...) {
    (*count)++;
    if (*count > 6) return;
    size_t used = strlen(err);
    if (used + 8 >= errlen) return;
    if (*count == 6) {
        snprintf(err + used, errlen - used, "\n  ...");
        return;
    }
    snprintf(err + used, errlen - used, "\n  ");
    used = strlen(err);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + used, errlen - used, fmt, ap);
    va_end(ap);
}

static int check_tensor(const StFile *f, const char *name, const ParamView *v, char *list, size_t listlen,
                        int *count) {
    const StTensor *t = st_find(f, name);
    if (!t) {
        problem(list, listlen, count, "missing tensor '%s'", name);
        return -1;
    }
    int64_t want[PARAM_MAX_DIMS];
    for (int d = 0; d < v->ndim; d++) want[d] = v->shape[d];
    int same = t->ndim == v->ndim && t->dtype == ST_F32;
    for (int d = 0; same && d < v->ndim; d++) same = t->shape[d] == want[d];
    if (!same) {
        char a[96], b[96];
        shape_text(a, sizeof a, t->ndim, t->shape);
        shape_text(b, sizeof b, v->ndim, want);
        problem(list, listlen, count, "'%s' is %s%s in the file, the model expects %s", name,
                t->dtype == ST_F32 ? "" : "not float32, ", a, b);
        return -1;
    }
    return 0;
}

int checkpoint_load(const char *path, Model *m, CheckpointMeta *meta, float *opt_m, float *opt_v, char *err,
                    size_t errlen) {
    StFile f;
    if (st_load(&f, path, err, errlen) != 0) return -1;
    CheckpointMeta local;
    if (!meta) meta = &local;
    if (read_meta(&f, path, meta, err, errlen) != 0) {
        st_free(&f);
        return -1;
    }
    char want_arch[32];
    config_enum_name(ARCH_VALUES, m->arch, want_arch, sizeof want_arch);
    if (meta->arch[0] && strcmp(meta->arch, want_arch) != 0) {
        snprintf(err, errlen, "%s: checkpoint of a %s model, but the run's model is %s", path, meta->arch, want_arch);
        st_free(&f);
        return -1;
    }
    const Params *p = &m->params;
    if (opt_m) {
        int has_state = 0;
        for (int i = 0; i < f.n && !has_state; i++)
            has_state = !strncmp(f.tensors[i].name, OPT_M_PREFIX, strlen(OPT_M_PREFIX));
        if (!has_state) {
            snprintf(err, errlen, "%s holds no optimizer state (only last.safetensors can be resumed from)", path);
            st_free(&f);
            return -1;
        }
    }
    char list[1024] = "";
    int count = 0;
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        char name[PARAM_NAME_MAX + 16];
        check_tensor(&f, v->name, v, list, sizeof list, &count);
        if (opt_m) {
            snprintf(name, sizeof name, OPT_M_PREFIX "%s", v->name);
            check_tensor(&f, name, v, list, sizeof list, &count);
        }
        if (opt_v) {
            snprintf(name, sizeof name, OPT_V_PREFIX "%s", v->name);
            check_tensor(&f, name, v, list, sizeof list, &count);
        }
    }
    for (int i = 0; i < f.n; i++) {
        const char *name = f.tensors[i].name;
        const char *base = name;
        if (!strncmp(name, OPT_M_PREFIX, strlen(OPT_M_PREFIX))) base = name + strlen(OPT_M_PREFIX);
        else if (!strncmp(name, OPT_V_PREFIX, strlen(OPT_V_PREFIX))) base = name + strlen(OPT_V_PREFIX);
        if (!params_find(p, base)) problem(list, sizeof list, &count, "unexpected tensor '%s'", name);
    }
    if (count > 0) {
        snprintf(err, errlen, "%s does not fit this model (%d problem%s):%s", path, count, count == 1 ? "" : "s",
                 list);
        st_free(&f);
        return -1;
    }
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        char name[PARAM_NAME_MAX + 16];
        memcpy(p->data + v->offset, st_find(&f, v->name)->data, v->size * sizeof(float));
        if (opt_m) {
            snprintf(name, sizeof name, OPT_M_PREFIX "%s", v->name);
            memcpy(opt_m + v->offset, st_find(&f, name)->data, v->size * sizeof(float));
        }
        if (opt_v) {
            snprintf(name, sizeof name, OPT_V_PREFIX "%s", v->name);
            memcpy(opt_v + v->offset, st_find(&f, name)->data, v->size * sizeof(float));
        }
    }
    st_free(&f);
    return 0;
}
