/* `sentui man`: the manual page, in roff, printed from the tables behind
 * `--help` (commands.h, cli_options.h), `config --schema` (config.h) and the
 * workbench's `?` screens (APP_ACTIONS), so the page cannot fall behind them.
 * `make install` writes it to share/man/man1/sentui.1. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_help.h"
#include "cli/commands.h"
#include "config/config.h"
#include "screens/app.h"

/* Text as roff prints it: backslashes escaped, hyphens as minus signs (so
 * options can be searched and copied), no line taken for a request. */
static void roff(FILE *f, const char *s) {
    if (*s == '.' || *s == '\'') fputs("\\&", f);
    for (; *s; s++) {
        if (*s == '\\') fputs("\\e", f);
        else if (*s == '-') fputs("\\-", f);
        else if (*s == '\n') {
            fputc('\n', f);
            if (s[1] == '.' || s[1] == '\'') fputs("\\&", f);
        } else fputc(*s, f);
    }
}

/* " VALUE" in italics after a command or an option, then the end of the line. */
static void roff_value(FILE *f, const char *value) {
    if (*value) {
        fputs(" \\fI", f);
        roff(f, value);
        fputs("\\fR", f);
    }
    fputs("\n", f);
}

static void head(FILE *f) {
    fprintf(f, ".TH SENTUI 1 \"\" \"sentui ");
    roff(f, sentui_version);
    fprintf(f, "\" \"User Commands\"\n.SH NAME\nsentui \\- train, watch and compare neural sentiment classifiers in a "
               "terminal\n.SH SYNOPSIS\n.B sentui\n[\\fICOMMAND\\fR] [\\fIARGS\\fR]\n.br\n.B sentui\n"
               "\\fICOMMAND\\fR \\fB\\-\\-help\\fR\n.br\n.B sentui \\-\\-version\n"
               ".SH DESCRIPTION\nsentui trains recurrent, transformer and bag-of-words sentiment classifiers "
               "described by YAML configs, saves each run in a folder, and shows runs in a terminal workbench. "
               "Without a command it opens the workbench.\n");
}

static void commands(FILE *f) {
    fprintf(f, ".SH COMMANDS\n");
    for (int i = 0; i < cli_command_count; i++) {
        const CliCommand *c = &cli_commands[i];
        fprintf(f, ".TP\n\\fBsentui %s\\fR", c->name);
        roff_value(f, c->args);
        roff(f, c->help);
        fputs(".\n", f);
        for (int j = 0; j < cli_option_count; j++) {
            const CliOption *o = &cli_options[j];
            if (strcmp(o->command, c->name)) continue;
            fputs(".RS\n.TP\n\\fB", f);
            roff(f, o->option);
            fputs("\\fR", f);
            roff_value(f, o->value);
            roff(f, o->help);
            fputs("\n.RE\n", f);
        }
    }
}

static void config_keys_section(FILE *f) {
    fprintf(f, ".SH CONFIGURATION KEYS\nA config is YAML with these keys (\\fBsentui config \\-\\-schema\\fR "
               "prints them as a table); \\fB\\-\\-set\\fR \\fIKEY\\fR=\\fIVALUE\\fR overrides one.\n");
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        char range[128];
        cli_key_range(k, range, sizeof range);
        fputs(".TP\n.B ", f);
        roff(f, k->key);
        fputs("\n", f);
        roff(f, k->help);
        fputs(" (", f);
        roff(f, range);
        fputs("; default ", f);
        roff(f, k->def[0] ? k->def : "empty");
        fputs(")\n", f);
    }
}

static void workbench_keys(FILE *f) {
    fprintf(f, ".SH WORKBENCH KEYS\nEach screen lists its keys with \\fB?\\fR.\n");
    for (int s = 0; s < SCR_COUNT; s++) {
        if (s == SCR_HELP) continue;
        fputs(".SS ", f);
        roff(f, app_screen_title((ScreenId)s));
        fputs("\n", f);
        for (int i = 0; i < ACT_COUNT; i++) {
            const ActionInfo *ai = &app_actions[i];
            if (!(ai->screens & (1u << s))) continue;
            char kb[32];
            fputs(".TP\n.B ", f);
            roff(f, app_action_keys(ai, 0, kb, sizeof kb));
            fputs("\n", f);
            roff(f, ai->help);
            fputs("\n", f);
        }
    }
}

static void tail(FILE *f) {
    fputs(".SH ENVIRONMENT\n"
          ".TP\n.B SENTUI_RUNS_DIR\nthe runs folder (default: runs in the working folder; \\-\\-dir overrides it)\n"
          ".TP\n.B SENTUI_CACHE_DIR\nwhere prepared datasets and word vectors are cached (default: .cache in a "
          "sentui checkout, else $XDG_CACHE_HOME/sentui, else ~/.cache/sentui)\n"
          ".TP\n.B SENTUI_CONFIGS_DIR\nthe configs folder the workbench lists (default: configs in the working "
          "folder, else the installed share/sentui/configs)\n"
          ".TP\n.B IMDB_TARBALL\nthe IMDb archive read when a config's data.path is empty (default: "
          "data/aclImdb_v1.tar.gz)\n"
          ".TP\n.B SENTUI_ASCII\nwhen set to other than 0, draw with ASCII only\n"
          ".TP\n.B NO_COLOR\nwhen set, draw without colour\n"
          ".SH FILES\n.TP\n.I runs/NAME/\na run: its config, events, checkpoints and results\n"
          ".TP\n.I PREFIX/share/sentui/configs/\nthe shipped configs (tuned, lab reproductions, synthetic)\n"
          ".SH EXIT STATUS\n0 on success, 1 on failure, 2 for a usage or config error.\n"
          ".SH SEE ALSO\n\\fBsentui config \\-\\-schema\\fR, \\fBsentui completion bash\\fR\n",
          f);
}

int cmd_man(int argc, char **argv) {
    (void)argv;
    if (argc > 0) {
        fprintf(stderr, "usage: sentui man\n");
        return 2;
    }
    head(stdout);
    commands(stdout);
    config_keys_section(stdout);
    workbench_keys(stdout);
    tail(stdout);
    return 0;
}
