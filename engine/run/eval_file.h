/* Scoring a run on any labelled file (`sentui eval RUN --data FILE`): the
 * file read as the config's data.* keys say (format, columns, header), each
 * label matched by name to one of the run's classes after an optional
 * renaming ("0=negative,1=positive"), so an IMDb model can be scored on
 * SST-2's 0/1 or Yelp's 1/2. */
#ifndef SENTUI_EVAL_FILE_H
#define SENTUI_EVAL_FILE_H

#include <stddef.h>

#include "run/metrics.h"
#include "run/predict.h"

typedef struct EvalFileResult {
    Metrics m;          /* over the examples that held a word; loss is their mean cross-entropy */
    long examples;      /* read from the file */
    long no_words;      /* examples without a single word: not scored */
    char warnings[2048]; /* the reader's warnings, one line each */
} EvalFileResult;

/* cfg: the run's config with the data.* keys that describe the file
 * (data.dataset csv, tsv, jsonl or folders). labels: "from=to,..." or NULL.
 * 0, or -1 with err naming what is wrong (file:line, or the unknown label
 * and the run's classes). */
int eval_file(RunModel *r, const Config *cfg, const char *path, const char *labels, EvalFileResult *out, char *err,
              size_t errlen);

#endif
