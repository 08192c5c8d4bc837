/* The resolved YAML written into each run folder: every key with its value
 * in effect and its help as a comment, so the file documents itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/safe_open.h"
#include "config/config.h"

/* Double-quoted YAML scalar; returns the number of bytes written. */
static int write_yaml_string(FILE *f, const char *s) {
    int n = 2;
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': n += fprintf(f, "\\\""); break;
        case '\\': n += fprintf(f, "\\\\"); break;
        case '\n': n += fprintf(f, "\\n"); break;
        case '\t': n += fprintf(f, "\\t"); break;
        case '\r': n += fprintf(f, "\\r"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                n += fprintf(f, "\\x%02x", *p);
            else
                fputc(*p, f), n++;
        }
    }
    fputc('"', f);
    return n;
}

char *config_to_yaml(const Config *c) {
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f) return NULL;
    fprintf(f, "# sentui config, resolved: every key with its value in effect.\n");
    char section[32] = "";
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        const char *dot = strchr(k->key, '.');
        size_t slen = (size_t)(dot - k->key);
        if (strlen(section) != slen || strncmp(section, k->key, slen)) {
            snprintf(section, sizeof section, "%.*s", (int)slen, k->key);
            fprintf(f, "\n%s:\n", section);
        }
        char buf[256];
        const char *v = config_get_text(c, k, buf, sizeof buf);
        /* Help as a trailing comment, aligned, so the file reads as a table. */
        int col = fprintf(f, "  %s: ", dot + 1);
        if (k->type == CFG_STR)
            col += write_yaml_string(f, v);
        else
            col += fprintf(f, "%s", v);
        fprintf(f, "%*s# %s", col < 32 ? 32 - col : 1, "", k->help);
        if (k->type == CFG_ENUM) fprintf(f, " [%s]", k->values);
        fputc('\n', f);
    }
    if (fclose(f)) {
        free(out);
        return NULL;
    }
    return out;
}

/* Written beside the target and renamed, so a reader never sees half a file. */
int config_write_file(const Config *c, const char *path) {
    char *text = config_to_yaml(c);
    if (!text) return -1;
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    if (!tmp) {
        free(text);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp", path);
    FILE *f = safe_fopen_write(tmp, "wb", NULL, 0);
    int rc = -1;
    if (f) {
        size_t len = strlen(text);
        int ok = fwrite(text, 1, len, f) == len;
        ok = !fflush(f) && ok;
        ok = !fclose(f) && ok;
        if (ok && !rename(tmp, path)) rc = 0;
        if (rc) remove(tmp);
    }
    free(tmp);
    free(text);
    return rc;
}
