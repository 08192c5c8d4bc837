/* Reading members of a JSON object as sentui's file readers (events.jsonl,
 * summary.json) all read them: a member of the wrong type counts as missing,
 * and a number too large for a long is not cast (that would be undefined). */
#ifndef SENTUI_JSON_GET_H
#define SENTUI_JSON_GET_H

#include <jansson.h>

/* The number at key, or missing when there is none. */
double json_get_real(const json_t *o, const char *key, double missing);
/* 1 and *out set when key holds a number a long holds; 0 (out untouched) otherwise. */
int json_get_long(const json_t *o, const char *key, long *out);
/* The same for a value: 1e30 and non-numbers leave out untouched. */
int json_long_value(const json_t *v, long *out);
/* d as a long, or def when a long cannot hold it. */
long json_real_to_long(double d, long def);
/* The string at key, or NULL. */
const char *json_get_str(const json_t *o, const char *key);

#endif
