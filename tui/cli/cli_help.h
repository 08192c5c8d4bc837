/* Help text for `sentui help`, `sentui CMD --help` and `sentui --version`,
 * printed from the command table (commands.h) and the option table
 * (cli_options.h); the man page and shell completion read the same tables
 * through the arrays below. */
#ifndef SENTUI_CLI_HELP_H
#define SENTUI_CLI_HELP_H

#include <stddef.h>
#include <stdio.h>

typedef struct CliCommand {
    const char *name, *args, *help;
} CliCommand;

typedef struct CliOption {
    const char *command, *option, *value, *help;
} CliOption;

extern const CliCommand cli_commands[];
extern const int cli_command_count;
extern const CliOption cli_options[];
extern const int cli_option_count;

/* The version this binary was built as: `git describe --always --dirty` of
 * the checkout it was built in, else the Makefile's fallback. Defined in the
 * file the build generates (build/version.c). */
extern const char sentui_version[];

/* A config key's range or values as `sentui config --schema` prints them. */
struct ConfigKey;
void cli_key_range(const struct ConfigKey *k, char *buf, size_t n);

const CliCommand *cli_find_command(const char *name);

/* Every command with its arguments, then the global options. */
void cli_help_overview(FILE *f);

/* One command's usage, description and options; -1 when there is no such command. */
int cli_help_command(FILE *f, const char *name);

/* 1 when argv (a command's arguments) asks for help: -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

#endif
