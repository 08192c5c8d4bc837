/* The metadata of a checkpoint: its checksum, a strict reading of every
 * field (syntax and range, naming the field in each error) and the check of a
 * resume position against the run. A crafted file must not reach an array
 * index or a loop bound with a number nobody checked. */
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/checkpoint.h"
#include "run/checkpoint_internal.h"
#include "run/metrics.h"

uint64_t ckpt_fnv_update(uint64_t h, const void *data, size_t n) {
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

int ckpt_checksum(const StFile *f, const char *metadata_json, uint64_t *sum) {
    json_t *md = json_loads(metadata_json ? metadata_json : "{}", 0, NULL);
    if (!md) return -1;
    json_object_del(md, "checksum");
    char *mdtext = json_dumps(md, JSON_COMPACT);
    json_decref(md);
    char *canon = mdtext ? st_header_json(f, mdtext, JSON_SORT_KEYS) : NULL;
    free(mdtext);
    if (!canon) return -1;
    uint64_t h = ckpt_fnv_update(CKPT_FNV_SEED, canon, strlen(canon));
    free(canon);
    for (int i = 0; i < f->n; i++) h = ckpt_fnv_update(h, f->tensors[i].data, f->tensors[i].nbytes);
    *sum = h;
    return 0;
}

/* Format 1: tensor bytes only, parameters first, then optim.m.*, optim.v.*. */
static uint64_t checksum_v1(const StFile *f) {
    uint64_t got = CKPT_FNV_SEED;
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < f->n; i++) {
            const StTensor *t = &f->tensors[i];
            int is_m = !strncmp(t->name, CKPT_OPT_M_PREFIX, strlen(CKPT_OPT_M_PREFIX));
            int is_v = !strncmp(t->name, CKPT_OPT_V_PREFIX, strlen(CKPT_OPT_V_PREFIX));
            if ((pass == 0 && !is_m && !is_v) || (pass == 1 && is_m) || (pass == 2 && is_v))
                got = ckpt_fnv_update(got, t->data, t->nbytes);
        }
    return got;
}


typedef struct {
    const StFile *f;
    const char *path;
    char *err;
    size_t errlen;
    int required; /* every resume field must be there */
    int failed;
} Md;

static int md_fail(Md *m, const char *key, const char *value, const char *expected) {
    if (m->failed) return -1;
    char q[64];
    if (value)
        snprintf(m->err, m->errlen, "%s: metadata '%s' is '%s', expected %s", m->path, key,
                 st_printable(value, q, sizeof q), expected);
    else snprintf(m->err, m->errlen, "%s: metadata '%s' is missing (expected %s)", m->path, key, expected);
    m->failed = 1;
    return -1;
}

/* The field's text, or NULL when absent (an error when it is required). */
static const char *md_text(Md *m, const char *key, char *buf, size_t n, const char *expected) {
    const char *s = st_metadata(m->f, key, buf, n);
    if (!s && m->required) md_fail(m, key, NULL, expected);
    if (s && strlen(s) + 1 >= n) return md_fail(m, key, s, expected), NULL; /* cut short: never parse a prefix */
    return s;
}

static void md_long(Md *m, const char *key, long lo, long hi, long *out) {
    char buf[256], what[96];
    snprintf(what, sizeof what, "an integer from %ld to %ld", lo, hi);
    const char *s = md_text(m, key, buf, sizeof buf, what);
    if (!s) return;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (!*s || *end || errno || isspace((unsigned char)*s) || v < lo || v > hi) {
        md_fail(m, key, s, what);
        return;
    }
    *out = v;
}

static void md_int(Md *m, const char *key, int lo, int hi, int *out) {
    long v = *out;
    md_long(m, key, lo, hi, &v);
    *out = (int)v;
}

static void md_double(Md *m, const char *key, double lo, double hi, double *out) {
    char buf[256], what[96];
    snprintf(what, sizeof what, "a number from %g to %g", lo, hi);
    const char *s = md_text(m, key, buf, sizeof buf, what);
    if (!s) return;
    char *end;
    double v = strtod(s, &end);
    if (!*s || *end || isspace((unsigned char)*s) || !isfinite(v) || v < lo || v > hi) {
        md_fail(m, key, s, what);
        return;
    }
    *out = v;
}

/* digits hex digits, exactly. */
static void md_hex(Md *m, const char *key, int words, uint64_t *out) {
    char buf[256], what[64];
    snprintf(what, sizeof what, "%d hex digits", 16 * words);
    const char *s = md_text(m, key, buf, sizeof buf, what);
    if (!s) return;
    int ok = strlen(s) == (size_t)(16 * words);
    for (int i = 0; ok && s[i]; i++) ok = isxdigit((unsigned char)s[i]) != 0;
    if (!ok) {
        md_fail(m, key, s, what);
        return;
    }
    for (int w = 0; w < words; w++) {
        char part[17];
        memcpy(part, s + 16 * w, 16);
        part[16] = 0;
        out[w] = strtoull(part, NULL, 16);
    }
}

static void md_name(Md *m, const char *key, char *out, size_t n) {
    char buf[256];
    const char *s = md_text(m, key, buf, sizeof buf, "a name");
    if (!s) return;
    int ok = strlen(s) < n;
    for (const char *c = s; ok && *c; c++) ok = isalnum((unsigned char)*c) || *c == '_';
    if (!ok) {
        md_fail(m, key, s, "a name of letters, digits and _");
        return;
    }
    snprintf(out, n, "%s", s);
}

static int read_format(Md *m, CheckpointMeta *meta) {
    char buf[128];
    const char *format = st_metadata(m->f, "format", buf, sizeof buf);
    meta->format = !format                               ? 0
                   : !strcmp(format, CHECKPOINT_FORMAT)    ? 2
                   : !strcmp(format, CHECKPOINT_FORMAT_V1) ? 1
                                                           : -1;
    if (meta->format < 0) {
        char q[64];
        snprintf(m->err, m->errlen, "%s: unknown checkpoint format '%s' (expected %s)", m->path,
                 st_printable(format, q, sizeof q), CHECKPOINT_FORMAT);
        return -1;
    }
    if (meta->format == 0) return 0; /* not written by sentui: structure only */
    const char *sumtext = st_metadata(m->f, "checksum", buf, sizeof buf);
    uint64_t want = 0, got = 0;
    if (!sumtext || strncmp(sumtext, "fnv1a64:", 8) != 0 || strlen(sumtext) != 24)
        return md_fail(m, "checksum", sumtext, "fnv1a64: and 16 hex digits");
    want = strtoull(sumtext + 8, NULL, 16);
    if (meta->format == 1) got = checksum_v1(m->f);
    else if (ckpt_checksum(m->f, m->f->metadata_json, &got) != 0)
        return md_fail(m, "checksum", sumtext, "a readable header");
    if (got != want) {
        snprintf(m->err, m->errlen, "%s: corrupt: the %s does not match its checksum", m->path,
                 meta->format == 1 ? "tensor data" : "header or tensor data");
        return -1;
    }
    return 0;
}

int ckpt_read_meta(const StFile *f, const char *path, CheckpointMeta *meta, int resume, char *err, size_t errlen) {
    memset(meta, 0, sizeof *meta);
    Md m = {f, path, err, errlen, 0, 0};
    if (read_format(&m, meta) != 0) return -1;
    if (resume && meta->format == 0) {
        snprintf(err, errlen, "%s was not written by sentui (no resume metadata); it cannot be resumed from", path);
        return -1;
    }
    m.required = resume;
    const long big = 1L << 53; /* exact in a double, far beyond any run */
    md_name(&m, "arch", meta->arch, sizeof meta->arch);
    md_long(&m, "step", 0, big, &meta->step);
    md_int(&m, "epoch", 0, 1 << 30, &meta->epoch);
    md_long(&m, "epoch_pos", 0, big, &meta->epoch_pos);
    md_hex(&m, "config_hash", 1, &meta->config_hash);
    md_name(&m, "metric", meta->metric, sizeof meta->metric);
    md_long(&m, "optim_step", 0, big, &meta->optim_step);
    md_int(&m, "best", 0, 1, &meta->has_best);
    md_double(&m, "best_value", -1e300, 1e300, &meta->best_value);
    md_long(&m, "best_step", 0, big, &meta->best_step);
    md_int(&m, "bad_evals", 0, 1 << 30, &meta->bad_evals);
    md_double(&m, "elapsed", 0, 1e300, &meta->elapsed);
    md_double(&m, "tokens", 0, 1e300, &meta->tokens);
    md_hex(&m, "rng", 4, meta->rng);
    m.required = 0;
    md_double(&m, "metric_value", -1e300, 1e300, &meta->metric_value);
    md_double(&m, "wall_seconds", 0, 1e300, &meta->wall_seconds);
    char buf[32];
    const char *state = st_metadata(f, "optim_state", buf, sizeof buf);
    if (resume && (!state || (strcmp(state, "m") && strcmp(state, "m,v"))))
        md_fail(&m, "optim_state", state, "m or m,v");
    meta->has_v = state && !strcmp(state, "m,v");
    return m.failed ? -1 : 0;
}

static int out_of_range(const char *path, char *err, size_t errlen, const char *key, double value, double lo,
                        double hi, const char *why) {
    snprintf(err, errlen, "%s: metadata '%s' is %.17g, expected %.17g to %.17g%s", path, key, value, lo, hi, why);
    return -1;
}

int checkpoint_check_resume(const CheckpointMeta *m, const CheckpointLimits *lim, const char *path, char *err,
                            size_t errlen) {
    long spe = lim->steps_per_epoch;
    if (m->epoch > lim->epochs)
        return out_of_range(path, err, errlen, "epoch", m->epoch, 0, lim->epochs, " (train.epochs)");
    long pos_max = m->epoch == lim->epochs ? 0 : spe;
    if (m->epoch_pos > pos_max)
        return out_of_range(path, err, errlen, "epoch_pos", (double)m->epoch_pos, 0, (double)pos_max,
                            " (batches per epoch of this run's data)");
    long want = (long)m->epoch * spe + m->epoch_pos;
    if (m->step != want) {
        snprintf(err, errlen,
                 "%s: metadata 'step' is %ld, but epoch %d, batch %ld of %ld batches per epoch is step %ld", path, m->step, m->epoch, m->epoch_pos, spe, want);
        return -1;
    }
    if (m->optim_step != m->step)
        return out_of_range(path, err, errlen, "optim_step", (double)m->optim_step, (double)m->step,
                            (double)m->step, " (one optimizer step per training step)");
    if (m->best_step > m->step)
        return out_of_range(path, err, errlen, "best_step", (double)m->best_step, 0, (double)m->step, " (step)");
    /* At most one evaluation per step, plus one at the end of each epoch. */
    double evals = (double)m->step + m->epoch + 1;
    if (m->bad_evals > evals)
        return out_of_range(path, err, errlen, "bad_evals", m->bad_evals, 0, evals, " (evaluations so far)");
    const char *metric = metric_name(lim->metric);
    if (strcmp(m->metric, metric) != 0) {
        char q[64];
        snprintf(err, errlen, "%s: metadata 'metric' is '%s', but this run's eval.metric is %s", path,
                 st_printable(m->metric, q, sizeof q), metric);
        return -1;
    }
    double hi = lim->metric == METRIC_LOSS ? 1e30 : 1;
    if (m->has_best && !(m->best_value >= 0 && m->best_value <= hi))
        return out_of_range(path, err, errlen, "best_value", m->best_value, 0, hi, "");
    double tokens_max = (double)m->step * lim->max_tokens_per_step;
    if (m->tokens > tokens_max)
        return out_of_range(path, err, errlen, "tokens", m->tokens, 0, tokens_max, " (steps x batch x length)");
    const double century = 100 * 365.25 * 86400;
    if (m->elapsed > century) return out_of_range(path, err, errlen, "elapsed", m->elapsed, 0, century, " seconds");
    if (m->wall_seconds > century)
        return out_of_range(path, err, errlen, "wall_seconds", m->wall_seconds, 0, century, " seconds");
    if (m->has_v != lim->has_v) {
        snprintf(err, errlen, "%s: metadata 'optim_state' is '%s', but this run's optimizer keeps %s", path,
                 m->has_v ? "m,v" : "m", lim->has_v ? "m,v" : "m");
        return -1;
    }
    return 0;
}
