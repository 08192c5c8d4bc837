/* BERT's WordPiece tokenizer (see wordpiece.h for the rules). The text is read
 * one code point at a time; each becomes zero or more normalised characters
 * that remember the byte span of the code point they came from, which is how
 * HF's offsets map pieces back into the original text. A word is gathered in a
 * fixed buffer (a word over 100 characters is only counted: it becomes [UNK]
 * whatever it holds), so encoding allocates nothing. */
#include "data/wordpiece.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "common/safe_open.h"
#include "data/data_internal.h"

/* What a character does to the words around it. */
enum { CH_SKIP, CH_SPACE, CH_OWN, CH_WORD };

/* Room for one word's normalised characters: enough for the limit plus one
 * more (which is what says the limit was passed). */
#define WORD_CAP (WORDPIECE_MAX_WORD_CHARS + 1)
/* Longest canonical decomposition of one code point is 4; room to spare. */
#define DECOMP_CAP 8
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define BYTES_LIMIT STRINGIFY(WORDPIECE_MAX_TOKEN_BYTES)

typedef struct VocabSlot {
    uint32_t hash;
    int32_t id; /* -1: empty */
} VocabSlot;

struct WordPiece {
    char *text;        /* every token, NUL-terminated, one after another */
    uint32_t *offset;  /* id -> where its token starts in text */
    uint16_t *length;  /* id -> its length in bytes */
    int32_t n;
    VocabSlot *slots;
    uint32_t mask;     /* slots - 1, a power of two minus one */
    int lowercase;
    int32_t pad, unk, cls, sep, mask_token; /* mask_token: -1 when absent */
    /* ASCII answered from a table filled from utf8proc at load time, since
     * most of a review is ASCII. */
    uint8_t ascii_class[128];
    char ascii_lower[128];
};

/* ---- vocabulary table ----------------------------------------------------- */

/* A continuation piece "##ing" is stored under "ing" with cont = 1, so the
 * greedy matcher looks up "##" + part of a word without copying it. */
static uint32_t key_hash(const char *s, size_t n, int cont) {
    return data_hash32(s, n) + (cont ? 0x9e3779b9u : 0u);
}

static void token_key(const WordPiece *wp, int32_t id, const char **s, size_t *n, int *cont) {
    const char *t = wp->text + wp->offset[id];
    size_t len = wp->length[id];
    *cont = len >= 2 && t[0] == '#' && t[1] == '#';
    *s = *cont ? t + 2 : t;
    *n = *cont ? len - 2 : len;
}

static int32_t vocab_find(const WordPiece *wp, const char *s, size_t n, int cont) {
    uint32_t h = key_hash(s, n, cont);
    for (uint32_t i = h & wp->mask;; i = (i + 1) & wp->mask) {
        const VocabSlot *slot = &wp->slots[i];
        if (slot->id < 0) return -1;
        if (slot->hash != h) continue;
        const char *ks;
        size_t kn;
        int kc;
        token_key(wp, slot->id, &ks, &kn, &kc);
        if (kc == cont && kn == n && !memcmp(ks, s, n)) return slot->id;
    }
}

/* Adds token id; returns the id already holding the same token, or -1. */
static int32_t vocab_insert(WordPiece *wp, int32_t id) {
    const char *s;
    size_t n;
    int cont;
    token_key(wp, id, &s, &n, &cont);
    int32_t old = vocab_find(wp, s, n, cont);
    if (old >= 0) return old;
    uint32_t h = key_hash(s, n, cont), i = h & wp->mask;
    while (wp->slots[i].id >= 0) i = (i + 1) & wp->mask;
    wp->slots[i].hash = h;
    wp->slots[i].id = id;
    return -1;
}

int32_t wordpiece_id(const WordPiece *wp, const char *token) {
    size_t n = strlen(token);
    int cont = n >= 2 && token[0] == '#' && token[1] == '#';
    return cont ? vocab_find(wp, token + 2, n - 2, 1) : vocab_find(wp, token, n, 0);
}

const char *wordpiece_token(const WordPiece *wp, int32_t id) {
    return id >= 0 && id < wp->n ? wp->text + wp->offset[id] : NULL;
}

int32_t wordpiece_size(const WordPiece *wp) { return wp->n; }

/* ---- loading -------------------------------------------------------------- */

/* Why line (without its newline) cannot be a token, or NULL when it can. */
static const char *bad_token(const char *line, size_t n) {
    if (n == 0) return "empty token (a blank line would shift every later id)";
    if (n > WORDPIECE_MAX_TOKEN_BYTES) return "token longer than " BYTES_LIMIT " bytes (not a vocab.txt?)";
    if (memchr(line, 0, n)) return "NUL byte in token (not a vocab.txt?)";
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)line + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) return "token is not valid UTF-8";
        i += (size_t)k;
    }
    return NULL;
}

static int append_token(WordPiece *wp, size_t *text_used, size_t *text_cap, int32_t *cap, const char *line,
                        size_t n) {
    if (wp->n == *cap) {
        int32_t c = *cap ? *cap * 2 : 32768;
        uint32_t *o = realloc(wp->offset, (size_t)c * sizeof *o);
        if (o) wp->offset = o;
        uint16_t *l = realloc(wp->length, (size_t)c * sizeof *l);
        if (l) wp->length = l;
        if (!o || !l) return -1;
        *cap = c;
    }
    if (*text_used + n + 1 > *text_cap) {
        size_t c = *text_cap ? *text_cap * 2 : 1u << 18;
        while (c < *text_used + n + 1) c *= 2;
        char *t = realloc(wp->text, c);
        if (!t) return -1;
        wp->text = t;
        *text_cap = c;
    }
    memcpy(wp->text + *text_used, line, n);
    wp->text[*text_used + n] = 0;
    wp->offset[wp->n] = (uint32_t)*text_used;
    wp->length[wp->n] = (uint16_t)n;
    *text_used += n + 1;
    wp->n++;
    return 0;
}

/* Reads every line into wp->text; "file:line: why" on the first bad one. */
static int read_tokens(WordPiece *wp, FILE *f, const char *path, char *err, size_t errlen) {
    char *line = NULL;
    size_t line_cap = 0, used = 0, cap_text = 0;
    int32_t cap = 0;
    ssize_t got;
    int rc = 0;
    while ((got = getline(&line, &line_cap, f)) >= 0) {
        size_t n = (size_t)got;
        if (n && line[n - 1] == '\n') n--;
        if (n && line[n - 1] == '\r') n--; /* written on Windows */
        const char *why = bad_token(line, n);
        if (!why && wp->n == INT32_MAX - 1) why = "too many tokens";
        if (why) {
            snprintf(err, errlen, "%s:%ld: %s", path, (long)wp->n + 1, why);
            rc = -1;
            break;
        }
        if (append_token(wp, &used, &cap_text, &cap, line, n)) {
            snprintf(err, errlen, "%s: out of memory", path);
            rc = -1;
            break;
        }
    }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "%s: read error (%s)", path, strerror(errno));
        rc = -1;
    }
    if (!rc && wp->n == 0) {
        snprintf(err, errlen, "%s: empty file: a vocab.txt has one token per line", path);
        rc = -1;
    }
    free(line);
    return rc;
}

static int build_table(WordPiece *wp, const char *path, char *err, size_t errlen) {
    uint32_t slots = 1;
    while (slots < 2u * (uint32_t)wp->n) slots *= 2;
    wp->slots = malloc((size_t)slots * sizeof *wp->slots);
    if (!wp->slots) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (uint32_t i = 0; i < slots; i++) wp->slots[i].id = -1;
    wp->mask = slots - 1;
    for (int32_t id = 0; id < wp->n; id++) {
        int32_t old = vocab_insert(wp, id);
        if (old >= 0) {
            snprintf(err, errlen, "%s:%ld: duplicate token \"%s\" (already on line %ld)", path, (long)id + 1,
                     wordpiece_token(wp, id), (long)old + 1);
            return -1;
        }
    }
    return 0;
}

static int find_specials(WordPiece *wp, const char *path, char *err, size_t errlen) {
    static const char *const names[4] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]"};
    int32_t *where[4] = {&wp->pad, &wp->unk, &wp->cls, &wp->sep};
    for (int i = 0; i < 4; i++)
        if ((*where[i] = wordpiece_id(wp, names[i])) < 0) {
            snprintf(err, errlen, "%s: no %s token: not a BERT vocab.txt", path, names[i]);
            return -1;
        }
    wp->mask_token = wordpiece_id(wp, "[MASK]");
    return 0;
}

static int classify_cp(int32_t cp);

static void fill_ascii(WordPiece *wp) {
    for (int c = 0; c < 128; c++) {
        wp->ascii_class[c] = (uint8_t)classify_cp(c);
        wp->ascii_lower[c] = (char)(wp->lowercase ? utf8proc_tolower(c) : c);
    }
}

WordPiece *wordpiece_load(const char *vocab_path, int lowercase, char *err, size_t errlen) {
    WordPiece *wp = calloc(1, sizeof *wp);
    if (!wp) {
        snprintf(err, errlen, "%s: out of memory", vocab_path);
        return NULL;
    }
    wp->lowercase = lowercase != 0;
    FILE *f = safe_fopen_read(vocab_path, 0, err, errlen);
    if (!f) {
        free(wp);
        return NULL;
    }
    int rc = read_tokens(wp, f, vocab_path, err, errlen);
    fclose(f);
    if (rc || build_table(wp, vocab_path, err, errlen) || find_specials(wp, vocab_path, err, errlen)) {
        wordpiece_free(wp);
        return NULL;
    }
    fill_ascii(wp);
    return wp;
}

void wordpiece_free(WordPiece *wp) {
    if (!wp) return;
    free(wp->text);
    free(wp->offset);
    free(wp->length);
    free(wp->slots);
    free(wp);
}

/* ---- characters ----------------------------------------------------------- */

/* BERT's _is_chinese_char: the CJK Unified Ideographs blocks and their
 * extensions A-E plus the compatibility ideographs. Not every CJK script:
 * Hiragana, Katakana and Hangul stay inside words. (HF's Rust copy starts the
 * fifth range at 0x2B920, not 0x2B820; BERT's and HF's Python and JS ones
 * agree with this one.) */
static int is_cjk(int32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) ||
           (cp >= 0x2B820 && cp <= 0x2CEAF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

/* BERT counts all non-alphanumeric ASCII as punctuation ("$", "+", "^", "`"
 * are symbols to Unicode) besides every P* category. */
static int is_punct(int32_t cp, utf8proc_category_t cat) {
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126))
        return 1;
    return cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
}

/* Whitespace as HF's Rust normaliser sees it (char::is_whitespace): the
 * controls among it (U+000B, U+000C, U+0085...) are dropped as controls first,
 * which leaves tab, newline, carriage return and the Z* categories. */
static int is_space(int32_t cp, utf8proc_category_t cat) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cat == UTF8PROC_CATEGORY_ZS ||
           cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

/* Cleaning drops every "other" category (Cc, Cf, Cs, Co and unassigned Cn,
 * as Python's and Rust's BERT do) except the three whitespace controls. */
static int is_dropped(int32_t cp, utf8proc_category_t cat) {
    if (cp == '\t' || cp == '\n' || cp == '\r') return 0;
    return cp == 0 || cp == 0xFFFD || cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_CC ||
           cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CS || cat == UTF8PROC_CATEGORY_CO;
}

/* The class of an original code point before lower-casing; CH_OWN marks CJK.
 * Punctuation is decided on the normalised characters (normalise()). */
static int classify_cp(int32_t cp) {
    utf8proc_category_t cat = utf8proc_category(cp);
    if (is_dropped(cp, cat)) return CH_SKIP;
    if (is_space(cp, cat)) return CH_SPACE;
    if (is_cjk(cp)) return CH_OWN;
    return is_punct(cp, cat) ? CH_OWN : CH_WORD;
}

/* What the word character cp becomes: itself when cased; for uncased models
 * lower-cased, then decomposed (NFD) with the nonspacing marks dropped (maybe
 * to nothing, for a lone combining accent). HF's Rust normaliser strips the
 * accents first; for every code point the result is the same. Lower-casing is
 * per code point, as in Rust: a final capital sigma becomes σ, not the ς of
 * HF's Python and JS tokenizers.
 * Canonical reordering is skipped: once the Mn marks are gone, only a few
 * spacing musical-symbol marks could still be reordered. */
static int normalise(const WordPiece *wp, int32_t cp, int32_t out[DECOMP_CAP]) {
    if (!wp->lowercase) {
        out[0] = cp;
        return 1;
    }
    utf8proc_int32_t d[DECOMP_CAP];
    int boundclass = 0;
    utf8proc_ssize_t k = utf8proc_decompose_char(utf8proc_tolower(cp), d, DECOMP_CAP, UTF8PROC_DECOMPOSE, &boundclass);
    if (k <= 0 || k > DECOMP_CAP) {
        out[0] = utf8proc_tolower(cp);
        return 1;
    }
    int n = 0;
    for (utf8proc_ssize_t i = 0; i < k; i++)
        if (utf8proc_category(d[i]) != UTF8PROC_CATEGORY_MN) out[n++] = d[i];
    return n;
}

/* ---- encoding ------------------------------------------------------------- */

/* The ids written so far; room leaves the last slot for [SEP]. */
typedef struct Out {
    int32_t *ids, *starts, *ends;
    int n, room;
    WordFn words; /* wordpiece_words: each word goes there instead of being split */
    void *ctx;
} Out;

static int out_push(Out *o, int32_t id, int32_t start, int32_t end) {
    if (o->words) return 1;
    if (o->n >= o->room) return 0;
    o->ids[o->n] = id;
    if (o->starts) o->starts[o->n] = start;
    if (o->ends) o->ends[o->n] = end;
    o->n++;
    return 1;
}

/* The word being gathered: its normalised characters as UTF-8 (char i at
 * bytes [at[i], at[i + 1])) and the original span of each. */
typedef struct Word {
    int n; /* characters seen; only the first WORD_CAP are kept */
    int32_t last_end;
    int32_t start[WORD_CAP], end[WORD_CAP];
    uint16_t at[WORD_CAP + 1];
    char bytes[WORD_CAP * 4];
} Word;

static void word_add(Word *w, int32_t c, int32_t start, int32_t end) {
    if (w->n < WORD_CAP) {
        w->start[w->n] = start;
        w->end[w->n] = end;
        utf8proc_ssize_t k = 1;
        if (c < 0x80) w->bytes[w->at[w->n]] = (char)c;
        else k = utf8proc_encode_char(c, (utf8proc_uint8_t *)w->bytes + w->at[w->n]);
        w->at[w->n + 1] = (uint16_t)(w->at[w->n] + k);
    }
    w->n++;
    w->last_end = end;
}

/* Greedy longest-match-first pieces of the word, or one [UNK] for all of it. */
static int word_flush(const WordPiece *wp, Word *w, Out *o) {
    int n = w->n;
    w->n = 0;
    if (n == 0) return 1;
    if (o->words) {
        o->words(o->ctx, w->bytes, w->at[n < WORD_CAP ? n : WORD_CAP], n);
        return 1;
    }
    if (n > WORDPIECE_MAX_WORD_CHARS) return out_push(o, wp->unk, w->start[0], w->last_end);
    int32_t piece[WORDPIECE_MAX_WORD_CHARS], first[WORDPIECE_MAX_WORD_CHARS], last[WORDPIECE_MAX_WORD_CHARS];
    int np = 0;
    for (int start = 0; start < n; np++) {
        int end = n;
        int32_t id = -1;
        for (; end > start; end--) {
            id = vocab_find(wp, w->bytes + w->at[start], (size_t)(w->at[end] - w->at[start]), start > 0);
            if (id >= 0) break;
        }
        if (id < 0) return out_push(o, wp->unk, w->start[0], w->last_end);
        piece[np] = id, first[np] = start, last[np] = end - 1;
        start = end;
    }
    for (int i = 0; i < np; i++)
        if (!out_push(o, piece[i], w->start[first[i]], w->end[last[i]])) return 0;
    return 1;
}

/* A special token written at text + i (HF splits these off before
 * normalising, case-sensitively), with its length in *n; -1 if none. */
static int32_t special_at(const WordPiece *wp, const char *text, size_t len, size_t i, size_t *n) {
    const char *names[5] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    int32_t ids[5] = {wp->pad, wp->unk, wp->cls, wp->sep, wp->mask_token};
    for (int k = 0; k < 5; k++) {
        size_t m = strlen(names[k]);
        if (ids[k] >= 0 && len - i >= m && !memcmp(text + i, names[k], m)) {
            *n = m;
            return ids[k];
        }
    }
    return -1;
}

/* One code point at text + i: its value and byte length. An invalid byte
 * (stray continuation, overlong form, surrogate, truncated sequence) reads as
 * U+FFFD one byte long, which cleaning then drops, as decoding the text with
 * errors="replace" before HF's tokenizer would. */
static int32_t next_cp(const char *text, size_t len, size_t i, size_t *k) {
    unsigned char b = (unsigned char)text[i];
    *k = 1;
    if (b < 0x80) return b;
    utf8proc_int32_t cp;
    utf8proc_ssize_t m = utf8proc_iterate((const utf8proc_uint8_t *)text + i, (utf8proc_ssize_t)(len - i), &cp);
    if (m <= 0) return 0xFFFD;
    *k = (size_t)m;
    return cp;
}

/* Adds the normalised characters of a word character, each punctuation mark
 * among them a word of its own; 0 once the output is full. */
static int add_word_char(const WordPiece *wp, Word *w, Out *o, int32_t cp, int32_t s, int32_t e) {
    int32_t c[DECOMP_CAP];
    int m;
    if (cp < 0x80) {
        c[0] = (unsigned char)wp->ascii_lower[cp];
        m = 1;
    } else {
        m = normalise(wp, cp, c);
    }
    for (int j = 0; j < m; j++) {
        /* decomposition can yield punctuation, even ASCII: U+1FEF gives "`" */
        if (cp >= 0x80 && is_punct(c[j], utf8proc_category(c[j]))) {
            if (!word_flush(wp, w, o)) return 0;
            word_add(w, c[j], s, e);
            if (!word_flush(wp, w, o)) return 0;
        } else {
            word_add(w, c[j], s, e);
        }
    }
    return 1;
}

/* The pieces of the whole text, until the output is full. */
static void encode_pieces(const WordPiece *wp, const char *text, size_t len, Word *w, Out *o) {
    size_t i = 0, k;
    while (i < len) {
        size_t n;
        int32_t sp = text[i] == '[' ? special_at(wp, text, len, i, &n) : -1;
        if (sp >= 0) {
            if (!word_flush(wp, w, o) || !out_push(o, sp, (int32_t)i, (int32_t)(i + n))) return;
            i += n;
            continue;
        }
        int32_t cp = next_cp(text, len, i, &k), s = (int32_t)i, e = (int32_t)(i + k);
        int cls = cp < 0x80 ? wp->ascii_class[cp] : classify_cp(cp);
        i += k;
        if (cls == CH_SKIP) continue;
        if (cls == CH_SPACE) {
            if (!word_flush(wp, w, o)) return;
        } else if (cls == CH_OWN) {
            if (!word_flush(wp, w, o)) return;
            /* a CJK ideograph or a punctuation mark: lower-casing and NFD
             * leave it a single character of its own */
            if (!add_word_char(wp, w, o, cp, s, e) || !word_flush(wp, w, o)) return;
        } else if (!add_word_char(wp, w, o, cp, s, e)) {
            return;
        }
    }
    word_flush(wp, w, o);
}

int wordpiece_encode(const WordPiece *wp, const char *text, size_t len, int max_len, int32_t *ids, int32_t *starts,
                     int32_t *ends) {
    if (max_len < 2 || len >= (size_t)INT32_MAX) return -1;
    Out o = {ids, starts, ends, 0, max_len - 1, NULL, NULL};
    Word w;
    w.n = 0;
    w.at[0] = 0;
    out_push(&o, wp->cls, 0, 0);
    encode_pieces(wp, text, len, &w, &o);
    o.room = max_len;
    out_push(&o, wp->sep, 0, 0);
    return o.n;
}

int wordpiece_encode_kept(const WordPiece *wp, const char *text, size_t len, int max_len, int tail, int32_t *ids) {
    if (!tail || len >= (size_t)INT32_MAX - 2) return wordpiece_encode(wp, text, len, max_len, ids, NULL, NULL);
    if (max_len < 2) return -1;
    int room = (int)len + 2; /* a piece covers at least one byte */
    if (room <= max_len) return wordpiece_encode(wp, text, len, max_len, ids, NULL, NULL);
    int32_t *all = malloc(sizeof *all * (size_t)room);
    if (!all) return -1;
    int n = wordpiece_encode(wp, text, len, room, all, NULL, NULL);
    if (n > max_len) {
        int keep = max_len - 2; /* between [CLS] and [SEP] */
        ids[0] = all[0];
        memcpy(ids + 1, all + (n - 1 - keep), sizeof *ids * (size_t)keep);
        ids[max_len - 1] = all[n - 1];
        n = max_len;
    } else if (n > 0) {
        memcpy(ids, all, sizeof *ids * (size_t)n);
    }
    free(all);
    return n;
}

void wordpiece_words(const WordPiece *wp, const char *text, size_t len, WordFn fn, void *ctx) {
    if (len >= (size_t)INT32_MAX) return;
    Out o = {NULL, NULL, NULL, 0, 0, fn, ctx};
    Word w;
    w.n = 0;
    w.at[0] = 0;
    encode_pieces(wp, text, len, &w, &o);
}

WordPiece *wordpiece_from_lines(const char *lines, size_t n, int lowercase, char *err, size_t errlen) {
    WordPiece *wp = calloc(1, sizeof *wp);
    FILE *f = wp && n ? fmemopen((void *)lines, n, "r") : NULL;
    if (!f) snprintf(err, errlen, "(vocabulary): %s", wp ? "empty" : "out of memory");
    int rc = !f || read_tokens(wp, f, "(vocabulary)", err, errlen) || build_table(wp, "(vocabulary)", err, errlen) ||
             find_specials(wp, "(vocabulary)", err, errlen);
    if (f) fclose(f);
    if (rc) {
        wordpiece_free(wp);
        return NULL;
    }
    wp->lowercase = lowercase != 0;
    fill_ascii(wp);
    return wp;
}

WordPiece *wordpiece_basic(int lowercase) {
    static const char specials[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
    char err[128];
    return wordpiece_from_lines(specials, sizeof specials - 1, lowercase, err, sizeof err);
}
