/* The dashboard's explanation panel: one sample review of the evaluation
 * before the cursor, its tokens (or words) painted by weight, or the
 * token-by-token map of the chosen attention layer and head. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <stdio.h>
#include <string.h>

#include "run/attn_view.h"
#include "screens/dash.h"
#include "widgets/heatmap.h"

/* "sample 2/6  true pos  pred pos  p(pos)=0.93", with own class names when more than two. */
static void sample_title(const RunState *rs, const ExplainSample *e, int i, int n, char *buf, size_t len) {
    const char *lab[2] = {"neg", "pos"};
    if (rs->n_classes > 2) {
        /* own data: class names (cut short), and the chosen class's probability */
        const char *t = e->label >= 0 && e->label < rs->n_classes ? rs->classes[e->label] : "?";
        const char *p = e->pred >= 0 && e->pred < rs->n_classes ? rs->classes[e->pred] : "?";
        snprintf(buf, len, "sample %d/%d  true %.12s  pred %.12s  p=%.2f ", i + 1, n, t, p, e->prob);
    } else {
        snprintf(buf, len, "sample %d/%d  true %s  pred %s  p(pos)=%.2f ", i + 1, n, e->label == 1 ? lab[1] : lab[0],
                 e->pred == 1 ? lab[1] : lab[0], e->prob);
    }
}

static AttnMaps sample_maps(const ExplainSample *e) {
    return (AttnMaps){.len = e->len, .layers = e->layers, .heads = e->heads, .full = e->attn,
                      .layer_mean = e->layer_mean, .n_kept = e->n_kept, .kept = e->kept, .kept_maps = e->kept_attn};
}

/* "layer 2/6  head mean of 12  (L, H)  words (J)  view: tokens (m)" and what the weight is. */
static void describe(const struct Dash *d, const ExplainSample *e, const AttnView *av, char *line1, char *line2,
                     size_t n) {
    char ls[24], hs[24];
    if (d->layer >= 0) snprintf(ls, sizeof ls, "%d/%d", d->layer + 1, e->layers);
    else snprintf(ls, sizeof ls, "mean of %d", e->layers);
    if (d->head >= 0) snprintf(hs, sizeof hs, "%d/%d", d->head + 1, e->heads);
    else snprintf(hs, sizeof hs, "mean of %d", e->heads);
    snprintf(line1, n, "layer %s  head %s (L, H)  %s (J)  view: %s (m)", ls, hs, d->words ? "words" : "pieces",
             d->matrix ? "matrix" : "tokens");
    if (av->missing)
        snprintf(line2, n, "not kept: add %d.%d to eval.attention_heads (t: any head)",
                 (d->layer >= 0 ? d->layer : 0) + 1, (d->head >= 0 ? d->head : 0) + 1);
    else if (av->chosen)
        snprintf(line2, n, "weight = attention received, mean over queries%s", d->words ? ", summed over pieces" : "");
    else
        snprintf(line2, n, "weight = %s%s", e->method[0] ? e->method : "attention received",
                 d->words ? ", summed over pieces" : "");
}

static void draw_body(Grid *g, Rect in, const struct Dash *d, const ExplainSample *e, const AttnView *av) {
    char buf[64];
    char *const *names = av->words ? av->words : e->tokens;
    Rect body = rect(in.x, in.y + 4, in.w, in.h - 4);
    if (d->matrix && av->map) {
        heatmap_matrix(g, body, av->map, av->n, av->n, names);
        return;
    }
    int shown = heatmap_tokens(g, body, names, av->weight, av->n);
    if (shown < av->n) {
        snprintf(buf, sizeof buf, "... %d more %s", av->n - shown, av->words ? "words" : "tokens");
        grid_text_right(g, in.x + in.w, in.y + 3, in.w, buf, style(COL_DIM, 0));
    }
}

void dash_draw_explain(App *a, Grid *g, Rect r, const View *v) {
    struct Dash *d = a->dash;
    const ExplainSet *x = dash_explain_at(&v->rs, dash_cursor_step(v));
    const ExplainSample *e0 = x && x->n ? &x->samples[d->sample < x->n && d->sample >= 0 ? d->sample : 0] : NULL;
    Rect in = grid_box(g, r, e0 && e0->layers > 0 ? "Attention" : "Token weights", style(COL_BORDER, 0));
    if (in.w <= 2 || in.h <= 2) return;
    if (!x || x->n == 0) {
        grid_text(g, in.x, in.y, in.w, "explanations arrive with each evaluation", style(COL_DIM, 0));
        return;
    }
    if (d->sample >= x->n) d->sample = x->n - 1;
    if (d->sample < 0) d->sample = 0;
    const ExplainSample *e = &x->samples[d->sample];
    int ok = e->label == e->pred;
    char buf[256], buf2[256];
    sample_title(&v->rs, e, d->sample, x->n, buf, sizeof buf);
    int w = grid_text(g, in.x, in.y, in.w, buf, style(COL_TEXT, ATTR_BOLD));
    grid_text(g, in.x + w, in.y, in.w - w, ok ? (g->utf8 ? "\u2713 right" : "right") : (g->utf8 ? "\u2717 wrong" : "wrong"),
              style(ok ? COL_GOOD : COL_BAD, ATTR_BOLD));
    if (d->layer >= e->layers) d->layer = -1;
    if (d->head >= e->heads) d->head = -1;
    AttnMaps maps = sample_maps(e);
    AttnView av;
    if (attn_view_make(&maps, e->tokens, e->weight, d->layer, d->head, d->words, &av) != 0) return;
    if (e->layers > 0) {
        describe(d, e, &av, buf, buf2, sizeof buf);
        grid_text(g, in.x, in.y + 1, in.w, buf, style(COL_ACCENT, 0));
    } else {
        snprintf(buf2, sizeof buf2, "weight = %s", e->method[0] ? e->method : "saliency |grad x input|");
        grid_text(g, in.x, in.y + 1, in.w, "saliency (this model has no attention maps)", style(COL_ACCENT, 0));
    }
    grid_text(g, in.x, in.y + 2, in.w, buf2, style(av.missing ? COL_WARN : COL_DIM, 0));
    draw_body(g, in, d, e, &av);
    attn_view_free(&av);
}
