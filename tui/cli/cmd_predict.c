/* sentui predict RUN [TEXT...] [--dir RUNS_DIR] [--explain] [--json]: one
 * line per text (stdin lines when no TEXT), in input order: the label and
 * p(positive), or for more classes every class's probability; --json adds
 * each class's probability; with --explain also the tokens that weighed most
 * (--layer, --head: by one layer's or head's attention; --words: whole words).
 * Stdin is read in blocks that go through the model in length-sorted batches;
 * a block is answered as soon as no more input is ready, so a person typing
 * lines gets each answer at once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli_args.h"
#include "cli/cli_runs.h"
#include "cli/commands.h"
#include "cli/line_reader.h"
#include "run/attn_view.h"
#include "run/predict.h"
#include "run/run.h"

#define TOP_TOKENS 5
#define BLOCK_LINES 1024 /* lines sorted together: more means less padding */
#define BATCH 256        /* texts per forward pass */
#define EMPTY_TEXT "(empty input)"

typedef struct Opts {
    int json, explain, words;
} Opts;

/* A vocabulary comes from a run folder, which may come from anyone: its words
 * reach the terminal without control characters (C0, DEL, C1 as UTF-8). */
static void put_word(const char *w) {
    for (const unsigned char *s = (const unsigned char *)w; *s; s++) {
        if (*s == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0)
            fputc('?', stdout), s++;
        else
            fputc(*s < 0x20 || *s == 0x7f ? '?' : *s, stdout);
    }
}

static const char *word_of(const RunModel *r, int id) {
    return id >= 0 && id < r->vocab.n ? r->vocab.words[id] : "?";
}

/* The explained tokens as whole words (--words): "play ##ing" is "playing",
 * with the weights of its pieces summed. Returns the number of words (p->len
 * when not asked or out of memory); names and weights are malloc'd. */
static int join_words(const RunModel *r, const Opts *o, const Prediction *p, char ***names, float **weights) {
    *names = NULL, *weights = NULL;
    if (!o->words || !p->weight || p->len < 1) return p->len;
    char **tok = malloc((size_t)p->len * sizeof *tok);
    int *group = malloc((size_t)p->len * sizeof *group), nw = 0;
    for (int i = 0; tok && i < p->len; i++) tok[i] = (char *)word_of(r, p->tokens[i]);
    if (tok && group) nw = attn_word_groups(tok, p->len, group);
    if (nw > 0 && (*names = attn_join_tokens(tok, p->len, group, nw)) && (*weights = malloc((size_t)nw * sizeof **weights)))
        attn_join_weights(p->weight, p->len, group, nw, *weights);
    free(tok);
    free(group);
    if (!*weights) {
        attn_words_free(*names, nw);
        *names = NULL;
        return p->len;
    }
    return nw;
}

/* The words and weights printed: the model's tokens, or whole words. */
typedef struct Shown {
    int n;
    char **words; /* NULL: the model's tokens */
    float *weight;
} Shown;

static const char *shown_word(const RunModel *r, const Prediction *p, const Shown *s, int i) {
    return s->words ? s->words[i] : word_of(r, p->tokens[i]);
}

static void shown_make(const RunModel *r, const Opts *o, const Prediction *p, Shown *s) {
    s->n = join_words(r, o, p, &s->words, &s->weight);
    if (!s->words) s->weight = p->weight;
}

static void shown_free(Shown *s) {
    if (s->words) {
        attn_words_free(s->words, s->n);
        free(s->weight);
    }
}

static void print_top_tokens(const RunModel *r, const Opts *o, const Prediction *p) {
    Shown s;
    shown_make(r, o, p, &s);
    /* Highest weights first; each word once. */
    char *used = calloc((size_t)s.n + 1, 1);
    if (used) fputc('\t', stdout);
    for (int shown = 0; used && shown < TOP_TOKENS; shown++) {
        int best = -1;
        for (int i = 0; i < s.n; i++)
            if (!used[i] && (best < 0 || s.weight[i] > s.weight[best])) best = i;
        if (best < 0) break;
        for (int i = 0; i < s.n; i++)
            if (!strcmp(shown_word(r, p, &s, i), shown_word(r, p, &s, best))) used[i] = 1;
        if (shown) fputs(", ", stdout);
        put_word(shown_word(r, p, &s, best));
        printf(" %.3f", (double)s.weight[best]);
    }
    free(used);
    shown_free(&s);
}

/* Binary: the label and p(positive), whichever label won; more classes: the
 * label, then every class's probability in class order. */
static void print_text(const RunModel *r, const Opts *o, const Prediction *p) {
    if (p->empty) {
        puts(EMPTY_TEXT);
        return;
    }
    put_word(class_name(&r->classes, p->label));
    if (r->n_classes == 2) {
        fputs("\tp(", stdout);
        put_word(class_name(&r->classes, 1));
        printf(") %.4f", p->prob);
    }
    for (int c = 0; r->n_classes > 2 && c < r->n_classes; c++) {
        fputs(c ? "  " : "\t", stdout);
        put_word(class_name(&r->classes, c));
        printf(" %.4f", (double)p->probs[c]);
    }
    if (p->weight) print_top_tokens(r, o, p);
    fputc('\n', stdout);
}

static json_t *probabilities_json(const RunModel *r, const Prediction *p) {
    json_t *o = json_object();
    for (int c = 0; c < r->n_classes; c++) json_object_set_new(o, class_name(&r->classes, c), json_real(p->probs[c]));
    return o;
}

static json_t *weights_json(const RunModel *r, const Opts *o, const Prediction *p) {
    json_t *a = json_array();
    Shown s;
    shown_make(r, o, p, &s);
    for (int i = 0; i < s.n; i++) {
        json_t *w = json_string(shown_word(r, p, &s, i));
        json_array_append_new(a, json_pack("{s:o,s:f}", o->words ? "word" : "token", w ? w : json_string("?"),
                                           "weight", (double)s.weight[i]));
    }
    shown_free(&s);
    return a;
}

static void print_json(const RunModel *r, const Opts *opts, const Prediction *p) {
    json_t *o = json_object();
    if (p->empty) {
        json_object_set_new(o, "label", json_null());
        json_object_set_new(o, "probability", json_null());
        json_object_set_new(o, "p_positive", json_null());
    } else {
        json_object_set_new(o, "label", json_string(class_name(&r->classes, p->label)));
        double chosen = r->n_classes == 2 ? (p->label ? p->prob : 1.0 - p->prob) : p->probs[p->label];
        json_object_set_new(o, "probability", json_real(chosen));
        if (r->n_classes == 2) json_object_set_new(o, "p_positive", json_real(p->prob));
    }
    json_object_set_new(o, "probabilities", p->empty ? json_null() : probabilities_json(r, p));
    json_object_set_new(o, "tokens", json_integer(p->len));
    json_object_set_new(o, "empty", json_boolean(p->empty));
    if (p->weight) {
        json_object_set_new(o, "weights", weights_json(r, opts, p));
        json_object_set_new(o, "method", json_string(p->method));
    }
    json_dumpf(o, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7));
    fputc('\n', stdout);
    json_decref(o);
}

/* Flushes stdout; on a write error (disk full, closed pipe) says so. */
static int output_ok(void) {
    int e = fflush(stdout) != 0 ? errno : 0;
    if (!e && ferror(stdout)) e = EIO;
    if (!e) return 1;
    fprintf(stderr, "sentui predict: cannot write the output: %s\n", strerror(e));
    return 0;
}

/* Predicts and prints n texts; 0, or 1 on an error already reported. */
static int answer(RunModel *r, const Opts *o, const char *const *text, const size_t *len, int n) {
    Prediction *p = calloc((size_t)n + 1, sizeof *p);
    char err[512];
    if (!p || run_model_predict_batch(r, text, len, n, p, o->explain, err, sizeof err) != 0) {
        fprintf(stderr, "sentui predict: %s\n", p ? err : "out of memory");
        free(p);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        if (o->json)
            print_json(r, o, &p[i]);
        else
            print_text(r, o, &p[i]);
        prediction_free(&p[i]);
    }
    free(p);
    return output_ok() ? 0 : 1;
}

typedef struct Block {
    char *text[BLOCK_LINES];
    size_t len[BLOCK_LINES];
    int n;
} Block;

static void block_clear(Block *b) {
    for (int i = 0; i < b->n; i++) free(b->text[i]);
    b->n = 0;
}

static int answer_block(RunModel *r, const Opts *o, Block *b) {
    int rc = b->n ? answer(r, o, (const char *const *)b->text, b->len, b->n) : 0;
    block_clear(b);
    return rc;
}

static int predict_stdin(RunModel *r, const Opts *o) {
    LineReader lr;
    line_reader_init(&lr, STDIN_FILENO);
    Block *b = calloc(1, sizeof *b);
    int rc = b ? 0 : 1;
    while (rc == 0) {
        const char *line;
        size_t len;
        /* Block only when nothing waits for an answer. */
        int got = line_reader_next(&lr, b->n == 0, &line, &len);
        if (got == LINE_OK) {
            char *copy = malloc(len + 1);
            if (!copy) {
                fprintf(stderr, "sentui predict: out of memory\n");
                rc = 1;
                break;
            }
            memcpy(copy, line, len);
            copy[len] = 0;
            b->text[b->n] = copy, b->len[b->n++] = len;
            if (b->n == BLOCK_LINES) rc = answer_block(r, o, b);
        } else if (got == LINE_NOT_READY) {
            rc = answer_block(r, o, b);
        } else {
            if (got == LINE_ERROR) fprintf(stderr, "sentui predict: cannot read the input: %s\n", strerror(errno));
            int last = answer_block(r, o, b);
            rc = got == LINE_ERROR ? 1 : last;
            break;
        }
    }
    if (b) block_clear(b); /* what an error left unanswered */
    free(b);
    line_reader_free(&lr);
    return rc;
}

static int predict_args(RunModel *r, const Opts *o, int argc, char **argv, int n) {
    const char **text = calloc((size_t)n, sizeof *text);
    size_t *len = calloc((size_t)n, sizeof *len);
    int rc = 1;
    if (text && len) {
        for (int i = 0; i < n; i++) {
            cli_positional(argc, argv, i + 1, &text[i]);
            len[i] = strlen(text[i]);
        }
        rc = answer(r, o, text, len, n);
    } else {
        fprintf(stderr, "sentui predict: out of memory\n");
    }
    free(text);
    free(len);
    return rc;
}

/* --layer L and --head H (1-based) within the model's attention; -1 when not given. */
static int attention_choice(RunModel *r, int argc, char **argv) {
    int layers, heads;
    run_model_attention_shape(r, &layers, &heads);
    const char *flag[2] = {"--layer", "--head"};
    int lim[2] = {layers, heads}, *out[2] = {&r->attn_layer, &r->attn_head};
    for (int k = 0; k < 2; k++) {
        if (!cli_has_flag(argc, argv, flag[k])) continue;
        const char *v = cli_flag_value(argc, argv, flag[k]);
        char *end = NULL;
        long n = v ? strtol(v, &end, 10) : 0;
        if (!layers) {
            fprintf(stderr, "sentui predict: %s: this %s model has no attention; only transformer and distilbert "
                            "runs have layers and heads\n", flag[k], r->cfg.model_arch == ARCH_BAG ? "bag" : "recurrent");
            return -1;
        }
        if (!v || !*v || *end || n < 1 || n > lim[k]) {
            fprintf(stderr, "sentui predict: %s %s: expected a number from 1 to %d\n", flag[k], v ? v : "(none)", lim[k]);
            return -1;
        }
        *out[k] = (int)n - 1;
    }
    return 0;
}

int cmd_predict(int argc, char **argv) {
    static const char *const known[] = {"--dir", "--explain", "--json", "--layer", "--head", "--words", NULL};
    const char *bad = cli_unknown_flag(argc, argv, known);
    const char *arg = NULL;
    if (bad || !cli_positional(argc, argv, 0, &arg)) {
        if (bad) fprintf(stderr, "sentui predict: unknown option %s\n", bad);
        fprintf(stderr, "usage: sentui predict RUN [TEXT...] [--dir RUNS_DIR] [--explain] [--layer L] [--head H] "
                        "[--words] [--json]   (reads lines from stdin without TEXT)\n");
        return 2;
    }
    Opts o = {cli_has_flag(argc, argv, "--json"), cli_has_flag(argc, argv, "--explain"),
              cli_has_flag(argc, argv, "--words")};
    /* choosing what explains implies explaining */
    o.explain |= o.words || cli_has_flag(argc, argv, "--layer") || cli_has_flag(argc, argv, "--head");
    const char *runs_dir = cli_flag_value(argc, argv, "--dir");
    char dir[RUN_PATH_MAX], err[2048];
    if (cli_resolve_run(arg, runs_dir, dir, sizeof dir, err, sizeof err) != 0) {
        fprintf(stderr, "sentui predict: %s\n", err);
        return 2;
    }
    RunModel r;
    if (run_model_open(&r, dir, BATCH, err, sizeof err) != 0) {
        fprintf(stderr, "sentui predict: %s\n", err);
        return 1;
    }
    if (attention_choice(&r, argc, argv) != 0) {
        run_model_close(&r);
        return 2;
    }
    int n = cli_positional_count(argc, argv) - 1;
    int rc = n > 0 ? predict_args(&r, &o, argc, argv, n) : predict_stdin(&r, &o);
    run_model_close(&r);
    return rc;
}
