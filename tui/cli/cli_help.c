#include "cli/cli_help.h"

#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_options.h"
#include "cli/commands.h"

const CliCommand cli_commands[] = {
#define CMD_ENTRY(name, args, help) {#name, args, help},
    SENTUI_COMMANDS(CMD_ENTRY)
#undef CMD_ENTRY
};
const int cli_command_count = (int)(sizeof cli_commands / sizeof *cli_commands);

const CliOption cli_options[] = {
#define OPT_ENTRY(cmd, option, value, help) {#cmd, option, value, help},
    SENTUI_OPTIONS(OPT_ENTRY)
#undef OPT_ENTRY
};
const int cli_option_count = (int)(sizeof cli_options / sizeof *cli_options);

const CliCommand *cli_find_command(const char *name) {
    for (int i = 0; i < cli_command_count; i++)
        if (!strcmp(cli_commands[i].name, name)) return &cli_commands[i];
    return NULL;
}

void cli_help_overview(FILE *f) {
    fprintf(f, "usage: sentui [COMMAND] [ARGS]\n\n");
    for (int i = 0; i < cli_command_count; i++)
        fprintf(f, "  %-10s %-36s %s\n", cli_commands[i].name, cli_commands[i].args, cli_commands[i].help);
    fprintf(f, "\n  -h, --help   this list; `sentui COMMAND --help` shows a command's options\n"
               "  --version    the version of sentui\n"
               "\nWithout a command sentui opens the workbench.\n");
}

static void option_line(FILE *f, const char *option, const char *value, const char *help) {
    char left[48];
    snprintf(left, sizeof left, "%s%s%s", option, *value ? " " : "", value);
    fprintf(f, "  %-22s %s\n", left, help);
}

int cli_help_command(FILE *f, const char *name) {
    const CliCommand *c = cli_find_command(name);
    if (!c) return -1;
    fprintf(f, "usage: sentui %s%s%s\n\n%s\n\noptions:\n", c->name, *c->args ? " " : "", c->args, c->help);
    for (int i = 0; i < cli_option_count; i++)
        if (!strcmp(cli_options[i].command, name))
            option_line(f, cli_options[i].option, cli_options[i].value, cli_options[i].help);
    option_line(f, "-h, --help", "", "print this help and exit");
    for (int i = 0; i < cli_option_count; i++)
        if (!strcmp(cli_options[i].command, name) && !strcmp(cli_options[i].option, "--set")) {
            fprintf(f, "\n`sentui config --schema` lists every config key.\n");
            break;
        }
    return 0;
}

int cli_wants_help(int argc, char **argv) {
    return cli_has_flag(argc, argv, "--help") || cli_has_flag(argc, argv, "-h");
}
