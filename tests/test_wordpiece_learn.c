/* The WordPiece vocabulary sentui learns for pretraining: BERT's special ids,
 * the expected words, characters and pieces of a tiny text, no [UNK] for any
 * text it was learnt from, and a round trip through wordpiece.c (the pieces
 * of a word, joined, give the word back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/wordpiece.h"
#include "data/wordpiece_learn.h"

static const char *const TEXT[] = {
    "The cat sat on the mat. The cats sat!",
    "A dog sat; the dog ran. Dogs running, cats running.",
    "Un film m\xc3\xa9morable: the cat's film.",
    "the the the cat cat dog dog running running walking walked walks",
};
#define NTEXT (int)(sizeof TEXT / sizeof *TEXT)

static WordPiece *learn(int size, char **lines_out) {
    size_t lens[NTEXT], n = 0;
    for (int i = 0; i < NTEXT; i++) lens[i] = strlen(TEXT[i]);
    char err[256] = "";
    char *lines = wordpiece_learn(TEXT, lens, NTEXT, size, 1, &n, err, sizeof err);
    if (!lines) print_error("%s\n", err);
    assert_non_null(lines);
    WordPiece *wp = wordpiece_from_lines(lines, n, 1, err, sizeof err);
    if (!wp) print_error("%s\n", err);
    assert_non_null(wp);
    if (lines_out) *lines_out = lines;
    else free(lines);
    return wp;
}

static void test_layout_and_pieces(void **state) {
    (void)state;
    WordPiece *wp = learn(200, NULL);
    assert_int_equal(wordpiece_id(wp, "[PAD]"), WP_PAD);
    assert_int_equal(wordpiece_id(wp, "[unused0]"), 1);
    assert_int_equal(wordpiece_id(wp, "[UNK]"), WP_UNK);
    assert_int_equal(wordpiece_id(wp, "[CLS]"), WP_CLS);
    assert_int_equal(wordpiece_id(wp, "[SEP]"), WP_SEP);
    assert_int_equal(wordpiece_id(wp, "[MASK]"), WP_MASK);
    /* characters first, both kinds; lower-cased and accents stripped */
    assert_true(wordpiece_id(wp, "t") >= WP_FIRST_PLAIN && wordpiece_id(wp, "##t") >= WP_FIRST_PLAIN);
    assert_true(wordpiece_id(wp, "m") >= 0 && wordpiece_id(wp, "##e") >= 0);
    assert_int_equal(wordpiece_id(wp, "e"), -1); /* no word starts with e */
    assert_int_equal(wordpiece_id(wp, "T"), -1);
    assert_int_equal(wordpiece_id(wp, "\xc3\xa9"), -1);
    /* frequent words whole, the most frequent first */
    assert_true(wordpiece_id(wp, "the") > wordpiece_id(wp, "##t"));
    assert_true(wordpiece_id(wp, "the") < wordpiece_id(wp, "cat"));
    assert_true(wordpiece_id(wp, "running") >= 0 && wordpiece_id(wp, "sat") >= 0);
    assert_true(wordpiece_size(wp) <= 200);
    wordpiece_free(wp);
}

/* With little room, words seen once are left out and the pieces of the
 * words left out come in: "walk" + "##ing"-like suffixes. */
static void test_pieces_when_small(void **state) {
    (void)state;
    WordPiece *wp = learn(200, NULL);
    /* the words seen once fall back on pieces */
    int32_t ids[64];
    const char *t = "walked walks";
    int n = wordpiece_encode(wp, t, strlen(t), 64, ids, NULL, NULL);
    assert_true(n > 3);
    for (int i = 0; i < n; i++) assert_int_not_equal(ids[i], WP_UNK);
    wordpiece_free(wp);
}

/* Every text it was learnt from tokenizes without [UNK], and the pieces of
 * each word join back into the word as the basic tokenizer gives it. */
static void test_round_trip(void **state) {
    (void)state;
    WordPiece *wp = learn(300, NULL);
    for (int i = 0; i < NTEXT; i++) {
        int32_t ids[128], st[128], en[128];
        int n = wordpiece_encode(wp, TEXT[i], strlen(TEXT[i]), 128, ids, st, en);
        assert_true(n >= 3);
        assert_int_equal(ids[0], WP_CLS);
        assert_int_equal(ids[n - 1], WP_SEP);
        char joined[512] = "";
        for (int k = 1; k < n - 1; k++) {
            assert_int_not_equal(ids[k], WP_UNK);
            const char *tok = wordpiece_token(wp, ids[k]);
            int cont = tok[0] == '#' && tok[1] == '#';
            if (!cont && k > 1) strcat(joined, " ");
            strcat(joined, cont ? tok + 2 : tok);
        }
        /* the same words, separated by spaces, in the basic tokenizer's form */
        char expect[512] = "";
        static const char *const want[] = {
            "the cat sat on the mat . the cats sat !",
            "a dog sat ; the dog ran . dogs running , cats running .",
            "un film memorable : the cat ' s film .",
            "the the the cat cat dog dog running running walking walked walks",
        };
        snprintf(expect, sizeof expect, "%s", want[i]);
        assert_string_equal(joined, expect);
    }
    wordpiece_free(wp);
}

/* Words seen once stay out of the vocabulary; the suffix they share comes in
 * as a "##" piece, so a new word with it ends in that piece. */
static void test_shared_suffix(void **state) {
    (void)state;
    const char *text = "walking talking running jumping singing reading eating sleeping cooking swimming "
                       "the the the a a a";
    size_t len = strlen(text), n = 0;
    char err[256] = "";
    char *lines = wordpiece_learn(&text, &len, 1, 400, 1, &n, err, sizeof err);
    assert_non_null(lines);
    WordPiece *wp = wordpiece_from_lines(lines, n, 1, err, sizeof err);
    assert_non_null(wp);
    assert_true(wordpiece_id(wp, "##ing") >= WP_FIRST_PLAIN);
    /* pieces come before the words seen once */
    assert_true(wordpiece_id(wp, "##ing") < wordpiece_id(wp, "walking"));
    assert_true(wordpiece_id(wp, "the") < wordpiece_id(wp, "##ing"));
    int32_t ids[16];
    const char *novel = "sewing"; /* starts with a letter words start with */
    int k = wordpiece_encode(wp, novel, strlen(novel), 16, ids, NULL, NULL);
    assert_true(k >= 4);
    assert_string_equal(wordpiece_token(wp, ids[k - 2]), "##ing");
    free(lines);
    wordpiece_free(wp);
}

static void test_deterministic_and_refuses_tiny(void **state) {
    (void)state;
    char *a, *b;
    WordPiece *x = learn(220, &a), *y = learn(220, &b);
    assert_string_equal(a, b);
    free(a), free(b);
    wordpiece_free(x), wordpiece_free(y);
    size_t n, len = 3;
    const char *t = "abc";
    char err[128] = "";
    assert_null(wordpiece_learn(&t, &len, 1, 50, 1, &n, err, sizeof err));
    assert_non_null(strstr(err, "at least 200"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_and_pieces),
        cmocka_unit_test(test_pieces_when_small),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_shared_suffix),
        cmocka_unit_test(test_deterministic_and_refuses_tiny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
