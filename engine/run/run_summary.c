/* summary.json: what `sentui runs` and the home screen list, one small file
 * per run so that listing never reads whole event logs. */
#include "run/run.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/safe_open.h"
#include "run/json_get.h"

/* ---- summary.json ------------------------------------------------------- */

static const struct {
    RunStatus st;
    const char *name;
} status_names[] = {
    {RUN_NEW, "new"},         {RUN_RUNNING, "running"}, {RUN_PAUSED, "paused"}, {RUN_FINISHED, "finished"},
    {RUN_STOPPED, "stopped"}, {RUN_FAILED, "failed"},   {RUN_CRASHED, "crashed"},
};

const char *run_status_text(RunStatus st) {
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
        if (status_names[i].st == st) return status_names[i].name;
    return "unknown";
}

static RunStatus status_from_text(const char *s) {
    for (size_t i = 0; i < sizeof status_names / sizeof *status_names; i++)
        if (s && !strcmp(status_names[i].name, s)) return status_names[i].st;
    return RUN_NEW;
}

static json_t *score_json(const RunScore *s) {
    if (!s->valid) return json_null();
    return json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:f}", "step", (json_int_t)s->step, "epoch", s->epoch,
                     "accuracy", s->accuracy, "f1", s->f1, "f1_macro", s->f1_macro, "f1_weighted", s->f1_weighted,
                     "loss", s->loss);
}

int run_summary_save(const char *dir, const RunSummary *s, char *err, size_t errlen) {
    char updated[32];
    utc_iso8601(updated, sizeof updated, (long long)time(NULL));
    json_t *o = json_object();
    json_object_set_new(o, "run", json_string(s->run));
    json_object_set_new(o, "arch", json_string(s->arch));
    json_object_set_new(o, "status", json_string(run_status_text(s->status)));
    json_object_set_new(o, "params", json_integer(s->params));
    json_object_set_new(o, "epochs", json_integer(s->epochs));
    json_object_set_new(o, "epoch", json_real(s->epoch));
    json_object_set_new(o, "step", json_integer(s->step));
    json_object_set_new(o, "total_steps", json_integer(s->total_steps));
    json_object_set_new(o, "best", score_json(&s->best));
    json_object_set_new(o, "test", score_json(&s->test));
    json_object_set_new(o, "train_seconds", json_real(s->train_seconds));
    json_object_set_new(o, "tokens_per_s", json_real(s->tokens_per_s));
    json_object_set_new(o, "started", json_string(s->started));
    json_object_set_new(o, "updated", json_string(updated));
    json_object_set_new(o, "pid", json_integer(s->pid));
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "dataset", json_string(s->dataset));
    if (s->reason[0]) json_object_set_new(o, "reason", json_string(s->reason));
    if (s->eval_limit > 0) json_object_set_new(o, "eval_limit", json_integer(s->eval_limit));
    char *text = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(8));
    json_decref(o);
    if (!text) {
        snprintf(err, errlen, "cannot encode the summary of %s", dir);
        return -1;
    }
    size_t len = strlen(text);
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *withnl = malloc(len + 2);
    memcpy(withnl, text, len);
    withnl[len] = '\n';
    free(text);
    int r = write_file_atomic(path, withnl, len + 1, err, errlen);
    free(withnl);
    return r;
}

static void get_str(json_t *o, const char *key, char *out, size_t n) {
    const char *v = json_get_str(o, key);
    snprintf(out, n, "%s", v ? v : "");
}

static double get_num(json_t *o, const char *key) { return json_get_real(o, key, 0); }

/* A count no long (or int) holds, such as 1e30, reads as 0. */
static long get_long(json_t *o, const char *key) {
    long v = 0;
    json_get_long(o, key, &v);
    return v;
}

static int get_int(json_t *o, const char *key) {
    long v = get_long(o, key);
    return v >= INT_MIN && v <= INT_MAX ? (int)v : 0;
}

static void get_score(json_t *o, RunScore *s) {
    memset(s, 0, sizeof *s);
    if (!json_is_object(o)) return;
    s->valid = 1;
    s->step = get_long(o, "step");
    s->epoch = get_num(o, "epoch");
    s->accuracy = get_num(o, "accuracy");
    s->f1 = get_num(o, "f1");
    s->f1_macro = get_num(o, "f1_macro");
    s->f1_weighted = get_num(o, "f1_weighted");
    s->loss = get_num(o, "loss");
}

int run_summary_load(const char *dir, RunSummary *s, char *err, size_t errlen) {
    memset(s, 0, sizeof *s);
    char path[RUN_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    json_error_t je;
    char why[RUN_PATH_MAX + 64];
    FILE *f = safe_fopen_read(path, SAFE_IN_FOLDER, why, sizeof why);
    json_t *o = f ? json_loadf(f, 0, &je) : NULL;
    if (f) fclose(f);
    if (!o) {
        if (!f && errno == ENOENT)
            snprintf(err, errlen, "%s: no summary.json (not a run folder?)", dir);
        else if (!f)
            snprintf(err, errlen, "%s", why);
        else
            snprintf(err, errlen, "%s: line %d: %s", path, je.line, je.text);
        return -1;
    }
    if (!json_is_object(o)) {
        snprintf(err, errlen, "%s: not a JSON object", path);
        json_decref(o);
        return -1;
    }
    snprintf(s->dir, sizeof s->dir, "%s", dir);
    get_str(o, "run", s->run, sizeof s->run);
    get_str(o, "arch", s->arch, sizeof s->arch);
    get_str(o, "name", s->name, sizeof s->name);
    get_str(o, "dataset", s->dataset, sizeof s->dataset);
    get_str(o, "reason", s->reason, sizeof s->reason);
    get_str(o, "started", s->started, sizeof s->started);
    get_str(o, "updated", s->updated, sizeof s->updated);
    char status[32];
    get_str(o, "status", status, sizeof status);
    s->status = status_from_text(status);
    s->params = get_long(o, "params");
    s->epochs = get_int(o, "epochs");
    s->epoch = get_num(o, "epoch");
    s->step = get_long(o, "step");
    s->total_steps = get_long(o, "total_steps");
    get_score(json_object_get(o, "best"), &s->best);
    get_score(json_object_get(o, "test"), &s->test);
    s->train_seconds = get_num(o, "train_seconds");
    s->tokens_per_s = get_num(o, "tokens_per_s");
    s->pid = get_long(o, "pid");
    s->eval_limit = get_long(o, "eval_limit");
    json_decref(o);
    if (!s->run[0]) {
        const char *base = strrchr(dir, '/');
        snprintf(s->run, sizeof s->run, "%s", base && base[1] ? base + 1 : dir);
    }
    if (s->status == RUN_RUNNING || s->status == RUN_PAUSED) {
        /* A writer on another host cannot be checked from here: it counts as running. */
        RunLockInfo lock;
        RunLockState ls = run_lock_read(dir, &lock);
        if (ls == LOCK_NONE || ls == LOCK_STALE) s->status = RUN_CRASHED;
    }
    return 0;
}

/* ---- listing ------------------------------------------------------------ */

static int by_time(const void *a, const void *b) {
    const RunSummary *x = a, *y = b;
    int c = strcmp(x->started, y->started);
    return c ? c : strcmp(x->run, y->run);
}

int run_list(const char *runs_dir, RunSummary **out, char *err, size_t errlen) {
    *out = NULL;
    DIR *d = opendir(runs_dir);
    if (!d) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "cannot read %s: %s", runs_dir, strerror(errno));
        return -1;
    }
    RunSummary *list = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    char sub[RUN_PATH_MAX], ignored[256];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (snprintf(sub, sizeof sub, "%s/%s", runs_dir, e->d_name) >= (int)sizeof sub) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            RunSummary *nl = realloc(list, (size_t)cap * sizeof *list);
            if (!nl) break;
            list = nl;
        }
        /* Folders without a readable summary (not runs, or being created) are skipped. */
        if (run_summary_load(sub, &list[n], ignored, sizeof ignored) == 0) {
            snprintf(list[n].run, sizeof list[n].run, "%s", e->d_name);
            n++;
        }
    }
    closedir(d);
    if (n > 1) qsort(list, (size_t)n, sizeof *list, by_time);
    if (n == 0) {
        free(list);
        list = NULL;
    }
    *out = list;
    return n;
}

