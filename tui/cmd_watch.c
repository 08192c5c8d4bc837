#include "app.h"
#include "commands.h"

int cmd_watch(int argc, char **argv) { return replay_or_watch(argc, argv, 1); }
