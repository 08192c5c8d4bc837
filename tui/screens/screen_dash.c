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
#include "screens/dash.h"
#include "kernels/tensor.h"

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

static void dash_free(App *a) {
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
    while (n < s->n_steps && dash_step_time(s, n) <= v->play_t) n++;
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
    if (trainer_notes(t)[0])
        app_message(a, 0, "training %s; note: %.*s", d->live.dir, (int)strcspn(trainer_notes(t), "\n"), trainer_notes(t));
    else
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

/* Pause, resume, stop and save go to a live trainer; pause and resume also
 * drive a replay. */
static int command_action(App *a, struct Dash *d, int act) {
    View *v = d->cur;
    if (v->src == SRC_LIVE && d->trainer && !d->trainer_done) {
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
}

/* Replay controls: play/pause (a finished live run becomes a replay) and speed. */
static int replay_action(App *a, struct Dash *d, int act) {
    View *v = d->cur;
    if (act == ACT_SPEED) {
        v->speed = v->speed == 1 ? 10 : v->speed == 10 ? 0 : 1;
        if (v->speed == 0) v->playing = 0, v->follow = 1;
        app_message(a, 0, "replay speed %s", v->speed == 0 ? "instant" : v->speed == 1 ? "1x" : "10x");
        return F_REDRAW;
    }
    int live = v->src == SRC_LIVE && d->trainer && !d->trainer_done;
    if (v->src == SRC_LIVE && !live) v->src = SRC_REPLAY, v->speed = 10;
    if (v->src != SRC_REPLAY) return F_REDRAW;
    v->playing = !v->playing;
    v->last_tick = now_seconds();
    if (v->playing && v->speed <= 0) v->speed = 10;
    if (v->playing && v->follow) v->follow = 0, v->cursor = 0, v->play_t = 0;
    return F_REDRAW;
}

/* The explanation panel: which sample, which attention layer and head, tokens or matrix. */
static int explain_action(App *a, struct Dash *d, int act) {
    const ExplainSet *x = dash_explain_at(&d->cur->rs, dash_cursor_step(d->cur));
    if (act == ACT_PREV_SAMPLE) {
        d->sample--;
        if (d->sample < 0) d->sample = x ? x->n - 1 : 0;
    } else if (act == ACT_NEXT_SAMPLE) {
        d->sample = x && d->sample + 1 < x->n ? d->sample + 1 : 0;
    } else if (act == ACT_MATRIX) {
        d->matrix = !d->matrix;
    } else if (act == ACT_WORDS) {
        d->words = !d->words;
        app_message(a, 0, "%s", d->words ? "word pieces joined into words" : "word pieces shown apart");
    } else {
        const ExplainSample *e = x && d->sample < x->n ? &x->samples[d->sample] : NULL;
        if (!e || e->layers <= 0) {
            app_message(a, 1, "no attention maps: %s", e ? "this model is explained by saliency" : "no sample yet");
            return F_REDRAW;
        }
        int *sel = act == ACT_LAYER ? &d->layer : &d->head, lim = act == ACT_LAYER ? e->layers : e->heads;
        *sel = *sel + 1 >= lim ? -1 : *sel + 1;
    }
    return F_REDRAW;
}

static int open_learn(App *a, const View *v) {
    Config c;
    char path[RUN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/config.yaml", v->dir);
    /* Only explained, never trained: a saved config that no longer reads
     * well still names its architecture, else the summary does. */
    if (config_read(&c, &(ConfigSource){.file = path, .flags = CONFIG_NO_CHECKS}, NULL)) {
        int arch = arch_from_name(v->rs.arch);
        if (arch >= 0) c.model_arch = arch;
    }
    learn_open(a, &c);
    config_free(&c);
    return F_REDRAW;
}

static int dash_action(App *a, int act) {
    struct Dash *d = a->dash;
    if (!d || !d->cur) return -1;
    switch (act) {
    case ACT_PAUSE:
    case ACT_RESUME:
    case ACT_STOP:
    case ACT_SAVE_NOW: return command_action(a, d, act);
    case ACT_PLAY:
    case ACT_SPEED: return replay_action(a, d, act);
    case ACT_PREV_SAMPLE:
    case ACT_NEXT_SAMPLE:
    case ACT_LAYER:
    case ACT_HEAD:
    case ACT_MATRIX:
    case ACT_WORDS: return explain_action(a, d, act);
    case ACT_TRY:
        try_open(a, d->cur->dir);
        return F_REDRAW;
    case ACT_LEARN: return open_learn(a, d->cur);
    default: return dash_cursor_action(d->cur, act);
    }
}

const ScreenOps screen_dash = {"Dashboard", dash_draw, dash_action, NULL, dash_tick, dash_free};

int dash_footer_rank(const App *a, int act) {
    const struct Dash *d = a->dash;
    if (!d || !d->cur) return 1;
    const View *v = d->cur;
    int training = v->src == SRC_LIVE && d->trainer && !d->trainer_done;
    /* A finished live run plays back like a replay (replay_action). */
    int replay = v->src == SRC_REPLAY || (v->src == SRC_LIVE && !training);
    switch (act) {
    case ACT_PAUSE:
    case ACT_RESUME:
    case ACT_STOP:
    case ACT_SAVE_NOW: return training ? 0 : -1;
    case ACT_PLAY:
    case ACT_SPEED: return replay ? 0 : -1;
    default: return 1;
    }
}
