/* The libyaml reader: nested sections and dotted keys alike, every problem
 * collected with its file:line:col so a user fixes a config in one pass
 * instead of one error per run. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "common/safe_open.h"
#include "config/config_internal.h"

typedef struct {
    Config *c;
    ConfigErrors *errs;
    const char *file;
    yaml_document_t *doc;
    yaml_mark_t first_set[CONFIG_KEY_COUNT];
    int was_set[CONFIG_KEY_COUNT];
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
        config_describe_expected(k, expected, sizeof expected);
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
        if (config_is_section(full)) {
            if (vn->type == YAML_MAPPING_NODE) {
                read_mapping(r, vn, full);
            } else {
                char found[80];
                config_describe_found(vn->type == YAML_SCALAR_NODE ? (const char *)vn->data.scalar.value : "", found,
                               sizeof found);
                config_errors_add(r->errs, r->file, (int)vn->start_mark.line + 1, (int)vn->start_mark.column + 1,
                                  "'%s' is a section: expected a mapping of its keys (like %s), found %s", full,
                                  config_first_key_in(full), vn->type == YAML_SCALAR_NODE ? found : node_kind(vn));
            }
            continue;
        }
        /* A mapping under an unknown top-level name is most likely a misspelt section. */
        if (!*prefix && !strchr(full, '.') && vn->type == YAML_MAPPING_NODE) {
            const char *s = config_suggest_section(full);
            if (s)
                config_errors_add(r->errs, r->file, kl, kc, "unknown section '%s'; did you mean '%s'?", full, s);
            else
                config_errors_add(r->errs, r->file, kl, kc,
                                  "unknown section '%s'; the sections are %s", full, config_section_list());
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
                                  "expected a mapping of sections (%s), found %s", config_section_list(), found);
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

int config_yaml_load_document(const char *path, struct yaml_document_s *doc, ConfigErrors *errs) {
    char *text = read_config_text(path, errs);
    if (!text) return 1;
    size_t len = strlen(text);
    int bad = check_depth(text, len, path, errs);
    yaml_parser_t parser;
    if (!bad && !yaml_parser_initialize(&parser)) {
        config_errors_add(errs, path, 0, 0, "out of memory");
        bad = 1;
    } else if (!bad) {
        yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
        if (!yaml_parser_load(&parser, doc)) {
            yaml_problem(errs, path, &parser);
            bad = 1;
        }
        yaml_parser_delete(&parser);
    }
    free(text);
    return bad;
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
