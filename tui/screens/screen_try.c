/* Try it: type a review, see the run's label, probability and each token's
 * weight, updated on every key press (one forward pass of one sentence). */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screens/app.h"
#include "data/data.h"
#include "widgets/heatmap.h"
#include "run/attn_view.h"
#include "run/predict.h"
#include "cli/text_safe.h"
#include "widgets/progress.h"

struct TryIt {
    RunModel rm;
    int open;
    char dir[RUN_PATH_MAX];
    char text[2048];
    int len;
    Prediction pred;
    int has_pred;
    char err[512];
    char **words;
    int n_words, example;
    int layer, head, join; /* attention shown: -1 = mean; join word pieces into words */
};

static const char *examples[] = {
    "one of the best films i have seen this year the acting was wonderful",
    "a boring waste of time with a terrible script and awful acting",
    "not bad at all though the ending felt rushed",
    "i expected a great movie but it was dull and far too long",
};

static void free_words(struct TryIt *t) {
    for (int i = 0; i < t->n_words; i++) free(t->words[i]);
    free(t->words);
    t->words = NULL;
    t->n_words = 0;
}

static void try_free(App *a) {
    struct TryIt *t = a->tryit;
    if (!t) return;
    if (t->has_pred) prediction_free(&t->pred);
    if (t->open) run_model_close(&t->rm);
    free_words(t);
    free(t);
    a->tryit = NULL;
}

typedef struct { char **w; int n, cap; } WordList;

static void collect(void *ctx, const char *word, size_t len) {
    WordList *l = ctx;
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 32;
        char **p = realloc(l->w, (size_t)nc * sizeof *p);
        if (!p) return;
        l->w = p, l->cap = nc;
    }
    l->w[l->n++] = strndup(word, len);
}

static void predict_now(struct TryIt *t) {
    if (t->has_pred) prediction_free(&t->pred), t->has_pred = 0;
    free_words(t);
    t->err[0] = 0;
    if (!t->open || t->len == 0) return;
    if (run_model_predict(&t->rm, t->text, &t->pred, t->err, sizeof t->err) != 0) return;
    if (t->pred.empty) { /* blanks only: nothing to label yet */
        prediction_free(&t->pred);
        return;
    }
    t->has_pred = 1;
    /* Show the words as typed; the model may have read only the head or the
     * tail. A WordPiece model shows its pieces ([CLS], play, ##ing, [SEP]). */
    WordList l = {0};
    if (!t->rm.wp) tokenize(t->text, (size_t)t->len, collect, &l);
    int start = 0;
    if (l.n > t->pred.len && t->rm.cfg.data_truncate == TRUNC_TAIL) start = l.n - t->pred.len;
    t->words = calloc((size_t)t->pred.len + 1, sizeof *t->words);
    for (int i = 0; t->words && i < t->pred.len; i++) {
        int id = t->pred.tokens[i];
        const char *w = start + i < l.n ? l.w[start + i]
                        : id >= 0 && id < t->rm.vocab.n ? t->rm.vocab.words[id] : "?";
        t->words[i] = strdup(w);
        t->n_words = i + 1;
    }
    for (int i = 0; i < l.n; i++) free(l.w[i]);
    free(l.w);
}

int try_open(App *a, const char *dir) {
    try_free(a);
    struct TryIt *t = calloc(1, sizeof *t);
    if (!t) return -1;
    snprintf(t->dir, sizeof t->dir, "%s", dir);
    char err[512];
    if (run_model_open(&t->rm, dir, 1, err, sizeof err) != 0) {
        app_message(a, 1, "cannot load the model: %s", err);
        free(t);
        return -1;
    }
    t->open = 1;
    t->rm.keep_attn = 1; /* one text at a time: every layer and head, computed now */
    t->layer = t->head = -1;
    a->tryit = t;
    app_push(a, SCR_TRY);
    return 0;
}

static void draw_weights(struct TryIt *t, Grid *g, Rect r);

static void try_draw(App *a, Grid *g, Rect body) {
    struct TryIt *t = a->tryit;
    if (!t) return;
    char title[RUN_PATH_MAX + 64];
    snprintf(title, sizeof title, "Try it: %s", t->dir);
    Rect in = grid_box(g, rect_inset(body, 0), title, style(COL_BORDER, 0));
    grid_text(g, in.x + 1, in.y, in.w - 2, "Type a review (Up/Down: examples, Esc: back). The model answers as you type.",
              style(COL_DIM, 0));
    Rect box = rect(in.x + 1, in.y + 1, in.w - 2, 3);
    Rect tin = grid_box(g, box, "review", style(COL_ACCENT, 0));
    int start = t->len > tin.w - 1 ? t->len - (tin.w - 1) : 0;
    int w = grid_text(g, tin.x, tin.y, tin.w, t->text + start, style(COL_TEXT, ATTR_BOLD));
    grid_put(g, tin.x + w, tin.y, g->utf8 ? 0x2588 : '_', style(COL_ACCENT, 0));
    int y = in.y + 5;
    if (t->err[0]) {
        grid_text(g, in.x + 1, y, in.w - 2, t->err, style(COL_BAD, ATTR_BOLD));
        return;
    }
    if (!t->has_pred) {
        grid_text(g, in.x + 1, y, in.w - 2, t->len ? "(no words yet)" : "(nothing typed yet)", style(COL_DIM, 0));
        return;
    }
    const Prediction *p = &t->pred;
    char buf[256];
    if (t->rm.n_classes > 2) {
        /* own data: the chosen class, then the bar of its probability */
        char name[4 * 40 + 1];
        text_safe(name, sizeof name, class_name(&t->rm.classes, p->label), 0);
        snprintf(buf, sizeof buf, "%s  p = %.3f", name, p->prob);
        grid_text(g, in.x + 1, y, in.w - 2, buf, style(COL_ACCENT, ATTR_BOLD));
        progress_draw(g, rect(in.x + 1, y + 1, 40 < in.w - 2 ? 40 : in.w - 2, 1), p->prob, "p");
    } else {
        snprintf(buf, sizeof buf, "%s  p(positive) = %.3f", p->label == 1 ? "POSITIVE" : "NEGATIVE", p->prob);
        grid_text(g, in.x + 1, y, in.w - 2, buf, style(p->label == 1 ? COL_GOOD : COL_BAD, ATTR_BOLD));
        progress_draw(g, rect(in.x + 1, y + 1, 40 < in.w - 2 ? 40 : in.w - 2, 1), p->prob, "p(pos)");
    }
    draw_weights(t, g, rect(in.x + 1, y + 3, in.w - 2, in.h - (y + 3 - in.y)));
}

/* The model's reading of the text: what the weights are, then the tokens
 * (or words) painted by them, from the chosen attention layer and head. */
static void draw_weights(struct TryIt *t, Grid *g, Rect r) {
    const Prediction *p = &t->pred;
    char buf[256];
    if (!p->weight || !t->words || t->n_words != p->len) return;
    AttnMaps maps = {.len = p->len, .layers = p->layers, .heads = p->heads, .full = p->attn};
    AttnView av;
    if (attn_view_make(&maps, t->words, p->weight, t->layer, t->head, t->join, &av) != 0) return;
    int y = r.y;
    if (p->attn) {
        char ls[24] = "mean", hs[24] = "mean";
        if (t->layer >= 0) snprintf(ls, sizeof ls, "%d", t->layer + 1);
        if (t->head >= 0) snprintf(hs, sizeof hs, "%d", t->head + 1);
        snprintf(buf, sizeof buf, "layer %s of %d (Tab)  head %s of %d (S-Tab)  %s (^W)", ls, p->layers, hs, p->heads,
                 t->join ? "words" : "pieces");
        grid_text(g, r.x, y++, r.w, buf, style(COL_ACCENT, 0));
    }
    snprintf(buf, sizeof buf, "%d tokens read; weight = %s%s", p->len,
             av.chosen ? "attention received, mean over queries" : p->method[0] ? p->method : "per-token weight",
             t->join ? ", summed over pieces" : "");
    grid_text(g, r.x, y, r.w, buf, style(COL_DIM, 0));
    heatmap_tokens(g, rect(r.x, y + 2, r.w, r.h - (y + 2 - r.y)), av.words ? av.words : t->words, av.weight, av.n);
    attn_view_free(&av);
}

/* Tab, S-Tab, ^W: the attention layer, head, and words or pieces. */
static int try_action(App *a, int act) {
    struct TryIt *t = a->tryit;
    if (!t || (act != ACT_TRY_LAYER && act != ACT_TRY_HEAD && act != ACT_TRY_WORDS)) return -1;
    if (act == ACT_TRY_WORDS) {
        t->join = !t->join;
        return F_REDRAW;
    }
    int layers, heads;
    run_model_attention_shape(&t->rm, &layers, &heads);
    if (!layers) {
        app_message(a, 1, "no attention maps: this model is explained by saliency");
        return F_REDRAW;
    }
    int *sel = act == ACT_TRY_LAYER ? &t->layer : &t->head, lim = act == ACT_TRY_LAYER ? layers : heads;
    *sel = *sel + 1 >= lim ? -1 : *sel + 1;
    return F_REDRAW;
}

static int try_input(App *a, int key) {
    struct TryIt *t = a->tryit;
    if (!t) return -1;
    if (key == TK_ESC) return -1;
    if (key == TK_BACKSPACE) {
        if (t->len > 0) {
            /* Remove a whole UTF-8 character. */
            do t->len--;
            while (t->len > 0 && ((unsigned char)t->text[t->len] & 0xC0) == 0x80);
            t->text[t->len] = 0;
        }
    } else if (key == TK_UP || key == TK_DOWN) {
        int n = (int)(sizeof examples / sizeof *examples);
        t->example = (t->example + (key == TK_UP ? n - 1 : 1)) % n;
        snprintf(t->text, sizeof t->text, "%s", examples[t->example]);
        t->len = (int)strlen(t->text);
    } else if (key == TK_ENTER) {
        t->len = 0;
        t->text[0] = 0;
    } else if (key >= 32 && key < TK_BASE) {
        char enc[5];
        int n = utf8_encode((uint32_t)key, enc);
        if (t->len + n < (int)sizeof t->text) {
            memcpy(t->text + t->len, enc, (size_t)n);
            t->len += n;
            t->text[t->len] = 0;
        }
    } else {
        return -1;
    }
    predict_now(t);
    return F_REDRAW;
}

const ScreenOps screen_try = {"Try it", try_draw, try_action, try_input, NULL, try_free};
