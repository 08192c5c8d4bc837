/* The dashboard: one run drawn from its RunState, whichever way the events
 * arrive (the trainer's queue, a file another process appends to, or a saved
 * log replayed at a pace). One step cursor decides what every panel shows:
 * the curves up to it, the confusion matrix and explanations of the last
 * evaluation before it. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_paths.h"
#include "screens/app.h"
#include "widgets/chart.h"
#include "widgets/heatmap.h"
#include "widgets/matrix.h"
#include "widgets/progress.h"
#include "run/runstate.h"
#include "kernels/tensor.h"
#include "run/train.h"

typedef enum { SRC_NONE, SRC_REPLAY, SRC_WATCH, SRC_LIVE } Source;

typedef struct View {
    RunState rs;
    Source src;
    char dir[RUN_PATH_MAX];
    long offset;          /* watch: bytes of events.jsonl applied */
    double next_poll;
    int follow;           /* cursor on the newest event */
    int cursor;           /* step shown when not following */
    int playing;
    double speed;         /* replay: 1, 10, or 0 for instant */
    double play_t;        /* replay clock, in run seconds */
    double last_tick;
    RunStatus file_status; /* watch: from the summary (crashed writers) */
} View;

struct Dash {
    View live, other;
    View *cur;
    Trainer *trainer;
    int trainer_done;
    int sample, layer, head, matrix; /* explanation panel; layer/head -1 = average */
    float *tmp;
    int tmp_cap;
};

static struct Dash *dash_get(App *a) {
    if (!a->dash) {
        a->dash = calloc(1, sizeof *a->dash);
        if (!a->dash) return NULL;
        runstate_init(&a->dash->live.rs);
        runstate_init(&a->dash->other.rs);
        a->dash->layer = a->dash->head = -1;
    }
    return a->dash;
}

static void view_reset(View *v) {
    runstate_free(&v->rs);
    memset(v, 0, sizeof *v);
    runstate_init(&v->rs);
}

void dash_free(App *a) {
    struct Dash *d = a->dash;
    if (!d) return;
    if (d->trainer) trainer_free(d->trainer);
    runstate_free(&d->live.rs);
    runstate_free(&d->other.rs);
    free(d->tmp);
    free(d);
    a->dash = NULL;
}

int dash_live(const App *a) { return a->dash && a->dash->trainer && !a->dash->trainer_done; }

/* ---- cursor ---- */

static int cursor_step(const View *v) { return v->follow ? INT_MAX : v->cursor; }

/* Points of a sorted-by-step array at or before the cursor. */
static int steps_upto(const RunState *s, int step) {
    int lo = 0, hi = s->n_steps;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->steps[mid].step <= step) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int evals_upto(const RunState *s, int step) {
    int n = 0;
    while (n < s->n_evals && s->evals[n].step <= step) n++;
    return n;
}

static const ExplainSet *explain_at(const RunState *s, int step) {
    const ExplainSet *x = NULL;
    for (int i = 0; i < s->n_explains; i++)
        if (s->explains[i].step <= step) x = &s->explains[i];
    return x;
}

/* Replay time of step i: its elapsed seconds, or a steady pace when the log has none. */
static double step_time(const RunState *s, int i) {
    double t = s->steps[i].elapsed;
    return isfinite(t) ? t : i * 0.05;
}

static void cursor_set(View *v, int step) {
    v->follow = 0;
    v->playing = 0;
    v->cursor = step;
    const RunState *s = &v->rs;
    if (s->n_steps && step >= s->steps[s->n_steps - 1].step && s->status != RUN_RUNNING && s->status != RUN_PAUSED)
        v->follow = 1;
    int n = steps_upto(s, step);
    v->play_t = n > 0 ? step_time(s, n - 1) : 0;
}

/* ---- sources ---- */

static void on_line(void *ctx, const char *line) { runstate_apply_line(ctx, line, strlen(line)); }

static int poll_live(struct Dash *d) {
    if (!d->trainer || d->trainer_done) return 0;
    long before = d->live.rs.lines_applied + d->live.rs.lines_bad;
    if (trainer_poll(d->trainer, 0, on_line, &d->live.rs) < 0) {
        trainer_join(d->trainer);
        const char *why = trainer_reason(d->trainer);
        if (why && *why && d->live.rs.status != RUN_FAILED && !d->live.rs.reason[0])
            snprintf(d->live.rs.reason, sizeof d->live.rs.reason, "%s", why);
        d->trainer_done = 1;
        /* The finished run is now a log like any other: it can be replayed. */
        d->live.src = SRC_REPLAY;
        d->live.speed = 10;
        return 1;
    }
    return d->live.rs.lines_applied + d->live.rs.lines_bad != before;
}

static int poll_watch(View *v, double now) {
    if (now < v->next_poll) return 0;
    v->next_poll = now + 0.2;
    char path[RUN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/events.jsonl", v->dir);
    long before = v->rs.lines_applied + v->rs.lines_bad;
    long off = runstate_follow_file(&v->rs, path, v->offset);
    if (off >= 0) v->offset = off;
    RunSummary sum;
    char err[256];
    if (run_summary_load(v->dir, &sum, err, sizeof err) == 0) v->file_status = sum.status;
    return v->rs.lines_applied + v->rs.lines_bad != before;
}

static int poll_replay(View *v, double now) {
    if (!v->playing) {
        v->last_tick = now;
        return 0;
    }
    double dt = now - v->last_tick;
    v->last_tick = now;
    const RunState *s = &v->rs;
    if (v->speed <= 0 || s->n_steps == 0) {
        v->playing = 0;
        v->follow = 1;
        return 1;
    }
    v->play_t += dt * v->speed;
    int n = 0;
    while (n < s->n_steps && step_time(s, n) <= v->play_t) n++;
    if (n >= s->n_steps) {
        v->playing = 0;
        v->follow = 1;
        return 1;
    }
    int step = n > 0 ? s->steps[n - 1].step : 0;
    int changed = step != v->cursor;
    v->cursor = step;
    v->follow = 0;
    return changed;
}

static int dash_tick(App *a, double now) {
    struct Dash *d = a->dash;
    if (!d) return 0;
    int changed = poll_live(d);
    if (d->cur == &d->other) {
        if (d->other.src == SRC_WATCH) changed |= poll_watch(&d->other, now);
        if (d->other.src == SRC_REPLAY) changed |= poll_replay(&d->other, now);
    } else if (d->cur == &d->live) {
        changed |= poll_replay(&d->live, now);
    }
    return changed ? F_REDRAW : 0;
}

int dash_open_run(App *a, const char *dir, int watch, double speed) {
    struct Dash *d = dash_get(a);
    if (!d) return -1;
    if (dash_live(a) && !strcmp(dir, d->live.dir)) {
        d->cur = &d->live;
        d->live.follow = 1;
        app_push(a, SCR_DASH);
        return 0;
    }
    View *v = &d->other;
    view_reset(v);
    snprintf(v->dir, sizeof v->dir, "%s", dir);
    char path[RUN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    if (watch) {
        long off = runstate_follow_file(&v->rs, path, 0);
        if (off < 0) {
            app_message(a, 1, "cannot read %s", path);
            return -1;
        }
        v->src = SRC_WATCH;
        v->offset = off;
        v->follow = 1;
        v->file_status = v->rs.status;
    } else {
        if (runstate_load_file(&v->rs, path)) {
            app_message(a, 1, "cannot read %s", path);
            return -1;
        }
        v->src = SRC_REPLAY;
        v->speed = speed;
        if (speed > 0 && v->rs.n_steps > 0) {
            v->playing = 1;
            v->follow = 0;
            v->cursor = v->rs.steps[0].step;
            v->play_t = 0;
            v->last_tick = now_seconds();
        } else {
            v->follow = 1;
        }
        if (v->rs.lines_bad)
            app_message(a, 1, "%ld malformed line%s skipped in events.jsonl", v->rs.lines_bad,
                        v->rs.lines_bad > 1 ? "s" : "");
    }
    d->cur = v;
    d->sample = 0;
    d->layer = d->head = -1;
    app_push(a, SCR_DASH);
    return 0;
}

int dash_start_training(App *a, const Config *cfg) {
    struct Dash *d = dash_get(a);
    if (!d) return -1;
    if (dash_live(a)) {
        app_message(a, 1, "a run is already training here; stop it first (s in its dashboard)");
        return -1;
    }
    if (d->trainer) {
        trainer_free(d->trainer);
        d->trainer = NULL;
    }
    Config c;
    config_copy(&c, cfg);
    char msg[256];
    const ConfigKey *k = config_find_key("train.runs_dir");
    if (k) config_set_text(&c, k, a->runs_dir, msg, sizeof msg);
    char err[512] = "";
    DataPaths paths = cli_data_paths();
    Trainer *t = trainer_start(&c, &paths, NULL, err, sizeof err);
    config_free(&c);
    if (!t) {
        app_message(a, 1, "cannot start: %s", err);
        return -1;
    }
    view_reset(&d->live);
    d->trainer = t;
    d->trainer_done = 0;
    snprintf(d->live.dir, sizeof d->live.dir, "%s", trainer_run_dir(t));
    d->live.src = SRC_LIVE;
    d->live.follow = 1;
    d->cur = &d->live;
    d->sample = 0;
    d->layer = d->head = -1;
    app_push(a, SCR_DASH);
    app_message(a, 0, "training %s", d->live.dir);
    return 0;
}

void dash_stop_and_wait(App *a) {
    struct Dash *d = a->dash;
    if (!d || !d->trainer) return;
    trainer_command(d->trainer, TRAIN_CMD_STOP);
    trainer_join(d->trainer);
    while (trainer_poll(d->trainer, 0.05, on_line, &d->live.rs) >= 0) {
    }
    d->trainer_done = 1;
}

/* ---- drawing ---- */

static float *scratch(struct Dash *d, int n) {
    if (n > d->tmp_cap) {
        float *p = realloc(d->tmp, (size_t)n * sizeof *p);
        if (!p) return NULL;
        d->tmp = p;
        d->tmp_cap = n;
    }
    return d->tmp;
}

static const char *source_name(Source s) {
    return s == SRC_LIVE ? "LIVE" : s == SRC_WATCH ? "WATCH" : s == SRC_REPLAY ? "REPLAY" : "";
}

static void draw_info(App *a, Grid *g, Rect r, View *v) {
    const RunState *s = &v->rs;
    char buf[256], p[32];
    RunStatus st = s->status;
    if (v->src == SRC_WATCH && v->file_status == RUN_CRASHED && st == RUN_RUNNING) st = RUN_CRASHED;
    int x = r.x;
    Style tag = {v->src == SRC_LIVE ? COL_GOOD : COL_ACCENT, COL_DEFAULT, ATTR_REVERSE | ATTR_BOLD};
    snprintf(buf, sizeof buf, " %s ", source_name(v->src));
    x += grid_text(g, x, r.y, r.w, buf, tag) + 1;
    const char *name = s->run[0] ? s->run : strrchr(v->dir, '/') ? strrchr(v->dir, '/') + 1 : v->dir;
    x += grid_text(g, x, r.y, r.w - (x - r.x), name, style(COL_TITLE, ATTR_BOLD)) + 2;
    format_si((double)s->params, p, sizeof p);
    snprintf(buf, sizeof buf, "%s  %s params", s->arch[0] ? s->arch : "?", p);
    x += grid_text(g, x, r.y, r.w - (x - r.x), buf, style(COL_TEXT, 0)) + 2;
    int bad = st == RUN_FAILED || st == RUN_CRASHED;
    Style ss = style(bad ? COL_BAD : st == RUN_RUNNING ? COL_GOOD : st == RUN_PAUSED ? COL_WARN : COL_TEXT, ATTR_BOLD);
    x += grid_text(g, x, r.y, r.w - (x - r.x), run_status_name(st), ss) + 2;
    if (s->reason[0]) x += grid_text(g, x, r.y, r.w - (x - r.x), s->reason, style(COL_BAD, 0)) + 2;
    /* Replay state on the right. */
    if (v->src == SRC_REPLAY || !v->follow) {
        char sp[16];
        if (v->speed > 0) snprintf(sp, sizeof sp, "%gx", v->speed);
        else snprintf(sp, sizeof sp, "instant");
        const char *play = v->playing ? (g->utf8 ? "\u25B6 playing" : "> playing") : (g->utf8 ? "\u2016 paused" : "|| paused");
        int ne = evals_upto(s, cursor_step(v));
        if (v->follow) snprintf(buf, sizeof buf, "%s  %s  cursor: end  eval %d/%d", sp, play, ne, s->n_evals);
        else snprintf(buf, sizeof buf, "%s  %s  cursor: step %d  eval %d/%d", sp, play, v->cursor, ne, s->n_evals);
        grid_text_right(g, r.x + r.w, r.y, r.w - (x - r.x), buf, style(COL_ACCENT, 0));
    }
    (void)a;
}

static void draw_progress(Grid *g, Rect r, const View *v) {
    const RunState *s = &v->rs;
    int n = steps_upto(s, cursor_step(v));
    const StepPoint *last = n ? &s->steps[n - 1] : NULL;
    int step = last ? last->step : 0;
    double frac = s->total_steps > 0 ? (double)step / s->total_steps : 0;
    if (s->status == RUN_FINISHED && v->follow) frac = 1;
    char eta[32] = "-", tok[32] = "-", text[256];
    if (last && n >= 2 && s->total_steps > step && (s->status == RUN_RUNNING || !v->follow)) {
        const StepPoint *first = &s->steps[n > 50 ? n - 50 : 0];
        double dt = last->elapsed - first->elapsed, ds = last->step - first->step;
        if (dt > 0 && ds > 0) format_duration((s->total_steps - step) * dt / ds, eta, sizeof eta);
    }
    if (last) format_si(last->tokens_per_s, tok, sizeof tok);
    double epoch = last && isfinite(last->epoch) ? last->epoch : 0;
    char el[32];
    format_duration(last ? last->elapsed : s->elapsed, el, sizeof el);
    if (!last && s->pretrain_total > 0 && !s->pretrain_final && s->status == RUN_RUNNING) {
        /* word2vec runs before the first step: show its pass instead of an idle bar */
        format_duration(s->pretrain_elapsed, el, sizeof el);
        snprintf(text, sizeof text, "learning word vectors (word2vec) %.0f%%  loss %.3f  %s elapsed",
                 100.0 * s->pretrain_done / s->pretrain_total, s->pretrain_loss, el);
        progress_draw(g, r, (double)s->pretrain_done / s->pretrain_total, text);
        return;
    }
    snprintf(text, sizeof text, "epoch %.2f/%d  step %d/%d  %s elapsed  ETA %s  %s tok/s", epoch, s->epochs, step,
             s->total_steps, el, eta, tok);
    progress_draw(g, r, frac, text);
}

static void draw_loss(App *a, Grid *g, Rect r, View *v) {
    struct Dash *d = a->dash;
    const RunState *s = &v->rs;
    int cur = cursor_step(v), n = steps_upto(s, cur), ne = evals_upto(s, cur);
    /* x, raw, smoothed for steps; x, loss for evals: one scratch block. */
    float *buf = scratch(d, 3 * n + 2 * ne + 1);
    if (!buf) return;
    float *x = buf, *raw = buf + n, *sm = buf + 2 * n, *ex = buf + 3 * n, *ey = buf + 3 * n + ne;
    for (int i = 0; i < n; i++) x[i] = (float)s->steps[i].step, raw[i] = s->steps[i].loss;
    smooth_ema(raw, sm, n, n > 200 ? 0.98f : n > 50 ? 0.9f : 0.6f);
    for (int i = 0; i < ne; i++) ex[i] = (float)s->evals[i].step, ey[i] = s->evals[i].loss;
    ChartSeries ser[3] = {
        {.x = x, .y = raw, .n = n, .color = COL_SERIES0, .faint = 1},
        {.name = "train (smoothed)", .x = x, .y = sm, .n = n, .color = COL_SERIES0},
        {.name = "val", .x = ex, .y = ey, .n = ne, .color = COL_SERIES1, .points = 1, .marker = 'o'},
    };
    ChartOpts o;
    chart_opts_default(&o);
    o.title = "Loss";
    o.xlabel = "step";
    o.xmin = 0;
    /* A replay keeps the whole run's axis, so the curve grows across it. */
    if (v->src == SRC_REPLAY && s->n_steps) o.xmax = s->steps[s->n_steps - 1].step;
    if (!v->follow) o.cursor_x = v->cursor;
    chart_draw(g, r, ser, 3, &o);
}

static void draw_accuracy(App *a, Grid *g, Rect r, View *v) {
    struct Dash *d = a->dash;
    const RunState *s = &v->rs;
    int ne = evals_upto(s, cursor_step(v));
    float *buf = scratch(d, 4 * ne + 2);
    if (!buf) return;
    float *x = buf, *acc = buf + ne, *f1 = buf + 2 * ne, *f1m = buf + 3 * ne;
    for (int i = 0; i < ne; i++) {
        x[i] = (float)s->evals[i].step;
        acc[i] = s->evals[i].accuracy;
        f1[i] = s->evals[i].f1;
        f1m[i] = s->evals[i].f1_macro;
    }
    float tx = ne ? x[ne - 1] : 0, ty = s->test.accuracy;
    int show_test = s->has_test && v->follow;
    ChartSeries ser[4] = {
        {.name = "acc", .x = x, .y = acc, .n = ne, .color = COL_SERIES2},
        {.name = "F1", .x = x, .y = f1, .n = ne, .color = COL_SERIES3},
        {.name = "macro F1", .x = x, .y = f1m, .n = ne, .color = COL_SERIES4, .faint = 1},
        {.name = "test", .x = &tx, .y = &ty, .n = show_test, .color = COL_SERIES5, .points = 1, .marker = 'T'},
    };
    ChartOpts o;
    chart_opts_default(&o);
    o.title = "Validation";
    o.xlabel = "step";
    o.xmin = 0;
    /* Both charts share the step axis, so their columns line up. */
    int n = v->src == SRC_REPLAY ? s->n_steps : steps_upto(s, cursor_step(v));
    if (n > 0) o.xmax = s->steps[n - 1].step;
    if (!v->follow) o.cursor_x = v->cursor;
    chart_draw(g, r, ser, show_test ? 4 : 3, &o);
}

static void draw_confusion(Grid *g, Rect r, const View *v) {
    const RunState *s = &v->rs;
    int ne = evals_upto(s, cursor_step(v));
    Rect in = grid_box(g, r, "Confusion matrix (validation)", style(COL_BORDER, 0));
    if (in.w <= 0 || in.h <= 0) return;
    static const char *const labels[2] = {"neg", "pos"};
    if (!ne) {
        long z[4] = {0, 0, 0, 0};
        matrix_draw(g, rect(in.x, in.y, in.w, in.h - 1), z, 2, labels);
        grid_text(g, in.x, in.y + in.h - 1, in.w, "waiting for the first evaluation", style(COL_DIM, 0));
        return;
    }
    const EvalPoint *e = &s->evals[ne - 1];
    long c[4] = {e->confusion[0][0], e->confusion[0][1], e->confusion[1][0], e->confusion[1][1]};
    matrix_draw(g, rect(in.x, in.y, in.w, in.h - 1), c, 2, labels);
    char buf[160];
    snprintf(buf, sizeof buf, "step %d  epoch %.2f  acc %.4f  F1 %.4f%s", e->step, e->epoch, e->accuracy, e->f1,
             e->best ? "  best" : "");
    grid_text(g, in.x, in.y + in.h - 1, in.w, buf, style(COL_TEXT, ATTR_BOLD));
}

static void draw_explain(App *a, Grid *g, Rect r, const View *v) {
    struct Dash *d = a->dash;
    const ExplainSet *x = explain_at(&v->rs, cursor_step(v));
    char title[96];
    snprintf(title, sizeof title, "%s", x && x->n && x->samples[0].attn ? "Attention" : "Token weights");
    Rect in = grid_box(g, r, title, style(COL_BORDER, 0));
    if (in.w <= 2 || in.h <= 2) return;
    if (!x || x->n == 0) {
        grid_text(g, in.x, in.y, in.w, "explanations arrive with each evaluation", style(COL_DIM, 0));
        return;
    }
    if (d->sample >= x->n) d->sample = x->n - 1;
    if (d->sample < 0) d->sample = 0;
    const ExplainSample *e = &x->samples[d->sample];
    const char *lab[2] = {"neg", "pos"};
    int ok = e->label == e->pred;
    char buf[256];
    snprintf(buf, sizeof buf, "sample %d/%d  true %s  pred %s  p(pos)=%.2f ", d->sample + 1, x->n,
             e->label == 1 ? lab[1] : lab[0], e->pred == 1 ? lab[1] : lab[0], e->prob);
    int w = grid_text(g, in.x, in.y, in.w, buf, style(COL_TEXT, ATTR_BOLD));
    grid_text(g, in.x + w, in.y, in.w - w, ok ? (g->utf8 ? "\u2713 right" : "right") : (g->utf8 ? "\u2717 wrong" : "wrong"),
              style(ok ? COL_GOOD : COL_BAD, ATTR_BOLD));
    /* Which weights are shown, and how they were computed. */
    const float *weights = e->weight;
    float *col = NULL;
    const float *map = NULL;
    if (e->attn && e->len > 0) {
        if (d->layer >= e->layers) d->layer = -1;
        if (d->head >= e->heads) d->head = -1;
        size_t L = (size_t)e->len * (size_t)e->len;
        float *avg = scratch(d, (int)(L + (size_t)e->len));
        if (avg) {
            memset(avg, 0, (L + (size_t)e->len) * sizeof *avg);
            int cnt = 0;
            for (int l = 0; l < e->layers; l++)
                for (int h = 0; h < e->heads; h++) {
                    if ((d->layer >= 0 && l != d->layer) || (d->head >= 0 && h != d->head)) continue;
                    const float *m = e->attn + ((size_t)l * e->heads + h) * L;
                    for (size_t i = 0; i < L; i++) avg[i] += m[i];
                    cnt++;
                }
            for (size_t i = 0; i < L && cnt; i++) avg[i] /= (float)cnt;
            map = avg;
            col = avg + L;
            /* Attention each token receives, averaged over the queries. */
            for (int q = 0; q < e->len; q++)
                for (int k = 0; k < e->len; k++) col[k] += avg[(size_t)q * e->len + k] / (float)e->len;
            if (d->layer >= 0 || d->head >= 0) weights = col;
        }
        char ls[16], hs[16];
        if (d->layer >= 0) snprintf(ls, sizeof ls, "%d/%d", d->layer + 1, e->layers);
        else snprintf(ls, sizeof ls, "avg of %d", e->layers);
        if (d->head >= 0) snprintf(hs, sizeof hs, "%d/%d", d->head + 1, e->heads);
        else snprintf(hs, sizeof hs, "avg of %d", e->heads);
        snprintf(buf, sizeof buf, "layer %s  head %s  (L, H)  view: %s (m)", ls, hs, d->matrix ? "matrix" : "tokens");
        grid_text(g, in.x, in.y + 1, in.w, buf, style(COL_ACCENT, 0));
        if (d->layer >= 0 || d->head >= 0)
            snprintf(buf, sizeof buf, "weight = attention received, mean over queries");
        else
            snprintf(buf, sizeof buf, "weight = %s", e->method[0] ? e->method : "attention received");
    } else {
        snprintf(buf, sizeof buf, "weight = %s", e->method[0] ? e->method : "saliency |grad x input|");
        grid_text(g, in.x, in.y + 1, in.w, "saliency (recurrent model: no attention maps)", style(COL_ACCENT, 0));
    }
    grid_text(g, in.x, in.y + 2, in.w, buf, style(COL_DIM, 0));
    Rect body = rect(in.x, in.y + 4, in.w, in.h - 4);
    if (d->matrix && map) heatmap_matrix(g, body, map, e->len, e->len, e->tokens);
    else {
        int shown = heatmap_tokens(g, body, e->tokens, weights, e->len);
        if (shown < e->len) {
            snprintf(buf, sizeof buf, "... %d more tokens", e->len - shown);
            grid_text_right(g, in.x + in.w, in.y + 3, in.w, buf, style(COL_DIM, 0));
        }
    }
}

static void dash_draw(App *a, Grid *g, Rect body) {
    struct Dash *d = a->dash;
    if (!d || !d->cur) {
        grid_text(g, body.x + 2, body.y + 1, body.w - 4, "no run open", style(COL_DIM, 0));
        return;
    }
    View *v = d->cur;
    draw_info(a, g, rect(body.x + 1, body.y, body.w - 2, 1), v);
    draw_progress(g, rect(body.x + 1, body.y + 1, body.w - 2, 1), v);
    Rect main = rect(body.x, body.y + 3, body.w, body.h - 3), left, right;
    rect_split_cols(main, main.w * 11 / 20, 1, &left, &right);
    Rect top, bottom;
    rect_split_rows(rect(left.x + 1, left.y, left.w - 1, left.h), left.h / 2, 1, &top, &bottom);
    draw_loss(a, g, top, v);
    draw_accuracy(a, g, bottom, v);
    Rect cm, ex;
    rect_split_rows(right, 8, 0, &cm, &ex);
    draw_confusion(g, cm, v);
    draw_explain(a, g, ex, v);
}

static int dash_action(App *a, int act) {
    struct Dash *d = a->dash;
    if (!d || !d->cur) return -1;
    View *v = d->cur;
    const RunState *s = &v->rs;
    int live = v->src == SRC_LIVE && d->trainer && !d->trainer_done;
    switch (act) {
    case ACT_PAUSE:
    case ACT_RESUME:
    case ACT_STOP:
    case ACT_SAVE_NOW:
        if (live) {
            TrainCmd c = act == ACT_PAUSE ? TRAIN_CMD_PAUSE : act == ACT_RESUME ? TRAIN_CMD_RESUME
                         : act == ACT_STOP ? TRAIN_CMD_STOP : TRAIN_CMD_SAVE;
            trainer_command(d->trainer, c);
            app_message(a, 0, "%s sent", train_cmd_name(c));
        } else if (v->src == SRC_REPLAY && (act == ACT_PAUSE || act == ACT_RESUME)) {
            v->playing = act == ACT_RESUME;
            v->last_tick = now_seconds();
            if (v->playing && v->follow) v->follow = 0, v->cursor = 0, v->play_t = 0;
        } else if (v->src == SRC_WATCH) {
            app_message(a, 1, "watching: the process writing this run takes the commands");
        } else {
            app_message(a, 1, "this run is not training");
        }
        return F_REDRAW;
    case ACT_PLAY:
        if (v->src == SRC_LIVE && !live) v->src = SRC_REPLAY, v->speed = 10;
        if (v->src != SRC_REPLAY) return F_REDRAW;
        v->playing = !v->playing;
        v->last_tick = now_seconds();
        if (v->playing && v->speed <= 0) v->speed = 10;
        if (v->playing && v->follow) v->follow = 0, v->cursor = 0, v->play_t = 0;
        return F_REDRAW;
    case ACT_SPEED:
        v->speed = v->speed == 1 ? 10 : v->speed == 10 ? 0 : 1;
        if (v->speed == 0) v->playing = 0, v->follow = 1;
        app_message(a, 0, "replay speed %s", v->speed == 0 ? "instant" : v->speed == 1 ? "1x" : "10x");
        return F_REDRAW;
    case ACT_PREV_EVAL:
    case ACT_NEXT_EVAL: {
        if (!s->n_evals) return F_REDRAW;
        /* From the end, the cursor sits on the last step, not beyond it. */
        int cur = v->follow && s->n_steps ? s->steps[s->n_steps - 1].step : cursor_step(v), target = -1;
        if (act == ACT_NEXT_EVAL) {
            for (int i = 0; i < s->n_evals && target < 0; i++)
                if (s->evals[i].step > cur) target = s->evals[i].step;
            if (target < 0) target = s->evals[s->n_evals - 1].step;
        } else {
            for (int i = s->n_evals - 1; i >= 0 && target < 0; i--)
                if (s->evals[i].step < cur) target = s->evals[i].step;
            if (target < 0) target = s->evals[0].step;
        }
        cursor_set(v, target);
        return F_REDRAW;
    }
    case ACT_CURSOR_LEFT:
    case ACT_CURSOR_RIGHT: {
        if (!s->n_steps) return F_REDRAW;
        int n = steps_upto(s, cursor_step(v)), jump = s->n_steps / 50 > 1 ? s->n_steps / 50 : 1;
        n += act == ACT_CURSOR_RIGHT ? jump : -jump;
        if (n < 1) n = 1;
        if (n > s->n_steps) n = s->n_steps;
        cursor_set(v, s->steps[n - 1].step);
        return F_REDRAW;
    }
    case ACT_TOP:
        cursor_set(v, s->n_steps ? s->steps[0].step : 0);
        return F_REDRAW;
    case ACT_BOTTOM:
        v->follow = 1;
        v->playing = 0;
        return F_REDRAW;
    case ACT_PREV_SAMPLE:
        d->sample--;
        if (d->sample < 0) {
            const ExplainSet *x = explain_at(s, cursor_step(v));
            d->sample = x ? x->n - 1 : 0;
        }
        return F_REDRAW;
    case ACT_NEXT_SAMPLE: {
        const ExplainSet *x = explain_at(s, cursor_step(v));
        d->sample = x && d->sample + 1 < x->n ? d->sample + 1 : 0;
        return F_REDRAW;
    }
    case ACT_LAYER:
    case ACT_HEAD: {
        const ExplainSet *x = explain_at(s, cursor_step(v));
        const ExplainSample *e = x && d->sample < x->n ? &x->samples[d->sample] : NULL;
        if (!e || !e->attn) {
            app_message(a, 1, "no attention maps: %s", e ? "this model is explained by saliency" : "no sample yet");
            return F_REDRAW;
        }
        int *sel = act == ACT_LAYER ? &d->layer : &d->head, lim = act == ACT_LAYER ? e->layers : e->heads;
        *sel = *sel + 1 >= lim ? -1 : *sel + 1;
        return F_REDRAW;
    }
    case ACT_MATRIX:
        d->matrix = !d->matrix;
        return F_REDRAW;
    case ACT_TRY:
        return try_open(a, v->dir) ? F_REDRAW : F_REDRAW;
    case ACT_LEARN: {
        Config c;
        config_defaults(&c);
        char path[RUN_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/config.yaml", v->dir);
        ConfigErrors errs = {0};
        if (config_load_file(&c, path, &errs)) {
            int arch = arch_from_name(s->arch);
            if (arch >= 0) c.model_arch = arch;
        }
        config_errors_free(&errs);
        learn_open(a, &c);
        config_free(&c);
        return F_REDRAW;
    }
    default:
        return -1;
    }
}

const ScreenOps screen_dash = {"Dashboard", dash_draw, dash_action, NULL, dash_tick};
