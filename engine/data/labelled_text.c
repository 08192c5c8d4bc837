/* Small text checks for the labelled-data readers: UTF-8 validity, blank
 * texts, the nearest column name for a message, and a growing buffer. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/labelled_internal.h"

char *labelled_where_format(const LabelledWhere *w, char *buf, size_t n) {
    if (w->line > 0)
        snprintf(buf, n, "%s:%ld", w->file, w->line);
    else
        snprintf(buf, n, "%s", w->file);
    return buf;
}

int lbuf_append(LabelledBuf *b, const char *s, size_t n) {
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) {
            if (cap > ((size_t)-1) / 2) return -1;
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (!p) return -1;
        b->p = p, b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    return 0;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing past U+10FFFF. */
int labelled_utf8_valid(const char *str, size_t n) {
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) k = 1;
        else if (c >= 0xE0 && c <= 0xEF) {
            k = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else
            return 0;
        if (n - i <= k) return 0;
        if (s[i + 1] < lo || s[i + 1] > hi) return 0;
        for (size_t j = 2; j <= k; j++)
            if (s[i + j] < 0x80 || s[i + j] > 0xBF) return 0;
        i += k + 1;
    }
    return 1;
}

int labelled_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i])) return 0;
    return 1;
}

/* Names longer than this are not compared, nor names past the first
 * NEAR_NAMES: the distance is quadratic in length, and a hostile header may
 * hold millions of columns. */
enum { NEAR_MAX = 256, NEAR_NAMES = 4096 };

/* Levenshtein distance, ASCII case ignored. */
static size_t distance(const char *a, size_t na, const char *b, size_t nb) {
    size_t row[NEAR_MAX + 1];
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            int same = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
            size_t best = diag + !same;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

static void list_names(const char *const *names, int n, char *buf, size_t buflen) {
    size_t u = (size_t)snprintf(buf, buflen, " (there are:");
    for (int i = 0; i < n && u < buflen; i++) {
        if (i == 8) {
            snprintf(buf + u, buflen - u, " and %d more", n - i);
            u = strlen(buf);
            break;
        }
        snprintf(buf + u, buflen - u, "%s \"%.40s\"", i ? "," : "", names[i]);
        u = strlen(buf);
    }
    if (u < buflen) snprintf(buf + u, buflen - u, ")");
}

void labelled_suggest(const char *want, const char *const *names, int n, char *buf, size_t buflen) {
    buf[0] = 0;
    if (n <= 0) return;
    size_t nw = strlen(want), best = (size_t)-1;
    int at = -1;
    for (int i = 0; nw <= NEAR_MAX && i < n && i < NEAR_NAMES; i++) {
        size_t nn = strlen(names[i]);
        if (nn > NEAR_MAX) continue;
        size_t d = distance(want, nw, names[i], nn);
        if (d < best) best = d, at = i;
    }
    size_t near = nw / 2 > 1 ? nw / 2 : 1;
    if (at >= 0 && best <= near)
        snprintf(buf, buflen, " (did you mean \"%s\"?)", names[at]);
    else
        list_names(names, n, buf, buflen);
}
