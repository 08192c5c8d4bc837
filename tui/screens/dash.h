/* The dashboard's state, shared by its three files: screen_dash.c (sources,
 * opening runs, keys), dash_cursor.c (the step cursor every panel follows)
 * and dash_draw.c (the panels). */
#ifndef SENTUI_DASH_H
#define SENTUI_DASH_H

#include "screens/app.h"
#include "run/runstate.h"
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
    int words;                       /* word pieces joined into words */
    float *tmp;
    int tmp_cap;
};

/* dash_cursor.c */
/* The step shown: INT_MAX while following the newest event. */
int dash_cursor_step(const View *v);
/* Points of a sorted-by-step array at or before step. */
int dash_steps_upto(const RunState *s, int step);
int dash_evals_upto(const RunState *s, int step);
const ExplainSet *dash_explain_at(const RunState *s, int step);
double dash_step_time(const RunState *s, int i);
void dash_cursor_set(View *v, int step);
/* Cursor keys (evaluations, steps, first, last); -1 for any other action. */
int dash_cursor_action(View *v, int act);

/* dash_draw.c */
void dash_draw(App *a, Grid *g, Rect body);
/* dash_explain.c: the explanation panel (token weights, attention maps). */
void dash_draw_explain(App *a, Grid *g, Rect r, const View *v);

#endif
