#include "screens/app.h"
#include "cli/commands.h"

int cmd_watch(int argc, char **argv) { return replay_or_watch(argc, argv, 1); }
