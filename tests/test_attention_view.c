/* Attention for every layer and head as it is shown (run/attn_view.h): the
 * choice of layer and head, word pieces joined into words; and as it is
 * stored: explain lines keep each layer's mean and the heads asked for, stay
 * under EVENT_MAX_BYTES, and lines of older files still read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "run/attn_view.h"
#include "run/events.h"

/* Full maps of 2 layers x 3 heads over 4 tokens, each row a distribution. */
static void fill_full(float *full, int layers, int heads, int len) {
    for (int l = 0; l < layers; l++)
        for (int h = 0; h < heads; h++)
            for (int q = 0; q < len; q++) {
                float *row = full + (((size_t)l * heads + h) * len + q) * len, sum = 0;
                for (int k = 0; k < len; k++) sum += row[k] = (float)(1 + (l * 7 + h * 3 + q * 5 + k * 11) % 13);
                for (int k = 0; k < len; k++) row[k] /= sum;
            }
}

static void test_layer_and_head_choice(void **state) {
    (void)state;
    enum { NL = 2, NH = 3, N = 4, L = N * N };
    float full[NL * NH * L], out[L], want[L];
    fill_full(full, NL, NH, N);
    AttnMaps a = {.len = N, .layers = NL, .heads = NH, .full = full};
    /* one head: the map itself */
    assert_int_equal(attn_map(&a, 1, 2, out), 0);
    assert_memory_equal(out, full + (1 * NH + 2) * L, sizeof out);
    /* a layer, mean over heads (the default view) */
    assert_int_equal(attn_map(&a, 0, -1, out), 0);
    for (int i = 0; i < L; i++) want[i] = (full[i] + full[L + i] + full[2 * L + i]) / 3;
    for (int i = 0; i < L; i++) assert_true(fabsf(out[i] - want[i]) < 1e-6f);
    /* every layer and head: each row still sums to 1 */
    assert_int_equal(attn_map(&a, -1, -1, out), 0);
    for (int q = 0; q < N; q++) {
        float s = 0;
        for (int k = 0; k < N; k++) s += out[q * N + k];
        assert_true(fabsf(s - 1) < 1e-5f);
    }
    /* the stored form: layer means and one kept head answer the same, other heads are not at hand */
    float *means = attn_layer_means(full, NL, NH, N);
    int kept[2] = {1, 2};
    AttnMaps s = {.len = N, .layers = NL, .heads = NH, .layer_mean = means, .n_kept = 1, .kept = kept,
                  .kept_maps = full + (1 * NH + 2) * L};
    assert_int_equal(attn_map(&s, 0, -1, want), 0);
    assert_int_equal(attn_map(&a, 0, -1, out), 0);
    assert_memory_equal(out, want, sizeof out);
    assert_int_equal(attn_map(&s, 1, 2, out), 0);
    assert_memory_equal(out, full + (1 * NH + 2) * L, sizeof out);
    assert_int_equal(attn_map(&s, 1, 1, out), -1);
    assert_int_equal(attn_map(&s, -1, 0, out), -1);
    assert_int_equal(attn_map(&s, 2, -1, out), -1); /* beyond the layers */
    free(means);
}

static void test_pieces_joined_into_words(void **state) {
    (void)state;
    char *tok[] = {"[CLS]", "the", "play", "##ing", "was", "un", "##bear", "##able", "[SEP]"};
    enum { N = 9 };
    int group[N];
    int nw = attn_word_groups(tok, N, group);
    assert_int_equal(nw, 6);
    int want[N] = {0, 1, 2, 2, 3, 4, 4, 4, 5};
    assert_memory_equal(group, want, sizeof want);
    char **w = attn_join_tokens(tok, N, group, nw);
    assert_non_null(w);
    assert_string_equal(w[2], "playing");
    assert_string_equal(w[4], "unbearable");
    assert_string_equal(w[5], "[SEP]");
    attn_words_free(w, nw);
    /* a uniform map: each query word pays a key word its share of pieces (key
     * axis summed), and rows still sum to 1 (query axis averaged) */
    float map[N * N], out[N * N], wt[N], wout[N];
    for (int i = 0; i < N * N; i++) map[i] = 1.0f / N;
    for (int i = 0; i < N; i++) wt[i] = (float)(i + 1);
    attn_join_map(map, N, group, nw, out);
    for (int q = 0; q < nw; q++) {
        float s = 0;
        for (int k = 0; k < nw; k++) s += out[q * nw + k];
        assert_true(fabsf(s - 1) < 1e-5f);
    }
    assert_true(fabsf(out[0 * nw + 4] - 3.0f / N) < 1e-6f);
    /* a query word of two pieces: the mean of its pieces' rows */
    map[3 * N + 8] += 0.5f, map[3 * N + 0] -= 0.5f / 4; /* arbitrary change to row of "##ing" */
    attn_join_map(map, N, group, nw, out);
    assert_true(fabsf(out[2 * nw + 5] - (1.0f / N + (1.0f / N + 0.5f)) / 2) < 1e-6f);
    attn_join_weights(wt, N, group, nw, wout);
    assert_true(fabsf(wout[4] - (6 + 7 + 8)) < 1e-6f);
    /* a "##" piece first, or "##" alone, starts a word */
    char *odd[] = {"##x", "##", "a"};
    assert_int_equal(attn_word_groups(odd, 3, group), 3);
}

static void test_attention_heads_key(void **state) {
    (void)state;
    int p[2 * CONFIG_MAX_ATTENTION_HEADS];
    char msg[160];
    assert_int_equal(config_attention_heads("", p, 8, msg, sizeof msg), 0);
    assert_int_equal(config_attention_heads("[1.3, 6.12]", p, 8, msg, sizeof msg), 2);
    assert_int_equal(p[0], 0), assert_int_equal(p[1], 2), assert_int_equal(p[2], 5), assert_int_equal(p[3], 11);
    assert_int_equal(config_attention_heads("2.1 2.2", p, 8, msg, sizeof msg), 2);
    assert_int_equal(config_attention_heads("0.1", p, 8, msg, sizeof msg), -1);
    assert_int_equal(config_attention_heads("1.x", p, 8, msg, sizeof msg), -1);
    assert_int_equal(config_attention_heads("3", p, 8, msg, sizeof msg), -1);
    assert_int_equal(config_attention_heads("[1.1", p, 8, msg, sizeof msg), -1);
    assert_int_equal(config_attention_heads("1.1 1.2 1.3", p, 2, msg, sizeof msg), -1);
    /* through the config: format always, the range for our own transformer */
    Config c;
    ConfigErrors e = {0};
    const char *sets[] = {"model.arch=transformer", "model.layers=2", "model.heads=4", "eval.attention_heads=2.4,3.1"};
    assert_int_equal(config_read(&c, &(ConfigSource){.sets = sets, .n_sets = 4}, &e), 1);
    assert_non_null(strstr(e.items[0].msg, "3.1 is beyond the model's 2 layers x 4 heads"));
    config_errors_free(&e);
    config_free(&c);
    const char *bad[] = {"eval.attention_heads=layer one"};
    assert_int_equal(config_read(&c, &(ConfigSource){.sets = bad, .n_sets = 1}, &e), 1);
    assert_non_null(strstr(e.items[0].msg, "eval.attention_heads"));
    config_errors_free(&e);
    config_free(&c);
}

/* A sample of n tokens with layer means over `layers` layers and one kept head. */
static void make_sample(ExplainSample *x, int n, int layers, int heads) {
    memset(x, 0, sizeof *x);
    x->len = n, x->layers = layers, x->heads = heads, x->label = 1, x->pred = 1, x->prob = 0.75f;
    x->tokens = calloc((size_t)n, sizeof *x->tokens);
    x->weight = calloc((size_t)n, sizeof *x->weight);
    for (int i = 0; i < n; i++) x->tokens[i] = strdup(i % 2 ? "##ing" : "play"), x->weight[i] = 1.0f / n;
    size_t L = (size_t)n * n;
    x->layer_mean = malloc((size_t)layers * L * sizeof *x->layer_mean);
    for (size_t i = 0; i < (size_t)layers * L; i++) x->layer_mean[i] = 0.001234f * (float)(i % 97);
    x->n_kept = 1;
    x->kept = malloc(2 * sizeof *x->kept);
    x->kept[0] = layers - 1, x->kept[1] = heads - 1;
    x->kept_attn = malloc(L * sizeof *x->kept_attn);
    for (size_t i = 0; i < L; i++) x->kept_attn[i] = 1.0f / n;
    snprintf(x->method, sizeof x->method, "attention");
}

static void test_explain_maps_round_trip(void **state) {
    (void)state;
    ExplainSample x;
    make_sample(&x, 5, 6, 12);
    Event ev, back;
    event_init(&ev, EV_EXPLAIN);
    ev.explain = (ExplainEvent){.step = 7, .samples = {1, &x}};
    char *line = event_format(&ev);
    assert_non_null(line);
    assert_int_equal(event_decode(line, strlen(line), &back), 0);
    const ExplainSample *y = &back.explain.samples.v[0];
    assert_int_equal(y->layers, 6);
    assert_int_equal(y->heads, 12);
    assert_null(y->attn);
    assert_non_null(y->layer_mean);
    assert_true(fabsf(y->layer_mean[6 * 25 - 1] - x.layer_mean[6 * 25 - 1]) < 1e-4f); /* 4 digits written */
    assert_int_equal(y->n_kept, 1);
    assert_int_equal(y->kept[0], 5);
    assert_int_equal(y->kept[1], 11);
    assert_true(fabsf(y->kept_attn[3] - 0.2f) < 1e-6f);
    free(line);
    event_release(&back);
    /* a kept head outside the layers, or maps of the wrong size, make the line malformed */
    const char *bad[] = {
        "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"tokens\":[\"a\"],\"weight\":[1],\"layers\":1,\"heads\":1,"
        "\"kept\":[[1,0]],\"kept_attn\":[1]}]}",
        "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"tokens\":[\"a\",\"b\"],\"weight\":[1,0],\"layers\":2,"
        "\"heads\":1,\"layer_mean\":[1,0,0,1]}]}",
        "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"tokens\":[\"a\"],\"weight\":[1],\"layers\":1,\"heads\":1,"
        "\"kept\":[[0,0]]}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(event_decode(bad[i], strlen(bad[i]), &back), -1);
        event_release(&back);
    }
    /* a line of an older file: every head in "attn", no layer_mean; still read */
    const char *old = "{\"type\":\"explain\",\"step\":1,\"samples\":[{\"index\":0,\"label\":1,\"pred\":1,\"prob\":0.9,"
                      "\"tokens\":[\"a\",\"b\"],\"weight\":[0.5,0.5],\"method\":\"m\",\"layers\":1,\"heads\":2,"
                      "\"attn\":[1,0,0,1,0.5,0.5,0.5,0.5]}]}";
    assert_int_equal(event_decode(old, strlen(old), &back), 0);
    y = &back.explain.samples.v[0];
    assert_non_null(y->attn);
    assert_null(y->layer_mean);
    float m[4];
    AttnMaps a = {.len = 2, .layers = 1, .heads = 2, .full = y->attn};
    assert_int_equal(attn_map(&a, 0, -1, m), 0);
    assert_true(fabsf(m[0] - 0.75f) < 1e-6f && fabsf(m[1] - 0.25f) < 1e-6f);
    event_release(&back);
    explain_sample_free(&x);
}

/* DistilBERT-sized maps: what a line keeps stays under EVENT_MAX_BYTES. The
 * maps of the first samples survive, the last samples' are dropped first. */
static void test_explain_line_is_bounded(void **state) {
    (void)state;
    enum { NS = 4 };
    ExplainSample x[NS];
    for (int i = 0; i < NS; i++) make_sample(&x[i], 90, 6, 12); /* 6 x 8100 means + 8100 kept: ~0.5 MB each */
    Event ev, back;
    event_init(&ev, EV_EXPLAIN);
    ev.explain = (ExplainEvent){.step = 9, .samples = {NS, x}};
    char *line = event_format(&ev);
    assert_non_null(line);
    assert_true(strlen(line) <= EVENT_MAX_BYTES);
    assert_int_equal(event_decode(line, strlen(line), &back), 0);
    assert_int_equal(back.explain.samples.n, NS); /* every sample kept, some without maps */
    assert_non_null(back.explain.samples.v[0].layer_mean);
    assert_null(back.explain.samples.v[NS - 1].layer_mean);
    assert_null(back.explain.samples.v[NS - 1].kept_attn);
    /* what the caller gave is untouched */
    assert_non_null(x[NS - 1].layer_mean);
    free(line);
    event_release(&back);
    /* one review of 256 word pieces with every head (4.7M numbers): still bounded */
    ExplainSample big;
    make_sample(&big, 256, 6, 12);
    big.attn = calloc((size_t)6 * 12 * 256 * 256, sizeof *big.attn);
    assert_non_null(big.attn);
    ev.explain = (ExplainEvent){.step = 10, .samples = {1, &big}};
    line = event_format(&ev);
    assert_non_null(line);
    assert_true(strlen(line) <= EVENT_MAX_BYTES);
    assert_non_null(strstr(line, "\"tokens\""));
    free(line);
    explain_sample_free(&big);
    for (int i = 0; i < NS; i++) explain_sample_free(&x[i]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layer_and_head_choice),    cmocka_unit_test(test_pieces_joined_into_words),
        cmocka_unit_test(test_attention_heads_key),      cmocka_unit_test(test_explain_maps_round_trip),
        cmocka_unit_test(test_explain_line_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
