/* BERT's tensors as Hugging Face names them: bert.embeddings.* (word,
 * position and token-type embeddings, LayerNorm), per layer
 * attention.self.{query,key,value}, attention.output.{dense,LayerNorm},
 * intermediate.dense, output.{dense,LayerNorm}; bert.pooler.dense and
 * classifier. query, key and value of a layer are declared back to back
 * (weights, then biases) so that they form the fused [3E x E] in-projection
 * the attention block computes with. The pooler takes the offsets DistilBERT's
 * pre_classifier has (pre_w, pre_b). */
#include "models/bert_names.h"

#include <stdio.h>

static size_t add(Model *m, const char *name, int ndim, int d0, int d1, int no_decay) {
    int shape[2] = {d0, d1};
    return params_add(&m->params, name, ndim, shape, no_decay);
}

/* Hugging Face's Trainer decays every weight but biases and LayerNorm weights. */
void bert_declare(Model *m, Tf *t, int V, int types, int classes) {
    const int E = t->E, F = t->F;
    t->emb = add(m, "bert.embeddings.word_embeddings.weight", 2, V, E, 0);
    t->pos = add(m, "bert.embeddings.position_embeddings.weight", 2, t->P, E, 0);
    t->typ = add(m, "bert.embeddings.token_type_embeddings.weight", 2, types, E, 0);
    t->eln_w = add(m, "bert.embeddings.LayerNorm.weight", 1, E, 0, 1);
    t->eln_b = add(m, "bert.embeddings.LayerNorm.bias", 1, E, 0, 1);
    char n[PARAM_NAME_MAX];
    for (int l = 0; l < t->L; l++) {
        LayerParams *p = &t->lp[l];
#define T(field, suffix, ndim, d0, d1, nd)                                            \
    snprintf(n, sizeof n, "bert.encoder.layer.%d.%s", l, suffix);                    \
    field = add(m, n, ndim, d0, d1, nd)
        T(p->w_in, "attention.self.query.weight", 2, E, E, 0);
        T(size_t kw, "attention.self.key.weight", 2, E, E, 0);
        T(size_t vw, "attention.self.value.weight", 2, E, E, 0);
        T(p->b_in, "attention.self.query.bias", 1, E, 0, 1);
        T(size_t kb, "attention.self.key.bias", 1, E, 0, 1);
        T(size_t vb, "attention.self.value.bias", 1, E, 0, 1);
        (void)kw, (void)vw, (void)kb, (void)vb; /* contiguous with the query's: the fused projection */
        T(p->w_out, "attention.output.dense.weight", 2, E, E, 0);
        T(p->b_out, "attention.output.dense.bias", 1, E, 0, 1);
        T(p->n1w, "attention.output.LayerNorm.weight", 1, E, 0, 1);
        T(p->n1b, "attention.output.LayerNorm.bias", 1, E, 0, 1);
        T(p->w1, "intermediate.dense.weight", 2, F, E, 0);
        T(p->b1, "intermediate.dense.bias", 1, F, 0, 1);
        T(p->w2, "output.dense.weight", 2, E, F, 0);
        T(p->b2, "output.dense.bias", 1, E, 0, 1);
        T(p->n2w, "output.LayerNorm.weight", 1, E, 0, 1);
        T(p->n2b, "output.LayerNorm.bias", 1, E, 0, 1);
#undef T
    }
    t->pre_w = add(m, "bert.pooler.dense.weight", 2, E, E, 0);
    t->pre_b = add(m, "bert.pooler.dense.bias", 1, E, 0, 1);
    t->fc_w = add(m, "classifier.weight", 2, classes, E, 0);
    t->fc_b = add(m, "classifier.bias", 1, classes, 0, 1);
}
