/* `sentui completion bash|zsh`: a completion script printed from the command
 * and option tables (commands.h, cli_options.h) and the config schema, so it
 * offers exactly the commands, options and keys this binary knows. What a
 * command's positional arguments are comes from its argument text: RUN
 * completes run folders (in --dir, $SENTUI_RUNS_DIR or runs), CONFIG or FILE
 * YAML files, and "a|b" one of its words. */
#include <stdio.h>
#include <string.h>

#include "cli/cli_help.h"
#include "cli/commands.h"
#include "config/config.h"

typedef enum { ARGS_NONE, ARGS_RUNS, ARGS_CONFIGS, ARGS_WORDS } Positional;

static Positional positional_kind(const CliCommand *c) {
    if (strstr(c->args, "RUN")) return ARGS_RUNS;
    if (strstr(c->args, "CONFIG") || strstr(c->args, "FILE")) return ARGS_CONFIGS;
    if (strchr(c->args, '|') && c->args[0] != '[' && c->args[0] != '-') return ARGS_WORDS;
    return ARGS_NONE;
}

/* "a|b|c" as "a b c". */
static void words_of(FILE *f, const char *alternatives) {
    for (const char *s = alternatives; *s; s++) fputc(*s == '|' ? ' ' : *s, f);
}

/* Single-quoted for either shell. */
static void quoted(FILE *f, const char *s) {
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputs("'\\''", f);
        else fputc(*s, f);
    }
    fputc('\'', f);
}

static void key_values(FILE *f, const ConfigKey *k) {
    if (k->type == CFG_BOOL) fputs("true false", f);
    else words_of(f, k->values);
}

static void all_commands(FILE *f) {
    for (int i = 0; i < cli_command_count; i++) fprintf(f, "%s%s", i ? " " : "", cli_commands[i].name);
}

static void all_keys(FILE *f) {
    for (int i = 0; i < config_key_count; i++) fprintf(f, "%s%s=", i ? " " : "", config_keys[i].key);
}

/* The options of cmd, space-separated, with --help last. */
static void options_of(FILE *f, const char *cmd) {
    for (int i = 0; i < cli_option_count; i++)
        if (!strcmp(cli_options[i].command, cmd)) fprintf(f, "%s ", cli_options[i].option);
    fputs("--help", f);
}

/* Commands whose positional arguments are of this kind, as a case pattern. */
static int commands_of_kind(FILE *f, Positional kind, const char *sep) {
    int n = 0;
    for (int i = 0; i < cli_command_count; i++)
        if (positional_kind(&cli_commands[i]) == kind) fprintf(f, "%s%s", n++ ? sep : "", cli_commands[i].name);
    return n;
}

/* A command's sub-verbs: the words written "| verb DIR" in its arguments
 * (sweep's "resume DIR", "show DIR"), offered first and followed by folders. */
static int sub_verbs(const char *args, char verbs[][24], int max) {
    int n = 0;
    for (const char *p = strstr(args, "| "); p && n < max; p = strstr(p + 1, "| ")) {
        const char *w = p + 2, *e = w;
        while (*e >= 'a' && *e <= 'z') e++;
        if (e > w && (size_t)(e - w) < sizeof verbs[0] && !strncmp(e, " DIR", 4)) {
            memcpy(verbs[n], w, (size_t)(e - w));
            verbs[n++][e - w] = 0;
        }
    }
    return n;
}

/* A case branch "cmd verb"|... for the folder after a sub-verb; open starts the line. */
static void verb_folders(FILE *f, const char *open, const char *action) {
    for (int i = 0; i < cli_command_count; i++) {
        char v[4][24];
        int n = sub_verbs(cli_commands[i].args, v, 4);
        for (int k = 0; k < n; k++) fprintf(f, "%s\"%s %s\"", k ? "|" : open, cli_commands[i].name, v[k]);
        if (n) fprintf(f, ") %s; return ;;\n", action);
    }
}

/* The sub-verbs as the first positional word: "if" lines per shell. */
static void verb_words(FILE *f, const char *open, const char *close) {
    for (int i = 0; i < cli_command_count; i++) {
        char v[4][24];
        int n = sub_verbs(cli_commands[i].args, v, 4);
        if (!n) continue;
        fprintf(f, open, cli_commands[i].name);
        for (int k = 0; k < n; k++) fprintf(f, "%s%s", k ? " " : "", v[k]);
        fputs(close, f);
    }
}

static const char bash_helpers[] =
    "_sentui_runs() {\n"
    "    local dir=${SENTUI_RUNS_DIR:-runs} i IFS=$'\\n'\n"
    "    for ((i = 1; i < ${#words[@]}; i++)); do\n"
    "        [[ ${words[i]} == --dir ]] && dir=${words[i+1]}\n"
    "        [[ ${words[i]} == --dir=* ]] && dir=${words[i]#--dir=}\n"
    "    done\n"
    "    COMPREPLY+=($(compgen -W last -- \"$cur\"))\n"
    "    [[ -d $dir ]] && COMPREPLY+=($(cd -- \"$dir\" && compgen -d -- \"$cur\"))\n"
    "}\n"
    "_sentui_configs() {\n"
    "    local f IFS=$'\\n'\n"
    "    compopt -o filenames 2>/dev/null\n"
    "    for f in $(compgen -f -- \"$cur\"); do\n"
    "        [[ -d $f || $f == *.yaml || $f == *.yml ]] && COMPREPLY+=(\"$f\")\n"
    "    done\n"
    "}\n";

static void bash_set(FILE *f) {
    fputs("_sentui_set() {\n    if [[ $cur != *=* ]]; then\n        COMPREPLY=($(compgen -W \"", f);
    all_keys(f);
    fputs("\" -- \"$cur\"))\n        compopt -o nospace 2>/dev/null\n        return\n    fi\n"
          "    local key=${cur%%=*} values=\n    case $key in\n",
          f);
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        if (k->type != CFG_ENUM && k->type != CFG_BOOL) continue;
        fprintf(f, "        %s) values=\"", k->key);
        key_values(f, k);
        fputs("\" ;;\n", f);
    }
    /* Bash splits words at '=' (COMP_WORDBREAKS): then only the value is replaced. */
    fputs("    esac\n    COMPREPLY=($(compgen -W \"$values\" -- \"${cur#*=}\"))\n"
          "    [[ $COMP_WORDBREAKS == *=* ]] || COMPREPLY=(\"${COMPREPLY[@]/#/$key=}\")\n}\n",
          f);
}

/* After an option that takes a value: directories, the value's words, or nothing to offer. */
static void bash_option_values(FILE *f) {
    fputs("    case \"$cmd $prev\" in\n    *\" --set\") _sentui_set; return ;;\n", f);
    for (int i = 0; i < cli_option_count; i++) {
        const CliOption *o = &cli_options[i];
        if (!*o->value || !strcmp(o->option, "--set")) continue;
        fprintf(f, "    \"%s %s\") ", o->command, o->option);
        if (!strcmp(o->value, "DIR")) fputs("compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))", f);
        else if (strchr(o->value, '|')) {
            fputs("COMPREPLY=($(compgen -W \"", f);
            words_of(f, o->value);
            fputs("\" -- \"$cur\"))", f);
        } else fputs(":", f);
        fputs("; return ;;\n", f);
    }
    verb_folders(f, "    ", "compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$cur\"))");
    fputs("    esac\n", f);
}

static void bash_script(FILE *f) {
    fprintf(f, "# bash completion for sentui %s: commands, options, config keys (--set), runs, configs.\n"
               "# Printed by `sentui completion bash`; source it, or install it as\n"
               "# share/bash-completion/completions/sentui.\n",
            sentui_version);
    fputs(bash_helpers, f);
    bash_set(f);
    fputs("_sentui() {\n    local line=${COMP_LINE:0:COMP_POINT} cur= prev cmd\n    local -a words\n"
          "    read -ra words <<<\"$line\"\n"
          "    if [[ -n $line && $line != *[[:space:]] ]]; then\n"
          "        cur=${words[${#words[@]}-1]}\n        unset \"words[${#words[@]}-1]\"\n    fi\n"
          "    prev=${words[${#words[@]}-1]}\n    cmd=${words[1]:-}\n    COMPREPLY=()\n"
          "    [[ $cmd == -* ]] && cmd=workbench\n"
          "    if ((${#words[@]} <= 1)); then\n        COMPREPLY=($(compgen -W \"",
          f);
    all_commands(f);
    fputs(" --version ", f);
    options_of(f, "workbench"); /* `sentui --dump` is the workbench's */
    fputs("\" -- \"$cur\"))\n        return\n    fi\n", f);
    bash_option_values(f);
    fputs("    if [[ $cur == -* ]]; then\n        case $cmd in\n", f);
    for (int i = 0; i < cli_command_count; i++) {
        fprintf(f, "        %s) COMPREPLY=($(compgen -W \"", cli_commands[i].name);
        options_of(f, cli_commands[i].name);
        fputs("\" -- \"$cur\")) ;;\n", f);
    }
    fputs("        esac\n        return\n    fi\n", f);
    verb_words(f, "    [[ $cmd == %s && ${#words[@]} == 2 ]] && COMPREPLY+=($(compgen -W \"", "\" -- \"$cur\"))\n");
    fputs("    case $cmd in\n", f);
    fputs("    ", f);
    if (commands_of_kind(f, ARGS_RUNS, "|")) fputs(") _sentui_runs ;;\n    ", f);
    if (commands_of_kind(f, ARGS_CONFIGS, "|")) fputs(") _sentui_configs ;;\n", f);
    for (int i = 0; i < cli_command_count; i++) {
        if (positional_kind(&cli_commands[i]) != ARGS_WORDS) continue;
        fprintf(f, "    %s) COMPREPLY=($(compgen -W \"", cli_commands[i].name);
        words_of(f, cli_commands[i].args);
        fputs("\" -- \"$cur\")) ;;\n", f);
    }
    fputs("    esac\n}\ncomplete -F _sentui sentui\n", f);
}

static void zsh_set(FILE *f) {
    fputs("_sentui_set() {\n    if [[ $PREFIX != *=* ]]; then\n        compadd -S '' -- ", f);
    all_keys(f);
    fputs("\n        return\n    fi\n    local key=${PREFIX%%=*}\n    case $key in\n", f);
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        if (k->type != CFG_ENUM && k->type != CFG_BOOL) continue;
        fprintf(f, "    (%s) compadd -p \"$key=\" -- ", k->key);
        key_values(f, k);
        fputs(" ;;\n", f);
    }
    fputs("    esac\n}\n", f);
}

static void zsh_script(FILE *f) {
    fprintf(f, "#compdef sentui\n# zsh completion for sentui %s, printed by `sentui completion zsh`;\n"
               "# install it as _sentui in a folder on $fpath (share/zsh/site-functions).\n",
            sentui_version);
    zsh_set(f);
    fputs("_sentui_runs() {\n    local dir=${SENTUI_RUNS_DIR:-runs} i\n"
          "    for ((i = 2; i < CURRENT; i++)); do\n"
          "        [[ ${words[i]} == --dir ]] && dir=${words[i+1]}\n"
          "        [[ ${words[i]} == --dir=* ]] && dir=${words[i]#--dir=}\n    done\n"
          "    compadd -- last\n    [[ -d $dir ]] && compadd -- ${dir}/*(N/:t)\n}\n"
          "_sentui() {\n    local cmd=${words[2]} prev=${words[CURRENT-1]}\n"
          "    if ((CURRENT == 2)); then\n        local -a cmds\n        cmds=(",
          f);
    for (int i = 0; i < cli_command_count; i++) {
        char entry[256];
        snprintf(entry, sizeof entry, "%s:%s", cli_commands[i].name, cli_commands[i].help);
        fputs(" ", f);
        quoted(f, entry);
    }
    fputs(")\n        _describe -t commands 'sentui command' cmds\n        compadd -- --help --version\n"
          "        return\n    fi\n    [[ $cmd == -* ]] && cmd=workbench\n    case \"$cmd $prev\" in\n"
          "    (*\" --set\") _sentui_set; return ;;\n",
          f);
    verb_folders(f, "    (", "_files -/");
    for (int i = 0; i < cli_option_count; i++) {
        const CliOption *o = &cli_options[i];
        if (!*o->value || !strcmp(o->option, "--set")) continue;
        fprintf(f, "    (\"%s %s\") ", o->command, o->option);
        if (!strcmp(o->value, "DIR")) fputs("_files -/", f);
        else if (strchr(o->value, '|')) {
            fputs("compadd -- ", f);
            words_of(f, o->value);
        } else fputs(":", f);
        fputs("; return ;;\n", f);
    }
    fputs("    esac\n    if [[ $PREFIX == -* ]]; then\n        case $cmd in\n", f);
    for (int i = 0; i < cli_command_count; i++) {
        fprintf(f, "        (%s) compadd -- ", cli_commands[i].name);
        options_of(f, cli_commands[i].name);
        fputs(" ;;\n", f);
    }
    fputs("        esac\n        return\n    fi\n", f);
    verb_words(f, "    [[ $cmd == %s ]] && ((CURRENT == 3)) && compadd -- ", "\n");
    fputs("    case $cmd in\n    (", f);
    if (commands_of_kind(f, ARGS_RUNS, "|")) fputs(") _sentui_runs ;;\n    (", f);
    if (commands_of_kind(f, ARGS_CONFIGS, "|")) fputs(") _files -g '*.(yaml|yml)' ;;\n", f);
    for (int i = 0; i < cli_command_count; i++) {
        if (positional_kind(&cli_commands[i]) != ARGS_WORDS) continue;
        fprintf(f, "    (%s) compadd -- ", cli_commands[i].name);
        words_of(f, cli_commands[i].args);
        fputs(" ;;\n", f);
    }
    fputs("    esac\n}\n_sentui \"$@\"\n", f);
}

int cmd_completion(int argc, char **argv) {
    const char *shell = argc == 1 ? argv[0] : "";
    if (!strcmp(shell, "bash")) bash_script(stdout);
    else if (!strcmp(shell, "zsh")) zsh_script(stdout);
    else {
        fprintf(stderr, "usage: sentui completion bash|zsh\n"
                        "  e.g. source <(sentui completion bash)\n");
        return 2;
    }
    return 0;
}
