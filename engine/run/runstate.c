/* RunState from event lines. Every consumer (live dashboard, watch, replay,
 * compare) goes through runstate_apply_line, so a line means the same thing
 * wherever it comes from. A bad line is counted and skipped: a run log that a
 * crash cut short must still open. */
#include "run/runstate.h"

#include "run/class_names.h"

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

static void explain_set_free(ExplainSet *x) {
    for (int i = 0; i < x->n; i++) explain_sample_free(&x->samples[i]);
    free(x->samples);
    x->samples = NULL;
    x->n = 0;
}

void runstate_free(RunState *s) {
    for (int i = 0; i < s->n_classes; i++) free(s->classes[i]);
    free(s->classes);
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

static void copy_str(char *dst, size_t n, const char *v) {
    if (v) snprintf(dst, n, "%s", v);
}

/* A resumed run restarts at its checkpoint: whatever the killed process
 * logged after that step is replaced by what the resumed one logs. */
static void cut_after(RunState *s, long from) {
    while (s->n_steps && s->steps[s->n_steps - 1].step > from) s->n_steps--;
    while (s->n_evals && s->evals[s->n_evals - 1].step > from) s->n_evals--;
    while (s->n_explains && s->explains[s->n_explains - 1].step > from) explain_set_free(&s->explains[--s->n_explains]);
    if (s->best_eval >= s->n_evals) {
        s->best_eval = -1;
        for (int i = 0; i < s->n_evals; i++)
            if (s->evals[i].best) s->best_eval = i;
    }
}

/* A count the line lacks keeps the value it had. */
#define KEEP(ev, field, dst) \
    if (EVENT_HAS(ev, start, field)) (dst) = ev->start.field

static int apply_start(RunState *s, const Event *ev) {
    copy_str(s->run, sizeof s->run, ev->start.run);
    copy_str(s->arch, sizeof s->arch, ev->start.arch);
    KEEP(ev, params, s->params);
    KEEP(ev, epochs, s->epochs);
    KEEP(ev, steps_per_epoch, s->steps_per_epoch);
    KEEP(ev, total_steps, s->total_steps);
    KEEP(ev, train_size, s->train_size);
    KEEP(ev, val_size, s->val_size);
    KEEP(ev, test_size, s->test_size);
    KEEP(ev, batch_size, s->batch_size);
    KEEP(ev, max_len, s->max_len);
    KEEP(ev, eval_limit, s->eval_limit);
    KEEP(ev, val_total, s->val_total);
    KEEP(ev, test_total, s->test_total);
    KEEP(ev, train_flops_per_token, s->train_flops_per_token);
    KEEP(ev, eval_flops_per_token, s->eval_flops_per_token);
    s->status = RUN_RUNNING;
    s->reason[0] = 0;
    ClassNames names;
    if (EVENT_HAS(ev, start, classes) && !s->classes && class_names_parse(&names, ev->start.classes) == 0) {
        s->classes = names.names;
        s->n_classes = names.n;
    }
    if (EVENT_HAS(ev, start, resumed_from_step) && ev->start.resumed_from_step >= 0)
        cut_after(s, ev->start.resumed_from_step);
    return 0;
}
#undef KEEP

static int apply_step(RunState *s, const StepEvent *e) {
    if (grow((void **)&s->steps, &s->cap_steps, s->n_steps + 1, sizeof *s->steps)) return -1;
    StepPoint *p = &s->steps[s->n_steps++];
    p->step = (int)e->step;
    p->epoch = (float)e->epoch;
    p->loss = (float)e->loss;
    p->lr = (float)e->lr;
    p->grad_norm = (float)e->grad_norm;
    p->tokens_per_s = (float)e->tokens_per_s;
    p->elapsed = (float)e->elapsed;
    if (isfinite(p->elapsed) && p->elapsed > s->elapsed) s->elapsed = p->elapsed;
    if (s->status == RUN_NEW) s->status = RUN_RUNNING;
    return 0;
}

static int apply_eval(RunState *s, const Event *ev) {
    const EvalEvent *v = &ev->eval;
    EvalPoint e;
    memset(&e, 0, sizeof e);
    e.step = (int)v->step;
    e.epoch = (float)v->epoch;
    e.loss = (float)v->loss;
    e.accuracy = (float)v->accuracy;
    e.precision = (float)v->precision;
    e.recall = (float)v->recall;
    e.f1 = (float)v->f1;
    e.f1_macro = (float)v->f1_macro;
    e.f1_weighted = (float)v->f1_weighted;
    e.confusion = v->confusion;
    if (e.confusion.n < 2) e.confusion.n = 2;
    e.best = v->best;
    e.wall_seconds = EVENT_HAS(ev, eval, wall_seconds) ? (float)v->wall_seconds : NAN;
    if (v->split && !strcmp(v->split, "test")) {
        s->test = e;
        s->has_test = 1;
        return 0;
    }
    if (grow((void **)&s->evals, &s->cap_evals, s->n_evals + 1, sizeof *s->evals)) return -1;
    s->evals[s->n_evals] = e;
    /* Without the flag (older or hand-written logs) the best is the most accurate. */
    if (EVENT_HAS(ev, eval, best) ? e.best
                                  : (s->best_eval < 0 || e.accuracy > s->evals[s->best_eval].accuracy))
        s->best_eval = s->n_evals;
    s->n_evals++;
    return 0;
}

/* Takes the event's samples. */
static int apply_explain(RunState *s, Event *ev) {
    ExplainSet set = {.step = (int)ev->explain.step, .n = ev->explain.samples.n, .samples = ev->explain.samples.v};
    ev->explain.samples = (ExplainSamples){0};
    if (grow((void **)&s->explains, &s->cap_explains, s->n_explains + 1, sizeof *s->explains)) {
        explain_set_free(&set);
        return -1;
    }
    s->explains[s->n_explains++] = set;
    return 0;
}

static int apply_pretrain(RunState *s, const Event *ev) {
    const PretrainEvent *p = &ev->pretrain;
    if (!EVENT_HAS(ev, pretrain, done) || !EVENT_HAS(ev, pretrain, total) || p->total < 0) return -1;
    s->pretrain_done = p->done;
    s->pretrain_total = p->total;
    if (EVENT_HAS(ev, pretrain, loss)) s->pretrain_loss = (float)p->loss;
    if (EVENT_HAS(ev, pretrain, elapsed)) s->pretrain_elapsed = (float)p->elapsed;
    s->pretrain_final = p->final;
    s->pretrain_cached = p->cached;
    return 0;
}

static int apply_phase(RunState *s, const Event *ev) {
    const PhaseEvent *p = &ev->phase;
    if (p->done < 0 || p->total < 0) return -1;
    if (p->done == 0 && !p->final) {
        copy_str(s->phase, sizeof s->phase, p->phase);
        s->phase_tokens = EVENT_HAS(ev, phase, tokens) ? p->tokens : 0;
        s->phase_flops = EVENT_HAS(ev, phase, flops) && isfinite(p->flops) ? p->flops : 0;
    }
    s->phase_done = p->done;
    s->phase_total = p->total;
    s->phase_elapsed = isfinite(p->elapsed) ? p->elapsed : 0;
    s->phase_final = p->final;
    return 0;
}

static int apply_state(RunState *s, const StateEvent *e) {
    if (!e->state) return -1;
    if (!strcmp(e->state, "paused")) s->status = RUN_PAUSED;
    else if (!strcmp(e->state, "running")) s->status = RUN_RUNNING;
    else return -1;
    return 0;
}

static int apply_event(RunState *s, Event *ev) {
    switch (ev->type) {
    case EV_START: return apply_start(s, ev);
    case EV_STEP: return apply_step(s, &ev->step);
    case EV_EVAL: return apply_eval(s, ev);
    case EV_EXPLAIN: return apply_explain(s, ev);
    case EV_PRETRAIN: return apply_pretrain(s, ev);
    case EV_PHASE: return apply_phase(s, ev);
    case EV_STATE: return apply_state(s, &ev->state);
    case EV_DONE: {
        const char *st = ev->done.status;
        s->status = st && !strcmp(st, "stopped") ? RUN_STOPPED : RUN_FINISHED;
        float el = (float)ev->done.elapsed;
        if (isfinite(el) && el > s->elapsed) s->elapsed = el;
        return 0;
    }
    case EV_FAILED:
        s->status = RUN_FAILED;
        copy_str(s->reason, sizeof s->reason, ev->failed.reason);
        return 0;
    default:
        /* checkpoint and any later event kinds carry nothing a dashboard draws. */
        return 0;
    }
}

int runstate_apply_line(RunState *s, const char *line, size_t len) {
    Event ev;
    int rc = event_decode(line, len, &ev);
    if (rc == 0) rc = apply_event(s, &ev);
    event_release(&ev);
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
