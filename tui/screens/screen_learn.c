/* Learn: one screen per architecture that a student can check against a
 * textbook: the update equations, the parameter count of the current config
 * (by formula, and from the built model when it can be built), why the LSTM
 * holds on to long reviews where the simple RNN forgets, and what to look for
 * in the curves. */
/* Text drawn on screen is clipped to its panel, so a cut-off line is intended. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screens/app.h"
#include "widgets/chart.h"
#include "models/model.h"

struct Learn {
    Config cfg;
    long built;           /* model_param_count, -1 when the model cannot be built */
    char built_note[256];
};

static void learn_free(App *a) {
    if (!a->learn) return;
    config_free(&a->learn->cfg);
    free(a->learn);
    a->learn = NULL;
}

static void measure(struct Learn *l) {
    char err[256] = "";
    Model *m = model_create(&l->cfg, l->cfg.data_vocab_size, 1, l->cfg.data_max_len, err, sizeof err);
    if (m) {
        l->built = (long)model_param_count(m);
        model_free(m);
        l->built_note[0] = 0;
    } else {
        l->built = -1;
        snprintf(l->built_note, sizeof l->built_note, "%s", err[0] ? err : "model not available");
    }
}

int learn_open(App *a, const Config *cfg) {
    learn_free(a);
    struct Learn *l = calloc(1, sizeof *l);
    if (!l) return -1;
    config_copy(&l->cfg, cfg);
    measure(l);
    a->learn = l;
    app_push(a, SCR_LEARN);
    return 0;
}

/* Parameter count by formula, with one line per part; returns the total. */
static long formula(const Config *c, char lines[][128], int *n) {
    long V = c->data_vocab_size, E = c->model_embed_dim, H = c->model_hidden_dim, L = c->model_layers;
    long total = V * E;
    *n = 0;
    snprintf(lines[(*n)++], 128, "embedding        V*E            = %ld*%ld = %ld", V, E, V * E);
    int arch = c->model_arch;
    if (arch == ARCH_RNN || arch == ARCH_LSTM || arch == ARCH_GRU) {
        long G = arch == ARCH_LSTM ? 4 : arch == ARCH_GRU ? 3 : 1, D = c->model_bidirectional ? 2 : 1;
        for (long k = 0; k < L; k++) {
            long in = k == 0 ? E : H * D, p = D * (G * H * in + G * H * H + 2 * G * H);
            total += p;
            snprintf(lines[(*n)++], 128, "layer %ld          %ld*(%ldH*in + %ldH*H + 2*%ldH) = %ld", k + 1, D, G, G, G, p);
        }
        long head = 2 * H * D + 2;
        total += head;
        snprintf(lines[(*n)++], 128, "classifier       2*(H*%ld) + 2    = %ld", D, head);
        if (c->model_pooling == POOL_ATTENTION) snprintf(lines[(*n)++], 128, "(+ the attention-pooling scorer)");
    } else if (arch == ARCH_TRANSFORMER) {
        long F = c->model_ff_dim, T = c->data_max_len + (c->model_pooling == POOL_CLS);
        long pos = c->model_position == POS_LEARNED ? T * E : 0;
        total += pos;
        snprintf(lines[(*n)++], 128, "positions        T*E            = %ld", pos);
        long attn = 4 * E * E + 4 * E, ffn = 2 * E * F + F + E, ln = 4 * E;
        total += L * (attn + ffn + ln);
        snprintf(lines[(*n)++], 128, "per layer        attn 4E^2+4E = %ld, ffn 2EF+F+E = %ld, 2 LN = %ld", attn, ffn, ln);
        snprintf(lines[(*n)++], 128, "%ld layer%s       = %ld", L, L > 1 ? "s" : " ", L * (attn + ffn + ln));
        if (c->model_norm == NORM_PRE) total += 2 * E, snprintf(lines[(*n)++], 128, "final LN (pre-norm) = %ld", 2 * E);
        if (c->model_pooling == POOL_CLS) total += E, snprintf(lines[(*n)++], 128, "cls token        = %ld", E);
        total += 2 * E + 2;
        snprintf(lines[(*n)++], 128, "classifier       2E + 2         = %ld", 2 * E + 2);
    } else {
        long B = c->model_bigrams ? c->model_bigram_buckets * E : 0;
        total += B + 2 * E + 2;
        snprintf(lines[(*n)++], 128, "bigram buckets   %ld*E          = %ld", c->model_bigrams ? (long)c->model_bigram_buckets : 0L, B);
        snprintf(lines[(*n)++], 128, "classifier       2E + 2         = %ld", 2 * E + 2);
    }
    return total;
}

static const char *const eq_rnn[] = {
    "h_t = tanh(W_ih x_t + b_ih + W_hh h_(t-1) + b_hh)",
    "logits = W_out h_T + b_out      (h_T: the state at the last real token)",
    NULL};
static const char *const eq_lstm[] = {
    "i_t = sigmoid(W_ii x_t + W_hi h_(t-1) + b_i)     input gate",
    "f_t = sigmoid(W_if x_t + W_hf h_(t-1) + b_f)     forget gate",
    "g_t = tanh   (W_ig x_t + W_hg h_(t-1) + b_g)     candidate",
    "o_t = sigmoid(W_io x_t + W_ho h_(t-1) + b_o)     output gate",
    "c_t = f_t * c_(t-1) + i_t * g_t                  (* elementwise)",
    "h_t = o_t * tanh(c_t)",
    NULL};
static const char *const eq_gru[] = {
    "r_t = sigmoid(W_ir x_t + W_hr h_(t-1) + b_r)     reset gate",
    "z_t = sigmoid(W_iz x_t + W_hz h_(t-1) + b_z)     update gate",
    "n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_(t-1) + b_hn))",
    "h_t = (1 - z_t) * n_t + z_t * h_(t-1)",
    NULL};
static const char *const eq_tf[] = {
    "Q = X W_Q,  K = X W_K,  V = X W_V                (per head, d_k = E / heads)",
    "Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k) + mask) V   (mask: -inf on padding)",
    "MultiHead(X) = Concat(head_1 .. head_h) W_O",
    "post-norm: X' = LN(X + MultiHead(X));  Y = LN(X' + FFN(X'))",
    "FFN(x) = W_2 act(W_1 x + b_1) + b_2",
    NULL};
static const char *const eq_bag[] = {
    "v = mean of the word embeddings (and of hashed word-bigram embeddings)",
    "logits = W v + b               (order is ignored: a strong, fast baseline)",
    NULL};

static const char *const why_text[] = {
    "Why the LSTM copes with long reviews and the simple RNN does not:",
    "  In the RNN the gradient from the last state back to word t is a product of T-t Jacobians",
    "  diag(1 - h^2) W_hh. Its size shrinks (or explodes) geometrically, so after ~20-50 steps a word",
    "  barely moves the loss. The LSTM's cell c_t = f_t * c_(t-1) + i_t * g_t is updated by addition:",
    "  along c the gradient is only scaled by the forget gates, near 1 when the model chooses to",
    "  remember, so a word 200 tokens back can still matter. Reviews have a median of 174 words.",
    "  Reading the state after 150 padding steps (the lab notebook) makes this much worse.",
    NULL};

static const char *const curves_text[] = {
    "What to look for in the curves:",
    "  loss flat at 0.693 (= ln 2): predicting 50/50, not learning (lr, vanishing gradient, padding)",
    "  train loss falling, val loss rising: overfitting; stop early, more dropout, weight decay",
    "  spikes in the loss: exploding gradients; clip (train.clip_norm) or lower the lr",
    "  val accuracy far below train accuracy from the start: check max_len and truncation",
    NULL};

static int draw_lines(Grid *g, int x, int y, int w, int ymax, const char *const *lines, Style st) {
    for (int i = 0; lines[i] && y < ymax; i++) grid_text(g, x, y++, w, lines[i], st);
    return y;
}

static void learn_draw(App *a, Grid *g, Rect body) {
    struct Learn *l = a->learn;
    if (!l) return;
    const Config *c = &l->cfg;
    char title[128];
    snprintf(title, sizeof title, "Learn: %s (Tab: next architecture)", arch_label(c->model_arch));
    Rect in = grid_box(g, body, title, style(COL_BORDER, 0));
    int x = in.x + 1, w = in.w - 2, ymax = in.y + in.h, y = in.y;
    const char *const *eq = c->model_arch == ARCH_RNN ? eq_rnn : c->model_arch == ARCH_LSTM ? eq_lstm
                            : c->model_arch == ARCH_GRU ? eq_gru : c->model_arch == ARCH_TRANSFORMER ? eq_tf : eq_bag;
    grid_text(g, x, y++, w, "What it computes, for each token x_t (embedding of size E, state of size H):",
              style(COL_HEADER, ATTR_BOLD));
    y = draw_lines(g, x + 2, y, w - 2, ymax, eq, style(COL_TEXT, ATTR_BOLD));
    y++;
    char lines[16][128];
    int n;
    long total = formula(c, lines, &n);
    char p[32], b[32], head[256];
    format_si((double)total, p, sizeof p);
    if (l->built >= 0) {
        format_si((double)l->built, b, sizeof b);
        snprintf(head, sizeof head, "Parameters for this config: %ld (%s) by formula; %ld (%s) in the built model", total,
                 p, l->built, b);
    } else {
        snprintf(head, sizeof head, "Parameters for this config: %ld (%s) by formula", total, p);
    }
    grid_text(g, x, y++, w, head, style(COL_HEADER, ATTR_BOLD));
    snprintf(head, sizeof head, "  V=%d E=%d H=%d layers=%d%s", c->data_vocab_size, c->model_embed_dim,
             c->model_hidden_dim, c->model_layers, c->model_bidirectional ? " bidirectional" : "");
    grid_text(g, x, y++, w, head, style(COL_DIM, 0));
    for (int i = 0; i < n && y < ymax; i++) grid_text(g, x + 2, y++, w - 2, lines[i], style(COL_TEXT, 0));
    y++;
    if (c->model_arch == ARCH_TRANSFORMER) {
        static const char *const heat[] = {
            "The attention panel: row q of a head's map is softmax(q K^T / sqrt(d_k)) over the keys. A token's",
            "weight is the attention it receives, averaged over queries (and layers/heads unless one is picked).",
            NULL};
        y = draw_lines(g, x, y, w, ymax, heat, style(COL_TEXT, 0));
    } else {
        static const char *const sal[] = {
            "The weights panel shows saliency: |gradient of the predicted logit x the token's embedding|,",
            "summed over the embedding and normalised to 1. It says which words moved the decision.",
            NULL};
        y = draw_lines(g, x, y, w, ymax, sal, style(COL_TEXT, 0));
    }
    y++;
    if (c->model_arch != ARCH_TRANSFORMER && c->model_arch != ARCH_BAG) y = draw_lines(g, x, y, w, ymax, why_text, style(COL_TEXT, 0)) + 1;
    draw_lines(g, x, y, w, ymax, curves_text, style(COL_TEXT, 0));
}

static int learn_action(App *a, int act) {
    struct Learn *l = a->learn;
    if (!l) return -1;
    if (act == ACT_LEARN_ARCH) {
        l->cfg.model_arch = (l->cfg.model_arch + 1) % ARCH_COUNT;
        measure(l);
        return F_REDRAW;
    }
    return -1;
}

const ScreenOps screen_learn = {"Learn", learn_draw, learn_action, NULL, NULL, learn_free};
