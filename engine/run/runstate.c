/* RunState from event lines. Every consumer (live dashboard, watch, replay,
 * compare) goes through runstate_apply_line, so a line means the same thing
 * wherever it comes from. A bad line is counted and skipped: a run log that a
 * crash cut short must still open. */
#include "run/runstate.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "common/safe_open.h"

void runstate_init(RunState *s) {
    memset(s, 0, sizeof *s);
    s->best_eval = -1;
    s->status = RUN_NEW;
}

static void explain_sample_free(ExplainSample *e) {
    for (int i = 0; i < e->len; i++) free(e->tokens[i]);
    free(e->tokens);
    free(e->weight);
    free(e->attn);
}

static void explain_set_free(ExplainSet *x) {
    for (int i = 0; i < x->n; i++) explain_sample_free(&x->samples[i]);
    free(x->samples);
    x->samples = NULL;
    x->n = 0;
}

void runstate_free(RunState *s) {
    free(s->steps);
    free(s->evals);
    for (int i = 0; i < s->n_explains; i++) explain_set_free(&s->explains[i]);
    free(s->explains);
    runstate_init(s);
}

const char *run_status_name(RunStatus st) {
    switch (st) {
    case RUN_NEW: return "new";
    case RUN_RUNNING: return "running";
    case RUN_PAUSED: return "paused";
    case RUN_FINISHED: return "finished";
    case RUN_STOPPED: return "stopped";
    case RUN_FAILED: return "failed";
    case RUN_CRASHED: return "crashed";
    }
    return "unknown";
}

/* Grows an array of elements of size sz so that it holds at least need. */
static int grow(void **p, int *cap, int need, size_t sz) {
    if (need <= *cap) return 0;
    int nc = *cap ? *cap * 2 : 64;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * sz);
    if (!q) return -1;
    *p = q;
    *cap = nc;
    return 0;
}

/* JSON has no NaN: a writer puts null there, which reads back as NaN. */
static float num(const json_t *o, const char *key) {
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? (float)json_number_value(v) : NAN;
}

/* A number no long holds (1e30) reads as def: casting it would be undefined. */
static long to_long(double d, long def) { return d >= (double)LONG_MIN && d < (double)LONG_MAX ? (long)d : def; }

static long lnum(const json_t *o, const char *key, long def) {
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? to_long(json_number_value(v), def) : def;
}

static void copy_str(char *dst, size_t n, const json_t *o, const char *key) {
    const char *v = json_string_value(json_object_get(o, key));
    if (v) snprintf(dst, n, "%s", v);
}

static int apply_start(RunState *s, const json_t *o) {
    copy_str(s->run, sizeof s->run, o, "run");
    copy_str(s->arch, sizeof s->arch, o, "arch");
    s->params = lnum(o, "params", s->params);
    s->epochs = (int)lnum(o, "epochs", s->epochs);
    s->steps_per_epoch = (int)lnum(o, "steps_per_epoch", s->steps_per_epoch);
    s->total_steps = (int)lnum(o, "total_steps", s->total_steps);
    s->train_size = lnum(o, "train_size", s->train_size);
    s->val_size = lnum(o, "val_size", s->val_size);
    s->test_size = lnum(o, "test_size", s->test_size);
    s->batch_size = (int)lnum(o, "batch_size", s->batch_size);
    s->max_len = (int)lnum(o, "max_len", s->max_len);
    s->status = RUN_RUNNING;
    s->reason[0] = 0;
    /* A resumed run restarts at its checkpoint: whatever the killed process
     * logged after that step is replaced by what the resumed one logs. */
    long from = lnum(o, "resumed_from_step", -1);
    if (from >= 0) {
        while (s->n_steps && s->steps[s->n_steps - 1].step > from) s->n_steps--;
        while (s->n_evals && s->evals[s->n_evals - 1].step > from) s->n_evals--;
        while (s->n_explains && s->explains[s->n_explains - 1].step > from)
            explain_set_free(&s->explains[--s->n_explains]);
        if (s->best_eval >= s->n_evals) {
            s->best_eval = -1;
            for (int i = 0; i < s->n_evals; i++)
                if (s->evals[i].best) s->best_eval = i;
        }
    }
    return 0;
}

static int apply_step(RunState *s, const json_t *o) {
    if (!json_is_number(json_object_get(o, "step"))) return -1;
    if (grow((void **)&s->steps, &s->cap_steps, s->n_steps + 1, sizeof *s->steps)) return -1;
    StepPoint *p = &s->steps[s->n_steps++];
    p->step = (int)lnum(o, "step", 0);
    p->epoch = num(o, "epoch");
    p->loss = num(o, "loss");
    p->lr = num(o, "lr");
    p->grad_norm = num(o, "grad_norm");
    p->tokens_per_s = num(o, "tokens_per_s");
    p->elapsed = num(o, "elapsed");
    if (isfinite(p->elapsed) && p->elapsed > s->elapsed) s->elapsed = p->elapsed;
    if (s->status == RUN_NEW) s->status = RUN_RUNNING;
    return 0;
}

static int read_confusion(const json_t *o, long c[2][2]) {
    memset(c, 0, sizeof(long[2][2]));
    const json_t *m = json_object_get(o, "confusion");
    if (!json_is_array(m)) return 0;
    if (json_array_size(m) != 2) return -1;
    for (int i = 0; i < 2; i++) {
        const json_t *row = json_array_get(m, (size_t)i);
        if (!json_is_array(row) || json_array_size(row) != 2) return -1;
        for (int j = 0; j < 2; j++) {
            const json_t *v = json_array_get(row, (size_t)j);
            if (!json_is_number(v)) return -1;
            c[i][j] = to_long(json_number_value(v), 0);
        }
    }
    return 0;
}

static int apply_eval(RunState *s, const json_t *o) {
    if (!json_is_number(json_object_get(o, "step"))) return -1;
    EvalPoint e;
    memset(&e, 0, sizeof e);
    e.step = (int)lnum(o, "step", 0);
    e.epoch = num(o, "epoch");
    e.loss = num(o, "loss");
    e.accuracy = num(o, "accuracy");
    e.precision = num(o, "precision");
    e.recall = num(o, "recall");
    e.f1 = num(o, "f1");
    e.f1_macro = num(o, "f1_macro");
    e.f1_weighted = num(o, "f1_weighted");
    if (read_confusion(o, e.confusion)) return -1;
    const json_t *best = json_object_get(o, "best");
    e.best = json_is_true(best);
    const char *split = json_string_value(json_object_get(o, "split"));
    if (split && !strcmp(split, "test")) {
        s->test = e;
        s->has_test = 1;
        return 0;
    }
    if (grow((void **)&s->evals, &s->cap_evals, s->n_evals + 1, sizeof *s->evals)) return -1;
    s->evals[s->n_evals] = e;
    /* Without the flag (older or hand-written logs) the best is the most accurate. */
    if (best ? e.best
             : (s->best_eval < 0 || e.accuracy > s->evals[s->best_eval].accuracy))
        s->best_eval = s->n_evals;
    s->n_evals++;
    return 0;
}

static int read_sample(ExplainSample *x, const json_t *o) {
    memset(x, 0, sizeof *x);
    if (!json_is_object(o)) return -1;
    x->index = (int)lnum(o, "index", 0);
    x->label = (int)lnum(o, "label", -1);
    x->pred = (int)lnum(o, "pred", -1);
    x->prob = num(o, "prob");
    copy_str(x->method, sizeof x->method, o, "method");
    const json_t *tok = json_object_get(o, "tokens"), *w = json_object_get(o, "weight");
    if (!json_is_array(tok)) return -1;
    int n = (int)json_array_size(tok);
    if (json_is_array(w) && (int)json_array_size(w) != n) return -1;
    x->tokens = calloc((size_t)n + 1, sizeof *x->tokens);
    x->weight = calloc((size_t)n + 1, sizeof *x->weight);
    if (!x->tokens || !x->weight) return -1;
    for (int i = 0; i < n; i++) {
        const char *t = json_string_value(json_array_get(tok, (size_t)i));
        x->tokens[i] = strdup(t ? t : "?");
        if (!x->tokens[i]) return -1;
        x->len = i + 1;
        const json_t *v = json_array_get(w, (size_t)i);
        x->weight[i] = json_is_number(v) ? (float)json_number_value(v) : 0.0f;
    }
    x->layers = (int)lnum(o, "layers", 0);
    x->heads = (int)lnum(o, "heads", 0);
    const json_t *a = json_object_get(o, "attn");
    if (json_is_array(a) && x->layers > 0 && x->heads > 0 && n > 0) {
        size_t need;
        /* Huge layers x heads could wrap around to the array's size and pass. */
        if (__builtin_mul_overflow((size_t)x->layers * (size_t)x->heads, (size_t)n * (size_t)n, &need) ||
            json_array_size(a) != need)
            return -1;
        x->attn = malloc(need * sizeof *x->attn);
        if (!x->attn) return -1;
        for (size_t i = 0; i < need; i++) {
            const json_t *v = json_array_get(a, i);
            x->attn[i] = json_is_number(v) ? (float)json_number_value(v) : 0.0f;
        }
    } else {
        x->layers = x->heads = 0;
    }
    return 0;
}

static int apply_explain(RunState *s, const json_t *o) {
    const json_t *arr = json_object_get(o, "samples");
    if (!json_is_number(json_object_get(o, "step")) || !json_is_array(arr)) return -1;
    ExplainSet set = {.step = (int)lnum(o, "step", 0), .n = 0, .samples = NULL};
    size_t n = json_array_size(arr);
    set.samples = calloc(n ? n : 1, sizeof *set.samples);
    if (!set.samples) return -1;
    for (size_t i = 0; i < n; i++) {
        int rc = read_sample(&set.samples[i], json_array_get(arr, i));
        set.n = (int)i + 1;
        if (rc) {
            explain_set_free(&set);
            return -1;
        }
    }
    if (grow((void **)&s->explains, &s->cap_explains, s->n_explains + 1, sizeof *s->explains)) {
        explain_set_free(&set);
        return -1;
    }
    s->explains[s->n_explains++] = set;
    return 0;
}

static int apply_object(RunState *s, const json_t *o) {
    const char *type = json_string_value(json_object_get(o, "type"));
    if (!type) return -1;
    if (!strcmp(type, "start")) return apply_start(s, o);
    if (!strcmp(type, "step")) return apply_step(s, o);
    if (!strcmp(type, "eval")) return apply_eval(s, o);
    if (!strcmp(type, "explain")) return apply_explain(s, o);
    if (!strcmp(type, "pretrain")) {
        double done = num(o, "done"), total = num(o, "total");
        if (!isfinite(done) || !isfinite(total) || total < 0) return -1;
        s->pretrain_done = to_long(done, 0);
        s->pretrain_total = to_long(total, 0);
        if (json_object_get(o, "loss")) s->pretrain_loss = num(o, "loss");
        if (json_object_get(o, "elapsed")) s->pretrain_elapsed = num(o, "elapsed");
        s->pretrain_final = json_is_true(json_object_get(o, "final"));
        s->pretrain_cached = json_is_true(json_object_get(o, "cached"));
        return 0;
    }
    if (!strcmp(type, "state")) {
        const char *st = json_string_value(json_object_get(o, "state"));
        if (!st) return -1;
        if (!strcmp(st, "paused")) s->status = RUN_PAUSED;
        else if (!strcmp(st, "running")) s->status = RUN_RUNNING;
        else return -1;
        return 0;
    }
    if (!strcmp(type, "done")) {
        const char *st = json_string_value(json_object_get(o, "status"));
        s->status = st && !strcmp(st, "stopped") ? RUN_STOPPED : RUN_FINISHED;
        float el = num(o, "elapsed");
        if (isfinite(el) && el > s->elapsed) s->elapsed = el;
        return 0;
    }
    if (!strcmp(type, "failed")) {
        s->status = RUN_FAILED;
        copy_str(s->reason, sizeof s->reason, o, "reason");
        return 0;
    }
    /* checkpoint and any later event kinds carry nothing a dashboard draws. */
    return 0;
}

int runstate_apply_line(RunState *s, const char *line, size_t len) {
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
    json_error_t jerr;
    json_t *o = json_loadb(line, len, 0, &jerr);
    int rc = -1;
    if (json_is_object(o)) rc = apply_object(s, o);
    json_decref(o);
    if (rc) s->lines_bad++;
    else s->lines_applied++;
    return rc;
}

long runstate_follow_file(RunState *s, const char *path, long offset) {
    FILE *f = safe_fopen_read(path, SAFE_IN_FOLDER, NULL, 0);
    if (!f) return -1;
    if (offset > 0 && fseek(f, offset, SEEK_SET)) {
        fclose(f);
        return offset;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long pos = offset;
    while ((n = getline(&line, &cap, f)) > 0) {
        /* No newline yet: the writer is mid-line (or died there). */
        if (line[n - 1] != '\n') break;
        pos += n;
        size_t k = (size_t)n;
        while (k && (line[k - 1] == '\n' || line[k - 1] == '\r')) k--;
        if (k) runstate_apply_line(s, line, k);
    }
    free(line);
    fclose(f);
    return pos;
}

int runstate_load_file(RunState *s, const char *path) {
    return runstate_follow_file(s, path, 0) < 0 ? -1 : 0;
}

void smooth_ema(const float *in, float *out, int n, float alpha) {
    if (!(alpha >= 0.0f) || alpha >= 1.0f) alpha = 0.0f;
    double m = 0.0, decay = 1.0;
    for (int i = 0; i < n; i++) {
        float x = in[i];
        if (!isfinite(x)) {
            out[i] = NAN;
            continue;
        }
        m = alpha * m + (1.0 - alpha) * x;
        decay *= alpha;
        /* Dividing by (1 - alpha^k) removes the pull toward the zero start. */
        out[i] = (float)(m / (1.0 - decay));
    }
}
