#include "models/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/units.h"

__attribute__((weak)) const ModelOps rnn_ops = {0};
__attribute__((weak)) const ModelOps transformer_ops = {0};
__attribute__((weak)) const ModelOps bag_ops = {0};
__attribute__((weak)) const ModelOps distilbert_ops = {0};

static const ModelOps *ops_for(int arch) {
    switch (arch) {
    case ARCH_RNN:
    case ARCH_LSTM:
    case ARCH_GRU: return &rnn_ops;
    case ARCH_TRANSFORMER: return &transformer_ops;
    case ARCH_BAG: return &bag_ops;
    case ARCH_DISTILBERT: return &distilbert_ops;
    default: return NULL;
    }
}

/* "cannot build the model: out of memory (2.1G parameters: 16.4 GB for
 * weights and gradients, 32.8 GB to train with the optimizer state)". */
static void memory_message(const Model *m, const char *why, char *err, size_t errlen) {
    double n = (double)m->params.total, need = n * sizeof(float) * 2;
    char count[32], bytes[32], train[32];
    format_si(n, count, sizeof count);
    format_bytes(need, bytes, sizeof bytes);
    format_bytes(need * 2, train, sizeof train);
    snprintf(err, errlen,
             "cannot build the model: %s (%s parameters: %s for weights and gradients, %s to train with the "
             "optimizer state)",
             why, count, bytes, train);
}

/* A model bigger than the machine's memory is refused before it is
 * allocated: an overcommitted allocation would only fail later, page by page. */
double model_machine_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (double)pages * (double)page : INFINITY;
}

static int too_big(const Model *m, char *err, size_t errlen) {
    double ram = model_machine_memory();
    if ((double)m->params.total * sizeof(float) * 2 <= ram) return 0;
    char why[96], have[32];
    format_bytes(ram, have, sizeof have);
    snprintf(why, sizeof why, "this machine has %s of memory", have);
    memory_message(m, why, err, errlen);
    return 1;
}

Model *model_create(const Config *cfg, int vocab_size, int max_B, int max_T, char *err, size_t errlen) {
    return model_create_classes(cfg, vocab_size, NUM_CLASSES, max_B, max_T, err, errlen);
}

int model_softmax_row(const float *z, int n, float *prob) {
    int best = 0;
    for (int c = 1; c < n; c++)
        if (z[c] > z[best]) best = c;
    double mx = z[best], sum = 0;
    for (int c = 0; c < n; c++) sum += exp((double)z[c] - mx);
    for (int c = 0; c < n; c++) prob[c] = (float)(exp((double)z[c] - mx) / sum);
    return best;
}

int model_argmax(const Model *m, int i) {
    const float *p = m->probs + (size_t)i * m->n_classes;
    int best = 0;
    for (int c = 1; c < m->n_classes; c++)
        if (p[c] > p[best]) best = c;
    return best;
}

Model *model_create_classes(const Config *cfg, int vocab_size, int n_classes, int max_B, int max_T, char *err,
                            size_t errlen) {
    return model_create_named(cfg, vocab_size, n_classes, NULL, max_B, max_T, err, errlen);
}

Model *model_create_named(const Config *cfg, int vocab_size, int n_classes, char *const *names, int max_B, int max_T,
                          char *err, size_t errlen) {
    if (n_classes < 2 || n_classes > MAX_CLASSES) {
        snprintf(err, errlen, "%d classes: a classifier needs between 2 and %d", n_classes, MAX_CLASSES);
        return NULL;
    }
    const ModelOps *ops = ops_for(cfg->model_arch);
    if (!ops || !ops->build) {
        snprintf(err, errlen, "architecture %d is not available in this build", cfg->model_arch);
        return NULL;
    }
    Model *m = calloc(1, sizeof *m);
    m->ops = ops;
    config_copy(&m->cfg, cfg);
    m->arch = cfg->model_arch;
    m->vocab_size = vocab_size;
    m->n_classes = n_classes;
    m->class_names = names;
    m->max_B = max_B;
    m->max_T = max_T;
    int weights_ok = 0;
    if (ops->build(m, err, errlen) != 0 || too_big(m, err, errlen) || params_alloc(&m->params) != 0 ||
        !(weights_ok = 1) || ops->setup(m) != 0) {
        m->class_names = NULL;
        /* The weights fit but a batch's activations did not: say which settings size them. */
        if (!err[0] && weights_ok)
            snprintf(err, errlen,
                     "cannot build the model: out of memory for the activations of a batch of %d x %d tokens (the "
                     "larger of train.batch_size and eval.batch_size, by data.max_len): lower eval.batch_size first",
                     max_B, max_T);
        if (!err[0]) memory_message(m, "out of memory", err, errlen);
        model_free(m);
        return NULL;
    }
    m->class_names = NULL;
    size_t nl = (size_t)max_B * m->n_classes;
    m->logits = calloc(nl, sizeof(float));
    m->dlogits = calloc(nl, sizeof(float));
    m->probs = calloc(nl, sizeof(float));
    return m;
}

void model_free(Model *m) {
    if (!m) return;
    if (m->ops && m->ops->destroy) m->ops->destroy(m);
    params_free(&m->params);
    free(m->logits);
    free(m->dlogits);
    free(m->probs);
    config_free(&m->cfg);
    free(m);
}

void model_init(Model *m, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    memset(m->params.data, 0, m->params.total * sizeof(float));
    m->ops->init(m, &rng);
    rng_seed(&m->dropout_rng, seed ^ 0x5eed5eedULL);
}

float model_forward(Model *m, const Batch *b, int train) {
    m->ops->forward(m, b, train);
    double loss = 0;
    for (int i = 0; i < b->B; i++) {
        const float *z = m->logits + (size_t)i * m->n_classes;
        float *p = m->probs + (size_t)i * m->n_classes;
        float mx = z[0];
        for (int c = 1; c < m->n_classes; c++) mx = z[c] > mx ? z[c] : mx;
        double sum = 0;
        for (int c = 0; c < m->n_classes; c++) sum += exp((double)z[c] - mx);
        for (int c = 0; c < m->n_classes; c++) p[c] = (float)(exp((double)z[c] - mx) / sum);
        if (b->labels) loss += -((double)z[b->labels[i]] - mx - log(sum));
    }
    return b->labels && b->B > 0 ? (float)(loss / b->B) : 0.0f;
}

void model_backward(Model *m, const Batch *b) {
    float inv = 1.0f / (float)b->B;
    for (int i = 0; i < b->B; i++)
        for (int c = 0; c < m->n_classes; c++)
            m->dlogits[i * m->n_classes + c] = (m->probs[i * m->n_classes + c] - (b->labels[i] == c ? 1.0f : 0.0f)) * inv;
    m->ops->backward(m, b);
}

int model_explain(Model *m, const int32_t *tokens, int len, Explanation *out) {
    memset(out, 0, sizeof *out);
    if (!m->ops->explain) return -1;
    return m->ops->explain(m, tokens, len, out);
}

void explanation_free(Explanation *e) {
    free(e->attn);
    free(e->token_weight);
    free(e->pool_weight);
    memset(e, 0, sizeof *e);
}

size_t model_param_count(const Model *m) {
    size_t n = 0;
    for (int i = 0; i < m->params.n; i++) n += m->params.views[i].size;
    return n;
}

double model_flops_per_token(const Model *m, int T) {
    const Config *c = &m->cfg;
    double E = c->model_embed_dim, H = c->model_hidden_dim, L = c->model_layers;
    switch (m->arch) {
    case ARCH_RNN:
    case ARCH_LSTM:
    case ARCH_GRU: {
        double g = m->arch == ARCH_RNN ? 1 : m->arch == ARCH_LSTM ? 4 : 3;
        double dirs = c->model_bidirectional ? 2 : 1, f = 0, in = E;
        for (int l = 0; l < (int)L; l++) {
            f += dirs * 2.0 * g * H * (in + H);
            in = H * dirs;
        }
        return f;
    }
    case ARCH_TRANSFORMER:
    case ARCH_DISTILBERT: /* its build puts the folder's sizes in its config */ {
        double F = c->model_ff_dim;
        return L * (2.0 * 4 * E * E + 2.0 * 2 * E * F + 2.0 * 2 * T * E);
    }
    default: return 2.0 * E;
    }
}
