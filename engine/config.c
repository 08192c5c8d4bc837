/* Config: the schema table in config.h turned into data (config_keys[]), a
 * libyaml reader that accepts nested sections and dotted keys alike, text
 * conversion for every type, cross-field checks and the resolved-YAML writer.
 * Every problem is collected with its file:line:col so a user fixes a config
 * in one pass instead of one error per run. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "common/safe_open.h"

#define CFG_KEY_ENTRY(sec, name, type, def, lo, hi, vals, archs, help) \
    {#sec "." #name, CFG_##type, def, lo, hi, vals, archs, help, offsetof(Config, sec##_##name)},
const ConfigKey config_keys[] = {CONFIG_SCHEMA(CFG_KEY_ENTRY)};
#undef CFG_KEY_ENTRY
const int config_key_count = (int)(sizeof config_keys / sizeof config_keys[0]);

/* ---------------------------------------------------------------- errors */

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

/* ---------------------------------------------------------------- keys */

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

static int enum_count(const char *values) {
    if (!values || !*values) return 0;
    int n = 1;
    for (const char *p = values; *p; p++) n += *p == '|';
    return n;
}

/* Optimal-string-alignment distance: a swapped pair of letters ("lstn"/"lsnt")
 * costs one edit, which is the typo people make most. */
static int edit_distance(const char *a, const char *b) {
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
static int close_enough(const char *word, int dist) {
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
        int d = edit_distance(unknown, k);
        int near = close_enough(unknown, d);
        /* The right name in the wrong section (or without one) is also a near
         * miss: "train.hidden_dim" and "lr" both have an obvious meaning. */
        int dn = edit_distance(uname, strchr(k, '.') + 1) + 1;
        if (close_enough(uname, dn - 1) && *uname && dn < d) {
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
static int is_section(const char *name) {
    size_t n = strlen(name);
    if (n == 0) return 0;
    for (int i = 0; i < config_key_count; i++)
        if (!strncmp(config_keys[i].key, name, n) && config_keys[i].key[n] == '.') return 1;
    return 0;
}

/* "model" -> "model.arch": an example key for messages about a section. */
static const char *first_key_in(const char *section) {
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

static const char *suggest_section(const char *unknown) {
    static char names[MAX_SECTIONS][16];
    int ns = section_names(names);
    const char *best = NULL;
    int best_d = 1 << 30;
    for (int s = 0; s < ns; s++) {
        int d = edit_distance(unknown, names[s]);
        if (close_enough(unknown, d) && d < best_d) {
            best_d = d;
            best = names[s];
        }
    }
    return best;
}

/* "model:, data:, train:, eval:" for messages. */
static const char *section_list(void) {
    static char list[MAX_SECTIONS * 20];
    char names[MAX_SECTIONS][16];
    int ns = section_names(names);
    size_t used = 0;
    list[0] = 0;
    for (int s = 0; s < ns; s++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s:", s ? ", " : "", names[s]);
    return list;
}

/* ---------------------------------------------------------------- values as text */

/* Shortest text that reads back as exactly the same double. */
static void format_double(double v, char *buf, size_t n) {
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, n, "%.0f", v);
        if (!strcmp(buf, "-0")) snprintf(buf, n, "0");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

#define FIELD(c, k, T) ((T *)((char *)(c) + (k)->offset))
#define CFIELD(c, k, T) ((const T *)((const char *)(c) + (k)->offset))

const char *config_get_text(const Config *c, const ConfigKey *k, char *buf, size_t n) {
    if (!buf || n == 0) return "";
    buf[0] = 0;
    if (!c || !k) return buf;
    switch (k->type) {
    case CFG_INT: snprintf(buf, n, "%d", *CFIELD(c, k, int)); break;
    case CFG_FLOAT: format_double(*CFIELD(c, k, double), buf, n); break;
    case CFG_BOOL: snprintf(buf, n, "%s", *CFIELD(c, k, int) ? "true" : "false"); break;
    case CFG_ENUM: return config_enum_name(k->values, *CFIELD(c, k, int), buf, n);
    case CFG_STR: {
        /* buf gets a (possibly truncated) copy; the return value is the whole string. */
        const char *s = *CFIELD(c, k, char *const);
        snprintf(buf, n, "%s", s ? s : "");
        return s ? s : buf;
    }
    }
    return buf;
}

static void describe_expected(const ConfigKey *k, char *buf, size_t n) {
    char lo[64], hi[64];
    switch (k->type) {
    case CFG_INT: snprintf(buf, n, "an integer from %.0f to %.0f", k->min, k->max); break;
    case CFG_FLOAT:
        format_double(k->min, lo, sizeof lo);
        format_double(k->max, hi, sizeof hi);
        snprintf(buf, n, "a number from %s to %s", lo, hi);
        break;
    case CFG_BOOL: snprintf(buf, n, "true or false"); break;
    case CFG_ENUM: {
        size_t used = (size_t)snprintf(buf, n, "one of ");
        for (const char *p = k->values; *p && used < n; p++) {
            if (*p == '|')
                used += (size_t)snprintf(buf + used, n - used, ", ");
            else
                used += (size_t)snprintf(buf + used, n - used, "%c", *p);
        }
        break;
    }
    case CFG_STR: snprintf(buf, n, "a string"); break;
    }
}

/* "'abc'" or "nothing" for an empty value, shortened when very long. */
static void describe_found(const char *text, char *buf, size_t n) {
    if (!*text)
        snprintf(buf, n, "nothing");
    else if (strlen(text) > 60)
        snprintf(buf, n, "'%.57s...'", text);
    else
        snprintf(buf, n, "'%s'", text);
}

static int parse_bool(const char *t, int *out) {
    static const char *yes[] = {"true", "yes", "on"}, *no[] = {"false", "no", "off"};
    for (int i = 0; i < 3; i++) {
        if (!strcasecmp(t, yes[i])) return *out = 1, 1;
        if (!strcasecmp(t, no[i])) return *out = 0, 1;
    }
    return 0;
}

int config_set_text(Config *c, const ConfigKey *k, const char *text, char *msg, size_t msglen) {
    char dummy[8], expected[256], found[80];
    if (!msg || msglen == 0) msg = dummy, msglen = sizeof dummy;
    msg[0] = 0;
    if (!c || !k) {
        snprintf(msg, msglen, "no such key");
        return -1;
    }
    if (!text) text = "";
    describe_expected(k, expected, sizeof expected);
    describe_found(text, found, sizeof found);
    switch (k->type) {
    case CFG_INT: {
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (!*text || isspace((unsigned char)*text) || *end) {
            snprintf(msg, msglen, "expected %s, found %s", expected, found);
            return -1;
        }
        if (errno == ERANGE || v < (long)k->min || v > (long)k->max) {
            snprintf(msg, msglen, "%s is out of range: expected %s", text, expected);
            return -1;
        }
        *FIELD(c, k, int) = (int)v;
        return 0;
    }
    case CFG_FLOAT: {
        char *end;
        errno = 0;
        double v = strtod(text, &end);
        if (!*text || isspace((unsigned char)*text) || *end || isnan(v) ||
            (isinf(v) && errno != ERANGE)) {
            snprintf(msg, msglen, "expected %s, found %s", expected, found);
            return -1;
        }
        if (isinf(v) || v < k->min || v > k->max) {
            snprintf(msg, msglen, "%s is out of range: expected %s", text, expected);
            return -1;
        }
        *FIELD(c, k, double) = v;
        return 0;
    }
    case CFG_BOOL: {
        int v;
        if (!parse_bool(text, &v)) {
            snprintf(msg, msglen, "expected %s, found %s", expected, found);
            return -1;
        }
        *FIELD(c, k, int) = v;
        return 0;
    }
    case CFG_ENUM: {
        int n = enum_count(k->values), best = -1, best_d = 1 << 30;
        char name[64];
        for (int i = 0; i < n; i++) {
            config_enum_name(k->values, i, name, sizeof name);
            if (!strcasecmp(name, text)) {
                *FIELD(c, k, int) = i;
                return 0;
            }
            int d = edit_distance(text, name);
            if (close_enough(text, d) && d < best_d) best_d = d, best = i;
        }
        if (best >= 0)
            snprintf(msg, msglen, "expected %s, found %s; did you mean '%s'?", expected, found,
                     config_enum_name(k->values, best, name, sizeof name));
        else
            snprintf(msg, msglen, "expected %s, found %s", expected, found);
        return -1;
    }
    case CFG_STR: {
        char *copy = strdup(text);
        if (!copy) {
            snprintf(msg, msglen, "out of memory");
            return -1;
        }
        char **slot = FIELD(c, k, char *);
        free(*slot);
        *slot = copy;
        return 0;
    }
    }
    snprintf(msg, msglen, "unsupported key type");
    return -1;
}

/* ---------------------------------------------------------------- whole configs */

void config_defaults(Config *c) {
    memset(c, 0, sizeof *c);
    for (int i = 0; i < config_key_count; i++) {
        char msg[512];
        if (config_set_text(c, &config_keys[i], config_keys[i].def, msg, sizeof msg)) {
            /* A schema default that does not parse is a bug in config.h. */
            fprintf(stderr, "sentui: bad default for %s: %s\n", config_keys[i].key, msg);
            abort();
        }
    }
}

void config_free(Config *c) {
    if (!c) return;
    for (int i = 0; i < config_key_count; i++)
        if (config_keys[i].type == CFG_STR) {
            char **slot = FIELD(c, &config_keys[i], char *);
            free(*slot);
            *slot = NULL;
        }
}

/* dst is overwritten without being freed: pass a fresh or config_free'd struct. */
void config_copy(Config *dst, const Config *src) {
    if (dst == src) return;
    *dst = *src;
    for (int i = 0; i < config_key_count; i++)
        if (config_keys[i].type == CFG_STR) {
            char **slot = FIELD(dst, &config_keys[i], char *);
            if (*slot) *slot = strdup(*slot);
        }
}

uint64_t config_hash_keys(const Config *c, const char *section_prefix) {
    uint64_t h = 1469598103934665603ull;
    size_t plen = section_prefix ? strlen(section_prefix) : 0;
    for (int i = 0; i < config_key_count; i++) {
        const ConfigKey *k = &config_keys[i];
        if (plen && strncmp(k->key, section_prefix, plen)) continue;
        char buf[256];
        const char *v = config_get_text(c, k, buf, sizeof buf);
        /* key=value\n: no two different configs give the same byte stream. */
        const char *parts[4] = {k->key, "=", v, "\n"};
        for (int p = 0; p < 4; p++)
            for (const unsigned char *s = (const unsigned char *)parts[p]; *s; s++) {
                h ^= *s;
                h *= 1099511628211ull;
            }
    }
    return h;
}

/* ---------------------------------------------------------------- YAML reader */

typedef struct {
    Config *c;
    ConfigErrors *errs;
    const char *file;
    yaml_document_t *doc;
    yaml_mark_t first_set[sizeof config_keys / sizeof config_keys[0]];
    int was_set[sizeof config_keys / sizeof config_keys[0]];
} Reader;

static const char *node_kind(const yaml_node_t *n) {
    switch (n->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    default: return "nothing";
    }
}

static void set_from_node(Reader *r, const ConfigKey *k, const yaml_node_t *key_node, const yaml_node_t *val) {
    int idx = (int)(k - config_keys);
    int kl = (int)key_node->start_mark.line + 1, kc = (int)key_node->start_mark.column + 1;
    if (r->was_set[idx]) {
        config_errors_add(r->errs, r->file, kl, kc, "key '%s' is set twice (first at line %d, column %d)", k->key,
                          (int)r->first_set[idx].line + 1, (int)r->first_set[idx].column + 1);
        return;
    }
    r->was_set[idx] = 1;
    r->first_set[idx] = key_node->start_mark;
    int vl = (int)val->start_mark.line + 1, vc = (int)val->start_mark.column + 1;
    if (val->type != YAML_SCALAR_NODE) {
        char expected[256];
        describe_expected(k, expected, sizeof expected);
        config_errors_add(r->errs, r->file, vl, vc, "%s: expected %s, found %s", k->key, expected, node_kind(val));
        return;
    }
    const char *text = (const char *)val->data.scalar.value;
    if (val->data.scalar.length != strlen(text)) {
        config_errors_add(r->errs, r->file, vl, vc, "%s: the value contains a NUL character", k->key);
        return;
    }
    /* A plain "~" or "null" means no value; for text keys that is the empty string. */
    if (val->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && (!strcmp(text, "~") || !strcmp(text, "null")))
        text = "";
    char msg[512];
    if (config_set_text(r->c, k, text, msg, sizeof msg))
        config_errors_add(r->errs, r->file, vl, vc, "%s: %s", k->key, msg);
}

static void read_mapping(Reader *r, const yaml_node_t *map, const char *prefix) {
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *kn = yaml_document_get_node(r->doc, p->key);
        yaml_node_t *vn = yaml_document_get_node(r->doc, p->value);
        if (!kn || !vn) continue;
        int kl = (int)kn->start_mark.line + 1, kc = (int)kn->start_mark.column + 1;
        if (kn->type != YAML_SCALAR_NODE) {
            config_errors_add(r->errs, r->file, kl, kc, "expected a key name, found %s", node_kind(kn));
            continue;
        }
        char full[256];
        const char *name = (const char *)kn->data.scalar.value;
        if ((size_t)snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "." : "", name) >= sizeof full) {
            config_errors_add(r->errs, r->file, kl, kc, "unknown key '%.40s...'", name);
            continue;
        }
        const ConfigKey *k = config_find_key(full);
        if (k) {
            set_from_node(r, k, kn, vn);
            continue;
        }
        if (is_section(full)) {
            if (vn->type == YAML_MAPPING_NODE) {
                read_mapping(r, vn, full);
            } else {
                char found[80];
                describe_found(vn->type == YAML_SCALAR_NODE ? (const char *)vn->data.scalar.value : "", found,
                               sizeof found);
                config_errors_add(r->errs, r->file, (int)vn->start_mark.line + 1, (int)vn->start_mark.column + 1,
                                  "'%s' is a section: expected a mapping of its keys (like %s), found %s", full,
                                  first_key_in(full), vn->type == YAML_SCALAR_NODE ? found : node_kind(vn));
            }
            continue;
        }
        /* A mapping under an unknown top-level name is most likely a misspelt section. */
        if (!*prefix && !strchr(full, '.') && vn->type == YAML_MAPPING_NODE) {
            const char *s = suggest_section(full);
            if (s)
                config_errors_add(r->errs, r->file, kl, kc, "unknown section '%s'; did you mean '%s'?", full, s);
            else
                config_errors_add(r->errs, r->file, kl, kc,
                                  "unknown section '%s'; the sections are %s", full, section_list());
            continue;
        }
        const char *s = config_suggest_key(full);
        if (s)
            config_errors_add(r->errs, r->file, kl, kc, "unknown key '%s'; did you mean '%s'?", full, s);
        else
            config_errors_add(r->errs, r->file, kl, kc, "unknown key '%s' (`sentui config --schema` lists every key)",
                              full);
    }
}

static void yaml_problem(ConfigErrors *errs, const char *file, const yaml_parser_t *p) {
    const char *problem = p->problem ? p->problem : "cannot parse";
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (p->error == YAML_MEMORY_ERROR) {
        config_errors_add(errs, file, 0, 0, "out of memory while reading YAML");
    } else if (p->error == YAML_READER_ERROR) {
        /* The reader reports a byte offset, not a line. */
        config_errors_add(errs, file, 0, 0, "invalid YAML: %s (at byte %zu)", problem, p->problem_offset);
    } else if (p->context && (p->context_mark.line != p->problem_mark.line ||
                              p->context_mark.column != p->problem_mark.column)) {
        config_errors_add(errs, file, line, col, "invalid YAML: %s (%s that starts at line %d, column %d)", problem,
                          p->context, (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    } else if (p->context) {
        config_errors_add(errs, file, line, col, "invalid YAML: %s %s", problem, p->context);
    } else {
        config_errors_add(errs, file, line, col, "invalid YAML: %s", problem);
    }
}

static int load_with_parser(Config *c, yaml_parser_t *parser, const char *name, ConfigErrors *errs) {
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    int before = errs->n;
    yaml_document_t doc;
    if (!yaml_parser_load(parser, &doc)) {
        yaml_problem(errs, name, parser);
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root) {
            if (root->type == YAML_MAPPING_NODE) {
                Reader *r = calloc(1, sizeof *r);
                if (!r) {
                    config_errors_add(errs, name, 0, 0, "out of memory");
                } else {
                    r->c = c;
                    r->errs = errs;
                    r->file = name;
                    r->doc = &doc;
                    read_mapping(r, root, "");
                    free(r);
                }
            } else {
                const char *found = root->type == YAML_SCALAR_NODE ? "a single value" : "a list";
                config_errors_add(errs, name, (int)root->start_mark.line + 1, (int)root->start_mark.column + 1,
                                  "expected a mapping of sections (%s), found %s", section_list(), found);
            }
            /* A second document would be silently ignored; say so instead. */
            yaml_document_t next;
            if (!yaml_parser_load(parser, &next)) {
                yaml_problem(errs, name, parser);
            } else {
                yaml_node_t *nr = yaml_document_get_root_node(&next);
                if (nr)
                    config_errors_add(errs, name, (int)nr->start_mark.line + 1, (int)nr->start_mark.column + 1,
                                      "expected one YAML document, found a second one");
                yaml_document_delete(&next);
            }
        }
        yaml_document_delete(&doc);
    }
    int added = errs->n - before;
    config_errors_free(&local);
    return added;
}

/* libyaml handles each nesting level in time that grows with the depth, so
 * 100k '[' took 20 s to reject. A first pass over the events stops at the
 * first level deeper than any config needs, before the document is built. */
#define CONFIG_MAX_DEPTH 64

static int check_depth(const char *text, size_t len, const char *name, ConfigErrors *errs) {
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) return config_errors_add(errs, name, 0, 0, "out of memory"), 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int depth = 0, bad = 0;
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) break; /* the loading pass reports it */
        yaml_event_type_t type = ev.type;
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            if (++depth > CONFIG_MAX_DEPTH) {
                config_errors_add(errs, name, (int)ev.start_mark.line + 1, (int)ev.start_mark.column + 1,
                                  "invalid YAML: nested deeper than %d levels", CONFIG_MAX_DEPTH);
                bad = 1;
            }
        } else if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) {
            depth--;
        }
        yaml_event_delete(&ev);
        if (bad || type == YAML_STREAM_END_EVENT) break;
    }
    yaml_parser_delete(&parser);
    return bad;
}

int config_load_string(Config *c, const char *text, const char *name, ConfigErrors *errs) {
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    if (!name) name = "<string>";
    if (!text) text = "";
    size_t len = strlen(text);
    if (check_depth(text, len, name, errs)) {
        config_errors_free(&local);
        return 1;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        config_errors_add(errs, name, 0, 0, "out of memory");
        config_errors_free(&local);
        return 1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int added = load_with_parser(c, &parser, name, errs);
    yaml_parser_delete(&parser);
    config_errors_free(&local);
    return added;
}

#define CONFIG_MAX_BYTES (16u << 20)

/* The whole file, NUL-terminated; NULL with the reason added to errs. */
static char *read_config_text(const char *path, ConfigErrors *errs) {
    char why[1024];
    /* a FIFO found by path is refused at once; a pipe the shell hands over (<(...), -) is read */
    int fd = safe_open_read(path, SAFE_HANDED_OVER, why, sizeof why);
    if (fd < 0) {
        size_t pl = strlen(path);
        const char *reason = strncmp(why, path, pl) || why[pl] != ':' ? why : why + pl + 2; /* path is said once */
        config_errors_add(errs, path, 0, 0, "cannot read the config: %s", reason);
        return NULL;
    }
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    for (;;) {
        if (!buf) break;
        if (n + 1 >= cap) {
            char *grown = cap >= CONFIG_MAX_BYTES ? NULL : realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                errno = cap >= CONFIG_MAX_BYTES ? EFBIG : ENOMEM;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (!buf) {
        config_errors_add(errs, path, 0, 0, "cannot read the config: %s",
                          e == EFBIG ? "larger than 16 MB" : strerror(e));
        return NULL;
    }
    buf[n] = 0;
    const char *nul = memchr(buf, 0, n);
    if (nul) {
        int line = 1, col = 1;
        for (const char *p = buf; p < nul; p++) *p == '\n' ? (line++, col = 1) : col++;
        config_errors_add(errs, path, line, col, "invalid YAML: a NUL byte");
        free(buf);
        return NULL;
    }
    return buf;
}

int config_load_file(Config *c, const char *path, ConfigErrors *errs) {
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    char *text = read_config_text(path, errs);
    int added = text ? config_load_string(c, text, path, errs) : 1;
    free(text);
    config_errors_free(&local);
    return added;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

int config_set(Config *c, const char *assignment, ConfigErrors *errs) {
    const char *src = "--set";
    if (!assignment) assignment = "";
    char *copy = strdup(assignment);
    if (!copy) {
        config_errors_add(errs, src, 0, 0, "out of memory");
        return 1;
    }
    int rc = 0;
    char *eq = strchr(copy, '=');
    if (!eq) {
        config_errors_add(errs, src, 0, 0, "expected key=value (like train.lr=3e-4), found '%s'", assignment);
        rc = 1;
        goto out;
    }
    *eq = 0;
    char *key = trim(copy), *val = trim(eq + 1);
    size_t vl = strlen(val);
    /* Quotes that survived the shell are YAML-style quoting, not part of the value. */
    if (vl >= 2 && (val[0] == '"' || val[0] == '\'') && val[vl - 1] == val[0]) {
        val[vl - 1] = 0;
        val++;
    }
    const ConfigKey *k = config_find_key(key);
    if (!k) {
        const char *s = is_section(key) ? NULL : config_suggest_key(key);
        if (is_section(key))
            config_errors_add(errs, src, 0, 0, "'%s' is a section, not a key (like %s)", key,
                              first_key_in(key));
        else if (s)
            config_errors_add(errs, src, 0, 0, "unknown key '%s'; did you mean '%s'?", key, s);
        else
            config_errors_add(errs, src, 0, 0, "unknown key '%s' (`sentui config --schema` lists every key)", key);
        rc = 1;
        goto out;
    }
    char msg[512];
    if (config_set_text(c, k, val, msg, sizeof msg)) {
        config_errors_add(errs, src, 0, 0, "%s: %s", k->key, msg);
        rc = 1;
    }
out:
    free(copy);
    return rc;
}

/* ---------------------------------------------------------------- cross-field checks */

int config_validate(const Config *c, ConfigErrors *errs) {
    ConfigErrors local = {0};
    if (!errs) errs = &local;
    int before = errs->n;
    char name[64];
    const char *arch = config_enum_name(ARCH_VALUES, c->model_arch, name, sizeof name);

    if (c->model_arch == ARCH_TRANSFORMER && c->model_heads > 0 && c->model_embed_dim % c->model_heads)
        config_errors_add(errs, "", 0, 0, "model.heads (%d) must divide model.embed_dim (%d) for the transformer",
                          c->model_heads, c->model_embed_dim);
    if (c->model_pooling == POOL_CLS && c->model_arch != ARCH_TRANSFORMER)
        config_errors_add(errs, "", 0, 0, "model.pooling: cls needs a transformer (model.arch is %s)", arch);
    /* Validation must hold both classes or the best-checkpoint choice means nothing. */
    long pool = c->data_dataset == DATASET_SYNTHETIC ? c->data_synthetic_size : 0;
    if (c->data_limit_train > 0 && (pool == 0 || c->data_limit_train < pool)) pool = c->data_limit_train;
    if (pool > 0 && pool * c->data_val_fraction < 2)
        config_errors_add(errs, "", 0, 0,
                          "data.val_fraction %g of %ld training reviews leaves fewer than 2 for validation",
                          c->data_val_fraction, pool);
    if (c->eval_explain_samples > c->eval_batch_size)
        config_errors_add(errs, "", 0, 0, "eval.explain_samples (%d) must not exceed eval.batch_size (%d)",
                          c->eval_explain_samples, c->eval_batch_size);
    if (c->train_warmup >= 1 && c->train_warmup != floor(c->train_warmup))
        config_errors_add(errs, "", 0, 0, "train.warmup %g: steps (>= 1) must be a whole number, a share must be < 1",
                          c->train_warmup);
    if (!c->train_runs_dir || !*c->train_runs_dir)
        config_errors_add(errs, "", 0, 0, "train.runs_dir must not be empty");
    int bad_name = 0;
    for (const unsigned char *p = (const unsigned char *)(c->train_name ? c->train_name : ""); *p; p++)
        bad_name |= *p == '/' || *p == '\\' || *p < 0x20 || *p == 0x7f ||
                    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f); /* C1 controls, U+0080-U+009F */
    if (bad_name)
        config_errors_add(errs, "", 0, 0, "train.name '%s' becomes part of a folder name: no '/', '\\' or control characters",
                          c->train_name);
    int added = errs->n - before;
    config_errors_free(&local);
    return added;
}

/* ---------------------------------------------------------------- YAML writer */

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
