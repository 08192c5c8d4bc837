#include <errno.h>
#include <stdio.h>
#include <string.h>

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
    const char *name, *args, *help;
    int (*fn)(int, char **);
} Command;

static const Command commands[] = {
#define ENTRY(name, args, help) {#name, args, help, cmd_##name},
    SENTUI_COMMANDS(ENTRY)
#undef ENTRY
};

static void usage(FILE *f) {
    fprintf(f, "usage: sentui [COMMAND] [ARGS]\n\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-9s %-34s %s\n", commands[i].name, commands[i].args, commands[i].help);
    fprintf(f, "\nWithout a command sentui opens the workbench.\n");
}

static int run(int argc, char **argv) {
    /* Options without a command belong to the workbench (`sentui --ascii`). */
    if (argc < 2 || (argv[1][0] == '-' && argv[1][1] == '-' && strcmp(argv[1], "--help")))
        return cmd_workbench(argc - 1, argv + 1);
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 2, argv + 2);
    fprintf(stderr, "sentui: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
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
