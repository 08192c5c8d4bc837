/* The sweep folder's files (see sweep_state.h): sweep.json, base.yaml,
 * spec.yaml and one small state file per trial. */
#include "run/sweep_state.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "run/json_get.h"

static const char *const status_names[] = {"pending", "running", "done", "failed"};

const char *sweep_status_text(TrialStatus st) {
    return st >= TRIAL_PENDING && st <= TRIAL_FAILED ? status_names[st] : "unknown";
}

static TrialStatus status_from_text(const char *s) {
    for (int i = 0; i < 4; i++)
        if (s && !strcmp(s, status_names[i])) return (TrialStatus)i;
    return TRIAL_PENDING;
}

int sweep_is_dir(const char *dir) {
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    return access(path, F_OK) == 0;
}

int sweep_check_name(const char *name, char *err, size_t errlen) {
    size_t n = name ? strlen(name) : 0;
    int bad = n == 0 || n > 64 || !strcmp(name, ".") || !strcmp(name, "..");
    for (size_t i = 0; i < n; i++) bad |= name[i] == '/' || name[i] == '\\' || (unsigned char)name[i] < 0x21;
    if (bad) snprintf(err, errlen, "sweep name '%s': 1 to 64 characters, no '/', '\\', spaces or control characters",
                      name ? name : "");
    return bad ? -1 : 0;
}

void sweep_runs_dir(const Sweep *sw, char *out, size_t n) {
    const char *slash = strrchr(sw->dir, '/');
    if (!slash) snprintf(out, n, ".");
    else if (slash == sw->dir) snprintf(out, n, "/");
    else snprintf(out, n, "%.*s", (int)(slash - sw->dir), sw->dir);
}

void sweep_trial_name(const Sweep *sw, int t, char *out, size_t n) {
    int width = sw->plan.n_trials > 1000 ? 4 : sw->plan.n_trials > 100 ? 3 : 2;
    snprintf(out, n, "%s-t%0*d", sw->name, width, t + 1);
}

void sweep_trial_dir(const Sweep *sw, int t, char *out, size_t n) {
    char runs[RUN_PATH_MAX];
    sweep_runs_dir(sw, runs, sizeof runs);
    if (t < 0 || t >= sw->plan.n_trials || !sw->trials[t].run[0]) snprintf(out, n, "%s", "");
    else snprintf(out, n, "%s/%s", runs, sw->trials[t].run);
}

static int write_json(const char *path, json_t *o, char *err, size_t errlen) {
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!text) {
        snprintf(err, errlen, "cannot encode %s", path);
        return -1;
    }
    size_t len = strlen(text);
    text[len] = '\n'; /* json_dumps leaves room for nothing more: write the NUL's place as the newline */
    int rc = write_file_atomic(path, text, len + 1, err, errlen);
    free(text);
    return rc;
}

int sweep_trial_save(const Sweep *sw, int t, char *err, size_t errlen) {
    const SweepTrial *tr = &sw->trials[t];
    char path[RUN_PATH_MAX + 32], updated[32];
    snprintf(path, sizeof path, "%s/trials/%03d.json", sw->dir, t + 1);
    utc_iso8601(updated, sizeof updated, (long long)time(NULL));
    json_t *o = json_pack("{s:i, s:s, s:s, s:I, s:i, s:s}", "trial", t + 1, "status", sweep_status_text(tr->status),
                          "run", tr->run, "pid", (json_int_t)tr->pid, "rank", tr->rank, "updated", updated);
    if (o && tr->reason[0]) json_object_set_new(o, "reason", json_string(tr->reason));
    if (!o) {
        snprintf(err, errlen, "cannot encode %s", path);
        return -1;
    }
    return write_json(path, o, err, errlen);
}

static void trial_load(Sweep *sw, int t) {
    SweepTrial *tr = &sw->trials[t];
    memset(tr, 0, sizeof *tr);
    char path[RUN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/trials/%03d.json", sw->dir, t + 1);
    json_t *o = json_load_file(path, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return; /* a trial without a readable state has not run */
    }
    const char *run = json_get_str(o, "run"), *reason = json_get_str(o, "reason");
    tr->status = status_from_text(json_get_str(o, "status"));
    snprintf(tr->run, sizeof tr->run, "%s", run && !strchr(run, '/') ? run : "");
    snprintf(tr->reason, sizeof tr->reason, "%s", reason ? reason : "");
    long v = 0;
    if (json_get_long(o, "pid", &v)) tr->pid = v;
    if (json_get_long(o, "rank", &v)) tr->rank = (int)v;
    json_decref(o);
}

static json_t *plan_json(const SweepPlan *p) {
    json_t *keys = json_array(), *trials = json_array();
    for (int k = 0; k < p->n_keys; k++) json_array_append_new(keys, json_string(p->keys[k]));
    for (int t = 0; t < p->n_trials; t++) {
        json_t *row = json_array();
        for (int k = 0; k < p->n_keys; k++) json_array_append_new(row, json_string(sweep_plan_value(p, t, k)));
        json_array_append_new(trials, row);
    }
    return json_pack("{s:o, s:o}", "keys", keys, "trials", trials);
}

static int write_text(const char *dir, const char *file, const char *text, char *err, size_t errlen) {
    char path[RUN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    return write_file_atomic(path, text, strlen(text), err, errlen);
}

static int write_sweep_files(Sweep *sw, const Config *base, const char *spec_text, char *err, size_t errlen) {
    char metric[32], path[RUN_PATH_MAX + 32];
    config_enum_name(METRIC_VALUES, sw->metric, metric, sizeof metric);
    utc_iso8601(sw->created, sizeof sw->created, (long long)time(NULL));
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "sweep", sw->name, "created", sw->created, "command",
                          sw->command, "metric", metric, "parallel", sw->parallel, "plan", plan_json(&sw->plan));
    char *yaml = config_to_yaml(base);
    int rc = o && yaml ? 0 : -1;
    if (rc) snprintf(err, errlen, "out of memory");
    if (!rc) rc = write_text(sw->dir, "base.yaml", yaml, err, errlen);
    if (!rc && spec_text) rc = write_text(sw->dir, "spec.yaml", spec_text, err, errlen);
    for (int t = 0; !rc && t < sw->plan.n_trials; t++) rc = sweep_trial_save(sw, t, err, errlen);
    /* sweep.json last: a folder without it is not a sweep yet, so a crash here leaves nothing half-made to resume */
    snprintf(path, sizeof path, "%s/sweep.json", sw->dir);
    if (!rc) rc = write_json(path, o, err, errlen);
    else json_decref(o);
    free(yaml);
    return rc;
}

int sweep_create(Sweep *sw, const char *runs_dir, const Config *base, const char *spec_text, char *err,
                 size_t errlen) {
    if (sweep_check_name(sw->name, err, errlen)) return -1;
    snprintf(sw->dir, sizeof sw->dir, "%s/sweep-%s", runs_dir, sw->name);
    if (access(sw->dir, F_OK) == 0) {
        snprintf(err, errlen, "%s already exists: `sentui sweep resume %s` continues it, or give another --name",
                 sw->dir, sw->dir);
        return -1;
    }
    char trials[RUN_PATH_MAX + 16];
    snprintf(trials, sizeof trials, "%s/trials", sw->dir);
    if (make_dirs(trials, err, errlen)) return -1;
    sw->trials = calloc((size_t)sw->plan.n_trials, sizeof *sw->trials);
    if (!sw->trials) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return write_sweep_files(sw, base, spec_text, err, errlen);
}

static int plan_from_json(SweepPlan *p, json_t *o) {
    json_t *keys = json_object_get(o, "keys"), *trials = json_object_get(o, "trials");
    if (!json_is_array(keys) || !json_is_array(trials) || json_array_size(trials) > SWEEP_MAX_TRIALS ||
        json_array_size(keys) > SWEEP_MAX_AXES)
        return -1;
    p->n_keys = (int)json_array_size(keys);
    p->n_trials = (int)json_array_size(trials);
    p->keys = calloc((size_t)p->n_keys + 1, sizeof *p->keys);
    p->values = calloc((size_t)(p->n_keys * p->n_trials) + 1, sizeof *p->values);
    if (!p->keys || !p->values) return -1;
    for (int k = 0; k < p->n_keys; k++) {
        const char *s = json_string_value(json_array_get(keys, (size_t)k));
        if (!s || !config_find_key(s)) return -1;
        p->keys[k] = strdup(s);
    }
    for (int t = 0; t < p->n_trials; t++) {
        json_t *row = json_array_get(trials, (size_t)t);
        if (!json_is_array(row) || (int)json_array_size(row) != p->n_keys) return -1;
        for (int k = 0; k < p->n_keys; k++) {
            const char *s = json_string_value(json_array_get(row, (size_t)k));
            if (!s) return -1;
            p->values[t * p->n_keys + k] = strdup(s);
        }
    }
    return 0;
}

int sweep_load(Sweep *sw, const char *dir, char *err, size_t errlen) {
    memset(sw, 0, sizeof *sw);
    snprintf(sw->dir, sizeof sw->dir, "%s", dir);
    size_t len = strlen(sw->dir);
    while (len > 1 && sw->dir[len - 1] == '/') sw->dir[--len] = 0;
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/sweep.json", sw->dir);
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    if (!o) {
        if (access(path, F_OK) != 0) snprintf(err, errlen, "%s is not a sweep folder (no sweep.json)", dir);
        else snprintf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
        return -1;
    }
    const char *name = json_get_str(o, "sweep"), *metric = json_get_str(o, "metric");
    long parallel = 1;
    json_get_long(o, "parallel", &parallel);
    snprintf(sw->name, sizeof sw->name, "%s", name ? name : "");
    snprintf(sw->created, sizeof sw->created, "%s", json_get_str(o, "created") ? json_get_str(o, "created") : "");
    snprintf(sw->command, sizeof sw->command, "%s", json_get_str(o, "command") ? json_get_str(o, "command") : "");
    sw->parallel = parallel >= 1 && parallel <= 256 ? (int)parallel : 1;
    char buf[32];
    sw->metric = -1;
    for (int i = 0; metric && i < 16; i++) /* past the last value the name is "?" */
        if (!strcmp(metric, config_enum_name(METRIC_VALUES, i, buf, sizeof buf))) sw->metric = i;
    int bad = sw->metric < 0 || sweep_check_name(sw->name, buf, sizeof buf) ||
              plan_from_json(&sw->plan, json_object_get(o, "plan"));
    json_decref(o);
    sw->trials = bad ? NULL : calloc((size_t)sw->plan.n_trials + 1, sizeof *sw->trials);
    if (bad || !sw->trials) {
        snprintf(err, errlen, "%s: not a sweep this sentui can read (damaged or from another version)", path);
        sweep_free(sw);
        return -1;
    }
    for (int t = 0; t < sw->plan.n_trials; t++) trial_load(sw, t);
    return 0;
}

void sweep_free(Sweep *sw) {
    if (!sw) return;
    sweep_plan_free(&sw->plan);
    free(sw->trials);
    sw->trials = NULL;
}

typedef struct {
    char *dir;
    char created[32];
} Listed;

/* Oldest first by creation time, then by name (a sweep.json without one sorts first). */
static int by_created(const void *pa, const void *pb) {
    const Listed *a = pa, *b = pb;
    int c = strcmp(a->created, b->created);
    return c ? c : strcmp(a->dir, b->dir);
}

static void read_created(Listed *l) {
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/sweep.json", l->dir);
    json_t *o = json_load_file(path, 0, NULL);
    const char *c = json_get_str(o, "created");
    snprintf(l->created, sizeof l->created, "%s", c ? c : "");
    json_decref(o);
}

int sweep_list(const char *runs_dir, char ***out) {
    *out = NULL;
    DIR *d = opendir(runs_dir);
    if (!d) return 0;
    int n = 0, cap = 0;
    Listed *list = NULL;
    for (struct dirent *e; (e = readdir(d));) {
        if (strncmp(e->d_name, "sweep-", 6)) continue;
        char path[RUN_PATH_MAX];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", runs_dir, e->d_name) >= sizeof path || !sweep_is_dir(path))
            continue;
        if (n == cap) {
            Listed *grown = realloc(list, (size_t)(cap = cap ? cap * 2 : 8) * sizeof *grown);
            if (!grown) break;
            list = grown;
        }
        if ((list[n].dir = strdup(path))) read_created(&list[n++]);
    }
    closedir(d);
    if (n) qsort(list, (size_t)n, sizeof *list, by_created);
    *out = n ? calloc((size_t)n, sizeof **out) : NULL;
    for (int i = 0; i < n; i++) {
        if (*out) (*out)[i] = list[i].dir;
        else free(list[i].dir);
    }
    free(list);
    return *out ? n : 0;
}
