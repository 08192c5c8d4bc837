/* The trainer: one worker pthread that trains a model on a run folder and
 * publishes what happens as event lines (schema in run/events.h). The caller
 * (the TUI or `sentui train`) drains them with trainer_poll and steers the
 * worker with trainer_command; the same lines are appended to the run's
 * events.jsonl, so a live run, `watch` and `replay` see one stream.
 *
 * Durability: last.safetensors (parameters, optimizer state, data position)
 * is written at the start, every TRAIN_SAVE_EVERY steps, at every evaluation,
 * at the end of every epoch and on stop/save; checkpoint.safetensors holds the
 * best evaluation. A killed run resumes from last.safetensors and replays the
 * same batches with the same dropout masks, so its curve continues exactly
 * where the saved state left it.
 *
 * Explain samples: "prob" is the probability of the positive class; "pred"
 * the predicted label. */
#ifndef SENTUI_TRAIN_H
#define SENTUI_TRAIN_H

#include <stddef.h>

#include "config/config.h"
#include "data/data.h"
#include "run/event_queue.h"

#define TRAIN_SAVE_EVERY 200

typedef enum { TRAIN_RUNNING, TRAIN_FINISHED, TRAIN_STOPPED, TRAIN_FAILED } TrainStatus;

typedef struct Trainer Trainer;

/* New run (resume_dir NULL): loads the dataset, builds the model, creates the
 * run folder under cfg->train_runs_dir and starts the worker.
 * Resume (resume_dir set): cfg may be NULL to use the run's config.yaml; the
 * run continues from its last.safetensors.
 * paths: where the IMDb data and the cache folder are (may be NULL: no IMDb
 * location besides data.path, nothing cached); kept for the run.
 * Returns NULL with err filled when anything is wrong; no folder is left
 * behind for a new run that could not start. */
Trainer *trainer_start(const Config *cfg, const DataPaths *paths, const char *resume_dir, char *err, size_t errlen);

/* Waits up to timeout_s for a line, then hands every available line to
 * on_line. Returns the number of lines handed over, or -1 once the worker
 * has finished and every line has been delivered. */
typedef void (*TrainLineFn)(void *ctx, const char *line);
int trainer_poll(Trainer *t, double timeout_s, TrainLineFn on_line, void *ctx);

/* pause, resume, stop (saves last.safetensors, then ends the run as "stopped"), save now. */
void trainer_command(Trainer *t, TrainCmd cmd);

/* Waits for the worker to end; returns its TrainStatus (lines stay pollable). */
int trainer_join(Trainer *t);
/* Stops a running worker (as trainer_command STOP), joins, frees everything. */
void trainer_free(Trainer *t);

const char *trainer_run_dir(const Trainer *t);
/* Why the run failed or ended early ("" otherwise). Valid after trainer_join. */
const char *trainer_reason(const Trainer *t);
/* Things worth telling the user at start (e.g. a torn events line was cut on resume). */
const char *trainer_notes(const Trainer *t);

#endif
