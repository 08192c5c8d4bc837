#include <stdio.h>
#include <stdlib.h>

#include "screens/app.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"

typedef struct { char dir[RUN_PATH_MAX]; int watch; double speed; } OpenRun;

static int open_run(App *a, void *ctx) {
    OpenRun *r = ctx;
    if (dash_open_run(a, r->dir, r->watch, r->speed)) {
        fprintf(stderr, "sentui: %s\n", a->msg);
        return 1;
    }
    return 0;
}

/* Shared by replay and watch: RUN resolves like everywhere else (path, name, prefix, "last"). */
int replay_or_watch(int argc, char **argv, int watch) {
    const char *cmd = watch ? "watch" : "replay";
    AppCli o;
    int rc = app_cli_parse(argc, argv, &o, cmd);
    if (rc) return rc;
    if (o.npos != 1) {
        fprintf(stderr, "usage: sentui %s RUN [--dir DIR]%s [--dump [--size WxH] [--keys KEYS]]\n", cmd,
                watch ? "" : " [--speed 1|10|0]");
        return 2;
    }
    OpenRun r = {.watch = watch, .speed = o.speed_set ? o.speed : (o.dump ? 0 : 10)};
    char err[512];
    if (cli_resolve_run(o.pos[0], o.runs_dir, r.dir, sizeof r.dir, err, sizeof err)) {
        fprintf(stderr, "sentui %s: %s\n", cmd, err);
        return 1;
    }
    return app_cli_main(&o, open_run, &r);
}

int cmd_replay(int argc, char **argv) { return replay_or_watch(argc, argv, 0); }
