/* The HTML page of `sentui report`; see report.h. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/units.h"
#include "report/report.h"
#include "report/svg.h"

/* The policy forbids scripts and every fetch: even a string that escaped
 * escaping could neither run nor call out. */
static const char *const head =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>sentui report</title>\n<style>\n"
    "body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:24px auto;max-width:1100px;color:#111;"
    "padding:0 16px;line-height:1.4}\n"
    "h1{font-size:24px;margin-bottom:4px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ccc}"
    "h3{font-size:15px;margin:18px 0 6px}\n"
    "table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px}"
    "th{background:#f2f2f2;text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    ".row{display:flex;flex-wrap:wrap;gap:0 24px}figure{margin:12px 0;overflow-x:auto}svg{max-width:100%;height:auto}.muted{color:#666;font-size:13px}\n"
    "</style>\n</head>\n<body>\n";

static void cell_num(FILE *f, double v, const char *fmt) {
    fputs("<td class=\"n\">", f);
    if (isfinite(v)) fprintf(f, fmt, v);
    else fputs("-", f);
    fputs("</td>", f);
}

static void results_table(FILE *f, const CompareRun *runs, int n) {
    fputs("<h2>Results</h2>\n<table>\n<tr><th>run</th><th>arch</th><th>status</th><th>params</th><th>epochs</th>"
          "<th>best val acc</th><th>test acc</th><th>weighted F1</th><th>macro F1</th><th>train time</th>"
          "<th>tokens/s</th></tr>\n",
          f);
    char b[64];
    for (int i = 0; i < n; i++) {
        CompareRow r;
        compare_row(&runs[i], &r);
        fputs("<tr><td>", f);
        xml_text(f, r.name, 0);
        fputs("</td><td>", f);
        xml_text(f, r.arch, 0);
        fputs("</td><td>", f);
        xml_text(f, r.status, 0);
        format_si((double)r.params, b, sizeof b);
        fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%d</td>", b, r.epochs);
        const char *score = compare_score_format(&r);
        cell_num(f, r.val_acc, score);
        cell_num(f, r.test_acc, score);
        cell_num(f, r.test_f1_weighted, score);
        cell_num(f, r.test_f1_macro, score);
        format_duration(r.seconds, b, sizeof b);
        fprintf(f, "<td class=\"n\">%s</td>", b);
        format_si(r.tokens_per_s, b, sizeof b);
        fprintf(f, "<td class=\"n\">%s</td></tr>\n", b);
    }
    fputs("</table>\n", f);
    if (compare_any_limited(runs, n)) {
        fputs("<p>", f);
        xml_text(f, compare_limit_note, 0);
        fputs("</p>\n", f);
    }
}

/* The keys whose values differ, one row each (paths left out: they always differ). */
static void config_diff(FILE *f, const CompareRun *runs, int n) {
    fputs("<h2>Config differences</h2>\n", f);
    int with = 0, rows = 0;
    for (int i = 0; i < n; i++) with += runs[i].has_cfg;
    if (with < 2) {
        fputs(n < 2 ? "<p class=\"muted\">one run: nothing to compare.</p>\n"
                    : "<p class=\"muted\">no configs to compare (config.yaml missing from the run folders).</p>\n",
              f);
        return;
    }
    char first[256], v[256];
    for (int k = 0; k < config_key_count; k++) {
        const ConfigKey *key = &config_keys[k];
        if (!strcmp(key->key, "train.runs_dir") || !strcmp(key->key, "data.path")) continue;
        int have = 0, differ = 0;
        for (int r = 0; r < n; r++) {
            if (!runs[r].has_cfg) continue;
            config_get_text(&runs[r].cfg, key, v, sizeof v);
            if (!have) snprintf(first, sizeof first, "%s", v), have = 1;
            else differ |= strcmp(first, v) != 0;
        }
        if (!differ) continue;
        if (rows++ == 0) {
            fputs("<table>\n<tr><th>key</th>", f);
            for (int r = 0; r < n; r++) fprintf(f, "<th>run %d</th>", r + 1);
            fputs("</tr>\n", f);
        }
        fprintf(f, "<tr><td>%s</td>", key->key);
        for (int r = 0; r < n; r++) {
            fputs("<td>", f);
            if (runs[r].has_cfg) xml_text(f, config_get_text(&runs[r].cfg, key, v, sizeof v), 0);
            else fputs("?", f);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs(rows ? "</table>\n" : "<p class=\"muted\">configs are identical (apart from paths).</p>\n", f);
}

static int curves(FILE *f, const CompareRun *runs, int n, FigX x) {
    fputs("<h2>Curves</h2>\n", f);
    FigOpts o = {.x = x};
    for (int m = 0; m < CMP_METRICS; m++) {
        fputs("<figure>\n", f);
        fig_curves(f, runs, n, (CompareMetric)m, &o);
        fputs("</figure>\n", f);
    }
    return CMP_METRICS;
}

static int confusions(FILE *f, const CompareRun *runs, int n) {
    fputs("<h2>Confusion matrices</h2>\n<div class=\"row\">\n", f);
    FigOpts o = {0};
    int figs = 0;
    for (int i = 0; i < n; i++) {
        CompareRow r;
        compare_row(&runs[i], &r);
        const char *split;
        const EvalPoint *e = fig_run_confusion(&runs[i], &split);
        if (!e) continue;
        char title[512];
        snprintf(title, sizeof title, "%s: %s split", r.name, split);
        fputs("<figure>\n", f);
        if (fig_confusion_eval(f, &runs[i], e, title, &o) == 0) figs++;
        fputs("</figure>\n", f);
    }
    fputs("</div>\n", f);
    if (!figs) fputs("<p class=\"muted\">no evaluation yet.</p>\n", f);
    return figs;
}

enum { REPORT_SAMPLES = 6 };

static int heatmaps(FILE *f, const CompareRun *runs, int n) {
    fputs("<h2>Explained reviews</h2>\n", f);
    FigOpts o = {0};
    int figs = 0;
    for (int i = 0; i < n; i++) {
        const ExplainSet *set = fig_last_explain(&runs[i]);
        if (!set) continue;
        CompareRow r;
        compare_row(&runs[i], &r);
        fputs("<h3>", f);
        xml_text(f, r.name, 0);
        fprintf(f, " at step %d</h3>\n", set->step);
        int k;
        const char *const *names = fig_class_names(&runs[i], &k);
        for (int s = 0; s < set->n && s < REPORT_SAMPLES; s++) {
            char title[64];
            snprintf(title, sizeof title, "review %d", set->samples[s].index);
            fputs("<figure>\n", f);
            fig_heatmap(f, &set->samples[s], names, k, title, &o);
            fputs("</figure>\n", f);
            figs++;
        }
    }
    if (!figs) fputs("<p class=\"muted\">no explained reviews in these runs.</p>\n", f);
    return figs;
}

int report_write(FILE *f, const CompareRun *runs, int n, FigX x) {
    fputs(head, f);
    char when[64];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    fprintf(f, "<h1>sentui report</h1>\n<p class=\"muted\">%d run%s, written %s. Curves against %s.</p>\n", n,
            n == 1 ? "" : "s", when, x == FIG_X_STEP ? "steps" : x == FIG_X_EPOCH ? "epochs" : "wall-clock seconds");
    results_table(f, runs, n);
    config_diff(f, runs, n);
    int figs = curves(f, runs, n, x);
    figs += confusions(f, runs, n);
    figs += heatmaps(f, runs, n);
    fputs("</body>\n</html>\n", f);
    return figs;
}

int report_write_file(const char *path, const char *const *dirs, int n, FigX x, char *err, size_t errlen) {
    CompareRun *runs = calloc((size_t)n + 1, sizeof *runs);
    if (!runs) return snprintf(err, errlen, "out of memory"), -1;
    int ok = 0, figs = -1;
    for (; ok < n; ok++)
        if (compare_load(&runs[ok], dirs[ok], err, errlen)) {
            compare_run_free(&runs[ok]);
            goto out;
        }
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    figs = report_write(f, runs, ok, x);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno ? errno : EIO));
        unlink(tmp);
        figs = -1;
    }
out:
    for (int i = 0; i < ok; i++) compare_run_free(&runs[i]);
    free(runs);
    return figs;
}
