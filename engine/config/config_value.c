/* One key's value as text and back: the conversion, range and value checks
 * and the wording of what was expected, shared by YAML files, --set, the
 * editor's form and the resolved YAML. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/config_internal.h"

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

void config_describe_expected(const ConfigKey *k, char *buf, size_t n) {
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
void config_describe_found(const char *text, char *buf, size_t n) {
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

/* Each parser below stores the value or writes why not into msg, with
 * expected/found already worded for the key and text. */
typedef struct {
    const char *text, *expected, *found;
    char *msg;
    size_t msglen;
} SetText;

static int set_int(Config *c, const ConfigKey *k, const SetText *s) {
    char *end;
    errno = 0;
    long v = strtol(s->text, &end, 10);
    if (!*s->text || isspace((unsigned char)*s->text) || *end) {
        snprintf(s->msg, s->msglen, "expected %s, found %s", s->expected, s->found);
        return -1;
    }
    if (errno == ERANGE || v < (long)k->min || v > (long)k->max) {
        snprintf(s->msg, s->msglen, "%s is out of range: expected %s", s->text, s->expected);
        return -1;
    }
    *FIELD(c, k, int) = (int)v;
    return 0;
}

static int set_float(Config *c, const ConfigKey *k, const SetText *s) {
    char *end;
    errno = 0;
    double v = strtod(s->text, &end);
    if (!*s->text || isspace((unsigned char)*s->text) || *end || isnan(v) || (isinf(v) && errno != ERANGE)) {
        snprintf(s->msg, s->msglen, "expected %s, found %s", s->expected, s->found);
        return -1;
    }
    if (isinf(v) || v < k->min || v > k->max) {
        snprintf(s->msg, s->msglen, "%s is out of range: expected %s", s->text, s->expected);
        return -1;
    }
    *FIELD(c, k, double) = v;
    return 0;
}

static int set_bool(Config *c, const ConfigKey *k, const SetText *s) {
    int v;
    if (!parse_bool(s->text, &v)) {
        snprintf(s->msg, s->msglen, "expected %s, found %s", s->expected, s->found);
        return -1;
    }
    *FIELD(c, k, int) = v;
    return 0;
}

static int set_enum(Config *c, const ConfigKey *k, const SetText *s) {
    int n = config_enum_count(k->values), best = -1, best_d = 1 << 30;
    char name[64];
    for (int i = 0; i < n; i++) {
        config_enum_name(k->values, i, name, sizeof name);
        if (!strcasecmp(name, s->text)) {
            *FIELD(c, k, int) = i;
            return 0;
        }
        int d = config_edit_distance(s->text, name);
        if (config_close_enough(s->text, d) && d < best_d) best_d = d, best = i;
    }
    if (best >= 0)
        snprintf(s->msg, s->msglen, "expected %s, found %s; did you mean '%s'?", s->expected, s->found,
                 config_enum_name(k->values, best, name, sizeof name));
    else
        snprintf(s->msg, s->msglen, "expected %s, found %s", s->expected, s->found);
    return -1;
}

static int set_str(Config *c, const ConfigKey *k, const SetText *s) {
    char *copy = strdup(s->text);
    if (!copy) {
        snprintf(s->msg, s->msglen, "out of memory");
        return -1;
    }
    char **slot = FIELD(c, k, char *);
    free(*slot);
    *slot = copy;
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
    config_describe_expected(k, expected, sizeof expected);
    config_describe_found(text, found, sizeof found);
    const SetText s = {text, expected, found, msg, msglen};
    switch (k->type) {
    case CFG_INT: return set_int(c, k, &s);
    case CFG_FLOAT: return set_float(c, k, &s);
    case CFG_BOOL: return set_bool(c, k, &s);
    case CFG_ENUM: return set_enum(c, k, &s);
    case CFG_STR: return set_str(c, k, &s);
    }
    snprintf(msg, msglen, "unsupported key type");
    return -1;
}
