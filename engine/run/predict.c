#include "run/predict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/attn_view.h"
#include "run/checkpoint.h"
#include "data/wordpiece_data.h"

int run_model_open(RunModel *r, const char *dir, int max_B, char *err, size_t errlen) {
    memset(r, 0, sizeof *r);
    r->attn_layer = r->attn_head = -1;
    char path[1100];
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    ConfigErrors ce = {0};
    if (config_read(&r->cfg, &(ConfigSource){.file = path}, &ce) != 0) {
        if (ce.n)
            snprintf(err, errlen, "%s:%d: %s", ce.items[0].file, ce.items[0].line, ce.items[0].msg);
        else
            snprintf(err, errlen, "%s: cannot read the run's config", path);
        config_errors_free(&ce);
        config_free(&r->cfg);
        return -1;
    }
    config_errors_free(&ce);
    if (r->cfg.train_objective == OBJECTIVE_MLM) {
        snprintf(err, errlen,
                 "%s is a pretraining (train.objective mlm) and classifies nothing: its encoder is the Hugging Face "
                 "folder %s/pretrained, which model.init fine-tunes",
                 dir, dir);
        config_free(&r->cfg);
        return -1;
    }
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    char verr[512] = "";
    if (data_uses_wordpiece(&r->cfg)) {
        /* the model folder's vocab.txt is the vocabulary */
        if (!(r->wp = data_wordpiece_open(&r->cfg, err, errlen)) || data_vocab_from_wordpiece(&r->vocab, r->wp)) {
            if (r->wp) snprintf(err, errlen, "out of memory");
            run_model_close(r);
            return -1;
        }
    } else if (vocab_load(&r->vocab, path, verr, sizeof verr) != 0) {
        snprintf(err, errlen, "%s", verr[0] ? verr : path);
        run_model_close(r);
        return -1;
    }
    if (max_B < 1) max_B = r->cfg.eval_batch_size;
    if (max_B < 1) max_B = 1;
    int T = r->cfg.data_max_len;
    r->max_B = max_B;
    if (class_names_load(&r->classes, dir) < 0) {
        snprintf(err, errlen, "%s/classes.txt: unreadable, or not 2 to %d class names one per line", dir, MAX_CLASSES);
        run_model_close(r);
        return -1;
    }
    r->n_classes = r->classes.n ? r->classes.n : NUM_CLASSES;
    r->model = model_create_named(&r->cfg, r->vocab.n, r->n_classes, r->classes.n ? r->classes.names : NULL, max_B, T,
                                  err, errlen);
    if (!r->model) {
        run_model_close(r);
        return -1;
    }
    snprintf(r->checkpoint, sizeof r->checkpoint, "%s/checkpoint.safetensors", dir);
    if (access(r->checkpoint, F_OK) != 0) snprintf(r->checkpoint, sizeof r->checkpoint, "%s/last.safetensors", dir);
    if (access(r->checkpoint, F_OK) != 0) {
        snprintf(err, errlen, "%s has no checkpoint.safetensors or last.safetensors yet", dir);
        run_model_close(r);
        return -1;
    }
    if (checkpoint_load(r->checkpoint, r->model, &r->meta, NULL, NULL, err, errlen) != 0) {
        run_model_close(r);
        return -1;
    }
    if (batcher_init(&r->batch, max_B, T, r->cfg.model_lab_compat) != 0) {
        snprintf(err, errlen, "out of memory");
        run_model_close(r);
        return -1;
    }
    return 0;
}

void run_model_close(RunModel *r) {
    model_free(r->model);
    vocab_free(&r->vocab);
    wordpiece_free(r->wp);
    config_free(&r->cfg);
    batcher_free(&r->batch);
    class_names_free(&r->classes);
    memset(r, 0, sizeof *r);
}

static void saw_word(void *ctx, const char *word, size_t len) {
    (void)word, (void)len;
    *(int *)ctx = 1;
}

/* Encodes one text into p->tokens; a text without a single word is marked
 * empty rather than read as one <UNK>. */
static int encode_one(RunModel *r, const char *text, size_t n, Prediction *p) {
    memset(p, 0, sizeof *p);
    int T = r->cfg.data_max_len;
    p->tokens = malloc((size_t)T * sizeof *p->tokens);
    if (!p->tokens) return -1;
    if (r->wp) {
        p->len = wordpiece_encode_kept(r->wp, text, n, T, r->cfg.data_truncate == TRUNC_TAIL, p->tokens);
        if (p->len <= 2) p->empty = 1, p->len = 0, p->label = -1; /* [CLS] [SEP] alone */
    } else {
        p->len = encode_text(&r->vocab, text, n, T, r->cfg.data_truncate, p->tokens);
    }
    if (!r->wp && p->len == 1 && p->tokens[0] == TOK_UNK) {
        int any = 0;
        tokenize(text, n, saw_word, &any);
        if (!any) p->empty = 1, p->len = 0, p->label = -1;
    }
    /* Keep only what was read: a block of short texts stays small. */
    int32_t *fit = realloc(p->tokens, (size_t)(p->len ? p->len : 1) * sizeof *fit);
    if (fit) p->tokens = fit;
    return 0;
}

static int by_tokens(const void *a, const void *b, void *ctx) {
    const Prediction *p = ctx;
    int32_t i = *(const int32_t *)a, j = *(const int32_t *)b;
    if (p[i].len != p[j].len) return p[i].len < p[j].len ? -1 : 1;
    return i < j ? -1 : i > j;
}

/* Tokens per batch beyond which long texts go in smaller batches: the
 * activations touched stay small, and a batch of long texts still fills the
 * GEMMs. */
#define BATCH_TOKENS 32768

/* order[0..n) indexes non-empty predictions, shortest first. */
static void forward_in_batches(RunModel *r, Prediction *out, const int32_t *order, int n) {
    int lab = r->cfg.model_lab_compat;
    for (int at = 0, B; at < n; at += B) {
        B = 1;
        while (at + B < n && B < r->max_B &&
               (size_t)(B + 1) * (size_t)(lab ? r->cfg.data_max_len : out[order[at + B]].len) <= BATCH_TOKENS)
            B++;
        /* The lab's setup reads the state after the padding: feed the full width. */
        int T = lab ? r->cfg.data_max_len : out[order[at + B - 1]].len;
        int32_t *tok = r->batch.tok, *len = r->batch.len;
        memset(tok, 0, (size_t)B * T * sizeof *tok);
        for (int i = 0; i < B; i++) {
            const Prediction *p = &out[order[at + i]];
            memcpy(tok + (size_t)i * T, p->tokens, (size_t)p->len * sizeof *tok);
            len[i] = p->len;
        }
        Batch b = {tok, len, NULL, B, T};
        model_forward(r->model, &b, 0);
        for (int i = 0; i < B; i++) {
            int nc = r->model->n_classes;
            const float *pr = r->model->probs + (size_t)i * nc;
            Prediction *p = &out[order[at + i]];
            memcpy(p->probs, pr, (size_t)nc * sizeof *pr);
            p->label = model_argmax(r->model, i);
            p->prob = nc == 2 ? pr[1] : pr[p->label];
        }
    }
}

void run_model_attention_shape(const RunModel *r, int *layers, int *heads) {
    int a = r->model ? r->model->arch : -1, has = a == ARCH_TRANSFORMER || a == ARCH_DISTILBERT;
    /* a distilbert model's build put its folder's sizes in its config */
    *layers = has ? r->model->cfg.model_layers : 0;
    *heads = has ? r->model->cfg.model_heads : 0;
}

/* The weights of the chosen layer and head: attention received, mean over
 * the queries, scaled to sum 1 like the model's own. */
static void chosen_weights(const RunModel *r, const Explanation *ex, Prediction *p) {
    size_t L = (size_t)ex->len * (size_t)ex->len;
    float *map = malloc((L + 1) * sizeof *map);
    AttnMaps a = {.len = ex->len, .layers = ex->layers, .heads = ex->heads, .full = ex->attn};
    if (map && attn_map(&a, r->attn_layer, r->attn_head, map) == 0) {
        attn_received(map, ex->len, p->weight);
        double sum = 0;
        for (int j = 0; j < ex->len; j++) sum += p->weight[j];
        for (int j = 0; j < ex->len && sum > 0; j++) p->weight[j] = (float)(p->weight[j] / sum);
        char ls[32] = "mean over layers", hs[32] = "mean over heads";
        if (r->attn_layer >= 0) snprintf(ls, sizeof ls, "layer %d/%d", r->attn_layer + 1, ex->layers);
        if (r->attn_head >= 0) snprintf(hs, sizeof hs, "head %d/%d", r->attn_head + 1, ex->heads);
        snprintf(p->method, sizeof p->method, "attention received, %s, %s", ls, hs);
    }
    free(map);
}

static void explain_one(RunModel *r, Prediction *p) {
    Explanation ex;
    if (model_explain(r->model, p->tokens, p->len, &ex) == 0 && ex.token_weight) {
        p->weight = ex.token_weight;
        ex.token_weight = NULL;
        snprintf(p->method, sizeof p->method, "%s", ex.method);
        int maps = ex.attn && ex.len == p->len;
        if (maps && (r->attn_layer >= 0 || r->attn_head >= 0)) chosen_weights(r, &ex, p);
        if (maps && r->keep_attn) {
            p->attn = ex.attn, p->layers = ex.layers, p->heads = ex.heads;
            ex.attn = NULL;
        }
    }
    explanation_free(&ex);
}

int run_model_predict_batch(RunModel *r, const char *const *text, const size_t *len, int n, Prediction *out,
                            int explain, char *err, size_t errlen) {
    int32_t *order = malloc(((size_t)n + 1) * sizeof *order);
    int m = 0, failed = !order;
    for (int i = 0; i < n; i++) {
        if (failed || encode_one(r, text[i], len[i], &out[i]) != 0) {
            memset(&out[i], 0, sizeof out[i]);
            failed = 1;
        } else if (!out[i].empty) {
            order[m++] = i;
        }
    }
    if (failed) {
        for (int i = 0; i < n; i++) prediction_free(&out[i]);
        free(order);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qsort_r(order, (size_t)m, sizeof *order, by_tokens, out);
    forward_in_batches(r, out, order, m);
    for (int i = 0; explain && i < m; i++) explain_one(r, &out[order[i]]);
    free(order);
    return 0;
}

int run_model_predict(RunModel *r, const char *text, Prediction *p, char *err, size_t errlen) {
    size_t n = strlen(text);
    return run_model_predict_batch(r, &text, &n, 1, p, 1, err, errlen);
}

void prediction_free(Prediction *p) {
    free(p->tokens);
    free(p->weight);
    free(p->attn);
    memset(p, 0, sizeof *p);
}

int run_model_dataset(RunModel *r, const DataPaths *paths, Dataset *d, char *err, size_t errlen) {
    char derr[512] = "";
    memset(d, 0, sizeof *d);
    if (dataset_load(&r->cfg, paths, d, derr, sizeof derr) != 0) {
        snprintf(err, errlen, "cannot load the dataset: %s", derr[0] ? derr : "unknown error");
        return -1;
    }
    if (!vocab_same(&d->vocab, &r->vocab)) {
        snprintf(err, errlen, "the dataset now builds a different vocabulary than the run's vocab.txt "
                              "(did the data change?)");
        dataset_free(d);
        return -1;
    }
    return 0;
}

void run_model_evaluate(RunModel *r, const Split *s, Metrics *m) {
    /* Batches of similar lengths compute over less padding; metrics do not
     * depend on the order. */
    int32_t *order = batcher_sorted_order(s);
    if (!order) {
        metrics_clear(m);
        return;
    }
    batcher_evaluate(&r->batch, r->model, s, order, s->n, r->max_B, m);
    free(order);
}
