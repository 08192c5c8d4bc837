/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include "screens/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "widgets/chart.h"
#include "cli/cli_out.h"
#include "cli/text_safe.h"

int compare_load(CompareRun *c, const char *dir, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    runstate_init(&c->rs);
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    char path[RUN_PATH_MAX + 32], e2[256];
    c->has_sum = run_summary_load(dir, &c->sum, e2, sizeof e2) == 0;
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    int has_events = runstate_load_file(&c->rs, path) == 0;
    snprintf(path, sizeof path, "%s/config.yaml", dir);
    /* Lenient: comparing shows a saved run's settings as it was trained, even
     * one written before a newer cross-field check. */
    c->has_cfg = config_read(&c->cfg, &(ConfigSource){.file = path, .flags = CONFIG_NO_CHECKS}, NULL) == 0;
    if (!c->has_sum && !has_events) {
        snprintf(err, errlen, "%s: not a run folder (no summary.json or events.jsonl)", dir);
        return -1;
    }
    return 0;
}

void compare_run_free(CompareRun *c) {
    runstate_free(&c->rs);
    config_free(&c->cfg);
}

const char *compare_metric_name(CompareMetric m) {
    static const char *names[] = {"validation accuracy", "validation F1", "validation loss", "training loss (smoothed)"};
    return m >= 0 && m < CMP_METRICS ? names[m] : "?";
}

static const char *base_name(const char *dir) {
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/') n--;
    const char *p = dir + n;
    while (p > dir && p[-1] != '/') p--;
    return p;
}

static long run_eval_limit(const CompareRun *c) { return c->has_sum ? c->sum.eval_limit : c->rs.eval_limit; }

void compare_row(const CompareRun *c, CompareRow *r) {
    const RunState *s = &c->rs;
    memset(r, 0, sizeof *r);
    r->name = c->has_sum && c->sum.run[0] ? c->sum.run : s->run[0] ? s->run : base_name(c->dir);
    r->arch = c->has_sum && c->sum.arch[0] ? c->sum.arch : s->arch;
    r->status = run_status_name(c->has_sum ? c->sum.status : s->status);
    r->params = c->has_sum ? c->sum.params : s->params;
    r->epochs = c->has_sum ? c->sum.epochs : s->epochs;
    r->val_acc = r->val_f1 = r->test_acc = r->test_f1 = r->test_f1_weighted = r->test_f1_macro = NAN;
    if (c->has_sum && c->sum.best.valid) r->val_acc = c->sum.best.accuracy, r->val_f1 = c->sum.best.f1;
    else if (s->best_eval >= 0) r->val_acc = s->evals[s->best_eval].accuracy, r->val_f1 = s->evals[s->best_eval].f1;
    if (c->has_sum && c->sum.test.valid) {
        r->test_acc = c->sum.test.accuracy, r->test_f1 = c->sum.test.f1;
        r->test_f1_weighted = c->sum.test.f1_weighted, r->test_f1_macro = c->sum.test.f1_macro;
    } else if (s->has_test) {
        r->test_acc = s->test.accuracy, r->test_f1 = s->test.f1;
        r->test_f1_weighted = s->test.f1_weighted, r->test_f1_macro = s->test.f1_macro;
    }
    r->eval_limit = run_eval_limit(c);
    r->seconds = c->has_sum ? c->sum.train_seconds : s->elapsed;
    r->tokens_per_s = c->has_sum ? c->sum.tokens_per_s : NAN;
    if (!isfinite(r->tokens_per_s) || r->tokens_per_s <= 0) {
        /* Median-free estimate: the mean over logged steps. */
        double sum = 0;
        int k = 0;
        for (int i = 0; i < s->n_steps; i++)
            if (isfinite(s->steps[i].tokens_per_s)) sum += s->steps[i].tokens_per_s, k++;
        r->tokens_per_s = k ? sum / k : NAN;
    }
}

void compare_chart(Grid *g, Rect r, const CompareRun *runs, int n, CompareMetric m) {
    static const char TAGS[] = "123456789abcdefghijklmnopqrstuvwxyz";
    ChartSeries *ser = calloc((size_t)n + 1, sizeof *ser);
    float **bufs = calloc((size_t)n + 1, sizeof *bufs);
    char(*tags)[4] = calloc((size_t)n + 1, sizeof *tags);
    char(*names)[96] = calloc((size_t)n + 1, sizeof *names);
    if (!ser || !bufs || !tags || !names) goto out;
    for (int i = 0; i < n; i++) {
        const RunState *s = &runs[i].rs;
        int len = m == CMP_TRAIN_LOSS ? s->n_steps : s->n_evals;
        bufs[i] = calloc((size_t)(3 * len + 1), sizeof(float));
        if (!bufs[i]) goto out;
        float *x = bufs[i], *y = bufs[i] + len, *tmp = bufs[i] + 2 * len;
        for (int k = 0; k < len; k++) {
            if (m == CMP_TRAIN_LOSS) {
                x[k] = s->steps[k].epoch, tmp[k] = s->steps[k].loss;
            } else {
                const EvalPoint *e = &s->evals[k];
                x[k] = e->epoch;
                y[k] = m == CMP_VAL_ACC ? e->accuracy : m == CMP_VAL_F1 ? e->f1 : e->loss;
            }
        }
        if (m == CMP_TRAIN_LOSS) smooth_ema(tmp, y, len, len > 200 ? 0.98f : 0.9f);
        CompareRow row;
        compare_row(&runs[i], &row);
        /* Tagged 1..9, a..z at the curve's end and in the legend: told apart without colour. */
        snprintf(tags[i], sizeof tags[i], "%c", TAGS[i % (int)(sizeof TAGS - 1)]);
        snprintf(names[i], sizeof names[i], "%s %s", tags[i], row.name);
        ser[i] = (ChartSeries){.name = names[i], .x = x, .y = y, .n = len, .color = COL_SERIES0 + i % SERIES_COLORS,
                               .marker = "*+ox#@%&"[i % 8], .tag = tags[i]};
    }
    ChartOpts o;
    chart_opts_default(&o);
    o.title = compare_metric_name(m);
    o.xlabel = "epoch";
    chart_draw(g, r, ser, n, &o);
out:
    for (int i = 0; bufs && i < n; i++) free(bufs[i]);
    free(bufs);
    free(ser);
    free(tags);
    free(names);
}

static void num(char *b, size_t n, double v, const char *fmt) {
    if (isfinite(v)) snprintf(b, n, fmt, v);
    else snprintf(b, n, "-");
}

const char compare_limit_note[] =
    "* scored on the first reviews of the validation and test splits only (eval.limit), not the whole splits";

int compare_any_limited(const CompareRun *runs, int n) {
    for (int i = 0; i < n; i++)
        if (run_eval_limit(&runs[i]) > 0) return 1;
    return 0;
}

const char *compare_score_format(const CompareRow *r) { return r->eval_limit > 0 ? "%.4f*" : "%.4f"; }

/* Run names, archs and folders come from run folders that may have been
 * downloaded: JSON goes through jansson, CSV through the RFC 4180 quoter, and
 * the tables through text_safe, so no escape sequence reaches the terminal. */
static void print_json(FILE *f, const CompareRun *runs, int n) {
    json_t *rows = json_array();
    for (int i = 0; rows && i < n; i++) {
        CompareRow r;
        compare_row(&runs[i], &r);
        json_t *row = json_pack("{s:o, s:o, s:o, s:s, s:I, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "run",
                            cli_json_text(r.name), "dir", cli_json_text(runs[i].dir), "arch", cli_json_text(r.arch),
                            "status", r.status, "params", (json_int_t)r.params, "epochs", r.epochs, "best_val_acc",
                            cli_json_real(r.val_acc), "best_val_f1", cli_json_real(r.val_f1), "test_acc",
                            cli_json_real(r.test_acc), "test_f1", cli_json_real(r.test_f1), "test_f1_weighted",
                            cli_json_real(r.test_f1_weighted), "test_f1_macro", cli_json_real(r.test_f1_macro),
                            "train_seconds", cli_json_real(r.seconds), "tokens_per_s", cli_json_real(r.tokens_per_s));
        if (row && r.eval_limit > 0) json_object_set_new(row, "eval_limit", json_integer(r.eval_limit));
        json_array_append_new(rows, row);
    }
    if (rows) cli_json_print_rows(f, rows, 6);
}

static void print_csv(FILE *f, const CompareRun *runs, int n) {
    fprintf(f, "run,arch,status,params,epochs,best_val_acc,best_val_f1,test_acc,test_f1,test_f1_weighted,test_f1_macro,"
               "train_seconds,tokens_per_s,eval_limit\n");
    for (int i = 0; i < n; i++) {
        CompareRow r;
        compare_row(&runs[i], &r);
        char v[11][32];
        double vals[8] = {r.val_acc, r.val_f1, r.test_acc, r.test_f1, r.test_f1_weighted, r.test_f1_macro,
                          r.seconds, r.tokens_per_s};
        snprintf(v[0], sizeof v[0], "%ld", r.params);
        snprintf(v[1], sizeof v[1], "%d", r.epochs);
        for (int k = 0; k < 8; k++) num(v[k + 2], sizeof v[k + 2], vals[k], "%.6g");
        snprintf(v[10], sizeof v[10], "%ld", r.eval_limit); /* 0: the whole splits */
        cli_csv_field(f, r.name, 0);
        cli_csv_field(f, r.arch, 0);
        cli_csv_field(f, r.status, 0);
        /* An empty field is a missing figure, as before. */
        for (int k = 0; k < 11; k++) cli_csv_field(f, strcmp(v[k], "-") ? v[k] : "", k == 10);
    }
}

/* A Markdown cell: a '|' in a name would end the cell. */
static void markdown_cell(FILE *f, const char *s) {
    fputc(' ', f);
    for (; *s; s++) {
        if (*s == '|') fputc('\\', f);
        fputc(*s, f);
    }
    fputs(" |", f);
}

void compare_print_table(FILE *f, const CompareRun *runs, int n, CompareFormat fmt) {
    static const char *head[] = {"run", "arch", "params", "best val acc", "test acc", "weighted F1", "macro F1",
                                 "train time", "tokens/s"};
    enum { NC = 9 };
    if (fmt == CMP_JSON || fmt == CMP_CSV) {
        (fmt == CMP_JSON ? print_json : print_csv)(f, runs, n);
        return;
    }
    /* Names hold up to 4 bytes of escape per byte read. */
    char cell[NC][4 * 256 + 1];
    if (fmt == CMP_MARKDOWN) {
        fprintf(f, "|");
        for (int c = 0; c < NC; c++) fprintf(f, " %s |", head[c]);
        fprintf(f, "\n|");
        for (int c = 0; c < NC; c++) fprintf(f, c < 2 ? "---|" : "---:|");
        fprintf(f, "\n");
    } else {
        fprintf(f, "%-32s %-11s %8s %12s %8s %11s %8s %10s %9s\n", head[0], head[1], head[2], head[3], head[4],
                head[5], head[6], head[7], head[8]);
    }
    for (int i = 0; i < n; i++) {
        CompareRow r;
        compare_row(&runs[i], &r);
        text_safe(cell[0], sizeof cell[0], r.name, 0);
        text_safe(cell[1], sizeof cell[1], r.arch, 0);
        format_si((double)r.params, cell[2], sizeof cell[2]);
        const char *score = compare_score_format(&r);
        num(cell[3], sizeof cell[3], r.val_acc, score);
        num(cell[4], sizeof cell[4], r.test_acc, score);
        num(cell[5], sizeof cell[5], r.test_f1_weighted, score);
        num(cell[6], sizeof cell[6], r.test_f1_macro, score);
        format_duration(r.seconds, cell[7], sizeof cell[7]);
        format_si(r.tokens_per_s, cell[8], sizeof cell[8]);
        if (fmt == CMP_MARKDOWN) {
            fprintf(f, "|");
            for (int c = 0; c < NC; c++) markdown_cell(f, cell[c]);
            fprintf(f, "\n");
        } else {
            fprintf(f, "%-32s %-11s %8s %12s %8s %11s %8s %10s %9s\n", cell[0], cell[1], cell[2], cell[3], cell[4],
                    cell[5], cell[6], cell[7], cell[8]);
        }
    }
    if (compare_any_limited(runs, n)) fprintf(f, "%s%s\n", fmt == CMP_MARKDOWN ? "\n" : "", compare_limit_note);
}

/* One line per config key whose value differs between the runs. */
static int diff_lines(const CompareRun *runs, int n, char lines[][512], int max) {
    int k = 0;
    for (int i = 0; i < config_key_count && k < max; i++) {
        const ConfigKey *key = &config_keys[i];
        if (!strcmp(key->key, "train.runs_dir") || !strcmp(key->key, "data.path")) continue;
        char first[256] = "", v[256];
        int differ = 0, have = 0;
        for (int r = 0; r < n; r++) {
            if (!runs[r].has_cfg) continue;
            config_get_text(&runs[r].cfg, key, v, sizeof v);
            if (!have) snprintf(first, sizeof first, "%s", v), have = 1;
            else if (strcmp(first, v)) differ = 1;
        }
        if (!differ) continue;
        size_t len = (size_t)snprintf(lines[k], 512, "%-22s", key->key);
        for (int r = 0; r < n && len < 500; r++) {
            if (!runs[r].has_cfg) snprintf(v, sizeof v, "?");
            else config_get_text(&runs[r].cfg, key, v, sizeof v);
            len += (size_t)snprintf(lines[k] + len, 512 - len, "%s%s", r ? " | " : " ", v);
        }
        k++;
    }
    return k;
}

static const char *diff_heading(const CompareRun *runs, int n, int k) {
    int with = 0;
    for (int i = 0; i < n; i++) with += runs[i].has_cfg;
    if (with < 2) return "no configs to compare (config.yaml missing from the run folders)";
    if (k) return with < n ? "config differences (runs without config.yaml show ?):" : "config differences (in run order):";
    return "configs are identical (apart from paths)";
}

int compare_draw_diff(Grid *g, Rect r, const CompareRun *runs, int n) {
    char (*lines)[512] = malloc(64 * sizeof *lines);
    if (!lines || r.h <= 0) {
        free(lines);
        return 0;
    }
    int k = diff_lines(runs, n, lines, 64);
    grid_text(g, r.x, r.y, r.w, diff_heading(runs, n, k), style(COL_HEADER, ATTR_BOLD));
    int y = 1;
    for (int i = 0; i < k && y < r.h; i++, y++) grid_text(g, r.x, r.y + y, r.w, lines[i], style(COL_TEXT, 0));
    free(lines);
    return y;
}

void compare_print_diff(FILE *f, const CompareRun *runs, int n) {
    char (*lines)[512] = malloc(64 * sizeof *lines);
    if (!lines) return;
    int k = diff_lines(runs, n, lines, 64);
    fprintf(f, "%s\n", diff_heading(runs, n, k));
    /* Values come from the runs' config.yaml files. */
    for (int i = 0; i < k; i++) {
        fputs("  ", f);
        text_safe_fputs(lines[i], f, 0);
        fputc('\n', f);
    }
    free(lines);
}
