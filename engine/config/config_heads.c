/* eval.attention_heads: which attention heads an explain event keeps besides
 * each layer's mean over heads (see run/attn_view.h for why only those). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"

static const char *skip(const char *s) {
    while (*s && (isspace((unsigned char)*s) || *s == ',')) s++;
    return s;
}

int config_attention_heads(const char *text, int *pairs, int max, char *msg, size_t msglen) {
    const char *s = skip(text ? text : "");
    int open = *s == '[', n = 0;
    if (open) s = skip(s + 1);
    while (*s && *s != ']') {
        char *end;
        long l = strtol(s, &end, 10), h = -1;
        if (end != s && *end == '.' && isdigit((unsigned char)end[1])) h = strtol(end + 1, &end, 10);
        if (h < 0 || l < 1 || h < 1 || l > 1000 || h > 1000 || (*end && !isspace((unsigned char)*end) &&
                                                                 *end != ',' && *end != ']')) {
            snprintf(msg, msglen, "'%.40s' is not a LAYER.HEAD pair counted from 1, such as 1.3", s);
            return -1;
        }
        if (n == max) {
            snprintf(msg, msglen, "at most %d heads", max);
            return -1;
        }
        pairs[2 * n] = (int)l - 1, pairs[2 * n + 1] = (int)h - 1;
        n++;
        s = skip(end);
    }
    if ((*s == ']') != open || (open && *skip(s + 1))) {
        snprintf(msg, msglen, "unbalanced [ ]");
        return -1;
    }
    return n;
}
