#include "run/mlm_train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/hash.h"
#include "data/data_internal.h"
#include "data/wordpiece_learn.h"
#include "models/mlm_model.h"
#include "run/checkpoint.h"
#include "run/hf_export.h"
#include "run/mlm_batch.h"
#include "run/trainer_internal.h"

/* Seeds of the held-out slice and of the validation masks: fixed, so that
 * every seed of a pretraining is scored on the same reviews the same way. */
#define VAL_SEED 0x6d6c6d76616cULL

typedef struct MlmRun {
    int32_t *tokens, *pos, *labels; /* [max B x T] */
    uint64_t *keys;                 /* [max B] */
    MlmIds ids;
} MlmRun;

int mlm_run(const Trainer *t) { return t->cfg.train_objective == OBJECTIVE_MLM; }

/* rows idx[0..n) of src into dst (allocated). */
static int copy_rows(Split *dst, const Split *src, const int32_t *idx, int n) {
    if (split_alloc(dst, n, src->T)) return -1;
    size_t T = (size_t)src->T;
    for (int i = 0; i < n; i++) {
        int r = idx[i];
        memcpy(dst->tokens + (size_t)i * T, src->tokens + (size_t)r * T, T * sizeof(int32_t));
        dst->lengths[i] = src->lengths[r];
        dst->full_lengths[i] = src->full_lengths[r];
        dst->labels[i] = 0;
        dst->ratings[i] = 0;
    }
    return 0;
}

static int take_unsup(Trainer *t, char *err, size_t errlen) {
    Dataset *d = &t->data;
    const Split *u = &d->unsup;
    if (u->n < 2)
        return snprintf(err, errlen, "train.objective mlm pretrains on unlabelled reviews and the data has %d", u->n), -1;
    int nval = (int)(u->n * t->cfg.data_val_fraction + 0.5);
    nval = nval < 1 ? 1 : nval > MLM_VAL_MAX ? MLM_VAL_MAX : nval;
    if (nval >= u->n) nval = u->n - 1;
    int ntrain = u->n - nval;
    if (t->cfg.data_limit_train > 0 && t->cfg.data_limit_train < ntrain) ntrain = t->cfg.data_limit_train;
    int32_t *idx = malloc(sizeof *idx * (size_t)u->n);
    if (!idx) return snprintf(err, errlen, "out of memory"), -1;
    for (int i = 0; i < u->n; i++) idx[i] = i;
    split_shuffle(idx, u->n, VAL_SEED);
    Split train = {0}, val = {0};
    int bad = copy_rows(&val, u, idx, nval) || copy_rows(&train, u, idx + nval, ntrain);
    free(idx);
    if (bad) {
        split_free(&train), split_free(&val);
        return snprintf(err, errlen, "out of memory"), -1;
    }
    split_free(&d->train), split_free(&d->val), split_free(&d->test), split_free(&d->unsup);
    d->train = train;
    d->val = val;
    return 0;
}

int mlm_prepare(Trainer *t, char *err, size_t errlen) {
    if (t->ranks > 1) return snprintf(err, errlen, "train.objective mlm runs in one process (no MPI ranks yet)"), -1;
    if (t->data.vocab.n <= WP_FIRST_PLAIN)
        return snprintf(err, errlen, "train.objective mlm needs a learnt WordPiece vocabulary (model.arch distilbert)"), -1;
    const char *out = t->cfg.train_export_dir;
    char path[4200];
    snprintf(path, sizeof path, "%s/model.safetensors", out ? out : "");
    if (out && *out && access(path, F_OK) == 0)
        return snprintf(err, errlen,
                        "train.export_dir %s already holds a pretrained model: fine-tune from it (model.init: %s), or "
                        "move it away or set another train.export_dir to pretrain again",
                        out, out),
               -1;
    if (take_unsup(t, err, errlen)) return -1;
    MlmRun *r = calloc(1, sizeof *r);
    int B = t->cfg.train_batch_size, T = t->data.train.T;
    size_t n = (size_t)B * T;
    t->mlm = r;
    if (!r || !(r->tokens = malloc(n * sizeof(int32_t))) || !(r->pos = malloc(n * sizeof(int32_t))) ||
        !(r->labels = malloc(n * sizeof(int32_t))) || !(r->keys = malloc((size_t)B * sizeof(uint64_t))))
        return snprintf(err, errlen, "out of memory"), -1;
    r->ids = (MlmIds){WP_PAD, WP_UNK, WP_CLS, WP_SEP, WP_MASK, WP_FIRST_PLAIN, t->data.vocab.n};
    size_t used = strlen(t->notes);
    snprintf(t->notes + used, sizeof t->notes - used,
             "%spretraining on %d unlabelled reviews (%d more held out for validation) with a WordPiece vocabulary "
             "of %d learnt from them",
             used ? "; " : "", t->data.train.n, t->data.val.n, t->data.vocab.n);
    return 0;
}

void mlm_release(Trainer *t) {
    MlmRun *r = t->mlm;
    if (!r) return;
    free(r->tokens), free(r->pos), free(r->labels), free(r->keys);
    free(r);
    t->mlm = NULL;
}

/* The masked batch, the forward (and with train its backward). */
static double masked_pass(Trainer *t, const Batch *b, int train, long *correct, int *M) {
    MlmRun *r = t->mlm;
    MlmBatch mb = {.pos = r->pos, .labels = r->labels};
    mlm_mask(b, &r->ids, (float)t->cfg.train_mask_prob, r->keys, r->tokens, &mb);
    MlmTargets tg = {mb.pos, mb.labels, mb.M};
    *M = mb.M;
    return model_mlm_forward(t->model, &mb.in, &tg, train, correct);
}

StepStatus mlm_step(Trainer *t, const Batch *b, StepResult *out) {
    Model *m = t->model;
    uint64_t key = hash_pair((uint64_t)t->cfg.train_seed ^ 0xd809e7ULL, (uint64_t)t->step);
    rng_seed(&m->dropout_rng, key);
    for (int s = 0; s < b->B; s++) t->mlm->keys[s] = hash_pair(key, (uint64_t)s);
    params_zero_grad(&m->params);
    int M;
    out->loss = (float)masked_pass(t, b, 1, NULL, &M);
    out->grad_norm = out->lr = 0;
    if (!isfinite(out->loss)) return STEP_BAD_LOSS;
    model_mlm_backward(m);
    out->grad_norm = grad_clip_norm(&m->params, (float)t->cfg.train_clip_norm);
    if (!isfinite(out->grad_norm)) return STEP_BAD_GRAD;
    out->lr = (float)lr_at(&t->cfg, t->step, t->total_steps);
    optim_step(&t->opt, out->lr);
    return STEP_OK;
}

void mlm_validate(Trainer *t, Metrics *m, long *masked) {
    const Split *s = &t->data.val;
    int bs = t->cfg.train_batch_size;
    double loss = 0;
    long hits = 0, total = 0;
    for (int a = 0; a < s->n; a += bs) {
        int n = s->n - a < bs ? s->n - a : bs;
        Batch b = batcher_gather(&t->batch, s, t->val_order + a, n);
        for (int k = 0; k < n; k++) t->mlm->keys[k] = hash_pair(VAL_SEED, (uint64_t)t->val_order[a + k]);
        long c;
        int M;
        double l = masked_pass(t, &b, 0, &c, &M);
        loss += l * M, hits += c, total += M;
    }
    metrics_clear(m);
    m->n = s->n;
    m->loss = total ? loss / (double)total : 0;
    m->accuracy = total ? (double)hits / (double)total : 0;
    m->f1 = m->f1_macro = m->f1_weighted = m->accuracy;
    *masked = total;
}

int mlm_export(Trainer *t, int final) {
    if (t->rank) return 0;
    char dir[RUN_PATH_MAX + 32], err[1024] = "";
    if (final) {
        const char *out = t->cfg.train_export_dir;
        if (!out || !*out) return 0;
        char path[RUN_PATH_MAX + 32];
        file_in_run(t, path, sizeof path, "checkpoint.safetensors");
        if (access(path, F_OK) == 0 && checkpoint_load(path, t->model, NULL, NULL, NULL, err, sizeof err) != 0) {
            snprintf(t->reason, sizeof t->reason, "cannot read the best checkpoint to export it: %s", err);
            return -1;
        }
        snprintf(dir, sizeof dir, "%s", out);
    } else {
        file_in_run(t, dir, sizeof dir, MLM_FOLDER);
    }
    if (hf_export_pretrained(t->model, &t->data.vocab, dir, err, sizeof err) != 0) {
        snprintf(t->reason, sizeof t->reason, "cannot write the pretrained encoder: %s", err);
        return -1;
    }
    return 0;
}
