/* BERT's WordPiece tokenizer (engine/data/wordpiece.c): its vocab.txt checks,
 * the greedy matcher on small vocabularies, truncation, offsets and invalid
 * UTF-8, then agreement with Hugging Face's tokenizer on bert-base-uncased's
 * vocabulary: tests/fixtures/wordpiece/ holds the ids it gives for tricky
 * texts and for 300 IMDb reviews (written by
 * scripts/fixtures/wordpiece/make_fixtures.mjs). The IMDb check reads the
 * reviews from $IMDB_TARBALL and skips without it; WORDPIECE_IMDB_EXPECTED
 * points it at another expected file (such as the script's --imdb-all one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data/data_internal.h"
#include "data/wordpiece.h"

#define MAX_IDS 512

static void fixture_path(char *buf, size_t n, const char *name) {
    const char *root = getenv("SENTUI_TEST_ROOT");
    snprintf(buf, n, "%s/tests/fixtures/wordpiece/%s", root && *root ? root : ".", name);
}

static WordPiece *load_bert(int lowercase) {
    char path[4096], err[512] = "";
    fixture_path(path, sizeof path, "vocab.txt");
    WordPiece *wp = wordpiece_load(path, lowercase, err, sizeof err);
    if (!wp) fail_msg("%s", err);
    return wp;
}

/* A vocabulary file in the test's folder from lines joined by "\n". */
static char *write_vocab(const char *name, const char *body) {
    static char path[4096];
    snprintf(path, sizeof path, "%s/%s", test_tmp, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(body, 1, strlen(body), f);
    fclose(f);
    return path;
}

#define SPECIALS "[PAD]\n[UNK]\n[CLS]\n[SEP]\n"

static WordPiece *small(const char *extra) {
    char body[4096], err[512] = "";
    snprintf(body, sizeof body, SPECIALS "%s", extra);
    WordPiece *wp = wordpiece_load(write_vocab("small.txt", body), 1, err, sizeof err);
    if (!wp) fail_msg("%s", err);
    return wp;
}

/* The pieces of text as tokens joined by spaces, without [CLS] and [SEP]. */
static const char *pieces(const WordPiece *wp, const char *text) {
    static char out[8192];
    int32_t ids[MAX_IDS];
    int n = wordpiece_encode(wp, text, strlen(text), MAX_IDS, ids, NULL, NULL);
    assert_true(n >= 2);
    assert_int_equal(ids[0], wordpiece_id(wp, "[CLS]"));
    assert_int_equal(ids[n - 1], wordpiece_id(wp, "[SEP]"));
    out[0] = 0;
    for (int i = 1; i < n - 1; i++) {
        size_t u = strlen(out);
        snprintf(out + u, sizeof out - u, "%s%s", i > 1 ? " " : "", wordpiece_token(wp, ids[i]));
    }
    return out;
}

/* ---- vocab.txt -------------------------------------------------------------- */

static void refused(const char *name, const char *body, const char *why) {
    char err[512] = "";
    const char *path = write_vocab(name, body);
    WordPiece *wp = wordpiece_load(path, 1, err, sizeof err);
    assert_null(wp);
    if (!strstr(err, why) || !strstr(err, name)) fail_msg("%s: got \"%s\", expected \"%s\"", name, err, why);
}

static void test_vocab_refused(void **state) {
    (void)state;
    refused("empty.txt", "", "empty file");
    refused("blank.txt", SPECIALS "a\n\nb\n", "blank.txt:6: empty token");
    refused("dup.txt", SPECIALS "a\n##a\nb\na\n", "dup.txt:8: duplicate token \"a\" (already on line 5)");
    refused("unk.txt", "[PAD]\n[CLS]\n[SEP]\na\n", "no [UNK]");
    refused("pad.txt", "[UNK]\n[CLS]\n[SEP]\na\n", "no [PAD]");
    refused("utf8.txt", SPECIALS "ok\nbad\xff\n", "utf8.txt:6: token is not valid UTF-8");
    char body[2048];
    snprintf(body, sizeof body, SPECIALS "%0600d\n", 7);
    refused("long.txt", body, "long.txt:5: token longer than 512 bytes");
    char err[512] = "";
    char missing[4200];
    snprintf(missing, sizeof missing, "%s/none.txt", test_tmp);
    assert_null(wordpiece_load(missing, 1, err, sizeof err));
    assert_non_null(strstr(err, "none.txt"));
}

static void test_vocab_lookup(void **state) {
    (void)state;
    WordPiece *wp = small("a\n##a\n##\n#\nfoo\r\n");
    assert_int_equal(wordpiece_size(wp), 9);
    assert_int_equal(wordpiece_id(wp, "a"), 4);
    assert_int_equal(wordpiece_id(wp, "##a"), 5);
    assert_int_equal(wordpiece_id(wp, "##"), 6);
    assert_int_equal(wordpiece_id(wp, "#"), 7);
    assert_int_equal(wordpiece_id(wp, "foo"), 8); /* "\r\n" line ends are read too */
    assert_int_equal(wordpiece_id(wp, "b"), -1);
    assert_string_equal(wordpiece_token(wp, 1), "[UNK]");
    assert_null(wordpiece_token(wp, 9));
    assert_null(wordpiece_token(wp, -1));
    wordpiece_free(wp);

    wp = load_bert(1);
    assert_int_equal(wordpiece_size(wp), 30522);
    assert_int_equal(wordpiece_id(wp, "[UNK]"), 100);
    assert_int_equal(wordpiece_id(wp, "[MASK]"), 103);
    assert_int_equal(wordpiece_id(wp, "the"), 1996);
    assert_int_equal(wordpiece_id(wp, "##s"), 2015);
    wordpiece_free(wp);
}

/* ---- matching ----------------------------------------------------------------- */

static void test_greedy(void **state) {
    (void)state;
    WordPiece *wp = small("un\n##aff\n##able\n##a\n##ff\nab\n##c\na\n##bc\n");
    assert_string_equal(pieces(wp, "unaffable"), "un ##aff ##able");
    /* longest first, not the fewest pieces: "ab ##c" though "a ##bc" exists too */
    assert_string_equal(pieces(wp, "abc"), "ab ##c");
    assert_string_equal(pieces(wp, "UnAffable ab"), "un ##aff ##able ab");
    /* the remainder cannot be matched: the whole word is one [UNK] */
    assert_string_equal(pieces(wp, "abx un"), "[UNK] un");
    assert_string_equal(pieces(wp, "xab"), "[UNK]");
    wordpiece_free(wp);
}

static void test_word_length_limit(void **state) {
    (void)state;
    WordPiece *wp = small("a\n##a\n");
    char word[300];
    memset(word, 'a', sizeof word);
    word[100] = 0;
    const char *p = pieces(wp, word);
    assert_int_equal(strlen(p), 1 + 99 * 4); /* "a" then 99 " ##a" */
    word[100] = 'a', word[101] = 0;
    assert_string_equal(pieces(wp, word), "[UNK]");
    /* characters, not bytes: 100 two-byte characters are still one word */
    char accented[400] = "";
    for (int i = 0; i < 100; i++) strcat(accented, "\xc3\xa1"); /* á, which uncased turns into a */
    assert_int_equal(strlen(pieces(wp, accented)), 1 + 99 * 4);
    wordpiece_free(wp);
}

static void test_splitting(void **state) {
    (void)state;
    WordPiece *wp = load_bert(1);
    assert_string_equal(pieces(wp, "Hello, World!"), "hello , world !");
    assert_string_equal(pieces(wp, "$5^2"), "$ 5 ^ 2");
    assert_string_equal(pieces(wp, "<br />great"), "< br / > great");
    assert_string_equal(pieces(wp, "caf\xc3\xa9 na\xc3\xafve"), "cafe naive");
    assert_string_equal(pieces(wp, "\xe4\xb8\xad\xe6\x96\x87" "ab"), "\xe4\xb8\xad \xe6\x96\x87 ab");
    /* controls and zero-width characters vanish inside a word, whitespace splits */
    assert_string_equal(pieces(wp, "mo\x01vie\xe2\x80\x8bgoer\xc2\xa0ok"), "movie ##go ##er ok");
    assert_string_equal(pieces(wp, "a [SEP] b[MASK]"), "a [SEP] b [MASK]");
    assert_string_equal(pieces(wp, "[sep]"), "[ sep ]");
    wordpiece_free(wp);
}

/* Where HF's implementations differ, sentui mostly follows the Rust one (the
 * fast tokenizer that AutoTokenizer loads), which the JS reference cannot
 * check; for the CJK ranges it follows BERT's own definition. */
static void test_rust_rules(void **state) {
    (void)state;
    WordPiece *wp = load_bert(1);
    /* an ideograph outside the BMP (U+20000) is a word of its own */
    int32_t ids[16];
    int n = wordpiece_encode(wp, "a\xf0\xa0\x80\x80" "b", 6, 16, ids, NULL, NULL);
    assert_int_equal(n, 5);
    assert_int_equal(ids[1], wordpiece_id(wp, "a"));
    assert_int_equal(ids[3], wordpiece_id(wp, "b"));
    /* U+2B820 too, where Rust's copy of the ranges starts at U+2B920 */
    n = wordpiece_encode(wp, "a\xf0\xab\xa0\xa0" "b", 6, 16, ids, NULL, NULL);
    assert_int_equal(n, 5);
    /* a capital sigma ending a word lower-cases to σ (U+03C3), never ς */
    assert_string_equal(pieces(wp, "\xce\xa3"), "\xcf\x83");
    /* an unassigned code point (U+0378) is dropped like a control */
    assert_string_equal(pieces(wp, "mo\xcd\xb8vie"), "movie");
    wordpiece_free(wp);
}

/* ---- output ------------------------------------------------------------------- */

static void test_truncation(void **state) {
    (void)state;
    WordPiece *wp = load_bert(1);
    const char *text = "the movie was unaffable";
    int32_t full[16], ids[16];
    int n = wordpiece_encode(wp, text, strlen(text), 16, full, NULL, NULL);
    assert_int_equal(n, 8); /* [CLS] the movie was una ##ffa ##ble [SEP] */
    for (int max = 2; max <= 9; max++) {
        int m = wordpiece_encode(wp, text, strlen(text), max, ids, NULL, NULL);
        assert_int_equal(m, max < n ? max : n);
        assert_memory_equal(ids, full, (size_t)(m - 1) * sizeof *ids);
        assert_int_equal(ids[m - 1], 102);
    }
    assert_int_equal(wordpiece_encode(wp, text, strlen(text), 1, ids, NULL, NULL), -1);
    assert_int_equal(wordpiece_encode(wp, text, strlen(text), 0, ids, NULL, NULL), -1);
    wordpiece_free(wp);
}

/* data.truncate: tail keeps [CLS], the last pieces, [SEP]; a short text is
 * encoded as by the head rule. */
static void test_tail_truncation(void **state) {
    (void)state;
    WordPiece *wp = load_bert(1);
    const char *text = "the movie was unaffable";
    int32_t full[16], ids[16];
    int n = wordpiece_encode(wp, text, strlen(text), 16, full, NULL, NULL);
    for (int max = 2; max <= 9; max++) {
        int m = wordpiece_encode_kept(wp, text, strlen(text), max, 1, ids);
        assert_int_equal(m, max < n ? max : n);
        assert_int_equal(ids[0], 101);
        assert_int_equal(ids[m - 1], 102);
        /* the m - 2 pieces before [SEP] are the text's last ones */
        assert_memory_equal(ids + 1, full + (n - 1) - (m - 2), (size_t)(m - 2) * sizeof *ids);
    }
    assert_int_equal(wordpiece_encode_kept(wp, text, strlen(text), 4, 1, ids), 4);
    assert_int_equal(ids[1], wordpiece_id(wp, "##ffa"));
    assert_int_equal(wordpiece_encode_kept(wp, text, strlen(text), 1, 1, ids), -1);
    wordpiece_free(wp);
}

static void test_offsets(void **state) {
    (void)state;
    WordPiece *wp = load_bert(1);
    /* "Café" has a two-byte é; the ideograph is three bytes; [SEP] is literal */
    const char *text = "Caf\xc3\xa9 unaffable,\xe4\xb8\xad [SEP]";
    int32_t ids[32], s[32], e[32];
    int n = wordpiece_encode(wp, text, strlen(text), 32, ids, s, e);
    static const int32_t want_s[] = {0, 0, 6, 9, 12, 15, 16, 20, 0};
    static const int32_t want_e[] = {0, 5, 9, 12, 15, 16, 19, 25, 0};
    assert_int_equal(n, 9); /* [CLS] cafe una ##ffa ##ble , 中 [SEP] [SEP] */
    assert_memory_equal(s, want_s, sizeof want_s);
    assert_memory_equal(e, want_e, sizeof want_e);
    assert_int_equal(ids[7], 102);
    /* a word that becomes [UNK] spans the whole word, even past 100 characters */
    char word[260];
    memset(word, 'q', 250);
    memcpy(word, "x ", 2);
    word[250] = 0;
    n = wordpiece_encode(wp, word, 250, 32, ids, s, e);
    assert_int_equal(n, 4);
    assert_int_equal(ids[2], 100);
    assert_int_equal(s[2], 2);
    assert_int_equal(e[2], 250);
    wordpiece_free(wp);
}

static void test_invalid_utf8(void **state) {
    (void)state;
    WordPiece *wp = load_bert(1);
    /* each bad byte reads as U+FFFD, which cleaning drops: the word stays whole */
    assert_string_equal(pieces(wp, "mo\xffvie"), "movie");
    assert_string_equal(pieces(wp, "mo\xc0\xafvie \xed\xa0\x80ok"), "movie ok"); /* overlong "/", surrogate */
    assert_string_equal(pieces(wp, "movie\xe4\xb8"), "movie");                      /* cut short */
    /* any bytes at all: no crash, offsets inside the text and in order */
    uint32_t x = 12345;
    char buf[300];
    int32_t ids[64], s[64], e[64];
    for (int round = 0; round < 2000; round++) {
        size_t len = round % 300;
        for (size_t i = 0; i < len; i++) buf[i] = (char)((x = x * 1103515245u + 12345u) >> 16);
        int n = wordpiece_encode(wp, buf, len, 64, ids, s, e);
        assert_true(n >= 2 && n <= 64);
        for (int i = 1; i < n - 1; i++) {
            assert_true(s[i] >= 0 && s[i] < e[i] && e[i] <= (int32_t)len);
            assert_true(i == 1 || s[i] >= s[i - 1]);
        }
    }
    wordpiece_free(wp);
}

/* ---- agreement with Hugging Face ---------------------------------------------- */

static json_t *load_json(const char *path) {
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    if (!root) fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    return root;
}

/* 1 when encoding text with max_len gives want (HF's full sequence for the
 * text) truncated to max_len; prints the first difference otherwise. */
static int agrees(const WordPiece *wp, const char *what, const char *text, size_t len, int max_len, json_t *want) {
    int32_t *ids = malloc((size_t)max_len * sizeof *ids);
    assert_non_null(ids);
    int n = wordpiece_encode(wp, text, len, max_len, ids, NULL, NULL), same = 1;
    int full = (int)json_array_size(want), m = full < max_len ? full : max_len;
    for (int i = 0; i < m; i++) {
        int w = (int)json_integer_value(json_array_get(want, (size_t)(i == m - 1 ? full - 1 : i)));
        if (i >= n || ids[i] != w) {
            print_message("%s (max_len %d): id %d is %d, expected %d\n", what, max_len, i, i < n ? ids[i] : -1, w);
            same = 0;
            break;
        }
    }
    if (same && n != m) print_message("%s (max_len %d): %d ids, expected %d\n", what, max_len, n, m);
    free(ids);
    return same && n == m;
}

static void test_tricky_texts(void **state) {
    (void)state;
    char path[4096];
    fixture_path(path, sizeof path, "tricky.json");
    json_t *root = load_json(path), *cases = json_object_get(root, "cases");
    WordPiece *uncased = load_bert(1), *cased = load_bert(0);
    size_t i;
    json_t *c;
    int bad = 0;
    json_array_foreach(cases, i, c) {
        json_t *t = json_object_get(c, "text");
        const char *text = json_string_value(t);
        size_t len = json_string_length(t);
        char what[64];
        snprintf(what, sizeof what, "tricky.json case %zu", i);
        static const int max_lens[] = {3, 8, MAX_IDS};
        for (int k = 0; k < 3; k++) {
            bad += !agrees(uncased, what, text, len, max_lens[k], json_object_get(c, "uncased"));
            bad += !agrees(cased, what, text, len, max_lens[k], json_object_get(c, "cased"));
        }
    }
    assert_true(json_array_size(cases) >= 250);
    assert_int_equal(bad, 0);
    wordpiece_free(uncased);
    wordpiece_free(cased);
    json_decref(root);
}

/* "train/pos/12_9.txt" -> the review of that split, label and id. */
static const RawDoc *find_review(const RawCorpus *c, const char *file) {
    char label[8];
    int id, rating;
    if (sscanf(file, "train/%3[a-z]/%d_%d.txt", label, &id, &rating) != 3) return NULL;
    for (int i = 0; i < c->n; i++) {
        const RawDoc *d = &c->docs[i];
        if (d->split == RAW_TRAIN && d->id == id && d->label == !strcmp(label, "pos")) return d;
    }
    return NULL;
}

static void test_imdb_agreement(void **state) {
    (void)state;
    const char *tarball = getenv("IMDB_TARBALL");
    if (!tarball || !*tarball) {
        print_message("skipped: IMDB_TARBALL is not set (the IMDb agreement check reads its reviews)\n");
        skip();
    }
    char path[4096], err[512] = "";
    const char *other = getenv("WORDPIECE_IMDB_EXPECTED");
    if (other && *other) snprintf(path, sizeof path, "%s", other);
    else fixture_path(path, sizeof path, "imdb.json");
    RawCorpus corpus = {0};
    if (imdb_read(tarball, &corpus, err, sizeof err)) fail_msg("%s", err);
    json_t *root = load_json(path), *reviews = json_object_get(root, "reviews");
    WordPiece *wp = load_bert(1);
    int max_len = (int)json_integer_value(json_object_get(root, "max_len"));
    assert_true(max_len >= 2);
    size_t i, same = 0, total = json_array_size(reviews);
    json_t *r;
    json_array_foreach(reviews, i, r) {
        const char *file = json_string_value(json_object_get(r, "file"));
        const RawDoc *d = find_review(&corpus, file);
        if (!d) fail_msg("%s: no review %s in %s", path, file, tarball);
        same += agrees(wp, file, d->text, d->len, max_len, json_object_get(r, "ids"));
    }
    print_message("IMDb agreement with Hugging Face: %zu of %zu reviews (%.2f%%) give the same ids (max_len %d)\n",
                  same, total, total ? 100.0 * (double)same / (double)total : 0.0, max_len);
    assert_true(total > 0 && same * 1000 >= total * 999);
    wordpiece_free(wp);
    json_decref(root);
    raw_corpus_free(&corpus);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vocab_refused, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_vocab_lookup, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_greedy, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test_setup_teardown(test_word_length_limit, test_tmp_setup, test_tmp_teardown),
        cmocka_unit_test(test_splitting),
        cmocka_unit_test(test_rust_rules),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_tail_truncation),
        cmocka_unit_test(test_offsets),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_tricky_texts),
        cmocka_unit_test(test_imdb_agreement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
