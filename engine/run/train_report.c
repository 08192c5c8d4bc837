/* What the trainer tells: event lines (schema in events.h) appended to
 * events.jsonl and published to the reader, and summary.json. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/trainer_internal.h"
#include "run/attn_view.h"
#include "run/cost.h"
#include "run/class_names.h"

/* Explain samples are picked among validation reviews at most this long, so
 * the heatmap stays readable; attention maps are kept for the first sample
 * only and when they have at most ATTN_MAX_VALUES values. */
#define EXPLAIN_MAX_LEN 64
#define ATTN_MAX_VALUES 65536

/* One line: appended to events.jsonl and published to the reader. */
static int emit_line(Trainer *t, const char *line, int droppable) {
    if (t->rank) return 0; /* rank 0 tells for all ranks */
    int r = run_log_write(&t->log, line);
    evq_push(t->events, line, droppable);
    if (r != 0 && t->status == TRAIN_RUNNING) {
        snprintf(t->reason, sizeof t->reason, "cannot append to %s (disk full?)", t->log.path);
        t->status = TRAIN_FAILED;
    }
    return r;
}

int report_event(Trainer *t, const Event *ev, int droppable) {
    char *line = event_format(ev);
    int r = line ? emit_line(t, line, droppable) : 0;
    free(line);
    return r;
}

void report_start(Trainer *t) {
    Event ev;
    event_init(&ev, EV_START);
    StartEvent *e = &ev.start;
    *e = (StartEvent){.run = t->run,
                      .arch = t->arch,
                      .params = (long)model_param_count(t->model),
                      .epochs = t->cfg.train_epochs,
                      .steps_per_epoch = t->steps_per_epoch,
                      .total_steps = t->total_steps,
                      .train_size = t->data.train.n,
                      .val_size = t->data.val.n,
                      .test_size = t->data.test.n,
                      .batch_size = t->cfg.train_batch_size,
                      .max_len = t->cfg.data_max_len,
                      .resumed_from_step = t->resumed_from};
    if (t->resumed) EVENT_SET(&ev, start, resumed_from_step);
    if (t->cfg.eval_limit > 0) {
        e->eval_limit = t->cfg.eval_limit, e->val_total = t->val_total, e->test_total = t->test_total;
        EVENT_SET(&ev, start, eval_limit);
        EVENT_SET(&ev, start, val_total);
        EVENT_SET(&ev, start, test_total);
    }
    e->train_flops_per_token = cost_train_flops_per_token(t->model, t->cfg.data_max_len);
    e->eval_flops_per_token = cost_eval_flops_per_token(t->model, t->cfg.data_max_len);
    EVENT_SET(&ev, start, train_flops_per_token);
    EVENT_SET(&ev, start, eval_flops_per_token);
    char *classes = t->data.n_classes ? class_names_join(t->data.classes, t->data.n_classes) : NULL;
    if (classes) {
        e->classes = classes;
        EVENT_SET(&ev, start, classes);
    }
    report_event(t, &ev, 0);
    free(classes);
}

void report_step(Trainer *t, const StepResult *r) {
    Event ev;
    event_init(&ev, EV_STEP);
    ev.step = (StepEvent){.step = t->step,
                          .epoch = trainer_epoch_progress(t),
                          .loss = (double)r->loss,
                          .lr = (double)r->lr,
                          .grad_norm = (double)r->grad_norm,
                          .tokens_per_s = t->rate,
                          .elapsed = trainer_elapsed(t)};
    report_event(t, &ev, 1);
}

void report_eval(Trainer *t, const char *split, long step, double epoch, const Metrics *m, int best) {
    report_eval_masked(t, split, step, epoch, m, best, -1);
}

void report_eval_masked(Trainer *t, const char *split, long step, double epoch, const Metrics *m, int best,
                        long masked) {
    Event ev;
    event_init(&ev, EV_EVAL);
    EvalEvent *e = &ev.eval;
    *e = (EvalEvent){.step = step,
                     .epoch = epoch,
                     .split = split,
                     .loss = m->loss,
                     .accuracy = m->accuracy,
                     .precision = m->precision,
                     .recall = m->recall,
                     .f1 = m->f1,
                     .f1_macro = m->f1_macro,
                     .f1_weighted = m->f1_weighted,
                     .best = best,
                     .wall_seconds = trainer_wall_seconds(t)};
    memcpy(e->confusion.c, m->confusion, sizeof e->confusion.c);
    e->confusion.n = m->n_classes;
    if (masked >= 0) {
        e->masked = masked;
        EVENT_SET(&ev, eval, masked);
    }
    report_event(t, &ev, 0);
}

void report_checkpoint(Trainer *t, const char *file, const double *metric) {
    Event ev;
    event_init(&ev, EV_CHECKPOINT);
    ev.checkpoint = (CheckpointEvent){.step = t->step, .file = file, .metric = metric ? *metric : 0};
    if (metric) EVENT_SET(&ev, checkpoint, metric);
    report_event(t, &ev, 0);
}

void report_state(Trainer *t, const char *state) {
    Event ev;
    event_init(&ev, EV_STATE);
    ev.state = (StateEvent){.step = t->step, .state = state};
    report_event(t, &ev, 0);
}

void report_pretrain(Trainer *t, long done, long total, double loss) {
    Event ev;
    event_init(&ev, EV_PRETRAIN);
    ev.pretrain = (PretrainEvent){.done = done, .total = total, .loss = loss, .elapsed = trainer_elapsed(t)};
    EVENT_SET(&ev, pretrain, loss);
    EVENT_SET(&ev, pretrain, elapsed);
    report_event(t, &ev, 1);
}

void report_pretrain_done(Trainer *t, long total, int cached, double seconds) {
    Event ev;
    event_init(&ev, EV_PRETRAIN);
    ev.pretrain = (PretrainEvent){.done = total, .total = total, .cached = cached, .seconds = seconds, .final = 1};
    EVENT_SET(&ev, pretrain, cached);
    EVENT_SET(&ev, pretrain, seconds);
    EVENT_SET(&ev, pretrain, final);
    report_event(t, &ev, 0);
}

void report_phase(Trainer *t, const char *phase, long done, long total, long tokens, double flops, double elapsed,
                  int final) {
    Event ev;
    event_init(&ev, EV_PHASE);
    ev.phase = (PhaseEvent){.phase = phase, .done = done, .total = total, .tokens = tokens, .flops = flops,
                            .elapsed = elapsed, .final = final};
    if (done == 0 && !final) {
        EVENT_SET(&ev, phase, tokens);
        EVENT_SET(&ev, phase, flops);
    }
    if (final) EVENT_SET(&ev, phase, final);
    /* progress lines may be dropped by a slow reader like steps; a start and an end may not */
    report_event(t, &ev, done > 0 && !final);
}

void apply_eval_limit(Trainer *t) {
    t->val_total = t->data.val.n;
    t->test_total = t->data.test.n;
    long lim = t->cfg.eval_limit;
    /* the splits are already in a seeded, shuffled order: the first N are a fair, repeatable choice */
    if (lim > 0 && t->data.val.n > lim) t->data.val.n = (int)lim;
    if (lim > 0 && t->data.test.n > lim) t->data.test.n = (int)lim;
}

void report_end(Trainer *t) {
    Event ev;
    if (t->status == TRAIN_FAILED) {
        event_init(&ev, EV_FAILED);
        ev.failed = (FailedEvent){.step = t->step, .reason = t->reason};
    } else {
        event_init(&ev, EV_DONE);
        ev.done = (DoneEvent){.step = t->step,
                              .status = t->status == TRAIN_FINISHED ? "finished" : "stopped",
                              .elapsed = trainer_elapsed(t),
                              .wall_seconds = trainer_wall_seconds(t)};
    }
    report_event(t, &ev, 0);
}

/* ---- explain samples --------------------------------------------------- */

void pick_explain_samples(Trainer *t) {
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

/* What an explain event keeps of a review's attention, so that it stays
 * bounded however large the model (DistilBERT: 72 heads x 256^2 would be 4.7M
 * numbers a review): each layer's mean over heads, the heads
 * eval.attention_heads names, and every head only of the first sample of a
 * small model (at most ATTN_MAX_VALUES numbers, as before). Any other head is
 * computed on demand from the checkpoint (Try it, `sentui predict --layer
 * --head`); events.c holds the whole line to EVENT_MAX_BYTES. */
static void keep_maps(Trainer *t, const Explanation *ex, int n, int with_all, ExplainSample *x) {
    size_t L = (size_t)n * (size_t)n, cells = (size_t)ex->layers * ex->heads * L;
    /* ex->attn is [layers][heads][ex->len][ex->len]; n == ex->len here (make_sample) */
    x->layers = ex->layers;
    x->heads = ex->heads;
    if (with_all && cells <= ATTN_MAX_VALUES && (x->attn = malloc(cells * sizeof *x->attn)))
        memcpy(x->attn, ex->attn, cells * sizeof *x->attn);
    x->layer_mean = attn_layer_means(ex->attn, ex->layers, ex->heads, n);
    int pairs[2 * CONFIG_MAX_ATTENTION_HEADS], np;
    char msg[160];
    np = config_attention_heads(t->cfg.eval_attention_heads, pairs, CONFIG_MAX_ATTENTION_HEADS, msg, sizeof msg);
    int k = 0;
    if (np > 0 && (x->kept = malloc(2 * (size_t)np * sizeof *x->kept)) &&
        (x->kept_attn = malloc((size_t)np * L * sizeof *x->kept_attn))) {
        for (int i = 0; i < np; i++) {
            if (pairs[2 * i] >= ex->layers || pairs[2 * i + 1] >= ex->heads) continue;
            x->kept[2 * k] = pairs[2 * i], x->kept[2 * k + 1] = pairs[2 * i + 1];
            memcpy(x->kept_attn + (size_t)k * L, ex->attn + ((size_t)pairs[2 * i] * ex->heads + pairs[2 * i + 1]) * L,
                   L * sizeof *x->kept_attn);
            k++;
        }
    }
    x->n_kept = k;
}

int check_attention_heads(const Trainer *t, char *err, size_t errlen) {
    int pairs[2 * CONFIG_MAX_ATTENTION_HEADS];
    char msg[160];
    int np = config_attention_heads(t->cfg.eval_attention_heads, pairs, CONFIG_MAX_ATTENTION_HEADS, msg, sizeof msg);
    const Config *mc = &t->model->cfg; /* a distilbert model's sizes come from its folder */
    int has_attn = mc->model_arch == ARCH_TRANSFORMER || mc->model_arch == ARCH_DISTILBERT;
    for (int i = 0; i < np; i++)
        if (!has_attn || pairs[2 * i] >= mc->model_layers || pairs[2 * i + 1] >= mc->model_heads) {
            snprintf(err, errlen, "eval.attention_heads: %d.%d is beyond the model's %d layers x %d heads",
                     pairs[2 * i] + 1, pairs[2 * i + 1] + 1, has_attn ? mc->model_layers : 0,
                     has_attn ? mc->model_heads : 0);
            return -1;
        }
    return 0;
}

/* The sample of validation review i from the model's explanation; its words
 * point into the vocabulary (free with free_sample). with_attn: keep the
 * attention maps when they are small enough. */
static int make_sample(Trainer *t, int i, int with_attn, ExplainSample *x) {
    const Split *s = &t->data.val;
    int len = s->lengths[i] < s->T ? s->lengths[i] : s->T;
    const int32_t *toks = s->tokens + (size_t)i * s->T;
    Explanation ex;
    memset(x, 0, sizeof *x);
    if (model_explain(t->model, toks, len, &ex) != 0) {
        explanation_free(&ex);
        return -1;
    }
    int n = ex.len > 0 && ex.len <= len ? ex.len : len;
    int nc = t->model->n_classes, pred = 0;
    for (int c = 1; c < nc; c++)
        if (ex.prob[c] > ex.prob[pred]) pred = c;
    /* binary: p(positive), as always; more classes: the chosen class's */
    float prob = nc == 2 ? ex.prob[1] : ex.prob[pred];
    *x = (ExplainSample){.index = i, .label = s->labels[i], .pred = pred, .prob = prob, .len = n};
    snprintf(x->method, sizeof x->method, "%s", ex.method);
    x->tokens = calloc((size_t)n + 1, sizeof *x->tokens);
    x->weight = calloc((size_t)n + 1, sizeof *x->weight);
    for (int j = 0; x->tokens && x->weight && j < n; j++) {
        int id = toks[j];
        x->tokens[j] = id >= 0 && id < t->data.vocab.n ? t->data.vocab.words[id] : "?";
        x->weight[j] = ex.token_weight ? ex.token_weight[j] : 0;
    }
    if (ex.attn && ex.layers > 0 && ex.heads > 0 && n == ex.len) keep_maps(t, &ex, n, with_attn, x);
    explanation_free(&ex);
    return x->tokens && x->weight ? 0 : -1;
}

static void free_sample(ExplainSample *x) {
    free(x->tokens);
    free(x->weight);
    free(x->attn);
    free(x->layer_mean);
    free(x->kept);
    free(x->kept_attn);
}

void report_explain(Trainer *t) {
    if (t->n_explain == 0) return;
    ExplainSample samples[MAX_EXPLAIN];
    int n = 0;
    for (int k = 0; k < t->n_explain; k++) {
        if (make_sample(t, t->explain_idx[k], k == 0, &samples[n]) == 0) n++;
        else free_sample(&samples[n]);
    }
    Event ev;
    event_init(&ev, EV_EXPLAIN);
    ev.explain = (ExplainEvent){.step = t->step, .samples = {n, samples}};
    report_event(t, &ev, 0);
    for (int k = 0; k < n; k++) free_sample(&samples[k]);
}

/* ---- summary.json ------------------------------------------------------ */

void save_summary(Trainer *t, RunStatus st) {
    if (t->rank) return;
    RunSummary *s = &t->summary;
    s->status = st;
    s->epoch = trainer_epoch_progress(t);
    s->step = t->step;
    s->total_steps = t->total_steps;
    s->train_seconds = trainer_elapsed(t);
    if (t->compute_seconds > 0) s->tokens_per_s = t->session_tokens / t->compute_seconds;
    s->pid = (long)getpid();
    snprintf(s->reason, sizeof s->reason, "%.250s", t->reason);
    char err[512];
    /* A summary that cannot be written costs the listing an update, not the run. */
    run_summary_save(t->dir, s, err, sizeof err);
}
