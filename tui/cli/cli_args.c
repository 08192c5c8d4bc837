/* argv scanning for the commands; see cli_args.h for the flag rules. */
#include "cli/cli_args.h"

#include <stddef.h>
#include <string.h>

static const char *const value_flags[] = {"--set",  "--split", "--dir",     "--speed",      "--arch",
                                           "--steps", "--seed", "--reps", "--threads", "--eval-batch",
                                           "-o",      "--output", "--x", "--svg", "--what", "--metric", "--sample",
                                           "--data",  "--labels", "--grid", "--range", "--random", "--parallel", "--name",
                                           "--layer", "--head", NULL};

/* Length of the name part of "--name=value" (or of the whole argument). */
static size_t name_len(const char *arg) {
    return strcspn(arg, "=");
}

static int is_flag(const char *arg) {
    return arg[0] == '-' && arg[1] != 0;
}

/* Does argument arg name the flag? "--split" matches --split and --split=x;
 * a flag given without dashes means the long form, "-h" matches only -h. */
static int names_flag(const char *arg, const char *flag) {
    int df = 0, da = 0;
    while (flag[df] == '-') df++;
    while (da < 2 && arg[da] == '-') da++;
    if (da != (df ? df : 2)) return 0;
    flag += df;
    arg += da;
    size_t n = name_len(arg);
    return *flag && strlen(flag) == n && !strncmp(arg, flag, n);
}

int cli_flag_takes_value(const char *flag) {
    for (int i = 0; value_flags[i]; i++)
        if (names_flag(value_flags[i], flag)) return 1;
    return 0;
}

/* Walks argv, calling back for each flag occurrence with its value (or NULL)
 * and for each positional; stops early when the callback returns nonzero. */
typedef int (*Visit)(void *ctx, int index, const char *arg, const char *value, int positional);

static int walk(int argc, char **argv, Visit visit, void *ctx) {
    int only_positional = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!a) continue;
        if (only_positional || !is_flag(a)) {
            if (visit(ctx, i, a, NULL, 1)) return 1;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_positional = 1;
            continue;
        }
        const char *eq = strchr(a, '=');
        const char *value = NULL;
        int at = i;
        if (eq)
            value = eq + 1;
        else if (cli_flag_takes_value(a) && i + 1 < argc)
            value = argv[++i];
        if (visit(ctx, at, a, value, 0)) return 1;
    }
    return 0;
}

typedef struct {
    const char *flag;
    const char *value;
    int found, want, count, start, next;
    const char *const *known;
} Query;

static int visit_value(void *ctx, int index, const char *arg, const char *value, int positional) {
    (void)index;
    Query *q = ctx;
    if (!positional && names_flag(arg, q->flag)) {
        q->found = 1;
        q->value = value;
    }
    return 0;
}

const char *cli_flag_value(int argc, char **argv, const char *flag) {
    Query q = {.flag = flag};
    walk(argc, argv, visit_value, &q);
    return q.value;
}

int cli_has_flag(int argc, char **argv, const char *flag) {
    Query q = {.flag = flag};
    walk(argc, argv, visit_value, &q);
    return q.found;
}

static int visit_next(void *ctx, int index, const char *arg, const char *value, int positional) {
    Query *q = ctx;
    if (positional || index < q->start || !names_flag(arg, q->flag)) return 0;
    q->found = 1;
    q->value = value;
    q->next = index + 1;
    return 1;
}

int cli_flag_next(int argc, char **argv, const char *flag, int *it, const char **value) {
    Query q = {.flag = flag, .start = it ? *it : 0};
    walk(argc, argv, visit_next, &q);
    if (!q.found) return 0;
    if (it) *it = q.next;
    if (value) *value = q.value;
    return 1;
}

static int visit_positional(void *ctx, int index, const char *arg, const char *value, int positional) {
    (void)index;
    (void)value;
    Query *q = ctx;
    if (!positional) return 0;
    if (q->count++ == q->want) {
        q->value = arg;
        q->found = 1;
        return 1;
    }
    return 0;
}

int cli_positional(int argc, char **argv, int index, const char **out) {
    Query q = {.want = index};
    if (index < 0) return 0;
    walk(argc, argv, visit_positional, &q);
    if (q.found && out) *out = q.value;
    return q.found;
}

int cli_positional_count(int argc, char **argv) {
    Query q = {.want = -1};
    walk(argc, argv, visit_positional, &q);
    return q.count;
}

static int visit_unknown(void *ctx, int index, const char *arg, const char *value, int positional) {
    (void)index;
    (void)value;
    Query *q = ctx;
    if (positional) return 0;
    for (int i = 0; q->known && q->known[i]; i++)
        if (names_flag(arg, q->known[i]) || !strcmp(arg, q->known[i])) return 0;
    q->value = arg;
    return 1;
}

const char *cli_unknown_flag(int argc, char **argv, const char *const known[]) {
    Query q = {.known = known};
    walk(argc, argv, visit_unknown, &q);
    return q.value;
}
