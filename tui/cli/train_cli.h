/* What `sentui train` and `sentui resume` share: driving a Trainer from the
 * command line with a live progress line on a terminal (plain lines when
 * piped), Ctrl-C to stop after saving and a second Ctrl-C to abort. */
#ifndef SENTUI_TRAIN_CLI_H
#define SENTUI_TRAIN_CLI_H

#include "run/train.h"

/* Runs t to its end, printing to stdout; frees t. Returns the exit status:
 * 0 finished, 1 failed, 130 stopped by Ctrl-C (saved; `sentui resume` continues it). */
int train_cli_follow(Trainer *t);

/* DataPaths.progress for the data a run loads before it starts: encoding a
 * split into word pieces can take minutes, so its progress and ETA are shown
 * (a terminal line; plain lines when piped, for splits that take seconds). */
void train_cli_data_progress(void *ctx, const char *what, long done, long total);

#endif
