#include "run/checkpoint.h"

#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/checkpoint_internal.h"
#include "run/safetensors.h"

#define OPT_M_PREFIX CKPT_OPT_M_PREFIX
#define OPT_V_PREFIX CKPT_OPT_V_PREFIX

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
    set_str(md, "wall_seconds", "%.17g", meta->wall_seconds);
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
    char *mdtext = json_dumps(md, JSON_COMPACT);
    uint64_t sum = 0;
    int r = mdtext && ckpt_checksum(&f, mdtext, &sum) == 0 ? 0 : -1;
    free(mdtext);
    set_str(md, "checksum", "fnv1a64:%016" PRIx64, sum);
    mdtext = r == 0 ? json_dumps(md, JSON_COMPACT) : NULL;
    json_decref(md);
    if (mdtext) r = st_save(&f, path, mdtext, err, errlen);
    else snprintf(err, errlen, "%s: out of memory", path), r = -1;
    free(mdtext);
    f.buffer = NULL;
    st_free(&f);
    free(names);
    return r;
}

int checkpoint_read_meta(const char *path, CheckpointMeta *meta, char *err, size_t errlen) {
    StFile f;
    if (st_load(&f, path, err, errlen) != 0) return -1;
    int r = ckpt_read_meta(&f, path, meta, 0, err, errlen);
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

/* NaN or Inf weights would only turn every prediction into NaN: refuse them,
 * naming the tensor; a second moment must also be >= 0 (it goes under a sqrt). */
static int check_tensor_values(const StTensor *t, int nonneg, const char *path, char *err, size_t errlen) {
    const float *x = t->data;
    size_t n = t->nbytes / sizeof(float);
    for (size_t i = 0; i < n; i++) {
        float v;
        memcpy(&v, x + i, sizeof v); /* the data need not be aligned in the file */
        if (isfinite(v) && !(nonneg && v < 0)) continue;
        snprintf(err, errlen, "%s: tensor '%s' holds %s at index %zu of %zu; the checkpoint is damaged", path, t->name,
                 isnan(v) ? "NaN" : isinf(v) ? "an infinite value" : "a negative value", i, n);
        return -1;
    }
    return 0;
}

static int check_values(const StFile *f, const Params *p, int with_m, int with_v, const char *path, char *err,
                        size_t errlen) {
    for (int i = 0; i < p->n; i++) {
        char name[PARAM_NAME_MAX + 16];
        if (check_tensor_values(st_find(f, p->views[i].name), 0, path, err, errlen) != 0) return -1;
        snprintf(name, sizeof name, OPT_M_PREFIX "%s", p->views[i].name);
        if (with_m && check_tensor_values(st_find(f, name), 0, path, err, errlen) != 0) return -1;
        snprintf(name, sizeof name, OPT_V_PREFIX "%s", p->views[i].name);
        if (with_v && check_tensor_values(st_find(f, name), 1, path, err, errlen) != 0) return -1;
    }
    return 0;
}

static int has_optim_state(const StFile *f) {
    for (int i = 0; i < f->n; i++)
        if (!strncmp(f->tensors[i].name, OPT_M_PREFIX, strlen(OPT_M_PREFIX))) return 1;
    return 0;
}

/* Every tensor the model needs, with its shape, and nothing else. */
static int check_names_and_shapes(const StFile *f, const Params *p, int with_m, int with_v, const char *path,
                                  char *err, size_t errlen) {
    char list[1024] = "";
    int count = 0;
    for (int i = 0; i < p->n; i++) {
        const ParamView *v = &p->views[i];
        char name[PARAM_NAME_MAX + 16];
        check_tensor(f, v->name, v, list, sizeof list, &count);
        if (with_m) {
            snprintf(name, sizeof name, OPT_M_PREFIX "%s", v->name);
            check_tensor(f, name, v, list, sizeof list, &count);
        }
        if (with_v) {
            snprintf(name, sizeof name, OPT_V_PREFIX "%s", v->name);
            check_tensor(f, name, v, list, sizeof list, &count);
        }
    }
    for (int i = 0; i < f->n; i++) {
        const char *name = f->tensors[i].name;
        const char *base = name;
        if (!strncmp(name, OPT_M_PREFIX, strlen(OPT_M_PREFIX))) base = name + strlen(OPT_M_PREFIX);
        else if (!strncmp(name, OPT_V_PREFIX, strlen(OPT_V_PREFIX))) base = name + strlen(OPT_V_PREFIX);
        if (!params_find(p, base)) problem(list, sizeof list, &count, "unexpected tensor '%s'", name);
    }
    if (count == 0) return 0;
    snprintf(err, errlen, "%s does not fit this model (%d problem%s):%s", path, count, count == 1 ? "" : "s", list);
    return -1;
}

/* Checks everything before the model is touched; -1 with err. */
static int check_file(const StFile *f, const char *path, Model *m, CheckpointMeta *meta, int with_m, int with_v,
                      char *err, size_t errlen) {
    if (with_m && !has_optim_state(f)) {
        snprintf(err, errlen, "%s holds no optimizer state (only last.safetensors can be resumed from)", path);
        return -1;
    }
    if (ckpt_read_meta(f, path, meta, with_m, err, errlen) != 0) return -1;
    char want_arch[32];
    config_enum_name(ARCH_VALUES, m->arch, want_arch, sizeof want_arch);
    if (meta->arch[0] && strcmp(meta->arch, want_arch) != 0) {
        snprintf(err, errlen, "%s: checkpoint of a %s model, but the run's model is %s", path, meta->arch, want_arch);
        return -1;
    }
    if (check_names_and_shapes(f, &m->params, with_m, with_v, path, err, errlen) != 0) return -1;
    return check_values(f, &m->params, with_m, with_v, path, err, errlen);
}

int checkpoint_load(const char *path, Model *m, CheckpointMeta *meta, float *opt_m, float *opt_v, char *err,
                    size_t errlen) {
    const Params *p = &m->params;
    /* The most a file for this model can hold: parameters and two optimizer
     * moments. Anything bigger is refused before it is read. */
    uint64_t param_bytes = 0;
    for (int i = 0; i < p->n; i++) param_bytes += p->views[i].size * sizeof(float);
    StFile f;
    if (st_load_limited(&f, path, 3 * param_bytes, err, errlen) != 0) return -1;
    CheckpointMeta local;
    if (check_file(&f, path, m, meta ? meta : &local, opt_m != NULL, opt_v != NULL, err, errlen) != 0) {
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
