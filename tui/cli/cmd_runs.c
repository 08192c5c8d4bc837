/* `sentui runs`: one line per run from its summary.json alone, so the
 * listing stays instant with thousands of runs. Folders whose summary.json
 * cannot be read are listed too, as unreadable with the reason. Every string
 * comes from a run folder that may have been downloaded: the table prints it
 * through text_safe, the JSON through jansson. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/chart.h"
#include "cli/cli_args.h"
#include "cli/cli_out.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "screens/compare.h"
#include "run/run.h"
#include "run/run_unreadable.h"
#include "cli/text_safe.h"

/* A score of a run with eval.limit is marked '*': it is not a whole-split figure. */
static void score(char *b, size_t n, const RunScore *s, int f1, long limit) {
    double v = f1 ? s->f1 : s->accuracy;
    if (s->valid && isfinite(v)) snprintf(b, n, "%.4f%s", v, limit > 0 ? "*" : "");
    else snprintf(b, n, "-");
}

static int print_json(const RunSummary *runs, int n, const RunUnreadable *bad, int nbad) {
    json_t *rows = json_array();
    for (int i = 0; rows && i < n; i++) {
        const RunSummary *s = &runs[i];
        /* Seconds to the millisecond, so 15 digits print them without noise. */
        double secs = isfinite(s->train_seconds) ? round(s->train_seconds * 1000) / 1000 : NAN;
        json_t *row = json_pack("{s:o, s:o, s:o, s:s, s:I, s:i, s:o}", "run", cli_json_text(s->run), "dir",
                                cli_json_text(s->dir), "arch", cli_json_text(s->arch), "status",
                                run_status_text(s->status), "params", (json_int_t)s->params, "epochs", s->epochs,
                                "train_seconds", cli_json_real(secs));
        if (row && s->eval_limit > 0) json_object_set_new(row, "eval_limit", json_integer(s->eval_limit));
        json_array_append_new(rows, row);
    }
    for (int i = 0; rows && i < nbad; i++)
        json_array_append_new(rows, json_pack("{s:o, s:o, s:s, s:o}", "run", cli_json_text(bad[i].run), "dir",
                                              cli_json_text(bad[i].dir), "status", "unreadable", "reason",
                                              cli_json_text(bad[i].reason)));
    if (!rows) {
        fprintf(stderr, "sentui runs: out of memory\n");
        return 1;
    }
    cli_json_print_rows(stdout, rows, 15);
    return 0;
}

static void print_table(const RunSummary *runs, int n, const RunUnreadable *bad, int nbad) {
    /* Cells hold up to 4 bytes of escape per input byte. */
    char id[4 * sizeof runs->run + 1], arch[4 * sizeof runs->arch + 1], why[4 * sizeof bad->reason + 1];
    /* The id column fits the longest name, so the table stays aligned. */
    int idw = 2;
    for (int i = 0; i < n + nbad; i++) {
        int w = (int)strlen(text_safe(id, sizeof id, i < n ? runs[i].run : bad[i - n].run, 0));
        if (w > idw) idw = w;
    }
    printf("%-*s %-11s %8s %6s %8s %7s %8s %7s %9s  %s\n", idw, "id", "arch", "params", "epochs", "val acc", "val F1",
           "test acc", "test F1", "time", "status");
    for (int i = 0; i < n; i++) {
        const RunSummary *s = &runs[i];
        char p[32], va[16], vf[16], ta[16], tf[16], t[32];
        format_si((double)s->params, p, sizeof p);
        score(va, sizeof va, &s->best, 0, s->eval_limit);
        score(vf, sizeof vf, &s->best, 1, s->eval_limit);
        score(ta, sizeof ta, &s->test, 0, s->eval_limit);
        score(tf, sizeof tf, &s->test, 1, s->eval_limit);
        format_duration(s->train_seconds, t, sizeof t);
        printf("%-*s %-11s %8s %6d %8s %7s %8s %7s %9s  %s\n", idw, text_safe(id, sizeof id, s->run, 0),
               text_safe(arch, sizeof arch, s->arch, 0), p, s->epochs, va, vf, ta, tf, t, run_status_text(s->status));
    }
    for (int i = 0; i < nbad; i++)
        printf("%-*s %-11s %8s %6s %8s %7s %8s %7s %9s  unreadable: %s\n", idw, text_safe(id, sizeof id, bad[i].run, 0),
               "?", "-", "-", "-", "-", "-", "-", "-", text_safe(why, sizeof why, bad[i].reason, 0));
    for (int i = 0; i < n; i++)
        if (runs[i].eval_limit > 0) {
            printf("%s\n", compare_limit_note);
            break;
        }
}

int cmd_runs(int argc, char **argv) {
    static const char *const known[] = {"--dir", "--json", NULL};
    const char *dir = cli_flag_value(argc, argv, "--dir");
    if (cli_unknown_flag(argc, argv, known) || cli_positional_count(argc, argv) > 0 ||
        (cli_has_flag(argc, argv, "--dir") && !dir)) {
        fprintf(stderr, "usage: sentui runs [--dir DIR] [--json]\n");
        return 2;
    }
    int json = cli_has_flag(argc, argv, "--json");
    dir = cli_runs_dir(dir);
    RunSummary *runs = NULL;
    char err[512];
    int n = run_list(dir, &runs, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "sentui runs: %s\n", err);
        return 1;
    }
    RunUnreadable *bad = NULL;
    int nbad = run_list_unreadable(dir, runs, n, &bad), rc = 0;
    if (json) {
        rc = print_json(runs, n, bad, nbad);
    } else if (n + nbad == 0) {
        size_t size = text_safe_size(dir, 0);
        char *safe = malloc(size);
        if (safe) text_safe(safe, size, dir, 0);
        printf("no runs in %s (train one with: sentui train CONFIG)\n", safe ? safe : "the runs folder");
        free(safe);
    } else {
        print_table(runs, n, bad, nbad);
    }
    free(runs);
    free(bad);
    return rc;
}
