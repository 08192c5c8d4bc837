/* sentui predict RUN [TEXT...] [--dir RUNS_DIR]: one line per text (stdin
 * lines when no TEXT): label, probability of that label, top tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_args.h"
#include "cli_runs.h"
#include "commands.h"
#include "predict.h"
#include "run.h"

#define TOP_TOKENS 5

static void print_prediction(RunModel *r, const Prediction *p) {
    double prob = p->label ? p->prob : 1.0 - p->prob;
    printf("%s\t%.4f", p->label ? "positive" : "negative", prob);
    if (p->weight) {
        /* Highest weights first; each word once. */
        int shown = 0;
        char *used = calloc((size_t)p->len, 1);
        fputc('\t', stdout);
        while (shown < TOP_TOKENS) {
            int best = -1;
            for (int i = 0; i < p->len; i++)
                if (!used[i] && (best < 0 || p->weight[i] > p->weight[best])) best = i;
            if (best < 0) break;
            for (int i = 0; i < p->len; i++)
                if (p->tokens[i] == p->tokens[best]) used[i] = 1;
            int id = p->tokens[best];
            printf("%s%s %.3f", shown ? ", " : "", id >= 0 && id < r->vocab.n ? r->vocab.words[id] : "?",
                   (double)p->weight[best]);
            shown++;
        }
        free(used);
    }
    fputc('\n', stdout);
}

static int predict_one(RunModel *r, const char *text) {
    Prediction p;
    char err[512];
    if (run_model_predict(r, text, &p, err, sizeof err) != 0) {
        fprintf(stderr, "sentui predict: %s\n", err);
        return -1;
    }
    print_prediction(r, &p);
    prediction_free(&p);
    return 0;
}

int cmd_predict(int argc, char **argv) {
    static const char *const known[] = {"--dir", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known);
    const char *arg = NULL;
    if (bad || !cli_positional(argc, argv, 0, &arg)) {
        if (bad) fprintf(stderr, "sentui predict: unknown option %s\n", bad);
        fprintf(stderr, "usage: sentui predict RUN [TEXT...] [--dir RUNS_DIR]   (reads lines from stdin without TEXT)\n");
        return 2;
    }
    const char *runs_dir = cli_flag_value(argc, argv, "--dir");
    char dir[RUN_PATH_MAX], err[2048];
    if (cli_resolve_run(arg, runs_dir, dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui predict: %s\n", err);
        return 2;
    }
    RunModel r;
    if (run_model_open(&r, dir, 1, err, sizeof err) != 0) {
        fprintf(stderr, "sentui predict: %s\n", err);
        return 1;
    }
    int n = cli_positional_count(argc, argv), rc = 0;
    if (n > 1) {
        for (int i = 1; i < n && rc == 0; i++) {
            const char *text;
            cli_positional(argc, argv, i, &text);
            rc = predict_one(&r, text);
        }
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        while (rc == 0 && (len = getline(&line, &cap, stdin)) >= 0) {
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) line[--len] = 0;
            rc = predict_one(&r, line);
            fflush(stdout);
        }
        free(line);
    }
    run_model_close(&r);
    return rc ? 1 : 0;
}
