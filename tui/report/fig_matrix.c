/* The confusion matrix and the token heatmap; see figures.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/figures.h"
#include "report/svg.h"

const EvalPoint *fig_run_confusion(const CompareRun *c, const char **split) {
    const RunState *s = &c->rs;
    if (s->has_test) {
        *split = "test";
        return &s->test;
    }
    *split = "best validation";
    return s->best_eval >= 0 ? &s->evals[s->best_eval] : NULL;
}

const char *const *fig_class_names(const CompareRun *c, int *k) {
    static const char *const binary[] = {"negative", "positive"};
    if (c->rs.n_classes >= 2 && c->rs.classes) {
        *k = c->rs.n_classes;
        return (const char *const *)c->rs.classes;
    }
    *k = 2;
    return binary;
}

int fig_confusion_eval(FILE *f, const CompareRun *c, const EvalPoint *e, const char *title, const FigOpts *o) {
    int k, n = e->confusion.n;
    const char *const *names = fig_class_names(c, &k);
    if (n < 2 || n != k) return -1; /* a matrix that does not match the run's classes is not drawn */
    long flat[MAX_CLASSES * MAX_CLASSES];
    for (int t = 0; t < n; t++)
        for (int p = 0; p < n; p++) flat[t * n + p] = e->confusion.c[t][p];
    fig_confusion(f, flat, n, names, title, o);
    return 0;
}

const ExplainSet *fig_last_explain(const CompareRun *c) {
    const RunState *s = &c->rs;
    return s->n_explains > 0 && s->explains[s->n_explains - 1].n > 0 ? &s->explains[s->n_explains - 1] : NULL;
}

enum { LABEL_CHARS = 16 };

static void matrix_cell(FILE *f, double x, double y, double cell, long count, double share, const char *tn,
                        const char *pn) {
    char fill[16], b[64];
    svg_heat_color(share, fill, sizeof fill);
    fprintf(f, "<g><title>true ");
    xml_text(f, tn, 0);
    fprintf(f, ", predicted ");
    xml_text(f, pn, 0);
    fprintf(f, ": %ld (%.1f%% of the row)</title>\n", count, 100 * share);
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" stroke=\"#ffffff\"/>\n", x, y,
            cell, cell, fill);
    const char *ink = share > 0.5 ? "#ffffff" : "#111111";
    int size = cell >= 48 ? 13 : cell >= 30 ? 10 : 8;
    snprintf(b, sizeof b, "%ld", count);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%d\" fill=\"%s\">%s</text>\n",
            x + cell / 2, y + cell / 2 + (cell >= 48 ? -1 : size / 3.0), size, ink, b);
    if (cell >= 48)
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\" fill=\"%s\">%.0f%%</text>\n",
                x + cell / 2, y + cell / 2 + 13, ink, 100 * share);
    fputs("</g>\n", f);
}

/* Characters of the longest class name, as drawn (at most LABEL_CHARS). */
static int longest_name(const char *const *names, int k) {
    int most = 4;
    for (int i = 0; i < k; i++) {
        int len = 0;
        for (const unsigned char *p = (const unsigned char *)names[i]; *p; p++) len += (*p & 0xc0) != 0x80;
        if (len > most) most = len;
    }
    return most < LABEL_CHARS ? most : LABEL_CHARS;
}

void fig_confusion(FILE *f, const long *counts, int k, const char *const *names, const char *title, const FigOpts *o) {
    double cell = k > 0 ? 400.0 / k : 64;
    if (cell > 72) cell = 72;
    if (cell < 20) cell = 20;
    int label = longest_name(names, k);
    double left = 40 + 7 * label, top = 60 + 5.5 * label;
    int w = (int)(left + cell * k + 30 + 4 * label), h = (int)(top + cell * k + 20);
    int title_w = 24 + 8 * (int)(strlen(title) < 70 ? strlen(title) : 70);
    if (w < title_w) w = title_w;
    svg_open(f, w, h, o->standalone, title);
    svg_text(f, 12, 22, "start", 15, 0, title, 70);
    svg_text(f, left + cell * k / 2, 44, "middle", 12, 0, "predicted", 0);
    svg_text(f, 20, top + cell * k / 2, "middle", 12, -90, "true", 0);
    for (int t = 0; t < k; t++) {
        long row = 0;
        for (int p = 0; p < k; p++) row += counts[t * k + p];
        svg_text(f, left - 6, top + cell * t + cell / 2 + 4, "end", 11, 0, names[t], LABEL_CHARS);
        for (int p = 0; p < k; p++) {
            double share = row > 0 ? (double)counts[t * k + p] / (double)row : 0;
            matrix_cell(f, left + cell * p, top + cell * t, cell, counts[t * k + p], share, names[t], names[p]);
        }
    }
    for (int p = 0; p < k; p++)
        svg_text(f, left + cell * p + cell / 2 - 2, top - 6, "start", 11, -45, names[p], LABEL_CHARS);
    svg_close(f);
}

enum { HEAT_TOKENS = 60, HEAT_ROWS = 33, TOKEN_CHARS = 14 };

/* Row r of the heatmap: 0 the weight, then layer-major (layer, head) rows of received attention. */
static void heat_row(const ExplainSample *x, int r, int n, double *v) {
    if (r == 0) {
        for (int j = 0; j < n; j++) v[j] = x->weight ? x->weight[j] : 0;
        return;
    }
    int len = x->len;
    const float *a = x->attn + (size_t)(r - 1) * (size_t)len * (size_t)len;
    for (int j = 0; j < n; j++) {
        double sum = 0;
        for (int i = 0; i < len; i++) sum += a[(size_t)i * (size_t)len + (size_t)j];
        v[j] = sum / len;
    }
}

static void heat_rows(FILE *f, const ExplainSample *x, int rows, int n, double left, double top, double cw, double ch) {
    double v[HEAT_TOKENS];
    char label[32], fill[16];
    for (int r = 0; r < rows; r++) {
        heat_row(x, r, n, v);
        double lo = INFINITY, hi = -INFINITY;
        for (int j = 0; j < n; j++)
            if (isfinite(v[j])) lo = fmin(lo, v[j]), hi = fmax(hi, v[j]);
        if (r == 0) snprintf(label, sizeof label, "weight");
        else snprintf(label, sizeof label, "layer %d head %d", (r - 1) / x->heads + 1, (r - 1) % x->heads + 1);
        svg_text(f, left - 6, top + ch * r + ch / 2 + 4, "end", 10, 0, label, 0);
        for (int j = 0; j < n; j++) {
            svg_heat_color(hi > lo ? (v[j] - lo) / (hi - lo) : 0, fill, sizeof fill);
            fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>", left + cw * j,
                    top + ch * r, cw, ch, fill);
            xml_text(f, x->tokens[j], 40);
            fprintf(f, ": %.4g</title></rect>\n", v[j]);
        }
    }
}

void fig_heatmap(FILE *f, const ExplainSample *x, const char *const *names, int k, const char *title,
                 const FigOpts *o) {
    int n = x->len < HEAT_TOKENS ? x->len : HEAT_TOKENS;
    int rows = 1 + (x->attn && x->layers > 0 && x->heads > 0 ? x->layers * x->heads : 0);
    if (rows > HEAT_ROWS) rows = 1; /* too many heads to read: the weight alone */
    double cw = 16, ch = rows > 1 ? 14 : 22, left = 110, top = 80 + 6.2 * TOKEN_CHARS;
    int w = (int)(left + cw * (n > 20 ? n : 20) + 40), h = (int)(top + ch * rows + 40);
    svg_open(f, w, h, o->standalone, title);
    svg_text(f, 12, 22, "start", 15, 0, title, 90);
    char line[400];
    const char *tn = x->label >= 0 && x->label < k ? names[x->label] : "?";
    const char *pn = x->pred >= 0 && x->pred < k ? names[x->pred] : "?";
    snprintf(line, sizeof line, "true %s, predicted %s (p=%.3f); %s", tn, pn, x->prob, x->method);
    svg_text(f, 12, 42, "start", 12, 0, line, 110);
    for (int j = 0; j < n; j++)
        svg_text(f, left + cw * j + cw / 2 + 4, top - 6, "start", 10, -60, x->tokens[j], TOKEN_CHARS);
    heat_rows(f, x, rows, n, left, top, cw, ch);
    if (x->len > n) snprintf(line, sizeof line, "first %d of %d tokens; each row shaded from its least (white) to its most (dark)", n, x->len);
    else snprintf(line, sizeof line, "each row shaded from its least (white) to its most (dark)");
    svg_text(f, left, top + ch * rows + 24, "start", 11, 0, line, 0);
    svg_close(f);
}
