#include "run/json_get.h"

#include <limits.h>

double json_get_real(const json_t *o, const char *key, double missing) {
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : missing;
}

long json_real_to_long(double d, long def) {
    return d >= (double)LONG_MIN && d < (double)LONG_MAX ? (long)d : def;
}

int json_get_long(const json_t *o, const char *key, long *out) { return json_long_value(json_object_get(o, key), out); }

int json_long_value(const json_t *v, long *out) {
    if (!json_is_number(v)) return 0;
    double d = json_number_value(v);
    if (!(d >= (double)LONG_MIN && d < (double)LONG_MAX)) return 0;
    *out = (long)d;
    return 1;
}

const char *json_get_str(const json_t *o, const char *key) { return json_string_value(json_object_get(o, key)); }
