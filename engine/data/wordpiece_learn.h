/* A WordPiece vocabulary learnt from text, for pretraining a new encoder
 * (train.objective mlm). The text goes through BERT's basic tokenizer
 * (wordpiece.c: cleaning, lower-casing and accents, punctuation); then
 *   - ids 0-103 are BERT's: [PAD] 0, [unused0]..[unused98], [UNK] 100,
 *     [CLS] 101, [SEP] 102, [MASK] 103;
 *   - every character seen, as a word start and as "##" continuation (the
 *     most frequent when there are too many), so that no word of the text
 *     becomes [UNK] and rare words fall back to pieces;
 *   - the most frequent whole words (seen at least twice), about four
 *     fifths of what is left;
 *   - the rest: the word-start prefixes and "##" suffixes of the words left
 *     out that save the most pieces (occurrences x (characters - 1)).
 * Ties are broken by the bytes, so the same text gives the same vocabulary. */
#ifndef SENTUI_DATA_WORDPIECE_LEARN_H
#define SENTUI_DATA_WORDPIECE_LEARN_H

#include <stddef.h>

/* BERT's fixed ids. */
enum { WP_PAD = 0, WP_UNK = 100, WP_CLS = 101, WP_SEP = 102, WP_MASK = 103, WP_FIRST_PLAIN = 104 };

/* The vocabulary of at most vocab_size entries (at least 200) learnt from
 * texts[0..n), as vocab.txt text (one token a line, id = line) in a malloc'd,
 * NUL-terminated buffer of *len bytes; NULL with a reason in err. */
char *wordpiece_learn(const char *const *texts, const size_t *lens, int n, int vocab_size, int lowercase, size_t *len,
                      char *err, size_t errlen);

#endif
