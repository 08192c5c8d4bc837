/* The report's pieces on their own: the XML escaper, tick placement, the
 * confusion figure at N classes, the heatmap rows, the curves' legend, and a
 * whole page written from event lines that carry markup. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/svg.h"

/* What a writer produced, as a string (free it). */
typedef struct Out {
    char *buf;
    size_t len;
    FILE *f;
} Out;

static void out_open(Out *o) {
    o->f = open_memstream(&o->buf, &o->len);
    assert_non_null(o->f);
}

static char *out_close(Out *o) {
    fclose(o->f);
    return o->buf;
}

static int count(const char *s, const char *what) {
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what)) n++;
    return n;
}

static char *escaped(const char *s, int max) {
    Out o;
    out_open(&o);
    xml_text(o.f, s, max);
    return out_close(&o);
}

static void test_xml_text(void **st) {
    (void)st;
    char *e = escaped("<script>alert('x' & \"y\")</script>", 0);
    assert_string_equal(e, "&lt;script&gt;alert(&#39;x&#39; &amp; &quot;y&quot;)&lt;/script&gt;");
    free(e);
    /* Control characters are not XML; a tab is a space; bad UTF-8 is U+FFFD; good UTF-8 stays. */
    e = escaped("a\x01" "b\tc\xff" "d caf\xc3\xa9", 0);
    assert_string_equal(e, "ab c\xef\xbf\xbd" "d caf\xc3\xa9");
    free(e);
    /* Cut at 5 characters, the last an ellipsis; a multi-byte character counts once. */
    e = escaped("\xc3\xa9t\xc3\xa9 long", 5);
    assert_string_equal(e, "\xc3\xa9t\xc3\xa9 \xe2\x80\xa6");
    free(e);
    e = escaped("abcd", 5);
    assert_string_equal(e, "abcd");
    free(e);
    e = escaped(NULL, 0);
    assert_string_equal(e, "");
    free(e);
}

static void test_nice_ticks(void **st) {
    (void)st;
    double lo = 0.537, hi = 0.912, t[32];
    int n = svg_nice_ticks(&lo, &hi, 6, t, 32);
    assert_true(n >= 4 && n <= 10);
    assert_true(lo <= 0.537 && hi >= 0.912);
    assert_float_equal(t[0], lo, 1e-6);
    assert_float_equal(t[n - 1], hi, 1e-6);
    /* Evenly spaced at 1, 2 or 5 times a power of ten: here 0.1 (0.5 to 1). */
    for (int i = 1; i < n; i++) assert_float_equal(t[i] - t[i - 1], 0.1, 1e-6);
    assert_float_equal(lo, 0.5, 1e-6);
    assert_float_equal(hi, 1.0, 1e-6);
    /* A flat series still gets an axis. */
    lo = hi = 3;
    n = svg_nice_ticks(&lo, &hi, 6, t, 32);
    assert_true(n >= 2 && lo < 3 && hi > 3);
}

static void test_confusion_n_classes(void **st) {
    (void)st;
    enum { K = 5 };
    long m[K * K];
    for (int i = 0; i < K * K; i++) m[i] = i % (K + 1) == 0 ? 40 : i;
    const char *names[K] = {"very negative", "negative", "neutral", "positive", "<b>very</b> positive"};
    Out o;
    out_open(&o);
    fig_confusion(o.f, m, K, names, "five & more", &(FigOpts){.standalone = 1});
    char *s = out_close(&o);
    assert_non_null(strstr(s, "<?xml"));
    assert_int_equal(count(s, "<svg"), 1);
    assert_int_equal(count(s, "</svg>"), 1);
    assert_int_equal(count(s, "<g><title>true "), K * K); /* one cell each */
    assert_null(strstr(s, "<b>"));
    assert_non_null(strstr(s, "&lt;b&gt;very&lt;/b&gt; positive"));
    assert_non_null(strstr(s, "five &amp; more"));
    /* Row 2 (neutral): 10 11 40 13 14, so 40 is 40/88 of its row. */
    assert_non_null(strstr(s, "true neutral, predicted neutral: 40 (45.5% of the row)"));
    free(s);
}

static void test_heatmap_rows(void **st) {
    (void)st;
    char *tokens[3] = {"good", "<i>", "film"};
    float weight[3] = {0.2f, 0.5f, 0.3f};
    float attn[1 * 2 * 3 * 3] = {0};
    for (int h = 0; h < 2; h++)
        for (int i = 0; i < 3; i++) attn[h * 9 + i * 3 + (h ? 0 : 2)] = 1; /* head 1 looks at film, head 2 at good */
    ExplainSample x = {.index = 7, .label = 1, .pred = 0, .prob = 0.4f, .len = 3, .tokens = tokens, .weight = weight,
                       .layers = 1, .heads = 2, .attn = attn, .method = "attention"};
    const char *names[2] = {"negative", "positive"};
    Out o;
    out_open(&o);
    fig_heatmap(o.f, &x, names, 2, "review 7", &(FigOpts){0});
    char *s = out_close(&o);
    assert_non_null(strstr(s, "true positive, predicted negative (p=0.400)"));
    assert_non_null(strstr(s, "layer 1 head 2"));
    assert_int_equal(count(s, "<title>&lt;i&gt;: "), 3); /* weight row and two heads */
    assert_null(strstr(s, "<i>"));
    assert_non_null(strstr(s, "<title>film: 1</title>"));   /* head 1: all of it */
    assert_non_null(strstr(s, "<title>good: 0</title>"));   /* head 1: none */
    assert_non_null(strstr(s, "<title>good: 1</title>"));   /* head 2 */
    free(s);
}

static const char *const hostile_run[] = {
    "{\"type\":\"start\",\"run\":\"<script>alert(1)</script>\",\"arch\":\"lstm\",\"params\":10,\"epochs\":1,"
    "\"steps_per_epoch\":2,\"total_steps\":2,\"train_size\":4,\"val_size\":2,\"test_size\":2,\"batch_size\":2,"
    "\"max_len\":5}",
    "{\"type\":\"step\",\"step\":1,\"epoch\":0.5,\"loss\":0.7,\"lr\":0.01,\"grad_norm\":1,\"tokens_per_s\":10,"
    "\"elapsed\":0.1}",
    "{\"type\":\"step\",\"step\":2,\"epoch\":1,\"loss\":0.6,\"lr\":0.01,\"grad_norm\":1,\"tokens_per_s\":10,"
    "\"elapsed\":0.2}",
    "{\"type\":\"eval\",\"step\":2,\"epoch\":1,\"split\":\"val\",\"loss\":0.6,\"accuracy\":0.5,\"precision\":0.5,"
    "\"recall\":0.5,\"f1\":0.5,\"f1_macro\":0.5,\"f1_weighted\":0.5,\"confusion\":[[1,0],[1,0]],\"best\":true,"
    "\"wall_seconds\":0.3}",
    "{\"type\":\"explain\",\"step\":2,\"samples\":[{\"index\":0,\"label\":1,\"pred\":0,\"prob\":0.4,"
    "\"tokens\":[\"<script>evil()</script>\",\"<img src=x onerror=alert(1)>\"],\"weight\":[0.5,0.5],"
    "\"method\":\"<b>saliency</b>\",\"layers\":0,\"heads\":0}]}",
};

static void test_page_escapes_every_string(void **st) {
    (void)st;
    CompareRun run;
    memset(&run, 0, sizeof run);
    runstate_init(&run.rs);
    snprintf(run.dir, sizeof run.dir, "runs/<x>");
    for (size_t i = 0; i < sizeof hostile_run / sizeof *hostile_run; i++)
        assert_int_equal(runstate_apply_line(&run.rs, hostile_run[i], strlen(hostile_run[i])), 0);
    assert_float_equal(run.rs.evals[0].wall_seconds, 0.3, 1e-6);
    Out o;
    out_open(&o);
    int figs = report_write(o.f, &run, 1, FIG_X_WALL);
    char *s = out_close(&o);
    assert_int_equal(figs, CMP_METRICS + 1 + 1); /* curves, one confusion matrix, one review */
    assert_int_equal(count(s, "<svg"), figs);
    assert_int_equal(count(s, "</svg>"), figs);
    assert_null(strstr(s, "<script"));
    assert_null(strstr(s, "<img"));
    assert_null(strstr(s, "<b>"));
    assert_non_null(strstr(s, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_non_null(strstr(s, "&lt;script&gt;evil()&lt;/script&gt;"));
    assert_non_null(strstr(s, "wall-clock seconds"));
    /* The page forbids scripts even if something slipped through. */
    assert_non_null(strstr(s, "default-src 'none'"));
    free(s);
    runstate_free(&run.rs);
}

static void test_curves_legend_per_run(void **st) {
    (void)st;
    enum { N = 5 };
    CompareRun runs[N];
    for (int r = 0; r < N; r++) {
        memset(&runs[r], 0, sizeof runs[r]);
        runstate_init(&runs[r].rs);
        snprintf(runs[r].dir, sizeof runs[r].dir, "runs/run%d", r);
        for (size_t i = 1; i < 4; i++)
            assert_int_equal(runstate_apply_line(&runs[r].rs, hostile_run[i], strlen(hostile_run[i])), 0);
    }
    Out o;
    out_open(&o);
    fig_curves(o.f, runs, N, CMP_TRAIN_LOSS, &(FigOpts){.x = FIG_X_STEP});
    char *s = out_close(&o);
    assert_int_equal(count(s, "<polyline"), N);
    for (int r = 0; r < N; r++) {
        char name[32];
        snprintf(name, sizeof name, ">run%d (?)<", r);
        assert_non_null(strstr(s, name));
    }
    /* Told apart without colour: each run past the first has its own dash pattern. */
    assert_int_equal(count(s, "stroke-dasharray"), 2 * (N - 1));
    free(s);
    for (int r = 0; r < N; r++) runstate_free(&runs[r].rs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xml_text),
        cmocka_unit_test(test_nice_ticks),
        cmocka_unit_test(test_confusion_n_classes),
        cmocka_unit_test(test_heatmap_rows),
        cmocka_unit_test(test_page_escapes_every_string),
        cmocka_unit_test(test_curves_legend_per_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
