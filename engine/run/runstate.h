/* Everything a dashboard shows about one run, rebuilt from its event stream.
 * A live run (events from the trainer's queue), `watch` (tailing events.jsonl)
 * and `replay` (reading it at a chosen pace) all feed runstate_apply_line, so
 * the three draw from one stream of the same shape.
 *
 * The event lines and their fields: run/events.h.
 */
#ifndef SENTUI_RUNSTATE_H
#define SENTUI_RUNSTATE_H

#include <stddef.h>

#include "run/events.h"

typedef struct StepPoint { int step; float epoch, loss, lr, grad_norm, tokens_per_s, elapsed; } StepPoint;

typedef struct EvalPoint {
    int step;
    float epoch, loss, accuracy, precision, recall, f1, f1_macro, f1_weighted;
    Confusion confusion;
    int best;
    float wall_seconds; /* since the run began, pauses included; NaN when the event had none */
} EvalPoint;

typedef struct ExplainSet {
    int step;
    int n;
    ExplainSample *samples;
} ExplainSet;

typedef enum { RUN_NEW, RUN_RUNNING, RUN_PAUSED, RUN_FINISHED, RUN_STOPPED, RUN_FAILED, RUN_CRASHED } RunStatus;

typedef struct RunState {
    char run[256], arch[32];
    /* class names in class order: from the start event of a run on the
     * user's own data, else negative and positive */
    char **classes;
    int n_classes;
    long params;
    int epochs, steps_per_epoch, total_steps, batch_size, max_len;
    long train_size, val_size, test_size;
    RunStatus status;
    char reason[256];
    StepPoint *steps; int n_steps, cap_steps;
    EvalPoint *evals; int n_evals, cap_evals;     /* validation */
    EvalPoint test; int has_test;
    ExplainSet *explains; int n_explains, cap_explains;
    int best_eval;        /* index into evals, -1 */
    /* word2vec pretraining (model.pretrain) before the first step */
    long pretrain_done, pretrain_total;
    double pretrain_loss, pretrain_elapsed;
    int pretrain_final, pretrain_cached;
    double elapsed;
    long lines_applied, lines_bad;
    /* eval.limit: validation and test scored on the first eval_limit reviews of val_total, test_total */
    long eval_limit, val_total, test_total;
    double train_flops_per_token, eval_flops_per_token; /* estimates; 0 in older logs */
    /* the long phase last told (phase events): "epoch", "val", "test" */
    char phase[16];
    long phase_done, phase_total, phase_tokens;
    double phase_flops, phase_elapsed;
    int phase_final;
} RunState;

void runstate_init(RunState *s);
void runstate_free(RunState *s);
/* Applies one event line; returns 0, or -1 for a malformed line (counted, ignored). */
int runstate_apply_line(RunState *s, const char *line, size_t len);
/* Reads a whole events.jsonl (ignoring a torn last line). Returns -1 if it cannot be opened. */
int runstate_load_file(RunState *s, const char *path);
/* Applies the complete lines of path from byte offset on (a line still being
 * written is left for the next call). Returns the offset just past the last
 * complete line, for tailing a file another process appends to; -1 if it
 * cannot be opened. */
long runstate_follow_file(RunState *s, const char *path, long offset);
const char *run_status_name(RunStatus st);
/* Bias-corrected exponential moving average of a series (alpha in [0,1)). */
void smooth_ema(const float *in, float *out, int n, float alpha);

#endif
