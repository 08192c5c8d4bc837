/* The lab's preprocessing, without regexes: the lab lower-cased each review,
 * split it with NLTK's word_tokenize, stripped string.punctuation from every
 * token and kept the tokens for which str.isalpha() held. Only the letters that
 * survive matter, so this scanner reproduces where NLTK's splits fall between
 * letters and which tokens the isalpha filter drops, scanning the bytes once
 * (a chunk holding more than ASCII letters is looked at again) with no
 * allocation.
 *
 * Exact rules (tests/test_tokenize.c checks each one):
 *  1. "<br />", "<br/>", "<br>" (any case, spaces allowed before '/' and '>')
 *     are removed: they separate like a space. Other tags are plain text: '<'
 *     and '>' separate, so "<i>" yields "i" as NLTK would.
 *  2. The text is cut into chunks at separators:
 *     - ASCII whitespace and control bytes (0x00-0x20, 0x7f), C1 controls,
 *       invalid UTF-8 bytes (each one), Unicode spaces (U+00A0, U+2000-U+200A,
 *       U+2028/9, U+202F, U+205F, U+3000, U+1680, U+0085). NLTK would keep
 *       a control character inside its token and drop the whole token;
 *       separating keeps the words around the stray U+0096/U+0097 (cp1252
 *       dashes) that IMDb reviews hold;
 *     - ! " # $ % & ( ) * ; < > ? @ [ ] { } and the backquote;
 *     - quotes NLTK splits off: « » ‘ ’ “ ” „ and the dashes U+2012-U+2015;
 *     - ',' and ':' unless a digit follows ("1,000" stays one chunk);
 *     - runs of two or more '.', '-' or '\'' ("--", "...", "''");
 *     - a single '.' followed by a separator or the end (NLTK's sentence-final
 *       period); elsewhere '.' joins ("e.g." -> "eg", "end.Next" -> "endnext");
 *     - an opening apostrophe: one not after a word character, before a word
 *       character, and not starting a clitic (re ve ll m t s d n + word end).
 *     Everything else stays inside the chunk: letters, digits, and the joiners
 *     ' + - . / = \ ^ _ | ~ (and , : before a digit).
 *  3. Clitics at the end of a chunk are split off as NLTK does: first a lone
 *     ', then 's 'm 'd, then 'll 're 've n't, each only when a character
 *     other than an apostrophe precedes it: "don't" -> "do" "nt",
 *     "isn't" -> "is" "nt", "can't" -> "ca" "nt", "it's" -> "it" "s",
 *     "they'll" -> "they" "ll", "1950's" -> "s" (the "1950" part is dropped).
 *  4. Inside what remains, NLTK's MacIntyre contractions are cut where they
 *     form a whole word: cannot -> can not, gonna -> gon na, gotta -> got ta,
 *     gimme -> gim me, lemme -> lem me, wanna -> wan na (at the chunk's end),
 *     d'ye -> d ye, more'n -> more n. ("'tis" stays "tis": the current NLTK
 *     detaches its opening apostrophe before its 'tis rule could apply.)
 *  5. Each piece then loses its joiners (punctuation is stripped, so
 *     "well-made" -> "wellmade", "o'clock" -> "oclock"), and is dropped when it
 *     holds a digit ("10/10", "b4", "80s") or a character that is not a letter
 *     (isalpha fails): Latin-1 signs and symbols (¡ © ° ´ ½ × ÷ ...), General
 *     Punctuation (… ‹ › • ...), currency, arrows, math and other symbols,
 *     fullwidth punctuation and digits, emoji, private use, U+FFFD. Any other
 *     valid multi-byte character counts as a letter, so "café" and "naïve"
 *     survive.
 *  6. ASCII and Latin-1 capitals (À-Þ) are lower-cased; other scripts pass
 *     through unchanged. Pieces longer than TOK_MAX bytes are dropped. */
#include <stdint.h>
#include <string.h>

#include "common/utf8.h"
#include "data/data.h"

#define TOK_MAX 256

enum { B_SEP, B_LET, B_DIG, B_JOIN, B_APOS, B_DASH, B_DOT, B_COMMA, B_LT, B_HI };

/* Byte classes; everything >= 0x80 is B_HI and decoded. */
#define HI16 B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI, B_HI
static const unsigned char byte_class[256] = {
    [128] = HI16, [144] = HI16, [160] = HI16, [176] = HI16, [192] = HI16, [208] = HI16, [224] = HI16, [240] = HI16,
    ['A'] = B_LET, ['B'] = B_LET, ['C'] = B_LET, ['D'] = B_LET, ['E'] = B_LET, ['F'] = B_LET, ['G'] = B_LET,
    ['H'] = B_LET, ['I'] = B_LET, ['J'] = B_LET, ['K'] = B_LET, ['L'] = B_LET, ['M'] = B_LET, ['N'] = B_LET,
    ['O'] = B_LET, ['P'] = B_LET, ['Q'] = B_LET, ['R'] = B_LET, ['S'] = B_LET, ['T'] = B_LET, ['U'] = B_LET,
    ['V'] = B_LET, ['W'] = B_LET, ['X'] = B_LET, ['Y'] = B_LET, ['Z'] = B_LET, ['a'] = B_LET, ['b'] = B_LET,
    ['c'] = B_LET, ['d'] = B_LET, ['e'] = B_LET, ['f'] = B_LET, ['g'] = B_LET, ['h'] = B_LET, ['i'] = B_LET,
    ['j'] = B_LET, ['k'] = B_LET, ['l'] = B_LET, ['m'] = B_LET, ['n'] = B_LET, ['o'] = B_LET, ['p'] = B_LET,
    ['q'] = B_LET, ['r'] = B_LET, ['s'] = B_LET, ['t'] = B_LET, ['u'] = B_LET, ['v'] = B_LET, ['w'] = B_LET,
    ['x'] = B_LET, ['y'] = B_LET, ['z'] = B_LET,
    ['0'] = B_DIG, ['1'] = B_DIG, ['2'] = B_DIG, ['3'] = B_DIG, ['4'] = B_DIG, ['5'] = B_DIG, ['6'] = B_DIG,
    ['7'] = B_DIG, ['8'] = B_DIG, ['9'] = B_DIG,
    ['+'] = B_JOIN, ['/'] = B_JOIN, ['='] = B_JOIN, ['\\'] = B_JOIN, ['^'] = B_JOIN, ['_'] = B_JOIN,
    ['|'] = B_JOIN, ['~'] = B_JOIN,
    ['\''] = B_APOS, ['-'] = B_DASH, ['.'] = B_DOT, [','] = B_COMMA, [':'] = B_COMMA, ['<'] = B_LT,
    /* the rest (controls, space, ! " # $ % & ( ) * ; > ? @ [ ] { } `) is B_SEP = 0 */
};

/* What a decoded multi-byte character does. */
enum { M_LETTER, M_SEP, M_POISON };

/* Blocks of non-letters beyond Latin-1: a token holding one fails isalpha. */
static const uint32_t poison_ranges[][2] = {
    {0x2000, 0x206f}, /* General Punctuation (its spaces, dashes and quotes are handled first) */
    {0x20a0, 0x20cf}, /* currency */
    {0x2100, 0x2bff}, /* letterlike, number forms, arrows, math, technical, shapes, dingbats */
    {0x3001, 0x303f}, /* CJK punctuation */
    {0xe000, 0xf8ff}, /* private use */
    {0xfe00, 0xfe0f}, /* variation selectors */
    {0xff01, 0xff20}, /* fullwidth punctuation and digits */
    {0xff3b, 0xff40}, {0xff5b, 0xff65}, {0xfff0, 0xffff}, /* ... and specials, U+FFFD */
    {0x1f000, 0x1faff}, /* emoji and pictographs */
};

static int mb_kind(uint32_t cp) {
    if (cp < 0xa0) return M_SEP; /* C1 controls, U+0085 */
    if (cp <= 0xff) {
        if (cp == 0xa0 || cp == 0xab || cp == 0xbb) return M_SEP;
        if (cp < 0xc0) return (cp == 0xaa || cp == 0xb5 || cp == 0xba) ? M_LETTER : M_POISON;
        return (cp == 0xd7 || cp == 0xf7) ? M_POISON : M_LETTER;
    }
    if (cp == 0x1680 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0x202f || cp == 0x205f)
        return M_SEP;
    if ((cp >= 0x2012 && cp <= 0x2015) || cp == 0x2018 || cp == 0x2019 || cp == 0x201c || cp == 0x201d ||
        cp == 0x201e)
        return M_SEP;
    for (size_t k = 0; k < sizeof poison_ranges / sizeof *poison_ranges; k++)
        if (cp >= poison_ranges[k][0] && cp <= poison_ranges[k][1]) return M_POISON;
    return M_LETTER;
}

static inline unsigned char lower(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

/* Is the character at p[i] (i < e) a regex word character (\w)? *w gets its width. */
static int word_char_at(const unsigned char *p, size_t i, size_t e, size_t *w) {
    unsigned char c = p[i];
    *w = 1;
    if (c < 0x80) {
        int k = byte_class[c];
        return k == B_LET || k == B_DIG || c == '_';
    }
    uint32_t cp;
    int n = utf8_decode_multibyte(p + i, e - i, &cp);
    if (!n) return 0;
    *w = (size_t)n;
    return mb_kind(cp) == M_LETTER;
}

/* Strips joiners, checks isalpha, lower-cases, emits. */
static void emit_piece(const unsigned char *p, size_t a, size_t z, TokenFn emit, void *ctx) {
    char buf[TOK_MAX];
    size_t n = 0;
    for (size_t i = a; i < z;) {
        unsigned char c = p[i];
        if (c < 0x80) {
            int k = byte_class[c];
            if (k == B_LET) {
                if (n >= TOK_MAX) return;
                buf[n++] = (char)lower(c);
            } else if (k == B_DIG) {
                return;
            }
            i++;
            continue;
        }
        uint32_t cp;
        int w = utf8_decode_multibyte(p + i, z - i, &cp);
        if (!w || mb_kind(cp) != M_LETTER) return; /* chunks hold valid letters or symbols only */
        if (n + (size_t)w > TOK_MAX) return;
        memcpy(buf + n, p + i, (size_t)w);
        if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7) buf[n + 1] = (char)(buf[n + 1] + 0x20);
        n += (size_t)w;
        i += (size_t)w;
    }
    if (n) emit(ctx, buf, n);
}

static int eq_lower(const unsigned char *p, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != (unsigned char)s[i]) return 0;
    return 1;
}

/* MacIntyre contractions over the base of a chunk: a maximal word run [r, re)
 * equal to "cannot" etc. becomes two pieces; returns where the match ends (0 if none)
 * and the split point in *mid. */
static size_t contraction2(const unsigned char *p, size_t r, size_t re, size_t b, size_t *mid) {
    size_t n = re - r;
    if (n == 6 && eq_lower(p + r, "cannot", 6)) return *mid = r + 3, re;
    if (n == 5) {
        static const char *const five[] = {"gonna", "gotta", "gimme", "lemme"};
        for (int k = 0; k < 4; k++)
            if (eq_lower(p + r, five[k], 5)) return *mid = r + 3, re;
        if (re == b && eq_lower(p + r, "wanna", 5)) return *mid = r + 3, re;
    }
    size_t w;
    if (n == 1 && lower(p[r]) == 'd' && b - re >= 3 && eq_lower(p + re, "'ye", 3) &&
        (re + 3 == b || !word_char_at(p, re + 3, b, &w)))
        return *mid = re, re + 3;
    if (n == 4 && eq_lower(p + r, "more", 4) && b - re >= 2 && eq_lower(p + re, "'n", 2) &&
        (re + 2 == b || !word_char_at(p, re + 2, b, &w)))
        return *mid = re, re + 2;
    return 0;
}

static void emit_base(const unsigned char *p, size_t s, size_t b, TokenFn emit, void *ctx) {
    size_t piece = s, run = SIZE_MAX, i = s, w = 1;
    for (;;) {
        if (i < b && word_char_at(p, i, b, &w)) {
            if (run == SIZE_MAX) run = i;
            i += w;
            continue;
        }
        if (run != SIZE_MAX) {
            size_t mid, end = contraction2(p, run, i, b, &mid);
            if (end) {
                /* NLTK pads the contraction with spaces on both sides */
                emit_piece(p, piece, run, emit, ctx);
                emit_piece(p, run, mid, emit, ctx);
                emit_piece(p, mid, end, emit, ctx);
                piece = i = end;
                run = SIZE_MAX;
                continue;
            }
            run = SIZE_MAX;
        }
        if (i >= b) break;
        i += w;
    }
    emit_piece(p, piece, b, emit, ctx);
}

static void chunk(const unsigned char *p, size_t s, size_t e, TokenFn emit, void *ctx) {
    /* NLTK detaches a final lone apostrophe first, then 's 'm 'd, then 'll 're 've n't */
    size_t q = e, r, b;
    if (e - s >= 2 && p[e - 1] == '\'' && p[e - 2] != '\'') q = e - 1;
    r = q;
    if (q - s >= 3 && p[q - 2] == '\'' && p[q - 3] != '\'' &&
        (lower(p[q - 1]) == 's' || lower(p[q - 1]) == 'm' || lower(p[q - 1]) == 'd'))
        r = q - 2;
    b = r;
    if (r - s >= 4 && p[r - 4] != '\'' &&
        (eq_lower(p + r - 3, "'ll", 3) || eq_lower(p + r - 3, "'re", 3) || eq_lower(p + r - 3, "'ve", 3) ||
         eq_lower(p + r - 3, "n't", 3)))
        b = r - 3;
    emit_base(p, s, b, emit, ctx);
    if (b < r) emit_piece(p, b, r, emit, ctx);
    if (r < q) emit_piece(p, r, q, emit, ctx);
}

/* Width of a "<br />"-style tag at p[i] ('<'), 0 when it is not one. */
static size_t br_tag(const unsigned char *p, size_t i, size_t len) {
    if (len - i < 4 || lower(p[i + 1]) != 'b' || lower(p[i + 2]) != 'r') return 0;
    size_t j = i + 3;
    while (j < len && (p[j] == ' ' || p[j] == '\t')) j++;
    if (j < len && p[j] == '/') j++;
    while (j < len && (p[j] == ' ' || p[j] == '\t')) j++;
    return j < len && p[j] == '>' ? j + 1 - i : 0;
}

/* Does the character at p[i] separate chunks on its own (used for the '.' rule)? */
static int separates(const unsigned char *p, size_t i, size_t len) {
    if (i >= len) return 1;
    unsigned char c = p[i];
    if (c < 0x80) return byte_class[c] == B_SEP || byte_class[c] == B_LT;
    uint32_t cp;
    return !utf8_decode_multibyte(p + i, len - i, &cp) || mb_kind(cp) == M_SEP;
}

/* An opening apostrophe at p[i]: NLTK detaches it unless a clitic follows. */
static int opening_apostrophe(const unsigned char *p, size_t i, size_t len) {
    size_t w;
    if (i > 0) {
        /* step back to the start of the previous character */
        size_t k = i - 1;
        while (k > 0 && i - k < 4 && (p[k] & 0xc0) == 0x80) k--;
        if (word_char_at(p, k, len, &w) && k + w == i) return 0;
    }
    if (i + 1 >= len || !word_char_at(p, i + 1, len, &w)) return 0;
    static const char *const clitics[] = {"re", "ve", "ll", "m", "t", "s", "d", "n"};
    for (int k = 0; k < 8; k++) {
        size_t n = strlen(clitics[k]);
        if (len - (i + 1) >= n && eq_lower(p + i + 1, clitics[k], n) &&
            (i + 1 + n == len || !word_char_at(p, i + 1 + n, len, &w)))
            return 0;
    }
    return 1;
}

/* The common chunk, ASCII letters only: no clitic, no joiner, at most a
 * contraction; lower-cased straight from the text. */
static void letters_chunk(const unsigned char *p, size_t s, size_t e, TokenFn emit, void *ctx) {
    size_t n = e - s, m;
    unsigned char f = p[s] | 0x20;
    if ((n == 5 || n == 6) && (f == 'c' || f == 'g' || f == 'l' || f == 'w') && contraction2(p, s, e, e, &m)) {
        chunk(p, s, e, emit, ctx);
        return;
    }
    if (n > TOK_MAX) return;
    char buf[TOK_MAX];
    for (size_t i = 0; i < n; i++) buf[i] = (char)(p[s + i] | 0x20);
    emit(ctx, buf, n);
}

void tokenize(const char *text, size_t len, TokenFn emit, void *ctx) {
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0, start = 0;
    int in_chunk = 0, letters_only = 0;
    if (!p) return;
    while (i < len) {
        unsigned char c = p[i];
        size_t w = 1;
        int sep;
        if (byte_class[c] == B_LET) {
            size_t s = i;
            while (++i < len && byte_class[p[i]] == B_LET) {
            }
            if (!in_chunk) start = s, in_chunk = 1, letters_only = 1;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp;
            int n = utf8_decode_multibyte(p + i, len - i, &cp);
            if (n) w = (size_t)n;
            sep = !n || mb_kind(cp) == M_SEP;
        } else {
            switch (byte_class[c]) {
            case B_DIG:
            case B_JOIN: sep = 0; break;
            case B_DOT:
            case B_DASH:
            case B_APOS:
                while (i + w < len && p[i + w] == c) w++;
                if (w >= 2)
                    sep = 1;
                else if (c == '.')
                    sep = separates(p, i + 1, len);
                else if (c == '\'')
                    sep = opening_apostrophe(p, i, len);
                else
                    sep = 0;
                break;
            case B_COMMA: sep = !(i + 1 < len && p[i + 1] >= '0' && p[i + 1] <= '9'); break;
            case B_LT: {
                size_t t = br_tag(p, i, len);
                if (t) w = t;
                sep = 1;
                break;
            }
            default: sep = 1;
            }
        }
        if (sep) {
            if (in_chunk) (letters_only ? letters_chunk : chunk)(p, start, i, emit, ctx);
            in_chunk = 0;
        } else {
            if (!in_chunk) start = i, in_chunk = 1;
            letters_only = 0;
        }
        i += w;
    }
    if (in_chunk) (letters_only ? letters_chunk : chunk)(p, start, len, emit, ctx);
}
