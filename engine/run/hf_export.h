/* A distilbert run (a DistilBERT or BERT folder) written back as a Hugging
 * Face folder: config.json (the model.init folder's, its labels the run's
 * classes: NEGATIVE and POSITIVE for a binary run), vocab.txt (and
 * tokenizer_config.json when the folder has one) and model.safetensors
 * holding the run's best checkpoint in float32 under Hugging Face's names,
 * which DistilBertForSequenceClassification (BertForSequenceClassification)
 * loads. */
#ifndef SENTUI_RUN_HF_EXPORT_H
#define SENTUI_RUN_HF_EXPORT_H

#include <stddef.h>

#include "data/data.h"
#include "models/model.h"

/* Writes into out_dir (created; refused when it already holds a
 * model.safetensors, so nothing saved is overwritten). 0, or -1 with err. */
int hf_export(const char *run_dir, const char *out_dir, char *err, size_t errlen);

/* A pretrained encoder (train.objective mlm) as a Hugging Face folder:
 * config.json (DistilBertForMaskedLM, its sizes), vocab.txt (v),
 * tokenizer_config.json (uncased), model.safetensors with every parameter
 * and vocab_projector.weight (the word embeddings, which it is tied to).
 * Overwrites what out_dir (created) holds: the run rewrites it as it
 * improves. 0, or -1 with err. */
int hf_export_pretrained(const Model *m, const Vocab *v, const char *out_dir, char *err, size_t errlen);

#endif
