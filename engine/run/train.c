#include "run/train.h"

#include "common/hash.h"

#include <jansson.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/checkpoint.h"
#include "data/data.h"
#include "run/metrics.h"
#include "models/model.h"
#include "nn/optim.h"
#include "models/pretrain.h"
#include "run/run.h"
#include "kernels/tensor.h"

/* Batches sorted by length inside each chunk of this many batches: less
 * padding to compute over, while the chunk's batch order stays shuffled. */
#define BUCKET_BATCHES 32
/* Explain samples are picked among validation reviews at most this long, so
 * the heatmap stays readable; attention maps are kept for the first sample
 * only and when they have at most ATTN_MAX_VALUES values. */
#define EXPLAIN_MAX_LEN 64
#define ATTN_MAX_VALUES 65536
#define MAX_EXPLAIN 64

struct Trainer {
    Config cfg;
    DataPaths paths;
    char dir[RUN_PATH_MAX];
    char run[256], arch[32];
    char reason[2048], notes[2048];
    Dataset data;
    Model *model;
    Optimizer opt;
    int opt_ready;
    EventQueue *events;
    CmdChannel *cmds;
    RunLog log;
    RunSummary summary;
    pthread_t thread;
    int thread_started, joined;
    volatile int status;

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
    int32_t *order;      /* train indices of this epoch, batch after batch */
    int *batch_start;    /* steps_per_epoch + 1 offsets into order */
    int32_t *val_order, *test_order; /* sorted by length: evaluation is order-free */
    int32_t *tok, *len, *lab, *pred;
    int explain_idx[MAX_EXPLAIN], n_explain;

    /* time and throughput */
    double elapsed_base, session_start, paused_seconds;
    double wall_base, wall_start; /* wall clock: loading and pauses count, time between sessions does not */
    double tokens_base, session_tokens, compute_seconds;
    double rate, rate_tokens, rate_time, rate_mark;
};

/* ---- small helpers ------------------------------------------------------ */

static double elapsed(const Trainer *t) {
    return t->elapsed_base + (now_seconds() - t->session_start) - t->paused_seconds;
}

static double wall_seconds(const Trainer *t) { return t->wall_base + (now_seconds() - t->wall_start); }

static double epoch_progress(const Trainer *t) {
    return t->steps_per_epoch ? (double)t->step / t->steps_per_epoch : 0;
}

static void file_in_run(const Trainer *t, char *out, size_t n, const char *name) {
    snprintf(out, n, "%s/%s", t->dir, name);
}

/* One event: appended to events.jsonl and published to the reader. */
static int emit_line(Trainer *t, const char *line, int droppable) {
    int r = run_log_write(&t->log, line);
    evq_push(t->events, line, droppable);
    if (r != 0 && t->status == TRAIN_RUNNING) {
        snprintf(t->reason, sizeof t->reason, "cannot append to %s (disk full?)", t->log.path);
        t->status = TRAIN_FAILED;
    }
    return r;
}

static void emit(Trainer *t, json_t *o) {
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
    json_decref(o);
    if (line) emit_line(t, line, 0);
    free(line);
}

/* Finite reals only: JSON has no NaN. */
static json_t *real(double v) { return json_real(isfinite(v) ? v : 0.0); }

/* ---- summary -------------------------------------------------------------- */

static void score_from(RunScore *s, const Metrics *m, long step, double epoch) {
    *s = (RunScore){1, step, epoch, m->accuracy, m->f1, m->f1_macro, m->f1_weighted, m->loss};
}

static void save_summary(Trainer *t, RunStatus st) {
    RunSummary *s = &t->summary;
    s->status = st;
    s->epoch = epoch_progress(t);
    s->step = t->step;
    s->total_steps = t->total_steps;
    s->train_seconds = elapsed(t);
    if (t->compute_seconds > 0) s->tokens_per_s = t->session_tokens / t->compute_seconds;
    s->pid = (long)getpid();
    snprintf(s->reason, sizeof s->reason, "%.250s", t->reason);
    char err[512];
    /* A summary that cannot be written costs the listing an update, not the run. */
    run_summary_save(t->dir, s, err, sizeof err);
}

/* ---- checkpoints ------------------------------------------------------------ */

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
    m->elapsed = elapsed(t);
    m->wall_seconds = wall_seconds(t);
    m->tokens = t->tokens_base + t->session_tokens;
    memcpy(m->rng, t->model->dropout_rng.s, sizeof m->rng);
    snprintf(m->metric, sizeof m->metric, "%s", metric_name(t->cfg.eval_metric));
}

static int save_last(Trainer *t) {
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
    emit(t, json_pack("{s:s, s:I, s:s}", "type", "checkpoint", "step", (json_int_t)t->step, "file",
                      "last.safetensors"));
    return 0;
}

static int save_best(Trainer *t, double value) {
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
    emit(t, json_pack("{s:s, s:I, s:s, s:o}", "type", "checkpoint", "step", (json_int_t)t->step, "file",
                      "checkpoint.safetensors", "metric", real(value)));
    return 0;
}

/* ---- batches ---------------------------------------------------------------- */

static int by_length(const void *a, const void *b, void *ctx) {
    const int32_t *len = ctx;
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    if (len[i] != len[j]) return len[i] < len[j] ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Ties keep index order, so the result is the same on every machine. */
static void sort_by_length(const Split *s, int32_t *idx, int n) {
    qsort_r(idx, (size_t)n, sizeof *idx, by_length, s->lengths);
}

/* The data order of one epoch depends only on (seed, epoch): shuffle, sort
 * inside chunks of BUCKET_BATCHES batches by length, cut into batches and
 * shuffle the batches of each chunk. A resumed run rebuilds the same order. */
static void make_epoch_order(Trainer *t, int epoch) {
    const Split *s = &t->data.train;
    int n = s->n, bs = t->cfg.train_batch_size;
    Rng rng;
    rng_seed(&rng, hash_pair((uint64_t)t->cfg.train_seed, 0x0e9c0000ULL + (uint64_t)epoch));
    for (int i = 0; i < n; i++) t->order[i] = i;
    rng_shuffle_int(&rng, t->order, n);
    int chunk = bs * BUCKET_BATCHES, b = 0;
    int32_t *tmp = malloc((size_t)chunk * sizeof *tmp);
    int32_t perm[BUCKET_BATCHES];
    for (int c0 = 0; c0 < n; c0 += chunk) {
        int cn = n - c0 < chunk ? n - c0 : chunk;
        sort_by_length(s, t->order + c0, cn);
        int nb = (cn + bs - 1) / bs;
        for (int k = 0; k < nb; k++) perm[k] = k;
        rng_shuffle_int(&rng, perm, nb);
        memcpy(tmp, t->order + c0, (size_t)cn * sizeof *tmp);
        int at = c0;
        for (int k = 0; k < nb; k++) {
            int from = perm[k] * bs, cnt = cn - from < bs ? cn - from : bs;
            memcpy(t->order + at, tmp + from, (size_t)cnt * sizeof *tmp);
            t->batch_start[b++] = at;
            at += cnt;
        }
    }
    t->batch_start[b] = n;
    free(tmp);
}

/* Copies reviews idx[0..B) into the padded batch buffers, cut to the longest. */
static Batch gather(Trainer *t, const Split *s, const int32_t *idx, int B) {
    int T = 1;
    for (int i = 0; i < B; i++)
        if (s->lengths[idx[i]] > T) T = s->lengths[idx[i]];
    if (T > s->T) T = s->T;
    /* The lab's setup reads the state after the padding: keep the full width. */
    if (t->cfg.model_lab_compat) T = s->T;
    for (int i = 0; i < B; i++) {
        memcpy(t->tok + (size_t)i * T, s->tokens + (size_t)idx[i] * s->T, (size_t)T * sizeof *t->tok);
        t->len[i] = s->lengths[idx[i]] < T ? s->lengths[idx[i]] : T;
        t->lab[i] = s->labels[idx[i]];
    }
    return (Batch){t->tok, t->len, t->lab, B, T};
}

/* ---- evaluation ------------------------------------------------------------- */

static void evaluate(Trainer *t, const Split *s, const int32_t *order, Metrics *m) {
    metrics_clear(m);
    double loss = 0;
    int bs = t->cfg.eval_batch_size;
    for (int at = 0; at < s->n; at += bs) {
        int B = s->n - at < bs ? s->n - at : bs;
        Batch b = gather(t, s, order + at, B);
        loss += (double)model_forward(t->model, &b, 0) * B;
        for (int i = 0; i < B; i++) {
            const float *p = t->model->probs + (size_t)i * NUM_CLASSES;
            t->pred[i] = p[1] > p[0];
        }
        metrics_add(m, t->lab, t->pred, B);
    }
    metrics_finish(m);
    m->loss = s->n ? loss / s->n : 0;
}

static json_t *confusion_json(const Metrics *m) {
    return json_pack("[[I,I],[I,I]]", (json_int_t)m->confusion[0][0], (json_int_t)m->confusion[0][1],
                     (json_int_t)m->confusion[1][0], (json_int_t)m->confusion[1][1]);
}

static void emit_eval(Trainer *t, const char *split, long step, double epoch, const Metrics *m, int best) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("eval"));
    json_object_set_new(o, "step", json_integer(step));
    json_object_set_new(o, "epoch", real(epoch));
    json_object_set_new(o, "split", json_string(split));
    json_object_set_new(o, "loss", real(m->loss));
    json_object_set_new(o, "accuracy", real(m->accuracy));
    json_object_set_new(o, "precision", real(m->precision));
    json_object_set_new(o, "recall", real(m->recall));
    json_object_set_new(o, "f1", real(m->f1));
    json_object_set_new(o, "f1_macro", real(m->f1_macro));
    json_object_set_new(o, "f1_weighted", real(m->f1_weighted));
    json_object_set_new(o, "confusion", confusion_json(m));
    json_object_set_new(o, "best", json_boolean(best));
    json_object_set_new(o, "wall_seconds", real(wall_seconds(t)));
    emit(t, o);
}

/* Fixed validation reviews, alternating labels, preferring short ones. */
static void pick_explain_samples(Trainer *t) {
    const Split *s = &t->data.val;
    int want = t->cfg.eval_explain_samples < MAX_EXPLAIN ? t->cfg.eval_explain_samples : MAX_EXPLAIN;
    t->n_explain = 0;
    char *used = calloc((size_t)s->n + 1, 1);
    for (int pass = 0; pass < 2 && t->n_explain < want; pass++) {
        for (int i = 0; i < s->n && t->n_explain < want; i++) {
            int label = t->n_explain % 2 ? 0 : 1;
            if (used[i] || (pass == 0 && (s->labels[i] != label || s->lengths[i] > EXPLAIN_MAX_LEN))) continue;
            used[i] = 1;
            t->explain_idx[t->n_explain++] = i;
        }
    }
    free(used);
}

static void emit_explain(Trainer *t) {
    if (t->n_explain == 0) return;
    const Split *s = &t->data.val;
    json_t *samples = json_array();
    for (int k = 0; k < t->n_explain; k++) {
        int i = t->explain_idx[k];
        int len = s->lengths[i] < s->T ? s->lengths[i] : s->T;
        const int32_t *toks = s->tokens + (size_t)i * s->T;
        Explanation ex;
        if (model_explain(t->model, toks, len, &ex) != 0) {
            explanation_free(&ex);
            continue;
        }
        int n = ex.len > 0 && ex.len <= len ? ex.len : len;
        json_t *words = json_array(), *weights = json_array();
        for (int j = 0; j < n; j++) {
            int id = toks[j];
            json_array_append_new(words, json_string(id >= 0 && id < t->data.vocab.n ? t->data.vocab.words[id] : "?"));
            json_array_append_new(weights, real(ex.token_weight ? ex.token_weight[j] : 0));
        }
        json_t *o = json_object();
        json_object_set_new(o, "index", json_integer(i));
        json_object_set_new(o, "label", json_integer(s->labels[i]));
        json_object_set_new(o, "pred", json_integer(ex.prob[1] > ex.prob[0]));
        json_object_set_new(o, "prob", real(ex.prob[1]));
        json_object_set_new(o, "tokens", words);
        json_object_set_new(o, "weight", weights);
        json_object_set_new(o, "method", json_string(ex.method));
        size_t cells = (size_t)ex.layers * ex.heads * n * n;
        int with_attn = k == 0 && ex.attn && cells > 0 && cells <= ATTN_MAX_VALUES;
        json_object_set_new(o, "layers", json_integer(with_attn ? ex.layers : 0));
        json_object_set_new(o, "heads", json_integer(with_attn ? ex.heads : 0));
        if (with_attn) {
            json_t *a = json_array();
            for (size_t c = 0; c < cells; c++) json_array_append_new(a, real(ex.attn[c]));
            json_object_set_new(o, "attn", a);
        }
        json_array_append_new(samples, o);
        explanation_free(&ex);
    }
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("explain"));
    json_object_set_new(o, "step", json_integer(t->step));
    json_object_set_new(o, "samples", samples);
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(4));
    json_decref(o);
    if (line) emit_line(t, line, 0);
    free(line);
}

/* Validation: metrics, best checkpoint, early-stopping count, explain samples. */
static void run_validation(Trainer *t) {
    Metrics m;
    evaluate(t, &t->data.val, t->val_order, &m);
    t->last_eval_step = t->step;
    double v = metrics_get(&m, t->cfg.eval_metric);
    int best = isfinite(v) && (!t->has_best || metric_better(t->cfg.eval_metric, v, t->best_value));
    if (best) {
        t->has_best = 1;
        t->best_value = v;
        t->best_step = t->step;
        t->bad_evals = 0;
        t->best_metrics = m;
        t->best_epoch = epoch_progress(t);
        score_from(&t->summary.best, &m, t->step, t->best_epoch);
    } else {
        t->bad_evals++;
    }
    emit_eval(t, "val", t->step, epoch_progress(t), &m, best);
    if (best) save_best(t, v);
    emit_explain(t);
    run_log_sync(&t->log);
}

/* ---- the step ------------------------------------------------------------- */

static int train_step(Trainer *t) {
    const Split *s = &t->data.train;
    int a = t->batch_start[t->epoch_pos], z = t->batch_start[t->epoch_pos + 1];
    Batch b = gather(t, s, t->order + a, z - a);
    double t0 = now_seconds();
    rng_seed(&t->model->dropout_rng, hash_pair((uint64_t)t->cfg.train_seed ^ 0xd809e7ULL, (uint64_t)t->step));
    params_zero_grad(&t->model->params);
    float loss = model_forward(t->model, &b, 1);
    if (!isfinite(loss)) {
        snprintf(t->reason, sizeof t->reason,
                 "loss became %s at step %ld (epoch %d); training stopped, the last good checkpoint stays "
                 "(try a lower train.lr or train.clip_norm)",
                 isnan(loss) ? "NaN" : "infinite", t->step + 1, t->epoch + 1);
        return -1;
    }
    model_backward(t->model, &b);
    float gnorm = grad_clip_norm(&t->model->params, (float)t->cfg.train_clip_norm);
    if (!isfinite(gnorm)) {
        snprintf(t->reason, sizeof t->reason,
                 "gradient norm became %s at step %ld (epoch %d); training stopped, the last good checkpoint stays "
                 "(try train.clip_norm or a lower train.lr)",
                 isnan(gnorm) ? "NaN" : "infinite", t->step + 1, t->epoch + 1);
        return -1;
    }
    float lr = (float)lr_at(&t->cfg, t->step, t->total_steps);
    optim_step(&t->opt, lr);
    double dt = now_seconds() - t0;
    long ntok = 0;
    for (int i = 0; i < b.B; i++) ntok += b.lengths[i];
    t->session_tokens += (double)ntok;
    t->compute_seconds += dt;
    t->rate_tokens += (double)ntok;
    t->rate_time += dt;
    /* A throughput over about a second: steady, yet it follows changes. */
    if (t->rate_time >= 1.0 || t->rate == 0) {
        t->rate = t->rate_time > 0 ? t->rate_tokens / t->rate_time : 0;
        if (t->rate_time >= 1.0) t->rate_tokens = t->rate_time = 0;
    }
    t->step++;
    t->epoch_pos++;
    char line[384];
    snprintf(line, sizeof line,
             "{\"type\":\"step\",\"step\":%ld,\"epoch\":%.5g,\"loss\":%.7g,\"lr\":%.6g,\"grad_norm\":%.6g,"
             "\"tokens_per_s\":%.6g,\"elapsed\":%.3f}",
             t->step, epoch_progress(t), (double)loss, (double)lr, (double)gnorm, t->rate, elapsed(t));
    emit_line(t, line, 1);
    return 0;
}

/* ---- commands ------------------------------------------------------------- */

static void emit_state(Trainer *t, const char *state) {
    emit(t, json_pack("{s:s, s:I, s:s}", "type", "state", "step", (json_int_t)t->step, "state", state));
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
        if (c != TRAIN_CMD_PAUSE) continue;
        emit_state(t, "paused");
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
        emit_state(t, "running");
        save_summary(t, RUN_RUNNING);
    }
}

/* ---- the worker ---------------------------------------------------------- */

static void emit_start(Trainer *t) {
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("start"));
    json_object_set_new(o, "run", json_string(t->run));
    json_object_set_new(o, "arch", json_string(t->arch));
    json_object_set_new(o, "params", json_integer((json_int_t)model_param_count(t->model)));
    json_object_set_new(o, "epochs", json_integer(t->cfg.train_epochs));
    json_object_set_new(o, "steps_per_epoch", json_integer(t->steps_per_epoch));
    json_object_set_new(o, "total_steps", json_integer(t->total_steps));
    json_object_set_new(o, "train_size", json_integer(t->data.train.n));
    json_object_set_new(o, "val_size", json_integer(t->data.val.n));
    json_object_set_new(o, "test_size", json_integer(t->data.test.n));
    json_object_set_new(o, "batch_size", json_integer(t->cfg.train_batch_size));
    json_object_set_new(o, "max_len", json_integer(t->cfg.data_max_len));
    if (t->resumed) json_object_set_new(o, "resumed_from_step", json_integer(t->resumed_from));
    emit(t, o);
}

/* After training: the best checkpoint, once, on the test split. */
static void run_test(Trainer *t) {
    if (!t->cfg.eval_test || t->data.test.n == 0) return;
    char path[RUN_PATH_MAX + 32], err[1024];
    file_in_run(t, path, sizeof path, "checkpoint.safetensors");
    long step = t->step;
    double epoch = epoch_progress(t);
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
    evaluate(t, &t->data.test, t->test_order, &m);
    emit_eval(t, "test", step, epoch, &m, 0);
    score_from(&t->summary.test, &m, step, epoch);
}

static void train_loop(Trainer *t) {
    int early = 0;
    while (t->epoch < t->cfg.train_epochs && t->status == TRAIN_RUNNING && !early) {
        make_epoch_order(t, t->epoch);
        while (t->epoch_pos < t->steps_per_epoch) {
            if (handle_commands(t)) {
                if (save_last(t) == 0) {
                    t->status = TRAIN_STOPPED;
                    snprintf(t->reason, sizeof t->reason, "stopped at step %ld", t->step);
                }
                return;
            }
            if (train_step(t) != 0) {
                t->status = TRAIN_FAILED;
                return;
            }
            if (t->status != TRAIN_RUNNING) return;
            int last_of_epoch = t->epoch_pos == t->steps_per_epoch;
            if (!last_of_epoch && t->cfg.eval_every_steps > 0 && t->step % t->cfg.eval_every_steps == 0) {
                run_validation(t);
                save_last(t);
                save_summary(t, RUN_RUNNING);
            } else if (!last_of_epoch && t->step % TRAIN_SAVE_EVERY == 0) {
                save_last(t);
                save_summary(t, RUN_RUNNING);
            }
            if (t->cfg.train_patience > 0 && t->bad_evals >= t->cfg.train_patience) {
                early = 1;
                break;
            }
        }
        if (early || t->status != TRAIN_RUNNING) break;
        if (t->last_eval_step != t->step) run_validation(t);
        t->epoch++;
        t->epoch_pos = 0;
        save_last(t);
        save_summary(t, RUN_RUNNING);
        if (t->cfg.train_patience > 0 && t->bad_evals >= t->cfg.train_patience) early = 1;
    }
    if (t->status != TRAIN_RUNNING) return;
    if (early)
        snprintf(t->reason, sizeof t->reason, "early stop: no better %s in %d evaluations (best at step %ld)",
                 metric_name(t->cfg.eval_metric), t->cfg.train_patience, t->best_step);
    run_test(t);
    if (t->status == TRAIN_RUNNING) t->status = TRAIN_FINISHED;
}

/* ---- pretraining -------------------------------------------------------- */

static int pretrain_progress(void *ctx, long done, long total, double loss) {
    Trainer *t = ctx;
    json_t *o = json_pack("{s:s, s:I, s:I, s:o, s:o}", "type", "pretrain", "done", (json_int_t)done, "total",
                          (json_int_t)total, "loss", real(loss), "elapsed", real(elapsed(t)));
    char *line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(7));
    json_decref(o);
    if (line) emit_line(t, line, 1);
    free(line);
    return handle_commands(t) || t->status != TRAIN_RUNNING;
}

/* model.pretrain, before the first step (again after a resume at step 0: the
 * vectors come from the cache, and rescaling an already pretrained table
 * leaves it as it was). */
static void pretrain(Trainer *t) {
    float *table = params_data(&t->model->params, "embedding.weight");
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
    long total = info.words * t->cfg.model_pretrain_epochs;
    emit(t, json_pack("{s:s, s:I, s:I, s:b, s:o, s:b}", "type", "pretrain", "done", (json_int_t)total, "total",
                      (json_int_t)total, "cached", info.cached, "seconds", real(info.seconds), "final", 1));
    save_last(t);
    save_summary(t, RUN_RUNNING); /* the runs table shows the pretraining time, not 0s, until the first evaluation */
}

static void *worker(void *arg) {
    Trainer *t = arg;
    emit_start(t);
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
    if (t->status == TRAIN_RUNNING) train_loop(t);
    RunStatus st = t->status == TRAIN_FINISHED ? RUN_FINISHED : t->status == TRAIN_STOPPED ? RUN_STOPPED : RUN_FAILED;
    if (t->status == TRAIN_FAILED)
        emit(t, json_pack("{s:s, s:I, s:s}", "type", "failed", "step", (json_int_t)t->step, "reason", t->reason));
    else
        emit(t, json_pack("{s:s, s:I, s:s, s:o, s:o}", "type", "done", "step", (json_int_t)t->step, "status",
                          st == RUN_FINISHED ? "finished" : "stopped", "elapsed", real(elapsed(t)),
                          "wall_seconds", real(wall_seconds(t))));
    save_summary(t, st);
    run_log_close(&t->log);
    run_unlock(t->dir);
    evq_close(t->events);
    return NULL;
}

/* ---- start / stop ------------------------------------------------------------ */

static void trainer_release(Trainer *t) {
    if (!t) return;
    model_free(t->model);
    if (t->opt_ready) optim_free(&t->opt);
    dataset_free(&t->data);
    evq_free(t->events);
    cmdch_free(t->cmds);
    run_log_close(&t->log);
    free(t->order);
    free(t->batch_start);
    free(t->val_order);
    free(t->test_order);
    free(t->tok);
    free(t->len);
    free(t->lab);
    free(t->pred);
    config_free(&t->cfg);
    free(t);
}

static int32_t *sorted_order(const Split *s) {
    int32_t *o = malloc(((size_t)s->n + 1) * sizeof *o);
    for (int i = 0; i < s->n; i++) o[i] = i;
    sort_by_length(s, o, s->n);
    return o;
}

static int check_vocab(Trainer *t, char *err, size_t errlen) {
    char path[RUN_PATH_MAX + 32], verr[256];
    file_in_run(t, path, sizeof path, "vocab.txt");
    Vocab v = {0};
    if (vocab_load(&v, path, verr, sizeof verr) != 0) {
        snprintf(err, errlen, "%s", verr);
        return -1;
    }
    int same = v.n == t->data.vocab.n;
    for (int i = 0; same && i < v.n; i++) same = !strcmp(v.words[i], t->data.vocab.words[i]);
    vocab_free(&v);
    if (!same) {
        snprintf(err, errlen, "%s differs from the vocabulary built from the data now (did the dataset change?)",
                 path);
        return -1;
    }
    return 0;
}

/* Opens an existing run: lock, summary, checkpoint with optimizer state. */
static int open_for_resume(Trainer *t, const char *dir, char *err, size_t errlen) {
    snprintf(t->dir, sizeof t->dir, "%s", dir);
    if (run_summary_load(dir, &t->summary, err, errlen) != 0) return -1;
    if (t->summary.status == RUN_FINISHED) {
        snprintf(err, errlen, "run %s has already finished (%ld steps); nothing to resume", dir, t->summary.step);
        return -1;
    }
    if (check_vocab(t, err, errlen) != 0) return -1;
    char path[RUN_PATH_MAX + 32];
    file_in_run(t, path, sizeof path, "last.safetensors");
    CheckpointMeta meta;
    /* Every number of the metadata that becomes an index or a loop bound is checked against the run. */
    CheckpointLimits lim = {t->cfg.train_epochs, t->steps_per_epoch,
                            (double)t->cfg.train_batch_size * t->data.train.T, t->cfg.eval_metric, t->opt.v != NULL};
    if (access(path, F_OK) != 0) {
        /* Killed before its first save: start over in the same folder. */
        snprintf(t->notes, sizeof t->notes, "no last.safetensors yet: starting the run over");
        memset(&meta, 0, sizeof meta);
    } else if (checkpoint_load(path, t->model, &meta, t->opt.m, t->opt.v, err, errlen) != 0 ||
               checkpoint_check_resume(&meta, &lim, path, err, errlen) != 0) {
        return -1;
    }
    t->step = meta.step;
    t->epoch = meta.epoch;
    t->epoch_pos = meta.epoch_pos;
    t->opt.step = meta.optim_step;
    t->has_best = meta.has_best;
    t->best_value = meta.best_value;
    t->best_step = meta.best_step;
    t->bad_evals = meta.bad_evals;
    t->best_epoch = t->summary.best.valid ? t->summary.best.epoch : 0;
    t->elapsed_base = meta.elapsed;
    /* Checkpoints older than wall_seconds: compute time is the closest lower bound. */
    t->wall_base = meta.wall_seconds > 0 ? meta.wall_seconds : meta.elapsed;
    t->tokens_base = meta.tokens;
    t->last_eval_step = -1;
    if (t->summary.best.valid && t->summary.best.step > t->step) t->summary.best.valid = 0;
    t->summary.test.valid = 0;
    t->reason[0] = 0;
    t->resumed = 1;
    t->resumed_from = t->step;
    return 0;
}

static int create_new(Trainer *t, char *err, size_t errlen) {
    if (run_create_dir(&t->cfg, t->dir, sizeof t->dir, err, errlen) != 0) return -1;
    char path[RUN_PATH_MAX + 32];
    file_in_run(t, path, sizeof path, "config.yaml");
    if (config_write_file(&t->cfg, path) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    file_in_run(t, path, sizeof path, "vocab.txt");
    if (vocab_save(&t->data.vocab, path) != 0) {
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    RunSummary *s = &t->summary;
    memset(s, 0, sizeof *s);
    utc_iso8601(s->started, sizeof s->started, (long long)time(NULL));
    snprintf(s->name, sizeof s->name, "%s", t->cfg.train_name ? t->cfg.train_name : "");
    config_enum_name(DATASET_VALUES, t->cfg.data_dataset, s->dataset, sizeof s->dataset);
    t->last_eval_step = -1;
    return 0;
}

Trainer *trainer_start(const Config *cfg, const DataPaths *paths, const char *resume_dir, char *err, size_t errlen) {
    err[0] = 0;
    Trainer *t = calloc(1, sizeof *t);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->wall_start = now_seconds(); /* time to accuracy counts loading the data too */
    if (paths) t->paths = *paths;
    if (cfg) {
        config_copy(&t->cfg, cfg);
    } else if (resume_dir) {
        char path[RUN_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/config.yaml", resume_dir);
        ConfigErrors ce = {0};
        if (config_read(&t->cfg, &(ConfigSource){.file = path}, &ce) != 0) {
            snprintf(err, errlen, "%s: %s", ce.n ? ce.items[0].file : path, ce.n ? ce.items[0].msg : "invalid");
            config_errors_free(&ce);
            trainer_release(t);
            return NULL;
        }
        config_errors_free(&ce);
    } else {
        snprintf(err, errlen, "no config given");
        free(t);
        return NULL;
    }
    t->status = TRAIN_RUNNING;
    config_enum_name(ARCH_VALUES, t->cfg.model_arch, t->arch, sizeof t->arch);
    if (resume_dir) {
        /* Lock first: a run another process is writing must not be touched. */
        if (run_lock(resume_dir, err, errlen) != 0) {
            trainer_release(t);
            return NULL;
        }
        snprintf(t->dir, sizeof t->dir, "%s", resume_dir);
    }

    /* Compute threads inherit this thread's signal mask: block SIGINT and
     * SIGWINCH while they (and the worker) are created, so those signals land
     * on the caller's thread. */
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    compute_set_threads(t->cfg.train_threads);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    char derr[512] = "";
    if (dataset_load(&t->cfg, &t->paths, &t->data, derr, sizeof derr) != 0) {
        snprintf(err, errlen, "cannot load the dataset: %s", derr[0] ? derr : "unknown error");
        goto fail;
    }
    if (t->data.train.n == 0 || t->data.val.n == 0) {
        snprintf(err, errlen, "the dataset has %d training and %d validation reviews: too few to train",
                 t->data.train.n, t->data.val.n);
        goto fail;
    }
    int bs = t->cfg.train_batch_size, ebs = t->cfg.eval_batch_size, T = t->data.train.T;
    int maxB = bs > ebs ? bs : ebs;
    t->model = model_create(&t->cfg, t->data.vocab.n, maxB, T, err, errlen);
    if (!t->model) goto fail;
    model_init(t->model, (uint64_t)t->cfg.train_seed);
    if (optim_init(&t->opt, &t->model->params, &t->cfg) != 0) {
        snprintf(err, errlen, "cannot create the optimizer");
        goto fail;
    }
    t->opt_ready = 1;
    t->steps_per_epoch = (t->data.train.n + bs - 1) / bs;
    t->total_steps = (long)t->steps_per_epoch * t->cfg.train_epochs;
    t->order = malloc((size_t)t->data.train.n * sizeof *t->order);
    t->batch_start = malloc(((size_t)t->steps_per_epoch + 1) * sizeof *t->batch_start);
    t->val_order = sorted_order(&t->data.val);
    t->test_order = sorted_order(&t->data.test);
    t->tok = malloc((size_t)maxB * T * sizeof *t->tok);
    t->len = malloc((size_t)maxB * sizeof *t->len);
    t->lab = malloc((size_t)maxB * sizeof *t->lab);
    t->pred = malloc((size_t)maxB * sizeof *t->pred);
    t->events = evq_create(1024);
    t->cmds = cmdch_create();
    if (!t->order || !t->batch_start || !t->tok || !t->len || !t->lab || !t->pred || !t->events || !t->cmds) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    pick_explain_samples(t);

    if (resume_dir ? open_for_resume(t, resume_dir, err, errlen) : create_new(t, err, errlen)) goto fail;
    if (!resume_dir && run_lock(t->dir, err, errlen) != 0) goto fail;
    const char *base = strrchr(t->dir, '/');
    snprintf(t->run, sizeof t->run, "%.255s", base ? base + 1 : t->dir);
    RunSummary *s = &t->summary;
    snprintf(s->run, sizeof s->run, "%s", t->run);
    snprintf(s->arch, sizeof s->arch, "%s", t->arch);
    s->params = (long)model_param_count(t->model);
    s->epochs = t->cfg.train_epochs;
    long torn = 0;
    if (run_log_open(&t->log, t->dir, &torn, err, errlen) != 0) goto fail;
    if (torn > 0) {
        size_t used = strlen(t->notes);
        snprintf(t->notes + used, sizeof t->notes - used, "%sevents.jsonl ended in a torn line (%ld bytes): cut it",
                 used ? "; " : "", torn);
    }
    t->session_start = now_seconds();

    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&t->thread, NULL, worker, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the training thread");
        goto fail;
    }
    t->thread_started = 1;
    return t;

fail:
    if (t->dir[0]) {
        if (!resume_dir) {
            /* Nothing was trained: leave no empty run behind. */
            char path[RUN_PATH_MAX + 32];
            static const char *files[] = {"config.yaml", "vocab.txt", "summary.json", "events.jsonl", "lock"};
            run_unlock(t->dir);
            for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
                file_in_run(t, path, sizeof path, files[i]);
                unlink(path);
            }
            rmdir(t->dir);
        } else {
            run_unlock(t->dir);
        }
    } else if (resume_dir) {
        run_unlock(resume_dir);
    }
    trainer_release(t);
    return NULL;
}

int trainer_poll(Trainer *t, double timeout_s, TrainLineFn on_line, void *ctx) {
    int n = 0;
    char *line = evq_pop(t->events, timeout_s);
    while (line) {
        if (on_line) on_line(ctx, line);
        free(line);
        n++;
        line = evq_pop(t->events, 0);
    }
    if (n == 0 && evq_finished(t->events)) return -1;
    return n;
}

void trainer_command(Trainer *t, TrainCmd cmd) { cmdch_send(t->cmds, cmd); }

int trainer_join(Trainer *t) {
    if (t->thread_started && !t->joined) {
        pthread_join(t->thread, NULL);
        t->joined = 1;
    }
    return t->status;
}

void trainer_free(Trainer *t) {
    if (!t) return;
    if (t->thread_started && !t->joined) cmdch_send(t->cmds, TRAIN_CMD_STOP);
    trainer_join(t);
    trainer_release(t);
}

const char *trainer_run_dir(const Trainer *t) { return t->dir; }
const char *trainer_reason(const Trainer *t) { return t->reason; }
const char *trainer_notes(const Trainer *t) { return t->notes; }
