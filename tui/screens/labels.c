/* Small drawing helpers and architecture names shared by the screens. */
#include <string.h>

#include "screens/app.h"

void draw_kv(Grid *g, int x, int y, int w, const char *k, const char *v) {
    int n = grid_text(g, x, y, w, k, style(COL_DIM, 0));
    grid_text(g, x + n + 1, y, w - n - 1, v, style(COL_TEXT, ATTR_BOLD));
}

const char *arch_label(int arch) {
    static const char *names[] = {"RNN", "LSTM", "GRU", "Transformer", "Bag of n-grams", "DistilBERT"};
    return arch >= 0 && arch < ARCH_COUNT ? names[arch] : "?";
}

int arch_from_name(const char *name) {
    char buf[32];
    for (int i = 0; i < ARCH_COUNT; i++)
        if (name && !strcmp(name, config_enum_name(ARCH_VALUES, i, buf, sizeof buf))) return i;
    return -1;
}
