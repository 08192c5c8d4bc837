#include "nn/layer_lr.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The N of "layer.N." in a name, or -1. */
static int layer_of(const char *name) {
    for (const char *s = strstr(name, "layer."); s; s = strstr(s + 1, "layer.")) {
        if (s != name && s[-1] != '.') continue; /* "pre_layer." is not a layer index */
        char *end;
        long n = strtol(s + 6, &end, 10);
        if (end != s + 6 && *end == '.' && n >= 0 && n < 100000) return (int)n;
    }
    return -1;
}

void layer_lr_scales(const Params *p, double decay, float *scale) {
    int layers = 0;
    for (int i = 0; i < p->n; i++) {
        int l = layer_of(p->views[i].name);
        if (l + 1 > layers) layers = l + 1;
    }
    for (int i = 0; i < p->n; i++) {
        const char *name = p->views[i].name;
        int l = layer_of(name);
        /* depth from the top: the head 0, the top layer 1, ..., the embeddings layers + 1 */
        int depth = l >= 0 ? layers - l : strstr(name, "embeddings.") ? layers + 1 : 0;
        scale[i] = (float)pow(decay, depth);
    }
}
