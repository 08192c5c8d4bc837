/* Starting a training run (new, or resumed from its last.safetensors) and
 * the handle the caller keeps: the worker thread itself is in
 * train_worker.c, the events it writes in train_report.c. */
#include "run/train.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data/wordpiece_data.h"
#include "run/checkpoint.h"
#include "run/dist.h"
#include "run/mlm_train.h"
#include "run/trainer_internal.h"
#include "run/class_names.h"

/* ---- start / stop ------------------------------------------------------------ */

static void trainer_release(Trainer *t) {
    if (!t) return;
    model_free(t->model);
    if (t->opt_ready) optim_free(&t->opt);
    grad_exchange_free(t->gx);
    dataset_free(&t->data);
    evq_free(t->events);
    cmdch_free(t->cmds);
    run_log_close(&t->log);
    epoch_order_free(&t->epoch_order);
    batcher_free(&t->batch);
    free(t->val_order);
    free(t->test_order);
    free(t->val_shard);
    mlm_release(t);
    config_free(&t->cfg);
    free(t);
}

/* A WordPiece run's vocab.txt ([PAD] [unused..] ...) is not a word
 * vocabulary (<PAD> <UNK> ...): it must hold the data's entries line by line. */
static int same_lines(const char *path, const Vocab *v) {
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int i = 0, same = 1;
    while (same && (got = getline(&line, &cap, f)) >= 0) {
        if (got && line[got - 1] == '\n') line[--got] = 0;
        same = i < v->n && !strcmp(line, v->words[i]);
        i++;
    }
    free(line);
    fclose(f);
    return same && i == v->n;
}

static int check_vocab(Trainer *t, char *err, size_t errlen) {
    char path[RUN_PATH_MAX + 32], verr[256];
    file_in_run(t, path, sizeof path, "vocab.txt");
    if (data_uses_wordpiece(&t->cfg)) {
        if (same_lines(path, &t->data.vocab)) return 0;
        snprintf(err, errlen, "%s differs from the model's WordPiece vocabulary now (did the data or the folder change?)",
                 path);
        return -1;
    }
    Vocab v = {0};
    if (vocab_load(&v, path, verr, sizeof verr) != 0) {
        snprintf(err, errlen, "%s", verr);
        return -1;
    }
    int same = vocab_same(&v, &t->data.vocab);
    vocab_free(&v);
    if (!same) {
        snprintf(err, errlen, "%s differs from the vocabulary built from the data now (did the dataset change?)",
                 path);
        return -1;
    }
    return 0;
}

/* Opens an existing run: lock, summary, checkpoint with optimizer state. */
/* A resumed run's data must still have the classes its head was built for. */
static int check_classes(Trainer *t, char *err, size_t errlen) {
    ClassNames saved;
    int got = class_names_load(&saved, t->dir);
    int same = got == 0 ? t->data.n_classes == 0 : got == 1 && saved.n == t->data.n_classes;
    for (int i = 0; same && got == 1 && i < saved.n; i++) same = !strcmp(saved.names[i], t->data.classes[i]);
    class_names_free(&saved);
    if (same) return 0;
    snprintf(err, errlen, "%s/classes.txt %s", t->dir,
             got < 0 ? "is unreadable or malformed" : "names other classes than the data has now (did the data change?)");
    return -1;
}

static int open_for_resume(Trainer *t, const char *dir, char *err, size_t errlen) {
    snprintf(t->dir, sizeof t->dir, "%s", dir);
    if (run_summary_load(dir, &t->summary, err, errlen) != 0) return -1;
    if (t->summary.status == RUN_FINISHED) {
        snprintf(err, errlen, "run %s has already finished (%ld steps); nothing to resume", dir, t->summary.step);
        return -1;
    }
    if (check_vocab(t, err, errlen) != 0 || check_classes(t, err, errlen) != 0) return -1;
    char path[RUN_PATH_MAX + 32];
    file_in_run(t, path, sizeof path, "last.safetensors");
    CheckpointMeta meta;
    /* Every number of the metadata that becomes an index or a loop bound is checked against the run. */
    CheckpointLimits lim = {t->cfg.train_epochs, t->steps_per_epoch,
                            (double)t->cfg.train_batch_size * t->data.train.T, t->cfg.eval_metric, t->opt.v != NULL};
    if (access(path, F_OK) != 0) {
        /* Killed before its first save: start over in the same folder. */
        size_t used = strlen(t->notes);
        snprintf(t->notes + used, sizeof t->notes - used, "%sno last.safetensors yet: starting the run over",
                 used ? "\n" : "");
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
    if (t->rank) return 0; /* rank 0 owns the run folder */
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
    if (t->data.n_classes && class_names_save(t->data.classes, t->data.n_classes, t->dir) != 0) {
        snprintf(err, errlen, "cannot write %s/classes.txt", t->dir);
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

/* The run's config: the caller's, or (cfg NULL) the resumed run's config.yaml. */
static int trainer_config(Trainer *t, const Config *cfg, const char *resume_dir, char *err, size_t errlen) {
    if (cfg) {
        config_copy(&t->cfg, cfg);
        return 0;
    }
    if (!resume_dir) {
        snprintf(err, errlen, "no config given");
        return -1;
    }
    char path[RUN_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/config.yaml", resume_dir);
    ConfigErrors ce = {0};
    if (config_read(&t->cfg, &(ConfigSource){.file = path}, &ce) != 0) {
        snprintf(err, errlen, "%s: %s", ce.n ? ce.items[0].file : path, ce.n ? ce.items[0].msg : "invalid");
        config_errors_free(&ce);
        return -1;
    }
    config_errors_free(&ce);
    return 0;
}

/* Compute threads (and the worker) inherit the creating thread's signal
 * mask: SIGINT and SIGWINCH are blocked while they are created, so those
 * signals land on the caller's thread. */
static void block_signals(sigset_t *old) {
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGWINCH);
    pthread_sigmask(SIG_BLOCK, &block, old);
}

/* Dataset, model, optimizer, batch buffers, explain samples. */
static int trainer_build(Trainer *t, char *err, size_t errlen) {
    char derr[512] = "";
    if (dataset_load(&t->cfg, &t->paths, &t->data, derr, sizeof derr) != 0) {
        snprintf(err, errlen, "cannot load the dataset: %s", derr[0] ? derr : "unknown error");
        return -1;
    }
    if (t->data.warnings && t->data.warnings[0]) {
        size_t used = strlen(t->notes);
        snprintf(t->notes + used, sizeof t->notes - used, "%s%s", used ? "\n" : "", t->data.warnings);
        used = strlen(t->notes);
        if (used && t->notes[used - 1] == '\n') t->notes[used - 1] = 0;
    }
    if (mlm_run(t) && mlm_prepare(t, err, errlen) != 0) return -1;
    apply_eval_limit(t); /* after a pretraining has swapped in its held-out slice */
    if (t->data.train.n == 0 || t->data.val.n == 0) {
        snprintf(err, errlen, "the dataset has %d training and %d validation reviews: too few to train",
                 t->data.train.n, t->data.val.n);
        return -1;
    }
    int bs = t->cfg.train_batch_size, ebs = t->cfg.eval_batch_size, T = t->data.train.T;
    int maxB = bs > ebs ? bs : ebs;
    int n_classes = t->data.n_classes ? t->data.n_classes : NUM_CLASSES;
    t->model = model_create_named(&t->cfg, t->data.vocab.n, n_classes, t->data.n_classes ? t->data.classes : NULL, maxB,
                                  T, err, errlen);
    if (!t->model) return -1;
    model_init(t->model, (uint64_t)t->cfg.train_seed);
    if (check_attention_heads(t, err, errlen) != 0) return -1;
    if (distilbert_note(t->model)[0]) {
        size_t used = strlen(t->notes);
        snprintf(t->notes + used, sizeof t->notes - used, "%smodel.init: %s", used ? "; " : "",
                 distilbert_note(t->model));
    }
    if (optim_init(&t->opt, &t->model->params, &t->cfg) != 0) {
        snprintf(err, errlen, "cannot create the optimizer");
        return -1;
    }
    t->opt_ready = 1;
    t->steps_per_epoch = (t->data.train.n + bs - 1) / bs;
    t->total_steps = (long)t->steps_per_epoch * t->cfg.train_epochs;
    int ok = epoch_order_init(&t->epoch_order, t->data.train.n, bs) == 0;
    ok &= batcher_init(&t->batch, maxB, T, t->cfg.model_lab_compat) == 0;
    t->val_order = batcher_sorted_order(&t->data.val);
    t->test_order = batcher_sorted_order(&t->data.test);
    if (t->ranks > 1 && t->val_order) {
        t->val_shard = malloc(((size_t)t->data.val.n / (size_t)t->ranks + 1) * sizeof *t->val_shard);
        ok &= t->val_shard != NULL;
        for (int i = t->rank; t->val_shard && i < t->data.val.n; i += t->ranks)
            t->val_shard[t->val_shard_n++] = t->val_order[i];
    }
    t->events = evq_create(1024);
    t->cmds = cmdch_create();
    if (!ok || !t->val_order || !t->test_order || !t->events || !t->cmds) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (!mlm_run(t)) pick_explain_samples(t); /* a pretraining has no labels to explain */
    return 0;
}

/* The run folder: created or reopened, locked, with its summary and event log. */
static int trainer_open_run(Trainer *t, const char *resume_dir, char *err, size_t errlen) {
    if (resume_dir ? open_for_resume(t, resume_dir, err, errlen) : create_new(t, err, errlen)) return -1;
    if (t->rank) return 0; /* the other ranks read a resumed run and write nothing */
    if (!resume_dir && run_lock(t->dir, err, errlen) != 0) return -1;
    const char *base = strrchr(t->dir, '/');
    snprintf(t->run, sizeof t->run, "%.255s", base ? base + 1 : t->dir);
    RunSummary *s = &t->summary;
    snprintf(s->run, sizeof s->run, "%s", t->run);
    snprintf(s->arch, sizeof s->arch, "%s", t->arch);
    s->params = (long)model_param_count(t->model);
    s->epochs = t->cfg.train_epochs;
    s->eval_limit = t->cfg.eval_limit;
    long torn = 0;
    if (run_log_open(&t->log, t->dir, &torn, err, errlen) != 0) return -1;
    if (torn > 0) {
        size_t used = strlen(t->notes);
        snprintf(t->notes + used, sizeof t->notes - used, "%sevents.jsonl ended in a torn line (%ld bytes): cut it",
                 used ? "; " : "", torn);
    }
    return 0;
}

/* A start that failed: nothing of a new run stays behind, a resumed run is unlocked. */
static void trainer_abandon(Trainer *t, const char *resume_dir) {
    if (t->dir[0] && !resume_dir) {
        /* Nothing was trained: leave no empty run behind. */
        char path[RUN_PATH_MAX + 32];
        static const char *files[] = {"config.yaml", "vocab.txt", "summary.json", "events.jsonl", "lock"};
        run_unlock(t->dir);
        for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
            file_in_run(t, path, sizeof path, files[i]);
            unlink(path);
        }
        rmdir(t->dir);
    } else if (t->dir[0]) {
        run_unlock(t->dir);
    } else if (resume_dir) {
        run_unlock(resume_dir);
    }
    trainer_release(t);
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
    if (trainer_config(t, cfg, resume_dir, err, errlen) != 0) {
        trainer_release(t);
        return NULL;
    }
    t->status = TRAIN_RUNNING;
    t->rank = dist_rank();
    t->ranks = dist_size();
    config_enum_name(ARCH_VALUES, t->cfg.model_arch, t->arch, sizeof t->arch);
    int failed = 0;
    if (resume_dir && t->rank == 0) {
        /* Lock first: a run another process is writing must not be touched. */
        if (run_lock(resume_dir, err, errlen) != 0)
            failed = 2; /* not ours to unlock */
        else
            snprintf(t->dir, sizeof t->dir, "%s", resume_dir);
    }
    sigset_t old;
    block_signals(&old);
    /* Several ranks on a machine share its cores rather than each taking all of them. */
    compute_set_threads(t->cfg.train_threads > 0 || t->ranks == 1 ? t->cfg.train_threads : dist_default_threads());
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!failed) failed = trainer_build(t, err, errlen) != 0 || trainer_open_run(t, resume_dir, err, errlen) != 0;
    /* All ranks start, or none: one left behind would wait for the others forever. */
    if (t->ranks > 1 && dist_any(failed) && !failed) {
        snprintf(err, errlen, "another rank could not start the run (its error is above)");
        failed = 1;
    }
    if (failed == 2 || (failed && t->rank)) {
        trainer_release(t); /* the run folder is rank 0's to clean */
        return NULL;
    }
    if (failed) {
        trainer_abandon(t, resume_dir);
        return NULL;
    }
    t->session_start = now_seconds();
    block_signals(&old);
    int rc = pthread_create(&t->thread, NULL, trainer_worker, t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the training thread");
        trainer_abandon(t, resume_dir);
        return NULL;
    }
    t->thread_started = 1;
    return t;
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
