/* `sentui eval RUN --data FILE [--labels a=b,...] [--set data.k=v]... [--json]`:
 * a run scored on any labelled file. */
#ifndef SENTUI_EVAL_DATA_H
#define SENTUI_EVAL_DATA_H

#include "run/predict.h"

/* Precision, recall, F1 and support per class, then the confusion matrix. */
void eval_print_classes(const RunModel *r, const Metrics *m);
/* Returns the exit code (0, 1 on an error already reported, 2 bad usage). */
int eval_data_run(RunModel *r, const char *dir, const char *path, int argc, char **argv);

#endif
