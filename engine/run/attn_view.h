/* Attention maps as they are shown and stored: one layer's head, the mean
 * over a layer's heads, or the mean over layers; and a WordPiece review's
 * pieces joined into words.
 *
 * What a review's maps hold depends on where they come from. A model asked
 * now (Try it, `sentui predict`) gives every layer and head ("full"). An
 * explain event of events.jsonl keeps, to stay bounded, the mean over heads
 * of each layer ("layer_mean") and only the heads eval.attention_heads names
 * ("kept"); files written before that held the full maps of small models. */
#ifndef SENTUI_ATTN_VIEW_H
#define SENTUI_ATTN_VIEW_H

#include <stddef.h>

typedef struct AttnMaps {
    int len, layers, heads;
    const float *full;       /* [layers][heads][len][len] (row = query), or NULL */
    const float *layer_mean; /* [layers][len][len], mean over heads, or NULL */
    int n_kept;
    const int *kept;         /* [n_kept][2]: layer, head (0-based) */
    const float *kept_maps;  /* [n_kept][len][len] */
} AttnMaps;

/* Whether any map is at hand. */
int attn_any(const AttnMaps *a);
/* The len x len map of layer (-1: mean over layers) and head (-1: mean over
 * heads) into out. 0, or -1 when the maps at hand do not hold it (a head not
 * kept in events.jsonl). */
int attn_map(const AttnMaps *a, int layer, int head, float *out);
/* Mean over heads of each layer of full maps: malloc'd [layers][len][len]. */
float *attn_layer_means(const float *full, int layers, int heads, int len);
/* Attention each key receives, mean over the queries: out[len]. */
void attn_received(const float *map, int len, float *out);

/* Word pieces into words: group[i] is the word of token i ("##ing" continues
 * the word before it; [CLS] and [SEP] stay words of their own). Returns the
 * number of words. */
int attn_word_groups(char *const *tokens, int len, int *group);
/* The words' text, pieces joined without "##": malloc'd array of nw malloc'd
 * strings (free with attn_words_free), NULL when out of memory. */
char **attn_join_tokens(char *const *tokens, int len, const int *group, int nw);
void attn_words_free(char **words, int nw);
/* A len x len map as nw x nw between words: the attention a query word pays
 * a key word is the sum over the key's pieces (so each row still sums to 1)
 * averaged over the query's pieces. */
void attn_join_map(const float *map, int len, const int *group, int nw, float *out);
/* Per-token weights as per-word weights: summed over the pieces. */
void attn_join_weights(const float *w, int len, const int *group, int nw, float *out);

/* What a heatmap panel shows of one review: its tokens (or words), a weight
 * each and the token-by-token map of the chosen layer and head. */
typedef struct AttnView {
    int n;             /* tokens, or words when joined */
    char **words;      /* the joined words (owned), or NULL: the tokens given */
    float *weight;     /* [n], owned */
    float *map;        /* [n][n], owned; NULL without maps or when the choice is not at hand */
    int chosen;        /* the weights come from the chosen layer/head (else the model's own) */
    int missing;       /* a layer/head was chosen that the maps at hand do not hold */
} AttnView;

/* layer, head: -1 for the mean; words: join word pieces. With a layer or
 * head chosen, the weight of a token is the attention it receives in that
 * map (mean over queries, scaled to sum 1); otherwise the model's own
 * token_weight. Returns 0, or -1 when out of memory. */
int attn_view_make(const AttnMaps *a, char *const *tokens, const float *token_weight, int layer, int head, int words,
                   AttnView *v);
void attn_view_free(AttnView *v);

#endif
