/* The trainer's state, shared by its files: train.c starts and ends a run,
 * train_worker.c is the worker thread (the loop, validation, checkpoints,
 * commands), train_report.c writes what happens as events. */
#ifndef SENTUI_TRAINER_INTERNAL_H
#define SENTUI_TRAINER_INTERNAL_H

#include <pthread.h>
#include <stdio.h>

#include "config/config.h"
#include "data/data.h"
#include "kernels/tensor.h"
#include "models/model.h"
#include "nn/optim.h"
#include "run/batcher.h"
#include "run/event_queue.h"
#include "run/events.h"
#include "run/grad_exchange.h"
#include "run/metrics.h"
#include "run/run.h"
#include "run/grad_exchange.h"
#include "run/train.h"
#include "run/train_step.h"

#define MAX_EXPLAIN 64

struct Trainer {
    Config cfg;
    DataPaths paths; /* where the data and the cache are: given by the caller */
    char dir[RUN_PATH_MAX];
    char run[256], arch[32];
    char reason[2048], notes[2048];
    Dataset data;
    Model *model;
    Optimizer opt;
    int opt_ready;
    GradExchange *gx;           /* the data-parallel exchange's buffers */
    EventQueue *events;
    CmdChannel *cmds;
    RunLog log;
    RunSummary summary;
    pthread_t thread;
    int thread_started, joined;
    volatile int status;
    /* Data-parallel training (run/dist.h): rank 0 of ranks owns the run
     * folder; the others train their shards and write nothing. */
    int rank, ranks;

    /* progress */
    int steps_per_epoch;
    long step, total_steps;
    int epoch;       /* in progress, 0-based */
    long epoch_pos;  /* batches of it done */
    long resumed_from;
    int resumed;

    /* evaluation */
    int has_best;
    double best_value;
    long best_step;
    int bad_evals;
    long last_eval_step;
    Metrics best_metrics;
    double best_epoch;

    /* batches */
    EpochOrder epoch_order;
    Batcher batch;
    int32_t *val_order, *test_order; /* sorted by length: evaluation is order-free */
    /* Several ranks: this rank's validation reviews, every ranks-th of val_order,
     * so that each gets short and long ones alike. */
    int32_t *val_shard;
    int val_shard_n;
    int explain_idx[MAX_EXPLAIN], n_explain;
    long val_total, test_total; /* reviews in the splits before eval.limit */

    /* time and throughput */
    double elapsed_base, session_start, paused_seconds;
    double wall_base, wall_start; /* wall clock: loading and pauses count, time between sessions does not */
    double tokens_base, session_tokens, compute_seconds;
    double rate, rate_tokens, rate_time, rate_mark;

    struct MlmRun *mlm; /* train.objective mlm: run/mlm_train.c's state */
};

static inline double trainer_elapsed(const Trainer *t) {
    return t->elapsed_base + (now_seconds() - t->session_start) - t->paused_seconds;
}

static inline double trainer_wall_seconds(const Trainer *t) { return t->wall_base + (now_seconds() - t->wall_start); }

static inline double trainer_epoch_progress(const Trainer *t) {
    return t->steps_per_epoch ? (double)t->step / t->steps_per_epoch : 0;
}

static inline void file_in_run(const Trainer *t, char *out, size_t n, const char *name) {
    snprintf(out, n, "%s/%s", t->dir, name);
}

/* train_worker.c */
void *trainer_worker(void *arg);

/* train_report.c: every event the trainer writes goes through these; each is
 * appended to events.jsonl and published to the reader. */
int report_event(Trainer *t, const Event *ev, int droppable);
void report_start(Trainer *t);
void report_step(Trainer *t, const StepResult *r);
void report_eval(Trainer *t, const char *split, long step, double epoch, const Metrics *m, int best);
/* The same for a pretraining: accuracy over masked tokens, of which there were masked (-1: none). */
void report_eval_masked(Trainer *t, const char *split, long step, double epoch, const Metrics *m, int best,
                        long masked);
void report_explain(Trainer *t);
void report_checkpoint(Trainer *t, const char *file, const double *metric);
void report_state(Trainer *t, const char *state);
void report_pretrain(Trainer *t, long done, long total, double loss);
void report_pretrain_done(Trainer *t, long total, int cached, double seconds);
/* done, or failed with t->reason. */
void report_end(Trainer *t);
/* Fixed validation reviews for the explain samples, alternating labels, preferring short ones. */
void pick_explain_samples(Trainer *t);
/* eval.limit: only the first N validation and test reviews are evaluated. */
void apply_eval_limit(Trainer *t);
/* A long phase ("epoch", "val", "test"): starting (done 0, with its work),
 * its progress, its end (final). */
void report_phase(Trainer *t, const char *phase, long done, long total, long tokens, double flops, double elapsed,
                  int final);
/* eval.attention_heads within the model's layers and heads (its own sizes, for distilbert). */
int check_attention_heads(const Trainer *t, char *err, size_t errlen);
/* summary.json from the trainer's state with status st. */
void save_summary(Trainer *t, RunStatus st);

#endif
