/* The error list every config reader adds to: one entry per problem, with
 * its file:line:col, printed the way compilers print theirs. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"

void config_errors_add(ConfigErrors *e, const char *file, int line, int col, const char *fmt, ...) {
    if (!e) return;
    if (e->n == e->cap) {
        int cap = e->cap ? e->cap * 2 : 8;
        ConfigError *items = realloc(e->items, (size_t)cap * sizeof *items);
        if (!items) return; /* out of memory: the error is lost, never a crash */
        e->items = items;
        e->cap = cap;
    }
    ConfigError *it = &e->items[e->n++];
    snprintf(it->file, sizeof it->file, "%s", file ? file : "");
    it->line = line;
    it->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(it->msg, sizeof it->msg, fmt, ap);
    va_end(ap);
}

void config_errors_print(const ConfigErrors *e, void *stream) {
    FILE *f = stream ? (FILE *)stream : stderr;
    if (!e) return;
    for (int i = 0; i < e->n; i++) {
        const ConfigError *it = &e->items[i];
        if (it->file[0] && it->line > 0 && it->col > 0)
            fprintf(f, "%s:%d:%d: error: %s\n", it->file, it->line, it->col, it->msg);
        else if (it->file[0] && it->line > 0)
            fprintf(f, "%s:%d: error: %s\n", it->file, it->line, it->msg);
        else if (it->file[0])
            fprintf(f, "%s: error: %s\n", it->file, it->msg);
        else
            fprintf(f, "error: %s\n", it->msg);
    }
}

void config_errors_free(ConfigErrors *e) {
    if (!e) return;
    free(e->items);
    e->items = NULL;
    e->n = e->cap = 0;
}
