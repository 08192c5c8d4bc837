/* JSON Lines: one object per line, the text and label fields named by the
 * caller. A label is a string, or an integer written as its decimal string
 * (so 0/1 and "0"/"1" are the same classes). Blank lines are skipped. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/labelled_internal.h"

typedef struct {
    LabelledSet *set;
    const LabelledSource *src;
    const LabelledOptions *opt;
    long line;
    LabelledBuf buf; /* the line so far */
    char *err;
    size_t errlen;
} Jsonl;

static const char *json_kind(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* The object's field, or NULL with err naming the nearest field it has. */
static json_t *field(Jsonl *p, json_t *obj, const char *name, const char *what) {
    json_t *v = json_object_get(obj, name);
    if (v) return v;
    size_t n = json_object_size(obj), i = 0;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    char hint[600] = "";
    if (keys) {
        const char *k;
        json_t *val;
        json_object_foreach(obj, k, val) keys[i++] = k;
        labelled_suggest(name, keys, (int)i, hint, sizeof hint);
        free(keys);
    }
    snprintf(p->err, p->errlen, "%s:%ld: no %s field \"%.200s\"%s", p->src->name, p->line, what, name, hint);
    return NULL;
}

static int add_object(Jsonl *p, json_t *obj) {
    json_t *text = field(p, obj, p->opt->text_column, "text");
    json_t *label = text ? field(p, obj, p->opt->label_column, "label") : NULL;
    if (!label) return -1;
    if (!json_is_string(text)) {
        snprintf(p->err, p->errlen, "%s:%ld: the text field \"%.200s\" is %s, not a string", p->src->name, p->line,
                 p->opt->text_column, json_kind(text));
        return -1;
    }
    char number[32];
    const char *l;
    size_t ln;
    if (json_is_string(label)) {
        l = json_string_value(label), ln = json_string_length(label);
    } else if (json_is_integer(label)) {
        snprintf(number, sizeof number, "%" JSON_INTEGER_FORMAT, json_integer_value(label));
        l = number, ln = strlen(number);
    } else {
        snprintf(p->err, p->errlen, "%s:%ld: the label field \"%.200s\" is %s, not a string or an integer",
                 p->src->name, p->line, p->opt->label_column, json_kind(label));
        return -1;
    }
    LabelledWhere w = {p->src->name, p->line};
    return lb_add(p->set, json_string_value(text), json_string_length(text), l, ln, &w, NULL, NULL, p->err,
                  p->errlen);
}

static int parse_line(Jsonl *p, const char *s, size_t n) {
    if (labelled_blank(s, n)) return 0;
    json_error_t je;
    /* NUL allowed: "\u0000" in a text is a byte like any other */
    json_t *obj = json_loadb(s, n, JSON_ALLOW_NUL, &je);
    if (!obj) {
        snprintf(p->err, p->errlen, "%s:%ld: not valid JSON (%s, at column %d)", p->src->name, p->line, je.text,
                 je.column);
        return -1;
    }
    int rc;
    if (!json_is_object(obj)) {
        snprintf(p->err, p->errlen, "%s:%ld: %s, not a JSON object", p->src->name, p->line, json_kind(obj));
        rc = -1;
    } else
        rc = add_object(p, obj);
    json_decref(obj);
    return rc;
}

/* Adds bytes to the line being gathered, refusing a line past the limit. */
static int gather(Jsonl *p, const char *s, size_t n) {
    if (n > LABELLED_MAX_JSON_LINE - p->buf.len) {
        snprintf(p->err, p->errlen, "%s:%ld: a line longer than %u MB", p->src->name, p->line,
                 LABELLED_MAX_JSON_LINE >> 20);
        return -1;
    }
    if (lbuf_append(&p->buf, s, n)) {
        snprintf(p->err, p->errlen, "%s:%ld: out of memory", p->src->name, p->line);
        return -1;
    }
    return 0;
}

static int feed(Jsonl *p, const char *data, size_t n) {
    while (n) {
        const char *nl = memchr(data, '\n', n);
        size_t k = nl ? (size_t)(nl - data) : n;
        if (!nl) return gather(p, data, k);
        int rc;
        if (p->buf.len == 0)
            rc = parse_line(p, data, k); /* the whole line is in this block: no copy */
        else
            rc = gather(p, data, k) || parse_line(p, p->buf.p, p->buf.len) ? -1 : 0;
        if (rc) return -1;
        p->buf.len = 0;
        p->line++;
        data += k + 1, n -= k + 1;
    }
    return 0;
}

int labelled_read_jsonl(LabelledSource *s, const LabelledOptions *opt, LabelledSet *set, char *err, size_t errlen) {
    if (ls_select(s, opt->member, err, errlen)) return -1;
    Jsonl p = {set, s, opt, 1, {NULL, 0, 0}, err, errlen};
    int rc = 0;
    for (;;) {
        const char *data;
        long n = ls_read(s, &data, err, errlen);
        if (n <= 0) {
            rc = n < 0 ? -1 : parse_line(&p, p.buf.p ? p.buf.p : "", p.buf.len);
            break;
        }
        if ((rc = feed(&p, data, (size_t)n))) break;
    }
    free(p.buf.p);
    return rc ? -1 : ls_check_alone(s, opt->member, err, errlen);
}
