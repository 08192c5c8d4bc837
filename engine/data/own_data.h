/* The user's own labelled data (data.dataset csv, tsv, jsonl or folders):
 * data.train_file and the optional data.val_file and data.test_file read
 * through the labelled reader into the pipeline's RawCorpus, with classes
 * numbered by the training file's sorted class names. */
#ifndef SENTUI_OWN_DATA_H
#define SENTUI_OWN_DATA_H

#include <stdint.h>

#include "config/config.h"
#include "data/data.h"
#include "data/labelled_reader.h"

typedef struct RawCorpus RawCorpus; /* data_internal.h */

/* The reader's options from the config; which: 0 train, 1 val, 2 test.
 * 0, or -1 with err naming the keys at fault. */
int own_data_options(const Config *c, int which, LabelledOptions *o, char *err, size_t errlen);
/* Checks the data.* keys of own data before anything is read. */
int own_data_check(const Config *c, char *err, size_t errlen);
/* The reader's options for one more file read as the config says (format,
 * columns, header, member), whatever data.train_file is; single classes allowed. */
int own_data_file_options(const Config *c, LabelledOptions *o, char *err, size_t errlen);
/* The format a file's name suggests: DATASET_CSV, _TSV or _JSONL by its
 * extension (after .gz, .bz2, .xz or .zst), DATASET_FOLDERS for a folder;
 * -1 when it says nothing. */
int own_data_guess_format(const char *path);
/* Reads the files into rc (train as RAW_TRAIN, val as RAW_VAL, test as
 * RAW_TEST) and the class names and warnings into d. 0, or -1 with err
 * ("file:line: message"). */
int own_data_read(const Config *c, RawCorpus *rc, Dataset *d, char *err, size_t errlen);
/* What identifies the files for the cache key: each one's size, times and
 * inode (a folder of label folders: every file in them). */
uint64_t own_data_signature(const Config *c);

#endif
