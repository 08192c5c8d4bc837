/* Hugging Face's BertForSequenceClassification parameters, under its names,
 * for the BERT-family model of distilbert.c. */
#ifndef SENTUI_MODELS_BERT_NAMES_H
#define SENTUI_MODELS_BERT_NAMES_H

#include "models/transformer_internal.h"

/* Declares every parameter of a BERT with V word pieces, `types` token
 * types and `classes` rows in its classifier, setting t's offsets. */
void bert_declare(Model *m, Tf *t, int V, int types, int classes);

#endif
