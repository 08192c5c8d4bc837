#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_help.h"
#include "cli/commands.h"
#include "cli/text_safe.h"
#include "cli/launch.h"

/* Commands not linked into this build answer with a clear message. */
#define WEAK_CMD(name, args, help)                                                  \
    __attribute__((weak)) int cmd_##name(int argc, char **argv) {                   \
        (void)argc;                                                                 \
        (void)argv;                                                                 \
        fprintf(stderr, "sentui: '%s' is not available in this build\n", #name);   \
        return 1;                                                                   \
    }
SENTUI_COMMANDS(WEAK_CMD)
#undef WEAK_CMD

typedef struct {
    const char *name;
    int (*fn)(int, char **);
} Command;

static const Command commands[] = {
#define ENTRY(name, args, help) {#name, cmd_##name},
    SENTUI_COMMANDS(ENTRY)
#undef ENTRY
};

static int is_help(const char *arg) {
    return !strcmp(arg, "-h") || !strcmp(arg, "--help") || !strcmp(arg, "help");
}

static int run(int argc, char **argv) {
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        printf("sentui %s\n", sentui_version);
        return 0;
    }
    /* Options without a command belong to the workbench (`sentui --ascii`). */
    if (argc < 2 || (argv[1][0] == '-' && argv[1][1] == '-' && strcmp(argv[1], "--help"))) {
        if (cli_wants_help(argc - 1, argv + 1)) return cli_help_command(stdout, "workbench") ? 1 : 0;
        return cmd_workbench(argc - 1, argv + 1);
    }
    if (is_help(argv[1])) {
        /* `sentui help train` is `sentui train --help`. */
        if (argc >= 3 && cli_help_command(stdout, argv[2]) == 0) return 0;
        if (argc >= 3) fprintf(stderr, "sentui: unknown command '%s'\n\n", argv[2]);
        cli_help_overview(argc >= 3 ? stderr : stdout);
        return argc >= 3 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++) {
        if (strcmp(argv[1], commands[i].name)) continue;
        if (cli_wants_help(argc - 2, argv + 2)) return cli_help_command(stdout, argv[1]) ? 1 : 0;
        return commands[i].fn(argc - 2, argv + 2);
    }
    fprintf(stderr, "sentui: unknown command '%s'\n\n", argv[1]);
    cli_help_overview(stderr);
    return 2;
}

/* Output that did not reach its file (a full disk, /dev/full, a closed pipe
 * with SIGPIPE ignored) is a failure: a script must not take a cut-off table
 * or JSON document for the whole. Checked once here, for every command. */
static int check_stdout(int rc) {
    /* Flushed, not closed: the terminal's atexit handler may still write to it. */
    errno = 0;
    int flush_failed = fflush(stdout) != 0;
    int saved = errno;
    if (!flush_failed && !ferror(stdout)) return rc;
    /* A command that already failed has said why; its status stands. */
    if (rc == 0)
        fprintf(stderr, "sentui: cannot write the output: %s\n", flush_failed && saved ? strerror(saved) : "write error");
    return rc ? rc : 1;
}

int main(int argc, char **argv) {
    /* Error messages quote run-folder files (names, tensor names, config
     * values); the filter keeps escape sequences in them off the terminal. */
    text_safe_guard_stderr();
    int rc = launch_start(argc, argv); /* under mpirun: join the job first */
    if (rc) return rc;
    return check_stdout(run(argc, argv));
}
