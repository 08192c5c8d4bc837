#include "run/attn_view.h"

#include <stdlib.h>
#include <string.h>

int attn_any(const AttnMaps *a) {
    return a->len > 0 && a->layers > 0 && (a->full || a->layer_mean || (a->n_kept > 0 && a->kept_maps));
}

/* The stored map of one (layer, head), or NULL. */
static const float *one_head(const AttnMaps *a, int l, int h) {
    size_t L = (size_t)a->len * (size_t)a->len;
    if (a->full && h < a->heads) return a->full + ((size_t)l * a->heads + h) * L;
    for (int k = 0; a->kept_maps && k < a->n_kept; k++)
        if (a->kept[2 * k] == l && a->kept[2 * k + 1] == h) return a->kept_maps + (size_t)k * L;
    return NULL;
}

/* Mean over heads of layer l into out; -1 when neither the mean nor every head is at hand. */
static int layer_mean(const AttnMaps *a, int l, float *out) {
    size_t L = (size_t)a->len * (size_t)a->len;
    if (a->layer_mean) {
        memcpy(out, a->layer_mean + (size_t)l * L, L * sizeof *out);
        return 0;
    }
    if (!a->full || a->heads < 1) return -1;
    memset(out, 0, L * sizeof *out);
    for (int h = 0; h < a->heads; h++) {
        const float *m = a->full + ((size_t)l * a->heads + h) * L;
        for (size_t i = 0; i < L; i++) out[i] += m[i] / (float)a->heads;
    }
    return 0;
}

int attn_map(const AttnMaps *a, int layer, int head, float *out) {
    if (!attn_any(a) || layer >= a->layers || (a->heads > 0 && head >= a->heads)) return -1;
    size_t L = (size_t)a->len * (size_t)a->len;
    if (layer >= 0 && head >= 0) {
        const float *m = one_head(a, layer, head);
        if (!m) return -1;
        memcpy(out, m, L * sizeof *out);
        return 0;
    }
    if (layer >= 0) return layer_mean(a, layer, out);
    /* The mean over layers: of each layer's mean, or of one head in every layer. */
    float *one = malloc(L * sizeof *one);
    if (!one) return -1;
    memset(out, 0, L * sizeof *out);
    int rc = 0;
    for (int l = 0; l < a->layers && rc == 0; l++) {
        const float *m = head >= 0 ? one_head(a, l, head) : (layer_mean(a, l, one) == 0 ? one : NULL);
        if (!m) rc = -1;
        for (size_t i = 0; m && i < L; i++) out[i] += m[i] / (float)a->layers;
    }
    free(one);
    return rc;
}

float *attn_layer_means(const float *full, int layers, int heads, int len) {
    size_t L = (size_t)len * (size_t)len;
    float *out = malloc(((size_t)layers * L + 1) * sizeof *out);
    AttnMaps a = {.len = len, .layers = layers, .heads = heads, .full = full};
    for (int l = 0; out && l < layers; l++) layer_mean(&a, l, out + (size_t)l * L);
    return out;
}

void attn_received(const float *map, int len, float *out) {
    memset(out, 0, (size_t)len * sizeof *out);
    for (int q = 0; q < len; q++)
        for (int k = 0; k < len; k++) out[k] += map[(size_t)q * len + k] / (float)len;
}

int attn_word_groups(char *const *tokens, int len, int *group) {
    int w = -1;
    for (int i = 0; i < len; i++) {
        const char *t = tokens[i] ? tokens[i] : "";
        int cont = w >= 0 && t[0] == '#' && t[1] == '#' && t[2];
        if (!cont) w++;
        group[i] = w;
    }
    return w + 1;
}

char **attn_join_tokens(char *const *tokens, int len, const int *group, int nw) {
    char **words = calloc((size_t)nw + 1, sizeof *words);
    if (!words) return NULL;
    for (int i = 0; i < len; i++) {
        const char *t = tokens[i] ? tokens[i] : "?";
        char *old = words[group[i]];
        if (old && t[0] == '#' && t[1] == '#') t += 2;
        size_t a = old ? strlen(old) : 0, b = strlen(t);
        char *s = realloc(old, a + b + 1);
        if (!s) {
            attn_words_free(words, nw);
            return NULL;
        }
        memcpy(s + a, t, b + 1);
        words[group[i]] = s;
    }
    return words;
}

void attn_words_free(char **words, int nw) {
    for (int i = 0; words && i < nw; i++) free(words[i]);
    free(words);
}

void attn_join_map(const float *map, int len, const int *group, int nw, float *out) {
    int *pieces = calloc((size_t)nw + 1, sizeof *pieces);
    memset(out, 0, (size_t)nw * nw * sizeof *out);
    if (!pieces) return;
    for (int i = 0; i < len; i++) pieces[group[i]]++;
    for (int q = 0; q < len; q++)
        for (int k = 0; k < len; k++)
            out[(size_t)group[q] * nw + group[k]] += map[(size_t)q * len + k] / (float)pieces[group[q]];
    free(pieces);
}

void attn_join_weights(const float *w, int len, const int *group, int nw, float *out) {
    memset(out, 0, (size_t)nw * sizeof *out);
    for (int i = 0; i < len; i++) out[group[i]] += w[i];
}

/* The chosen map and its weights over the tokens, before any joining. */
static int view_tokens(const AttnMaps *a, const float *token_weight, int layer, int head, AttnView *v) {
    int n = a->len;
    size_t L = (size_t)n * (size_t)n;
    v->weight = malloc(((size_t)n + 1) * sizeof *v->weight);
    if (!v->weight) return -1;
    for (int i = 0; i < n; i++) v->weight[i] = token_weight ? token_weight[i] : 0;
    if (!attn_any(a)) return 0;
    if (!(v->map = malloc((L + 1) * sizeof *v->map))) return -1;
    if (attn_map(a, layer, head, v->map) != 0) {
        free(v->map);
        v->map = NULL;
        v->missing = layer >= 0 || head >= 0;
        return 0;
    }
    if (layer < 0 && head < 0) return 0;
    v->chosen = 1;
    attn_received(v->map, n, v->weight);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += v->weight[i];
    for (int i = 0; i < n && sum > 0; i++) v->weight[i] = (float)(v->weight[i] / sum);
    return 0;
}

int attn_view_make(const AttnMaps *a, char *const *tokens, const float *token_weight, int layer, int head, int words,
                   AttnView *v) {
    memset(v, 0, sizeof *v);
    int n = v->n = a->len;
    if (n < 1) return 0;
    if (view_tokens(a, token_weight, layer, head, v) != 0) {
        attn_view_free(v);
        return -1;
    }
    if (!words) return 0;
    int *group = malloc((size_t)n * sizeof *group);
    int nw = group ? attn_word_groups(tokens, n, group) : 0;
    char **w = nw ? attn_join_tokens(tokens, n, group, nw) : NULL;
    float *wt = malloc(((size_t)nw + 1) * sizeof *wt);
    float *m = v->map ? malloc(((size_t)nw * nw + 1) * sizeof *m) : NULL;
    if (!w || !wt || (v->map && !m)) {
        free(group), attn_words_free(w, nw), free(wt), free(m);
        attn_view_free(v);
        return -1;
    }
    attn_join_weights(v->weight, n, group, nw, wt);
    if (m) attn_join_map(v->map, n, group, nw, m);
    free(group);
    free(v->weight);
    free(v->map);
    v->words = w, v->weight = wt, v->map = m, v->n = nw;
    return 0;
}

void attn_view_free(AttnView *v) {
    if (v->words) attn_words_free(v->words, v->n);
    free(v->weight);
    free(v->map);
    memset(v, 0, sizeof *v);
}
