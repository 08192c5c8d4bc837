/* The step cursor: one step decides what every dashboard panel shows, and
 * the keys that move it. */
#include <limits.h>
#include <math.h>

#include "screens/dash.h"

int dash_cursor_step(const View *v) { return v->follow ? INT_MAX : v->cursor; }

int dash_steps_upto(const RunState *s, int step) {
    int lo = 0, hi = s->n_steps;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (s->steps[mid].step <= step) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

int dash_evals_upto(const RunState *s, int step) {
    int n = 0;
    while (n < s->n_evals && s->evals[n].step <= step) n++;
    return n;
}

const ExplainSet *dash_explain_at(const RunState *s, int step) {
    const ExplainSet *x = NULL;
    for (int i = 0; i < s->n_explains; i++)
        if (s->explains[i].step <= step) x = &s->explains[i];
    return x;
}

/* Replay time of step i: its elapsed seconds, or a steady pace when the log has none. */
double dash_step_time(const RunState *s, int i) {
    double t = s->steps[i].elapsed;
    return isfinite(t) ? t : i * 0.05;
}

void dash_cursor_set(View *v, int step) {
    v->follow = 0;
    v->playing = 0;
    v->cursor = step;
    const RunState *s = &v->rs;
    if (s->n_steps && step >= s->steps[s->n_steps - 1].step && s->status != RUN_RUNNING && s->status != RUN_PAUSED)
        v->follow = 1;
    int n = dash_steps_upto(s, step);
    v->play_t = n > 0 ? dash_step_time(s, n - 1) : 0;
}

/* The evaluation after (or before) the cursor; from the end, the cursor sits
 * on the last step, not beyond it. */
static void move_to_eval(View *v, int next) {
    const RunState *s = &v->rs;
    int cur = v->follow && s->n_steps ? s->steps[s->n_steps - 1].step : dash_cursor_step(v), target = -1;
    if (next) {
        for (int i = 0; i < s->n_evals && target < 0; i++)
            if (s->evals[i].step > cur) target = s->evals[i].step;
        if (target < 0) target = s->evals[s->n_evals - 1].step;
    } else {
        for (int i = s->n_evals - 1; i >= 0 && target < 0; i--)
            if (s->evals[i].step < cur) target = s->evals[i].step;
        if (target < 0) target = s->evals[0].step;
    }
    dash_cursor_set(v, target);
}

/* A fiftieth of the run back or forward. */
static void move_by_steps(View *v, int right) {
    const RunState *s = &v->rs;
    int n = dash_steps_upto(s, dash_cursor_step(v)), jump = s->n_steps / 50 > 1 ? s->n_steps / 50 : 1;
    n += right ? jump : -jump;
    if (n < 1) n = 1;
    if (n > s->n_steps) n = s->n_steps;
    dash_cursor_set(v, s->steps[n - 1].step);
}

int dash_cursor_action(View *v, int act) {
    const RunState *s = &v->rs;
    switch (act) {
    case ACT_PREV_EVAL:
    case ACT_NEXT_EVAL:
        if (s->n_evals) move_to_eval(v, act == ACT_NEXT_EVAL);
        return F_REDRAW;
    case ACT_CURSOR_LEFT:
    case ACT_CURSOR_RIGHT:
        if (s->n_steps) move_by_steps(v, act == ACT_CURSOR_RIGHT);
        return F_REDRAW;
    case ACT_TOP:
        dash_cursor_set(v, s->n_steps ? s->steps[0].step : 0);
        return F_REDRAW;
    case ACT_BOTTOM:
        v->follow = 1;
        v->playing = 0;
        return F_REDRAW;
    default:
        return -1;
    }
}
