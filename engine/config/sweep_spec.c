/* Sweep axes from --grid / --range (and the YAML reader, sweep_spec_yaml.c),
 * checked against the schema, and their expansion into trials. */
#include "config/sweep_spec.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_internal.h"
#include "config/sweep_spec_internal.h"

void sweep_spec_init(SweepSpec *s) {
    memset(s, 0, sizeof *s);
    s->seed = 1;
    s->metric = -1;
}

void sweep_spec_free(SweepSpec *s) {
    if (!s) return;
    for (int a = 0; a < s->n_axes; a++) {
        for (int i = 0; i < s->axes[a].n; i++) free(s->axes[a].values[i]);
        free(s->axes[a].values);
    }
    for (int i = 0; i < s->n_sets; i++) free(s->sets[i]);
    free(s->sets);
    free(s->config);
    free(s->name);
    memset(s, 0, sizeof *s);
}

static char *trim(char *p) {
    while (isspace((unsigned char)*p)) p++;
    char *e = p + strlen(p);
    while (e > p && isspace((unsigned char)e[-1])) *--e = 0;
    return p;
}

/* The key of a new axis: known to the schema, swept once, not one the sweep
 * itself sets for each trial. NULL with the error added. */
static const ConfigKey *axis_key(SweepSpec *s, const char *key, const char *src, int line, int col,
                                 ConfigErrors *errs) {
    const ConfigKey *k = config_find_key(key);
    if (!k) {
        config_unknown_key_error(errs, src, line, col, key);
        return NULL;
    }
    if (!strcmp(k->key, "train.name") || !strcmp(k->key, "train.runs_dir")) {
        config_errors_add(errs, src, line, col, "%s cannot be swept: the sweep sets it for each trial", k->key);
        return NULL;
    }
    for (int a = 0; a < s->n_axes; a++)
        if (s->axes[a].key == k) {
            config_errors_add(errs, src, line, col, "%s is swept twice; give each key once", k->key);
            return NULL;
        }
    if (s->n_axes == SWEEP_MAX_AXES) {
        config_errors_add(errs, src, line, col, "more than %d swept keys", SWEEP_MAX_AXES);
        return NULL;
    }
    return k;
}

/* The value checks of a config: the value is set on a scratch config. */
static int check_value(const ConfigKey *k, const char *text, const char *src, int line, int col,
                       ConfigErrors *errs) {
    Config c;
    config_defaults(&c);
    char msg[512];
    int bad = config_set_text(&c, k, text, msg, sizeof msg);
    if (bad) config_errors_add(errs, src, line, col, "%s: %s", k->key, msg);
    config_free(&c);
    return bad;
}

static SweepAxis *new_axis(SweepSpec *s, const ConfigKey *k) {
    SweepAxis *ax = &s->axes[s->n_axes++];
    memset(ax, 0, sizeof *ax);
    ax->key = k;
    return ax;
}

static int add_grid_values(SweepSpec *s, const ConfigKey *k, char *list, const char *src, ConfigErrors *errs) {
    int bad = 0, n = 0;
    for (char *v = list, *next; v; v = next) {
        next = strchr(v, ',');
        if (next) *next++ = 0;
        v = trim(v);
        if (!*v) {
            config_errors_add(errs, src, 0, 0, "%s: an empty value in the grid list", k->key);
            return 1;
        }
        bad |= check_value(k, v, src, 0, 0, errs);
        n++;
    }
    if (bad) return 1;
    SweepAxis *ax = new_axis(s, k);
    ax->values = calloc((size_t)n, sizeof *ax->values);
    for (char *v = list; ax->values && ax->n < n; v += strlen(v) + 1) {
        while (!*v || isspace((unsigned char)*v)) v++;
        ax->values[ax->n++] = strdup(trim(v));
    }
    return 0;
}

int sweep_spec_add_grid(SweepSpec *s, const char *arg, ConfigErrors *errs) {
    const char *src = "--grid";
    char *copy = strdup(arg ? arg : "");
    char *eq = copy ? strchr(copy, '=') : NULL;
    int rc = 1;
    if (!eq) {
        config_errors_add(errs, src, 0, 0, "expected key=v1,v2,... (like model.dropout=0.1,0.3), found '%s'",
                          arg ? arg : "");
    } else {
        *eq = 0;
        const ConfigKey *k = axis_key(s, trim(copy), src, 0, 0, errs);
        char *list = trim(eq + 1);
        if (k && !*list)
            config_errors_add(errs, src, 0, 0, "%s: the grid is empty; give its values (like %s=v1,v2)", k->key,
                              k->key);
        else if (k)
            rc = add_grid_values(s, k, list, src, errs);
    }
    free(copy);
    return rc;
}

/* "lo:hi" or "lo:hi:log" for a number key; 0, or 1 with the error added. */
int sweep_parse_range(SweepSpec *s, const ConfigKey *k, const char *text, const char *src, int line, int col,
                      ConfigErrors *errs) {
    if (k->type != CFG_INT && k->type != CFG_FLOAT) {
        config_errors_add(errs, src, line, col, "%s: a range needs a number key; list its values with a grid instead",
                          k->key);
        return 1;
    }
    char buf[256], *parts[4] = {0};
    snprintf(buf, sizeof buf, "%s", text);
    int np = 0;
    for (char *p = buf, *next; p && np < 4; p = next) {
        next = strchr(p, ':');
        if (next) *next++ = 0;
        parts[np++] = trim(p);
    }
    int log = np == 3 && !strcmp(parts[2], "log");
    if ((np != 2 && !log) || !*parts[0] || !*parts[1]) {
        config_errors_add(errs, src, line, col, "%s: expected a range MIN:MAX or MIN:MAX:log, found '%s'", k->key, text);
        return 1;
    }
    if (check_value(k, parts[0], src, line, col, errs) | check_value(k, parts[1], src, line, col, errs)) return 1;
    double lo = strtod(parts[0], NULL), hi = strtod(parts[1], NULL);
    if (!(lo < hi)) {
        config_errors_add(errs, src, line, col, "%s: the range %s:%s is empty; MIN must be below MAX", k->key, parts[0],
                          parts[1]);
        return 1;
    }
    if (log && lo <= 0) {
        config_errors_add(errs, src, line, col, "%s: a log range must start above 0, found %s", k->key, parts[0]);
        return 1;
    }
    SweepAxis *ax = new_axis(s, k);
    ax->range = 1, ax->lo = lo, ax->hi = hi, ax->log = log;
    return 0;
}

int sweep_spec_add_range(SweepSpec *s, const char *arg, ConfigErrors *errs) {
    const char *src = "--range";
    char *copy = strdup(arg ? arg : "");
    char *eq = copy ? strchr(copy, '=') : NULL;
    int rc = 1;
    if (!eq) {
        config_errors_add(errs, src, 0, 0, "expected key=MIN:MAX[:log] (like train.lr=1e-4:1e-2:log), found '%s'",
                          arg ? arg : "");
    } else {
        *eq = 0;
        const ConfigKey *k = axis_key(s, trim(copy), src, 0, 0, errs);
        if (k) rc = sweep_parse_range(s, k, trim(eq + 1), src, 0, 0, errs);
    }
    free(copy);
    return rc;
}

/* Shared with the YAML reader: a new grid axis from already-checked values. */
const ConfigKey *sweep_axis_key(SweepSpec *s, const char *key, const char *src, int line, int col,
                                ConfigErrors *errs) {
    return axis_key(s, key, src, line, col, errs);
}

int sweep_check_value(const ConfigKey *k, const char *text, const char *src, int line, int col, ConfigErrors *errs) {
    return check_value(k, text, src, line, col, errs);
}

SweepAxis *sweep_new_axis(SweepSpec *s, const ConfigKey *k) { return new_axis(s, k); }

int sweep_spec_set_metric(SweepSpec *s, const char *name, const char *src, int line, int col, ConfigErrors *errs) {
    int n = config_enum_count(METRIC_VALUES);
    char buf[32];
    for (int i = 0; i < n; i++)
        if (!strcmp(config_enum_name(METRIC_VALUES, i, buf, sizeof buf), name)) {
            s->metric = i;
            return 0;
        }
    config_errors_add(errs, src, line, col, "metric: expected one of %s, found '%s'", "accuracy, f1, f1_macro, "
                      "f1_weighted, loss", name);
    return 1;
}

int sweep_metric_higher_better(int metric) { return metric != METRIC_LOSS; }

/* ---- expansion ------------------------------------------------------------ */

/* splitmix64: small, seedable with any value, and the same on every machine. */
static uint64_t next_u64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double log_range(double lo, double hi, double u) { return log(lo) + u * (log(hi) - log(lo)); }

void sweep_sample_text(const ConfigKey *k, double lo, double hi, int log, uint64_t *state, char *buf, size_t n) {
    double u = (double)(next_u64(state) >> 11) * 0x1.0p-53; /* [0, 1) */
    if (k->type == CFG_INT) {
        double v = log ? exp(log_range(lo, hi, u)) : lo + u * (hi - lo + 1);
        long iv = log ? lround(v) : (long)floor(v);
        if (iv < (long)lo) iv = (long)lo;
        if (iv > (long)hi) iv = (long)hi;
        snprintf(buf, n, "%ld", iv);
        return;
    }
    double v = log ? exp(log_range(lo, hi, u)) : lo + u * (hi - lo);
    snprintf(buf, n, "%.4g", v);
    /* Four digits may round just past an end of the range: keep it inside. */
    double back = strtod(buf, NULL);
    if (back < lo) snprintf(buf, n, "%.17g", lo);
    if (back > hi) snprintf(buf, n, "%.17g", hi);
}

void sweep_plan_free(SweepPlan *p) {
    if (!p) return;
    for (int i = 0; p->values && i < p->n_trials * p->n_keys; i++) free(p->values[i]);
    for (int i = 0; p->keys && i < p->n_keys; i++) free(p->keys[i]);
    free(p->values);
    free(p->keys);
    memset(p, 0, sizeof *p);
}

const char *sweep_plan_value(const SweepPlan *p, int trial, int key) {
    if (!p || trial < 0 || trial >= p->n_trials || key < 0 || key >= p->n_keys) return "";
    const char *v = p->values[trial * p->n_keys + key];
    return v ? v : "";
}

/* How many trials the spec makes (0 with the error added). */
static long count_trials(const SweepSpec *s, ConfigErrors *errs) {
    int ranges = 0;
    long n = 1;
    for (int a = 0; a < s->n_axes; a++) {
        if (s->axes[a].range) ranges++;
        else if (s->axes[a].n == 0) {
            config_errors_add(errs, "", 0, 0, "%s: the grid is empty", s->axes[a].key->key);
            return 0;
        } else if (n <= SWEEP_MAX_TRIALS)
            n *= s->axes[a].n;
    }
    if (s->n_axes == 0) {
        config_errors_add(errs, "", 0, 0,
                          "nothing to sweep: give --grid KEY=V1,V2 or --range KEY=MIN:MAX with --random N");
        return 0;
    }
    if (ranges && s->random <= 0) {
        config_errors_add(errs, "", 0, 0, "a range needs the number of trials to draw: --random N (random: N)");
        return 0;
    }
    if (!ranges && s->random > 0) {
        config_errors_add(errs, "", 0, 0, "--random N draws from ranges: give one with --range KEY=MIN:MAX[:log]");
        return 0;
    }
    if (ranges) n *= s->random;
    if (n > SWEEP_MAX_TRIALS) {
        config_errors_add(errs, "", 0, 0, "the sweep has more than %d trials", SWEEP_MAX_TRIALS);
        return 0;
    }
    return n;
}

int sweep_spec_expand(const SweepSpec *s, SweepPlan *plan, ConfigErrors *errs) {
    memset(plan, 0, sizeof *plan);
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    int before = errs->n;
    long n = count_trials(s, errs);
    if (n > 0) {
        plan->keys = calloc((size_t)s->n_axes, sizeof *plan->keys);
        plan->values = calloc((size_t)(n * s->n_axes), sizeof *plan->values);
        if (!plan->keys || !plan->values) config_errors_add(errs, "", 0, 0, "out of memory");
    }
    if (errs->n > before) {
        sweep_plan_free(plan);
        config_errors_free(&local);
        return errs->n - before;
    }
    plan->n_trials = (int)n;
    plan->n_keys = s->n_axes;
    for (int a = 0; a < s->n_axes; a++) plan->keys[a] = strdup(s->axes[a].key->key);
    long per_combo = s->random > 0 ? s->random : 1;
    uint64_t state = s->seed;
    for (long t = 0; t < n; t++) {
        long combo = t / per_combo;
        /* the last grid axis changes fastest */
        for (int a = s->n_axes - 1; a >= 0; a--) {
            const SweepAxis *ax = &s->axes[a];
            if (ax->range) continue;
            plan->values[t * s->n_axes + a] = strdup(ax->values[combo % ax->n]);
            combo /= ax->n;
        }
        for (int a = 0; a < s->n_axes; a++) {
            const SweepAxis *ax = &s->axes[a];
            if (!ax->range) continue;
            char buf[64];
            sweep_sample_text(ax->key, ax->lo, ax->hi, ax->log, &state, buf, sizeof buf);
            plan->values[t * s->n_axes + a] = strdup(buf);
        }
    }
    config_errors_free(&local);
    return 0;
}
