/* SWEEP.yaml: the base config, fixed overrides, grid and ranges, the trial
 * count, seed, metric and parallelism of a sweep, read with the config
 * reader's guards and file:line:col messages.
 *
 *   config: gru.yaml            # relative to this file's folder
 *   name: lr-dropout
 *   set:    {train.epochs: 1}
 *   grid:   {train.lr: [1e-3, 2e-3], model.dropout: [0.1, 0.3]}
 *   ranges: {train.weight_decay: "1e-6:1e-2:log"}
 *   random: 8
 *   seed: 1
 *   metric: accuracy
 *   parallel: 2 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config_internal.h"
#include "config/sweep_spec_internal.h"

typedef struct {
    SweepSpec *s;
    ConfigErrors *errs;
    const char *file;
    yaml_document_t *doc;
} SpecReader;

typedef void (*KeyFn)(SpecReader *r, const char *key, const yaml_node_t *kn, const yaml_node_t *vn);

static int line_of(const yaml_node_t *n) { return (int)n->start_mark.line + 1; }
static int col_of(const yaml_node_t *n) { return (int)n->start_mark.column + 1; }

static const char *scalar(const yaml_node_t *n) {
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Each config key under map, written dotted ("train.lr") or nested
 * ("train: {lr: ...}") as in a config. */
static void each_key(SpecReader *r, const yaml_node_t *map, const char *prefix, KeyFn fn) {
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(r->doc, p->key), *vn = yaml_document_get_node(r->doc, p->value);
        if (!kn || !vn) continue;
        const char *name = scalar(kn);
        char full[256];
        if (!name || (size_t)snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", name) >= sizeof full) {
            config_errors_add(r->errs, r->file, line_of(kn), col_of(kn), "expected a config key name");
            continue;
        }
        if (!config_find_key(full) && config_is_section(full) && vn->type == YAML_MAPPING_NODE)
            each_key(r, vn, full, fn);
        else
            fn(r, full, kn, vn);
    }
}

static void grid_key(SpecReader *r, const char *key, const yaml_node_t *kn, const yaml_node_t *vn) {
    const ConfigKey *k = sweep_axis_key(r->s, key, r->file, line_of(kn), col_of(kn), r->errs);
    if (!k) return;
    if (vn->type != YAML_SEQUENCE_NODE) {
        config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "%s: expected a list of values like [a, b]", key);
        return;
    }
    int n = (int)(vn->data.sequence.items.top - vn->data.sequence.items.start), bad = 0;
    if (n == 0) {
        config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "%s: the grid is empty; give its values", key);
        return;
    }
    for (yaml_node_item_t *it = vn->data.sequence.items.start; it < vn->data.sequence.items.top; it++) {
        yaml_node_t *v = yaml_document_get_node(r->doc, *it);
        const char *text = scalar(v);
        if (!text) {
            config_errors_add(r->errs, r->file, v ? line_of(v) : line_of(vn), v ? col_of(v) : col_of(vn),
                              "%s: expected a single value in the list", key);
            bad = 1;
        } else {
            bad |= sweep_check_value(k, text, r->file, line_of(v), col_of(v), r->errs);
        }
    }
    if (bad) return;
    SweepAxis *ax = sweep_new_axis(r->s, k);
    ax->values = calloc((size_t)n, sizeof *ax->values);
    for (yaml_node_item_t *it = vn->data.sequence.items.start; ax->values && it < vn->data.sequence.items.top; it++)
        ax->values[ax->n++] = strdup(scalar(yaml_document_get_node(r->doc, *it)));
}

static void range_key(SpecReader *r, const char *key, const yaml_node_t *kn, const yaml_node_t *vn) {
    const ConfigKey *k = sweep_axis_key(r->s, key, r->file, line_of(kn), col_of(kn), r->errs);
    if (!k) return;
    if (!scalar(vn)) {
        config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "%s: expected a range like \"1e-4:1e-2:log\"",
                          key);
        return;
    }
    sweep_parse_range(r->s, k, scalar(vn), r->file, line_of(vn), col_of(vn), r->errs);
}

static void set_key(SpecReader *r, const char *key, const yaml_node_t *kn, const yaml_node_t *vn) {
    const ConfigKey *k = config_find_key(key);
    if (!k) {
        config_unknown_key_error(r->errs, r->file, line_of(kn), col_of(kn), key);
        return;
    }
    if (!scalar(vn)) {
        config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "%s: expected a single value", key);
        return;
    }
    if (sweep_check_value(k, scalar(vn), r->file, line_of(vn), col_of(vn), r->errs)) return;
    char **grown = realloc(r->s->sets, (size_t)(r->s->n_sets + 1) * sizeof *grown);
    size_t len = strlen(key) + strlen(scalar(vn)) + 2;
    char *a = malloc(len);
    if (!grown || !a) {
        free(a);
        if (grown) r->s->sets = grown;
        return;
    }
    snprintf(a, len, "%s=%s", key, scalar(vn));
    r->s->sets = grown;
    r->s->sets[r->s->n_sets++] = a;
}

/* A whole number from lo to hi, or -1 with the error added. */
static long long whole(SpecReader *r, const char *name, const yaml_node_t *vn, long long lo, long long hi) {
    const char *t = scalar(vn);
    char *end = NULL;
    errno = 0;
    long long v = t ? strtoll(t, &end, 10) : 0;
    if (!t || !*t || *end || errno || v < lo || v > hi) {
        config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "%s: expected a whole number from %lld to %lld",
                          name, lo, hi);
        return -1;
    }
    return v;
}

/* The base config path as written, taken from the sweep file's folder when relative. */
static void set_config(SpecReader *r, const yaml_node_t *vn) {
    const char *t = scalar(vn);
    if (!t || !*t) {
        config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "config: expected the base config's path");
        return;
    }
    const char *slash = strrchr(r->file, '/');
    size_t dl = t[0] != '/' && slash ? (size_t)(slash - r->file) + 1 : 0;
    free(r->s->config);
    r->s->config = malloc(dl + strlen(t) + 1);
    if (r->s->config) snprintf(r->s->config, dl + strlen(t) + 1, "%.*s%s", (int)dl, r->file, t);
}

static const char *const top_keys[] = {"config", "name", "set", "grid", "ranges", "random", "seed", "metric",
                                       "parallel", NULL};

static void unknown_top(SpecReader *r, const char *name, const yaml_node_t *kn) {
    const char *best = NULL;
    int best_d = 1 << 30;
    for (int i = 0; top_keys[i]; i++) {
        int d = config_edit_distance(name, top_keys[i]);
        if (config_close_enough(name, d) && d < best_d) best_d = d, best = top_keys[i];
    }
    if (best)
        config_errors_add(r->errs, r->file, line_of(kn), col_of(kn), "unknown sweep key '%s'; did you mean '%s'?",
                          name, best);
    else
        config_errors_add(r->errs, r->file, line_of(kn), col_of(kn),
                          "unknown sweep key '%s'; a sweep file has config, name, set, grid, ranges, random, seed, "
                          "metric, parallel", name);
}

static void top_entry(SpecReader *r, const char *name, const yaml_node_t *kn, const yaml_node_t *vn) {
    SweepSpec *s = r->s;
    KeyFn fn = !strcmp(name, "set") ? set_key : !strcmp(name, "grid") ? grid_key : !strcmp(name, "ranges") ? range_key
                                                                                                            : NULL;
    if (fn) {
        if (vn->type == YAML_MAPPING_NODE) each_key(r, vn, "", fn);
        else config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "%s: expected a mapping of config keys", name);
    } else if (!strcmp(name, "config")) {
        set_config(r, vn);
    } else if (!strcmp(name, "name")) {
        free(s->name);
        s->name = scalar(vn) ? strdup(scalar(vn)) : NULL;
        if (!s->name) config_errors_add(r->errs, r->file, line_of(vn), col_of(vn), "name: expected a single value");
    } else if (!strcmp(name, "random")) {
        long long v = whole(r, name, vn, 1, SWEEP_MAX_TRIALS);
        if (v > 0) s->random = (int)v;
    } else if (!strcmp(name, "seed")) {
        long long v = whole(r, name, vn, 0, 2147483647);
        if (v >= 0) s->seed = (uint64_t)v;
    } else if (!strcmp(name, "parallel")) {
        long long v = whole(r, name, vn, 1, 256);
        if (v > 0) s->parallel = (int)v;
    } else if (!strcmp(name, "metric")) {
        sweep_spec_set_metric(s, scalar(vn) ? scalar(vn) : "", r->file, line_of(vn), col_of(vn), r->errs);
    } else {
        unknown_top(r, name, kn);
    }
}

int sweep_spec_load_file(SweepSpec *s, const char *path, ConfigErrors *errs) {
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    int before = errs->n;
    yaml_document_t doc;
    if (config_yaml_load_document(path, &doc, errs) == 0) {
        SpecReader r = {s, errs, path, &doc};
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (!root || root->type != YAML_MAPPING_NODE) {
            config_errors_add(errs, path, root ? line_of(root) : 0, root ? col_of(root) : 0,
                              "expected a mapping (config:, grid:, ranges:, ...)");
        } else {
            for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
                yaml_node_t *kn = yaml_document_get_node(&doc, p->key), *vn = yaml_document_get_node(&doc, p->value);
                if (!kn || !vn) continue;
                if (!scalar(kn)) config_errors_add(errs, path, line_of(kn), col_of(kn), "expected a key name");
                else top_entry(&r, scalar(kn), kn, vn);
            }
            if (!s->config) config_errors_add(errs, path, 0, 0, "no base config: add `config: FILE.yaml`");
        }
        yaml_document_delete(&doc);
    }
    int added = errs->n - before;
    config_errors_free(&local);
    return added;
}
