/* The tokenizer's rules (engine/data/tokenize.c), one tricky case at a time. The
 * expected outputs are what the lab's pipeline (lower-case, NLTK word_tokenize,
 * strip string.punctuation, keep isalpha tokens) gives for the same text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "data/data.h"

typedef struct {
    char out[4096];
    size_t n;
    int count;
} Joined;

static void join(void *ctx, const char *w, size_t len) {
    Joined *j = ctx;
    assert_true(len > 0);
    if (j->n + len + 2 >= sizeof j->out) return;
    if (j->n) j->out[j->n++] = ' ';
    memcpy(j->out + j->n, w, len);
    j->n += len;
    j->out[j->n] = 0;
    j->count++;
}

static const char *tok_len(const char *text, size_t len) {
    static Joined j;
    memset(&j, 0, sizeof j);
    tokenize(text, len, join, &j);
    return j.out;
}

static const char *tok(const char *text) { return tok_len(text, strlen(text)); }

#define EXPECT(text, want) assert_string_equal(tok(text), want)

static void test_lowercase_and_punctuation(void **state) {
    (void)state;
    EXPECT("This movie was GREAT!", "this movie was great");
    EXPECT("Hello, world.", "hello world");
    EXPECT("wait... what?!", "wait what");
    EXPECT("(brackets) [and] {braces} <angles>", "brackets and braces angles");
    EXPECT("a;b:c,d", "a b c d");
    EXPECT("\"quoted\" and `ticked'", "quoted and ticked");
}

static void test_contractions(void **state) {
    (void)state;
    EXPECT("don't", "do nt");
    EXPECT("I don't know", "i do nt know");
    EXPECT("isn't", "is nt");
    EXPECT("can't", "ca nt");
    EXPECT("won't", "wo nt");
    EXPECT("It's fine", "it s fine");
    EXPECT("I'm here", "i m here");
    EXPECT("they're", "they re");
    EXPECT("we've", "we ve");
    EXPECT("you'll", "you ll");
    EXPECT("I'd", "i d");
    EXPECT("DON'T", "do nt");
    EXPECT("don't.", "do nt");
    EXPECT("don't!", "do nt");
    /* only the end of a chunk is a clitic: the rest is joined */
    EXPECT("o'clock rock'n'roll y'all", "oclock rocknroll yall");
    EXPECT("John's dogs' bone", "john s dogs bone");
    EXPECT("'s", "s");
    EXPECT("'O'Neill's' line", "oneill s line");
    EXPECT("1950's", "s");
    EXPECT("cannot gonna gotta gimme lemme wanna", "can not gon na got ta gim me lem me wan na");
    EXPECT("d'ye more'n", "d ye more n");
    EXPECT("'tis", "tis");
}

static void test_digits(void **state) {
    (void)state;
    EXPECT("10/10", "");
    EXPECT("I give it 10/10!", "i give it");
    EXPECT("b4 the 80s 3.5 1,000 $20", "the");
    EXPECT("9/10 stars", "stars");
    EXPECT("a,1", "");
}

static void test_hyphens_and_joiners(void **state) {
    (void)state;
    EXPECT("well-made", "wellmade");
    EXPECT("well--made", "well made");
    EXPECT("well---made", "well made");
    EXPECT("a - b", "a b");
    EXPECT("e.g. U.S.A. end.Next", "eg usa endnext");
    EXPECT("a..b", "a b");
    EXPECT("and/or a+b x=y under_score", "andor ab xy underscore");
    EXPECT("well\xe2\x80\x94made", "well made"); /* em dash splits */
    EXPECT("well\xe2\x80\x93made", "well made"); /* en dash splits */
}

static void test_html(void **state) {
    (void)state;
    EXPECT("one.<br /><br />Two", "one two");
    EXPECT("one<br/>two<BR>three<br >four", "one two three four");
    EXPECT("one<br />two", "one two");
    EXPECT("<i>great</i>", "i great i");
    EXPECT("<b>bold", "b bold");
    EXPECT("<br", "br");
    EXPECT("&amp; &lt;", "amp lt");
}

static void test_non_ascii(void **state) {
    (void)state;
    EXPECT("Café naïve", "café naïve");
    EXPECT("CAFÉ ÉCOLE", "café école");
    EXPECT("Ελληνικά русский 日本語", "Ελληνικά русский 日本語");
    EXPECT("\xe2\x80\x9cquoted\xe2\x80\x9d don\xe2\x80\x99t", "quoted don t");
    EXPECT("\xc2\xabguillemets\xc2\xbb", "guillemets");
    EXPECT("wow\xe2\x80\xa6 ok", "ok");          /* "wow…" is not alphabetic */
    EXPECT("caf\xc3\xa9\xc2\xa9 fine", "fine");   /* © is not a letter */
    EXPECT("non\xc2\xa0" "breaking", "non breaking");
    EXPECT("smile \xf0\x9f\x98\x80 ok", "smile ok");
}

static void test_invalid_bytes(void **state) {
    (void)state;
    EXPECT("bad\xff" "byte", "bad byte");
    EXPECT("cut\xc3", "cut");
    EXPECT("\xc3(x", "x");
    EXPECT("over\xc0\xaflong", "over long");
    EXPECT("surro\xed\xa0\x80gate", "surro gate");
    EXPECT("tab\tnew\nline\rcr", "tab new line cr");
    EXPECT("ctrl\x01" "a\x7f" "b", "ctrl a b");
    EXPECT("along\xc2\x97no c1\xc2\x97x", "along no x"); /* C1 controls separate; "c1" holds a digit */
    EXPECT("nul", "nul");
    assert_string_equal(tok_len("a\0b", 3), "a b");
    /* every byte value, every length: nothing may crash */
    char buf[512];
    for (int i = 0; i < 512; i++) buf[i] = (char)(i * 37 + 11);
    for (size_t len = 0; len <= sizeof buf; len += 7) tok_len(buf, len);
}

static void test_empty(void **state) {
    (void)state;
    EXPECT("", "");
    EXPECT("   ", "");
    EXPECT("!!! ... ?? --- '' \"\"", "");
    EXPECT("'", "");
    EXPECT("-", "");
    assert_string_equal(tok_len(NULL, 0), "");
}

static void test_long_token_dropped(void **state) {
    (void)state;
    char buf[600];
    memset(buf, 'a', 300);
    strcpy(buf + 300, " ok");
    assert_string_equal(tok(buf), "ok");
    memset(buf, 'a', 256);
    buf[256] = 0;
    assert_int_equal(strlen(tok(buf)), 256);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lowercase_and_punctuation),
        cmocka_unit_test(test_contractions),
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_hyphens_and_joiners),
        cmocka_unit_test(test_html),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_long_token_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
