/* Shared by the config_*.c files only: the key lookups behind the
 * "did you mean" messages, the wording of expected and found values, and
 * access to a Config field through its ConfigKey. Callers outside the config
 * module use config.h. */
#ifndef SENTUI_CONFIG_INTERNAL_H
#define SENTUI_CONFIG_INTERNAL_H

#include "config/config.h"

/* Number of keys in CONFIG_SCHEMA, as a constant for array sizes. */
#define CFG_COUNT_ONE(sec, name, type, def, lo, hi, vals, archs, help) +1
enum { CONFIG_KEY_COUNT = 0 CONFIG_SCHEMA(CFG_COUNT_ONE) };
#undef CFG_COUNT_ONE

#define FIELD(c, k, T) ((T *)((char *)(c) + (k)->offset))
#define CFIELD(c, k, T) ((const T *)((const char *)(c) + (k)->offset))

/* config_schema.c */
int config_enum_count(const char *values);
int config_edit_distance(const char *a, const char *b);
int config_close_enough(const char *word, int dist);
int config_is_section(const char *name);
const char *config_first_key_in(const char *section);
const char *config_suggest_section(const char *unknown);
const char *config_section_list(void);

/* config_value.c */
void config_describe_expected(const ConfigKey *k, char *buf, size_t n);
void config_describe_found(const char *text, char *buf, size_t n);

/* config_set.c: each "key=value" in order, as config_read applies them; a
 * NULL entry is a --set given without its value. */
void config_set_all(Config *c, const char *const *sets, int n, ConfigErrors *errs);

/* config_yaml_read.c: one YAML document from path with the config reader's
 * guards (size, NUL bytes, nesting depth) and file:line:col messages, for the
 * other YAML files kept next to configs (sweep specs). 0 with doc loaded (the
 * caller yaml_document_delete's it), else the problems are added to errs. */
struct yaml_document_s;
int config_yaml_load_document(const char *path, struct yaml_document_s *doc, ConfigErrors *errs);

/* config_set.c: the message for a key that is not in the schema ("did you
 * mean ...?", or that it names a section), as --set and sweeps give it. */
void config_unknown_key_error(ConfigErrors *errs, const char *src, int line, int col, const char *key);

#endif
