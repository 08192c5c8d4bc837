/* BERT's WordPiece tokenizer, computing what Hugging Face's fast tokenizer
 * (tokenizers: BertNormalizer + BertPreTokenizer + WordPiece + BertProcessing)
 * gives for a bert-base checkpoint's vocab.txt, so sentui can feed text to a
 * pretrained BERT or DistilBERT exactly as it saw text in pretraining:
 *   - the special tokens [PAD] [UNK] [CLS] [SEP] [MASK] written literally in
 *     the text are those tokens (HF matches them before normalising);
 *   - cleaning drops U+0000, U+FFFD and every character of category C*
 *     except tab, newline and carriage return, and turns whitespace into space;
 *   - CJK ideographs (BERT's _is_chinese_char ranges) become words of their own;
 *   - uncased models lower-case, decompose (NFD) and drop nonspacing marks (Mn);
 *   - words split on whitespace and on punctuation (ASCII 33-47, 58-64, 91-96,
 *     123-126 and Unicode category P*), each punctuation mark a word;
 *   - WordPiece: greedy longest match first, continuations prefixed "##"; a word
 *     longer than 100 characters, or one that cannot be matched to the end,
 *     becomes a single [UNK].
 * Unicode properties come from utf8proc, so of its Unicode version: HF's Rust
 * normaliser drops characters its older table calls unassigned (emoji newer
 * than it), which become [UNK] here as in HF's Python tokenizer. */
#ifndef SENTUI_DATA_WORDPIECE_H
#define SENTUI_DATA_WORDPIECE_H

#include <stddef.h>
#include <stdint.h>

/* HF's max_input_chars_per_word for BERT. */
#define WORDPIECE_MAX_WORD_CHARS 100
/* Longest vocab.txt line accepted, in bytes: BERT's longest token is 18. */
#define WORDPIECE_MAX_TOKEN_BYTES 512

typedef struct WordPiece WordPiece;

/* Reads vocab.txt (one token per line, id = line number counted from 0).
 * lowercase: 1 for uncased checkpoints (lower-case and strip accents), 0 for
 * cased ones. NULL with a "file:line: why" message in err on a file that is
 * empty, holds an empty, overlong, non-UTF-8 or repeated token, or lacks
 * [UNK], [CLS], [SEP] or [PAD]. */
WordPiece *wordpiece_load(const char *vocab_path, int lowercase, char *err, size_t errlen);
void wordpiece_free(WordPiece *wp);

/* Encodes len bytes of text as [CLS] pieces... [SEP], at most max_len ids (the
 * pieces are cut so that [SEP] stays last, as HF's truncation=True does).
 * ids (and starts/ends when not NULL) have room for max_len entries; starts
 * and ends are byte offsets of each piece in text (end exclusive), 0 and 0
 * for [CLS] and [SEP]. Returns the number of ids, or -1 when max_len < 2 or
 * the text is 2 GiB or more. Safe to call from several threads at once; it
 * allocates nothing. Invalid UTF-8 is read as U+FFFD per byte, which cleaning
 * drops. */
int wordpiece_encode(const WordPiece *wp, const char *text, size_t len, int max_len, int32_t *ids, int32_t *starts,
                     int32_t *ends);

/* As wordpiece_encode with starts and ends NULL; with tail set, a long text
 * keeps its last pieces instead: [CLS], the tail, [SEP] (data.truncate: tail;
 * many reviews state their verdict at the end). The tail allocates a scratch
 * buffer for the whole text; returns -1 also when that fails. */
int wordpiece_encode_kept(const WordPiece *wp, const char *text, size_t len, int max_len, int tail, int32_t *ids);

/* The id of a vocabulary entry (such as "##ing"), -1 when absent. */
int32_t wordpiece_id(const WordPiece *wp, const char *token);
/* The entry with that id (NUL-terminated), NULL when out of range. */
const char *wordpiece_token(const WordPiece *wp, int32_t id);
int32_t wordpiece_size(const WordPiece *wp);

/* BERT's basic tokenizer alone (cleaning, CJK, lower-casing and accents,
 * punctuation), for learning a vocabulary: fn receives each word's
 * normalised UTF-8 bytes (at most the first 101 characters' worth; chars is
 * its length in characters) in text order. Special tokens written in the
 * text are skipped. */
typedef void (*WordFn)(void *ctx, const char *bytes, size_t n, int chars);
void wordpiece_words(const WordPiece *wp, const char *text, size_t len, WordFn fn, void *ctx);
/* A tokenizer with only [PAD] [UNK] [CLS] [SEP] [MASK], for wordpiece_words. */
WordPiece *wordpiece_basic(int lowercase);
/* wordpiece_load from n bytes of vocab.txt text in memory. */
WordPiece *wordpiece_from_lines(const char *lines, size_t n, int lowercase, char *err, size_t errlen);

#endif
