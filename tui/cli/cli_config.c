/* `sentui config`: the resolved config or every error in it, and `--schema`,
 * the list of every key. Also cli_load_config, the one way commands turn
 * "CONFIG [--set k=v]..." into a checked Config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_args.h"
#include "cli/cli_help.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "config/config.h"

int cli_load_config(struct Config *c, const char *file, int argc, char **argv) {
    /* Every --set in order; an occurrence without its value stays as NULL so
     * config_read reports it in its place. */
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    if (!sets) {
        fprintf(stderr, "sentui: out of memory\n");
        return 2;
    }
    int n = 0, it = 0;
    const char *assignment;
    while (cli_flag_next(argc, argv, "--set", &it, &assignment)) sets[n++] = assignment;
    /* Runs go where the other commands look for them; the config file and --set still decide. */
    ConfigSource src = {.file = file, .sets = sets, .n_sets = n, .runs_dir = cli_runs_dir(NULL)};
    ConfigErrors errs = {0};
    config_read(c, &src, &errs);
    free(sets);
    if (errs.n == 0) return 0;
    config_errors_print(&errs, stderr);
    if (errs.n > 1) fprintf(stderr, "%d errors\n", errs.n);
    config_errors_free(&errs);
    config_free(c);
    return 2;
}

static const char *type_name(ConfigType t) {
    switch (t) {
    case CFG_INT: return "int";
    case CFG_FLOAT: return "float";
    case CFG_BOOL: return "bool";
    case CFG_ENUM: return "enum";
    case CFG_STR: return "string";
    }
    return "?";
}

static void arch_names(unsigned archs, char *buf, size_t n) {
    if ((archs & A_ALL) == A_ALL) {
        snprintf(buf, n, "all");
        return;
    }
    size_t used = 0;
    buf[0] = 0;
    for (int a = 0; a < ARCH_COUNT && used < n; a++) {
        if (!(archs & config_arch_bit(a))) continue;
        char name[32];
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? "," : "",
                                 config_enum_name(ARCH_VALUES, a, name, sizeof name));
    }
}

static void range_text(const ConfigKey *k, char *buf, size_t n) {
    switch (k->type) {
    case CFG_INT: snprintf(buf, n, "%.0f..%.0f", k->min, k->max); break;
    case CFG_FLOAT: snprintf(buf, n, "%g..%g", k->min, k->max); break;
    case CFG_BOOL: snprintf(buf, n, "true|false"); break;
    case CFG_ENUM: snprintf(buf, n, "%s", k->values); break;
    case CFG_STR: snprintf(buf, n, "text"); break;
    }
}

static void print_schema(FILE *f) {
    fprintf(f, "%-22s %-6s %-9s %-30s %-25s %s\n", "KEY", "TYPE", "DEFAULT", "RANGE / VALUES", "USED BY", "HELP");
    char prev[32] = "";
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        size_t slen = strcspn(k->key, ".");
        if (prev[0] && (strlen(prev) != slen || strncmp(prev, k->key, slen))) fputc('\n', f);
        snprintf(prev, sizeof prev, "%.*s", (int)slen, k->key);
        char range[128], archs[64], def[64];
        range_text(k, range, sizeof range);
        arch_names(k->archs, archs, sizeof archs);
        snprintf(def, sizeof def, "%s", k->type == CFG_STR && !k->def[0] ? "\"\"" : k->def);
        fprintf(f, "%-22s %-6s %-9s %-30s %-25s %s\n", k->key, type_name(k->type), def, range, archs, k->help);
    }
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: sentui config FILE [--set key=value]...   print the resolved config or its errors\n"
            "       sentui config [--set key=value]...        the defaults (with overrides)\n"
            "       sentui config --schema                    every key: type, default, range, architectures, help\n"
            "Exit status 2 when the config has errors.\n");
}

int cmd_config(int argc, char **argv) {
    static const char *const known[] = {"--set", "--schema", "--help", "-h", NULL};
    if (cli_has_flag(argc, argv, "--help") || cli_has_flag(argc, argv, "-h")) {
        usage(stdout);
        return 0;
    }
    const char *bad = cli_unknown_flag(argc, argv, known);
    if (bad) {
        fprintf(stderr, "sentui config: unknown option '%s'\n", bad);
        usage(stderr);
        return 2;
    }
    if (cli_has_flag(argc, argv, "--schema")) {
        if (cli_positional_count(argc, argv) > 0) {
            usage(stderr);
            return 2;
        }
        print_schema(stdout);
        return 0;
    }
    if (cli_positional_count(argc, argv) > 1) {
        fprintf(stderr, "sentui config: one config file at a time\n");
        usage(stderr);
        return 2;
    }
    const char *file = NULL;
    cli_positional(argc, argv, 0, &file);
    Config c;
    if (cli_load_config(&c, file, argc, argv)) return 2;
    char *yaml = config_to_yaml(&c);
    config_free(&c);
    if (!yaml) {
        fprintf(stderr, "sentui config: out of memory\n");
        return 1;
    }
    fputs(yaml, stdout);
    free(yaml);
    return 0;
}

/* The man page and completion list keys' ranges as `config --schema` does. */
void cli_key_range(const ConfigKey *k, char *buf, size_t n) {
    range_text(k, buf, n);
}
