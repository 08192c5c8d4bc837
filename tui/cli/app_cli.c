#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "screens/app.h"
#include "kernels/tensor.h"

int app_cli_parse(int argc, char **argv, AppCli *o, const char *cmd) {
    memset(o, 0, sizeof *o);
    o->w = 120, o->h = 40;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *eq = strchr(a, '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - a) : (int)strlen(a), a);
        int takes = !strcmp(name, "--size") || !strcmp(name, "--keys") || !strcmp(name, "--dir") ||
                    !strcmp(name, "--configs") || !strcmp(name, "--speed");
        const char *val = NULL;
        if (takes) {
            if (eq) val = eq + 1;
            else if (i + 1 < argc) val = argv[++i];
            else {
                fprintf(stderr, "sentui %s: %s needs a value\n", cmd, name);
                return 2;
            }
        }
        if (!strcmp(name, "--dump")) o->dump = 1;
        else if (!strcmp(name, "--ascii")) o->ascii = 1;
        else if (!strcmp(name, "--no-color")) o->mono = 1;
        else if (!strcmp(name, "--keys")) o->keys = val;
        else if (!strcmp(name, "--dir")) o->runs_dir = val;
        else if (!strcmp(name, "--configs")) o->configs_dir = val;
        else if (!strcmp(name, "--size")) {
            if (sscanf(val, "%dx%d", &o->w, &o->h) != 2 || o->w < 1 || o->h < 1 || o->w > 1000 || o->h > 1000) {
                fprintf(stderr, "sentui %s: --size expects WIDTHxHEIGHT like 120x40, found '%s'\n", cmd, val);
                return 2;
            }
        } else if (!strcmp(name, "--speed")) {
            char *end;
            o->speed = strtod(val, &end);
            if (*end == 'x') end++;
            if (*end || (o->speed != 0 && o->speed != 1 && o->speed != 10)) {
                fprintf(stderr, "sentui %s: --speed expects 1, 10 or 0 (instant), found '%s'\n", cmd, val);
                return 2;
            }
            o->speed_set = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "sentui %s: unknown option '%s'\n", cmd, a);
            return 2;
        } else if (o->npos < (int)(sizeof o->pos / sizeof *o->pos)) {
            o->pos[o->npos++] = a;
        }
    }
    return 0;
}

int app_cli_main(const AppCli *o, AppSetup setup, void *ctx) {
    App app;
    TermCaps caps = term_detect();
    if (o->ascii) caps.utf8 = 0;
    if (o->mono) caps.color = 0;
    if (o->dump) {
        /* A dump is UTF-8 text whatever the locale, unless ASCII is asked for. */
        const char *asc = getenv("SENTUI_ASCII");
        int utf8 = !o->ascii && !(asc && *asc && strcmp(asc, "0"));
        if (app_init(&app, o->w, o->h, utf8, caps.color, o->runs_dir, o->configs_dir)) return 1;
        app.headless = 1;
        home_open(&app);
        int rc = setup ? setup(&app, ctx) : 0;
        if (rc == 0) {
            app_script(&app, o->keys);
            if (dash_live(&app)) dash_stop_and_wait(&app);
            grid_dump_file(&app.grid, stdout);
        }
        app_free(&app);
        return rc ? 1 : 0;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "sentui: the workbench needs a terminal (use --dump to print a screen)\n");
        return 1;
    }
    if (term_open(&caps)) {
        fprintf(stderr, "sentui: %s\n", term_error());
        return 1;
    }
    int w, h;
    term_size(&w, &h);
    if (app_init(&app, w, h, caps.utf8, caps.color, o->runs_dir, o->configs_dir)) {
        term_close();
        return 1;
    }
    home_open(&app);
    int rc = setup ? setup(&app, ctx) : 0;
    if (rc == 0) {
        if (o->keys) app_script(&app, o->keys);
        app_run(&app);
    }
    term_close();
    app_free(&app);
    return rc ? 1 : 0;
}
