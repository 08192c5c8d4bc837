/* The text of a run whose model reads WordPiece ids (model.arch: distilbert)
 * is encoded with the tokenizer of the model.init folder instead of sentui's
 * word tokenizer: vocab.txt is the vocabulary (id = line), lower-casing as
 * tokenizer_config.json's do_lower_case says (uncased when absent), every
 * review [CLS] pieces... [SEP] cut to data.max_len. */
#ifndef SENTUI_DATA_WORDPIECE_DATA_H
#define SENTUI_DATA_WORDPIECE_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "data/data.h"
#include "data/wordpiece.h"

/* Whether the config's model reads WordPiece ids. */
int data_uses_wordpiece(const Config *c);

/* The model folder's tokenizer; NULL with a reason in err (which files to
 * put where when the folder is missing). */
WordPiece *data_wordpiece_open(const Config *c, char *err, size_t errlen);

/* The tokenizer of the run: the model folder's, or (train.objective mlm) a
 * vocabulary of data.vocab_size entries learnt from the corpus's unlabelled
 * reviews alone (wordpiece_learn.h), uncased. */
struct RawCorpus;
WordPiece *data_wordpiece_for(const Config *c, const struct RawCorpus *rc, char *err, size_t errlen);

/* What identifies the tokenizer for the dataset cache: vocab.txt's bytes and
 * the lower-casing, or the learning's settings (the text is the cache key's
 * already); 0 when the files cannot be read (building then fails
 * with the reason). */
uint64_t data_wordpiece_signature(const Config *c);

/* The vocabulary as the Dataset shows it: vocab.txt's entries, by id. */
int data_vocab_from_wordpiece(Vocab *v, const WordPiece *wp);

#endif
