/* The worker thread of a training run: pretraining, the epochs of steps,
 * validation with its best checkpoint and early stopping, the final test,
 * and the commands (pause, resume, save, stop) it polls between steps. */
#include <malloc.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "models/pretrain.h"
#include "run/checkpoint.h"
#include "run/cost.h"
#include "run/dist.h"
#include "run/mlm_train.h"
#include "run/trainer_internal.h"

/* ---- checkpoints ------------------------------------------------------------ */

static void score_from(RunScore *s, const Metrics *m, long step, double epoch) {
    *s = (RunScore){1, step, epoch, m->accuracy, m->f1, m->f1_macro, m->f1_weighted, m->loss};
}

static void fill_meta(Trainer *t, CheckpointMeta *m) {
    memset(m, 0, sizeof *m);
    snprintf(m->arch, sizeof m->arch, "%s", t->arch);
    m->step = t->step;
    m->epoch = t->epoch;
    m->epoch_pos = t->epoch_pos;
    m->config_hash = config_hash_keys(&t->cfg, "model.");
    m->optim_step = t->opt.step;
    m->has_best = t->has_best;
    m->best_value = t->best_value;
    m->best_step = t->best_step;
    m->bad_evals = t->bad_evals;
    m->elapsed = trainer_elapsed(t);
    m->wall_seconds = trainer_wall_seconds(t);
    m->tokens = t->tokens_base + t->session_tokens;
    memcpy(m->rng, t->model->dropout_rng.s, sizeof m->rng);
    snprintf(m->metric, sizeof m->metric, "%s", metric_name(t->cfg.eval_metric));
}

static int save_last(Trainer *t) {
    if (t->rank) return 0;
    CheckpointMeta meta;
    fill_meta(t, &meta);
    char path[RUN_PATH_MAX + 32], err[512];
    file_in_run(t, path, sizeof path, "last.safetensors");
    if (checkpoint_save(path, t->model, &meta, t->opt.m, t->opt.v, err, sizeof err) != 0) {
        snprintf(t->reason, sizeof t->reason, "%s", err);
        t->status = TRAIN_FAILED;
        return -1;
    }
    run_log_sync(&t->log);
    report_checkpoint(t, "last.safetensors", NULL);
    return 0;
}

static int save_best(Trainer *t, double value) {
    if (t->rank) return 0;
    CheckpointMeta meta;
    fill_meta(t, &meta);
    meta.metric_value = value;
    char path[RUN_PATH_MAX + 32], err[512];
    file_in_run(t, path, sizeof path, "checkpoint.safetensors");
    if (checkpoint_save(path, t->model, &meta, NULL, NULL, err, sizeof err) != 0) {
        snprintf(t->reason, sizeof t->reason, "%s", err);
        t->status = TRAIN_FAILED;
        return -1;
    }
    report_checkpoint(t, "checkpoint.safetensors", &value);
    if (mlm_run(t) && mlm_export(t, 0) != 0) {
        t->status = TRAIN_FAILED;
        return -1;
    }
    return 0;
}

/* ---- evaluation ------------------------------------------------------------- */

/* Seconds between progress events of a long phase. */
#define PHASE_REPORT_SECONDS 1.0

/* Scores reviews order[0..n) of s as batcher_evaluate does, telling the
 * phase (its work up front, then done of n reviews about every second) so
 * that scoring 25k test reviews with DistilBERT is not an hour of silence. */
static void evaluate(Trainer *t, const char *phase, const Split *s, const int32_t *order, int n, Metrics *m) {
    Model *md = t->model;
    Batcher *b = &t->batch;
    long tokens = cost_split_tokens(s, order, n);
    double t0 = now_seconds(), last = t0, loss = 0;
    report_phase(t, phase, 0, n, tokens, tokens * cost_eval_flops_per_token(md, t->cfg.data_max_len), 0, 0);
    metrics_clear_classes(m, md->n_classes);
    int bs = t->cfg.eval_batch_size < b->max_B ? t->cfg.eval_batch_size : b->max_B;
    for (int at = 0; at < n; at += bs) {
        int B = n - at < bs ? n - at : bs;
        Batch batch = batcher_gather(b, s, order + at, B);
        loss += (double)model_forward(md, &batch, 0) * B;
        for (int i = 0; i < B; i++) b->pred[i] = model_argmax(md, i);
        metrics_add(m, b->lab, b->pred, B);
        double now = now_seconds();
        if (now - last >= PHASE_REPORT_SECONDS && at + B < n) {
            last = now;
            report_phase(t, phase, at + B, n, 0, 0, now - t0, 0);
        }
    }
    metrics_finish(m);
    m->loss = n ? loss / n : 0;
    report_phase(t, phase, n, n, 0, 0, now_seconds() - t0, 1);
}

/* Validation on several ranks: each evaluates its share (t->val_shard) and
 * the confusion counts and loss sums are added up; rank 0's result is then
 * sent to all, so that no rank can decide differently on the best checkpoint. */
static void evaluate_shared(Trainer *t, const Split *s, Metrics *m) {
    if (t->ranks == 1) {
        evaluate(t, "val", s, t->val_order, s->n, m);
        return;
    }
    batcher_evaluate(&t->batch, t->model, s, t->val_shard, t->val_shard_n, t->cfg.eval_batch_size, m);
    double sum[6];
    for (int k = 0; k < 4; k++) sum[k] = (double)m->confusion[k / 2][k % 2];
    sum[4] = m->loss * t->val_shard_n;
    sum[5] = t->val_shard_n;
    dist_allreduce_sum_f64(sum, 6);
    metrics_clear(m);
    for (int k = 0; k < 4; k++) m->confusion[k / 2][k % 2] = (long)sum[k];
    metrics_finish(m);
    m->loss = sum[5] > 0 ? sum[4] / sum[5] : 0;
    dist_broadcast(m, sizeof *m, 0);
}

/* Validation: metrics, best checkpoint, early-stopping count, explain samples. */
static void run_validation(Trainer *t) {
    Metrics m;
    long masked = -1;
    if (mlm_run(t))
        mlm_validate(t, &m, &masked);
    else
        evaluate_shared(t, &t->data.val, &m);
    t->last_eval_step = t->step;
    double v = metrics_get(&m, t->cfg.eval_metric);
    int best = isfinite(v) && (!t->has_best || metric_better(t->cfg.eval_metric, v, t->best_value));
    if (best) {
        t->has_best = 1;
        t->best_value = v;
        t->best_step = t->step;
        t->bad_evals = 0;
        t->best_metrics = m;
        t->best_epoch = trainer_epoch_progress(t);
        score_from(&t->summary.best, &m, t->step, t->best_epoch);
    } else {
        t->bad_evals++;
    }
    report_eval_masked(t, "val", t->step, trainer_epoch_progress(t), &m, best, masked);
    if (best) save_best(t, v);
    if (t->rank == 0) {
        report_explain(t);
        run_log_sync(&t->log);
    }
}

/* After training: the best checkpoint, once, on the test split. */
static void run_test(Trainer *t) {
    /* Rank 0 alone: the best checkpoint it evaluates is in its run folder. */
    if (!t->cfg.eval_test || t->data.test.n == 0 || t->rank) return;
    char path[RUN_PATH_MAX + 32], err[1024];
    file_in_run(t, path, sizeof path, "checkpoint.safetensors");
    long step = t->step;
    double epoch = trainer_epoch_progress(t);
    if (access(path, F_OK) == 0) {
        if (checkpoint_load(path, t->model, NULL, NULL, NULL, err, sizeof err) != 0) {
            snprintf(t->reason, sizeof t->reason, "cannot evaluate the best checkpoint: %s", err);
            t->status = TRAIN_FAILED;
            return;
        }
        step = t->best_step;
        epoch = t->best_epoch;
    }
    Metrics m;
    evaluate(t, "test", &t->data.test, t->test_order, t->data.test.n, &m);
    report_eval(t, "test", step, epoch, &m, 0);
    score_from(&t->summary.test, &m, step, epoch);
}

/* ---- the step ------------------------------------------------------------- */

static void count_throughput(Trainer *t, const Batch *b, long ntok, double dt) {
    if (ntok < 0)
        for (int i = (ntok = 0); i < b->B; i++) ntok += b->lengths[i];
    t->session_tokens += (double)ntok;
    t->compute_seconds += dt;
    t->rate_tokens += (double)ntok;
    t->rate_time += dt;
    /* A throughput over about a second: steady, yet it follows changes. */
    if (t->rate_time >= 1.0 || t->rate == 0) {
        t->rate = t->rate_time > 0 ? t->rate_tokens / t->rate_time : 0;
        if (t->rate_time >= 1.0) t->rate_tokens = t->rate_time = 0;
    }
}

static int train_step(Trainer *t) {
    const EpochOrder *o = &t->epoch_order;
    int a = o->batch_start[t->epoch_pos], z = o->batch_start[t->epoch_pos + 1];
    StepResult r;
    StepStatus st;
    Batch b;
    long ntok = -1;
    double t0;
    dist_watchdog_note_step(t->step);
    if (t->ranks > 1) {
        /* This rank's contiguous share of the global batch, the same cut on every rank. */
        int B = z - a, lo = (int)((long)B * t->rank / t->ranks), hi = (int)((long)B * (t->rank + 1) / t->ranks);
        ntok = 0;
        for (int i = a; i < z; i++) {
            int len = t->data.train.lengths[o->order[i]];
            ntok += len < t->data.train.T ? len : t->data.train.T;
        }
        b = batcher_gather(&t->batch, &t->data.train, o->order + a + lo, hi - lo);
        t0 = now_seconds();
        st = train_step_run_shard(t->model, &t->opt, &t->cfg, &b, B, t->step, t->total_steps, &t->gx, &r);
    } else {
        b = batcher_gather(&t->batch, &t->data.train, o->order + a, z - a);
        t0 = now_seconds();
        st = mlm_run(t) ? mlm_step(t, &b, &r) : train_step_run(t->model, &t->opt, &t->cfg, &b, t->step, t->total_steps, &r);
    }
    if (st == STEP_BAD_LOSS) {
        snprintf(t->reason, sizeof t->reason,
                 "loss became %s at step %ld (epoch %d); training stopped, the last good checkpoint stays "
                 "(try a lower train.lr or train.clip_norm)",
                 isnan(r.loss) ? "NaN" : "infinite", t->step + 1, t->epoch + 1);
        return -1;
    }
    if (st == STEP_BAD_GRAD) {
        snprintf(t->reason, sizeof t->reason,
                 "gradient norm became %s at step %ld (epoch %d); training stopped, the last good checkpoint stays "
                 "(try train.clip_norm or a lower train.lr)",
                 isnan(r.grad_norm) ? "NaN" : "infinite", t->step + 1, t->epoch + 1);
        return -1;
    }
    count_throughput(t, &b, ntok, now_seconds() - t0);
    t->step++;
    t->epoch_pos++;
    report_step(t, &r);
    return 0;
}

/* ---- commands ------------------------------------------------------------- */

/* Paused until resume (0) or stop (1); save requests are served meanwhile. */
static int wait_paused(Trainer *t) {
    report_state(t, "paused");
    save_summary(t, RUN_PAUSED);
    double p0 = now_seconds();
    int stop = 0;
    for (;;) {
        TrainCmd w = cmdch_take(t->cmds, 0.5);
        if (w == TRAIN_CMD_STOP) {
            stop = 1;
            break;
        }
        if (w == TRAIN_CMD_RESUME) break;
        if (w == TRAIN_CMD_SAVE) save_last(t);
    }
    t->paused_seconds += now_seconds() - p0;
    if (stop) return 1;
    report_state(t, "running");
    save_summary(t, RUN_RUNNING);
    return 0;
}

/* Handles pending commands; returns 1 when the run must stop. */
static int handle_commands(Trainer *t) {
    for (;;) {
        TrainCmd c = cmdch_take(t->cmds, 0);
        if (c == TRAIN_CMD_NONE) return 0;
        if (c == TRAIN_CMD_STOP) return 1;
        if (c == TRAIN_CMD_SAVE) {
            save_last(t);
            save_summary(t, RUN_RUNNING);
        }
        /* Several ranks cannot pause: the others would wait in the next step's exchange. */
        if (c == TRAIN_CMD_PAUSE && t->ranks == 1 && wait_paused(t)) return 1;
    }
}

/* ---- the loop ------------------------------------------------------------- */

static int out_of_patience(const Trainer *t) {
    return t->cfg.train_patience > 0 && t->bad_evals >= t->cfg.train_patience;
}

/* The rest of the epoch in progress; 1 when early stopping ends the run,
 * 0 when the epoch was completed (or the status changed). */
static int train_epoch(Trainer *t) {
    epoch_order_make(&t->epoch_order, &t->data.train, (uint64_t)t->cfg.train_seed, t->epoch);
    if (t->epoch_pos == 0) {
        /* the epoch's work up front; its progress and ETA follow from the step events */
        long tokens = cost_split_tokens(&t->data.train, t->epoch_order.order, t->data.train.n);
        report_phase(t, "epoch", 0, t->steps_per_epoch, tokens,
                     tokens * cost_train_flops_per_token(t->model, t->cfg.data_max_len), 0, 0);
    }
    while (t->epoch_pos < t->steps_per_epoch) {
        int stop = handle_commands(t);
        if (t->ranks > 1) stop = dist_any(stop); /* rank 0 hears the commands; all ranks stop together */
        if (stop) {
            if (save_last(t) == 0) {
                t->status = TRAIN_STOPPED;
                snprintf(t->reason, sizeof t->reason, "stopped at step %ld", t->step);
            }
            return 0;
        }
        if (train_step(t) != 0) {
            t->status = TRAIN_FAILED;
            return 0;
        }
        if (t->status != TRAIN_RUNNING) return 0;
        int last_of_epoch = t->epoch_pos == t->steps_per_epoch;
        if (!last_of_epoch && t->cfg.eval_every_steps > 0 && t->step % t->cfg.eval_every_steps == 0) {
            run_validation(t);
            save_last(t);
            save_summary(t, RUN_RUNNING);
        } else if (!last_of_epoch && t->step % TRAIN_SAVE_EVERY == 0) {
            save_last(t);
            save_summary(t, RUN_RUNNING);
        }
        if (out_of_patience(t)) return 1;
    }
    return 0;
}

static void train_loop(Trainer *t) {
    int early = 0;
    /* train.epochs 0: the initial weights (such as a downloaded fine-tuned
     * model's) are the run's model, validated and tested as they are */
    if (t->cfg.train_epochs == 0 && t->step == 0) run_validation(t);
    while (t->epoch < t->cfg.train_epochs && t->status == TRAIN_RUNNING && !early) {
        early = train_epoch(t);
        if (early || t->status != TRAIN_RUNNING) break;
        if (t->last_eval_step != t->step) run_validation(t);
        t->epoch++;
        t->epoch_pos = 0;
        save_last(t);
        save_summary(t, RUN_RUNNING);
        if (out_of_patience(t)) early = 1;
    }
    if (t->status != TRAIN_RUNNING) return;
    if (early)
        snprintf(t->reason, sizeof t->reason, "early stop: no better %s in %d evaluations (best at step %ld)",
                 metric_name(t->cfg.eval_metric), t->cfg.train_patience, t->best_step);
    if (mlm_run(t) && mlm_export(t, 1) != 0) t->status = TRAIN_FAILED;
    run_test(t);
    if (t->status == TRAIN_RUNNING) t->status = TRAIN_FINISHED;
}

/* ---- pretraining -------------------------------------------------------- */

static int pretrain_progress(void *ctx, long done, long total, double loss) {
    Trainer *t = ctx;
    report_pretrain(t, done, total, loss);
    /* Ranks pretrain without exchanging anything, so none can stop alone. */
    if (t->ranks > 1) return 0;
    return handle_commands(t) || t->status != TRAIN_RUNNING;
}

/* model.pretrain, before the first step (again after a resume at step 0: the
 * vectors come from the cache, and rescaling an already pretrained table
 * leaves it as it was). */
static float *word_table(Model *m) {
    /* a DistilBERT or BERT encoder (a pretraining's start) keeps Hugging Face's name */
    static const char *names[] = {"embedding.weight", "distilbert.embeddings.word_embeddings.weight",
                                  "bert.embeddings.word_embeddings.weight"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        float *table = params_data(&m->params, names[i]);
        if (table) return table;
    }
    return NULL;
}

static void pretrain(Trainer *t) {
    float *table = word_table(t->model);
    if (t->cfg.model_pretrain == PRETRAIN_NONE || t->step != 0 || !table) return;
    PretrainInfo info;
    char err[512] = "";
    int rc = pretrain_embeddings(&t->cfg, &t->paths, &t->data, table, pretrain_progress, t, &info, err, sizeof err);
    if (rc == 1) {
        if (t->status == TRAIN_RUNNING) t->status = TRAIN_STOPPED;
        return;
    }
    if (rc < 0) {
        snprintf(t->reason, sizeof t->reason, "word2vec pretraining failed: %s", err);
        t->status = TRAIN_FAILED;
        return;
    }
    report_pretrain_done(t, info.words * t->cfg.model_pretrain_epochs, info.cached, info.seconds);
    save_last(t);
    save_summary(t, RUN_RUNNING); /* the runs table shows the pretraining time, not 0s, until the first evaluation */
}

void *trainer_worker(void *arg) {
    Trainer *t = arg;
    if (t->rank == 0) report_start(t);
    if (!t->resumed) {
        /* A state to come back to even if the process dies before the first evaluation. */
        save_last(t);
    }
    save_summary(t, RUN_RUNNING);
    if (t->status == TRAIN_RUNNING) pretrain(t);
    /* The unlabelled reviews feed word2vec only: their tokens, and the heap
     * word2vec worked in, go back to the system before the first step. */
    split_free(&t->data.unsup);
    malloc_trim(0);
    if (t->ranks > 1) {
        if (!dist_any(t->status != TRAIN_RUNNING))
            dist_broadcast(t->model->params.data, t->model->params.total * sizeof(float), 0); /* rank 0's vectors */
        else if (t->status == TRAIN_RUNNING)
            t->status = TRAIN_FAILED; /* another rank stopped: none trains alone */
    }
    if (t->status == TRAIN_RUNNING) train_loop(t);
    RunStatus st = t->status == TRAIN_FINISHED ? RUN_FINISHED : t->status == TRAIN_STOPPED ? RUN_STOPPED : RUN_FAILED;
    if (t->rank == 0) {
        report_end(t);
        save_summary(t, st);
        run_log_close(&t->log);
        run_unlock(t->dir);
    }
    evq_close(t->events);
    return NULL;
}
