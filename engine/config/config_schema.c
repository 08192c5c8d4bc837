/* The schema table of config.h as data (config_keys[]), lookups by name,
 * and the near-miss suggestions ("did you mean 'model.hidden_dim'?") that
 * the YAML reader and --set give for a misspelt key, section or value. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "config/config_internal.h"

#define CFG_KEY_ENTRY(sec, name, type, def, lo, hi, vals, archs, help) \
    {#sec "." #name, CFG_##type, def, lo, hi, vals, archs, help, offsetof(Config, sec##_##name)},
const ConfigKey config_keys[] = {CONFIG_SCHEMA(CFG_KEY_ENTRY)};
#undef CFG_KEY_ENTRY
const int config_key_count = (int)(sizeof config_keys / sizeof config_keys[0]);
_Static_assert(sizeof config_keys / sizeof config_keys[0] == CONFIG_KEY_COUNT, "CONFIG_KEY_COUNT counts CONFIG_SCHEMA");

const ConfigKey *config_find_key(const char *key) {
    if (!key) return NULL;
    for (int i = 0; i < config_key_count; i++)
        if (!strcmp(config_keys[i].key, key)) return &config_keys[i];
    return NULL;
}

unsigned config_arch_bit(int arch) {
    return arch >= 0 && arch < ARCH_COUNT ? 1u << arch : 0u;
}

const char *config_enum_name(const char *values, int index, char *buf, size_t n) {
    if (!buf || n == 0) return "?";
    snprintf(buf, n, "?");
    if (!values || index < 0) return buf;
    const char *p = values;
    for (int i = 0; i < index; i++) {
        p = strchr(p, '|');
        if (!p) return buf;
        p++;
    }
    size_t len = strcspn(p, "|");
    if (len == 0) return buf;
    snprintf(buf, n, "%.*s", (int)len, p);
    return buf;
}

int config_enum_count(const char *values) {
    if (!values || !*values) return 0;
    int n = 1;
    for (const char *p = values; *p; p++) n += *p == '|';
    return n;
}

/* Optimal-string-alignment distance: a swapped pair of letters ("lstn"/"lsnt")
 * costs one edit, which is the typo people make most. */
int config_edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 1000;
    int d[65][65];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* How far a guess may be from a candidate and still be worth suggesting. */
int config_close_enough(const char *word, int dist) {
    int len = (int)strlen(word);
    int limit = len <= 4 ? 1 : len <= 8 ? 2 : len / 3;
    return dist <= limit;
}

const char *config_suggest_key(const char *unknown) {
    if (!unknown || !*unknown) return NULL;
    const char *udot = strrchr(unknown, '.');
    const char *uname = udot ? udot + 1 : unknown;
    const char *best = NULL;
    int best_d = 1 << 30;
    for (int i = 0; i < config_key_count; i++) {
        const char *k = config_keys[i].key;
        int d = config_edit_distance(unknown, k);
        int near = config_close_enough(unknown, d);
        /* The right name in the wrong section (or without one) is also a near
         * miss: "train.hidden_dim" and "lr" both have an obvious meaning. */
        int dn = config_edit_distance(uname, strchr(k, '.') + 1) + 1;
        if (config_close_enough(uname, dn - 1) && *uname && dn < d) {
            d = dn;
            near = 1;
        }
        if (near && d < best_d) {
            best_d = d;
            best = k;
        }
    }
    return best;
}

/* Sections are the key prefixes; "model" is one when "model.arch" exists. */
int config_is_section(const char *name) {
    size_t n = strlen(name);
    if (n == 0) return 0;
    for (int i = 0; i < config_key_count; i++)
        if (!strncmp(config_keys[i].key, name, n) && config_keys[i].key[n] == '.') return 1;
    return 0;
}

/* "model" -> "model.arch": an example key for messages about a section. */
const char *config_first_key_in(const char *section) {
    size_t n = strlen(section);
    for (int i = 0; i < config_key_count; i++)
        if (!strncmp(config_keys[i].key, section, n) && config_keys[i].key[n] == '.') return config_keys[i].key;
    return config_keys[0].key;
}

/* The section names in schema order ("model", "data", ...); returns how many. */
enum { MAX_SECTIONS = 8 };
static int section_names(char names[MAX_SECTIONS][16]) {
    int ns = 0;
    for (int i = 0; i < config_key_count && ns < MAX_SECTIONS; i++) {
        size_t len = strcspn(config_keys[i].key, ".");
        if (len >= sizeof names[0]) continue;
        int seen = 0;
        for (int s = 0; s < ns; s++)
            if (strlen(names[s]) == len && !strncmp(names[s], config_keys[i].key, len)) seen = 1;
        if (!seen) snprintf(names[ns++], sizeof names[0], "%.*s", (int)len, config_keys[i].key);
    }
    return ns;
}

const char *config_suggest_section(const char *unknown) {
    static char names[MAX_SECTIONS][16];
    int ns = section_names(names);
    const char *best = NULL;
    int best_d = 1 << 30;
    for (int s = 0; s < ns; s++) {
        int d = config_edit_distance(unknown, names[s]);
        if (config_close_enough(unknown, d) && d < best_d) {
            best_d = d;
            best = names[s];
        }
    }
    return best;
}

/* "model:, data:, train:, eval:" for messages. */
const char *config_section_list(void) {
    static char list[MAX_SECTIONS * 20];
    char names[MAX_SECTIONS][16];
    int ns = section_names(names);
    size_t used = 0;
    list[0] = 0;
    for (int s = 0; s < ns; s++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s:", s ? ", " : "", names[s]);
    return list;
}
