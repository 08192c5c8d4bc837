/* The sweep results table in the formats of `sentui compare`. */
#include "cli/sweep_show.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli_out.h"
#include "cli/text_safe.h"

const char *sweep_row_status(const SweepRow *r) {
    return r->interrupted ? "interrupted" : sweep_status_text(r->status);
}

static void number(char *buf, size_t n, int have, double v) {
    if (have) snprintf(buf, n, "%.4f", v);
    else snprintf(buf, n, "-");
}

/* The cells of row r (rank i) in column order: #, trial, keys..., val, test, status, run. */
static int row_cells(const Sweep *sw, const SweepRow *r, int i, char cells[][256]) {
    int c = 0;
    snprintf(cells[c++], 256, "%d", i + 1);
    snprintf(cells[c++], 256, "t%d", r->trial + 1);
    for (int k = 0; k < sw->plan.n_keys; k++) snprintf(cells[c++], 256, "%s", sweep_plan_value(&sw->plan, r->trial, k));
    number(cells[c++], 256, r->have_val, r->val);
    number(cells[c++], 256, r->have_test, r->test);
    snprintf(cells[c++], 256, "%s", sweep_row_status(r));
    snprintf(cells[c++], 256, "%s", r->run[0] ? r->run : "-");
    return c;
}

static int header_cells(const Sweep *sw, char cells[][256]) {
    char metric[32];
    config_enum_name(METRIC_VALUES, sw->metric, metric, sizeof metric);
    int c = 0;
    snprintf(cells[c++], 256, "#");
    snprintf(cells[c++], 256, "trial");
    for (int k = 0; k < sw->plan.n_keys; k++) snprintf(cells[c++], 256, "%s", sw->plan.keys[k]);
    snprintf(cells[c++], 256, "val_%s", metric);
    snprintf(cells[c++], 256, "test_%s", metric);
    snprintf(cells[c++], 256, "status");
    snprintf(cells[c++], 256, "run");
    return c;
}

enum { MAX_COLS = SWEEP_MAX_AXES + 6 };

static void print_text(FILE *f, const Sweep *sw, const SweepRow *rows, int md) {
    int n = sw->plan.n_trials, width[MAX_COLS] = {0};
    char cells[MAX_COLS][256], safe[4 * 256 + 1];
    int nc = header_cells(sw, cells);
    for (int i = -1; i < n; i++) {
        if (i >= 0) row_cells(sw, &rows[i], i, cells);
        for (int c = 0; c < nc; c++) {
            int w = (int)strlen(text_safe(safe, sizeof safe, cells[c], 0));
            if (w > width[c]) width[c] = w;
        }
    }
    for (int i = -1; i < n; i++) {
        if (i >= 0) row_cells(sw, &rows[i], i, cells);
        else header_cells(sw, cells);
        for (int c = 0; c < nc; c++) {
            const char *cell = text_safe(safe, sizeof safe, cells[c], 0);
            if (md) fprintf(f, "| %-*s ", width[c], cell);
            else fprintf(f, c + 1 < nc ? "%-*s  " : "%-*s", c + 1 < nc ? width[c] : 0, cell);
        }
        fprintf(f, md ? "|\n" : "\n");
        if (md && i < 0) {
            for (int c = 0; c < nc; c++) fprintf(f, "|%.*s", width[c] + 2, "--------------------------------------------------------------------------------");
            fprintf(f, "|\n");
        }
    }
}

static void print_csv(FILE *f, const Sweep *sw, const SweepRow *rows) {
    char cells[MAX_COLS][256];
    int nc = header_cells(sw, cells);
    for (int i = -1; i < sw->plan.n_trials; i++) {
        if (i >= 0) row_cells(sw, &rows[i], i, cells);
        for (int c = 0; c < nc; c++) cli_csv_field(f, cells[c], c + 1 == nc);
    }
}

static void print_json(FILE *f, const Sweep *sw, const SweepRow *rows) {
    json_t *arr = json_array();
    for (int i = 0; i < sw->plan.n_trials; i++) {
        const SweepRow *r = &rows[i];
        json_t *values = json_object();
        for (int k = 0; k < sw->plan.n_keys; k++)
            json_object_set_new(values, sw->plan.keys[k], cli_json_text(sweep_plan_value(&sw->plan, r->trial, k)));
        json_t *o = json_object();
        json_object_set_new(o, "rank", json_integer(i + 1));
        json_object_set_new(o, "trial", json_integer(r->trial + 1));
        json_object_set_new(o, "values", values);
        json_object_set_new(o, "val", r->have_val ? cli_json_real(r->val) : json_null());
        json_object_set_new(o, "test", r->have_test ? cli_json_real(r->test) : json_null());
        json_object_set_new(o, "status", json_string(sweep_row_status(r)));
        json_object_set_new(o, "run", r->run[0] ? cli_json_text(r->run) : json_null());
        json_array_append_new(arr, o);
    }
    cli_json_print_rows(f, arr, 8);
}

void sweep_print_table(FILE *f, const Sweep *sw, CompareFormat fmt) {
    SweepRow *rows = calloc((size_t)sw->plan.n_trials + 1, sizeof *rows);
    if (!rows) return;
    sweep_rank(sw, rows);
    if (fmt == CMP_JSON) print_json(f, sw, rows);
    else if (fmt == CMP_CSV) print_csv(f, sw, rows);
    else print_text(f, sw, rows, fmt == CMP_MARKDOWN);
    if (fmt == CMP_TEXT && sw->plan.n_trials > 0 && rows[0].have_val) {
        char metric[32], safe[4 * 256 + 1];
        config_enum_name(METRIC_VALUES, sw->metric, metric, sizeof metric);
        fprintf(f, "best: t%d (val %s %.4f):", rows[0].trial + 1, metric, rows[0].val);
        for (int k = 0; k < sw->plan.n_keys; k++)
            fprintf(f, " %s=%s", sw->plan.keys[k],
                    text_safe(safe, sizeof safe, sweep_plan_value(&sw->plan, rows[0].trial, k), 0));
        fprintf(f, "\n");
    }
    free(rows);
}

int sweep_ranked_runs(const Sweep *sw, char **out) {
    SweepRow *rows = calloc((size_t)sw->plan.n_trials + 1, sizeof *rows);
    if (!rows) return 0;
    sweep_rank(sw, rows);
    int n = 0;
    for (int i = 0; i < sw->plan.n_trials; i++) {
        char dir[RUN_PATH_MAX];
        sweep_trial_dir(sw, rows[i].trial, dir, sizeof dir);
        if (dir[0] && (out[n] = strdup(dir))) n++;
    }
    free(rows);
    return n;
}
