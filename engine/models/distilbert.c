/* Hugging Face's DistilBertForSequenceClassification, fine-tuned from a
 * downloaded folder (model.init): word + learned position embeddings ->
 * LayerNorm -> dropout -> n_layers post-norm blocks (attention with
 * q_lin/k_lin/v_lin/out_lin, queries scaled by 1/sqrt(head dim), padded keys
 * unseen; sa_layer_norm; ffn lin1 -> GELU (erf) -> lin2 -> dropout;
 * output_layer_norm) -> the [CLS] row -> pre_classifier -> ReLU -> dropout
 * -> classifier. LayerNorm eps is config.json's (1e-12 for DistilBERT).
 *
 * The encoder is the Transformer's (transformer_forward.c) with its hf
 * switches on: the parameters carry Hugging Face's names, declared so that
 * q_lin, k_lin and v_lin of a layer lie back to back and form the fused
 * [3E x E] in-projection the attention block computes with. One dropout
 * rate, model.dropout, is used wherever Hugging Face has dropout.
 *
 * A folder whose config.json says model_type bert is Hugging Face's
 * BertForSequenceClassification on the same encoder (bert_names.c): token
 * type 0's embedding added at every position, dropout after attention too,
 * and the tanh pooler on [CLS] where DistilBERT has pre_classifier + ReLU.
 *
 * A head in the checkpoint is used with its rows matched to the data's
 * classes by their names (class_labels_match): reordered, and a label the
 * data lacks dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "models/bert_names.h"
#include "models/hf_folder.h"
#include "models/mlm_model.h"
#include "models/transformer_internal.h"
#include "nn/layernorm.h"
#include "run/class_names.h"

/* The Tf comes first, so the Transformer's functions take a Db as their impl. */
typedef struct Db {
    Tf tf;
    HfConfig hc;
    StFile st;        /* model.safetensors until init has copied it */
    int loaded;       /* st holds the folder's tensors */
    int has_head;     /* the checkpoint has a classifier */
    int has_pre;      /* and pre_classifier (BERT: the pooler) */
    int rows[MAX_CLASSES]; /* the classifier's row (label id) of each class */
    char note[768];
    MlmState mlm;     /* train.objective mlm: the masked-language-model head */
} Db;

static size_t add(Model *m, const char *name, int ndim, int d0, int d1, int no_decay) {
    int shape[2] = {d0, d1};
    return params_add(&m->params, name, ndim, shape, no_decay);
}

/* Hugging Face's Trainer decays every weight but biases and LayerNorm weights. */
static void declare(Model *m, Tf *t, int V, int classes) {
    const int E = t->E, F = t->F;
    t->emb = add(m, "distilbert.embeddings.word_embeddings.weight", 2, V, E, 0);
    t->pos = add(m, "distilbert.embeddings.position_embeddings.weight", 2, t->P, E, 0);
    t->eln_w = add(m, "distilbert.embeddings.LayerNorm.weight", 1, E, 0, 1);
    t->eln_b = add(m, "distilbert.embeddings.LayerNorm.bias", 1, E, 0, 1);
    char n[PARAM_NAME_MAX];
    for (int l = 0; l < t->L; l++) {
        LayerParams *p = &t->lp[l];
#define T(field, suffix, ndim, d0, d1, nd)                                            \
    snprintf(n, sizeof n, "distilbert.transformer.layer.%d.%s", l, suffix);          \
    field = add(m, n, ndim, d0, d1, nd)
        T(p->w_in, "attention.q_lin.weight", 2, E, E, 0);
        T(size_t kw, "attention.k_lin.weight", 2, E, E, 0);
        T(size_t vw, "attention.v_lin.weight", 2, E, E, 0);
        T(p->b_in, "attention.q_lin.bias", 1, E, 0, 1);
        T(size_t kb, "attention.k_lin.bias", 1, E, 0, 1);
        T(size_t vb, "attention.v_lin.bias", 1, E, 0, 1);
        (void)kw, (void)vw, (void)kb, (void)vb; /* contiguous with q_lin's: the fused projection */
        T(p->w_out, "attention.out_lin.weight", 2, E, E, 0);
        T(p->b_out, "attention.out_lin.bias", 1, E, 0, 1);
        T(p->n1w, "sa_layer_norm.weight", 1, E, 0, 1);
        T(p->n1b, "sa_layer_norm.bias", 1, E, 0, 1);
        T(p->w1, "ffn.lin1.weight", 2, F, E, 0);
        T(p->b1, "ffn.lin1.bias", 1, F, 0, 1);
        T(p->w2, "ffn.lin2.weight", 2, E, F, 0);
        T(p->b2, "ffn.lin2.bias", 1, E, 0, 1);
        T(p->n2w, "output_layer_norm.weight", 1, E, 0, 1);
        T(p->n2b, "output_layer_norm.bias", 1, E, 0, 1);
#undef T
    }
    if (t->mlm) {
        mlm_declare(m, &((Db *)m->impl)->mlm, E, V);
        return;
    }
    t->pre_w = add(m, "pre_classifier.weight", 2, E, E, 0);
    t->pre_b = add(m, "pre_classifier.bias", 1, E, 0, 1);
    t->fc_w = add(m, "classifier.weight", 2, classes, E, 0);
    t->fc_b = add(m, "classifier.bias", 1, classes, 0, 1);
}

/* Checks of the folder against what the data and the config ask for. */
static int check_fit(const Model *m, const HfConfig *hc, const char *dir, char *err, size_t errlen) {
    if (m->max_T > hc->max_position_embeddings) {
        snprintf(err, errlen, "data.max_len (%d) is above the model's max_position_embeddings (%d in %s/config.json)",
                 m->max_T, hc->max_position_embeddings, dir);
        return -1;
    }
    long words = hf_vocab_entries(dir, err, errlen);
    if (words < 0) return -1;
    if (words != hc->vocab_size) {
        snprintf(err, errlen, "%s/vocab.txt has %ld entries but config.json says vocab_size %d", dir, words,
                 hc->vocab_size);
        return -1;
    }
    if (m->vocab_size != hc->vocab_size) {
        snprintf(err, errlen, "the data is encoded with %d token ids but %s has a vocabulary of %d", m->vocab_size,
                 dir, hc->vocab_size);
        return -1;
    }
    return 0;
}

/* Tensors fine-tuning does not use: DistilBERT's MLM head, BERT's pretraining heads. */
static int is_unused(const Db *db, const char *name) {
    if (db->hc.bert) return !strncmp(name, "cls.", 4);
    return !strncmp(name, "vocab_transform.", 16) || !strncmp(name, "vocab_layer_norm.", 17) ||
           !strncmp(name, "vocab_projector.", 16);
}

/* The file's tensor for a parameter: by its name, or without "distilbert."
 * or "bert." (a bare DistilBertModel's or BertModel's names). */
static const StTensor *find(const Db *db, const char *name) {
    const StTensor *t = st_find(&db->st, name);
    const char *prefix = db->hc.bert ? "bert." : "distilbert.";
    if (!t && !strncmp(name, prefix, strlen(prefix))) t = st_find(&db->st, name + strlen(prefix));
    return t;
}

static int is_pre(const char *name) { return !strncmp(name, "pre_classifier.", 15) || !strncmp(name, "bert.pooler.", 12); }

static int is_classifier(const char *name) { return !strncmp(name, "classifier.", 11); }

static int is_head(const char *name) { return is_pre(name) || is_classifier(name); }

static void shape_text(char *buf, size_t n, int ndim, const int64_t *shape) {
    size_t u = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && u < n; i++) u += (size_t)snprintf(buf + u, n - u, "%s%lld", i ? ", " : "", (long long)shape[i]);
    if (u < n) snprintf(buf + u, n - u, "]");
}

/* Every parameter has its tensor, of its shape, float and finite. */
static int check_tensor(const ParamView *v, int labels, const StTensor *t, const char *path, float *tmp, char *err,
                        size_t errlen) {
    int64_t want[PARAM_MAX_DIMS];
    int same = t->ndim == v->ndim;
    for (int i = 0; i < v->ndim; i++) {
        want[i] = i == 0 && is_classifier(v->name) ? labels : v->shape[i]; /* id2label's, matched later */
        same = same && t->shape[i] == want[i];
    }
    if (!same) {
        char a[64], b[64];
        shape_text(a, sizeof a, t->ndim, t->shape);
        shape_text(b, sizeof b, v->ndim, want);
        snprintf(err, errlen, "%s: tensor %s has shape %s but config.json implies %s", path, t->name, a, b);
        return -1;
    }
    if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16) {
        snprintf(err, errlen, "%s: tensor %s is not F32, F16 or BF16", path, t->name);
        return -1;
    }
    long bad = hf_tensor_to_f32(t, tmp, (size_t)(t->nbytes / (t->dtype == ST_F32 ? 4 : 2)));
    if (bad >= 0) {
        snprintf(err, errlen, "%s: tensor %s holds a value that is not finite (element %ld)", path, t->name, bad);
        return -1;
    }
    return 0;
}

/* The head's rows for the data's classes, by their names. */
static int match_head(const Model *m, Db *db, char *detail, size_t n, char *err, size_t errlen) {
    const char *labels[HF_MAX_LABELS];
    for (int j = 0; j < db->hc.num_labels; j++) labels[j] = db->hc.labels[j];
    char why[600];
    if (class_labels_match(m->class_names, m->n_classes, labels, db->hc.num_labels, db->rows, detail, n, why,
                           sizeof why) == 0)
        return 0;
    snprintf(err, errlen, "%s/config.json: %s", m->cfg.model_init, why);
    return -1;
}

/* What the folder gave, for the run's note. */
static void write_note(Db *db, const char *detail) {
    int skipped = 0;
    for (int i = 0; i < db->st.n; i++) skipped += is_unused(db, db->st.tensors[i].name);
    const char *unused = !skipped       ? ""
                         : db->hc.bert ? "; the pretraining heads (cls.predictions, cls.seq_relationship) are not used"
                                       : "; the masked-language-model head (vocab_transform, vocab_layer_norm, "
                                         "vocab_projector) is not used";
    snprintf(db->note, sizeof db->note, "%s%s%s%s%s%s",
             db->has_head ? "classification head from the checkpoint" : "new classification head",
             detail[0] ? " (" : "", detail, detail[0] ? ")" : "",
             db->hc.bert && !db->has_pre ? "; a new pooler" : "", unused);
}

static int match_tensors(Model *m, Db *db, const char *path, char *err, size_t errlen) {
    size_t largest = (size_t)HF_MAX_LABELS * db->tf.E;
    for (int i = 0; i < m->params.n; i++) largest = m->params.views[i].size > largest ? m->params.views[i].size : largest;
    float *tmp = malloc(largest * sizeof(float));
    if (!tmp) return snprintf(err, errlen, "out of memory reading %s", path), -1;
    int pre = 0, cls = 0, rc = 0;
    for (int i = 0; i < m->params.n && rc == 0; i++) {
        const ParamView *v = &m->params.views[i];
        const StTensor *t = find(db, v->name);
        if (!t && is_head(v->name)) continue;
        if (!t) {
            snprintf(err, errlen, "%s has no tensor %s", path, v->name);
            rc = -1;
        } else {
            rc = check_tensor(v, db->hc.num_labels, t, path, tmp, err, errlen);
            pre += is_pre(v->name);
            cls += is_classifier(v->name);
        }
    }
    free(tmp);
    if (rc) return -1;
    const char *pre_name = db->hc.bert ? "bert.pooler.dense" : "pre_classifier";
    if (pre == 1 || cls == 1 || (!db->hc.bert && pre + cls != 0 && pre + cls != 4)) {
        snprintf(err, errlen, "%s has part of a classification head (%s and classifier need %s)", path, pre_name,
                 db->hc.bert ? "a weight and a bias each" : "all 4 tensors");
        return -1;
    }
    db->has_head = cls == 2;
    db->has_pre = pre == 2;
    char detail[600] = "";
    for (int i = 0; i < m->n_classes; i++) db->rows[i] = i;
    if (db->has_head && match_head(m, db, detail, sizeof detail, err, errlen)) return -1;
    write_note(db, detail);
    return 0;
}

/* A new encoder for masked-language-model pretraining: its sizes from the
 * config (model.embed_dim, heads, ff_dim, layers; positions data.max_len),
 * its vocabulary the data's, Hugging Face's initialisation. */
static HfConfig new_encoder_config(const Model *m) {
    const Config *c = &m->cfg;
    HfConfig hc = {.vocab_size = m->vocab_size, .dim = c->model_embed_dim, .n_heads = c->model_heads,
                   .hidden_dim = c->model_ff_dim, .n_layers = c->model_layers,
                   .max_position_embeddings = c->data_max_len > m->max_T ? c->data_max_len : m->max_T,
                   .num_labels = NUM_CLASSES, .layer_norm_eps = 1e-12f, .initializer_range = 0.02f};
    snprintf(hc.model_type, sizeof hc.model_type, "distilbert");
    return hc;
}

static int db_build(Model *m, char *err, size_t errlen) {
    const char *dir = m->cfg.model_init;
    int mlm = m->cfg.train_objective == OBJECTIVE_MLM;
    if (mlm && dir && dir[0]) {
        snprintf(err, errlen, "train.objective mlm pretrains a new encoder: leave model.init empty (it names %s)", dir);
        return -1;
    }
    if (mlm && (m->cfg.model_heads < 1 || m->cfg.model_embed_dim % m->cfg.model_heads)) {
        snprintf(err, errlen, "model.heads (%d) must divide model.embed_dim (%d)", m->cfg.model_heads,
                 m->cfg.model_embed_dim);
        return -1;
    }
    if (!mlm && (!dir || !dir[0])) {
        snprintf(err, errlen, "model.init: distilbert needs the Hugging Face folder it starts from (config.json, "
                              "vocab.txt, model.safetensors)");
        return -1;
    }
    HfConfig hc;
    if (mlm)
        hc = new_encoder_config(m);
    else if (hf_read_config(dir, &hc, err, errlen) || check_fit(m, &hc, dir, err, errlen))
        return -1;
    Db *db = calloc(1, sizeof *db);
    if (!db) return -1;
    m->impl = db;
    db->hc = hc;
    Tf *t = &db->tf;
    *t = (Tf){.E = hc.dim, .H = hc.n_heads, .F = hc.hidden_dim, .L = hc.n_layers, .P = hc.max_position_embeddings,
              .act = ACT_GELU, .post = 1, .pooling = POOL_CLS, .position = POS_LEARNED,
              .p_drop = (float)m->cfg.model_dropout, .eps = hc.layer_norm_eps, .hf = 1, .bert = hc.bert,
              .mlm = mlm ? &db->mlm : NULL};
    t->lp = calloc((size_t)t->L, sizeof *t->lp);
    t->la = calloc((size_t)t->L, sizeof *t->la);
    if (!t->lp || !t->la) return -1;
    if (hc.bert)
        bert_declare(m, t, hc.vocab_size, hc.type_vocab_size, m->n_classes);
    else
        declare(m, t, hc.vocab_size, m->n_classes);
    /* the model's own config copy says what it is, for FLOP counts and summaries */
    m->cfg.model_embed_dim = t->E;
    m->cfg.model_heads = t->H;
    m->cfg.model_ff_dim = t->F;
    m->cfg.model_layers = t->L;
    db->mlm.eps = hc.layer_norm_eps;
    if (mlm) return 0;
    char path[4096];
    hf_path(path, sizeof path, dir, "model.safetensors");
    /* a file may hold more than the classifier (an MLM head), not much more */
    uint64_t most = (uint64_t)m->params.total * 4 * 2 + ((uint64_t)hc.vocab_size + 4 + HF_MAX_LABELS) * hc.dim * 4 +
                    ((uint64_t)hc.dim * hc.dim + 3 * hc.dim) * 4 + (1u << 20);
    if (st_load_limited(&db->st, path, most, err, errlen)) return -1;
    db->loaded = 1;
    return match_tensors(m, db, path, err, errlen);
}

static void fill_normal(Rng *r, float *x, size_t n, float std) {
    for (size_t i = 0; i < n; i++) x[i] = rng_normal(r) * std;
}

/* The checkpoint's classifier tensor with only the data's classes' rows, in their order. */
static void copy_head_rows(const Db *db, const StTensor *st, const ParamView *v, float *dst) {
    size_t width = v->ndim == 2 ? (size_t)v->shape[1] : 1;
    float *all = malloc((size_t)db->hc.num_labels * width * sizeof(float));
    if (!all) abort();
    hf_tensor_to_f32(st, all, (size_t)db->hc.num_labels * width);
    for (int i = 0; i < v->shape[0]; i++) memcpy(dst + i * width, all + (size_t)db->rows[i] * width, width * sizeof(float));
    free(all);
}

/* Copies the checkpoint (once; the file's buffer is released after) and
 * initialises what it lacks as Hugging Face's _init_weights does: linear
 * weights N(0, initializer_range), zero biases. Another init starts every
 * tensor that way. */
static void db_init(Model *m, Rng *rng) {
    Db *db = m->impl;
    Tf *t = &db->tf;
    float *d = m->params.data;
    float std = db->hc.initializer_range;
    int have = db->loaded;
    for (int i = 0; i < m->params.n; i++) {
        const ParamView *v = &m->params.views[i];
        const StTensor *st = have ? find(db, v->name) : NULL;
        if (st && is_classifier(v->name)) {
            copy_head_rows(db, st, v, d + v->offset);
        } else if (st) {
            hf_tensor_to_f32(st, d + v->offset, v->size);
        } else if (strstr(v->name, "LayerNorm.weight") || strstr(v->name, "layer_norm.weight")) {
            for (size_t k = 0; k < v->size; k++) d[v->offset + k] = 1;
        } else if (v->ndim == 2) {
            fill_normal(rng, d + v->offset, v->size, std);
        }
    }
    if (!have) memset(d + t->emb + (size_t)db->hc.pad_token_id * t->E, 0, (size_t)t->E * sizeof(float));
    if (have) st_free(&db->st);
    db->loaded = 0;
}

static int db_setup(Model *m) {
    Db *db = m->impl;
    return tf_setup(m) || (db->tf.mlm && mlm_head_setup(m, &db->mlm)) ? -1 : 0;
}

static void db_destroy(Model *m) {
    Db *db = m->impl;
    if (!db) return;
    if (db->loaded) st_free(&db->st);
    mlm_head_release(&db->mlm);
    tf_destroy(m);
}

const char *distilbert_note(const Model *m) {
    const Db *db = m && m->arch == ARCH_DISTILBERT ? m->impl : NULL;
    return db ? db->note : "";
}

/* A pretraining encoder has no classification head (models/mlm_model.h
 * trains it): asked to classify, it says nothing (zero logits) rather than
 * read the head it lacks. */
static void db_forward(Model *m, const Batch *b, int train) {
    if (((Db *)m->impl)->tf.mlm) {
        memset(m->logits, 0, (size_t)b->B * m->n_classes * sizeof(float));
        return;
    }
    tf_forward(m, b, train);
}

static void db_backward(Model *m, const Batch *b) {
    if (!((Db *)m->impl)->tf.mlm) tf_backward(m, b);
}

const ModelOps distilbert_ops = {
    .build = db_build,
    .setup = db_setup,
    .init = db_init,
    .forward = db_forward,
    .backward = db_backward,
    .explain = tf_explain,
    .destroy = db_destroy,
};
